package bus

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/id128"
)

// Options configure a Server.
type Options struct {
	Limits Limits
	// GUID is the server id sent in the handshake's OK line (32 hex
	// digits); random if empty.
	GUID string
	// MachineID answers org.freedesktop.DBus.Peer.GetMachineId; read
	// from /etc/machine-id if empty.
	MachineID string
	// Sender is put in the sender field of every message sent, as PID 1
	// does with "org.freedesktop.systemd1" on its private socket.
	Sender string
	// UnixFDs lets clients negotiate file descriptor passing.
	UnixFDs bool
	// Authorize decides from SO_PEERCRED whether a client may connect at
	// all; refused clients are disconnected before the handshake. The
	// default admits uid 0 and this process's uid, as PID 1 does on
	// /run/systemd/private.
	Authorize func(Cred) bool
	// ReportError, if set, is told of failures no connection carries: a
	// panic in the accept loop, accept errors.
	ReportError func(error)
}

// Server accepts peer-to-peer D-Bus connections on a unix socket.
type Server struct {
	ln     *net.UnixListener
	opts   Options
	events chan<- Event
	stop   chan struct{}
	once   sync.Once
	active atomic.Int64
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[*Conn]struct{} // guarded by mu
}

// Listen creates the socket at path (replacing a stale one) and serves
// it; see Serve.
func Listen(path string, events chan<- Event, opts Options) (*Server, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing stale socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	s, err := Serve(ln, events, opts)
	if err != nil {
		ln.Close()
	}
	return s, err
}

// Serve accepts connections on ln (e.g. a socket kept across re-exec)
// until Close. Each connection's events go to events.
func Serve(ln *net.UnixListener, events chan<- Event, opts Options) (*Server, error) {
	opts.Limits = opts.Limits.withDefaults()
	if opts.GUID == "" {
		var b [16]byte
		rand.Read(b[:])
		opts.GUID = hex.EncodeToString(b[:])
	}
	if opts.MachineID == "" {
		id, err := id128.Machine()
		if err != nil {
			return nil, fmt.Errorf("machine id: %w", err)
		}
		opts.MachineID = id.String()
	}
	if opts.Authorize == nil {
		euid := uint32(os.Geteuid())
		opts.Authorize = func(c Cred) bool { return c.UID == 0 || c.UID == euid }
	}
	s := &Server{ln: ln, opts: opts, events: events, stop: make(chan struct{}), conns: map[*Conn]struct{}{}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Close stops accepting, closes every connection and waits for their
// goroutines to finish. Connections still announce Disconnected unless
// the owner stopped reading events.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		s.ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	s.wg.Wait()
}

func (s *Server) report(err error) {
	if s.opts.ReportError != nil {
		s.opts.ReportError(err)
	}
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for !s.acceptSome() {
	}
}

// acceptSome accepts until the listener closes (true) or a panic (false,
// and the loop starts over).
func (s *Server) acceptSome() (closed bool) {
	defer func() {
		if r := recover(); r != nil {
			s.report(&PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	for {
		nc, err := s.ln.AcceptUnix()
		if err != nil {
			select {
			case <-s.stop:
				return true
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return true
			}
			s.report(fmt.Errorf("accepting: %w", err))
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if s.active.Load() >= int64(s.opts.Limits.MaxConnections) {
			nc.Close()
			continue
		}
		s.active.Add(1)
		s.wg.Add(1)
		go s.serve(nc)
	}
}

func peerCred(nc *net.UnixConn) (Cred, error) {
	raw, err := nc.SyscallConn()
	if err != nil {
		return Cred{}, err
	}
	var uc *unix.Ucred
	var uerr error
	if err := raw.Control(func(fd uintptr) {
		uc, uerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Cred{}, err
	}
	if uerr != nil {
		return Cred{}, uerr
	}
	return Cred{PID: uc.Pid, UID: uc.Uid, GID: uc.Gid}, nil
}

// serve authenticates one client and then runs its reader.
func (s *Server) serve(nc *net.UnixConn) {
	defer s.wg.Done()
	defer s.active.Add(-1)
	defer func() {
		if r := recover(); r != nil {
			nc.Close()
			s.report(&PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	cred, err := peerCred(nc)
	if err != nil || !s.opts.Authorize(cred) {
		nc.Close()
		return
	}
	c := newConn(peerConn, nc, s.events, s.stop, s.opts.Limits)
	c.cred, c.sender, c.machineID = cred, s.opts.Sender, s.opts.MachineID
	nc.SetDeadline(time.Now().Add(s.opts.Limits.HandshakeTimeout))
	res, err := serverAuth(c.br, nc, cred.UID, s.opts.GUID, s.opts.UnixFDs)
	if err != nil {
		nc.Close()
		closeFDs(c.rd.fds)
		return
	}
	nc.SetDeadline(time.Time{})
	c.unixFDs, c.rd.allowed = res.unixFDs, res.unixFDs

	s.mu.Lock()
	select {
	case <-s.stop:
		s.mu.Unlock()
		nc.Close()
		return
	default:
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.writeLoop()
	}()
	c.readLoop()
}

// ServeConn serves an already-connected socket (one end of a socketpair,
// or a connection kept across re-exec) as if it had been accepted; it
// starts with the handshake.
func (s *Server) ServeConn(nc *net.UnixConn) {
	s.active.Add(1)
	s.wg.Add(1)
	go s.serve(nc)
}
