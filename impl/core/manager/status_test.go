package manager

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gosystemd/impl/core/job"
)

// statusLog records status lines with their kind, in colour or not.
type statusLog struct {
	devLog
	color   bool
	console bool
	kinds   []StatusType
}

func (l *statusLog) Status(t StatusType, s, text string) {
	l.devLog.Status(t, s, text)
	l.kinds = append(l.kinds, t)
}
func (l *statusLog) StatusColor() bool  { return l.color }
func (l *statusLog) LogOnConsole() bool { return l.console }

// Status lines are for the boot and the shutdown (252's
// manager_should_show_status), name the unit highlighted when the
// console has colour, and stand for the start message while the log
// goes to the console only.
func TestStatusLinesAsSystemd(t *testing.T) {
	m, _ := deviceTestManager(t, map[string]string{"foo.target": "[Unit]\nDescription=Foo Things\n"})
	log := &statusLog{}
	m.obs = log
	old := askPasswordDir
	askPasswordDir = t.TempDir()
	t.Cleanup(func() { askPasswordDir = old })
	u := mustLoad(t, m, "foo.target")
	u.conditionResult = true

	m.emitStartMessage(u, 1, job.Start)
	m.emitDoneMessage(u, 1, job.Start, job.Done)
	if want := []string{"|Starting foo.target - Foo Things...", "  OK  |Reached target foo.target - Foo Things."}; !reflect.DeepEqual(log.status, want) {
		t.Errorf("during the boot: %q, want %q", log.status, want)
	}
	if !log.has("Starting foo.target - Foo Things...") {
		t.Error("start message not logged")
	}

	log.status, log.lines, log.color, log.console = nil, nil, true, true
	m.emitStartMessage(u, 2, job.Start)
	m.emitDoneMessage(u, 2, job.Start, job.Failed)
	want := []string{"|Starting \x1b[0;1;39mfoo.target\x1b[0m - Foo Things...",
		"FAILED|Failed to start \x1b[0;1;39mfoo.target\x1b[0m - Foo Things.",
		"\x00|See 'systemctl status foo.target' for details."}
	if !reflect.DeepEqual(log.status, want) || len(log.lines) != 0 {
		t.Errorf("in colour, log on the console: %q and log %q, want %q and no log", log.status, log.lines, want)
	}
	if k := log.kinds[len(log.kinds)-3:]; !reflect.DeepEqual(k, []StatusType{StatusNormal, StatusNotice, StatusNormal}) {
		t.Errorf("kinds %v", k)
	}

	// A password query on the console silences them.
	log.status = nil
	if err := os.WriteFile(filepath.Join(askPasswordDir, "ask.x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m.emitStartMessage(u, 3, job.Start)
	if len(log.status) != 0 {
		t.Errorf("with a password query: %q", log.status)
	}
	os.Remove(filepath.Join(askPasswordDir, "ask.x"))

	// Once the boot is over, none.
	m.startupDone = true
	log.status, log.console = nil, false
	m.emitStartMessage(u, 4, job.Start)
	m.emitDoneMessage(u, 4, job.Start, job.Done)
	if len(log.status) != 0 {
		t.Errorf("after the boot: %q", log.status)
	}
	if !log.has("Reached target foo.target - Foo Things.") {
		t.Error("done message not logged after the boot")
	}
}

// The boot's end is logged as 252 logs it: userspace alone in a
// container, kernel and userspace on a machine of its own.
func TestStartupFinishedMessage(t *testing.T) {
	m, log := deviceTestManager(t, nil)
	m.reexec.phases.userspace = DualTimestamp{Realtime: 1, Monotonic: 1_500_000}
	m.reexec.phases.finish = DualTimestamp{Realtime: 2, Monotonic: 1_734_000}
	got := m.notifyFinished()
	if want := (StartupTimes{Kernel: 1_500_000, Userspace: 234_000, Total: 1_734_000}); got != want {
		t.Errorf("times %+v, want %+v", got, want)
	}
	if !log.has("Startup finished in 1.500s (kernel) + 234ms (userspace) = 1.734s.") {
		t.Errorf("log %q", log.lines)
	}
	m.cfg.Defaults.InContainer = true
	got = m.notifyFinished()
	if want := (StartupTimes{Userspace: 234_000, Total: 234_000}); got != want {
		t.Errorf("in a container: times %+v, want %+v", got, want)
	}
	if !log.has("Startup finished in 234ms.") {
		t.Errorf("log %q", log.lines)
	}
}
