package condition

import (
	"fmt"
	"math/bits"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// RunningKernel is the Kernel of the running system.
type RunningKernel struct{}

func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func (RunningKernel) Uname() (Uname, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return Uname{}, err
	}
	return Uname{Machine: cString(u.Machine[:]), Release: cString(u.Release[:]), Nodename: cString(u.Nodename[:])}, nil
}

func (RunningKernel) CPUID(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32, ok bool) {
	return hostCPUID(leaf, subleaf)
}

// CPUsInAffinityMask is cpus_in_affinity_mask: sched_getaffinity with a
// mask grown until the kernel takes it.
func (RunningKernel) CPUsInAffinityMask() (int, error) {
	for n := 16; ; n *= 2 {
		mask := make([]uint64, (n+63)/64)
		_, _, e := unix.RawSyscall(unix.SYS_SCHED_GETAFFINITY, 0, uintptr(len(mask)*8), uintptr(unsafePointer(mask)))
		if e == 0 {
			count := 0
			for _, w := range mask {
				count += bits.OnesCount64(w)
			}
			if count <= 0 {
				return 0, syscall.EINVAL
			}
			return count, nil
		}
		if e != syscall.EINVAL || n > 1<<20 {
			return 0, e
		}
	}
}

func (RunningKernel) PhysicalPages() (pages, pageSize uint64) {
	var info unix.Sysinfo_t
	pageSize = uint64(os.Getpagesize())
	if unix.Sysinfo(&info) == nil {
		// glibc's _SC_PHYS_PAGES: totalram in units of mem_unit, in pages.
		pages = uint64(info.Totalram) * uint64(info.Unit) / pageSize
	}
	return pages, pageSize
}

func (RunningKernel) Credentials() Credentials {
	c := Credentials{UID: uint32(os.Getuid()), EUID: uint32(os.Geteuid()), GID: uint32(os.Getgid()), EGID: uint32(os.Getegid())}
	if groups, err := os.Getgroups(); err == nil {
		for _, g := range groups {
			c.Groups = append(c.Groups, uint32(g))
		}
	}
	return c
}

func (RunningKernel) PID() int { return os.Getpid() }

func (RunningKernel) LookupUser(name string) (uint32, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("user %s: %w", name, syscall.ESRCH)
	}
	id, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("user %s: %w", name, syscall.EBADMSG)
	}
	return uint32(id), nil
}

func (RunningKernel) LookupGroup(name string) (uint32, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("group %s: %w", name, syscall.ESRCH)
	}
	id, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("group %s: %w", name, syscall.EBADMSG)
	}
	return uint32(id), nil
}

func (RunningKernel) UserName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return strconv.FormatUint(uint64(uid), 10)
}

// AuditAvailable is use_audit: an audit netlink socket can be opened and
// answers a feature request other than with ECONNREFUSED (audit outside
// the initial user namespace).
func (RunningKernel) AuditAvailable() bool {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return err != unix.EAFNOSUPPORT && err != unix.EPROTONOSUPPORT && err != unix.EPERM
	}
	defer unix.Close(fd)
	const auditGetFeature = 1019
	req := make([]byte, unix.NLMSG_HDRLEN)
	hdr := (*unix.NlMsghdr)(unsafePointer(req))
	hdr.Len = unix.NLMSG_HDRLEN
	hdr.Type = auditGetFeature
	hdr.Flags = unix.NLM_F_REQUEST | unix.NLM_F_ACK
	if err := unix.Sendto(fd, req, unix.MSG_NOSIGNAL, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err != unix.ECONNREFUSED
	}
	buf := make([]byte, unix.NLMSG_HDRLEN+unix.SizeofNlMsgerr)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return err != unix.ECONNREFUSED
	}
	if n != len(buf) {
		return true
	}
	resp := (*unix.NlMsghdr)(unsafePointer(buf))
	if resp.Type != unix.NLMSG_ERROR {
		return true
	}
	errno := -int32(nativeEndianUint32(buf[unix.NLMSG_HDRLEN:]))
	return syscall.Errno(errno) != unix.ECONNREFUSED
}
