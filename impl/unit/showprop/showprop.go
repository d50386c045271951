// Package showprop prints D-Bus properties of systemd objects as systemd
// 252's `systemctl show` prints them: one NAME=VALUE line per property,
// with systemctl's per-property formatting (timestamps, time spans,
// limits, Exec* command structures, lists) and its rules for skipping
// empty values without --all.
//
// Values are Go values in godbus's encoding: basic types, slices, and
// structs either as Go structs or as []any (as godbus decodes them). The
// unit model (impl/unit) produces such values; systemctl gets them from
// the bus. It imports impl/timeutil and impl/unit/value only.
package showprop

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
)

// Property is one property to print.
type Property struct {
	Name      string
	Signature string
	Value     any
}

// Options are systemctl show's output switches.
type Options struct {
	// All prints empty values too (--all).
	All bool
	// ValueOnly prints values without "NAME=" (--value).
	ValueOnly bool
	// Filter limits output to these properties (-p); an entry
	// "NAME=VALUE" prints NAME only when its value is VALUE.
	Filter []string
	// Time formats timestamps; nil uses the local zone.
	Time *timeutil.Context
	// TimestampStyle is --timestamp= (default pretty).
	TimestampStyle timeutil.TimestampStyle
}

type printer struct {
	w   io.Writer
	opt Options
	t   *timeutil.Context
}

// Print writes props in order as systemctl show does for one object.
func Print(w io.Writer, props []Property, opt Options) error {
	p := &printer{w: w, opt: opt, t: opt.Time}
	if p.t == nil {
		p.t = timeutil.NewContext(timeutil.ZoneFromEnv(), nil)
	}
	for _, prop := range props {
		expected, ok := p.selected(prop.Name)
		if !ok {
			continue
		}
		handled := p.systemctlProperty(prop.Name, expected, prop.Signature, reflect.ValueOf(prop.Value))
		if !handled {
			handled = p.busProperty(prop.Name, expected, prop.Signature, reflect.ValueOf(prop.Value))
		}
		if !handled && p.opt.All && expected == nil {
			fmt.Fprintf(p.w, "%s=[unprintable]\n", prop.Name)
		}
	}
	return nil
}

// selected applies the -p filter: ok says whether to print name, and
// expected is the value a NAME=VALUE filter asks for.
func (p *printer) selected(name string) (expected *string, ok bool) {
	if p.opt.Filter == nil {
		return nil, true
	}
	for _, f := range p.opt.Filter {
		if f == name {
			return nil, true
		}
	}
	for _, f := range p.opt.Filter {
		if v, found := strings.CutPrefix(f, name+"="); found {
			return &v, true
		}
	}
	return nil, false
}

// value is bus_print_property_value; a nil value is C's NULL.
func (p *printer) value(name string, expected *string, v *string) {
	s := ""
	if v != nil {
		s = *v
	}
	if expected != nil && (v == nil || *expected != s) {
		return
	}
	if !p.opt.All && s == "" {
		return
	}
	if p.opt.ValueOnly {
		fmt.Fprintln(p.w, s)
	} else {
		fmt.Fprintf(p.w, "%s=%s\n", name, s)
	}
}

func (p *printer) valuef(name string, expected *string, format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	p.value(name, expected, &s)
}

func ptr(s string) *string { return &s }

// field returns the i-th member of a struct value, Go struct or []any.
func field(v reflect.Value, i int) reflect.Value {
	for v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		return elem(v.Field(i))
	}
	return elem(v.Index(i))
}

func elem(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	return v
}

func items(v reflect.Value) []reflect.Value {
	v = elem(v)
	if !v.IsValid() || v.Kind() != reflect.Slice {
		return nil
	}
	out := make([]reflect.Value, v.Len())
	for i := range out {
		out[i] = elem(v.Index(i))
	}
	return out
}

func str(v reflect.Value) string { return elem(v).String() }
func u64(v reflect.Value) uint64 { return elem(v).Uint() }
func i64(v reflect.Value) int64  { return elem(v).Int() }
func boolean(v reflect.Value) bool {
	return elem(v).Bool()
}

func bytesOf(v reflect.Value) []byte {
	v = elem(v)
	if v.Kind() != reflect.Slice {
		return nil
	}
	out := make([]byte, v.Len())
	for i := range out {
		out[i] = byte(elem(v.Index(i)).Uint())
	}
	return out
}

func stringsOf(v reflect.Value) []string {
	var out []string
	for _, x := range items(v) {
		out = append(out, x.String())
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (p *printer) timestamp(t uint64) *string {
	s, ok := p.t.FormatTimestamp(t, p.opt.TimestampStyle)
	if !ok || t == 0 || t == math.MaxUint64 {
		return nil
	}
	return &s
}

func strna(s *string) string {
	if s == nil {
		return "n/a"
	}
	return *s
}

var mpolNames = []string{"default", "preferred", "bind", "interleave", "local"}

var sigchldCodes = []string{1: "exited", 2: "killed", 3: "dumped", 4: "trapped", 5: "stopped", 6: "continued"}

var ioLimitNames = map[string]bool{"IOReadBandwidthMax": true, "IOWriteBandwidthMax": true, "IOReadIOPSMax": true, "IOWriteIOPSMax": true}

// systemctlProperty is systemctl's print_property: the properties it
// formats itself. It reports whether it handled the property.
func (p *printer) systemctlProperty(name string, expected *string, sig string, v reflect.Value) bool {
	switch {
	case sig == "i":
		i := i64(v)
		if strings.HasSuffix(name, "ActionExitStatus") {
			if i >= 0 && i <= 255 {
				p.valuef(name, expected, "%d", i)
			} else if p.opt.All {
				p.value(name, expected, ptr("[not set]"))
			}
			return true
		}
		if name == "NUMAPolicy" {
			s := "n/a"
			if i >= 0 && int(i) < len(mpolNames) {
				s = mpolNames[i]
			}
			p.value(name, expected, &s)
			return true
		}
	case sig == "t":
		if strings.HasSuffix(name, "Timestamp") {
			p.value(name, expected, p.timestamp(u64(v)))
			return true
		}
	case strings.HasPrefix(sig, "("):
		return p.systemctlStruct(name, expected, sig, v)
	case strings.HasPrefix(sig, "a"):
		return p.systemctlArray(name, expected, sig[1:], v)
	}
	return false
}

func (p *printer) systemctlStruct(name string, expected *string, sig string, v reflect.Value) bool {
	contents := sig[1 : len(sig)-1]
	switch {
	case contents[0] == 'u' && name == "Job":
		if id := u64(field(v, 0)); id > 0 {
			p.valuef(name, expected, "%d", id)
		} else {
			p.value(name, expected, nil)
		}
	case contents[0] == 's' && name == "Unit":
		p.value(name, expected, ptr(str(field(v, 0))))
	case contents[0] == 's' && name == "LoadError":
		a, b := str(field(v, 0)), str(field(v, 1))
		if a != "" || b != "" {
			p.valuef(name, expected, "%s \"%s\"", a, b)
		} else {
			p.value(name, expected, nil)
		}
	case name == "SystemCallFilter" || name == "SystemCallLog" || name == "RestrictAddressFamilies" ||
		name == "RestrictNetworkInterfaces" || name == "RestrictFileSystems":
		allow := boolean(field(v, 0))
		l := stringsOf(field(v, 1))
		if p.opt.All || allow || len(l) > 0 {
			var b strings.Builder
			if !p.opt.ValueOnly {
				b.WriteString(name + "=")
			}
			if !allow {
				b.WriteByte('~')
			}
			b.WriteString(strings.Join(l, " "))
			fmt.Fprintln(p.w, b.String())
		}
	case name == "SELinuxContext" || name == "AppArmorProfile" || name == "SmackProcessLabel":
		ignore, s := boolean(field(v, 0)), str(field(v, 1))
		if s != "" {
			prefix := ""
			if ignore {
				prefix = "-"
			}
			p.valuef(name, expected, "%s%s", prefix, s)
		} else {
			p.value(name, expected, nil)
		}
	case strings.HasSuffix(name, "ExitStatus") && contents == "aiai":
		statuses, signals := items(field(v, 0)), items(field(v, 1))
		if p.opt.All || len(statuses) > 0 || len(signals) > 0 {
			var parts []string
			for _, s := range statuses {
				parts = append(parts, strconv.FormatInt(s.Int(), 10))
			}
			for i, s := range signals {
				if n := value.SignalToString(int(s.Int())); n != "" {
					parts = append(parts, n)
				} else if i < len(statuses) {
					parts = append(parts, strconv.FormatInt(statuses[i].Int(), 10))
				}
			}
			prefix := ""
			if !p.opt.ValueOnly {
				prefix = name + "="
			}
			fmt.Fprintln(p.w, prefix+strings.Join(parts, " "))
		}
	default:
		return false
	}
	return true
}

func (p *printer) systemctlArray(name string, expected *string, contents string, v reflect.Value) bool {
	isStruct := strings.HasPrefix(contents, "(")
	join := func(parts []string) {
		s := strings.Join(parts, " ")
		if len(parts) == 0 {
			p.value(name, expected, nil)
		} else {
			p.value(name, expected, &s)
		}
	}
	switch {
	case isStruct && name == "EnvironmentFiles":
		for _, e := range items(v) {
			p.valuef(name, expected, "%s (ignore_errors=%s)", str(field(e, 0)), yesNo(boolean(field(e, 1))))
		}
	case isStruct && (name == "Paths" || name == "Listen"):
		for _, e := range items(v) {
			p.valuef(name, expected, "%s (%s)", str(field(e, 1)), str(field(e, 0)))
		}
	case isStruct && name == "TimersMonotonic":
		for _, e := range items(v) {
			p.valuef(name, expected, "{ %s=%s ; next_elapse=%s }", str(field(e, 0)),
				timeutil.FormatTimespan(u64(field(e, 1)), 0), timeutil.FormatTimespan(u64(field(e, 2)), 0))
		}
	case isStruct && name == "TimersCalendar":
		for _, e := range items(v) {
			next := "(null)" // systemctl passes a NULL string to printf
			if t := p.timestamp(u64(field(e, 2))); t != nil {
				next = *t
			}
			p.valuef(name, expected, "{ %s=%s ; next_elapse=%s }", str(field(e, 0)), str(field(e, 1)), next)
		}
	case isStruct && strings.HasPrefix(name, "Exec"):
		ex := strings.HasSuffix(name, "Ex")
		for _, e := range items(v) {
			path, argv := str(field(e, 0)), strings.Join(stringsOf(field(e, 1)), " ")
			start, exit := p.timestamp(u64(field(e, 3))), p.timestamp(u64(field(e, 5)))
			pid, code, status := u64(field(e, 7)), i64(field(e, 8)), i64(field(e, 9))
			codeName := "(null)"
			if code > 0 && int(code) < len(sigchldCodes) {
				codeName = sigchldCodes[code]
			}
			sep, sigName := "/", value.SignalToString(int(status))
			if code == 1 {
				sep, sigName = "", ""
			}
			if ex {
				p.valuef(name, expected, "{ path=%s ; argv[]=%s ; flags=%s ; start_time=[%s] ; stop_time=[%s] ; pid=%d ; code=%s ; status=%d%s%s }",
					path, argv, strings.Join(stringsOf(field(e, 2)), " "), strna(start), strna(exit), pid, codeName, status, sep, sigName)
			} else {
				p.valuef(name, expected, "{ path=%s ; argv[]=%s ; ignore_errors=%s ; start_time=[%s] ; stop_time=[%s] ; pid=%d ; code=%s ; status=%d%s%s }",
					path, argv, yesNo(boolean(field(e, 2))), strna(start), strna(exit), pid, codeName, status, sep, sigName)
			}
		}
	case isStruct && name == "DeviceAllow":
		for _, e := range items(v) {
			p.valuef(name, expected, "%s %s", str(field(e, 0)), str(field(e, 1)))
		}
	case isStruct && (name == "IODeviceWeight" || name == "BlockIODeviceWeight" || ioLimitNames[name] ||
		name == "BlockIOReadBandwidth" || name == "BlockIOWriteBandwidth"):
		for _, e := range items(v) {
			p.valuef(name, expected, "%s %d", str(field(e, 0)), u64(field(e, 1)))
		}
	case isStruct && name == "IODeviceLatencyTargetUSec":
		for _, e := range items(v) {
			p.valuef(name, expected, "%s %s", str(field(e, 0)), timeutil.FormatTimespan(u64(field(e, 1)), 1))
		}
	case contents == "y" && (name == "StandardInputData" || name == "RootHashSignature"):
		s := base64.StdEncoding.EncodeToString(bytesOf(v))
		p.value(name, expected, &s)
	case name == "IPAddressAllow" || name == "IPAddressDeny":
		var parts []string
		for _, e := range items(v) {
			family, addr, plen := i64(field(e, 0)), bytesOf(field(e, 1)), u64(field(e, 2))
			size := map[int64]int{value.AFInet: 4, value.AFInet6: 16}[family]
			if size == 0 || len(addr) != size || plen > uint64(size*8) {
				continue
			}
			parts = append(parts, value.FormatInAddr(addr)+"/"+strconv.FormatUint(plen, 10))
		}
		join(parts)
	case name == "BindPaths" || name == "BindReadOnlyPaths":
		var parts []string
		for _, e := range items(v) {
			src, dst := str(field(e, 0)), str(field(e, 1))
			if src == "" {
				continue
			}
			s := ""
			if boolean(field(e, 2)) {
				s = "-"
			}
			s += src
			if dst != "" {
				s += ":" + dst
			}
			if u64(field(e, 3)) == 16384 {
				s += ":rbind"
			}
			parts = append(parts, s)
		}
		join(parts)
	case name == "TemporaryFileSystem":
		var parts []string
		for _, e := range items(v) {
			target, opt := str(field(e, 0)), str(field(e, 1))
			if target == "" {
				continue
			}
			if opt != "" {
				target += ":" + opt
			}
			parts = append(parts, target)
		}
		join(parts)
	case name == "LogExtraFields":
		var parts []string
		for _, e := range items(v) {
			b := bytesOf(e)
			s := string(b)
			eq := strings.IndexByte(s, '=')
			if strings.IndexByte(s, 0) >= 0 || eq < 0 || !journalFieldValid(s[:eq]) || !utf8.ValidString(s) {
				continue
			}
			parts = append(parts, s)
		}
		join(parts)
	case contents == "y" && (name == "CPUAffinity" || name == "NUMAMask" || name == "AllowedCPUs" ||
		name == "AllowedMemoryNodes" || name == "EffectiveCPUs" || name == "EffectiveMemoryNodes"):
		s := value.CPUSet(bytesOf(v)).RangeString()
		p.value(name, expected, &s)
	case name == "RootImageOptions" || name == "BPFProgram" || isStruct && strings.HasSuffix(name, "DirectorySymlink"):
		for _, e := range items(v) {
			p.valuef(name, expected, "%s:%s", str(field(e, 0)), str(field(e, 1)))
		}
	case name == "MountImages" || name == "ExtensionImages":
		var parts []string
		mount := name == "MountImages"
		for _, e := range items(v) {
			s := ""
			ignoreIdx, optIdx := 1, 2
			if mount {
				ignoreIdx, optIdx = 2, 3
			}
			if boolean(field(e, ignoreIdx)) {
				s = "-"
			}
			s += str(field(e, 0))
			if mount {
				s += ":" + str(field(e, 1))
			}
			for _, o := range items(field(e, optIdx)) {
				s += ":" + str(field(o, 0)) + ":" + str(field(o, 1))
			}
			parts = append(parts, s)
		}
		join(parts)
	case name == "SocketBindAllow" || name == "SocketBindDeny":
		for _, e := range items(v) {
			af, proto, nr, min := i64(field(e, 0)), i64(field(e, 1)), u64(field(e, 2)), u64(field(e, 3))
			family := map[int64]string{value.AFInet: "ipv4", value.AFInet6: "ipv6"}[af]
			colon := ""
			if family != "" {
				colon = ":"
			}
			protocol := ""
			if proto != 0 {
				protocol = map[int64]string{6: "tcp", 17: "udp"}[proto]
			}
			switch nr {
			case 0:
				p.valuef(name, expected, "%s%s%sany", family, colon, protocol)
			case 1:
				p.valuef(name, expected, "%s%s%s%d", family, colon, protocol, min)
			default:
				p.valuef(name, expected, "%s%s%s%d-%d", family, colon, protocol, min, uint16(min+nr-1))
			}
		}
	default:
		return false
	}
	return true
}

// journalFieldValid is systemd's journal_field_valid for user fields.
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

var (
	limitInfinity = map[string]bool{"DefaultMemoryLow": true, "DefaultMemoryMin": true, "MemoryLow": true,
		"MemoryHigh": true, "MemoryMax": true, "MemorySwapMax": true, "MemoryLimit": true, "MemoryAvailable": true}
	ipCounters = map[string]bool{"IPIngressBytes": true, "IPIngressPackets": true, "IPEgressBytes": true, "IPEgressPackets": true}
	namespaces = []struct {
		name string
		flag uint64
	}{{"cgroup", 0x02000000}, {"ipc", 0x08000000}, {"net", 0x40000000}, {"mnt", 0x00020000},
		{"pid", 0x20000000}, {"user", 0x10000000}, {"uts", 0x04000000}, {"time", 0x00000080}}
)

const namespaceFlagsAll = 0x02000000 | 0x08000000 | 0x40000000 | 0x00020000 | 0x20000000 | 0x10000000 | 0x04000000

// busProperty is bus_print_property: the generic formatting by type.
func (p *printer) busProperty(name string, expected *string, sig string, v reflect.Value) bool {
	switch sig {
	case "s":
		s := str(v)
		if p.opt.All || s != "" {
			if strings.Contains(s, "\n") {
				s = "[unprintable]"
			}
			p.value(name, expected, &s)
		}
	case "b":
		b := boolean(v)
		if expected != nil {
			if e, err := value.ParseBoolean(*expected); err != nil || e != b {
				return true
			}
		}
		p.value(name, nil, ptr(yesNo(b)))
	case "t":
		p.uint64Property(name, expected, u64(v))
	case "x", "i":
		p.valuef(name, expected, "%d", i64(v))
	case "u":
		u := u64(v)
		switch {
		case strings.Contains(name, "UMask") || strings.Contains(name, "Mode"):
			p.valuef(name, expected, "%04o", u)
		case (name == "UID" || name == "GID") && u == math.MaxUint32:
			p.value(name, expected, ptr("[not set]"))
		default:
			p.valuef(name, expected, "%d", u)
		}
	case "d":
		p.valuef(name, expected, "%g", elem(v).Float())
	case "as":
		l := stringsOf(v)
		if len(l) == 0 && !p.opt.All {
			return true
		}
		quoted := make([]string, len(l))
		for i, s := range l {
			quoted[i] = shellMaybeQuote(s)
		}
		prefix := ""
		if !p.opt.ValueOnly {
			prefix = name + "="
		}
		fmt.Fprintln(p.w, prefix+strings.Join(quoted, " "))
	case "ay", "au":
		l := items(v)
		if len(l) == 0 && !p.opt.All {
			return true
		}
		var b strings.Builder
		if !p.opt.ValueOnly {
			b.WriteString(name + "=")
		}
		for _, x := range l {
			if sig == "ay" {
				fmt.Fprintf(&b, "%02x", x.Uint())
			} else {
				fmt.Fprintf(&b, "%08x", x.Uint())
			}
		}
		fmt.Fprintln(p.w, b.String())
	default:
		return false
	}
	return true
}

func (p *printer) uint64Property(name string, expected *string, u uint64) {
	const max = math.MaxUint64
	switch {
	case strings.HasSuffix(name, "Timestamp") || name == "NextElapseUSecRealtime" || name == "LastTriggerUSec" ||
		name == "TimeUSec" || name == "RTCTimeUSec":
		p.value(name, expected, p.timestamp(u))
	case strings.Contains(name, "USec"):
		p.value(name, expected, ptr(timeutil.FormatTimespan(u, 0)))
	case name == "CoredumpFilter":
		p.valuef(name, expected, "0x%x", u)
	case name == "RestrictNamespaces":
		var s string
		switch {
		case u&namespaceFlagsAll == 0:
			s = "yes"
		case u&namespaceFlagsAll == namespaceFlagsAll:
			s = "no"
		default:
			var parts []string
			for _, n := range namespaces {
				if u&n.flag == n.flag {
					parts = append(parts, n.name)
				}
			}
			s = strings.Join(parts, " ")
		}
		p.value(name, expected, &s)
	case name == "MountFlags":
		s := map[uint64]string{0: "", 1 << 20: "shared", 1 << 19: "slave", 1 << 18: "private"}[u&(1<<20|1<<19|1<<18)]
		p.value(name, expected, &s)
	case name == "CapabilityBoundingSet" || name == "AmbientCapabilities":
		p.value(name, expected, ptr(value.CapabilitySetToString(u)))
	case (name == "CPUWeight" || name == "StartupCPUWeight") && u == 0:
		p.value(name, expected, ptr("idle"))
	case (name == "CPUWeight" || name == "StartupCPUWeight" || name == "IOWeight" || name == "StartupIOWeight" ||
		name == "CPUShares" || name == "StartupCPUShares" || name == "BlockIOWeight" || name == "StartupBlockIOWeight" ||
		name == "MemoryCurrent" || name == "TasksCurrent" || strings.HasSuffix(name, "NSec")) && u == max:
		p.value(name, expected, ptr("[not set]"))
	case limitInfinity[name] && u == max || (name == "TasksMax" || name == "DefaultTasksMax" ||
		strings.HasPrefix(name, "Limit") || strings.HasPrefix(name, "DefaultLimit")) && u == max:
		p.value(name, expected, ptr("infinity"))
	case ipCounters[name] && u == max:
		p.value(name, expected, ptr("[no data]"))
	default:
		p.valuef(name, expected, "%d", u)
	}
}

const (
	shellNeedEscape = "\"\\`$"
	shellNeedQuotes = shellNeedEscape + "*?[" + "'()<>|&;!"
)

// shellMaybeQuote is systemd's shell_maybe_quote without flags.
func shellMaybeQuote(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		r, size := utf8.DecodeRuneInString(s[i:])
		if c < ' ' || c == 127 || r == utf8.RuneError && size <= 1 || strings.IndexByte(" \t\n\r"+shellNeedQuotes, c) >= 0 {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(s[:i])
	for j := i; j < len(s); j++ {
		if strings.IndexByte(shellNeedEscape, s[j]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[j])
	}
	b.WriteByte('"')
	return b.String()
}
