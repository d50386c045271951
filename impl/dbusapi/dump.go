package dbusapi

import (
	"fmt"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/timeutil"
)

func init() { managerMembers = append(managerMembers, (*API).dumpMembers) }

// dumpLimit is 252's dump_ratelimit: ten dumps in ten minutes, past which
// only privileged callers get one.
var dumpLimit = struct {
	interval time.Duration
	burst    uint32
}{10 * time.Minute, 10}

// dumpRatelimit counts dumps, for every caller alike (ratelimit_below).
type dumpRatelimit struct {
	begin time.Time
	n     uint32
}

func (r *dumpRatelimit) below(now time.Time) bool {
	if r.begin.IsZero() || now.Sub(r.begin) > dumpLimit.interval {
		r.begin, r.n = now, 1
		return true
	}
	if r.n < ^uint32(0) {
		r.n++
	}
	return r.n <= dumpLimit.burst
}

// serialize writes the window's start (CLOCK_MONOTONIC µs, 0 for
// none), the interval, the count and the burst, as 252 does.
func (r *dumpRatelimit) serialize(now time.Time) string {
	var begin uint64
	if !r.begin.IsZero() {
		if d := monotonicNow() - time.Duration(now.Sub(r.begin)); d > 0 {
			begin = uint64(d / time.Microsecond)
		}
	}
	return fmt.Sprintf("%d %d %d %d", begin, dumpLimit.interval/time.Microsecond, r.n, dumpLimit.burst)
}

// deserialize takes serialize's text back; a different interval or
// burst resets the count, as 252 does.
func (r *dumpRatelimit) deserialize(v string, now time.Time) {
	var begin, interval uint64
	var n, burst uint32
	if c, err := fmt.Sscanf(v, "%d %d %d %d", &begin, &interval, &n, &burst); err != nil || c != 4 {
		return
	}
	if time.Duration(interval)*time.Microsecond != dumpLimit.interval || burst != dumpLimit.burst {
		n = 0
	}
	r.n = n
	r.begin = time.Time{}
	if begin > 0 {
		r.begin = now.Add(-(monotonicNow() - time.Duration(begin)*time.Microsecond))
	}
}

// monotonicNow is CLOCK_MONOTONIC, which a re-executed manager shares.
func monotonicNow() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}

// left is ratelimit_left: how long the window still runs.
func (r *dumpRatelimit) left(now time.Time) time.Duration {
	if r.begin.IsZero() {
		return 0
	}
	end := r.begin.Add(dumpLimit.interval)
	if now.After(end) {
		return 0
	}
	return end.Sub(now)
}

// dumpMembers are the Manager's Dump methods: the text of manager_dump,
// as a string or in a sealed memfd.
func (a *API) dumpMembers() []bus.Member {
	text := func(call *bus.Call, patterns []string) (string, error) {
		now := time.Now()
		if !a.dumpLimit.below(now) && a.verifyManage(call) != nil {
			// 252 asks polkit (bypass-dump-ratelimit); without an agent
			// the unprivileged caller is refused.
			left := timeutil.FormatTimespan(timeutil.Usec(a.dumpLimit.left(now).Microseconds()), timeutil.Sec)
			msg := fmt.Sprintf("Dump request rejected due to rate limit on unprivileged callers, blocked for %s.", left)
			a.m.LogLoop(manager.LogEntry{Level: manager.LevelWarning, Message: msg})
			return "", bus.Errorf(bus.ErrNameLimitsExceeded, "%s", msg)
		}
		var subscribed []string
		if patterns == nil {
			subscribed = a.Tree.Subscribed.Names()
		}
		return a.m.DumpUnitsLoop(patterns, subscribed), nil
	}
	patternsOf := func(call *bus.Call) []string {
		// An empty array reads as no patterns at all, as sd-bus reads
		// it: the whole dump, header included.
		if p := call.Body[0].([]string); len(p) > 0 {
			return p
		}
		return nil
	}
	byFD := func(call *bus.Call, s string) ([]any, error) {
		if !call.Conn.UnixFDs() {
			// sd-bus cannot append the fd to the reply.
			return nil, errnoError(syscall.EOPNOTSUPP)
		}
		fd, err := dataFD(s)
		if err != nil {
			return nil, errnoError(errnoOf(err))
		}
		// The reply carries a duplicate; ours goes once it is sent.
		defer unix.Close(fd)
		_ = call.Reply(dbus.UnixFD(fd))
		return nil, bus.ErrReplyLater
	}
	return []bus.Member{
		&bus.Method{Name: "Dump", Out: "s", OutNames: []string{"output"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				s, err := text(call, nil)
				if err != nil {
					return nil, err
				}
				return []any{s}, nil
			}},
		&bus.Method{Name: "DumpUnitsMatchingPatterns", In: "as", Out: "s", InNames: []string{"patterns"},
			OutNames: []string{"output"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				s, err := text(call, patternsOf(call))
				if err != nil {
					return nil, err
				}
				return []any{s}, nil
			}},
		&bus.Method{Name: "DumpByFileDescriptor", Out: "h", OutNames: []string{"fd"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				s, err := text(call, nil)
				if err != nil {
					return nil, err
				}
				return byFD(call, s)
			}},
		&bus.Method{Name: "DumpUnitsMatchingPatternsByFileDescriptor", In: "as", Out: "h", InNames: []string{"patterns"},
			OutNames: []string{"fd"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				s, err := text(call, patternsOf(call))
				if err != nil {
					return nil, err
				}
				return byFD(call, s)
			}},
	}
}

// dataFD is acquire_data_fd: the text in a sealed memfd named
// "data-fd", read from its start; /dev/null for no text.
func dataFD(s string) (int, error) {
	if s == "" {
		return unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	}
	fd, err := unix.MemfdCreate("data-fd", unix.MFD_ALLOW_SEALING|unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	for b := []byte(s); len(b) > 0; {
		n, err := unix.Write(fd, b)
		if err != nil {
			unix.Close(fd)
			return -1, err
		}
		b = b[n:]
	}
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		unix.Close(fd)
		return -1, err
	}
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
