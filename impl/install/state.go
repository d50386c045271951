package install

import (
	"syscall"

	"gosystemd/impl/unitname"
)

// State is a unit file's enablement state.
type State int

// The states, in systemd's order.
const (
	StateEnabled State = iota
	StateEnabledRuntime
	StateLinked
	StateLinkedRuntime
	StateAlias
	StateMasked
	StateMaskedRuntime
	StateStatic
	StateDisabled
	StateIndirect
	StateGenerated
	StateTransient
	StateBad
)

var stateNames = []string{"enabled", "enabled-runtime", "linked", "linked-runtime", "alias", "masked",
	"masked-runtime", "static", "disabled", "indirect", "generated", "transient", "bad"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return ""
	}
	return stateNames[s]
}

// StateNames lists every state's name in systemd's order.
func StateNames() []string { return append([]string(nil), stateNames...) }

// lookupState is unit_file_lookup_state.
func (x *installer) lookupState(name string) (State, int) {
	if !unitname.IsValid(name, unitname.Any) {
		return 0, -int(syscall.EINVAL)
	}
	ctx := &context{scope: x.scope}
	info, r := x.discover(ctx, name, searchLoad|searchFollowConfigSymlinks, false)
	if r < 0 {
		return 0, r
	}
	switch info.mode {
	case modeMasked:
		if x.lp.isRuntime(info.path, true) {
			return StateMaskedRuntime, 0
		}
		return StateMasked, 0
	case modeRegular:
		if name != baseName(info.path) && !unitname.IsValid(info.name, unitname.Instance) {
			return StateAlias, 0
		}
		if x.lp.isGenerator(info.path) {
			return StateGenerated, 0
		}
		if x.lp.isTransient(info.path) {
			return StateTransient, 0
		}
		if s, r := x.findSymlinksInScope(info, true); r != 0 {
			return s, r
		}
		_, r := x.findSymlinksInScope(info, false)
		if r < 0 {
			return 0, r
		}
		switch {
		case r > 0:
			return StateIndirect, 0
		case info.hasRules():
			return StateDisabled, 0
		case len(info.also) > 0:
			return StateIndirect, 0
		}
		return StateStatic, 0
	}
	return 0, -int(syscall.EINVAL)
}

// GetState is unit_file_get_state: the state of the unit file name.
func GetState(o Options, name string) (State, error) {
	x, err := newInstaller(o)
	if err != nil {
		return 0, err
	}
	s, r := x.lookupState(name)
	return s, errOf(r)
}

// exists is unit_file_exists: 1 if name has a unit file, 0 if not.
func (x *installer) exists(name string) int {
	if !unitname.IsValid(name, unitname.Any) {
		return -int(syscall.EINVAL)
	}
	_, r := x.discover(&context{scope: x.scope}, name, 0, false)
	if r == -int(syscall.ENOENT) {
		return 0
	}
	if r < 0 {
		return r
	}
	return 1
}

// Exists reports whether name has a unit file (unit_file_exists); the
// errors of looking it up other than its absence are returned.
func Exists(o Options, name string) (bool, error) {
	x, err := newInstaller(o)
	if err != nil {
		return false, err
	}
	r := x.exists(name)
	return r > 0, errOf(r)
}

// UnitFile is one entry of List.
type UnitFile struct {
	Path  string
	State State
}

// List is unit_file_get_list: every unit file in the search path whose
// name matches one of patterns (all if none) and whose state is one of
// states (all if none), the first found for each name. Order is that of
// discovery.
func List(o Options, states, patterns []string) ([]UnitFile, error) {
	x, err := newInstaller(o)
	if err != nil {
		return nil, err
	}
	var out []UnitFile
	seen := map[string]bool{}
	for _, dir := range x.lp.SearchPath {
		entries, err := readDir(dir)
		if err != nil {
			switch errnoOf(err) {
			case syscall.ENOENT, syscall.ENOTDIR, syscall.EACCES:
				continue
			}
			return nil, err
		}
		for _, de := range entries {
			if !unitname.IsValid(de.name, unitname.Any) {
				continue
			}
			if len(patterns) > 0 && !matchAny(patterns, de.name) {
				continue
			}
			if seen[de.name] {
				continue
			}
			if !de.isSymlink() && !de.isRegular() {
				continue
			}
			s, r := x.lookupState(de.name)
			if r < 0 {
				s = StateBad
			}
			if len(states) > 0 && !contains(states, s.String()) {
				continue
			}
			seen[de.name] = true
			out = append(out, UnitFile{Path: pathMakeAbsolute(de.name, dir), State: s})
		}
	}
	return out, nil
}

// matchAny is strv_fnmatch with FNM_NOESCAPE.
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if Fnmatch(p, s) {
			return true
		}
	}
	return false
}
