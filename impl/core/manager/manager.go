package manager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/exec"
	"gosystemd/impl/notify"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitpath"
)

// Log levels, as syslog numbers them.
const (
	LevelErr     = 3
	LevelWarning = 4
	LevelNotice  = 5
	LevelInfo    = 6
	LevelDebug   = 7
)

// LogEntry is one message the manager logs: what systemd 252 logs with
// log_unit_struct (Unit set) or log_struct.
type LogEntry struct {
	Level int
	// Unit is the unit the message is about (UNIT=), "" for the manager.
	Unit string
	// Message is MESSAGE=, already prefixed with "unit: " where 252
	// prefixes it.
	Message string
	// Fields are further journal fields (MESSAGE_ID, JOB_TYPE, ...), in
	// order, as "NAME=value".
	Fields []string
}

// StatusType is a console status line's kind, as 252's: a normal line
// is shown while the status is on, a notice (a job that did not succeed)
// unless it is off, an emergency always.
type StatusType int

const (
	StatusNormal StatusType = iota
	StatusNotice
	StatusEmergency
)

// Observer is told, on the loop goroutine, of what the bus and the
// journal need to hear about. Every method must return quickly and must
// not block on a client.
type Observer interface {
	Log(e LogEntry)
	// Status is a console status line of kind t: "[  OK  ] Started
	// Foo." has status "  OK  " and text "Started Foo."; status ""
	// indents the text, NoStatus prints it alone.
	Status(t StatusType, status, text string)
	UnitNew(u *Unit)
	UnitRemoved(u *Unit)
	UnitChanged(u *Unit)
	JobNew(j *Job)
	JobChanged(j *Job)
	JobRemoved(j *Job)
	StartupFinished(t StartupTimes)
	// Reloading brackets a daemon-reload.
	Reloading(active bool)
}

// TurnEnder is an Observer told when the loop has done a turn's work and
// is about to wait (252 dispatches its D-Bus queue then).
type TurnEnder interface {
	EndOfTurn()
}

// StartupLoader is an Observer told when the startup begins and ends
// loading the units (StartupLoop, after the generators).
type StartupLoader interface {
	LoadingUnits(active bool)
}

// StartupTimes are StartupFinished's arguments (µs).
type StartupTimes struct {
	Firmware, Loader, Kernel, Initrd, Userspace, Total uint64
}

// NopObserver ignores everything; embed it to implement part of Observer.
type NopObserver struct{}

func (NopObserver) Log(LogEntry)                      {}
func (NopObserver) Status(StatusType, string, string) {}
func (NopObserver) UnitNew(*Unit)                     {}
func (NopObserver) UnitRemoved(*Unit)                 {}
func (NopObserver) UnitChanged(*Unit)                 {}
func (NopObserver) JobNew(*Job)                       {}
func (NopObserver) JobChanged(*Job)                   {}
func (NopObserver) JobRemoved(*Job)                   {}
func (NopObserver) StartupFinished(StartupTimes)      {}
func (NopObserver) Reloading(bool)                    {}

// Config is what a manager is started with.
type Config struct {
	Scope unitpath.Scope
	// Root is the root directory unit files are found under ("" is /).
	Root string
	// LookupEnv reads $SYSTEMD_UNIT_PATH and the XDG variables for the
	// unit search path; nil reads the process environment.
	LookupEnv unitpath.Environ
	Defaults  *unit.Defaults
	// Executable is the binary re-executed as the executor; "" is
	// /proc/self/exe.
	Executable string
	// Environment is the manager's environment, which units inherit.
	Environment []string
	// CgroupRoot is the cgroup2 directory the manager owns ("" runs
	// without cgroups: processes are tracked by PID alone).
	CgroupRoot string
	// Generators runs the unit generators at startup.
	Generators bool
	// FirstBoot is whether this is the machine's first boot; FirstBootFile
	// is the flag file that says so while the boot lasts
	// (/run/systemd/first-boot; "" for none).
	FirstBoot     bool
	FirstBootFile string
	// Userspace is when the manager's process began its main (252's
	// UserspaceTimestamp); unset, the process's start as the kernel
	// recorded it stands in.
	Userspace DualTimestamp
	// NoEnumerate leaves out the units the system already has (mounts,
	// swaps): a test manager must not adopt the host's.
	NoEnumerate bool
	// Observer hears about logs, units and jobs; nil is NopObserver.
	Observer Observer
	// Settings are the manager-wide settings the Manager object shows;
	// nil is DefaultSettings.
	Settings *Settings
	// Reconfigure, if set, reads the manager's configuration again at
	// the start of daemon-reload, as 252 re-reads system.conf and the
	// kernel command line: it may change Defaults in place, Environment
	// and Settings.
	Reconfigure func(cfg *Config)
	// NotifyAbove sends an sd_notify message to the manager PID 1 runs
	// under (a container's, through $NOTIFY_SOCKET); nil is notify.Send.
	NotifyAbove func(state string) error
}

// Manager is the service manager's state. Only the Run goroutine may touch
// it; see the package documentation.
type Manager struct {
	// clientEnv is what SetEnvironment and UnsetEnvironment made of the
	// environment (252's client_environment), sorted; it is kept across
	// daemon-reload and daemon-reexec.
	clientEnv []string
	cfg       Config
	obs       Observer
	// firstBoot is whether this is the first boot: -1 not known yet,
	// then 0 or 1 (252's first_boot).
	firstBoot int8
	lookup    *unitpath.LookupPaths
	names     *unitpath.NameMap
	extras    map[string]extras // aliases and .wants/.requires of resolved units
	// transient names the units created over the bus, whose files are
	// in the transient directory.
	transient map[string]bool
	// fileStates caches UnitFileState by unit file name.
	fileStates map[string]string
	loader     *unit.Loader
	units      map[string]*Unit // by every name, aliases included
	order      []*Unit          // loaded units, in load order, once each
	jobs       map[uint32]*Job
	// afterGenerators runs once, after the startup's generators
	// (SetAfterGenerators).
	afterGenerators func()
	lastJob         uint32
	// nInstalledJobs counts the jobs installed (NInstalledJobs).
	nInstalledJobs uint32
	// nFailedJobs counts the jobs that ended failed or invalid
	// (NFailedJobs).
	nFailedJobs uint32
	// nRunningJobs counts the jobs running (setJobRunning); the
	// jobs-in-progress line (inprogress.go) is timed by jobsInProgress
	// and cycles with jobsInProgressIteration.
	nRunningJobs            int
	jobsInProgress          *timerEntry
	jobsInProgressIteration int
	// statusFlippedOn is whether the observer turned ShowStatus=auto on
	// for a job that took long (AutoStatusFlipper).
	statusFlippedOn bool
	// nOnConsole counts the units whose processes may use the console
	// (updateOnConsole).
	nOnConsole int
	// fdWatch drops stored fds whose other end hung up.
	fdWatch  fdStoreWatch
	runQueue runQueue
	gcQueue  []*Unit

	pids map[int]*Unit // processes a unit waits for
	// runtimes are the exec runtimes by the ID of the unit that made
	// them (execruntime.go).
	runtimes map[string]*execRuntime
	notify   *notify.Receiver
	// kernel holds what the mount, swap and device types read from the
	// kernel's tables.
	kernel *kernelTables
	// conditions evaluates Condition*= and Assert*=, caching host facts.
	conditions *condition.Evaluator
	timers     timerHeap
	posted     chan func()
	// first runs once as Run starts, before any event (RunFirst).
	first   func()
	started time.Time
	// startupDone is set once the initial transaction's jobs are gone.
	startupDone bool
	startupJob  *Job

	// cgroupSupportedMask is cgroupSupported's answer, once read.
	cgroupSupportedMask unit.CGroupMask
	cgroupSupportedRead bool

	// readySent and statusReady are 252's ready_sent and status_ready:
	// READY=1 went to the manager above, and no other STATUS= since.
	readySent, statusReady bool

	exiting    bool
	reloading  bool
	exitCode   int
	objective  Objective
	switchRoot switchRootState
	// reexec is what daemon-reexec carries over (serialize.go).
	reexec reexecState
	// freezer is whether cgroup.freeze exists: 0 not yet known, 1 yes,
	// -1 no (freezer.go).
	freezer int8
}

// New prepares a manager: lookup paths and the unit file map. It starts
// nothing.
func New(cfg Config) (*Manager, error) {
	if cfg.Observer == nil {
		cfg.Observer = NopObserver{}
	}
	if cfg.Defaults == nil {
		cfg.Defaults = unit.NewDefaults()
	}
	env := cfg.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	lp, err := unitpath.Init(cfg.Scope, unitpath.Options{Root: cfg.Root, Env: env})
	if err != nil {
		return nil, fmt.Errorf("initializing unit search path: %w", err)
	}
	m := &Manager{
		cfg:        cfg,
		obs:        cfg.Observer,
		firstBoot:  -1,
		lookup:     lp,
		units:      map[string]*Unit{},
		jobs:       map[uint32]*Job{},
		pids:       map[int]*Unit{},
		extras:     map[string]extras{},
		transient:  map[string]bool{},
		fileStates: map[string]string{},
		posted:     make(chan func(), 1024),
	}
	m.reexec.phases.userspace = cfg.Userspace
	// With generators to run, the name map is read after them
	// (StartupLoop), as 252 reads the unit path once; until then it is
	// read when first needed.
	if !cfg.Generators {
		if err := m.rebuildNameMap(); err != nil {
			return nil, err
		}
	}
	if cfg.Defaults.Presets == nil {
		cfg.Defaults.Presets = m.presetPolicy()
	}
	m.loader = m.newLoader()
	return m, nil
}

// Post hands fn to the loop goroutine. It may block while the loop is
// busy (the queue is bounded); it must not be called from the loop.
func (m *Manager) Post(fn func()) { m.posted <- fn }

// RunFirst has fn run on the loop goroutine as the next Run starts,
// before any child is reaped, signal handled or notification read. The
// startup goes there, a deserializing one above all: the processes the
// previous manager watched may have ended while no manager ran, and their
// ends must reach the units restored, as 252 deserializes before its
// event loop dispatches anything.
func (m *Manager) RunFirst(fn func()) { m.first = fn }

// errExit ends Run.
var errExit = errors.New("manager exiting")

// Run is the event loop. It returns when ctx ends or the manager is told
// to exit, with the exit code systemd would use.
func (m *Manager) Run(ctx context.Context) (int, error) {
	if m.started.IsZero() {
		// Kept from the previous process after daemon-reexec.
		m.started = time.Now()
		m.reexec.startedMono = now().Monotonic
	}
	sigs := make(chan os.Signal, 64)
	// Every signal a manager can get is noted here, so that none takes
	// the runtime's default action (death, for PID 1 a kernel panic).
	signal.Notify(sigs, handledSignals()...)
	signal.Ignore(unix.SIGPIPE)
	defer signal.Stop(sigs)
	if fn := m.first; fn != nil {
		m.first = nil
		m.safely("startup", fn)
	}
	m.reapAll()
	var lastTimer *time.Timer
	for {
		if lastTimer != nil {
			lastTimer.Stop()
			lastTimer = nil
		}
		// Signals that came (SIGCHLD above all) are handled before the
		// jobs run, as 252's signal source outranks its idle-priority
		// run queue.
	pending:
		for {
			select {
			case s := <-sigs:
				m.safely("signal", func() { m.handleSignal(s.(unix.Signal)) })
			default:
				break pending
			}
		}
		m.dispatchRunQueue()
		// Garbage is collected before the next event is taken, as 252's
		// manager_loop dispatches its gc queue: a unit a bus call loaded
		// and nothing keeps is gone before the next call sees the units.
		m.safely("gc", m.collectGarbage)
		if te, ok := m.obs.(TurnEnder); ok {
			m.safely("end of turn", te.EndOfTurn)
		}
		if m.exiting {
			return m.exitCode, nil
		}
		var timer <-chan time.Time
		var t *time.Timer
		if d, ok := m.timers.next(time.Now()); ok {
			t = time.NewTimer(d)
			timer = t.C
			lastTimer = t
		}
		var notifyCh <-chan notify.Event
		if m.notify != nil {
			notifyCh = m.notify.Events()
		}
		select {
		case ev, ok := <-notifyCh:
			if !ok {
				m.notify = nil
				continue
			}
			m.safely("notification", func() { m.handleNotify(ev) })
		case <-ctx.Done():
			return m.exitCode, ctx.Err()
		case fn := <-m.posted:
			m.safely("posted call", fn)
		case s := <-sigs:
			m.safely("signal", func() { m.handleSignal(s.(unix.Signal)) })
		case <-timer:
			m.safely("timer", func() { m.timers.fire(time.Now()) })
		}
	}
}

// safely runs fn and turns a panic into a log line: one unit's bug must
// not take PID 1 down.
func (m *Manager) safely(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Caught panic in %s: %v\n%s", what, r, debug.Stack())})
		}
	}()
	fn()
}

// goSafe starts a goroutine that cannot crash the process.
func goSafe(report func(error), fn func()) {
	go func() {
		defer func() {
			if r := recover(); r != nil && report != nil {
				report(fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
			}
		}()
		fn()
	}()
}

// sigRTMin is the first real-time signal as glibc numbers it (SIGRTMIN).
const sigRTMin = 34

// handledSignals are the signals the manager acts on, as 252's signal
// table lists them; every one is noted so none takes its default action.
func handledSignals() []os.Signal {
	l := []os.Signal{unix.SIGCHLD, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGUSR1, unix.SIGUSR2,
		unix.SIGPWR, unix.SIGWINCH, unix.SIGQUIT}
	for n := 0; n <= 29; n++ {
		l = append(l, unix.Signal(sigRTMin+n))
	}
	return l
}

// rtTargets are what SIGRTMIN+0..6 start, and how.
var rtTargets = []struct {
	target string
	mode   job.Mode
}{
	{"default.target", job.Isolate}, {"rescue.target", job.Isolate}, {"emergency.target", job.Isolate},
	{"halt.target", job.ReplaceIrreversibly}, {"poweroff.target", job.ReplaceIrreversibly},
	{"reboot.target", job.ReplaceIrreversibly}, {"kexec.target", job.ReplaceIrreversibly},
}

// handleSignal is manager_dispatch_signal_fd.
func (m *Manager) handleSignal(s unix.Signal) {
	system := m.cfg.Scope == unitpath.System
	switch s {
	case unix.SIGCHLD:
		m.reapAll()
	case unix.SIGTERM:
		if !system || os.Getpid() != 1 {
			m.setObjective(ObjectiveExit)
		} else {
			// As 252's PID 1, for sysvinit's sake: SIGTERM re-executes.
			m.setObjective(ObjectiveReexecute)
		}
	case unix.SIGINT:
		if system && os.Getpid() == 1 {
			m.startSpecial("ctrl-alt-del.target", job.ReplaceIrreversibly)
		} else {
			m.setObjective(ObjectiveExit)
		}
	case unix.SIGHUP:
		// As 252: SIGHUP is daemon-reload.
		m.ReloadLoop()
	case unix.SIGWINCH:
		if system {
			m.startSpecial("kbrequest.target", job.Replace)
		}
	case unix.SIGPWR:
		if system {
			m.startSpecial("sigpwr.target", job.Replace)
		}
	default:
		n := int(s) - sigRTMin
		switch {
		case n >= 0 && n < len(rtTargets):
			m.startSpecial(rtTargets[n].target, rtTargets[n].mode)
		case n >= 13 && n <= 16:
			m.setObjective([]Objective{ObjectiveHalt, ObjectivePoweroff, ObjectiveReboot, ObjectiveKexec}[n-13])
		case n == 25:
			m.setObjective(ObjectiveReexecute)
		}
	}
}

// startSpecial is manager_start_special.
func (m *Manager) startSpecial(name string, mode job.Mode) {
	u, err := m.LoadUnitLoop(name)
	if err == nil {
		_, err = m.EnqueueLoop(jobStart, u, mode)
	}
	if err != nil {
		m.log(LogEntry{Level: LevelWarning, Message: fmt.Sprintf("Failed to enqueue %s job: %v", name, err)})
		return
	}
	s := m.unitStatusString(u, false)
	m.log(LogEntry{Level: LevelInfo, Message: fmt.Sprintf("Activating special unit %s...", s)})
	m.notifyStatus("STATUS=Activating special unit " + s + "...")
}

// notifyAbove sends state to the manager above, as sd_notify.
func (m *Manager) notifyAbove(state string) error {
	if m.cfg.NotifyAbove != nil {
		return m.cfg.NotifyAbove(state)
	}
	return notify.Send(state)
}

// notifyStatus sends a STATUS= other than "Ready." above; the next
// check of the finished state sends READY=1 again.
func (m *Manager) notifyStatus(state string) {
	_ = m.notifyAbove(state)
	m.statusReady = false
}

// sendReady is manager_send_ready: READY=1 and "STATUS=Ready." once
// there are no jobs, unless nothing was said since.
func (m *Manager) sendReady() {
	if m.readySent && m.statusReady {
		return
	}
	if err := m.notifyAbove("READY=1\nSTATUS=Ready."); err != nil {
		level := LevelWarning
		if m.readySent {
			level = LevelDebug
		}
		m.log(LogEntry{Level: level, Message: "Failed to send readiness notification, ignoring: " + dumpErrno(err)})
	}
	m.readySent, m.statusReady = true, true
}

func (m *Manager) log(e LogEntry) { m.obs.Log(e) }

// ConsoleLogger is an Observer that can tell when its log reaches only
// the console (252's log_on_console).
type ConsoleLogger interface {
	LogOnConsole() bool
}

func (m *Manager) logOnConsole() bool {
	c, ok := m.obs.(ConsoleLogger)
	return ok && c.LogOnConsole()
}

// logUnit logs "unit: message" about u.
func (m *Manager) logUnit(u *Unit, level int, format string, args ...any) {
	m.log(LogEntry{Level: level, Unit: u.ID(), Message: u.ID() + ": " + fmt.Sprintf(format, args...)})
}

// ExitLoop makes Run return with code.
func (m *Manager) ExitLoop(code int) {
	m.setObjective(ObjectiveExit)
	m.exitCode = code
}

// Config returns the configuration the manager runs with.
func (m *Manager) Config() Config { return m.cfg }

// ResetFailedLoop is unit_reset_failed.
func (m *Manager) ResetFailedLoop(u *Unit) { u.resetFailedLoop() }

// StatusStringLoop is how lists name u (252's unit_description): its
// description, or its name without one.
func (m *Manager) StatusStringLoop(u *Unit) string {
	if u.cfg.Description != "" {
		return u.cfg.Description
	}
	return u.ID()
}

// UnitByPIDLoop is the unit a watched process belongs to; the manager's
// own PID belongs to init.scope.
func (m *Manager) UnitByPIDLoop(pid int) *Unit {
	if u := m.pids[pid]; u != nil {
		return u
	}
	if pid == os.Getpid() {
		return m.units["init.scope"]
	}
	// manager_get_unit_by_pid_cgroup: the unit of the process's cgroup.
	if pid <= 0 {
		return nil
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil
	}
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return m.UnitByCgroupLoop(p)
		}
	}
	return nil
}

// CancelJobLoop cancels a job (job_finish_and_invalidate with canceled).
func (m *Manager) CancelJobLoop(j *Job) {
	if m.jobs[j.id] == j {
		m.finishJob(j, resultCanceled, true, false)
	}
}

// EffectiveEnvironmentLoop is the environment units get: the manager's,
// with the client's assignments over it.
func (m *Manager) EffectiveEnvironmentLoop() []string {
	return exec.MergeEnv(m.cfg.Environment, m.clientEnv)
}

// ModifyEnvironmentLoop is manager_client_environment_modify: minus
// (names or assignments) is taken out of the client's environment, then
// plus (assignments) merged in.
func (m *Manager) ModifyEnvironmentLoop(minus, plus []string) {
	env := m.clientEnv
	if len(minus) > 0 {
		env = exec.DeleteEnv(env, minus)
	}
	if len(plus) > 0 {
		env = exec.MergeEnv(env, plus)
	}
	sort.Strings(env)
	m.clientEnv = env
}

// ClearJobsLoop is manager_clear_jobs: every job is canceled, without
// canceling what depends on it.
func (m *Manager) ClearJobsLoop() {
	for _, j := range m.JobsLoop() {
		if m.jobs[j.id] == j {
			m.finishJob(j, resultCanceled, false, false)
		}
	}
}

// NJobsLoop counts installed jobs; NFailedUnitsLoop counts failed units.
func (m *Manager) NJobsLoop() int { return len(m.jobs) }

func (m *Manager) NFailedUnitsLoop() int {
	n := 0
	for _, u := range m.order {
		if u.ActiveState() == state.Failed {
			n++
		}
	}
	return n
}

// NNamesLoop counts unit names, aliases included.
func (m *Manager) NNamesLoop() int { return len(m.units) }

// activeOrPending is whether the unit name is active, activating or has
// a job.
func (m *Manager) activeOrPending(name string) bool {
	u := m.units[name]
	return u != nil && (u.ActiveState().IsActiveOrActivating() || u.job != nil)
}

// stopping is manager_state's "stopping": exiting, or shutdown.target
// active or pending.
func (m *Manager) stopping() bool { return m.exiting || m.activeOrPending("shutdown.target") }

// SystemStateLoop is manager_state: what is-system-running prints.
func (m *Manager) SystemStateLoop() string {
	if m.stopping() {
		return "stopping"
	}
	if !m.startupDone {
		if u := m.units["basic.target"]; u == nil || !u.ActiveState().IsActiveOrReloading() {
			return "initializing"
		}
		return "starting"
	}
	if m.cfg.Scope == unitpath.System && (m.activeOrPending("rescue.target") || m.activeOrPending("emergency.target")) {
		return "maintenance"
	}
	if m.NFailedUnitsLoop() > 0 {
		return "degraded"
	}
	return "running"
}

// watchPIDLoop makes u the owner of pid's exit.
func (m *Manager) watchPIDLoop(pid int, u *Unit) { m.pids[pid] = u }

// unwatchPIDLoop forgets pid if u owns it.
func (m *Manager) unwatchPIDLoop(pid int, u *Unit) {
	if m.pids[pid] == u {
		delete(m.pids, pid)
	}
}

// Watch runs fn on its own goroutine (recovering panics into the log)
// until it returns; fn hands results to the loop with Post. Watchers block
// on an fd, an inotify queue or a socket so that the loop never does.
func (m *Manager) Watch(what string, fn func()) {
	goSafe(func(err error) {
		m.Post(func() { m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Watcher %s failed: %v", what, err)}) })
	}, fn)
}

// DumpLoop describes the installed jobs and the units that are neither
// inactive nor active, for debugging a boot that does not finish.
func (m *Manager) DumpLoop() string {
	var b strings.Builder
	for _, j := range m.JobsLoop() {
		fmt.Fprintf(&b, "job %d %s/%s %s\n", j.id, j.unit.ID(), j.typ, j.State())
	}
	for _, u := range m.order {
		if s := u.ActiveState(); s != state.Inactive && s != state.Active_ {
			fmt.Fprintf(&b, "unit %s %s/%s\n", u.ID(), s, u.SubState())
		}
	}
	return b.String()
}
