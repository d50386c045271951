package oracle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Harness runs scenarios: testscript .txtar files whose custom commands tell
// a short story (install a unit, boot, run a command, expect) and record a
// Transcript. See scripts/README.md for the command reference.
type Harness struct {
	Mode   Mode
	Images *Images
	// GoTree is the install tree the go implementation overlays.
	GoTree string
	// WorkRoot holds run scratch directories (default DefaultWorkRoot).
	WorkRoot string
	// BootTimeout and CmdTimeout bound the guest (liveness, not speed).
	BootTimeout time.Duration
	CmdTimeout  time.Duration
	// ScenarioTimeout bounds one whole scenario on one implementation.
	ScenarioTimeout time.Duration
}

func (h *Harness) defaults() {
	if h.Mode == "" {
		h.Mode = ModeContainer
	}
	if h.BootTimeout == 0 {
		h.BootTimeout = 60 * time.Second
		if h.Mode == ModeVM {
			h.BootTimeout = 120 * time.Second
		}
	}
	if h.CmdTimeout == 0 {
		h.CmdTimeout = 30 * time.Second
	}
	if h.ScenarioTimeout == 0 {
		h.ScenarioTimeout = 3 * time.Minute
		if h.Mode == ModeVM {
			h.ScenarioTimeout = 5 * time.Minute
		}
	}
}

// BaseKernelArgs are always on the guest's command line:
// console-getty would hang up the console and stall shutdown (ORACLE-NOTES).
var BaseKernelArgs = []string{"systemd.mask=console-getty.service"}

// ScenarioName is a scenario file's name without directory and extension.
func ScenarioName(file string) string {
	return strings.TrimSuffix(filepath.Base(file), ".txtar")
}

// scenarioRun is the state of one scenario on one implementation.
type scenarioRun struct {
	h       *Harness
	impl    Impl
	ctx     context.Context
	tr      *Transcript
	files   []File
	sb      Sandbox
	booted  bool
	done    bool
	capture []string
	// showOnly are units whose journal is not captured.
	showOnly map[string]bool
	ncmd     int
}

// RunScenario runs one scenario file on one implementation and returns its
// transcript. It never panics on a broken guest; failures are in
// Transcript.OK and Transcript.Log.
func (h *Harness) RunScenario(file string, impl Impl) *Transcript {
	h.defaults()
	ctx, cancel := context.WithTimeout(context.Background(), h.ScenarioTimeout)
	defer cancel()
	r := &scenarioRun{h: h, impl: impl, ctx: ctx,
		tr: &Transcript{Scenario: ScenarioName(file), Impl: impl, Mode: h.Mode}}
	work, err := os.MkdirTemp("", "gosd-scenario-")
	if err != nil {
		r.tr.Log = err.Error()
		return r.tr
	}
	defer os.RemoveAll(work)
	t := &scriptT{}
	testscript.RunT(t, testscript.Params{
		Files:               []string{file},
		WorkdirRoot:         work,
		RequireExplicitExec: true,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "container", "vm":
				return string(h.Mode) == cond, nil
			}
			return false, fmt.Errorf("unknown condition %q (scenarios may test only [container] or [vm])", cond)
		},
		Cmds: r.commands(),
	})
	r.finish() // when the script failed before its deferred finish
	r.tr.OK = !t.failed && r.tr.OK
	r.tr.Log = t.log.String()
	return r.tr
}

func (r *scenarioRun) commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(*testscript.TestScript, bool, []string){
		"unit":             r.cmdUnit,
		"install":          r.cmdInstall,
		"guest-symlink":    r.cmdSymlink,
		"boot":             r.cmdBoot,
		"guest":            r.cmdGuest,
		"systemctl":        r.alias("/usr/bin/systemctl"),
		"journalctl":       r.alias("/usr/bin/journalctl"),
		"oracle-systemctl": r.alias(OracleBin + "/systemctl"),
		"wait-unit":        r.cmdWaitUnit,
		"capture":          r.cmdCapture,
		"capture-show":     r.cmdCaptureShow,
		"sleep":            r.cmdSleep,
		"poweroff":         r.cmdPoweroff,
	}
}

func (r *scenarioRun) needBooted(ts *testscript.TestScript, cmd string) {
	if !r.booted {
		ts.Fatalf("%s: the guest is not booted (call boot first)", cmd)
	}
}

func (r *scenarioRun) needNotBooted(ts *testscript.TestScript, cmd string) {
	if r.booted {
		ts.Fatalf("%s: files are placed before boot; this guest is already booted", cmd)
	}
}

// unit NAME... — install archive files as /etc/systemd/system/NAME.
func (r *scenarioRun) cmdUnit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: unit NAME...")
	}
	r.needNotBooted(ts, "unit")
	for _, name := range args {
		data, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		r.files = append(r.files, File{Path: "/etc/systemd/system/" + filepath.Base(name), Data: data})
	}
}

// install SRC GUESTPATH [MODE] — place an archive file in the guest.
func (r *scenarioRun) cmdInstall(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: install SRC GUESTPATH [MODE]")
	}
	r.needNotBooted(ts, "install")
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	f := File{Path: args[1], Data: data}
	if len(args) == 3 {
		m, err := strconv.ParseUint(args[2], 8, 32)
		if err != nil {
			ts.Fatalf("install: bad mode %q", args[2])
		}
		f.Mode = uint32(m)
	}
	if !filepath.IsAbs(f.Path) {
		ts.Fatalf("install: guest path %q must be absolute", f.Path)
	}
	if hiddenAtBoot(f.Path) {
		ts.Fatalf("install: %s is under a tmpfs the guest mounts at boot (/run, /dev, /proc, /sys); the file would be hidden", f.Path)
	}
	r.files = append(r.files, f)
}

// hiddenAtBoot reports whether files placed at p before boot would be hidden
// by a file system the sandbox or the guest mounts over it.
func hiddenAtBoot(p string) bool {
	for _, d := range []string{"/run", "/dev", "/proc", "/sys"} {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// guest-symlink TARGET GUESTPATH — create a symlink in the guest.
func (r *scenarioRun) cmdSymlink(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || !filepath.IsAbs(args[1]) {
		ts.Fatalf("usage: guest-symlink TARGET /GUEST/PATH")
	}
	r.needNotBooted(ts, "guest-symlink")
	if hiddenAtBoot(args[1]) {
		ts.Fatalf("guest-symlink: %s is under a file system mounted at boot; the link would be hidden", args[1])
	}
	r.files = append(r.files, File{Path: args[1], Symlink: args[0]})
}

// boot [ARG...] — boot the guest with extra manager arguments and wait until
// boot has settled.
func (r *scenarioRun) cmdBoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! boot")
	}
	r.needNotBooted(ts, "boot")
	cfg := Config{Name: ts.Getenv("WORK"), Impl: r.impl, Images: r.h.Images, GoTree: r.h.GoTree,
		Files: r.files, KernelArgs: append(append([]string{}, BaseKernelArgs...), args...),
		WorkDir: r.h.WorkRoot, BootTimeout: r.h.BootTimeout}
	cfg.Name = r.tr.Scenario + "-" + string(r.impl)
	sb, err := NewSandbox(r.h.Mode, cfg)
	if err != nil {
		ts.Fatalf("boot: %v", err)
	}
	r.sb = sb
	r.booted = true
	ts.Defer(r.finish)
	br, err := sb.Boot(r.ctx)
	if err != nil {
		r.tr.add("boot", "error: "+err.Error())
		ts.Fatalf("boot: %v", err)
	}
	if !br.Settled {
		r.tr.add("boot", "not settled")
		c := sb.Console()
		if len(c) > 3000 {
			c = c[len(c)-3000:]
		}
		ts.Fatalf("boot did not settle within %v; the console's end:\n%s", r.h.BootTimeout, c)
	}
	r.tr.add("boot", "settled: "+br.State)
	ts.Logf("booted %s in %v: %s", r.impl, br.Took.Round(time.Millisecond), br.State)
}

func (r *scenarioRun) alias(path string) func(*testscript.TestScript, bool, []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		r.cmdGuest(ts, neg, append([]string{path}, args...))
	}
}

// guest [-stdin=FILE] [-any] CMD ARG... — run a command in the guest and
// record its stdout, stderr and exit status. Like exec, it fails the script
// when the command fails, unless negated with ! (expects failure) or given
// -any (any status is fine; it is still compared).
func (r *scenarioRun) cmdGuest(ts *testscript.TestScript, neg bool, args []string) {
	r.needBooted(ts, "guest")
	var stdin []byte
	anyStatus := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch {
		case strings.HasPrefix(args[0], "-stdin="):
			data, err := os.ReadFile(ts.MkAbs(strings.TrimPrefix(args[0], "-stdin=")))
			ts.Check(err)
			stdin = data
		case args[0] == "-any":
			anyStatus = true
		default:
			ts.Fatalf("guest: unknown option %s", args[0])
		}
		args = args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: guest [-stdin=FILE] [-any] CMD ARG...")
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.h.CmdTimeout)
	defer cancel()
	res := r.sb.Exec(ctx, args, stdin)
	r.ncmd++
	name := fmt.Sprintf("cmd %d: %s", r.ncmd, normalizeCommandLine(args))
	var b strings.Builder
	if res.TimedOut {
		fmt.Fprintf(&b, "timed out after %v\n", r.h.CmdTimeout)
	} else {
		fmt.Fprintf(&b, "exit %d\n", res.Exit)
	}
	if len(res.Stdout) > 0 {
		fmt.Fprintf(&b, "--- stdout\n%s", ensureNL(Normalize(string(res.Stdout))))
	}
	if len(res.Stderr) > 0 {
		fmt.Fprintf(&b, "--- stderr\n%s", ensureNL(Normalize(string(res.Stderr))))
	}
	r.tr.add(name, b.String())
	ts.Stdout().Write(res.Stdout)
	ts.Stderr().Write(res.Stderr)
	switch {
	case res.TimedOut:
		ts.Fatalf("%s: timed out after %v", args[0], r.h.CmdTimeout)
	case anyStatus:
	case neg && res.Exit == 0:
		ts.Fatalf("%s: unexpected success", args[0])
	case !neg && res.Exit != 0:
		ts.Fatalf("%s: exit status %d", args[0], res.Exit)
	}
}

// wait-unit UNIT PROPERTY=VALUE [TIMEOUT] — poll the unit's property (with
// real systemctl) until it has the value. The timeout (default 30s) is a
// liveness bound.
func (r *scenarioRun) cmdWaitUnit(ts *testscript.TestScript, neg bool, args []string) {
	r.needBooted(ts, "wait-unit")
	if neg || len(args) < 2 || len(args) > 3 || !strings.Contains(args[1], "=") {
		ts.Fatalf("usage: wait-unit UNIT PROPERTY=VALUE [TIMEOUT]")
	}
	prop, want, _ := strings.Cut(args[1], "=")
	timeout := 30 * time.Second
	if len(args) == 3 {
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		timeout = d
	}
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ctx, cancel := context.WithTimeout(r.ctx, r.h.CmdTimeout)
		res := r.sb.Exec(ctx, []string{OracleBin + "/systemctl", "show", "-p", prop, "--value", args[0]}, nil)
		cancel()
		last = strings.TrimSpace(string(res.Stdout))
		if last == want {
			r.tr.add(fmt.Sprintf("wait %s %s", args[0], args[1]), "reached\n")
			return
		}
		if time.Now().After(deadline) || r.ctx.Err() != nil {
			r.tr.add(fmt.Sprintf("wait %s %s", args[0], args[1]), "timed out\n")
			ts.Fatalf("wait-unit: %s %s=%q after %v (want %q)", args[0], prop, last, timeout, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// capture UNIT... — capture these units' properties and journal at the end.
func (r *scenarioRun) cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: capture UNIT...")
	}
	r.capture = append(r.capture, args...)
}

// capture-show UNIT... — capture only these units' properties (for units
// whose journal interleaves parallel boot work, such as init.scope).
func (r *scenarioRun) cmdCaptureShow(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: capture-show UNIT...")
	}
	if r.showOnly == nil {
		r.showOnly = map[string]bool{}
	}
	for _, u := range args {
		r.showOnly[u] = true
	}
	r.capture = append(r.capture, args...)
}

// sleep DURATION — pause (at most 10s; prefer wait-unit).
func (r *scenarioRun) cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	if d > 10*time.Second {
		ts.Fatalf("sleep: %v is longer than 10s; use wait-unit", d)
	}
	time.Sleep(d)
}

// poweroff — capture and power off now (otherwise done at the end).
func (r *scenarioRun) cmdPoweroff(ts *testscript.TestScript, neg bool, args []string) {
	r.needBooted(ts, "poweroff")
	r.finish()
	if !r.tr.OK {
		ts.Fatalf("poweroff: shutdown was not clean")
	}
}

// finish captures the manager's state with real systemd's clients, powers
// off, checks shutdown, and removes the sandbox. It runs once.
func (r *scenarioRun) finish() {
	if r.done || r.sb == nil {
		return
	}
	r.done = true
	defer func() {
		r.tr.Console = string(r.sb.Console())
		if err := r.sb.Close(); err != nil {
			r.tr.add("cleanup", "error: "+err.Error())
			r.tr.OK = false
		}
	}()
	exec := func(argv ...string) string {
		ctx, cancel := context.WithTimeout(r.ctx, r.h.CmdTimeout)
		defer cancel()
		res := r.sb.Exec(ctx, argv, nil)
		out := Normalize(string(res.Stdout))
		if len(res.Stderr) > 0 {
			out = ensureNL(out) + "--- stderr\n" + Normalize(string(res.Stderr))
		}
		if res.Exit != 0 {
			out = ensureNL(out) + fmt.Sprintf("--- exit %d\n", res.Exit)
		}
		return out
	}
	sc := OracleBin + "/systemctl"
	jc := OracleBin + "/journalctl"
	r.tr.add("list-units", exec(sc, "list-units", "--all", "--no-pager", "--plain", "--no-legend"))
	exec(jc, "--sync")
	for _, u := range r.capture {
		r.tr.add("show "+u, exec(sc, "show", "--no-pager", u))
	}
	for _, u := range r.capture {
		if r.showOnly[u] {
			continue
		}
		// What the unit's processes logged, and what anyone logged about
		// it (UNIT=): PID 1, and a process that logs just before it exits
		// when journald cannot read its cgroup any more (such as
		// systemd's own "Failed at step EXEC"). -u cannot be joined with
		// "+" (journalctl refuses it), so the matches are spelled out.
		r.tr.add("journal "+u, GroupJournalBySender(exec(jc, "--no-pager", "--no-hostname", "-o", "short", "_SYSTEMD_UNIT="+u, "+", "UNIT="+u)))
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.h.BootTimeout)
	defer cancel()
	clean, err := r.sb.Poweroff(ctx)
	switch {
	case clean:
		r.tr.add("shutdown", "clean\n")
		r.tr.OK = true
	default:
		r.tr.add("shutdown", fmt.Sprintf("unclean: %v\n", err))
	}
}

func ensureNL(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// scriptT runs testscript outside the testing package: subtests run
// synchronously, failures are recorded, and the log is kept.
type scriptT struct {
	mu      sync.Mutex
	log     bytes.Buffer
	failed  bool
	skipped bool
}

func (t *scriptT) Skip(args ...any) {
	t.Log(args...)
	t.mu.Lock()
	t.skipped = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *scriptT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}

func (t *scriptT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *scriptT) Parallel() {}

func (t *scriptT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(&t.log, args...)
}

func (t *scriptT) Verbose() bool { return false }

func (t *scriptT) Run(name string, f func(testscript.T)) {
	sub := &scriptT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				sub.Log(fmt.Sprintf("panic: %v", p))
				sub.failed = true
			}
		}()
		f(sub)
	}()
	<-done
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log.Write(sub.log.Bytes())
	t.failed = t.failed || sub.failed
	t.skipped = t.skipped || sub.skipped
}
