package job

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/state"
)

// fakeGraph is a small unit graph with installed jobs, applied the way the
// manager applies plans.
type fakeGraph struct {
	order     []UnitID
	deps      map[UnitID]map[dep.Kind][]UnitID
	active    map[UnitID]state.Active
	load      map[UnitID]state.Load
	jobs      map[UnitID]*Installed
	isolate   map[UnitID]bool
	ignoreIso map[UnitID]bool
}

func newFake() *fakeGraph {
	return &fakeGraph{deps: map[UnitID]map[dep.Kind][]UnitID{}, active: map[UnitID]state.Active{},
		load: map[UnitID]state.Load{}, jobs: map[UnitID]*Installed{}, isolate: map[UnitID]bool{}, ignoreIso: map[UnitID]bool{}}
}

func (g *fakeGraph) unit(u UnitID) {
	if _, ok := g.load[u]; !ok {
		g.order = append(g.order, u)
		g.load[u] = state.Loaded
		g.active[u] = state.Inactive
	}
}

// add records a dependency and its inverse, as the manager does.
func (g *fakeGraph) add(u UnitID, k dep.Kind, others ...UnitID) {
	g.unit(u)
	for _, o := range others {
		g.unit(o)
		for _, e := range []struct {
			from, to UnitID
			k        dep.Kind
		}{{u, o, k}, {o, u, k.Inverse()}} {
			if g.deps[e.from] == nil {
				g.deps[e.from] = map[dep.Kind][]UnitID{}
			}
			if !slices.Contains(g.deps[e.from][e.k], e.to) {
				g.deps[e.from][e.k] = append(g.deps[e.from][e.k], e.to)
			}
		}
	}
}

func (g *fakeGraph) Deps(u UnitID, atoms dep.Atom) []UnitID {
	var out []UnitID
	for k := dep.Kind(0); k < dep.NumKinds; k++ {
		if k.Atoms()&atoms == 0 {
			continue
		}
		for _, o := range g.deps[u][k] {
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}
func (g *fakeGraph) ActiveState(u UnitID) state.Active { return g.active[u] }
func (g *fakeGraph) LoadState(u UnitID) state.Load {
	if l, ok := g.load[u]; ok {
		return l
	}
	return state.NotFound
}
func (g *fakeGraph) LoadError(u UnitID) string           { return "Invalid argument" }
func (g *fakeGraph) Job(u UnitID) *Installed             { return g.jobs[u] }
func (g *fakeGraph) JobApplicable(u UnitID, t Type) bool { return true }
func (g *fakeGraph) AllowIsolate(u UnitID) bool          { return g.isolate[u] }
func (g *fakeGraph) IgnoreOnIsolate(u UnitID) bool       { return g.ignoreIso[u] }
func (g *fakeGraph) Units() []UnitID                     { return g.order }
func (g *fakeGraph) Following(u UnitID) []UnitID         { return nil }
func (g *fakeGraph) JobUnits() []UnitID {
	var out []UnitID
	for _, u := range g.order {
		if g.jobs[u] != nil {
			out = append(out, u)
		}
	}
	return out
}

func (g *fakeGraph) enqueue(t Type, u UnitID, m Mode) (*Plan, error) {
	p, err := Enqueue(g, t, u, m)
	if err != nil {
		return p, err
	}
	for _, c := range p.Cancel {
		delete(g.jobs, c)
	}
	for _, j := range p.Jobs {
		action, nt := Install(g.jobs[j.Unit], j.Type, g.active[j.Unit])
		switch action {
		case InstallNew, InstallReplace:
			g.jobs[j.Unit] = &Installed{Type: j.Type, Irreversible: j.Irreversible, IgnoreOrder: j.IgnoreOrder}
		default:
			g.jobs[j.Unit].Type = nt
			g.jobs[j.Unit].State = Waiting
		}
	}
	return p, nil
}

// jobList renders installed jobs as "unit/type" sorted.
func (g *fakeGraph) jobList() string {
	var out []string
	for u, j := range g.jobs {
		out = append(out, u+"/"+j.Type.String())
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func kindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return -1
}

// engineUnits are the units of systemd's own src/test/test-engine.c
// (test/units/{a..i,a-conj}.service in systemd 252), used here as data.
func engineUnits() *fakeGraph {
	g := newFake()
	g.add("a.service", dep.Requires, "b.service")
	g.add("a.service", dep.Before, "b.service")
	g.add("b.service", dep.Wants, "f.service")
	g.add("c.service", dep.Requires, "a.service")
	g.add("d.service", dep.After, "b.service")
	g.add("d.service", dep.Before, "a.service")
	g.add("d.service", dep.Requires, "a.service")
	g.add("e.service", dep.After, "b.service")
	g.add("e.service", dep.Before, "a.service")
	g.add("e.service", dep.Wants, "a.service")
	g.add("g.service", dep.Conflicts, "e.service")
	g.add("h.service", dep.Wants, "g.service")
	g.add("i.service", dep.Conflicts, "a.service", "d.service")
	g.add("i.service", dep.Wants, "b.service")
	g.add("i.service", dep.After, "b.service")
	g.add("a-conj.service", dep.Requires, "a.service")
	g.add("a-conj.service", dep.After, "a.service")
	g.add("a-conj.service", dep.Before, "a.service")
	return g
}

// The sequence of systemd's test-engine.c, with its expected outcomes.
func TestEngineSequence(t *testing.T) {
	g := engineUnits()
	steps := []struct {
		name    string
		t       Type
		u       UnitID
		m       Mode
		setup   func()
		wantErr ErrorKind // -1: success
		want    string    // installed jobs afterwards, when checked
	}{
		{"trivial", Start, "c.service", Replace, nil, -1, "a.service/start b.service/start c.service/start f.service/start"},
		{"cyclic order, unfixable", Start, "d.service", Replace, func() { g.jobs = map[UnitID]*Installed{} }, ErrOrderIsCyclic, ""},
		{"cyclic order, fixable, garbage collected", Start, "e.service", Replace, nil, -1, "e.service/start"},
		{"identical transaction", Start, "e.service", Fail, nil, -1, "e.service/start"},
		{"colliding transaction, fail", Start, "g.service", Fail, nil, ErrIsDestructive, "e.service/start"},
		{"colliding transaction, replace", Start, "g.service", Replace, nil, -1, "e.service/stop g.service/start"},
		{"unmergeable job type, fail", Stop, "g.service", Fail, nil, ErrIsDestructive, "e.service/stop g.service/start"},
		{"mergeable job type, fail", Restart, "g.service", Fail, nil, -1, "e.service/stop g.service/restart"},
		{"unmergeable job type, replace", Stop, "g.service", Replace, nil, -1, "e.service/stop g.service/stop"},
		{"unmergeable job type of auxiliary job, fail", Start, "h.service", Fail, nil, -1, "e.service/stop g.service/stop h.service/start"},
		{"start/stop job ordering, execution cycle", Start, "i.service", Fail, func() {
			g.jobs = map[UnitID]*Installed{}
			g.active["a.service"] = state.Active_
			g.active["d.service"] = state.Active_
		}, -1, "a.service/stop b.service/start d.service/stop f.service/start i.service/start"},
		{"trivial cycle, unfixable", Start, "a-conj.service", Replace, func() {
			g.jobs = map[UnitID]*Installed{}
			g.active["a.service"] = state.Inactive
		}, ErrOrderIsCyclic, ""},
	}
	for _, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		_, err := g.enqueue(s.t, s.u, s.m)
		if got := kindOf(err); got != s.wantErr {
			t.Fatalf("%s: error %v (kind %d), want kind %d", s.name, err, got, s.wantErr)
		}
		if s.want != "" {
			if got := g.jobList(); got != s.want {
				t.Fatalf("%s: jobs %q, want %q", s.name, got, s.want)
			}
		}
	}
}

func TestMergeTable(t *testing.T) {
	cases := []struct {
		a, b Type
		want Type
		ok   bool
	}{
		{Start, Start, Start, true},
		{Start, VerifyActive, Start, true},
		{Start, Stop, 0, false},
		{Start, Reload, ReloadOrStart, true},
		{Start, Restart, Restart, true},
		{VerifyActive, Reload, Reload, true},
		{VerifyActive, Restart, Restart, true},
		{Stop, Reload, 0, false},
		{Stop, Restart, 0, false},
		{Reload, Restart, Restart, true},
	}
	for _, c := range cases {
		for _, pair := range [][2]Type{{c.a, c.b}, {c.b, c.a}} {
			got, ok := Merge(pair[0], pair[1])
			if ok != c.ok || (ok && got != c.want) {
				t.Errorf("Merge(%v, %v) = %v, %v; want %v, %v", pair[0], pair[1], got, ok, c.want, c.ok)
			}
		}
	}
	if !Superset(Restart, Start) || Superset(Start, Restart) || !Superset(Start, Nop) || Superset(Nop, Start) {
		t.Error("Superset")
	}
	if Conflicting(Nop, Stop) || !Conflicting(Start, Stop) {
		t.Error("Conflicting")
	}
}

func TestCollapse(t *testing.T) {
	cases := []struct {
		t    Type
		s    state.Active
		want Type
	}{
		{TryRestart, state.Inactive, Nop},
		{TryRestart, state.Activating, Restart},
		{TryReload, state.Activating, Nop},
		{TryReload, state.Reloading, Reload},
		{ReloadOrStart, state.Failed, Start},
		{ReloadOrStart, state.Active_, Reload},
		{Start, state.Active_, Start},
	}
	for _, c := range cases {
		if got := Collapse(c.t, c.s); got != c.want {
			t.Errorf("Collapse(%v, %v) = %v, want %v", c.t, c.s, got, c.want)
		}
	}
}

func TestRequiresMissingUnitFails(t *testing.T) {
	g := newFake()
	g.add("a.service", dep.Requires, "b.service")
	g.load["b.service"] = state.NotFound
	_, err := g.enqueue(Start, "a.service", Replace)
	if kindOf(err) != ErrNoSuchUnit || err.Error() != "Unit b.service not found." {
		t.Fatalf("got %v", err)
	}
	// Wants= on a missing unit is ignored (logged at debug).
	g = newFake()
	g.add("a.service", dep.Wants, "b.service")
	g.load["b.service"] = state.NotFound
	p, err := g.enqueue(Start, "a.service", Replace)
	if err != nil || g.jobList() != "a.service/start" {
		t.Fatalf("got %v, jobs %q", err, g.jobList())
	}
	if len(p.Logs) != 1 || p.Logs[0].Level != LogDebug || p.Logs[0].Msg != "Cannot add dependency job, ignoring: Unit b.service not found." {
		t.Fatalf("logs %+v", p.Logs)
	}
}

func TestMaskedAndIsolate(t *testing.T) {
	g := newFake()
	g.unit("m.service")
	g.load["m.service"] = state.Masked
	if _, err := g.enqueue(Start, "m.service", Replace); err == nil || err.Error() != "Unit m.service is masked." {
		t.Fatalf("got %v", err)
	}
	// Stopping a masked unit is fine.
	if _, err := g.enqueue(Stop, "m.service", Replace); err != nil {
		t.Fatal(err)
	}
	g.unit("t.target")
	if _, err := g.enqueue(Start, "t.target", Isolate); kindOf(err) != ErrNoIsolation {
		t.Fatalf("isolate without AllowIsolate: %v", err)
	}
	if _, err := g.enqueue(Stop, "t.target", Isolate); kindOf(err) != ErrInvalidArgs || err.Error() != "Isolate is only valid for start." {
		t.Fatalf("isolate stop: %v", err)
	}
	if _, err := g.enqueue(Start, "t.target", Triggering); err == nil || err.Error() != "--job-mode=triggering is only valid for stop." {
		t.Fatalf("triggering start: %v", err)
	}
}

func TestIsolateStopsOthers(t *testing.T) {
	g := newFake()
	g.add("rescue.target", dep.Requires, "rescue.service")
	g.add("x.service", dep.Before, "y.service")
	g.isolate["rescue.target"] = true
	g.active["x.service"] = state.Active_
	g.active["y.service"] = state.Active_
	g.unit("keep.service")
	g.active["keep.service"] = state.Active_
	g.ignoreIso["keep.service"] = true
	if _, err := g.enqueue(Start, "rescue.target", Isolate); err != nil {
		t.Fatal(err)
	}
	want := "rescue.service/start rescue.target/start x.service/stop y.service/stop"
	if got := g.jobList(); got != want {
		t.Fatalf("jobs %q, want %q", got, want)
	}
}

func TestStopPropagatesToRequiredBy(t *testing.T) {
	g := newFake()
	g.add("app.service", dep.Requires, "db.service")
	g.add("app.service", dep.After, "db.service")
	g.add("side.service", dep.Wants, "db.service")
	for _, u := range []UnitID{"app.service", "db.service", "side.service"} {
		g.active[u] = state.Active_
	}
	if _, err := g.enqueue(Stop, "db.service", Replace); err != nil {
		t.Fatal(err)
	}
	if got, want := g.jobList(), "app.service/stop db.service/stop"; got != want {
		t.Fatalf("jobs %q, want %q", got, want)
	}
	// A restart propagates as try-restart: only running dependents restart.
	g.jobs = map[UnitID]*Installed{}
	g.active["app.service"] = state.Inactive
	if _, err := g.enqueue(Restart, "db.service", Replace); err != nil {
		t.Fatal(err)
	}
	if got, want := g.jobList(), "db.service/restart"; got != want {
		t.Fatalf("jobs %q, want %q", got, want)
	}
}

func TestOrderingCycleLogs(t *testing.T) {
	g := newFake()
	g.add("x.service", dep.Wants, "y.service")
	g.add("x.service", dep.After, "y.service")
	g.add("y.service", dep.After, "x.service")
	p, err := g.enqueue(Start, "x.service", Replace)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, l := range p.Logs {
		if l.Level <= LogWarning {
			msgs = append(msgs, l.Unit+": "+l.Msg)
		}
	}
	want := []string{
		"x.service: Found ordering cycle on y.service/start",
		"x.service: Found dependency on x.service/start",
		"x.service: Job y.service/start deleted to break ordering cycle starting with x.service/start",
	}
	if !slices.Equal(msgs, want) {
		t.Fatalf("logs:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if g.jobList() != "x.service/start" {
		t.Fatalf("jobs %q", g.jobList())
	}
}

func TestInstall(t *testing.T) {
	cases := []struct {
		existing *Installed
		t        Type
		action   InstallAction
		typ      Type
	}{
		{nil, Start, InstallNew, Start},
		{&Installed{Type: Start}, Stop, InstallReplace, Stop},
		{&Installed{Type: Start}, VerifyActive, InstallMerged, Start},
		{&Installed{Type: Start, State: Running}, Restart, InstallMergedRerun, Restart},
		{&Installed{Type: Restart, State: Running}, Start, InstallMerged, Restart},
		{&Installed{Type: Reload, State: Running}, Reload, InstallMergedRerun, Reload},
	}
	for _, c := range cases {
		a, typ := Install(c.existing, c.t, state.Active_)
		if a != c.action || typ != c.typ {
			t.Errorf("Install(%+v, %v) = %v, %v; want %v, %v", c.existing, c.t, a, typ, c.action, c.typ)
		}
	}
}

// FuzzEnqueue builds random graphs and checks the engine's invariants: it
// terminates, never panics, installs at most one job per unit, and the
// anchor comes first.
func FuzzEnqueue(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 2, 14, 2, 0, 15}, uint8(0), uint8(1))
	f.Add([]byte{0, 1, 12, 1, 2, 0, 2, 0, 14, 0, 2, 15}, uint8(4), uint8(3))
	f.Fuzz(func(t *testing.T, edges []byte, typ, mode uint8) {
		g := newFake()
		names := []UnitID{"a.service", "b.service", "c.service", "d.target", "e.socket"}
		for _, n := range names {
			g.unit(n)
		}
		for i := 0; i+2 < len(edges) && i < 60; i += 3 {
			k := dep.Kind(edges[i+2]) % dep.NumKinds
			g.add(names[int(edges[i])%len(names)], k, names[int(edges[i+1])%len(names)])
		}
		for i, n := range names {
			if len(edges) > i && edges[len(edges)-1-i]%3 == 0 {
				g.active[n] = state.Active_
			}
		}
		g.isolate["d.target"] = true
		p, err := g.enqueue(Type(typ%5), names[int(typ)%len(names)], Mode(mode%8))
		if err != nil {
			return
		}
		seen := map[UnitID]bool{}
		for _, j := range p.Jobs {
			if seen[j.Unit] {
				t.Fatalf("two jobs for %s", j.Unit)
			}
			seen[j.Unit] = true
		}
		if len(p.Jobs) == 0 || p.Jobs[0] != p.Anchor {
			t.Fatalf("anchor not first: %+v", p)
		}
	})
}
