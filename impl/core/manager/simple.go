package manager

import "gosystemd/impl/core/state"

// twoState is the state machine of targets and slices: dead or active,
// switched at once.
type twoState struct {
	u      *Unit
	active bool
	names  [2]string // sub-states: dead, active
}

func (t *twoState) activeState() state.Active {
	if t.active {
		return state.Active_
	}
	return state.Inactive
}

func (t *twoState) subState() string {
	if t.active {
		return t.names[1]
	}
	return t.names[0]
}

func (t *twoState) set(active bool) {
	os := t.activeState()
	t.active = active
	if ns := t.activeState(); ns != os {
		t.u.notify(os, ns, true)
	}
}

func (t *twoState) start() error {
	t.u.invocationID = newInvocationID()
	t.set(true)
	return nil
}
func (t *twoState) stop() error                           { t.set(false); return nil }
func (t *twoState) reload() error                         { return errBadR }
func (t *twoState) canReload() bool                       { return false }
func (t *twoState) childExited(pid int, code, status int) {}
func (t *twoState) resetFailed()                          {}
func (t *twoState) props(p map[string]any)                {}

// target is a target unit.
type target struct{ twoState }

func newTarget(u *Unit) *target { return &target{twoState{u: u, names: [2]string{"dead", "active"}}} }

// slice is a slice unit; perpetual slices are active from the start.
type slice struct{ twoState }

// start realizes the slice's cgroup, as 252 does for a slice it starts
// (its units' cgroups go below it); it goes once the slice is inactive.
func (s *slice) start() error {
	if f, err := s.u.m.unitCgroup(s.u); err == nil && f != nil {
		f.Close()
	}
	return s.twoState.start()
}

func newSlice(u *Unit) *slice {
	return &slice{twoState{u: u, names: [2]string{"dead", "active"}}}
}

// coldplug activates the perpetual slices as 252's coldplug does from
// their deserialized state, stamping the activation.
func (t *twoState) coldplug() {
	if t.u.cfg.Perpetual && !t.active {
		t.set(true)
	}
}

// unsupported stands for the types not implemented yet: starting one
// fails as an unsupported type does in 252.
type unsupported struct{ twoState }

func newUnsupported(u *Unit) *unsupported {
	return &unsupported{twoState{u: u, names: [2]string{"dead", "active"}}}
}

func (x *unsupported) start() error { return errUnsupported }
