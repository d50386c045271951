package dbusapi

import (
	"errors"
	"syscall"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
)

func init() {
	managerMembers = append(managerMembers, (*API).cleanManagerMembers)
	unitMembers = append(unitMembers, (*API).cleanUnitMembers)
}

func (a *API) cleanManagerMembers() []bus.Member {
	return []bus.Member{
		&bus.Method{Name: "CleanUnit", In: "sas", Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.loadUnit(call, call.Body[0].(string))
			if err != nil {
				return nil, err
			}
			if err := validateLoaded(u); err != nil {
				return nil, err
			}
			return nil, a.clean(u, call.Body[1].([]string))
		}},
	}
}

func (a *API) cleanUnitMembers(iface string) []bus.Member {
	if iface != ifaceUnit {
		return nil
	}
	return []bus.Member{
		&bus.Method{Name: "Clean", In: "as", Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.clean(obj.(*manager.Unit), call.Body[0].([]string))
		}},
	}
}

// clean is bus_unit_method_clean: the reply comes once the removal has
// started; clients wait for the unit to leave "maintenance".
func (a *API) clean(u *manager.Unit, what []string) error {
	var mask manager.CleanMask
	for _, w := range what {
		m, ok := manager.ParseCleanResource(w)
		if !ok {
			return bus.Errorf(bus.ErrNameInvalidArgs, "Invalid resource type: %s", w)
		}
		mask |= m
	}
	err := a.m.CleanLoop(u, mask)
	var errno syscall.Errno
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &errno):
		return err
	case errno == syscall.EOPNOTSUPP:
		return bus.Errorf(bus.ErrNameNotSupported, "Unit '%s' does not support cleaning.", u.ID())
	case errno == syscall.EUNATCH:
		return bus.Errorf("org.freedesktop.systemd1.NothingToClean", "No matching resources found.")
	case errno == syscall.EBUSY:
		return bus.Errorf(errUnitBusy, "Unit is not inactive or has pending job.")
	}
	return errnoError(errno)
}
