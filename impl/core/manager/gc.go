package manager

import (
	"path"
	"sort"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/state"
)

// gcMark is a unit's verdict in one garbage-collection sweep.
type gcMark int

const (
	gcUnknown gcMark = iota
	gcInPath
	gcGood // must stay
	gcBad  // may go
	gcUnsure
)

// addToGCQueue marks u for the next sweep (unit_add_to_gc_queue).
func (m *Manager) addToGCQueue(u *Unit) {
	if u.inGCQueue || u.cfg.Perpetual {
		return
	}
	u.inGCQueue = true
	m.gcQueue = append(m.gcQueue, u)
}

// mayGC is unit_may_gc: nothing but references keeps u.
func (m *Manager) mayGC(u *Unit) bool {
	if u.job != nil {
		return false
	}
	if r, ok := u.kind.(interface{ releaseResources() }); ok {
		if s := u.ActiveState(); s == state.Inactive || s == state.Failed {
			r.releaseResources()
		}
	}
	if u.cfg.Perpetual || u.busReferenced || m.units[u.ID()] != u {
		return false
	}
	s := u.ActiveState()
	switch u.cfg.CollectMode {
	case "inactive-or-failed":
		if s != state.Inactive && s != state.Failed {
			return false
		}
	default:
		if s != state.Inactive {
			return false
		}
	}
	if g, ok := u.kind.(interface{ mayGC() bool }); ok && !g.mayGC() {
		return false
	}
	return true
}

// sweep is unit_gc_sweep: u goes if it may and every unit referencing it
// goes too.
func (m *Manager) sweep(u *Unit, marks map[*Unit]gcMark, requeue *[]*Unit) {
	switch marks[u] {
	case gcGood, gcBad, gcUnsure, gcInPath:
		return
	}
	if !m.mayGC(u) {
		marks[u] = gcGood
		return
	}
	marks[u] = gcInPath
	bad := true
	for _, o := range u.deps(dep.AtomReferencedBy) {
		m.sweep(o, marks, requeue)
		switch marks[o] {
		case gcGood:
			marks[u] = gcGood
			return
		case gcBad:
		default:
			bad = false
		}
	}
	if bad {
		marks[u] = gcBad
		return
	}
	marks[u] = gcUnsure
	*requeue = append(*requeue, u)
}

// collectGarbage runs one sweep over the queued units and frees those
// nothing keeps (manager_dispatch_gc_unit_queue, then the cleanup queue).
func (m *Manager) collectGarbage() {
	if len(m.gcQueue) == 0 {
		return
	}
	queue := m.gcQueue
	m.gcQueue = nil
	marks := map[*Unit]gcMark{}
	var requeue []*Unit
	for _, u := range queue {
		u.inGCQueue = false
		m.sweep(u, marks, &requeue)
	}
	// As manager_dispatch_gc_unit_queue: units nothing was found to keep
	// (bad, or unsure after the whole sweep, as in a cycle of references)
	// are collected.
	var doomed []*Unit
	for u, mark := range marks {
		if (mark == gcBad || mark == gcUnsure) && m.units[u.ID()] == u {
			doomed = append(doomed, u)
		}
	}
	sort.Slice(doomed, func(i, j int) bool { return doomed[i].ID() < doomed[j].ID() })
	ids := make([]string, 0, len(doomed))
	gone := make(map[*Unit]bool, len(doomed))
	for _, u := range doomed {
		m.freeUnit(u)
		ids = append(ids, u.ID())
		gone[u] = true
	}
	// One pass each, not one per unit: the load order, the names, the
	// PIDs lose them all.
	for name, x := range m.units {
		if gone[x] {
			delete(m.units, name)
		}
	}
	for pid, x := range m.pids {
		if gone[x] {
			delete(m.pids, pid)
		}
	}
	kept := make([]*Unit, 0, len(m.order))
	for _, x := range m.order {
		if !gone[x] {
			kept = append(kept, x)
		}
	}
	m.order = kept
	// The loader forgets them all at once: one by one is quadratic in
	// the number of units.
	m.loader.UnloadAll(ids)
	_ = requeue
}

// freeUnit is unit_free for a collected unit, but for the loader's copy,
// which the caller unloads.
func (m *Manager) freeUnit(u *Unit) {
	m.logUnit(u, LevelDebug, "Collecting.")
	if r, ok := u.kind.(releaser); ok {
		r.release()
	}
	// Its own name (the caller drops its other names, its PIDs and its
	// place in the load order for all collected units in one pass).
	if m.units[u.ID()] == u {
		delete(m.units, u.ID())
	}
	// The units it had links with may be garbage now (as unit_free
	// queues them).
	var linked []*Unit
	for k := range u.cfg.Deps {
		for _, n := range u.cfg.Deps[k].List() {
			if o := m.units[n]; o != nil && o != u {
				linked = append(linked, o)
			}
		}
	}
	m.removeTransient(u)
	// 252 keeps a unit's file state with the unit: loaded again, it
	// reads the state again.
	if u.cfg.FragmentPath != "" {
		delete(m.fileStates, path.Base(u.cfg.FragmentPath))
	}
	if u.onConsole {
		u.onConsole = false
		m.nOnConsole--
	}
	m.obs.UnitRemoved(u)
	for _, o := range linked {
		m.addToGCQueue(o)
	}
}
