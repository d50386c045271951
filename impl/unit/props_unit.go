package unit

import (
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"gosystemd/impl/unitname"
)

// Interface names.
const (
	ifaceUnit   = "org.freedesktop.systemd1.Unit"
	ifacePrefix = "org.freedesktop.systemd1."
)

func strs(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func depProp(name string, d Dependency) prop {
	return prop{name, "as", func(c *propCtx) any { return strs(c.u.Deps[d].List()) }}
}

// dualTimestamp is BUS_PROPERTY_DUAL_TIMESTAMP: the realtime and
// monotonic properties, zero for a never-started unit.
func dualTimestamp(name string) []prop {
	zero := func(c *propCtx) any { return uint64(0) }
	return []prop{{name, "t", zero}, {name + "Monotonic", "t", zero}}
}

func buildUnitProps() []prop {
	p := []prop{
		{"Id", "s", func(c *propCtx) any { return c.u.ID }},
		{"Names", "as", func(c *propCtx) any { return c.u.Names.List() }},
		{"Following", "s", func(c *propCtx) any { return "" }},
	}
	for _, d := range []Dependency{Requires, Requisite, Wants, BindsTo, PartOf, Upholds, RequiredBy, RequisiteOf,
		WantedBy, BoundBy, UpheldBy, ConsistsOf, Conflicts, ConflictedBy, Before, After, OnSuccess, OnSuccessOf,
		OnFailure, OnFailureOf, Triggers, TriggeredBy, PropagatesReloadTo, ReloadPropagatedFrom, PropagatesStopTo,
		StopPropagatedFrom, JoinsNamespaceOf, SliceOf} {
		p = append(p, depProp(d.String(), d))
	}
	p = append(p,
		prop{"RequiresMountsFor", "as", func(c *propCtx) any { return strs(c.u.RequiresMountsFor) }},
		prop{"Documentation", "as", func(c *propCtx) any { return strs(c.u.Documentation) }},
		prop{"Description", "s", func(c *propCtx) any {
			if c.u.Description == "" {
				return c.u.ID
			}
			return c.u.Description
		}},
		prop{"AccessSELinuxContext", "s", func(c *propCtx) any { return "" }},
		prop{"LoadState", "s", func(c *propCtx) any { return string(c.u.LoadState) }},
		prop{"ActiveState", "s", func(c *propCtx) any { return "inactive" }},
		prop{"FreezerState", "s", func(c *propCtx) any { return "running" }},
		prop{"SubState", "s", func(c *propCtx) any { return "dead" }},
		prop{"FragmentPath", "s", func(c *propCtx) any { return c.u.FragmentPath }},
		prop{"SourcePath", "s", func(c *propCtx) any { return c.u.SourcePath }},
		prop{"DropInPaths", "as", func(c *propCtx) any { return strs(c.u.DropInPaths) }},
		prop{"UnitFileState", "s", func(c *propCtx) any { return c.unitFileState() }},
		prop{"UnitFilePreset", "s", func(c *propCtx) any { return c.unitFilePreset() }},
	)
	for _, n := range []string{"StateChangeTimestamp", "InactiveExitTimestamp", "ActiveEnterTimestamp", "ActiveExitTimestamp", "InactiveEnterTimestamp"} {
		p = append(p, dualTimestamp(n)...)
	}
	p = append(p,
		prop{"CanStart", "b", func(c *propCtx) any { return c.canStart() && !c.u.RefuseManualStart }},
		prop{"CanStop", "b", func(c *propCtx) any { return c.canStop() && !c.u.RefuseManualStop }},
		prop{"CanReload", "b", func(c *propCtx) any { return c.canReload() }},
		prop{"CanIsolate", "b", func(c *propCtx) any { return c.canStart() && c.u.AllowIsolate && !c.u.RefuseManualStart }},
		prop{"CanClean", "as", func(c *propCtx) any { return c.canClean() }},
		prop{"CanFreeze", "b", func(c *propCtx) any { return c.l.canFreeze(c.u, 0) }},
		prop{"Job", "(uo)", func(c *propCtx) any { return JobValue{0, "/"} }},
		prop{"StopWhenUnneeded", "b", func(c *propCtx) any { return c.u.StopWhenUnneeded }},
		prop{"RefuseManualStart", "b", func(c *propCtx) any { return c.u.RefuseManualStart }},
		prop{"RefuseManualStop", "b", func(c *propCtx) any { return c.u.RefuseManualStop }},
		prop{"AllowIsolate", "b", func(c *propCtx) any { return c.u.AllowIsolate }},
		prop{"DefaultDependencies", "b", func(c *propCtx) any { return c.u.DefaultDependencies }},
		prop{"OnSuccessJobMode", "s", func(c *propCtx) any { return c.u.OnSuccessJobMode }},
		prop{"OnFailureJobMode", "s", func(c *propCtx) any { return c.u.OnFailureJobMode }},
		prop{"IgnoreOnIsolate", "b", func(c *propCtx) any { return c.u.IgnoreOnIsolate }},
		prop{"NeedDaemonReload", "b", func(c *propCtx) any { return c.needDaemonReload() }},
		prop{"Markers", "as", func(c *propCtx) any { return []string{} }},
		prop{"JobTimeoutUSec", "t", func(c *propCtx) any { return c.u.JobTimeout }},
		prop{"JobRunningTimeoutUSec", "t", func(c *propCtx) any { return c.u.JobRunningTimeout }},
		prop{"JobTimeoutAction", "s", func(c *propCtx) any { return c.u.JobTimeoutAction }},
		prop{"JobTimeoutRebootArgument", "s", func(c *propCtx) any { return c.u.JobTimeoutRebootArgument }},
		prop{"ConditionResult", "b", func(c *propCtx) any { return false }},
		prop{"AssertResult", "b", func(c *propCtx) any { return false }},
	)
	p = append(p, dualTimestamp("ConditionTimestamp")...)
	p = append(p, dualTimestamp("AssertTimestamp")...)
	p = append(p,
		prop{"Conditions", "a(sbbsi)", func(c *propCtx) any { return conditionValues(c.u.Conditions) }},
		prop{"Asserts", "a(sbbsi)", func(c *propCtx) any { return conditionValues(c.u.Asserts) }},
		prop{"LoadError", "(ss)", func(c *propCtx) any { return loadError(c.u) }},
		prop{"Transient", "b", func(c *propCtx) any { return c.u.Transient }},
		prop{"Perpetual", "b", func(c *propCtx) any { return c.u.Perpetual }},
		prop{"StartLimitIntervalUSec", "t", func(c *propCtx) any { return c.u.StartLimitInterval }},
		prop{"StartLimitBurst", "u", func(c *propCtx) any { return c.u.StartLimitBurst }},
		prop{"StartLimitAction", "s", func(c *propCtx) any { return c.u.StartLimitAction }},
		prop{"FailureAction", "s", func(c *propCtx) any { return c.u.FailureAction }},
		prop{"FailureActionExitStatus", "i", func(c *propCtx) any { return c.u.FailureActionExitStatus }},
		prop{"SuccessAction", "s", func(c *propCtx) any { return c.u.SuccessAction }},
		prop{"SuccessActionExitStatus", "i", func(c *propCtx) any { return c.u.SuccessActionExitStatus }},
		prop{"RebootArgument", "s", func(c *propCtx) any { return c.u.RebootArgument }},
		prop{"InvocationID", "ay", func(c *propCtx) any { return []byte{} }},
		prop{"CollectMode", "s", func(c *propCtx) any { return c.u.CollectMode }},
		prop{"Refs", "as", func(c *propCtx) any { return []string{} }},
		prop{"ActivationDetails", "a(ss)", func(c *propCtx) any { return []StringPair{} }},
	)
	return p
}

func conditionValues(l []Condition) []ConditionValue {
	out := []ConditionValue{}
	for _, c := range l {
		out = append(out, ConditionValue{Type: c.Type, Trigger: c.Trigger, Negate: c.Negate, Parameter: c.Parameter})
	}
	return out
}

// ValidateLoadState is the D-Bus error (name and message) the manager
// answers with when asked to act on a unit that did not load; empty
// strings when it loaded.
func (u *Unit) ValidateLoadState() (name, message string) {
	p := loadError(u)
	return p.A, p.B
}

// loadError is bus_unit_validate_load_state's error as a pair.
// LoadErrorOf is the LoadError property: the D-Bus error name and
// message 252 answers for a unit in u's load state (none if loaded).
func LoadErrorOf(u *Unit) StringPair { return loadError(u) }

func loadError(u *Unit) StringPair {
	switch u.LoadState {
	case Loaded:
		return StringPair{}
	case LoadNotFound:
		return StringPair{"org.freedesktop.systemd1.NoSuchUnit", "Unit " + u.ID + " not found."}
	case LoadBadSetting:
		return StringPair{"org.freedesktop.systemd1.BadUnitSetting", "Unit " + u.ID + " has a bad unit file setting."}
	case LoadMasked:
		return StringPair{"org.freedesktop.systemd1.UnitMasked", "Unit " + u.ID + " is masked."}
	case LoadError:
		name := "org.freedesktop.DBus.Error.Failed"
		msg := "Unit " + u.ID + " failed to load properly, please adjust/correct and reload service manager"
		if u.LoadErr != nil {
			msg += ": " + strerror(u.LoadErr)
			if e := errnoDBusName(u.LoadErr); e != "" {
				name = e
			}
		}
		return StringPair{name, msg}
	}
	return StringPair{"org.freedesktop.systemd1.NoSuchUnit", "Unexpected load state of unit " + u.ID}
}

// needDaemonReload is unit_need_daemon_reload for files that have not
// changed since loading: a source file (SourcePath=) that does not exist
// asks for a reload.
func (c *propCtx) needDaemonReload() bool {
	p := c.u.SourcePath
	if p == "" || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/") || p == "/proc" || p == "/sys" {
		return false
	}
	exists := c.l.Exists
	if exists == nil {
		exists = func(p string) bool {
			_, err := os.Stat(p)
			return err == nil
		}
	}
	return !exists(p)
}

func (c *propCtx) typeSupported() bool {
	switch c.u.Type {
	case unitname.Automount:
		return c.d.AutomountSupported
	case unitname.Swap:
		return c.d.SwapSupported
	case unitname.Device:
		return false
	}
	return true
}

func (c *propCtx) canStart() bool {
	return c.u.LoadState == Loaded && c.typeSupported() && c.u.Type != unitname.Device
}

func (c *propCtx) canStop() bool {
	return c.typeSupported() && !c.u.Perpetual && c.u.Type != unitname.Device
}

func (c *propCtx) canReload() bool {
	switch c.u.Type {
	case unitname.Service:
		return len(c.u.Service.Exec[ExecReload]) > 0
	case unitname.Mount:
		return true
	}
	return c.u.Deps[PropagatesReloadTo].Len() > 0
}

var cleanNames = [dirMax]string{"runtime", "state", "cache", "logs", "configuration"}

func (c *propCtx) canClean() []string {
	out := []string{}
	if c.u.LoadState != Loaded {
		return out
	}
	switch c.u.Type {
	case unitname.Service, unitname.Socket, unitname.Mount, unitname.Swap:
		for i, d := range c.u.Exec.Directories {
			if len(d.Items) > 0 {
				out = append(out, cleanNames[i])
			}
		}
	case unitname.Timer:
		if c.u.Timer.Persistent {
			out = append(out, "state")
		}
	}
	return out
}

// unitFileState is the unit's enablement state, asked of
// Loader.UnitFileState by the name of its file; without that, what the
// unit's own [Install] section implies for a file no symlink enables.
func (c *propCtx) unitFileState() string {
	u := c.u
	if u.FragmentPath == "" {
		return ""
	}
	if c.l.UnitFileState != nil {
		return c.l.UnitFileState(path.Base(u.FragmentPath))
	}
	switch {
	case u.LoadState == LoadMasked:
		return "masked"
	case len(u.Install.Alias) > 0 || len(u.Install.WantedBy) > 0 || len(u.Install.RequiredBy) > 0:
		return "disabled"
	case len(u.Install.Also) > 0:
		return "indirect"
	}
	return "static"
}

// unitFilePreset is what the preset policy says of the unit's file.
func (c *propCtx) unitFilePreset() string {
	if c.u.FragmentPath == "" || c.d.Presets == nil {
		return ""
	}
	if c.d.Presets(path.Base(c.u.FragmentPath)) {
		return "enabled"
	}
	return "disabled"
}

// Properties are the unit's D-Bus interfaces and properties, in the
// order systemd 252's GetAll returns them.
func (l *Loader) Properties(u *Unit) []Interface {
	return l.PropertiesWith(u, nil)
}

// PropertiesWith is Properties with a running manager's view: runtime
// values (ActiveState, MainPID, timestamps, ...) by property name replace
// the values of a unit that never ran.
func (l *Loader) PropertiesWith(u *Unit, runtime map[string]any) []Interface {
	c := &propCtx{u: u, d: l.Defaults, l: l}
	var ifaces []Interface
	if typed := typeProps(u.Type); typed != nil {
		ifaces = append(ifaces, Interface{Name: ifacePrefix + typeIfaceName(u.Type), Properties: evaluate(c, typed, runtime)})
	}
	ifaces = append(ifaces, Interface{Name: ifaceUnit, Properties: evaluate(c, unitProps(), runtime)})
	return ifaces
}

// PropertyNames are the interfaces of a unit of type t and their
// properties' names and signatures, without values, in PropertiesWith's
// order.
func PropertyNames(t unitname.Type) []Interface {
	names := func(table []prop) []Property {
		out := make([]Property, len(table))
		for i, p := range table {
			out[i] = Property{Name: p.name, Signature: p.sig}
		}
		return out
	}
	var ifaces []Interface
	if typed := typeProps(t); typed != nil {
		ifaces = append(ifaces, Interface{Name: ifacePrefix + typeIfaceName(t), Properties: names(typed)})
	}
	return append(ifaces, Interface{Name: ifaceUnit, Properties: names(unitProps())})
}

// PropertyOrder maps each property of a unit of type t to its position
// in 252's GetAll and introspection: the type's interface, then Unit's.
func PropertyOrder(t unitname.Type) map[string]int {
	order := map[string]int{}
	for _, tab := range []*propTable{typePropTable(t), unitPropTable()} {
		if tab == nil {
			continue
		}
		for _, p := range tab.list {
			if _, dup := order[p.name]; !dup {
				order[p.name] = len(order)
			}
		}
	}
	return order
}

// PropertyValue is one property of PropertiesWith (interface iface),
// computed alone: what a Get or a PropertiesChanged signal needs.
func (l *Loader) PropertyValue(u *Unit, runtime map[string]any, iface, name string) (any, bool) {
	t := unitPropTable()
	if iface != ifaceUnit {
		if iface != ifacePrefix+typeIfaceName(u.Type) {
			return nil, false
		}
		if t = typePropTable(u.Type); t == nil {
			return nil, false
		}
	}
	i, ok := t.lookup(name)
	if !ok {
		return nil, false
	}
	if v, ok := runtimeValue(runtime, name); ok {
		return v, true
	}
	return t.list[i].get(&propCtx{u: u, d: l.Defaults, l: l}), true
}

// LazyValue is a runtime value computed only when asked for (reading a
// cgroup's files, say); ok false means the unit's configured value.
type LazyValue func() (v any, ok bool)

func runtimeValue(runtime map[string]any, name string) (any, bool) {
	v, ok := runtime[name]
	if lazy, isLazy := v.(LazyValue); isLazy {
		return lazy()
	}
	return v, ok
}

// propTable is a property table with its positions sorted by name (a
// slice of 2-byte positions rather than a map: a tenth of the memory),
// built once.
type propTable struct {
	list   []prop
	byName []uint16
}

func newPropTable(list []prop) *propTable {
	if list == nil {
		return nil
	}
	t := &propTable{list: list, byName: make([]uint16, len(list))}
	for i := range list {
		t.byName[i] = uint16(i)
	}
	slices.SortStableFunc(t.byName, func(a, b uint16) int { return strings.Compare(list[a].name, list[b].name) })
	return t
}

// lookup is the position in list of the last property called name (a
// table may list a name twice; the later entry is the one that counts).
func (t *propTable) lookup(name string) (int, bool) {
	at, ok := slices.BinarySearchFunc(t.byName, name, func(i uint16, name string) int { return strings.Compare(t.list[i].name, name) })
	if !ok {
		return 0, false
	}
	for at+1 < len(t.byName) && t.list[t.byName[at+1]].name == name {
		at++
	}
	return int(t.byName[at]), true
}

var (
	unitPropTable  = sync.OnceValue(func() *propTable { return newPropTable(buildUnitProps()) })
	typePropTables = func() map[unitname.Type]func() *propTable {
		m := map[unitname.Type]func() *propTable{}
		for _, t := range unitname.Types() {
			m[t] = sync.OnceValue(func() *propTable { return newPropTable(buildTypeProps(t)) })
		}
		return m
	}()
)

func typePropTable(t unitname.Type) *propTable {
	if f := typePropTables[t]; f != nil {
		return f()
	}
	return nil
}

// unitProps is the Unit interface's property table.
func unitProps() []prop { return unitPropTable().list }

// typeProps is the type-specific interface's table, nil if none.
func typeProps(t unitname.Type) []prop {
	if pt := typePropTable(t); pt != nil {
		return pt.list
	}
	return nil
}

func evaluate(c *propCtx, table []prop, runtime map[string]any) []Property {
	out := make([]Property, 0, len(table))
	for _, p := range table {
		v, ok := runtimeValue(runtime, p.name)
		if !ok {
			v = p.get(c)
		}
		out = append(out, Property{Name: p.name, Signature: p.sig, Value: v})
	}
	return out
}

func typeIfaceName(t unitname.Type) string {
	s := t.String()
	return string(s[0]-'a'+'A') + s[1:]
}

func sortedStrings(l []string) []string {
	out := append([]string{}, l...)
	sort.Strings(out)
	return out
}

// canFreeze is unit_can_freeze: services and scopes can be frozen, and a
// slice when every unit in it can.
func (l *Loader) canFreeze(u *Unit, depth int) bool {
	switch u.Type {
	case unitname.Service, unitname.Scope:
		return true
	case unitname.Slice:
		if depth > 64 {
			return false
		}
		for _, name := range u.Deps[SliceOf].List() {
			m := l.units[name]
			if m == nil || !l.canFreeze(m, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
