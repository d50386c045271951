package analyze

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/unitfile"
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
				if rest, ok := unitname.PathStartsWith(arg, d); ok {
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
	if unitname.PathEqual(name, "environment.d") {
		name = "environment"
	}
	usr, run, coll, ext := false, false, false, ".conf"
	n := name
	if _, ok := unitname.PathStartsWith(n, "systemd"); ok && strings.HasSuffix(n, ".conf") {
		usr = true
	}
	n = strings.TrimRight(n, "/")
	if strings.HasSuffix(n, ".d") {
		coll = true
	}
	is := func(p string) bool { return unitname.PathEqual(n, p) }
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
			path := unitname.PathJoin(r.root, p, name)
			if unix.Access(path, unix.F_OK) == nil {
				main = path
				break
			}
		}
		if main == "" {
			fmt.Fprintf(&r.out, "%s# Main configuration file %s not found%s\n", t.ANSI("\x1b[0;1;35m"), name, t.Normal())
		}
	}
	files := unitpath.ConfFiles(ext, r.root, dirs)
	if main != "" {
		if err := r.catFile(t, main, false); err != nil {
			t.logf(r, logWarning, "Failed to cat %s: %s", main, logging.Strerror(err))
			return false
		}
	}
	for i, f := range files {
		if err := r.catFile(t, f, main != "" || i > 0); err != nil {
			t.logf(r, logWarning, "Failed to cat %s: %s", f, logging.Strerror(err))
			return false
		}
	}
	return true
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
	fmt.Fprintf(&r.out, "%s%s# %s%s\n", sep, t.ANSI("\x1b[0;1;34m"), t.urlifyPath(path), t.Normal())
	br := bufio.NewReader(f)
	for {
		line, ok, err := unitfile.ReadLine(br, lineMax)
		if err != nil {
			t.logf(r, logErr, "Failed to read \"%s\": %s", path, logging.Strerror(err))
			return err
		}
		if !ok {
			return nil
		}
		r.out.WriteString(line + "\n")
	}
}

// catTerm is the terminal as cat-config uses it.
type catTerm struct {
	*term.Term
	out io.Writer
}

func newCatTerm(s cli.Stdio) *catTerm { return &catTerm{term.Detect(s.Out, s.Err), s.Out} }

// Log levels cat-config reports at.
const (
	logErr = iota
	logWarning
)

// logf logs as r.logf, colored by level as systemd's console log is.
func (t *catTerm) logf(r *run, level int, format string, a ...any) {
	on := t.ANSI("\x1b[0;1;31m")
	if level == logWarning {
		on = t.ANSI256("\x1b[0;1;38;5;185m", "\x1b[0;1;33m")
	}
	r.logf("%s%s%s", on, fmt.Sprintf(format, a...), t.Normal())
}

// urlifyPath is terminal_urlify_path: path as a file:// hyperlink with
// the host name, when hyperlinks are on.
func (t *catTerm) urlifyPath(path string) string {
	abs, err := unitpath.MakeAbsolute(path)
	if err != nil {
		return path
	}
	var u unix.Utsname
	unix.Uname(&u)
	return t.Link("file://"+unix.ByteSliceToString(u.Nodename[:])+abs, path)
}

// separator is print_separator: an underlined line of spaces across
// the terminal and an empty line, or just two newlines.
func (t *catTerm) separator(out *strings.Builder) {
	if !t.UnderlineEnabled() {
		out.WriteString("\n\n")
		return
	}
	out.WriteString("\x1b[0;4m" + strings.Repeat(" ", t.columns()) + t.Normal() + "\n\n")
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
