package manager

import (
	"reflect"
	"testing"
	"time"

	"gosystemd/impl/core/job"
)

// The cylon's frames, as 252's draw_cylon draws them for the positions
// manager_print_jobs_in_progress goes through (0 to 7 and back).
func TestDrawCylonAs252(t *testing.T) {
	want := []string{"*     ", "**    ", "***   ", " ***  ", "  *** ", "   ***", "    **", "     *"}
	for pos, w := range want {
		if got := drawCylon(cylonWidth, pos, false); got != w {
			t.Errorf("position %d: %q, want %q", pos, got, w)
		}
	}
	const red, hred, normal = "\x1b[0;31m", "\x1b[0;1;31m", "\x1b[0m"
	for pos, w := range map[int]string{
		0: normal + red + "*     " + normal,
		3: " " + red + "*" + hred + "*" + normal + red + "*  " + normal,
		7: "     " + red + "*" + normal,
	} {
		if got := drawCylon(cylonWidth, pos, true); got != w {
			t.Errorf("position %d in colour: %q, want %q", pos, got, w)
		}
	}
}

// flipLog is a status log whose observer flips ShowStatus=auto.
type flipLog struct {
	statusLog
	flips []bool
}

func (l *flipLog) FlipAutoStatus(enable bool, _ string) bool {
	l.flips = append(l.flips, enable)
	return true
}

// A job that runs long during the boot gets 252's jobs-in-progress line:
// the cylon, which of the running jobs, how long it has waited and its
// limit; none after the boot or while a unit holds the console.
func TestJobsInProgressAsSystemd(t *testing.T) {
	m, _ := deviceTestManager(t, map[string]string{
		"foo.target": "[Unit]\nDescription=Foo Things\n",
		"bar.target": "[Unit]\nDescription=Bar Things\nJobTimeoutSec=90\n",
	})
	log := &flipLog{}
	m.obs = log
	old := askPasswordDir
	askPasswordDir = t.TempDir()
	t.Cleanup(func() { askPasswordDir = old })
	foo, bar := mustLoad(t, m, "foo.target"), mustLoad(t, m, "bar.target")

	start := func(u *Unit, id uint32, ago time.Duration) *Job {
		j := &Job{m: m, id: id, unit: u, typ: job.Start}
		m.jobs[id] = j
		u.job = j
		m.startJobTimer(j, false)
		j.timer.begin = j.timer.begin.Add(-ago)
		m.setJobRunning(j, true)
		return j
	}
	fj := start(foo, 7, 2500*time.Millisecond)
	m.watchJobsInProgress()
	if m.jobsInProgress == nil {
		t.Fatal("a running job armed no jobs-in-progress timer")
	}
	m.printJobsInProgress()
	if want := []string{"*     |Job foo.target/start running (2s / no limit)"}; !reflect.DeepEqual(log.status, want) {
		t.Errorf("one job: %q, want %q", log.status, want)
	}
	if len(log.kinds) != 1 || log.kinds[0] != StatusEphemeral || !reflect.DeepEqual(log.flips, []bool{true}) {
		t.Errorf("kinds %v, flips %v", log.kinds, log.flips)
	}

	// Two jobs: each stays for three periods, numbered.
	start(bar, 9, 65*time.Second)
	log.status = nil
	for i := 0; i < 5; i++ {
		m.printJobsInProgress()
	}
	// bar's JobTimeoutSec= counts from its installation (startJobTimer),
	// 65 s after the begin the test gave it: 90 + 65 s from the begin.
	want := []string{
		"**    |(1 of 2) Job foo.target/start running (2s / no limit)",
		"***   |(1 of 2) Job foo.target/start running (2s / no limit)",
		" ***  |(2 of 2) Job bar.target/start running (1min 5s / 2min 35s)",
		"  *** |(2 of 2) Job bar.target/start running (1min 5s / 2min 35s)",
		"   ***|(2 of 2) Job bar.target/start running (1min 5s / 2min 35s)",
	}
	if !reflect.DeepEqual(log.status, want) {
		t.Errorf("two jobs:\n%q\nwant\n%q", log.status, want)
	}

	// A unit on the console silences it, as does the end of the boot.
	log.status = nil
	m.nOnConsole = 1
	m.printJobsInProgress()
	m.nOnConsole = 0
	m.startupDone = true
	m.printJobsInProgress()
	if len(log.status) != 0 {
		t.Errorf("with the console taken, or after the boot: %q", log.status)
	}

	// The last running job gone, the timer goes.
	m.setJobRunning(fj, false)
	m.setJobRunning(m.jobs[9], false)
	if m.jobsInProgress != nil || m.nRunningJobs != 0 {
		t.Errorf("no job runs: timer %v, %d running", m.jobsInProgress != nil, m.nRunningJobs)
	}
}
