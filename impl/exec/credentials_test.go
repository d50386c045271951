package exec

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCredentialsStore builds a unit's credential store as the executor
// does, in a private mount namespace of the test's own: files from
// LoadCredential= (a file, a directory, a missing received name) and
// SetCredential= (a default for a missing file), then a read-only mount.
func TestCredentialsStore(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for mounts")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "tree/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, data := range map[string]string{"file": "from a file", "tree/a": "A", "tree/sub/b": "B"} {
		if err := os.WriteFile(filepath.Join(src, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := NewSpec("creds.service", "/bin/true", "true")
	s.Prefix[DirRuntime] = filepath.Join(dir, "run")
	s.LoadCredentials = []LoadCredentialSpec{
		{ID: "one", Path: filepath.Join(src, "file")},
		{ID: "tree", Path: filepath.Join(src, "tree")},
		{ID: "received", Path: "not-there-anywhere"},
		{ID: "fallback", Path: filepath.Join(src, "missing")},
	}
	s.SetCredentials = []SetCredentialSpec{{ID: "fallback", Data: []byte("default")}, {ID: "one", Data: []byte("ignored")}}
	final := s.credentialsDir()
	type result struct {
		files map[string]string
		mode  os.FileMode
		ro    bool
		err   error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // dies with the goroutine, namespace and all
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			done <- result{err: err}
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			done <- result{err: err}
			return
		}
		for _, d := range []string{filepath.Dir(final), final, filepath.Join(dir, "ws")} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				done <- result{err: err}
				return
			}
		}
		if err := s.setupCredentialsIn(final, filepath.Join(dir, "ws"), false, true, noID); err != nil {
			done <- result{err: err}
			return
		}
		r := result{files: map[string]string{}}
		ents, _ := os.ReadDir(final)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(final, e.Name()))
			info, _ := e.Info()
			r.files[e.Name()] = string(b) + " " + info.Mode().String()
		}
		if fi, err := os.Stat(final); err == nil {
			r.mode = fi.Mode()
		}
		r.ro = unix.Access(final, unix.W_OK) == unix.EROFS
		done <- r
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := map[string]string{"one": "from a file -r--------", "tree_a": "A -r--------", "tree_sub_b": "B -r--------",
		"fallback": "default -r--------"}
	if len(r.files) != len(want) {
		t.Errorf("files %v", r.files)
	}
	for k, v := range want {
		if r.files[k] != v {
			t.Errorf("%s: %q, want %q", k, r.files[k], v)
		}
	}
	if !r.ro || r.mode.Perm()&0o222 != 0 {
		t.Errorf("store not read-only: ro %v mode %v", r.ro, r.mode)
	}
	env := strings.Join(buildEnvironment(s, envParams{pid: 1}), "\n")
	if !strings.Contains(env, "CREDENTIALS_DIRECTORY="+final) {
		t.Errorf("environment lacks CREDENTIALS_DIRECTORY:\n%s", env)
	}
}

func TestCredentialMissingFileFails(t *testing.T) {
	dir := t.TempDir()
	s := NewSpec("creds.service", "/bin/true", "true")
	s.LoadCredentials = []LoadCredentialSpec{{ID: "x", Path: filepath.Join(dir, "missing")}}
	left := uint64(credentialsTotalSizeMax)
	if err := s.loadCredential(dir, "x", filepath.Join(dir, "missing"), false, noID, true, &left); err == nil {
		t.Error("a missing absolute source must fail the setup")
	}
	if !credentialNameValid("sysctl.extra") || credentialNameValid("a/b") || credentialNameValid("a:b") || credentialNameValid("..") {
		t.Error("credentialNameValid")
	}
}
