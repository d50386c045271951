package dbusapi

import (
	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
)

const errNotReferenced = "org.freedesktop.systemd1.NotReferenced"

func init() {
	managerMembers = append(managerMembers, (*API).refMembers)
	unitMembers = append(unitMembers, (*API).refUnitMembers)
}

// unitRefs are the bus peers holding references on a unit (252's
// u->bus_track, recursive): a unit so referenced is not collected.
type unitRefs struct {
	track  *bus.Track
	counts map[string]int // by sender
}

func (a *API) refMembers() []bus.Member {
	return []bus.Member{
		&bus.Method{Name: "RefUnit", In: "s", Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.unitByName(call.Body[0].(string), true)
			if err != nil {
				return nil, err
			}
			if err := validateLoaded(u); err != nil {
				return nil, err
			}
			return nil, a.ref(call, u)
		}},
		&bus.Method{Name: "UnrefUnit", In: "s", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.unitByName(call.Body[0].(string), false)
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
		&bus.Method{Name: "Unref", Flags: bus.Unprivileged, Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.unref(call, obj.(*manager.Unit))
		}},
	}
}

// onAPIBus reports whether call came over the system bus, where 252
// tracks its callers; a direct connection has no name to track.
func (a *API) onAPIBus(call *bus.Call) bool {
	return call.Conn != nil && call.Conn.IsBus() && call.Conn == a.sysbus && call.Sender != ""
}

// ref is bus_unit_track_add_sender.
func (a *API) ref(call *bus.Call, u *manager.Unit) error {
	if !a.onAPIBus(call) {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Invalid argument")
	}
	if a.refs == nil {
		a.refs = map[*manager.Unit]*unitRefs{}
	}
	r := a.refs[u]
	if r == nil {
		r = &unitRefs{track: a.Tree.NewTrack(), counts: map[string]int{}}
		r.track.OnEmpty = func() {
			r.track.Close()
			if a.refs[u] == r {
				delete(a.refs, u)
			}
			a.m.SetBusReferencedLoop(u, false)
		}
		a.refs[u] = r
		a.m.SetBusReferencedLoop(u, true)
	}
	r.track.Add(call)
	r.counts[call.Sender]++
	return nil
}

// unref is bus_unit_track_remove_sender.
func (a *API) unref(call *bus.Call, u *manager.Unit) error {
	r := a.refs[u]
	if r == nil {
		return bus.Errorf(errNotReferenced, "Unit has not been referenced yet.")
	}
	if !a.onAPIBus(call) {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Invalid argument")
	}
	switch n := r.counts[call.Sender]; {
	case n > 1:
		r.counts[call.Sender]--
	case n == 1:
		delete(r.counts, call.Sender)
		r.track.Remove(call)
	}
	return nil
}
