package manager

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// What a type's start, stop or reload says beyond success; each maps to
// a job result as 252's job_run_and_invalidate maps errnos.
var (
	errAlready     = errors.New("already in the requested state")  // -EALREADY: job done, no message
	errAgain       = errors.New("not yet")                         // -EAGAIN: the job waits
	errCondition   = errors.New("condition failed")                // -ECOMM: job done, unit skipped
	errBadR        = errors.New("operation not supported by type") // -EBADR
	errInvalid     = errors.New("invalid")                         // -ENOEXEC
	errAssert      = errors.New("assertion failed")                // -EPROTO
	errUnsupported = errors.New("unsupported")                     // -EOPNOTSUPP
	errDependency  = errors.New("dependency")                      // -ENOLINK
	errOnce        = errors.New("once only")                       // -ESTALE
)

// DualTimestamp is a realtime and a monotonic clock reading in µs.
type DualTimestamp struct{ Realtime, Monotonic uint64 }

// Now is the current time on both clocks.
func Now() DualTimestamp { return now() }

func now() DualTimestamp {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return DualTimestamp{Realtime: uint64(time.Now().UnixMicro()), Monotonic: uint64(ts.Nano() / 1000)}
}

// IsSet reports whether the timestamp was taken.
func (t DualTimestamp) IsSet() bool { return t.Realtime != 0 || t.Monotonic != 0 }

// unitType is what each unit type implements: its state machine. The core
// calls it on the loop goroutine; it reports state changes through
// Unit.notify.
type unitType interface {
	activeState() state.Active
	subState() string
	// start, stop and reload return nil when something was set in
	// motion, or one of the err* values above.
	start() error
	stop() error
	reload() error
	canReload() bool
	// childExited is told of a process of the unit that exited.
	childExited(pid int, code, status int)
	// resetFailed leaves the failed state for the dead one.
	resetFailed()
	// props are the type's runtime property values by name, overriding
	// the loaded model's defaults.
	props(p map[string]any)
}

// Optional capabilities a unit type may have besides unitType.
type (
	// triggerWatcher is told when a unit it triggers (Triggers=)
	// changed state: sockets, timers and paths follow their service
	// (252's trigger_notify).
	triggerWatcher interface{ triggerNotify(other *Unit) }
	// coldplugger sets the initial state once the unit is loaded (252's
	// coldplug: a mount unit of something already mounted is active).
	coldplugger interface{ coldplug() }
	// releaser gives up what the unit holds (fds, watches) when the unit
	// is unloaded or the manager exits.
	releaser interface{ release() }
	// serializer carries the type's runtime state across daemon-reexec
	// (serialize.go, serialize_types.go).
	serializer interface {
		serialize(w *stateWriter)
		deserializeItem(key, value string, fds *FDSet) bool
		// resume re-arms what lives in the process (PID watches,
		// timeouts, fd watchers) once every unit is back: 252's
		// coldplug of the deserialized state.
		resume()
	}
)

// Unit is one loaded unit: its configuration from impl/unit and its
// runtime state.
type Unit struct {
	m    *Manager
	cfg  *unit.Unit
	kind unitType
	job  *Job
	// onConsole is whether the unit counts in Manager.nOnConsole.
	onConsole bool

	invocationID  string
	stateChange   DualTimestamp
	inactiveExit  DualTimestamp
	activeEnter   DualTimestamp
	activeExit    DualTimestamp
	inactiveEnter DualTimestamp

	conditionResult   bool
	assertResult      bool
	conditionVerdicts []condition.Verdict
	assertVerdicts    []condition.Verdict
	conditionTime     DualTimestamp
	assertTime        DualTimestamp

	lastState state.Active
	inGCQueue bool
	// busReferenced: bus clients hold references (Unit.Ref, AddRef).
	busReferenced bool
	// markers are set by clients (Markers=) and cleared as the unit
	// stops, or reloads for needs-reload.
	markers Markers
	stamps  fileStamps
	// startRatelimit counts starts for StartLimitIntervalSec=/Burst=.
	startRatelimit ratelimit
	startLimitHit  bool
	// cpuUsageLast is the CPU time read when the cgroup was removed.
	cpuUsageLast   uint64
	cpuUsageCached bool
	// notAppliedLogged: the directives the executor does not apply yet
	// were logged once.
	notAppliedLogged bool
	freezer          unitFreezer
	// cleanGen counts directory removals (clean.go).
	cleanGen int
}

// CanReload is unit_can_reload.
func (u *Unit) CanReload() bool { return u.kind != nil && u.kind.canReload() }

// ID is the unit's primary name.
func (u *Unit) ID() string { return u.cfg.ID }

// Config is the unit's loaded configuration. Read-only.
func (u *Unit) Config() *unit.Unit { return u.cfg }

// ActiveState is the unit's active state.
func (u *Unit) ActiveState() state.Active {
	if u.kind == nil {
		return state.Inactive
	}
	return u.kind.activeState()
}

// SubState is the type-specific state name.
func (u *Unit) SubState() string {
	if u.kind == nil {
		return "dead"
	}
	return u.kind.subState()
}

// LoadState is the unit's load state.
func (u *Unit) LoadState() state.Load {
	l, _ := state.ParseLoad(string(u.cfg.LoadState))
	return l
}

// Job is the unit's installed job, nil if none.
func (u *Unit) Job() *Job { return u.job }

// Following is the unit this one follows ("" if none): a device's node
// and link units follow the unit named after its syspath.
func (u *Unit) Following() string {
	if o := u.followingUnit(); o != nil {
		return o.ID()
	}
	return ""
}

// followingUnit is unit_following: the unit that acts for this one.
func (u *Unit) followingUnit() *Unit {
	if f, ok := u.kind.(follower); ok {
		return f.following()
	}
	return nil
}

// Runtime returns the unit's runtime property values by name: what the
// property model shows beyond the unit's files.
func (u *Unit) Runtime() map[string]any {
	// Sized for a service's entries, the most of any type.
	p := make(map[string]any, RuntimeEntries)
	u.RuntimeInto(p)
	return p
}

// RuntimeEntries is how many entries Runtime makes for a service, the
// most of any type.
const RuntimeEntries = 96

// RuntimeInto is Runtime filling p, an empty map.
func (u *Unit) RuntimeInto(p map[string]any) {
	p["ActiveState"] = u.ActiveState().String()
	p["SubState"] = u.SubState()
	var invocation []byte
	if u.invocationID != "" {
		invocation, _ = hex.DecodeString(u.invocationID)
	}
	if invocation == nil {
		invocation = []byte{}
	}
	p["InvocationID"] = invocation
	p["ConditionResult"] = u.conditionResult
	p["AssertResult"] = u.assertResult
	p["FreezerState"] = u.freezer.state.String()
	// Computed when asked for: change signals leave them out (they
	// stat unit files, or are only invalidated).
	p["NeedDaemonReload"] = unit.LazyValue(func() (any, bool) { return u.needDaemonReload(), true })
	p["Conditions"] = unit.LazyValue(func() (any, bool) { return conditionProps(u.cfg.Conditions, u.conditionVerdicts), true })
	p["Asserts"] = unit.LazyValue(func() (any, bool) { return conditionProps(u.cfg.Asserts, u.assertVerdicts), true })
	dual := func(name string, t DualTimestamp) {
		p[name] = t.Realtime
		p[name+"Monotonic"] = t.Monotonic
	}
	dual("StateChangeTimestamp", u.stateChange)
	dual("InactiveExitTimestamp", u.inactiveExit)
	dual("ActiveEnterTimestamp", u.activeEnter)
	dual("ActiveExitTimestamp", u.activeExit)
	dual("InactiveEnterTimestamp", u.inactiveEnter)
	dual("ConditionTimestamp", u.conditionTime)
	dual("AssertTimestamp", u.assertTime)
	if u.job != nil {
		p["Job"] = unit.JobValue{ID: u.job.id, Path: u.job.Path()}
	}
	if u.cfg.CGroup != nil && u.cfg.Type != unitname.Service {
		// Services fill these in themselves, with their processes.
		u.m.cgroupProps(u, p)
	}
	if u.kind != nil {
		u.kind.props(p)
	}
}

// deps lists the units u has a dependency on with any of the atoms.
// anyDep reports whether pred holds for one of the units u depends on
// through atoms, stopping at the first (deps without its list).
func (u *Unit) anyDep(atoms dep.Atom, pred func(*Unit) bool) bool {
	for k := dep.Kind(0); k < dep.NumKinds; k++ {
		if k.Atoms()&atoms == 0 {
			continue
		}
		if u.cfg.Deps[k].Any(func(name string) bool {
			o := u.m.units[name]
			return o != nil && pred(o)
		}) {
			return true
		}
	}
	return false
}

func (u *Unit) deps(atoms dep.Atom) []*Unit {
	var out []*Unit
	seen := map[*Unit]bool{}
	for k := dep.Kind(0); k < dep.NumKinds; k++ {
		if k.Atoms()&atoms == 0 {
			continue
		}
		for _, name := range u.cfg.Deps[k].List() {
			if o := u.m.units[name]; o != nil && !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}

// InvocationID is the unit's current invocation ID, as 32 hex digits;
// empty before its first activation.
func (u *Unit) InvocationID() string { return u.invocationID }

func newInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// testConditions evaluates the unit's Condition*= (252's
// unit_test_condition).
func (u *Unit) testConditions() bool {
	u.conditionTime = now()
	u.conditionResult = u.m.evaluateConditions(u, u.cfg.Conditions, false)
	u.m.obs.UnitChanged(u)
	return u.conditionResult
}

// testAsserts evaluates the unit's Assert*=.
func (u *Unit) testAsserts() bool {
	u.assertTime = now()
	u.assertResult = u.m.evaluateConditions(u, u.cfg.Asserts, true)
	u.m.obs.UnitChanged(u)
	return u.assertResult
}

// startLoop is 252's unit_start: the generic checks, then the type's.
func (u *Unit) startLoop() error {
	s := u.ActiveState()
	if s.IsActiveOrReloading() {
		return errAlready
	}
	if s == state.Maintenance {
		return errAgain
	}
	if u.LoadState() != state.Loaded {
		return errInvalid
	}
	if s != state.Activating && !u.testConditions() {
		return errCondition
	}
	if s != state.Activating && !u.testAsserts() {
		u.m.logUnit(u, LevelNotice, "Starting requested but asserts failed.")
		return errAssert
	}
	if !u.verifyDeps() {
		return errDependency
	}
	if f := u.followingUnit(); f != nil {
		u.m.logUnit(u, LevelDebug, "Redirecting start request from %s to %s.", u.ID(), f.ID())
		return f.startLoop()
	}
	if u.kind == nil {
		return errBadR
	}
	if l, ok := u.kind.(startLimiter); ok {
		if err := l.canStart(); err != nil {
			return err
		}
	}
	u.m.thawBeforeJob(u)
	return u.kind.start()
}

// verifyDeps is unit_verify_deps: every BindsTo= unit must be active.
func (u *Unit) verifyDeps() bool {
	for _, o := range u.deps(dep.CannotBeActiveWithout) {
		if !o.ActiveState().IsActiveOrActivating() {
			u.m.logUnit(u, LevelNotice, "Bound to unit %s, but unit isn't active.", o.ID())
			return false
		}
	}
	return true
}

// stopLoop is unit_stop.
func (u *Unit) stopLoop() error {
	s := u.ActiveState()
	if s == state.Inactive || s == state.Failed {
		return errAlready
	}
	if f := u.followingUnit(); f != nil {
		u.m.logUnit(u, LevelDebug, "Redirecting stop request from %s to %s.", u.ID(), f.ID())
		return f.stopLoop()
	}
	if u.kind == nil {
		return errBadR
	}
	u.m.thawBeforeJob(u)
	return u.kind.stop()
}

// reloadLoop is unit_reload.
func (u *Unit) reloadLoop() error {
	if u.LoadState() != state.Loaded {
		return errInvalid
	}
	if u.kind == nil || !u.kind.canReload() {
		return errBadR
	}
	s := u.ActiveState()
	if s == state.Reloading {
		return errAlready
	}
	if s != state.Active_ {
		u.m.logUnit(u, LevelWarning, "Unit cannot be reloaded because it is inactive.")
		return errNoExec
	}
	if f := u.followingUnit(); f != nil {
		u.m.logUnit(u, LevelDebug, "Redirecting reload request from %s to %s.", u.ID(), f.ID())
		return f.reloadLoop()
	}
	u.m.thawBeforeJob(u)
	return u.kind.reload()
}

var errNoExec = errors.New("cannot reload inactive unit") // -ENOEXEC for reload

// notify is unit_notify: the type moved from one active state to another.
// It stamps the time, finishes or fails the unit's job, and reacts to
// the change on behalf of the unit's dependencies.
func (u *Unit) notify(os, ns state.Active, reloadSuccess bool) {
	m := u.m
	if m.reexec.deserializing {
		// As 252 while reloading: a state restored or re-entered from
		// the serialization stamps nothing and moves no job.
		u.lastState = ns
		return
	}
	t := now()
	// 252 stamps every notification, changed or not.
	u.stateChange = t
	inactive := func(s state.Active) bool { return s == state.Inactive || s == state.Failed }
	if inactive(os) && !inactive(ns) {
		u.inactiveExit = t
	} else if !inactive(os) && inactive(ns) {
		u.inactiveEnter = t
	}
	if !os.IsActiveOrReloading() && ns.IsActiveOrReloading() {
		u.activeEnter = t
	} else if os.IsActiveOrReloading() && !ns.IsActiveOrReloading() {
		u.activeExit = t
	}
	m.reexec.coldplug.note(u)

	unexpected := false
	if j := u.job; j != nil {
		switch j.typ {
		case jobStart, jobVerifyActive:
			if ns.IsActiveOrReloading() {
				m.finishJob(j, resultDone, true, false)
			} else if j.running && ns != state.Activating {
				unexpected = true
				if inactive(ns) {
					r := resultDone
					if ns == state.Failed {
						r = resultFailed
					}
					m.finishJob(j, r, true, false)
				}
			}
		case jobReload:
			if j.running {
				if ns == state.Active_ {
					r := resultDone
					if !reloadSuccess {
						r = resultFailed
					}
					m.finishJob(j, r, true, false)
				} else if ns != state.Activating && ns != state.Reloading {
					unexpected = true
					if inactive(ns) {
						r := resultDone
						if ns == state.Failed {
							r = resultFailed
						}
						m.finishJob(j, r, true, false)
					}
				}
			}
		case jobStop, jobRestart:
			if inactive(ns) {
				m.finishJob(j, resultDone, true, false)
			} else if j.running && ns != state.Deactivating {
				unexpected = true
				m.finishJob(j, resultFailed, true, false)
			}
		}
	} else {
		unexpected = true
	}

	if unexpected {
		if inactive(os) && ns.IsActiveOrActivating() {
			m.retroactivelyStartDependencies(u)
		} else if os.IsActiveOrActivating() && inactive(ns) {
			m.retroactivelyStopDependencies(u)
		}
	}
	if os != state.Failed && ns == state.Failed {
		m.startOnFailure(u, dep.OnFailure, u.cfg.OnFailureJobMode)
	}
	if ns == state.Inactive && os != state.Inactive && os != state.Failed && os != state.Maintenance {
		m.startOnFailure(u, dep.OnSuccess, u.cfg.OnSuccessJobMode)
	}
	if ns != os {
		// Units ordered after this one may be able to run now.
		m.requeueOrdered(u)
	}
	m.triggerNotify(u)
	if inactive(ns) {
		u.markers = 0
	} else if ns != os && ns == state.Reloading {
		u.markers &^= MarkerNeedsReload
	}
	if inactive(ns) {
		m.stopBoundTo(u)
		if !inactive(os) {
			m.pruneCgroup(u)
			m.logResources(u)
		}
	}
	m.updateOnConsole(u)
	m.unitActions(u, os, ns)
	u.lastState = ns
	if inactive(ns) {
		m.addToGCQueue(u)
	}
	m.obs.UnitChanged(u)
	m.checkFinished()
}

// triggerNotify is unit_trigger_notify: the units triggering u (sockets,
// timers, paths) hear of every change of u's state or job.
func (m *Manager) triggerNotify(u *Unit) {
	for _, o := range u.deps(dep.AtomTriggeredBy) {
		if w, ok := o.kind.(triggerWatcher); ok {
			w.triggerNotify(u)
		}
	}
}

// resetFailedLoop is unit_reset_failed.
func (u *Unit) resetFailedLoop() {
	if u.kind != nil {
		u.kind.resetFailed()
	}
	u.startRatelimit.reset()
	u.startLimitHit = false
}

// typeConstructors build the state machine of each unit type; each
// type's file registers itself in an init function.
var typeConstructors = map[unitname.Type]func(u *Unit) unitType{}

// enumerators run at startup, after the perpetual units are loaded, to
// load the units the system already has (mounts in the mount table,
// swaps, devices): 252's enumerate.
var enumerators []func(m *Manager)

// typeOf builds the state machine for a loaded unit's type.
func (m *Manager) typeOf(u *Unit) unitType {
	if u.cfg.Type == unitname.Service && u.cfg.Service == nil {
		return newUnsupported(u)
	}
	if c := typeConstructors[u.cfg.Type]; c != nil {
		return c(u)
	}
	return newUnsupported(u)
}

func init() {
	typeConstructors[unitname.Target] = func(u *Unit) unitType { return newTarget(u) }
	typeConstructors[unitname.Service] = func(u *Unit) unitType { return newService(u) }
	typeConstructors[unitname.Slice] = func(u *Unit) unitType { return newSlice(u) }
	typeConstructors[unitname.Scope] = func(u *Unit) unitType { return newScope(u) }
}
