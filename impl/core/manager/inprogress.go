package manager

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gosystemd/impl/exec"
	"gosystemd/impl/timeutil"
)

// 252's jobs in progress: once no job has finished for a while during
// the boot or the shutdown, the console shows, every third of a second,
// one of the running jobs beside a moving cylon, and keeps showing them
// until a job finishes.
const (
	// jobsInProgressWait is how long a job runs before the line shows
	// while status lines are on; jobsInProgressQuietWait while they are
	// not (the first line then turns ShowStatus=auto on, "delay").
	jobsInProgressWait      = 2 * time.Second
	jobsInProgressQuietWait = 25 * time.Second
	jobsInProgressPeriod    = time.Second / 3
	// A job stays on the line for this many periods before the next.
	jobsInProgressDivisor = 3
	cylonWidth            = 6
)

// StatusEphemeral is the kind of the jobs-in-progress line: shown while
// the status is on, and overwritten by the next status line.
const StatusEphemeral StatusType = StatusEmergency + 1

// AutoStatusFlipper is an Observer that turns ShowStatus=auto into
// "temporary" (enable, when a job takes long) and back (when the boot
// is over), as 252's manager_flip_auto_status; reason is its log's. It
// reports whether status lines are on.
type AutoStatusFlipper interface {
	FlipAutoStatus(enable bool, reason string) bool
}

// setJobRunning records whether j runs (job_set_state): the count of
// running jobs, with which the jobs-in-progress timer stops.
func (m *Manager) setJobRunning(j *Job, running bool) {
	if j.running == running {
		return
	}
	j.running = running
	if running {
		m.nRunningJobs++
		return
	}
	if m.nRunningJobs > 0 {
		m.nRunningJobs--
	}
	if m.nRunningJobs == 0 {
		m.jobsInProgress.cancel()
		m.jobsInProgress = nil
	}
}

// jobsInProgressNext is manager_watch_jobs_next_time's delay.
func (m *Manager) jobsInProgressNext() time.Duration {
	if m.SettingsLoop().ShowStatus || m.statusFlippedOn {
		return jobsInProgressWait
	}
	return jobsInProgressQuietWait
}

// watchJobsInProgress is manager_watch_jobs_in_progress: arms the timer
// unless it is.
func (m *Manager) watchJobsInProgress() {
	if m.jobsInProgress != nil || m.nRunningJobs == 0 {
		return
	}
	m.jobsInProgress = m.afterLoop(m.jobsInProgressNext(), m.dispatchJobsInProgress)
}

// postponeJobsInProgress moves an armed timer to the full wait from now:
// a job finished (manager_check_finished).
func (m *Manager) postponeJobsInProgress() {
	if m.jobsInProgress == nil {
		return
	}
	m.jobsInProgress.cancel()
	m.jobsInProgress = m.afterLoop(m.jobsInProgressNext(), m.dispatchJobsInProgress)
}

// dispatchJobsInProgress is manager_dispatch_jobs_in_progress.
func (m *Manager) dispatchJobsInProgress() {
	m.jobsInProgress = nil
	if m.nRunningJobs == 0 {
		return
	}
	m.printJobsInProgress()
	m.jobsInProgress = m.afterLoop(jobsInProgressPeriod, m.dispatchJobsInProgress)
}

// printJobsInProgress is manager_print_jobs_in_progress: one running job
// (the next every few periods; 252 takes them in its job table's order,
// ours by job number), how long it has waited and its time limit.
func (m *Manager) printJobsInProgress() {
	if f, ok := m.obs.(AutoStatusFlipper); ok {
		m.statusFlippedOn = f.FlipAutoStatus(true, "delay")
	}
	var running []*Job
	for _, j := range m.jobs {
		if j.running {
			running = append(running, j)
		}
	}
	if len(running) == 0 {
		return
	}
	slices.SortFunc(running, func(a, b *Job) int { return int(a.id) - int(b.id) })
	nth := (m.jobsInProgressIteration / jobsInProgressDivisor) % len(running)
	j := running[nth]
	pos := m.jobsInProgressIteration % 14
	if pos >= 8 {
		pos = 14 - pos
	}
	color := false
	if c, ok := m.obs.(StatusColorer); ok {
		color = c.StatusColor()
	}
	cylon := drawCylon(cylonWidth, pos, color)
	m.jobsInProgressIteration++

	jobOfN := ""
	if len(running) > 1 {
		jobOfN = fmt.Sprintf("(%d of %d) ", nth+1, len(running))
	}
	now := time.Now()
	begin := j.timer.begin
	if begin.IsZero() {
		begin = now
	}
	elapsed := timeutil.FormatTimespan(durationUsec(now.Sub(begin)), timeutil.Sec)
	limit := "no limit"
	if deadline, ok := m.jobTimeout(j); ok {
		limit = timeutil.FormatTimespan(durationUsec(deadline.Sub(begin)), timeutil.Sec)
	}
	ident := m.unitStatusString(j.unit, false)
	var text string
	if m.statusUnitFormat() == "description" {
		text = fmt.Sprintf("%sA %s job is running for %s (%s / %s)", jobOfN, j.typ, ident, elapsed, limit)
	} else {
		status := ""
		if st, ok := j.unit.kind.(interface{ unitStatusText() string }); ok && st.unitStatusText() != "" {
			status = ": " + st.unitStatusText()
		}
		text = fmt.Sprintf("%sJob %s/%s running (%s / %s)%s", jobOfN, ident, j.typ, elapsed, limit, status)
	}
	if m.showStatusNow(false) && m.nOnConsole == 0 {
		m.obs.Status(StatusEphemeral, cylon, text)
	}
	// 252 words it so for the manager above, whichever manager it is.
	m.notifyStatus(fmt.Sprintf("STATUS=%sUser job %s/%s running (%s / %s)...", jobOfN, ident, j.typ, elapsed, limit))
}

// jobTimeout is job_get_timeout: the earlier of the job's own timeout and
// the one its unit's state has (a service's start timeout, ...).
func (m *Manager) jobTimeout(j *Job) (time.Time, bool) {
	var at time.Time
	ok := false
	if e := j.timer.entry; e != nil && !e.canceled {
		at, ok = e.at, true
	}
	if t, has := j.unit.kind.(interface{ timeoutDeadline() (time.Time, bool) }); has {
		if u, set := t.timeoutDeadline(); set && (!ok || u.Before(at)) {
			at, ok = u, true
		}
	}
	return at, ok
}

// deadlineOf is when a unit's state timer fires, if one is armed.
func deadlineOf(e *timerEntry) (time.Time, bool) {
	if e == nil || e.canceled {
		return time.Time{}, false
	}
	return e.at, true
}

// durationUsec is d in µs, never negative.
func durationUsec(d time.Duration) timeutil.Usec {
	if d < 0 {
		return 0
	}
	return timeutil.Usec(d / time.Microsecond)
}

// drawCylon is 252's draw_cylon: width cells, the light at pos (0 and
// width+1 put its centre behind a corner), in red when color is on.
func drawCylon(width, pos int, color bool) string {
	const (
		red          = "\x1b[0;31m"
		highlightRed = "\x1b[0;1;31m"
		normal       = "\x1b[0m"
	)
	var b strings.Builder
	if pos > 1 {
		b.WriteString(strings.Repeat(" ", max(pos-2, 0)))
		if color {
			b.WriteString(red)
		}
		b.WriteByte('*')
	}
	if pos > 0 && pos <= width {
		if color {
			b.WriteString(highlightRed)
		}
		b.WriteByte('*')
	}
	if color {
		b.WriteString(normal)
	}
	if pos < width {
		if color {
			b.WriteString(red)
		}
		b.WriteByte('*')
		if pos < width-1 {
			b.WriteString(strings.Repeat(" ", width-1-pos))
		}
		if color {
			b.WriteString(normal)
		}
	}
	return b.String()
}

// updateOnConsole is unit_update_on_console: the count of units whose
// processes may use the console, while which no jobs-in-progress line
// is printed.
func (m *Manager) updateOnConsole(u *Unit) {
	on := m.needsConsole(u)
	if on == u.onConsole {
		return
	}
	u.onConsole = on
	if on {
		m.nOnConsole++
	} else if m.nOnConsole > 0 {
		m.nOnConsole--
	}
}

// needsConsole is unit_needs_console.
func (m *Manager) needsConsole(u *Unit) bool {
	if s := u.ActiveState(); s.IsInactiveOrFailed() {
		return false
	}
	ec := u.cfg.Exec
	if ec == nil || !exec.MayTouchConsole(ec.TTYReset, ec.TTYVHangup, ec.TTYVTDisallocate, ec.StdInput, ec.StdOutput, ec.StdError, ec.TTYPath) {
		return false
	}
	if s, ok := u.kind.(*service); ok {
		return s.holdsConsole()
	}
	return true
}

// holdsConsole is service_needs_console's states: a service that exited
// no longer holds the console.
func (s *service) holdsConsole() bool {
	switch s.state {
	case svcCondition, svcStartPre, svcStart, svcStartPost, svcRunning, svcReload, svcStop, svcStopWatchdog,
		svcStopSigterm, svcStopSigkill, svcStopPost, svcFinalWatchdog, svcFinalSigterm, svcFinalSigkill:
		return true
	}
	return false
}

// unitStatusText is unit_status_text: a service's STATUS=.
func (s *service) unitStatusText() string { return s.statusText }

// The *_get_timeout of the unit types with state timers.
func (s *service) timeoutDeadline() (time.Time, bool) { return deadlineOf(s.timer) }
func (x *mount) timeoutDeadline() (time.Time, bool)   { return deadlineOf(x.timer) }
func (s *swap) timeoutDeadline() (time.Time, bool)    { return deadlineOf(s.timer) }
func (s *scope) timeoutDeadline() (time.Time, bool)   { return deadlineOf(s.timer) }
