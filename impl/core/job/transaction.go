package job

import (
	"fmt"
	"slices"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/state"
)

// UnitID names a unit in a Graph (its primary name).
type UnitID = string

// Installed describes the job a unit already has queued or running.
type Installed struct {
	Type         Type
	State        RunState
	Irreversible bool
	IgnoreOrder  bool
}

// Graph is what the transaction engine needs to know of the units. Lists
// must come back in a stable order so transactions are deterministic.
type Graph interface {
	// Deps lists the units u depends on through a dependency having any
	// of the atoms.
	Deps(u UnitID, atoms dep.Atom) []UnitID
	ActiveState(u UnitID) state.Active
	LoadState(u UnitID) state.Load
	// LoadError is the error text of a unit in load state error.
	LoadError(u UnitID) string
	// Job is the unit's installed (non-nop) job, or nil.
	Job(u UnitID) *Installed
	// JobApplicable reports whether the unit's type supports jobs of t.
	JobApplicable(u UnitID, t Type) bool
	AllowIsolate(u UnitID) bool
	IgnoreOnIsolate(u UnitID) bool
	// Units lists every loaded unit once (no aliases).
	Units() []UnitID
	// JobUnits lists the units that have an installed job.
	JobUnits() []UnitID
	// Following lists the units following u (device units); usually nil.
	Following(u UnitID) []UnitID
}

// ErrorKind classifies why a job could not be enqueued; the bus layer maps
// each to its D-Bus error name.
type ErrorKind int

const (
	ErrNoSuchUnit ErrorKind = iota
	ErrBadUnitSetting
	ErrLoadError
	ErrUnitMasked
	ErrLoadFailed
	ErrJobTypeNotApplicable
	ErrJobsConflicting
	ErrOrderIsCyclic
	ErrIsDestructive
	ErrInvalidArgs
	ErrNoIsolation
)

// Error is a refusal to enqueue, with systemd's message.
type Error struct {
	Kind ErrorKind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Log levels, as syslog priorities.
const (
	LogErr     = 3
	LogWarning = 4
	LogNotice  = 5
	LogInfo    = 6
	LogDebug   = 7
)

// Log is a message the manager should log about the transaction. When Unit
// is set the message is about that unit and is printed as "UNIT: Msg".
type Log struct {
	Level int
	Unit  UnitID
	Msg   string
	// CycleUnits are the units of an ordering cycle, each logged as a
	// UNIT= field.
	CycleUnits []UnitID
	// Status, when set, is a console status line: [Status] StatusMsg,
	// where StatusMsg names StatusUnit by a %s.
	Status, StatusMsg string
	StatusUnit        UnitID
}

// PlannedJob is one job the transaction installs.
type PlannedJob struct {
	Unit         UnitID
	Type         Type
	Irreversible bool
	IgnoreOrder  bool
	// Seq is the job's number among those the transaction created (from
	// 1): 252 gives every job it creates the next job ID, so the IDs of
	// the installed ones are the manager's counter plus Seq.
	Seq uint32
}

// Plan is the outcome of a transaction: the jobs to install (the anchor
// first), the installed jobs to cancel (isolate and flush), and what to log.
type Plan struct {
	Anchor PlannedJob
	Jobs   []PlannedJob
	Cancel []UnitID
	Logs   []Log
	// Created counts the jobs the transaction created, kept or not: the
	// job IDs it used up.
	Created uint32
}

// tjob is a prospective job inside a transaction.
type tjob struct {
	unit UnitID
	typ  Type
	seq  uint32 // creation order in the transaction, from 1

	subjects []*edge // this job needs edge.object
	objects  []*edge // edge.subject needs this job

	matters      bool
	irreversible bool
	ignoreOrder  bool
	installed    bool // a proxy of a unit's installed job, not part of the transaction

	generation int
	marker     *tjob
}

type edge struct {
	subject, object *tjob
	matters         bool
	conflicts       bool
}

type transaction struct {
	g            Graph
	jobs         map[UnitID][]*tjob // head first, like systemd's prepend
	order        []UnitID           // units in the order they entered
	anchor       *tjob
	irreversible bool
	installed    map[UnitID]*tjob
	logs         []Log
	generation   int
	created      uint32 // jobs created, for their IDs
}

func newTransaction(g Graph, irreversible bool) *transaction {
	return &transaction{g: g, jobs: map[UnitID][]*tjob{}, installed: map[UnitID]*tjob{}, irreversible: irreversible}
}

func (tr *transaction) log(level int, unit UnitID, format string, args ...any) {
	tr.logs = append(tr.logs, Log{Level: level, Unit: unit, Msg: fmt.Sprintf(format, args...)})
}

// heads returns each unit's first job, in entry order.
func (tr *transaction) heads() []*tjob {
	out := make([]*tjob, 0, len(tr.jobs))
	for _, u := range tr.order {
		if l := tr.jobs[u]; len(l) > 0 {
			out = append(out, l[0])
		}
	}
	return out
}

func (tr *transaction) addOne(t Type, u UnitID) (*tjob, bool) {
	for _, j := range tr.jobs[u] {
		if j.typ == t {
			return j, false
		}
	}
	tr.created++
	j := &tjob{unit: u, typ: t, seq: tr.created, irreversible: tr.irreversible}
	if _, seen := tr.jobs[u]; !seen {
		tr.order = append(tr.order, u)
	}
	tr.jobs[u] = append([]*tjob{j}, tr.jobs[u]...)
	return j, true
}

// link adds an edge. A job's subjects and objects are kept newest last,
// so that linking is an append; 252's lists put the newest first, so
// whatever depends on their order walks them from the end.
func link(subject, object *tjob, matters, conflicts bool) {
	e := &edge{subject: subject, object: object, matters: matters, conflicts: conflicts}
	subject.subjects = append(subject.subjects, e)
	object.objects = append(object.objects, e)
}

func unlinkEdge(e *edge) {
	e.subject.subjects = slices.DeleteFunc(e.subject.subjects, func(x *edge) bool { return x == e })
	e.object.objects = slices.DeleteFunc(e.object.objects, func(x *edge) bool { return x == e })
}

// remove takes j out of the transaction; with deleteDeps, jobs that needed
// j (through an edge that matters) go too.
func (tr *transaction) remove(j *tjob, deleteDeps bool) {
	// A fresh slice: callers may still be iterating the old one.
	l := slices.DeleteFunc(slices.Clone(tr.jobs[j.unit]), func(x *tjob) bool { return x == j })
	if len(l) == 0 {
		delete(tr.jobs, j.unit)
		tr.order = slices.DeleteFunc(tr.order, func(u UnitID) bool { return u == j.unit })
	} else {
		tr.jobs[j.unit] = l
	}
	for len(j.subjects) > 0 {
		unlinkEdge(j.subjects[len(j.subjects)-1])
	}
	for len(j.objects) > 0 {
		e := j.objects[len(j.objects)-1]
		var other *tjob
		if e.matters {
			other = e.subject
		}
		unlinkEdge(e)
		if other != nil && deleteDeps && tr.contains(other) {
			tr.log(LogDebug, other.unit, "Deleting job %s/%s as dependency of job %s/%s", other.unit, other.typ, j.unit, j.typ)
			tr.remove(other, deleteDeps)
		}
	}
}

func (tr *transaction) contains(j *tjob) bool {
	return slices.Contains(tr.jobs[j.unit], j)
}

func (tr *transaction) removeUnit(u UnitID) {
	for len(tr.jobs[u]) > 0 {
		tr.remove(tr.jobs[u][0], true)
	}
}

// loadError explains why u cannot take a job other than stop, or nil.
func (tr *transaction) loadError(u UnitID) *Error {
	switch tr.g.LoadState(u) {
	case state.Loaded:
		return nil
	case state.NotFound:
		return errorf(ErrNoSuchUnit, "Unit %s not found.", u)
	case state.BadSetting:
		return errorf(ErrBadUnitSetting, "Unit %s has a bad unit file setting.", u)
	case state.Error:
		return errorf(ErrLoadError, "Unit %s failed to load properly, please adjust/correct and reload service manager: %s", u, tr.g.LoadError(u))
	case state.Masked:
		return errorf(ErrUnitMasked, "Unit %s is masked.", u)
	}
	return errorf(ErrNoSuchUnit, "Unexpected load state of unit %s", u)
}

// add puts a job for u into the transaction with everything it pulls in.
func (tr *transaction) add(t Type, u UnitID, by *tjob, matters, conflicts, ignoreRequirements, ignoreOrder bool) *Error {
	if !tr.g.LoadState(u).IsComplete() {
		return errorf(ErrLoadFailed, "Unit %s is not loaded properly.", u)
	}
	if t != Stop {
		if err := tr.loadError(u); err != nil {
			return err
		}
	}
	if !tr.g.JobApplicable(u, t) {
		return errorf(ErrJobTypeNotApplicable, "Job type %s is not applicable for unit %s.", t, u)
	}
	j, isNew := tr.addOne(t, u)
	j.ignoreOrder = j.ignoreOrder || ignoreOrder
	if by != nil {
		link(by, j, matters, conflicts)
	} else {
		tr.anchor = j
	}
	if !isNew || ignoreRequirements || t == Nop {
		return nil
	}

	for _, f := range tr.g.Following(u) {
		if err := tr.add(t, f, j, false, false, false, ignoreOrder); err != nil {
			level := LogWarning
			if err.Kind == ErrUnitMasked {
				level = LogInfo
			}
			tr.log(level, f, "Cannot add dependency job, ignoring: %s", err.Msg)
		}
	}

	// required: an error fails the whole transaction unless the job type
	// does not apply to the dependency.
	required := func(nt Type, d UnitID, conflicts bool) *Error {
		err := tr.add(nt, d, j, true, conflicts, false, ignoreOrder)
		if err != nil && err.Kind != ErrJobTypeNotApplicable {
			return err
		}
		return nil
	}
	if t == Start || t == Restart {
		for _, d := range tr.g.Deps(u, dep.PullInStart) {
			if err := required(Start, d, false); err != nil {
				return err
			}
		}
		for _, d := range tr.g.Deps(u, dep.PullInStartIgnored) {
			if err := tr.add(Start, d, j, false, false, false, ignoreOrder); err != nil {
				level := LogWarning
				if err.Kind == ErrUnitMasked || err.Kind == ErrJobTypeNotApplicable || err.Kind == ErrNoSuchUnit {
					level = LogDebug
				}
				tr.log(level, d, "Cannot add dependency job, ignoring: %s", err.Msg)
			}
		}
		for _, d := range tr.g.Deps(u, dep.PullInVerify) {
			if err := required(VerifyActive, d, false); err != nil {
				return err
			}
		}
		for _, d := range tr.g.Deps(u, dep.PullInStop) {
			if err := required(Stop, d, true); err != nil {
				return err
			}
		}
		for _, d := range tr.g.Deps(u, dep.PullInStopIgnored) {
			if err := tr.add(Stop, d, j, false, false, false, ignoreOrder); err != nil {
				tr.log(LogWarning, d, "Cannot add dependency job, ignoring: %s", err.Msg)
			}
		}
	}
	if t == Stop || t == Restart {
		atom, pt := dep.PropagateStop, Stop
		if t == Restart {
			// A restart propagates only as try-restart, so that
			// dependencies that are not running stay down.
			atom, pt = dep.PropagateRestart, TryRestart
		}
		for _, d := range tr.g.Deps(u, atom) {
			nt := Collapse(pt, tr.g.ActiveState(d))
			if nt == Nop {
				continue
			}
			if err := required(nt, d, false); err != nil {
				return err
			}
		}
	}
	if t == Reload {
		tr.addPropagatedReloads(u, j, ignoreOrder)
	}
	return nil
}

func (tr *transaction) addPropagatedReloads(u UnitID, by *tjob, ignoreOrder bool) {
	for _, d := range tr.g.Deps(u, dep.AtomPropagatesReloadTo) {
		nt := Collapse(TryReload, tr.g.ActiveState(d))
		if nt == Nop {
			continue
		}
		if err := tr.add(nt, d, by, false, false, false, ignoreOrder); err != nil {
			tr.log(LogWarning, d, "Cannot add dependency reload job, ignoring: %s", err.Msg)
		}
	}
}

func (tr *transaction) shallStopOnIsolate(u UnitID) bool {
	if tr.g.IgnoreOnIsolate(u) {
		return false
	}
	_, listed := tr.jobs[u]
	return !listed
}

func (tr *transaction) addIsolateJobs() {
	for _, u := range tr.g.Units() {
		if tr.g.ActiveState(u).IsInactiveOrFailed() && tr.g.Job(u) == nil {
			continue
		}
		if !tr.shallStopOnIsolate(u) {
			continue
		}
		keep := false
		for _, o := range tr.g.Deps(u, dep.AtomTriggeredBy) {
			if !tr.shallStopOnIsolate(o) {
				keep = true
				break
			}
		}
		if keep {
			continue
		}
		if err := tr.add(Stop, u, tr.anchor, true, false, false, false); err != nil {
			tr.log(LogWarning, u, "Cannot add isolate job, ignoring: %s", err.Msg)
		}
	}
}

func (tr *transaction) addTriggeringJobs(u UnitID) {
	for _, trig := range tr.g.Deps(u, dep.AtomTriggeredBy) {
		if tr.g.ActiveState(trig).IsInactiveOrFailed() && tr.g.Job(trig) == nil {
			continue
		}
		if _, listed := tr.jobs[trig]; listed {
			continue
		}
		if err := tr.add(Stop, trig, tr.anchor, true, false, false, false); err != nil {
			tr.log(LogWarning, u, "Cannot add triggered by job, ignoring: %s", err.Msg)
		}
	}
}

func (tr *transaction) markMattering(j *tjob, gen int) {
	j.matters = true
	j.generation = gen
	for i := len(j.subjects) - 1; i >= 0; i-- {
		e := j.subjects[i]
		if !e.matters || e.object.generation == gen {
			continue
		}
		tr.markMattering(e.object, gen)
	}
}

func (tr *transaction) minimizeImpact() {
rescan:
	for _, u := range tr.order {
		for _, j := range tr.jobs[u] {
			if j.matters {
				continue
			}
			stopsRunning := j.typ == Stop && tr.g.ActiveState(j.unit).IsActiveOrActivating()
			inst := tr.g.Job(j.unit)
			changesExisting := inst != nil && Conflicting(j.typ, inst.Type)
			if !stopsRunning && !changesExisting {
				continue
			}
			if stopsRunning {
				tr.log(LogDebug, j.unit, "%s/%s would stop a running service.", j.unit, j.typ)
			}
			if changesExisting {
				tr.log(LogDebug, j.unit, "%s/%s would change existing job.", j.unit, j.typ)
			}
			tr.log(LogDebug, j.unit, "Deleting %s/%s to minimize impact.", j.unit, j.typ)
			tr.remove(j, true)
			goto rescan
		}
	}
}

func (tr *transaction) dropRedundant() {
	for again := true; again; {
		again = false
		for _, j := range tr.heads() {
			keep := false
			for _, k := range tr.jobs[j.unit] {
				inst := tr.g.Job(k.unit)
				if k == tr.anchor || !Redundant(k.typ, tr.g.ActiveState(k.unit)) ||
					(inst != nil && Conflicting(k.typ, inst.Type)) {
					keep = true
					break
				}
			}
			if !keep {
				tr.remove(j, false)
				again = true
				break
			}
		}
	}
}

func (tr *transaction) collectGarbage() {
	for again := true; again; {
		again = false
		for _, j := range tr.heads() {
			if j == tr.anchor || len(j.objects) > 0 {
				continue
			}
			tr.remove(j, true)
			again = true
			break
		}
	}
}

func (tr *transaction) unitMatters(u UnitID) bool {
	for _, j := range tr.jobs[u] {
		if j.matters {
			return true
		}
	}
	return false
}

// jobFor is the job ordering looks at for u: the transaction's, else the
// unit's installed job.
func (tr *transaction) jobFor(u UnitID) *tjob {
	if l := tr.jobs[u]; len(l) > 0 {
		return l[0]
	}
	inst := tr.g.Job(u)
	if inst == nil {
		return nil
	}
	p := tr.installed[u]
	if p == nil {
		p = &tjob{unit: u, installed: true}
		tr.installed[u] = p
	}
	p.typ, p.ignoreOrder = inst.Type, inst.IgnoreOrder
	return p
}

var errAgain = &Error{Msg: "again"}

func (tr *transaction) verifyOrderOne(j, from *tjob, gen int) *Error {
	if j.generation == gen {
		if j.marker == nil {
			return nil
		}
		// A cycle: walk back along the markers to j, looking for a job
		// we may drop.
		var path []*tjob
		var drop *tjob
		for k := from; k != nil; {
			path = append(path, k)
			if drop == nil && !k.installed && tr.contains(k) && !tr.unitMatters(k.unit) {
				drop = k
			}
			if k == j {
				break
			}
			if k.generation == gen && k.marker != k {
				k = k.marker
			} else {
				k = nil
			}
		}
		var units []UnitID
		for _, k := range path {
			units = append(units, k.unit)
		}
		for i, k := range path {
			what := "dependency"
			if i == 0 {
				what = "ordering cycle"
			}
			tr.logs = append(tr.logs, Log{Level: LogWarning, Unit: j.unit, CycleUnits: units,
				Msg: fmt.Sprintf("Found %s on %s/%s", what, k.unit, k.typ)})
		}
		if drop != nil {
			tr.logs = append(tr.logs, Log{Level: LogErr, Unit: j.unit, CycleUnits: units,
				Msg:    fmt.Sprintf("Job %s/%s deleted to break ordering cycle starting with %s/%s", drop.unit, drop.typ, j.unit, j.typ),
				Status: " SKIP ", StatusMsg: "Ordering cycle found, skipping %s", StatusUnit: drop.unit})
			tr.removeUnit(drop.unit)
			return errAgain
		}
		tr.logs = append(tr.logs, Log{Level: LogErr, Unit: j.unit, CycleUnits: units,
			Msg: fmt.Sprintf("Unable to break cycle starting with %s/%s", j.unit, j.typ)})
		return errorf(ErrOrderIsCyclic, "Transaction order is cyclic. See system logs for details.")
	}

	j.marker = from
	if from == nil {
		j.marker = j
	}
	j.generation = gen
	for _, dir := range []dep.Atom{dep.AtomBefore, dep.AtomAfter} {
		for _, u := range tr.g.Deps(j.unit, dir) {
			o := tr.jobFor(u)
			if o == nil {
				continue
			}
			var c int
			if dir == dep.AtomBefore {
				c = OrderBefore(j.typ, o.typ, j.ignoreOrder, o.ignoreOrder)
			} else {
				c = OrderAfter(j.typ, o.typ, j.ignoreOrder, o.ignoreOrder)
			}
			if c >= 0 {
				continue
			}
			if err := tr.verifyOrderOne(o, j, gen); err != nil {
				return err
			}
		}
	}
	j.marker = nil
	return nil
}

func (tr *transaction) verifyOrder() *Error {
	tr.generation++
	gen := tr.generation
	for _, j := range tr.heads() {
		if !tr.contains(j) {
			continue
		}
		if err := tr.verifyOrderOne(j, nil, gen); err != nil {
			return err
		}
	}
	return nil
}

func (tr *transaction) conflictedBy(j *tjob) bool {
	for _, e := range j.objects {
		if e.conflicts {
			return true
		}
	}
	return false
}

// dropOneUnmergeable removes one of two jobs of a unit that cannot merge,
// preferring jobs that do not matter to the anchor, and among those starts
// over stops unless the stop comes from a conflict.
func (tr *transaction) dropOneUnmergeable(list []*tjob) bool {
	for i, j := range list {
		for _, k := range list[i+1:] {
			if Mergeable(j.typ, k.typ) {
				continue
			}
			var d *tjob
			switch {
			case !j.matters && !k.matters:
				switch {
				case j.typ == Stop:
					if tr.conflictedBy(j) {
						d = k
					} else {
						d = j
					}
				case k.typ == Stop:
					if tr.conflictedBy(k) {
						d = j
					} else {
						d = k
					}
				default:
					d = j
				}
			case !j.matters:
				d = j
			case !k.matters:
				d = k
			default:
				return false
			}
			tr.log(LogDebug, d.unit, "Fixing conflicting jobs %s/%s,%s/%s by deleting job %s/%s",
				j.unit, j.typ, k.unit, k.typ, d.unit, d.typ)
			tr.remove(d, true)
			return true
		}
	}
	return false
}

func (tr *transaction) mergeJobs() *Error {
	for _, u := range tr.order {
		list := tr.jobs[u]
		t := list[0].typ
		for _, k := range list[1:] {
			if m, ok := MergeAndCollapse(t, k.typ, tr.g.ActiveState(u)); ok {
				t = m
				continue
			}
			if tr.dropOneUnmergeable(list) {
				return errAgain
			}
			return errorf(ErrJobsConflicting, "Transaction contains conflicting jobs '%s' and '%s' for %s. Probably contradicting requirement dependencies configured.", t, k.typ, k.unit)
		}
	}
	for _, u := range slices.Clone(tr.order) {
		list := tr.jobs[u]
		t := list[0].typ
		for _, k := range list[1:] {
			t, _ = MergeAndCollapse(t, k.typ, tr.g.ActiveState(u))
		}
		survivor := list[0]
		for _, k := range list[1:] {
			if k == tr.anchor {
				tr.mergeInto(k, survivor, t)
				survivor = k
			} else {
				tr.mergeInto(survivor, k, t)
			}
		}
		survivor.typ = t
	}
	return nil
}

// mergeInto folds other into j (same unit) and removes other.
func (tr *transaction) mergeInto(j, other *tjob, t Type) {
	j.typ = t
	j.irreversible = j.irreversible || other.irreversible
	j.matters = j.matters || other.matters
	for _, e := range other.subjects {
		e.subject = j
	}
	j.subjects = append(j.subjects, other.subjects...)
	for _, e := range other.objects {
		e.object = j
	}
	j.objects = append(j.objects, other.objects...)
	other.subjects, other.objects = nil, nil
	tr.remove(other, true)
}

func (tr *transaction) destructive(mode Mode) *Error {
	for _, j := range tr.heads() {
		inst := tr.g.Job(j.unit)
		if inst != nil && (mode == Fail || inst.Irreversible) && Conflicting(inst.Type, j.typ) {
			return errorf(ErrIsDestructive, "Transaction for %s/%s is destructive (%s has '%s' job queued, but '%s' is included in transaction).",
				tr.anchor.unit, tr.anchor.typ, j.unit, inst.Type, j.typ)
		}
	}
	return nil
}

func (tr *transaction) activate(mode Mode) (*Plan, *Error) {
	tr.generation++
	tr.markMattering(tr.anchor, tr.generation)
	if mode == Fail {
		tr.minimizeImpact()
	}
	tr.dropRedundant()
	for {
		if mode != Isolate {
			tr.collectGarbage()
		}
		err := tr.verifyOrder()
		if err == nil {
			break
		}
		if err != errAgain {
			tr.logs = append(tr.logs, Log{Level: LogWarning, Msg: "Requested transaction contains an unfixable cyclic ordering dependency: " + err.Msg})
			return nil, err
		}
	}
	for {
		err := tr.mergeJobs()
		if err == nil {
			break
		}
		if err != errAgain {
			tr.logs = append(tr.logs, Log{Level: LogWarning, Msg: "Requested transaction contains unmergeable jobs: " + err.Msg})
			return nil, err
		}
		if mode != Isolate {
			tr.collectGarbage()
		}
	}
	tr.dropRedundant()
	if err := tr.destructive(mode); err != nil {
		tr.logs = append(tr.logs, Log{Level: LogNotice, Msg: "Requested transaction contradicts existing jobs: " + err.Msg})
		return nil, err
	}

	p := &Plan{}
	if mode == Isolate || mode == Flush {
		for _, u := range tr.g.JobUnits() {
			if tr.g.IgnoreOnIsolate(u) {
				continue
			}
			if _, listed := tr.jobs[u]; listed {
				continue
			}
			p.Cancel = append(p.Cancel, u)
		}
	}
	for _, j := range tr.heads() {
		pj := PlannedJob{Unit: j.unit, Type: j.typ, Irreversible: j.irreversible, IgnoreOrder: j.ignoreOrder, Seq: j.seq}
		if j == tr.anchor {
			p.Anchor = pj
			p.Jobs = append([]PlannedJob{pj}, p.Jobs...)
		} else {
			p.Jobs = append(p.Jobs, pj)
		}
	}
	return p, nil
}

// Enqueue builds and checks the transaction for a job of type t on unit u
// in mode m, as systemd 252's manager_add_job does, and returns the plan to
// apply. On error the plan's logs come back with it (in a Plan with no
// jobs), since refusals are logged too.
func Enqueue(g Graph, t Type, u UnitID, m Mode) (*Plan, error) {
	if m == Isolate && t != Start {
		return nil, errorf(ErrInvalidArgs, "Isolate is only valid for start.")
	}
	if m == Isolate && !g.AllowIsolate(u) {
		return nil, errorf(ErrNoIsolation, "Operation refused, unit may not be isolated.")
	}
	if m == Triggering && t != Stop {
		return nil, errorf(ErrInvalidArgs, "--job-mode=triggering is only valid for stop.")
	}
	t = Collapse(t, g.ActiveState(u))
	tr := newTransaction(g, m == ReplaceIrreversibly)
	if err := tr.add(t, u, nil, true, false, m == IgnoreDependencies || m == IgnoreRequirements, m == IgnoreDependencies); err != nil {
		return &Plan{Logs: tr.logs, Created: tr.created}, err
	}
	if m == Isolate {
		tr.addIsolateJobs()
	}
	if m == Triggering {
		tr.addTriggeringJobs(u)
	}
	p, err := tr.activate(m)
	if err != nil {
		return &Plan{Logs: tr.logs, Created: tr.created}, err
	}
	p.Logs = tr.logs
	p.Created = tr.created
	return p, nil
}

// InstallAction is what installing a planned job does to the unit's job.
type InstallAction int

const (
	// InstallNew: the unit had no job; the planned one is installed.
	InstallNew InstallAction = iota
	// InstallReplace: the unit's job conflicts; it is canceled and the
	// planned one installed.
	InstallReplace
	// InstallMerged: the planned job merges into the unit's job, which
	// keeps its ID and state.
	InstallMerged
	// InstallMergedRerun: the unit's job was already running and may not
	// absorb the new one late; it is merged and set back to waiting.
	InstallMergedRerun
)

// Install decides how a planned job of type t meets the unit's existing
// job (nil if none) for a unit in state s, and returns the resulting type.
func Install(existing *Installed, t Type, s state.Active) (InstallAction, Type) {
	if existing == nil {
		return InstallNew, t
	}
	if Conflicting(existing.Type, t) {
		return InstallReplace, t
	}
	merged := existing.Type
	if existing.Type != Nop {
		merged, _ = MergeAndCollapse(existing.Type, t, s)
	}
	if existing.State == Waiting || (AllowsLateMerge(t) && Superset(existing.Type, t)) {
		return InstallMerged, merged
	}
	return InstallMergedRerun, merged
}
