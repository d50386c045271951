package notify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unit/value"
)

const (
	// BufferMax is NOTIFY_BUFFER_MAX (PIPE_BUF): the largest datagram
	// 252 accepts.
	BufferMax = 4096
	// FDMax is NOTIFY_FD_MAX: how many fds one datagram's control
	// buffer has room for.
	FDMax = 768
	// ReceiveBufferSize is NOTIFY_RCVBUF_SIZE, the socket's receive
	// buffer.
	ReceiveBufferSize = 8 << 20
)

// Syslog levels of Event.Log.
const (
	LevelError   = 3
	LevelWarning = 4
)

// Creds are the sender's credentials the kernel attached to a datagram.
type Creds struct {
	PID      int
	UID, GID uint32
}

// Kind says what an Event is.
type Kind int

// The kinds.
const (
	// KindMessage is a message for the units the sender belongs to:
	// Tags and FDs are set.
	KindMessage Kind = iota + 1
	// KindBarrier is a BARRIER=1 message: nothing to dispatch. Closing
	// its FDs, once every earlier event is handled, tells the client
	// that all it sent before was processed.
	KindBarrier
	// KindIgnored is a datagram 252 ignores; Log says why.
	KindIgnored
	// KindSync is the marker a Sync call asked for: every datagram that
	// was queued on the socket before Sync came before it.
	KindSync
	// KindStopped is the last event: receiving failed (Err) and the
	// socket is no longer read, as 252 stops reading it.
	KindStopped
)

// Event is one datagram, as the receiver hands it to the owner.
type Event struct {
	Kind  Kind
	Creds Creds
	Tags  []string
	// FDs are the fds the datagram carried (KindMessage, KindBarrier).
	// They belong to whoever receives the event: keep them (FDSTORE=1)
	// or close them (CloseFDs); 252 warns "Got extra auxiliary fds with
	// notification message, closing them." when a message's fds were
	// not wanted.
	FDs []int
	// Log is what 252 logs about this datagram at Level; "" when it
	// logs nothing.
	Log   string
	Level int
	// Token identifies the Sync call of a KindSync event.
	Token uint64
	// Err is why receiving stopped (KindStopped), or a recovered panic
	// (*PanicError, KindIgnored).
	Err error
}

// CloseFDs closes the event's fds and forgets them.
func (e *Event) CloseFDs() {
	closeAll(e.FDs)
	e.FDs = nil
}

// PanicError is a panic recovered in the receiver goroutine, which then
// goes on receiving.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic in notification receiver: %v", e.Value)
}

// Receiver reads the notification socket in its own goroutine and hands
// each datagram to the owner as an Event, in arrival order.
//
// The queue between them is bounded. When it is full the goroutine stops
// reading: datagrams wait in the socket, and once the kernel's queue is
// full too, senders block (sd_notify's socket is blocking) or get EAGAIN.
// Nothing is ever dropped here, READY=1 included; the owner's pace is the
// system's, as with 252, which handles each datagram synchronously in its
// event loop.
type Receiver struct {
	f      *os.File
	fd     int
	addr   unix.SockaddrUnix
	events chan Event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	syncMu     sync.Mutex
	syncFD     int // an unbound datagram socket Sync sends from; -1 until first used
	syncNext   uint64
	syncClosed bool
}

// Listen creates the notification socket at path as 252 does (an
// existing socket there is replaced), with SO_PASSCRED on, and starts
// receiving; queue is the event queue's capacity.
func Listen(path string, queue int) (*Receiver, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("allocating notification socket: %w", err)
	}
	increaseReceiveBuffer(fd)
	if err := unix.Unlink(path); err != nil && !errors.Is(err, unix.ENOENT) {
		unix.Close(fd)
		return nil, fmt.Errorf("removing %s: %w", path, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind(%s): %w", path, err)
	}
	return adopt(fd, queue)
}

// Adopt starts receiving on an already bound notification socket, such
// as one kept across re-execution; the Receiver owns fd from now on (on
// error, fd is closed).
func Adopt(fd int, queue int) (*Receiver, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("notification socket: %w", err)
	}
	unix.CloseOnExec(fd)
	return adopt(fd, queue)
}

func adopt(fd, queue int) (*Receiver, error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("SO_PASSCRED: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("notification socket: %w", err)
	}
	ua, ok := sa.(*unix.SockaddrUnix)
	if !ok {
		unix.Close(fd)
		return nil, errors.New("notification socket: not an AF_UNIX socket")
	}
	r := &Receiver{
		f:      os.NewFile(uintptr(fd), ua.Name),
		fd:     fd,
		addr:   *ua,
		events: make(chan Event, queue),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		syncFD: -1,
	}
	go r.run()
	return r, nil
}

// increaseReceiveBuffer is 252's fd_increase_rxbuf: SO_RCVBUF, then
// SO_RCVBUFFORCE when the kernel's limit kept the buffer smaller.
func increaseReceiveBuffer(fd int) {
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil && v >= 2*ReceiveBufferSize {
		return
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, ReceiveBufferSize) != nil {
		return
	}
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil && v >= 2*ReceiveBufferSize {
		return
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, ReceiveBufferSize)
}

// Events is the event queue. It is closed when the receiver stops.
func (r *Receiver) Events() <-chan Event { return r.events }

// Path is the socket's path, the value of $NOTIFY_SOCKET for services.
func (r *Receiver) Path() string { return r.addr.Name }

// Fd is the socket, valid until Close: what re-execution passes on.
func (r *Receiver) Fd() int { return r.fd }

// Close stops the goroutine, closes the socket, and closes the fds of
// the events still queued; the queue is then closed.
func (r *Receiver) Close() error {
	var err error
	r.once.Do(func() {
		close(r.stop)
		err = r.f.Close()
		<-r.done
		for ev := range r.events {
			ev.CloseFDs()
		}
		r.syncMu.Lock()
		if r.syncFD >= 0 {
			unix.Close(r.syncFD)
		}
		r.syncClosed = true
		r.syncMu.Unlock()
	})
	return err
}

// syncMagic starts a Sync marker datagram. A leading NUL makes it a
// datagram 252 ignores ("embedded NUL bytes"), and only one from our own
// PID counts.
var syncMagic = []byte("\x00gosystemd-notify-sync\x00")

// Sync queues a marker behind everything the socket holds now and
// returns its token: the KindSync event with that token comes after every
// datagram sent before this call. The manager uses it to see a process's
// last messages before handling its exit, as 252 does by reading the
// notification socket before SIGCHLD. When the socket's queue is full
// Sync fails with EAGAIN rather than block the owner.
func (r *Receiver) Sync() (uint64, error) {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	if r.syncClosed {
		return 0, fmt.Errorf("notification sync: %w", os.ErrClosed)
	}
	if r.syncFD < 0 {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			return 0, fmt.Errorf("notification sync: %w", err)
		}
		r.syncFD = fd
	}
	r.syncNext++
	token := r.syncNext
	msg := binary.LittleEndian.AppendUint64(append([]byte(nil), syncMagic...), token)
	if err := unix.Sendto(r.syncFD, msg, unix.MSG_NOSIGNAL, &r.addr); err != nil {
		return 0, fmt.Errorf("notification sync: %w", err)
	}
	return token, nil
}

func (r *Receiver) run() {
	defer close(r.done)
	defer close(r.events)
	for !r.receiveSome() {
	}
}

// receiveSome receives and delivers until the receiver stops (true) or a
// panic, which it reports before returning false.
func (r *Receiver) receiveSome() (stopped bool) {
	defer func() {
		if v := recover(); v != nil {
			err := &PanicError{Value: v, Stack: debug.Stack()}
			stopped = !r.deliver(Event{Kind: KindIgnored, Level: LevelError, Log: err.Error(), Err: err})
		}
	}()
	rc, err := r.f.SyscallConn()
	if err != nil {
		r.deliver(stoppedEvent(err))
		return true
	}
	buf := make([]byte, BufferMax)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4*FDMax))
	for {
		var d datagram
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			d, rerr = recvmsg(int(fd), buf, oob)
			return rerr != unix.EAGAIN
		})
		select {
		case <-r.stop:
			closeAll(d.fds())
			return true
		default:
		}
		if err == nil && rerr == unix.EINTR {
			continue
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			r.deliver(stoppedEvent(err))
			return true
		}
		if !r.deliver(r.decode(d)) {
			return true
		}
	}
}

func stoppedEvent(err error) Event {
	return Event{Kind: KindStopped, Level: LevelError, Err: err,
		Log: "Failed to receive notification message: " + value.Strerror(err)}
}

// deliver queues ev, waiting while the queue is full; it reports false
// (and closes ev's fds) when the receiver stops first.
func (r *Receiver) deliver(ev Event) bool {
	select {
	case r.events <- ev:
		return true
	case <-r.stop:
		ev.CloseFDs()
		return false
	}
}

// datagram is one recvmsg result.
type datagram struct {
	data     []byte // the bytes received (at most BufferMax)
	size     int    // the datagram's real size (MSG_TRUNC)
	flags    int    // msg_flags
	controls []byte // the control messages received
}

func (d datagram) fds() []int {
	var fds []int
	msgs, _ := unix.ParseSocketControlMessage(d.controls)
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_RIGHTS {
			f, _ := unix.ParseUnixRights(&m)
			fds = append(fds, f...)
		}
	}
	return fds
}

// recvmsg reads one datagram without asking for the sender's address.
func recvmsg(fd int, buf, oob []byte) (datagram, error) {
	iov := unix.Iovec{Base: &buf[0]}
	iov.SetLen(len(buf))
	msg := unix.Msghdr{Iov: &iov, Iovlen: 1, Control: &oob[0]}
	msg.SetControllen(len(oob))
	n, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)),
		unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC|unix.MSG_TRUNC)
	if errno != 0 {
		return datagram{}, errno
	}
	d := datagram{size: int(n), flags: int(msg.Flags), controls: oob[:msg.Controllen]}
	d.data = buf[:min(int(n), len(buf))]
	return d, nil
}

// decode applies 252's checks to a datagram, in 252's order. Every check
// that refuses the datagram closes its fds.
func (r *Receiver) decode(d datagram) Event {
	if decodeHook != nil {
		decodeHook(d)
	}
	fds := d.fds()
	if d.flags&unix.MSG_CTRUNC != 0 {
		closeAll(fds)
		return ignored(LevelWarning, "Got message with truncated control data (too many fds sent?), ignoring.")
	}
	creds, ok := credentials(d.controls)
	if ok && creds.PID == os.Getpid() && len(d.data) == len(syncMagic)+8 && bytes.HasPrefix(d.data, syncMagic) {
		closeAll(fds)
		return Event{Kind: KindSync, Creds: creds, Token: binary.LittleEndian.Uint64(d.data[len(syncMagic):])}
	}
	var cp *Creds
	if ok {
		cp = &creds
	}
	ev := check(d.data, d.size, d.flags&unix.MSG_TRUNC != 0, cp, len(fds))
	ev.FDs = fds
	if ev.Kind == KindIgnored {
		ev.CloseFDs()
	}
	return ev
}

// decodeHook lets tests make decode panic.
var decodeHook func(datagram)

// CheckDatagram applies 252's checks to a whole datagram that came with
// creds (nil when it had none) and nfds fds, as the Receiver does: the
// event says what 252 makes of it, without the fds.
func CheckDatagram(data []byte, creds *Creds, nfds int) Event {
	return check(data, len(data), false, creds, nfds)
}

// check is CheckDatagram for a datagram of size bytes of which data was
// read, truncated when the kernel says so.
func check(data []byte, size int, truncated bool, creds *Creds, nfds int) Event {
	if creds == nil || creds.PID <= 0 {
		return ignored(LevelWarning, "Received notify message without valid credentials. Ignoring.")
	}
	if size > BufferMax || truncated {
		return ignored(LevelWarning, "Received notify message exceeded maximum size. Ignoring.")
	}
	if len(data) > 1 && bytes.IndexByte(data[:len(data)-1], 0) >= 0 {
		return ignored(LevelWarning, "Received notify message with embedded NUL bytes. Ignoring.")
	}
	tags, err := SplitTags(string(data))
	if err != nil {
		return ignored(LevelError, "Out of memory.")
	}
	if contains(tags, "BARRIER=1") {
		return Event{Kind: KindBarrier, Creds: *creds, Tags: tags, Level: LevelWarning, Log: barrierWarning(tags, nfds)}
	}
	return Event{Kind: KindMessage, Creds: *creds, Tags: tags}
}

// barrierWarning is what 252 logs about a BARRIER=1 message carrying
// nfds fds: it wants BARRIER=1 alone, with exactly one fd.
func barrierWarning(tags []string, nfds int) string {
	switch {
	case len(tags) != 1:
		return "Extra notification messages sent with BARRIER=1, ignoring everything."
	case nfds != 1:
		return "Got incorrect number of fds with BARRIER=1, closing them."
	}
	return ""
}

func ignored(level int, log string) Event { return Event{Kind: KindIgnored, Level: level, Log: log} }

// credentials finds SCM_CREDENTIALS of exactly struct ucred's size.
func credentials(controls []byte) (Creds, bool) {
	msgs, _ := unix.ParseSocketControlMessage(controls)
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_CREDENTIALS && len(m.Data) == unix.SizeofUcred {
			if u, err := unix.ParseUnixCredentials(&m); err == nil {
				return Creds{PID: int(u.Pid), UID: u.Uid, GID: u.Gid}, true
			}
		}
	}
	return Creds{}, false
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
