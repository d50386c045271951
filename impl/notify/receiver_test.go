package notify

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func listen(t *testing.T, queue int) *Receiver {
	t.Helper()
	r, err := Listen(filepath.Join(t.TempDir(), "notify"), queue)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// send is a Go client: one datagram to path, with fds and explicit
// credentials when given.
func send(t *testing.T, path string, data []byte, fds []int, creds *unix.Ucred) {
	t.Helper()
	if err := trySend(path, data, fds, creds, 0); err != nil {
		t.Fatalf("sendmsg: %v", err)
	}
}

func trySend(path string, data []byte, fds []int, creds *unix.Ucred, flags int) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
	var oob []byte
	if creds != nil {
		oob = append(oob, unix.UnixCredentials(creds)...)
	}
	if len(fds) > 0 {
		oob = append(oob, unix.UnixRights(fds...)...)
	}
	return unix.Sendmsg(fd, data, oob, &unix.SockaddrUnix{Name: path}, flags|unix.MSG_NOSIGNAL)
}

func next(t *testing.T, r *Receiver) Event {
	t.Helper()
	select {
	case ev, ok := <-r.Events():
		if !ok {
			t.Fatal("event queue closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return Event{}
}

func TestSystemdNotifyClient(t *testing.T) {
	bin, err := exec.LookPath("systemd-notify")
	if err != nil {
		t.Fatal("systemd-notify (systemd 252) is required:", err)
	}
	r := listen(t, 8)
	cmd := exec.Command(bin, "--ready", "--status=x", "EXTRA=a b")
	cmd.Env = []string{"NOTIFY_SOCKET=" + r.Path()}
	out := make(chan error, 1)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { out <- cmd.Wait() }()

	ev := next(t, r)
	if ev.Kind != KindMessage || strings.Join(ev.Tags, "|") != "READY=1|STATUS=x|EXTRA=a b" {
		t.Fatalf("first event = %+v", ev)
	}
	// systemd-notify claims its parent's PID, which is us.
	if ev.Creds.PID != os.Getpid() || ev.Creds.UID != uint32(os.Getuid()) || ev.Creds.GID != uint32(os.Getgid()) {
		t.Errorf("creds = %+v, want our own", ev.Creds)
	}
	if n := Interpret(ev.Tags); n.State != StateReady || n.Status != "x" || len(n.Warnings) != 0 {
		t.Errorf("Interpret = %+v", n)
	}

	// Then it waits on a barrier: one fd, released when we close it.
	bar := next(t, r)
	if bar.Kind != KindBarrier || len(bar.FDs) != 1 || bar.Log != "" || bar.Creds.PID != cmd.Process.Pid {
		t.Fatalf("barrier event = %+v (systemd-notify is PID %d)", bar, cmd.Process.Pid)
	}
	start := time.Now()
	bar.CloseFDs()
	select {
	case err := <-out:
		if err != nil {
			t.Fatalf("systemd-notify: %v\n%s", err, stderr.String())
		}
	case <-time.After(4 * time.Second):
		t.Fatal("systemd-notify still waits after its barrier fd was closed")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("systemd-notify took %v to see its barrier released", d)
	}
}

func TestSystemdNotifyPID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("faking a sender PID needs CAP_SYS_ADMIN")
	}
	r := listen(t, 8)
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	pid := sleeper.Process.Pid
	cmd := exec.Command("systemd-notify", "--pid="+strconv.Itoa(pid), "--no-block", "STATUS=via pid")
	cmd.Env = []string{"NOTIFY_SOCKET=" + r.Path()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("systemd-notify: %v\n%s", err, out)
	}
	ev := next(t, r)
	want := "MAINPID=" + strconv.Itoa(pid) + "|STATUS=via pid"
	if ev.Kind != KindMessage || ev.Creds.PID != pid || strings.Join(ev.Tags, "|") != want {
		t.Fatalf("event = %+v, want tags %q from PID %d", ev, want, pid)
	}
	if n := Interpret(ev.Tags); !n.MainPIDSet || n.MainPID != pid || n.Status != "via pid" {
		t.Errorf("Interpret = %+v", n)
	}
}

func TestCredentials(t *testing.T) {
	r := listen(t, 8)
	// Without explicit credentials the kernel fills in ours.
	send(t, r.Path(), []byte("READY=1"), nil, nil)
	ev := next(t, r)
	if ev.Kind != KindMessage || ev.Creds != (Creds{os.Getpid(), uint32(os.Getuid()), uint32(os.Getgid())}) {
		t.Fatalf("event = %+v", ev)
	}
	if os.Geteuid() != 0 {
		return
	}
	// Root may claim another PID and IDs.
	ppid := os.Getppid()
	send(t, r.Path(), []byte("READY=1"), nil, &unix.Ucred{Pid: int32(ppid), Uid: 65534, Gid: 65534})
	ev = next(t, r)
	if ev.Creds != (Creds{ppid, 65534, 65534}) {
		t.Fatalf("creds = %+v, want %d/65534/65534", ev.Creds, ppid)
	}
}

func TestFDs(t *testing.T) {
	r := listen(t, 8)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	send(t, r.Path(), []byte("FDSTORE=1\nFDNAME=pipe"), []int{p[1], p[1]}, nil)
	ev := next(t, r)
	if ev.Kind != KindMessage || len(ev.FDs) != 2 {
		t.Fatalf("event = %+v", ev)
	}
	if n := Interpret(ev.Tags); n.FDStore != FDStoreAdd || n.FDName != "pipe" || !n.FDPoll {
		t.Errorf("Interpret = %+v", n)
	}
	for _, fd := range ev.FDs {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("received fd %d: flags %#x, %v: want close-on-exec", fd, flags, err)
		}
		if _, err := unix.Write(fd, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 4)
	if n, _ := unix.Read(p[0], buf); string(buf[:n]) != "xx" {
		t.Errorf("read %q through the received fds", buf[:n])
	}
	ev.CloseFDs()

	// fds of refused datagrams are closed by the receiver: the pipe's
	// read end sees EOF once ours is closed too.
	before := openFDs(t)
	send(t, r.Path(), []byte("READY=1\x00junk"), []int{p[1], p[1], p[1]}, nil)
	if ev := next(t, r); ev.Kind != KindIgnored || ev.FDs != nil {
		t.Fatalf("event = %+v", ev)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d fds open after a refused datagram with fds, %d before", after, before)
	}
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestRefusedDatagrams(t *testing.T) {
	r := listen(t, 8)
	for _, c := range []struct {
		name string
		data []byte
		kind Kind
		log  string
	}{
		{"at the limit", []byte("STATUS=" + strings.Repeat("x", BufferMax-7)), KindMessage, ""},
		{"one byte over", []byte("STATUS=" + strings.Repeat("x", BufferMax-6)), KindIgnored, "Received notify message exceeded maximum size. Ignoring."},
		{"far over", []byte(strings.Repeat("READY=1\n", 20000)), KindIgnored, "Received notify message exceeded maximum size. Ignoring."},
		{"trailing NUL", []byte("READY=1\x00"), KindMessage, ""},
		{"only NUL", []byte("\x00"), KindMessage, ""},
		{"embedded NUL", []byte("READY=1\x00STATUS=x"), KindIgnored, "Received notify message with embedded NUL bytes. Ignoring."},
		{"two NULs", []byte("READY=1\x00\x00"), KindIgnored, "Received notify message with embedded NUL bytes. Ignoring."},
		{"empty", nil, KindMessage, ""},
		{"trailing backslash", []byte("READY=1\nSTATUS=x\\"), KindIgnored, "Out of memory."},
		{"invalid UTF-8", []byte("STATUS=\xff\xfe"), KindMessage, ""},
		{"barrier without fd", []byte("BARRIER=1"), KindBarrier, "Got incorrect number of fds with BARRIER=1, closing them."},
		{"barrier with more", []byte("BARRIER=1\nREADY=1"), KindBarrier, "Extra notification messages sent with BARRIER=1, ignoring everything."},
	} {
		send(t, r.Path(), c.data, nil, nil)
		ev := next(t, r)
		if ev.Kind != c.kind || ev.Log != c.log {
			t.Errorf("%s: kind %d, log %q; want kind %d, log %q", c.name, ev.Kind, ev.Log, c.kind, c.log)
		}
	}
}

func TestDecodeWithoutCredentials(t *testing.T) {
	r := &Receiver{}
	ev := r.decode(datagram{data: []byte("READY=1"), size: 7})
	if ev.Kind != KindIgnored || ev.Log != "Received notify message without valid credentials. Ignoring." {
		t.Errorf("no credentials: %+v", ev)
	}
	ev = r.decode(datagram{data: []byte("READY=1"), size: 7, controls: unix.UnixCredentials(&unix.Ucred{Pid: 0})})
	if ev.Kind != KindIgnored || ev.Log != "Received notify message without valid credentials. Ignoring." {
		t.Errorf("PID 0: %+v", ev)
	}
	ev = r.decode(datagram{data: []byte("READY=1"), size: 7, flags: unix.MSG_CTRUNC})
	if ev.Kind != KindIgnored || ev.Log != "Got message with truncated control data (too many fds sent?), ignoring." {
		t.Errorf("truncated control data: %+v", ev)
	}
}

// TestFlood sends 100,000 messages through a small queue: none is lost,
// the heap stays small and no goroutine is left behind.
func TestFlood(t *testing.T) {
	const total = 100000
	goroutines := runtime.NumGoroutine()
	r, err := Listen(filepath.Join(t.TempDir(), "notify"), 16)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const senders = 4
	errs := make(chan error, senders)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				errs <- err
				return
			}
			defer unix.Close(fd)
			to := &unix.SockaddrUnix{Name: r.Path()}
			for i := s; i < total; i += senders {
				if err := unix.Sendto(fd, []byte("STATUS="+strconv.Itoa(i)+"\nWATCHDOG=1"), 0, to); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	seen := make([]bool, total)
	var peak uint64
	var ms runtime.MemStats
	for got := 0; got < total; got++ {
		ev := next(t, r)
		n := Interpret(ev.Tags)
		i, err := strconv.Atoi(n.Status)
		if ev.Kind != KindMessage || err != nil || seen[i] || n.Watchdog != WatchdogPing {
			t.Fatalf("event %d: %+v", got, ev)
		}
		seen[i] = true
		if got%10000 == 0 {
			// Stall now and then: the senders block, nothing is dropped.
			time.Sleep(20 * time.Millisecond)
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if peak > 16<<20 {
		t.Errorf("heap in use peaked at %d MiB", peak>>20)
	}
	t.Logf("%d messages, heap in use peaked at %d KiB", total, peak>>10)
	r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after Close, %d before Listen", n, goroutines)
	}
}

// TestBackpressure fills the queue and the socket: a non-blocking sender
// is then told to wait (EAGAIN); nothing is dropped.
func TestBackpressure(t *testing.T) {
	r := listen(t, 2)
	sent := 0
	for ; sent < 10000; sent++ {
		err := trySend(r.Path(), []byte("STATUS="+strconv.Itoa(sent)), nil, nil, unix.MSG_DONTWAIT)
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sent < 3 {
			time.Sleep(10 * time.Millisecond) // let the receiver fill its queue
		}
	}
	if sent == 10000 {
		t.Fatal("the socket never pushed back")
	}
	for i := range sent {
		if ev := next(t, r); ev.Tags[0] != "STATUS="+strconv.Itoa(i) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
}

// TestCloseWhileFull closes a receiver whose owner stopped reading: the
// goroutine blocked on the full queue exits, and queued fds are closed.
func TestCloseWhileFull(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	r, err := Listen(filepath.Join(t.TempDir(), "notify"), 1)
	if err != nil {
		t.Fatal(err)
	}
	before := openFDs(t) - 1 // the socket
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		send(t, r.Path(), []byte("FDSTORE=1"), []int{p[0]}, nil)
	}
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs while the queue is full")
	}
	if _, ok := <-r.Events(); ok {
		t.Error("event queue still open after Close")
	}
	unix.Close(p[0])
	unix.Close(p[1])
	if after := openFDs(t); after != before {
		t.Errorf("%d fds open after Close, %d before", after, before)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after Close, %d before", n, goroutines)
	}
}

func TestSync(t *testing.T) {
	r := listen(t, 32)
	for i := range 20 {
		send(t, r.Path(), []byte("STATUS="+strconv.Itoa(i)), nil, nil)
	}
	token, err := r.Sync()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if ev := next(t, r); ev.Kind != KindMessage || ev.Tags[0] != "STATUS="+strconv.Itoa(i) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if ev := next(t, r); ev.Kind != KindSync || ev.Token != token {
		t.Fatalf("after the messages: %+v, want sync %d", ev, token)
	}
	// The marker's bytes from another process are an ordinary refused
	// datagram.
	if os.Geteuid() == 0 {
		msg := append(append([]byte(nil), syncMagic...), 1, 0, 0, 0, 0, 0, 0, 0)
		send(t, r.Path(), msg, nil, &unix.Ucred{Pid: int32(os.Getppid())})
		if ev := next(t, r); ev.Kind != KindIgnored {
			t.Fatalf("forged marker: %+v", ev)
		}
	}
}

func TestAdopt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	r, err := Adopt(fd, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Path() != path || r.Fd() != fd {
		t.Errorf("Path, Fd = %q, %d; want %q, %d", r.Path(), r.Fd(), path, fd)
	}
	send(t, path, []byte("READY=1"), nil, nil)
	if ev := next(t, r); ev.Kind != KindMessage || ev.Tags[0] != "READY=1" {
		t.Fatalf("event = %+v", ev)
	}
}

func TestPanicRecovered(t *testing.T) {
	// Set before the goroutine starts, reset after it ended.
	decodeHook = func(d datagram) {
		if string(d.data) == "PANIC=1" {
			panic("boom")
		}
	}
	r, err := Listen(filepath.Join(t.TempDir(), "notify"), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { r.Close(); decodeHook = nil }()
	send(t, r.Path(), []byte("PANIC=1"), nil, nil)
	ev := next(t, r)
	if pe, ok := ev.Err.(*PanicError); ev.Kind != KindIgnored || !ok || pe.Value != "boom" || ev.Level != LevelError {
		t.Fatalf("event = %+v", ev)
	}
	send(t, r.Path(), []byte("READY=1"), nil, nil)
	if ev := next(t, r); ev.Kind != KindMessage {
		t.Fatalf("after the panic: %+v", ev)
	}
}
