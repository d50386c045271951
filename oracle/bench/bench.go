// Package bench compares our PID 1 with systemd 252 side by side: both boot
// the Debian image in the oracle's container, taking turns (real, ours,
// real, ours, ...) so that both see the same load on the machine, and the
// report gives medians and ours/real ratios against issue #4's targets:
//
//   - boot to a settled multi-user.target (ours ≤ 0.8× real);
//   - one transaction starting 1,000 trivial Type=oneshot and 1,000
//     Type=simple services (≤ 0.5×);
//   - daemon-reload with those 2,000 units loaded (≤ 0.5×);
//   - PID 1's VmRSS and PSS after boot (≤ real).
//
// Every measurement goes through real systemd 252's own clients (the
// image's /usr/libexec/oracle/systemctl) on both sides. It is a benchmark:
// no test asserts its numbers.
package bench

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/oracle"
)

const usage = `usage: difftest bench [--rounds N] [--services N] [--reloads N] [--impl both|real|go]
                      [--go-tree DIR] [--profile DIR [--profile-rounds N] [--trace]]
                      [--pid1-env K=V]...

Boots the Debian image in the oracle's container under systemd 252 and under
our PID 1, taking turns, N rounds each, and reports medians and ratios:
boot to multi-user.target, one transaction starting --services Type=oneshot
and --services Type=simple services, daemon-reload with them loaded, and
PID 1's VmRSS and PSS a second after boot. --go-tree is an install tree (make
install, which includes our PID 1); by default one is built.
--profile DIR then runs --profile-rounds more rounds of ours with its
profiler on (GOSYSTEMD_PPROF) and copies the CPU and heap profiles of each
phase (boot, start, reload) to DIR; --trace adds execution traces.
--pid1-env adds K=V to our PID 1's environment (GOGC, GOMAXPROCS, ...).
`

// Options are the benchmark's parameters.
type Options struct {
	Rounds   int    // rounds per implementation
	Services int    // services of each kind
	Reloads  int    // timed daemon-reloads per round
	Impl     string // both, real or go
	GoTree   string // install tree with our PID 1
	// Profile is where the profiled rounds' files go ("" for none).
	Profile       string
	ProfileRounds int
	// Trace adds execution traces to the profiles.
	Trace bool
	// PID1Env is extra environment for our PID 1 (K=V), for experiments
	// such as GOGC or GOMAXPROCS settings.
	PID1Env []string
	Images  *oracle.Images
}

// Sample is one round on one implementation.
type Sample struct {
	Impl  oracle.Impl
	Round int
	Load  string // the host's /proc/loadavg when the round started
	State string // is-system-running after boot

	// BootWall: sandbox start until `systemctl is-system-running --wait`
	// answered. BootFinish: sandbox start until the manager's own
	// FinishTimestampMonotonic (the container shares the host's
	// monotonic clock). BootManager: FinishTimestampMonotonic −
	// UserspaceTimestampMonotonic, as each manager reports them.
	BootWall, BootFinish, BootManager time.Duration
	// PID 1's memory after boot and with the benchmark's units loaded
	// (after the reloads).
	MemBoot, MemLoaded Memory
	// Start is `systemctl start big.target`; Active counts the benchmark
	// services active right after it returned, ActiveAfterReload after
	// the reloads.
	Start                     time.Duration
	Active, ActiveAfterReload int
	Reloads                   []time.Duration
	// PID 1's CPU time (user + system) for the boot, the start and the
	// reloads: less sensitive to the machine's load than wall times.
	CPUBoot, CPUStart, CPUReload time.Duration
	// OtherCPU is how many CPUs the rest of the machine kept busy on
	// average during the round (all CPU time less the sandbox's).
	OtherCPU float64
	// Notes say what went wrong in a round that still gave numbers.
	Notes []string
}

// Memory is what the kernel says of PID 1's memory, in KiB: VmRSS and its
// anonymous and file-backed parts (/proc/1/status), and Pss
// (/proc/1/smaps_rollup).
type Memory struct{ RSS, Anon, File, PSS int64 }

func (m Memory) String() string {
	return fmt.Sprintf("RSS %d (anon %d, file %d) PSS %d KiB", m.RSS, m.Anon, m.File, m.PSS)
}

// memorySettle is how long after boot, and after the reloads, PID 1's
// memory is read: the settled state, not the last moment of the work
// (our PID 1 returns the freed heap to the kernel 0.3 s after it).
const memorySettle = time.Second

// Main is `difftest bench`.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("difftest bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	var o Options
	fs.IntVar(&o.Rounds, "rounds", 5, "rounds per implementation")
	fs.IntVar(&o.Services, "services", 1000, "services of each kind (oneshot, simple)")
	fs.IntVar(&o.Reloads, "reloads", 3, "timed daemon-reloads per round")
	fs.StringVar(&o.Impl, "impl", "both", "both, real or go")
	fs.StringVar(&o.GoTree, "go-tree", "", "install tree with our PID 1 (default: make install into a temporary directory)")
	fs.StringVar(&o.Profile, "profile", "", "directory for CPU and heap profiles of extra rounds of ours")
	fs.IntVar(&o.ProfileRounds, "profile-rounds", 1, "profiled rounds of ours (with --profile)")
	fs.BoolVar(&o.Trace, "trace", false, "with --profile: execution traces too (go tool trace)")
	fs.Func("pid1-env", "K=V in our PID 1's environment (repeatable)", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("want K=V, got %q", v)
		}
		o.PID1Env = append(o.PID1Env, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || o.Rounds < 0 || o.Services < 1 || o.Reloads < 1 ||
		(o.Impl != "both" && o.Impl != "real" && o.Impl != "go") {
		fs.Usage()
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "difftest bench: the oracle needs root (namespaces, cgroups, mounts)")
		return 1
	}
	oracle.CleanupOnSignal()
	repo, err := oracle.RepoRoot()
	if err != nil {
		fmt.Fprintln(stderr, "difftest bench:", err)
		return 1
	}
	if o.Images, err = oracle.EnsureRootfs(repo); err != nil {
		fmt.Fprintln(stderr, "difftest bench:", err)
		return 1
	}
	if o.Impl != "real" || o.Profile != "" {
		tree := o.GoTree
		if tree == "" {
			if tree, err = oracle.BuildGoTree(repo); err != nil {
				fmt.Fprintln(stderr, "difftest bench:", err)
				return 1
			}
			defer os.RemoveAll(tree)
		}
		if _, err := os.Stat(filepath.Join(tree, "usr/lib/systemd/systemd")); err != nil {
			fmt.Fprintln(stderr, "difftest bench: the go tree has no PID 1:", err)
			return 1
		}
		o.GoTree = tree
	}
	samples, err := Run(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "difftest bench:", err)
	}
	Report(stdout, o, samples)
	if err != nil {
		return 1
	}
	return 0
}

// Run runs the rounds, implementations taking turns, then the profiled
// rounds; progress goes to log.
func Run(o Options, log io.Writer) ([]Sample, error) {
	impls := []oracle.Impl{oracle.Real, oracle.Go}
	switch o.Impl {
	case "real":
		impls = impls[:1]
	case "go":
		impls = impls[1:]
	}
	units := unitFiles(o.Services)
	var samples []Sample
	for r := 1; r <= o.Rounds; r++ {
		for _, impl := range impls {
			s, err := round(o, impl, r, units, "")
			if err != nil {
				return samples, fmt.Errorf("round %d, %s: %w", r, impl, err)
			}
			fmt.Fprintln(log, s.line())
			samples = append(samples, s)
		}
	}
	if o.Profile != "" {
		for r := 1; r <= o.ProfileRounds; r++ {
			dir := filepath.Join(o.Profile, fmt.Sprintf("round-%d", r))
			s, err := round(o, oracle.Go, r, units, dir)
			if err != nil {
				return samples, fmt.Errorf("profiled round %d: %w", r, err)
			}
			fmt.Fprintf(log, "profiled: %s\n  profiles in %s\n", s.line(), dir)
		}
	}
	return samples, nil
}

// unitDir is where the benchmark's units are installed, after the boot
// was measured.
const unitDir = "/etc/systemd/system"

// profileDir is where our PID 1 writes its profiles in a profiled round.
const profileDir = "/run/gosystemd-pprof"

// unitFiles are n oneshot services (/bin/true, RemainAfterExit=yes so
// that they stay active), n simple services (/bin/sleep infinity) and
// big.target, which wants them all: a tar archive for unitDir.
func unitFiles(n int) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name, data string) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: oracle.PlacedFileTime,
			Typeflag: tar.TypeReg, Format: tar.FormatUSTAR})
		_, _ = tw.Write([]byte(data))
	}
	var target strings.Builder
	target.WriteString("[Unit]\nDescription=Benchmark target\n")
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("bench-oneshot-%04d.service", i)
		add(name, "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
		fmt.Fprintf(&target, "Wants=%s\n", name)
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("bench-simple-%04d.service", i)
		add(name, "[Service]\nType=simple\nExecStart=/bin/sleep infinity\n")
		fmt.Fprintf(&target, "Wants=%s\n", name)
	}
	add("big.target", target.String())
	_ = tw.Close()
	return buf.Bytes()
}

// round boots one sandbox and takes every measurement; with profDir set,
// our PID 1 runs with its profiler and the profiles are copied there.
func round(o Options, impl oracle.Impl, n int, units []byte, profDir string) (Sample, error) {
	s := Sample{Impl: impl, Round: n, Load: loadavg()}
	busy0, wall0 := hostBusy(), time.Now()
	cfg := oracle.Config{Name: "bench-" + string(impl), Impl: impl, Images: o.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute}
	if impl == oracle.Go {
		cfg.GoTree = o.GoTree
		cfg.PID1Env = append(cfg.PID1Env, o.PID1Env...)
	}
	if profDir != "" {
		cfg.PID1Env = append(cfg.PID1Env, "GOSYSTEMD_PPROF="+profileDir)
		if o.Trace {
			cfg.PID1Env = append(cfg.PID1Env, "GOSYSTEMD_PPROF_TRACE=1")
		}
	}
	sb, err := oracle.NewSandbox(oracle.ModeContainer, cfg)
	if err != nil {
		return s, err
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	fail := func(format string, args ...any) (Sample, error) {
		return s, fmt.Errorf(format+"\n--- console (end)\n%s", append(args, tail(sb.Console(), 4000))...)
	}

	t0 := monotonicMicros()
	br, err := sb.Boot(ctx)
	if err != nil || !br.Settled {
		return fail("boot did not settle: %v", err)
	}
	s.BootWall, s.State = br.Running, br.State
	show, err := systemctl(ctx, sb, "show", "-p", "UserspaceTimestampMonotonic", "-p", "FinishTimestampMonotonic")
	if err != nil {
		return fail("%v", err)
	}
	props := keyValues(show)
	user, _ := strconv.ParseInt(props["UserspaceTimestampMonotonic"], 10, 64)
	finish, _ := strconv.ParseInt(props["FinishTimestampMonotonic"], 10, 64)
	if finish == 0 {
		return fail("FinishTimestampMonotonic is not set: %q", show)
	}
	s.BootFinish = time.Duration(finish-t0) * time.Microsecond
	s.BootManager = time.Duration(finish-user) * time.Microsecond
	// Memory is read once the boot has settled, on both sides alike.
	time.Sleep(memorySettle)
	if s.MemBoot, err = pid1Memory(ctx, sb); err != nil {
		return fail("%v", err)
	}
	cpu0, err := pid1CPU(ctx, sb)
	if err != nil {
		return fail("%v", err)
	}
	s.CPUBoot = cpu0
	if profDir != "" {
		if err := cutProfile(ctx, sb, "boot"); err != nil {
			return fail("%v", err)
		}
	}

	// Install the units (not timed) and load them into the manager's
	// unit file cache.
	if r := sb.Exec(ctx, []string{"tar", "-x", "-m", "-C", unitDir, "-f", "-"}, units); r.Exit != 0 {
		return fail("installing the units: %s", r.Stderr)
	}
	if _, err := systemctl(ctx, sb, "daemon-reload"); err != nil {
		return fail("%v", err)
	}
	if s.Start, err = timeStart(ctx, sb, &s); err != nil {
		return fail("%v", err)
	}
	cpu1, err := pid1CPU(ctx, sb)
	if err != nil {
		return fail("%v", err)
	}
	s.CPUStart = cpu1 - cpu0
	if s.Active, err = activeServices(ctx, sb); err != nil {
		return fail("%v", err)
	}
	if profDir != "" {
		if err := cutProfile(ctx, sb, "start"); err != nil {
			return fail("%v", err)
		}
	}
	for i := 0; i < o.Reloads; i++ {
		d, err := timed(ctx, sb, "daemon-reload")
		if err != nil {
			s.Notes = append(s.Notes, err.Error())
			continue
		}
		s.Reloads = append(s.Reloads, d)
	}
	cpu2, err := pid1CPU(ctx, sb)
	if err != nil {
		return fail("%v", err)
	}
	s.CPUReload = cpu2 - cpu1
	if profDir != "" {
		if err := cutProfile(ctx, sb, "reload"); err != nil {
			return fail("%v", err)
		}
	}
	time.Sleep(memorySettle)
	if s.MemLoaded, err = pid1Memory(ctx, sb); err != nil {
		return fail("%v", err)
	}
	if s.ActiveAfterReload, err = activeServices(ctx, sb); err != nil {
		return fail("%v", err)
	}
	if profDir != "" {
		if err := copyProfiles(ctx, sb, profDir); err != nil {
			return fail("%v", err)
		}
	}
	// The sandbox is killed rather than powered off: stopping the 1,000
	// sleeping services is not measured.
	if guest, ok := sandboxCPU(string(impl)); ok {
		if secs := time.Since(wall0).Seconds(); secs > 0 {
			s.OtherCPU = ((hostBusy() - busy0) - guest).Seconds() / secs
		}
	}
	return s, nil
}

func (s Sample) line() string {
	var rel []string
	for _, d := range s.Reloads {
		rel = append(rel, ms(d))
	}
	line := fmt.Sprintf("round %d %-4s load %s, other jobs %.2f CPUs | boot %s (wall) %s (finish) %s (manager) %s | start %s, %d active | reload %s, %d active\n"+
		"  PID 1 CPU: boot %s, start %s, reloads %s | after boot: %s; loaded: %s",
		s.Round, s.Impl, s.Load, s.OtherCPU, ms(s.BootWall), ms(s.BootFinish), ms(s.BootManager), s.State,
		ms(s.Start), s.Active, strings.Join(rel, " "), s.ActiveAfterReload,
		ms(s.CPUBoot), ms(s.CPUStart), ms(s.CPUReload), s.MemBoot, s.MemLoaded)
	for _, n := range s.Notes {
		line += "\n  note: " + n
	}
	return line
}

func ms(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1000, 'f', 1, 64) + "ms" }

// systemctl runs real systemd 252's systemctl in the guest.
func systemctl(ctx context.Context, sb oracle.Sandbox, args ...string) (string, error) {
	r := sb.Exec(ctx, append([]string{oracle.OracleBin + "/systemctl"}, args...), nil)
	if r.Exit != 0 {
		return "", fmt.Errorf("systemctl %s: exit %d: %s%s", strings.Join(args, " "), r.Exit, r.Stdout, r.Stderr)
	}
	return string(r.Stdout), nil
}

// timedScript times one systemctl call inside the guest, so that entering
// the namespaces is not part of the time.
const timedScript = `t0=$EPOCHREALTIME; "$@"; rc=$?; t1=$EPOCHREALTIME; echo "${t0/./} ${t1/./} $rc"`

// timed runs systemctl ARGS in the guest and returns how long it took.
func timed(ctx context.Context, sb oracle.Sandbox, args ...string) (time.Duration, error) {
	argv := append([]string{"bash", "-c", timedScript, "bash", oracle.OracleBin + "/systemctl"}, args...)
	r := sb.Exec(ctx, argv, nil)
	f := strings.Fields(string(r.Stdout))
	if r.Exit != 0 || len(f) != 3 {
		return 0, fmt.Errorf("timing systemctl %s: exit %d: %s%s", strings.Join(args, " "), r.Exit, r.Stdout, r.Stderr)
	}
	if f[2] != "0" {
		return 0, fmt.Errorf("systemctl %s: exit %s: %s", strings.Join(args, " "), f[2], r.Stderr)
	}
	t0, err0 := strconv.ParseInt(f[0], 10, 64)
	t1, err1 := strconv.ParseInt(f[1], 10, 64)
	if err0 != nil || err1 != nil {
		return 0, fmt.Errorf("timing systemctl %s: %q", strings.Join(args, " "), r.Stdout)
	}
	return time.Duration(t1-t0) * time.Microsecond, nil
}

// startScript starts big.target. Should systemctl fail (its method call
// times out after 25 s when the manager does not answer), it then waits
// until the manager's job queue is empty, so that the round still measures
// how long the transaction took.
const startScript = `S=` + oracle.OracleBin + `/systemctl
t0=$EPOCHREALTIME; $S start big.target; rc=$?; t1=$EPOCHREALTIME
if [ $rc -ne 0 ]; then
  for i in $(seq 6000); do [ "$($S show -p NJobs --value)" = 0 ] && break; sleep 0.1; done
fi
t2=$EPOCHREALTIME; echo "${t0/./} ${t1/./} ${t2/./} $rc"`

// timeStart times `systemctl start big.target`, or, if systemctl failed,
// until the job queue was empty, noting so in s.
func timeStart(ctx context.Context, sb oracle.Sandbox, s *Sample) (time.Duration, error) {
	r := sb.Exec(ctx, []string{"bash", "-c", startScript}, nil)
	f := strings.Fields(string(r.Stdout))
	if r.Exit != 0 || len(f) != 4 {
		return 0, fmt.Errorf("timing systemctl start big.target: exit %d: %s%s", r.Exit, r.Stdout, r.Stderr)
	}
	var t [3]int64
	for i := range t {
		t[i], _ = strconv.ParseInt(f[i], 10, 64)
	}
	if f[3] == "0" {
		return time.Duration(t[1]-t[0]) * time.Microsecond, nil
	}
	s.Notes = append(s.Notes, fmt.Sprintf("systemctl start big.target failed after %s (exit %s: %s); the time is until the job queue was empty",
		ms(time.Duration(t[1]-t[0])*time.Microsecond), f[3], strings.TrimSpace(strings.SplitN(string(r.Stderr), "\n", 2)[0])))
	return time.Duration(t[2]-t[0]) * time.Microsecond, nil
}

// activeServices counts the benchmark's services that are active.
func activeServices(ctx context.Context, sb oracle.Sandbox) (int, error) {
	out, err := systemctl(ctx, sb, "list-units", "--all", "--plain", "--no-legend", "--no-pager", "bench-*")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[2] == "active" {
			n++
		}
	}
	return n, nil
}

// pid1CPU is PID 1's CPU time so far (utime + stime of /proc/1/stat in
// the guest).
func pid1CPU(ctx context.Context, sb oracle.Sandbox) (time.Duration, error) {
	r := sb.Exec(ctx, []string{"cat", "/proc/1/stat"}, nil)
	st := string(r.Stdout)
	i := strings.LastIndexByte(st, ')')
	if r.Exit != 0 || i < 0 {
		return 0, fmt.Errorf("reading /proc/1/stat: exit %d: %s", r.Exit, r.Stderr)
	}
	f := strings.Fields(st[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/1/stat: %q", st)
	}
	// Fields 14 and 15 (f[11], f[12]): utime and stime in clock ticks.
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+stt) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc's CPU times.
const clockTicks = 100

// hostBusy is the CPU time the whole machine spent outside idle and
// iowait (/proc/stat).
func hostBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		// user nice system idle iowait irq softirq steal (guest time is
		// already in user).
		if i < 8 && i != 3 && i != 4 {
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks
}

// sandboxCPU is the CPU time used so far in this process's live oracle
// run cgroup for impl (the guest and the commands run in it).
func sandboxCPU(impl string) (time.Duration, bool) {
	for _, root := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		dirs, _ := filepath.Glob(fmt.Sprintf("%s/gosd-oracle/run-%d-*-bench-%s", root, os.Getpid(), impl))
		if len(dirs) != 1 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dirs[0], "cpu.stat"))
		if err != nil {
			continue
		}
		kv := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, " "); ok {
				kv[k] = v
			}
		}
		if us, err := strconv.ParseInt(kv["usage_usec"], 10, 64); err == nil {
			return time.Duration(us) * time.Microsecond, true
		}
	}
	return 0, false
}

// pid1Memory reads PID 1's memory in the guest.
func pid1Memory(ctx context.Context, sb oracle.Sandbox) (Memory, error) {
	var m Memory
	r := sb.Exec(ctx, []string{"cat", "/proc/1/status", "/proc/1/smaps_rollup"}, nil)
	if r.Exit != 0 {
		return m, fmt.Errorf("reading PID 1's memory: exit %d: %s", r.Exit, r.Stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(string(r.Stdout)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = v
		case "RssAnon:":
			m.Anon = v
		case "RssFile:":
			m.File = v
		case "Pss:":
			m.PSS = v
		}
	}
	if m.RSS == 0 || m.PSS == 0 {
		return m, fmt.Errorf("no VmRSS or Pss for PID 1 in:\n%s", r.Stdout)
	}
	return m, nil
}

// cutProfile asks our PID 1's profiler to close the current profile
// segment as name, and waits until it has.
func cutProfile(ctx context.Context, sb oracle.Sandbox, name string) error {
	script := fmt.Sprintf(`echo %s > %s/cut && for i in $(seq 600); do [ -e %s/done-%s ] && exit 0; sleep 0.05; done; exit 1`,
		name, profileDir, profileDir, name)
	if r := sb.Exec(ctx, []string{"sh", "-c", script}, nil); r.Exit != 0 {
		return fmt.Errorf("profile segment %s: PID 1's profiler did not answer (is %s in the install tree's PID 1?): %s",
			name, "impl/pid1/profile.go", r.Stderr)
	}
	return nil
}

// copyProfiles copies the profiler's files out of the guest.
func copyProfiles(ctx context.Context, sb oracle.Sandbox, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := sb.Exec(ctx, []string{"ls", profileDir}, nil)
	if r.Exit != 0 {
		return fmt.Errorf("listing %s: %s", profileDir, r.Stderr)
	}
	for _, name := range strings.Fields(string(r.Stdout)) {
		if !strings.HasSuffix(name, ".pprof") && !strings.HasSuffix(name, ".txt") && !strings.HasSuffix(name, ".out") {
			continue
		}
		c := sb.Exec(ctx, []string{"cat", profileDir + "/" + name}, nil)
		if c.Exit != 0 {
			return fmt.Errorf("reading %s: %s", name, c.Stderr)
		}
		if err := os.WriteFile(filepath.Join(dir, name), c.Stdout, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func keyValues(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

func monotonicMicros() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano() / 1000
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], "/")
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Report prints the machine, the measurements' medians and ratios, and
// the verdict against each target, as a Markdown table.
func Report(w io.Writer, o Options, samples []Sample) {
	if len(samples) == 0 {
		return
	}
	fmt.Fprintf(w, "\n# machine: %s, %d CPUs; load average during the runs %s;\n# other jobs kept %s CPUs busy (average per round)\n",
		cpuModel(), runtime.NumCPU(), loadRange(samples), otherRange(samples))
	fmt.Fprintf(w, "# %d round(s) per implementation, taking turns; %d oneshot + %d simple services; %d timed reloads per round\n\n",
		o.Rounds, o.Services, o.Services, o.Reloads)
	type metric struct {
		name   string
		target float64 // ours/real at most; 0 for information only
		unit   string
		get    func(Sample) []float64
	}
	dur := func(f func(Sample) time.Duration) func(Sample) []float64 {
		return func(s Sample) []float64 { return []float64{f(s).Seconds() * 1000} }
	}
	kib := func(f func(Sample) int64) func(Sample) []float64 {
		return func(s Sample) []float64 { return []float64{float64(f(s)) / 1024} }
	}
	total := 2 * o.Services
	metrics := []metric{
		{"boot: sandbox start → `is-system-running --wait` returns", 0.8, "ms", dur(func(s Sample) time.Duration { return s.BootWall })},
		{"boot: sandbox start → manager's FinishTimestampMonotonic", 0.8, "ms", dur(func(s Sample) time.Duration { return s.BootFinish })},
		{"boot: Finish − UserspaceTimestampMonotonic (as each reports it)", 0, "ms", dur(func(s Sample) time.Duration { return s.BootManager })},
		{fmt.Sprintf("`systemctl start big.target` (%d services)", total), 0.5, "ms", dur(func(s Sample) time.Duration { return s.Start })},
		{fmt.Sprintf("`systemctl daemon-reload`, %d units loaded", total), 0.5, "ms", func(s Sample) []float64 {
			var out []float64
			for _, d := range s.Reloads {
				out = append(out, d.Seconds()*1000)
			}
			return out
		}},
		{"PID 1 CPU time: boot", 0, "ms", dur(func(s Sample) time.Duration { return s.CPUBoot })},
		{fmt.Sprintf("PID 1 CPU time: start of %d services", total), 0, "ms", dur(func(s Sample) time.Duration { return s.CPUStart })},
		{fmt.Sprintf("PID 1 CPU time: %d daemon-reloads", o.Reloads), 0, "ms", dur(func(s Sample) time.Duration { return s.CPUReload })},
		{"PID 1 VmRSS after boot", 1, "MiB", kib(func(s Sample) int64 { return s.MemBoot.RSS })},
		{"PID 1 PSS after boot", 1, "MiB", kib(func(s Sample) int64 { return s.MemBoot.PSS })},
		{"PID 1 RssAnon after boot", 0, "MiB", kib(func(s Sample) int64 { return s.MemBoot.Anon })},
		{"PID 1 RssFile after boot", 0, "MiB", kib(func(s Sample) int64 { return s.MemBoot.File })},
		{fmt.Sprintf("PID 1 VmRSS, %d units loaded", total), 0, "MiB", kib(func(s Sample) int64 { return s.MemLoaded.RSS })},
		{fmt.Sprintf("PID 1 PSS, %d units loaded", total), 0, "MiB", kib(func(s Sample) int64 { return s.MemLoaded.PSS })},
	}
	fmt.Fprintln(w, "| measure | real (median) | ours (median) | ours/real | target | result |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, m := range metrics {
		var rv, gv []float64
		for _, s := range samples {
			if s.Impl == oracle.Real {
				rv = append(rv, m.get(s)...)
			} else {
				gv = append(gv, m.get(s)...)
			}
		}
		r, g := median(rv), median(gv)
		cell := func(v float64, n int) string {
			if n == 0 {
				return "—"
			}
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + m.unit
		}
		ratio, target, result := "—", "(info)", ""
		if len(rv) > 0 && len(gv) > 0 && r > 0 {
			ratio = strconv.FormatFloat(g/r, 'f', 2, 64) + "×"
		}
		if m.target > 0 {
			target = "≤ " + strconv.FormatFloat(m.target, 'f', -1, 64) + "×"
			if ratio != "—" {
				result = "**fail**"
				if g/r <= m.target {
					result = "pass"
				}
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", m.name, cell(r, len(rv)), cell(g, len(gv)), ratio, target, result)
	}
	var bad []string
	for _, s := range samples {
		if s.Active != total || s.ActiveAfterReload != total || s.State != "running" {
			bad = append(bad, fmt.Sprintf("round %d %s: state %s, %d/%d active after start, %d after the reloads",
				s.Round, s.Impl, s.State, s.Active, total, s.ActiveAfterReload))
		}
		for _, n := range s.Notes {
			bad = append(bad, fmt.Sprintf("round %d %s: %s", s.Round, s.Impl, n))
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "\nnot as expected:\n  %s\n", strings.Join(bad, "\n  "))
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func loadRange(samples []Sample) string {
	lo, hi := -1.0, -1.0
	for _, s := range samples {
		v, err := strconv.ParseFloat(strings.Split(s.Load, "/")[0], 64)
		if err != nil {
			continue
		}
		if lo < 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	if lo < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.2f–%.2f (1-minute, at each round's start)", lo, hi)
}

func otherRange(samples []Sample) string {
	var v []float64
	for _, s := range samples {
		v = append(v, s.OtherCPU)
	}
	sort.Float64s(v)
	if len(v) == 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f–%.2f (median %.2f)", v[0], v[len(v)-1], median(v))
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
