// Package unitname owns systemd unit names as systemd 252 handles them:
// which names are valid, the prefix/instance/type split of "foo@bar.service",
// building names from parts, the \xNN escaping of arbitrary strings and of
// file system paths, mangling of user input (systemctl's and
// systemd-escape --mangle's), slice hierarchy names and the D-Bus object
// path of a unit; and, as the lowest layer, systemd's path-util helpers
// (path.go) that every package handling paths shares.
//
// Strings are treated as systemd treats C strings: bytes, not runes, and a
// decoded NUL byte ends the string.
//
// Errors wrap a syscall.Errno (EINVAL, ENAMETOOLONG, EMSGSIZE), the code
// systemd returns in the same situation, so callers can print "%m" texts and
// map to D-Bus errors. Any package may import unitname; it imports nothing
// else of ours.
package unitname

import (
	"fmt"
	"strings"
	"syscall"
)

// Max is systemd's UNIT_NAME_MAX: a valid name is shorter than this (at most
// 255 bytes).
const Max = 256

// Type is a unit type, in systemd's order.
type Type int

// The unit types. TypeInvalid is what lookups return for anything else.
const (
	Service Type = iota
	Mount
	Swap
	Socket
	Target
	Device
	Automount
	Timer
	Path
	Slice
	Scope
	TypeInvalid Type = -1
)

var typeNames = [...]string{
	Service:   "service",
	Mount:     "mount",
	Swap:      "swap",
	Socket:    "socket",
	Target:    "target",
	Device:    "device",
	Automount: "automount",
	Timer:     "timer",
	Path:      "path",
	Slice:     "slice",
	Scope:     "scope",
}

// Types lists every valid unit type in systemd's order.
func Types() []Type {
	t := make([]Type, len(typeNames))
	for i := range t {
		t[i] = Type(i)
	}
	return t
}

// String is the type's suffix without the dot, e.g. "service"; "" if invalid.
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return ""
	}
	return typeNames[t]
}

// MayAlias is unit_type_may_alias: whether units of the type may have
// other names (Alias=, alias symlinks).
func (t Type) MayAlias() bool {
	switch t {
	case Service, Socket, Target, Device, Timer, Path:
		return true
	}
	return false
}

// MayTemplate is unit_type_may_template: whether units of the type may
// be templates and instances.
func (t Type) MayTemplate() bool {
	switch t {
	case Service, Socket, Target, Timer, Path:
		return true
	}
	return false
}

// TypeFromString maps a suffix without its dot ("service") to a Type.
func TypeFromString(s string) Type {
	for i, n := range typeNames {
		if n == s {
			return Type(i)
		}
	}
	return TypeInvalid
}

// Flags says which kinds of names a check accepts.
type Flags int

// Kinds of unit names.
const (
	Plain    Flags = 1 << iota // foo.service
	Template                   // foo@.service
	Instance                   // foo@bar.service
	Any      = Plain | Template | Instance
)

// Characters of a unit name prefix or instance.
const (
	validChars       = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\"
	validCharsWithAt = "@" + validChars
	validCharsGlob   = validCharsWithAt + "[]!-*?"
	globChars        = "*?["
)

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, syscall.EINVAL)...)
}

// inCharset reports whether every byte of s is in set.
func inCharset(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// IsValid reports whether name is a unit name of one of the kinds in flags.
func IsValid(name string, flags Flags) bool {
	if flags&Any == 0 || name == "" || len(name) >= Max {
		return false
	}
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || TypeFromString(name[dot+1:]) == TypeInvalid {
		return false
	}
	at := strings.IndexByte(name[:dot], '@')
	if at == 0 || !inCharset(name[:dot], validCharsWithAt) {
		return false
	}
	switch {
	case at < 0:
		return flags&Plain != 0
	case dot > at+1:
		return flags&Instance != 0
	default:
		return flags&Template != 0
	}
}

// PrefixIsValid reports whether p may be the part before "@" or the suffix.
func PrefixIsValid(p string) bool {
	return p != "" && inCharset(p, validChars)
}

// InstanceIsValid reports whether i may be an instance; unlike a prefix it
// may contain "@". The length limit depends on the whole name and is not
// checked here.
func InstanceIsValid(i string) bool {
	return i != "" && inCharset(i, validCharsWithAt)
}

// SuffixIsValid reports whether s is a dot and a unit type, e.g. ".service".
func SuffixIsValid(s string) bool {
	return strings.HasPrefix(s, ".") && TypeFromString(s[1:]) != TypeInvalid
}

// Prefix is the part of a valid name before "@" or, without one, before the
// type suffix: "foo" for both foo@bar.service and foo.service.
func Prefix(name string) (string, error) {
	if !IsValid(name, Any) {
		return "", invalid("invalid unit name %q", name)
	}
	if at := strings.IndexByte(name, '@'); at >= 0 {
		return name[:at], nil
	}
	return name[:strings.LastIndexByte(name, '.')], nil
}

// InstanceOf splits off the instance of a valid name: the text between the
// first "@" and the last ".". The kind is Plain (no instance, ""), Template
// (empty instance) or Instance.
func InstanceOf(name string) (string, Flags, error) {
	if !IsValid(name, Any) {
		return "", 0, invalid("invalid unit name %q", name)
	}
	at := strings.IndexByte(name, '@')
	if at < 0 {
		return "", Plain, nil
	}
	inst := name[at+1 : strings.LastIndexByte(name, '.')]
	if inst == "" {
		return "", Template, nil
	}
	return inst, Instance, nil
}

// Classify is the kind of a valid name, 0 for an invalid one.
func Classify(name string) Flags {
	_, kind, _ := InstanceOf(name)
	return kind
}

// PrefixAndInstance is a valid name without its type suffix ("foo@bar").
func PrefixAndInstance(name string) (string, error) {
	if !IsValid(name, Any) {
		return "", invalid("invalid unit name %q", name)
	}
	return name[:strings.LastIndexByte(name, '.')], nil
}

// TypeOf is the type of a valid name, TypeInvalid for an invalid one.
func TypeOf(name string) Type {
	if !IsValid(name, Any) {
		return TypeInvalid
	}
	return TypeFromString(name[strings.LastIndexByte(name, '.')+1:])
}

// ChangeSuffix replaces the type suffix of a valid name; suffix has its dot.
func ChangeSuffix(name, suffix string) (string, error) {
	if !IsValid(name, Any) {
		return "", invalid("invalid unit name %q", name)
	}
	if !SuffixIsValid(suffix) {
		return "", invalid("invalid unit suffix %q", suffix)
	}
	s := name[:strings.LastIndexByte(name, '.')] + suffix
	if !IsValid(s, Any) {
		return "", invalid("invalid unit name %q", s)
	}
	return s, nil
}

// Build joins prefix, optional instance ("" for none) and suffix (".service").
func Build(prefix, instance, suffix string) (string, error) {
	if !strings.HasPrefix(suffix, ".") {
		return "", invalid("invalid unit suffix %q", suffix)
	}
	t := TypeFromString(suffix[1:])
	if t == TypeInvalid {
		return "", invalid("invalid unit suffix %q", suffix)
	}
	return BuildFromType(prefix, instance, t)
}

// BuildFromType joins prefix, optional instance ("" for none) and type.
func BuildFromType(prefix, instance string, t Type) (string, error) {
	if t.String() == "" {
		return "", invalid("invalid unit type %d", int(t))
	}
	if !PrefixIsValid(prefix) {
		return "", invalid("invalid unit prefix %q", prefix)
	}
	s, kind := prefix+"."+t.String(), Plain
	if instance != "" {
		if !InstanceIsValid(instance) {
			return "", invalid("invalid unit instance %q", instance)
		}
		s, kind = prefix+"@"+instance+"."+t.String(), Instance
	}
	if !IsValid(s, kind) {
		return "", invalid("invalid unit name %q", s)
	}
	return s, nil
}

// ReplaceInstance puts instance into a template or instance name:
// ("foo@.service", "bar") gives "foo@bar.service".
func ReplaceInstance(name, instance string) (string, error) {
	if !IsValid(name, Instance|Template) {
		return "", invalid("invalid unit template %q", name)
	}
	if !InstanceIsValid(instance) {
		return "", invalid("invalid unit instance %q", instance)
	}
	at := strings.IndexByte(name, '@')
	s := name[:at+1] + instance + name[strings.LastIndexByte(name, '.'):]
	if !IsValid(s, Instance) {
		return "", invalid("invalid unit name %q", s)
	}
	return s, nil
}

// TemplateOf is the template a template or instance name comes from:
// "foo@bar.service" gives "foo@.service".
func TemplateOf(name string) (string, error) {
	if !IsValid(name, Instance|Template) {
		return "", invalid("not a template or instance unit name %q", name)
	}
	return name[:strings.IndexByte(name, '@')+1] + name[strings.LastIndexByte(name, '.'):], nil
}

// PrefixEqual reports whether two valid names share their prefix.
func PrefixEqual(a, b string) bool {
	pa, err := Prefix(a)
	if err != nil {
		return false
	}
	pb, err := Prefix(b)
	return err == nil && pa == pb
}
