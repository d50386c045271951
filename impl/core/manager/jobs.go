package manager

import (
	"container/heap"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unitname"
)

const (
	jobStart        = job.Start
	jobVerifyActive = job.VerifyActive
	jobStop         = job.Stop
	jobReload       = job.Reload
	jobRestart      = job.Restart
	jobNop          = job.Nop

	resultDone        = job.Done
	resultCanceled    = job.Canceled
	resultTimeout     = job.Timeout
	resultFailed      = job.Failed
	resultDependency  = job.Dependency
	resultSkipped     = job.Skipped
	resultInvalid     = job.Invalid
	resultAssert      = job.Assert
	resultUnsupported = job.Unsupported
	resultOnce        = job.Once
)

// Job is an installed job.
type Job struct {
	m            *Manager
	id           uint32
	unit         *Unit
	typ          job.Type
	running      bool
	irreversible bool
	ignoreOrder  bool
	inRunQueue   bool
	result       job.Result
	// waiters are told the result when the job goes away (the callers
	// of a bus method waiting for JobRemoved do that themselves).
	waiters []func(job.Result)
	// timer is the job's JobTimeoutSec=/JobRunningTimeoutSec= (jobtimer.go).
	timer jobTimer
}

// ID is the job's number.
func (j *Job) ID() uint32 { return j.id }

// Unit is the unit the job is for.
func (j *Job) Unit() *Unit { return j.unit }

// Type is the job's type.
func (j *Job) Type() job.Type { return j.typ }

// State is "waiting" or "running".
func (j *Job) State() string {
	if j.running {
		return "running"
	}
	return "waiting"
}

// Result is how the job ended, once it has.
func (j *Job) Result() job.Result { return j.result }

// Path is the job's D-Bus object path.
func (j *Job) Path() dbus.ObjectPath {
	return dbus.ObjectPath("/org/freedesktop/systemd1/job/" + strconv.FormatUint(uint64(j.id), 10))
}

// JobLoop returns the installed job with the given ID.
func (m *Manager) JobLoop(id uint32) *Job { return m.jobs[id] }

// JobsLoop lists the installed jobs by ID.
func (m *Manager) JobsLoop() []*Job {
	out := make([]*Job, 0, len(m.jobs))
	for _, j := range m.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].id < out[b].id })
	return out
}

// EnqueueLoop is manager_add_job: it plans a transaction for a job of
// type t on u in mode, installs the planned jobs and returns the anchor
// job. Refusals come back as *job.Error.
func (m *Manager) EnqueueLoop(t job.Type, u *Unit, mode job.Mode) (*Job, error) {
	j, _, err := m.EnqueueAffectedLoop(t, u, mode)
	return j, err
}

// EnqueueAffectedLoop is EnqueueLoop that also returns every job the
// transaction installed or merged into, anchor included, in the order
// they were installed.
func (m *Manager) EnqueueAffectedLoop(t job.Type, u *Unit, mode job.Mode) (*Job, []*Job, error) {
	plan, err := job.Enqueue(graph{m}, t, u.ID(), mode)
	base := m.lastJob
	if plan != nil {
		for _, l := range plan.Logs {
			m.logTransaction(l)
		}
		// Every job the transaction created used up an ID, as in 252.
		m.lastJob += plan.Created
	}
	if err != nil {
		return nil, nil, err
	}
	for _, name := range plan.Cancel {
		if o := m.units[name]; o != nil && o.job != nil {
			m.finishJob(o.job, resultCanceled, false, false)
		}
	}
	var anchor *Job
	var installed []*Job
	for _, pj := range plan.Jobs {
		ju := m.units[pj.Unit]
		j := m.installJob(ju, pj, base+pj.Seq)
		if pj.Unit == plan.Anchor.Unit && anchor == nil {
			anchor = j
		}
		installed = append(installed, j)
	}
	for _, j := range installed {
		m.addToRunQueue(j)
	}
	return anchor, installed, nil
}

func (m *Manager) logTransaction(l job.Log) {
	e := LogEntry{Level: l.Level, Unit: l.Unit, Message: l.Msg}
	if l.Unit != "" {
		e.Message = l.Unit + ": " + l.Msg
	}
	m.log(e)
	if u := m.units[l.StatusUnit]; l.Status != "" && u != nil {
		m.unitStatus(u, StatusNotice, l.Status, l.StatusMsg, m.unitStatusString(u, false))
	}
}

// installJob is job_install for one planned job.
func (m *Manager) installJob(u *Unit, pj job.PlannedJob, id uint32) *Job {
	var existing *job.Installed
	if u.job != nil {
		existing = &job.Installed{Type: u.job.typ, State: runState(u.job), Irreversible: u.job.irreversible, IgnoreOrder: u.job.ignoreOrder}
	}
	action, t := job.Install(existing, pj.Type, u.ActiveState())
	switch action {
	case job.InstallMerged, job.InstallMergedRerun:
		j := u.job
		j.typ = t
		j.irreversible = j.irreversible || pj.Irreversible
		j.ignoreOrder = j.ignoreOrder || pj.IgnoreOrder
		if action == job.InstallMergedRerun {
			m.setJobRunning(j, false)
		}
		m.obs.JobChanged(j)
		return j
	case job.InstallReplace:
		m.finishJob(u.job, resultCanceled, false, false)
	}
	if id == 0 || m.jobs[id] != nil {
		// Not from a transaction's count: the next free ID.
		m.lastJob++
		id = m.lastJob
	}
	m.nInstalledJobs++
	j := &Job{m: m, id: id, unit: u, typ: t, irreversible: pj.Irreversible, ignoreOrder: pj.IgnoreOrder}
	m.jobs[j.id] = j
	u.job = j
	m.obs.JobNew(j)
	m.startJobTimer(j, false)
	m.obs.UnitChanged(u)
	return j
}

func runState(j *Job) job.RunState {
	if j.running {
		return job.Running
	}
	return job.Waiting
}

func (m *Manager) addToRunQueue(j *Job) {
	if j == nil || j.inRunQueue || j.running {
		return
	}
	j.inRunQueue = true
	heap.Push(&m.runQueue, j)
}

// dispatchRunQueue runs every queued job that can run, until none can,
// the first in 252's order (runQueue) first, jobs queued meanwhile
// included.
func (m *Manager) dispatchRunQueue() {
	if startup := m.startingOrStopping(); startup != m.runQueue.startup {
		m.runQueue.startup = startup
		heap.Init(&m.runQueue)
	}
	for m.runQueue.Len() > 0 {
		j := heap.Pop(&m.runQueue).(*Job)
		j.inRunQueue = false
		if m.jobs[j.id] != j || j.running {
			continue
		}
		m.safely("job "+j.unit.ID(), func() { m.runJob(j) })
	}
	m.watchJobsInProgress()
}

// startingOrStopping is whether the manager's state makes the units'
// startup CPU weights count (252's initializing, starting, stopping):
// SystemStateLoop's answer without counting the failed units.
func (m *Manager) startingOrStopping() bool { return !m.startupDone || m.stopping() }

// runQueue is 252's run queue: a priority queue in compare_job_priority
// order, by unit type (the later in 252's list of types first), CPU
// weight (the higher first), nice level (the lower first), then unit
// name.
type runQueue struct {
	jobs    []*Job
	startup bool
}

func (q *runQueue) Len() int      { return len(q.jobs) }
func (q *runQueue) Swap(a, b int) { q.jobs[a], q.jobs[b] = q.jobs[b], q.jobs[a] }
func (q *runQueue) Push(x any)    { q.jobs = append(q.jobs, x.(*Job)) }
func (q *runQueue) Pop() any {
	j := q.jobs[len(q.jobs)-1]
	q.jobs[len(q.jobs)-1] = nil
	q.jobs = q.jobs[:len(q.jobs)-1]
	return j
}

func (q *runQueue) Less(a, b int) bool {
	x, y := q.jobs[a].unit, q.jobs[b].unit
	if tx, ty := x.cfg.Type, y.cfg.Type; tx != ty {
		return tx > ty
	}
	if wx, wy := cpuWeight(x, q.startup), cpuWeight(y, q.startup); wx != wy {
		return wx > wy
	}
	if nx, ny := niceLevel(x), niceLevel(y); nx != ny {
		return nx < ny
	}
	return x.ID() < y.ID()
}

// cpuWeight is unit_get_cpu_weight.
func cpuWeight(u *Unit, startup bool) uint64 {
	const defaultWeight, invalid = 100, ^uint64(0)
	c := u.cfg.CGroup
	switch {
	case c == nil:
		return defaultWeight
	case startup && c.StartupCPUWeight != invalid:
		return c.StartupCPUWeight
	case c.CPUWeight != invalid:
		return c.CPUWeight
	}
	return defaultWeight
}

// niceLevel is unit_get_nice.
func niceLevel(u *Unit) int32 {
	if e := u.cfg.Exec; e != nil {
		return e.Nice
	}
	return 0
}

// runnable is job_is_runnable: no job this one is ordered after is still
// pending.
func (m *Manager) runnable(j *Job) bool {
	if j.typ == jobNop {
		return true
	}
	// The first job found to wait for ends the search: a target after
	// thousands of units is looked at again whenever one of them moves.
	if j.unit.anyDep(dep.AtomAfter, func(o *Unit) bool {
		return o.job != nil && job.OrderAfter(j.typ, o.job.typ, j.ignoreOrder, o.job.ignoreOrder) > 0
	}) {
		return false
	}
	return !j.unit.anyDep(dep.AtomBefore, func(o *Unit) bool {
		return o.job != nil && job.OrderBefore(j.typ, o.job.typ, j.ignoreOrder, o.job.ignoreOrder) > 0
	})
}

// runJob is job_run_and_invalidate.
func (m *Manager) runJob(j *Job) {
	if !m.runnable(j) {
		return
	}
	m.startJobTimer(j, true)
	m.setJobRunning(j, true)
	m.obs.JobChanged(j)
	u := j.unit
	var err error
	switch j.typ {
	case jobVerifyActive:
		switch s := u.ActiveState(); {
		case s.IsActiveOrReloading():
			err = errAlready
		case s == state.Activating:
			err = errAgain
		default:
			err = errBadR
		}
	case jobStart, jobStop, jobRestart, jobReload:
		err = m.performOnUnit(j)
	case jobNop:
		err = errAlready
	}
	if m.jobs[j.id] != j {
		return
	}
	switch err {
	case nil:
	case errAgain:
		m.setJobRunning(j, false)
		m.obs.JobChanged(j)
	case errAlready:
		m.finishJob(j, resultDone, true, true)
	case errCondition:
		m.finishJob(j, resultDone, true, false)
	case errBadR:
		m.finishJob(j, resultSkipped, true, false)
	case errInvalid, errNoExec:
		m.finishJob(j, resultInvalid, true, false)
	case errAssert:
		m.finishJob(j, resultAssert, true, false)
	case errUnsupported:
		m.finishJob(j, resultUnsupported, true, false)
	case errDependency:
		m.finishJob(j, resultDependency, true, false)
	case errOnce:
		m.finishJob(j, resultOnce, true, false)
	default:
		m.finishJob(j, resultFailed, true, false)
	}
}

// errQuiet is what a unit's stop returns where 252's returns 0 rather
// than 1: it acted on the request (or was already on it) without starting
// a phase of its own — a stop while still starting, or in auto-restart —
// so the job logs no "Stopping ..." message.
var errQuiet = errors.New("acted without a message")

// performOnUnit is job_perform_on_unit.
func (m *Manager) performOnUnit(j *Job) error {
	u := j.unit
	t := j.typ
	id := j.id
	var err error
	waitOnly := false
	switch t {
	case jobStart:
		err = u.startLoop()
		waitOnly = err == errBadR
	case jobRestart:
		t = jobStop
		fallthrough
	case jobStop:
		err = u.stopLoop()
		waitOnly = err == errBadR
	case jobReload:
		err = u.reloadLoop()
	}
	quiet := err == errQuiet
	if quiet {
		err = nil
	}
	if cur := m.jobs[id]; cur != nil && (err == nil && !quiet || waitOnly) {
		m.emitStartMessage(u, id, t)
	}
	if waitOnly {
		return nil
	}
	return err
}

// finishJob is job_finish_and_invalidate.
func (m *Manager) finishJob(j *Job, result job.Result, recursive, already bool) {
	u := j.unit
	t := j.typ
	j.result = result
	if !already {
		m.emitDoneMessage(u, j.id, t, result)
	}
	if result == resultDone && t == jobRestart {
		j.typ = jobStart
		m.setJobRunning(j, false)
		m.obs.JobChanged(j)
		m.addToRunQueue(j)
		m.requeueOrdered(u)
		return
	}
	if result == resultFailed || result == resultInvalid {
		m.nFailedJobs++
	}
	m.setJobRunning(j, false)
	delete(m.jobs, j.id)
	j.stopJobTimer()
	if u.job == j {
		u.job = nil
	}
	for _, w := range j.waiters {
		w(result)
	}
	m.obs.JobRemoved(j)
	m.obs.UnitChanged(u)
	m.addToGCQueue(u)

	if result != resultDone && recursive {
		switch t {
		case jobStart, jobVerifyActive:
			m.failDependencies(u, dep.PropagateStartFailure)
		case jobStop:
			m.failDependencies(u, dep.PropagateStopFailure)
		}
	}
	if result == resultDone && recursive && (t == jobStart || t == jobReload) && !u.ActiveState().IsActiveOrReloading() {
		m.failDependencies(u, dep.PropagateInactiveStartAsFailure)
	}
	if result == resultTimeout || result == resultDependency {
		m.log(LogEntry{Level: LevelNotice, Unit: u.ID(),
			Message: fmt.Sprintf("%s: Job %s/%s failed with result '%s'.", u.ID(), u.ID(), t, result),
			Fields:  []string{"JOB_TYPE=" + t.String(), "JOB_RESULT=" + result.String()}})
		m.startOnFailure(u, dep.OnFailure, u.cfg.OnFailureJobMode)
	}
	m.triggerNotify(u)
	m.requeueOrdered(u)
	if len(m.jobs) > 0 {
		// manager_check_finished, after a job: the next jobs-in-progress
		// line waits the full delay again.
		m.postponeJobsInProgress()
	}
	m.checkFinished()
}

// failDependencies is job_fail_dependencies: the jobs of units depending
// on u through atom fail with "dependency".
func (m *Manager) failDependencies(u *Unit, atom dep.Atom) {
	for _, o := range u.deps(atom) {
		if j := o.job; j != nil && (j.typ == jobStart || j.typ == jobVerifyActive) {
			m.finishJob(j, resultDependency, true, false)
		}
	}
}

// requeueOrdered puts the jobs of units ordered against u back on the run
// queue.
func (m *Manager) requeueOrdered(u *Unit) {
	for _, o := range u.deps(dep.AtomAfter | dep.AtomBefore) {
		if o.job != nil {
			m.addToRunQueue(o.job)
		}
	}
}

// retroactivelyStartDependencies is retroactively_start_dependencies.
func (m *Manager) retroactivelyStartDependencies(u *Unit) {
	for _, o := range u.deps(dep.RetroactiveStartReplace) {
		if s := o.ActiveState(); s == state.Inactive || s == state.Failed || s == state.Deactivating {
			if !o.hasJobOf(jobStop) {
				_, _ = m.EnqueueLoop(jobStart, o, job.Replace)
			}
		}
	}
	for _, o := range u.deps(dep.RetroactiveStartFail) {
		if s := o.ActiveState(); s == state.Inactive || s == state.Failed || s == state.Deactivating {
			if !o.hasJobOf(jobStop) {
				_, _ = m.EnqueueLoop(jobStart, o, job.Fail)
			}
		}
	}
	for _, o := range u.deps(dep.RetroactiveStopOnStart) {
		if !(o.ActiveState() == state.Inactive || o.ActiveState() == state.Failed) {
			_, _ = m.EnqueueLoop(jobStop, o, job.Replace)
		}
	}
}

// retroactivelyStopDependencies is retroactively_stop_dependencies.
func (m *Manager) retroactivelyStopDependencies(u *Unit) {
	for _, o := range u.deps(dep.RetroactiveStopOnStop) {
		if s := o.ActiveState(); s != state.Inactive && s != state.Failed && !o.hasJobOf(jobStop) {
			_, _ = m.EnqueueLoop(jobStop, o, job.Replace)
		}
	}
}

func (u *Unit) hasJobOf(t job.Type) bool { return u.job != nil && u.job.typ == t }

// stopBoundTo stops the units bound to u (BindsTo=) once u is gone, as
// 252's stop-when-bound queue does.
func (m *Manager) stopBoundTo(u *Unit) {
	for _, o := range u.deps(dep.AddCannotBeActiveWithoutQueue) {
		if s := o.ActiveState(); s == state.Inactive || s == state.Failed || o.hasJobOf(jobStop) {
			continue
		}
		if o.job != nil && o.job.typ == jobStart && !o.job.running {
			continue
		}
		m.logUnit(o, LevelInfo, "Unit is bound to inactive unit %s. Stopping, too.", u.ID())
		_, _ = m.EnqueueLoop(jobStop, o, job.Replace)
	}
}

// startOnFailure is unit_start_on_failure for OnFailure= (kind
// OnFailure) or OnSuccess=.
func (m *Manager) startOnFailure(u *Unit, kind dep.Kind, modeName string) {
	names := u.cfg.Deps[kind].List()
	if len(names) == 0 {
		return
	}
	what := "OnFailure="
	if kind == dep.OnSuccess {
		what = "OnSuccess="
	}
	m.logUnit(u, LevelInfo, "Triggering %s dependencies.", what)
	mode, ok := job.ParseMode(modeName)
	if !ok {
		mode = job.Replace
	}
	for _, n := range names {
		o := m.units[n]
		if o == nil {
			continue
		}
		if _, err := m.EnqueueLoop(jobStart, o, mode); err != nil {
			m.logUnit(u, LevelErr, "Failed to enqueue %s job, ignoring: %v", what, err)
		}
	}
}

// checkFinished is manager_check_finished: once the boot transaction's
// jobs are all gone, startup is finished.
func (m *Manager) checkFinished() {
	if m.reloading || len(m.jobs) > 0 || m.startupJob == nil && !m.startupDone {
		return
	}
	m.sendReady()
	if m.startupDone {
		return
	}
	m.startupDone = true
	// manager_ready: no longer the first boot, and the boot's finish.
	m.setFirstBoot(false)
	m.reexec.phases.finish = now()
	if f, ok := m.obs.(AutoStatusFlipper); ok {
		m.statusFlippedOn = f.FlipAutoStatus(false, "boot finished")
	}
	m.obs.StartupFinished(m.notifyFinished())
	m.dropLoadCaches()
}

// notifyFinished is manager_notify_finished: "Startup finished in ..."
// with the boot's phases, and the times StartupFinished carries.
func (m *Manager) notifyFinished() StartupTimes {
	ts := m.BootTimestampsLoop()
	userspace := ts.Finish.Monotonic - ts.Userspace.Monotonic
	span := func(us uint64) string { return timeutil.FormatTimespan(us, timeutil.MSec) }
	if m.cfg.Defaults.InContainer {
		m.log(LogEntry{Level: LevelInfo, Message: "Startup finished in " + span(userspace) + ".", Fields: []string{
			"MESSAGE_ID=eed00a68ffd84e31882105fd973abdd1", "USERSPACE_USEC=" + strconv.FormatUint(userspace, 10)}})
		return StartupTimes{Userspace: userspace, Total: userspace}
	}
	// The firmware's and the loader's monotonic times count back from
	// the kernel's start, which is 0.
	t := StartupTimes{
		Firmware:  ts.Firmware.Monotonic - ts.Loader.Monotonic,
		Loader:    ts.Loader.Monotonic,
		Userspace: userspace,
		Total:     ts.Firmware.Monotonic + ts.Finish.Monotonic,
	}
	var pre strings.Builder
	if t.Firmware > 0 {
		pre.WriteString(span(t.Firmware) + " (firmware) + ")
	}
	if t.Loader > 0 {
		pre.WriteString(span(t.Loader) + " (loader) + ")
	}
	fields := []string{"MESSAGE_ID=b07a249cd024414a82dd00cd181378ff"}
	var msg string
	if ts.InitRD.IsSet() {
		t.Kernel = ts.InitRD.Monotonic
		t.Initrd = ts.Userspace.Monotonic - ts.InitRD.Monotonic
		fields = append(fields, "KERNEL_USEC="+strconv.FormatUint(t.Kernel, 10), "INITRD_USEC="+strconv.FormatUint(t.Initrd, 10))
		msg = fmt.Sprintf("Startup finished in %s%s (kernel) + %s (initrd) + %s (userspace) = %s.",
			pre.String(), span(t.Kernel), span(t.Initrd), span(userspace), span(t.Total))
	} else {
		t.Kernel = ts.Userspace.Monotonic
		fields = append(fields, "KERNEL_USEC="+strconv.FormatUint(t.Kernel, 10))
		msg = fmt.Sprintf("Startup finished in %s%s (kernel) + %s (userspace) = %s.",
			pre.String(), span(t.Kernel), span(userspace), span(t.Total))
	}
	fields = append(fields, "USERSPACE_USEC="+strconv.FormatUint(userspace, 10))
	m.log(LogEntry{Level: LevelInfo, Message: msg, Fields: fields})
	return t
}

// emitStartMessage is job_emit_start_message.
func (m *Manager) emitStartMessage(u *Unit, id uint32, t job.Type) {
	var format, mid string
	f := typeFormats[u.cfg.Type]
	switch t {
	case jobStart:
		format, mid = "Starting %s...", "7d4958e842da4a758f6c1cdc7b36dcc5"
		if f.starting != "" {
			format = f.starting
		}
	case jobStop:
		format, mid = "Stopping %s...", "de5b426a63be47a7b6ac3eaac82e2f6f"
		if f.stopping != "" {
			format = f.stopping
		}
	case jobReload:
		format, mid = "Reloading %s...", "d34d037fff1847e6ae669a370e694725"
	default:
		return
	}
	ident := m.unitStatusString(u, true)
	// As 252: reloads get no status line, and while the log reaches only
	// the console the status line stands for the message.
	if t == jobReload || !m.logOnConsole() {
		m.log(LogEntry{Level: LevelInfo, Unit: u.ID(), Message: fmt.Sprintf(format, ident), Fields: []string{
			"JOB_ID=" + strconv.FormatUint(uint64(id), 10), "JOB_TYPE=" + t.String(),
			"INVOCATION_ID=" + u.invocationID, "MESSAGE_ID=" + mid}})
	}
	if t != jobReload {
		m.unitStatus(u, StatusNormal, "", format, ident)
	}
}

// doneWords are the console status words of job results.
var doneWords = map[job.Result]struct {
	level int
	word  string
}{
	resultDone:        {LevelInfo, "  OK  "},
	resultCanceled:    {LevelInfo, ""},
	resultTimeout:     {LevelErr, " TIME "},
	resultFailed:      {LevelErr, "FAILED"},
	resultDependency:  {LevelWarning, "DEPEND"},
	resultSkipped:     {LevelNotice, " INFO "},
	resultInvalid:     {LevelInfo, ""},
	resultAssert:      {LevelWarning, "ASSERT"},
	resultUnsupported: {LevelWarning, "UNSUPP"},
	job.Collected:     {LevelInfo, ""},
	resultOnce:        {LevelErr, " ONCE "},
}

// doneFormat is job_done_message_format.
func (m *Manager) doneFormat(u *Unit, t job.Type, r job.Result) string {
	if t == jobStart && r == resultDone && !u.conditionResult {
		return "Condition check resulted in %s being skipped."
	}
	if t == jobStart || t == jobStop || t == jobRestart {
		if f := typeDoneFormat(u, t, r); f != "" {
			return f
		}
	}
	switch t {
	case jobStart:
		return map[job.Result]string{
			resultDone: "Started %s.", resultTimeout: "Timed out starting %s.", resultFailed: "Failed to start %s.",
			resultDependency: "Dependency failed for %s.", resultAssert: "Assertion failed for %s.",
			resultUnsupported: "Starting of %s unsupported.", job.Collected: "Unnecessary job was removed for %s.",
			resultOnce: "Unit %s has been started before and cannot be started again.",
		}[r]
	case jobStop, jobRestart:
		return map[job.Result]string{resultDone: "Stopped %s.", resultFailed: "Stopped %s with error.", resultTimeout: "Timed out stopping %s."}[r]
	case jobReload:
		return map[job.Result]string{resultDone: "Reloaded %s.", resultFailed: "Reload failed for %s.", resultTimeout: "Timed out reloading %s."}[r]
	case jobVerifyActive:
		if r == resultSkipped {
			return "%s is inactive."
		}
	}
	return ""
}

// typeFormats are each type's status_message_formats: the done messages
// of start and stop jobs by result, and the starting/stopping messages.
var typeFormats = map[unitname.Type]struct {
	start, stop        map[job.Result]string
	starting, stopping string
}{
	unitname.Target: {start: map[job.Result]string{resultDone: "Reached target %s."}, stop: map[job.Result]string{resultDone: "Stopped target %s."}},
	unitname.Slice:  {start: map[job.Result]string{resultDone: "Created slice %s."}, stop: map[job.Result]string{resultDone: "Removed slice %s."}},
	unitname.Service: {start: map[job.Result]string{resultFailed: "Failed to start %s."},
		stop: map[job.Result]string{resultDone: "Stopped %s.", resultFailed: "Stopped (with error) %s."}},
	unitname.Socket: {start: map[job.Result]string{resultDone: "Listening on %s.", resultFailed: "Failed to listen on %s.", resultTimeout: "Timed out starting %s."},
		stop: map[job.Result]string{resultDone: "Closed %s.", resultFailed: "Failed stopping %s.", resultTimeout: "Timed out stopping %s."}},
	unitname.Mount: {start: map[job.Result]string{resultDone: "Mounted %s.", resultFailed: "Failed to mount %s.", resultTimeout: "Timed out mounting %s."},
		stop:     map[job.Result]string{resultDone: "Unmounted %s.", resultFailed: "Failed unmounting %s.", resultTimeout: "Timed out unmounting %s."},
		starting: "Mounting %s...", stopping: "Unmounting %s..."},
	unitname.Swap: {start: map[job.Result]string{resultDone: "Activated swap %s.", resultFailed: "Failed to activate swap %s.", resultTimeout: "Timed out activating swap %s."},
		stop:     map[job.Result]string{resultDone: "Deactivated swap %s.", resultFailed: "Failed deactivating swap %s.", resultTimeout: "Timed out deactivating swap %s."},
		starting: "Activating swap %s...", stopping: "Deactivating swap %s..."},
	unitname.Automount: {start: map[job.Result]string{resultDone: "Set up automount %s.", resultFailed: "Failed to set up automount %s."},
		stop: map[job.Result]string{resultDone: "Unset automount %s.", resultFailed: "Failed to unset automount %s."}},
	unitname.Device: {start: map[job.Result]string{resultDone: "Found device %s.", resultTimeout: "Timed out waiting for device %s."},
		starting: "Expecting device %s...", stopping: "Waiting for device %s to disappear..."},
}

// typeDoneFormat is the type's done message for a start, stop or restart
// job; service_finished_job comes first.
func typeDoneFormat(u *Unit, t job.Type, r job.Result) string {
	if u.cfg.Type == unitname.Service && t == jobStart && r == resultDone && u.cfg.Service != nil && u.cfg.Service.Type == "oneshot" {
		return "Finished %s."
	}
	f := typeFormats[u.cfg.Type]
	if t == jobStart {
		return f.start[r]
	}
	return f.stop[r]
}

// emitDoneMessage is job_emit_done_message.
func (m *Manager) emitDoneMessage(u *Unit, id uint32, t job.Type, r job.Result) {
	format := m.doneFormat(u, t, r)
	if format == "" {
		return
	}
	ident := m.unitStatusString(u, true)
	w := doneWords[r]
	var mid string
	switch t {
	case jobStart:
		mid = "39f53479d3a045ac8e11786248231fbf"
		if r != resultDone {
			mid = "be02cf6855d2428ba40df7e9d022f03d"
		}
	case jobReload:
		mid = "7b05ebc668384222baa8881179cfda54"
	case jobStop, jobRestart:
		mid = "9d1aaa27d60140bd96365438aad20286"
	}
	msg := fmt.Sprintf(format, ident)
	if t == jobStart && r == resultDone && !u.conditionResult {
		if c := m.failedCondition(u); c != nil {
			if c.Trigger {
				msg = ident + " was skipped because no trigger condition checks were met."
			} else {
				neg := ""
				if c.Negate {
					neg = "!"
				}
				msg = fmt.Sprintf("%s was skipped because of an unmet condition check (%s=%s%s).", ident, c.Type, neg, c.Parameter)
			}
		}
	}
	fields := []string{"JOB_ID=" + strconv.FormatUint(uint64(id), 10), "JOB_TYPE=" + t.String(), "JOB_RESULT=" + r.String(),
		"INVOCATION_ID=" + u.invocationID}
	unitField := u.ID()
	if mid != "" {
		fields = append(fields, "MESSAGE_ID="+mid)
	} else {
		// 252 passes the missing message ID as the NULL that ends its
		// field list, so the unit's own UNIT= field is never added.
		unitField = ""
	}
	// As 252: while the log reaches only the console, the status line
	// stands for the message, and a skipped unit gets neither.
	showStatus := t != jobReload && w.word != ""
	consoleOnly := showStatus && m.logOnConsole()
	if t == jobStart && r == resultDone && !u.conditionResult {
		if consoleOnly {
			return
		}
		showStatus = false
	}
	if !consoleOnly {
		m.log(LogEntry{Level: w.level, Unit: unitField, Message: msg, Fields: fields})
	}
	if showStatus {
		kind := StatusNormal
		if r != resultDone {
			kind = StatusNotice
		}
		m.unitStatus(u, kind, w.word, format, ident)
		if t == jobStart && r == resultFailed && m.showStatusNow(false) {
			m.obs.Status(StatusNormal, NoStatus, fmt.Sprintf("See 'systemctl status %s' for details.", u.ID()))
		}
	}
}

// NoStatus, as the status of a console status line, prints its text
// alone, without the status column (252's NULL status).
const NoStatus = "\x00"

// StatusColorer is an Observer that says whether console status lines
// are in colour (252's log_get_show_color).
type StatusColorer interface {
	StatusColor() bool
}

// Console escapes of unit names in status lines.
const (
	ansiHighlight = "\x1b[0;1;39m"
	ansiNormal    = "\x1b[0m"
)

// unitStatus is unit_status_printf: a status line for u, its name
// highlighted when the console has colour, shown only while
// showStatusNow allows.
func (m *Manager) unitStatus(u *Unit, kind StatusType, status, format, ident string) {
	if !m.showStatusNow(kind == StatusEmergency) {
		return
	}
	if c, ok := m.obs.(StatusColorer); ok && c.StatusColor() {
		if m.statusUnitFormat() == "combined" && strings.Contains(ident, " ") {
			ident = ansiHighlight + u.ID() + ansiNormal + " - " + u.cfg.Description
		} else {
			ident = ansiHighlight + ident + ansiNormal
		}
	}
	m.obs.Status(kind, status, fmt.Sprintf(format, ident))
}

// showStatusNow is manager_should_show_status's part that is the
// manager's: status lines are for the boot and the shutdown, and give
// way to a password query on the console (emergency lines excepted).
// Whether they are on at all is the console's (Observer.Status).
func (m *Manager) showStatusNow(emergency bool) bool {
	if !m.startingOrStopping() {
		return false
	}
	return emergency || !askPasswordPending()
}

// askPasswordPending reports whether an agent query waits in
// /run/systemd/ask-password (252's manager_check_ask_password).
func askPasswordPending() bool {
	entries, err := os.ReadDir(askPasswordDir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "ask.") {
			return true
		}
	}
	return false
}

var askPasswordDir = "/run/systemd/ask-password"

// statusUnitFormat is StatusUnitFormat= ("combined" unless set).
func (m *Manager) statusUnitFormat() string {
	if f := m.SettingsLoop().StatusUnitFormat; f != "" {
		return f
	}
	return "combined"
}

// unitStatusString is unit_status_string: how status lines and job
// messages name u under StatusUnitFormat=: its name, its description,
// or, where combined names are asked for, "foo.service - Foo"; the name
// alone when the description is missing or the name itself.
func (m *Manager) unitStatusString(u *Unit, combined bool) string {
	d, f := u.cfg.Description, m.statusUnitFormat()
	if d == "" || d == u.ID() || f == "name" || f == "combined" && !combined {
		return u.ID()
	}
	if f == "combined" {
		return u.ID() + " - " + d
	}
	return d
}

// StartBootLoop queues the boot transaction (the default target's start
// job); startup is finished once every job is gone.
func (m *Manager) StartBootLoop(u *Unit, mode job.Mode) (*Job, error) {
	j, err := m.EnqueueLoop(jobStart, u, mode)
	m.loader.Startup = false
	if err != nil {
		return nil, err
	}
	m.startupJob = j
	return j, nil
}
