// Package unitprop turns "Name=value" assignments into the (sv) pairs
// that SetUnitProperties and StartTransientUnit take, as systemd 252's
// bus_append_unit_property_assignment does for systemctl set-property
// and systemd-run: the same names per unit type, the same D-Bus names and
// types, and the same messages when an assignment is refused.
package unitprop

import (
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/condition"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// Property is one (sv) of the a(sv) the manager takes.
type Property struct {
	Name  string
	Value dbus.Variant
}

// Error is a refused assignment: Msg is what 252 logs, Errno what it
// returns.
type Error struct {
	Msg   string
	Errno syscall.Errno
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Errno }

func fail(errno syscall.Errno, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Errno: errno}
}

// failErr is log_error_errno(r, format ": %m"): format's text, then the
// errno's.
func failErr(err error, format string, args ...any) error {
	e := errnoOf(err)
	return &Error{Msg: fmt.Sprintf(format, args...) + ": " + value.Strerror(e), Errno: e}
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if x, ok := err.(syscall.Errno); ok {
		return x
	}
	if u, ok := err.(interface{ Unwrap() error }); ok {
		if x, ok := u.Unwrap().(syscall.Errno); ok {
			e = x
		}
	}
	if e == 0 {
		e = syscall.EINVAL
	}
	return e
}

// Unit types whose properties the tables know, as unit name suffixes.
const (
	Service   = "service"
	Socket    = "socket"
	Target    = "target"
	Device    = "device"
	Mount     = "mount"
	Automount = "automount"
	Swap      = "swap"
	Timer     = "timer"
	Path      = "path"
	Slice     = "slice"
	Scope     = "scope"
)

// appender is one of 252's bus_append_*_property: ok false when it does
// not know field.
type appender func(a *assign) (ok bool, err error)

// groups are the appenders tried for each unit type, before the unit's.
var groups = map[string][]appender{
	Service:   {cgroupProperty, executeProperty, killProperty, serviceProperty},
	Socket:    {cgroupProperty, executeProperty, killProperty, socketProperty},
	Timer:     {timerProperty},
	Path:      {pathProperty},
	Slice:     {cgroupProperty},
	Scope:     {cgroupProperty, killProperty, scopeProperty},
	Mount:     {cgroupProperty, executeProperty, killProperty, mountProperty},
	Automount: {automountProperty},
	Target:    nil,
	Device:    nil,
	Swap:      nil,
}

// assign is one assignment being converted.
type assign struct {
	field, eq string
	out       []Property
}

func (a *assign) add(name string, v any) {
	a.out = append(a.out, Property{Name: name, Value: dbus.MakeVariant(v)})
}

// Append converts one assignment for a unit of type unitType (a unit
// name suffix without the dot) and appends its properties to props.
func Append(props []Property, unitType, assignment string) ([]Property, error) {
	field, eq, ok := strings.Cut(assignment, "=")
	if !ok {
		return props, fail(syscall.EINVAL, "Not an assignment: %s", assignment)
	}
	apps, known := groups[unitType]
	if !known {
		return props, fail(syscall.EINVAL, "Invalid unit type: %s", unitType)
	}
	a := &assign{field: field, eq: eq}
	for _, f := range append(apps, unitProperty) {
		ok, err := f(a)
		if err != nil {
			return props, err
		}
		if ok {
			for _, p := range a.out {
				if !validUTF8(reflect.ValueOf(p.Value.Value())) {
					return props, fail(syscall.EINVAL, "Failed to create bus message: %s", value.Strerror(syscall.EINVAL))
				}
			}
			return append(props, a.out...), nil
		}
	}
	return props, fail(syscall.EINVAL, "Unknown assignment: %s", assignment)
}

// AppendMany is bus_append_unit_property_assignment_many.
func AppendMany(props []Property, unitType string, assignments []string) ([]Property, error) {
	for _, s := range assignments {
		var err error
		if props, err = Append(props, unitType, s); err != nil {
			return props, err
		}
	}
	return props, nil
}

// validUTF8 says whether every string in v is UTF-8 without NUL, as
// sd-bus requires.
func validUTF8(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String()) && !strings.Contains(v.String(), "\x00")
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if !validUTF8(v.Index(i)) {
				return false
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if !validUTF8(v.Field(i)) {
				return false
			}
		}
	}
	return true
}

func in(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// The shapes 252 appends values in.

func (a *assign) str() (bool, error) { a.add(a.field, a.eq); return true, nil }

func (a *assign) boolean() (bool, error) {
	b, err := value.ParseBoolean(a.eq)
	if err != nil {
		return true, fail(syscall.EINVAL, "Failed to parse %s: %s", a.field, a.eq)
	}
	a.add(a.field, b)
	return true, nil
}

// enumInt is DEFINE_BUS_APPEND_PARSE("i", ...): a lookup whose failure
// names no errno.
func (a *assign) enumInt(parse func(string) (int, error)) (bool, error) {
	v, err := parse(a.eq)
	if err != nil {
		return true, fail(syscall.EINVAL, "Failed to parse %s: %s", a.field, a.eq)
	}
	a.add(a.field, int32(v))
	return true, nil
}

// parsed is DEFINE_BUS_APPEND_PARSE_PTR: the parser's errno is printed.
func (a *assign) parsed(v any, err error) (bool, error) {
	if err != nil {
		return true, failErr(err, "Failed to parse %s=%s", a.field, a.eq)
	}
	a.add(a.field, v)
	return true, nil
}

func (a *assign) atou() (bool, error) {
	v, err := value.SafeAtou(a.eq)
	return a.parsed(v, err)
}

func (a *assign) atoi() (bool, error) {
	v, err := value.SafeAtoi(a.eq)
	return a.parsed(v, err)
}

func (a *assign) atou64() (bool, error) {
	v, err := value.SafeAtou64(a.eq)
	return a.parsed(v, err)
}

func (a *assign) atoi64() (bool, error) {
	v, err := value.SafeAtoi64(a.eq)
	return a.parsed(v, err)
}

func (a *assign) mode() (bool, error) {
	v, err := value.ParseMode(a.eq)
	return a.parsed(v, err)
}

func (a *assign) strv(flags unitfile.ExtractFlags) (bool, error) {
	return a.strvAs(a.field, flags)
}

func (a *assign) strvAs(name string, flags unitfile.ExtractFlags) (bool, error) {
	words, err := value.Split(a.eq, flags)
	if err != nil {
		return true, fail(errnoOf(err), "Invalid syntax: %s", a.eq)
	}
	if words == nil {
		words = []string{}
	}
	a.add(name, words)
	return true, nil
}

// secRename is bus_append_parse_sec_rename: "...Sec" goes as "...USec".
func (a *assign) secRename(field string) (bool, error) {
	t, err := value.ParseSec(a.eq)
	if err != nil {
		return true, failErr(err, "Failed to parse %s=%s", field, a.eq)
	}
	a.add(strings.TrimSuffix(field, "Sec")+"USec", t)
	return true, nil
}

func (a *assign) size(base uint64) (bool, error) {
	v, err := value.ParseSize(a.eq, base)
	return a.parsed(v, err)
}

type pathValue struct{ A, B string }
type pathNumber struct {
	A string
	B uint64
}

// unitProperty is bus_append_unit_property, tried for every unit type.
func unitProperty(a *assign) (bool, error) {
	f := a.field
	switch {
	case in(f, "Description", "SourcePath", "OnFailureJobMode", "JobTimeoutAction", "JobTimeoutRebootArgument",
		"StartLimitAction", "FailureAction", "SuccessAction", "RebootArgument", "CollectMode"):
		return a.str()
	case in(f, "StopWhenUnneeded", "RefuseManualStart", "RefuseManualStop", "AllowIsolate", "IgnoreOnIsolate",
		"DefaultDependencies"):
		return a.boolean()
	case in(f, "JobTimeoutSec", "JobRunningTimeoutSec", "StartLimitIntervalSec"):
		return a.secRename(f)
	case f == "StartLimitBurst":
		return a.atou()
	case in(f, "SuccessActionExitStatus", "FailureActionExitStatus"):
		if a.eq == "" {
			a.add(f, int32(-1))
			return true, nil
		}
		u, err := value.SafeAtou8(a.eq)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s=%s", f, a.eq)
		}
		a.add(f, int32(u))
		return true, nil
	case in(f, dependencies...) || in(f, "Documentation", "RequiresMountsFor", "Markers"):
		return a.strv(unitfile.ExtractUnquote)
	}
	if _, assert, ok := condition.ParseName(f); ok {
		name := "Conditions"
		if assert {
			name = "Asserts"
		}
		type cond struct {
			Type            string
			Trigger, Negate bool
			Parameter       string
		}
		if a.eq == "" {
			a.add(name, []cond{})
			return true, nil
		}
		p := a.eq
		trigger := strings.HasPrefix(p, "|")
		if trigger {
			p = p[1:]
		}
		negate := strings.HasPrefix(p, "!")
		if negate {
			p = p[1:]
		}
		a.add(name, []cond{{f, trigger, negate, p}})
		return true, nil
	}
	return false, nil
}

// dependencies are 252's unit dependency names.
var dependencies = []string{
	"Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds", "RequiredBy", "RequisiteOf",
	"WantedBy", "BoundBy", "UpheldBy", "ConsistsOf", "Conflicts", "ConflictedBy", "Before", "After",
	"OnSuccess", "OnSuccessOf", "OnFailure", "OnFailureOf", "Triggers", "TriggeredBy",
	"PropagatesReloadTo", "ReloadPropagatedFrom", "PropagatesStopTo", "StopPropagatedFrom",
	"JoinsNamespaceOf", "References", "ReferencedBy", "InSlice", "SliceOf",
}

// killProperty is bus_append_kill_property.
func killProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case f == "KillMode":
		return a.str()
	case in(f, "SendSIGHUP", "SendSIGKILL"):
		return a.boolean()
	case in(f, "KillSignal", "RestartKillSignal", "FinalKillSignal", "WatchdogSignal"):
		return a.enumInt(value.SignalFromString)
	}
	return false, nil
}

// scopeProperty is bus_append_scope_property.
func scopeProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case in(f, "RuntimeMaxSec", "RuntimeRandomizedExtraSec", "TimeoutStopSec"):
		return a.secRename(f)
	case in(f, "User", "Group", "OOMPolicy"):
		return a.str()
	}
	return false, nil
}

// automountProperty is bus_append_automount_property.
func automountProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case in(f, "Where", "ExtraOptions"):
		return a.str()
	case f == "DirectoryMode":
		return a.mode()
	case f == "TimeoutIdleSec":
		return a.secRename(f)
	}
	return false, nil
}

// mountProperty is bus_append_mount_property.
func mountProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case in(f, "What", "Where", "Options", "Type"):
		return a.str()
	case f == "TimeoutSec":
		return a.secRename(f)
	case f == "DirectoryMode":
		return a.mode()
	case in(f, "SloppyOptions", "LazyUnmount", "ForceUnmount", "ReadwriteOnly"):
		return a.boolean()
	}
	return false, nil
}

// pathProperty is bus_append_path_property.
func pathProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case f == "MakeDirectory":
		return a.boolean()
	case f == "DirectoryMode":
		return a.mode()
	case in(f, "PathExists", "PathExistsGlob", "PathChanged", "PathModified", "DirectoryNotEmpty"):
		if a.eq == "" {
			a.add("Paths", []pathValue{})
		} else {
			a.add("Paths", []pathValue{{f, a.eq}})
		}
		return true, nil
	case f == "TriggerLimitBurst":
		return a.atou()
	case f == "TriggerLimitIntervalSec":
		return a.secRename(f)
	}
	return false, nil
}

// timerProperty is bus_append_timer_property.
func timerProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case in(f, "WakeSystem", "RemainAfterElapse", "Persistent", "OnTimezoneChange", "OnClockChange",
		"FixedRandomDelay"):
		return a.boolean()
	case in(f, "AccuracySec", "RandomizedDelaySec"):
		return a.secRename(f)
	case in(f, "OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec"):
		if a.eq == "" {
			a.add("TimersMonotonic", []pathNumber{})
			return true, nil
		}
		t, err := value.ParseSec(a.eq)
		if err != nil {
			return true, failErr(err, "Failed to parse %s=%s", f, a.eq)
		}
		a.add("TimersMonotonic", []pathNumber{{f, t}})
		return true, nil
	case f == "OnCalendar":
		if a.eq == "" {
			a.add("TimersCalendar", []pathValue{})
		} else {
			a.add("TimersCalendar", []pathValue{{f, a.eq}})
		}
		return true, nil
	}
	return false, nil
}

// socketProperty is bus_append_socket_property.
func socketProperty(a *assign) (bool, error) {
	switch f := a.field; {
	case in(f, "Accept", "FlushPending", "Writable", "KeepAlive", "NoDelay", "FreeBind", "Transparent",
		"Broadcast", "PassCredentials", "PassSecurity", "PassPacketInfo", "ReusePort", "RemoveOnStop",
		"SELinuxContextFromNet"):
		return a.boolean()
	case in(f, "Priority", "IPTTL", "Mark"):
		return a.atoi()
	case f == "IPTOS":
		return a.enumInt(fallbackLookup(ipTOS, 0xff))
	case in(f, "Backlog", "MaxConnections", "MaxConnectionsPerSource", "KeepAliveProbes", "TriggerLimitBurst"):
		return a.atou()
	case in(f, "SocketMode", "DirectoryMode"):
		return a.mode()
	case in(f, "MessageQueueMaxMessages", "MessageQueueMessageSize"):
		return a.atoi64()
	case in(f, "TimeoutSec", "KeepAliveTimeSec", "KeepAliveIntervalSec", "DeferAcceptSec", "TriggerLimitIntervalSec"):
		return a.secRename(f)
	case in(f, "ReceiveBuffer", "SendBuffer", "PipeSize"):
		return a.size(1024)
	case in(f, "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStopPost"):
		return a.execCommand()
	case in(f, "SmackLabel", "SmackLabelIPIn", "SmackLabelIPOut", "TCPCongestion", "BindToDevice", "BindIPv6Only",
		"FileDescriptorName", "SocketUser", "SocketGroup", "Timestamping"):
		return a.str()
	case f == "Symlinks":
		return a.strv(unitfile.ExtractUnquote)
	case f == "SocketProtocol":
		return a.enumInt(parseIPProtocol)
	case in(f, "ListenStream", "ListenDatagram", "ListenSequentialPacket", "ListenNetlink", "ListenSpecial",
		"ListenMessageQueue", "ListenFIFO", "ListenUSBFunction"):
		if a.eq == "" {
			a.add("Listen", []pathValue{})
		} else {
			a.add("Listen", []pathValue{{strings.TrimPrefix(f, "Listen"), a.eq}})
		}
		return true, nil
	}
	return false, nil
}

// unsupported refuses a setting 252 converts but we do not yet.
func unsupported(field string) error {
	return fail(syscall.EOPNOTSUPP, "Setting %s= from the command line is not supported yet.", field)
}
