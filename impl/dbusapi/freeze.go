package dbusapi

import (
	"errors"
	"syscall"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
)

func init() {
	managerMembers = append(managerMembers, (*API).freezeManagerMembers)
	unitMembers = append(unitMembers, (*API).freezeUnitMembers)
}

const (
	errUnitBusy        = "org.freedesktop.systemd1.UnitBusy"
	errUnitInactive    = "org.freedesktop.systemd1.UnitInactive"
	errFreezeCancelled = "org.freedesktop.systemd1.FreezeCancelled"
)

func (a *API) freezeManagerMembers() []bus.Member {
	op := func(name string, freeze bool) *bus.Method {
		return &bus.Method{Name: name, In: "s", Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.loadedUnit(call, call.Body[0].(string))
			if err != nil {
				return nil, err
			}
			return a.freeze(call, u, freeze)
		}}
	}
	return []bus.Member{op("FreezeUnit", true), op("ThawUnit", false)}
}

func (a *API) freezeUnitMembers(iface string) []bus.Member {
	if iface != ifaceUnit {
		return nil
	}
	op := func(name string, freeze bool) *bus.Method {
		return &bus.Method{Name: name, Call: func(call *bus.Call, obj any) ([]any, error) {
			return a.freeze(call, obj.(*manager.Unit), freeze)
		}}
	}
	return []bus.Member{op("Freeze", true), op("Thaw", false)}
}

// freeze is bus_unit_method_freezer_generic: the reply waits for the
// kernel to complete the change.
func (a *API) freeze(call *bus.Call, u *manager.Unit, freeze bool) ([]any, error) {
	done, err := a.m.FreezeLoop(u, freeze, func(err error) {
		if err != nil {
			_ = call.ReplyError(bus.Errorf(errFreezeCancelled, "Freeze operation aborted"))
			return
		}
		_ = call.Reply()
	})
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno) && errno == syscall.EOPNOTSUPP:
		return nil, bus.Errorf(bus.ErrNameNotSupported, "Unit '%s' does not support freezing.", u.ID())
	case errors.As(err, &errno) && errno == syscall.EBUSY:
		return nil, bus.Errorf(errUnitBusy, "Unit has a pending job.")
	case errors.As(err, &errno) && errno == syscall.EHOSTDOWN:
		return nil, bus.Errorf(errUnitInactive, "Unit is inactive.")
	case errors.As(err, &errno) && errno == syscall.EALREADY:
		return nil, bus.Errorf(bus.ErrNameFailed, "Previously requested freezer operation for unit '%s' is still in progress.", u.ID())
	case errors.As(err, &errno):
		return nil, errnoError(errno)
	case err != nil:
		return nil, err
	case done:
		return nil, nil
	}
	return nil, bus.ErrReplyLater
}
