package install

import (
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Scope is whose unit files are operated on.
type Scope = unitpath.Scope

// The scopes, as systemctl's --system, --global and --user select them.
const (
	ScopeSystem = unitpath.System
	ScopeGlobal = unitpath.Global
	ScopeUser   = unitpath.User
)

// systemDataUnitDir is where Debian's systemd (split /usr) keeps its
// units.
const systemDataUnitDir = "/lib/systemd/system"

// Paths are the directories the unit file logic works with, all prefixed
// with the root directory: the search path (highest priority first) and
// the special directories within it.
type Paths struct {
	*unitpath.LookupPaths
}

// NewPaths computes the paths of scope under root ("" or "/" for the
// host's root), as lookup_paths_init does.
func NewPaths(scope Scope, root string) (*Paths, error) {
	lp, err := unitpath.Init(scope, unitpath.Options{Root: root})
	if err != nil {
		return nil, err
	}
	return &Paths{lp}, nil
}

// configPath is where symlinks go for the given flags: the runtime or the
// persistent configuration directory, or with portable their attached
// directory.
func (p *Paths) configPath(runtime, portable bool) string {
	if portable {
		if runtime {
			return p.RuntimeAttached
		}
		return p.PersistentAttached
	}
	if runtime {
		return p.RuntimeConfig
	}
	return p.PersistentConfig
}

func parentOf(path string) (string, bool) { return pathExtractDirectory(path) }

// inSearchPath reports whether path's directory is in the search path.
func (p *Paths) inSearchPath(path string) bool {
	parent, ok := parentOf(path)
	return ok && pathContains(p.SearchPath, parent)
}

func (p *Paths) underneathSearchPath(path string) bool {
	_, ok := unitname.PathStartsWithAny(path, p.SearchPath)
	return ok
}

func (p *Paths) isGenerator(path string) bool {
	parent, ok := parentOf(path)
	return ok && (pathEqualSet(parent, p.Generator) || pathEqualSet(parent, p.GeneratorEarly) ||
		pathEqualSet(parent, p.GeneratorLate))
}

func (p *Paths) isTransient(path string) bool {
	parent, ok := parentOf(path)
	return ok && pathEqualSet(parent, p.Transient)
}

func (p *Paths) isControl(path string) bool {
	parent, ok := parentOf(path)
	return ok && (pathEqualSet(parent, p.PersistentControl) || pathEqualSet(parent, p.RuntimeControl))
}

// isConfig checks path (or its directory) against the configuration
// directories.
func (p *Paths) isConfig(path string, checkParent bool) bool {
	if checkParent {
		var ok bool
		if path, ok = parentOf(path); !ok {
			return false
		}
	}
	return pathEqualSet(path, p.PersistentConfig) || pathEqualSet(path, p.RuntimeConfig)
}

// isRuntime reports whether path (or its directory) is runtime state:
// anything under /run, or one of the runtime directories.
func (p *Paths) isRuntime(path string, checkParent bool) bool {
	if r, ok := skipRoot(p.RootDir, path); ok {
		if _, under := unitname.PathStartsWith(r, "/run"); under {
			return true
		}
	}
	if checkParent {
		var ok bool
		if path, ok = parentOf(path); !ok {
			return false
		}
	}
	for _, d := range []string{p.RuntimeConfig, p.Generator, p.GeneratorEarly, p.GeneratorLate, p.Transient, p.RuntimeControl} {
		if pathEqualSet(path, d) {
			return true
		}
	}
	return false
}

// isVendorOrGenerator reports whether path is shipped by the distribution
// (under /usr or /lib) or generated.
func (p *Paths) isVendorOrGenerator(path string) bool {
	r, ok := skipRoot(p.RootDir, path)
	if !ok {
		return false
	}
	if _, ok := unitname.PathStartsWith(r, "/usr"); ok {
		return true
	}
	if _, ok := unitname.PathStartsWith(r, "/lib"); ok {
		return true
	}
	if p.isGenerator(r) {
		return true
	}
	return unitname.PathEqual(r, systemDataUnitDir)
}

// isUserConfigDir is path_is_user_config_dir: the global user
// configuration directories.
func isUserConfigDir(path string) bool {
	return unitname.PathEqual(path, "/etc/systemd/user")
}
