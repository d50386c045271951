package dbusapi

import (
	"fmt"
	"math"
	"path"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/bus"
	"gosystemd/impl/condition"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

// propAssignment is one (sv) of a property list.
type propAssignment struct {
	Name  string
	Value dbus.Variant
}

// propTarget is what converting properties needs to know of the unit.
type propTarget struct {
	t  unitname.Type
	id string
	// creating: a transient unit being set up (252's load state stub),
	// which takes the settings fixed after creation too.
	creating bool
	// deviceAllow and ioWeights are the unit's lists now, which
	// DeviceAllow= and IODeviceWeight= add to.
	deviceAllow []unit.DeviceAllow
	ioWeights   []unit.DeviceWeight
	ioLimits    []unit.DeviceLimit
	ipAllow     value.IPPrefixSet
	ipDeny      value.IPPrefixSet
	ioLatencies []unit.DeviceWeight
	ingress     []string
	egress      []string
	bindAllow   []unit.SocketBindItem
	bindDeny    []unit.SocketBindItem
	blkWeights  []unit.DeviceWeight
	blkLimits   []unit.BlockIOBandwidth
	bpf         []unit.BPFProgram
}

// propResult is a converted property list: the settings to write, and
// what a scope being created is to do besides.
type propResult struct {
	settings   []manager.Setting
	pids       []uint32 // 0 stands for the caller
	controller string
	addRef     bool
	// rlimits are the soft and hard limits set so far, by resource.
	rlimits map[string]*[2]uint64
	// markers are the Markers assignments, in order.
	markers []markerChange
	// groups, deviceAllow and ioWeights are the lists as the
	// assignments so far left them, which 252 writes whole.
	groups      []string
	deviceAllow []unit.DeviceAllow
	ioWeights   []unit.DeviceWeight
	ioLimits    []unit.DeviceLimit
	ipAllow     value.IPPrefixSet
	ipDeny      value.IPPrefixSet
	ioLatencies []unit.DeviceWeight
	ingress     []string
	egress      []string
	bindAllow   []unit.SocketBindItem
	bindDeny    []unit.SocketBindItem
	blkWeights  []unit.DeviceWeight
	blkLimits   []unit.BlockIOBandwidth
	bpf         []unit.BPFProgram
	// searchPath is ExecSearchPath= so far.
	searchPath []string
	// envFiles are the EnvironmentFile= entries so far.
	envFiles []string
	// stdinData is the size of StandardInputData= so far.
	stdinData int
	// stdio are the StandardInput/Output/ErrorFileDescriptor fds, as
	// numbers in the call (still the call's), -1 where not given.
	stdio [3]int
}

// markerChange is one Markers= assignment: the markers set and the ones
// it speaks of (all, if absolute).
type markerChange struct {
	set, mask manager.Markers
	absolute  bool
}

var (
	errUnexpected = bus.Errorf("System.Error.ENXIO", "Failed to set unit properties: Unexpected message contents")
	errInvalidArg = bus.Errorf(bus.ErrNameInvalidArgs, "Failed to set unit properties: Invalid argument")
	errTooBig     = bus.Errorf("System.Error.E2BIG", "Failed to set unit properties: Argument list too long")
)

func invalidArgs(format string, args ...any) error {
	return bus.Errorf(bus.ErrNameInvalidArgs, format, args...)
}

// propList reads an a(sv) argument; nil if it is not one.
func propList(v any) ([]propAssignment, bool) {
	rows, ok := v.([][]any)
	if !ok {
		return nil, false
	}
	out := make([]propAssignment, 0, len(rows))
	for _, r := range rows {
		if len(r) != 2 {
			return nil, false
		}
		name, ok1 := r[0].(string)
		val, ok2 := r[1].(dbus.Variant)
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, propAssignment{name, val})
	}
	return out, true
}

// cgroupTypes have a cgroup context, and take its properties.
var cgroupTypes = map[unitname.Type]bool{
	unitname.Service: true, unitname.Scope: true, unitname.Slice: true,
	unitname.Socket: true, unitname.Mount: true, unitname.Swap: true,
}

// pair is one row of an a(XY) property value.
type pair[A, B any] struct {
	first  A
	second B
}

// pairRows decodes an array of two-field structs whose fields are A and
// B (a(ss), a(st), a(say), …); false if the value has another shape.
func pairRows[A, B any](v any) ([]pair[A, B], bool) {
	rows, ok := v.([][]any)
	if !ok {
		return nil, false
	}
	out := make([]pair[A, B], 0, len(rows))
	for _, r := range rows {
		if len(r) != 2 {
			return nil, false
		}
		a, ok1 := r[0].(A)
		b, ok2 := r[1].(B)
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, pair[A, B]{a, b})
	}
	return out, true
}

// convertProperties is the checking pass of 252's bus_unit_set_properties
// together with the text unit_write_setting would write for each
// property: it fails on the first property 252 refuses, with 252's
// error.
func convertProperties(tg propTarget, props []propAssignment) (*propResult, error) {
	out := &propResult{stdio: [3]int{-1, -1, -1}}
	for _, p := range props {
		w := &propWriter{tg: tg, name: p.Name, v: p.Value.Value(), out: out}
		handled, err := w.dispatch()
		if err != nil {
			return nil, err
		}
		if !handled {
			return nil, bus.Errorf(bus.ErrNamePropertyReadOnly, "Cannot set property %s, or unknown property.", p.Name)
		}
	}
	return out, nil
}

// propWriter converts one property.
type propWriter struct {
	tg   propTarget
	name string
	v    any
	out  *propResult
}

func (w *propWriter) dispatch() (bool, error) {
	steps := []func() (bool, error){}
	if cgroupTypes[w.tg.t] {
		steps = append(steps, w.cgroup)
	}
	if w.tg.creating {
		switch w.tg.t {
		case unitname.Service:
			steps = append(steps, w.service, w.exec, w.kill)
		case unitname.Scope:
			steps = append(steps, w.scope, w.kill, w.scopeUser)
		case unitname.Timer:
			steps = append(steps, w.timer)
		case unitname.Path:
			steps = append(steps, w.pathUnit)
		case unitname.Socket:
			steps = append(steps, w.socket, w.exec, w.kill)
		case unitname.Mount:
			steps = append(steps, w.mountUnit, w.exec, w.kill)
		case unitname.Automount:
			steps = append(steps, w.automountUnit)
		}
		steps = append(steps, w.unitTransient)
	}
	steps = append(steps, w.live)
	for _, s := range steps {
		if ok, err := s(); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// write records one setting of the [Unit] section (private false) or the
// type's own.
func (w *propWriter) write(private bool, name, text string) {
	w.out.settings = append(w.out.settings, manager.Setting{Private: private, Name: name, Text: text})
}

func (w *propWriter) str() (string, error) {
	s, ok := w.v.(string)
	if !ok {
		return "", errUnexpected
	}
	return s, nil
}

func (w *propWriter) boolean() (bool, error) {
	b, ok := w.v.(bool)
	if !ok {
		return false, errUnexpected
	}
	return b, nil
}

func (w *propWriter) u64() (uint64, error) {
	n, ok := w.v.(uint64)
	if !ok {
		return 0, errUnexpected
	}
	return n, nil
}

// environmentList writes Environment=-style lists: checked by valid,
// each entry quoted and escaped; an empty list resets the setting.
func (w *propWriter) environmentList(valid func([]string) bool, invalid string) error {
	l, err := w.strv()
	if err != nil {
		return err
	}
	if !valid(l) {
		return invalidArgs("%s", invalid)
	}
	if len(l) == 0 {
		w.write(true, w.name, w.name+"=")
	} else {
		w.write(true, w.name, w.name+"="+concatQuoted(l, func(s string) string { return cescape(specifierEscape(s)) }))
	}
	return nil
}

func (w *propWriter) strv() ([]string, error) {
	l, ok := w.v.([]string)
	if !ok {
		return nil, errUnexpected
	}
	return l, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// setBool is bus_set_transient_bool.
func (w *propWriter) setBool(private bool) (bool, error) {
	b, err := w.boolean()
	if err != nil {
		return true, err
	}
	w.write(private, w.name, w.name+"="+yesNo(b))
	return true, nil
}

// setUsec is bus_set_transient_usec: "FooUSec" is written "FooSec=".
func (w *propWriter) setUsec(private bool) (bool, error) {
	n, err := w.u64()
	if err != nil {
		return true, err
	}
	w.write(private, w.name, strings.TrimSuffix(w.name, "USec")+"Sec="+timeutil.FormatTimespan(timeutil.Usec(n), timeutil.Usec(1000)))
	return true, nil
}

// setUnsigned is bus_set_transient_unsigned.
func (w *propWriter) setUnsigned(private bool) (bool, error) {
	n, ok := w.v.(uint32)
	if !ok {
		return true, errUnexpected
	}
	w.write(private, w.name, fmt.Sprintf("%s=%d", w.name, n))
	return true, nil
}

// setEnum is BUS_DEFINE_SET_TRANSIENT_PARSE over a list of names.
func (w *propWriter) setEnum(private bool, names ...string) (bool, error) {
	s, err := w.str()
	if err != nil {
		return true, err
	}
	for _, n := range names {
		if n == s {
			w.write(private, w.name, w.name+"="+s)
			return true, nil
		}
	}
	return true, invalidArgs("Invalid %s setting: %s", w.name, s)
}

// setStringChecked is BUS_DEFINE_SET_TRANSIENT_STRING_WITH_CHECK.
func (w *propWriter) setStringChecked(private bool, check func(string) bool) (bool, error) {
	s, err := w.str()
	if err != nil {
		return true, err
	}
	if s != "" && !check(s) {
		return true, invalidArgs("Invalid %s setting: %s", w.name, s)
	}
	w.write(private, w.name, w.name+"="+specifierEscape(s))
	return true, nil
}

// specifierEscape doubles "%", as unit files read specifiers.
func specifierEscape(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// cescape is 252's cescape: C escapes, octal for other control bytes and
// bytes above ASCII.
func cescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		cescapeChar(&b, s[i])
	}
	return b.String()
}

func cescapeChar(b *strings.Builder, c byte) {
	switch c {
	case '\a':
		b.WriteString(`\a`)
	case '\b':
		b.WriteString(`\b`)
	case '\f':
		b.WriteString(`\f`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case '\v':
		b.WriteString(`\v`)
	case '\\':
		b.WriteString(`\\`)
	case '"':
		b.WriteString(`\"`)
	case '\'':
		b.WriteString(`\'`)
	default:
		if c < ' ' || c >= 127 {
			fmt.Fprintf(b, "\\%o%o%o", c>>6, (c>>3)&7, c&7)
		} else {
			b.WriteByte(c)
		}
	}
}

// shellEscape is 252's shell_escape(s, bad): a backslash before "\" and
// the bad characters, C escapes for control characters and invalid UTF-8.
func shellEscape(s, bad string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c < ' ' || c == 127 || (r == utf8.RuneError && size <= 1):
			cescapeChar(&b, c)
			i++
		case size == 1:
			if c == '\\' || strings.IndexByte(bad, c) >= 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// execEscape is unit_escape_setting with specifier and exec syntax
// escaping.
func execEscape(s string) string { return shellEscape(specifierEscape(s), "$;'\"") }

// concatQuoted is unit_concat_strv: each word escaped and in quotes.
func concatQuoted(l []string, escape func(string) string) string {
	var b strings.Builder
	for i, s := range l {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + escape(s) + `"`)
	}
	return b.String()
}

// live is bus_unit_set_live_property.
func (w *propWriter) live() (bool, error) {
	if w.name == "Markers" {
		return true, w.markers()
	}
	if w.name != "Description" {
		return false, nil
	}
	s, err := w.str()
	if err != nil {
		return true, err
	}
	w.write(false, w.name, "Description="+specifierEscape(s))
	return true, nil
}

// markers is the Markers live property: "+m" sets marker m, "-m" unsets
// it, words without either replace the markers (not to be mixed).
func (w *propWriter) markers() error {
	words, ok := w.v.([]string)
	if !ok {
		return errUnexpected
	}
	var c markerChange
	plusMinus := false
	for _, word := range words {
		on := true
		if strings.HasPrefix(word, "+") || strings.HasPrefix(word, "-") {
			on = word[0] == '+'
			word = word[1:]
			plusMinus = true
		} else {
			c.absolute = true
		}
		m, ok := manager.ParseMarker(word)
		if !ok {
			return bus.Errorf(errBadUnitSetting, "Unknown marker \"%s\".", word)
		}
		if on {
			c.set |= m
		} else {
			c.set &^= m
		}
		c.mask |= m
	}
	if plusMinus && c.absolute {
		return bus.Errorf(errBadUnitSetting, "Bad marker syntax.")
	}
	w.out.markers = append(w.out.markers, c)
	return nil
}

// transientDeps are the dependencies a transient unit may be created
// with; other dependency names are refused.
var transientDeps = map[string]bool{
	"Requires": true, "Requisite": true, "Wants": true, "BindsTo": true, "PartOf": true, "Upholds": true,
	"Conflicts": true, "Before": true, "After": true, "OnSuccess": true, "OnFailure": true,
	"PropagatesReloadTo": true, "ReloadPropagatedFrom": true, "PropagatesStopTo": true,
	"StopPropagatedFrom": true, "JoinsNamespaceOf": true,
}

var otherDeps = map[string]bool{
	"RequiredBy": true, "RequisiteOf": true, "WantedBy": true, "BoundBy": true, "UpheldBy": true,
	"ConsistsOf": true, "ConflictedBy": true, "OnSuccessOf": true, "OnFailureOf": true, "Triggers": true,
	"TriggeredBy": true, "References": true, "ReferencedBy": true, "InSlice": true, "SliceOf": true,
}

var jobModes = []string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "triggering"}

// unitTransient is bus_unit_set_transient_property.
func (w *propWriter) unitTransient() (bool, error) {
	switch w.name {
	case "SourcePath":
		return w.setStringChecked(false, path.IsAbs)
	case "StopWhenUnneeded", "RefuseManualStart", "RefuseManualStop", "AllowIsolate", "DefaultDependencies", "IgnoreOnIsolate":
		return w.setBool(false)
	case "OnSuccessJobMode", "OnFailureJobMode":
		return w.setEnum(false, jobModes...)
	case "StartLimitIntervalUSec":
		return w.setUsec(false)
	case "StartLimitBurst":
		return w.setUnsigned(false)
	case "CollectMode":
		return w.setEnum(false, "inactive", "inactive-or-failed")
	case "Documentation":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, u := range l {
			if !documentationURLValid(u) {
				return true, invalidArgs("Invalid URL in %s: %s", w.name, u)
			}
		}
		if len(l) == 0 {
			w.write(false, w.name, "Documentation=")
		}
		for _, u := range l {
			w.write(false, w.name, "Documentation="+u)
		}
		return true, nil
	case "Slice":
		if !cgroupTypes[w.tg.t] {
			return true, invalidArgs("The slice property is only available for units with control groups.")
		}
		if w.tg.t == unitname.Slice {
			return true, invalidArgs("Slice may not be set for slice units.")
		}
		if w.tg.id == "init.scope" {
			return true, invalidArgs("Cannot set slice for init.scope")
		}
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if !unitname.IsValid(s, unitname.Plain) {
			return true, invalidArgs("Invalid unit name '%s'", s)
		}
		if unitname.TypeOf(s) != unitname.Slice {
			return true, invalidArgs("Unit name '%s' is not a slice", s)
		}
		w.write(true, w.name, "Slice="+s)
		return true, nil
	case "RequiresMountsFor":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, p := range l {
			p = unitname.PathSimplify(p)
			switch {
			case !path.IsAbs(p):
				return true, invalidArgs("Path specified in %s is not absolute: %s", w.name, p)
			case len(p) >= 4096:
				return true, invalidArgs("Path specified in %s has invalid length: %s", w.name, p)
			case !unitname.PathIsNormalized(p):
				return true, invalidArgs("Path specified in %s is not normalized: %s", w.name, p)
			}
			w.write(false, w.name, w.name+"="+p)
		}
		return true, nil
	case "Conditions", "Asserts":
		return true, w.conditions(w.name == "Conditions")
	case "AddRef":
		b, err := w.boolean()
		if err != nil {
			return true, err
		}
		w.out.addRef = b
		return true, nil
	}
	d := w.name
	switch d {
	case "RequiresOverridable":
		d = "Requires"
	case "RequisiteOverridable":
		d = "Requisite"
	}
	if ok, err := w.unitMore(); ok || err != nil {
		return ok, err
	}
	if otherDeps[d] {
		return true, invalidArgs("Dependency type %s may not be created transiently.", d)
	}
	if !transientDeps[d] {
		return false, nil
	}
	l, err := w.strv()
	if err != nil {
		return true, err
	}
	for _, o := range l {
		if !unitname.IsValid(o, unitname.Plain|unitname.Instance) {
			return true, invalidArgs("Invalid unit name %s", o)
		}
		w.write(false, w.name+"-"+o, d+"="+o)
	}
	return true, nil
}

// documentationURLValid is documentation_url_is_valid.
func documentationURLValid(u string) bool {
	if u == "" {
		return false
	}
	for _, p := range []string{"http://", "https://", "file:/"} {
		if rest, ok := strings.CutPrefix(u, p); ok {
			return rest != "" && asciiPrintable(u)
		}
	}
	for _, p := range []string{"info:", "man:"} {
		if rest, ok := strings.CutPrefix(u, p); ok {
			return rest != "" && asciiValid(rest)
		}
	}
	return false
}

func asciiValid(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 {
			return false
		}
	}
	return true
}

func asciiPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 127 {
			return false
		}
	}
	return true
}

// service is bus_service_set_transient_property.
func (w *propWriter) service() (bool, error) {
	switch w.name {
	case "PermissionsStartOnly", "RootDirectoryStartOnly", "RemainAfterExit", "GuessMainPID":
		return w.setBool(true)
	case "Type":
		return w.setEnum(true, "simple", "exec", "forking", "oneshot", "dbus", "notify", "idle")
	case "ExitType":
		return w.setEnum(true, "main", "cgroup")
	case "OOMPolicy":
		return w.setEnum(true, "continue", "stop", "kill")
	case "RestartUSec", "TimeoutStartUSec", "TimeoutStopUSec", "TimeoutAbortUSec", "RuntimeMaxUSec",
		"RuntimeRandomizedExtraUSec", "WatchdogUSec":
		return w.setUsec(true)
	case "TimeoutStartFailureMode", "TimeoutStopFailureMode":
		return w.setEnum(true, "terminate", "abort", "kill")
	case "FileDescriptorStoreMax":
		return w.setUnsigned(true)
	case "PIDFile":
		return w.servicePIDFile()
	case "USBFunctionDescriptors", "USBFunctionStrings":
		return w.serviceUSB()
	case "NotifyAccess":
		return w.setEnum(true, "none", "main", "exec", "all")
	case "BusName":
		return w.setStringChecked(true, busNameValid)
	case "Restart":
		return w.setEnum(true, "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")
	case "StandardInputFileDescriptor", "StandardOutputFileDescriptor", "StandardErrorFileDescriptor":
		// bus_set_transient_std_fd: the fd is kept, nothing is written.
		fd, ok := w.v.(dbus.UnixFD)
		if !ok {
			return true, errUnexpected
		}
		i := map[string]int{"StandardInputFileDescriptor": 0, "StandardOutputFileDescriptor": 1, "StandardErrorFileDescriptor": 2}[w.name]
		w.out.stdio[i] = int(fd)
		return true, nil
	case "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost",
		"ExecConditionEx", "ExecStartPreEx", "ExecStartEx", "ExecStartPostEx", "ExecReloadEx", "ExecStopEx", "ExecStopPostEx":
		return w.execCommand()
	}
	return false, nil
}

// busNameValid is sd_bus_service_name_is_valid.
func busNameValid(s string) bool {
	if len(s) > 255 || s == "" {
		return false
	}
	unique := s[0] == ':'
	body := s
	if unique {
		body = s[1:]
	}
	parts := strings.Split(body, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c >= '0' && c <= '9'
			if !ok || (!unique && i == 0 && c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// execFlagChars are the command prefixes of the Ex variants' flags, in
// 252's order.
var execFlagChars = []struct{ flag, chars string }{
	{"ignore-failure", "-"}, {"no-env-expand", ":"}, {"privileged", "+"}, {"no-setuid", "!"}, {"ambient", "!!"},
}

// execCommand is bus_set_transient_exec_command: every command of the
// list, after a line that resets it.
func (w *propWriter) execCommand() (bool, error) {
	ex := strings.HasSuffix(w.name, "Ex")
	rows, ok := w.v.([][]any)
	if !ok {
		return true, errUnexpected
	}
	// b is the text written; live the same commands as 252 holds them,
	// read from the bus and not from that text, which escapes ";", "$"
	// and quotes with backslashes a unit file does not take away.
	var b, live strings.Builder
	b.WriteString(w.name + "=\n")
	live.WriteString(w.name + "=\n")
	liveEscape := func(s string) string { return cescape(specifierEscape(s)) }
	for _, r := range rows {
		if len(r) != 3 {
			return true, errUnexpected
		}
		p, ok := r[0].(string)
		if !ok {
			return true, errUnexpected
		}
		if !path.IsAbs(p) && !unitname.FilenameIsValid(p) {
			return true, invalidArgs("\"%s\" is neither a valid executable name nor an absolute path", p)
		}
		argv, ok := r[1].([]string)
		if !ok {
			return true, errUnexpected
		}
		if len(argv) == 0 {
			return true, invalidArgs("\"%s\" argv cannot be empty", w.name)
		}
		set := map[string]bool{}
		if ex {
			opts, ok := r[2].([]string)
			if !ok {
				return true, errUnexpected
			}
			for _, o := range opts {
				known := false
				for _, f := range execFlagChars {
					known = known || f.flag == o
				}
				if !known {
					return true, errInvalidArg
				}
				set[o] = true
			}
		} else {
			ignore, ok := r[2].(bool)
			if !ok {
				return true, errUnexpected
			}
			set["ignore-failure"] = ignore
		}
		var chars string
		for _, f := range execFlagChars {
			if set[f.flag] {
				chars += f.chars
			}
		}
		p = unitname.PathSimplify(p)
		args := concatQuoted(argv, execEscape)
		liveArgs := concatQuoted(argv, liveEscape)
		if p == argv[0] {
			fmt.Fprintf(&b, "%s=%s%s\n", w.name, chars, args)
			fmt.Fprintf(&live, "%s=%s%s\n", w.name, chars, liveArgs)
		} else {
			fmt.Fprintf(&b, "%s=%s@%s %s\n", w.name, chars, execEscape(p), args)
			fmt.Fprintf(&live, "%s=%s@%s %s\n", w.name, chars, liveEscape(p), liveArgs)
		}
	}
	w.write(true, w.name, b.String())
	if l := live.String(); l != b.String() {
		w.out.settings[len(w.out.settings)-1].Live = l
	}
	return true, nil
}

// exec is the part of bus_exec_context_set_transient_property that
// systemd-run and set-property commonly use.
func (w *propWriter) exec() (bool, error) {
	switch w.name {
	case "User", "Group":
		return w.setStringChecked(true, userGroupValidRelaxed)
	case "TTYPath", "RootDirectory", "RootImage":
		return w.setStringChecked(true, path.IsAbs)
	case "StandardInput":
		return w.setEnum(true, "null", "tty", "tty-force", "tty-fail", "socket", "fd", "data", "file")
	case "StandardOutput", "StandardError":
		return w.setEnum(true, "inherit", "null", "tty", "kmsg", "kmsg+console", "journal", "journal+console",
			"socket", "fd", "file", "append", "truncate")
	case "IgnoreSIGPIPE", "TTYVHangup", "TTYReset", "TTYVTDisallocate", "PrivateTmp", "PrivateDevices",
		"PrivateNetwork", "PrivateUsers", "PrivateMounts", "PrivateIPC", "NoNewPrivileges", "SyslogLevelPrefix",
		"MemoryDenyWriteExecute", "RestrictRealtime", "RestrictSUIDSGID", "DynamicUser", "RemoveIPC",
		"ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectClock",
		"ProtectControlGroups", "MountAPIVFS", "CPUSchedulingResetOnFork", "NonBlocking", "LockPersonality", "ProtectHostname":
		return w.setBool(true)
	case "SyslogIdentifier":
		v, err := w.str()
		if err != nil {
			return true, err
		}
		w.write(true, w.name, w.name+"="+specifierEscape(v))
		return true, nil
	case "ProtectSystem":
		return w.setEnum(true, append([]string{"no", "yes", "full", "strict"}, booleanWords...)...)
	case "ProtectHome":
		return w.setEnum(true, append([]string{"no", "yes", "read-only", "tmpfs"}, booleanWords...)...)
	case "RuntimeDirectoryPreserve":
		return w.setEnum(true, append([]string{"no", "yes", "restart"}, booleanWords...)...)
	case "UMask", "RuntimeDirectoryMode", "StateDirectoryMode", "CacheDirectoryMode", "LogsDirectoryMode", "ConfigurationDirectoryMode":
		n, ok := w.v.(uint32)
		if !ok {
			return true, errUnexpected
		}
		w.write(true, w.name, fmt.Sprintf("%s=%04o", w.name, n))
		return true, nil
	case "ReadWriteDirectories", "ReadOnlyDirectories", "InaccessibleDirectories",
		"ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "ExecPaths", "NoExecPaths", "ExtensionDirectories":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		out := make([]string, len(l))
		for i, p := range l {
			off := 0
			if strings.HasPrefix(p, "-") {
				off++
			}
			if strings.HasPrefix(p[off:], "+") {
				off++
			}
			if !path.IsAbs(p[off:]) {
				return true, invalidArgs("Invalid %s", w.name)
			}
			out[i] = p[:off] + unitname.PathSimplify(p[off:])
		}
		if len(out) == 0 {
			w.write(true, w.name, w.name+"=")
		} else {
			w.write(true, w.name, w.name+"="+concatQuoted(out, specifierEscape))
		}
		return true, nil
	case "RuntimeDirectory", "StateDirectory", "CacheDirectory", "LogsDirectory", "ConfigurationDirectory":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, p := range l {
			switch {
			case !unitname.PathIsNormalized(p):
				return true, invalidArgs("%s= path is not normalized: %s", w.name, p)
			case path.IsAbs(p):
				return true, invalidArgs("%s= path is absolute: %s", w.name, p)
			case p == "private" || strings.HasPrefix(p, "private/"):
				return true, invalidArgs("%s= path can't be 'private': %s", w.name, p)
			}
		}
		if len(l) == 0 {
			w.write(true, w.name, w.name+"=")
		} else {
			w.write(true, w.name, w.name+"="+concatQuoted(l, specifierEscape))
		}
		return true, nil
	case "Nice":
		n, ok := w.v.(int32)
		if !ok {
			return true, errUnexpected
		}
		if n < -20 || n > 19 {
			return true, invalidArgs("Invalid Nice value: %d", n)
		}
		w.write(true, w.name, fmt.Sprintf("Nice=%d", n))
		return true, nil
	case "WorkingDirectory":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		missingOK := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		if s != "" && s != "~" && !path.IsAbs(s) {
			return true, invalidArgs("WorkingDirectory= expects an absolute path or '~'")
		}
		prefix := ""
		if missingOK {
			prefix = "-"
		}
		w.write(true, w.name, "WorkingDirectory="+prefix+specifierEscape(s))
		return true, nil
	case "Environment":
		return true, w.environmentList(envAssignmentsValid, "Invalid environment block.")
	case "UnsetEnvironment":
		return true, w.environmentList(envNamesOrAssignmentsValid, "Invalid UnsetEnvironment= list.")
	}
	if rest, ok := strings.CutPrefix(w.name, "Limit"); ok {
		return w.rlimit(rest)
	}
	return w.execMore()
}

// booleanWords are what parse_boolean takes, which the enum settings
// with a boolean form accept as well.
var booleanWords = []string{"1", "yes", "y", "true", "t", "on", "0", "no", "n", "false", "f", "off"}

var rlimitNames = map[string]bool{"CPU": true, "FSIZE": true, "DATA": true, "STACK": true, "CORE": true, "RSS": true,
	"NOFILE": true, "AS": true, "NPROC": true, "MEMLOCK": true, "LOCKS": true, "SIGPENDING": true, "MSGQUEUE": true,
	"NICE": true, "RTPRIO": true, "RTTIME": true}

// rlimit is the Limit*= part of bus_exec_context_set_transient_property:
// LimitX sets the hard limit, LimitXSoft the soft one, both at first.
func (w *propWriter) rlimit(res string) (bool, error) {
	soft := false
	if !rlimitNames[res] {
		r, ok := strings.CutSuffix(res, "Soft")
		if !ok || !rlimitNames[r] {
			return false, nil
		}
		res, soft = r, true
	}
	v, err := w.u64()
	if err != nil {
		return true, err
	}
	if w.out.rlimits == nil {
		w.out.rlimits = map[string]*[2]uint64{}
	}
	rl := w.out.rlimits[res]
	if rl == nil {
		rl = &[2]uint64{v, v}
		w.out.rlimits[res] = rl
	} else if soft {
		rl[0] = v
	} else {
		rl[1] = v
	}
	const inf = math.MaxUint64
	var text string
	switch {
	case rl[0] == inf && rl[1] == inf:
		text = "infinity"
	case rl[0] == inf:
		text = fmt.Sprintf("infinity:%d", rl[1])
	case rl[1] == inf:
		text = fmt.Sprintf("%d:infinity", rl[0])
	case rl[0] == rl[1]:
		text = fmt.Sprint(rl[0])
	default:
		text = fmt.Sprintf("%d:%d", rl[0], rl[1])
	}
	w.write(true, "Limit"+res, "Limit"+res+"="+text)
	return true, nil
}

// userGroupValidRelaxed is valid_user_group_name with
// VALID_USER_ALLOW_NUMERIC|VALID_USER_RELAX.
func userGroupValidRelaxed(u string) bool {
	if u == "" || strings.HasPrefix(u, " ") || strings.HasSuffix(u, " ") || !utf8.ValidString(u) || strings.ContainsAny(u, ":/") {
		return false
	}
	for _, r := range u {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	if n, err := value.SafeAtouFull(u, 10, 0); err == nil {
		return n != math.MaxUint32
	}
	digits := strings.Trim(u, "0123456789") == ""
	neg := u[0] == '-' && strings.Trim(u[1:], "0123456789") == ""
	return !digits && !neg && u != "." && u != ".."
}

// kill is bus_kill_context_set_transient_property.
func (w *propWriter) kill() (bool, error) {
	switch w.name {
	case "KillMode":
		return w.setEnum(true, "control-group", "process", "mixed", "none")
	case "SendSIGHUP", "SendSIGKILL":
		return w.setBool(true)
	case "KillSignal", "RestartKillSignal", "FinalKillSignal", "WatchdogSignal":
		n, ok := w.v.(int32)
		if !ok {
			return true, errUnexpected
		}
		if n <= 0 || n >= 65 {
			return true, invalidArgs("Invalid %s setting: %d", w.name, n)
		}
		w.write(true, w.name, w.name+"="+value.SignalToString(int(n)))
		return true, nil
	}
	return false, nil
}

// scope is bus_scope_set_transient_property.
func (w *propWriter) scope() (bool, error) {
	switch w.name {
	case "TimeoutStopUSec", "RuntimeMaxUSec", "RuntimeRandomizedExtraUSec":
		return w.setUsec(true)
	case "OOMPolicy":
		return w.setEnum(true, "continue", "stop", "kill")
	case "PIDs":
		l, ok := w.v.([]uint32)
		if !ok {
			return true, errUnexpected
		}
		if len(l) == 0 {
			return true, errInvalidArg
		}
		w.out.pids = append(w.out.pids, l...)
		return true, nil
	case "Controller":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "" && !busNameValid(s) {
			return true, invalidArgs("Controller '%s' is not a valid bus name.", s)
		}
		w.out.controller = s
		return true, nil
	}
	return false, nil
}

// scopeUser: a scope takes User= and Group= as it is created.
func (w *propWriter) scopeUser() (bool, error) {
	if w.name == "User" || w.name == "Group" {
		return w.setStringChecked(true, userGroupValidRelaxed)
	}
	return false, nil
}

// cgroup is bus_cgroup_set_property, for the properties systemd-run and
// set-property commonly send.
func (w *propWriter) cgroup() (bool, error) {
	const unset = math.MaxUint64
	outOfRange := func() error { return invalidArgs("Value specified in %s is out of range", w.name) }
	switch w.name {
	case "CPUAccounting", "IOAccounting", "BlockIOAccounting", "MemoryAccounting", "TasksAccounting":
		return w.setBool(true)
	case "CPUWeight", "StartupCPUWeight":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		switch {
		case n == unset:
			w.write(true, w.name, w.name+"=")
		case n == 0:
			w.write(true, w.name, w.name+"=idle")
		case n <= 10000:
			w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		default:
			return true, outOfRange()
		}
		return true, nil
	case "IOWeight", "StartupIOWeight", "CPUShares", "StartupCPUShares", "BlockIOWeight", "StartupBlockIOWeight":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		lo, hi := uint64(1), uint64(10000)
		switch w.name {
		case "CPUShares", "StartupCPUShares":
			lo, hi = 2, 262144
		case "BlockIOWeight", "StartupBlockIOWeight":
			lo, hi = 10, 1000
		}
		switch {
		case n == unset:
			w.write(true, w.name, w.name+"=")
		case n >= lo && n <= hi:
			w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		default:
			return true, outOfRange()
		}
		return true, nil
	case "MemoryMin", "MemoryLow", "DefaultMemoryMin", "DefaultMemoryLow", "MemorySwapMax",
		"MemoryHigh", "MemoryMax", "MemoryLimit", "TasksMax":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		min := uint64(0)
		switch w.name {
		case "MemoryHigh", "MemoryMax", "MemoryLimit", "TasksMax":
			min = 1
		}
		if n < min {
			return true, outOfRange()
		}
		if n == unset {
			w.write(true, w.name, w.name+"=infinity")
		} else {
			w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		}
		return true, nil
	case "MemoryMinScale", "MemoryLowScale", "DefaultMemoryMinScale", "DefaultMemoryLowScale", "MemorySwapMaxScale",
		"MemoryHighScale", "MemoryMaxScale", "MemoryLimitScale":
		raw, ok := w.v.(uint32)
		if !ok {
			return true, errUnexpected
		}
		switch w.name {
		case "MemoryHighScale", "MemoryMaxScale", "MemoryLimitScale":
			if raw == 0 {
				return true, outOfRange()
			}
		}
		p := (uint64(raw)*10000 + math.MaxUint32/2) / math.MaxUint32
		w.write(true, w.name, fmt.Sprintf("%s=%d.%02d%%", strings.TrimSuffix(w.name, "Scale"), p/100, p%100))
		return true, nil
	case "TasksMaxScale":
		raw, ok := w.v.(uint32)
		if !ok {
			return true, errUnexpected
		}
		if raw < 1 || raw == math.MaxUint32 {
			return true, outOfRange()
		}
		p := (uint64(raw)*100 + math.MaxUint32 - 1) / math.MaxUint32
		w.write(true, w.name, fmt.Sprintf("TasksMax=%d.%d%%", p/10, p%10))
		// 252 writes the percentage a tenth of itself, but keeps the
		// scale it was sent.
		pm := (uint64(raw)*10000 + math.MaxUint32/2) / math.MaxUint32
		last := &w.out.settings[len(w.out.settings)-1]
		last.Live = fmt.Sprintf("TasksMax=%d.%02d%%", pm/100, pm%100)
		return true, nil
	case "CPUQuotaPerSecUSec":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		if n == 0 {
			return true, invalidArgs("CPUQuotaPerSecUSec= value out of range")
		}
		if n == unset {
			w.write(true, "CPUQuota", "CPUQuota=")
		} else {
			w.write(true, "CPUQuota", fmt.Sprintf("CPUQuota=%d%%", n/10000))
		}
		return true, nil
	case "CPUQuotaPeriodUSec":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		if n == unset {
			w.write(true, "CPUQuotaPeriodSec", "CPUQuotaPeriodSec=")
		} else {
			w.write(true, "CPUQuotaPeriodSec", "CPUQuotaPeriodSec="+timeutil.FormatTimespan(timeutil.Usec(n), 1))
		}
		return true, nil
	case "Delegate":
		if !w.tg.creating {
			// Only as a transient unit is created.
			return false, nil
		}
		if w.tg.t != unitname.Service && w.tg.t != unitname.Scope {
			return true, invalidArgs("Delegation not available for unit type")
		}
		return w.setBool(true)
	}
	return w.cgroupMore()
}

var timerBases = map[string]bool{"OnActiveSec": true, "OnBootSec": true, "OnStartupSec": true,
	"OnUnitActiveSec": true, "OnUnitInactiveSec": true}

// calendarContext parses OnCalendar= values in the local time zone.
var calendarContext = sync.OnceValue(func() *timeutil.Context { return timeutil.NewContext(timeutil.ZoneFromEnv(), nil) })

// timer is bus_timer_set_transient_property.
func (w *propWriter) timer() (bool, error) {
	monotonic := func(base string, usec uint64) {
		w.write(true, w.name, base+"="+specifierEscape(timeutil.FormatTimespan(timeutil.Usec(usec), 1000)))
	}
	switch w.name {
	case "AccuracyUSec", "RandomizedDelayUSec":
		return w.setUsec(true)
	case "AccuracySec":
		w.name = "AccuracyUSec"
		return w.setUsec(true)
	case "FixedRandomDelay", "WakeSystem", "Persistent", "RemainAfterElapse", "OnTimezoneChange", "OnClockChange":
		return w.setBool(true)
	case "TimersMonotonic":
		rows, ok := pairRows[string, uint64](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			base, usec := r.first, r.second
			if !timerBases[base] {
				return true, invalidArgs("Invalid timer base: %s", base)
			}
			monotonic(base, usec)
		}
		if len(rows) == 0 {
			w.write(true, w.name, "OnActiveSec=")
		}
		return true, nil
	case "TimersCalendar":
		rows, ok := pairRows[string, string](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			base, spec := r.first, r.second
			if base != "OnCalendar" {
				return true, invalidArgs("Invalid timer base: %s", base)
			}
			if _, err := calendarContext().ParseCalendar(spec); err != nil {
				return true, invalidArgs("Invalid calendar spec")
			}
			w.write(true, w.name, "OnCalendar="+specifierEscape(spec))
		}
		if len(rows) == 0 {
			w.write(true, w.name, "OnCalendar=")
		}
		return true, nil
	case "OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		monotonic(w.name, n)
		return true, nil
	case "OnCalendar":
		spec, err := w.str()
		if err != nil {
			return true, err
		}
		if _, err := calendarContext().ParseCalendar(spec); err != nil {
			return true, invalidArgs("Invalid calendar spec")
		}
		w.write(true, w.name, "OnCalendar="+specifierEscape(spec))
		return true, nil
	}
	return false, nil
}

var pathTypes = map[string]bool{"PathExists": true, "PathExistsGlob": true, "PathChanged": true,
	"PathModified": true, "DirectoryNotEmpty": true}

// pathUnit is bus_path_set_transient_property.
func (w *propWriter) pathUnit() (bool, error) {
	switch w.name {
	case "MakeDirectory":
		return w.setBool(true)
	case "DirectoryMode":
		n, ok := w.v.(uint32)
		if !ok {
			return true, errUnexpected
		}
		w.write(true, w.name, fmt.Sprintf("%s=%04o", w.name, n))
		return true, nil
	case "TriggerLimitBurst":
		return w.setUnsigned(true)
	case "TriggerLimitIntervalUSec":
		return w.setUsec(true)
	case "Paths":
		rows, ok := pairRows[string, string](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			typ, p := r.first, r.second
			switch {
			case !pathTypes[typ]:
				return true, invalidArgs("Unknown path type: %s", typ)
			case p == "":
				return true, invalidArgs("Path in %s is empty", typ)
			case !path.IsAbs(p):
				return true, invalidArgs("Path in %s is not absolute: %s", typ, p)
			}
			w.write(true, w.name, specifierEscape(typ+"="+p))
		}
		if len(rows) == 0 {
			w.write(true, w.name, "PathExists=")
		}
		return true, nil
	}
	return false, nil
}

// socket is the part of bus_socket_set_transient_property that
// systemd-run --socket-property reaches for.
func (w *propWriter) socket() (bool, error) {
	switch w.name {
	case "Accept", "FlushPending", "Writable", "KeepAlive", "NoDelay", "FreeBind", "Transparent", "Broadcast",
		"PassCredentials", "PassSecurity", "PassPacketInfo", "ReusePort", "RemoveOnStop", "SELinuxContextFromNet":
		return w.setBool(true)
	case "Backlog", "MaxConnections", "MaxConnectionsPerSource", "KeepAliveProbes", "TriggerLimitBurst":
		return w.setUnsigned(true)
	case "SocketMode", "DirectoryMode":
		n, ok := w.v.(uint32)
		if !ok {
			return true, errUnexpected
		}
		w.write(true, w.name, fmt.Sprintf("%s=%04o", w.name, n))
		return true, nil
	case "TimeoutUSec", "KeepAliveTimeUSec", "KeepAliveIntervalUSec", "DeferAcceptUSec", "TriggerLimitIntervalUSec":
		return w.setUsec(true)
	case "SocketUser", "SocketGroup":
		return w.setStringChecked(true, userGroupValidRelaxed)
	case "ExecStartPre", "ExecStartPost", "ExecStopPre", "ExecStopPost":
		return w.execCommand()
	case "Symlinks":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, p := range l {
			if !path.IsAbs(p) {
				return true, invalidArgs("Symlink path is not absolute: %s", p)
			}
		}
		w.write(true, w.name, specifierEscape(w.name+"="+strings.Join(l, " ")))
		return true, nil
	case "Listen":
		rows, ok := pairRows[string, string](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			t, a := r.first, r.second
			switch t {
			case "Stream", "Datagram", "SequentialPacket":
				family, err := unit.SocketAddressFamily(a)
				if err != nil {
					return true, invalidArgs("Invalid address: %s", a)
				}
				if family != value.AFUnix && t == "SequentialPacket" {
					return true, invalidArgs("Address family not supported: %s", a)
				}
			case "Netlink":
				if a == "" {
					return true, invalidArgs("Invalid netlink address: %s", a)
				}
			case "Special", "MessageQueue", "FIFO", "USBFunction":
				if !path.IsAbs(a) || len(a) >= 4096 {
					return true, invalidArgs("Invalid socket path: %s", a)
				}
			default:
				return true, invalidArgs("Unknown Socket type: %s", t)
			}
			w.write(true, w.name, specifierEscape("Listen"+t+"="+a))
		}
		if len(rows) == 0 {
			w.write(true, w.name, "ListenStream=")
		}
		return true, nil
	}
	return w.socketMore()
}

// conditions is bus_set_transient_conditions: each (type, trigger,
// negate, parameter) is written as a line of its own, an empty list as
// ConditionNull= (AssertNull=), which clears them.
func (w *propWriter) conditions(isCondition bool) error {
	rows, ok := w.v.([][]any)
	if !ok {
		return errUnexpected
	}
	for _, r := range rows {
		if len(r) != 4 {
			return errUnexpected
		}
		typeName, ok1 := r[0].(string)
		trigger, ok2 := r[1].(bool)
		negate, ok3 := r[2].(bool)
		param, ok4 := r[3].(string)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return errUnexpected
		}
		t, assert, ok := condition.ParseName(typeName)
		if !ok || assert == isCondition {
			return invalidArgs("Invalid condition type: %s", typeName)
		}
		if param == "" {
			return invalidArgs("Condition parameter in %s is empty", typeName)
		}
		if t.TakesPath() && !path.IsAbs(param) {
			return invalidArgs("Path in condition %s is not absolute: %s", typeName, param)
		}
		text := typeName + "="
		if trigger {
			text += "|"
		}
		if negate {
			text += "!"
		}
		w.write(false, w.name, specifierEscape(text+param))
	}
	if len(rows) == 0 {
		// 252's unit files know no ConditionNull=: what clears the
		// list when read is an empty condition.
		if isCondition {
			w.write(false, w.name, "ConditionNull=")
			w.setLive("ConditionPathExists=")
		} else {
			w.write(false, w.name, "AssertNull=")
			w.setLive("AssertPathExists=")
		}
	}
	return nil
}
