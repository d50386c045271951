// Package delta is systemd-delta as systemd 252 has it on Debian bookworm:
// it walks the configuration directories systemd reads (units, presets,
// tmpfiles.d, sysctl.d, udev rules, ...) under /etc, /run, /usr/local and
// /usr (and /lib, for Debian's split-/usr build) and reports which files
// mask, override, redirect or extend others, with its options, messages,
// diff output and exit codes.
//
// Only impl/multicall imports it.
package delta

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/getopt"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
	"gosystemd/impl/version"
)

// prefixes are the configuration roots, highest priority first.
var prefixes = []string{"/etc", "/run", "/usr/local/lib", "/usr/local/share", "/usr/lib", "/usr/share", "/lib"}

// suffixes are the configuration directories examined by default.
var suffixes = []string{"sysctl.d", "tmpfiles.d", "modules-load.d", "binfmt.d", "systemd/system", "systemd/user",
	"systemd/system-preset", "systemd/user-preset", "udev/rules.d", "modprobe.d"}

// Which override types to show (-t).
const (
	showMasked = 1 << iota
	showEquivalent
	showRedirected
	showOverridden
	showUnchanged
	showExtended
	showDefaults = showMasked | showEquivalent | showRedirected | showOverridden | showExtended
)

const (
	optNoPager = 0x100 + iota
	optDiff
	optVersion
)

var longOptions = []getopt.Option{
	{Name: "help", Arg: getopt.NoArgument, ID: 'h'},
	{Name: "version", Arg: getopt.NoArgument, ID: optVersion},
	{Name: "no-pager", Arg: getopt.NoArgument, ID: optNoPager},
	{Name: "diff", Arg: getopt.OptionalArgument, ID: optDiff},
	{Name: "type", Arg: getopt.RequiredArgument, ID: 't'},
}

type tool struct {
	stdio cli.Stdio
	out   *term.Output
	// stdout and stderr are where output and messages go: the pager's
	// pipe while one runs.
	stdout, stderr io.Writer
	term           *term.Term
	log            *logging.Logger
	name           string
	flags          int
	diff           int // -1 until set
	noPager        bool
	pager          *pager
}

// errFailed means the failure has been reported; the exit code is 1.
var errFailed = errors.New("failed")

// Main runs systemd-delta.
func Main(args []string, stdio cli.Stdio) int {
	t := &tool{stdio: stdio, out: term.NewOutput(stdio.Out), stdout: stdio.Out, stderr: stdio.Err, term: term.Detect(stdio.Out, stdio.Err), diff: -1}
	t.name = args[0][strings.LastIndexByte(args[0], '/')+1:]
	t.log = logging.New(stdio.Err, t.term, t.name)
	t.log.Setup()
	defer t.log.Close()
	code := t.run(args)
	t.out.Flush()
	closePager(t)
	return code
}

func (t *tool) run(args []string) int {
	operands, done, err := t.parse(args)
	if err != nil {
		return 1
	}
	if done {
		return 0
	}
	if t.flags == 0 {
		t.flags = showDefaults
	}
	if t.diff < 0 {
		t.diff = 0
		if t.flags&showOverridden != 0 {
			t.diff = 1
		}
	} else if t.diff > 0 {
		t.flags |= showOverridden
	}
	openPager(t)

	var failed bool
	found := 0
	if len(operands) > 0 {
		for _, arg := range operands {
			n, err := t.processSuffixChop(unitname.PathSimplify(arg))
			if err != nil {
				failed = true
			} else {
				found += n
			}
		}
	} else {
		n, err := t.processSuffixes("")
		if err != nil {
			failed = true
		} else {
			found += n
		}
	}
	if failed {
		return 1
	}
	sep := ""
	if found > 0 {
		sep = "\n"
	}
	fmt.Fprintf(t.out, "%s%d overridden configuration files found.\n", sep, found)
	return 0
}

const helpText = `%s [OPTIONS...] [SUFFIX...]

Find overridden configuration files.

  -h --help           Show this help
     --version        Show package version
     --no-pager       Do not pipe output into a pager
     --diff[=1|0]     Show a diff when overridden files differ
  -t --type=LIST...   Only display a selected set of override types

See the %s for details.
`

// parse is parse_argv; done means --help or --version ran.
func (t *tool) parse(args []string) (operands []string, done bool, err error) {
	g := getopt.New(args, "ht:", longOptions, t.stdio.Err)
	for {
		c, arg, ok := g.Next()
		switch {
		case !ok:
			return g.Operands(), false, nil
		case c == 'h':
			fmt.Fprintf(t.out, helpText, t.name, t.term.ManLink("systemd-delta", "1"))
			return nil, true, nil
		case c == optVersion:
			io.WriteString(t.out, version.Text)
			return nil, true, nil
		case c == optNoPager:
			t.noPager = true
		case c == 't':
			f, ok := parseFlags(arg, t.flags)
			if !ok {
				t.log.Log(logging.Err, "src/delta/delta.c:611", "Failed to parse flags field.")
				return nil, false, errFailed
			}
			t.flags = f
		case c == optDiff:
			t.diff = 1
			if g.ArgGiven() {
				b := term.ParseBoolean(arg)
				if b < 0 {
					t.log.Log(logging.Err, "src/shared/parse-argument.c:21", "Failed to parse boolean argument to --diff: %s.", arg)
					return nil, false, errFailed
				}
				t.diff = b
			}
		default:
			return nil, false, errFailed
		}
	}
}

// parseFlags adds the comma-separated type names in s to flags. As
// extract_first_word without options, a backslash escapes the next
// character and empty words count (and are refused).
func parseFlags(s string, flags int) (int, bool) {
	var word strings.Builder
	words := []string{}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			i++
			word.WriteByte(s[i])
		case c == ',':
			words = append(words, word.String())
			word.Reset()
		default:
			word.WriteByte(c)
		}
	}
	words = append(words, word.String())
	for _, w := range words {
		switch w {
		case "masked":
			flags |= showMasked
		case "equivalent":
			flags |= showEquivalent
		case "redirected":
			flags |= showRedirected
		case "overridden":
			flags |= showOverridden
		case "unchanged":
			flags |= showUnchanged
		case "extended":
			flags |= showExtended
		case "default":
			flags |= showDefaults
		default:
			return 0, false
		}
	}
	return flags, true
}

// processSuffixChop handles one argument: a suffix, or an absolute path
// naming a prefix (all suffixes, only files from there) or a directory
// under one.
func (t *tool) processSuffixChop(arg string) (int, error) {
	if !strings.HasPrefix(arg, "/") {
		return t.processSuffix(arg, "")
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(arg, p); ok {
			rest = strings.TrimLeft(rest, "/")
			if rest != "" {
				return t.processSuffix(rest, p)
			}
			return t.processSuffixes(arg)
		}
	}
	t.log.Log(logging.Err, "src/delta/delta.c:515", "Invalid suffix specification %s.", arg)
	return 0, errFailed
}

func (t *tool) processSuffixes(onlyPrefix string) (int, error) {
	found := 0
	for _, s := range suffixes {
		n, err := t.processSuffix(s, onlyPrefix)
		if err != nil {
			return 0, err
		}
		found += n
	}
	return found, nil
}

// orderedMap is an insertion-ordered string map.
type orderedMap[V any] struct {
	keys []string
	m    map[string]V
}

func newOrderedMap[V any]() *orderedMap[V] { return &orderedMap[V]{m: map[string]V{}} }

// putNew adds key unless present (ordered_hashmap_put with a new value).
func (o *orderedMap[V]) putNew(key string, v V) bool {
	if _, ok := o.m[key]; ok {
		return false
	}
	o.keys = append(o.keys, key)
	o.m[key] = v
	return true
}

// replace sets key, moving it to the end.
func (o *orderedMap[V]) replace(key string, v V) {
	if _, ok := o.m[key]; ok {
		o.keys = slices.DeleteFunc(o.keys, func(k string) bool { return k == key })
		delete(o.m, key)
	}
	o.putNew(key, v)
}

// scan is one suffix's state: the top (highest priority) file for each
// relative name, the bottom (lowest priority) one, and each unit's
// drop-ins.
type scan struct {
	top, bottom *orderedMap[string]
	drops       *orderedMap[*orderedMap[string]]
}

// processSuffix is process_suffix: it reports every override among the
// prefixes' copies of the suffix directory, restricted to files whose
// lowest-priority copy starts with onlyPrefix when given.
func (t *tool) processSuffix(suffix, onlyPrefix string) (int, error) {
	dropins := suffix == "systemd/system" || suffix == "systemd/user"
	s := &scan{top: newOrderedMap[string](), bottom: newOrderedMap[string](), drops: newOrderedMap[*orderedMap[string]]()}
	var result error
	for _, p := range prefixes {
		if t.shouldSkip(p, suffix) {
			continue
		}
		if err := t.enumerateDir(s, unitname.PathJoin(p, suffix), dropins); err != nil && result == nil {
			result = err
		}
	}
	found := 0
	for _, key := range s.top.keys {
		f := s.top.m[key]
		o := s.bottom.m[key]
		if onlyPrefix == "" || strings.HasPrefix(o, onlyPrefix) {
			if unitname.PathEqual(o, f) {
				if t.flags&showUnchanged != 0 {
					fmt.Fprintf(t.out, "[UNCHANGED]  %s\n", f)
				}
			} else {
				found += t.foundOverride(f, o)
			}
		}
		if h, ok := s.drops.m[key]; ok {
			for _, name := range h.keys {
				if o := h.m[name]; onlyPrefix == "" || strings.HasPrefix(o, onlyPrefix) {
					found += t.notify(showExtended, t.term.Highlight(), "[EXTENDED]", "   ", f, o)
				}
			}
		}
	}
	return found, result
}

// shouldSkip is should_skip_path: a prefix's directory that resolves to
// another prefix's copy of the same directory (/lib → /usr/lib on a
// merged /usr) is left out.
func (t *tool) shouldSkip(prefix, suffix string) bool {
	dir := unitname.PathJoin(prefix, suffix)
	target, _, err := unitpath.Chase(dir, "", 0)
	if err != nil {
		return false
	}
	for _, p := range prefixes {
		if _, ok := unitname.PathStartsWith(dir, p); ok {
			continue
		}
		if unitname.PathEqual(target, unitname.PathJoin(p, suffix)) {
			t.log.Log(logging.Debug, "src/delta/delta.c:393", "%s redirects to %s, skipping.", dir, target)
			return true
		}
	}
	return false
}

// isFileEntry is dirent_is_file: a regular file or symlink, not hidden
// or a backup.
func isFileEntry(e fs.DirEntry) bool {
	typ := e.Type()
	return (typ.IsRegular() || typ&fs.ModeSymlink != 0) && !unitname.HiddenOrBackup(e.Name())
}

func (t *tool) enumerateDir(s *scan, path string, dropins bool) error {
	t.log.Log(logging.Debug, "src/delta/delta.c:301", "Looking at %s", path)
	entries, err := readDirUnsorted(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		t.log.Log(logging.Err, "src/delta/delta.c:308", "Failed to open %s: %s", path, logging.Strerror(err))
		return errFailed
	}
	var files, dirs []string
	for _, e := range entries {
		if dropins && e.Type().IsDir() && strings.HasSuffix(e.Name(), ".d") {
			dirs = append(dirs, e.Name())
		}
		if isFileEntry(e) {
			files = append(files, e.Name())
		}
	}
	slices.Sort(dirs)
	slices.Sort(files)
	for _, d := range dirs {
		if err := t.enumerateDropinDir(s, path, d); err != nil {
			return err
		}
	}
	for _, f := range files {
		p := unitname.PathJoin(path, f)
		t.log.Log(logging.Debug, "src/delta/delta.c:350", "Adding at top: %s %s %s", f, t.arrow(), p)
		s.top.putNew(f, p)
		t.log.Log(logging.Debug, "src/delta/delta.c:359", "Adding at bottom: %s %s %s", f, t.arrow(), p)
		s.bottom.replace(f, p)
	}
	return nil
}

// enumerateDropinDir is enumerate_dir_d: the ".conf" files of a unit's
// drop-in directory, keyed by "unit.d/file.conf".
func (t *tool) enumerateDropinDir(s *scan, top, drop string) error {
	path := unitname.PathJoin(top, drop)
	t.log.Log(logging.Debug, "src/delta/delta.c:207", "Looking at %s", path)
	unit := drop[:strings.LastIndexByte(drop, '.')]
	entries, err := readDirUnsorted(path)
	if err != nil {
		t.log.Log(logging.Err, "src/delta/delta.c:220", "Failed to enumerate %s: %s", path, logging.Strerror(err))
		return errFailed
	}
	var files []string
	for _, e := range entries {
		if isFileEntry(e) {
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)
	for _, f := range files {
		if !strings.HasSuffix(f, ".conf") {
			continue
		}
		p := unitname.PathJoin(path, f)
		d := p[len(top)+1:]
		t.log.Log(logging.Debug, "src/delta/delta.c:238", "Adding at top: %s %s %s", d, t.arrow(), p)
		s.top.putNew(d, p)
		t.log.Log(logging.Debug, "src/delta/delta.c:250", "Adding at bottom: %s %s %s", d, t.arrow(), p)
		s.bottom.replace(d, p)
		h, ok := s.drops.m[unit]
		if !ok {
			h = newOrderedMap[string]()
			s.drops.putNew(unit, h)
		}
		t.log.Log(logging.Debug, "src/delta/delta.c:273", "Adding to drops: %s %s %s %s %s", unit, t.arrow(), f, t.arrow(), p)
		h.putNew(f, p)
	}
	return nil
}

// readDirUnsorted lists a directory in the order the file system gives.
func readDirUnsorted(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// notify prints one finding if its type is shown and reports whether it
// counts (1) or not (0).
func (t *tool) notify(flag int, color, label, pad, top, bottom string) int {
	if t.flags&flag == 0 {
		return 0
	}
	fmt.Fprintf(t.out, "%s%s%s%s%s %s %s\n", color, label, t.term.Normal(), pad, top, t.arrow(), bottom)
	return 1
}

// foundOverride classifies top overriding bottom: a mask (empty file or
// /dev/null), a symlink to the same file (equivalent) or elsewhere
// (redirected), or a real override, shown with a diff when asked.
func (t *tool) foundOverride(top, bottom string) int {
	if mask, err := unitpath.IsMask(top); err == nil && mask {
		return t.notify(showMasked, t.term.ANSI("\x1b[0;1;31m"), "[MASKED]", "     ", top, bottom)
	}
	if dest, err := os.Readlink(top); err == nil {
		if equivalent(dest, bottom) {
			return t.notify(showEquivalent, t.term.ANSI("\x1b[0;1;32m"), "[EQUIVALENT]", " ", top, bottom)
		}
		return t.notify(showRedirected, t.term.Highlight(), "[REDIRECTED]", " ", top, bottom)
	}
	n := t.notify(showOverridden, t.term.Highlight(), "[OVERRIDDEN]", " ", top, bottom)
	if t.diff == 0 {
		return n
	}
	io.WriteString(t.out, "\n")
	t.out.Flush()
	t.runDiff(bottom, top)
	io.WriteString(t.out, "\n")
	return 1
}

// equivalent reports whether both paths resolve to the same file; a
// relative a is taken relative to the working directory, as systemd
// does.
func equivalent(a, b string) bool {
	x, _, err := unitpath.Chase(a, "", unitpath.ChaseTrailSlash)
	if err != nil {
		return false
	}
	y, _, err := unitpath.Chase(b, "", unitpath.ChaseTrailSlash)
	return err == nil && unitname.PathEqual(x, y)
}

// runDiff runs "diff -us -- bottom top" onto our standard output, with
// the debug messages of systemd's fork and wait around it.
func (t *tool) runDiff(bottom, top string) {
	cmd := exec.Command("diff", "-us", "--", bottom, top)
	cmd.Stdout, cmd.Stderr = t.stdout, t.stderr
	if err := cmd.Start(); err != nil {
		var en *exec.Error
		if errors.As(err, &en) && errors.Is(en.Err, exec.ErrNotFound) {
			err = syscall.ENOENT
		}
		t.log.Log(logging.Err, "src/delta/delta.c:179", "Failed to execute diff: %s", logging.Strerror(err))
		t.log.Log(logging.Debug, "src/basic/process-util.c:767", "diff failed with exit status 1.")
		return
	}
	t.log.Log(logging.Debug, "src/basic/process-util.c:1277", "Successfully forked off '(diff)' as PID %d.", cmd.Process.Pid)
	// The child names itself "(diff)", which needs CAP_SYS_RESOURCE; its
	// message races with the one above.
	if os.Geteuid() != 0 {
		t.log.Log(logging.Debug, "src/basic/process-util.c:271", "Skipping PR_SET_MM, as we don't have privileges.")
	} else if !hasCapability(capSysResource) {
		t.log.Log(logging.Debug, "src/basic/process-util.c:291", "PR_SET_MM_ARG_START failed: Operation not permitted")
	}
	cmd.Wait()
	switch ws := cmd.ProcessState.Sys().(syscall.WaitStatus); {
	case ws.Exited() && ws.ExitStatus() == 0:
		t.log.Log(logging.Debug, "src/basic/process-util.c:770", "diff succeeded.")
	case ws.Exited():
		t.log.Log(logging.Debug, "src/basic/process-util.c:767", "diff failed with exit status %d.", ws.ExitStatus())
	case ws.Signaled():
		t.log.Log(logging.Err, "src/basic/process-util.c:776", "diff terminated by signal %s.", signalName(ws.Signal()))
	}
}

// capSysResource is CAP_SYS_RESOURCE.
const capSysResource = 24

// hasCapability reads our effective capabilities from /proc.
func hasCapability(bit uint) bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<bit) != 0
		}
	}
	return false
}

// signalName is signal_to_string: "SIGTERM" and the like.
func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return strconv.Itoa(int(sig))
}

func (t *tool) arrow() string {
	if term.LocaleIsUTF8() {
		return "→"
	}
	return "->"
}
