package native

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// SocketPath is where journald receives native entries.
	SocketPath = "/run/systemd/journal/socket"
	// StdoutPath is where journald accepts output streams.
	StdoutPath = "/run/systemd/journal/stdout"
	// sendBufferSize is the send buffer sd-journal asks for.
	sendBufferSize = 8 << 20
)

// Writer sends entries to journald's native socket. It is safe for
// concurrent use once set up.
type Writer struct {
	fd   int
	addr unix.SockaddrUnix
	// Identifier is added as SYSLOG_IDENTIFIER= to entries that carry
	// none, as sd_journal_sendv adds the program's short name; "" adds
	// nothing.
	Identifier string
}

// Open makes a Writer for the native socket at path (SocketPath for the
// system journal). Identifier starts as the program's short name when it
// holds no control characters, quotes or backslashes, as in
// sd_journal_sendv.
func Open(path string) (*Writer, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("journal socket: %w", err)
	}
	increaseSendBuffer(fd)
	w := &Writer{fd: fd, addr: unix.SockaddrUnix{Name: path}}
	if name := filepath.Base(os.Args[0]); stringIsSafe(name) {
		w.Identifier = name
	}
	return w, nil
}

// stringIsSafe is 252's string_is_safe.
func stringIsSafe(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r > 0 && r < ' ' }) && !strings.ContainsAny(s, "\"'\\\x7f")
}

// increaseSendBuffer is 252's fd_inc_sndbuf: SO_SNDBUF, then
// SO_SNDBUFFORCE when the kernel's limit kept the buffer smaller.
func increaseSendBuffer(fd int) {
	big := func() bool {
		v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
		return err == nil && v >= 2*sendBufferSize
	}
	if big() || unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sendBufferSize) != nil || big() {
		return
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, sendBufferSize)
}

// SetSendTimeout bounds how long Send waits for room in journald's
// queue; 0 waits as long as it takes. PID 1 uses a short one, so that a
// stuck journald cannot stop the manager.
func (w *Writer) SetSendTimeout(d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(w.fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return fmt.Errorf("journal socket: %w", err)
	}
	return nil
}

// Send writes one entry, as sd_journal_sendv does: a single datagram, or,
// when that is too big for the socket (EMSGSIZE, ENOBUFS, EAGAIN), a
// sealed memfd holding the same bytes. When journald is not running the
// error wraps ENOENT (sd_journal_sendv ignores that case).
func (w *Writer) Send(fields ...Field) error {
	if w.Identifier != "" && !hasField(fields, "SYSLOG_IDENTIFIER") {
		fields = append(fields[:len(fields):len(fields)], Field{"SYSLOG_IDENTIFIER", w.Identifier})
	}
	b, err := AppendEntry(nil, fields)
	if err != nil {
		return err
	}
	err = unix.Sendto(w.fd, b, unix.MSG_NOSIGNAL, &w.addr)
	if errors.Is(err, unix.EMSGSIZE) || errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) {
		err = w.sendMemfd(b)
	}
	if err != nil {
		return fmt.Errorf("sending to %s: %w", w.addr.Name, err)
	}
	return nil
}

func hasField(fields []Field, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// sendMemfd passes b in a sealed memfd named as sd-journal names it.
func (w *Writer) sendMemfd(b []byte) error {
	fd, err := unix.MemfdCreate("sd-"+threadName(), unix.MFD_ALLOW_SEALING|unix.MFD_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for rest := b; len(rest) > 0; {
		n, err := unix.Write(fd, rest)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		rest = rest[n:]
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL); err != nil {
		return err
	}
	return unix.Sendmsg(w.fd, nil, unix.UnixRights(fd), &w.addr, 0)
}

// threadName is the calling thread's name (PR_GET_NAME), or "".
func threadName() string {
	var buf [16]byte
	if err := unix.Prctl(unix.PR_GET_NAME, uintptr(unsafe.Pointer(&buf[0])), 0, 0, 0); err != nil {
		return ""
	}
	return unix.ByteSliceToString(buf[:])
}

// Close closes the socket.
func (w *Writer) Close() error { return unix.Close(w.fd) }
