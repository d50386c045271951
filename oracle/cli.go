package oracle

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

const difftestUsage = `usage:
  difftest run [--mode container|vm] [--impl real|go|both] [--go-tree DIR]
               [--json] [--repeat N] [--parallel N] [SCENARIO...]
      Run scenarios (files or names under scripts/; none means all) on real
      systemd 252 and/or our build and diff them. --repeat N with --impl real
      checks that a scenario is identical real-vs-real N runs in a row.
  difftest units [--mode container|vm] [--go-tree DIR] [--json] DIR
      Load the unit files in DIR on both implementations and report how
      systemctl show differs.
  difftest boot [--mode container|vm] [--impl real|go] [--go-tree DIR] [--pid1-env K=V] [CMD ARG...]
      Boot the image with one implementation as PID 1, show what it runs
      (or run CMD in it), and power it off.
  difftest bench [--rounds N] [--services N] [--reloads N] [--impl real|go|both]
                 [--go-tree DIR] [--profile DIR]
      Benchmark our PID 1 against systemd 252, side by side, taking turns
      (oracle/bench; ci/bench-pid1.sh).
  difftest bench-clients [--rounds N] [--units N] [--calls N] [--go-tree DIR]
      Time systemctl show, is-active and list-units with 500 units loaded:
      ours on our PID 1 against 252 on 252 (oracle/bench; ci/bench-clients.sh).
  difftest sweep
      Remove what killed runners left behind (cgroups, processes, scratch).
`

// DifftestMain is the difftest command.
func DifftestMain(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprint(stderr, difftestUsage)
		return 2
	}
	CleanupOnSignal()
	switch args[1] {
	case "run":
		return cmdRun(args[2:], stdout, stderr)
	case "units":
		return cmdUnits(args[2:], stdout, stderr)
	case "boot":
		return cmdBoot(args[2:], stdout, stderr)
	case "sweep":
		for _, s := range SweepLeftovers("") {
			fmt.Fprintln(stdout, "removed", s)
		}
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, difftestUsage)
		return 0
	}
	fmt.Fprintf(stderr, "difftest: unknown command %q\n%s", args[1], difftestUsage)
	return 2
}

type commonFlags struct {
	mode     string
	goTree   string
	json     bool
	parallel int
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.mode, "mode", "container", "sandbox: container or vm")
	fs.StringVar(&c.goTree, "go-tree", "", "install tree for the go side (default: make install)")
	fs.BoolVar(&c.json, "json", false, "one JSON object per line per scenario")
	fs.IntVar(&c.parallel, "parallel", 2, "scenarios run at once")
}

// harness prepares images and the go tree; cleanup removes a built tree.
func (c *commonFlags) harness(needGo bool) (*Harness, func(), error) {
	repo, err := RepoRoot()
	if err != nil {
		return nil, nil, err
	}
	mode := Mode(c.mode)
	if mode != ModeContainer && mode != ModeVM {
		return nil, nil, &UsageError{Msg: "--mode must be container or vm"}
	}
	img, err := EnsureRootfs(repo)
	if err != nil {
		return nil, nil, err
	}
	if mode == ModeVM {
		if err := EnsureVMImages(repo, img); err != nil {
			return nil, nil, err
		}
	}
	h := &Harness{Mode: mode, Images: img, GoTree: c.goTree}
	cleanup := func() {}
	if needGo && h.GoTree == "" {
		tree, err := BuildGoTree(repo)
		if err != nil {
			return nil, nil, err
		}
		h.GoTree = tree
		cleanup = func() { os.RemoveAll(tree) }
	}
	return h, cleanup, nil
}

// ScenarioFiles resolves scenario arguments: paths, or names under scripts/.
func ScenarioFiles(repo string, args []string) ([]string, error) {
	dir := filepath.Join(repo, "scripts")
	if len(args) == 0 {
		files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
		if err == nil && len(files) == 0 {
			err = fmt.Errorf("no scenarios in %s", dir)
		}
		return files, err
	}
	var files []string
	for _, a := range args {
		f := a
		if _, err := os.Stat(f); err != nil {
			f = filepath.Join(dir, strings.TrimSuffix(a, ".txtar")+".txtar")
			if _, err := os.Stat(f); err != nil {
				return nil, fmt.Errorf("no scenario %q (looked for %s)", a, f)
			}
		}
		files = append(files, f)
	}
	return files, nil
}

// JSONResult is one line of `difftest run --json`.
type JSONResult struct {
	Scenario  string `json:"scenario"`
	Mode      string `json:"mode"`
	RealOK    bool   `json:"real_ok"`
	GoOK      bool   `json:"go_ok"`
	Identical bool   `json:"identical"`
	Diff      string `json:"diff"`
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("difftest run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	impl := fs.String("impl", "both", "real, go or both")
	repeat := fs.Int("repeat", 1, "runs per implementation; runs of one implementation must be identical")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *impl != "real" && *impl != "go" && *impl != "both" {
		fmt.Fprintln(stderr, "difftest: --impl must be real, go or both")
		return 2
	}
	repo, err := RepoRoot()
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	files, err := ScenarioFiles(repo, fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 2
	}
	divs, err := LoadDivergences(filepath.Join(repo, "scripts", "divergences.txt"))
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	h, cleanup, err := c.harness(*impl != "real")
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	defer cleanup()

	results := make([]string, len(files))
	failed := make([]bool, len(files))
	sem := make(chan struct{}, max(1, c.parallel))
	var wg sync.WaitGroup
	var outMu sync.Mutex
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			line, bad := runOne(h, f, *impl, *repeat, divs, c.json)
			outMu.Lock()
			results[i], failed[i] = line, bad
			if c.json {
				fmt.Fprintln(stdout, line)
			} else {
				fmt.Fprint(stdout, line)
			}
			outMu.Unlock()
		}()
	}
	wg.Wait()
	code := 0
	for _, bad := range failed {
		if bad {
			code = 1
		}
	}
	return code
}

// runOne runs a scenario as asked and renders its result; bad reports a
// failure.
func runOne(h *Harness, file, impl string, repeat int, divs *Divergences, asJSON bool) (string, bool) {
	name := ScenarioName(file)
	res := JSONResult{Scenario: name, Mode: string(h.Mode)}
	var text strings.Builder
	var bad bool
	switch impl {
	case "both":
		real := h.RunScenario(file, Real)
		goT := h.RunScenario(file, Go)
		v := Judge(real, goT, divs)
		res.RealOK, res.GoOK, res.Identical, res.Diff = real.OK, goT.OK, v.Identical(), v.DiffText()
		bad = !v.Pass()
		status := "PASS"
		if bad {
			status = "FAIL"
		}
		fmt.Fprintf(&text, "%s %s (real_ok=%v go_ok=%v identical=%v)\n", status, name, real.OK, goT.OK, v.Identical())
		if bad {
			text.WriteString(indent(v.Report()))
			if !real.OK {
				text.WriteString(indent(real.Log))
			}
		}
	default:
		which := Impl(impl)
		first := h.RunScenario(file, which)
		ok := first.OK
		var diffs []string
		for i := 1; i < repeat; i++ {
			next := h.RunScenario(file, which)
			ok = ok && next.OK
			for _, d := range DiffTranscripts(first, next) {
				diffs = append(diffs, fmt.Sprintf("run %d vs run 1: %s\n%s", i+1, d.Part, d.Diff))
			}
		}
		if which == Real {
			res.RealOK = ok
		} else {
			res.GoOK = ok
		}
		res.Identical = len(diffs) == 0
		res.Diff = strings.Join(diffs, "")
		bad = !ok || len(diffs) > 0
		status := "PASS"
		if bad {
			status = "FAIL"
		}
		fmt.Fprintf(&text, "%s %s (%s, %d run(s), ok=%v, stable=%v)\n", status, name, impl, repeat, ok, len(diffs) == 0)
		if !ok {
			text.WriteString(indent(first.Log))
		}
		text.WriteString(indent(res.Diff))
	}
	if asJSON {
		b, _ := json.Marshal(res)
		return string(b), bad
	}
	return text.String(), bad
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return "    " + strings.Join(lines, "\n    ") + "\n"
}

func cmdUnits(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("difftest units", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, difftestUsage)
		return 2
	}
	file, err := unitsScenario(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	defer os.RemoveAll(filepath.Dir(file))
	h, cleanup, err := c.harness(true)
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	defer cleanup()
	real := h.RunScenario(file, Real)
	goT := h.RunScenario(file, Go)
	v := Judge(real, goT, &Divergences{})
	if c.json {
		b, _ := json.Marshal(JSONResult{Scenario: fs.Arg(0), Mode: c.mode, RealOK: real.OK, GoOK: goT.OK, Identical: v.Identical(), Diff: v.DiffText()})
		fmt.Fprintln(stdout, string(b))
	} else {
		for _, d := range v.Diffs {
			fmt.Fprintf(stdout, "=== %s\n%s", d.Part, d.Diff)
		}
		fmt.Fprintf(stdout, "%d part(s) differ; real_ok=%v go_ok=%v\n", len(v.Diffs), real.OK, goT.OK)
	}
	if !v.Identical() || !real.OK || !goT.OK {
		return 1
	}
	return 0
}

// unitsScenario writes a scenario that installs every unit file in dir,
// boots, and captures each unit.
func unitsScenario(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "", fmt.Errorf("no unit files in %s", dir)
	}
	var script strings.Builder
	script.WriteString("# Generated by difftest units: load the user's units and show them.\n")
	for _, n := range names {
		fmt.Fprintf(&script, "unit %s\n", n)
	}
	script.WriteString("boot\n")
	fmt.Fprintf(&script, "capture %s\n", strings.Join(names, " "))
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&script, "-- %s --\n%s", n, ensureNL(string(data)))
	}
	tmp, err := os.MkdirTemp("", "gosd-units-")
	if err != nil {
		return "", err
	}
	file := filepath.Join(tmp, "units.txtar")
	return file, os.WriteFile(file, []byte(script.String()), 0o644)
}

func cmdBoot(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("difftest boot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	impl := fs.String("impl", "go", "real or go")
	console := fs.Bool("console", false, "print the guest's console after the commands")
	var pid1Env []string
	fs.Func("pid1-env", "K=V in our PID 1's environment, container mode (repeatable)", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("want K=V, got %q", v)
		}
		pid1Env = append(pid1Env, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *impl != "real" && *impl != "go" {
		fmt.Fprintln(stderr, "difftest: --impl must be real or go")
		return 2
	}
	h, cleanup, err := c.harness(*impl == "go")
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	defer cleanup()
	h.defaults()
	sb, err := NewSandbox(h.Mode, Config{Name: "boot-" + *impl, Impl: Impl(*impl), Images: h.Images,
		GoTree: h.GoTree, KernelArgs: BaseKernelArgs, BootTimeout: h.BootTimeout, PID1Env: pid1Env})
	if err != nil {
		fmt.Fprintln(stderr, "difftest:", err)
		return 1
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), h.ScenarioTimeout)
	defer cancel()
	fmt.Fprintf(stdout, "# booting the Debian bookworm image in a %s with the %s implementation\n", h.Mode, *impl)
	if *impl == "go" {
		paths, _ := installedPaths(h.GoTree)
		fmt.Fprintf(stdout, "# our install tree replaces: %s\n", strings.Join(paths, " "))
		if !contains(paths, "usr/lib/systemd/systemd") {
			fmt.Fprintln(stdout, "# (PID 1 is still real systemd 252: our manager is not installed yet)")
		}
	}
	br, err := sb.Boot(ctx)
	if err != nil || !br.Settled {
		fmt.Fprintf(stdout, "boot did not settle: %v\n--- console\n%s", err, sb.Console())
		if err != nil || fs.NArg() == 0 {
			return 1
		}
		// The guest runs but never settled: the command may show why.
		fmt.Fprintln(stdout, "--- running the command anyway")
	} else {
		fmt.Fprintf(stdout, "# boot settled in %v: %s\n", br.Took.Round(time.Millisecond), br.State)
	}
	cmds := [][]string{fs.Args()}
	if fs.NArg() == 0 {
		cmds = [][]string{
			{OracleBin + "/systemctl", "is-system-running"},
			{OracleBin + "/systemctl", "list-units", "--failed", "--no-pager"},
			{OracleBin + "/systemctl", "status", "--no-pager", "--lines=0", "multi-user.target"},
			{"systemd-escape", "--path", "/var/lib/demo dir"},
			{"systemd-escape", "--unescape", "--path", "var-lib-demo\\x20dir"},
		}
	}
	code := 0
	for _, argv := range cmds {
		fmt.Fprintf(stdout, "$ %s\n", strings.Join(argv, " "))
		cctx, ccancel := context.WithTimeout(ctx, h.CmdTimeout)
		r := sb.Exec(cctx, argv, nil)
		ccancel()
		stdout.Write(r.Stdout)
		stdout.Write(r.Stderr)
		if r.Exit != 0 {
			fmt.Fprintf(stdout, "[exit %d]\n", r.Exit)
			if fs.NArg() > 0 {
				code = r.Exit
			}
		}
	}
	if *console {
		fmt.Fprintf(stdout, "--- console\n%s", sb.Console())
	}
	clean, err := sb.Poweroff(ctx)
	if !clean {
		fmt.Fprintf(stdout, "# shutdown was not clean: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "# powered off cleanly")
	return code
}

// installedPaths lists the files of an install tree.
func installedPaths(tree string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(tree, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(tree, p)
			out = append(out, rel)
		}
		return err
	})
	return out, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
