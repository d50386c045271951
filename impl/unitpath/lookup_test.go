package unitpath

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const realAnalyze = "/usr/bin/systemd-analyze"

func requireReal(t *testing.T, tool string) {
	t.Helper()
	if _, err := os.Stat(tool); err != nil {
		t.Fatalf("the real %s is missing (it ships with systemd 252): %v", tool, err)
	}
}

// runReal runs a real systemd tool with exactly env (plus PATH).
func runReal(t *testing.T, env map[string]string, tool string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_PAGER=cat"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running %s: %v", tool, err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

func envOf(m map[string]string) Environ {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var lookupEnvs = []map[string]string{
	{},
	{"HOME": "/home/x"},
	{"HOME": "relative"},
	{"XDG_RUNTIME_DIR": "/run/user/1000"},
	{"XDG_RUNTIME_DIR": "/run/user/1000/", "XDG_CONFIG_HOME": "/cfg/", "XDG_DATA_HOME": "/data"},
	{"XDG_CONFIG_DIRS": "/a::/b/", "XDG_DATA_DIRS": ""},
	{"XDG_CONFIG_DIRS": "", "XDG_DATA_DIRS": "rel:/x//y"},
	{"XDG_CONFIG_HOME": "", "XDG_DATA_HOME": ""},
	{"SYSTEMD_UNIT_PATH": "/a:/b"},
	{"SYSTEMD_UNIT_PATH": "/a:/b:"},
	{"SYSTEMD_UNIT_PATH": "/etc/systemd/system:"},
	{"SYSTEMD_UNIT_PATH": ""},
	{"SYSTEMD_UNIT_PATH": ":"},
	{"SYSTEMD_UNIT_PATH": "::"},
	{"SYSTEMD_UNIT_PATH": "rel/./x/:../y//:/a/../b/."},
	{"SYSTEMD_UNIT_PATH": "/a:/a:/b:/a:"},
	{"SYSTEMD_UNIT_PATH": "/usr/lib/systemd/user:/x:", "XDG_RUNTIME_DIR": "/r"},
}

// TestUnitPathsDiff compares the search path with systemd-analyze
// unit-paths for each scope in assorted environments.
func TestUnitPathsDiff(t *testing.T) {
	requireReal(t, realAnalyze)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range lookupEnvs {
		env["PWD"] = cwd
		for _, sc := range []struct {
			flag  string
			scope Scope
		}{{"--system", System}, {"--user", User}, {"--global", Global}} {
			want, stderr, code := runReal(t, env, realAnalyze, "unit-paths", sc.flag)
			if code != 0 {
				t.Errorf("%v %s: real tool failed (%d): %s", env, sc.flag, code, stderr)
				continue
			}
			lp, err := Init(sc.scope, Options{Env: envOf(env)})
			if err != nil {
				t.Errorf("%v %s: %v", env, sc.flag, err)
				continue
			}
			got := strings.Join(lp.SearchPath, "\n") + "\n"
			if len(lp.SearchPath) == 0 {
				got = ""
			}
			if got != want {
				t.Errorf("%v %s:\n--- systemd 252\n%s--- ours\n%s", env, sc.flag, want, got)
			}
		}
	}
}

// TestRootPrefix checks that a root directory prefixes every path of the
// real tool's search path, and that the user scope refuses one.
func TestRootPrefix(t *testing.T) {
	requireReal(t, realAnalyze)
	root := t.TempDir()
	for _, env := range []map[string]string{{}, {"SYSTEMD_UNIT_PATH": "/a:"}} {
		for _, sc := range []struct {
			flag  string
			scope Scope
		}{{"--system", System}, {"--global", Global}} {
			out, _, _ := runReal(t, env, realAnalyze, "unit-paths", sc.flag)
			var want []string
			for _, p := range strings.Fields(out) {
				want = append(want, root+p)
			}
			lp, err := Init(sc.scope, Options{Root: root, Env: envOf(env)})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(lp.SearchPath, " ") != strings.Join(want, " ") {
				t.Errorf("%s %v: got %q, want %q", sc.flag, env, lp.SearchPath, want)
			}
			if lp.RootDir == "" || !strings.HasPrefix(lp.PersistentConfig, root) {
				t.Errorf("%s: root not applied to the special directories: %+v", sc.flag, lp)
			}
		}
	}
	if _, err := Init(User, Options{Root: root}); err == nil {
		t.Error("user scope accepted a root directory")
	}
	if _, err := Init(System, Options{Root: root + "/missing"}); err == nil {
		t.Error("a missing root directory was accepted")
	}
	lp, err := Init(System, Options{Root: "/"})
	if err != nil || lp.RootDir != "" {
		t.Errorf("root / is not the host's: %+v %v", lp, err)
	}
}

func FuzzInit(f *testing.F) {
	f.Add("/a:/b:", "/home/x", "/run/user/1", "/etc/xdg::rel", "")
	f.Add("", "", "", "", "/usr/share")
	f.Add("::x/../y/.//z:", "rel", "", ":", "a:b")
	f.Fuzz(func(t *testing.T, unitPath, home, runtime, configDirs, dataDirs string) {
		env := map[string]string{"SYSTEMD_UNIT_PATH": unitPath, "HOME": home, "XDG_RUNTIME_DIR": runtime,
			"XDG_CONFIG_DIRS": configDirs, "XDG_DATA_DIRS": dataDirs}
		for _, scope := range []Scope{System, User, Global} {
			lp, err := Init(scope, Options{Env: envOf(env)})
			if err != nil {
				continue
			}
			seen := map[string]bool{}
			for _, p := range lp.SearchPath {
				if !strings.HasPrefix(p, "/") || seen[p] {
					t.Fatalf("scope %d: bad or repeated entry %q in %q", scope, p, lp.SearchPath)
				}
				seen[p] = true
			}
		}
	})
}
