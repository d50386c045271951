package manager

import (
	"fmt"
	"os"
	"strings"

	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
)

// Objective is what the manager does once its loop ends.
type Objective int

const (
	ObjectiveOK Objective = iota
	ObjectiveExit
	ObjectiveReboot
	ObjectivePoweroff
	ObjectiveHalt
	ObjectiveKexec
	// ObjectiveReexecute: serialize and exec the manager anew
	// (daemon-reexec); the caller of Run does that.
	ObjectiveReexecute
	// ObjectiveSwitchRoot: serialize without what does not survive a
	// root switch, switch root and exec the new root's manager (or the
	// init asked for); the caller of Run does that.
	ObjectiveSwitchRoot
)

// ShutdownVerb is systemd-shutdown's argument for an objective.
func (o Objective) ShutdownVerb() string {
	return map[Objective]string{ObjectiveReboot: "reboot", ObjectivePoweroff: "poweroff", ObjectiveHalt: "halt", ObjectiveKexec: "kexec"}[o]
}

// Objective is why Run returned.
func (m *Manager) Objective() Objective { return m.objective }

// setObjective ends the loop with an objective.
func (m *Manager) setObjective(o Objective) {
	m.objective = o
	m.exiting = true
}

// emergencyAction is 252's emergency_action for SuccessAction=,
// FailureAction=, StartLimitAction= and the like.
func (m *Manager) emergencyAction(action string, exitStatus int32, reason string) {
	if action == "" || action == "none" {
		return
	}
	switch action {
	case "reboot", "poweroff", "exit":
		if u := m.units["shutdown.target"]; u != nil && (u.ActiveState().IsActiveOrActivating() || u.job != nil) {
			m.log(LogEntry{Level: LevelNotice, Message: fmt.Sprintf("Shutdown is already active. Skipping emergency action request %s.", action)})
			return
		}
	}
	logAction := func(msg string) {
		m.log(LogEntry{Level: LevelDebug, Message: msg + ": " + reason})
	}
	startIrreversibly := func(name string) {
		u, err := m.LoadUnitLoop(name)
		if err == nil {
			_, err = m.EnqueueLoop(jobStart, u, job.ReplaceIrreversibly)
		}
		if err != nil {
			m.log(LogEntry{Level: LevelWarning, Message: fmt.Sprintf("Failed to enqueue %s job: %v", name, err)})
		}
	}
	container := os.Getenv("container") != ""
	switch action {
	case "reboot":
		logAction("Rebooting")
		startIrreversibly("reboot.target")
	case "reboot-force":
		logAction("Forcibly rebooting")
		m.setObjective(ObjectiveReboot)
	case "exit", "poweroff":
		if action == "exit" {
			if exitStatus >= 0 {
				m.exitCode = int(exitStatus)
			}
			if container {
				logAction("Exiting")
				startIrreversibly("exit.target")
				return
			}
			m.log(LogEntry{Level: LevelNotice, Message: `Doing "poweroff" action instead of an "exit" emergency action.`})
		}
		logAction("Powering off")
		startIrreversibly("poweroff.target")
	case "exit-force", "poweroff-force":
		if action == "exit-force" {
			if exitStatus >= 0 {
				m.exitCode = int(exitStatus)
			}
			if container {
				logAction("Exiting immediately")
				m.setObjective(ObjectiveExit)
				return
			}
			m.log(LogEntry{Level: LevelNotice, Message: `Doing "poweroff-force" action instead of an "exit-force" emergency action.`})
		}
		logAction("Forcibly powering off")
		m.setObjective(ObjectivePoweroff)
	default:
		if strings.HasSuffix(action, "-immediate") {
			// The -immediate actions skip the shutdown binary as well;
			// systemd-shutdown with the verb is the closest we do.
			logAction("Acting immediately")
			m.setObjective(map[string]Objective{"reboot-immediate": ObjectiveReboot, "poweroff-immediate": ObjectivePoweroff}[action])
		}
	}
}

// unitActions runs the unit's SuccessAction=/FailureAction= for a state
// change, as unit_notify does.
func (m *Manager) unitActions(u *Unit, os, ns state.Active) {
	inactive := func(s state.Active) bool { return s == state.Inactive || s == state.Failed }
	switch {
	case os != state.Failed && ns == state.Failed:
		m.emergencyAction(u.cfg.FailureAction, u.cfg.FailureActionExitStatus, "unit "+u.ID()+" failed")
	case !inactive(os) && ns == state.Inactive:
		m.emergencyAction(u.cfg.SuccessAction, u.cfg.SuccessActionExitStatus, "unit "+u.ID()+" succeeded")
	}
}

// SetObjectiveLoop ends the loop at the end of this turn with o (252's
// Exit, Reboot, PowerOff, Halt and KExec bus methods).
func (m *Manager) SetObjectiveLoop(o Objective) { m.setObjective(o) }

// SetExitCodeLoop sets the code the manager will exit with (252's
// return_value).
func (m *Manager) SetExitCodeLoop(code uint8) { m.exitCode = int(code) }
