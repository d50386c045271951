package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gosystemd/oracle"
)

const clientsUsage = `usage: difftest bench-clients [--rounds N] [--units N] [--calls N] [--go-tree DIR]

Issue #5's client latency benchmark. Boots the Debian image in the oracle's
container under systemd 252 and under our PID 1, taking turns, N rounds
each, with --units services loaded and active, and times --calls runs each
of 'systemctl show UNIT', 'systemctl is-active UNIT' and
'systemctl list-units': real systemctl on real PID 1 against our systemctl
on our PID 1 (the drop-in as a whole, target ≤ real), and, for
information, each of our parts alone (our systemctl on real PID 1, real
systemctl on our PID 1). Calls of the two clients alternate.
--go-tree is an install tree (make install); by default one is built.
`

// ClientOptions are the client benchmark's parameters.
type ClientOptions struct {
	Rounds, Units, Calls int
	GoTree               string
	Images               *oracle.Images
}

// clientCommands are the timed systemctl invocations; the unit is one of
// the benchmark's own.
var clientCommands = [][]string{
	{"show", "bench-oneshot-0001.service"},
	{"is-active", "bench-oneshot-0001.service"},
	{"list-units"},
}

// ourSystemctlPath is where the sandboxes get our multicall binary as
// systemctl, beside the image's real one.
const (
	ourMulticallPath = "/usr/local/lib/gosd/gosystemd"
	ourSystemctlPath = "/usr/local/lib/gosd/systemctl"
)

// clientSample is one round on one PID 1: per command and client, the
// call times in microseconds.
type clientSample struct {
	Impl  oracle.Impl
	Round int
	Load  string
	// Micros[command][client]: client 0 is real systemctl, 1 ours.
	Micros [][2][]float64
}

// ClientsMain is `difftest bench-clients`.
func ClientsMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("difftest bench-clients", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, clientsUsage) }
	var o ClientOptions
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds per PID 1")
	fs.IntVar(&o.Units, "units", 500, "services loaded (half oneshot, half simple)")
	fs.IntVar(&o.Calls, "calls", 30, "timed calls per command, client and round")
	fs.StringVar(&o.GoTree, "go-tree", "", "install tree with our PID 1 (default: make install into a temporary directory)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || o.Rounds < 1 || o.Units < 2 || o.Calls < 1 {
		fs.Usage()
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "difftest bench-clients: the oracle needs root (namespaces, cgroups, mounts)")
		return 1
	}
	oracle.CleanupOnSignal()
	repo, err := oracle.RepoRoot()
	if err == nil {
		o.Images, err = oracle.EnsureRootfs(repo)
	}
	if err == nil && o.GoTree == "" {
		o.GoTree, err = oracle.BuildGoTree(repo)
		defer os.RemoveAll(o.GoTree)
	}
	var binary []byte
	if err == nil {
		binary, err = os.ReadFile(filepath.Join(o.GoTree, "usr/lib/systemd/systemd"))
	}
	if err != nil {
		fmt.Fprintln(stderr, "difftest bench-clients:", err)
		return 1
	}
	files := []oracle.File{
		{Path: ourMulticallPath, Data: binary, Mode: 0o755},
		{Path: ourSystemctlPath, Symlink: "gosystemd"},
	}
	units := unitFiles(o.Units / 2)
	var samples []clientSample
	for r := 1; r <= o.Rounds; r++ {
		for _, impl := range []oracle.Impl{oracle.Real, oracle.Go} {
			s, err := clientRound(o, impl, r, units, files)
			if err != nil {
				fmt.Fprintf(stderr, "difftest bench-clients: round %d, %s: %v\n", r, impl, err)
				reportClients(stdout, o, samples)
				return 1
			}
			fmt.Fprintln(stderr, s.line())
			samples = append(samples, s)
		}
	}
	reportClients(stdout, o, samples)
	return 0
}

// clientTimingScript runs "$@" with $S as real systemctl, then as ours,
// $N times, printing each call's microseconds: "real ours" per line.
const clientTimingScript = `for i in $(seq $N); do
  t0=$EPOCHREALTIME; $R "$@" >/dev/null 2>&1; t1=$EPOCHREALTIME
  $O "$@" >/dev/null 2>&1; t2=$EPOCHREALTIME
  echo $(( ${t1/./} - ${t0/./} )) $(( ${t2/./} - ${t1/./} ))
done`

func clientRound(o ClientOptions, impl oracle.Impl, n int, units []byte, files []oracle.File) (clientSample, error) {
	s := clientSample{Impl: impl, Round: n, Load: loadavg()}
	cfg := oracle.Config{Name: "bench-clients-" + string(impl), Impl: impl, Images: o.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute, Files: files}
	if impl == oracle.Go {
		cfg.GoTree = o.GoTree
	}
	sb, err := oracle.NewSandbox(oracle.ModeContainer, cfg)
	if err != nil {
		return s, err
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if br, err := sb.Boot(ctx); err != nil || !br.Settled {
		return s, fmt.Errorf("boot did not settle: %v", err)
	}
	if r := sb.Exec(ctx, []string{"tar", "-x", "-m", "-C", unitDir, "-f", "-"}, units); r.Exit != 0 {
		return s, fmt.Errorf("installing the units: %s", r.Stderr)
	}
	for _, args := range [][]string{{"daemon-reload"}, {"start", "big.target"}} {
		if _, err := systemctl(ctx, sb, args...); err != nil {
			return s, err
		}
	}
	for _, cmd := range clientCommands {
		argv := append([]string{"env", "N=" + strconv.Itoa(o.Calls), "R=" + oracle.OracleBin + "/systemctl", "O=" + ourSystemctlPath,
			"bash", "-c", clientTimingScript, "bash"}, cmd...)
		r := sb.Exec(ctx, argv, nil)
		if r.Exit != 0 {
			return s, fmt.Errorf("timing systemctl %s: exit %d: %s", strings.Join(cmd, " "), r.Exit, r.Stderr)
		}
		var m [2][]float64
		for _, line := range strings.Split(strings.TrimSpace(string(r.Stdout)), "\n") {
			f := strings.Fields(line)
			if len(f) != 2 {
				return s, fmt.Errorf("timing systemctl %s: %q", strings.Join(cmd, " "), line)
			}
			for i := range f {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return s, fmt.Errorf("timing systemctl %s: %q", strings.Join(cmd, " "), line)
				}
				m[i] = append(m[i], v)
			}
		}
		s.Micros = append(s.Micros, m)
	}
	return s, nil
}

func (s clientSample) line() string {
	var parts []string
	for i, cmd := range clientCommands {
		parts = append(parts, fmt.Sprintf("%s: real %s, ours %s", strings.Join(cmd, " "),
			msf(median(s.Micros[i][0])), msf(median(s.Micros[i][1]))))
	}
	return fmt.Sprintf("round %d %-4s load %s | %s", s.Round, s.Impl, s.Load, strings.Join(parts, " | "))
}

func msf(micros float64) string { return strconv.FormatFloat(micros/1000, 'f', 2, 64) + " ms" }

// reportClients prints the medians as a Markdown table: the drop-in
// (our systemctl on our PID 1) against systemd, then each part alone.
func reportClients(w io.Writer, o ClientOptions, samples []clientSample) {
	if len(samples) == 0 {
		return
	}
	var loads []string
	for _, s := range samples {
		loads = append(loads, s.Load)
	}
	fmt.Fprintf(w, "\n# machine: %s, %d CPUs; load average at each round's start: %s\n", cpuModel(), runtime.NumCPU(), strings.Join(loads, ", "))
	fmt.Fprintf(w, "# %d round(s) per PID 1, taking turns; %d services loaded and active; %d calls per command, client and round\n\n",
		o.Rounds, o.Units/2*2, o.Calls)
	fmt.Fprintln(w, "| command | real systemctl, real PID 1 | our systemctl, our PID 1 | ratio | target | result | our systemctl, real PID 1 (ratio) | real systemctl, our PID 1 (ratio) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for i, cmd := range clientCommands {
		var v [2][2][]float64 // [pid1][client]
		for _, s := range samples {
			p := 0
			if s.Impl == oracle.Go {
				p = 1
			}
			for c := 0; c < 2; c++ {
				v[p][c] = append(v[p][c], s.Micros[i][c]...)
			}
		}
		real, ours := median(v[0][0]), median(v[1][1])
		ratio, result := "—", ""
		if real > 0 && len(v[1][1]) > 0 {
			ratio = strconv.FormatFloat(ours/real, 'f', 2, 64) + "×"
			result = "**fail**"
			if ours <= real {
				result = "pass"
			}
		}
		part := func(x float64) string {
			if real == 0 || x == 0 {
				return "—"
			}
			return fmt.Sprintf("%s (%.2f×)", msf(x), x/real)
		}
		fmt.Fprintf(w, "| `systemctl %s` | %s | %s | %s | ≤ 1× | %s | %s | %s |\n", strings.Join(cmd, " "),
			msf(real), msf(ours), ratio, result, part(median(v[0][1])), part(median(v[1][0])))
	}
}
