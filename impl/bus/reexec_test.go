package bus

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDupForExec: the listening socket's copy survives exec (no
// close-on-exec) and serves on after the original is gone, as in the
// re-executed manager.
func TestDupForExec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private")
	srv, err := Listen(path, make(chan Event, 16), Options{MachineID: "0123456789abcdef0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	ln, conns, err := srv.DupForExec()
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 0 {
		t.Errorf("conns %v without clients", conns)
	}
	if fl, err := unix.FcntlInt(uintptr(ln), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC != 0 {
		t.Errorf("copy flags %d, %v: want it to survive exec", fl, err)
	}
	// The old process goes away without removing the socket file.
	srv.ln.SetUnlinkOnClose(false)
	srv.Close()
	l, err := ListenerFromFile(os.NewFile(uintptr(ln), path))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Addr().String(); got != path {
		t.Errorf("listener on %q", got)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
}
