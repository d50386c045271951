package exec

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Process attributes the child sets on itself (the locked thread, for the
// per-thread ones: nice, scheduling, I/O priority, timer slack, affinity).

// setrlimitClosest is setrlimit_closest: when raising is not permitted,
// get as close as the hard limit allows.
func setrlimitClosest(resource int, want Rlimit) error {
	lim := unix.Rlimit{Cur: want.Cur, Max: want.Max}
	err := unix.Setrlimit(resource, &lim) // Go's own NOFILE bookkeeping is cleared by this call
	if err == nil || err != unix.EPERM {
		return err
	}
	var highest unix.Rlimit
	if err := unix.Getrlimit(resource, &highest); err != nil {
		return err
	}
	if highest.Max == RlimInfinity {
		return unix.EPERM
	}
	fixed := unix.Rlimit{Cur: min(want.Cur, highest.Max), Max: min(want.Max, highest.Max)}
	if fixed == highest {
		return nil
	}
	return unix.Setrlimit(resource, &fixed)
}

// setpriorityClosest is setpriority_closest.
func setpriorityClosest(prio int) error {
	err := unix.Setpriority(unix.PRIO_PROCESS, 0, prio)
	if err == nil {
		return nil
	}
	if err != unix.EPERM && err != unix.EACCES {
		return err
	}
	// getpriority(2) returns 20-nice.
	raw, gerr := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if gerr != nil {
		return gerr
	}
	current := 20 - raw
	if prio == current {
		return nil
	}
	if prio > current {
		return err
	}
	var highest unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NICE, &highest); err != nil {
		return err
	}
	limit := rlimitToNice(highest.Cur)
	if current < limit {
		return nil
	}
	return unix.Setpriority(unix.PRIO_PROCESS, 0, limit)
}

// rlimitToNice is rlimit_to_nice: RLIMIT_NICE 1..40 means nice 19..-20.
func rlimitToNice(r uint64) int {
	if r <= 1 {
		return 19
	}
	if r >= 40 {
		return -20
	}
	return 20 - int(r)
}

// setOOMScoreAdjust writes /proc/self/oom_score_adj.
func setOOMScoreAdjust(v int) error {
	err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(v)), 0)
	if err != nil {
		return errnoOf(err)
	}
	return nil
}

// schedSetattr is sched_setattr(0, policy, priority, reset-on-fork).
func schedSetattr(policy, priority int, resetOnFork bool) error {
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: uint32(policy), Priority: uint32(priority)}
	if resetOnFork {
		attr.Flags = unix.SCHED_FLAG_RESET_ON_FORK
	}
	return unix.SchedSetAttr(0, &attr, 0)
}

// ioprioSet is ioprio_set(IOPRIO_WHO_PROCESS, 0, prio).
func ioprioSet(prio int) error {
	const ioprioWhoProcess = 1
	_, _, e := unix.RawSyscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, uintptr(prio))
	return errnoErr(e)
}

// setAffinity is sched_setaffinity(0, cpus).
func setAffinity(cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return unix.SchedSetaffinity(0, &set)
}

// setupKeyring is setup_keyring: a new session keyring per service, the
// user keyring linked in ("shared"), holding the invocation ID.
func (s *Spec) setupKeyring(uid, gid uint32) error {
	if s.KeyringMode == "inherit" || s.KeyringMode == "" {
		return nil
	}
	savedUID, savedGID := uint32(unix.Getuid()), uint32(unix.Getgid())
	defer func() {
		if uint32(unix.Getuid()) != savedUID {
			_ = rawSetresuid(savedUID, noID, noID)
		}
		if uint32(unix.Getgid()) != savedGID {
			_ = rawSetresgid(savedGID, noID, noID)
		}
	}()
	if gid != noID && gid != savedGID {
		if err := rawSetresgid(gid, noID, noID); err != nil {
			return err
		}
	}
	if uid != noID && uid != savedUID {
		if err := rawSetresuid(uid, noID, noID); err != nil {
			return err
		}
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0); err != nil {
		switch err {
		case unix.ENOSYS, unix.EPERM, unix.EACCES, unix.EDQUOT:
			return nil
		}
		return err
	}
	if s.KeyringMode == "shared" {
		if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, unix.KEY_SPEC_USER_KEYRING, unix.KEY_SPEC_SESSION_KEYRING, 0, 0); err != nil {
			return err
		}
	}
	if uid != noID && uid != savedUID {
		if err := rawSetresuid(savedUID, noID, noID); err != nil {
			return err
		}
	}
	if gid != noID && gid != savedGID {
		if err := rawSetresgid(savedGID, noID, noID); err != nil {
			return err
		}
	}
	id, ok := parseID128(s.InvocationID)
	if !ok {
		return nil
	}
	key, err := unix.AddKey("user", "invocation_id", id[:], unix.KEY_SPEC_SESSION_KEYRING)
	if err != nil {
		return nil
	}
	const perm = 0x01000000 | 0x02000000 | 0x08000000 | 0x00010000 | 0x00020000 | 0x00080000 // POS and USR view|read|search
	_, err = unix.KeyctlInt(unix.KEYCTL_SETPERM, key, perm, 0, 0)
	return err
}

// parseID128 parses 32 hex digits.
func parseID128(s string) ([16]byte, bool) {
	var id [16]byte
	if len(s) != 32 {
		return id, false
	}
	for i := 0; i < 16; i++ {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return id, false
		}
		id[i] = byte(v)
	}
	return id, true
}

// setTimerSlack is prctl(PR_SET_TIMERSLACK).
func setTimerSlack(ns uint64) error {
	return unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(ns), 0, 0, 0)
}
