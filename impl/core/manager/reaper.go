package manager

import (
	"golang.org/x/sys/unix"
)

// reapAll collects every exited child and hands each to the unit
// watching it. PID 1 also reaps orphans nobody watches.
func (m *Manager) reapAll() {
	m.drainNotify()
	defer m.checkEmptyCgroups()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		code, status := cldExited, 0
		switch {
		case ws.Exited():
			status = ws.ExitStatus()
		case ws.Signaled():
			code, status = cldKilled, int(ws.Signal())
			if ws.CoreDump() {
				code = cldDumped
			}
		default:
			continue
		}
		u := m.pids[pid]
		if u == nil {
			continue
		}
		m.safely("child of "+u.ID(), func() { u.kind.childExited(pid, code, status) })
	}
}

// siginfo si_code values of an exited child.
const (
	cldExited = 1
	cldKilled = 2
	cldDumped = 3
)
