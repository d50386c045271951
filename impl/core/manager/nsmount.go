package manager

import (
	"syscall"

	"gosystemd/impl/exec"
)

// helperExited is told how a helper process of the manager's own (not
// a unit's) ended.
type helperExited func(code, status int)

// BindMountLoop is the mount half of 252's bus_service_method_mount:
// src is bound on dest in the mount namespace of pid, u's main process,
// through u's propagation directory, by a helper process (the manager
// never joins a namespace itself). done is called on the loop with nil
// or the errno of the step that failed.
func (m *Manager) BindMountLoop(u *Unit, pid int, src, dest string, readOnly, mkdir bool, done func(error)) {
	req := &exec.NSMount{
		PID:          pid,
		PropagateDir: "/run/systemd/propagate/" + u.ID(),
		IncomingDir:  "/run/systemd/incoming/",
		Source:       src,
		Dest:         dest,
		ReadOnly:     readOnly,
		MakeDir:      mkdir,
	}
	hpid, result, err := exec.StartNSMount(req, m.cfg.Executable)
	if err != nil {
		done(unwrapErrno(err))
		return
	}
	if m.helpers == nil {
		m.helpers = map[int]helperExited{}
	}
	m.helpers[hpid] = func(code, status int) {
		res := exec.ReadNSMountResult(result)
		result.Close()
		for _, msg := range res.Errors {
			m.log(LogEntry{Level: LevelErr, Message: msg})
		}
		switch {
		case res.Errno != 0:
			done(res.Errno)
		case code != cldExited || status != 0:
			done(syscall.EPROTO)
		default:
			done(nil)
		}
	}
}

// helperReaped hands pid's end to its helper callback; false if pid is
// no helper of ours.
func (m *Manager) helperReaped(pid, code, status int) bool {
	h, ok := m.helpers[pid]
	if !ok {
		return false
	}
	delete(m.helpers, pid)
	m.safely("mount helper", func() { h(code, status) })
	return true
}
