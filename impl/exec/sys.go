package exec

import (
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The executor changes credentials with raw system calls on its locked
// thread: the thread that calls execve is the one whose credentials the
// command gets, and Go's all-threads wrappers are unavailable when cgo is
// linked in.

const noID = 0xFFFFFFFF

func rawSetresuid(r, e, s uint32) error {
	_, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(r), uintptr(e), uintptr(s))
	return errnoErr(errno)
}

func rawSetresgid(r, e, s uint32) error {
	_, _, errno := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(r), uintptr(e), uintptr(s))
	return errnoErr(errno)
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// maybeSetgroups is 252's maybe_setgroups: setgroups unless the user
// namespace denies it.
func maybeSetgroups(gids []uint32) error {
	if len(gids) == 0 {
		if b, err := os.ReadFile("/proc/self/setgroups"); err == nil && strings.TrimSpace(string(b)) == "deny" {
			return nil
		}
	}
	ids := make([]int, len(gids))
	for i, g := range gids {
		ids[i] = int(g)
	}
	return unix.Setgroups(ids) // x/sys: this thread only, which is what we want
}

// capability sets of this thread (capget/capset version 3).
type capSets struct{ effective, permitted, inheritable uint64 }

func capGet() (capSets, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return capSets{}, err
	}
	return capSets{
		effective:   uint64(data[0].Effective) | uint64(data[1].Effective)<<32,
		permitted:   uint64(data[0].Permitted) | uint64(data[1].Permitted)<<32,
		inheritable: uint64(data[0].Inheritable) | uint64(data[1].Inheritable)<<32,
	}, nil
}

func capSet(c capSets) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := [2]unix.CapUserData{
		{Effective: uint32(c.effective), Permitted: uint32(c.permitted), Inheritable: uint32(c.inheritable)},
		{Effective: uint32(c.effective >> 32), Permitted: uint32(c.permitted >> 32), Inheritable: uint32(c.inheritable >> 32)},
	}
	return unix.Capset(&hdr, &data[0])
}

// capLastCap is cap_last_cap(): the highest capability the bounding set
// knows, found by PR_CAPBSET_READ (EINVAL past it) rather than by reading
// /proc/sys/kernel/cap_last_cap; the answer is the same and the executor
// asks it once.
func capLastCap() int {
	if lastCap >= 0 {
		return lastCap
	}
	known := func(c int) bool {
		_, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
		return err != unix.EINVAL
	}
	lo, hi := 0, 63 // known(lo) holds (CAP_CHOWN); find the last known
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if known(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	lastCap = lo
	return lo
}

var lastCap = -1

// gainSetpcap is capability_gain_cap_setpcap: raise CAP_SETPCAP in the
// effective set if it is permitted; returns the sets from before.
func gainSetpcap() (capSets, error) {
	before, err := capGet()
	if err != nil {
		return before, err
	}
	if before.effective&(1<<unix.CAP_SETPCAP) == 0 {
		raised := before
		raised.effective |= 1 << unix.CAP_SETPCAP
		_ = capSet(raised) // failing here only means a later step fails
	}
	return before, nil
}

// boundingSetDrop is capability_bounding_set_drop(keep, false): drop every
// capability not in keep from the bounding and inheritable sets.
func boundingSetDrop(keep uint64) error {
	before, err := gainSetpcap()
	if err != nil {
		return err
	}
	after := before
	var ret error
	for i := 0; i <= capLastCap(); i++ {
		if keep&(1<<uint(i)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(i), 0, 0, 0); err != nil {
			if v, _ := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0); v != 0 {
				ret = err
				break
			}
		}
		after.inheritable &^= 1 << uint(i)
	}
	if err := capSet(after); err != nil && after != before {
		ret = err
	}
	return ret
}

// ambientSetApply is capability_ambient_set_apply.
func ambientSetApply(set uint64, alsoInherit bool) error {
	last := capLastCap()
	for i := 0; i <= last && set != 0; i++ {
		if set&(1<<uint(i)) != 0 {
			if v, _ := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0); v != 1 {
				set &^= 1 << uint(i)
			}
		}
	}
	if alsoInherit {
		c, err := capGet()
		if err != nil {
			return err
		}
		mask := uint64(1)<<uint(last+1) - 1
		if last >= 63 {
			mask = ^uint64(0)
		}
		c.inheritable = c.inheritable&^mask | set&mask
		if err := capSet(c); err != nil {
			return err
		}
	}
	if set == 0 {
		// Lowering each capability that is set, as the loop below would,
		// is clearing them all.
		return unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	}
	for i := 0; i <= last; i++ {
		if set&(1<<uint(i)) != 0 {
			if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(i), 0, 0); err != nil {
				return err
			}
			continue
		}
		isSet, err := unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, uintptr(i), 0, 0)
		if err != nil {
			return err
		}
		if isSet != 0 {
			if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_LOWER, uintptr(i), 0, 0); err != nil {
				return err
			}
		}
	}
	return nil
}
