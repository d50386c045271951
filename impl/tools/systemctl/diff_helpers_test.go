package systemctl

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gosystemd/impl/cli"
)

// The host's systemctl 252 is the specification: every differential test
// builds a root directory twice, runs the real tool on one copy and ours
// on the other with the same arguments, and compares what they print,
// their exit codes and the trees they leave behind.
const realSystemctl = "/usr/bin/systemctl"

// managedVars are set the same way for both tools; others the tests do
// not touch.
var managedVars = []string{"LANG", "LC_ALL", "LC_CTYPE", "SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_TARGET",
	"SYSTEMD_LOG_COLOR", "SYSTEMD_COLORS", "SYSTEMD_UTF8", "SYSTEMD_PAGER", "SYSTEMD_UNIT_PATH",
	"SYSTEMD_OFFLINE", "SYSTEMCTL_SKIP_SYSV", "SYSTEMCTL_INSTALL_CLIENT_SIDE", "POSIXLY_CORRECT",
	"COLUMNS", "NO_COLOR", "TERM", "SYSTEMD_OS_RELEASE", "JOURNAL_STREAM"}

func requireReal(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(realSystemctl); err != nil {
		t.Fatalf("the real %s is missing (it ships with systemd 252): %v", realSystemctl, err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// env is the environment of one run: LANG=C.UTF-8 unless vars say
// otherwise.
func env(vars map[string]string) map[string]string {
	e := map[string]string{"LANG": "C.UTF-8"}
	for k, v := range vars {
		e[k] = v
	}
	return e
}

func runReal(t testing.TB, vars map[string]string, dir string, args []string) result {
	t.Helper()
	cmd := exec.Command(realSystemctl, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running %s: %v", realSystemctl, err)
		}
		code = ee.ExitCode() // -1 when killed by a signal
	}
	return result{out.String(), errb.String(), code}
}

func runOurs(t testing.TB, vars map[string]string, dir string, args []string) result {
	t.Helper()
	for _, k := range managedVars {
		if v, ok := vars[k]; ok {
			t.Setenv(k, v)
		} else {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	if dir != "" {
		old, _ := os.Getwd()
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(old)
	}
	var out, errb bytes.Buffer
	code := Main(append([]string{realSystemctl}, args...), cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return result{out.String(), errb.String(), code}
}

// entry is a file in a test tree: a regular file with content, a symlink
// ("->target") or a directory ("/").
func writeTree(t testing.TB, roots []string, tree map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := tree[k]
		for _, root := range roots {
			p := filepath.Join(root, k)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			var err error
			switch {
			case strings.HasPrefix(v, "->"):
				err = os.Symlink(v[2:], p)
			case v == "/":
				err = os.MkdirAll(p, 0o755)
			default:
				mode := os.FileMode(0o644)
				if strings.HasPrefix(v, "#!x\n") {
					mode = 0o755
				}
				err = os.WriteFile(p, []byte(v), mode)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// snapshot describes a tree: every path with its type, mode, symlink
// target or content, with root replaced by "ROOT".
func snapshot(t testing.TB, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, "%s -> %s\n", rel, strings.ReplaceAll(target, root, "ROOT"))
		case d.IsDir():
			fmt.Fprintf(&b, "%s/ %v\n", rel, info.Mode().Perm())
		default:
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, "%s %v %q\n", rel, info.Mode().Perm(), data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pair is two identical roots, one for each tool.
type pair struct {
	base, real, ours string
}

func newPair(t testing.TB, tree map[string]string) pair {
	t.Helper()
	base := t.TempDir()
	p := pair{base: base, real: filepath.Join(base, "rootR"), ours: filepath.Join(base, "rootO")}
	for _, r := range []string{p.real, p.ours} {
		if err := os.MkdirAll(r, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeTree(t, []string{p.real, p.ours}, tree)
	return p
}

func (p pair) normalize(r result, root string) result {
	if root == "" {
		return r
	}
	r.stdout = strings.ReplaceAll(r.stdout, root, "ROOT")
	r.stderr = strings.ReplaceAll(r.stderr, root, "ROOT")
	return r
}

// step runs one command line on both roots ("ROOT" in args stands for
// the root) and reports every difference, in output and in the trees.
func (p pair) step(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	want := p.query(t, vars, args...)
	if w, g := snapshot(t, p.real), snapshot(t, p.ours); w != g {
		t.Errorf("%q: trees differ:\nreal:\n%s\nours:\n%s", args, w, g)
	}
	return want
}

// query is step for a command that changes nothing: only the output is
// compared.
func (p pair) query(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	sub := func(root string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = strings.ReplaceAll(a, "ROOT", root)
		}
		return out
	}
	e := env(vars)
	want := p.normalize(runReal(t, e, p.base, sub(p.real)), p.real)
	got := p.normalize(runOurs(t, e, p.base, sub(p.ours)), p.ours)
	if got != want {
		t.Errorf("%q:\nreal:\n%s\nours:\n%s", args, want, got)
	}
	if os.Getenv("GOSD_DUMP") != "" {
		t.Logf("%q:\n%s", args, want)
	}
	return want
}
