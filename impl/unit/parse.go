package unit

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"unicode/utf8"

	"gosystemd/impl/specifier"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// Directive is one setting a unit file section knows: the table entry
// that says how its value is parsed and which field it sets.
type Directive struct {
	Section string
	Name    string
	// Type is the value type `systemd --dump-configuration-items` shows.
	Type  string
	parse parseFunc
}

// Parsed reports whether loading the directive has an effect on the
// model (false for [Install] keys, which only the install layer reads, and
// for settings systemd ignores).
func (d *Directive) Parsed() bool { return d.parse != nil }

// errFatal makes the unit fail to load with "bad-setting", as systemd's
// -ENOEXEC does.
var errFatal = syscall.ENOEXEC

// parseFunc applies one assignment. It reports problems through p and
// returns errFatal when systemd refuses to load the unit.
type parseFunc func(p *parser, v string) error

// Expander resolves unit specifiers; see unitfile.Expander.
type Expander = unitfile.Expander

// parser is the state of one assignment being applied.
type parser struct {
	u       *Unit
	d       *Defaults
	loc     unitfile.Location
	section string
	key     string
	spec    *specifier.Unit
}

func (p *parser) log(level unitfile.Level, format string, args ...any) {
	p.u.Diagnostics = append(p.u.Diagnostics, Diagnostic{Location: p.loc, Level: level, Text: fmt.Sprintf(format, args...)})
}

func (p *parser) warn(format string, args ...any) { p.log(LevelWarning, format, args...) }

// Specifier expansion flavours, as systemd's unit_*_printf: a result
// length limit, or specName for the specifiers allowed in unit names.
const (
	specName     = -1
	specFull     = specifier.LongLineMax
	specPath     = specifier.PathMax
	pathMax      = specifier.PathMax + 1
	specFD       = specifier.FDNameMax
	specCred     = specifier.CredentialNameMax
	specEnv      = 2097152 // sc_arg_max() with an 8 MiB stack
	stdinDataMax = 64 * 1024 * 1024
)

// printf expands specifiers in s as the flavour says; without specifier
// support (nil spec) s is kept as written.
func (p *parser) printf(s string, flavour int) (string, error) {
	if p.spec == nil || noSpecifiers(s, flavour) {
		return s, nil
	}
	if flavour == specName {
		return p.spec.NamePrintf(s)
	}
	return p.spec.FullPrintf(s, flavour)
}

// noSpecifiers reports whether expanding s gives s back: it has no "%"
// and fits the length limit. Most values are such, and skipping the
// specifier tables for them is most of the cost of loading.
func noSpecifiers(s string, flavour int) bool {
	max := flavour
	if flavour == specName {
		max = specifier.UnitNameMax
	}
	return len(s) <= max && !strings.Contains(s, "%")
}

// expander is the unitfile.Expander for command lines and environment
// settings.
func (p *parser) expander(flavour int) Expander {
	if p.spec == nil {
		return nil
	}
	return func(s string, path bool) (string, error) {
		f := flavour
		if path {
			f = specPath
		}
		if noSpecifiers(s, f) {
			return s, nil
		}
		return p.spec.FullPrintf(s, f)
	}
}

// printfOr expands s, warning with "Failed to resolve unit specifiers in
// 'X', ignoring: %m" on failure.
func (p *parser) printfOr(s string, flavour int) (string, bool) {
	k, err := p.printf(s, flavour)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in '%s', ignoring: %s", s, value.Strerror(err))
		return "", false
	}
	return k, true
}

// strerror is glibc's text for err's errno.
func strerror(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return value.Strerror(e)
	}
	return err.Error()
}

// Path checks, as systemd's path_simplify_and_warn flags.
const (
	pathCheckAbsolute = 1 << iota
	pathCheckRelative
	pathCheckFatal
)

// simplifyAndWarn is systemd's path_simplify_and_warn: it returns the
// simplified path, or ok=false after logging why it is refused.
func (p *parser) simplifyAndWarn(path string, flags int) (string, bool) {
	ignoring := ", ignoring"
	if flags&pathCheckFatal != 0 {
		ignoring = ""
	}
	if !utf8.ValidString(path) {
		p.log(LevelErr, "String is not UTF-8 clean, ignoring assignment: %s", strings.ToValidUTF8(path, "\uFFFD"))
		return "", false
	}
	abs := strings.HasPrefix(path, "/")
	if flags&pathCheckAbsolute != 0 && !abs {
		p.log(LevelErr, "%s= path is not absolute%s: %s", p.key, ignoring, path)
		return "", false
	}
	if flags&pathCheckRelative != 0 && abs {
		p.log(LevelErr, "%s= path is absolute%s: %s", p.key, ignoring, path)
		return "", false
	}
	s := unitname.PathSimplify(path)
	if !unitname.PathIsValid(s) {
		p.log(LevelErr, "%s= path has invalid length (%d bytes)%s.", p.key, len(s), ignoring)
		return "", false
	}
	if !unitname.PathIsNormalized(s) {
		p.log(LevelErr, "%s= path is not normalized%s: %s", p.key, ignoring, s)
		return "", false
	}
	return s, true
}
