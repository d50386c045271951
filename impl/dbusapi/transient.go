package dbusapi

import (
	"errors"
	"os"
	"path"
	"strconv"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/core/state"
	"gosystemd/impl/procfs"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

const (
	ifaceScope         = "org.freedesktop.systemd1.Scope"
	errScopeNotRunning = "org.freedesktop.systemd1.ScopeNotRunning"
	errPIDUnknown      = "org.freedesktop.DBus.Error.UnixProcessIdUnknown"
)

func init() {
	managerMembers = append(managerMembers, (*API).transientMembers)
	unitMembers = append(unitMembers, (*API).transientUnitMembers)
}

// transientMembers are the Manager methods that create units and change
// their properties at runtime.
func (a *API) transientMembers() []bus.Member {
	manager.RequestStopper = a.requestStop
	return []bus.Member{
		&bus.Method{Name: "StartTransientUnit", In: "ssa(sv)a(sa(sv))", Out: "o", Call: a.startTransientUnit},
		&bus.Method{Name: "SetUnitProperties", In: "sba(sv)", Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.unitByName(call.Body[0].(string), true)
			if err != nil {
				return nil, err
			}
			if err := validateLoaded(u); err != nil {
				return nil, err
			}
			return nil, a.setProperties(call, u, call.Body[1].(bool), call.Body[2])
		}},
		&bus.Method{Name: "AttachProcessesToUnit", In: "ssau", Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.unitByName(call.Body[0].(string), false)
			if err != nil {
				return nil, err
			}
			if err := validateLoaded(u); err != nil {
				return nil, err
			}
			return nil, a.attachProcesses(call, u, call.Body[1].(string), call.Body[2].([]uint32))
		}},
		&bus.Method{Name: "AbandonScope", In: "s", Call: func(call *bus.Call, _ any) ([]any, error) {
			name := call.Body[0].(string)
			u, err := a.unitByName(name, false)
			if err != nil {
				return nil, err
			}
			if u.Config().Type != unitname.Scope {
				return nil, invalidArgs("Unit '%s' is not a scope unit, refusing.", name)
			}
			return nil, a.abandon(u)
		}},
	}
}

// transientUnitMembers are the unit objects' counterparts: SetProperties
// on every unit, AttachProcesses on the types with a cgroup, Abandon and
// RequestStop on scopes.
func (a *API) transientUnitMembers(iface string) []bus.Member {
	var out []bus.Member
	if iface == ifaceUnit {
		out = append(out, &bus.Method{Name: "SetProperties", In: "ba(sv)", Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.setProperties(call, obj.(*manager.Unit), call.Body[0].(bool), call.Body[1])
		}})
	}
	if cgroupInterfaces[iface] {
		out = append(out, &bus.Method{Name: "AttachProcesses", In: "sau", Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.attachProcesses(call, obj.(*manager.Unit), call.Body[0].(string), call.Body[1].([]uint32))
		}})
	}
	if iface == ifaceScope {
		out = append(out,
			&bus.Method{Name: "Abandon", Call: func(call *bus.Call, obj any) ([]any, error) {
				return nil, a.abandon(obj.(*manager.Unit))
			}},
			&bus.Signal{Name: "RequestStop"})
	}
	return out
}

// startTransientUnit is method_start_transient_unit.
func (a *API) startTransientUnit(call *bus.Call, _ any) ([]any, error) {
	name, modeName := call.Body[0].(string), call.Body[1].(string)
	if _, ok := job.ParseMode(modeName); !ok {
		return nil, invalidArgs("Job mode %s is invalid.", modeName)
	}
	u, err := a.transientUnit(call, name, call.Body[2])
	if err != nil {
		return nil, err
	}
	aux, ok := call.Body[3].([][]any)
	if !ok {
		return nil, errUnexpected
	}
	for _, x := range aux {
		if len(x) != 2 {
			return nil, errUnexpected
		}
		auxName, ok := x[0].(string)
		if !ok {
			return nil, errUnexpected
		}
		if _, err := a.transientUnit(call, auxName, x[1]); err != nil {
			return nil, err
		}
	}
	mode, _ := job.ParseMode(modeName)
	return a.queueJob(u, job.Start, mode, false, false)
}

// transientUnit is transient_unit_from_message: the unit name must be
// free, then the properties are checked, written and loaded.
func (a *API) transientUnit(call *bus.Call, name string, rawProps any) (*manager.Unit, error) {
	t := unitname.TypeOf(name)
	if t == unitname.TypeInvalid {
		return nil, invalidArgs("Invalid unit name or type.")
	}
	if !manager.CanTransient(t) {
		return nil, invalidArgs("Unit type %s does not support transient units.", t)
	}
	if !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		if unitname.IsValid(name, unitname.Template) {
			return nil, invalidArgs("Unit name %s is missing the instance name.", name)
		}
		return nil, invalidArgs("Unit name %s is not valid.", name)
	}
	u, err := a.m.LoadUnitLoop(name)
	if err != nil {
		return nil, invalidArgs("%v", err)
	}
	if !u.Pristine() {
		return nil, bus.Errorf(errUnitExists, "Unit %s was already loaded or has a fragment file.", name)
	}
	props, ok := propList(rawProps)
	if !ok {
		return nil, errUnexpected
	}
	res, err := convertProperties(propTarget{t: t, id: u.ID(), creating: true}, props)
	if err != nil {
		return nil, err
	}
	if res.controller != "" && !call.Conn.IsBus() {
		return nil, bus.Errorf(bus.ErrNameNotSupported, "Sorry, Controller= logic only supported via the bus.")
	}
	pids, err := attachablePIDs(call, res.pids)
	if err != nil {
		return nil, err
	}
	if err := a.m.MakeTransientLoop(u, res.settings, pids, res.controller); err != nil {
		return nil, bus.Errorf(bus.ErrNameFailed, "%v", err)
	}
	for _, c := range res.markers {
		a.m.SetMarkersLoop(u, c.set, c.mask, c.absolute)
	}
	if err := a.keepStdio(u, res.stdio); err != nil {
		return nil, err
	}
	if res.controller != "" && a.sysbus != nil {
		a.trackController(u, res.controller)
	}
	if res.addRef {
		if err := a.ref(call, u); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// keepStdio gives a service copies of the fds its properties named for
// its standard input, output and error, as bus_set_transient_std_fd
// duplicates them (above 2, close-on-exec); the call's own go with it.
func (a *API) keepStdio(u *manager.Unit, fds [3]int) error {
	var files [3]*os.File
	for i, fd := range fds {
		if fd < 0 {
			continue
		}
		c, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			for _, f := range files {
				if f != nil {
					f.Close()
				}
			}
			return bus.Errorf(errnoName(errnoOf(err)), "%s", value.Strerror(err))
		}
		files[i] = os.NewFile(uintptr(c), "stdio")
	}
	if files != [3]*os.File{} {
		a.m.SetStdioFDsLoop(u, files)
	}
	return nil
}

// attachablePIDs resolves 0 to the caller and checks each process as
// unit_pid_attachable does; duplicates go.
func attachablePIDs(call *bus.Call, l []uint32) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, p := range l {
		pid := int(int32(p))
		if p == 0 {
			pid = int(call.Cred.PID)
		}
		if seen[pid] {
			continue
		}
		if pid <= 0 {
			return nil, invalidArgs("Process identifier %d is not valid.", pid)
		}
		if pid == 1 || pid == os.Getpid() {
			return nil, invalidArgs("Process %d is a manager process, refusing.", pid)
		}
		if _, err := os.Stat("/proc/" + itoa(pid)); err != nil {
			return nil, bus.Errorf(errPIDUnknown, "Process with ID %d does not exist.", pid)
		}
		if procfs.KernelThread(pid) {
			return nil, invalidArgs("Process %d is a kernel thread, refusing.", pid)
		}
		seen[pid] = true
		out = append(out, pid)
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// setProperties is bus_unit_method_set_properties.
func (a *API) setProperties(call *bus.Call, u *manager.Unit, runtime bool, raw any) error {
	props, ok := propList(raw)
	if !ok {
		return errUnexpected
	}
	tg := propTarget{t: u.Config().Type, id: u.ID()}
	if cg := u.Config().CGroup; cg != nil {
		tg.deviceAllow, tg.ioWeights, tg.ioLimits = cg.DeviceAllow, cg.IODeviceWeights, cg.IODeviceLimits
		tg.ipAllow, tg.ipDeny = cg.IPAddressAllow, cg.IPAddressDeny
		tg.ioLatencies, tg.ingress, tg.egress = cg.IODeviceLatencies, cg.IPIngressFilterPath, cg.IPEgressFilterPath
		tg.bindAllow, tg.bindDeny = cg.SocketBindAllow, cg.SocketBindDeny
		tg.blkWeights, tg.blkLimits, tg.bpf = cg.BlockIODeviceWeights, cg.BlockIOBandwidths, cg.BPFPrograms
	}
	res, err := convertProperties(tg, props)
	if err != nil {
		return err
	}
	if err := a.m.SetPropertiesLoop(u, runtime, res.settings); err != nil {
		return bus.Errorf(bus.ErrNameFailed, "Failed to set unit properties: %v", err)
	}
	for _, c := range res.markers {
		a.m.SetMarkersLoop(u, c.set, c.mask, c.absolute)
	}
	if len(props) > 0 {
		a.m.CommitPropertiesLoop(u)
	}
	return nil
}

// attachProcesses is bus_unit_method_attach_processes.
func (a *API) attachProcesses(call *bus.Call, u *manager.Unit, sub string, l []uint32) error {
	if sub != "" {
		if !path.IsAbs(sub) {
			return invalidArgs("Control group path is not absolute: %s", sub)
		}
		if !unitname.PathIsNormalized(sub) {
			return invalidArgs("Control group path is not normalized: %s", sub)
		}
	}
	cg := u.Config().CGroup
	if t := u.Config().Type; cg == nil || !cg.Delegate || (t != unitname.Service && t != unitname.Scope) {
		return invalidArgs("Process migration not available on non-delegated units.")
	}
	if s := u.ActiveState(); s == state.Inactive || s == state.Failed {
		return invalidArgs("Unit is not active, refusing.")
	}
	pids, err := attachablePIDs(call, l)
	if err != nil {
		return err
	}
	if err := a.m.AttachProcessesLoop(u, sub, pids); err != nil {
		return bus.Errorf(errnoName(errnoOf(err)), "Failed to attach processes to control group: %s", value.Strerror(err))
	}
	return nil
}

// abandon is bus_scope_method_abandon.
func (a *API) abandon(u *manager.Unit) error {
	switch err := a.m.AbandonScopeLoop(u); {
	case err == nil:
		return nil
	case errors.Is(err, manager.ErrScopeNotRunning):
		return bus.Errorf(errScopeNotRunning, "Scope %s is not running, cannot abandon.", u.ID())
	default:
		return bus.Errorf(bus.ErrNameAccessDenied, "Operation not permitted")
	}
}

// requestStop is bus_scope_send_request_stop: the scope's controller
// alone hears the signal.
func (a *API) requestStop(u *manager.Unit, controller string) bool {
	if a.sysbus == nil {
		return false
	}
	return a.sysbus.SignalTo(controller, dbus.ObjectPath(unitname.DBusPath(u.ID())), ifaceScope, "RequestStop") == nil
}

// trackController is bus_scope_track_controller: when the controller's
// name leaves the bus, the scope forgets it.
func (a *API) trackController(u *manager.Unit, name string) {
	if a.controllers == nil {
		a.controllers = map[*manager.Unit]*bus.Track{}
	}
	if old := a.controllers[u]; old != nil {
		old.Close()
	}
	tr := a.Tree.NewTrack()
	tr.AddName(a.sysbus, name)
	tr.OnEmpty = func() {
		if a.controllers[u] == tr {
			delete(a.controllers, u)
			tr.Close()
			a.m.ScopeControllerGoneLoop(u)
		}
	}
	a.controllers[u] = tr
}
