package notify

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSend(t *testing.T) {
	recv := func(t *testing.T, fd int) string {
		t.Helper()
		buf := make([]byte, 256)
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err != nil {
			t.Fatalf("nothing received: %v", err)
		}
		return string(buf[:n])
	}
	listen := func(t *testing.T, name string) int {
		t.Helper()
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
			t.Fatal(err)
		}
		return fd
	}

	path := filepath.Join(t.TempDir(), "notify")
	fd := listen(t, path)
	t.Setenv("NOTIFY_SOCKET", path)
	if err := Send("READY=1\nSTATUS=Ready."); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, fd); got != "READY=1\nSTATUS=Ready." {
		t.Errorf("got %q", got)
	}

	abstract := "@gosd-notify-test-" + filepath.Base(t.TempDir())
	afd := listen(t, abstract)
	t.Setenv("NOTIFY_SOCKET", abstract)
	if err := Send("STATUS=x"); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, afd); got != "STATUS=x" {
		t.Errorf("abstract: got %q", got)
	}

	for _, bad := range []string{"relative/path", "@", ""} {
		t.Setenv("NOTIFY_SOCKET", bad)
		if err := Send("READY=1"); err != unix.EINVAL {
			t.Errorf("NOTIFY_SOCKET=%q: got %v, want EINVAL", bad, err)
		}
	}
	t.Setenv("NOTIFY_SOCKET", "@"+strings.Repeat("x", 107))
	if err := Send("READY=1"); err != unix.EINVAL {
		t.Errorf("abstract name too long: got %v, want EINVAL", err)
	}
	t.Setenv("NOTIFY_SOCKET", "/"+strings.Repeat("x", 107))
	if err := Send("READY=1"); err != unix.ENAMETOOLONG {
		t.Errorf("path too long: got %v, want ENAMETOOLONG", err)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "nobody"))
	if err := Send("READY=1"); err != unix.ENOENT {
		t.Errorf("no listener: got %v, want ENOENT", err)
	}
}

func TestSendWithoutSocket(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	unix.Unsetenv("NOTIFY_SOCKET")
	if err := Send("READY=1"); err != nil {
		t.Errorf("without $NOTIFY_SOCKET: %v", err)
	}
}
