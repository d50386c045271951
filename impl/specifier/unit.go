package specifier

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Dirs are the manager's roots of the per-unit directories
// (RuntimeDirectory= and friends): /run, /var/lib, /var/cache, /var/log
// and /etc for the system manager.
type Dirs struct {
	Runtime, State, Cache, Logs, Config string
}

// SystemDirs are the system manager's Dirs.
var SystemDirs = Dirs{Runtime: "/run", State: "/var/lib", Cache: "/var/cache", Logs: "/var/log", Config: "/etc"}

// Unit is what unit setting specifiers need to know about the unit and
// its manager at the time a setting is parsed.
type Unit struct {
	// ID is the unit's name as the manager knows it while loading (the
	// name it was loaded under).
	ID string
	// FragmentPath is the unit file ("" for none).
	FragmentPath string
	// Scope is the manager's (unitpath.System or unitpath.User).
	Scope unitpath.Scope
	Dirs  Dirs
	// CgroupPath, SliceCgroupPath and CgroupRoot answer the deprecated
	// %c, %r and %R.
	CgroupPath, SliceCgroupPath, CgroupRoot string
	// Deprecated, if set, is told about each use of %c, %r or %R, for
	// systemd's warning (see DeprecatedWarning).
	Deprecated func(spec byte)
	Host       Host
}

// DeprecatedWarning is systemd's warning for a deprecated specifier.
func DeprecatedWarning(spec byte) string {
	return fmt.Sprintf("Specifier '%%%c' used in unit configuration, which is deprecated. Please update your unit file, as it does not work as intended.", spec)
}

func constant(s string) Lookup { return func() (string, error) { return s, nil } }

func (u *Unit) instance() string {
	inst, _, _ := unitname.InstanceOf(u.ID)
	return inst
}

// lastComponent is the prefix after its last dash.
func lastComponent(name string) (string, error) {
	p, err := unitname.Prefix(name)
	if err != nil {
		return "", err
	}
	if i := strings.LastIndexByte(p, '-'); i >= 0 {
		return p[i+1:], nil
	}
	return p, nil
}

func unescaped(f Lookup) Lookup {
	return func() (string, error) {
		s, err := f()
		if err != nil {
			return "", err
		}
		return unitname.Unescape(s)
	}
}

// systemTable is COMMON_SYSTEM_SPECIFIERS.
func systemTable(t Table, h Host) {
	osField := func(key string) Lookup { return func() (string, error) { return h.OSRelease(key) } }
	t['a'] = h.Architecture
	t['A'] = osField("IMAGE_VERSION")
	t['b'] = func() (string, error) {
		id, err := h.BootID()
		return id.String(), err
	}
	t['B'] = osField("BUILD_ID")
	t['H'] = h.Hostname
	t['l'] = func() (string, error) { return shortHostname(h) }
	t['q'] = func() (string, error) {
		if p, err := h.PrettyHostname(); err == nil {
			return p, nil
		}
		return shortHostname(h)
	}
	t['m'] = func() (string, error) {
		id, err := h.MachineID()
		return id.String(), err
	}
	t['M'] = osField("IMAGE_ID")
	t['o'] = osField("ID")
	t['v'] = h.KernelRelease
	t['w'] = osField("VERSION_ID")
	t['W'] = osField("VARIANT_ID")
}

// shortHostname is gethostname_short_malloc: the host name up to its
// first dot.
func shortHostname(h Host) (string, error) {
	n, err := h.Hostname()
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(n, ".") {
		return "", fmt.Errorf("host name %q: %w", n, syscall.ENXIO)
	}
	n, _, _ = strings.Cut(n, ".")
	return n, nil
}

// credsTable is COMMON_CREDS_SPECIFIERS: the system manager runs as
// root; a global scope has no user (EINVAL).
func credsTable(t Table, h Host, scope unitpath.Scope) {
	id := func(user bool) (int, error) {
		switch scope {
		case unitpath.Global:
			return 0, fmt.Errorf("no user in the global scope: %w", syscall.EINVAL)
		case unitpath.User:
			if user {
				return h.UID(), nil
			}
			return h.GID(), nil
		}
		return 0, nil
	}
	t['g'] = func() (string, error) {
		gid, err := id(false)
		if err != nil {
			return "", err
		}
		return h.GroupName(gid), nil
	}
	t['G'] = func() (string, error) {
		gid, err := id(false)
		return strconv.Itoa(gid), err
	}
	t['u'] = func() (string, error) {
		uid, err := id(true)
		if err != nil {
			return "", err
		}
		return h.UserName(uid), nil
	}
	t['U'] = func() (string, error) {
		uid, err := id(true)
		return strconv.Itoa(uid), err
	}
}

// nameTable is the specifiers of a unit's own name.
func (u *Unit) nameTable() Table {
	t := Table{
		'i': constant(u.instance()),
		'j': func() (string, error) { return lastComponent(u.ID) },
		'n': constant(u.ID),
		'N': func() (string, error) { return unitname.PrefixAndInstance(u.ID) },
		'p': func() (string, error) { return unitname.Prefix(u.ID) },
	}
	systemTable(t, u.Host)
	credsTable(t, u.Host, u.Scope)
	return t
}

// NamePrintf is unit_name_printf: the specifiers safe in unit names
// (%i %j %n %N %p, the system and credential ones), at most
// UnitNameMax bytes.
func (u *Unit) NamePrintf(text string) (string, error) {
	return Printf(text, UnitNameMax, u.nameTable())
}

// FullPrintf is unit_full_printf_full: every unit setting specifier,
// with a result of at most maxLen bytes (LongLineMax for most settings,
// PathMax for paths).
func (u *Unit) FullPrintf(text string, maxLen int) (string, error) {
	t := u.nameTable()
	t['I'] = unescaped(constant(u.instance()))
	t['J'] = unescaped(t['j'])
	t['P'] = unescaped(t['p'])
	t['f'] = func() (string, error) {
		if inst := u.instance(); inst != "" {
			return unitname.PathUnescape(inst)
		}
		return unitname.ToPath(u.ID)
	}
	t['y'] = func() (string, error) { return u.realPath() }
	t['Y'] = func() (string, error) {
		p, err := u.realPath()
		if err != nil {
			return "", err
		}
		return filepath.Dir(p), nil
	}
	deprecated := func(spec byte, value string) Lookup {
		return func() (string, error) {
			if u.Deprecated != nil {
				u.Deprecated(spec)
			}
			return value, nil
		}
	}
	t['c'] = deprecated('c', u.CgroupPath)
	t['r'] = deprecated('r', u.SliceCgroupPath)
	t['R'] = deprecated('R', u.CgroupRoot)
	t['C'] = constant(u.Dirs.Cache)
	t['d'] = constant(u.Dirs.Runtime + "/credentials/" + u.ID)
	t['E'] = constant(u.Dirs.Config)
	t['L'] = constant(u.Dirs.Logs)
	t['S'] = constant(u.Dirs.State)
	t['t'] = constant(u.Dirs.Runtime)
	t['h'] = u.Host.HomeDir
	t['s'] = u.Host.Shell
	t['T'] = u.Host.TmpDir
	t['V'] = u.Host.VarTmpDir
	return Printf(text, maxLen, t)
}

// realPath is specifier_real_path: the fragment with symlinks resolved;
// ENOENT without one.
func (u *Unit) realPath() (string, error) {
	if u.FragmentPath == "" {
		return "", fmt.Errorf("no unit file: %w", syscall.ENOENT)
	}
	return u.Host.RealPath(u.FragmentPath)
}

// Expander is FullPrintf in the form the unit file parsers take:
// unit_path_printf for an executable's path, unit_full_printf otherwise.
func (u *Unit) Expander() unitfile.Expander {
	return func(s string, path bool) (string, error) {
		if path {
			return u.FullPrintf(s, PathMax)
		}
		return u.FullPrintf(s, LongLineMax)
	}
}

// Install is what [Install] section specifiers need: the unit file's
// name (possibly a template), its DefaultInstance= and the scope.
type Install struct {
	Name            string
	DefaultInstance string
	Scope           unitpath.Scope
	Host            Host
}

// Printf is install_name_printf: %i %j %n %N %p with a template's
// default instance filled in, and the system and credential
// specifiers, at most UnitNameMax bytes.
func (in *Install) Printf(text string) (string, error) {
	t := Table{
		'i': func() (string, error) {
			inst, _, err := unitname.InstanceOf(in.Name)
			if err != nil {
				return "", err
			}
			if inst == "" {
				return in.DefaultInstance, nil
			}
			return inst, nil
		},
		'j': func() (string, error) { return lastComponent(in.Name) },
		'n': func() (string, error) {
			if unitname.IsValid(in.Name, unitname.Template) && in.DefaultInstance != "" {
				return unitname.ReplaceInstance(in.Name, in.DefaultInstance)
			}
			return in.Name, nil
		},
		'N': func() (string, error) {
			p, err := unitname.PrefixAndInstance(in.Name)
			if err != nil {
				return "", err
			}
			if strings.HasSuffix(p, "@") && in.DefaultInstance != "" {
				return p + in.DefaultInstance, nil
			}
			return p, nil
		},
		'p': func() (string, error) { return unitname.Prefix(in.Name) },
	}
	systemTable(t, in.Host)
	credsTable(t, in.Host, in.Scope)
	return Printf(text, UnitNameMax, t)
}
