package bus

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Client is a small synchronous client connection for command-line
// tools (systemctl): one goroutine calls, and a call reads the socket
// itself until its reply comes, queueing the signals it meets on the
// way. There is no reader goroutine, the handshake is one write (NUL,
// AUTH EXTERNAL with our uid, BEGIN, and on a bus Hello, as sd-bus
// clients send them), and replies are decoded by UnmarshalBody. Results
// are godbus's types (*dbus.Call, dbus.Error, *dbus.Signal), so code
// written against a godbus connection reads them unchanged.
//
//	tool ──call──▶ Client.Call: encode, write ─────▶ socket
//	               read until reply_serial matches ◀─ socket
//	               signals met on the way ──▶ queue ──▶ NextSignal
//
// Method calls addressed to the client are not answered. A Client is
// not safe for concurrent use.
type Client struct {
	nc     net.Conn
	br     *bufio.Reader
	serial uint32
	seq    dbus.Sequence
	name   string
	queue  []*dbus.Signal
	err    error // the first read or write error: the connection is dead
	wbuf   bytes.Buffer
	mbuf   bytes.Buffer
	// watch says signals are queued for NextSignal; else they are
	// dropped as they come.
	watch bool
}

// DefaultCallTimeout bounds how long the handshake and each call wait for
// their answer, as sd-bus's default method call timeout: past it they
// fail with ETIMEDOUT ("Connection timed out"), and the connection is
// given up.
var DefaultCallTimeout = 25 * time.Second

// readError is err as a caller sees it: a passed deadline is ETIMEDOUT.
func readError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return syscall.ETIMEDOUT
	}
	return err
}

// maxQueuedSignals bounds the signals queued and not yet taken.
const maxQueuedSignals = 1 << 16

// WatchSignals makes the signals read from now on wait for NextSignal
// (at most 65536 of them; later ones are dropped), or be dropped.
func (c *Client) WatchSignals(on bool) { c.watch = on }

// clientMaxMessage bounds a message the client reads (the D-Bus limit).
const clientMaxMessage = 128 << 20

// DialClient connects to the D-Bus server listening at the unix socket
// path and authenticates as our effective uid. hello says it is a
// message bus, which is greeted with Hello (the unique name is then
// UniqueName's); PID 1's private socket is not.
func DialClient(path string, hello bool) (*Client, error) {
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	c, err := newClient(nc, hello)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// DialSystemBusClient connects to the system bus at the address
// DBUS_SYSTEM_BUS_ADDRESS names (a unix:path= or unix:abstract= one),
// else at SystemBusAddress.
func DialSystemBusClient() (*Client, error) {
	address := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS")
	if address == "" {
		address = SystemBusAddress
	}
	ua, err := parseUnixAddress(address)
	if err != nil {
		return nil, err
	}
	nc, err := net.DialUnix("unix", nil, ua)
	if err != nil {
		return nil, err
	}
	c, err := newClient(nc, true)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func newClient(nc net.Conn, hello bool) (*Client, error) {
	c := &Client{nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
	id := hex.EncodeToString([]byte(strconv.Itoa(os.Geteuid())))
	c.wbuf.WriteString("\x00AUTH EXTERNAL " + id + "\r\nBEGIN\r\n")
	var helloSerial uint32
	if hello {
		var err error
		if helloSerial, err = c.appendCall(busName, busPath, busInterface+".Hello", nil); err != nil {
			return nil, err
		}
	}
	if _, err := nc.Write(c.wbuf.Bytes()); err != nil {
		return nil, err
	}
	nc.SetReadDeadline(time.Now().Add(DefaultCallTimeout))
	defer nc.SetReadDeadline(time.Time{})
	total := 0
	line, err := readAuthLine(c.br, &total)
	if err != nil {
		return nil, readError(err)
	}
	if !bytes.HasPrefix(line, []byte("OK ")) {
		return nil, fmt.Errorf("%w: server said %q", errAuthRejected, line)
	}
	if hello {
		call := c.wait(helloSerial)
		if call.Err != nil {
			return nil, call.Err
		}
		if len(call.Body) != 1 {
			return nil, errors.New("dbus: Hello reply without a name")
		}
		c.name, _ = call.Body[0].(string)
	}
	return c, nil
}

// UniqueName is the name the bus gave us, "" on a direct connection.
func (c *Client) UniqueName() string { return c.name }

// Close closes the connection.
func (c *Client) Close() error { return c.nc.Close() }

// appendCall encodes a method call (method is "interface.member") into
// the write buffer and returns its serial.
func (c *Client) appendCall(dest string, path dbus.ObjectPath, method string, args []any) (uint32, error) {
	dot := -1
	for i := len(method) - 1; i >= 0; i-- {
		if method[i] == '.' {
			dot = i
			break
		}
	}
	if dot <= 0 {
		return 0, errors.New("dbus: invalid method name " + strconv.Quote(method))
	}
	c.serial++
	if c.serial == 0 {
		c.serial = 1
	}
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:      dbus.MakeVariant(path),
		dbus.FieldInterface: dbus.MakeVariant(method[:dot]),
		dbus.FieldMember:    dbus.MakeVariant(method[dot+1:]),
	}, Body: args}
	if dest != "" {
		msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(dest)
	}
	if len(args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	}
	// godbus's encoder writes the call exactly as a godbus connection
	// would; calls are small, the replies are what costs.
	c.mbuf.Reset()
	if err := msg.EncodeTo(&c.mbuf, binary.LittleEndian); err != nil {
		return 0, err
	}
	raw := c.mbuf.Bytes()
	binary.LittleEndian.PutUint32(raw[8:], c.serial)
	c.wbuf.Write(raw)
	return c.serial, nil
}

// Call calls method ("interface.member") on dest's object path and waits
// for the reply, as godbus's BusObject.Call does with no flags.
func (c *Client) Call(dest string, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return c.CallTimeout(0, dest, path, method, args...)
}

// CallTimeout is Call waiting at most timeout for the reply: 0 is
// DefaultCallTimeout, a negative one waits as long as it takes.
func (c *Client) CallTimeout(timeout time.Duration, dest string, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	call := &dbus.Call{Destination: dest, Path: path, Method: method, Args: args, ResponseSequence: dbus.NoSequence}
	if c.err != nil {
		call.Err = c.err
		return call
	}
	c.wbuf.Reset()
	serial, err := c.appendCall(dest, path, method, args)
	if err != nil {
		call.Err = err
		return call
	}
	if _, err := c.nc.Write(c.wbuf.Bytes()); err != nil {
		c.err = err
		call.Err = err
		return call
	}
	if timeout == 0 {
		timeout = DefaultCallTimeout
	}
	if timeout > 0 {
		c.nc.SetReadDeadline(time.Now().Add(timeout))
		defer c.nc.SetReadDeadline(time.Time{})
	}
	got := c.wait(serial)
	got.Destination, got.Path, got.Method, got.Args = dest, path, method, args
	return got
}

// Send sends a method call without waiting for its reply (which is then
// dropped when it comes), as godbus's BusObject.Go with no channel.
func (c *Client) Send(dest string, path dbus.ObjectPath, method string, args ...any) error {
	if c.err != nil {
		return c.err
	}
	c.wbuf.Reset()
	if _, err := c.appendCall(dest, path, method, args); err != nil {
		return err
	}
	if _, err := c.nc.Write(c.wbuf.Bytes()); err != nil {
		c.err = err
		return err
	}
	return nil
}

// NextSignal is the next signal: a queued one, else one read from the
// socket (WatchSignals must be on). The error is the connection's once
// it is gone.
func (c *Client) NextSignal() (*dbus.Signal, error) {
	if !c.watch {
		return nil, errors.New("dbus: signals are not watched")
	}
	for len(c.queue) == 0 {
		if c.err != nil {
			return nil, c.err
		}
		c.readOne(0)
	}
	s := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	return s, nil
}

// wait reads messages until the reply to serial.
func (c *Client) wait(serial uint32) *dbus.Call {
	for c.err == nil {
		if call := c.readOne(serial); call != nil {
			return call
		}
	}
	return &dbus.Call{Err: c.err, ResponseSequence: c.seq}
}

// readOne reads one message: the reply to serial as a Call, a signal
// into the queue, anything else dropped. Messages that cannot be read
// are dropped as sd-bus drops them; a framing error ends the
// connection.
func (c *Client) readOne(serial uint32) *dbus.Call {
	var fixed [16]byte
	if _, err := io.ReadFull(c.br, fixed[:]); err != nil {
		c.err = readError(err)
		return nil
	}
	size, err := messageSize(fixed[:], clientMaxMessage)
	if err != nil {
		c.err = err
		return nil
	}
	buf, err := readGrowing(c.br, fixed[:], size)
	if err != nil {
		c.err = readError(err)
		return nil
	}
	c.seq++
	h, err := parseHeader(buf)
	if err != nil {
		return nil
	}
	typ := dbus.Type(h.typ)
	switch {
	case typ == dbus.TypeMethodReply || typ == dbus.TypeError:
		if rs, _ := h.fields[byte(dbus.FieldReplySerial)].(uint32); rs != serial || serial == 0 {
			return nil // a reply nobody waits for (Send's)
		}
	case typ == dbus.TypeSignal:
		if !c.watch || len(c.queue) >= maxQueuedSignals {
			return nil
		}
	default:
		return nil
	}
	var body []any
	if sig, _ := h.fields[byte(dbus.FieldSignature)].(dbus.Signature); sig.String() != "" {
		body, err = UnmarshalBody(h.order, sig.String(), h.body, nil)
		if err != nil {
			body = nil
		}
	}
	str := func(f dbus.HeaderField) string { s, _ := h.fields[byte(f)].(string); return s }
	if typ == dbus.TypeSignal {
		if err == nil {
			c.queue = append(c.queue, &dbus.Signal{Sender: str(dbus.FieldSender),
				Path: dbus.ObjectPath(str(dbus.FieldPath)), Name: str(dbus.FieldInterface) + "." + str(dbus.FieldMember),
				Body: body, Sequence: c.seq})
		}
		return nil
	}
	call := &dbus.Call{ResponseSequence: c.seq}
	switch {
	case err != nil:
		call.Err = err
	case typ == dbus.TypeError:
		call.Err = dbus.Error{Name: str(dbus.FieldErrorName), Body: body}
	default:
		call.Body = body
	}
	return call
}

// readGrowing reads the rest of a message of size bytes that starts with
// head, growing the buffer as the data comes, so that a length the peer
// announces but does not send costs no memory.
func readGrowing(r io.Reader, head []byte, size int) ([]byte, error) {
	const chunk = 1 << 20
	buf := make([]byte, len(head), min(size, chunk))
	copy(buf, head)
	for len(buf) < size {
		n := min(size-len(buf), max(len(buf), chunk))
		if cap(buf)-len(buf) < n {
			nb := make([]byte, len(buf), len(buf)+n)
			copy(nb, buf)
			buf = nb
		}
		if _, err := io.ReadFull(r, buf[len(buf):len(buf)+n]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		buf = buf[:len(buf)+n]
	}
	return buf, nil
}
