package manager

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

// mountState is a mount's sub-state (252's MountState).
type mountState int

const (
	mntDead mountState = iota
	mntMounting
	mntMountingDone
	mntMounted
	mntRemounting
	mntUnmounting
	mntRemountingSigterm
	mntRemountingSigkill
	mntUnmountingSigterm
	mntUnmountingSigkill
	mntFailed
	mntCleaning
)

var mountStateNames = [...]string{"dead", "mounting", "mounting-done", "mounted", "remounting", "unmounting",
	"remounting-sigterm", "remounting-sigkill", "unmounting-sigterm", "unmounting-sigkill", "failed", "cleaning"}

// mountActive maps sub-states to active states (state_translation_table).
var mountActive = [...]state.Active{
	mntDead: state.Inactive, mntMounting: state.Activating, mntMountingDone: state.Activating,
	mntMounted: state.Active_, mntRemounting: state.Reloading, mntUnmounting: state.Deactivating,
	mntRemountingSigterm: state.Reloading, mntRemountingSigkill: state.Reloading,
	mntUnmountingSigterm: state.Deactivating, mntUnmountingSigkill: state.Deactivating,
	mntFailed: state.Failed, mntCleaning: state.Maintenance,
}

// withProcess are the states with a control process (and a timer).
func (s mountState) withProcess() bool {
	switch s {
	case mntMounting, mntMountingDone, mntRemounting, mntRemountingSigterm, mntRemountingSigkill,
		mntUnmounting, mntUnmountingSigterm, mntUnmountingSigkill, mntCleaning:
		return true
	}
	return false
}

// mountResult is 252's MountResult.
type mountResult string

const (
	mntSuccess       mountResult = "success"
	mntResources     mountResult = "resources"
	mntTimeout       mountResult = "timeout"
	mntExitCode      mountResult = "exit-code"
	mntSignal        mountResult = "signal"
	mntCoreDump      mountResult = "core-dump"
	mntStartLimitHit mountResult = "start-limit-hit"
	mntProtocol      mountResult = "protocol"
)

// The control commands, as 252 names them (mount_exec_command_table).
const (
	mountExecMount = iota
	mountExecUnmount
	mountExecRemount
)

var mountExecNames = [...]string{"ExecMount", "ExecUnmount", "ExecRemount"}

// Where the commands live in Debian's build of 252 (MOUNT_PATH,
// UMOUNT_PATH).
const (
	mountPath  = "/bin/mount"
	umountPath = "/bin/umount"
)

// retryUmountMax bounds the umount retries of stacked mounts.
const retryUmountMax = 32

// procSelfMountinfo is the mount table that mount units follow.
var procSelfMountinfo = "/proc/self/mountinfo"

// mount is the mount unit type.
type mount struct {
	u *Unit
	t *mountTable

	state                             mountState
	result, reloadResult, cleanResult mountResult

	// fromProc and proc are 252's from_proc_self_mountinfo and
	// parameters_proc_self_mountinfo: the kernel has the mount, with
	// these values.
	fromProc bool
	proc     unit.KernelEntry

	controlPID   int
	controlCmd   int // index into exec, -1 for none
	exec         [3]controlCmd
	timer        *timerEntry
	nRetryUmount int
}

func init() {
	typeConstructors[unitname.Mount] = func(u *Unit) unitType { return newMount(u) }
	// Mounts come first: every other unit may need the mount table to
	// load (RequiresMountsFor=).
	enumerators = append([]func(*Manager){enumerateMounts}, enumerators...)
}

func newMount(u *Unit) *mount {
	t := mountsOf(u.m)
	x := &mount{u: u, t: t, result: mntSuccess, reloadResult: mntSuccess, cleanResult: mntSuccess, controlCmd: -1}
	// A unit loaded because the kernel has it follows the table in the
	// pass over it that loaded it.
	if t.fromScan[u.ID()] && u.cfg.SourcePath == "" && !u.cfg.Perpetual {
		u.cfg.SourcePath = procSelfMountinfo
	}
	// Nothing tested the conditions of a mount that only appeared.
	u.conditionResult, u.assertResult = false, false
	return x
}

func (x *mount) activeState() state.Active { return mountActive[x.state] }
func (x *mount) subState() string          { return mountStateNames[x.state] }
func (x *mount) canReload() bool           { return true }

// mayGC is mount_may_gc: a mount the kernel has stays.
func (x *mount) mayGC() bool { return !x.fromProc }

// where is the mount point.
func (x *mount) where() string {
	if w := x.u.cfg.Mount.Where; w != "" {
		return w
	}
	p, _ := unitname.ToPath(x.u.ID())
	return p
}

// fragment is 252's get_mount_parameters_fragment: the unit file's
// values, nil without a file.
func (x *mount) fragment() *unit.Mount {
	if x.u.cfg.FragmentPath == "" {
		return nil
	}
	return x.u.cfg.Mount
}

// setState is mount_set_state.
func (x *mount) setState(ns mountState) {
	os := x.state
	x.state = ns
	if !ns.withProcess() {
		x.timer.cancel()
		x.timer = nil
		x.unwatchControl()
		x.controlCmd = -1
	}
	if os != ns {
		x.u.m.logUnit(x.u, LevelDebug, "Changed %s -> %s", mountStateNames[os], mountStateNames[ns])
	}
	x.u.notify(mountActive[os], mountActive[ns], x.reloadResult == mntSuccess)
}

func (x *mount) unwatchControl() {
	if x.controlPID > 0 {
		x.u.m.unwatchPIDLoop(x.controlPID, x.u)
		x.controlPID = 0
	}
}

func (x *mount) armTimer() {
	x.timer.cancel()
	x.timer = x.u.m.usecTimer(x.u.cfg.Mount.TimeoutUSec, x.timeout)
}

// cycleClear forgets the last cycle's results (mount_cycle_clear).
func (x *mount) cycleClear() {
	x.result, x.reloadResult = mntSuccess, mntSuccess
	for i := range x.exec {
		x.exec[i].run = execRun{}
	}
}

func (x *mount) start() error {
	switch x.state {
	case mntUnmounting, mntUnmountingSigterm, mntUnmountingSigkill, mntCleaning:
		return errAgain
	case mntMounting, mntMountingDone:
		return nil
	}
	x.u.invocationID = newInvocationID()
	x.cycleClear()
	x.enterMounting()
	return nil
}

func (x *mount) stop() error {
	switch x.state {
	case mntUnmounting, mntUnmountingSigterm, mntUnmountingSigkill:
	case mntMounting, mntMountingDone, mntRemounting:
		x.enterSignal(mntUnmountingSigterm, mntSuccess)
	case mntRemountingSigterm:
		x.setState(mntUnmountingSigterm)
	case mntRemountingSigkill:
		x.setState(mntUnmountingSigkill)
	case mntMounted:
		x.enterUnmounting()
		return nil
	case mntCleaning:
		x.enterSignal(mntUnmountingSigkill, mntSuccess)
	}
	return errQuiet
}

func (x *mount) reload() error {
	x.enterRemounting()
	return nil
}

func (x *mount) resetFailed() {
	if x.state == mntFailed {
		x.setState(mntDead)
	}
	x.result, x.reloadResult, x.cleanResult = mntSuccess, mntSuccess, mntSuccess
}

// enterDead is mount_enter_dead.
func (x *mount) enterDead(f mountResult) {
	if x.result == mntSuccess {
		x.result = f
	}
	x.u.m.logResult(x.u, string(x.result))
	if x.result != mntSuccess {
		x.setState(mntFailed)
	} else {
		x.setState(mntDead)
	}
}

// logResult is unit_log_result for a system manager.
func (m *Manager) logResult(u *Unit, result string) {
	if result == "success" {
		m.log(LogEntry{Level: LevelInfo, Unit: u.ID(), Message: u.ID() + ": Deactivated successfully.",
			Fields: []string{"MESSAGE_ID=7ad2d189f7e94e70a38c781354912448", "INVOCATION_ID=" + u.invocationID}})
		return
	}
	m.log(LogEntry{Level: LevelWarning, Unit: u.ID(), Message: fmt.Sprintf("%s: Failed with result '%s'.", u.ID(), result),
		Fields: []string{"MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c", "INVOCATION_ID=" + u.invocationID, "UNIT_RESULT=" + result}})
}

func (x *mount) enterMounted(f mountResult) {
	if x.result == mntSuccess {
		x.result = f
	}
	x.setState(mntMounted)
}

// enterDeadOrMounted follows what the kernel says after an operation.
func (x *mount) enterDeadOrMounted(f mountResult) {
	if x.fromProc {
		x.enterMounted(f)
	} else {
		x.enterDead(f)
	}
}

// enterSignal is mount_enter_signal.
func (x *mount) enterSignal(st mountState, f mountResult) {
	if x.result == mntSuccess {
		x.result = f
	}
	op := killTerminate
	switch st {
	case mntRemountingSigterm:
		op = killRestart
	case mntRemountingSigkill, mntUnmountingSigkill:
		op = killKill
	}
	if x.u.m.killContext(x.u, op, 0, x.controlPID, false) {
		x.armTimer()
		x.setState(st)
		return
	}
	sendKill := x.u.cfg.Kill == nil || x.u.cfg.Kill.SendSIGKILL
	switch {
	case st == mntRemountingSigterm && sendKill:
		x.enterSignal(mntRemountingSigkill, mntSuccess)
	case st == mntRemountingSigterm || st == mntRemountingSigkill:
		x.enterMounted(mntSuccess)
	case st == mntUnmountingSigterm && sendKill:
		x.enterSignal(mntUnmountingSigkill, mntSuccess)
	default:
		x.enterDeadOrMounted(mntSuccess)
	}
}

// spawn runs command c as the control process in state st.
func (x *mount) spawn(c int, argv []string, st mountState) error {
	x.controlCmd = c
	x.exec[c].set(argv)
	x.unwatchControl()
	x.armTimer()
	pid, err := x.u.m.spawnControl(x.u, &x.exec[c])
	if err != nil {
		return err
	}
	x.controlPID = pid
	x.setState(st)
	return nil
}

// enterUnmounting is mount_enter_unmounting.
func (x *mount) enterUnmounting() {
	switch x.state {
	case mntUnmounting, mntUnmountingSigterm, mntUnmountingSigkill:
	default:
		x.nRetryUmount = 0
	}
	argv := []string{umountPath, x.where(), "-c"}
	if x.u.cfg.Mount.LazyUnmount {
		argv = append(argv, "-l")
	}
	if x.u.cfg.Mount.ForceUnmount {
		argv = append(argv, "-f")
	}
	if err := x.spawn(mountExecUnmount, argv, mntUnmounting); err != nil {
		x.u.m.logUnit(x.u, LevelWarning, "Failed to run 'umount' task: %s", errnoText(err))
		x.enterDeadOrMounted(mntResources)
	}
}

// enterMounting is mount_enter_mounting.
func (x *mount) enterMounting() {
	m, u := x.u.m, x.u
	where := x.where()
	if err := m.failIfNoncanonical(u, where); err != nil {
		m.logUnit(u, LevelWarning, "Failed to run 'mount' task: %s", errnoText(err))
		x.enterDeadOrMounted(mntResources)
		return
	}
	p := x.fragment()
	sourceIsDir := true
	if p != nil && mountOptsBind(p.Options, p.FSType) {
		fi, err := os.Stat(p.What)
		switch {
		case err != nil && !errors.Is(err, os.ErrNotExist):
			m.logUnit(u, LevelInfo, "Failed to determine type of bind mount source '%s', ignoring: %s", p.What, errnoText(err))
		case err == nil && !fi.IsDir():
			sourceIsDir = false
		}
	}
	var err error
	if sourceIsDir {
		err = mkdirParents(where, os.FileMode(u.cfg.Mount.DirectoryMode))
	} else {
		err = touchParents(where)
	}
	if err != nil && !errors.Is(err, os.ErrExist) {
		m.logUnit(u, LevelWarning, "Failed to create mount point '%s', ignoring: %s", where, errnoText(err))
	}
	if sourceIsDir {
		m.warnIfDirNonempty(u, where)
	}
	if p != nil && mountOptsBind(p.Options, p.FSType) {
		if err := mkdirParents(p.What, os.FileMode(u.cfg.Mount.DirectoryMode)); err != nil && !errors.Is(err, os.ErrExist) {
			level := LevelWarning
			if errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
				level = LevelDebug
			}
			m.logUnit(u, level, "Failed to make bind mount source '%s', ignoring: %s", p.What, errnoText(err))
		}
	}
	if p == nil {
		m.logUnit(u, LevelWarning, "Failed to run 'mount' task: %s", errnoText(syscall.ENOENT))
		x.enterDeadOrMounted(mntResources)
		return
	}
	argv := mountArgv(p, where, u.cfg.Mount.SloppyOptions, u.cfg.Mount.ReadWriteOnly)
	if err := x.spawn(mountExecMount, argv, mntMounting); err != nil {
		m.logUnit(u, LevelWarning, "Failed to run 'mount' task: %s", errnoText(err))
		x.enterDeadOrMounted(mntResources)
	}
}

// mountArgv is the mount(8) command line 252 runs for a unit file's
// values.
func mountArgv(p *unit.Mount, where string, sloppy, rwOnly bool) []string {
	argv := []string{mountPath, p.What, where}
	if sloppy {
		argv = append(argv, "-s")
	}
	if rwOnly {
		argv = append(argv, "-w")
	}
	if p.FSType != "" {
		argv = append(argv, "-t", p.FSType)
	}
	if opts := filterMountOptions(p.Options, "nofail", "noauto", "auto"); opts != "" {
		argv = append(argv, "-o", opts)
	}
	return argv
}

// remountArgv is the mount(8) command line of a reload.
func remountArgv(p *unit.Mount, where string, sloppy, rwOnly bool) []string {
	o := "remount"
	if p.Options != "" {
		o = "remount," + p.Options
	}
	argv := []string{mountPath, p.What, where, "-o", o}
	if sloppy {
		argv = append(argv, "-s")
	}
	if rwOnly {
		argv = append(argv, "-w")
	}
	if p.FSType != "" {
		argv = append(argv, "-t", p.FSType)
	}
	return argv
}

// enterRemounting is mount_enter_remounting.
func (x *mount) enterRemounting() {
	x.reloadResult = mntSuccess
	p := x.fragment()
	var err error = syscall.ENOENT
	if p != nil {
		err = x.spawn(mountExecRemount, remountArgv(p, x.where(), x.u.cfg.Mount.SloppyOptions, x.u.cfg.Mount.ReadWriteOnly), mntRemounting)
	}
	if err != nil {
		x.u.m.logUnit(x.u, LevelWarning, "Failed to run 'remount' task: %s", errnoText(err))
		x.setReloadResult(mntResources)
		x.enterDeadOrMounted(mntSuccess)
	}
}

func (x *mount) setReloadResult(r mountResult) {
	if x.reloadResult == mntSuccess {
		x.reloadResult = r
	}
}

// childExited is mount_sigchld_event.
func (x *mount) childExited(pid, code, status int) {
	if pid != x.controlPID {
		return
	}
	m := x.u.m
	// The table first: a mount(8) that succeeded must be seen mounted.
	x.t.rescan(m)
	m.unwatchPIDLoop(pid, x.u)
	x.controlPID = 0
	f := mntSuccess
	switch {
	case code == cldExited && status == 0:
	case code == cldExited:
		f = mntExitCode
	case code == cldKilled:
		f = mntSignal
	default:
		f = mntCoreDump
	}
	switch x.state {
	case mntRemounting, mntRemountingSigkill, mntRemountingSigterm:
		x.setReloadResult(f)
	case mntMounting, mntUnmounting:
	default:
		if x.result == mntSuccess {
			x.result = f
		}
	}
	if x.controlCmd >= 0 {
		x.exec[x.controlCmd].exited(code, status)
		x.controlCmd = -1
	}
	m.logProcessExit(x.u, "Mount process", "n/a", f == mntSuccess, code, status)

	switch x.state {
	case mntMounting:
		if f == mntSuccess {
			m.logUnit(x.u, LevelWarning, "Mount process finished, but there is no mount.")
			f = mntProtocol
		}
		x.enterDead(f)
	case mntMountingDone:
		x.enterMounted(f)
	case mntRemounting, mntRemountingSigterm, mntRemountingSigkill:
		x.enterDeadOrMounted(mntSuccess)
	case mntUnmounting:
		switch {
		case f == mntSuccess && x.fromProc:
			if x.nRetryUmount < retryUmountMax {
				m.logUnit(x.u, LevelDebug, "Mount still present, trying again.")
				x.nRetryUmount++
				x.enterUnmounting()
			} else {
				m.logUnit(x.u, LevelWarning, "Mount still present after %d attempts to unmount, giving up.", x.nRetryUmount)
				x.enterMounted(mntProtocol)
			}
		case f == mntExitCode && !x.fromProc:
			m.logUnit(x.u, LevelNotice, "Mount disappeared even though umount process failed, continuing.")
			x.enterDead(mntSuccess)
		default:
			x.enterDeadOrMounted(f)
		}
	case mntUnmountingSigterm, mntUnmountingSigkill:
		x.enterDeadOrMounted(f)
	case mntCleaning:
		if x.cleanResult == mntSuccess {
			x.cleanResult = f
		}
		x.enterDead(mntSuccess)
	}
	m.obs.UnitChanged(x.u)
}

// timeout is mount_dispatch_timer.
func (x *mount) timeout() {
	x.timer = nil
	m, u := x.u.m, x.u
	sendKill := u.cfg.Kill == nil || u.cfg.Kill.SendSIGKILL
	switch x.state {
	case mntMounting, mntMountingDone:
		m.logUnit(u, LevelWarning, "Mounting timed out. Terminating.")
		x.enterSignal(mntUnmountingSigterm, mntTimeout)
	case mntRemounting:
		m.logUnit(u, LevelWarning, "Remounting timed out. Terminating remount process.")
		x.setReloadResult(mntTimeout)
		x.enterSignal(mntRemountingSigterm, mntSuccess)
	case mntRemountingSigterm:
		x.setReloadResult(mntTimeout)
		if sendKill {
			m.logUnit(u, LevelWarning, "Remounting timed out. Killing.")
			x.enterSignal(mntRemountingSigkill, mntSuccess)
		} else {
			m.logUnit(u, LevelWarning, "Remounting timed out. Skipping SIGKILL. Ignoring.")
			x.enterDeadOrMounted(mntSuccess)
		}
	case mntRemountingSigkill:
		x.setReloadResult(mntTimeout)
		m.logUnit(u, LevelWarning, "Mount process still around after SIGKILL. Ignoring.")
		x.enterDeadOrMounted(mntSuccess)
	case mntUnmounting:
		m.logUnit(u, LevelWarning, "Unmounting timed out. Terminating.")
		x.enterSignal(mntUnmountingSigterm, mntTimeout)
	case mntUnmountingSigterm:
		if sendKill {
			m.logUnit(u, LevelWarning, "Mount process timed out. Killing.")
			x.enterSignal(mntUnmountingSigkill, mntTimeout)
		} else {
			m.logUnit(u, LevelWarning, "Mount process timed out. Skipping SIGKILL. Ignoring.")
			x.enterDeadOrMounted(mntTimeout)
		}
	case mntUnmountingSigkill:
		m.logUnit(u, LevelWarning, "Mount process still around after SIGKILL. Ignoring.")
		x.enterDeadOrMounted(mntTimeout)
	case mntCleaning:
		m.logUnit(u, LevelWarning, "Cleaning timed out. killing.")
		if x.cleanResult == mntSuccess {
			x.cleanResult = mntTimeout
		}
		// 252 kills its removal process, and ends with its signal;
		// ours is abandoned.
		u.cleanGen++
		x.enterDeadOrMounted(mntSignal)
	}
}

// follow applies one reading of the kernel's table to the unit: the part
// of mount_process_proc_self_mountinfo that runs per mount unit.
func (x *mount) follow(k unit.KernelEntry, inTable bool) {
	u := x.u
	justMounted, justChanged := false, false
	if inTable {
		if !x.fromProc || x.state == mntMounting {
			justMounted = true
		}
		if !x.fromProc || x.proc != k {
			justChanged = true
		}
		switch u.cfg.LoadState {
		case unit.LoadNotFound, unit.LoadBadSetting, unit.LoadError:
			// Referenced before and not loadable then; the kernel's
			// table makes it a unit now.
			u.cfg.LoadState, u.cfg.LoadErr = unit.Loaded, nil
			if u.cfg.Mount != nil && u.cfg.Mount.Where == "" {
				u.cfg.Mount.Where, _ = unitname.ToPath(u.ID())
			}
			justChanged = true
		}
		x.fromProc, x.proc = true, k
		if justChanged {
			// 252 rebuilds the mount's own dependencies from the
			// kernel's values (mount_add_non_exec_dependencies).
			x.swapDepOrigin(unit.MaskMountFile, unit.MaskMountinfo)
		}
	}
	if !inTable && !u.cfg.Perpetual {
		if x.fromProc {
			x.swapDepOrigin(unit.MaskMountinfo, unit.MaskMountFile)
		}
		x.fromProc, x.proc = false, unit.KernelEntry{}
		switch x.state {
		case mntMounted:
			x.enterDead(mntSuccess)
		case mntMountingDone:
			x.setState(mntMounting)
		}
		return
	}
	if !inTable {
		x.fromProc, x.proc = false, unit.KernelEntry{}
	}
	if !justMounted && !justChanged {
		return
	}
	switch x.state {
	case mntDead, mntFailed:
		u.invocationID = newInvocationID()
		x.cycleClear()
		x.enterMounted(mntSuccess)
	case mntMounting:
		x.setState(mntMountingDone)
	default:
		x.setState(x.state)
	}
}

// props are the mount's runtime properties.
func (x *mount) props(p map[string]any) {
	if x.fromProc {
		p["What"] = escapeInvalidUTF8(x.proc.What)
		p["Options"] = escapeInvalidUTF8(x.proc.Options)
		p["Type"] = x.proc.FSType
	} else if x.fragment() == nil {
		p["What"], p["Options"], p["Type"] = "", "", ""
	}
	p["Where"] = x.u.cfg.Mount.Where
	p["ControlPID"] = uint32(x.controlPID)
	p["Result"] = string(x.result)
	p["ReloadResult"] = string(x.reloadResult)
	p["CleanResult"] = string(x.cleanResult)
	for i := range x.exec {
		p[mountExecNames[i]] = x.exec[i].status()
	}
}

// failIfNoncanonical is unit_fail_if_noncanonical: a mount point reached
// through a symlink is refused.
func (m *Manager) failIfNoncanonical(u *Unit, where string) error {
	canon, err := chaseNonexistent(where)
	if err != nil {
		m.logUnit(u, LevelDebug, "Failed to check %s for symlinks, ignoring: %s", where, errnoText(err))
		return nil
	}
	if unitname.PathEqual(where, canon) {
		return nil
	}
	m.log(LogEntry{Level: LevelErr, Unit: u.ID(),
		Message: fmt.Sprintf("%s: Mount path %s is not canonical (contains a symlink).", u.ID(), where),
		Fields:  []string{"MESSAGE_ID=1dee0369c7fc4736b7099b38ecb46ee7", "INVOCATION_ID=" + u.invocationID, "WHERE=" + where}})
	return syscall.ELOOP
}

// warnIfDirNonempty is unit_warn_if_dir_nonempty.
func (m *Manager) warnIfDirNonempty(u *Unit, where string) {
	empty, err := dirIsEmpty(where)
	switch {
	case errors.Is(err, syscall.ENOTDIR) || err == nil && empty:
		return
	case err != nil:
		m.logUnit(u, LevelWarning, "Failed to check directory %s: %s", where, errnoText(err))
		return
	}
	m.log(LogEntry{Level: LevelNotice, Unit: u.ID(),
		Message: fmt.Sprintf("%s: Directory %s to mount over is not empty, mounting anyway.", u.ID(), where),
		Fields:  []string{"MESSAGE_ID=1dee0369c7fc4736b7099b38ecb46ee7", "INVOCATION_ID=" + u.invocationID, "WHERE=" + where}})
}

// chaseNonexistent resolves the symlinks of the existing part of p and
// keeps the rest as written (chase_symlinks with CHASE_NONEXISTENT).
func chaseNonexistent(p string) (string, error) {
	p = filepath.Clean(p)
	rest := ""
	for cur := p; ; {
		r, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

func dirIsEmpty(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, syscall.ENOTDIR
	}
	names, err := f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return len(names) == 0, err
}

// mkdirParents is mkdir_p with the last component's mode.
func mkdirParents(p string, mode os.FileMode) error {
	if fi, err := os.Stat(p); err == nil {
		if fi.IsDir() {
			return nil
		}
		return os.ErrExist
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.Mkdir(p, mode)
}

// touchParents creates an empty file and its parent directories.
func touchParents(p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|unix.O_NOCTTY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// errnoText is how 252's %m renders an error: strerror of its errno.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return value.Strerror(errno)
	}
	return err.Error()
}

// mountOptsBind is mount_is_bind for option and type strings.
func mountOptsBind(options, fstype string) bool {
	return fstabHas(options, "bind") || fstabHas(options, "rbind") || fstype == "bind" || fstype == "rbind"
}

// fstabHas is fstab_test_option for one name: the option bare or with a
// value.
func fstabHas(options, name string) bool {
	for _, o := range strings.Split(options, ",") {
		if o == name || strings.HasPrefix(o, name+"=") {
			return true
		}
	}
	return false
}

// mountTable is the mount table a manager follows: the units the kernel
// has and the watch that tells of changes.
type mountTable struct {
	// current is the last reading, by unit name.
	current map[string]unit.KernelEntry
	// fromScan are the units being created because the table has them
	// (SourcePath=/proc/self/mountinfo), while they load.
	fromScan map[string]bool
	watch    procWatch
	watching bool
	// scanning guards against re-reading from within a reading (a
	// control process reaped while the pass notifies).
	scanning bool
	// held counts the mount helpers running (MountInNamespaceLoop):
	// 252 mounts into a namespace synchronously, its loop blind to the
	// table meanwhile, so the helper's short-lived mounts are never
	// seen; rescans wait for them (deferred) likewise.
	held     int
	deferred bool
}

// holdRescans makes the mount table wait for releaseRescans.
func (t *mountTable) holdRescans() { t.held++ }

// releaseRescans ends a hold, reading the table if it changed meanwhile.
func (t *mountTable) releaseRescans(m *Manager) {
	if t.held > 0 {
		t.held--
	}
	if t.held == 0 && t.deferred {
		t.deferred = false
		t.rescan(m)
	}
}

// kernelTables are the per-manager state of the mount, swap and device
// types (Manager.kernel).
type kernelTables struct {
	mounts  mountTable
	swaps   swapTable
	devices *deviceTable
}

func kernelOf(m *Manager) *kernelTables {
	if m.kernel == nil {
		m.kernel = &kernelTables{mounts: mountTable{current: map[string]unit.KernelEntry{}, fromScan: map[string]bool{}},
			swaps: swapTable{current: map[string]swapEntry{}}}
	}
	return m.kernel
}

func mountsOf(m *Manager) *mountTable { return &kernelOf(m).mounts }

// installKernelHook lets the loader ask about the kernel's tables (see
// impl/unit's Loader.Kernel). newLoader should set it (daemon-reload
// makes a new loader); until it does, the types set it whenever they
// look at the tables.
func installKernelHook(m *Manager) {
	if m.loader.Kernel == nil {
		m.loader.Kernel = m.kernelEntry
	}
}

// kernelEntry is what the last reading of the mount or swap table says
// of a unit (the loader's Kernel hook).
func (m *Manager) kernelEntry(name string) (unit.KernelEntry, bool) {
	k := kernelOf(m)
	switch unitname.TypeOf(name) {
	case unitname.Mount:
		e, ok := k.mounts.current[name]
		return e, ok
	case unitname.Swap:
		e, ok := k.swaps.current[name]
		return unit.KernelEntry{What: e.what}, ok
	}
	return unit.KernelEntry{}, false
}

// reloadConfig follows daemon-reload's new configuration as 252's
// reload does, which creates the units anew from the table and then
// deserializes their state.
func (x *mount) reloadConfig() {
	u := x.u
	installKernelHook(u.m)
	// Created again from the table: the table is their source.
	if x.fromProc && !u.cfg.Perpetual && u.cfg.SourcePath == "" {
		u.cfg.SourcePath = procSelfMountinfo
	}
	// mount_serialize keeps no command line.
	for i := range x.exec {
		if i != x.controlCmd {
			x.exec[i] = controlCmd{}
		}
	}
	reloadedUnit(u)
}

// reloadedUnit is the end of 252's unit_deserialize: a unit whose state
// never changed has it changed now.
func reloadedUnit(u *Unit) {
	if !u.stateChange.IsSet() {
		u.stateChange = now()
	}
}

// enumerateMounts is mount_enumerate_perpetual and mount_enumerate: -.mount
// exists and is mounted, every mount of the table gets a unit, and the
// table is watched from now on.
func enumerateMounts(m *Manager) {
	installKernelHook(m)
	t := mountsOf(m)
	if u, err := m.LoadUnitLoop(unit.RootMount); err == nil {
		if x, ok := u.kind.(*mount); ok && x.state == mntDead {
			x.setState(mntMounted)
		}
	} else {
		m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to allocate the special %s unit: %v", unit.RootMount, err)})
	}
	t.rescan(m)
	if !t.watching {
		t.watching = true
		m.Watch("mountinfo", func() { t.watch.watch(m, procSelfMountinfo, func() { t.rescan(m) }) })
	}
}

// rescan is mount_process_proc_self_mountinfo: read the table, create the
// units of new mounts, and let every mount unit follow it.
func (t *mountTable) rescan(m *Manager) {
	if t.scanning {
		return
	}
	if t.held > 0 {
		t.deferred = true
		return
	}
	t.scanning = true
	defer func() { t.scanning = false }()
	installKernelHook(m)
	entries, err := readMountinfo(procSelfMountinfo)
	if err != nil {
		m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to parse %s: %s", procSelfMountinfo, errnoText(err))})
		return
	}
	cur, order := mountUnitsOf(entries, func(where string, err error) {
		m.log(LogEntry{Level: LevelWarning, Message: fmt.Sprintf("Failed to generate valid unit name from mount point path '%s', ignoring mount point: %s", where, errnoText(err)),
			Fields: []string{"MESSAGE_ID=1b3bb94037f04bbf81028e135a12d293", "MOUNT_POINT=" + where}})
	})
	t.current = cur
	sources := make([]string, 0, len(entries))
	for _, e := range entries {
		sources = append(sources, e.Source)
	}
	devicesMounted(m, sources)
	var fresh []string
	for _, n := range order {
		if m.units[n] == nil {
			t.fromScan[n] = true
			fresh = append(fresh, n)
		}
	}
	m.loadUnitsLoop(fresh)
	clear(t.fromScan)
	for _, u := range append([]*Unit(nil), m.order...) {
		x, ok := u.kind.(*mount)
		if !ok {
			continue
		}
		k, in := cur[u.ID()]
		m.safely("mount "+u.ID(), func() { x.follow(k, in) })
	}
}

// mountUnitsOf maps a mount table to mount unit names, as
// mount_setup_unit filters it; a later mount on the same point wins.
// order lists the names as first seen.
func mountUnitsOf(entries []mountEntry, badName func(where string, err error)) (map[string]unit.KernelEntry, []string) {
	cur := map[string]unit.KernelEntry{}
	var order []string
	for _, e := range entries {
		if unit.MountPointIsAPI(e.Target) || e.FSType == "autofs" || !strings.Contains(e.Target, "/") {
			continue
		}
		name, err := unitname.FromPath(e.Target, ".mount")
		if err != nil {
			if badName != nil {
				badName(e.Target, err)
			}
			continue
		}
		if _, seen := cur[name]; !seen {
			order = append(order, name)
		}
		cur[name] = unit.KernelEntry{What: e.Source, Options: e.Options, FSType: e.FSType}
	}
	return cur, order
}

// loadUnitsLoop loads several units at once, as 252 queues them and
// dispatches the load queue once.
func (m *Manager) loadUnitsLoop(names []string) {
	if len(names) == 0 {
		return
	}
	for _, n := range names {
		if m.units[n] != nil || m.loader.Unit(n) != nil {
			continue
		}
		frag, dropins, ok := m.resolveFiles(n)
		if ok && m.loader.Unit(n) == nil {
			m.loader.Load(n, frag, dropins)
		}
	}
	m.loader.Finish()
	m.adoptLoaded()
}

// swapDepOrigin marks the mount's dependencies that came from one source
// of mount parameters as coming from the other.
func (x *mount) swapDepOrigin(from, to unit.DepMask) {
	m := x.u.m
	x.u.cfg.SwapDepMask(from, to, func(name string) *unit.Unit {
		if o := m.units[name]; o != nil {
			return o.cfg
		}
		return nil
	})
}
