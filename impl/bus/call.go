package bus

import (
	"errors"
	"fmt"
	"os"

	"github.com/godbus/dbus/v5"
)

// Event is what connections hand to the owner goroutine: *Connected,
// *Call, *Disconnected, *NameOwnerChanged. The owner passes each to
// Tree.Handle, and may look at them itself first.
type Event interface{ isEvent() }

// Connected announces a connection that finished its handshake; it comes
// before any Call on it.
type Connected struct{ Conn *Conn }

// Disconnected is the last event of a connection. Err says why it closed
// (a *LimitError, a *PanicError, an I/O or protocol error, ErrClosed).
type Disconnected struct {
	Conn *Conn
	Err  error
}

// NameOwnerChanged relays the bus driver's signal on a bus connection.
type NameOwnerChanged struct {
	Conn                     *Conn
	Name, OldOwner, NewOwner string
}

func (*Connected) isEvent()        {}
func (*Call) isEvent()             {}
func (*Disconnected) isEvent()     {}
func (*NameOwnerChanged) isEvent() {}

// Call is one incoming method call, with the identity of its caller. It
// belongs to the owner goroutine. It is answered exactly once, by the
// Tree with what the method handler returns, or later by the handler
// itself with Reply or ReplyError after returning ErrReplyLater.
type Call struct {
	Conn *Conn
	// Sender is the caller's unique name on a bus connection, "" on a
	// peer-to-peer one.
	Sender string
	Cred   Cred

	Path      dbus.ObjectPath
	Interface string
	Member    string
	Signature string
	Body      []any
	// AllowInteractiveAuthorization is the caller's header flag.
	AllowInteractiveAuthorization bool

	serial   uint32
	noReply  bool
	replySig string
	answered bool
	fds      []int
	// badBody: the body does not hold what the signature says (or has an
	// invalid string); Body is empty.
	badBody bool
}

// errBadMessage is the answer to a call whose arguments cannot be read,
// as sd-bus words EBADMSG.
var errBadMessage = &Error{Name: ErrNameInconsistent, Message: "Bad message"}

func newCall(c *Conn, msg *dbus.Message, fds []int) *Call {
	call := &Call{
		Conn:                          c,
		Body:                          msg.Body,
		serial:                        msg.Serial(),
		noReply:                       msg.Flags&dbus.FlagNoReplyExpected != 0,
		AllowInteractiveAuthorization: msg.Flags&dbus.FlagAllowInteractiveAuthorization != 0,
		fds:                           fds,
	}
	c.callStarted()
	call.Path, _ = msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	call.Interface, _ = msg.Headers[dbus.FieldInterface].Value().(string)
	call.Member, _ = msg.Headers[dbus.FieldMember].Value().(string)
	call.Sender, _ = msg.Headers[dbus.FieldSender].Value().(string)
	if sig, ok := msg.Headers[dbus.FieldSignature].Value().(dbus.Signature); ok {
		call.Signature = sig.String()
	}
	return call
}

// ErrReplyLater, returned by a method handler, says it keeps the Call
// and will answer it itself.
var ErrReplyLater = errors.New("reply deferred")

// TakeFD hands over the i-th file descriptor the call carried (the value
// a 'h' argument decoded to is its number). The caller then owns it; fds
// not taken are closed once the call is answered.
func (c *Call) TakeFD(fd dbus.UnixFD) (*os.File, error) {
	for i, have := range c.fds {
		if have == int(fd) {
			c.fds = append(c.fds[:i:i], c.fds[i+1:]...)
			return os.NewFile(uintptr(fd), fmt.Sprintf("fd:%d", fd)), nil
		}
	}
	return nil, fmt.Errorf("file descriptor %d was not passed with this call", fd)
}

func (c *Call) closeFDs() {
	closeFDs(c.fds)
	c.fds = nil
}

// Reply answers the call with values, which must match the method's out
// signature. A mismatch is a bug in the handler: the caller gets an
// InconsistentMessage error and Reply returns the error.
func (c *Call) Reply(values ...any) error {
	sig := dbus.SignatureOf(values...).String()
	if sig != c.replySig {
		err := fmt.Errorf("reply to %s.%s has signature %q, want %q", c.Interface, c.Member, sig, c.replySig)
		c.ReplyError(&Error{Name: ErrNameInconsistent, Message: err.Error()})
		return err
	}
	return c.reply(sig, values)
}

func (c *Call) reply(sig string, values []any) error {
	if c.answered {
		return fmt.Errorf("%s.%s answered twice", c.Interface, c.Member)
	}
	c.answered = true
	// The call counts as open until its reply is queued: a connection
	// closing after a bad message waits for it (drainThenClose).
	defer c.Conn.callDone()
	c.closeFDs()
	if c.noReply {
		return nil
	}
	msg := &dbus.Message{
		Type:    dbus.TypeMethodReply,
		Headers: map[dbus.HeaderField]dbus.Variant{dbus.FieldReplySerial: dbus.MakeVariant(c.serial)},
		Body:    values,
	}
	if sig != "" {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.ParseSignatureMust(sig))
	}
	if c.Sender != "" {
		msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(c.Sender)
	}
	_, err := c.Conn.send(msg, nil)
	return err
}

// ReplyError answers the call with an error, mapped by AsError.
func (c *Call) ReplyError(err error) error {
	if c.answered {
		return fmt.Errorf("%s.%s answered twice", c.Interface, c.Member)
	}
	c.answered = true
	defer c.Conn.callDone()
	c.closeFDs()
	if c.noReply {
		return nil
	}
	be := AsError(err)
	msg := &dbus.Message{
		Type: dbus.TypeError,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldReplySerial: dbus.MakeVariant(c.serial),
			dbus.FieldErrorName:   dbus.MakeVariant(be.Name),
		},
	}
	if be.Message != "" {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(""))
		msg.Body = []any{be.Message}
	}
	if c.Sender != "" {
		msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(c.Sender)
	}
	_, sendErr := c.Conn.send(msg, nil)
	if sendErr != nil && be.Name != ErrNameFailed && !errors.Is(err, ErrClosed) {
		// Most likely an invalid error name from a handler.
		msg.Headers[dbus.FieldErrorName] = dbus.MakeVariant(ErrNameFailed)
		_, sendErr = c.Conn.send(msg, nil)
	}
	return sendErr
}
