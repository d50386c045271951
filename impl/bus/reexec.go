package bus

import (
	"errors"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// What daemon-reexec needs of a Server: copies of its sockets that
// survive exec. The listening socket goes on being served by the new
// process (Serve on FileListener); the client connections are only kept
// open until the new process is up, so that a client waiting for the
// re-execution sees its connection close then, as with 252.

// DupForExec returns copies of the listening socket and of every client
// connection, made with dup(2) and so without close-on-exec. The caller
// owns them.
func (s *Server) DupForExec() (listener int, conns []int, err error) {
	listener, err = dupConn(s.ln)
	if err != nil {
		return -1, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if fd, err := dupConn(c.nc); err == nil {
			conns = append(conns, fd)
		}
	}
	return listener, conns, nil
}

func dupConn(c syscall.Conn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(f uintptr) { fd, derr = unix.Dup(int(f)) }); err != nil {
		return -1, err
	}
	return fd, derr
}

// ListenerFromFile makes a listener of a passed listening unix socket;
// f is closed (the listener holds its own copy).
func ListenerFromFile(f *os.File) (*net.UnixListener, error) {
	defer f.Close()
	l, err := net.FileListener(f)
	if err != nil {
		return nil, err
	}
	ul, ok := l.(*net.UnixListener)
	if !ok {
		l.Close()
		return nil, errors.New("not a unix socket listener")
	}
	return ul, nil
}
