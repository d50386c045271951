package manager

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unit/value"
)

// killContext is unit_kill_context: the main and control processes get
// the operation's signal and, as KillMode= says, the rest of the cgroup;
// KILL_KILL and KILL_WATCHDOG are logged process by process. It reports
// whether something was signalled that the unit must wait for.
func (m *Manager) killContext(u *Unit, op killOp, mainPID, controlPID int, mainAlien bool) bool {
	k := u.cfg.Kill
	if k == nil || k.KillMode == "none" {
		return false
	}
	sig := killSignalFor(k, op)
	noteworthy := op == killKill || op == killWatchdog
	sighup := k.SendSIGHUP && op == killTerminate && sig != unix.SIGHUP
	wait := false
	for i, pid := range []int{mainPID, controlPID} {
		if pid <= 0 {
			continue
		}
		if noteworthy {
			m.logKill(u, pid, sig)
		}
		err := killAndCont(pid, sig)
		if err != nil && !errors.Is(err, unix.ESRCH) {
			what := "main"
			if i == 1 {
				what = "control"
			}
			m.logUnit(u, LevelWarning, "Failed to kill %s process %d (%s), ignoring: %s", what, pid, processComm(pid),
				value.Strerror(errnoOf(err)))
			continue
		}
		if i == 1 || !mainAlien {
			wait = true
		}
		if err == nil && sighup {
			_ = unix.Kill(pid, unix.SIGHUP)
		}
	}
	if k.KillMode == "control-group" || k.KillMode == "mixed" && op == killKill {
		if m.killCgroupTree(u, sig, true, mainPID, controlPID, noteworthy) {
			wait = true
			if sighup {
				m.killCgroupTree(u, unix.SIGHUP, false, mainPID, controlPID, false)
			}
		}
	}
	return wait
}

// killAndCont is kill_and_sigcont: a stopped process gets SIGCONT after
// the signal, so that it can act on it.
func killAndCont(pid int, sig syscall.Signal) error {
	err := unix.Kill(pid, sig)
	if err == nil && sig != unix.SIGCONT && sig != unix.SIGKILL {
		_ = unix.Kill(pid, unix.SIGCONT)
	}
	return err
}

// logKill is log_kill: processes whose name is in parentheses (our own
// helpers) are not named.
func (m *Manager) logKill(u *Unit, pid int, sig syscall.Signal) {
	comm := processComm(pid)
	if strings.HasPrefix(comm, "(") {
		return
	}
	m.logUnit(u, LevelNotice, "Killing process %d (%s) with signal SIG%s.", pid, comm, value.SignalToString(int(sig)))
}

// killCgroupTree is cg_kill_recursive: every process in the unit's
// cgroup and the cgroups below it but the two spared ones and PID 1,
// read again until no new process shows up (they may fork meanwhile).
func (m *Manager) killCgroupTree(u *Unit, sig syscall.Signal, cont bool, spare1, spare2 int, logged bool) bool {
	if m.cfg.CgroupRoot == "" {
		return false
	}
	done := map[int]bool{spare1: true, spare2: true, os.Getpid(): true, 0: true}
	killed := false
	for round := 0; round < 16; round++ {
		found := false
		_ = filepath.WalkDir(m.cgroupDir(u), func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(data)) {
				pid, err := strconv.Atoi(f)
				if err != nil || done[pid] {
					continue
				}
				done[pid] = true
				found = true
				if logged {
					m.logKill(u, pid, sig)
				}
				var kerr error
				if cont {
					kerr = killAndCont(pid, sig)
				} else {
					kerr = unix.Kill(pid, sig)
				}
				if kerr == nil {
					killed = true
				}
			}
			return nil
		})
		if !found {
			break
		}
	}
	return killed
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}
