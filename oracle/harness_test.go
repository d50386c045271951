package oracle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	oracletest.Cleanup()
	if difftestBin != "" {
		os.RemoveAll(filepath.Dir(difftestBin))
	}
	os.Exit(code)
}

// The normalizer invents no difference: real systemd's own binaries, copied
// into a tree and overlaid as the go side, give an identical transcript.
func TestRealBinariesAsGoTreeAreIdentical(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	h.GoTree = oracletest.RealTree(t, h.Images)
	real := h.RunScenario("testdata/selfcheck.txtar", oracle.Real)
	goT := h.RunScenario("testdata/selfcheck.txtar", oracle.Go)
	if !real.OK || !goT.OK {
		t.Fatalf("scenario failed: real=%v go=%v\n%s\n%s", real.OK, goT.OK, real.Log, goT.Log)
	}
	if d := oracle.DiffTranscripts(real, goT); len(d) > 0 {
		t.Errorf("real binaries as the go tree diverge:\n%s", (&oracle.Verdict{Diffs: d}).DiffText())
	}
}

// The normalizer hides no real difference: a systemctl that changes one
// character of its output diverges in exactly the commands that call it.
func TestAlteredSystemctlDiverges(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tree := oracletest.RealTree(t, h.Images)
	wrapper := "#!/bin/sh\nout=$(/usr/libexec/oracle/systemctl \"$@\"); rc=$?\n[ -z \"$out\" ] || printf '%s\\n' \"$out\" | sed '0,/e/s//E/'\nexit $rc\n"
	os.Remove(filepath.Join(tree, "usr/bin/systemctl"))
	if err := os.WriteFile(filepath.Join(tree, "usr/bin/systemctl"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	h.GoTree = tree
	real := h.RunScenario("testdata/selfcheck.txtar", oracle.Real)
	goT := h.RunScenario("testdata/selfcheck.txtar", oracle.Go)
	diffs := oracle.DiffTranscripts(real, goT)
	var parts []string
	for _, d := range diffs {
		parts = append(parts, d.Part)
	}
	want := []string{"cmd 2: /usr/bin/systemctl show -p Type,Result hello.service"}
	if strings.Join(parts, "\n") != strings.Join(want, "\n") {
		t.Errorf("diverging parts = %q, want %q", parts, want)
	}
}

// A unit default changed by a drop-in in the tree shows in the unit's
// properties.
func TestAlteredDefaultDiverges(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tree := t.TempDir()
	dropin := filepath.Join(tree, "usr/lib/systemd/system/service.d/gosd-selfcheck.conf")
	os.MkdirAll(filepath.Dir(dropin), 0o755)
	if err := os.WriteFile(dropin, []byte("[Service]\nTimeoutStopSec=42s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.GoTree = tree
	real := h.RunScenario("testdata/selfcheck.txtar", oracle.Real)
	goT := h.RunScenario("testdata/selfcheck.txtar", oracle.Go)
	found := false
	for _, d := range oracle.DiffTranscripts(real, goT) {
		if d.Part == "show hello.service" && strings.Contains(d.Diff, "+TimeoutStopUSec=42s") {
			found = true
		}
	}
	if !found {
		t.Errorf("the changed default did not show as a divergence in show hello.service")
	}
}

// A guest whose boot never settles is given up at the boot timeout, its
// console is kept for the report, and nothing is left behind.
func TestHungGuestTimesOut(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	h.BootTimeout = 3 * time.Second
	tr := h.RunScenario("testdata/hang.txtar", oracle.Real)
	if tr.OK {
		t.Fatal("a boot that never settles passed")
	}
	if !strings.Contains(tr.Text(), "=== boot\nnot settled") {
		t.Errorf("transcript does not record the unsettled boot:\n%s", tr.Text())
	}
	if !strings.Contains(tr.Console, "never-done.service") {
		t.Errorf("console log not kept:\n%s", tr.Console)
	}
	assertNoLeftovers(t, os.Getpid())
}

// A malformed scenario names its file and line.
func TestMalformedScenarioNamesFileAndLine(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tr := h.RunScenario("testdata/malformed.txtar", oracle.Real)
	if tr.OK {
		t.Fatal("a malformed scenario passed")
	}
	if !strings.Contains(tr.Log, "malformed.txtar:3: unknown command \"sytemctl\"") {
		t.Errorf("log does not name file and line:\n%s", tr.Log)
	}
	assertNoLeftovers(t, os.Getpid())
}

var (
	difftestOnce sync.Once
	difftestBin  string
	difftestErr  error
)

// difftest builds the difftest command once per test process.
func difftest(t *testing.T) string {
	t.Helper()
	oracletest.Harness(t, oracle.ModeContainer) // images ready, root
	difftestOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gosd-difftest-")
		if err != nil {
			difftestErr = err
			return
		}
		difftestBin = filepath.Join(dir, "difftest")
		if out, err := exec.Command("go", "build", "-o", difftestBin, "gosystemd/cmd/difftest").CombinedOutput(); err != nil {
			difftestErr = fmt.Errorf("building difftest: %v\n%s", err, out)
		}
	})
	if difftestErr != nil {
		t.Fatal(difftestErr)
	}
	return difftestBin
}

// difftest run --json prints one object per scenario with the fields the
// README promises.
func TestDifftestRunJSON(t *testing.T) {
	out, err := exec.Command(difftest(t), "run", "--json", "testdata/selfcheck.txtar", "testdata/malformed.txtar").Output()
	if err == nil {
		t.Error("difftest run exited 0 although a scenario failed")
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got:\n%s", out)
	}
	got := map[string]oracle.JSONResult{}
	for _, l := range lines {
		var r oracle.JSONResult
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		got[r.Scenario] = r
	}
	if r := got["selfcheck"]; !r.RealOK || !r.GoOK || !r.Identical || r.Mode != "container" || r.Diff != "" {
		t.Errorf("selfcheck: %+v", r)
	}
	if r := got["malformed"]; r.RealOK || r.GoOK {
		t.Errorf("malformed: %+v", r)
	}
}

// difftest units loads a user's unit files on both sides and reports how
// systemctl show differs; with a tree that changes a default, it differs.
func TestDifftestUnits(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.service"), []byte("[Service]\nExecStart=/bin/true\n"), 0o644)
	out, err := exec.Command(difftest(t), "units", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0 part(s) differ; real_ok=true go_ok=true") {
		t.Errorf("units with nothing installed: %v\n%s", err, out)
	}
	tree := t.TempDir()
	dropin := filepath.Join(tree, "usr/lib/systemd/system/service.d/x.conf")
	os.MkdirAll(filepath.Dir(dropin), 0o755)
	os.WriteFile(dropin, []byte("[Service]\nRestartSec=7s\n"), 0o644)
	out, err = exec.Command(difftest(t), "units", "--go-tree", tree, dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "=== show mine.service") || !strings.Contains(string(out), "+RestartUSec=7s") {
		t.Errorf("units with an altered tree: %v\n%s", err, out)
	}
}

// SIGINT or SIGTERM to the runner removes everything it made; after SIGKILL,
// the next sweep does.
func TestRunnerSignalsLeaveNothing(t *testing.T) {
	bin := difftest(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "run", "--impl", "real", "testdata/slow.txtar")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pid := cmd.Process.Pid
			// Wait until the guest is up: its systemd holds a cgroup.
			deadline := time.Now().Add(60 * time.Second)
			for !guestRunning(pid) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatal("the runner never started a guest")
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			if sig == syscall.SIGKILL {
				if len(leftovers(pid)) == 0 {
					t.Fatal("SIGKILL left nothing to sweep: the test proves nothing")
				}
				oracle.SweepLeftovers("")
			}
			assertNoLeftovers(t, pid)
		})
	}
}

func cgroupBase() string {
	for _, p := range []string{"/sys/fs/cgroup/unified/gosd-oracle", "/sys/fs/cgroup/gosd-oracle"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/sys/fs/cgroup/unified/gosd-oracle"
}

func guestRunning(runner int) bool {
	m, _ := filepath.Glob(filepath.Join(cgroupBase(), "run-"+itoa(runner)+"-*", "guest", "init.scope"))
	return len(m) > 0
}

func itoa(n int) string { return strconv.Itoa(n) }

// leftovers lists what runner's runs still hold: cgroups, scratch dirs and
// host mounts below the work root.
func leftovers(runner int) []string {
	prefix := "run-" + itoa(runner) + "-"
	var out []string
	m, _ := filepath.Glob(filepath.Join(cgroupBase(), prefix+"*"))
	out = append(out, m...)
	m, _ = filepath.Glob(filepath.Join(oracle.DefaultWorkRoot, prefix+"*"))
	out = append(out, m...)
	m, _ = filepath.Glob(filepath.Join(oracle.OwnerDir, prefix+"*"))
	out = append(out, m...)
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, oracle.DefaultWorkRoot+"/"+prefix) {
				out = append(out, "mount: "+line)
			}
		}
	}
	return out
}

func assertNoLeftovers(t *testing.T, runner int) {
	t.Helper()
	if l := leftovers(runner); len(l) > 0 {
		t.Errorf("left behind:\n%s", strings.Join(l, "\n"))
	}
}

// A file placed under /lib lands in /usr/lib: the merged-/usr symlinks
// survive, and the boot with it.
func TestPlacedLibPathKeepsMergedUsr(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tr := h.RunScenario("testdata/libpath.txtar", oracle.Real)
	if !tr.OK {
		t.Fatalf("scenario failed:\n%s\n%s", tr.Log, tr.Text())
	}
}

// A command that stops (as PID 1 stops every process while it signals
// them all) and is continued inside the guest still completes: nsenter,
// which stops itself along with it, is continued from outside.
func TestExecSurvivesBeingStopped(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, oracle.Config{Name: "exec-stopped", Impl: oracle.Real, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ectx, ecancel := context.WithTimeout(ctx, 30*time.Second)
	defer ecancel()
	// The shell stops itself; a sibling continues it from inside.
	r := sb.Exec(ectx, []string{"sh", "-c", "(sleep 0.3; kill -CONT $$) & kill -STOP $$; echo resumed"}, nil)
	if r.Exit != 0 || string(r.Stdout) != "resumed\n" {
		t.Errorf("got exit %d timed out %v stdout %q stderr %q", r.Exit, r.TimedOut, r.Stdout, r.Stderr)
	}
}
