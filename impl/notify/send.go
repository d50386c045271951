package notify

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Send is sd_notify(0, state) as 252 sends it: one datagram to the
// socket $NOTIFY_SOCKET names (an absolute path, or "@name" in the
// abstract namespace), from a fresh socket. Without $NOTIFY_SOCKET it
// does nothing and returns nil (252's 0); a name that is neither is
// EINVAL. Unlike 252's blocking send, a receiver whose queue is full gets
// EAGAIN rather than stalling the caller (PID 1's loop).
func Send(state string) error {
	addr, ok := os.LookupEnv("NOTIFY_SOCKET")
	if !ok {
		return nil
	}
	// sockaddr_un_set_path: an absolute path or an abstract name that
	// fits sun_path with a NUL after it.
	switch {
	case len(addr) < 2 || !strings.HasPrefix(addr, "/") && !strings.HasPrefix(addr, "@"):
		return unix.EINVAL
	case len(addr)+1 > 108 && addr[0] == '@':
		return unix.EINVAL
	case len(addr)+1 > 108:
		return unix.ENAMETOOLONG
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// fd_inc_sndbuf(fd, SNDBUF_SIZE), best effort.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sendBufferSize)
	return unix.Sendto(fd, []byte(state), unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT, &unix.SockaddrUnix{Name: addr})
}

// sendBufferSize is sd-daemon's SNDBUF_SIZE.
const sendBufferSize = 8 << 20
