package manager

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/id128"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Timer units (252's timer.c): a timer waits for its monotonic and
// calendar values to elapse, then starts the unit it triggers with a
// job, and follows that unit until it is inactive again.
//
// Monotonic values are armed on the loop's timer heap (Go's timers run on
// CLOCK_MONOTONIC); calendar values are converted to a wait on the same
// heap and re-armed when the realtime clock is set (the manager-wide
// clock watcher in unittimer_clock.go), as 252 recalculates on
// TFD_TIMER_CANCEL_ON_SET.

// timerState is a timer's sub-state (252's TimerState).
type timerState int

const (
	timerStateDead timerState = iota
	timerStateWaiting
	timerStateRunning
	timerStateElapsed
	timerStateFailed
)

var timerStateNames = [...]string{"dead", "waiting", "running", "elapsed", "failed"}

// timerStateActive is the timer's translation table to active states.
var timerStateActive = [...]state.Active{
	timerStateDead: state.Inactive, timerStateWaiting: state.Active_, timerStateRunning: state.Active_,
	timerStateElapsed: state.Active_, timerStateFailed: state.Failed,
}

// Timer results (252's TimerResult).
const (
	timerResultSuccess       = "success"
	timerResultResources     = "resources"
	timerResultStartLimitHit = "start-limit-hit"
)

// usecInfinity is USEC_INFINITY.
const usecInfinity = ^uint64(0)

// timerRealtimeRecheck bounds how long a wait on the realtime or boottime
// clock trusts the loop's monotonic timer: after a suspend, or a clock
// change the watcher missed, the clock is looked at again by then.
const timerRealtimeRecheck = time.Hour

// timerValue is one OnXxx= setting with its runtime state.
type timerValue struct {
	base     string // "OnActiveSec", ..., "OnCalendar"
	value    uint64
	calendar *timeutil.CalendarSpec
	disabled bool
	next     uint64 // in the timer's monotonic clock, or realtime for calendars
}

// timerUnit is the timer unit type.
type timerUnit struct {
	u   *Unit
	cfg *unit.Timer

	state  timerState
	result string
	values []timerValue

	nextMonotonic uint64 // in the timer's monotonic clock (boottime with WakeSystem=)
	nextRealtime  uint64
	lastTrigger   DualTimestamp

	monoWait, realWait *timerEntry
	stampPath          string
	follow             tpJobFollower
}

func init() {
	typeConstructors[unitname.Timer] = func(u *Unit) unitType { return newTimerUnit(u) }
}

func newTimerUnit(u *Unit) unitType {
	if u.cfg.Timer == nil {
		return newUnsupported(u)
	}
	t := &timerUnit{u: u, cfg: u.cfg.Timer, result: timerResultSuccess,
		nextMonotonic: usecInfinity, nextRealtime: usecInfinity}
	for _, v := range u.cfg.Timer.Values {
		t.values = append(t.values, timerValue{base: v.Base, value: v.Value, calendar: v.Calendar})
	}
	t.stampPath = t.persistentStampPath()
	tpStateOf(u.m).addTimer(t)
	return t
}

// persistentStampPath is timer_setup_persistent: where a Persistent=
// timer keeps the time it last triggered.
func (t *timerUnit) persistentStampPath() string {
	if !t.cfg.Persistent {
		return ""
	}
	m := t.u.m
	if m.cfg.Scope == unitpath.System {
		return filepath.Join(m.cfg.Root, "/var/lib/systemd/timers/stamp-"+t.u.ID())
	}
	if e := os.Getenv("XDG_DATA_HOME"); e != "" {
		return e + "/systemd/timers/stamp-" + t.u.ID()
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return home + "/.local/share/systemd/timers/stamp-" + t.u.ID()
}

func (t *timerUnit) activeState() state.Active { return timerStateActive[t.state] }
func (t *timerUnit) subState() string          { return timerStateNames[t.state] }
func (t *timerUnit) canReload() bool           { return false }
func (t *timerUnit) reload() error             { return errBadR }
func (t *timerUnit) childExited(int, int, int) {}

// monotonicClock is TIMER_MONOTONIC_CLOCK.
func (t *timerUnit) monotonicClock() int32 {
	if t.cfg.WakeSystem {
		return unix.CLOCK_BOOTTIME_ALARM
	}
	return unix.CLOCK_MONOTONIC
}

// setState is timer_set_state: the one place the sub-state changes.
func (t *timerUnit) setState(ns timerState) {
	os := t.state
	t.state = ns
	if ns != timerStateWaiting {
		t.monoWait.cancel()
		t.realWait.cancel()
		t.monoWait, t.realWait = nil, nil
		t.nextMonotonic, t.nextRealtime = usecInfinity, usecInfinity
	}
	if os != ns {
		t.u.m.logUnit(t.u, LevelDebug, "Changed %s -> %s", timerStateNames[os], timerStateNames[ns])
	}
	t.u.notify(timerStateActive[os], timerStateActive[ns], true)
}

// trigger is UNIT_TRIGGER: the unit the timer starts.
func (t *timerUnit) trigger() *Unit { return tpTriggerOf(t.u) }

func (t *timerUnit) enterDead(f string) {
	if t.result == timerResultSuccess {
		t.result = f
	}
	tpLogResult(t.u, t.result == timerResultSuccess, t.result)
	if t.result != timerResultSuccess {
		t.setState(timerStateFailed)
	} else {
		t.setState(timerStateDead)
	}
}

func (t *timerUnit) enterElapsed(leaveAround bool) {
	if t.cfg.RemainAfterElapse || leaveAround {
		t.setState(timerStateElapsed)
	} else {
		t.enterDead(timerResultSuccess)
	}
}

// addRandom is add_random: RandomizedDelaySec= spread, fixed per machine
// and unit with FixedRandomDelay=.
func (t *timerUnit) addRandom(v *uint64) {
	if t.cfg.RandomizedDelay == 0 || *v == usecInfinity {
		return
	}
	var r uint64
	if t.cfg.FixedRandomDelay {
		r = t.fixedDelayHash()
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		r = binary.LittleEndian.Uint64(b[:])
	}
	add := r % t.cfg.RandomizedDelay
	if *v+add < *v {
		*v = usecInfinity - 1
	} else {
		*v += add
	}
	t.u.m.logUnit(t.u, LevelDebug, "Adding %s random time.", timeutil.FormatTimespan(add, 0))
}

// timerFixedDelayKey is the SipHash key 252 hashes the fixed random
// delay with.
var timerFixedDelayKey = [16]byte{0x51, 0x0a, 0xdb, 0x76, 0x29, 0x51, 0x42, 0xc2,
	0x80, 0x35, 0xea, 0xe6, 0x8e, 0x3a, 0x37, 0xbd}

// fixedDelayHash is timer_get_fixed_delay_hash: a hash of the machine ID,
// the manager's scope, its UID and the unit's name.
func (t *timerUnit) fixedDelayHash() uint64 {
	mid, err := id128.Machine()
	if err != nil {
		t.u.m.logUnit(t.u, LevelDebug, "Failed to get machine ID for the fixed delay calculation, proceeding with 0: %s", tpErrnoText(err))
		mid = id128.Null
	}
	msg := append([]byte{}, mid[:]...)
	if t.u.m.cfg.Scope == unitpath.System {
		msg = append(msg, 1)
	} else {
		msg = append(msg, 0)
	}
	msg = binary.LittleEndian.AppendUint32(msg, uint32(os.Getuid()))
	msg = append(msg, t.u.ID()...)
	return tpSipHash24(timerFixedDelayKey, msg)
}

// enterWaiting is timer_enter_waiting: compute when each value elapses
// next and arm the earliest monotonic and realtime ones.
func (t *timerUnit) enterWaiting(timeChange bool) {
	m := t.u.m
	trigger := t.trigger()
	if trigger == nil {
		m.logUnit(t.u, LevelErr, "Unit to trigger vanished.")
		t.enterDead(timerResultResources)
		return
	}
	st := tpStateOf(m)
	clock := t.monotonicClock()
	nowReal, nowMono, nowClock := tpClockUsec(unix.CLOCK_REALTIME), tpClockUsec(unix.CLOCK_MONOTONIC), tpClockUsec(clock)
	userspace := st.userspaceMonotonic()
	t.nextMonotonic, t.nextRealtime = 0, 0
	foundMono, foundReal, leaveAround := false, false, false

	for i := range t.values {
		v := &t.values[i]
		if v.disabled {
			continue
		}
		if v.base == "OnCalendar" {
			if v.calendar == nil {
				continue
			}
			var b uint64
			switch {
			case t.lastTrigger.IsSet():
				b = t.lastTrigger.Realtime
			case t.u.inactiveExit.IsSet():
				b = t.u.inactiveExit.Realtime
			default:
				b = nowReal
			}
			next, err := st.calendar().NextElapse(v.calendar, b)
			if err != nil {
				continue
			}
			v.next = next
			// A time already passed (at boot, or for a persistent
			// timer) counts from when the manager started.
			if rebased := tpShiftClock(userspace, unix.CLOCK_MONOTONIC, unix.CLOCK_REALTIME); v.next < rebased {
				v.next = rebased
			}
			if !foundReal || v.next < t.nextRealtime {
				t.nextRealtime = v.next
			}
			foundReal = true
			continue
		}
		var base uint64
		switch v.base {
		case "OnActiveSec":
			if timerStateActive[t.state] == state.Active_ {
				base = t.u.inactiveExit.Monotonic
			} else {
				base = nowMono
			}
		case "OnBootSec":
			if !tpInContainer() {
				base = 0 // CLOCK_MONOTONIC is the uptime
				break
			}
			// In a container the host's uptime is not ours.
			base = userspace
		case "OnStartupSec":
			base = userspace
		case "OnUnitActiveSec":
			leaveAround = true
			base = max(trigger.inactiveExit.Monotonic, t.lastTrigger.Monotonic)
			if base == 0 {
				continue
			}
		case "OnUnitInactiveSec":
			leaveAround = true
			base = max(trigger.inactiveEnter.Monotonic, t.lastTrigger.Monotonic)
			if base == 0 {
				continue
			}
		default:
			continue
		}
		v.next = tpUsecAdd(tpShiftClock(base, unix.CLOCK_MONOTONIC, clock), v.value)
		if t.lastTrigger.IsSet() && !timeChange && v.next < nowClock &&
			(v.base == "OnActiveSec" || v.base == "OnBootSec" || v.base == "OnStartupSec") {
			// A one-time value that already elapsed.
			v.disabled = true
			continue
		}
		if !foundMono || v.next < t.nextMonotonic {
			t.nextMonotonic = v.next
		}
		foundMono = true
	}

	if !foundMono && !foundReal && !t.cfg.OnTimezoneChange && !t.cfg.OnClockChange {
		m.logUnit(t.u, LevelDebug, "Timer is elapsed.")
		t.enterElapsed(leaveAround)
		return
	}
	if (foundMono || foundReal) && t.cfg.WakeSystem {
		// 252 arms *_ALARM clocks, which need CAP_WAKE_ALARM.
		if err := tpCheckAlarmClock(foundMono, foundReal); err != nil {
			m.logUnit(t.u, LevelWarning, "Failed to enter waiting state: %s", tpErrnoText(err))
			t.enterDead(timerResultResources)
			return
		}
	}
	if foundMono {
		t.addRandom(&t.nextMonotonic)
		left := uint64(0)
		if t.nextMonotonic > nowClock {
			left = t.nextMonotonic - nowClock
		}
		m.logUnit(t.u, LevelDebug, "Monotonic timer elapses in %s.", timeutil.FormatTimespan(left, 0))
		t.armWait(&t.monoWait, t.monotonicClock(), t.nextMonotonic)
	} else {
		t.monoWait.cancel()
		t.monoWait = nil
	}
	if foundReal {
		t.addRandom(&t.nextRealtime)
		ts, _ := st.calendar().FormatTimestamp(t.nextRealtime, timeutil.StylePretty)
		if ts == "" {
			ts = "n/a"
		}
		m.logUnit(t.u, LevelDebug, "Realtime timer elapses at %s.", ts)
		t.armWait(&t.realWait, unix.CLOCK_REALTIME, t.nextRealtime)
	} else {
		t.realWait.cancel()
		t.realWait = nil
	}
	t.setState(timerStateWaiting)
}

// armWait waits on the loop until clock reaches target, then dispatches.
// The loop's timers run on CLOCK_MONOTONIC: a wait on another clock looks
// at that clock again when it ends (and at least hourly, for suspend and
// clock changes the watcher missed) and waits on if it is early.
func (t *timerUnit) armWait(slot **timerEntry, clock int32, target uint64) {
	(*slot).cancel()
	*slot = nil
	other := tpClockBase(clock) != unix.CLOCK_MONOTONIC
	var arm func()
	arm = func() {
		d := time.Duration(0)
		if now := tpClockUsec(clock); target > now {
			d = tpDuration(target - now)
		}
		if other && d > timerRealtimeRecheck {
			d = timerRealtimeRecheck
		}
		*slot = t.u.m.afterLoop(d, func() {
			*slot = nil
			if other && tpClockUsec(clock) < target {
				arm()
				return
			}
			t.dispatch()
		})
	}
	arm()
}

// dispatch is timer_dispatch: a value elapsed.
func (t *timerUnit) dispatch() {
	if t.state != timerStateWaiting {
		return
	}
	t.u.m.logUnit(t.u, LevelDebug, "Timer elapsed.")
	t.enterRunning()
}

// enterRunning is timer_enter_running: start the triggered unit.
func (t *timerUnit) enterRunning() {
	m := t.u.m
	if tpStopPending(t.u) {
		return
	}
	trigger := t.trigger()
	if trigger == nil {
		m.logUnit(t.u, LevelErr, "Unit to trigger vanished.")
		t.enterDead(timerResultResources)
		return
	}
	if _, err := m.EnqueueLoop(jobStart, trigger, job.Replace); err != nil {
		m.logUnit(t.u, LevelWarning, "Failed to queue unit startup job: %s", err.Error())
		t.enterDead(timerResultResources)
		return
	}
	t.lastTrigger = now()
	if t.stampPath != "" {
		_ = tpTouch(t.stampPath, t.lastTrigger.Realtime)
	}
	t.setState(timerStateRunning)
	t.follow.follow(trigger, t.triggerNotify)
}

// start is timer_start.
func (t *timerUnit) start() error {
	switch t.state {
	case timerStateDead, timerStateFailed:
	default:
		return errAlready
	}
	if err := tpTestTriggerLoaded(t.u); err != nil {
		return err
	}
	t.u.invocationID = newInvocationID()
	tpStateOf(t.u.m).watchChanges()
	t.lastTrigger = DualTimestamp{}
	for i := range t.values {
		if t.values[i].base == "OnActiveSec" {
			t.values[i].disabled = false
		}
	}
	if t.stampPath != "" {
		var st unix.Stat_t
		if err := unix.Stat(t.stampPath, &st); err == nil {
			ft := uint64(st.Mtim.Sec)*1e6 + uint64(st.Mtim.Nsec)/1000
			if ft < tpClockUsec(unix.CLOCK_REALTIME) {
				t.lastTrigger.Realtime = ft
			} else {
				ts, _ := tpStateOf(t.u.m).calendar().FormatTimestamp(ft, timeutil.StylePretty)
				t.u.m.logUnit(t.u, LevelWarning, "Not using persistent file timestamp %s as it is in the future.", ts)
			}
		} else if errors.Is(err, unix.ENOENT) {
			// Never triggered before: make sure the stamp exists.
			_ = tpTouch(t.stampPath, usecInfinity)
		}
	}
	t.result = timerResultSuccess
	t.enterWaiting(false)
	return nil
}

// stop is timer_stop.
func (t *timerUnit) stop() error {
	t.enterDead(timerResultSuccess)
	return nil
}

func (t *timerUnit) resetFailed() {
	if t.state == timerStateFailed {
		t.setState(timerStateDead)
	}
	t.result = timerResultSuccess
}

// triggerNotify is timer_trigger_notify: the triggered unit changed
// state, or its job went away.
func (t *timerUnit) triggerNotify(other *Unit) {
	t.follow.follow(other, t.triggerNotify)
	for i := range t.values {
		if b := t.values[i].base; b == "OnUnitActiveSec" || b == "OnUnitInactiveSec" {
			t.values[i].disabled = false
		}
	}
	switch t.state {
	case timerStateWaiting, timerStateElapsed:
		t.enterWaiting(false)
	case timerStateRunning:
		if other.ActiveState().IsInactiveOrFailed() {
			t.u.m.logUnit(t.u, LevelDebug, "Got notified about unit deactivation.")
			t.enterWaiting(false)
		}
	}
}

// timeChange is timer_time_change: the realtime clock was set.
func (t *timerUnit) timeChange() {
	if t.state != timerStateWaiting {
		return
	}
	// Triggered "in the future": the clock went back; let those
	// triggers happen again, as Persistent= timers do at start.
	if ts := tpClockUsec(unix.CLOCK_REALTIME); t.lastTrigger.Realtime > ts {
		t.lastTrigger.Realtime = ts
	}
	if t.cfg.OnClockChange {
		t.u.m.logUnit(t.u, LevelDebug, "Time change, triggering activation.")
		t.enterRunning()
	} else {
		t.u.m.logUnit(t.u, LevelDebug, "Time change, recalculating next elapse.")
		t.enterWaiting(true)
	}
}

// timezoneChange is timer_timezone_change.
func (t *timerUnit) timezoneChange() {
	if t.state != timerStateWaiting {
		return
	}
	if t.cfg.OnTimezoneChange {
		t.u.m.logUnit(t.u, LevelDebug, "Timezone change, triggering activation.")
		t.enterRunning()
	} else {
		t.u.m.logUnit(t.u, LevelDebug, "Timezone change, recalculating next elapse.")
		t.enterWaiting(false)
	}
}

// reloadConfig takes the configuration daemon-reload loaded. As 252
// deserializes into the fresh unit, the state, result and last trigger
// stay, the values are new, and a waiting timer computes its next elapse
// again once every unit is back (timer_coldplug).
func (t *timerUnit) reloadConfig() {
	if t.u.cfg.Timer == nil {
		return
	}
	t.cfg = t.u.cfg.Timer
	t.values = t.values[:0]
	for _, v := range t.cfg.Values {
		t.values = append(t.values, timerValue{base: v.Base, value: v.Value, calendar: v.Calendar})
	}
	t.stampPath = t.persistentStampPath()
	if t.state != timerStateWaiting {
		return
	}
	t.monoWait.cancel()
	t.realWait.cancel()
	t.monoWait = nil
	t.realWait = t.u.m.afterLoop(0, func() {
		t.realWait = nil
		if t.state == timerStateWaiting {
			t.enterWaiting(false)
		}
	})
}

// release drops the timer's waits when the unit goes away.
func (t *timerUnit) release() {
	t.monoWait.cancel()
	t.realWait.cancel()
	t.monoWait, t.realWait = nil, nil
	tpStateOf(t.u.m).removeTimer(t)
}

// props are the timer's runtime properties (252's bus_timer_vtable).
func (t *timerUnit) props(p map[string]any) {
	mono := []unit.TimerMonotonicValue{}
	cal := []unit.TimerCalendarValue{}
	st := tpStateOf(t.u.m)
	for _, v := range t.values {
		if v.base == "OnCalendar" {
			cal = append(cal, unit.TimerCalendarValue{Base: v.base, Spec: st.calendarString(v.calendar), NextElapse: v.next})
			continue
		}
		// "OnActiveSec" is shown as "OnActiveUSec".
		mono = append(mono, unit.TimerMonotonicValue{Base: v.base[:len(v.base)-3] + "USec", Value: v.value, NextElapse: v.next})
	}
	p["TimersMonotonic"] = mono
	p["TimersCalendar"] = cal
	p["NextElapseUSecRealtime"] = t.nextRealtime
	p["NextElapseUSecMonotonic"] = tpShiftClock(t.nextMonotonic, t.monotonicClock(), unix.CLOCK_MONOTONIC)
	p["LastTriggerUSec"] = t.lastTrigger.Realtime
	p["LastTriggerUSecMonotonic"] = t.lastTrigger.Monotonic
	p["Result"] = t.result
}

// tpTouch is touch_file with parents: create path if needed and set its
// times to stamp (µs since the epoch), or to now for usecInfinity.
func tpTouch(path string, stamp uint64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	unix.Close(fd)
	t := time.Now()
	if stamp != usecInfinity {
		t = time.UnixMicro(int64(stamp))
	}
	return os.Chtimes(path, t, t)
}

// tpCheckAlarmClock tells whether the *_ALARM clocks a WakeSystem= timer
// is armed on work here, as sd-event finds out: a clock the kernel cannot
// read is not supported; arming one needs CAP_WAKE_ALARM.
func tpCheckAlarmClock(mono, real bool) error {
	for _, c := range []struct {
		want  bool
		clock int32
	}{{mono, unix.CLOCK_BOOTTIME_ALARM}, {real, unix.CLOCK_REALTIME_ALARM}} {
		if !c.want {
			continue
		}
		var ts unix.Timespec
		if unix.ClockGettime(c.clock, &ts) != nil {
			return unix.EOPNOTSUPP
		}
		fd, err := unix.TimerfdCreate(int(c.clock), unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
	return nil
}
