package manager

import (
	"time"
)

// jobTimer is a job's timeout (252's job_start_timer): JobTimeoutSec=
// counts from when the job is installed, JobRunningTimeoutSec= from when
// it starts running (device units wait DefaultDeviceTimeoutSec= for
// their device by default); the earlier one fires.
type jobTimer struct {
	entry *timerEntry
	at    time.Time
	// begin is when the job was installed (252's begin_usec), what the
	// jobs-in-progress line counts from.
	begin time.Time
}

// startJobTimer is job_start_timer: running is false when the job is
// installed, true each time it starts running.
func (m *Manager) startJobTimer(j *Job, running bool) {
	u := j.unit
	now := time.Now()
	var at time.Time
	if running {
		if u.cfg.JobRunningTimeout == usecInfinity {
			return
		}
		at = now.Add(usecDuration(u.cfg.JobRunningTimeout))
		if j.timer.entry != nil {
			// Only an earlier deadline replaces the one set.
			if !at.Before(j.timer.at) {
				return
			}
			j.timer.entry.cancel()
		}
	} else {
		if j.timer.entry != nil {
			return
		}
		j.timer.begin = now
		if u.cfg.JobTimeout == usecInfinity {
			return
		}
		at = now.Add(usecDuration(u.cfg.JobTimeout))
	}
	j.timer.at = at
	j.timer.entry = m.afterLoop(at.Sub(now), func() { m.jobTimedOut(j) })
}

// stopJobTimer forgets a job's timeout once the job is gone.
func (j *Job) stopJobTimer() {
	j.timer.entry.cancel()
	j.timer.entry = nil
}

// jobTimedOut is job_dispatch_timer.
func (m *Manager) jobTimedOut(j *Job) {
	if m.jobs[j.id] != j {
		return
	}
	j.timer.entry = nil
	u := j.unit
	m.logUnit(u, LevelWarning, "Job %s/%s timed out.", u.ID(), j.typ)
	m.finishJob(j, resultTimeout, true, false)
	m.emergencyAction(u.cfg.JobTimeoutAction, -1, "job timed out")
}

// usecDuration turns µs into a Duration, saturating.
func usecDuration(usec uint64) time.Duration {
	const maxUsec = uint64(1<<63-1) / uint64(time.Microsecond)
	if usec > maxUsec {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(usec) * time.Microsecond
}
