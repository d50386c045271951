package manager

import (
	"os"

	"golang.org/x/sys/unix"
)

// The manager's watchers (listening sockets, the fd store, /proc tables,
// clock and timezone changes) wait in the Go runtime's poller: a waiting
// goroutine holds no OS thread, as a blocking poll(2), epoll_wait(2) or
// read(2) would. PID 1 with a hundred listening sockets keeps a handful
// of threads, as 252 keeps one.

// waitPollable parks the goroutine until check(fd) reports done. check
// runs at once, and again each time the poller sees f readable; f must
// be non-blocking (a socket, or os.NewFile of an O_NONBLOCK fd). It
// returns an error, without check having reported done, once f is closed
// or its read deadline passes.
func waitPollable(f *os.File, check func(fd int) bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(func(fd uintptr) bool { return check(int(fd)) })
}

// newPollableEpoll is an epoll instance that epollWait waits on in the
// runtime's poller (an epoll fd is itself pollable: readable while
// events are pending).
func newPollableEpoll() (*os.File, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "epoll"), nil
}

// epollWait waits, parked, until ep has events, and returns them.
func epollWait(ep *os.File, events []unix.EpollEvent) (int, error) {
	var n int
	var werr error
	err := waitPollable(ep, func(fd int) bool {
		n, werr = unix.EpollWait(fd, events, 0)
		if werr == unix.EINTR {
			n, werr = 0, nil
		}
		return werr != nil || n > 0
	})
	if err != nil {
		return 0, err
	}
	return n, werr
}

// readParked reads f (non-blocking) into buf, parked while it has
// nothing to read.
func readParked(f *os.File, buf []byte) (int, error) {
	var n int
	var rerr error
	err := waitPollable(f, func(fd int) bool {
		n, rerr = unix.Read(fd, buf)
		return rerr != unix.EAGAIN && rerr != unix.EINTR
	})
	if err != nil {
		return 0, err
	}
	return n, rerr
}
