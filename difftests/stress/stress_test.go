package stress

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

const (
	systemctl = oracle.OracleBin + "/systemctl"
	// latencyBound is how long an is-system-running answer may take
	// while the stress runs: a liveness bound, not a speed claim.
	latencyBound = time.Second
	// rssBoundKB bounds PID 1's VmRSS, in kB.
	rssBoundKB = 64 << 10
	// pollPause separates two rounds of the watcher.
	pollPause = 50 * time.Millisecond
	// sideTimeout bounds one side's boot, stress and shutdown.
	sideTimeout = 4 * time.Minute
)

// guest is one booted side of a stress test.
type guest struct {
	t     *testing.T
	label string // "real" or "ours"
	sb    oracle.Sandbox
	ctx   context.Context
}

// exec runs argv in the guest, bounded by timeout.
func (g *guest) exec(timeout time.Duration, argv ...string) oracle.ExecResult {
	ctx, cancel := context.WithTimeout(g.ctx, timeout)
	defer cancel()
	return g.sb.Exec(ctx, argv, nil)
}

// must runs argv (bounded by 3 minutes, a liveness bound) and fails the
// test unless it exits 0.
func (g *guest) must(argv ...string) string {
	g.t.Helper()
	r := g.exec(3*time.Minute, argv...)
	if r.Exit != 0 {
		g.t.Fatalf("%s: %s: exit %d\n%s%s", g.label, strings.Join(argv, " "), r.Exit, r.Stdout, r.Stderr)
	}
	return string(r.Stdout)
}

// show returns unit's properties as real systemctl shows them.
func (g *guest) show(unit string, props ...string) map[string]string {
	g.t.Helper()
	out := g.must(systemctl, "show", "-p", strings.Join(props, ","), unit)
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	for _, p := range props {
		if _, ok := m[p]; !ok {
			g.t.Fatalf("%s: systemctl show %s printed no %s:\n%s", g.label, unit, p, out)
		}
	}
	return m
}

// waitFor polls cond until it holds, failing the test after timeout (a
// liveness bound).
func (g *guest) waitFor(what string, timeout time.Duration, cond func() bool) {
	g.t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			g.t.Fatalf("%s: no %s within %v", g.label, what, timeout)
		}
	}
}

// count runs a shell pipeline in the guest that prints a number.
func (g *guest) count(script string, args ...string) int {
	g.t.Helper()
	out := g.must(append([]string{"sh", "-c", script, "sh"}, args...)...)
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		g.t.Fatalf("%s: %q printed %q", g.label, script, out)
	}
	return n
}

// cgroupProcs is how many processes the cgroup at path (as ControlGroup=
// names it) holds; a removed cgroup holds none.
func (g *guest) cgroupProcs(path string) int {
	return g.count(`cat "/sys/fs/cgroup$1/cgroup.procs" 2>/dev/null | wc -l`, path)
}

// watchStats is what the watcher saw.
type watchStats struct {
	polls      int
	maxLatency time.Duration
	maxRSS     int // kB
	problems   []string
}

// watch polls `systemctl is-system-running` and PID 1's VmRSS until the
// returned function is called, which returns what it saw.
func (g *guest) watch() func() watchStats {
	var (
		st   watchStats
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	start := time.Now()
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(st.problems) < 20 {
			st.problems = append(st.problems, fmt.Sprintf("at %v: ", time.Since(start).Round(time.Millisecond))+fmt.Sprintf(format, args...))
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		slow := 0
		for {
			select {
			case <-done:
				return
			default:
			}
			t0 := time.Now()
			r := g.exec(10*time.Second, systemctl, "is-system-running")
			took := time.Since(t0)
			state := strings.TrimSpace(string(r.Stdout))
			// One slow answer can be the host's doing (a 2-core machine
			// running other tests stalls the guest too); two in a row
			// are PID 1's.
			if took > latencyBound {
				slow++
			} else {
				slow = 0
			}
			switch {
			case slow >= 2:
				problem("is-system-running took %v (%q), the second slow answer in a row", took.Round(time.Millisecond), state)
			case state != "running" && state != "degraded":
				problem("is-system-running answered %q, exit %d: %s", state, r.Exit, strings.TrimSpace(string(r.Stderr)))
			}
			rss := -1
			r = g.exec(10*time.Second, "cat", "/proc/1/status")
			for _, line := range strings.Split(string(r.Stdout), "\n") {
				if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
					rss, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
				}
			}
			if rss < 0 {
				problem("no VmRSS in /proc/1/status: exit %d %s", r.Exit, r.Stderr)
			} else if rss >= rssBoundKB {
				problem("PID 1's VmRSS is %d kB", rss)
			}
			mu.Lock()
			st.polls++
			st.maxLatency = max(st.maxLatency, took)
			st.maxRSS = max(st.maxRSS, rss)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(pollPause):
			}
		}
	}()
	var once sync.Once
	return func() watchStats {
		once.Do(func() { close(done); wg.Wait() })
		mu.Lock()
		defer mu.Unlock()
		return st
	}
}

// stressCase is one stress test: the files it places in the guest and
// its body, which runs while the watcher does and returns the properties
// that must be the same on both sides, and figures that are only logged.
type stressCase struct {
	name  string
	files []oracle.File
	body  func(g *guest) (same, logged map[string]string)
}

// helperFile is the test binary, to be run in the guest as the helper.
func helperFile(t *testing.T) oracle.File {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	return oracle.File{Path: helperPath, Data: data, Mode: 0o755}
}

// runStress runs c under systemd 252 and then under our PID 1, checks the
// bounds on both, and compares what c's body returned.
func runStress(t *testing.T, c stressCase) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tree := h.GoTree
	files := append(append([]oracle.File{}, c.files...), helperFile(t))
	sides := []struct {
		label string
		impl  oracle.Impl
		tree  string
	}{{"real", oracle.Real, ""}, {"ours", oracle.Go, tree}}
	same := make([]map[string]string, len(sides))
	for i, s := range sides {
		ok := t.Run(s.label, func(t *testing.T) {
			same[i] = runSide(t, h, c, s.label, s.impl, s.tree, files)
		})
		if !ok && i == 0 {
			t.Fatal("the stress failed under systemd 252: not comparing")
		}
	}
	if same[0] == nil || same[1] == nil {
		return
	}
	var keys []string
	for k := range same[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if same[0][k] != same[1][k] {
			t.Errorf("%s: systemd 252 %q, ours %q", k, same[0][k], same[1][k])
		}
	}
	for k, v := range same[1] {
		if _, ok := same[0][k]; !ok {
			t.Errorf("%s only observed under our PID 1: %q", k, v)
		}
	}
}

func runSide(t *testing.T, h *oracle.Harness, c stressCase, label string, impl oracle.Impl, tree string, files []oracle.File) map[string]string {
	sb, err := oracle.NewSandbox(oracle.ModeContainer, oracle.Config{Name: "stress-" + c.name + "-" + label, Impl: impl,
		Images: h.Images, GoTree: tree, Files: files, KernelArgs: oracle.BaseKernelArgs, BootTimeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), sideTimeout)
	defer cancel()
	began := time.Now()
	br, err := sb.Boot(ctx)
	if err != nil || !br.Settled {
		t.Fatalf("boot did not settle: %v\n%s", err, sb.Console())
	}
	defer func() {
		if t.Failed() {
			t.Logf("console:\n%s", sb.Console())
		}
	}()
	g := &guest{t: t, label: label, sb: sb, ctx: ctx}
	// Which manager runs: the size of PID 1's executable (ours is the
	// multicall binary, megabytes; 252's a small one).
	exe := strings.TrimSpace(g.must("stat", "-L", "-c", "%s", "/proc/1/exe"))
	if size, _ := strconv.Atoi(exe); (size > 4<<20) != (impl == oracle.Go) {
		t.Fatalf("PID 1's executable has %s bytes: not the %s manager", exe, label)
	}
	stop := g.watch()
	stressStart := time.Now()
	same, logged := func() (map[string]string, map[string]string) {
		defer stop()
		return c.body(g)
	}()
	stressTook := time.Since(stressStart)
	st := stop()
	t.Logf("%s: max is-system-running latency %v over %d polls, max VmRSS of PID 1 %.1f MB, stress %v",
		label, st.maxLatency.Round(time.Millisecond), st.polls, float64(st.maxRSS)/1024, stressTook.Round(time.Millisecond))
	var lk []string
	for k := range logged {
		lk = append(lk, k)
	}
	sort.Strings(lk)
	for _, k := range lk {
		t.Logf("%s: %s: %s", label, k, logged[k])
	}
	for _, p := range st.problems {
		t.Errorf("while stressed: %s", p)
	}
	if st.polls < 3 {
		t.Errorf("the watcher polled only %d times", st.polls)
	}
	// Afterwards PID 1 still answers (a second try, as above, for a
	// stall of the host's).
	for try := 1; ; try++ {
		t0 := time.Now()
		r := g.exec(10*time.Second, systemctl, "is-system-running")
		took := time.Since(t0)
		if took <= latencyBound && strings.TrimSpace(string(r.Stdout)) == "running" {
			break
		}
		if try == 2 {
			t.Errorf("after the stress, is-system-running answered %q (exit %d) in %v", r.Stdout, r.Exit, took)
			break
		}
	}
	clean, err := sb.Poweroff(ctx)
	if !clean {
		t.Errorf("shutdown was not clean: %v", err)
	}
	t.Logf("%s: whole side (boot, stress, shutdown) %v", label, time.Since(began).Round(time.Millisecond))
	return same
}

// prefixed copies props into m, each key prefixed with "STEP: ".
func prefixed(m map[string]string, step string, props map[string]string) {
	for k, v := range props {
		m[step+": "+k] = v
	}
}

var forkFiles = []oracle.File{
	{Path: "/etc/systemd/system/gosd-fork.service", Data: []byte(`[Unit]
Description=Forks a thousand children

[Service]
ExecStart=/usr/local/bin/gosd-fork.sh
`)},
	{Path: "/usr/local/bin/gosd-fork.sh", Mode: 0o755, Data: []byte(`#!/bin/sh
for i in $(seq 1000); do
  sleep 1000 &
done
wait
`)},
}

// TestForkThousandChildren starts a service whose shell forks 1,000
// sleeping children, then stops it: every process of the cgroup must
// go, and the service end as systemd 252's does.
func TestForkThousandChildren(t *testing.T) {
	runStress(t, stressCase{name: "fork", files: forkFiles, body: func(g *guest) (map[string]string, map[string]string) {
		const unit = "gosd-fork.service"
		same, logged := map[string]string{}, map[string]string{}
		g.must(systemctl, "start", unit)
		cg := g.show(unit, "ControlGroup")["ControlGroup"]
		if cg == "" {
			g.t.Fatalf("%s: %s has no control group", g.label, unit)
		}
		g.waitFor("1,001 processes in "+cg, time.Minute, func() bool { return g.cgroupProcs(cg) == 1001 })
		prefixed(same, "running", g.show(unit, "ActiveState", "SubState", "ControlGroup"))
		t0 := time.Now()
		g.must(systemctl, "stop", unit)
		logged["stop took"] = time.Since(t0).Round(time.Millisecond).String()
		prefixed(same, "stopped", g.show(unit, "ActiveState", "SubState", "Result", "ExecMainCode", "ExecMainStatus", "MainPID"))
		if n := g.cgroupProcs(cg); n != 0 {
			g.t.Errorf("%s: %d processes left in %s after stop", g.label, n, cg)
		}
		left := g.count(`for p in /proc/[0-9]*; do tr '\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '^sleep 1000 $' || true`)
		if left != 0 {
			g.t.Errorf("%s: %d of the children are still running after stop", g.label, left)
		}
		return same, logged
	}})
}

// The flood: floodSenders sockets, each sending floodPerSender datagrams
// in bursts of 5 every 20 ms, about 1,000 a second in all. An unpaced
// flood is not fair to 252: it reads its notification socket before its
// bus connections, so while datagrams keep coming it answers no one —
// 40,000 unpaced datagrams from 4 sockets took it 15–25 s, with
// is-system-running waiting up to 4.4 s.
const (
	floodSenders   = 4
	floodPerSender = 1500
)

var floodFiles = []oracle.File{
	{Path: "/etc/systemd/system/gosd-flood.service", Data: []byte(fmt.Sprintf(`[Unit]
Description=Floods the notification socket

[Service]
Type=notify
NotifyAccess=all
Environment=%s=notify-flood
ExecStart=%s %d %d 5 20ms
`, helperEnv, helperPath, floodSenders, floodPerSender))},
}

// TestNotifyFlood starts a Type=notify service that sends thousands of
// STATUS= datagrams from four sockets before READY=1: start returns once
// the manager has read them all, with the last status kept.
func TestNotifyFlood(t *testing.T) {
	runStress(t, stressCase{name: "flood", files: floodFiles, body: func(g *guest) (map[string]string, map[string]string) {
		const unit = "gosd-flood.service"
		same, logged := map[string]string{}, map[string]string{}
		t0 := time.Now()
		g.must(systemctl, "start", unit)
		logged[fmt.Sprintf("start (%d datagrams, then READY=1) took", floodSenders*floodPerSender)] = time.Since(t0).Round(time.Millisecond).String()
		prefixed(same, "started", g.show(unit, "Type", "NotifyAccess", "ActiveState", "SubState", "StatusText", "Result"))
		g.must(systemctl, "stop", unit)
		prefixed(same, "stopped", g.show(unit, "ActiveState", "SubState", "Result", "ExecMainCode", "ExecMainStatus", "StatusText"))
		return same, logged
	}})
}

// manyWants is how many units the target of TestManyWants wants. The
// issue asks for 10,000 dependencies; under systemd 252 the bound on
// is-system-running does not hold at that scale, so the count is what 252
// meets with room to spare on this project's 2-core machines. Measured in
// the oracle container (with the machine shared): 252 answers nothing
// while it builds and runs a big transaction — 300 wanted oneshot
// services stalled is-system-running 4 s, 1,000 of them 10 s (11.7 s to
// start), 1,000 empty targets 1.1 s; 10,000 Wants= on units without a
// file took 1.0–1.1 s, 5,000 0.86 s, 3,000 0.4–0.6 s (and 0.7 s to stop,
// 1.2 s to daemon-reload).
const manyWants = 2000

// manyWantsTarget is a target that wants manyWants services that have no
// unit file, 100 names to a Wants= line.
func manyWantsTarget() []oracle.File {
	var target strings.Builder
	target.WriteString("[Unit]\nDescription=Wants thousands of units\n")
	for i := 1; i <= manyWants; i++ {
		if i%100 == 1 {
			target.WriteString("Wants=")
		}
		fmt.Fprintf(&target, "gosd-dep-%05d.service", i)
		if i%100 == 0 || i == manyWants {
			target.WriteString("\n")
		} else {
			target.WriteString(" ")
		}
	}
	return []oracle.File{{Path: "/etc/systemd/system/gosd-many.target", Data: []byte(target.String())}}
}

// TestManyWants starts a target that wants thousands of services that
// have no unit file, in one transaction, stops and starts it again: each wanted unit is loaded as not-found, the jobs they would get
// are dropped, the target starts alone, as under systemd 252.
func TestManyWants(t *testing.T) {
	runStress(t, stressCase{name: "wants", files: manyWantsTarget(), body: func(g *guest) (map[string]string, map[string]string) {
		same, logged := map[string]string{}, map[string]string{}
		// Started, stopped and started again.
		for i, argv := range [][]string{{"start", "gosd-many.target"}, {"stop", "gosd-many.target"}, {"start", "gosd-many.target"}} {
			t0 := time.Now()
			g.must(append([]string{systemctl}, argv...)...)
			logged[fmt.Sprintf("%d: %s took", i+1, strings.Join(argv, " "))] = time.Since(t0).Round(time.Millisecond).String()
		}
		prefixed(same, "target", g.show("gosd-many.target", "ActiveState", "SubState"))
		out := g.must(systemctl, "list-units", "--all", "--plain", "--no-legend", "--no-pager", "gosd-dep-*")
		states := map[string]int{}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 4 {
				states[strings.Join(f[1:4], " ")]++
			}
		}
		var summary []string
		for s, n := range states {
			summary = append(summary, fmt.Sprintf("%d %s", n, s))
		}
		sort.Strings(summary)
		same["wanted units (load active sub)"] = strings.Join(summary, ", ")
		if states["not-found inactive dead"] != manyWants {
			g.t.Errorf("%s: wanted units after start: %s", g.label, strings.Join(summary, ", "))
		}
		prefixed(same, "a wanted unit", g.show("gosd-dep-00001.service", "LoadState", "ActiveState", "WantedBy"))
		same["jobs left"] = strings.TrimSpace(g.must(systemctl, "show", "-p", "NJobs", "--value"))
		return same, logged
	}})
}

var crashFiles = []oracle.File{
	{Path: "/etc/systemd/system/gosd-crash.service", Data: []byte(`[Unit]
Description=Fails at once, restarted at once
StartLimitIntervalSec=0

[Service]
ExecStart=/bin/false
Restart=always
RestartSec=0
`)},
}

// crashLoopFor is how long TestCrashLoop lets the service crash-loop.
const crashLoopFor = 4 * time.Second

// TestCrashLoop lets a Restart=always RestartSec=0 service whose command
// fails at once crash-loop for seconds, then stops it: it must have been
// restarted over and over, stay stopped with its cgroup empty, and after
// reset-failed be what it is under systemd 252.
func TestCrashLoop(t *testing.T) {
	runStress(t, stressCase{name: "crash", files: crashFiles, body: func(g *guest) (map[string]string, map[string]string) {
		const unit = "gosd-crash.service"
		same, logged := map[string]string{}, map[string]string{}
		g.must(systemctl, "start", unit)
		time.Sleep(crashLoopFor)
		looping := g.show(unit, "ActiveState", "SubState", "NRestarts")
		restarts, _ := strconv.Atoi(looping["NRestarts"])
		logged["restarts in "+crashLoopFor.String()] = looping["NRestarts"]
		g.must(systemctl, "stop", unit)
		after := g.show(unit, "ActiveState", "SubState", "Result", "NRestarts", "MainPID", "ControlGroup")
		logged["journal"] = g.must("sh", "-c", "journalctl -u gosd-crash.service -o cat | sort | uniq -c | sort -rn | head -5")
		logged["after stop"] = fmt.Sprintf("%s/%s result %s, NRestarts %s", after["ActiveState"], after["SubState"], after["Result"], after["NRestarts"])
		if restarts < 20 {
			g.t.Errorf("%s: only %d restarts in %v", g.label, restarts, crashLoopFor)
		}
		// Where the stop lands is a race (under 252 too): while the
		// command runs, the unit ends dead with success; between two
		// runs, failed with the last run's exit-code.
		switch end := after["ActiveState"] + "/" + after["SubState"] + " " + after["Result"]; end {
		case "inactive/dead success", "failed/failed exit-code":
		default:
			g.t.Errorf("%s: after stop: %s", g.label, end)
		}
		time.Sleep(500 * time.Millisecond)
		again := g.show(unit, "ActiveState", "NRestarts")
		if again["NRestarts"] != after["NRestarts"] || again["ActiveState"] != after["ActiveState"] {
			g.t.Errorf("%s: still restarting after stop: %v, then %v", g.label, after, again)
		}
		if n := g.cgroupProcs("/system.slice/gosd-crash.service"); n != 0 {
			g.t.Errorf("%s: %d processes left in the stopped service's cgroup", g.label, n)
		}
		// The unit may be unloaded already (inactive and unreferenced):
		// reset-failed then fails, and show loads it afresh.
		g.exec(time.Minute, systemctl, "reset-failed", unit)
		prefixed(same, "stopped", map[string]string{"MainPID": after["MainPID"], "ControlGroup": after["ControlGroup"]})
		prefixed(same, "after reset-failed", g.show(unit, "ActiveState", "SubState", "Result", "NRestarts"))
		return same, logged
	}})
}

// nonReaderCalls is how many calls TestPrivateSocketNonReader's client
// pipelines.
const nonReaderCalls = 20000

// TestPrivateSocketNonReader connects a client to /run/systemd/private
// that writes 20,000 method calls and reads nothing for seconds; other
// clients must be answered meanwhile, and when it reads at last it gets a
// reply to every call the manager took, on a connection that still
// works.
func TestPrivateSocketNonReader(t *testing.T) {
	runStress(t, stressCase{name: "noread", body: func(g *guest) (map[string]string, map[string]string) {
		same, logged := map[string]string{}, map[string]string{}
		const trigger = "/run/gosd-stress-read"
		done := make(chan oracle.ExecResult, 1)
		go func() {
			done <- g.exec(2*time.Minute, "env", helperEnv+"=private-noread", helperPath, strconv.Itoa(nonReaderCalls), trigger)
		}()
		// The helper's writes stop after a 5 s stall at most; the
		// watcher meanwhile talks to the same socket.
		time.Sleep(7 * time.Second)
		g.must("touch", trigger)
		r := <-done
		if r.Exit != 0 {
			g.t.Fatalf("%s: helper: exit %d\n%s%s", g.label, r.Exit, r.Stdout, r.Stderr)
		}
		var sent, replies int
		var conn string
		for _, line := range strings.Split(string(r.Stdout), "\n") {
			fmt.Sscanf(line, "sent %d", &sent)
			fmt.Sscanf(line, "replies %d", &replies)
			fmt.Sscanf(line, "connection %s", &conn)
		}
		logged["client"] = strings.ReplaceAll(strings.TrimSpace(string(r.Stdout)), "\n", ", ")
		if sent == 0 || conn == "" {
			g.t.Fatalf("%s: helper printed %q", g.label, r.Stdout)
		}
		same["every call taken was answered"] = strconv.FormatBool(replies == sent)
		same["connection afterwards"] = conn
		return same, logged
	}})
}

// manySockets is how many Accept=yes sockets TestManySockets listens on,
// and socketConnections how many connections it makes to one of them.
const (
	manySockets       = 100
	socketConnections = 150
	// socketThreadBound bounds PID 1's threads while it listens on
	// manySockets sockets: a waiting socket must not hold a thread.
	socketThreadBound = 40
	// socketFDSlack is how many more fds PID 1 may hold after the
	// connections have come and gone than before them.
	socketFDSlack = 8
)

func manySocketFiles() []oracle.File {
	var target strings.Builder
	target.WriteString("[Unit]\nDescription=Listens on many sockets\n")
	files := []oracle.File{{Path: "/etc/systemd/system/gosd-sock001@.service", Data: []byte(`[Unit]
Description=One connection

[Service]
StandardInput=socket
ExecStart=/bin/sh -c 'read line; echo "got $line"'
`)}}
	for i := 1; i <= manySockets; i++ {
		name := fmt.Sprintf("gosd-sock%03d.socket", i)
		files = append(files, oracle.File{Path: "/etc/systemd/system/" + name, Data: []byte(fmt.Sprintf(
			"[Unit]\nDescription=Socket %d\n\n[Socket]\nListenStream=/run/gosd-sock%03d.sock\nAccept=yes\nTriggerLimitIntervalSec=0\n", i, i))})
		fmt.Fprintf(&target, "Wants=%s\n", name)
	}
	return append(files, oracle.File{Path: "/etc/systemd/system/gosd-sockets.target", Data: []byte(target.String())})
}

// TestManySockets listens on a hundred Accept=yes sockets, then connects
// to one of them over and over: every socket listens and every
// connection is served as under systemd 252, PID 1 holds no thread per
// waiting socket, and the connections leave no fd behind in PID 1.
func TestManySockets(t *testing.T) {
	runStress(t, stressCase{name: "sockets", files: manySocketFiles(), body: func(g *guest) (map[string]string, map[string]string) {
		same, logged := map[string]string{}, map[string]string{}
		g.must(systemctl, "start", "gosd-sockets.target")
		listening := g.count(`systemctl list-units --all --plain --no-legend --no-pager 'gosd-sock*.socket' | grep -c ' active listening '`)
		same["sockets listening"] = strconv.Itoa(listening)
		threads := g.count(`grep '^Threads:' /proc/1/status | tr -dc 0-9`)
		logged["PID 1 threads while listening"] = strconv.Itoa(threads)
		same[fmt.Sprintf("PID 1 threads while listening at most %d", socketThreadBound)] = strconv.FormatBool(threads <= socketThreadBound)
		fds := func() int { return g.count(`ls /proc/1/fd | wc -l`) }
		before := fds()
		out := g.must("sh", "-c", fmt.Sprintf(`n=0; for i in $(seq %d); do echo ping | socat -t5 - UNIX-CONNECT:/run/gosd-sock001.sock | grep -q 'got ping' && n=$((n+1)); done; echo $n`, socketConnections))
		same["connections answered"] = strings.TrimSpace(out)
		g.waitFor("connections to end", time.Minute, func() bool {
			return g.show("gosd-sock001.socket", "NConnections")["NConnections"] == "0"
		})
		prefixed(same, "socket", g.show("gosd-sock001.socket", "ActiveState", "SubState", "NAccepted", "NConnections", "NRefused"))
		after := fds()
		same["failed units"] = strings.TrimSpace(g.must(systemctl, "list-units", "--failed", "--plain", "--no-legend", "--no-pager"))
		logged["PID 1 fds before and after the connections"] = fmt.Sprintf("%d, %d", before, after)
		same[fmt.Sprintf("PID 1 fds after the connections at most %d more", socketFDSlack)] = strconv.FormatBool(after <= before+socketFDSlack)
		return same, logged
	}})
}
