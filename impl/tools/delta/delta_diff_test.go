package delta

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gosystemd/impl/cli"
)

// systemd-delta cannot be pointed at another root: it always reads /etc,
// /run, /usr and /lib. The differential test therefore builds each tree
// as a root directory and runs the real tool and ours (this test binary,
// re-executed) chrooted into it, inside a private mount namespace where
// the host's libraries and /dev/null are bind-mounted in.

const realDelta = "/usr/bin/systemd-delta"

// helperEnv makes the test binary run our systemd-delta instead of tests.
const helperEnv = "GOSYSTEMD_DELTA_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		args := append([]string{realDelta}, os.Args[1:]...)
		os.Exit(Main(args, cli.OSStdio()))
	}
	os.Exit(m.Run())
}

// deltaTrees are root file systems ("{dev}" stands for /dev/null).
var deltaTrees = map[string][]string{
	"merged": {
		"lib -> usr/lib",
		"usr/lib/sysctl.d/10-a.conf = a=1",
		"etc/sysctl.d/10-a.conf = a=2",
		"usr/lib/sysctl.d/20-b.conf = b=1",
		"etc/sysctl.d/20-b.conf -> /dev/null",
		"usr/lib/sysctl.d/30-c.conf = c=1",
		"etc/sysctl.d/30-c.conf -> ../../usr/lib/sysctl.d/30-c.conf",
		"usr/lib/sysctl.d/40-d.conf = d=1",
		"etc/sysctl.d/40-d.conf -> /usr/lib/sysctl.d/40-d.conf",
		"usr/lib/sysctl.d/45-e.conf = e=1",
		"etc/sysctl.d/45-e.conf -> /usr/lib/sysctl.d/10-a.conf",
		"run/sysctl.d/45-e.conf =",
		"usr/lib/sysctl.d/50-only.conf = x=1",
		"usr/local/lib/sysctl.d/50-only.conf = x=2",
		"etc/sysctl.d/.hidden.conf = h=1",
		"usr/lib/sysctl.d/.hidden.conf = h=2",
		"etc/sysctl.d/60-old.conf.dpkg-old = o=1",
		"usr/lib/sysctl.d/60-old.conf.dpkg-old = o=2",
		"etc/sysctl.d/README = read me",
		"usr/lib/sysctl.d/70-dangling.conf = y=1",
		"etc/sysctl.d/70-dangling.conf -> /nonexistent.conf",
		"etc/sysctl.d/subdir.conf/",
		"usr/lib/tmpfiles.d/t.conf = d /run/t 0755",
		"usr/share/tmpfiles.d/t.conf = d /run/t 0700",
		"usr/local/share/tmpfiles.d/u.conf = d /run/u",
		"usr/lib/modules-load.d/m.conf = loop",
		"etc/modules-load.d/m.conf = loop\\ndummy",
		"usr/lib/binfmt.d/b.conf =",
		"usr/lib/systemd/system/foo.service = [Service]\\nExecStart=/bin/true",
		"usr/lib/systemd/system/foo.service.d/a.conf = [Unit]\\nDescription=a",
		"run/systemd/system/foo.service.d/a.conf = [Unit]\\nDescription=run a",
		"etc/systemd/system/foo.service.d/z-override.conf = [Unit]\\nDescription=z",
		"usr/lib/systemd/system/foo.service.d/b.conf = [Unit]",
		"usr/lib/systemd/system/foo.service.d/notes.txt = text",
		"etc/systemd/system/foo.service = [Service]\\nExecStart=/bin/false",
		"usr/lib/systemd/system/bar.service = [Service]",
		"etc/systemd/system/bar.service -> /dev/null",
		"etc/systemd/system/dropinonly.service.d/x.conf = [Unit]",
		"etc/systemd/system/multi-user.target.wants/foo.service -> ../foo.service",
		"usr/lib/systemd/system/multi-user.target.wants/foo.service -> ../foo.service",
		"usr/lib/systemd/system/linked.service.d/l.conf = [Unit]",
		"usr/lib/systemd/system/linked.service = [Unit]",
		"etc/systemd/system/linked.service.d -> /usr/lib/systemd/system/linked.service.d",
		"etc/systemd/system/.hidden.service.d/h.conf = [Unit]",
		"usr/lib/systemd/system/.hidden.service.d/h.conf = [Unit]",
		"usr/lib/systemd/system/.hidden.service = [Unit]",
		"usr/lib/systemd/user/u.service = [Unit]",
		"etc/systemd/user/u.service -> /usr/lib/systemd/user/u.service",
		"usr/lib/systemd/system-preset/90-default.preset = enable *",
		"etc/systemd/system-preset/90-default.preset = disable *",
		"usr/lib/systemd/user-preset/90-default.preset = enable *",
		"usr/lib/udev/rules.d/99-x.rules = # rules",
		"etc/udev/rules.d/99-x.rules =",
		"lib/modprobe.d/m.conf = options x",
		"etc/modprobe.d/m.conf = options y",
	},
	"split": {
		"lib/systemd/system/x.service = [Unit]\\nDescription=lib",
		"usr/lib/systemd/system/x.service = [Unit]\\nDescription=usr",
		"lib/systemd/system/x.service.d/l.conf = [Unit]",
		"lib/systemd/system/y.service = [Unit]",
		"etc/systemd/system/y.service -> /lib/systemd/system/y.service",
		"lib/sysctl.d/s.conf = a=1",
		"etc/sysctl.d/s.conf = a=2",
		"lib/tmpfiles.d -> ../usr/lib/tmpfiles.d",
		"usr/lib/tmpfiles.d/t.conf = d /t",
		"usr/lib/modprobe.d -> ../../lib/modprobe.d",
		"lib/modprobe.d/m.conf = options",
	},
	"errors": {
		"lib -> usr/lib",
		"etc/sysctl.d = not a directory",
		"usr/lib/sysctl.d/a.conf = a=1",
		"run/tmpfiles.d -> tmpfiles.d",
		"usr/lib/tmpfiles.d/t.conf = d /t",
		"etc/systemd/system/a.service = [Unit]",
		"usr/lib/systemd/system/a.service = [Unit]",
	},
	"empty": {
		"lib -> usr/lib",
	},
}

// deltaArgs are the command lines run on every tree.
var deltaArgs = [][]string{
	{},
	{"--no-pager"},
	{"--diff=no"},
	{"--diff=0", "-t", "unchanged"},
	{"-t", "masked,equivalent"},
	{"--type=redirected", "--type", "extended"},
	{"-t", "default,unchanged", "--diff=false"},
	{"--diff", "-t", "masked"},
	{"sysctl.d"},
	{"sysctl.d", "tmpfiles.d", "--diff=no"},
	{"/etc"},
	{"/usr/lib", "--diff=0"},
	{"/usr/lib/sysctl.d/"},
	{"/etc/systemd/system", "-t", "extended,overridden", "--diff=no"},
	{"systemd/system/"},
	{"//lib", "--diff=no"},
	{"/lib/systemd/system"},
	{"/usrx"},
	{"/etcfoo"},
	{"/run/", "--diff=0"},
	{"nonexistent"},
	{""},
	{"."},
	{"systemd/../sysctl.d"},
	{"-h"},
	{"--help", "--bogus"},
	{"--version"},
	{"--bogus"},
	{"-x"},
	{"-t"},
	{"--diff=maybe"},
	{"--no-pager=1"},
	{"-t", ""},
	{"-t", "masked,"},
	{"-t", "mask\\ed"},
	{"-t", "unchanged,bogus"},
	{"--ty=unchanged", "--di=0"},
	{"--", "-t"},
}

// deltaEnvs are the environments (besides PATH) each run gets.
var deltaEnvs = []map[string]string{
	{"LANG": "C.UTF-8"},
	{"LANG": "C", "SYSTEMD_COLORS": "1"},
	{"SYSTEMD_LOG_LEVEL": "debug", "SYSTEMD_LOG_LOCATION": "1", "SYSTEMD_COLORS": "16", "SYSTEMD_URLIFY": "1"},
}

func requireChroot(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realDelta); err != nil {
		t.Fatalf("the real %s is missing (it ships with systemd 252): %v", realDelta, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("confining systemd-delta to a test tree needs root (mount namespace and chroot)")
	}
	for _, tool := range []string{"unshare", "chroot", "mount", "diff"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: %v", tool, err)
		}
	}
}

func hostTools(t *testing.T) map[string]string {
	t.Helper()
	tools := map[string]string{}
	for _, tool := range []string{"unshare", "chroot", "mount", "diff"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s is missing: %v", tool, err)
		}
		tools[tool] = p
	}
	return tools
}

// makeTree creates a root file system from entries "path = content"
// ("\n" for newlines, "=" alone for an empty file), "path -> target" or
// "path/".
func makeTree(t *testing.T, root string, entries []string) {
	t.Helper()
	for _, e := range entries {
		var err error
		switch {
		case strings.Contains(e, " -> "):
			name, target, _ := strings.Cut(e, " -> ")
			p := filepath.Join(root, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			err = os.Symlink(target, p)
		case strings.Contains(e, " ="):
			name, content, _ := strings.Cut(e, " =")
			p := filepath.Join(root, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if content = strings.TrimPrefix(content, " "); content != "" {
				content = strings.ReplaceAll(content, `\n`, "\n") + "\n"
			}
			err = os.WriteFile(p, []byte(content), 0o644)
		case strings.HasSuffix(e, "/"):
			err = os.MkdirAll(filepath.Join(root, e), 0o755)
		default:
			t.Fatalf("bad tree entry %q", e)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// sandbox prepares root for running binaries: the real tool, diff and
// our test binary copied in, and a script that bind-mounts the host's
// libraries and /dev/null before chrooting.
type sandbox struct {
	root   string
	mounts string
	// tools are the host's absolute paths of unshare, mount and chroot.
	tools map[string]string
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(dst), 0o755)
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

func newSandbox(t *testing.T, root string) *sandbox {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tools := hostTools(t)
	copyFile(t, realDelta, filepath.Join(root, realDelta))
	copyFile(t, self, filepath.Join(root, "opt/ours/delta.test"))
	copyFile(t, tools["diff"], filepath.Join(root, "opt/bin/diff"))

	var mounts []string
	bind := func(src, dst string, dir bool) {
		p := filepath.Join(root, dst)
		if dir {
			os.MkdirAll(p, 0o755)
		} else {
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, nil, 0o644)
		}
		mounts = append(mounts, fmt.Sprintf("%[1]s --bind %[2]q %[3]q && %[1]s -o remount,bind,ro %[2]q %[3]q", tools["mount"], src, p))
	}
	libs, _ := filepath.Glob("/usr/lib/*-linux-gnu*")
	for _, l := range libs {
		bind(l, l, true)
	}
	bind("/dev/null", "/dev/null", false)
	// The program interpreter, at its own path, pointing into the
	// bind-mounted library directory.
	for _, bin := range []string{realDelta, self} {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type != elf.PT_INTERP {
				continue
			}
			data, _ := io.ReadAll(p.Open())
			interp := strings.TrimRight(string(data), "\x00")
			real, err := filepath.EvalSymlinks(interp)
			if err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(root, interp)
			if _, err := os.Lstat(link); err != nil {
				os.MkdirAll(filepath.Dir(link), 0o755)
				if err := os.Symlink(real, link); err != nil {
					t.Fatal(err)
				}
			}
		}
		f.Close()
	}
	return &sandbox{root: root, mounts: strings.Join(mounts, " && "), tools: tools}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// invocation is one command line run in the sandbox.
type invocation struct {
	env  map[string]string
	argv []string
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// runAll runs each invocation chrooted into the sandbox, with "/" as
// working directory and only PATH and the invocation's variables set,
// all in one private mount namespace.
func (s *sandbox) runAll(t *testing.T, invs []invocation) []result {
	t.Helper()
	outDir := filepath.Join(s.root, "opt/out")
	os.MkdirAll(outDir, 0o755)
	var script strings.Builder
	script.WriteString(s.mounts + " || exit 1\n")
	for i, inv := range invs {
		fmt.Fprintf(&script, "cd / && env -i PATH=/opt/bin:/usr/bin:/bin")
		for k, v := range inv.env {
			fmt.Fprintf(&script, " %s", shellQuote(k+"="+v))
		}
		fmt.Fprintf(&script, " %s \"$ROOT\"", s.tools["chroot"])
		for _, a := range inv.argv {
			fmt.Fprintf(&script, " %s", shellQuote(a))
		}
		fmt.Fprintf(&script, " >\"$ROOT/opt/out/%[1]d.out\" 2>\"$ROOT/opt/out/%[1]d.err\"; echo $? >\"$ROOT/opt/out/%[1]d.rc\"\n", i)
	}
	cmd := exec.Command(s.tools["unshare"], "--mount", "--propagation", "private", "sh", "-c", script.String())
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "ROOT=" + s.root}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sandbox script failed: %v\n%s", err, out)
	}
	results := make([]result, len(invs))
	for i, inv := range invs {
		read := func(ext string) string {
			data, err := os.ReadFile(filepath.Join(outDir, fmt.Sprintf("%d.%s", i, ext)))
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
		code, err := strconv.Atoi(strings.TrimSpace(read("rc")))
		if err != nil || code >= 126 {
			t.Fatalf("the sandbox could not run %q (exit %q): %s", inv.argv, read("rc"), read("err"))
		}
		results[i] = result{read("out"), normalizeFork(read("err")), code}
	}
	os.RemoveAll(outDir)
	return results
}

// normalizeFork hides what differs between runs around the diff child:
// its PID, and whether its own debug message comes before or after the
// parent's.
func normalizeFork(stderr string) string {
	lines := strings.Split(forkedPID.ReplaceAllString(stderr, "as PID N."), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.Contains(lines[i], "PR_SET_MM") && strings.Contains(lines[i+1], "Successfully forked off") {
			lines[i], lines[i+1] = lines[i+1], lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

var forkedPID = regexp.MustCompile(`as PID [0-9]+\.`)

// TestDeltaDiff runs the real systemd-delta and ours on each tree with
// the command lines (all of them on the main tree in the first
// environment, a selection otherwise), and compares stdout, stderr and
// the exit code.
func TestDeltaDiff(t *testing.T) {
	requireChroot(t)
	cases := 0
	for name, tree := range deltaTrees {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			makeTree(t, root, tree)
			s := newSandbox(t, root)
			var invs []invocation
			for i, env := range deltaEnvs {
				ourEnv := map[string]string{helperEnv: "1"}
				for k, v := range env {
					ourEnv[k] = v
				}
				step := 1
				if name != "merged" {
					step = 3
				}
				if i > 0 {
					step *= 3
				}
				for j, args := range deltaArgs {
					if j%step != 0 {
						continue
					}
					invs = append(invs, invocation{env, append([]string{realDelta}, args...)},
						invocation{ourEnv, append([]string{"/opt/ours/delta.test"}, args...)})
				}
			}
			results := s.runAll(t, invs)
			for i := 0; i < len(invs); i += 2 {
				want, got := results[i], results[i+1]
				if want != got {
					t.Errorf("env %v, args %q differ\n=== systemd-delta 252\n%s=== ours\n%s", invs[i].env, invs[i].argv[1:], want, got)
				}
				cases++
			}
		})
	}
	t.Logf("%d differential cases", cases)
}

func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{"masked", "masked,equivalent", "", ",", "default,unchanged", "mask\\ed", "masked,", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flags, ok := parseFlags(s, 0)
		if ok && (flags == 0 || flags&^(showDefaults|showUnchanged) != 0) {
			t.Fatalf("%q gave flags %#x", s, flags)
		}
		if again, ok2 := parseFlags(s, showUnchanged); ok != ok2 || ok && again != flags|showUnchanged {
			t.Fatalf("%q: flags do not accumulate", s)
		}
	})
}
