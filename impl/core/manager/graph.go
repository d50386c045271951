package manager

import (
	"sort"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unitname"
)

// graph shows the manager's units to the transaction engine.
type graph struct{ m *Manager }

func (g graph) unit(id job.UnitID) *Unit { return g.m.units[id] }

func (g graph) Deps(id job.UnitID, atoms dep.Atom) []job.UnitID {
	u := g.unit(id)
	if u == nil {
		return nil
	}
	var out []job.UnitID
	for _, o := range u.deps(atoms) {
		out = append(out, o.ID())
	}
	return out
}

func (g graph) ActiveState(id job.UnitID) state.Active {
	if u := g.unit(id); u != nil {
		return u.ActiveState()
	}
	return state.Inactive
}

func (g graph) LoadState(id job.UnitID) state.Load {
	if u := g.unit(id); u != nil {
		return u.LoadState()
	}
	return state.NotFound
}

func (g graph) LoadError(id job.UnitID) string {
	if u := g.unit(id); u != nil && u.cfg.LoadErr != nil {
		return u.cfg.LoadErr.Error()
	}
	return ""
}

func (g graph) Job(id job.UnitID) *job.Installed {
	u := g.unit(id)
	if u == nil || u.job == nil || u.job.typ == jobNop {
		return nil
	}
	return &job.Installed{Type: u.job.typ, State: runState(u.job), Irreversible: u.job.irreversible, IgnoreOrder: u.job.ignoreOrder}
}

// JobApplicable is job_type_is_applicable.
func (g graph) JobApplicable(id job.UnitID, t job.Type) bool {
	u := g.unit(id)
	if u == nil {
		return false
	}
	switch t {
	case job.VerifyActive, job.Start, job.Nop:
		return true
	case job.Stop:
		// Perpetual units cannot be stopped.
		return !u.cfg.Perpetual
	case job.Restart, job.TryRestart:
		return u.canStart()
	case job.Reload, job.TryReload:
		return u.kind != nil && u.kind.canReload()
	case job.ReloadOrStart:
		return u.kind != nil && u.kind.canReload() && u.canStart()
	}
	return false
}

// canStart is unit_can_start: the type has a start operation.
func (u *Unit) canStart() bool {
	switch u.cfg.Type {
	case unitname.Device, unitname.Scope:
		return false
	}
	return true
}

func (g graph) AllowIsolate(id job.UnitID) bool {
	u := g.unit(id)
	return u != nil && u.cfg.AllowIsolate
}

func (g graph) IgnoreOnIsolate(id job.UnitID) bool {
	u := g.unit(id)
	return u != nil && u.cfg.IgnoreOnIsolate
}

func (g graph) Units() []job.UnitID {
	out := make([]job.UnitID, 0, len(g.m.order))
	for _, u := range g.m.order {
		out = append(out, u.ID())
	}
	return out
}

func (g graph) JobUnits() []job.UnitID {
	var out []job.UnitID
	for _, j := range g.m.jobs {
		out = append(out, j.unit.ID())
	}
	sort.Strings(out)
	return out
}

// Following is unit_following_set: a device's other units.
func (g graph) Following(id job.UnitID) []job.UnitID {
	u := g.unit(id)
	if u == nil {
		return nil
	}
	f, ok := u.kind.(follower)
	if !ok {
		return nil
	}
	var out []job.UnitID
	for _, o := range f.followingSet() {
		out = append(out, o.ID())
	}
	return out
}

func (g graph) StatusString(id job.UnitID) string {
	if u := g.unit(id); u != nil {
		return g.m.unitStatusString(u, false)
	}
	return id
}
