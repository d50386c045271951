package manager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
)

// scopeState is a scope's sub-state (252's ScopeState).
type scopeState string

const (
	scopeDead        scopeState = "dead"
	scopeRunning     scopeState = "running"
	scopeAbandoned   scopeState = "abandoned"
	scopeStopSigterm scopeState = "stop-sigterm"
	scopeStopSigkill scopeState = "stop-sigkill"
	scopeFailed      scopeState = "failed"
)

// scope is a scope unit: processes started elsewhere that a transient
// unit adopted into its cgroup. init.scope, the manager's own, runs from
// the start.
type scope struct {
	u     *Unit
	state scopeState
	// pids are the processes to adopt on start (the PIDs property).
	pids []int
	// controller is the bus name asked to stop the scope (Controller=).
	controller   string
	wasAbandoned bool
	result       string
	timer        *timerEntry
	poll         *timerEntry
	// events is the inotify watch on cgroup.events while processes run.
	events *os.File
}

func newScope(u *Unit) *scope { return &scope{u: u, state: scopeDead, result: "success"} }

// RequestStopper sends Scope.RequestStop to a scope's controller; the
// bus layer sets it.
var RequestStopper func(u *Unit, controller string) bool

func (s *scope) activeState() state.Active {
	switch s.state {
	case scopeRunning, scopeAbandoned:
		return state.Active_
	case scopeStopSigterm, scopeStopSigkill:
		return state.Deactivating
	case scopeFailed:
		return state.Failed
	}
	return state.Inactive
}

func (s *scope) subState() string { return string(s.state) }

func (s *scope) setState(ns scopeState) {
	os := s.activeState()
	if ns != scopeRunning && ns != scopeStopSigterm && ns != scopeStopSigkill {
		s.timer.cancel()
		s.timer = nil
	}
	s.state = ns
	if ns == scopeDead || ns == scopeFailed {
		s.unwatch()
	}
	s.u.notify(os, s.activeState(), true)
}

// coldplug: init.scope runs from the start.
func (s *scope) coldplug() {
	if s.u.cfg.ID == "init.scope" && s.state == scopeDead {
		s.setState(scopeRunning)
	}
}

func (s *scope) start() error {
	if s.u.cfg.ID == "init.scope" || s.state == scopeFailed {
		return errBadR
	}
	if s.state == scopeStopSigterm || s.state == scopeStopSigkill {
		return errAgain
	}
	if s.u.inactiveExit.IsSet() {
		return errOnce
	}
	if !s.u.cfg.Transient {
		return errBadR
	}
	m := s.u.m
	s.u.invocationID = newInvocationID()
	n := 0
	if m.cfg.CgroupRoot != "" {
		f, err := m.unitCgroup(s.u)
		if err == nil {
			f.Close()
		}
		m.applyCgroupLimits(s.u)
		for _, pid := range s.pids {
			if os.WriteFile(filepath.Join(m.cgroupDir(s.u), "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644) == nil {
				n++
			}
		}
	}
	s.pids = nil
	if n == 0 {
		m.logUnit(s.u, LevelWarning, "No PIDs left to attach to the scope's control group, refusing.")
		s.enterDead("resources")
		return nil
	}
	s.result = "success"
	s.setState(scopeRunning)
	if sc := s.u.cfg.Scope; sc != nil && sc.RuntimeMaxUSec != 0 && sc.RuntimeMaxUSec != ^uint64(0) {
		s.timer = m.afterLoop(time.Duration(sc.RuntimeMaxUSec)*time.Microsecond, func() {
			if s.state == scopeRunning {
				m.logUnit(s.u, LevelWarning, "Scope reached runtime time limit. Stopping.")
				s.enterSignal(scopeStopSigterm, "timeout")
			}
		})
	}
	s.watch()
	return nil
}

// watch follows the scope's cgroup.events with inotify, as 252 does:
// the processes are not our children, so no SIGCHLD tells of their end.
// Without inotify it polls.
func (s *scope) watch() {
	m := s.u.m
	if s.events != nil || m.cfg.CgroupRoot == "" {
		return
	}
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err == nil {
		if _, err = unix.InotifyAddWatch(fd, filepath.Join(m.cgroupDir(s.u), "cgroup.events"), unix.IN_MODIFY); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		s.poll.cancel()
		s.poll = m.afterLoop(50*time.Millisecond, func() {
			s.poll = nil
			s.check()
			if s.waitsForEmpty() {
				s.watch()
			}
		})
		return
	}
	f := os.NewFile(uintptr(fd), "cgroup.events")
	s.events = f
	m.Watch("scope "+s.u.ID(), func() {
		buf := make([]byte, unix.SizeofInotifyEvent+unix.NAME_MAX+1)
		for {
			if _, err := f.Read(buf); err != nil {
				if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
					continue
				}
				return
			}
			m.Post(func() {
				if s.events == f {
					s.check()
				}
			})
		}
	})
	// The processes may be gone already.
	m.Post(func() {
		if s.events == f {
			s.check()
		}
	})
}

// check acts on an empty cgroup.
func (s *scope) check() {
	if s.waitsForEmpty() && !s.u.m.cgroupPopulated(s.u) {
		s.cgroupEmpty()
	}
}

func (s *scope) unwatch() {
	s.poll.cancel()
	s.poll = nil
	if s.events != nil {
		s.events.Close()
		s.events = nil
	}
}

func (s *scope) cgroupEmpty() {
	switch s.state {
	case scopeRunning, scopeAbandoned, scopeStopSigterm, scopeStopSigkill:
		s.enterDead("success")
	}
}

func (s *scope) waitsForEmpty() bool {
	return s.u.cfg.ID != "init.scope" && s.state != scopeDead && s.state != scopeFailed
}

func (s *scope) enterDead(result string) {
	if s.result == "success" {
		s.result = result
	}
	m := s.u.m
	if s.result == "success" {
		m.log(LogEntry{Level: LevelInfo, Unit: s.u.ID(), Message: s.u.ID() + ": Deactivated successfully.",
			Fields: []string{"MESSAGE_ID=7ad2d189f7e94e70a38c781354912448", "INVOCATION_ID=" + s.u.invocationID}})
		s.setState(scopeDead)
		return
	}
	m.log(LogEntry{Level: LevelWarning, Unit: s.u.ID(), Message: fmt.Sprintf("%s: Failed with result '%s'.", s.u.ID(), s.result),
		Fields: []string{"MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c", "INVOCATION_ID=" + s.u.invocationID, "UNIT_RESULT=" + s.result}})
	s.setState(scopeFailed)
}

// enterSignal is scope_enter_signal: ask the controller, or signal the
// cgroup, and wait for it to empty.
func (s *scope) enterSignal(st scopeState, result string) {
	if s.result == "success" {
		s.result = result
	}
	m := s.u.m
	waiting := false
	if st == scopeStopSigterm && s.controller != "" && RequestStopper != nil {
		waiting = RequestStopper(s.u, s.controller)
	}
	if !waiting {
		k := s.u.cfg.Kill
		if k == nil {
			k = &unit.KillContext{KillMode: "control-group", KillSignal: 15, SendSIGKILL: true}
		}
		sig := syscall.Signal(k.KillSignal)
		if st == scopeStopSigkill {
			sig = syscall.Signal(k.FinalKillSignal)
			if sig == 0 {
				sig = syscall.SIGKILL
			}
		}
		if k.KillMode != "none" {
			waiting = m.killCgroup(s.u, sig)
			if waiting && st == scopeStopSigterm {
				m.killCgroup(s.u, syscall.SIGCONT)
			}
			if waiting && st == scopeStopSigterm && k.SendSIGHUP {
				m.killCgroup(s.u, syscall.SIGHUP)
			}
		}
	}
	switch {
	case waiting:
		timeout := m.cfg.Defaults.TimeoutStopUSec
		if sc := s.u.cfg.Scope; sc != nil && sc.TimeoutStopUSec != 0 {
			timeout = sc.TimeoutStopUSec
		}
		s.timer.cancel()
		s.timer = nil
		s.setState(st)
		if timeout != ^uint64(0) {
			s.timer = m.afterLoop(time.Duration(timeout)*time.Microsecond, s.stopTimeout)
		}
		s.watch()
	case st == scopeStopSigterm:
		s.enterSignal(scopeStopSigkill, "success")
	default:
		s.enterDead("success")
	}
}

func (s *scope) stopTimeout() {
	m := s.u.m
	switch s.state {
	case scopeStopSigterm:
		if k := s.u.cfg.Kill; k == nil || k.SendSIGKILL {
			m.logUnit(s.u, LevelWarning, "Stopping timed out. Killing.")
			s.enterSignal(scopeStopSigkill, "timeout")
		} else {
			m.logUnit(s.u, LevelWarning, "Stopping timed out. Skipping SIGKILL.")
			s.enterDead("timeout")
		}
	case scopeStopSigkill:
		m.logUnit(s.u, LevelWarning, "Still around after SIGKILL. Ignoring.")
		s.enterDead("timeout")
	}
}

func (s *scope) stop() error {
	switch s.state {
	case scopeStopSigterm, scopeStopSigkill:
		return nil
	case scopeRunning, scopeAbandoned:
		s.enterSignal(scopeStopSigterm, "success")
		return nil
	}
	return errAlready
}

// Abandon is scope_abandon: the scope's client stops watching it.
func (s *scope) abandon() error {
	if s.u.cfg.ID == "init.scope" {
		return errBadR
	}
	if s.state != scopeRunning && s.state != scopeAbandoned {
		return errOnce
	}
	s.wasAbandoned = true
	s.controller = ""
	s.setState(scopeAbandoned)
	return nil
}

func (s *scope) reload() error                         { return errBadR }
func (s *scope) canReload() bool                       { return false }
func (s *scope) childExited(pid int, code, status int) {}

func (s *scope) resetFailed() {
	if s.state == scopeFailed {
		s.setState(scopeDead)
	}
	s.result = "success"
}

// props: a scope starts only once (252's once_only).
func (s *scope) props(p map[string]any) {
	if s.u.inactiveExit.IsSet() {
		p["CanStart"], p["CanIsolate"] = false, false
	}
	p["Result"] = s.result
	p["Controller"] = s.controller
}

func (s *scope) release() {
	s.timer.cancel()
	s.unwatch()
}

func (s *scope) serialize(w *stateWriter) {
	w.item("state", string(s.state))
	w.item("result", s.result)
	if s.controller != "" {
		w.str("controller", s.controller)
	}
	if s.wasAbandoned {
		w.bool("was-abandoned", true)
	}
}

func (s *scope) deserializeItem(key, v string, _ *FDSet) bool {
	switch key {
	case "state":
		switch st := scopeState(v); st {
		case scopeDead, scopeRunning, scopeAbandoned, scopeStopSigterm, scopeStopSigkill, scopeFailed:
			s.state = st
		default:
			logBadItem(s.u, key, v)
		}
	case "result":
		s.result = v
	case "controller":
		if c, ok := decodeValue(v); ok {
			s.controller = c
		}
	case "was-abandoned":
		s.wasAbandoned, _ = parseBool(v)
	default:
		return false
	}
	return true
}

// resume watches the cgroup of a scope that runs again.
func (s *scope) resume() {
	if s.state != scopeDead && s.state != scopeFailed && s.u.cfg.ID != "init.scope" {
		s.watch()
	}
}

// ErrScopeNotRunning: a scope that neither runs nor was abandoned cannot
// be abandoned.
var ErrScopeNotRunning = errors.New("scope not running")

// AbandonScopeLoop is scope_abandon.
func (m *Manager) AbandonScopeLoop(u *Unit) error {
	s, ok := u.kind.(*scope)
	if !ok {
		return syscall.EINVAL
	}
	switch s.abandon() {
	case nil:
		return nil
	case errOnce:
		return ErrScopeNotRunning
	}
	return syscall.EPERM
}

// AttachProcessesLoop is unit_attach_pids_to_cgroup: the processes move
// into u's cgroup, or the cgroup sub below it.
func (m *Manager) AttachProcessesLoop(u *Unit, sub string, pids []int) error {
	if m.cfg.CgroupRoot == "" {
		return syscall.EOPNOTSUPP
	}
	dir := m.cgroupDir(u)
	if sub != "" {
		dir = filepath.Join(dir, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for _, pid := range pids {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return err
		}
	}
	if s, ok := u.kind.(*scope); ok {
		s.watch()
	}
	return nil
}
