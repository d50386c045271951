package manager

import (
	"io"
	"os"
	"testing"
)

// A service's stdio fds (systemd-run --pipe) stay while it runs or has
// a job, and go once it is inactive and the GC looks at it, so that the
// reader of its output pipe sees the end (252's
// service_release_resources from unit_may_gc).
func TestStdioFDsReleasedWhenInactive(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.service")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m.SetStdioFDsLoop(u, [3]*os.File{nil, w, nil})
	s := u.kind.(*service)
	if s.stdio[1] != w {
		t.Fatalf("stdout fd not kept: %v", s.stdio)
	}

	s.state = svcRunning
	m.mayGC(u)
	if s.stdio[1] == nil {
		t.Fatal("released while running")
	}
	s.state = svcDead
	u.job = &Job{m: m, id: 3, unit: u}
	m.mayGC(u)
	if s.stdio[1] == nil {
		t.Fatal("released while a job is queued")
	}
	u.job = nil
	m.mayGC(u)
	if s.stdio[1] != nil {
		t.Fatal("kept while inactive without a job")
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("pipe read %d %v, want EOF: PID 1's copy of the write end is still open", n, err)
	}
}

// A unit that is not a service has no use for stdio fds: they are
// closed at once.
func TestStdioFDsOfNonServiceClosed(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.socket")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m.SetStdioFDsLoop(u, [3]*os.File{w, nil, nil})
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("pipe read %d %v, want EOF", n, err)
	}
}
