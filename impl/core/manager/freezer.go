package manager

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// FreezerState is a unit's cgroup freezer state as 252 shows it.
type FreezerState uint8

const (
	FreezerRunning FreezerState = iota
	FreezerFreezing
	FreezerFrozen
	FreezerThawing
)

func (s FreezerState) String() string {
	return [...]string{"running", "freezing", "frozen", "thawing"}[s]
}

// unitFreezer is what a unit holds of the freezer: its state, the
// reply owed to the last Freeze/Thaw call, and the watch waiting for
// the kernel to finish a transition.
type unitFreezer struct {
	state FreezerState
	reply func(error)
	stop  chan struct{}
}

// freezable types have freeze and thaw methods (252's vtable).
func freezable(t unitname.Type) bool {
	return t == unitname.Service || t == unitname.Scope || t == unitname.Slice
}

// freezerSupported is cg_freezer_supported, looked at once.
func (m *Manager) freezerSupported() bool {
	if m.freezer == 0 {
		m.freezer = -1
		if m.cfg.CgroupRoot != "" {
			if _, err := os.Stat(filepath.Join(m.cfg.CgroupRoot, "init.scope", "cgroup.freeze")); err == nil {
				m.freezer = 1
			}
		}
	}
	return m.freezer > 0
}

// FreezerStateLoop is u's freezer state.
func (u *Unit) FreezerStateLoop() FreezerState { return u.freezer.state }

// FreezeLoop freezes (or thaws) u's processes, as 252's unit_freeze and
// unit_thaw. It returns done when the operation is complete now;
// otherwise reply is called once the kernel reports the new state, or
// with ErrFreezeCancelled when another operation supersedes this one.
// Errors are errnos as 252's: EOPNOTSUPP (type cannot freeze), EBUSY
// (job pending), EHOSTDOWN (not active), EALREADY (in progress).
func (m *Manager) FreezeLoop(u *Unit, freeze bool, reply func(error)) (done bool, err error) {
	if !freezable(u.cfg.Type) || !m.freezerSupported() {
		return false, syscall.EOPNOTSUPP
	}
	if u.job != nil {
		return false, syscall.EBUSY
	}
	if u.LoadState() != state.Loaded || u.ActiveState() != state.Active_ {
		return false, syscall.EHOSTDOWN
	}
	if s := u.freezer.state; (freeze && (s == FreezerFreezing || s == FreezerThawing)) || (!freeze && s == FreezerThawing) {
		return false, syscall.EALREADY
	}
	pending, err := m.freezerMethod(u, freeze)
	if err != nil {
		return false, err
	}
	if r := u.freezer.reply; r != nil {
		u.freezer.reply = nil
		r(ErrFreezeCancelled)
	}
	if !pending {
		return true, nil
	}
	u.freezer.reply = reply
	return false, nil
}

// ErrFreezeCancelled answers a Freeze/Thaw superseded by another.
var ErrFreezeCancelled = syscall.ECANCELED

// freezerMethod is the type's freeze or thaw: a slice's acts on its
// members first. pending tells that the kernel has yet to confirm.
func (m *Manager) freezerMethod(u *Unit, freeze bool) (pending bool, err error) {
	if u.cfg.Type != unitname.Slice {
		return m.cgroupFreezerAction(u, freeze)
	}
	if freeze && !m.sliceMembersFreezable(u, 0) {
		m.logUnit(u, LevelWarning, "Requested freezer operation is not supported by all children of the slice")
		return false, nil
	}
	for _, name := range u.cfg.Deps[unit.SliceOf].List() {
		o := m.units[name]
		if o == nil || !m.cgroupRealized(o) {
			continue
		}
		if !freezable(o.cfg.Type) {
			continue // a thaw of a member that cannot freeze: nothing to do
		}
		if _, err := m.freezerMethod(o, freeze); err != nil {
			return false, err
		}
	}
	return m.cgroupFreezerAction(u, freeze)
}

// sliceMembersFreezable is 252's slice_freezer_action_supported_by_children.
func (m *Manager) sliceMembersFreezable(u *Unit, depth int) bool {
	if depth > 64 {
		return false
	}
	for _, name := range u.cfg.Deps[unit.SliceOf].List() {
		o := m.units[name]
		if o == nil {
			continue
		}
		if o.cfg.Type == unitname.Slice && !m.sliceMembersFreezable(o, depth+1) {
			return false
		}
		if !freezable(o.cfg.Type) {
			return false
		}
	}
	return true
}

func (m *Manager) cgroupRealized(u *Unit) bool {
	if m.cfg.CgroupRoot == "" {
		return false
	}
	st, err := os.Stat(m.cgroupDir(u))
	return err == nil && st.IsDir()
}

// kernelFrozen reads "frozen" of the unit's cgroup.events; ok is false
// when it cannot be read.
func kernelFrozen(dir string) (frozen, ok bool) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return false, false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(l, "frozen "); found {
			return v == "1", v == "0" || v == "1"
		}
	}
	return false, false
}

// cgroupFreezerAction is 252's unit_cgroup_freezer_action: write
// cgroup.freeze, and watch for the kernel to complete the change when it
// is not in the target state already.
func (m *Manager) cgroupFreezerAction(u *Unit, freeze bool) (pending bool, err error) {
	if !m.freezerSupported() {
		return false, nil
	}
	if u.cfg.ID == "-.slice" || u.cfg.ID == "init.scope" {
		if freeze {
			return false, syscall.EPERM
		}
		return false, nil
	}
	if !m.cgroupRealized(u) {
		return false, syscall.EBUSY
	}
	if !freeze {
		if s := m.units[u.cfg.Slice]; s != nil && u.cfg.Slice != "" {
			if _, err := m.cgroupFreezerAction(s, false); err != nil {
				m.logUnit(u, LevelErr, "Failed to thaw slice %s of unit: %s", s.ID(), errnoText(err))
				return false, err
			}
		}
	}
	dir := m.cgroupDir(u)
	frozen, known := kernelFrozen(dir)
	if known && frozen == freeze {
		m.setFreezerState(u, map[bool]FreezerState{true: FreezerFrozen, false: FreezerRunning}[freeze])
		if freeze {
			return false, nil
		}
	} else {
		pending = true
		if freeze {
			m.setFreezerState(u, FreezerFreezing)
		} else {
			m.setFreezerState(u, FreezerThawing)
		}
	}
	v := "0"
	if freeze {
		v = "1"
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.freeze"), []byte(v), 0o644); err != nil {
		return false, unwrapErrno(err)
	}
	return pending, nil
}

// setFreezerState changes the state, and watches cgroup.events while it
// is a transition.
func (m *Manager) setFreezerState(u *Unit, s FreezerState) {
	f := &u.freezer
	f.state = s
	if f.stop != nil {
		close(f.stop)
		f.stop = nil
	}
	if s != FreezerFreezing && s != FreezerThawing {
		return
	}
	stop := make(chan struct{})
	f.stop = stop
	dir, want := m.cgroupDir(u), s == FreezerFreezing
	m.Watch("freezer of "+u.ID(), func() {
		// Polled: the kernel completes a freeze within milliseconds
		// unless a task is stuck, and then this backs off to 100ms.
		delay := time.Millisecond
		for {
			frozen, ok := kernelFrozen(dir)
			if ok && frozen == want {
				m.Post(func() {
					if f.stop == stop {
						m.freezerDone(u, frozen)
					}
				})
				return
			}
			if _, err := os.Stat(dir); err != nil {
				if !want {
					// The cgroup went with the unit's stop: nothing
					// is frozen any more.
					m.Post(func() {
						if f.stop == stop {
							m.freezerDone(u, false)
						}
					})
				}
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(delay):
			}
			if delay < 100*time.Millisecond {
				delay *= 2
			}
		}
	})
}

// freezerDone is 252's unit_frozen/unit_thawed: the kernel reported the
// state a transition waited for; the pending call is answered.
func (m *Manager) freezerDone(u *Unit, frozen bool) {
	f := &u.freezer
	f.stop = nil
	if frozen {
		f.state = FreezerFrozen
	} else {
		f.state = FreezerRunning
	}
	if r := f.reply; r != nil {
		f.reply = nil
		r(nil)
	}
}

// thawBeforeJob is what 252's unit_start, unit_stop and unit_reload do
// before the type acts: thaw the unit's cgroup, ignoring failure.
func (m *Manager) thawBeforeJob(u *Unit) {
	if u.cfg.CGroup == nil || !m.freezerSupported() {
		return
	}
	_, _ = m.cgroupFreezerAction(u, false)
}

// unwrapErrno is the errno inside err, or err.
func unwrapErrno(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}
