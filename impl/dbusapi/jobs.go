package dbusapi

import (
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

func init() {
	managerMembers = append(managerMembers, (*API).jobManagerMembers)
	unitMembers = append(unitMembers, (*API).jobUnitMembers)
}

const errNotReferenced = "org.freedesktop.systemd1.NotReferenced"

// affectedJob is one row of EnqueueJob's affected_jobs: (uosos).
type affectedJob struct {
	ID       uint32
	JobPath  dbus.ObjectPath
	Unit     string
	UnitPath dbus.ObjectPath
	Type     string
}

// waitingJob is one row of GetJobAfter/GetJobBefore: (usssoo).
type waitingJob struct {
	ID                uint32
	Unit, Type, State string
	JobPath, UnitPath dbus.ObjectPath
}

func unitPath(u *manager.Unit) dbus.ObjectPath { return dbus.ObjectPath(unitname.DBusPath(u.ID())) }

// callerUnit is the unit of the caller's process (252's answer to an
// empty unit name).
func (a *API) callerUnit(call *bus.Call) *manager.Unit {
	return a.m.UnitByPIDLoop(int(call.Cred.PID))
}

// loadedUnit is bus_get_unit_by_name: a loaded unit, or the caller's
// for an empty name.
func (a *API) loadedUnit(call *bus.Call, name string) (*manager.Unit, error) {
	if name == "" {
		if u := a.callerUnit(call); u != nil {
			return u, nil
		}
		return nil, bus.Errorf(errNoSuchUnit, "Client not member of any unit.")
	}
	if u := a.m.UnitLoop(name); u != nil {
		return u, nil
	}
	return nil, bus.Errorf(errNoSuchUnit, "Unit %s not loaded.", name)
}

// loadUnit is bus_load_unit_by_name: loadedUnit, loading a named unit.
func (a *API) loadUnit(call *bus.Call, name string) (*manager.Unit, error) {
	if name == "" {
		return a.loadedUnit(call, "")
	}
	return a.unitByName(name, true)
}

// validateLoaded is bus_unit_validate_load_state: the unit's LoadError.
func validateLoaded(u *manager.Unit) error {
	if u.LoadState() == state.Loaded {
		return nil
	}
	e := unit.LoadErrorOf(u.Config())
	return bus.Errorf(e.A, "%s", e.B)
}

// startGeneric is bus_unit_method_start_generic: the mode (and flags,
// if given) are checked before the caller is.
func (a *API) startGeneric(call *bus.Call, u *manager.Unit, t job.Type, reloadIfPossible bool, modeName string, flags *uint64) ([]any, error) {
	mode, ok := job.ParseMode(modeName)
	if !ok {
		return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Job mode %s invalid", modeName)
	}
	if flags != nil && *flags != 0 {
		return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid 'flags' parameter '%d'", *flags)
	}
	if err := a.verifyManage(call); err != nil {
		return nil, err
	}
	return a.queueJob(u, t, mode, reloadIfPossible, false)
}

// enqueueJob is bus_unit_method_enqueue_job.
func (a *API) enqueueJob(call *bus.Call, u *manager.Unit, typeName, modeName string) ([]any, error) {
	var t job.Type
	reload := false
	switch typeName {
	case "reload-or-restart":
		t, reload = job.Restart, true
	case "reload-or-try-restart":
		t, reload = job.TryRestart, true
	default:
		var ok bool
		if t, ok = job.ParseType(typeName); !ok {
			return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Job type %s invalid", typeName)
		}
	}
	mode, ok := job.ParseMode(modeName)
	if !ok {
		return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Job mode %s invalid", modeName)
	}
	if err := a.verifyManage(call); err != nil {
		return nil, err
	}
	return a.queueJob(u, t, mode, reload, true)
}

// queueJob is bus_unit_queue_job: the job's path, or with verbose the
// anchor job and the other jobs the transaction touched.
func (a *API) queueJob(u *manager.Unit, t job.Type, mode job.Mode, reloadIfPossible, verbose bool) ([]any, error) {
	if reloadIfPossible && u.CanReload() {
		switch t {
		case job.Restart:
			t = job.ReloadOrStart
		case job.TryRestart:
			t = job.TryReload
		}
	}
	cfg := u.Config()
	switch u.LoadState() {
	case state.NotFound, state.Error, state.BadSetting:
		if t == job.Stop && u.ActiveState() == state.Inactive {
			return nil, bus.Errorf(errNoSuchUnit, "Unit %s not loaded.", u.ID())
		}
	}
	refused := (t == job.Start && cfg.RefuseManualStart) || (t == job.Stop && cfg.RefuseManualStop) ||
		((t == job.Restart || t == job.TryRestart) && (cfg.RefuseManualStart || cfg.RefuseManualStop)) ||
		(t == job.ReloadOrStart && job.Collapse(t, u.ActiveState()) == job.Start && cfg.RefuseManualStart)
	if refused {
		return nil, bus.Errorf("org.freedesktop.systemd1.OnlyByDependency", "Operation refused, unit %s may be requested by dependency only (it is configured to refuse manual start/stop).", u.ID())
	}
	j, affected, err := a.m.EnqueueAffectedLoop(t, u, mode)
	if err != nil {
		return nil, jobError(err)
	}
	if !verbose {
		return []any{j.Path()}, nil
	}
	rows := []affectedJob{}
	seen := map[*manager.Job]bool{j: true}
	for _, o := range affected {
		if seen[o] {
			continue
		}
		seen[o] = true
		rows = append(rows, affectedJob{o.ID(), o.Path(), o.Unit().ID(), unitPath(o.Unit()), o.Type().String()})
	}
	return []any{j.ID(), j.Path(), j.Unit().ID(), unitPath(j.Unit()), j.Type().String(), rows}, nil
}

// waitingJobs is bus_job_method_get_waiting_jobs.
func (a *API) waitingJobs(j *manager.Job, after bool) []waitingJob {
	out := []waitingJob{}
	for _, o := range a.m.WaitingJobsLoop(j, after) {
		out = append(out, waitingJob{o.ID(), o.Unit().ID(), o.Type().String(), o.State(), o.Path(), unitPath(o.Unit())})
	}
	return out
}

// kill is bus_unit_method_kill.
func (a *API) kill(call *bus.Call, u *manager.Unit, whom string, sig int32) error {
	err := manager.CheckKillArgs(whom, int(sig))
	if err == nil {
		err = a.verifyManage(call)
	}
	if err == nil {
		err = a.m.KillUnitLoop(u, whom, int(sig))
	}
	var ke *manager.KillError
	if errors.As(err, &ke) {
		return bus.Errorf(ke.Name, "%s", ke.Msg)
	}
	return err
}

// unitTrack is the Track of u's references, made on first use.
func (a *API) unitTrack(u *manager.Unit) *bus.Track {
	if tr := a.refs[u]; tr != nil {
		return tr
	}
	tr := a.Tree.NewTrack()
	tr.Recursive = true
	tr.OnEmpty = func() {
		if a.refs[u] == tr {
			delete(a.refs, u)
			tr.Close()
			a.m.SetBusReferencedLoop(u, false)
		}
	}
	if a.refs == nil {
		a.refs = map[*manager.Unit]*bus.Track{}
	}
	a.refs[u] = tr
	a.m.SetBusReferencedLoop(u, true)
	return tr
}

// SerializeItems is what daemon-reexec carries over of the API's state:
// the ShowStatus override and the bus clients' references, by unit and
// name, one line per reference.
func (a *API) SerializeItems() []manager.Item {
	var out []manager.Item
	if a.showStatusOverride != "" {
		out = append(out, manager.Item{Key: "show-status-overridden", Value: a.showStatusOverride})
	}
	var lines []string
	for u, tr := range a.refs {
		for _, n := range tr.Names() {
			lines = append(lines, u.ID()+" "+n)
		}
	}
	for _, p := range a.pendingRefs {
		lines = append(lines, p[0]+" "+p[1])
	}
	sort.Strings(lines)
	for _, l := range lines {
		out = append(out, manager.Item{Key: "bus-ref", Value: l})
	}
	// The dump rate limit's window and count, as 252's "dump-ratelimit=".
	out = append(out, manager.Item{Key: "dump-ratelimit", Value: a.dumpLimit.serialize(time.Now())})
	// Subscribe()'s callers stay subscribed, as 252's "subscribed=".
	subscribed := append(a.Tree.Subscribed.Names(), a.pendingSubscribed...)
	for _, n := range subscribed {
		out = append(out, manager.Item{Key: "subscribed", Value: n})
	}
	return out
}

// Restore takes back SerializeItems' state after daemon-reexec, once the
// units are back: the referenced units are held until the system bus is
// there to track their clients again.
func (a *API) Restore(items []manager.Item) {
	for _, it := range items {
		switch it.Key {
		case "show-status-overridden":
			if mode, ok := parseShowStatus(it.Value); ok {
				a.showStatusOverride = mode
				if a.OnShowStatus != nil {
					a.OnShowStatus(mode, a.showStatusOn())
				}
			}
		case "subscribed":
			a.pendingSubscribed = append(a.pendingSubscribed, it.Value)
		case "dump-ratelimit":
			a.dumpLimit.deserialize(it.Value, time.Now())
		case "bus-ref":
			unit, name, ok := strings.Cut(it.Value, " ")
			if u := a.m.UnitLoop(unit); ok && u != nil {
				a.pendingRefs = append(a.pendingRefs, [2]string{unit, name})
				a.m.SetBusReferencedLoop(u, true)
			}
		}
	}
}

// restoreRefs tracks the restored references and subscriptions on the
// system bus conn and returns the names to check: those gone already are
// dropped with dropGoneRef.
func (a *API) restoreRefs(conn *bus.Conn) []string {
	refs := a.pendingRefs
	a.pendingRefs = nil
	seen := map[string]bool{}
	var names []string
	for _, r := range refs {
		u := a.m.UnitLoop(r[0])
		if u == nil {
			continue
		}
		a.unitTrack(u).AddName(conn, r[1])
		if !seen[r[1]] {
			seen[r[1]] = true
			names = append(names, r[1])
		}
	}
	for _, n := range a.pendingSubscribed {
		a.Tree.Subscribed.AddName(conn, n)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	a.pendingSubscribed = nil
	// What changed before the bus was back went nowhere: the holders
	// hear of their units' state now.
	for u := range a.refs {
		a.UnitChanged(u)
	}
	// Units restored as referenced whose track never came are let go.
	for _, r := range refs {
		if u := a.m.UnitLoop(r[0]); u != nil && a.refs[u] == nil {
			a.m.SetBusReferencedLoop(u, false)
		}
	}
	return names
}

// dropGoneRef drops the references of a name that left the bus while
// the manager re-executed.
func (a *API) dropGoneRef(conn *bus.Conn, name string) {
	for _, tr := range a.refs {
		tr.RemoveName(conn, name)
	}
	a.Tree.Subscribed.RemoveName(conn, name)
}

// ref is bus_unit_method_ref: the caller holds u until it lets go or
// leaves the bus. References are taken on the system bus only.
func (a *API) ref(call *bus.Call, u *manager.Unit) error {
	if err := a.verifyManage(call); err != nil {
		return err
	}
	if a.sysbus == nil || call.Conn != a.sysbus || call.Sender == "" {
		return errnoError(syscall.EINVAL)
	}
	a.unitTrack(u).Add(call)
	return nil
}

// unref is bus_unit_method_unref; it needs no privilege.
func (a *API) unref(call *bus.Call, u *manager.Unit) error {
	tr := a.refs[u]
	if tr == nil {
		return bus.Errorf(errNotReferenced, "Unit has not been referenced yet.")
	}
	if call.Conn != a.sysbus || call.Sender == "" {
		return errnoError(syscall.EINVAL)
	}
	tr.Remove(call)
	return nil
}

// refNames is the Refs property: the names holding u, each as often as
// it took a reference.
func (a *API) refNames(u *manager.Unit) []string {
	if tr := a.refs[u]; tr != nil {
		return tr.Names()
	}
	return []string{}
}

// showStatusModes are show_status_from_string's words; booleans are
// taken too.
var showStatusModes = map[string]string{"no": "no", "error": "error", "auto": "auto", "temporary": "temporary", "yes": "yes"}

func parseShowStatus(s string) (string, bool) {
	if m, ok := showStatusModes[s]; ok {
		return m, true
	}
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return "yes", true
	case "0", "no", "n", "false", "f", "off":
		return "no", true
	}
	return "", false
}

// ShowStatusOverridden reports whether a client overrode ShowStatus=
// (SetShowStatus): a configuration read again then does not apply.
func (a *API) ShowStatusOverridden() bool { return a.showStatusOverride != "" }

func (a *API) jobManagerMembers() []bus.Member {
	return []bus.Member{
		&bus.Method{Name: "GetUnitByInvocationID", In: "ay", Out: "o", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				b := call.Body[0].([]byte)
				if len(b) != 0 && len(b) != 16 {
					return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid invocation ID")
				}
				id := hex.EncodeToString(b)
				var u *manager.Unit
				if len(b) == 0 || id == strings.Repeat("0", 32) {
					if u = a.callerUnit(call); u == nil {
						return nil, bus.Errorf(errNoSuchUnit, "Client %d not member of any unit.", call.Cred.PID)
					}
				} else {
					for _, x := range a.m.UnitsLoop() {
						if x.InvocationID() == id {
							u = x
							break
						}
					}
					if u == nil {
						return nil, bus.Errorf(errNoUnitForInvocation, "No unit with the specified invocation ID %s known.", id)
					}
				}
				if u.InvocationID() == "" {
					return []any{unitPath(u)}, nil
				}
				// The path names the unit by its invocation ID.
				return []any{dbus.ObjectPath(unitname.DBusPath(u.InvocationID()))}, nil
			}},
		&bus.Method{Name: "GetUnitByControlGroup", In: "s", Out: "o", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				cg := call.Body[0].(string)
				if !strings.HasPrefix(cg, "/") {
					return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Control group path is not absolute: %s", cg)
				}
				if !unitname.PathIsNormalized(cg) {
					return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Control group path is not normalized: %s", cg)
				}
				u := a.m.UnitByCgroupLoop(cg)
				if u == nil {
					return nil, bus.Errorf(errNoSuchUnit, "Control group '%s' is not valid or not managed by this instance", cg)
				}
				return []any{unitPath(u)}, nil
			}},
		&bus.Method{Name: "StartUnitWithFlags", In: "sst", Out: "o", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.unitByName(call.Body[0].(string), true)
				if err != nil {
					return nil, err
				}
				flags := call.Body[2].(uint64)
				return a.startGeneric(call, u, job.Start, false, call.Body[1].(string), &flags)
			}},
		&bus.Method{Name: "StartUnitReplace", In: "sss", Out: "o", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				old := call.Body[0].(string)
				ou, err := a.loadedUnit(call, old)
				if err != nil {
					return nil, err
				}
				if j := ou.Job(); j == nil || j.Type() != job.Start {
					return nil, bus.Errorf(errNoSuchJob, "No job queued for unit %s", old)
				}
				u, err := a.unitByName(call.Body[1].(string), true)
				if err != nil {
					return nil, err
				}
				return a.startGeneric(call, u, job.Start, false, call.Body[2].(string), nil)
			}},
		&bus.Method{Name: "KillUnit", In: "ssi", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.loadedUnit(call, call.Body[0].(string))
				if err != nil {
					return nil, err
				}
				return nil, a.kill(call, u, call.Body[1].(string), call.Body[2].(int32))
			}},
		&bus.Method{Name: "RefUnit", In: "s", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.loadUnit(call, call.Body[0].(string))
				if err == nil {
					err = validateLoaded(u)
				}
				if err == nil {
					err = a.ref(call, u)
				}
				return nil, err
			}},
		&bus.Method{Name: "UnrefUnit", In: "s", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.loadedUnit(call, call.Body[0].(string))
				if err == nil {
					err = a.unref(call, u)
				}
				return nil, err
			}},
		&bus.Method{Name: "ListUnitsByNames", In: "as", Out: "a(ssssssouso)", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				out := []listEntry{}
				for _, name := range call.Body[0].([]string) {
					if !unitname.IsValid(name, unitname.Plain|unitname.Instance|unitname.Template) {
						continue
					}
					u, err := a.loadUnit(call, name)
					if err != nil {
						return nil, err
					}
					out = append(out, a.listEntryOf(u))
				}
				return []any{out}, nil
			}},
		&bus.Method{Name: "GetJobAfter", In: "u", Out: "a(usssoo)", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				return a.jobWaiting(call.Body[0].(uint32), true)
			}},
		&bus.Method{Name: "GetJobBefore", In: "u", Out: "a(usssoo)", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				return a.jobWaiting(call.Body[0].(uint32), false)
			}},
		&bus.Method{Name: "EnqueueUnitJob", In: "sss", Out: "uososa(uosos)", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				u, err := a.loadUnit(call, call.Body[0].(string))
				if err != nil {
					return nil, err
				}
				return a.enqueueJob(call, u, call.Body[1].(string), call.Body[2].(string))
			}},
		&bus.Method{Name: "EnqueueMarkedJobs", Out: "ao", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				a.m.LogLoop(manager.LogEntry{Level: manager.LevelInfo, Message: "Queuing reload/restart jobs for marked units…"})
				paths := []dbus.ObjectPath{}
				var failed error
				for _, u := range a.m.UnitsLoop() {
					var reload bool
					switch mk := u.Markers(); {
					case mk&manager.MarkerNeedsRestart != 0:
					case mk&manager.MarkerNeedsReload != 0:
						reload = true
					default:
						continue
					}
					r, err := a.queueJob(u, job.TryRestart, job.Fail, reload, false)
					if err != nil {
						if failed == nil {
							failed = err
						}
						continue
					}
					paths = append(paths, r[0].(dbus.ObjectPath))
				}
				if failed != nil {
					return nil, bus.Errorf(bus.ErrNameFailed, "Failed to enqueue some jobs, see logs for details: %s", busErrorText(failed))
				}
				return []any{paths}, nil
			}},
		&bus.Method{Name: "SetShowStatus", In: "s", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				s := call.Body[0].(string)
				mode := ""
				if s != "" {
					var ok bool
					if mode, ok = parseShowStatus(s); !ok {
						return nil, bus.Errorf(bus.ErrNameInvalidArgs, "Invalid show status '%s'", s)
					}
				}
				if mode != a.showStatusOverride {
					a.showStatusOverride = mode
					a.managerCache = nil
					if a.OnShowStatus != nil {
						a.OnShowStatus(mode, a.showStatusOn())
					}
				}
				return nil, nil
			}},
	}
}

// busErrorText is the text of a failure as %m would give its errno; a
// refusal of the transaction engine reads as 252's errno for it would.
func busErrorText(err error) string {
	var be *bus.Error
	if errors.As(err, &be) {
		return be.Message
	}
	return err.Error()
}

// showStatusOn is manager_get_show_status_on.
func (a *API) showStatusOn() bool {
	switch a.showStatusOverride {
	case "":
		return a.m.SettingsLoop().ShowStatus
	case "yes", "temporary":
		return true
	}
	return false
}

func (a *API) jobWaiting(id uint32, after bool) ([]any, error) {
	j := a.m.JobLoop(id)
	if j == nil {
		return nil, bus.Errorf(errNoSuchJob, "Job %d does not exist.", id)
	}
	return []any{a.waitingJobs(j, after)}, nil
}

func (a *API) jobUnitMembers(iface string) []bus.Member {
	if iface != ifaceUnit {
		return nil
	}
	return []bus.Member{
		&bus.Method{Name: "EnqueueJob", In: "ss", Out: "uososa(uosos)", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return a.enqueueJob(call, obj.(*manager.Unit), call.Body[0].(string), call.Body[1].(string))
			}},
		&bus.Method{Name: "Kill", In: "si", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return nil, a.kill(call, obj.(*manager.Unit), call.Body[0].(string), call.Body[1].(int32))
			}},
		&bus.Method{Name: "Ref", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return nil, a.ref(call, obj.(*manager.Unit))
			}},
		&bus.Method{Name: "Unref", Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return nil, a.unref(call, obj.(*manager.Unit))
			}},
	}
}

// jobWaitingMembers are the Job object's GetAfter and GetBefore.
func (a *API) jobWaitingMembers() []bus.Member {
	return []bus.Member{
		&bus.Method{Name: "GetAfter", Out: "a(usssoo)", OutNames: []string{"jobs"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return []any{a.waitingJobs(obj.(*manager.Job), true)}, nil
			}},
		&bus.Method{Name: "GetBefore", Out: "a(usssoo)", OutNames: []string{"jobs"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, obj any) ([]any, error) {
				return []any{a.waitingJobs(obj.(*manager.Job), false)}, nil
			}},
	}
}
