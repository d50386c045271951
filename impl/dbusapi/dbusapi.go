// Package dbusapi serves the service manager's core (impl/core/manager)
// as org.freedesktop.systemd1 on the D-Bus layer (impl/bus): the Manager
// object, one object per unit and per job, and the signals systemctl
// waits for.
//
// Everything here runs on the manager's loop goroutine: bus events are
// relayed into it with Manager.Post, and the manager's Observer callbacks
// come from it. It imports the core and the bus; only the daemon wiring
// (impl/pid1) imports it.
package dbusapi

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/core/state"
	"gosystemd/impl/id128"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

const (
	objectPath   = dbus.ObjectPath("/org/freedesktop/systemd1")
	unitPrefix   = dbus.ObjectPath("/org/freedesktop/systemd1/unit")
	jobPrefix    = dbus.ObjectPath("/org/freedesktop/systemd1/job")
	ifaceManager = "org.freedesktop.systemd1.Manager"
	ifaceUnit    = "org.freedesktop.systemd1.Unit"
	ifaceJob     = "org.freedesktop.systemd1.Job"

	errNoSuchUnit          = "org.freedesktop.systemd1.NoSuchUnit"
	errNoSuchJob           = "org.freedesktop.systemd1.NoSuchJob"
	errNoUnitForInvocation = "org.freedesktop.systemd1.NoUnitForInvocationID"
	errLoadFailed          = "org.freedesktop.systemd1.LoadFailed"
	errUnitMasked          = "org.freedesktop.systemd1.UnitMasked"
	errJobTypeNotApplic    = "org.freedesktop.systemd1.JobTypeNotApplicable"
	errTransactionCyclic   = "org.freedesktop.systemd1.TransactionOrderIsCyclic"
	errTransactionJobs     = "org.freedesktop.systemd1.TransactionJobsConflicting"
	errDestructive         = "org.freedesktop.systemd1.TransactionIsDestructive"
	errNoIsolation         = "org.freedesktop.systemd1.NoIsolation"
	errBadUnitSetting      = "org.freedesktop.systemd1.BadUnitSetting"
)

// managerMembers add further methods and signals to the Manager
// interface; each file of the package registers its own in an init
// function, so that adding a group of methods touches no other file.
var managerMembers []func(a *API) []bus.Member

// unitMembers add methods and signals to the unit interface named iface
// (org.freedesktop.systemd1.Unit, .Service, .Scope...), the same way.
var unitMembers []func(a *API, iface string) []bus.Member

// API is the org.freedesktop.systemd1 service of one manager.
type API struct {
	manager.NopObserver
	m      *manager.Manager
	Tree   *bus.Tree
	Events chan bus.Event
	// Props answers the Manager object's properties.
	Props func() []unit.Property
	// propCache holds the unit properties computed during one call, and
	// managerCache the Manager object's.
	propCache    map[*manager.Unit]map[string]any // Unit.Runtime by unit
	managerCache map[string]any
	// runtimeRetired are runtime maps dropped from propCache, which a
	// handler may still read; runtimeFree are cleared ones to fill again.
	// A fresh map per change signal was the most PID 1 allocated while
	// starting services.
	runtimeRetired, runtimeFree []map[string]any
	// typeIfaces are the D-Bus interfaces of each unit type, built from
	// the property model.
	typeIfaces map[unitname.Type][]*bus.Interface
	// unitIface is org.freedesktop.systemd1.Unit, one for every type.
	unitIface *bus.Interface
	// changedUnits and changedJobs wait for the end of the loop's turn to
	// have their PropertiesChanged sent, as 252's D-Bus queue: one signal
	// per object and turn, with the values of that moment.
	changedUnits   []*manager.Unit
	changedUnitSet map[*manager.Unit]bool
	changedJobs    []*manager.Job
	changedJobSet  map[*manager.Job]bool
	// sysbus is the connection to the system bus once dbus.service runs.
	sysbus     *bus.Conn
	connecting bool
	// controllers follow the bus names of scopes' controllers.
	controllers map[*manager.Unit]*bus.Track
	// removing is the unit being freed, whose path still leads to it.
	removing *manager.Unit
	// current is the call being handled, for the unit path "self".
	current *bus.Call
	// dumpLimit counts the Dump calls (dump.go).
	dumpLimit dumpRatelimit
	// SystemBusAddress is where the system bus is ("" is the default).
	SystemBusAddress string
	// refs are the bus clients holding each unit (Unit.Ref).
	refs map[*manager.Unit]*bus.Track
	// showStatusOverride is SetShowStatus's mode ("" for none), and
	// OnShowStatus is told of it (as restored by a daemon-reexec too) and
	// whether status is shown.
	showStatusOverride string
	OnShowStatus       func(override string, on bool)
	// pendingRefs are references restored after daemon-reexec, by unit
	// and name, until the system bus is back.
	pendingRefs [][2]string
	// pendingSubscribed are Subscribe()'s callers restored after
	// daemon-reexec, until the system bus is back.
	pendingSubscribed []string
}

// New builds the object tree; Relay must then run to feed it events.
func New(m *manager.Manager) *API {
	a := &API{m: m, Tree: bus.NewTree(), Events: make(chan bus.Event, 256), typeIfaces: map[unitname.Type][]*bus.Interface{}}
	a.Tree.SignalsNeedSubscriber = true
	a.Tree.Subscribed = a.Tree.NewTrack()
	_ = a.Tree.AddObject(objectPath, a.managerInterface(), nil)
	_ = a.Tree.AddEnumerator(unitPrefix, func(dbus.ObjectPath) []dbus.ObjectPath {
		var out []dbus.ObjectPath
		for _, u := range a.m.UnitsLoop() {
			out = append(out, dbus.ObjectPath(unitname.DBusPath(u.ID())))
		}
		return out
	})
	_ = a.Tree.AddFallback(jobPrefix, a.jobInterface(), func(p dbus.ObjectPath) (any, bool, error) {
		var id uint32
		if _, err := fmt.Sscanf(path.Base(string(p)), "%d", &id); err != nil {
			return nil, false, nil
		}
		j := a.m.JobLoop(id)
		return j, j != nil, nil
	})
	// The Unit interface is one registration for units of every type
	// (the bus refuses its members twice at one path). The tree puts
	// later registrations first: registered first, it comes after the
	// type-specific interface in GetAll, as in 252.
	for _, iface := range a.unitInterfaces(unitname.Service) {
		if iface.Name == ifaceUnit {
			_ = a.Tree.AddFallback(unitPrefix, iface, func(p dbus.ObjectPath) (any, bool, error) {
				u, err := a.unitAt(p)
				return u, u != nil, err
			})
		}
	}
	for _, t := range []unitname.Type{unitname.Service, unitname.Socket, unitname.Target, unitname.Device, unitname.Mount,
		unitname.Automount, unitname.Swap, unitname.Timer, unitname.Path, unitname.Slice, unitname.Scope} {
		t := t
		for _, iface := range a.unitInterfaces(t) {
			if iface.Name == ifaceUnit {
				continue
			}
			_ = a.Tree.AddFallback(unitPrefix, iface, func(p dbus.ObjectPath) (any, bool, error) {
				u, err := a.unitAt(p)
				if u == nil || u.Config().Type != t {
					return nil, false, err
				}
				return u, true, nil
			})
		}
	}
	return a
}

// unitAt is the unit of a unit object path, loaded if need be (252's
// manager_load_unit_from_dbus_path): nil if the path names no unit, an
// error for the caller if it names an unknown invocation ID or a name
// that is not a unit's.
func (a *API) unitAt(p dbus.ObjectPath) (*manager.Unit, error) {
	if a.removing != nil && p == dbus.ObjectPath(unitname.DBusPath(a.removing.ID())) {
		return a.removing, nil
	}
	if p == unitPrefix+"/self" {
		// The caller's own unit, by its PID (252's find_unit).
		if a.current == nil {
			return nil, nil
		}
		return a.m.UnitByPIDLoop(int(a.current.Cred.PID)), nil
	}
	name, err := unitname.FromDBusPath(string(p))
	if err != nil {
		return nil, nil
	}
	if id, err := id128.Parse(name); err == nil {
		for _, u := range a.m.UnitsLoop() {
			if u.InvocationID() == id.String() {
				return u, nil
			}
		}
		return nil, bus.Errorf(errNoUnitForInvocation, "No unit with the specified invocation ID %s known.", id)
	}
	if !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Unit name %s is neither a valid invocation ID nor unit name.", value.CEscape(name))
	}
	if u := a.m.UnitLoop(name); u != nil {
		return u, nil
	}
	u, err := a.m.LoadUnitLoop(name)
	if err != nil {
		return nil, bus.Errorf(bus.ErrNameInvalidArgs, "%s", err)
	}
	return u, nil
}

// Relay hands bus events to the manager loop until events closes. A
// panic here (a bug) restarts the relay rather than ending PID 1.
func (a *API) Relay() {
	defer func() {
		if r := recover(); r != nil {
			go a.Relay()
		}
	}()
	for ev := range a.Events {
		ev := ev
		a.m.Post(func() {
			a.recycleRuntime()
			a.managerCache = nil
			switch e := ev.(type) {
			case *bus.NameOwnerChanged:
				a.m.BusNameOwnerChangedLoop(e.Name, e.NewOwner)
			case *bus.Disconnected:
				if e.Conn == a.sysbus {
					a.sysbus = nil
				}
			case *bus.Call:
				a.current = e
				defer func() { a.current = nil }()
			}
			_ = a.Tree.Handle(ev)
		})
	}
}

// unitRuntime is u's runtime view (Unit.Runtime), computed once per call.
func (a *API) unitRuntime(u *manager.Unit) map[string]any {
	if a.propCache == nil {
		a.propCache = map[*manager.Unit]map[string]any{}
	}
	if p, ok := a.propCache[u]; ok {
		return p
	}
	var p map[string]any
	if n := len(a.runtimeFree); n > 0 {
		p, a.runtimeFree = a.runtimeFree[n-1], a.runtimeFree[:n-1]
	} else {
		p = make(map[string]any, manager.RuntimeEntries)
	}
	u.RuntimeInto(p)
	a.propCache[u] = p
	return p
}

// dropRuntime forgets the runtime maps computed so far (of u alone, if
// not nil); they are reused once no handler can hold one.
func (a *API) dropRuntime(u *manager.Unit) {
	if u != nil {
		if p, ok := a.propCache[u]; ok {
			a.runtimeRetired = append(a.runtimeRetired, p)
			delete(a.propCache, u)
		}
		return
	}
	for _, p := range a.propCache {
		a.runtimeRetired = append(a.runtimeRetired, p)
	}
	clear(a.propCache)
}

// recycleRuntime, where no handler runs (a call's start, a turn's end),
// clears the dropped runtime maps for reuse; a few are kept.
func (a *API) recycleRuntime() {
	a.dropRuntime(nil)
	for _, p := range a.runtimeRetired {
		if len(a.runtimeFree) < runtimeFreeMax {
			clear(p)
			a.runtimeFree = append(a.runtimeFree, p)
		}
	}
	clear(a.runtimeRetired)
	a.runtimeRetired = a.runtimeRetired[:0]
	// A call that went over many units leaves no large tables behind.
	a.propCache = nil
	if cap(a.runtimeRetired) > 64 {
		a.runtimeRetired = nil
	}
}

const runtimeFreeMax = 2

// unitInterfaces are the interfaces of units of type t, with members
// taken from the property model of a unit of that type.
func (a *API) unitInterfaces(t unitname.Type) []*bus.Interface {
	if ifs, ok := a.typeIfaces[t]; ok {
		return ifs
	}
	var out []*bus.Interface
	for _, iface := range unit.PropertyNames(t) {
		if iface.Name == ifaceUnit && a.unitIface != nil {
			// The same for every type.
			out = append(out, a.unitIface)
			continue
		}
		bi := &bus.Interface{Name: iface.Name}
		key := iface.Name
		// One getter for the interface, one allocation for its
		// properties: they are most of the tables' memory otherwise.
		get := func(obj any, name string) (any, error) {
			// Each property alone: a Get or a change signal must not
			// compute the others (UnitFileState reads files, and logs).
			u := obj.(*manager.Unit)
			if key == ifaceUnit && name == "Refs" {
				return a.refNames(u), nil
			}
			if key == ifaceUnit && name == "Markers" {
				return u.Markers().Names(), nil
			}
			v, ok := a.m.PropertyLoop(u, a.unitRuntime(u), key, name)
			if !ok {
				return nil, errors.New("no such property")
			}
			return v, nil
		}
		props := make([]bus.Property, len(iface.Properties))
		bi.Members = make([]bus.Member, 0, len(props)+8)
		flags := ifaceFlags(iface.Name)
		for i, p := range iface.Properties {
			// 252's flags (propflags_gen.go): what a PropertiesChanged
			// carries, and what introspection annotates.
			props[i] = bus.Property{Name: p.Name, Type: p.Signature, Flags: flagsOf(flags, p.Name), GetByName: get}
			bi.Members = append(bi.Members, &props[i])
		}
		if iface.Name == ifaceUnit {
			bi.Members = append(bi.Members, a.unitMethods()...)
		}
		if cgroupInterfaces[iface.Name] {
			bi.Members = append(bi.Members, &bus.Method{Name: "GetProcesses", Out: "a(sus)", Flags: bus.Unprivileged,
				Call: func(call *bus.Call, obj any) ([]any, error) {
					return []any{a.m.UnitProcessesLoop(obj.(*manager.Unit))}, nil
				}})
		}
		for _, more := range unitMembers {
			bi.Members = append(bi.Members, more(a, iface.Name)...)
		}
		a.conform(bi)
		if iface.Name == ifaceUnit {
			a.unitIface = bi
		}
		out = append(out, bi)
	}
	// The Unit interface comes first in 252's introspection and GetAll of
	// the type-specific object; keep the type's first, as the model does.
	a.typeIfaces[t] = out
	return out
}

// propFlag is one entry of propFlags.
type propFlag struct {
	iface, name string
	flags       bus.Flags
}

// ifaceFlags is the part of propFlags about iface.
func ifaceFlags(iface string) []propFlag {
	lo, _ := slices.BinarySearchFunc(propFlags[:], iface, func(e propFlag, iface string) int { return strings.Compare(e.iface, iface) })
	hi := lo
	for hi < len(propFlags) && propFlags[hi].iface == iface {
		hi++
	}
	return propFlags[lo:hi]
}

// flagsOf is 252's flags of property name (0 if it has none), from its
// interface's ifaceFlags.
func flagsOf(flags []propFlag, name string) bus.Flags {
	i, ok := slices.BinarySearchFunc(flags, name, func(e propFlag, name string) int { return strings.Compare(e.name, name) })
	if !ok {
		return 0
	}
	return flags[i].flags
}

// unitMethods are the org.freedesktop.systemd1.Unit methods.
func (a *API) unitMethods() []bus.Member {
	jobMethod := func(name string, t job.Type, reload bool) *bus.Method {
		return &bus.Method{Name: name, In: "s", Out: "o", InNames: []string{"mode"}, OutNames: []string{"job"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return a.startGeneric(call, obj.(*manager.Unit), t, reload, call.Body[0].(string), nil)
			}}
	}
	return []bus.Member{
		jobMethod("Start", job.Start, false), jobMethod("Stop", job.Stop, false), jobMethod("Reload", job.Reload, false),
		jobMethod("Restart", job.Restart, false), jobMethod("TryRestart", job.TryRestart, false),
		jobMethod("ReloadOrRestart", job.Restart, true), jobMethod("ReloadOrTryRestart", job.TryRestart, true),
		&bus.Method{Name: "ResetFailed", Call: func(call *bus.Call, obj any) ([]any, error) {
			a.m.ResetFailedLoop(obj.(*manager.Unit))
			return nil, nil
		}},
	}
}

// cgroupInterfaces are the interfaces of the unit types with a control
// group, which have GetProcesses and AttachProcesses.
var cgroupInterfaces = map[string]bool{
	"org.freedesktop.systemd1.Service": true, "org.freedesktop.systemd1.Socket": true,
	"org.freedesktop.systemd1.Mount": true, "org.freedesktop.systemd1.Swap": true,
	"org.freedesktop.systemd1.Slice": true, "org.freedesktop.systemd1.Scope": true,
}

// jobError maps the transaction engine's refusals to D-Bus errors.
func jobError(err error) error {
	var je *job.Error
	if !errors.As(err, &je) {
		return err
	}
	name := bus.ErrNameFailed
	switch je.Kind {
	case job.ErrNoSuchUnit:
		name = errNoSuchUnit
	case job.ErrBadUnitSetting:
		name = errBadUnitSetting
	case job.ErrLoadError, job.ErrLoadFailed:
		name = errLoadFailed
	case job.ErrUnitMasked:
		name = errUnitMasked
	case job.ErrJobTypeNotApplicable:
		name = errJobTypeNotApplic
	case job.ErrJobsConflicting:
		name = errTransactionJobs
	case job.ErrOrderIsCyclic:
		name = errTransactionCyclic
	case job.ErrIsDestructive:
		name = errDestructive
	case job.ErrInvalidArgs:
		name = bus.ErrNameInvalidArgs
	case job.ErrNoIsolation:
		name = errNoIsolation
	}
	return bus.Errorf(name, "%s", je.Msg)
}

// unitByName is what the Manager's per-unit methods look units up with:
// loaded ones only (GetUnit) or loading on demand (LoadUnit, StartUnit).
func (a *API) unitByName(name string, load bool) (*manager.Unit, error) {
	if u := a.m.UnitLoop(name); u != nil {
		return u, nil
	}
	if !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		if unitname.IsValid(name, unitname.Template) {
			return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Unit name %s is missing the instance name.", name)
		}
		return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Unit name %s is not valid.", name)
	}
	if !load {
		return nil, bus.Errorf(errNoSuchUnit, "Unit %s not loaded.", name)
	}
	u, err := a.m.LoadUnitLoop(name)
	if err != nil {
		return nil, bus.Errorf(errNoSuchUnit, "%v", err)
	}
	return u, nil
}

// listEntry is one ListUnits row: a(ssssssouso).
type listEntry struct {
	Name, Description, LoadState, ActiveState, SubState, Following string
	Path                                                           dbus.ObjectPath
	JobID                                                          uint32
	JobType                                                        string
	JobPath                                                        dbus.ObjectPath
}

func (a *API) listUnits(states, patterns []string) []listEntry {
	out := []listEntry{}
	for _, u := range a.m.UnitsLoop() {
		if len(states) > 0 && !matchesAny(states, u.LoadState().String(), u.ActiveState().String(), u.SubState()) {
			continue
		}
		if len(patterns) > 0 && !globAny(patterns, u.ID()) {
			continue
		}
		out = append(out, a.listEntryOf(u))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// listEntryOf is reply_unit_info.
func (a *API) listEntryOf(u *manager.Unit) listEntry {
	e := listEntry{Name: u.ID(), Description: a.m.StatusStringLoop(u), LoadState: u.LoadState().String(),
		ActiveState: u.ActiveState().String(), SubState: u.SubState(), Following: u.Following(),
		Path: dbus.ObjectPath(unitname.DBusPath(u.ID())), JobPath: "/"}
	if j := u.Job(); j != nil {
		e.JobID, e.JobType, e.JobPath = j.ID(), j.Type().String(), j.Path()
	}
	return e
}

func matchesAny(states []string, values ...string) bool {
	for _, s := range states {
		for _, v := range values {
			if s == v {
				return true
			}
		}
	}
	return false
}

func globAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func (a *API) managerInterface() *bus.Interface {
	unitJob := func(name string, t job.Type, reload bool) *bus.Method {
		return &bus.Method{Name: name, In: "ss", Out: "o", InNames: []string{"name", "mode"}, OutNames: []string{"job"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.unitByName(call.Body[0].(string), true)
				if err != nil {
					return nil, err
				}
				return a.startGeneric(call, u, t, reload, call.Body[1].(string), nil)
			}}
	}
	getUnit := func(name string, load bool) *bus.Method {
		return &bus.Method{Name: name, In: "s", Out: "o", InNames: []string{"name"}, OutNames: []string{"unit"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.unitByName(call.Body[0].(string), load)
				if err != nil {
					return nil, err
				}
				return []any{dbus.ObjectPath(unitname.DBusPath(u.ID()))}, nil
			}}
	}
	iface := &bus.Interface{Name: ifaceManager, Members: []bus.Member{
		getUnit("GetUnit", false),
		&bus.Method{Name: "GetUnitByPID", In: "u", Out: "o", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			pid := call.Body[0].(uint32)
			if pid == 0 {
				pid = uint32(call.Cred.PID)
			}
			u := a.m.UnitByPIDLoop(int(pid))
			if u == nil {
				return nil, bus.Errorf("org.freedesktop.systemd1.NoUnitForPID", "PID %d does not belong to any loaded unit.", pid)
			}
			return []any{dbus.ObjectPath(unitname.DBusPath(u.ID()))}, nil
		}},
		getUnit("LoadUnit", true),
		unitJob("StartUnit", job.Start, false),
		unitJob("StopUnit", job.Stop, false),
		unitJob("ReloadUnit", job.Reload, false),
		unitJob("RestartUnit", job.Restart, false),
		unitJob("TryRestartUnit", job.TryRestart, false),
		unitJob("ReloadOrRestartUnit", job.Restart, true),
		unitJob("ReloadOrTryRestartUnit", job.TryRestart, true),
		// The unit is looked up before the caller is checked.
		&bus.Method{Name: "ResetFailedUnit", In: "s", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.loadedUnit(call, call.Body[0].(string))
			if err == nil {
				err = a.verifyManage(call)
			}
			if err != nil {
				return nil, err
			}
			a.m.ResetFailedLoop(u)
			return nil, nil
		}},
		&bus.Method{Name: "ResetFailed", Call: func(call *bus.Call, _ any) ([]any, error) {
			for _, u := range a.m.UnitsLoop() {
				a.m.ResetFailedLoop(u)
			}
			return nil, nil
		}},
		&bus.Method{Name: "ListUnits", Out: "a(ssssssouso)", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			return []any{a.listUnits(nil, nil)}, nil
		}},
		&bus.Method{Name: "ListUnitsFiltered", In: "as", Out: "a(ssssssouso)", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			return []any{a.listUnits(call.Body[0].([]string), nil)}, nil
		}},
		&bus.Method{Name: "ListUnitsByPatterns", In: "asas", Out: "a(ssssssouso)", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			return []any{a.listUnits(call.Body[0].([]string), call.Body[1].([]string))}, nil
		}},
		&bus.Method{Name: "ListJobs", Out: "a(usssoo)", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			type row struct {
				ID                uint32
				Unit, Type, State string
				JobPath, UnitPath dbus.ObjectPath
			}
			out := []row{}
			for _, j := range a.m.JobsLoop() {
				out = append(out, row{j.ID(), j.Unit().ID(), j.Type().String(), j.State(), j.Path(), dbus.ObjectPath(unitname.DBusPath(j.Unit().ID()))})
			}
			return []any{out}, nil
		}},
		&bus.Method{Name: "GetJob", In: "u", Out: "o", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			j := a.m.JobLoop(call.Body[0].(uint32))
			if j == nil {
				return nil, bus.Errorf(errNoSuchJob, "Job %d does not exist.", call.Body[0].(uint32))
			}
			return []any{j.Path()}, nil
		}},
		&bus.Method{Name: "GetUnitProcesses", In: "s", Out: "a(sus)", InNames: []string{"name"}, OutNames: []string{"processes"},
			Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.unitByName(call.Body[0].(string), false)
				if err != nil {
					return nil, err
				}
				return []any{a.m.UnitProcessesLoop(u)}, nil
			}},
		&bus.Method{Name: "CancelJob", In: "u", InNames: []string{"id"}, Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			j := a.m.JobLoop(call.Body[0].(uint32))
			if j == nil {
				return nil, bus.Errorf(errNoSuchJob, "Job %d does not exist.", call.Body[0].(uint32))
			}
			if err := a.verifyManage(call); err != nil {
				return nil, err
			}
			a.m.CancelJobLoop(j)
			return nil, nil
		}},
		&bus.Method{Name: "ClearJobs", Call: func(call *bus.Call, _ any) ([]any, error) {
			a.m.ClearJobsLoop()
			return nil, nil
		}},
		&bus.Method{Name: "SetEnvironment", In: "as", InNames: []string{"assignments"}, Call: func(call *bus.Call, _ any) ([]any, error) {
			plus := call.Body[0].([]string)
			if !envAssignmentsValid(plus) {
				return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid environment assignments")
			}
			a.m.ModifyEnvironmentLoop(nil, plus)
			return nil, nil
		}},
		&bus.Method{Name: "UnsetEnvironment", In: "as", InNames: []string{"names"}, Call: func(call *bus.Call, _ any) ([]any, error) {
			minus := call.Body[0].([]string)
			if !envNamesOrAssignmentsValid(minus) {
				return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid environment variable names or assignments")
			}
			a.m.ModifyEnvironmentLoop(minus, nil)
			return nil, nil
		}},
		&bus.Method{Name: "UnsetAndSetEnvironment", In: "asas", InNames: []string{"names", "assignments"}, Call: func(call *bus.Call, _ any) ([]any, error) {
			minus, plus := call.Body[0].([]string), call.Body[1].([]string)
			if !envNamesOrAssignmentsValid(minus) {
				return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid environment variable names or assignments")
			}
			if !envAssignmentsValid(plus) {
				return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid environment assignments")
			}
			a.m.ModifyEnvironmentLoop(minus, plus)
			return nil, nil
		}},
		&bus.Method{Name: "Reload", Call: func(call *bus.Call, _ any) ([]any, error) {
			a.m.ReloadLoop()
			return nil, nil
		}},
		&bus.Method{Name: "Subscribe", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			if call.Conn.IsBus() && !a.Tree.Subscribed.Add(call) {
				return nil, bus.Errorf("org.freedesktop.systemd1.AlreadySubscribed", "Client is already subscribed.")
			}
			return nil, nil
		}},
		&bus.Method{Name: "Unsubscribe", Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			if call.Conn.IsBus() && !a.Tree.Subscribed.Remove(call) {
				return nil, bus.Errorf("org.freedesktop.systemd1.NotSubscribed", "Client is not subscribed.")
			}
			return nil, nil
		}},
		&bus.Signal{Name: "UnitNew", Type: "so", Names: []string{"id", "unit"}},
		&bus.Signal{Name: "UnitRemoved", Type: "so", Names: []string{"id", "unit"}},
		&bus.Signal{Name: "JobNew", Type: "uos", Names: []string{"id", "job", "unit"}},
		&bus.Signal{Name: "JobRemoved", Type: "uoss", Names: []string{"id", "job", "unit", "result"}},
		&bus.Signal{Name: "StartupFinished", Type: "tttttt", Names: []string{"firmware", "loader", "kernel", "initrd", "userspace", "total"}},
		&bus.Signal{Name: "UnitFilesChanged"},
		&bus.Signal{Name: "Reloading", Type: "b", Names: []string{"active"}},
	}}
	for _, more := range managerMembers {
		iface.Members = append(iface.Members, more(a)...)
	}
	defer a.conform(iface)
	for _, p := range managerProps(a.m) {
		p := p
		iface.Members = append(iface.Members, &bus.Property{Name: p.Name, Type: p.Signature, Flags: managerPropFlags(p.Name),
			Get: func(any) (any, error) {
				if a.managerCache == nil {
					a.managerCache = map[string]any{}
					for _, q := range managerProps(a.m) {
						a.managerCache[q.Name] = q.Value
					}
				}
				if p.Name == "ShowStatus" {
					return a.showStatusOn(), nil
				}
				v, ok := a.managerCache[p.Name]
				if !ok {
					return nil, errors.New("no such property")
				}
				return v, nil
			}})
	}
	return iface
}

func (a *API) jobInterface() *bus.Interface {
	type unitRef struct {
		ID   string
		Path dbus.ObjectPath
	}
	return &bus.Interface{Name: ifaceJob, Members: append([]bus.Member{
		&bus.Method{Name: "Cancel", Call: func(call *bus.Call, obj any) ([]any, error) {
			a.m.CancelJobLoop(obj.(*manager.Job))
			return nil, nil
		}}}, append(a.jobWaitingMembers(), []bus.Member{
		&bus.Property{Name: "Id", Type: "u", Flags: bus.Const, Get: func(obj any) (any, error) { return obj.(*manager.Job).ID(), nil }},
		&bus.Property{Name: "Unit", Type: "(so)", Flags: bus.Const, Get: func(obj any) (any, error) {
			u := obj.(*manager.Job).Unit()
			return unitRef{u.ID(), dbus.ObjectPath(unitname.DBusPath(u.ID()))}, nil
		}},
		&bus.Property{Name: "JobType", Type: "s", Flags: bus.EmitsChange, Get: func(obj any) (any, error) { return obj.(*manager.Job).Type().String(), nil }},
		&bus.Property{Name: "State", Type: "s", Flags: bus.EmitsChange, Get: func(obj any) (any, error) { return obj.(*manager.Job).State(), nil }},
		&bus.Property{Name: "ActivationDetails", Type: "a(ss)", Flags: bus.Const, Get: func(obj any) (any, error) { return []unit.StringPair{}, nil }},
	}...)...)}
}

// Observer side: the manager tells us what happened; we signal it.

func (a *API) UnitNew(u *manager.Unit) {
	_ = a.Tree.EmitSignal(objectPath, ifaceManager, "UnitNew", "so", []any{u.ID(), dbus.ObjectPath(unitname.DBusPath(u.ID()))}, nil)
}

func (a *API) UnitRemoved(u *manager.Unit) {
	if tr := a.controllers[u]; tr != nil {
		delete(a.controllers, u)
		tr.Close()
	}
	// Its last changes go out about u itself: looking its path up would
	// load the unit again while it is being freed. Its referencing
	// clients hear of them before they let go.
	a.removing = u
	a.flushUnit(u)
	a.removing = nil
	refs := a.refs[u]
	_ = a.Tree.EmitSignal(objectPath, ifaceManager, "UnitRemoved", "so", []any{u.ID(), dbus.ObjectPath(unitname.DBusPath(u.ID()))}, refs)
	if refs != nil {
		delete(a.refs, u)
		refs.Close()
	}
}

func (a *API) UnitChanged(u *manager.Unit) {
	a.dropRuntime(nil)
	if u.ID() == "dbus.service" && u.ActiveState() == state.Active_ && a.sysbus == nil && !a.connecting {
		a.connecting = true
		go func() {
			defer func() {
				if r := recover(); r != nil {
					a.m.Post(func() { a.connecting = false })
				}
			}()
			a.connectSystemBus()
		}()
	}
	if a.changedUnitSet == nil {
		a.changedUnitSet = map[*manager.Unit]bool{}
	}
	if !a.changedUnitSet[u] {
		a.changedUnitSet[u] = true
		a.changedUnits = append(a.changedUnits, u)
	}
}

// flushUnit sends u's pending PropertiesChanged now: first the type's
// interface, then org.freedesktop.systemd1.Unit, as 252 orders them.
func (a *API) flushUnit(u *manager.Unit) {
	if !a.changedUnitSet[u] {
		return
	}
	delete(a.changedUnitSet, u)
	a.dropRuntime(u)
	p := dbus.ObjectPath(unitname.DBusPath(u.ID()))
	// Clients holding u hear of it even if none subscribed, as in 252.
	refs := a.refs[u]
	for _, iface := range a.unitInterfaces(u.Config().Type) {
		_ = a.Tree.EmitPropertiesChangedAlso(p, iface.Name, refs)
	}
	// The signals computed u's runtime map afresh and are done with it:
	// nothing else can hold it, so the next unit's can fill it.
	if rt, ok := a.propCache[u]; ok && len(a.runtimeFree) < runtimeFreeMax {
		delete(a.propCache, u)
		clear(rt)
		a.runtimeFree = append(a.runtimeFree, rt)
	}
}

// EndOfTurn sends what changed during the loop's turn.
func (a *API) EndOfTurn() {
	if len(a.changedUnits) == 0 && len(a.changedJobs) == 0 {
		a.recycleRuntime()
		return
	}
	a.dropRuntime(nil)
	units, jobs := a.changedUnits, a.changedJobs
	a.changedUnits, a.changedJobs = nil, nil
	for _, u := range units {
		a.flushUnit(u)
	}
	for _, j := range jobs {
		if a.changedJobSet[j] {
			delete(a.changedJobSet, j)
			_ = a.Tree.EmitPropertiesChanged(j.Path(), ifaceJob)
		}
	}
	a.recycleRuntime()
}

func (a *API) JobNew(j *manager.Job) {
	_ = a.Tree.EmitSignal(objectPath, ifaceManager, "JobNew", "uos", []any{j.ID(), j.Path(), j.Unit().ID()}, nil)
}

func (a *API) JobChanged(j *manager.Job) {
	if a.changedJobSet == nil {
		a.changedJobSet = map[*manager.Job]bool{}
	}
	if !a.changedJobSet[j] {
		a.changedJobSet[j] = true
		a.changedJobs = append(a.changedJobs, j)
	}
}

// JobRemoved drops the job's pending change and sends its unit's first,
// so that a client sees the unit's new state before the job's end.
func (a *API) JobRemoved(j *manager.Job) {
	delete(a.changedJobSet, j)
	a.flushUnit(j.Unit())
	_ = a.Tree.EmitSignal(objectPath, ifaceManager, "JobRemoved", "uoss", []any{j.ID(), j.Path(), j.Unit().ID(), j.Result().String()}, nil)
}

func (a *API) Reloading(active bool) {
	a.dropRuntime(nil)
	_ = a.Tree.EmitSignal(objectPath, ifaceManager, "Reloading", "b", []any{active}, nil)
}

func (a *API) StartupFinished(t manager.StartupTimes) {
	_ = a.Tree.EmitSignal(objectPath, ifaceManager, "StartupFinished", "tttttt",
		[]any{t.Firmware, t.Loader, t.Kernel, t.Initrd, t.Userspace, t.Total}, nil)
}

// connectSystemBus is bus_init_system/bus_init_api once dbus.service
// runs: connect, take org.freedesktop.systemd1, and learn the owners of
// the services' bus names. It runs off the loop and posts the outcome.
func (a *API) connectSystemBus() {
	addr := a.SystemBusAddress
	if addr == "" {
		addr = bus.SystemBusAddress
	}
	conn, err := bus.ConnectBus(addr, a.Events, bus.BusOptions{UnixFDs: true})
	if err != nil {
		a.m.Post(func() { a.connecting = false })
		return
	}
	_, _ = conn.RequestName("org.freedesktop.systemd1", 0, 25*time.Second)
	var names, refNames []string
	done := make(chan struct{})
	a.m.Post(func() {
		a.connecting = false
		a.sysbus = conn
		names = a.m.WatchedBusNamesLoop()
		refNames = a.restoreRefs(conn)
		close(done)
	})
	<-done
	for _, n := range refNames {
		if _, err := conn.Call(5*time.Second, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", "s", n); err != nil {
			n := n
			a.m.Post(func() { a.dropGoneRef(conn, n) })
		}
	}
	for _, n := range names {
		reply, err := conn.Call(5*time.Second, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", "s", n)
		if err != nil || len(reply) != 1 {
			continue
		}
		owner, _ := reply[0].(string)
		n := n
		a.m.Post(func() { a.m.BusNameOwnerChangedLoop(n, owner) })
	}
}

var _ = strings.TrimSpace

// envAssignmentsValid is strv_env_is_valid: assignments, no name twice.
func envAssignmentsValid(l []string) bool {
	seen := map[string]bool{}
	for _, e := range l {
		if !unitfile.EnvAssignmentIsValid(e) {
			return false
		}
		name, _, _ := strings.Cut(e, "=")
		if seen[name] {
			return false
		}
		seen[name] = true
	}
	return true
}

// envNamesOrAssignmentsValid is strv_env_name_or_assignment_is_valid:
// names or assignments, none twice.
func envNamesOrAssignmentsValid(l []string) bool {
	seen := map[string]bool{}
	for _, e := range l {
		if !unitfile.EnvAssignmentIsValid(e) && !unitfile.EnvNameIsValid(e) || seen[e] {
			return false
		}
		seen[e] = true
	}
	return true
}
