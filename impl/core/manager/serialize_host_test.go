package manager

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReexecHost: the whole daemon-reexec, on the host test mode's
// manager (unittimer_host_test.go): the process execs itself, and the
// new one has the same services with the same processes, which it still
// reaps, the socket listening on the same fd, the same jobs counter.
func TestReexecHost(t *testing.T) {
	h := tpStartHost(t, "rx.target", map[string]string{
		"rx.target":        "[Unit]\nAllowIsolate=yes\n",
		"rx-app.service":   "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n",
		"rx-once.service":  "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
		"rx-fail.service":  "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/false\n",
		"rx-echo.socket":   "[Unit]\nDefaultDependencies=no\n[Socket]\nListenStream=@DIR@/echo.sock\n",
		"rx-echo.service":  "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n",
		"rx-tick.timer":    "[Unit]\nDefaultDependencies=no\n[Timer]\nOnActiveSec=1h\n",
		"rx-tick.service":  "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\n",
		"rx-watch.path":    "[Unit]\nDefaultDependencies=no\n[Path]\nPathExists=@DIR@/flag\n",
		"rx-watch.service": "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
		"rx-slow.service":  "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sleep 2\n",
	})
	if out, err := h.systemctl("start", "rx-app.service", "rx-once.service", "rx-echo.socket", "rx-tick.timer", "rx-watch.path"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	_, _ = h.systemctl("start", "rx-fail.service")
	props := []string{"ActiveState", "SubState", "Result", "MainPID", "InvocationID", "ExecMainPID", "ExecMainStartTimestamp", "NRestarts"}
	units := []string{"rx-app.service", "rx-once.service", "rx-fail.service", "rx-echo.socket", "rx-tick.timer", "rx-watch.path"}
	before := map[string]map[string]string{}
	for _, u := range units {
		before[u] = h.show(u, props...)
	}
	if before["rx-app.service"]["SubState"] != "running" || before["rx-fail.service"]["ActiveState"] != "failed" {
		t.Fatalf("not set up: %v", before)
	}
	jobsBefore, _ := h.systemctl("show", "-p", "NInstalledJobs", "--value")
	pid := h.cmd.Process.Pid
	// A start job still running when the manager re-executes.
	if out, err := h.systemctl("start", "--no-block", "rx-slow.service"); err != nil {
		t.Fatalf("start --no-block: %v\n%s", err, out)
	}
	slow := h.waitState("rx-slow.service", "activating", "start", 5*time.Second)
	_ = slow

	start := time.Now()
	if out, err := h.systemctl("daemon-reexec"); err != nil {
		t.Fatalf("daemon-reexec: %v\n%s", err, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("daemon-reexec took %v", d)
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if !strings.Contains(string(cmdline), "--deserialize=") {
		t.Fatalf("the manager did not exec itself: %q", cmdline)
	}
	for _, u := range units {
		if after := h.show(u, props...); !mapsEqual(after, before[u]) {
			t.Errorf("%s changed:\nbefore %v\nafter  %v", u, before[u], after)
		}
	}
	if got, _ := h.systemctl("show", "-p", "NInstalledJobs", "--value"); atoi(got) == 0 || atoi(got) != atoi(jobsBefore)+1 {
		t.Errorf("NInstalledJobs %s, was %s (and the slow start's job)", got, jobsBefore)
	}
	// The job goes on and ends with its unit.
	if jobs, _ := h.systemctl("list-jobs"); !strings.Contains(jobs, "rx-slow.service") && h.show("rx-slow.service", "SubState")["SubState"] == "start" {
		t.Errorf("the running job is gone:\n%s", jobs)
	}
	h.waitState("rx-slow.service", "active", "exited", 15*time.Second)
	if jobs, _ := h.systemctl("list-jobs"); !strings.Contains(jobs, "No jobs running.") {
		t.Errorf("jobs left:\n%s", jobs)
	}

	// The socket still listens: a connection starts its service.
	c, err := net.Dial("unix", filepath.Join(h.dir, "echo.sock"))
	if err != nil {
		t.Fatalf("connecting to the socket: %v", err)
	}
	c.Close()
	h.waitState("rx-echo.service", "active", "running", 15*time.Second)
	h.waitState("rx-echo.socket", "active", "running", 15*time.Second)

	// The new process reaps the old one's child and follows it.
	main, _ := strconv.Atoi(before["rx-app.service"]["MainPID"])
	if err := syscall.Kill(main, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	m := h.waitState("rx-app.service", "failed", "failed", 15*time.Second)
	if m["Result"] != "signal" {
		t.Errorf("Result=%s after SIGKILL", m["Result"])
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(main)); err == nil {
		t.Errorf("process %d not reaped", main)
	}

	// A second re-execution works as well, and the path unit goes on
	// watching.
	if out, err := h.systemctl("daemon-reexec"); err != nil {
		t.Fatalf("second daemon-reexec: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "flag"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.waitState("rx-watch.service", "active", "exited", 15*time.Second)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
