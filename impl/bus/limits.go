package bus

import (
	"fmt"
	"time"
)

// Limits bound what one peer can make the server hold. The D-Bus
// specification allows 128 MiB messages; PID 1 must not buffer that much
// for one client, so the default cap is far lower. systemd's replies and
// requests stay well below it: the largest are ListUnits replies (about
// 1 KiB a unit) and StartTransientUnit requests.
type Limits struct {
	// MaxMessageSize caps an incoming message (fixed header, header
	// fields, padding and body). A message announcing more closes the
	// connection before its body is read.
	MaxMessageSize int
	// MaxQueuedMessages and MaxQueuedBytes cap the messages waiting to be
	// written to one peer. A send that would pass either closes the
	// connection: a client that does not read its signals is dropped, it
	// never makes the sender wait or the queue grow. Once half of either
	// is taken, the peer's further calls are not read until the queue
	// drains, so a client that does not read its replies is held back,
	// not dropped.
	MaxQueuedMessages int
	MaxQueuedBytes    int
	// WriteTimeout bounds one write to the socket; a peer that stops
	// reading long enough for its socket buffer to fill is dropped.
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the whole authentication phase.
	HandshakeTimeout time.Duration
	// MaxConnections caps concurrent connections, authenticated or not;
	// connections accepted beyond it are closed at once.
	MaxConnections int
	// MaxFDsPerMessage caps the file descriptors one message may carry.
	MaxFDsPerMessage int
	// MaxPendingCredentials caps, on a bus connection, the calls held
	// back while the caller's credentials are looked up.
	MaxPendingCredentials int
}

// DefaultLimits are the limits used where Options leave them zero.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageSize:        4 << 20,
		MaxQueuedMessages:     4096,
		MaxQueuedBytes:        32 << 20,
		WriteTimeout:          30 * time.Second,
		HandshakeTimeout:      30 * time.Second,
		MaxConnections:        4096,
		MaxFDsPerMessage:      253,
		MaxPendingCredentials: 1024,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = d.MaxMessageSize
	}
	if l.MaxQueuedMessages <= 0 {
		l.MaxQueuedMessages = d.MaxQueuedMessages
	}
	if l.MaxQueuedBytes <= 0 {
		l.MaxQueuedBytes = d.MaxQueuedBytes
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.HandshakeTimeout <= 0 {
		l.HandshakeTimeout = d.HandshakeTimeout
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = d.MaxConnections
	}
	if l.MaxFDsPerMessage <= 0 {
		l.MaxFDsPerMessage = d.MaxFDsPerMessage
	}
	if l.MaxPendingCredentials <= 0 {
		l.MaxPendingCredentials = d.MaxPendingCredentials
	}
	return l
}

// LimitError says which limit a connection was closed for.
type LimitError struct {
	What  string
	Value int
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %d exceeds limit %d", e.What, e.Value, e.Limit)
}

// PanicError is a panic recovered in one of the package's goroutines. The
// connection it happened on is closed; the process carries on.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }
