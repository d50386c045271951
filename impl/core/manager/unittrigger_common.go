package manager

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitpath"
)

// What timers and paths share: the unit they trigger, following that
// unit's jobs, the clocks.

// errTriggerNotLoaded is unit_test_trigger_loaded's -ENOENT: the start
// job fails.
var errTriggerNotLoaded = errors.New("unit to trigger not loaded")

// tpTriggerOf is UNIT_TRIGGER: the first unit u triggers.
func tpTriggerOf(u *Unit) *Unit {
	for _, name := range u.cfg.Deps[dep.Triggers].List() {
		if o := u.m.units[name]; o != nil {
			return o
		}
		return nil
	}
	return nil
}

// tpTestTriggerLoaded is unit_test_trigger_loaded.
func tpTestTriggerLoaded(u *Unit) error {
	t := tpTriggerOf(u)
	if t == nil {
		u.m.logUnit(u, LevelErr, "Refusing to start, no unit to trigger.")
		return errTriggerNotLoaded
	}
	if t.LoadState() != state.Loaded {
		u.m.logUnit(u, LevelErr, "Refusing to start, unit %s to trigger not loaded.", t.ID())
		return errTriggerNotLoaded
	}
	return nil
}

// tpStopPending is unit_stop_pending: a stop job is queued for u.
func tpStopPending(u *Unit) bool { return u.job != nil && u.job.typ == jobStop }

// tpLogResult is unit_log_result.
func tpLogResult(u *Unit, success bool, result string) {
	if success {
		level := LevelInfo
		if u.m.cfg.Scope != unitpath.System {
			level = LevelDebug
		}
		u.m.log(LogEntry{Level: level, Unit: u.ID(), Message: u.ID() + ": Deactivated successfully.",
			Fields: []string{"MESSAGE_ID=7ad2d189f7e94e70a38c781354912448", "INVOCATION_ID=" + u.invocationID}})
		return
	}
	u.m.log(LogEntry{Level: LevelWarning, Unit: u.ID(), Message: u.ID() + ": Failed with result '" + result + "'.",
		Fields: []string{"MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c", "INVOCATION_ID=" + u.invocationID, "UNIT_RESULT=" + result}})
}

// tpJobFollower tells a triggering unit when the job of the unit it
// triggers goes away, as 252's job_finish_and_invalidate calls
// unit_trigger_notify (Unit.notify only reports state changes; a job can
// end without one, e.g. when its unit's condition fails). The call comes
// on a later loop turn, once the finished job's bookkeeping is done.
type tpJobFollower struct{ job *Job }

// follow arranges for notify(other) once other's current job is gone;
// once per job.
func (f *tpJobFollower) follow(other *Unit, notify func(*Unit)) {
	j := other.job
	if j == nil || f.job == j {
		return
	}
	f.job = j
	j.waiters = append(j.waiters, func(job.Result) {
		if f.job == j {
			f.job = nil
		}
		other.m.afterLoop(0, func() { notify(other) })
	})
}

// tpClockUsec reads a clock in µs; the *_ALARM clocks read as their
// base clocks.
func tpClockUsec(clock int32) uint64 {
	switch clock {
	case unix.CLOCK_BOOTTIME_ALARM:
		clock = unix.CLOCK_BOOTTIME
	case unix.CLOCK_REALTIME_ALARM:
		clock = unix.CLOCK_REALTIME
	}
	var ts unix.Timespec
	_ = unix.ClockGettime(clock, &ts)
	return uint64(ts.Sec)*1e6 + uint64(ts.Nsec)/1000
}

// tpClockBase maps the alarm clocks onto the clocks they count.
func tpClockBase(clock int32) int32 {
	switch clock {
	case unix.CLOCK_BOOTTIME_ALARM:
		return unix.CLOCK_BOOTTIME
	case unix.CLOCK_REALTIME_ALARM:
		return unix.CLOCK_REALTIME
	}
	return clock
}

// tpShiftClock is usec_shift_clock: a point in time on one clock as the
// same point on another.
func tpShiftClock(x uint64, from, to int32) uint64 {
	if x == usecInfinity || tpClockBase(from) == tpClockBase(to) {
		return x
	}
	a, b := tpClockUsec(from), tpClockUsec(to)
	if x > a {
		return tpUsecAdd(b, x-a)
	}
	if a-x > b {
		return 0
	}
	return b - (a - x)
}

// tpUsecAdd is usec_add: a sum that saturates at infinity.
func tpUsecAdd(a, b uint64) uint64 {
	if s := a + b; s >= a && s != usecInfinity {
		return s
	}
	return usecInfinity
}

// tpDuration is a µs span as a Duration, saturating.
func tpDuration(usec uint64) time.Duration {
	if usec > uint64(1<<63-1)/1000 {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(usec) * time.Microsecond
}

// tpErrnoText is strerror: "No such file or directory".
func tpErrnoText(err error) string { return value.Strerror(err) }

var tpContainer struct {
	once sync.Once
	yes  bool
}

// tpInContainer is detect_container() > 0, for OnBootSec=: what a
// container manager announces ($container for PID 1, the files it
// leaves), or OpenVZ.
func tpInContainer() bool {
	tpContainer.once.Do(func() { tpContainer.yes = tpDetectContainer() })
	return tpContainer.yes
}

func tpDetectContainer() bool {
	if _, err := os.Stat("/proc/vz"); err == nil {
		if _, err := os.Stat("/proc/bc"); err != nil {
			return true
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		if s := string(data); strings.Contains(s, "Microsoft") || strings.Contains(s, "WSL") {
			return true
		}
	}
	var e string
	if os.Getpid() == 1 {
		e = os.Getenv("container")
	} else if data, err := os.ReadFile("/run/systemd/container"); err == nil {
		e = strings.TrimSpace(string(data))
	} else if data, err := os.ReadFile("/proc/1/environ"); err == nil {
		for _, kv := range strings.Split(string(data), "\x00") {
			if v, ok := strings.CutPrefix(kv, "container="); ok {
				e = v
			}
		}
	}
	if e != "" {
		return true
	}
	if data, err := os.ReadFile("/run/host/container-manager"); err == nil && strings.TrimSpace(string(data)) != "" {
		return true
	}
	for _, f := range []string{"/run/.containerenv", "/.dockerenv"} {
		if _, err := os.Stat(f); err == nil {
			return true
		}
	}
	return false
}

// tpSipHash24 is SipHash-2-4 of msg under key, which 252's
// siphash24_compress calls amount to when fed one after another.
func tpSipHash24(key [16]byte, msg []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(key[:8])
	k1 := binary.LittleEndian.Uint64(key[8:])
	v := [4]uint64{k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573}
	sipRound := func() {
		v[0] += v[1]
		v[1] = bits.RotateLeft64(v[1], 13) ^ v[0]
		v[0] = bits.RotateLeft64(v[0], 32)
		v[2] += v[3]
		v[3] = bits.RotateLeft64(v[3], 16) ^ v[2]
		v[0] += v[3]
		v[3] = bits.RotateLeft64(v[3], 21) ^ v[0]
		v[2] += v[1]
		v[1] = bits.RotateLeft64(v[1], 17) ^ v[2]
		v[2] = bits.RotateLeft64(v[2], 32)
	}
	n := len(msg)
	for ; len(msg) >= 8; msg = msg[8:] {
		w := binary.LittleEndian.Uint64(msg)
		v[3] ^= w
		sipRound()
		sipRound()
		v[0] ^= w
	}
	var last [8]byte
	copy(last[:], msg)
	last[7] = byte(n)
	w := binary.LittleEndian.Uint64(last[:])
	v[3] ^= w
	sipRound()
	sipRound()
	v[0] ^= w
	v[2] ^= 0xff
	for i := 0; i < 4; i++ {
		sipRound()
	}
	return v[0] ^ v[1] ^ v[2] ^ v[3]
}
