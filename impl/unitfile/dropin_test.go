package unitfile_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitfile"
)

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFindDropinsSkips checks that a drop-in directory that cannot be
// used only drops out of the search, as conf_files_list_strv skips it
// (src/basic/conf-files.c), instead of failing the lookup.
func TestFindDropinsSkips(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir+"/a.d/10-a.conf", "")
	mustWrite(t, dir+"/b.d/20-b.conf", "")
	mustWrite(t, dir+"/file.d", "not a directory")
	for _, l := range [][2]string{{"loop1.d", dir + "/loop2.d"}, {"loop2.d", dir + "/loop1.d"}, {"alias.d", dir + "/a.d"}} {
		if err := os.Symlink(l[1], dir+"/"+l[0]); err != nil {
			t.Fatal(err)
		}
	}
	notDir := "Not a directory"
	tests := []struct {
		name     string
		dirs     []string
		want     []string
		problems []string
	}{
		{"missing", []string{dir + "/missing.d", dir + "/a.d"}, []string{dir + "/a.d/10-a.conf"}, nil},
		{"ENOTDIR", []string{dir + "/file.d", dir + "/b.d"}, []string{dir + "/b.d/20-b.conf"}, []string{
			"Failed to open directory '/(null)': " + notDir,
			"Failed to search for files in " + dir + "/file.d, ignoring: " + notDir,
		}},
		{"ENOTDIR on the way", []string{dir + "/file.d/x.d", dir + "/b.d"}, []string{dir + "/b.d/20-b.conf"}, nil},
		{"ELOOP", []string{dir + "/loop1.d", dir + "/a.d"}, []string{dir + "/a.d/10-a.conf"}, nil},
		{"symlink searched once", []string{dir + "/alias.d", dir + "/a.d"}, []string{dir + "/a.d/10-a.conf"}, nil},
		{"relative", []string{"a.d", dir + "/b.d"}, []string{dir + "/b.d/20-b.conf"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := unitfile.FindDropins(tc.dirs, ".conf")
			if !slices.Equal(got, tc.want) {
				t.Errorf("drop-ins %q, want %q", got, tc.want)
			}
			var texts []string
			for _, p := range problems {
				if p.Level != unitfile.LevelDebug {
					t.Errorf("%q logged at level %d, systemd logs it at debug level", p.Text, p.Level)
				}
				texts = append(texts, p.Text)
			}
			if !slices.Equal(texts, tc.problems) {
				t.Errorf("problems %q, want %q", texts, tc.problems)
			}
		})
	}
}

// TestFindDropinsUnreadableDifferential compares what we report for a
// drop-in directory we may not read with what systemd-analyze verify
// logs for it, both run without the right to read it.
func TestFindDropinsUnreadableDifferential(t *testing.T) {
	dir, err := os.MkdirTemp("", "dropin-eacces-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(dir+"/bar.service.d", 0o755)
		os.RemoveAll(dir)
	})
	mustWrite(t, dir+"/bar.service", "[Service]\nExecStart=/bin/true\n")
	mustWrite(t, dir+"/bar.service.d/a.conf", "[Unit]\nDescription=x\n")
	for _, p := range []string{dir, dir + "/bar.service"} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir+"/bar.service.d", 0); err != nil {
		t.Fatal(err)
	}

	real := runUnprivileged(t, exec.Command(analyze, "verify", dir+"/bar.service"),
		"SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_UNIT_PATH="+dir+":")
	var want []string
	for _, l := range strings.Split(real, "\n") {
		if (strings.HasPrefix(l, "Failed to open directory") || strings.HasPrefix(l, "Failed to search for files in")) && !slices.Contains(want, l) {
			want = append(want, l)
		}
	}

	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Leaving fsuid 0 drops the file system capabilities of this
		// thread only; it ends with the goroutine, still locked.
		runtime.LockOSThread()
		unix.Setfsuid(65534)
		_, problems := unitfile.FindDropins([]string{dir + "/bar.service.d"}, ".conf")
		for _, p := range problems {
			got = append(got, p.Text)
		}
	}()
	<-done
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("real:\n%s\nours: %q", real, got)
	}
}

// runUnprivileged runs cmd as nobody (through setpriv when we are root)
// with env added, and returns its combined output.
func runUnprivileged(t *testing.T, cmd *exec.Cmd, env ...string) string {
	t.Helper()
	if os.Geteuid() == 0 {
		args := append([]string{"--reuid=65534", "--regid=65534", "--clear-groups"}, cmd.Args...)
		cmd = exec.Command("/usr/bin/setpriv", args...)
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = "/"
	out, _ := cmd.CombinedOutput()
	return string(out)
}
