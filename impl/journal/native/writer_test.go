package native

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeJournal is a datagram socket standing in for journald.
type fakeJournal struct {
	fd   int
	path string
}

func newFakeJournal(t *testing.T, dir string) *fakeJournal {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "socket")
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	unix.Chmod(path, 0o666)
	t.Cleanup(func() { unix.Close(fd) })
	return &fakeJournal{fd: fd, path: path}
}

// received is one datagram as journald would see it: its bytes, or the
// contents of the one fd it carried and whether that fd was a sealed
// memfd.
type received struct {
	data   []byte
	viaFD  bool
	sealed bool
}

func (j *fakeJournal) receive(t *testing.T) received {
	t.Helper()
	tv := unix.NsecToTimeval((10 * time.Second).Nanoseconds())
	unix.SetsockoptTimeval(j.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := unix.Recvmsg(j.fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		t.Fatalf("receiving: %v", err)
	}
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	var fds []int
	for _, m := range msgs {
		f, _ := unix.ParseUnixRights(&m)
		fds = append(fds, f...)
	}
	if len(fds) == 0 {
		return received{data: buf[:n]}
	}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	if n != 0 || len(fds) != 1 {
		t.Fatalf("datagram of %d bytes with %d fds", n, len(fds))
	}
	seals, err := unix.FcntlInt(uintptr(fds[0]), unix.F_GET_SEALS, 0)
	var st unix.Stat_t
	if err := unix.Fstat(fds[0], &st); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, st.Size)
	if _, err := unix.Pread(fds[0], data, 0); err != nil {
		t.Fatal(err)
	}
	all := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	return received{data: data, viaFD: true, sealed: err == nil && seals == all}
}

func TestSend(t *testing.T) {
	j := newFakeJournal(t, t.TempDir())
	w, err := Open(j.path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Identifier = "gosd"
	fields := []Field{{"MESSAGE", "a\nb"}, {"PRIORITY", "6"}}
	if err := w.Send(fields...); err != nil {
		t.Fatal(err)
	}
	got := j.receive(t)
	want := []Field{{"MESSAGE", "a\nb"}, {"PRIORITY", "6"}, {"SYSLOG_IDENTIFIER", "gosd"}}
	if e := parseNative(got.data); got.viaFD || len(e) != 1 || !reflect.DeepEqual(e[0], want) {
		t.Errorf("sent %q", got.data)
	}
	if len(fields) != 2 || cap(fields) != 2 {
		t.Error("Send changed the caller's slice")
	}
	// An explicit identifier wins; "" adds none.
	w.Send(Field{"SYSLOG_IDENTIFIER", "x"}, Field{"MESSAGE", "m"})
	w.Identifier = ""
	w.Send(Field{"MESSAGE", "m"})
	for _, want := range []string{"SYSLOG_IDENTIFIER=x\nMESSAGE=m\n", "MESSAGE=m\n"} {
		if got := j.receive(t); string(got.data) != want {
			t.Errorf("sent %q, want %q", got.data, want)
		}
	}
	if err := w.Send(Field{"_PID", "1"}); err == nil {
		t.Error("a trusted field was sent")
	}
}

// TestSendMemfd makes the datagram too big for the socket: the same
// bytes go in a sealed memfd.
func TestSendMemfd(t *testing.T) {
	j := newFakeJournal(t, t.TempDir())
	w, err := Open(j.path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := unix.SetsockoptInt(w.fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i % 251)
	}
	fields := []Field{{"MESSAGE", "big"}, {"BLOB", string(big)}}
	if err := w.Send(fields...); err != nil {
		t.Fatal(err)
	}
	got := j.receive(t)
	want, _ := AppendEntry(nil, append(fields, Field{"SYSLOG_IDENTIFIER", w.Identifier}))
	if !got.viaFD || !got.sealed || string(got.data) != string(want) {
		t.Errorf("via fd %v, sealed %v, %d bytes (want %d)", got.viaFD, got.sealed, len(got.data), len(want))
	}
}

func TestSendTimeout(t *testing.T) {
	j := newFakeJournal(t, t.TempDir())
	w, err := Open(j.path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.SetSendTimeout(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < 1000; i++ {
		err = w.Send(Field{"MESSAGE", "nobody reads this"})
		if err != nil {
			break
		}
	}
	if !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("Send to a full queue: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v with a 50ms timeout", d)
	}
}

func TestSendNoJournal(t *testing.T) {
	w, err := Open(filepath.Join(t.TempDir(), "socket"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Send(Field{"MESSAGE", "x"}); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Send without journald: %v", err)
	}
}

func TestStreamHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stdout")
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	unix.Listen(lfd, 1)
	h := StreamHeader{Identifier: "sshd", UnitID: "ssh.service", Priority: 30, ForwardToConsole: true}
	f, err := ConnectStream(path, h)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("Server listening on :: port 22.\n"))
	f.Close()
	cfd, _, err := unix.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cfd)
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(cfd, buf)
		if n <= 0 || err != nil {
			break
		}
		got = append(got, buf[:n]...)
	}
	if want := "sshd\nssh.service\n30\n0\n0\n0\n1\nServer listening on :: port 22.\n"; string(got) != want {
		t.Errorf("stream sent %q, want %q", got, want)
	}
}
