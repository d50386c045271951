package dbusapi

import (
	"encoding/base64"
	"fmt"
	"math"
	"path"
	"strings"
	"unicode/utf8"

	"gosystemd/impl/bus"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// The rarer transient properties: the emergency actions of
// bus_unit_set_transient_property, PIDFile= of a service, the scheduling,
// logging, credential and sandboxing settings of
// bus_exec_context_set_transient_property and the device settings of
// bus_cgroup_set_property.

var emergencyActions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff",
	"poweroff-force", "poweroff-immediate", "exit", "exit-force"}

// unitMore is the rest of bus_unit_set_transient_property.
func (w *propWriter) unitMore() (bool, error) {
	switch w.name {
	case "SuccessAction", "FailureAction", "StartLimitAction", "JobTimeoutAction":
		return w.setEnum(false, emergencyActions...)
	case "SuccessActionExitStatus", "FailureActionExitStatus":
		n, ok := w.v.(int32)
		if !ok {
			return true, errUnexpected
		}
		if n > 255 {
			return true, invalidArgs("Exit status must be in range 0…255 or negative.")
		}
		if n < 0 {
			w.write(false, w.name, w.name+"=")
		} else {
			w.write(false, w.name, fmt.Sprintf("%s=%d", w.name, n))
		}
		return true, nil
	case "RebootArgument", "JobTimeoutRebootArgument":
		return w.setStringChecked(false, func(s string) bool { return asciiValid(s) && len(s) <= 255 })
	case "JobRunningTimeoutUSec":
		return w.setUsec(false)
		// JobTimeoutUSec is left unknown: 252 writes it and then goes on
		// to report the property unknown.
	}
	return false, nil
}

// serviceUSB is USBFunctionDescriptors= and USBFunctionStrings=.
func (w *propWriter) serviceUSB() (bool, error) {
	return w.setStringChecked(true, path.IsAbs)
}

// servicePIDFile is PIDFile= of bus_service_set_transient_property: a
// relative name is below /run, and /var/run is /run.
func (w *propWriter) servicePIDFile() (bool, error) {
	s, err := w.str()
	if err != nil {
		return true, err
	}
	if s != "" {
		if !path.IsAbs(s) {
			s = "/run/" + s
		}
		s = unitname.PathSimplify(s)
		if !unitname.PathIsNormalized(s) {
			return true, invalidArgs("PIDFile= path '%s' is not valid", s)
		}
		if rest, ok := strings.CutPrefix(s, "/var/run/"); ok {
			s = "/run/" + rest
		}
	}
	w.write(true, w.name, "PIDFile="+s)
	return true, nil
}

var (
	schedPolicyNames = map[int32]string{0: "other", 1: "fifo", 2: "rr", 3: "batch", 5: "idle"}
	ioprioClassNames = []string{"none", "realtime", "best-effort", "idle"}
	// namespaceNames are 252's namespace_info, in its order.
	namespaceNames = []struct {
		name string
		flag uint64
	}{
		{"cgroup", 0x02000000}, {"ipc", 0x08000000}, {"net", 0x40000000}, {"mnt", 0x00020000},
		{"pid", 0x20000000}, {"user", 0x10000000}, {"uts", 0x04000000}, {"time", 0x00000080},
	}
	// secureBitNames are secure_bits_to_string_alloc's words, in its
	// order, with their bits.
	secureBitNames = []struct {
		name string
		bit  int32
	}{
		{"keep-caps", 1 << 4}, {"keep-caps-locked", 1 << 5}, {"no-setuid-fixup", 1 << 2},
		{"no-setuid-fixup-locked", 1 << 3}, {"noroot", 1 << 0}, {"noroot-locked", 1 << 1},
	}
)

func (w *propWriter) i32() (int32, error) {
	n, ok := w.v.(int32)
	if !ok {
		return 0, errUnexpected
	}
	return n, nil
}

// setIntRange writes Name=n if n is within [lo, hi], else fails with msg
// (formatted with n where it has a verb).
func (w *propWriter) setIntRange(lo, hi int32, msg string) (bool, error) {
	n, err := w.i32()
	if err != nil {
		return true, err
	}
	if n < lo || n > hi {
		if strings.Contains(msg, "%") {
			return true, invalidArgs(msg, n)
		}
		return true, invalidArgs("%s", msg)
	}
	w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
	return true, nil
}

// setString is bus_set_transient_string.
func (w *propWriter) setString(private bool) (bool, error) {
	s, err := w.str()
	if err != nil {
		return true, err
	}
	w.write(private, w.name, w.name+"="+specifierEscape(s))
	return true, nil
}

// execMore is the rest of bus_exec_context_set_transient_property.
func (w *propWriter) execMore() (bool, error) {
	switch w.name {
	case "UtmpIdentifier", "PAMName":
		return w.setString(true)
	case "UtmpMode":
		return w.setEnum(true, "init", "login", "user")
	case "KeyringMode":
		return w.setEnum(true, "inherit", "private", "shared")
	case "ProtectProc":
		return w.setEnum(true, "noaccess", "invisible", "ptraceable", "default")
	case "ProcSubset":
		return w.setEnum(true, "all", "pid")
	case "TTYRows", "TTYColumns", "LogRateLimitBurst":
		return w.setUnsigned(true)
	case "LogRateLimitIntervalUSec":
		return w.setUsec(true)
	case "TimerSlackNSec":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		w.write(true, w.name, fmt.Sprintf("TimerSlackNSec=%d", n))
		return true, nil
	case "LogLevelMax":
		return w.setIntRange(0, 7, "Invalid LogLevelMax setting: %d")
	case "SyslogLevel":
		return w.setIntRange(0, 7, "Log level value out of range")
	case "SyslogFacility":
		return w.setIntRange(0, 23, "Log facility value out of range")
	case "OOMScoreAdjust":
		return w.setIntRange(-1000, 1000, "OOM score adjust value out of range")
	case "CPUSchedulingPriority":
		return w.setIntRange(0, 99, "Invalid CPU scheduling priority: %d")
	case "IOSchedulingPriority":
		return w.setIntRange(0, 7, "Invalid IO scheduling priority: %d")
	case "CPUSchedulingPolicy":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		name, ok := schedPolicyNames[n]
		if !ok {
			return true, invalidArgs("Invalid CPU scheduling policy: %d", n)
		}
		w.write(true, w.name, "CPUSchedulingPolicy="+name)
		return true, nil
	case "IOSchedulingClass":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		if n < 0 || int(n) >= len(ioprioClassNames) {
			return true, invalidArgs("Invalid IO scheduling class: %d", n)
		}
		w.write(true, w.name, "IOSchedulingClass="+ioprioClassNames[n])
		return true, nil
	case "CapabilityBoundingSet", "AmbientCapabilities":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		w.write(true, w.name, w.name+"="+value.CapabilitySetToString(n))
		return true, nil
	case "RestrictNamespaces":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		var words []string
		for _, ns := range namespaceNames {
			if n&ns.flag == ns.flag {
				words = append(words, ns.name)
			}
		}
		w.write(true, w.name, "RestrictNamespaces="+strings.Join(words, " "))
		if len(words) == 0 {
			// No namespace at all, which the empty text read back
			// would not say.
			w.setLive("RestrictNamespaces=yes")
		}
		return true, nil
	case "SecureBits":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		if n&^0x3f != 0 {
			return true, invalidArgs("Invalid SecureBits setting: %d", n)
		}
		var words []string
		for _, b := range secureBitNames {
			if n&b.bit != 0 {
				words = append(words, b.name)
			}
		}
		w.write(true, w.name, "SecureBits="+strings.Join(words, " "))
		return true, nil
	case "MountFlags":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		names := map[uint64]string{0: "", 1 << 20: "shared", 1 << 19: "slave", 1 << 18: "private"}
		s, ok := names[n]
		if !ok {
			return true, invalidArgs("Invalid MountFlags setting: %d", n)
		}
		w.write(true, w.name, "MountFlags="+s)
		return true, nil
	case "SupplementaryGroups":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, g := range l {
			if g != "" && !userGroupValidRelaxed(g) {
				return true, invalidArgs("Invalid supplementary group names")
			}
		}
		if len(l) == 0 {
			w.out.groups = nil
			w.write(true, w.name, "SupplementaryGroups=")
			return true, nil
		}
		// 252 writes every group set so far, each once.
		for _, g := range l {
			seen := false
			for _, h := range w.out.groups {
				seen = seen || h == g
			}
			if !seen {
				w.out.groups = append(w.out.groups, g)
			}
		}
		w.write(true, w.name, "SupplementaryGroups="+specifierEscape(strings.Join(w.out.groups, " ")))
		// Read back after the earlier assignments, the whole list would
		// be added to itself.
		w.setLive("SupplementaryGroups=\nSupplementaryGroups=" + specifierEscape(strings.Join(w.out.groups, " ")))
		return true, nil
	case "SuccessExitStatus", "RestartPreventExitStatus", "RestartForceExitStatus":
		// A service's, not the exec context's: only services reach here
		// with them (sockets have no such setting).
		if w.tg.t != unitname.Service {
			return false, nil
		}
		return w.serviceExitStatus()
	case "PassEnvironment":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		seen := map[string]bool{}
		for _, n := range l {
			if !unitfile.EnvNameIsValid(n) || seen[n] {
				return true, invalidArgs("Invalid PassEnvironment= block.")
			}
			seen[n] = true
		}
		if len(l) == 0 {
			w.write(true, w.name, "PassEnvironment=")
		} else {
			w.write(true, w.name, "PassEnvironment="+concatQuoted(l, specifierEscape))
		}
		return true, nil
	}
	return w.execFiles()
}

// cgroupMore is the device part of bus_cgroup_set_property.
func (w *propWriter) cgroupMore() (bool, error) {
	for i, n := range ioLimitNames {
		if w.name == n {
			return w.ioLimit(i)
		}
	}
	switch w.name {
	case "IPAccounting":
		return w.setBool(true)
	case "DevicePolicy":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "auto" && s != "closed" && s != "strict" {
			return true, errInvalidArg
		}
		w.write(true, w.name, "DevicePolicy="+s)
		return true, nil
	case "DeviceAllow":
		rows, ok := pairRows[string, string](w.v)
		if !ok {
			return true, errUnexpected
		}
		if w.out.deviceAllow == nil {
			w.out.deviceAllow = append([]unit.DeviceAllow{}, w.tg.deviceAllow...)
		}
		for _, r := range rows {
			p, rwm := r.first, r.second
			if !deviceAllowPatternValid(p) || strings.ContainsAny(p, " \t\n\r") {
				return true, invalidArgs("DeviceAllow= requires device node or pattern")
			}
			if rwm == "" {
				rwm = "rwm"
			} else if strings.Trim(rwm, "rwm") != "" {
				return true, invalidArgs("DeviceAllow= requires combination of rwm flags")
			}
			a := unit.DeviceAllow{Path: p, R: strings.Contains(rwm, "r"), W: strings.Contains(rwm, "w"), M: strings.Contains(rwm, "m")}
			found := false
			for i := range w.out.deviceAllow {
				if unitname.PathEqual(w.out.deviceAllow[i].Path, p) {
					a.Path = w.out.deviceAllow[i].Path
					w.out.deviceAllow[i] = a
					found = true
					break
				}
			}
			if !found {
				w.out.deviceAllow = append([]unit.DeviceAllow{a}, w.out.deviceAllow...)
			}
		}
		if len(rows) == 0 {
			w.out.deviceAllow = []unit.DeviceAllow{}
		}
		// 252 writes its list newest first; each entry read is put
		// first, so the text that keeps the order lists them oldest
		// first.
		var b, live strings.Builder
		b.WriteString("DeviceAllow=\n")
		live.WriteString("DeviceAllow=\n")
		for i, a := range w.out.deviceAllow {
			fmt.Fprintf(&b, "DeviceAllow=%s %s\n", a.Path, deviceAllowMode(a))
			r := w.out.deviceAllow[len(w.out.deviceAllow)-1-i]
			fmt.Fprintf(&live, "DeviceAllow=%s %s\n", r.Path, deviceAllowMode(r))
		}
		w.write(true, w.name, b.String())
		w.setLive(live.String())
		return true, nil
	case "IODeviceWeight":
		if w.out.ioWeights == nil {
			w.out.ioWeights = append([]unit.DeviceWeight{}, w.tg.ioWeights...)
		}
		return true, w.deviceWeights(&w.out.ioWeights, 1, 10000, "IODeviceWeight= value out of range")
	}
	return w.cgroupControllers()
}

func deviceAllowMode(a unit.DeviceAllow) string {
	mode := ""
	if a.R {
		mode += "r"
	}
	if a.W {
		mode += "w"
	}
	if a.M {
		mode += "m"
	}
	return mode
}

// setLive sets what the setting just written takes effect as, where 252's
// memory and its text read back differ.
func (w *propWriter) setLive(text string) {
	last := &w.out.settings[len(w.out.settings)-1]
	if text != last.Text {
		last.Live = text
	}
}

// deviceAllowPatternValid is valid_device_allow_pattern.
func deviceAllowPatternValid(p string) bool {
	if strings.HasPrefix(p, "block-") || strings.HasPrefix(p, "char-") {
		return true
	}
	if !strings.HasPrefix(p, "/dev/") && !strings.HasPrefix(p, "/run/systemd/inaccessible/") {
		return false
	}
	return !strings.HasSuffix(p, "/") && unitname.PathIsNormalized(p)
}

// stdinDataMax is EXEC_STDIN_DATA_MAX.
const stdinDataMax = 64 << 20

// execFiles is the stdio, mount and label part of
// bus_exec_context_set_transient_property.
func (w *propWriter) execFiles() (bool, error) {
	switch w.name {
	case "SELinuxContext":
		return w.setString(true)
	case "NetworkNamespacePath", "IPCNamespacePath", "RootVerity":
		return w.setStringChecked(true, path.IsAbs)
	case "Personality":
		// BUS_DEFINE_SET_TRANSIENT_PARSE_PTR: the name as sent.
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if !unit.PersonalityValid(s) {
			return true, invalidArgs("Invalid %s setting: %s", w.name, s)
		}
		w.write(true, w.name, "Personality="+s)
		return true, nil
	case "AppArmorProfile", "SmackProcessLabel":
		r, ok := w.v.([]any)
		if !ok || len(r) != 2 {
			return true, errUnexpected
		}
		ignore, ok1 := r[0].(bool)
		s, ok2 := r[1].(string)
		if !ok1 || !ok2 {
			return true, errUnexpected
		}
		prefix := ""
		if ignore {
			prefix = "-"
		}
		w.write(true, w.name, specifierEscape(w.name+"="+prefix+s))
		return true, nil
	case "StandardInputFileDescriptorName", "StandardOutputFileDescriptorName", "StandardErrorFileDescriptorName":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if !fdNameValid(s) {
			return true, invalidArgs("Invalid file descriptor name")
		}
		key, def := "StandardInput", "stdin"
		switch w.name {
		case "StandardOutputFileDescriptorName":
			key, def = "StandardOutput", "stdout"
		case "StandardErrorFileDescriptorName":
			key, def = "StandardError", "stderr"
		}
		if s == "" {
			s = def
		}
		w.write(true, w.name, specifierEscape(key+"=fd:"+s))
		return true, nil
	case "StandardInputFile", "StandardOutputFile", "StandardOutputFileToAppend", "StandardOutputFileToTruncate",
		"StandardErrorFile", "StandardErrorFileToAppend", "StandardErrorFileToTruncate":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "" {
			if !path.IsAbs(s) {
				return true, invalidArgs("Path %s is not absolute", s)
			}
			if !unitname.PathIsNormalized(s) {
				return true, invalidArgs("Path %s is not normalized", s)
			}
		}
		key := "StandardInput"
		if strings.HasPrefix(w.name, "StandardOutput") {
			key = "StandardOutput"
		} else if strings.HasPrefix(w.name, "StandardError") {
			key = "StandardError"
		}
		kind := "file"
		if strings.HasSuffix(w.name, "ToAppend") {
			kind = "append"
		} else if strings.HasSuffix(w.name, "ToTruncate") {
			kind = "truncate"
		}
		w.write(true, w.name, specifierEscape(key+"="+kind+":"+s))
		return true, nil
	case "StandardInputData":
		b, ok := w.v.([]byte)
		if !ok {
			return true, errUnexpected
		}
		if len(b) == 0 {
			w.out.stdinData = 0
			w.write(true, w.name, "StandardInputData=")
			return true, nil
		}
		if w.out.stdinData+len(b) > stdinDataMax {
			return true, errTooBig
		}
		w.out.stdinData += len(b)
		w.write(true, w.name, "StandardInputData="+base64.StdEncoding.EncodeToString(b))
		return true, nil
	case "BindPaths", "BindReadOnlyPaths":
		rows, ok := w.v.([][]any)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			if len(r) != 4 {
				return true, errUnexpected
			}
			src, ok1 := r[0].(string)
			dst, ok2 := r[1].(string)
			ignore, ok3 := r[2].(bool)
			flags, ok4 := r[3].(uint64)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return true, errUnexpected
			}
			switch {
			case !path.IsAbs(src):
				return true, invalidArgs("Source path %s is not absolute.", src)
			case !path.IsAbs(dst):
				return true, invalidArgs("Destination path %s is not absolute.", dst)
			case flags != 0 && flags != msRec:
				return true, invalidArgs("Unknown mount flags.")
			}
			prefix, rec := "", "norbind"
			if ignore {
				prefix = "-"
			}
			if flags == msRec {
				rec = "rbind"
			}
			w.write(true, w.name, specifierEscape(w.name+"="+prefix+src+":"+dst+":"+rec))
		}
		if len(rows) == 0 {
			w.write(true, w.name, w.name+"=")
		}
		return true, nil
	case "TemporaryFileSystem":
		rows, ok := pairRows[string, string](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			p, opts := r.first, r.second
			if !path.IsAbs(p) {
				return true, invalidArgs("Mount point %s is not absolute.", p)
			}
			w.write(true, w.name, specifierEscape(w.name+"="+p+":"+opts))
		}
		if len(rows) == 0 {
			w.write(true, w.name, w.name+"=")
		}
		return true, nil
	}
	return w.execLists()
}

// msRec is MS_REC.
const msRec = 0x4000

// fdNameValid is fdname_is_valid.
func fdNameValid(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 127 || s[i] == ':' {
			return false
		}
	}
	return len(s) <= 255
}

// serviceExitStatus is bus_set_transient_exit_status of a service:
// one line per status and signal.
func (w *propWriter) serviceExitStatus() (bool, error) {
	r, ok := w.v.([]any)
	if !ok || len(r) != 2 {
		return true, errUnexpected
	}
	codes, ok1 := r[0].([]int32)
	sigs, ok2 := r[1].([]int32)
	if !ok1 || !ok2 {
		return true, errUnexpected
	}
	if len(codes) == 0 && len(sigs) == 0 {
		w.write(true, w.name, w.name+"=")
		return true, nil
	}
	for _, c := range codes {
		if c < 0 || c > 255 {
			return true, invalidArgs("Invalid status code in %s: %d", w.name, c)
		}
		w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, c))
	}
	for _, s := range sigs {
		w.write(true, w.name, w.name+"="+value.SignalToString(int(s)))
	}
	return true, nil
}

// ioLimit is IOReadBandwidthMax= and the other limits of
// bus_cgroup_set_property: the limit of each device named is set, and
// the whole list of devices that have one written.
func (w *propWriter) ioLimit(kind int) (bool, error) {
	rows, ok := pairRows[string, uint64](w.v)
	if !ok {
		return true, errUnexpected
	}
	if w.out.ioLimits == nil {
		w.out.ioLimits = make([]unit.DeviceLimit, len(w.tg.ioLimits))
		copy(w.out.ioLimits, w.tg.ioLimits)
	}
	const none = math.MaxUint64
	for _, r := range rows {
		p, n := r.first, r.second
		if !unitname.PathIsNormalized(p) {
			return true, invalidArgs("Path '%s' specified in %s= is not normalized.", w.name, p)
		}
		found := false
		for i := range w.out.ioLimits {
			if unitname.PathEqual(w.out.ioLimits[i].Path, p) {
				w.out.ioLimits[i].Limits[kind] = n
				found = true
				break
			}
		}
		if !found {
			d := unit.DeviceLimit{Path: p}
			for i := range d.Limits {
				d.Limits[i] = none
			}
			d.Limits[kind] = n
			w.out.ioLimits = append(w.out.ioLimits, d)
		}
	}
	if len(rows) == 0 {
		for i := range w.out.ioLimits {
			w.out.ioLimits[i].Limits[kind] = none
		}
	}
	var b strings.Builder
	b.WriteString(w.name + "=\n")
	for _, d := range w.out.ioLimits {
		if d.Limits[kind] != none {
			fmt.Fprintf(&b, "%s=%s %d\n", w.name, d.Path, d.Limits[kind])
		}
	}
	w.write(true, w.name, b.String())
	return true, nil
}

var ioLimitNames = []string{"IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax"}

// cgroupControllerNames are 252's controllers in mask order.
var cgroupControllerNames = []string{"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces"}

// managedOOMTypes may set the ManagedOOM* settings (can_set_managed_oom).
var managedOOMTypes = map[unitname.Type]bool{unitname.Service: true, unitname.Scope: true, unitname.Slice: true}

// cgroupControllers is the rest of bus_cgroup_set_property: controller
// masks, cpusets and systemd-oomd's settings.
func (w *propWriter) cgroupControllers() (bool, error) {
	switch w.name {
	case "IPAddressAllow", "IPAddressDeny":
		return w.ipAddressAccess()
	case "DelegateControllers", "DisableControllers":
		if w.name == "DelegateControllers" && !w.tg.creating {
			return false, nil
		}
		if w.name == "DelegateControllers" && w.tg.t != unitname.Service && w.tg.t != unitname.Scope {
			return true, invalidArgs("Delegation not available for unit type")
		}
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		var mask uint64
		for _, c := range l {
			i := -1
			for j, n := range cgroupControllerNames {
				if n == c {
					i = j
				}
			}
			if i < 0 {
				return true, invalidArgs("Unknown cgroup controller '%s'", c)
			}
			mask |= 1 << uint(i)
		}
		var words []string
		for i, n := range cgroupControllerNames {
			if mask&(1<<uint(i)) != 0 {
				words = append(words, n)
			}
		}
		key := w.name
		if key == "DelegateControllers" {
			key = "Delegate"
		}
		w.write(true, w.name, key+"="+strings.Join(words, " "))
		return true, nil
	case "AllowedCPUs", "StartupAllowedCPUs", "AllowedMemoryNodes", "StartupAllowedMemoryNodes":
		b, ok := w.v.([]byte)
		if !ok {
			return true, errUnexpected
		}
		s := cpuSetRanges(b)
		w.write(true, w.name, w.name+"=\n"+w.name+"="+s)
		return true, nil
	case "ManagedOOMSwap", "ManagedOOMMemoryPressure":
		if !managedOOMTypes[w.tg.t] {
			return true, invalidArgs("Cannot set %s for this unit type", w.name)
		}
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "auto" && s != "kill" {
			return true, errInvalidArg
		}
		w.write(true, w.name, w.name+"="+s)
		return true, nil
	case "ManagedOOMMemoryPressureLimit":
		if !managedOOMTypes[w.tg.t] {
			return true, invalidArgs("Cannot set %s for this unit type", w.name)
		}
		raw, ok := w.v.(uint32)
		if !ok {
			return true, errUnexpected
		}
		p := (uint64(raw)*10000 + math.MaxUint32/2) / math.MaxUint32
		w.write(true, w.name, fmt.Sprintf("%s=%d.%02d%%", w.name, p/100, p%100))
		return true, nil
	case "ManagedOOMPreference":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "none" && s != "avoid" && s != "omit" {
			return true, errInvalidArg
		}
		w.write(true, w.name, w.name+"="+s)
		return true, nil
	}
	return w.cgroupFirewall()
}

// cpuSetRanges is cpu_set_to_range_string of a bitmask as the bus
// carries it (byte i holds CPUs 8i..8i+7, lowest bit first).
func cpuSetRanges(b []byte) string {
	var parts []string
	start := -1
	n := len(b) * 8
	for i := 0; i <= n; i++ {
		set := i < n && b[i/8]&(1<<uint(i%8)) != 0
		switch {
		case set && start < 0:
			start = i
		case !set && start >= 0:
			if start == i-1 {
				parts = append(parts, fmt.Sprint(start))
			} else {
				parts = append(parts, fmt.Sprintf("%d-%d", start, i-1))
			}
			start = -1
		}
	}
	return strings.Join(parts, " ")
}

// execLists is EnvironmentFiles=, LogExtraFields= and CoredumpFilter= of
// bus_exec_context_set_transient_property.
func (w *propWriter) execLists() (bool, error) {
	switch w.name {
	case "CoredumpFilter":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		w.write(true, w.name, fmt.Sprintf("CoredumpFilter=0x%x", n))
		return true, nil
	case "EnvironmentFiles":
		rows, ok := pairRows[string, bool](w.v)
		if !ok {
			return true, errUnexpected
		}
		// 252 writes the files set so far, then this call's.
		var b strings.Builder
		b.WriteString("EnvironmentFile=\n")
		for _, f := range w.out.envFiles {
			b.WriteString("EnvironmentFile=" + specifierEscape(f) + "\n")
		}
		var added []string
		for _, r := range rows {
			p, ignore := r.first, r.second
			if !path.IsAbs(p) {
				return true, invalidArgs("Path %s is not absolute.", p)
			}
			if ignore {
				p = "-" + p
			}
			b.WriteString("EnvironmentFile=" + specifierEscape(p) + "\n")
			added = append(added, p)
		}
		if len(added) == 0 {
			w.out.envFiles = nil
			w.write(true, w.name, "EnvironmentFile=")
			return true, nil
		}
		for _, p := range added {
			seen := false
			for _, q := range w.out.envFiles {
				seen = seen || p == q
			}
			if !seen {
				w.out.envFiles = append(w.out.envFiles, p)
			}
		}
		w.write(true, w.name, b.String())
		return true, nil
	case "LogExtraFields":
		l, ok := w.v.([][]byte)
		if !ok {
			return true, errUnexpected
		}
		for _, f := range l {
			s := string(f)
			if strings.IndexByte(s, 0) >= 0 {
				return true, invalidArgs("Journal field contains zero byte")
			}
			name, _, found := strings.Cut(s, "=")
			if !found {
				return true, invalidArgs("Journal field contains no '=' character")
			}
			if !journalFieldValid(name) {
				return true, invalidArgs("Journal field invalid")
			}
			if !utf8.ValidString(s) {
				return true, invalidArgs("Journal field is not valid UTF-8")
			}
			w.write(true, w.name, cescape(specifierEscape("LogExtraFields="+s)))
		}
		if len(l) == 0 {
			w.write(true, w.name, "LogExtraFields=")
		}
		return true, nil
	}
	return w.execSeccomp()
}

// journalFieldValid is journal_field_valid for fields a client may set.
func journalFieldValid(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// seccompArchNames are what seccomp_arch_from_string knows.
var seccompArchNames = []string{"native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32",
	"mips-le", "mips64-le", "mips64-le-n32", "ppc", "ppc64", "ppc64-le", "s390", "s390x", "riscv64", "loongarch64"}

// seccompKill is SECCOMP_ERROR_NUMBER_KILL.
const seccompKill = math.MaxInt32 - 1

// boolStrv reads a (bas).
func (w *propWriter) boolStrv() (bool, []string, error) {
	r, ok := w.v.([]any)
	if !ok || len(r) != 2 {
		return false, nil, errUnexpected
	}
	b, ok1 := r[0].(bool)
	l, ok2 := r[1].([]string)
	if !ok1 || !ok2 {
		return false, nil, errUnexpected
	}
	return b, l, nil
}

// execSeccomp is the system call and address family part of
// bus_exec_context_set_transient_property: the words are written as
// sent.
func (w *propWriter) execSeccomp() (bool, error) {
	switch w.name {
	case "SystemCallFilter", "SystemCallLog":
		allow, l, err := w.boolStrv()
		if err != nil {
			return true, err
		}
		if len(l) == 0 {
			w.write(true, w.name, w.name+"=")
			return true, nil
		}
		if w.name == "SystemCallFilter" {
			for _, word := range l {
				e, err := syscallErrno(word)
				if err != nil {
					return true, err
				}
				if allow && e >= 0 {
					return true, errInvalidArg
				}
			}
		}
		prefix := "~"
		if allow {
			prefix = ""
		}
		w.write(true, w.name, w.name+"="+prefix+strings.Join(l, " "))
		return true, nil
	case "SystemCallArchitectures":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, a := range l {
			known := false
			for _, n := range seccompArchNames {
				known = known || n == a
			}
			if !known {
				return true, errInvalidArg
			}
		}
		w.write(true, w.name, w.name+"="+strings.Join(l, " "))
		return true, nil
	case "SystemCallErrorNumber":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		if n != seccompKill && (n <= 0 || n > 4095) {
			return true, invalidArgs("Invalid %s setting: %d", w.name, n)
		}
		w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		if n == seccompKill {
			// The number read back is out of range.
			w.setLive("SystemCallErrorNumber=kill")
		}
		return true, nil
	case "RestrictAddressFamilies":
		allow, l, err := w.boolStrv()
		if err != nil {
			return true, err
		}
		if len(l) == 0 {
			if allow {
				w.write(true, w.name, "RestrictAddressFamilies=none")
			} else {
				w.write(true, w.name, "RestrictAddressFamilies=")
			}
			return true, nil
		}
		for _, f := range l {
			if _, err := value.AFFromName(f); err != nil {
				return true, errInvalidArg
			}
		}
		prefix := "~"
		if allow {
			prefix = ""
		}
		w.write(true, w.name, "RestrictAddressFamilies="+prefix+strings.Join(l, " "))
		return true, nil
	}
	return w.execCredentials()
}

// syscallErrno is the errno part of parse_syscall_and_errno: -1 if the
// word has none.
func syscallErrno(word string) (int, error) {
	_, e, found := strings.Cut(word, ":")
	if !found {
		return -1, nil
	}
	if e == "kill" {
		return seccompKill, nil
	}
	n, err := value.ParseErrno(e)
	if err != nil {
		return 0, bus.Errorf(errnoName(errnoOf(err)), "Failed to set unit properties: %s", value.Strerror(err))
	}
	return n, nil
}

// ipAddressAccess is IPAddressAllow= and IPAddressDeny= of
// bus_cgroup_set_property: the prefixes are added to the unit's, and
// the whole set written. (252 writes its hash set's order; ours is the
// set's sorted order, the same for a single prefix.)
func (w *propWriter) ipAddressAccess() (bool, error) {
	rows, ok := w.v.([][]any)
	if !ok {
		return true, errUnexpected
	}
	var added value.IPPrefixSet
	for _, r := range rows {
		if len(r) != 3 {
			return true, errUnexpected
		}
		family, ok1 := r[0].(int32)
		addr, ok2 := r[1].([]byte)
		plen, ok3 := r[2].(uint32)
		if !ok1 || !ok2 || !ok3 {
			return true, errUnexpected
		}
		size := 4
		switch family {
		case value.AFInet:
		case value.AFInet6:
			size = 16
		default:
			return true, invalidArgs("%s= expects IPv4 or IPv6 addresses only.", w.name)
		}
		if len(addr) != size {
			return true, invalidArgs("IP address has wrong size for family (%s, expected %d, got %d)", value.AFToName(int(family)), size, len(addr))
		}
		if plen > uint32(size*8) {
			return true, invalidArgs("Prefix length %d too large for address family %s.", plen, value.AFToName(int(family)))
		}
		added.Add(value.IPPrefix{Family: int(family), Addr: addr, PrefixLen: uint8(plen)})
	}
	set := &w.out.ipAllow
	if w.name == "IPAddressDeny" {
		set = &w.out.ipDeny
	}
	if *set == nil {
		cur := w.tg.ipAllow
		if w.name == "IPAddressDeny" {
			cur = w.tg.ipDeny
		}
		*set = append(value.IPPrefixSet{}, cur...)
	}
	var b strings.Builder
	b.WriteString(w.name + "=\n")
	if len(rows) == 0 {
		*set = value.IPPrefixSet{}
	} else {
		for _, p := range added {
			set.Add(p)
		}
		for _, p := range *set {
			fmt.Fprintf(&b, "%s=%s\n", w.name, p)
		}
	}
	w.write(true, w.name, b.String())
	return true, nil
}

// credentialNameValid is credential_name_valid.
func credentialNameValid(s string) bool { return unitname.FilenameIsValid(s) && fdNameValid(s) }

// execCredentials is the credential part of
// bus_exec_context_set_transient_property.
func (w *propWriter) execCredentials() (bool, error) {
	switch w.name {
	case "SetCredential", "SetCredentialEncrypted":
		rows, ok := pairRows[string, []byte](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			id, data := r.first, r.second
			if !credentialNameValid(id) {
				return true, invalidArgs("Credential ID is invalid: %s", id)
			}
			w.write(true, w.name, w.name+"="+specifierEscape(id)+":"+cescape(string(data)))
		}
		if len(rows) == 0 {
			w.write(true, w.name, w.name+"=")
		}
		return true, nil
	case "LoadCredential", "LoadCredentialEncrypted":
		rows, ok := pairRows[string, string](w.v)
		if !ok {
			return true, errUnexpected
		}
		for _, r := range rows {
			id, src := r.first, r.second
			if !credentialNameValid(id) {
				return true, invalidArgs("Credential ID is invalid: %s", id)
			}
			if path.IsAbs(src) && !unitname.PathIsNormalized(src) || !path.IsAbs(src) && !credentialNameValid(src) {
				return true, invalidArgs("Credential source is invalid: %s", src)
			}
			w.write(true, w.name, specifierEscape(w.name+"="+id+":"+src))
		}
		if len(rows) == 0 {
			w.write(true, w.name, w.name+"=")
		}
		return true, nil
	}
	return w.execPlacement()
}

// execPlacement is the CPU, search path, log namespace and directory
// symlink part of bus_exec_context_set_transient_property.
func (w *propWriter) execPlacement() (bool, error) {
	switch w.name {
	case "CPUAffinity", "NUMAMask":
		b, ok := w.v.([]byte)
		if !ok {
			return true, errUnexpected
		}
		if len(b) == 0 {
			w.write(true, w.name, w.name+"=")
			return true, nil
		}
		var cpus []string
		for i := 0; i < len(b)*8; i++ {
			if b[i/8]&(1<<uint(i%8)) != 0 {
				cpus = append(cpus, fmt.Sprint(i))
			}
		}
		w.write(true, w.name, w.name+"="+strings.Join(cpus, " "))
		return true, nil
	case "CPUAffinityFromNUMA":
		if _, err := w.boolean(); err != nil {
			return true, err
		}
		w.write(true, w.name, "CPUAffinity=numa")
		return true, nil
	case "ExecSearchPath":
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		for _, p := range l {
			if !path.IsAbs(p) || !unitname.PathIsNormalized(p) || strings.Contains(p, ":") {
				return true, invalidArgs("Invalid %s", w.name)
			}
		}
		if len(l) == 0 {
			w.out.searchPath = nil
			w.write(true, w.name, "ExecSearchPath=")
			return true, nil
		}
		for _, p := range l {
			seen := false
			for _, q := range w.out.searchPath {
				seen = seen || p == q
			}
			if !seen {
				w.out.searchPath = append(w.out.searchPath, p)
			}
		}
		joined := specifierEscape(strings.Join(w.out.searchPath, ":"))
		w.write(true, w.name, "ExecSearchPath="+joined)
		// Read back after the earlier assignments, the whole list would
		// be added to itself.
		w.setLive("ExecSearchPath=\nExecSearchPath=" + joined)
		return true, nil
	case "LogNamespace":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "" && !unit.LogNamespaceNameValid(s) {
			return true, invalidArgs("Log namespace name not valid")
		}
		w.write(true, w.name, "LogNamespace="+s)
		return true, nil
	case "StateDirectorySymlink", "RuntimeDirectorySymlink", "CacheDirectorySymlink", "LogsDirectorySymlink":
		rows, ok := w.v.([][]any)
		if !ok {
			return true, errUnexpected
		}
		key := strings.TrimSuffix(w.name, "Symlink")
		for _, r := range rows {
			if len(r) != 3 {
				return true, errUnexpected
			}
			src, ok1 := r[0].(string)
			dst, ok2 := r[1].(string)
			flags, ok3 := r[2].(uint64)
			if !ok1 || !ok2 || !ok3 {
				return true, errUnexpected
			}
			for _, c := range []struct{ what, p string }{{"Source", src}, {"Destination", dst}} {
				switch {
				case !unitname.PathIsValid(c.p):
					return true, invalidArgs("%s path %s is not valid.", c.what, c.p)
				case path.IsAbs(c.p):
					return true, invalidArgs("%s path %s is absolute.", c.what, c.p)
				case !unitname.PathIsNormalized(c.p):
					return true, invalidArgs("%s path %s is not normalized.", c.what, c.p)
				}
			}
			if flags != 0 {
				return true, invalidArgs("Flags must be zero.")
			}
			w.write(true, key, specifierEscape(key+"="+xescape(src, ":")+":"+xescape(dst, ":")))
		}
		return true, nil
	}
	return w.execImages()
}

// xescape is 252's xescape: \xNN for control bytes, bytes above ASCII,
// the backslash and the bad characters.
func xescape(s, bad string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 127 || c == '\\' || strings.IndexByte(bad, c) >= 0 {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cgroupFirewall is IODeviceLatencyTargetUSec=, the BPF filter paths and
// RestrictNetworkInterfaces= of bus_cgroup_set_property.
func (w *propWriter) cgroupFirewall() (bool, error) {
	switch w.name {
	case "SocketBindAllow", "SocketBindDeny":
		return w.socketBind()
	case "IODeviceLatencyTargetUSec":
		rows, ok := pairRows[string, uint64](w.v)
		if !ok {
			return true, errUnexpected
		}
		if w.out.ioLatencies == nil {
			w.out.ioLatencies = append([]unit.DeviceWeight{}, w.tg.ioLatencies...)
		}
		for _, r := range rows {
			p, n := r.first, r.second
			if !unitname.PathIsNormalized(p) {
				return true, invalidArgs("Path '%s' specified in %s= is not normalized.", w.name, p)
			}
			found := false
			for i := range w.out.ioLatencies {
				if unitname.PathEqual(w.out.ioLatencies[i].Path, p) {
					w.out.ioLatencies[i].Value = n
					found = true
					break
				}
			}
			if !found {
				w.out.ioLatencies = append(w.out.ioLatencies, unit.DeviceWeight{Path: p, Value: n})
			}
		}
		if len(rows) == 0 {
			w.out.ioLatencies = []unit.DeviceWeight{}
		}
		var b strings.Builder
		b.WriteString("IODeviceLatencyTargetSec=\n")
		for _, d := range w.out.ioLatencies {
			fmt.Fprintf(&b, "IODeviceLatencyTargetSec=%s %s\n", d.Path, timeutil.FormatTimespan(timeutil.Usec(d.Value), 1))
		}
		w.write(true, w.name, b.String())
		return true, nil
	case "IPIngressFilterPath", "IPEgressFilterPath":
		if !w.tg.creating {
			return false, nil
		}
		l, err := w.strv()
		if err != nil {
			return true, err
		}
		list := &w.out.ingress
		cur := w.tg.ingress
		if w.name == "IPEgressFilterPath" {
			list, cur = &w.out.egress, w.tg.egress
		}
		if *list == nil {
			*list = append([]string{}, cur...)
		}
		for _, p := range l {
			if !unitname.PathIsNormalized(p) || !path.IsAbs(p) {
				return true, invalidArgs("%s= expects a normalized absolute path.", w.name)
			}
			seen := false
			for _, q := range *list {
				seen = seen || p == q
			}
			if !seen {
				*list = append(*list, p)
			}
		}
		if len(l) == 0 {
			*list = []string{}
		}
		var b strings.Builder
		b.WriteString(w.name + "=\n")
		for _, p := range *list {
			fmt.Fprintf(&b, "%s=%s\n", w.name, p)
		}
		w.write(true, w.name, b.String())
		return true, nil
	case "RestrictNetworkInterfaces":
		allow, l, err := w.boolStrv()
		if err != nil {
			return true, err
		}
		if len(l) == 0 {
			w.write(true, w.name, w.name+"=")
			return true, nil
		}
		prefix := "~"
		if allow {
			prefix = ""
		}
		w.write(true, w.name, w.name+"="+prefix+strings.Join(l, " "))
		return true, nil
	}
	return w.cgroupLegacy()
}

// socketBind is SocketBindAllow= and SocketBindDeny= of
// bus_cgroup_set_property: new entries go first, and the whole list is
// written.
func (w *propWriter) socketBind() (bool, error) {
	rows, ok := w.v.([][]any)
	if !ok {
		return true, errUnexpected
	}
	list, cur := &w.out.bindAllow, w.tg.bindAllow
	if w.name == "SocketBindDeny" {
		list, cur = &w.out.bindDeny, w.tg.bindDeny
	}
	if *list == nil {
		*list = append([]unit.SocketBindItem{}, cur...)
	}
	for _, r := range rows {
		if len(r) != 4 {
			return true, errUnexpected
		}
		family, ok1 := r[0].(int32)
		proto, ok2 := r[1].(int32)
		nr, ok3 := r[2].(uint16)
		min, ok4 := r[3].(uint16)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return true, errUnexpected
		}
		switch {
		case family != 0 && family != value.AFInet && family != value.AFInet6:
			return true, invalidArgs("%s= expects INET or INET6 family, if specified.", w.name)
		case proto != 0 && proto != 6 && proto != 17:
			return true, invalidArgs("%s= expects TCP or UDP protocol, if specified.", w.name)
		case uint32(min)+uint32(nr) > 1<<16:
			return true, invalidArgs("%s= expects maximum port value lesser than 65536.", w.name)
		case min == 0 && nr != 0:
			return true, invalidArgs("%s= expects port range starting with positive value.", w.name)
		}
		*list = append([]unit.SocketBindItem{{Family: family, Protocol: proto, NrPorts: nr, PortMin: min}}, *list...)
	}
	if len(rows) == 0 {
		*list = []unit.SocketBindItem{}
		w.write(true, w.name, w.name+"=")
		return true, nil
	}
	// Each entry read is put first: the text that keeps 252's order
	// lists them the other way round, after a reset.
	var b, live strings.Builder
	live.WriteString(w.name + "=\n")
	for i, it := range *list {
		fmt.Fprintf(&b, "%s=%s\n", w.name, unit.SocketBindItemText(it))
		r := (*list)[len(*list)-1-i]
		fmt.Fprintf(&live, "%s=%s\n", w.name, unit.SocketBindItemText(r))
	}
	w.write(true, w.name, b.String())
	w.setLive(live.String())
	return true, nil
}
