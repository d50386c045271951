package unitfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// The host's systemd-analyze verify loads unit files with systemd 252's
// own parser and prints its diagnostics; it is our specification.
const analyze = "/usr/bin/systemd-analyze"

// execKeys are the [Service] directives with command line values.
var execKeys = []string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"}

// directives stands in for the directive layer where syntax matters:
// command lines and Environment=. It keeps the head of each command list,
// which systemd-analyze verify checks for being executable.
type directives struct {
	heads map[string]*unitfile.ExecCommand
}

func (d *directives) handle(a unitfile.Assignment) ([]unitfile.Diagnostic, error) {
	known := map[string][]string{"Unit": {"Description"}, "Service": append([]string{"Type", "Environment"}, execKeys...)}
	if !slices.Contains(known[a.Section], a.Key) {
		return []unitfile.Diagnostic{unitfile.UnknownKey(a)}, nil
	}
	switch {
	case slices.Contains(execKeys, a.Key):
		cmds, diags, err := unitfile.ParseExec(a.Value, a.Location, nil)
		if a.Value == "" {
			delete(d.heads, a.Key)
		} else if _, ok := d.heads[a.Key]; !ok && len(cmds) > 0 {
			d.heads[a.Key] = &cmds[0]
		}
		return diags, err
	case a.Key == "Environment":
		_, diags := unitfile.ParseEnvironment(a.Value, a.Location, nil)
		return diags, nil
	}
	return nil, nil
}

// consoleLines is how systemd prints a message on stderr: cut to
// LINE_MAX, split at newlines and carriage returns.
func consoleLines(msg string) []string {
	if len(msg) > 2047-len("MESSAGE=") {
		msg = msg[:2047-len("MESSAGE=")]
	}
	return strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' })
}

// ourLines is what we expect systemd-analyze verify to print for a unit
// file: its diagnostics, the verdict on loading it and, for a loaded unit,
// the commands that do not exist.
func ourLines(t *testing.T, path string, dropins []string) []string {
	name := filepath.Base(path)
	d := &directives{heads: map[string]*unitfile.ExecCommand{}}
	f, err := unitfile.ReadUnit(path, dropins, unitfile.UnitSections("service"), d.handle)
	var lines []string
	for _, diag := range f.Diagnostics {
		text := diag.Text
		if len(text) > 2047 {
			text = text[:2047]
		}
		// Continuation lines of a split message cannot be told apart in
		// systemd's output, which also holds unrelated lines; skip them.
		for _, l := range consoleLines(fmt.Sprintf("%s:%d: %s", diag.File, diag.Line, text)) {
			if strings.HasPrefix(l, diag.File+":") {
				lines = append(lines, l)
			}
		}
	}
	var pe *unitfile.ParseError
	switch {
	case errors.Is(err, syscall.ENOEXEC):
		lines = append(lines, name+": Unit configuration has fatal error, unit will not be started.")
	case errors.As(err, &pe):
		lines = append(lines, fmt.Sprintf("Unit %s failed to load properly, please adjust/correct and reload service manager: %s", name, capitalErrno(pe.Err)))
	case err != nil:
		t.Fatalf("%s: %v", path, err)
	default:
		for _, k := range execKeys {
			c := d.heads[k]
			if c == nil || c.Flags&unitfile.ExecIgnoreFailure != 0 || !strings.HasPrefix(c.Path, "/") {
				continue
			}
			if _, err := os.Stat(c.Path); errors.Is(err, os.ErrNotExist) {
				// Unit messages are cut after the unit name's prefix.
				msg := fmt.Sprintf("Command %s is not executable: No such file or directory", c.Path)
				lines = append(lines, name+": "+msg[:min(len(msg), 2047)])
			}
		}
	}
	return lines
}

func capitalErrno(e syscall.Errno) string {
	s := e.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}

// realLines runs systemd-analyze verify on units and returns, per unit
// file name, the stderr lines about it that concern syntax: diagnostics
// prefixed with a path under dir, the two load verdicts and missing
// commands.
func realLines(t *testing.T, dir string, env []string, units ...string) map[string][]string {
	stderr := runVerify(t, env, units...)
	out := map[string][]string{}
	for _, l := range strings.Split(stderr, "\n") {
		switch {
		case strings.HasPrefix(l, dir+"/"):
			file, _, _ := strings.Cut(strings.TrimPrefix(l, dir+"/"), ":")
			unit := strings.SplitN(file, "/", 2)[0]
			if strings.Contains(file, "/") { // a drop-in: filed under its unit
				unit = strings.TrimSuffix(unit, ".d")
			}
			out[unit] = append(out[unit], l)
		case strings.Contains(l, ": Unit configuration has fatal error"):
			unit, _, _ := strings.Cut(l, ":")
			out[unit] = append(out[unit], l)
		case strings.Contains(l, ".service: Command "):
			unit, _, _ := strings.Cut(l, ": Command ")
			out[unit] = append(out[unit], l)
		case strings.HasPrefix(l, "Unit ") && strings.Contains(l, " failed to load properly"):
			unit := strings.Fields(l)[1]
			out[unit] = append(out[unit], l)
		}
	}
	return out
}

// runVerify returns what systemd-analyze verify prints on stderr.
func runVerify(t *testing.T, env []string, units ...string) string {
	if _, err := os.Stat(analyze); err != nil {
		t.Fatalf("systemd-analyze is needed as the specification: %v", err)
	}
	args := append([]string{"verify", "--man=no", "--generators=no"}, units...)
	cmd := exec.Command(analyze, args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "LC_ALL=C", "SYSTEMD_LOG_TARGET=console", "SYSTEMD_LOG_COLOR=0"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // exits 1 when any unit is bad
	return stderr.String()
}

// malformed unit files, each a case of the config parser or of the
// command line and environment splitters.
var malformed = map[string]string{
	"missing-eq":          "[Service]\nExecStart=/bin/true\nBogusLine\n",
	"missing-key":         "[Service]\nExecStart=/bin/true\n=value\n  = value\n",
	"unknown-section":     "[Unit]\nDescription=x\n[Foo]\nA=b\nno equals here\n[Service]\nExecStart=/bin/true\n",
	"x-section":           "[X-Foo]\nA=b\nnothing\n[Service]\nX-Bar=1\nExecStart=/bin/true\n",
	"outside":             "Description=x\nmore\n[Service]\nExecStart=/bin/true\n",
	"outside-after-bad":   "[Bad]\nDescription=x\n[Service]\nExecStart=/bin/true\n",
	"section-ws":          "[ Service ]\nExecStart=/bin/true\n[Service]\nExecStart=/bin/true\n",
	"empty-section":       "[]\nA=b\n[Service]\nExecStart=/bin/true\n",
	"bad-header":          "[Service\nExecStart=/bin/true\n",
	"bad-header-chars":    "[Serv\"ice]\nExecStart=/bin/true\n",
	"bad-header-tab":      "[Serv\tice]\nExecStart=/bin/true\n",
	"header-trailing":     "[Service] x\nExecStart=/bin/true\n",
	"comments":            "# c\n; c\n  # indented\n[Service]\n\t;x\nExecStart=/bin/true\n",
	"continuation":        "[Service]\nExecStart=/bin/echo a \\\n  b \\\n# comment inside\n; another\n  c\nbroken\n",
	"continuation-eof":    "[Service]\nExecStart=/bin/true\nBroken \\\n",
	"continuation-empty":  "[Service]\nExecStart=/bin/echo a \\\n\nNoEquals\n",
	"double-backslash":    "[Service]\nExecStart=/bin/echo a\\\\\nNoEquals\n",
	"crlf":                "[Service]\r\nExecStart=/bin/true\r\nNoEquals\r\n\r\nAlso\r\n",
	"cr-only":             "[Service]\rExecStart=/bin/true\rNoEquals\r",
	"lfcr":                "[Service]\n\rExecStart=/bin/true\n\rNoEquals\n\r",
	"nul":                 "[Service]\nExecStart=/bin/true\nA=b\x00c\nD\x00\x00E\n",
	"bom":                 "\xef\xbb\xbf[Service]\nExecStart=/bin/true\nNoEq\n",
	"bom-late":            "[Service]\n\xef\xbb\xbfExecStart=/bin/true\n\xef\xbb\xbfNoEq\n",
	"bom-comment":         "\xef\xbb\xbf# comment\n[Service]\nExecStart=/bin/true\n",
	"utf8":                "[Unit]\nDescription=ünïcödé ✓\n[Service]\nExecStart=/bin/echo ✓\n",
	"bad-utf8":            "[Service]\nExecStart=/bin/true\nDescription=\xff\xfe bad\nNoEq\n",
	"bad-utf8-ignored":    "[Foo]\nA=\xc3\n[Service]\nExecStart=/bin/true\n",
	"noncharacter":        "[Service]\nExecStart=/bin/echo \xef\xbf\xbe\n",
	"surrogate":           "[Service]\nExecStart=/bin/echo \xed\xa0\x80\n",
	"overlong":            "[Service]\nExecStart=/bin/echo \xc0\xaf\n",
	"exec-unknown-escape": "[Service]\nExecStart=/bin/echo \\q foo \\y\n",
	"exec-bad-hex":        "[Service]\nExecStart=/bin/echo \\x4g \\x00 \\u0000 \\U00110000 \\400\n",
	"exec-newline-escape": "[Service]\nExecStart=/bin/echo a\\nb\\q\n",
	"exec-unbalanced":     "[Service]\nExecStart=/bin/echo \"unbalanced\n",
	"exec-unbalanced-1st": "[Service]\nExecStart=\"/bin/echo\nNoEq\n",
	"exec-unbalanced-2nd": "[Service]\nExecStart=/bin/echo a ; -/bin/echo 'x\nNoEq\n",
	"exec-empty-at":       "[Service]\nExecStart=@\n",
	"exec-empty-dash":     "[Service]\nExecStart=-\nExecStart=/bin/true\n",
	"exec-dir":            "[Service]\nExecStart=/usr/bin/\n",
	"exec-special":        "[Service]\nExecStart=\"/bin/ec\\\"ho\"\n",
	"exec-bang":           "[Service]\nExecStart=!!!/bin/true\n",
	"exec-relative":       "[Service]\nExecStart=bin/true\n",
	"exec-argv0-only":     "[Service]\nExecStart=@/bin/true\n",
	"exec-prefixes":       "[Service]\nType=oneshot\nExecStart=-@:+/bin/true x\nExecStart=!!/bin/true\nExecStart=!/bin/true\nExecStart=+!/bin/true\n",
	"exec-semicolons":     "[Service]\nType=oneshot\nExecStart=/bin/echo a ; ; /bin/echo b ;\nExecStart=/bin/echo \\; x ';' \"\\;\"\n",
	"exec-fatal-stops":    "[Service]\nExecStart=/usr/bin/\nNoEq\n[Bogus]\n",
	"exec-ignored-bad":    "[Service]\nExecStart=-/usr/bin/\nNoEq\nExecStart=/bin/true\n",
	"exec-trailing-bs":    "[Service]\nExecStart=/bin/echo a\\\n",
	"exec-long-name":      "[Service]\nExecStart=/" + strings.Repeat("a", 256) + "\n",
	"exec-long-rel":       "[Service]\nExecStart=" + strings.Repeat("a", 256) + "\n",
	"exec-dots":           "[Service]\nExecStart=..\n",
	"exec-pre":            "[Service]\nExecStartPre=/bin/echo \\z\nExecStopPost=\"x\nExecStart=/bin/true\n",
	"env-bad-quote":       "[Service]\nExecStart=/bin/true\nEnvironment=A=1 \"B=2\n",
	"env-invalid":         "[Service]\nExecStart=/bin/true\nEnvironment=A=1 1B=2 C D= =x \"E=\\xff\" 'F=a b'\n",
	"env-escape":          "[Service]\nExecStart=/bin/true\nEnvironment=A=\\q B=\\x41\n",
	"long-line":           "[Service]\nExecStart=/bin/true\nDescription=" + strings.Repeat("a", unitfile.LongLineMax) + "\n",
	"long-line-just-fits": "[Service]\nExecStart=/bin/true\nDescription=" + strings.Repeat("a", unitfile.LongLineMax-1-len("Description=")) + "\nNoEq\n",
	"long-line-exact":     "[Service]\nExecStart=/bin/true\nDescription=" + strings.Repeat("a", unitfile.LongLineMax-len("Description=")) + "\nNoEq\n",
	"long-line-eof":       "[Service]\nExecStart=/bin/true\nDescription=" + strings.Repeat("a", unitfile.LongLineMax-len("Description=")),
	"long-continuation":   "[Service]\nExecStart=/bin/true\nDescription=" + strings.Repeat("a", 600<<10) + "\\\n" + strings.Repeat("b", 600<<10) + "\n",
	"long-comment":        "[Service]\nExecStart=/bin/true\n#" + strings.Repeat("c", unitfile.LongLineMax) + "\n",
	"long-section-name":   "[" + strings.Repeat("S", 3000) + "]\n[Service]\nExecStart=/bin/true\n",
	"long-exec-message":   "[Service]\nExecStart=/bin/echo \\q" + strings.Repeat("x", 3000) + "\n",
	"ws-around":           "[Service]\n  ExecStart  =   /bin/true   \n\t NoEq \t\n",
	"only-ws":             "   \n\t\n[Service]\nExecStart=/bin/true\n",
	"key-with-space":      "[Service]\nExec Start=/bin/true\nExecStart=/bin/true\n",
	// systemd-analyze names the first command of each list if it does not
	// exist, which shows how values were read.
	"value-continuation":  "[Service]\nExecStart=\"/nonexist/a \\\n# c\n; d\n  b\\\n\tc\"\n",
	"value-continuation2": "[Service]\nExecStart=\"/nonexist/a \\\n# c\n; d\n  b\\\n  c\"\n",
	"value-escapes2":      "[Service]\nExecStart=\"/nonexist/\\x41\\101\\u00e4\\U0001F600\\s\\\\\\\"\\'\"\n",
	"value-ws":            "[Service]\nExecStart=   /nonexist/ws   \t\n",
	"value-bom":           "\xef\xbb\xbf[Service]\n\xef\xbb\xbfExecStart=/nonexist/bom\n",
	"value-escapes":       "[Service]\nExecStart=\"/nonexist/\\x41\\101\\u00e4\\U0001F600\\s\\t\\\\\"\n",
	"value-crlf":          "[Service]\r\nExecStart=/nonexist/crlf\r\n",
	"value-reset":         "[Service]\nType=oneshot\nExecStart=/nonexist/one\nExecStart=\nExecStart=/nonexist/two\nExecStart=/nonexist/three\n",
	"value-head":          "[Service]\nType=oneshot\nExecStart=/nonexist/a ; /nonexist/b\nExecStartPre=-/nonexist/pre\nExecStartPre=/nonexist/pre2\nExecStop=@/nonexist/stop argv0\nExecCondition=/nonexist/cond\n",
	"value-quote-mid":     "[Service]\nExecStart=/nonexist/a\"b c\"d'e f'\n",
	"value-single-quote":  "[Service]\nExecStart='/nonexist/\\x41 \\''\n",
	"value-nul":           "[Service]\nExecStart=/nonexist/a\x00b\n",
	"value-simplify":      "[Service]\nExecStart=/nonexist//a/./b/../c/\nExecStartPost=//nonexist/./x/.\n",
	"value-long":          "[Service]\nExecStart=/nonexist/" + strings.Repeat("a", 255) + "/" + strings.Repeat("b", 255) + "\n",
	"value-long-message":  "[Service]\nExecStart=/nonexist" + strings.Repeat("/"+strings.Repeat("p", 200), 12) + "\n",
	"value-x-key":         "[Service]\nX-ExecStart=/nonexist/x\nExecStart=/nonexist/real\n",
	"value-ignored-sect":  "[Foo]\nExecStart=/nonexist/foo\n[Service]\nExecStart=/nonexist/svc\n",
}

func writeUnits(t *testing.T, dir string, units map[string]string) []string {
	var paths []string
	for name, content := range units {
		p := filepath.Join(dir, name+".service")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// TestVerifyDifferential checks our diagnostics and load verdicts against
// systemd-analyze verify on malformed unit files.
func TestVerifyDifferential(t *testing.T) {
	dir := t.TempDir()
	paths := writeUnits(t, dir, malformed)
	real := realLines(t, dir, nil, paths...)
	if len(real) < len(malformed)/2 {
		t.Errorf("systemd-analyze reported on only %d of %d units", len(real), len(malformed))
	}
	for _, p := range paths {
		name := filepath.Base(p)
		ours := ourLines(t, p, nil)
		if !slices.Equal(ours, real[name]) {
			t.Errorf("%s:\n real: %q\n ours: %q", name, real[name], ours)
		}
	}
}

// TestDropinDifferential builds drop-in directories across a search path,
// with overriding and masking, and wants them read in systemd's order.
func TestDropinDifferential(t *testing.T) {
	dir := t.TempDir()
	search := []string{dir + "/etc", dir + "/run", dir + "/lib"}
	unit := "foo-bar-baz@inst.service"
	write := func(path, content string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dir+"/lib/foo-bar-baz@.service", "[Service]\nExecStart=/bin/true\nMainNoEq\n")
	dirNames := append(unitname.DropinNames(unit), "service")
	for i, base := range search {
		for j, n := range dirNames {
			d := fmt.Sprintf("%s/%s.d", base, n)
			tag := fmt.Sprintf("%s/%s", filepath.Base(base), n)
			// One file unique to the directory, one shared by name across
			// all of them (the first directory wins), one per search path.
			write(fmt.Sprintf("%s/%02d-%d-%d.conf", d, (i*7+j*3)%20, i, j), "[Service]\nNoEq "+tag+"\n")
			write(d+"/50-shared.conf", "[Service]\nShared "+tag+"\n")
			write(fmt.Sprintf("%s/60-path%d.conf", d, i), "[Service]\nPerPath "+tag+"\n")
			write(d+"/.hidden.conf", "[Service]\nHidden\n")
			write(d+"/70-x.conf.bak", "[Service]\nBackup\n")
			write(d+"/80-x.conf~", "[Service]\nBackup\n")
			write(d+"/90-notconf", "[Service]\nNotConf\n")
		}
	}
	// A drop-in with a fatal error only ends itself; an empty one masks.
	write(dir+"/etc/"+unit+".d/55-bad.conf", "[Service]\nBad\xff\nAfterBad\n")
	write(dir+"/etc/"+unit+".d/56-empty.conf", "")
	write(dir+"/lib/"+unit+".d/56-empty.conf", "[Service]\nMasked\n")
	write(dir+"/etc/"+unit+".d/57-header.conf", "NoSection\n[Service\nAfterHeader\n")

	env := []string{"SYSTEMD_UNIT_PATH=" + strings.Join(search, ":")}
	lines := verifyLines(t, dir, env, unit)

	dirs := unitfile.DropinDirs(search, [][]string{unitname.DropinNames(unit)}, "service", ".d")
	dropins, err := unitfile.FindDropins(dirs, ".conf")
	if err != nil {
		t.Fatal(err)
	}
	ours := ourLines(t, dir+"/lib/foo-bar-baz@.service", dropins)
	if !slices.Equal(ours, lines) {
		t.Errorf("drop-ins:\n real: %q\n ours: %q", lines, ours)
	}
	if len(dropins) < 20 || len(lines) < 20 {
		t.Errorf("only %d drop-ins found, %d lines printed", len(dropins), len(lines))
	}
}

// verifyLines runs systemd-analyze verify on one unit and keeps, in
// order, the diagnostics about files under dir.
func verifyLines(t *testing.T, dir string, env []string, unit string) []string {
	var out []string
	for _, l := range strings.Split(runVerify(t, env, unit), "\n") {
		if strings.HasPrefix(l, dir+"/") {
			out = append(out, l)
		}
	}
	return out
}

// FuzzVerifyDifferential compares us with systemd-analyze verify on
// arbitrary unit file contents (slow: one verify run per input).
func FuzzVerifyDifferential(f *testing.F) {
	for _, name := range []string{"continuation", "value-escapes", "exec-semicolons", "nul", "crlf", "env-invalid"} {
		f.Add([]byte(malformed[name]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		paths := writeUnits(t, dir, map[string]string{"fuzz": string(data)})
		// Values of directives this test does not model (Type=, …) are the
		// directive layer's to check (impl/unit compares those with
		// systemd-analyze verify); only syntax-level lines are compared, not
		// verify's checks of the commands ("fuzz.service: Command /bin is
		// not executable" when a NUL ends ExecStart=/bin).
		notCompared := func(l string) bool {
			return strings.Contains(l, ": Failed to parse ") || strings.HasPrefix(l, "fuzz.service: Command ")
		}
		real := slices.DeleteFunc(realLines(t, dir, nil, paths...)["fuzz.service"], notCompared)
		if ours := slices.DeleteFunc(ourLines(t, paths[0], nil), notCompared); !slices.Equal(ours, real) {
			t.Fatalf("%q:\n real: %q\n ours: %q", data, real, ours)
		}
	})
}
