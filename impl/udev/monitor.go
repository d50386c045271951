package udev

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Netlink multicast groups of NETLINK_KOBJECT_UEVENT.
const (
	groupNone   = 0
	groupKernel = 1
	groupUdev   = 2
)

// receiveBuffer is what sd-device asks the kernel to queue for a
// monitor (SO_RCVBUFFORCE): kernel memory, not ours.
const receiveBuffer = 128 << 20

// maxMessage is the largest message a Monitor reads; udevd's are a few
// KiB. Longer ones are dropped as truncated.
const maxMessage = 256 << 10

// ErrIgnored wraps the reasons a received message is dropped (bad
// sender, malformed, filtered out): the monitor goes on.
var ErrIgnored = errors.New("message ignored")

// ErrOverrun: the kernel dropped messages because the socket's queue was
// full (ENOBUFS); the monitor goes on, but events were lost.
var ErrOverrun = errors.New("monitor queue overrun, events lost")

// Monitor receives the devices udevd broadcasts after processing them,
// as an sd_device_monitor on the "udev" group with tag filters.
type Monitor struct {
	f    *os.File
	rc   syscall.RawConn
	tags []string
	buf  []byte
	oob  []byte
	uid  uint32
	euid uint32
	// Group is the multicast group the socket is bound to: 0 when udev
	// does not run here and nothing is received.
	Group uint32
}

// NewMonitor opens a monitor for the devices carrying any of tags (all
// devices if none). As sd-device, it binds to no group at all (and so
// receives nothing) when udev does not run here: no /run/udev/control
// and /dev is no devtmpfs, as in a container.
func NewMonitor(tags []string) (*Monitor, error) {
	group := uint32(groupUdev)
	if _, err := os.Stat("/run/udev/control"); err != nil && !devIsDevtmpfs() {
		group = groupNone
	}
	return newMonitor(tags, group)
}

func newMonitor(tags []string, group uint32) (*Monitor, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("creating the uevent socket: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, receiveBuffer); err == nil {
		if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil && v < receiveBuffer {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, receiveBuffer)
		}
	}
	if len(tags) > 0 && group == groupUdev {
		prog := tagFilter(tags)
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}); err != nil {
			return nil, fmt.Errorf("attaching the tag filter: %w", err)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		return nil, fmt.Errorf("enabling credentials on the uevent socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: group}); err != nil {
		return nil, fmt.Errorf("binding the uevent socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "udev-monitor")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		ok = true // f owns the fd now
		return nil, err
	}
	ok = true
	return &Monitor{f: f, rc: rc, tags: append([]string(nil), tags...), buf: make([]byte, maxMessage),
		oob: make([]byte, unix.CmsgSpace(unix.SizeofUcred)), uid: uint32(os.Getuid()), euid: uint32(os.Geteuid()),
		Group: group}, nil
}

// devIsDevtmpfs reports whether /dev is a devtmpfs (dev_is_devtmpfs):
// the file system of the topmost mount on /dev.
func devIsDevtmpfs() bool {
	data, err := readSmall("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	top := ""
	for _, line := range strings.Split(string(data), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f := strings.Fields(pre)
		if len(f) < 5 || f[4] != "/dev" {
			continue
		}
		if t := strings.Fields(post); len(t) > 0 {
			top = t[0]
		}
	}
	return top == "devtmpfs"
}

// Close stops the monitor; a Receive blocked on it returns an error.
func (m *Monitor) Close() error { return m.f.Close() }

// Receive blocks until a device arrives and returns it. Errors wrapping
// ErrIgnored or ErrOverrun concern one message (or lost ones) and the
// monitor goes on; any other error means the socket is gone.
func (m *Monitor) Receive() (*Device, error) {
	var n, oobn, flags int
	var from unix.Sockaddr
	var rerr error
	err := m.rc.Read(func(fd uintptr) bool {
		n, oobn, flags, from, rerr = unix.Recvmsg(int(fd), m.buf, m.oob, 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return nil, err
	}
	if rerr == unix.ENOBUFS {
		return nil, ErrOverrun
	}
	if rerr == unix.EINTR {
		return nil, fmt.Errorf("%w: interrupted", ErrIgnored)
	}
	if rerr != nil {
		return nil, rerr
	}
	if flags&unix.MSG_TRUNC != 0 {
		return nil, fmt.Errorf("%w: truncated message", ErrIgnored)
	}
	nl, _ := from.(*unix.SockaddrNetlink)
	if err := m.checkSender(nl, m.oob[:oobn]); err != nil {
		return nil, err
	}
	d, err := ParseMessage(m.buf[:n])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIgnored, err)
	}
	if !m.passes(d) {
		return nil, fmt.Errorf("%w: %s does not pass the filter", ErrIgnored, d.Syspath)
	}
	return d, nil
}

// checkSender is sd-device's trust check: multicast only (no unicast
// sender is trusted here), kernel messages only from the kernel, and
// credentials of root or of our own user.
func (m *Monitor) checkSender(nl *unix.SockaddrNetlink, oob []byte) error {
	if nl == nil {
		return fmt.Errorf("%w: no sender address", ErrIgnored)
	}
	switch nl.Groups {
	case groupNone:
		return fmt.Errorf("%w: unicast netlink message", ErrIgnored)
	case groupKernel:
		if nl.Pid > 0 {
			return fmt.Errorf("%w: multicast kernel netlink message from PID %d", ErrIgnored, nl.Pid)
		}
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) == 0 || msgs[0].Header.Level != unix.SOL_SOCKET || msgs[0].Header.Type != unix.SCM_CREDENTIALS {
		return fmt.Errorf("%w: no sender credentials", ErrIgnored)
	}
	cred, err := unix.ParseUnixCredentials(&msgs[0])
	if err != nil {
		return fmt.Errorf("%w: no sender credentials", ErrIgnored)
	}
	if cred.Uid != 0 && cred.Uid != m.uid && cred.Uid != m.euid {
		return fmt.Errorf("%w: sender uid=%d", ErrIgnored, cred.Uid)
	}
	return nil
}

// passes is the monitor's tag filter, checked for real after the socket
// filter's bloom test.
func (m *Monitor) passes(d *Device) bool {
	if len(m.tags) == 0 {
		return true
	}
	for _, t := range m.tags {
		if d.HasTag(t) {
			return true
		}
	}
	return false
}
