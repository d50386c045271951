package managerbus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

const (
	systemctl = oracle.OracleBin + "/systemctl"
	busctl    = oracle.OracleBin + "/busctl"
)

// The scenario's unit files: one with every kind of install rule, one
// without [Install], a template, one whose alias is refused, one outside
// the search path for `link`.
var scenarioFiles = []oracle.File{
	{Path: "/etc/systemd/system/gosd-mb.service", Data: []byte(`[Unit]
Description=managerbus scenario unit

[Service]
Type=oneshot
ExecStart=/bin/true

[Install]
WantedBy=multi-user.target
RequiredBy=gosd-mb.target
Alias=gosd-mb-alias.service
Also=gosd-mb-also.service
`)},
	{Path: "/etc/systemd/system/gosd-mb-also.service", Data: []byte(`[Service]
ExecStart=/bin/true

[Install]
WantedBy=default.target
`)},
	{Path: "/etc/systemd/system/gosd-mb.target", Data: []byte(`[Unit]
Description=managerbus scenario target
`)},
	{Path: "/etc/systemd/system/gosd-mb-static.service", Data: []byte(`[Service]
ExecStart=/bin/true
`)},
	{Path: "/etc/systemd/system/gosd-mb@.service", Data: []byte(`[Service]
ExecStart=/bin/true

[Install]
WantedBy=multi-user.target
DefaultInstance=one
`)},
	{Path: "/etc/systemd/system/gosd-mb-bad.service", Data: []byte(`[Service]
ExecStart=/bin/true

[Install]
Alias=gosd-mb-bad.socket
`)},
	{Path: "/opt/gosd-mb-linked.service", Data: []byte(`[Service]
ExecStart=/bin/true

[Install]
WantedBy=multi-user.target
`)},
}

// knownDivergent are steps that differ for a reason outside this test's
// packages; each must still differ (the entry is then removed), and must
// differ only in the lines named.
var knownDivergent = map[string]struct {
	lines  []string // nil: any line
	reason string
}{}

// step is one observation: what a command printed and how it exited.
type step struct{ label, text string }

func TestManagerBusMatchesSystemd(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	tree := h.GoTree
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	files := append(append([]oracle.File{}, scenarioFiles...), oracle.File{Path: helperPath, Data: helper, Mode: 0o755})
	type side struct {
		steps []step
		err   error
	}
	// MANAGERBUS_SELFCHECK=1 runs real systemd on both sides: what
	// differs then is not stable enough to compare.
	oursImpl := oracle.Go
	if os.Getenv("MANAGERBUS_SELFCHECK") != "" {
		oursImpl = oracle.Real
	}
	real, ours := &side{}, &side{}
	var wg sync.WaitGroup
	for _, x := range []struct {
		s     *side
		impl  oracle.Impl
		label string
	}{{real, oracle.Real, "real"}, {ours, oursImpl, "ours"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.s.steps, x.s.err = observe(h, x.impl, "managerbus-"+x.label, tree, files)
		}()
	}
	wg.Wait()
	if dir := os.Getenv("MANAGERBUS_DUMP"); dir != "" {
		dump(t, filepath.Join(dir, "real.txt"), real.steps)
		dump(t, filepath.Join(dir, "ours.txt"), ours.steps)
	}
	if real.err != nil {
		t.Fatalf("real systemd: %v", real.err)
	}
	if ours.err != nil {
		t.Fatalf("our PID 1: %v", ours.err)
	}
	if len(real.steps) != len(ours.steps) {
		t.Fatalf("different number of observations: real %d, ours %d", len(real.steps), len(ours.steps))
	}
	same := 0
	for i, r := range real.steps {
		g := ours.steps[i]
		if r.label != g.label {
			t.Fatalf("observation %d: real %q, ours %q", i, r.label, g.label)
		}
		known, isKnown := knownDivergent[r.label]
		if r.text == g.text {
			if isKnown && oursImpl == oracle.Go {
				t.Errorf("%s: now identical; remove it from knownDivergent", r.label)
			}
			same++
			continue
		}
		if isKnown && (known.lines == nil || onlyLinesDiffer(r.text, g.text, known.lines)) {
			t.Logf("%s: differs as known (%s):\n%s", r.label, known.reason, oracletest.LineDiff(r.text, g.text))
			continue
		}
		t.Errorf("%s differs:\n%s", r.label, oracletest.LineDiff(r.text, g.text))
	}
	t.Logf("%d of %d observations identical", same, len(real.steps))
}

// dump writes the observations to path, for a look at what was compared.
func dump(t *testing.T, path string, steps []step) {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "### %s\n%s\n", s.label, s.text)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

// observe boots one implementation and runs the scenario in it.
func observe(h *oracle.Harness, impl oracle.Impl, name, tree string, files []oracle.File) ([]step, error) {
	cfg := oracle.Config{Name: name, Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute, Files: files}
	if impl == oracle.Go {
		cfg.GoTree = tree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	var steps []step
	run := func(label string, argv ...string) string {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		defer ccancel()
		start := time.Now()
		r := sb.Exec(cctx, argv, nil)
		if os.Getenv("MANAGERBUS_DUMP") != "" {
			fmt.Fprintf(os.Stderr, "%s: %s took %v, exit %d\n", impl, label, time.Since(start), r.Exit)
		}
		text := fmt.Sprintf("$ %s\n%s", strings.Join(argv[1:], " "), r.Stdout)
		if len(r.Stderr) > 0 {
			text += "[stderr]\n" + string(r.Stderr)
		}
		text += fmt.Sprintf("[exit %d]\n", r.Exit)
		steps = append(steps, step{label: label, text: text})
		return string(r.Stdout)
	}
	sc := func(args ...string) string {
		return run(strings.Join(args, " "), append([]string{systemctl, "--no-pager"}, args...)...)
	}

	// The manager's properties, before anything reloads it.
	run("manager: show --all", systemctl, "show", "--all")
	steps[len(steps)-1].text = oracle.Normalize(steps[len(steps)-1].text)
	run("manager: introspect", busctl, "introspect", "--no-pager", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
		"org.freedesktop.systemd1.Manager")
	steps[len(steps)-1].text = introspectRows(steps[len(steps)-1].text)

	// What the unit files are.
	sc("get-default")
	sc("is-enabled", "gosd-mb.service", "gosd-mb-static.service", "gosd-mb@.service", "gosd-mb@x.service",
		"getty@tty1.service", "systemd-journald.service", "gosd-mb.target", "dbus.service")
	sc("is-enabled", "nonexistent.service")
	sc("is-enabled", "gosd-mb-alias.service")
	sc("is-enabled", "not a name")
	sc("list-unit-files")
	sc("list-unit-files", "--state=enabled,static", "gosd*", "getty*")
	sc("list-unit-files", "--type=target")

	// Enabling and disabling.
	sc("enable", "gosd-mb.service")
	sc("is-enabled", "gosd-mb.service", "gosd-mb-also.service", "gosd-mb-alias.service")
	sc("is-enabled", "--full", "gosd-mb.service")
	// systemctl reloaded the manager after the change.
	run("manager: show after reload", systemctl, "show", "--all", "-p",
		"UnitsLoadTimestamp,UnitsLoadTimestampMonotonic,NNames,NFailedUnits,NJobs,NInstalledJobs,NFailedJobs,SystemState,Progress")
	steps[len(steps)-1].text = oracle.Normalize(steps[len(steps)-1].text)
	sc("list-unit-files", "gosd*")
	sc("enable", "gosd-mb.service")
	sc("reenable", "gosd-mb.service")
	sc("disable", "gosd-mb.service", "gosd-mb-also.service")
	sc("is-enabled", "gosd-mb.service")
	sc("enable", "--runtime", "gosd-mb.service")
	sc("is-enabled", "gosd-mb.service")
	sc("disable", "--runtime", "gosd-mb.service")
	sc("enable", "gosd-mb@.service")
	sc("enable", "gosd-mb@two.service")
	sc("is-enabled", "gosd-mb@one.service", "gosd-mb@two.service", "gosd-mb@three.service")
	sc("disable", "gosd-mb@.service")
	sc("enable", "gosd-mb-static.service")
	sc("enable", "gosd-mb-bad.service")
	sc("enable", "nonexistent.service")
	sc("disable", "nonexistent.service")

	// Masks, links, dependencies, presets, reverting.
	sc("mask", "gosd-mb.service")
	sc("is-enabled", "gosd-mb.service")
	sc("enable", "gosd-mb.service")
	sc("mask", "gosd-mb.service")
	sc("unmask", "gosd-mb.service")
	sc("is-enabled", "gosd-mb.service")
	sc("link", "/opt/gosd-mb-linked.service")
	sc("is-enabled", "gosd-mb-linked.service")
	sc("enable", "gosd-mb-linked.service")
	sc("disable", "gosd-mb-linked.service")
	sc("link", "/etc/systemd/system/gosd-mb.service")
	sc("add-wants", "gosd-mb.target", "gosd-mb-static.service")
	sc("add-requires", "gosd-mb.target", "gosd-mb-also.service")
	sc("list-unit-files", "gosd*")
	sc("revert", "gosd-mb-static.service")
	sc("preset", "gosd-mb.service")
	sc("preset", "--preset-mode=disable-only", "gosd-mb.service")
	sc("is-enabled", "gosd-mb.service")
	sc("disable", "gosd-mb.service")

	// The default target.
	sc("set-default", "graphical.target")
	sc("get-default")
	sc("set-default", "gosd-mb.service")
	sc("set-default", "nonexistent.target")
	sc("set-default", "multi-user.target")
	sc("get-default")
	sc("list-unit-files", "gosd*")

	// The methods answer the same errors to direct calls.
	call := func(member, sig string, args ...string) {
		argv := append([]string{busctl, "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			"org.freedesktop.systemd1.Manager", member, sig}, args...)
		run("busctl call "+member+" "+strings.Join(args, " "), argv...)
	}
	call("GetUnitFileState", "s", "gosd-mb.service")
	call("GetUnitFileState", "s", "nonexistent.service")
	call("GetUnitFileLinks", "sb", "gosd-mb.service", "false")
	call("EnableUnitFilesWithFlags", "ast", "1", "gosd-mb.service", "8")
	call("DisableUnitFilesWithFlags", "ast", "1", "gosd-mb.service", "2")
	call("PresetUnitFilesWithMode", "assbb", "1", "gosd-mb.service", "bogus", "false", "false")
	call("AddDependencyUnitFiles", "asssbb", "1", "gosd-mb.service", "gosd-mb.target", "After", "false", "false")
	call("EnableUnitFiles", "asbb", "1", "gosd-mb-bad.service", "false", "false")
	call("MaskUnitFiles", "asbb", "1", "gosd-mb.service", "false", "false")
	call("MaskUnitFiles", "asbb", "1", "gosd-mb.service", "false", "false")
	call("UnmaskUnitFiles", "asb", "1", "gosd-mb.service", "false")
	call("SetDefaultTarget", "sb", "bad name", "false")

	// Error names and UnitFilesChanged, which busctl does not show.
	for _, c := range busCalls {
		run("bus: "+c.name, "env", helperEnv+"=call", helperPath, c.name)
	}
	// Unprivileged callers and references, on the system bus.
	for _, c := range sysBusScenarios {
		run("system bus: "+c.name, "env", helperEnv+"=call", helperPath, c.name)
	}

	if _, err := sb.Poweroff(ctx); err != nil {
		return steps, fmt.Errorf("poweroff: %v", err)
	}
	return steps, nil
}

// introspectRows keeps busctl introspect's name, kind and signature
// columns, and values only for methods and signals: property values are
// compared through show, and their flags are set by impl/dbusapi's
// shared registration.
func introspectRows(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], ".") {
			if strings.HasPrefix(l, "[exit") || strings.HasPrefix(l, "[stderr]") {
				b.WriteString(l + "\n")
			}
			continue
		}
		switch f[1] {
		case "method", "signal":
			if methodsCompared[f[0][1:]] || f[1] == "signal" {
				fmt.Fprintf(&b, "%s %s %s %s\n", f[0], f[1], f[2], f[3])
			}
		case "property":
			fmt.Fprintf(&b, "%s %s %s\n", f[0], f[1], f[2])
		}
	}
	return b.String()
}

// methodsCompared are the Manager methods impl/dbusapi/unitfiles.go
// serves; the others are compared where they are implemented.
var methodsCompared = map[string]bool{}

func init() {
	for _, m := range []string{"ListUnitFiles", "ListUnitFilesByPatterns", "GetUnitFileState", "EnableUnitFiles",
		"DisableUnitFiles", "EnableUnitFilesWithFlags", "DisableUnitFilesWithFlags", "ReenableUnitFiles",
		"LinkUnitFiles", "PresetUnitFiles", "PresetUnitFilesWithMode", "MaskUnitFiles", "UnmaskUnitFiles",
		"RevertUnitFiles", "SetDefaultTarget", "GetDefaultTarget", "PresetAllUnitFiles", "AddDependencyUnitFiles",
		"GetUnitFileLinks"} {
		methodsCompared[m] = true
	}
}

// onlyLinesDiffer reports whether a and b differ only in lines that
// start with one of prefixes, line for line.
func onlyLinesDiffer(a, b string, prefixes []string) bool {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(al) != len(bl) {
		return false
	}
	for i := range al {
		if al[i] == bl[i] {
			continue
		}
		ok := false
		for _, p := range prefixes {
			if strings.HasPrefix(al[i], p) && strings.HasPrefix(bl[i], p) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
