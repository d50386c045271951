package manager

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Host test mode for timer and path units: our manager runs as a child in
// a private mount namespace with a temporary directory bound over
// /run/systemd, sees only the test's units (SYSTEMD_UNIT_PATH), and the
// host's real systemctl talks to it over /run/systemd/private.

// tpHost is one manager run.
type tpHost struct {
	t     *testing.T
	dir   string
	units string
	cmd   *exec.Cmd
}

// tpStartHost writes units into a fresh unit directory and starts a
// manager on target; it is stopped when the test ends.
func tpStartHost(t *testing.T, target string, units map[string]string) *tpHost {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("host test mode needs root (mount namespace)")
	}
	for _, tool := range []string{"unshare", "nsenter", "systemctl", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("host test mode needs %s", tool)
		}
	}
	if st, err := os.Stat("/run/systemd"); err != nil || !st.IsDir() {
		t.Skip("host test mode needs a /run/systemd directory to bind over")
	}
	dir := t.TempDir()
	h := &tpHost{t: t, dir: dir, units: filepath.Join(dir, "units")}
	for _, d := range []string{h.units, filepath.Join(dir, "run")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range units {
		data = strings.ReplaceAll(data, "@DIR@", dir)
		if err := os.WriteFile(filepath.Join(h.units, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "systemd")
	build := exec.Command("go", "build", "-o", bin, "../../../cmd/gosystemd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the manager: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	h.cmd = exec.Command("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
		`mount --bind "$1" /run/systemd && exec "$2" --unit="$3"`, "sh", filepath.Join(dir, "run"), bin, target)
	h.cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GOSYSTEMD_TEST_RUNTIME_DIR=/run", "SYSTEMD_UNIT_PATH=" + h.units}
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = h.cmd.Wait(); logf.Close(); close(done) }()
	t.Cleanup(func() {
		_ = h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = h.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Logf("manager log:\n%s", log)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		if _, err := os.Stat(filepath.Join(dir, "run", "private")); err == nil {
			break
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("manager exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("manager did not open its private socket")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return h
}

// systemctl runs the host's systemctl against the manager.
func (h *tpHost) systemctl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	argv := append([]string{"-t", fmt.Sprint(h.cmd.Process.Pid), "-m", "--", "systemctl", "--no-pager"}, args...)
	out, err := exec.CommandContext(ctx, "nsenter", argv...).CombinedOutput()
	return string(out), err
}

// show is `systemctl show -p PROPS UNIT` as a map.
func (h *tpHost) show(unit string, props ...string) map[string]string {
	h.t.Helper()
	out, err := h.systemctl("show", "-p", strings.Join(props, ","), unit)
	if err != nil {
		h.t.Fatalf("systemctl show %s: %v\n%s", unit, err, out)
	}
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			if _, dup := m[k]; dup {
				m[k] += "\n" + v
			} else {
				m[k] = v
			}
		}
	}
	return m
}

// waitState waits until unit's ActiveState/SubState are as given.
func (h *tpHost) waitState(unit, active, sub string, timeout time.Duration) map[string]string {
	h.t.Helper()
	var m map[string]string
	for deadline := time.Now().Add(timeout); ; {
		m = h.show(unit, "ActiveState", "SubState", "Result")
		if m["ActiveState"] == active && m["SubState"] == sub {
			return m
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: ActiveState=%s SubState=%s, want %s %s", unit, m["ActiveState"], m["SubState"], active, sub)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lines counts the lines of a file in the test directory (0 if absent).
func (h *tpHost) lines(name string) int {
	data, err := os.ReadFile(filepath.Join(h.dir, name))
	if err != nil {
		return 0
	}
	return strings.Count(string(data), "\n")
}

func tpCounter(name, more string) string {
	cmd := "echo run >> @DIR@/" + name + ".count"
	if more != "" {
		cmd += " && " + more
	}
	return "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/sh -c '" + cmd + "'\n"
}

func TestTimerUnitHostOnActiveSecTriggersOneshot(t *testing.T) {
	h := tpStartHost(t, "tpt.target", map[string]string{
		"tpt.target":       "[Unit]\nAllowIsolate=yes\nWants=tpt-once.timer tpt-later.timer tpt-noremain.timer tpt-missing.timer\n",
		"tpt-later.timer":  "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1h\nUnit=tpt-once.service\n",
		"tpt-once.timer":   "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1\nAccuracySec=1us\n",
		"tpt-once.service": tpCounter("once", ""),
		"tpt-noremain.timer": "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1\nAccuracySec=1us\n" +
			"RemainAfterElapse=no\n",
		"tpt-noremain.service": tpCounter("noremain", ""),
		"tpt-missing.timer":    "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1\nUnit=tpt-nothere.service\n",
	})
	// A timer that has yet to elapse waits.
	m := h.waitState("tpt-later.timer", "active", "waiting", 15*time.Second)
	if m["Result"] != "success" {
		t.Errorf("Result=%s while waiting", m["Result"])
	}
	p := h.show("tpt-later.timer", "NextElapseUSecMonotonic", "NextElapseUSecRealtime", "LastTriggerUSec", "TimersMonotonic", "Unit")
	if p["NextElapseUSecMonotonic"] == "infinity" || p["NextElapseUSecMonotonic"] == "0" || p["LastTriggerUSec"] != "" ||
		p["Unit"] != "tpt-once.service" {
		t.Errorf("waiting timer: %v", p)
	}
	if !strings.HasPrefix(p["TimersMonotonic"], "{ OnActiveUSec=1h ; next_elapse=") {
		t.Errorf("TimersMonotonic=%s", p["TimersMonotonic"])
	}

	// It elapses once, starts its service, and stays elapsed.
	h.waitState("tpt-once.timer", "active", "elapsed", 20*time.Second)
	h.waitState("tpt-once.service", "inactive", "dead", 15*time.Second)
	if n := h.lines("once.count"); n != 1 {
		t.Errorf("tpt-once.service ran %d times, want 1", n)
	}
	p = h.show("tpt-once.timer", "NextElapseUSecMonotonic", "LastTriggerUSec", "Result")
	if p["NextElapseUSecMonotonic"] != "infinity" || p["LastTriggerUSec"] == "" || p["Result"] != "success" {
		t.Errorf("elapsed timer: %v", p)
	}
	if s := h.show("tpt-once.service", "Result", "TriggeredBy"); s["Result"] != "success" ||
		!slices.Contains(strings.Fields(s["TriggeredBy"]), "tpt-once.timer") {
		t.Errorf("service: %v", s)
	}

	// RemainAfterElapse=no: the timer is done once its unit is.
	h.waitState("tpt-noremain.timer", "inactive", "dead", 20*time.Second)
	if n := h.lines("noremain.count"); n != 1 {
		t.Errorf("tpt-noremain.service ran %d times, want 1", n)
	}

	// Stopped and started again, the one-time value counts anew.
	if out, err := h.systemctl("stop", "tpt-once.timer"); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	h.waitState("tpt-once.timer", "inactive", "dead", 15*time.Second)
	if out, err := h.systemctl("start", "tpt-once.timer"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	h.waitState("tpt-once.timer", "active", "elapsed", 20*time.Second)
	h.waitState("tpt-once.service", "inactive", "dead", 15*time.Second)
	if n := h.lines("once.count"); n != 2 {
		t.Errorf("tpt-once.service ran %d times after the restart, want 2", n)
	}

	// A timer whose unit does not exist refuses to start.
	if out, err := h.systemctl("start", "tpt-missing.timer"); err == nil {
		t.Errorf("starting tpt-missing.timer worked:\n%s", out)
	}
	h.waitState("tpt-missing.timer", "inactive", "dead", 5*time.Second)
}

func TestTimerUnitHostOnUnitActiveSecRepeats(t *testing.T) {
	h := tpStartHost(t, "tpt.target", map[string]string{
		"tpt.target":       "[Unit]\nAllowIsolate=yes\nWants=tpt-rep.timer\n",
		"tpt-rep.timer":    "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1\nOnUnitActiveSec=1\nAccuracySec=1us\nUnit=tpt-work.service\n",
		"tpt-work.service": tpCounter("work", ""),
	})
	for deadline := time.Now().Add(30 * time.Second); h.lines("work.count") < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("tpt-work.service ran %d times in 30s, want 3 at least", h.lines("work.count"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Between runs it waits for the next one.
	m := h.waitState("tpt-rep.timer", "active", "waiting", 15*time.Second)
	if m["Result"] != "success" {
		t.Errorf("Result=%s", m["Result"])
	}
	p := h.show("tpt-rep.timer", "NextElapseUSecMonotonic", "LastTriggerUSec", "LastTriggerUSecMonotonic")
	if p["NextElapseUSecMonotonic"] == "infinity" || p["NextElapseUSecMonotonic"] == "0" || p["LastTriggerUSec"] == "" {
		t.Errorf("periodic timer: %v", p)
	}
}

func TestPathUnitHostStartsServiceWhenFileAppears(t *testing.T) {
	h := tpStartHost(t, "tpp.target", map[string]string{
		"tpp.target":          "[Unit]\nAllowIsolate=yes\nWants=tpp-flag.path tpp-queue.path tpp-limit.path\n",
		"tpp-flag.path":       "[Unit]\nDefaultDependencies=no\n[Path]\nPathExists=@DIR@/deep/flag\n",
		"tpp-flag.service":    tpCounter("flag", "rm -f @DIR@/deep/flag"),
		"tpp-queue.path":      "[Unit]\nDefaultDependencies=no\n[Path]\nDirectoryNotEmpty=@DIR@/queue\nMakeDirectory=yes\nDirectoryMode=0750\n",
		"tpp-queue.service":   tpCounter("queue", "rm -f @DIR@/queue/*"),
		"tpp-limit.path":      "[Unit]\nDefaultDependencies=no\n[Path]\nPathExists=@DIR@/units\nTriggerLimitBurst=2\nTriggerLimitIntervalSec=1min\n",
		"tpp-limit.service":   tpCounter("limit", ""),
		"tpp-changed.path":    "[Unit]\nDefaultDependencies=no\n[Path]\nPathChanged=@DIR@/changed\n",
		"tpp-changed.service": tpCounter("changed", ""),
	})
	h.waitState("tpp-flag.path", "active", "waiting", 15*time.Second)
	if p := h.show("tpp-flag.path", "Result", "Unit", "Paths"); p["Result"] != "success" || p["Unit"] != "tpp-flag.service" ||
		p["Paths"] != h.dir+"/deep/flag (PathExists)" {
		t.Errorf("waiting path: %v", p)
	}
	// The file appears below a directory that does not exist yet.
	if err := os.MkdirAll(filepath.Join(h.dir, "deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "deep", "flag"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); h.lines("flag.count") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("tpp-flag.service did not run")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.waitState("tpp-flag.service", "inactive", "dead", 15*time.Second)
	h.waitState("tpp-flag.path", "active", "waiting", 15*time.Second)
	if n := h.lines("flag.count"); n != 1 {
		t.Errorf("tpp-flag.service ran %d times, want 1", n)
	}

	// MakeDirectory= made the queue with its mode; a file in it
	// triggers once, the service empties it.
	h.waitState("tpp-queue.path", "active", "waiting", 15*time.Second)
	if st, err := os.Stat(filepath.Join(h.dir, "queue")); err != nil || st.Mode().Perm() != 0o750 {
		t.Errorf("queue directory: %v %v", st, err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "queue", "item"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); h.lines("queue.count") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("tpp-queue.service did not run")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.waitState("tpp-queue.path", "active", "waiting", 15*time.Second)

	// A condition that stays true runs into the trigger limit.
	m := h.waitState("tpp-limit.path", "failed", "failed", 20*time.Second)
	if m["Result"] != "trigger-limit-hit" {
		t.Errorf("tpp-limit.path Result=%s, want trigger-limit-hit", m["Result"])
	}
	if n := h.lines("limit.count"); n != 2 {
		t.Errorf("tpp-limit.service ran %d times, want 2 (the burst)", n)
	}
	if out, err := h.systemctl("reset-failed", "tpp-limit.path"); err != nil {
		t.Fatalf("reset-failed: %v\n%s", err, out)
	}
	if m := h.waitState("tpp-limit.path", "inactive", "dead", 15*time.Second); m["Result"] != "success" {
		t.Errorf("after reset-failed: Result=%s", m["Result"])
	}

	// PathChanged= fires when a file written to is closed.
	if err := os.WriteFile(filepath.Join(h.dir, "changed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := h.systemctl("start", "tpp-changed.path"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	h.waitState("tpp-changed.path", "active", "waiting", 15*time.Second)
	if n := h.lines("changed.count"); n != 0 {
		t.Fatalf("tpp-changed.service ran %d times before any change", n)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "changed"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); h.lines("changed.count") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("tpp-changed.service did not run")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.waitState("tpp-changed.path", "active", "waiting", 15*time.Second)

	// Stopped, a path unit lets go of its watches.
	if out, err := h.systemctl("stop", "tpp-flag.path"); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	h.waitState("tpp-flag.path", "inactive", "dead", 15*time.Second)
	if err := os.WriteFile(filepath.Join(h.dir, "deep", "flag"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := h.lines("flag.count"); n != 1 {
		t.Errorf("tpp-flag.service ran %d times after its path unit stopped, want 1", n)
	}
}

func TestTimerPathUnitHostDaemonReload(t *testing.T) {
	h := tpStartHost(t, "tpr.target", map[string]string{
		"tpr.target":       "[Unit]\nAllowIsolate=yes\nWants=tpr.timer tpr.path\n",
		"tpr.timer":        "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1h\n",
		"tpr.service":      tpCounter("timer", ""),
		"tpr.path":         "[Unit]\nDefaultDependencies=no\n[Path]\nPathExists=@DIR@/old-flag\n",
		"tpr-path.service": tpCounter("path", "rm -f @DIR@/new-flag"),
	})
	h.waitState("tpr.timer", "active", "waiting", 15*time.Second)
	h.waitState("tpr.path", "active", "waiting", 15*time.Second)
	// The timer now fires at once, the path unit watches another file
	// and triggers another service.
	for name, data := range map[string]string{
		"tpr.timer": "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1\nAccuracySec=1us\n",
		"tpr.path":  "[Unit]\nDefaultDependencies=no\n[Path]\nPathExists=" + h.dir + "/new-flag\nUnit=tpr-path.service\n",
	} {
		if err := os.WriteFile(filepath.Join(h.units, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := h.systemctl("daemon-reload"); err != nil {
		t.Fatalf("daemon-reload: %v\n%s", err, out)
	}
	h.waitState("tpr.timer", "active", "elapsed", 20*time.Second)
	if n := h.lines("timer.count"); n != 1 {
		t.Errorf("tpr.service ran %d times, want 1", n)
	}
	if p := h.show("tpr.path", "Paths", "Unit"); p["Paths"] != h.dir+"/new-flag (PathExists)" || p["Unit"] != "tpr-path.service" {
		t.Fatalf("after daemon-reload: %v", p)
	}
	h.waitState("tpr.path", "active", "waiting", 15*time.Second)
	if err := os.WriteFile(filepath.Join(h.dir, "new-flag"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); h.lines("path.count") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("tpr-path.service did not run for the file the reloaded path unit watches")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.waitState("tpr.path", "active", "waiting", 15*time.Second)
}
