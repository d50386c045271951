package manager

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/procfs"
)

// KillError is a KillUnit refusal with the D-Bus error name 252 uses.
type KillError struct {
	Name, Msg string
}

func (e *KillError) Error() string { return e.Msg }

const errNoSuchProcess = "org.freedesktop.systemd1.NoSuchProcess"

// pidHolder is a type with main and control processes (-1: the type has
// none).
type pidHolder interface{ killPIDs() (main, control int) }

func (s *service) killPIDs() (int, int) { return s.mainPID, s.controlPID }

// KillUnitLoop is unit_kill_common for an explicit client request: whom
// is "main", "control", "all" or their "-fail" forms.
func (m *Manager) KillUnitLoop(u *Unit, whom string, sig int) error {
	if err := CheckKillArgs(whom, sig); err != nil {
		return err
	}
	if whom == "" {
		whom = "all"
	}
	fail := strings.HasSuffix(whom, "-fail")
	who := strings.TrimSuffix(whom, "-fail")
	mainPID, controlPID := -1, -1
	if h, ok := u.kind.(pidHolder); ok {
		mainPID, controlPID = h.killPIDs()
	}
	typ := u.cfg.Type.String()
	if who == "main" {
		if mainPID < 0 {
			return &KillError{errNoSuchProcess, fmt.Sprintf("%s units have no main processes", typ)}
		}
		if mainPID == 0 {
			return &KillError{errNoSuchProcess, "No main process to kill"}
		}
	}
	if who == "control" {
		if controlPID < 0 {
			return &KillError{errNoSuchProcess, fmt.Sprintf("%s units have no control processes", typ)}
		}
		if controlPID == 0 {
			return &KillError{errNoSuchProcess, "No control process to kill"}
		}
	}
	name := "SIG" + signalName(sig)
	killed := false
	var firstErr error
	send := func(what string, pid int) {
		comm := processComm(pid)
		if err := unix.Kill(pid, unix.Signal(sig)); err != nil {
			if firstErr == nil {
				firstErr = &KillError{"System.Error." + errnoName(err), fmt.Sprintf("Failed to send signal %s to %s process %d (%s): %s", name, what, pid, comm, sockErrnoText(err))}
			}
			m.logUnit(u, LevelWarning, "Failed to send signal %s to %s process %d (%s) on client request: %s", name, what, pid, comm, sockErrnoText(err))
			return
		}
		m.logUnit(u, LevelInfo, "Sent signal %s to %s process %d (%s) on client request.", name, what, pid, comm)
		killed = true
	}
	if (who == "control" || who == "all") && controlPID > 0 {
		send("control", controlPID)
	}
	if (who == "main" || who == "all") && mainPID > 0 {
		send("main", mainPID)
	}
	if who == "all" && m.killCgroupExcept(u, unix.Signal(sig), mainPID, controlPID) {
		killed = true
	}
	if firstErr != nil {
		return firstErr
	}
	if fail && !killed {
		return &KillError{errNoSuchProcess, "No matching processes to kill"}
	}
	return nil
}

// CheckKillArgs refuses the whom and signal arguments of a kill request
// as 252 does before it checks the caller's permission.
func CheckKillArgs(whom string, sig int) error {
	switch strings.TrimSuffix(whom, "-fail") {
	case "main", "control", "all":
	default:
		if whom != "" {
			return &KillError{"org.freedesktop.DBus.Error.InvalidArgs", "Invalid who argument " + whom}
		}
	}
	if sig <= 0 || sig >= 65 {
		return &KillError{"org.freedesktop.DBus.Error.InvalidArgs", "Signal number out of range."}
	}
	return nil
}

// processComm is get_process_comm, "n/a" if unreadable.
func processComm(pid int) string {
	if c, ok := procfs.Comm(pid); ok {
		return c
	}
	return "n/a"
}

func errnoName(err error) string {
	if e, ok := err.(unix.Errno); ok {
		return unix.ErrnoName(e)
	}
	return "EIO"
}
