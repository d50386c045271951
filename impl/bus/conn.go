package bus

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// Cred is the identity of a caller: from SO_PEERCRED on a peer-to-peer
// connection, from the bus driver (GetConnectionCredentials) on a bus
// connection, where GID is not known and is NoGID.
type Cred struct {
	PID int32
	UID uint32
	GID uint32
}

// NoGID marks a Cred whose group is unknown.
const NoGID = ^uint32(0)

// ErrClosed is returned for sends on a closed connection.
var ErrClosed = errors.New("bus connection closed")

type connKind uint8

const (
	peerConn connKind = iota // an accepted peer-to-peer connection
	busConn                  // our connection to a message bus
)

var connIDs atomic.Uint64

// Conn is one connection: a peer-to-peer client of a Server, or the
// connection to a message bus made by ConnectBus. A reader goroutine turns
// incoming messages into events for the owner; a writer goroutine drains
// a bounded queue of outgoing messages. Conn's methods may be called from
// any goroutine and never block on the peer.
type Conn struct {
	id        uint64
	kind      connKind
	nc        *net.UnixConn
	br        *bufio.Reader
	rd        *fdReader
	cred      Cred
	unixFDs   bool
	sender    string
	machineID string
	limits    Limits
	events    chan<- Event
	stop      <-chan struct{}

	wake chan struct{}
	done chan struct{}
	// relay, on bus connections, decouples the reader from the owner so
	// replies to the owner's own calls are read even while it is busy.
	relay chan Event

	// Guarded by mu.
	mu         sync.Mutex
	queue      []outgoing
	queueBytes int
	serial     uint32
	pending    map[uint32]func(*dbus.Message)
	closed     bool
	err        error
	inflight   int  // calls read and not answered yet
	writing    bool // the writer holds a message taken off the queue

	// Bus connections only. uniqueName is set before the Conn is
	// returned; the rest is touched by the reader goroutine alone.
	uniqueName string
	creds      map[string]Cred
	waiting    map[string][]*Call
	nWaiting   int
}

type outgoing struct {
	data []byte
	fds  []int
}

// socketBuffer is the size sd-bus asks for both socket buffers of every
// connection (the kernel doubles it): with them, answers to a client that
// is slow to read wait in the kernel, not in the process.
const socketBuffer = 8 << 20

// growBuffers raises nc's buffers to socketBuffer, past the system's
// limit where allowed (CAP_NET_ADMIN), else up to it.
func growBuffers(nc *net.UnixConn) {
	raw, err := nc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		for _, o := range [][2]int{{unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}, {unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}} {
			if have, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, o[1]); err == nil && have >= 2*socketBuffer {
				continue
			}
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[0], socketBuffer) != nil {
				_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[1], socketBuffer)
			}
		}
	})
}

func newConn(kind connKind, nc *net.UnixConn, events chan<- Event, stop <-chan struct{}, limits Limits) *Conn {
	growBuffers(nc)
	rd := &fdReader{nc: nc, max: limits.MaxFDsPerMessage}
	return &Conn{
		id:      connIDs.Add(1),
		kind:    kind,
		nc:      nc,
		rd:      rd,
		br:      bufio.NewReaderSize(rd, 8<<10),
		limits:  limits,
		events:  events,
		stop:    stop,
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		pending: map[uint32]func(*dbus.Message){},
		creds:   map[string]Cred{},
		waiting: map[string][]*Call{},
	}
}

// ID identifies the connection for the life of the process.
func (c *Conn) ID() uint64 { return c.id }

// Cred is the peer's identity on a peer-to-peer connection.
func (c *Conn) Cred() Cred { return c.cred }

// IsBus reports whether this is a connection to a message bus (where
// callers are named by Call.Sender) rather than to a single peer.
func (c *Conn) IsBus() bool { return c.kind == busConn }

// UnixFDs reports whether file descriptors may be passed.
func (c *Conn) UnixFDs() bool { return c.unixFDs }

// Done is closed when the connection is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection closed, once Done is closed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Conn) String() string {
	if c.kind == busConn {
		return fmt.Sprintf("bus connection %d", c.id)
	}
	return fmt.Sprintf("connection %d (pid %d, uid %d)", c.id, c.cred.PID, c.cred.UID)
}

// Close closes the connection; queued messages are dropped.
func (c *Conn) Close() { c.closeWith(ErrClosed) }

func (c *Conn) closeWith(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.err = err
	queue := c.queue
	c.queue, c.queueBytes = nil, 0
	c.mu.Unlock()
	close(c.done)
	c.nc.Close()
	for _, o := range queue {
		closeFDs(o.fds)
	}
}

// recoverInto turns a panic in the calling goroutine into the
// connection's close reason. Deferred first thing by every goroutine.
func (c *Conn) recoverInto() {
	if r := recover(); r != nil {
		c.closeWith(&PanicError{Value: r, Stack: debug.Stack()})
	}
}

// send queues msg and returns its serial. onReply, if set, gets the reply
// or error message; it runs on the reader goroutine, must not block, and
// is never called if the connection closes first.
func (c *Conn) send(msg *dbus.Message, onReply func(*dbus.Message)) (uint32, error) {
	if msg.Headers == nil {
		msg.Headers = map[dbus.HeaderField]dbus.Variant{}
	}
	if c.sender != "" {
		msg.Headers[dbus.FieldSender] = dbus.MakeVariant(c.sender)
	}
	nfds, err := msg.CountFds()
	if err != nil {
		return 0, err
	}
	if nfds > 0 {
		if !c.unixFDs {
			return 0, &Error{Name: ErrNameNotSupported, Message: "File descriptor passing not negotiated."}
		}
		msg.Headers[dbus.FieldUnixFDs] = dbus.MakeVariant(uint32(nfds))
	}
	if nfds == 0 {
		// Our own encoder; godbus's for what it does not write.
		var scratch [8]headerField
		if fields, sig, ok := marshalHeaders(msg.Headers, scratch[:0]); ok {
			if data, err := marshalMessage(nil, msg.Type, msg.Flags, fields, sig, msg.Body); err == nil {
				return c.enqueue(data, nil, onReply)
			}
		}
	}
	var buf bytes.Buffer
	fds, err := msg.EncodeToWithFDs(&buf, binary.LittleEndian)
	if err != nil {
		return 0, err
	}
	dups := make([]int, 0, len(fds))
	for _, fd := range fds {
		d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			closeFDs(dups)
			return 0, fmt.Errorf("duplicating fd %d: %w", fd, err)
		}
		dups = append(dups, d)
	}
	return c.enqueue(buf.Bytes(), dups, onReply)
}

// sendShared sends a message MarshalSignal made for this connection's
// sender, in a buffer the caller reuses: it is copied only if it must
// wait in the queue.
func (c *Conn) sendShared(data []byte) error {
	_, err := c.enqueueWith(data, nil, nil, true)
	return err
}

// enqueue gives an encoded message its serial and writes or queues it.
func (c *Conn) enqueue(data []byte, dups []int, onReply func(*dbus.Message)) (uint32, error) {
	return c.enqueueWith(data, dups, onReply, false)
}

// enqueueWith is enqueue; with shared, data belongs to the caller and is
// copied before it is kept.
func (c *Conn) enqueueWith(data []byte, dups []int, onReply func(*dbus.Message), shared bool) (uint32, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		closeFDs(dups)
		return 0, ErrClosed
	}
	var limitErr error
	switch {
	case len(c.queue) >= c.limits.MaxQueuedMessages:
		limitErr = &LimitError{What: "outgoing queue length", Value: len(c.queue) + 1, Limit: c.limits.MaxQueuedMessages}
	case c.queueBytes+len(data) > c.limits.MaxQueuedBytes:
		limitErr = &LimitError{What: "outgoing queue bytes", Value: c.queueBytes + len(data), Limit: c.limits.MaxQueuedBytes}
	}
	if limitErr != nil {
		c.mu.Unlock()
		closeFDs(dups)
		c.closeWith(limitErr)
		return 0, limitErr
	}
	c.serial++
	if c.serial == 0 {
		c.serial = 1
	}
	serial := c.serial
	binary.LittleEndian.PutUint32(data[8:12], serial)
	if onReply != nil {
		c.pending[serial] = onReply
	}
	if len(c.queue) == 0 && !c.writing && len(dups) == 0 {
		// Nothing waits: write now, from the caller, as sd-bus does. A
		// reply is then on its way before the owner acts on the call
		// (PID 1 may stop the bus daemon next); what the socket does
		// not take at once goes to the writer.
		c.writing = true
		c.mu.Unlock()
		n := c.writeNow(data)
		c.mu.Lock()
		c.writing = false
		if n == len(data) {
			wake := len(c.queue) > 0
			c.mu.Unlock()
			if wake {
				c.wakeWriter()
			}
			return serial, nil
		}
		if c.closed {
			c.mu.Unlock()
			return serial, nil
		}
		rest := data[n:]
		if shared {
			rest = append([]byte(nil), rest...)
		}
		c.queue = append([]outgoing{{data: rest}}, c.queue...)
		c.queueBytes += len(data) - n
		c.mu.Unlock()
		c.wakeWriter()
		return serial, nil
	}
	if shared {
		data = append([]byte(nil), data...)
	}
	c.queue = append(c.queue, outgoing{data: data, fds: dups})
	c.queueBytes += len(data)
	c.mu.Unlock()
	c.wakeWriter()
	return serial, nil
}

func (c *Conn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeNow makes one attempt to write data without waiting, returning how
// much the socket took.
func (c *Conn) writeNow(data []byte) int {
	rc, err := c.nc.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	_ = rc.Write(func(fd uintptr) bool {
		for {
			w, err := unix.Write(int(fd), data[n:])
			if w > 0 {
				n += w
			}
			if err == unix.EINTR {
				continue
			}
			if err != nil || w <= 0 || n == len(data) {
				return true
			}
		}
	})
	return n
}

func (c *Conn) writeLoop() {
	defer c.recoverInto()
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		for {
			c.mu.Lock()
			if c.closed || len(c.queue) == 0 || c.writing {
				// (A sender writing directly wakes us when done.)
				c.mu.Unlock()
				break
			}
			o := c.queue[0]
			c.queue[0] = outgoing{}
			c.queue = c.queue[1:]
			c.writing = true
			c.mu.Unlock()
			err := c.write(o)
			closeFDs(o.fds)
			c.mu.Lock()
			c.queueBytes -= len(o.data)
			c.writing = false
			c.mu.Unlock()
			if err != nil {
				c.closeWith(fmt.Errorf("writing to %v: %w", c, err))
				return
			}
		}
	}
}

func (c *Conn) write(o outgoing) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.limits.WriteTimeout)); err != nil {
		return err
	}
	data := o.data
	if len(o.fds) > 0 {
		n, _, err := c.nc.WriteMsgUnix(data, unix.UnixRights(o.fds...), nil)
		if err != nil {
			return err
		}
		data = data[n:]
	}
	_, err := c.nc.Write(data)
	return err
}

// readLoop reads messages until the connection fails, then announces the
// disconnect. Every event of a connection comes from this goroutine, so
// the owner sees Connected first and Disconnected last.
func (c *Conn) readLoop() {
	defer func() {
		c.closeWith(ErrClosed)
		closeFDs(c.rd.fds)
		c.rd.fds = nil
		for _, calls := range c.waiting {
			for _, call := range calls {
				call.closeFDs()
			}
		}
		clear(c.waiting)
		c.emit(&Disconnected{Conn: c, Err: c.Err()})
	}()
	defer c.recoverInto()
	if !c.emit(&Connected{Conn: c}) {
		return
	}
	for {
		if !c.waitForRoom() {
			return
		}
		msg, fds, badBody, err := c.readMessage()
		var dropped *errDropped
		if errors.As(err, &dropped) {
			continue
		}
		if err != nil {
			c.drainThenClose(err)
			return
		}
		if badBody {
			if !c.deliverBadBody(msg, fds) {
				return
			}
			continue
		}
		if !c.handle(msg, fds) {
			return
		}
	}
}

// waitForRoom holds the reader while half the outgoing queue's limits
// are taken: a peer that does not read its replies stops being read, so
// that the answers to what it sent never pass the limits (which would
// close the connection) and its further calls wait in its socket. False
// if the connection or the server closed meanwhile.
func (c *Conn) waitForRoom() bool {
	for {
		c.mu.Lock()
		full := len(c.queue) >= c.limits.MaxQueuedMessages/2 || c.queueBytes >= c.limits.MaxQueuedBytes/2
		closed := c.closed
		c.mu.Unlock()
		switch {
		case closed:
			return false
		case !full:
			return true
		}
		select {
		case <-c.done:
			return false
		case <-c.stop:
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// drainThenClose closes the connection once the calls read before the
// end of its input (EOF, or bytes that cannot be framed) are answered and
// the answers written, as sd-bus, which answers each message before it
// reads the next, does; for at most drainMax (a call answered later, or
// never, does not hold the connection). A bus connection (the daemon
// went away) closes at once.
func (c *Conn) drainThenClose(err error) {
	deadline := time.Now().Add(min(c.limits.WriteTimeout, drainMax))
	for c.kind == peerConn && time.Now().Before(deadline) {
		c.mu.Lock()
		idle := c.closed || c.inflight == 0 && len(c.queue) == 0 && !c.writing
		c.mu.Unlock()
		if idle {
			break
		}
		select {
		case <-c.stop:
			c.closeWith(err)
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	c.closeWith(err)
}

// drainMax bounds drainThenClose.
const drainMax = time.Second

// callStarted and callDone count the calls read and not answered.
func (c *Conn) callStarted() {
	c.mu.Lock()
	c.inflight++
	c.mu.Unlock()
}

func (c *Conn) callDone() {
	c.mu.Lock()
	if c.inflight > 0 {
		c.inflight--
	}
	c.mu.Unlock()
}

// emit hands ev to the owner (through relay on a bus connection), giving
// up if the connection or its server shuts down first; Disconnected is
// still delivered after the connection closed.
func (c *Conn) emit(ev Event) bool {
	to := c.events
	if c.relay != nil {
		to = c.relay
	}
	if _, ok := ev.(*Disconnected); ok {
		select {
		case to <- ev:
			return true
		case <-c.stop:
			return false
		}
	}
	select {
	case to <- ev:
		return true
	case <-c.done:
		return false
	case <-c.stop:
		return false
	}
}

// messageSize returns the total size of the message whose fixed 16-byte
// header is fixed, or why it cannot be framed; what else the header says
// is parseHeader's to judge.
func messageSize(fixed []byte, max int) (int, error) {
	var order binary.ByteOrder
	switch fixed[0] {
	case 'l':
		order = binary.LittleEndian
	case 'B':
		order = binary.BigEndian
	default:
		return 0, fmt.Errorf("invalid byte order %q", fixed[0])
	}
	body := uint64(order.Uint32(fixed[4:8]))
	fields := uint64(order.Uint32(fixed[12:16]))
	total := 16 + (fields+7)&^7 + body
	if total > uint64(max) {
		return 0, &LimitError{What: "message size", Value: int(min(total, 1<<40)), Limit: max}
	}
	return int(total), nil
}

// readMessage reads one message, taking the file descriptors it
// announces from the front of the received ones. A message sd-bus would
// drop comes back as *errDropped; a method call whose body cannot be read
// comes back with badBody (decodeChecked).
func (c *Conn) readMessage() (msg *dbus.Message, fds []int, badBody bool, err error) {
	var fixed [16]byte
	if _, err := io.ReadFull(c.br, fixed[:]); err != nil {
		return nil, nil, false, err
	}
	size, err := messageSize(fixed[:], c.limits.MaxMessageSize)
	if err != nil {
		return nil, nil, false, err
	}
	buf := make([]byte, size)
	copy(buf, fixed[:])
	if _, err := io.ReadFull(c.br, buf[16:]); err != nil {
		return nil, nil, false, err
	}
	return decodeChecked(buf, &c.rd.fds, c.limits.MaxFDsPerMessage)
}

// deliverBadBody hands on a method call whose body could not be read: it
// is dispatched like any call, and answered "Bad message" where the
// method would read its arguments.
func (c *Conn) deliverBadBody(msg *dbus.Message, fds []int) bool {
	call := newCall(c, msg, fds)
	call.badBody = true
	if call.Interface == ifacePeer {
		c.answerPeer(call)
		return true
	}
	if c.kind == busConn {
		return c.deliverWithCredentials(call)
	}
	call.Cred = c.cred
	return c.deliver(call)
}

// handle acts on one incoming message; false means stop reading.
func (c *Conn) handle(msg *dbus.Message, fds []int) bool {
	switch msg.Type {
	case dbus.TypeMethodCall:
		call := newCall(c, msg, fds)
		if call.Interface == ifacePeer {
			c.answerPeer(call)
			return true
		}
		if c.kind == busConn {
			return c.deliverWithCredentials(call)
		}
		call.Cred = c.cred
		return c.deliver(call)
	case dbus.TypeMethodReply, dbus.TypeError:
		closeFDs(fds)
		serial, _ := msg.Headers[dbus.FieldReplySerial].Value().(uint32)
		c.mu.Lock()
		f := c.pending[serial]
		delete(c.pending, serial)
		c.mu.Unlock()
		if f != nil {
			f(msg)
		}
	case dbus.TypeSignal:
		closeFDs(fds)
		if c.kind == busConn {
			return c.busSignal(msg)
		}
	}
	return true
}

func (c *Conn) deliver(call *Call) bool {
	if !c.emit(call) {
		call.closeFDs()
		return false
	}
	return true
}

// answerPeer serves org.freedesktop.DBus.Peer on every path, without the
// owner, as sd-bus does before looking at objects.
func (c *Conn) answerPeer(call *Call) {
	defer call.closeFDs()
	if call.noReply {
		return
	}
	switch call.Member {
	case "Ping":
		call.reply("", nil)
	case "GetMachineId":
		call.reply("s", []any{c.machineID})
	default:
		call.ReplyError(Errorf(ErrNameUnknownMethod, "Unknown method '%s' on interface '%s'.", call.Member, call.Interface))
	}
}

// fdReader reads from a unix socket, collecting the file descriptors that
// arrive with the data in arrival order.
type fdReader struct {
	nc      *net.UnixConn
	oob     []byte
	fds     []int
	allowed bool
	max     int
}

var errUnexpectedFDs = errors.New("received file descriptors without having negotiated them")

func (r *fdReader) Read(p []byte) (int, error) {
	if r.oob == nil {
		r.oob = make([]byte, unix.CmsgSpace(4*r.max))
	}
	n, oobn, flags, _, err := r.nc.ReadMsgUnix(p, r.oob)
	if oobn > 0 {
		var got []int
		scms, perr := unix.ParseSocketControlMessage(r.oob[:oobn])
		if perr == nil {
			for _, scm := range scms {
				if fds, err := unix.ParseUnixRights(&scm); err == nil {
					got = append(got, fds...)
				}
			}
		}
		switch {
		case !r.allowed:
			closeFDs(got)
			return n, errUnexpectedFDs
		case len(r.fds)+len(got) > r.max:
			closeFDs(got)
			return n, &LimitError{What: "pending file descriptors", Value: len(r.fds) + len(got), Limit: r.max}
		}
		r.fds = append(r.fds, got...)
	}
	if flags&unix.MSG_CTRUNC != 0 {
		return n, errors.New("file descriptors truncated")
	}
	return n, err
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}
