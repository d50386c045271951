package unitshow

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gosystemd/corpus"
	"gosystemd/impl/install"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/showprop"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	oracletest.Cleanup()
	os.Exit(code)
}

// corpusUnit is one unit of the corpus with its drop-ins.
type corpusUnit struct {
	name    string
	pkg     string
	data    []byte
	dropins []unit.File // Path is the drop-in's guest path
	path    string      // where TestCorpusWarnings installed it
}

const unitDir = "/etc/systemd/system"

// referenceUnit is a service that sets nothing: its properties show the
// manager's process defaults.
const referenceUnit = "gosd-unitshow-reference.service"

var systemDirs = []string{"lib/systemd/system/", "usr/lib/systemd/system/"}

// imageHas reports whether the image already knows a unit name: such
// units are left out, so that installing the corpus changes nothing the
// boot depends on.
func imageHas(rootfs, name string) bool {
	for _, d := range []string{"etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system", "run/systemd/system", "usr/local/lib/systemd/system"} {
		if _, err := os.Lstat(filepath.Join(rootfs, d, name)); err == nil {
			return true
		}
	}
	return false
}

// collectCorpus picks the corpus units to install: system units and
// templates the image does not ship, the first package's copy when
// several ship one name.
func collectCorpus(t *testing.T, rootfs string) (units []*corpusUnit, skipped map[string]int) {
	files, err := corpus.Files(corpus.Root())
	if err != nil {
		t.Fatal(err)
	}
	skipped = map[string]int{}
	byName := map[string]*corpusUnit{}
	base := filepath.Join(corpus.Root(), "debian")
	type dropin struct{ unit, file, pkg string }
	var dropins []dropin
	for _, f := range files {
		rel, _ := filepath.Rel(base, f)
		pkg, inPkg, _ := strings.Cut(filepath.ToSlash(rel), "/")
		var rest string
		for _, d := range systemDirs {
			if r, ok := strings.CutPrefix(inPkg, d); ok {
				rest = r
			}
		}
		if rest == "" {
			continue
		}
		if dir, conf, ok := strings.Cut(rest, "/"); ok {
			if un, ok := strings.CutSuffix(dir, ".d"); ok && strings.HasSuffix(conf, ".conf") && !strings.Contains(conf, "/") {
				dropins = append(dropins, dropin{un, f, pkg})
			}
			continue
		}
		name := rest
		switch {
		case !unitname.IsValid(name, unitname.Any):
			skipped["not a unit name"]++
			continue
		case imageHas(rootfs, name):
			skipped["shipped by the image"]++
			continue
		case byName[name] != nil:
			skipped["shipped by another package too"]++
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		byName[name] = &corpusUnit{name: name, pkg: pkg, data: data}
	}
	sort.Slice(dropins, func(i, j int) bool { return filepath.Base(dropins[i].file) < filepath.Base(dropins[j].file) })
	for _, d := range dropins {
		u := byName[d.unit]
		if u == nil || u.pkg != d.pkg {
			continue
		}
		data, err := os.ReadFile(d.file)
		if err != nil {
			t.Fatal(err)
		}
		u.dropins = append(u.dropins, unit.File{Path: unitDir + "/" + d.unit + ".d/" + filepath.Base(d.file), Data: data})
	}
	for _, u := range byName {
		units = append(units, u)
	}
	sort.Slice(units, func(i, j int) bool { return units[i].name < units[j].name })
	return units, skipped
}

// depProps are the dependency properties: besides the unit's own files
// they depend on the other units the manager has loaded.
var depProps = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`Requires Requisite Wants BindsTo PartOf Upholds RequiredBy RequisiteOf WantedBy
		BoundBy UpheldBy ConsistsOf Conflicts ConflictedBy Before After OnSuccess OnSuccessOf OnFailure OnFailureOf
		Triggers TriggeredBy PropagatesReloadTo ReloadPropagatedFrom PropagatesStopTo StopPropagatedFrom
		JoinsNamespaceOf SliceOf RequiresMountsFor`) {
		depProps[n] = true
	}
}

// unorderedProps are lists whose order comes from a hash table in
// systemd: compared as sets.
var unorderedProps = map[string]bool{"IPAddressAllow": true, "IPAddressDeny": true, "RequiresMountsFor": true}

// runtimeProps change while units run; for never-started units they hold
// initial values, which are compared but reported apart.
var runtimeProps = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`InvocationID MainPID ControlPID ExecMainPID ExecMainCode ExecMainStatus
		ControlGroup ControlGroupId MemoryCurrent MemoryAvailable CPUUsageNSec EffectiveCPUs EffectiveMemoryNodes
		TasksCurrent IPIngressBytes IPIngressPackets IPEgressBytes IPEgressPackets IOReadBytes IOReadOperations
		IOWriteBytes IOWriteOperations NRestarts NFileDescriptorStore StatusText StatusErrno Result ReloadResult
		CleanResult ActiveState SubState FreezerState Job ConditionResult AssertResult NConnections NAccepted NRefused
		Refs NextElapseUSecRealtime NextElapseUSecMonotonic UID GID WatchdogUSec`) {
		runtimeProps[n] = true
	}
}

func same(name, a, b string) bool {
	if a == b {
		return true
	}
	if depProps[name] || unorderedProps[name] {
		x, y := strings.Fields(a), strings.Fields(b)
		sort.Strings(x)
		sort.Strings(y)
		return strings.Join(x, " ") == strings.Join(y, " ")
	}
	return false
}

func render(l *unit.Loader, u *unit.Unit, all bool) []string {
	var buf bytes.Buffer
	for _, iface := range l.Properties(u) {
		ps := make([]showprop.Property, len(iface.Properties))
		for i, p := range iface.Properties {
			ps[i] = showprop.Property(p)
		}
		showprop.Print(&buf, ps, showprop.Options{All: all})
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

// stats counts agreement.
type stats struct {
	units, identical int
	props, sameProps int
}

func (s stats) String() string {
	return fmt.Sprintf("%d/%d units identical (%.1f%%), %d/%d properties identical (%.2f%%)",
		s.identical, s.units, pct(s.identical, s.units), s.sameProps, s.props, pct(s.sameProps, s.props))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// sample picks the units to compare: every unit but services, and every
// third service (all with UNITSHOW_FULL=1), to keep the run short:
// systemd answers GetAll for a unit in about 40 ms.
func sample(units []*corpusUnit) []*corpusUnit {
	full := os.Getenv("UNITSHOW_FULL") != ""
	var out []*corpusUnit
	n := 0
	for _, u := range units {
		if unitname.IsValid(u.name, unitname.Template) {
			inst, err := unitname.ReplaceInstance(u.name, instance)
			if err != nil {
				continue
			}
			out = append(out, &corpusUnit{name: inst, pkg: u.pkg, data: u.data, dropins: u.dropins})
			continue
		}
		if strings.HasSuffix(u.name, ".service") && !full {
			n++
			if n%3 != 0 {
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

// instance is the instance name templates are compared with.
const instance = "gosd"

// defaultViewUnits is how many of the compared units are also compared in
// systemctl show's default view (without --all).
const defaultViewUnits = 40

func TestShowCorpus(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	all, skipped := collectCorpus(t, h.Images.Rootfs)
	if len(all) < 100 {
		t.Fatalf("only %d corpus units to compare", len(all))
	}
	samples := sampleUnits(t)
	all = append(all, samples...)
	ref := &corpusUnit{name: referenceUnit, data: []byte("[Service]\nExecStart=/bin/true\n")}
	all = append(all, ref)
	byName := map[string]*corpusUnit{}
	var files []oracle.File
	for _, u := range all {
		byName[u.name] = u
		files = append(files, oracle.File{Path: unitDir + "/" + u.name, Data: u.data})
		for _, d := range u.dropins {
			files = append(files, oracle.File{Path: d.Path, Data: d.Data})
		}
	}
	// The install logic answers UnitFileState from the files; the
	// installed ones are all that concern the compared units (the image
	// enables none of them).
	installRoot := t.TempDir()
	for _, f := range files {
		p := filepath.Join(installRoot, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unitFileState := func(name string) string {
		st, err := install.GetState(install.Options{Scope: unitpath.System, Root: installRoot}, name)
		if err != nil {
			return "bad"
		}
		return st.String()
	}
	// resolve finds a unit's files as the manager would among the
	// installed ones: its own, else its template's.
	resolve := func(name string) (*unit.File, []unit.File, bool) {
		cu := byName[name]
		if cu == nil {
			tmpl, err := unitname.TemplateOf(name)
			if err != nil || byName[tmpl] == nil {
				return nil, nil, false
			}
			cu = byName[tmpl]
		}
		return &unit.File{Path: unitDir + "/" + cu.name, Data: cu.data}, cu.dropins, true
	}
	units := append(sample(all[:len(all)-1-len(samples)]), pickSamples(samples)...)
	units = append(units, ref)
	var names []string
	for _, u := range units {
		names = append(names, u.name)
	}

	sb, err := oracle.NewSandbox(oracle.ModeContainer, oracle.Config{Name: "unitshow", Impl: oracle.Real, Images: h.Images,
		Files: files, KernelArgs: oracle.BaseKernelArgs})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	if _, err := sb.Boot(ctx); err != nil {
		t.Fatalf("boot: %v\n%s", err, sb.Console())
	}
	run := func(argv ...string) string {
		r := sb.Exec(ctx, argv, nil)
		if r.Exit != 0 {
			console := sb.Console()
			if len(console) > 3000 {
				console = console[len(console)-3000:]
			}
			t.Fatalf("%v: exit %d: %s\nconsole:\n%s", argv[:2], r.Exit, r.Stderr, console)
		}
		return string(r.Stdout)
	}
	systemctl := oracle.OracleBin + "/systemctl"
	listUnits := func() []string {
		var out []string
		for _, l := range strings.Split(run(systemctl, "list-units", "--all", "--plain", "--no-legend", "--no-pager"), "\n") {
			if f := strings.Fields(l); len(f) > 0 {
				out = append(out, f[0])
			}
		}
		return out
	}
	depNames := strings.Fields(`Requires Requisite Wants BindsTo PartOf Upholds Conflicts Before After OnSuccess
		OnFailure Triggers TriggeredBy PropagatesReloadTo ReloadPropagatedFrom PropagatesStopTo StopPropagatedFrom
		JoinsNamespaceOf SliceOf`)
	showOthers := func(others []string) []map[string]string {
		if len(others) == 0 {
			return nil
		}
		var out []map[string]string
		for _, b := range showBlocks(run(append([]string{systemctl, "show", "--all", "--no-pager", "-p",
			"Id,LoadState,DefaultDependencies,FragmentPath," + strings.Join(depNames, ","), "--"}, others...)...)) {
			out = append(out, props(b))
		}
		return out
	}
	notCorpus := func(names []string) []string {
		var out []string
		for _, n := range names {
			if _, _, corpus := resolve(n); !corpus {
				out = append(out, n)
			}
		}
		return out
	}
	// The units loaded at boot, and what they depend on, before any corpus
	// unit is shown: edges to corpus units then come from the image's own
	// files (or from corpus units loaded at boot, which we load too).
	atBoot := listUnits()
	bootExternal := showOthers(notCorpus(atBoot))
	realAll := showBlocks(run(append([]string{systemctl, "show", "--all", "--no-pager", "--"}, names...)...))
	realDefault := showBlocks(run(append([]string{systemctl, "show", "--no-pager", "--"}, names[:defaultViewUnits]...)...))
	manager := props(showBlocks(run(systemctl, "show", "--no-pager"))[0])
	facts := parseFacts(run("/bin/sh", "-c", factsScript))
	presetFiles := map[string]string{}
	for _, block := range strings.Split(run("/bin/sh", "-c", `for f in /usr/lib/systemd/system-preset/*.preset /etc/systemd/system-preset/*.preset; do [ -f "$f" ] && { echo "### ${f##*/}"; cat "$f"; }; done; true`), "### ")[1:] {
		name, content, _ := strings.Cut(block, "\n")
		if _, dup := presetFiles[name]; !dup {
			presetFiles[name] = content
		}
	}
	// Units loaded since boot because corpus units refer to them: their
	// edges to corpus units may come from the corpus, which is ours to
	// follow, so they are left out.
	bootSet := map[string]bool{}
	for _, n := range atBoot {
		bootSet[n] = true
	}
	var late []string
	for _, n := range notCorpus(listUnits()) {
		if !bootSet[n] {
			late = append(late, n)
		}
	}
	lateExternal := showOthers(late)
	if clean, err := sb.Poweroff(ctx); err != nil || !clean {
		t.Logf("poweroff: clean=%v err=%v", clean, err)
	}
	if len(realAll) != len(units) || len(realDefault) != defaultViewUnits {
		t.Fatalf("systemctl show printed %d/%d blocks for %d/%d units", len(realAll), len(realDefault), len(units), defaultViewUnits)
	}

	external := map[string]unit.ExternalUnit{}
	addExternal := func(blocks []map[string]string, corpusEdges bool) {
		for _, p := range blocks {
			e := unit.ExternalUnit{LoadState: unit.LoadState(p["LoadState"]), DefaultDependencies: p["DefaultDependencies"] == "yes",
				HasFragment: p["FragmentPath"] != "", Deps: map[unit.Dependency][]string{}}
			for _, d := range depNames {
				for _, n := range strings.Fields(p[d]) {
					if _, _, corpus := resolve(n); corpusEdges || !corpus {
						e.Deps[unit.DependencyFromString(d)] = append(e.Deps[unit.DependencyFromString(d)], n)
					}
				}
			}
			external[p["Id"]] = e
		}
	}
	addExternal(bootExternal, true)
	addExternal(lateExternal, false)

	d := guestDefaults(manager, props(realAll[len(units)-1]), facts)
	d.Presets = presetPolicy(presetFiles)
	host := guestHost{hostname: facts["hostname"], machineID: facts["machine-id"], bootID: facts["boot-id"]}
	// Between two units, systemd unloads the units nothing holds: showing
	// a unit sees the units loaded at boot plus the ones loading it
	// pulls in. Each unit is loaded into such a set of its own.
	newLoader := func() *unit.Loader {
		l := unit.NewLoader(d)
		l.Host = host
		l.Exists = func(p string) bool {
			if _, _, installed := resolve(path.Base(p)); installed && path.Dir(p) == unitDir {
				return true
			}
			_, err := os.Stat(filepath.Join(h.Images.Rootfs, p))
			return err == nil
		}
		l.External = external
		l.Resolve = resolve
		l.UnitFileState = unitFileState
		for _, n := range atBoot {
			if f, dropins, ok := resolve(n); ok {
				l.Load(n, f, dropins)
			}
		}
		return l
	}
	ours := make([][]string, len(units))
	oursDefault := make([][]string, defaultViewUnits)
	for i, cu := range units {
		l := newLoader()
		u := l.Unit(cu.name)
		if u == nil {
			f, dropins, _ := resolve(cu.name)
			u = l.Load(cu.name, f, dropins)
		}
		l.Finish()
		ours[i] = render(l, u, true)
		if i < defaultViewUnits {
			oursDefault[i] = render(l, u, false)
		}
	}

	var tierA, tierB, defaults, synth stats
	mismatch := map[string]int{}
	example := map[string]string{}
	started := 0
	var report strings.Builder
	for i, cu := range units {
		real := props(realAll[i])
		if real["ActiveState"] != "inactive" || real["InactiveExitTimestampMonotonic"] != "0" {
			started++
			continue
		}
		ourProps := props(ours[i])
		if cu.pkg == samplesPkg {
			synth.units++
			ok := true
			for k, rv := range real {
				synth.props++
				if ov, ook := ourProps[k]; ook && same(k, rv, ov) {
					synth.sameProps++
					continue
				}
				ok = false
				mismatch[k]++
				if _, seen := example[k]; !seen {
					example[k] = fmt.Sprintf("%s: real %q, ours %q", cu.name, rv, ourProps[k])
				}
				fmt.Fprintf(&report, "%s %s\n  real: %s\n  ours: %s\n", cu.name, k, rv, ourProps[k])
			}
			if len(ourProps) != len(real) {
				ok = false
				fmt.Fprintf(&report, "%s: %d properties, ours %d\n", cu.name, len(real), len(ourProps))
			}
			if ok {
				synth.identical++
			}
			continue
		}
		okA, okB := true, true
		keys := map[string]bool{}
		for k := range real {
			keys[k] = true
		}
		for k := range ourProps {
			keys[k] = true
		}
		for k := range keys {
			rv, rok := real[k]
			ov, ook := ourProps[k]
			eq := rok == ook && same(k, rv, ov)
			if !depProps[k] {
				tierA.props++
				if eq {
					tierA.sameProps++
				}
			}
			tierB.props++
			if eq {
				tierB.sameProps++
				continue
			}
			if !depProps[k] {
				okA = false
			}
			okB = false
			mismatch[k]++
			if _, seen := example[k]; !seen {
				example[k] = fmt.Sprintf("%s: real %q, ours %q", cu.name, rv, ov)
			}
			fmt.Fprintf(&report, "%s %s\n  real: %s\n  ours: %s\n", cu.name, k, rv, ov)
		}
		tierA.units++
		tierB.units++
		if okA {
			tierA.identical++
		}
		if okB {
			tierB.identical++
		}
	}
	for i := 0; i < defaultViewUnits; i++ {
		defaults.units++
		rd, od := realDefault[i], oursDefault[i]
		ok := len(rd) == len(od)
		for j := 0; ok && j < len(rd); j++ {
			k, rv, _ := strings.Cut(rd[j], "=")
			k2, ov, _ := strings.Cut(od[j], "=")
			ok = k == k2 && same(k, rv, ov)
		}
		if ok {
			defaults.identical++
		}
	}
	if f := os.Getenv("UNITSHOW_REPORT"); f != "" {
		os.WriteFile(f, []byte(report.String()), 0o644)
	}
	var keys []string
	for k := range mismatch {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return mismatch[keys[i]] > mismatch[keys[j]] || mismatch[keys[i]] == mismatch[keys[j]] && keys[i] < keys[j]
	})
	for i, k := range keys {
		if i == 40 {
			break
		}
		t.Logf("%5d %s (e.g. %s)", mismatch[k], k, example[k])
	}
	t.Logf("corpus: %d units compared (templates as %q instances) of %d installed, %d left out as started at boot; files not installed: %v", tierA.units, instance, len(all), started, skipped)
	t.Logf("parse-determined properties (all but dependency lists): %v", tierA)
	t.Logf("all properties: %v", tierB)
	t.Logf("default view (no --all): %d/%d units identical", defaults.identical, defaults.units)
	t.Logf("directive samples and load-time cases (impl/unit/testdata/sample-units.txt, warnings/): %v", synth)

	// Floors: what the model reaches (100% on the whole corpus), with a
	// little room for units the corpus gains later.
	for _, f := range []struct {
		what     string
		got, min float64
	}{
		{"parse-determined units identical", pct(tierA.identical, tierA.units), 99.5},
		{"parse-determined properties identical", pct(tierA.sameProps, tierA.props), 99.98},
		{"units identical", pct(tierB.identical, tierB.units), 99},
		{"properties identical", pct(tierB.sameProps, tierB.props), 99.95},
		{"default view units identical", pct(defaults.identical, defaults.units), 97.5},
		{"directive sample units identical", pct(synth.identical, synth.units), 99},
	} {
		if f.got < f.min {
			t.Errorf("%s: %.2f%%, below the floor of %.2f%%", f.what, f.got, f.min)
		}
	}
}

// samplesPkg marks the directive samples among the units.
const samplesPkg = "(samples)"

// sampleUnits reads impl/unit's sample unit of every directive: values
// beyond the corpus's, many of them invalid.
func sampleUnits(t *testing.T) []*corpusUnit {
	data, err := os.ReadFile("../../impl/unit/testdata/sample-units.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []*corpusUnit
	// The load-time cases of impl/unit's warnings test too, but for
	// names that could clash with the image's units.
	files, err := os.ReadDir("../../impl/unit/testdata/warnings")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasPrefix(f.Name(), "gosd-") || unitname.IsValid(f.Name(), unitname.Template) {
			continue
		}
		text, err := os.ReadFile(filepath.Join("../../impl/unit/testdata/warnings", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &corpusUnit{name: f.Name(), pkg: samplesPkg, data: text})
	}
	for _, block := range strings.Split(string(data), "\n### ")[1:] {
		head, text, _ := strings.Cut(block, "\n")
		name, _, _ := strings.Cut(head, " ")
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		out = append(out, &corpusUnit{name: name, pkg: samplesPkg, data: []byte(text)})
	}
	return out
}

// pickSamples picks the load-time cases and every fourth directive
// sample (all with UNITSHOW_FULL=1).
func pickSamples(samples []*corpusUnit) []*corpusUnit {
	if os.Getenv("UNITSHOW_FULL") != "" {
		return samples
	}
	var out []*corpusUnit
	for i, u := range samples {
		if strings.HasPrefix(u.name, "gosd-bad-") || strings.HasPrefix(u.name, "gosd-dyn") || i%4 == 0 {
			out = append(out, u)
		}
	}
	return out
}
