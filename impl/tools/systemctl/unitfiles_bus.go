package systemctl

import (
	"errors"
	"os"
	"path"
	"syscall"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unitname"
)

// The unit file verbs on a booted system: the service manager does the
// work and replies with the changes it made.

// changeTypeNames are install_change_type_table's names, by ChangeType.
var changeTypeNames = []string{"symlink", "unlink", "masked", "masked by generator", "dangling",
	"destination not present", "auxiliary unit failed"}

// busChange is one (type, path, source) of a reply's changes.
type busChange struct{ Type, Path, Source string }

// dumpBusChanges is bus_deserialize_and_dump_unit_file_changes: the
// changes a reply carries, reported as install_changes_dump does.
func (t *tool) dumpBusChanges(raw []busChange) {
	var list []install.Change
	for _, c := range raw {
		typ := -1
		for i, n := range changeTypeNames {
			if n == c.Type {
				typ = i
			}
		}
		if typ < 0 {
			t.notice("Manager reported unknown change type \"%s\" for path \"%s\", ignoring.", c.Type, c.Path)
			continue
		}
		list = append(list, install.Change{Type: install.ChangeType(typ),
			Path: unitname.PathSimplify(c.Path), Source: unitname.PathSimplify(c.Source)})
	}
	t.dumpChanges(nil, "", list)
}

func (t *tool) busParseError() error {
	return t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.EBADMSG))
}

// reloadManager is daemon_reload(ACTION_RELOAD, false).
func (t *tool) reloadManager() error { return t.daemonReload([]string{"daemon-reload"}) }

// enableOnBus is verb_enable's server side; carries is the reply's
// carries_install_info, -1 if the method has none. A failed reload is
// reloadErr, which does not stop the verb; err does.
func (t *tool) enableOnBus(verb string, names []string) (carries int, reloadErr, err error) {
	carries = -1
	if verb == "mask" || verb == "unmask" {
		if err := t.warnNonexistent(names); err != nil {
			return carries, nil, err
		}
	}
	b, err := t.connectBus()
	if err != nil {
		return carries, nil, err
	}
	sendRuntime, sendForce, expectCarries := true, true, false
	var method string
	var args []any
	switch verb {
	case "enable":
		method, expectCarries = "EnableUnitFiles", true
	case "disable":
		method, sendForce = "DisableUnitFiles", false
	case "reenable":
		method, expectCarries = "ReenableUnitFiles", true
	case "link":
		method = "LinkUnitFiles"
	case "preset":
		method, expectCarries = "PresetUnitFiles", true
	case "mask":
		method = "MaskUnitFiles"
	case "unmask":
		method, sendForce = "UnmaskUnitFiles", false
	case "revert":
		method, sendRuntime, sendForce = "RevertUnitFiles", false, false
	}
	if names == nil {
		names = []string{}
	}
	args = append(args, names)
	if verb == "preset" && t.opts.presetMode != install.PresetFull {
		method = "PresetUnitFilesWithMode"
		args = append(args, install.PresetModeNames()[t.opts.presetMode])
	}
	if sendRuntime {
		args = append(args, t.opts.runtime)
	}
	if sendForce {
		args = append(args, t.opts.force > 0)
	}
	c, err := b.callManager(method, args...)
	if err != nil {
		return carries, nil, t.errorf("Failed to %s unit: %s", verb, busErrorMessage(err))
	}
	var changes []busChange
	if expectCarries {
		var ci bool
		if c.Store(&ci, &changes) != nil {
			return carries, nil, t.busParseError()
		}
		carries = 0
		if ci {
			carries = 1
		}
	} else if c.Store(&changes) != nil {
		return carries, nil, t.busParseError()
	}
	t.dumpBusChanges(changes)
	if !t.opts.noReload {
		reloadErr = t.reloadManager()
	}
	return carries, reloadErr, nil
}

// warnNonexistent is mask's and unmask's check that each unit exists
// (unit_exists), noting those that do not.
func (t *tool) warnNonexistent(names []string) error {
	lp, err := install.NewPaths(t.opts.scope, t.opts.root)
	if err != nil {
		what := ""
		if t.opts.root != "" {
			what = " for root directory " + t.opts.root
		}
		return t.errorf("Failed to initialize unit search paths%s: %s", what, install.Strerror(errnoOf(err)))
	}
	for _, n := range names {
		ok, err := t.unitExists(lp.SearchPath, n)
		if err != nil {
			return err
		}
		if !ok {
			t.notice("Unit %s does not exist, proceeding anyway.", n)
		}
	}
	return nil
}

// unitExists is unit_exists: a template by its file, anything else by
// what the manager says of it.
func (t *tool) unitExists(search []string, name string) (bool, error) {
	if unitname.IsValid(name, unitname.Template) {
		return t.findUnitFileIn(search, name)
	}
	b, err := t.connectBus()
	if err != nil {
		return false, err
	}
	var all map[string]dbus.Variant
	err = b.object(busService, unitPath(name)).Call(ifaceProps+".GetAll", 0, "").Store(&all)
	if err != nil {
		return false, t.errorf("Failed to get properties: %s", busErrorMessage(err))
	}
	load, _ := all["LoadState"].Value().(string)
	active, _ := all["ActiveState"].Value().(string)
	return load != "not-found" || active != "inactive", nil
}

// findUnitFileIn is unit_file_find_path: whether name resolves in one
// of the search path's directories.
func (t *tool) findUnitFileIn(search []string, name string) (bool, error) {
	for _, dir := range search {
		p := unitname.PathJoin(dir, name)
		if _, err := os.Stat(p); err != nil {
			if errors.Is(err, syscall.ENOENT) {
				continue
			}
			return false, t.errorf("Failed to access path \"%s\": %s", p, install.Strerror(errnoOf(err)))
		}
		return true, nil
	}
	return false, nil
}

// isEnabledOnBus is verb_is_enabled's server side.
func (t *tool) isEnabledOnBus(names []string, enabled bool) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	for _, n := range names {
		var s string
		c, err := b.callManager("GetUnitFileState", n)
		if err != nil {
			return t.errorf("Failed to get unit file state for %s: %s", n, busErrorMessage(err))
		}
		if c.Store(&s) != nil {
			return t.busParseError()
		}
		switch s {
		case "enabled", "enabled-runtime", "static", "alias", "indirect", "generated":
			enabled = true
		}
		if t.opts.quiet {
			continue
		}
		t.printf("%s\n", s)
		if t.opts.full {
			c, err := b.callManager("GetUnitFileLinks", n, t.opts.runtime)
			if err != nil {
				return t.errorf("Failed to get unit file links for %s: %s", n, busErrorMessage(err))
			}
			var links []string
			if c.Store(&links) != nil {
				return t.busParseError()
			}
			for _, l := range links {
				t.printf("  %s\n", l)
			}
		}
	}
	if enabled {
		return nil
	}
	return exitCode(1)
}

// listUnitFilesOnBus is verb_list_unit_files' server side.
func (t *tool) listUnitFilesOnBus(patterns []string) ([]install.UnitFile, error) {
	b, err := t.connectBus()
	if err != nil {
		return nil, err
	}
	states := t.opts.states
	if states == nil {
		states = []string{}
	}
	if t.opts.withDependencies {
		patterns = t.withUnitDependencies(b, patterns)
	}
	if patterns == nil {
		patterns = []string{}
	}
	c, err := b.callManager("ListUnitFilesByPatterns", states, patterns)
	fallback := false
	if err != nil && busErrorName(err) == "org.freedesktop.DBus.Error.UnknownMethod" {
		t.logAt(logging.Debug, "Failed to list unit files: %s Falling back to ListUnitsFiles method.", busErrorMessage(err))
		fallback = true
		c, err = b.callManager("ListUnitFiles")
	}
	if err != nil {
		return nil, t.errorf("Failed to list unit files: %s", busErrorMessage(err))
	}
	var raw []struct{ Path, State string }
	if c.Store(&raw) != nil {
		return nil, t.busParseError()
	}
	names := install.StateNames()
	var out []install.UnitFile
	for _, r := range raw {
		u := install.UnitFile{Path: r.Path, State: -1}
		for i, n := range names {
			if n == r.State {
				u.State = install.State(i)
			}
		}
		if fallback {
			if len(t.opts.states) > 0 && !contains(t.opts.states, r.State) {
				continue
			}
			if len(patterns) > 0 && !matchAnyUnitFile(patterns, r.Path) {
				continue
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// matchAnyUnitFile is strv_fnmatch_or_empty on a unit file's name.
func matchAnyUnitFile(patterns []string, p string) bool {
	base := path.Base(p)
	for _, pat := range patterns {
		if install.Fnmatch(pat, base) {
			return true
		}
	}
	return false
}

// defaultOnBus is determine_default's server side.
func (t *tool) defaultOnBus() (string, error) {
	b, err := t.connectBus()
	if err != nil {
		return "", err
	}
	c, err := b.callManager("GetDefaultTarget")
	if err != nil {
		return "", t.errorf("Failed to get default target: %s", busErrorMessage(err))
	}
	var name string
	if c.Store(&name) != nil {
		return "", t.busParseError()
	}
	return name, nil
}

// setDefaultOnBus is verb_set_default's server side, up to the reload.
func (t *tool) setDefaultOnBus(unit string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	c, err := b.callManager("SetDefaultTarget", unit, true)
	if err != nil {
		return t.errorf("Failed to set default target: %s", busErrorMessage(err))
	}
	var changes []busChange
	if c.Store(&changes) != nil {
		return t.busParseError()
	}
	t.dumpBusChanges(changes)
	if !t.opts.noReload {
		return t.reloadManager()
	}
	return nil
}

// changesCall calls a Manager method replying a(sss), dumps the changes
// and reloads unless --no-reload; failing is "Failed to <what>: ...".
func (t *tool) changesCall(what, method string, args ...any) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	c, err := b.callManager(method, args...)
	if err != nil {
		return t.errorf("Failed to %s: %s", what, busErrorMessage(err))
	}
	var changes []busChange
	if c.Store(&changes) != nil {
		return t.busParseError()
	}
	t.dumpBusChanges(changes)
	if t.opts.noReload {
		return nil
	}
	return t.reloadManager()
}
