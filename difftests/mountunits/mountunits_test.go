// Package mountunits is the differential test of the mount, automount,
// swap and device unit types of our PID 1 (impl/core/manager) against
// real systemd 252: the Debian image boots in the oracle container once
// with each implementation as PID 1, real systemctl lists these units
// and shows their properties on both, and mounts made by hand and by a
// mount unit are followed on both. Any difference fails the test.
package mountunits

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	oracletest.Cleanup()
	os.Exit(code)
}

const systemctl = oracle.OracleBin + "/systemctl"

// unitTypes are the types this test compares.
const unitTypes = "mount,automount,swap,device"

// showProps are the properties compared: what the types set at runtime
// and what loading gives them.
var showProps = []string{
	"Id", "Names", "LoadState", "ActiveState", "SubState", "Description", "LoadError",
	"FragmentPath", "SourcePath", "DefaultDependencies", "Perpetual", "Transient",
	"Requires", "Requisite", "Wants", "BindsTo", "PartOf", "RequiredBy", "WantedBy", "BoundBy",
	"Conflicts", "ConflictedBy", "Before", "After", "Triggers", "TriggeredBy", "RequiresMountsFor",
	"StopPropagatedFrom", "Slice",
	"CanStart", "CanStop", "CanReload", "IgnoreOnIsolate", "ConditionResult", "AssertResult",
	"StateChangeTimestampMonotonic", "ActiveEnterTimestampMonotonic", "ActiveExitTimestampMonotonic",
	"InactiveEnterTimestampMonotonic", "InactiveExitTimestampMonotonic", "InvocationID",
	"Where", "What", "Options", "Type", "Result", "ControlPID", "TimeoutUSec", "DirectoryMode",
	"SloppyOptions", "LazyUnmount", "ForceUnmount", "ReadWriteOnly",
	"ExecMount", "ExecUnmount", "ExecRemount", "ExtraOptions", "TimeoutIdleUSec",
	"Priority", "ExecActivate", "ExecDeactivate", "SysFSPath", "Following",
	"StandardInput", "StandardOutput", "StandardError", "SameProcessGroup", "KillMode", "SendSIGKILL",
	"Documentation", "NeedDaemonReload", "UnitFileState", "UnitFilePreset", "CollectMode",
}

// depProps are dependency lists: their order is the manager's hash
// order, so they are compared as sets; units of the types other agents
// own (services, sockets, timers, paths) are left out of them, as their
// loading is not what this test is about.
var depProps = map[string]bool{}

func init() {
	for _, p := range []string{"Names", "Requires", "Requisite", "Wants", "BindsTo", "PartOf", "RequiredBy", "WantedBy",
		"BoundBy", "Conflicts", "ConflictedBy", "Before", "After", "Triggers", "TriggeredBy", "StopPropagatedFrom",
		"RequiresMountsFor"} {
		depProps[p] = true
	}
}

// keptInDeps reports whether a unit in a dependency list is compared.
func keptInDeps(name string) bool {
	for _, s := range []string{".mount", ".automount", ".swap", ".device", ".target", ".slice", ".scope"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return strings.HasPrefix(name, "/")
}

// A mount unit file the test starts and stops, and a mount point it
// mounts by hand.
const (
	testMount   = "mnt-gosdunit.mount"
	handMount   = "mnt-gosdhand.mount"
	handPath    = "/mnt/gosdhand"
	testMountUF = `[Unit]
Description=Test Mount of the mount unit difftest

[Mount]
What=tmpfs
Where=/mnt/gosdunit
Type=tmpfs
Options=size=1m,mode=0755,nofail
`
)

// side is what one implementation showed.
type side struct {
	impl  oracle.Impl
	steps []step
	err   error
}

// step is one observation: a label and normalized text; show steps
// hold `systemctl show` blocks, compared unit by unit.
type step struct {
	label, text string
	show        bool
}

// compareShow compares show blocks by unit: every unit either side
// lists must show the same on both.
func compareShow(t *testing.T, r, g step) {
	t.Helper()
	rb, gb := blocksByID(r.text), blocksByID(g.text)
	var ids []string
	for id := range rb {
		ids = append(ids, id)
	}
	for id := range gb {
		if _, ok := rb[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	same := 0
	for _, id := range ids {
		x, y := rb[id], gb[id]
		switch {
		case x == "":
			t.Errorf("%s: %s shown only by our PID 1", r.label, id)
		case y == "":
			t.Errorf("%s: %s shown only by real systemd", r.label, id)
		case x != y:
			t.Errorf("%s: %s differs:\n%s", r.label, id, propDiff(x, y))
		default:
			same++
		}
	}
	t.Logf("%s: %d/%d units identical", r.label, same, len(ids))
}

// blocksByID splits show output into blocks keyed by their Id=.
func blocksByID(text string) map[string]string {
	out := map[string]string{}
	for _, b := range strings.Split(text, "\n\n") {
		for _, l := range strings.Split(b, "\n") {
			if id, ok := strings.CutPrefix(l, "Id="); ok {
				out[id] = strings.Trim(b, "\n") + "\n"
				break
			}
		}
	}
	return out
}

func TestContainerMountUnits(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tree := h.GoTree
	sides := []*side{{impl: oracle.Real}, {impl: oracle.Go}}
	var wg sync.WaitGroup
	for _, s := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.steps, s.err = observe(h, s.impl, tree)
		}()
	}
	wg.Wait()
	real, ours := sides[0], sides[1]
	if real.err != nil {
		t.Fatalf("real systemd: %v", real.err)
	}
	if ours.err != nil {
		t.Fatalf("our PID 1: %v", ours.err)
	}
	if len(real.steps) != len(ours.steps) {
		t.Fatalf("different number of observations: real %d, ours %d", len(real.steps), len(ours.steps))
	}
	for i := range real.steps {
		r, g := real.steps[i], ours.steps[i]
		if r.show {
			compareShow(t, r, g)
			continue
		}
		if r.text != g.text {
			t.Errorf("%s differs:\n%s", r.label, oracletest.LineDiff(r.text, g.text))
		} else {
			t.Logf("%s: identical (%d lines)", r.label, strings.Count(r.text, "\n"))
		}
	}
	for _, s := range real.steps {
		if s.label == "after boot: list-units" {
			t.Logf("real list-units rows:\n%s", s.text)
		}
	}
}

// observe boots one implementation and records what the test compares.
func observe(h *oracle.Harness, impl oracle.Impl, tree string) ([]step, error) {
	cfg := oracle.Config{Name: "mountunits-" + string(impl), Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 60 * time.Second,
		Files: []oracle.File{{Path: "/etc/systemd/system/" + testMount, Data: []byte(testMountUF)}}}
	if impl == oracle.Go {
		cfg.GoTree = tree
		// Our PID 1 may not reach a settled boot while other unit types
		// are missing; the mount units are settled long before.
		cfg.BootTimeout = 30 * time.Second
	}
	sb, err := oracle.NewSandbox(oracle.ModeContainer, cfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	br, err := sb.Boot(ctx)
	if err != nil {
		return nil, fmt.Errorf("boot: %v\n%s", err, sb.Console())
	}
	if !br.Settled && impl == oracle.Real {
		return nil, fmt.Errorf("boot did not settle\n%s", sb.Console())
	}
	run := func(argv ...string) string {
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		defer ccancel()
		r := sb.Exec(cctx, argv, nil)
		out := string(r.Stdout) + string(r.Stderr)
		if r.Exit != 0 {
			out += fmt.Sprintf("[exit %d]\n", r.Exit)
		}
		return out
	}
	// waitFor polls a unit until its active state is want (both sides
	// follow the kernel's table asynchronously).
	waitFor := func(unit, want string) {
		for i := 0; i < 100; i++ {
			if strings.TrimSpace(run(systemctl, "show", "-p", "ActiveState", "--value", unit)) == want {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var steps []step
	// snapshot compares the rows of these types and the properties of
	// the units they list.
	snapshot := func(label string) {
		rows := run(systemctl, "list-units", "--all", "--no-pager", "--plain", "--no-legend", "--type="+unitTypes)
		steps = append(steps, step{label: label + ": list-units", text: normalizeRows(rows)})
		units := unitsOf(rows)
		sort.Strings(units)
		args := append([]string{systemctl, "show", "-p", strings.Join(showProps, ",")}, "--")
		args = append(args, dedup(units)...)
		steps = append(steps, step{label: label + ": show", text: normalizeShow(run(args...)), show: true})
	}
	state := func(label string, units ...string) {
		args := append([]string{systemctl, "show", "-p", "Id,LoadState,ActiveState,SubState,Result,ControlPID", "--"}, units...)
		steps = append(steps, step{label: label, text: run(args...)})
	}
	snapshot("after boot")

	// A mount made by somebody else appears as a unit, mounted.
	run("mkdir", "-p", handPath)
	steps = append(steps, step{label: "mount by hand", text: run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", handPath)})
	waitFor(handMount, "active")
	snapshot("mounted by hand")

	// A mount unit's start runs mount(8) as its control process.
	steps = append(steps, step{label: "start " + testMount, text: run(systemctl, "start", testMount)})
	waitFor(testMount, "active")
	snapshot("unit started")

	// daemon-reload keeps every mount unit as it was.
	steps = append(steps, step{label: "daemon-reload", text: run(systemctl, "daemon-reload")})
	snapshot("after daemon-reload")

	// Its stop runs umount(8); a mount unmounted by somebody else goes
	// dead.
	steps = append(steps, step{label: "stop " + testMount, text: run(systemctl, "stop", testMount)})
	waitFor(testMount, "inactive")
	steps = append(steps, step{label: "umount by hand", text: run("umount", handPath)})
	waitFor(handMount, "inactive")
	state("after stop and umount", testMount, handMount)
	snapshot("after stop and umount")

	// Requests the types refuse, and units nothing loaded before.
	steps = append(steps, step{label: "start device", text: run(systemctl, "start", "dev-sda.device")})
	steps = append(steps, step{label: "stop -.mount", text: run(systemctl, "stop", "-.mount")})
	steps = append(steps, step{label: "start swap", text: run(systemctl, "start", "dev-sda2.swap")})
	args := append([]string{systemctl, "show", "-p", strings.Join(showProps, ","), "--"},
		"tmp.mount", "home.mount", "dev-sda.device", "dev-sda2.swap", "mnt-nothere.automount", "var-nothere.mount")
	steps = append(steps, step{label: "units loaded on request: show", text: normalizeShow(run(args...)), show: true})
	return steps, nil
}

// unitsOf lists the first column of list-units --plain --no-legend rows.
func unitsOf(rows string) []string {
	var out []string
	for _, l := range strings.Split(rows, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

func dedup(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// normalizeRows turns list-units rows into "UNIT LOAD ACTIVE SUB DESCRIPTION"
// with single spaces.
func normalizeRows(rows string) string {
	var b strings.Builder
	for _, l := range strings.Split(rows, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		b.WriteString(strings.Join(f, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

var (
	runDir      = regexp.MustCompile(`/var/tmp/gosd-oracle/run-[^/,]*`)
	lowerDir    = regexp.MustCompile(`lowerdir=[^,]*`)
	execTimes   = regexp.MustCompile(`(start_time|stop_time)=\[[^]]*\]`)
	execPID     = regexp.MustCompile(`pid=[0-9]+`)
	monotonicTS = regexp.MustCompile(`^([A-Za-z]+TimestampMonotonic)=([1-9][0-9]*)$`)
	invocation  = regexp.MustCompile(`^InvocationID=[0-9a-f]{32}$`)
)

// normalizeShow makes show output comparable: run-specific paths,
// times, PIDs and IDs become placeholders (set or not is kept), and
// dependency lists become sorted sets of the compared unit types.
func normalizeShow(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			b.WriteByte('\n')
			continue
		}
		l = runDir.ReplaceAllString(l, "RUN")
		l = lowerDir.ReplaceAllString(l, "lowerdir=LOWER")
		l = execTimes.ReplaceAllString(l, "$1=[TIME]")
		l = execPID.ReplaceAllString(l, "pid=PID")
		if m := monotonicTS.FindStringSubmatch(l); m != nil {
			l = m[1] + "=SET"
		}
		if invocation.MatchString(l) {
			l = "InvocationID=SET"
		}
		k, v, _ := strings.Cut(l, "=")
		if depProps[k] {
			var kept []string
			for _, n := range strings.Fields(v) {
				if keptInDeps(n) {
					kept = append(kept, n)
				}
			}
			sort.Strings(kept)
			l = k + "=" + strings.Join(kept, " ")
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// propDiff shows the properties that differ between two show blocks,
// and whether they come in another order.
func propDiff(a, b string) string {
	parse := func(s string) ([]string, map[string]string) {
		var keys []string
		vals := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			k, v, _ := strings.Cut(l, "=")
			keys = append(keys, k)
			vals[k] = v
		}
		return keys, vals
	}
	ak, av := parse(a)
	bk, bv := parse(b)
	var out strings.Builder
	for _, k := range ak {
		if y, ok := bv[k]; !ok {
			fmt.Fprintf(&out, "  %s: real %q, ours missing\n", k, av[k])
		} else if av[k] != y {
			fmt.Fprintf(&out, "  %s:\n    real: %s\n    ours: %s\n", k, av[k], y)
		}
	}
	for _, k := range bk {
		if _, ok := av[k]; !ok {
			fmt.Fprintf(&out, "  %s: real missing, ours %q\n", k, bv[k])
		}
	}
	if out.Len() == 0 {
		fmt.Fprintf(&out, "  same properties in another order:\n    real: %s\n    ours: %s\n", strings.Join(ak, " "), strings.Join(bk, " "))
	}
	return out.String()
}
