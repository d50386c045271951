package pid1

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSwitchRootExecs(t *testing.T) {
	args := []string{"/lib/systemd/systemd", "--deserialize=3", "--switched-root", "systemd.mask=console-getty.service"}
	got := switchRootExecs("", args, 9)
	want := []switchRootExec{
		{path: "/lib/systemd/systemd", serialize: true, argv: []string{"/lib/systemd/systemd", "--switched-root", "--system",
			"--deserialize=9", "systemd.mask=console-getty.service"}},
		{path: "/sbin/init", argv: []string{"/sbin/init", "--deserialize=3", "--switched-root", "systemd.mask=console-getty.service"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("no init:\n got %+v\nwant %+v", got, want)
	}
	// A named init gets no state; /sbin/init is still the fallback.
	got = switchRootExecs("/bin/myinit", []string{"systemd", "quiet"}, -1)
	want = []switchRootExec{
		{path: "/bin/myinit", argv: []string{"/bin/myinit", "quiet"}},
		{path: "/sbin/init", argv: []string{"/sbin/init", "quiet"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("init:\n got %+v\nwant %+v", got, want)
	}
}

func TestSpareFromKilling(t *testing.T) {
	for _, c := range []struct {
		p    procInfo
		want bool
	}{
		{procInfo{}, true},
		{procInfo{ok: true, kthread: true}, true},
		{procInfo{ok: true, uid: 1000, firstByte: '@'}, false},
		{procInfo{ok: true, uid: 0, firstByte: '@'}, true},
		{procInfo{ok: true, uid: 0, firstByte: '/'}, false},
		{procInfo{ok: true, uid: 0}, false},
		{procInfo{ok: true, uid: 0, cmdlineErr: true}, true},
	} {
		if got := spareFromKilling(c.p); got != c.want {
			t.Errorf("%+v: %v, want %v", c.p, got, c.want)
		}
	}
}

func TestStatIsKernelThread(t *testing.T) {
	kthread := []byte("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0")
	user := []byte("77 (a) b) c) S 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0")
	if !statIsKernelThread(kthread) || statIsKernelThread(user) || statIsKernelThread([]byte("garbage")) {
		t.Error("kernel thread flags misread")
	}
}

func TestIsTemporaryFS(t *testing.T) {
	if !isTemporaryFS(unix.TMPFS_MAGIC) || !isTemporaryFS(unix.RAMFS_MAGIC) || isTemporaryFS(unix.EXT4_SUPER_MAGIC) || isTemporaryFS(unix.OVERLAYFS_SUPER_MAGIC) {
		t.Error("temporary file systems misnamed")
	}
}

// TestRemoveChildren empties a directory tree, symlinks removed and not
// followed, the directory itself kept.
func TestRemoveChildren(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	keep := filepath.Join(outside, "keep")
	if err := os.WriteFile(keep, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a/b/c", "d"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/b/c/f", "a/g", "h"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "d/link")); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	removeChildren(fd, st.Dev)
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left: %v", left)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("followed a symlink out: %v", err)
	}
}
