package analyze

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// confPaths are the configuration roots, highest priority first (Debian's
// split-/usr build adds /lib).
var (
	confPaths    = []string{"/etc/", "/run/", "/usr/local/lib/", "/usr/lib/", "/lib/"}
	confPathsUsr = []string{"/etc/", "/run/", "/usr/local/lib/", "/usr/lib/"}
	runPaths     = []string{"/run/"}
)

// lineMax is LONG_LINE_MAX, the longest line cat-config prints.
const lineMax = 1 << 20

// verbCatConfig is cat-config: each named configuration file (relative to
// the configuration roots, or an absolute path under one) followed by its
// drop-ins, or each file of a drop-in collection such as tmpfiles.d.
func (r *run) verbCatConfig(args []string) int {
	t := newCatTerm(r.stdio)
	for i, arg := range args[1:] {
		if i > 0 {
			t.separator(&r.out)
		}
		name := arg
		if strings.HasPrefix(arg, "/") {
			found := false
			for _, d := range confPaths {
				if rest, ok := unitpath.PathStartsWith(arg, d); ok {
					name, found = rest, true
					break
				}
			}
			if !found {
				t.logf(r, logErr, "Path %s does not start with any known prefix.", arg)
				return 1
			}
		}
		if !r.confFilesCat(t, name) {
			return 1
		}
	}
	return 0
}

// guessConfType is guess_type: the roots to search, whether name is a
// collection of drop-ins without a main file, and the drop-in extension.
func guessConfType(name string) (string, []string, bool, string) {
	if pathEqual(name, "environment.d") {
		name = "environment"
	}
	usr, run, coll, ext := false, false, false, ".conf"
	n := name
	if _, ok := unitpath.PathStartsWith(n, "systemd"); ok && strings.HasSuffix(n, ".conf") {
		usr = true
	}
	n = strings.TrimRight(n, "/")
	if strings.HasSuffix(n, ".d") {
		coll = true
	}
	is := func(p string) bool { return pathEqual(n, p) }
	switch {
	case is("environment"):
		usr = true
	case is("udev/hwdb.d"):
		ext = ".hwdb"
	case is("udev/rules.d"):
		ext = ".rules"
	case is("kernel/install.d"):
		ext = ".install"
	case is("systemd/ntp-units.d"):
		coll, ext = true, ".list"
	case is("systemd/relabel-extra.d"):
		coll, run, ext = true, true, ".relabel"
	case is("systemd/system-preset"):
		coll, ext = true, ".preset"
	case is("systemd/user-preset"):
		coll, ext, usr = true, ".preset", true
	}
	prefixes := confPaths
	switch {
	case usr:
		prefixes = confPathsUsr
	case run:
		prefixes = runPaths
	}
	return name, prefixes, coll, ext
}

// confFilesCat is conf_files_cat under the --root directory; false means
// it failed and said so.
func (r *run) confFilesCat(t *catTerm, name string) bool {
	name, prefixes, coll, ext := guessConfType(name)
	dirSuffix := ".d"
	if coll {
		dirSuffix = ""
	}
	var dirs []string
	for _, p := range prefixes {
		dirs = append(dirs, p+name+dirSuffix)
	}
	main := ""
	if !coll {
		for _, p := range prefixes {
			path := unitpath.PathJoin(r.root, p, name)
			if unix.Access(path, unix.F_OK) == nil {
				main = path
				break
			}
		}
		if main == "" {
			fmt.Fprintf(&r.out, "%s# Main configuration file %s not found%s\n", t.ansi("\x1b[0;1;35m"), name, t.ansi(ansiNormal))
		}
	}
	files := confFilesList(ext, r.root, dirs)
	if main != "" {
		if err := r.catFile(t, main, false); err != nil {
			t.logf(r, logWarning, "Failed to cat %s: %s", main, errnoMessage(err))
			return false
		}
	}
	for i, f := range files {
		if err := r.catFile(t, f, main != "" || i > 0); err != nil {
			t.logf(r, logWarning, "Failed to cat %s: %s", f, errnoMessage(err))
			return false
		}
	}
	return true
}

// resolveDirs is path_strv_resolve_uniq: the absolute dirs with
// symlinks resolved inside root (kept as given when missing, dropped on
// other errors), without the root prefix, duplicates removed.
func resolveDirs(dirs []string, root string) []string {
	var out []string
	for _, d := range dirs {
		if !strings.HasPrefix(d, "/") {
			continue
		}
		t := d
		if root != "" {
			t = unitpath.PathJoin(root, d)
		}
		u, _, err := unitpath.Chase(t, root, 0)
		switch {
		case errors.Is(err, syscall.ENOENT):
			u = d
			if root == "" {
				u = t
			}
		case err != nil:
			continue
		case root != "":
			if x, ok := unitpath.PathStartsWith(u, root); ok {
				u = "/" + x
			} else {
				u = d
			}
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// confFilesList is conf_files_list_strv without flags: the files ending
// in suffix in dirs (searched inside root), the first of each name
// winning, sorted by name, with their paths inside root prefixed by it.
func confFilesList(suffix, root string, dirs []string) []string {
	byName := map[string]string{}
	for _, d := range resolveDirs(dirs, root) {
		dirPath, _, err := unitpath.Chase(d, root, unitpath.ChasePrefixRoot)
		if err != nil {
			continue
		}
		f, err := os.Open(dirPath)
		if err != nil {
			continue
		}
		entries, _ := f.Readdirnames(-1)
		f.Close()
		for _, e := range entries {
			if hiddenOrBackup(e) || !strings.HasSuffix(e, suffix) {
				continue
			}
			if _, seen := byName[e]; !seen {
				byName[e] = unitpath.PathJoin(dirPath, e)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}

// catFile is cat_file: a "# path" header (after an empty line when
// newline is set), then the file's lines as read_line splits them.
func (r *run) catFile(t *catTerm, path string, newline bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sep := ""
	if newline {
		sep = "\n"
	}
	fmt.Fprintf(&r.out, "%s%s# %s%s\n", sep, t.ansi("\x1b[0;1;34m"), t.urlifyPath(path), t.ansi(ansiNormal))
	br := bufio.NewReader(f)
	for {
		line, ok, err := readLine(br, lineMax)
		if err != nil {
			t.logf(r, logErr, "Failed to read \"%s\": %s", path, errnoMessage(err))
			return err
		}
		if !ok {
			return nil
		}
		r.out.WriteString(line + "\n")
	}
}

// readLine is read_line_full: a line ends at EOF, "\n", "\r" or NUL, or
// a combination of these in which no marker repeats ("\r\n", "\n\r\0",
// ...). ok is false at the end of the input. A line longer than limit
// fails with ENOBUFS.
func readLine(br *bufio.Reader, limit int) (line string, ok bool, err error) {
	const (
		eolZero = 1 << iota
		eolTen
		eolThirteen
	)
	var b []byte
	previous, count := 0, 0
	for {
		if len(b) >= limit {
			return "", false, syscall.ENOBUFS
		}
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false, err
		}
		eol := 0
		switch c {
		case '\n':
			eol = eolTen
		case '\r':
			eol = eolThirteen
		case 0:
			eol = eolZero
		}
		if previous&eolZero != 0 || eol == 0 && previous != 0 || eol != 0 && previous&eol != 0 {
			br.UnreadByte()
			break
		}
		count++
		if eol != 0 {
			previous |= eol
			continue
		}
		b = append(b, c)
	}
	return string(b), count > 0, nil
}

// hiddenOrBackup is systemd's hidden_or_backup_file.
func hiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") || name == "lost+found" || name == "aquota.user" || name == "aquota.group" || strings.HasSuffix(name, "~") {
		return true
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return false
	}
	switch name[dot+1:] {
	case "rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist", "dpkg-bak",
		"dpkg-backup", "dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp", "bak", "old", "new":
		return true
	}
	return false
}

const ansiNormal = "\x1b[0m"

// catTerm is what systemd decides about the terminal for cat-config:
// colors ($SYSTEMD_COLORS, $NO_COLOR, $TERM, whether stdout and stderr
// are terminals), hyperlinks ($SYSTEMD_URLIFY) and underlining.
type catTerm struct {
	colors, urlify, underline bool
	colors16                  bool
	out                       io.Writer
}

// Log levels cat-config reports at.
const (
	logErr = iota
	logWarning
)

// logf logs as r.logf, colored by level as systemd's console log is.
func (t *catTerm) logf(r *run, level int, format string, a ...any) {
	on := t.ansi("\x1b[0;1;31m")
	if level == logWarning {
		on = t.ansi("\x1b[0;1;38;5;185m")
		if t.colors16 {
			on = t.ansi("\x1b[0;1;33m")
		}
	}
	off := ""
	if on != "" {
		off = ansiNormal
	}
	r.logf("%s%s%s", on, fmt.Sprintf(format, a...), off)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func newCatTerm(s cli.Stdio) *catTerm {
	t := &catTerm{out: s.Out}
	term, termSet := os.LookupEnv("TERM")
	mode := -1
	if e, ok := os.LookupEnv("SYSTEMD_COLORS"); ok {
		if e == "16" || e == "256" {
			mode, t.colors16 = 1, e == "16"
		} else if b, ok := parseBoolean(e); ok {
			mode = map[bool]int{false: 0, true: 1}[b]
		}
	}
	if mode < 0 {
		_, noColor := os.LookupEnv("NO_COLOR")
		onTTY := isTerminal(s.Out) && isTerminal(s.Err)
		mode = 1
		if noColor || !termSet || term == "dumb" || !onTTY {
			mode = 0
		}
	}
	t.colors = mode == 1
	t.urlify = t.colors
	if e, ok := os.LookupEnv("SYSTEMD_URLIFY"); ok {
		if b, ok := parseBoolean(e); ok {
			t.urlify = b
		}
	}
	t.underline = t.colors && term != "linux"
	return t
}

func (t *catTerm) ansi(seq string) string {
	if t.colors {
		return seq
	}
	return ""
}

// urlifyPath is terminal_urlify_path: path as a file:// hyperlink with
// the host name, when hyperlinks are on.
func (t *catTerm) urlifyPath(path string) string {
	if !t.urlify {
		return path
	}
	var u unix.Utsname
	unix.Uname(&u)
	host := unix.ByteSliceToString(u.Nodename[:])
	abs, err := unitpath.MakeAbsolute(path)
	if err != nil {
		return path
	}
	return "\x1b]8;;file://" + host + abs + "\a" + path + "\x1b]8;;\a"
}

// separator is print_separator: an underlined line of spaces across
// the terminal and an empty line, or just two newlines.
func (t *catTerm) separator(out *strings.Builder) {
	if !t.underline {
		out.WriteString("\n\n")
		return
	}
	out.WriteString("\x1b[0;4m" + strings.Repeat(" ", t.columns()) + ansiNormal + "\n\n")
}

// columns is systemd's columns(): $COLUMNS, else the terminal's width,
// else 80.
func (t *catTerm) columns() int {
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 && c <= 65535 {
		return c
	}
	if f, ok := t.out.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}

// pathEqual is path_equal: the same path once simplified.
func pathEqual(a, b string) bool { return unitname.PathSimplify(a) == unitname.PathSimplify(b) }
