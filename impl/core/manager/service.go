package manager

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/state"
	"gosystemd/impl/exec"
	"gosystemd/impl/exec/fromunit"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitpath"
)

// serviceState is a service's sub-state (252's ServiceState).
type serviceState int

const (
	svcDead serviceState = iota
	svcCondition
	svcStartPre
	svcStart
	svcStartPost
	svcRunning
	svcExited
	svcReload
	svcStop
	svcStopWatchdog
	svcStopSigterm
	svcStopSigkill
	svcStopPost
	svcFinalWatchdog
	svcFinalSigterm
	svcFinalSigkill
	svcFailed
	svcAutoRestart
	svcCleaning
)

var serviceStateNames = [...]string{"dead", "condition", "start-pre", "start", "start-post", "running", "exited",
	"reload", "stop", "stop-watchdog", "stop-sigterm", "stop-sigkill", "stop-post", "final-watchdog",
	"final-sigterm", "final-sigkill", "failed", "auto-restart", "cleaning"}

// serviceActive maps sub-states to active states (252's
// state_translation_table).
var serviceActive = [...]state.Active{
	svcDead: state.Inactive, svcCondition: state.Activating, svcStartPre: state.Activating,
	svcStart: state.Activating, svcStartPost: state.Activating, svcRunning: state.Active_,
	svcExited: state.Active_, svcReload: state.Reloading, svcStop: state.Deactivating,
	svcStopWatchdog: state.Deactivating, svcStopSigterm: state.Deactivating, svcStopSigkill: state.Deactivating,
	svcStopPost: state.Deactivating, svcFinalWatchdog: state.Deactivating, svcFinalSigterm: state.Deactivating,
	svcFinalSigkill: state.Deactivating, svcFailed: state.Failed, svcAutoRestart: state.Activating,
	svcCleaning: state.Maintenance,
}

// serviceResult is 252's ServiceResult.
type serviceResult string

const (
	resSuccess       serviceResult = "success"
	resResources     serviceResult = "resources"
	resProtocol      serviceResult = "protocol"
	resTimeout       serviceResult = "timeout"
	resExitCode      serviceResult = "exit-code"
	resSignal        serviceResult = "signal"
	resCoreDump      serviceResult = "core-dump"
	resWatchdog      serviceResult = "watchdog"
	resStartLimitHit serviceResult = "start-limit-hit"
	resCondition     serviceResult = "exec-condition"
)

// execRun is one command's last run: ExecMain* and the Exec* property
// structs.
type execRun struct {
	start, exit DualTimestamp
	pid         int
	code        int // CLD_EXITED, CLD_KILLED, CLD_DUMPED; 0 while running
	status      int
}

// service is the service unit type.
type service struct {
	u   *Unit
	cfg *unit.Service

	state        serviceState
	result       serviceResult
	reloadResult serviceResult
	cleanResult  serviceResult

	mainPID, controlPID int
	mainPIDKnown        bool
	// rt holds PrivateTmp='s directories (252's exec runtime), from the
	// first command until the service is dead.
	rt *execRuntime
	// control is the command list running as the control process and
	// the index of the running command; main likewise for ExecStart=.
	controlKind int
	controlIdx  int
	mainIdx     int
	mainRun     execRun
	// startedMain is the ExecStart= process this manager process
	// started (not one a daemon-reexec carried over): its end is
	// reaped here.
	startedMain int
	runs        [7][]execRun // by exec kind, per command
	timer       *timerEntry
	nRestarts   uint32
	statusText  string
	// notifyState is the last of READY=1, RELOADING=1 and STOPPING=1
	// the service sent since it started ("ready", ...), "" for none.
	notifyState   string
	statusErrno   int
	fdStore       []storedFD
	busNameGood   bool
	acceptConn    *os.File // the connection of an Accept=yes socket
	started       bool     // ran at least once
	uid, gid      int      // the credentials User=/Group= resolved to, -1 if none
	forbidRestart bool
	// The watchdog (watchdog.go): the last ping, its timer, and
	// WATCHDOG_USEC= when the service sent one.
	watchdogTimestamp    DualTimestamp
	watchdogTimer        *timerEntry
	watchdogOverride     bool
	watchdogOverrideUSec uint64
	// stdio are the fds a transient service was given for its standard
	// input, output and error (252's stdin_fd, stdout_fd, stderr_fd),
	// kept until the unit's resources are released.
	stdio [3]*os.File
}

func newService(u *Unit) *service {
	return &service{u: u, cfg: u.cfg.Service, result: resSuccess, reloadResult: resSuccess, cleanResult: resSuccess, controlKind: -1, uid: -1, gid: -1}
}

func (s *service) activeState() state.Active { return serviceActive[s.state] }
func (s *service) subState() string          { return serviceStateNames[s.state] }
func (s *service) canReload() bool           { return len(s.cfg.Exec[unit.ExecReload]) > 0 }

func (s *service) setState(ns serviceState) {
	os := s.state
	s.state = ns
	if ns != svcStart && ns != svcStartPost && ns != svcRunning && ns != svcReload && ns != svcStop &&
		ns != svcStopSigterm && ns != svcStopSigkill && ns != svcStopPost && ns != svcFinalSigterm &&
		ns != svcFinalSigkill && ns != svcStopWatchdog && ns != svcFinalWatchdog {
		s.unwatchMain()
	}
	if ns != svcCondition && ns != svcStartPre && ns != svcStart && ns != svcStartPost && ns != svcReload &&
		ns != svcStop && ns != svcStopSigterm && ns != svcStopSigkill && ns != svcStopPost &&
		ns != svcFinalSigterm && ns != svcFinalSigkill && ns != svcStopWatchdog && ns != svcFinalWatchdog {
		s.unwatchControl()
	}
	if ns != svcCondition && ns != svcStartPre && ns != svcStart && ns != svcStartPost && ns != svcReload &&
		ns != svcStop && ns != svcStopSigterm && ns != svcStopSigkill && ns != svcStopPost &&
		ns != svcFinalSigterm && ns != svcFinalSigkill && ns != svcAutoRestart {
		s.timer.cancel()
		s.timer = nil
	}
	if ns != svcStartPost && ns != svcRunning && ns != svcReload {
		s.stopWatchdog()
	}
	if os != ns {
		s.u.m.logUnit(s.u, LevelDebug, "Changed %s -> %s", serviceStateNames[os], serviceStateNames[ns])
	}
	if ns == svcExited {
		// The inactive states prune in notify; exited must do it here.
		s.u.m.pruneCgroup(s.u)
	}
	s.u.notify(serviceActive[os], serviceActive[ns], s.reloadResult == resSuccess)
}

func (s *service) unwatchMain() {
	if s.mainPID > 0 {
		if s.u.m.pids[s.mainPID] == s.u {
			delete(s.u.m.pids, s.mainPID)
		}
		s.mainPID = 0
	}
}

func (s *service) unwatchControl() {
	if s.controlPID > 0 {
		if s.u.m.pids[s.controlPID] == s.u {
			delete(s.u.m.pids, s.controlPID)
		}
		s.controlPID = 0
	}
	s.controlKind = -1
}

// armTimer sets the state's timeout (0: none).
func (s *service) armTimer(usec uint64) {
	s.timer.cancel()
	s.timer = nil
	if usec == 0 || usec == ^uint64(0) {
		return
	}
	s.timer = s.u.m.afterLoop(time.Duration(usec)*time.Microsecond, s.timeout)
}

func (s *service) start() error {
	switch s.state {
	case svcStop, svcStopWatchdog, svcStopSigterm, svcStopSigkill, svcStopPost, svcFinalWatchdog, svcFinalSigterm, svcFinalSigkill, svcCleaning:
		return errAgain
	case svcCondition, svcStartPre, svcStart, svcStartPost:
		return nil
	}
	s.result, s.reloadResult = resSuccess, resSuccess
	s.mainRun = execRun{}
	s.runs = [7][]execRun{}
	s.statusText, s.statusErrno = "", 0
	s.notifyState = ""
	s.forbidRestart = false
	s.watchdogOverride, s.watchdogOverrideUSec = false, usecInfinity
	s.u.invocationID = newInvocationID()
	s.started = true
	s.mainPIDKnown = false
	s.u.cpuUsageCached = false
	if !s.u.notAppliedLogged {
		s.u.notAppliedLogged = true
		if na := fromunit.NotApplied(s.u.cfg); len(na) > 0 {
			s.u.m.logUnit(s.u, LevelNotice, "Settings not applied yet by this service manager: %s", strings.Join(na, " "))
		}
	}
	if len(s.cfg.Exec[unit.ExecCondition]) > 0 {
		s.runControl(unit.ExecCondition, 0, svcCondition)
	} else {
		s.enterStartPre()
	}
	return nil
}

func (s *service) enterStartPre() {
	if len(s.cfg.Exec[unit.ExecStartPre]) > 0 {
		s.runControl(unit.ExecStartPre, 0, svcStartPre)
		return
	}
	s.enterStart()
}

func (s *service) enterStart() {
	cmds := s.cfg.Exec[unit.ExecStart]
	if len(cmds) == 0 {
		// Oneshot services may lack ExecStart=.
		s.setState(svcStart)
		s.enterStartPost()
		return
	}
	typ := s.cfg.Type
	pid, err := s.spawn(unit.ExecStart, 0, typ == "forking")
	if err != nil {
		s.u.m.logUnit(s.u, LevelWarning, "Failed to run 'start' task: %v", err)
		s.enterSignal(svcStopSigterm, resResources)
		return
	}
	s.mainIdx = 0
	if typ == "forking" {
		s.controlPID, s.controlKind, s.controlIdx = pid, unit.ExecStart, 0
	} else {
		s.mainPID, s.mainPIDKnown = pid, true
	}
	s.armTimer(s.cfg.TimeoutStartUSec)
	s.setState(svcStart)
	switch typ {
	case "simple", "idle":
		s.enterStartPost()
	}
}

func (s *service) enterStartPost() {
	s.resetWatchdog()
	if len(s.cfg.Exec[unit.ExecStartPost]) > 0 {
		s.runControl(unit.ExecStartPost, 0, svcStartPost)
		return
	}
	s.enterRunning(resSuccess)
}

func (s *service) enterRunning(f serviceResult) {
	if s.result == resSuccess {
		s.result = f
	}
	switch {
	case s.result != resSuccess:
		s.enterSignal(svcStopSigterm, f)
	case (s.mainPID > 0 && s.mainAlive() || !s.mainPIDKnown && s.u.m.cgroupPopulated(s.u)) && (s.busNameGood || s.cfg.Type != "dbus"):
		s.armTimer(0)
		s.setState(svcRunning)
	case s.cfg.RemainAfterExit:
		s.setState(svcExited)
	default:
		s.enterStop(resSuccess)
	}
}

// guessMainPID is service_search_main_pid: the one process of the
// cgroup that is the manager's child (a daemon the start command forked
// and left behind).
func (s *service) guessMainPID() {
	m := s.u.m
	found := 0
	for _, pid := range m.cgroupPIDs(s.u) {
		if pid == s.controlPID || parentPID(pid) != os.Getpid() {
			continue
		}
		if found != 0 {
			m.logUnit(s.u, LevelDebug, "Main PID guessing failed: more than one candidate.")
			return
		}
		found = pid
	}
	if found != 0 {
		s.mainPID, s.mainPIDKnown = found, true
		m.watchPIDLoop(found, s.u)
	}
}

// waitsForEmpty reports whether cgroupEmpty would act in this state:
// while starting or stopping, or running with its main process gone.
func (s *service) waitsForEmpty() bool {
	switch s.state {
	case svcRunning:
		if s.mainPID > 0 && s.mainPID == s.startedMain {
			// The process this manager started for ExecStart= is its
			// child: its end is reaped, no need to look for it.
			return false
		}
		return s.mainPID <= 0 || unix.Kill(s.mainPID, 0) != nil
	case svcStart, svcStartPost, svcStopWatchdog, svcStopSigterm, svcStopSigkill,
		svcStopPost, svcFinalWatchdog, svcFinalSigterm, svcFinalSigkill:
		return true
	}
	return false
}

// cgroupEmpty is service_notify_cgroup_empty_event.
func (s *service) cgroupEmpty() {
	gone := func(pid int) bool { return pid <= 0 || unix.Kill(pid, 0) != nil }
	switch s.state {
	case svcStart:
		if (s.cfg.Type == "notify" || s.cfg.Type == "notify-reload") && gone(s.mainPID) && gone(s.controlPID) {
			s.enterStopPost(resProtocol)
			return
		}
		fallthrough
	case svcStartPost:
		if s.cfg.PIDFile != "" && gone(s.mainPID) && gone(s.controlPID) {
			s.u.m.logUnit(s.u, LevelWarning, "Daemon never wrote its PID file. Failing.")
			if s.state == svcStart {
				s.enterSignal(svcFinalSigterm, resProtocol)
			} else {
				s.enterStop(resProtocol)
			}
		}
	case svcRunning:
		if gone(s.mainPID) {
			s.enterRunning(resSuccess)
		}
	case svcStopWatchdog, svcStopSigterm, svcStopSigkill:
		if gone(s.mainPID) && gone(s.controlPID) {
			s.enterStopPost(resSuccess)
		}
	case svcStopPost, svcFinalWatchdog, svcFinalSigterm, svcFinalSigkill:
		if gone(s.mainPID) && gone(s.controlPID) {
			s.enterDead(resSuccess, true)
		}
	}
}

func (s *service) mainAlive() bool {
	return s.mainPID > 0 && unix.Kill(s.mainPID, 0) == nil
}

func (s *service) stop() error {
	switch s.state {
	case svcStop, svcStopSigterm, svcStopSigkill, svcStopPost, svcFinalSigterm, svcFinalSigkill, svcStopWatchdog, svcFinalWatchdog:
		return errQuiet
	case svcAutoRestart:
		s.setState(svcDead)
		return errQuiet
	case svcCleaning:
		// 252 kills the removal; ours runs on, its end ignored.
		s.enterDead(resSuccess, false)
		return errQuiet
	case svcCondition, svcStartPre, svcStart, svcStartPost, svcReload:
		s.enterSignal(svcStopSigterm, resSuccess)
		return errQuiet
	}
	s.enterStop(resSuccess)
	return nil
}

func (s *service) enterStop(f serviceResult) {
	if s.result == resSuccess {
		s.result = f
	}
	if len(s.cfg.Exec[unit.ExecStop]) > 0 {
		s.runControl(unit.ExecStop, 0, svcStop)
		return
	}
	s.enterSignal(svcStopSigterm, resSuccess)
}

// enterSignal is service_enter_signal: kill what is left, then wait.
func (s *service) enterSignal(st serviceState, f serviceResult) {
	if s.result == resSuccess {
		s.result = f
	}
	op := killTerminate
	switch st {
	case svcStopWatchdog, svcFinalWatchdog:
		op = killWatchdog
	case svcStopSigterm:
		if s.u.job != nil && s.u.job.typ == jobRestart {
			op = killRestart
		}
	case svcStopSigkill, svcFinalSigkill:
		op = killKill
	}
	killed := false
	if op != killKill || s.u.cfg.Kill == nil || s.u.cfg.Kill.SendSIGKILL {
		killed = s.u.m.killContext(s.u, op, s.mainPID, s.controlPID, false)
	}
	if killed {
		s.armTimer(s.cfg.TimeoutStopUSec)
		s.setState(st)
		return
	}
	sendKill := s.u.cfg.Kill == nil || s.u.cfg.Kill.SendSIGKILL
	switch {
	case (st == svcStopSigterm || st == svcStopWatchdog) && sendKill:
		s.enterSignal(svcStopSigkill, resSuccess)
	case st == svcStopSigterm || st == svcStopWatchdog || st == svcStopSigkill:
		s.enterStopPost(resSuccess)
	case (st == svcFinalSigterm || st == svcFinalWatchdog) && sendKill:
		s.enterSignal(svcFinalSigkill, resSuccess)
	default:
		s.enterDead(resSuccess, true)
	}
}

func (s *service) enterStopPost(f serviceResult) {
	if s.result == resSuccess {
		s.result = f
	}
	if len(s.cfg.Exec[unit.ExecStopPost]) > 0 {
		s.runControl(unit.ExecStopPost, 0, svcStopPost)
		return
	}
	s.enterSignal(svcFinalSigterm, resSuccess)
}

// enterDead is service_enter_dead.
func (s *service) enterDead(f serviceResult, allowRestart bool) {
	if s.result == resSuccess {
		s.result = f
	}
	m := s.u.m
	if s.result == resSuccess {
		m.log(LogEntry{Level: LevelInfo, Unit: s.u.ID(), Message: s.u.ID() + ": Deactivated successfully.",
			Fields: []string{"MESSAGE_ID=7ad2d189f7e94e70a38c781354912448", "INVOCATION_ID=" + s.u.invocationID}})
	} else {
		m.log(LogEntry{Level: LevelWarning, Unit: s.u.ID(), Message: fmt.Sprintf("%s: Failed with result '%s'.", s.u.ID(), s.result),
			Fields: []string{"MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c", "INVOCATION_ID=" + s.u.invocationID, "UNIT_RESULT=" + string(s.result)}})
	}
	restart := allowRestart && s.shouldRestart()
	next := svcDead
	if s.result != resSuccess {
		next = svcFailed
	}
	if restart {
		next = svcAutoRestart
	}
	if s.cfg.PIDFile != "" {
		// As service_enter_dead: the daemon's PID file goes with it.
		_ = os.Remove(s.cfg.PIDFile)
	}
	if !restart {
		s.releaseFDStore()
		if s.acceptConn != nil {
			s.acceptConn.Close()
			s.acceptConn = nil
		}
	}
	s.setState(next)
	if c := s.u.cfg.Exec; c != nil && (len(c.LoadCredentials) > 0 || len(c.SetCredentials) > 0) {
		// As unit_destroy_runtime_data: the credentials go with the run.
		exec.DestroyCredentials("/run", s.u.ID())
	}
	if s.rt != nil {
		// Fresh ones for the next start (service_enter_dead).
		s.u.m.releaseRuntime(s.rt, true)
		s.rt = nil
	}
	if s.u.m.cfg.Scope == unitpath.System {
		// And the propagation directory of BindMountUnit, empty.
		_ = syscall.Rmdir("/run/systemd/propagate/" + s.u.ID())
	}
	if restart {
		s.armRestartTimer()
	}
}

// armRestartTimer arms the auto-restart timer. Unlike a timeout, whose 0
// means none, RestartSec=0 restarts on the next turn of the loop; only
// infinity never restarts.
func (s *service) armRestartTimer() {
	s.timer.cancel()
	s.timer = nil
	if s.cfg.RestartUSec == ^uint64(0) {
		return
	}
	s.timer = s.u.m.afterLoop(time.Duration(s.cfg.RestartUSec)*time.Microsecond, s.timeout)
}

// shouldRestart is service_shall_restart.
func (s *service) shouldRestart() bool {
	if s.forbidRestart {
		return false
	}
	if s.u.job != nil && (s.u.job.typ == jobStop || s.u.job.typ == jobRestart) {
		return false
	}
	code, status := s.mainRun.code, s.mainRun.status
	if inExitSet(&s.cfg.RestartPreventExitStatus, code, status) {
		return false
	}
	if inExitSet(&s.cfg.RestartForceExitStatus, code, status) {
		return true
	}
	switch s.cfg.Restart {
	case "always":
		return true
	case "on-success":
		return s.result == resSuccess
	case "on-failure":
		return s.result != resSuccess
	case "on-abnormal":
		return s.result == resSignal || s.result == resCoreDump || s.result == resTimeout || s.result == resWatchdog
	case "on-watchdog":
		return s.result == resWatchdog
	case "on-abort":
		return s.result == resSignal || s.result == resCoreDump
	}
	return false
}

// timeout handles the state timer.
func (s *service) timeout() {
	s.timer = nil
	m := s.u.m
	switch s.state {
	case svcCondition, svcStartPre, svcStart, svcStartPost:
		m.logUnit(s.u, LevelWarning, "%s operation timed out. Terminating.", map[serviceState]string{
			svcCondition: "Condition", svcStartPre: "Start-pre", svcStart: "Start", svcStartPost: "Start-post"}[s.state])
		s.enterSignal(svcStopSigterm, resTimeout)
	case svcRunning:
		m.logUnit(s.u, LevelWarning, "Service reached runtime time limit. Stopping.")
		s.enterStop(resTimeout)
	case svcReload:
		m.logUnit(s.u, LevelWarning, "Reload operation timed out. Killing reload process.")
		_ = unix.Kill(s.controlPID, unix.SIGKILL)
		s.reloadResult = resTimeout
		s.enterRunning(resSuccess)
	case svcStop:
		m.logUnit(s.u, LevelWarning, "Stopping timed out. Terminating.")
		s.enterSignal(svcStopSigterm, resTimeout)
	case svcStopSigterm:
		m.logUnit(s.u, LevelWarning, "State 'stop-sigterm' timed out. Killing.")
		s.enterSignal(svcStopSigkill, resTimeout)
	case svcStopSigkill:
		m.logUnit(s.u, LevelWarning, "Processes still around after SIGKILL. Ignoring.")
		s.enterStopPost(resTimeout)
	case svcStopPost:
		m.logUnit(s.u, LevelWarning, "State 'stop-post' timed out. Terminating.")
		s.enterSignal(svcFinalSigterm, resTimeout)
	case svcFinalSigterm:
		m.logUnit(s.u, LevelWarning, "State 'final-sigterm' timed out. Killing.")
		s.enterSignal(svcFinalSigkill, resTimeout)
	case svcFinalSigkill:
		m.logUnit(s.u, LevelWarning, "Processes still around after final SIGKILL. Entering failed mode.")
		s.enterDead(resTimeout, true)
	case svcCleaning:
		// 252 kills its removal process and fails with its signal;
		// ours is abandoned.
		m.logUnit(s.u, LevelWarning, "Cleaning timed out. killing.")
		if s.cleanResult == resSuccess {
			s.cleanResult = resTimeout
		}
		s.u.cleanGen++
		s.enterDead(resSignal, true)
	case svcAutoRestart:
		s.nRestarts++
		m.logUnit(s.u, LevelInfo, "Scheduled restart job, restart counter is at %d.", s.nRestarts)
		if _, err := m.EnqueueLoop(jobRestart, s.u, 1); err != nil {
			m.logUnit(s.u, LevelWarning, "Failed to schedule restart job: %v", err)
			s.enterDead(resSuccess, false)
		}
	}
}

func (s *service) reload() error {
	s.reloadResult = resSuccess
	s.runControl(unit.ExecReload, 0, svcReload)
	return nil
}

func (s *service) resetFailed() {
	if s.state == svcFailed {
		s.setState(svcDead)
	}
	s.result, s.reloadResult = resSuccess, resSuccess
}

// runControl runs command idx of kind as the control process in state st.
func (s *service) runControl(kind, idx int, st serviceState) {
	pid, err := s.spawn(kind, idx, true)
	if err != nil {
		s.u.m.logUnit(s.u, LevelWarning, "Failed to spawn %s task: %v", execKindNames[kind], err)
		s.controlFailed(st, resResources)
		return
	}
	s.controlPID, s.controlKind, s.controlIdx = pid, kind, idx
	switch st {
	case svcStop, svcStopPost:
		s.armTimer(s.cfg.TimeoutStopUSec)
	case svcReload:
		s.armTimer(s.cfg.TimeoutStartUSec)
	default:
		s.armTimer(s.cfg.TimeoutStartUSec)
	}
	s.setState(st)
}

var execKindNames = [...]string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"}

// spawn starts command idx of kind through the executor.
func (s *service) spawn(kind, idx int, control bool) (int, error) {
	m := s.u.m
	cmd := s.cfg.Exec[kind][idx]
	spec := fromunit.Spec(s.u.cfg, fromunit.Command{ExecCommand: cmd, Control: control && kind != unit.ExecStart})
	spec.InvocationID = s.u.invocationID
	if s.rt == nil {
		rt, err := m.acquireRuntime(s.u)
		if err != nil {
			return 0, err
		}
		s.rt = rt
	}
	if s.rt != nil {
		spec.TmpDir, spec.VarTmpDir = s.rt.tmpDir, s.rt.varTmpDir
	}
	if w := s.watchdogUSec(); w != 0 {
		spec.WatchdogUSec = w
	}
	env := exec.CommandEnv{}
	if s.mainPID > 0 && kind != unit.ExecStart {
		env.MainPID = s.mainPID
	}
	if kind == unit.ExecStop || kind == unit.ExecStopPost {
		env.Result = s.resultEnv()
	}
	if m.notify != nil && s.cfg.NotifyAccess != "" && s.cfg.NotifyAccess != "none" {
		env.NotifySocket = m.notify.Path()
	}
	spec.Environment = exec.ServiceEnvironment(m.EffectiveEnvironmentLoop(), env)
	if s.u.cfg.Exec != nil {
		filesEnv, warnings, err := exec.LoadEnvironmentFiles(s.u.cfg.Exec.EnvironmentFiles)
		// 252's child logs these as it reads the files, for each command.
		for _, w := range warnings {
			m.logUnit(s.u, LevelWarning, "%s", w)
		}
		if err != nil {
			return 0, err
		}
		spec.FilesEnvironment = filesEnv
	}
	opts := exec.Options{Executable: m.cfg.Executable, Env: m.cfg.Environment}
	cg, err := m.unitCgroup(s.u)
	if err == nil && cg != nil {
		defer cg.Close()
		opts.CgroupFD = int(cg.Fd())
	}
	var files exec.Files
	if s.acceptConn != nil {
		// A connection service gets its connection for every command.
		files.Pass, spec.FDNames, spec.NSocketFDs = []*os.File{s.acceptConn}, []string{"connection"}, 1
	} else if kind == unit.ExecStart {
		files.Pass, spec.FDNames = m.socketFDsFor(s.u)
		spec.NSocketFDs = len(files.Pass)
		for _, sf := range s.fdStore {
			files.Pass = append(files.Pass, sf.f)
			spec.FDNames = append(spec.FDNames, sf.name)
		}
		spec.NStorageFDs = len(s.fdStore)
	}
	files.Stdin, files.Stdout, files.Stderr = s.stdio[0], s.stdio[1], s.stdio[2]
	child, err := exec.Start(spec, files, opts)
	if err != nil {
		return 0, err
	}
	m.pids[child.Pid] = s.u
	run := execRun{start: now(), pid: child.Pid}
	if kind == unit.ExecStart {
		s.mainRun = run
		s.startedMain = child.Pid
	}
	for len(s.runs[kind]) <= idx {
		s.runs[kind] = append(s.runs[kind], execRun{})
	}
	s.runs[kind][idx] = run
	u := s.u
	pid := child.Pid
	goSafe(nil, func() {
		rep, err := child.Report()
		m.Post(func() {
			u.m.spawnReport(u, cmd.Path, rep, err)
			if rep.UID >= 0 {
				s.uid, s.gid = rep.UID, rep.GID
			}
			// Type=exec is started once the main command's execve worked.
			if kind == unit.ExecStart && rep.Execed && s.cfg.Type == "exec" && s.state == svcStart && s.mainPID == pid {
				s.enterStartPost()
			}
		})
	})
	return child.Pid, nil
}

// spawnReport logs what the executor reported about a command.
func (m *Manager) spawnReport(u *Unit, path string, rep exec.Report, err error) {
	for _, w := range rep.Warnings {
		m.logUnit(u, LevelWarning, "%s", w)
	}
	if f := rep.Failure; f != nil && !f.Logged {
		m.logUnit(u, f.Level, "%s", f.Message)
		if f.ExitStatus != 0 {
			m.logUnit(u, LevelErr, "%s", f.SpawnMessage(path))
		}
	}
}

func (s *service) resultEnv() *exec.ResultEnv {
	r := &exec.ResultEnv{ServiceResult: string(s.result)}
	switch s.mainRun.code {
	case cldExited:
		r.ExitCode, r.ExitStatus = "exited", strconv.Itoa(s.mainRun.status)
	case cldKilled:
		r.ExitCode, r.ExitStatus = "killed", signalName(s.mainRun.status)
	case cldDumped:
		r.ExitCode, r.ExitStatus = "dumped", signalName(s.mainRun.status)
	}
	return r
}

func signalName(n int) string {
	name := unix.SignalName(syscall.Signal(n))
	return strings.TrimPrefix(name, "SIG")
}

// inExitSet reports whether an exit is in a status set.
func inExitSet(set *value.ExitStatusSet, code, status int) bool {
	if code == cldExited {
		return set.HasStatus(status)
	}
	return set.HasSignal(status)
}

// cleanExit is is_clean_exit.
func cleanExit(code, status int, daemon bool, success *value.ExitStatusSet) bool {
	switch code {
	case cldExited:
		return status == 0 || success.HasStatus(status)
	case cldKilled:
		if daemon && (status == int(unix.SIGHUP) || status == int(unix.SIGINT) || status == int(unix.SIGTERM) || status == int(unix.SIGPIPE)) {
			return true
		}
		return success.HasSignal(status)
	}
	return false
}

// childExited is service_sigchld_event.
func (s *service) childExited(pid, code, status int) {
	m := s.u.m
	t := now()
	success := cleanExit(code, status, s.cfg.Type != "oneshot", &s.cfg.SuccessExitStatus)
	f := resSuccess
	if !success {
		switch code {
		case cldExited:
			f = resExitCode
		case cldKilled:
			f = resSignal
		default:
			f = resCoreDump
		}
	}
	switch pid {
	case s.mainPID:
		s.mainRun.exit, s.mainRun.code, s.mainRun.status = t, code, status
		if s.mainIdx < len(s.runs[unit.ExecStart]) {
			s.runs[unit.ExecStart][s.mainIdx] = s.mainRun
		} else {
			s.noteUnseenRun(unit.ExecStart, s.mainIdx, s.mainRun)
		}
		delete(m.pids, pid)
		s.mainPID = 0
		mainCmd := s.cfg.Exec[unit.ExecStart][s.mainIdx]
		if mainCmd.Flags&unitfile.ExecIgnoreFailure != 0 {
			f = resSuccess
		}
		m.logProcessExit(s.u, "Main process", mainCmd.Path, f == resSuccess, code, status)
		if s.result == resSuccess {
			s.result = f
		}
		// Oneshot services run their ExecStart= lines one after another.
		if f == resSuccess && s.cfg.Type == "oneshot" && s.state == svcStart && s.mainIdx+1 < len(s.cfg.Exec[unit.ExecStart]) {
			idx := s.mainIdx + 1
			pid, err := s.spawn(unit.ExecStart, idx, false)
			if err != nil {
				s.enterSignal(svcStopSigterm, resResources)
				return
			}
			s.mainPID, s.mainIdx = pid, idx
			return
		}
		switch s.state {
		case svcStart:
			if s.cfg.Type == "oneshot" || s.cfg.Type == "exec" || s.cfg.Type == "simple" || s.cfg.Type == "idle" {
				if f == resSuccess && s.cfg.Type == "oneshot" {
					s.enterStartPost()
				} else if f == resSuccess {
					s.enterStartPost()
				} else {
					s.enterSignal(svcStopSigterm, f)
				}
			} else if s.cfg.Type == "notify" || s.cfg.Type == "notify-reload" {
				if f != resSuccess {
					s.enterSignal(svcStopSigterm, f)
				} else {
					s.enterSignal(svcStopSigterm, resProtocol)
				}
			}
		case svcStartPost, svcReload, svcStop:
		case svcStopSigterm, svcStopSigkill, svcStopWatchdog:
			if s.controlPID == 0 {
				s.enterStopPost(f)
			}
		case svcStopPost, svcFinalSigterm, svcFinalSigkill, svcFinalWatchdog:
			if s.controlPID == 0 {
				s.enterDead(f, true)
			}
		case svcRunning:
			s.enterRunning(f)
		}
	case s.controlPID:
		kind, idx := s.controlKind, s.controlIdx
		delete(m.pids, pid)
		s.controlPID = 0
		if kind >= 0 && idx < len(s.runs[kind]) {
			r := &s.runs[kind][idx]
			r.exit, r.code, r.status = t, code, status
		} else if kind >= 0 {
			s.noteUnseenRun(kind, idx, execRun{exit: t, pid: pid, code: code, status: status})
		}
		ignore := false
		if kind >= 0 {
			c := s.cfg.Exec[kind][idx]
			ignore = c.Flags&unitfile.ExecIgnoreFailure != 0
			m.logProcessExit(s.u, "Control process", c.Path, success || ignore, code, status)
		}
		if ignore {
			f = resSuccess
		}
		if kind == unit.ExecCondition && f != resSuccess {
			if code == cldExited && status > 0 && status < 255 {
				s.u.conditionResult = false
				f = resCondition
				m.logUnit(s.u, LevelDebug, "Skipped due to 'exec-condition'.")
			}
		}
		// More commands of the same list run next.
		if f == resSuccess && kind >= 0 && idx+1 < len(s.cfg.Exec[kind]) {
			s.runControl(kind, idx+1, s.state)
			return
		}
		s.controlKind = -1
		s.controlFinished(f, kind)
	default:
		delete(m.pids, pid)
		// Another process of the unit; with a cgroup it would count for
		// emptiness. Without, only main and control processes matter.
	}
}

// controlFinished moves on once the control process list is done.
func (s *service) controlFinished(f serviceResult, kind int) {
	switch s.state {
	case svcCondition:
		if f == resSuccess {
			s.enterStartPre()
		} else if f == resCondition {
			s.enterSignal(svcStopSigterm, resSuccess)
		} else {
			s.enterSignal(svcStopSigterm, f)
		}
	case svcStartPre:
		if f == resSuccess {
			s.enterStart()
		} else {
			s.enterSignal(svcStopSigterm, f)
		}
	case svcStart:
		// Forking: the parent exited.
		if f != resSuccess {
			s.enterSignal(svcStopSigterm, f)
			return
		}
		if pid, ok := s.readPIDFile(); ok {
			s.mainPID, s.mainPIDKnown = pid, true
			s.u.m.pids[pid] = s.u
		} else if s.cfg.PIDFile != "" {
			s.u.m.logUnit(s.u, LevelWarning, "Can't open PID file %s (yet?) after start: No such file or directory", s.cfg.PIDFile)
		} else if s.cfg.GuessMainPID {
			s.guessMainPID()
		}
		s.enterStartPost()
	case svcStartPost:
		if f == resSuccess {
			s.enterRunning(resSuccess)
		} else {
			s.enterStop(f)
		}
	case svcReload:
		if f != resSuccess {
			s.reloadResult = f
		}
		s.enterRunning(resSuccess)
	case svcStop:
		s.enterSignal(svcStopSigterm, f)
	case svcStopSigterm, svcStopSigkill, svcStopWatchdog:
		if s.mainPID == 0 {
			s.enterStopPost(f)
		}
	case svcStopPost:
		s.enterSignal(svcFinalSigterm, f)
	case svcFinalSigterm, svcFinalSigkill, svcFinalWatchdog:
		if s.mainPID == 0 {
			s.enterDead(f, true)
		}
	}
}

func (s *service) controlFailed(st serviceState, f serviceResult) {
	switch st {
	case svcCondition, svcStartPre, svcStartPost:
		s.enterSignal(svcStopSigterm, f)
	case svcReload:
		s.reloadResult = f
		s.enterRunning(resSuccess)
	case svcStop:
		s.enterSignal(svcStopSigterm, f)
	default:
		s.enterSignal(svcFinalSigterm, f)
	}
}

func (s *service) readPIDFile() (int, bool) {
	if s.cfg.PIDFile == "" {
		return 0, false
	}
	data, err := os.ReadFile(s.cfg.PIDFile)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// logProcessExit is unit_log_process_exit.
func (m *Manager) logProcessExit(u *Unit, kind, command string, success bool, code, status int) {
	level := LevelDebug
	if !success {
		level = LevelWarning
		if code == cldExited {
			level = LevelNotice
		}
	}
	codeName := map[int]string{cldExited: "exited", cldKilled: "killed", cldDumped: "dumped"}[code]
	var what string
	if code == cldExited {
		if what = value.ExitStatusToString(status); what == "" {
			what = "n/a"
		}
	} else {
		what = value.SignalToString(status)
	}
	suffix := ""
	if success {
		suffix = " (success)"
	}
	m.log(LogEntry{Level: level, Unit: u.ID(), Message: fmt.Sprintf("%s: %s exited, code=%s, status=%d/%s%s", u.ID(), kind, codeName, status, what, suffix),
		Fields: []string{"MESSAGE_ID=98e322203f7a4ed290d09fe03c09fe15", "EXIT_CODE=" + codeName, "EXIT_STATUS=" + strconv.Itoa(status),
			"COMMAND=" + command, "INVOCATION_ID=" + u.invocationID}})
}

// props are the service's runtime properties.
func (s *service) props(p map[string]any) {
	for k, name := range execKindNames {
		// Built when asked for: PropertiesChanged only invalidates them.
		k := k
		p[name] = unit.LazyValue(func() (any, bool) { return s.execStatuses(k), true })
		p[name+"Ex"] = unit.LazyValue(func() (any, bool) { return s.execStatusesEx(k), true })
	}
	if s.uid >= 0 {
		p["UID"] = uint32(s.uid)
	}
	if s.gid >= 0 {
		p["GID"] = uint32(s.gid)
	}
	if s.started {
		// The effective watchdog, once the service ran (252 keeps
		// infinity until service_start copies the setting).
		p["WatchdogUSec"] = s.watchdogUSec()
	}
	p["WatchdogTimestamp"] = s.watchdogTimestamp.Realtime
	p["WatchdogTimestampMonotonic"] = s.watchdogTimestamp.Monotonic
	p["NFileDescriptorStore"] = uint32(len(s.fdStore))
	s.u.m.cgroupProps(s.u, p)
	p["MainPID"] = uint32(s.mainPID)
	p["ControlPID"] = uint32(s.controlPID)
	p["Result"] = string(s.result)
	p["ReloadResult"] = string(s.reloadResult)
	p["CleanResult"] = string(s.cleanResult)
	p["NRestarts"] = s.nRestarts
	p["StatusText"] = s.statusText
	p["StatusErrno"] = int32(s.statusErrno)
	p["ExecMainStartTimestamp"] = s.mainRun.start.Realtime
	p["ExecMainStartTimestampMonotonic"] = s.mainRun.start.Monotonic
	p["ExecMainExitTimestamp"] = s.mainRun.exit.Realtime
	p["ExecMainExitTimestampMonotonic"] = s.mainRun.exit.Monotonic
	p["ExecMainPID"] = uint32(s.mainRun.pid)
	p["ExecMainCode"] = int32(s.mainRun.code)
	p["ExecMainStatus"] = int32(s.mainRun.status)
}

// execStatuses are the ExecStart=-style property of command kind k, with
// the runs' PIDs, times and exit statuses.
func (s *service) execStatuses(k int) []unit.ExecStatus {
	list := unit.ExecStatuses(s.cfg.Exec[k])
	for i := range list {
		if r := s.run(k, i); r != nil {
			list[i].StartTime, list[i].StartTimeMonotonic = r.start.Realtime, r.start.Monotonic
			list[i].ExitTime, list[i].ExitTimeMonotonic = r.exit.Realtime, r.exit.Monotonic
			list[i].PID, list[i].Code, list[i].Status = uint32(r.pid), int32(r.code), int32(r.status)
		}
	}
	return list
}

// execStatusesEx is execStatuses for the ExecStartEx=-style property.
func (s *service) execStatusesEx(k int) []unit.ExecStatusEx {
	list := unit.ExecStatusesEx(s.cfg.Exec[k])
	for i := range list {
		if r := s.run(k, i); r != nil {
			list[i].StartTime, list[i].StartTimeMonotonic = r.start.Realtime, r.start.Monotonic
			list[i].ExitTime, list[i].ExitTimeMonotonic = r.exit.Realtime, r.exit.Monotonic
			list[i].PID, list[i].Code, list[i].Status = uint32(r.pid), int32(r.code), int32(r.status)
		}
	}
	return list
}

// run is the i-th command of kind k's last run, nil if it never ran.
func (s *service) run(k, i int) *execRun {
	if i >= len(s.runs[k]) || s.runs[k][i].pid == 0 {
		return nil
	}
	return &s.runs[k][i]
}

// BusNameOwnerChangedLoop tells the services whose BusName= is name that
// the name's owner changed ("" when it has none), as 252's
// service_bus_name_owner_change.
func (m *Manager) BusNameOwnerChangedLoop(name, newOwner string) {
	for _, u := range m.order {
		s, ok := u.kind.(*service)
		if !ok || s.cfg.BusName != name {
			continue
		}
		if newOwner != "" {
			m.logUnit(u, LevelDebug, "D-Bus name %s now owned by %s", name, newOwner)
		} else {
			m.logUnit(u, LevelDebug, "D-Bus name %s now not owned by anyone.", name)
		}
		s.busNameGood = newOwner != ""
		if s.cfg.Type == "dbus" {
			switch {
			case s.state == svcRunning:
				s.enterRunning(resSuccess)
			case s.state == svcStart && newOwner != "":
				s.enterStartPost()
			}
		}
	}
}

// WatchedBusNamesLoop lists the BusName= of the loaded services, whose
// owners the bus layer reports.
func (m *Manager) WatchedBusNamesLoop() []string {
	var out []string
	for _, u := range m.order {
		if s, ok := u.kind.(*service); ok && s.cfg.BusName != "" {
			out = append(out, s.cfg.BusName)
		}
	}
	return out
}

// clean is service_clean: the directories go in the "cleaning" state,
// after which the service is dead again.
func (s *service) clean(mask CleanMask) error {
	if s.state != svcDead {
		return syscall.EBUSY
	}
	dirs := cleanDirectories(s.u.cfg.Exec, mask)
	if len(dirs) == 0 {
		return syscall.EUNATCH
	}
	s.cleanResult = resSuccess
	s.setState(svcCleaning)
	s.armTimer(s.u.cfg.Exec.TimeoutCleanUSec)
	s.u.m.removeTrees(s.u, dirs, func(ok bool) {
		if s.state != svcCleaning {
			return
		}
		if !ok && s.cleanResult == resSuccess {
			s.cleanResult = resExitCode
		}
		s.enterDead(resSuccess, false)
	})
	return nil
}
