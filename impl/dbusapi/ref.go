package dbusapi

import (
	"syscall"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/unit"
)

func init() {
	managerMembers = append(managerMembers, (*API).refManagerMembers)
	unitMembers = append(unitMembers, (*API).refUnitMembers)
}

// unitRefs are the bus peers referencing a unit, each with a count, as
// 252's recursive sd_bus_track; it exists while it is not empty.
type unitRefs struct {
	track  *bus.Track
	counts map[refKey]int
	order  []refKey
}

type refKey struct {
	conn   *bus.Conn
	sender string
}

func (a *API) refManagerMembers() []bus.Member {
	return []bus.Member{
		&bus.Method{Name: "RefUnit", In: "s", Call: func(call *bus.Call, _ any) ([]any, error) {
			name := call.Body[0].(string)
			var u *manager.Unit
			var err error
			if name == "" {
				u, err = a.loadedUnit(call, name)
			} else {
				u, err = a.unitByName(name, true)
			}
			if err != nil {
				return nil, err
			}
			if err := a.validateLoadState(u); err != nil {
				return nil, err
			}
			return nil, a.ref(call, u)
		}},
		&bus.Method{Name: "UnrefUnit", In: "s", Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.loadedUnit(call, call.Body[0].(string))
			if err != nil {
				return nil, err
			}
			return nil, a.unref(call, u)
		}},
	}
}

func (a *API) refUnitMembers(iface string) []bus.Member {
	if iface != ifaceUnit {
		return nil
	}
	return []bus.Member{
		&bus.Method{Name: "Ref", Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.ref(call, obj.(*manager.Unit))
		}},
		&bus.Method{Name: "Unref", Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.unref(call, obj.(*manager.Unit))
		}},
	}
}

// ref is bus_unit_track_add_sender: only callers on the bus (with a
// name) can hold a reference.
func (a *API) ref(call *bus.Call, u *manager.Unit) error {
	if !call.Conn.IsBus() || call.Sender == "" {
		return errnoError(syscall.EINVAL)
	}
	if a.refs == nil {
		a.refs = map[*manager.Unit]*unitRefs{}
	}
	r := a.refs[u]
	if r == nil {
		r = &unitRefs{track: a.Tree.NewTrack(), counts: map[refKey]int{}}
		r.track.OnEmpty = func() { a.dropRefs(u, r) }
		a.refs[u] = r
	}
	k := refKey{call.Conn, call.Sender}
	r.track.Add(call)
	if r.counts[k] == 0 {
		r.order = append(r.order, k)
	}
	r.counts[k]++
	a.publishRefs(u, r)
	return nil
}

// unref is bus_unit_track_remove_sender.
func (a *API) unref(call *bus.Call, u *manager.Unit) error {
	r := a.refs[u]
	if r == nil {
		return bus.Errorf("org.freedesktop.systemd1.NotReferenced", "Unit has not been referenced yet.")
	}
	if !call.Conn.IsBus() || call.Sender == "" {
		return errnoError(syscall.EINVAL)
	}
	k := refKey{call.Conn, call.Sender}
	if r.counts[k] == 0 {
		return nil
	}
	r.counts[k]--
	if r.counts[k] == 0 {
		r.track.Remove(call) // may empty it: dropRefs
	}
	if a.refs[u] == r {
		a.publishRefs(u, r)
	}
	return nil
}

// dropRefs forgets a unit's emptied track, which makes it collectable.
func (a *API) dropRefs(u *manager.Unit, r *unitRefs) {
	if a.refs[u] != r {
		return
	}
	r.track.Close()
	delete(a.refs, u)
	a.m.SetBusRefsLoop(u, nil)
}

// publishRefs tells the manager who holds references (Refs), leaving
// out the callers that went away.
func (a *API) publishRefs(u *manager.Unit, r *unitRefs) {
	var names []string
	kept := r.order[:0]
	for _, k := range r.order {
		if r.counts[k] == 0 || !r.track.Has(k.conn, k.sender) {
			delete(r.counts, k)
			continue
		}
		kept = append(kept, k)
		for i := 0; i < r.counts[k]; i++ {
			names = append(names, k.sender)
		}
	}
	r.order = kept
	a.m.SetBusRefsLoop(u, names)
}

// validateLoadState is bus_unit_validate_load_state: the error is the
// one LoadError shows.
func (a *API) validateLoadState(u *manager.Unit) error {
	if u.LoadState().String() == "loaded" {
		return nil
	}
	v, _ := a.m.PropertyLoop(u, a.unitRuntime(u), ifaceUnit, "LoadError")
	if p, ok := v.(unit.StringPair); ok && p.A != "" {
		return bus.Errorf(p.A, "%s", p.B)
	}
	return bus.Errorf(errNoSuchUnit, "Unexpected load state of unit %s", u.ID())
}
