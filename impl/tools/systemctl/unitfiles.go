package systemctl

import (
	"path"
	"sort"
	"strings"
	"syscall"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/condition"
	"gosystemd/impl/install"
	"gosystemd/impl/unitname"
)

// installOptions are the install.Options the command line selects.
func (t *tool) installOptions() install.Options {
	return install.Options{
		Scope:   t.opts.scope,
		Root:    t.opts.root,
		Runtime: t.opts.runtime,
		Force:   t.opts.force > 0,
		Log:     t.installLog,
		Arrow:   t.arrow(),
	}
}

func (t *tool) installLog(m install.Message) { t.logAt(logging.Level(m.Level), "%s", m.Text) }

// dumpChanges is install_changes_dump.
func (t *tool) dumpChanges(err error, verb string, changes []install.Change) {
	for _, m := range install.DumpChanges(err, verb, t.arrow(), changes, t.opts.quiet) {
		t.logAt(logging.Level(m.Level), "%s", m.Text)
	}
}

const noInstallHint = `The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
Alias= settings in the [Install] section, and DefaultInstance= for template
units). This means they are not meant to be enabled using systemctl.
 
Possible reasons for having this kind of units are:
%[1]s A unit may be statically enabled by being symlinked from another unit's
  .wants/ or .requires/ directory.
%[1]s A unit's purpose may be to act as a helper for some other unit which has
  a requirement dependency on it.
%[1]s A unit may be started when needed via activation (socket, path, timer,
  D-Bus, udev, scripted systemctl call, ...).
%[1]s In case of template units, the unit is meant to be enabled with some
  instance name specified.`

// enable is verb_enable, which serves enable, disable, reenable, preset,
// mask, unmask, link and revert.
func (t *tool) enable(args []string) error {
	verb := args[0]
	names, err := t.mangleNames("to "+verb, args[1:])
	if err != nil {
		return err
	}
	names, _, err = t.enableSysv(verb, names)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if t.opts.noReload || t.installClientSide() {
			return nil
		}
		return t.reloadManager()
	}
	switch verb {
	case "disable":
		wasPath := false
		for i, n := range names {
			if strings.Contains(n, "/") {
				names[i] = n[strings.LastIndexByte(n, '/')+1:]
				wasPath = true
			}
		}
		if wasPath {
			t.warning("Warning: Can't execute disable on the unit file path. Proceeding with the unit name.")
		}
	case "link":
		for i, n := range names {
			if strings.HasPrefix(n, "/") {
				continue
			}
			if t.opts.root != "" {
				return t.errorf("Non-absolute paths are not allowed when --root is used: %s", n)
			}
			if !strings.Contains(n, "/") {
				return t.errorf("Link argument must contain at least one directory separator.\nIf you intended to link a file in the current directory, try ./%s instead.", n)
			}
			if names[i], err = makeAbsoluteCwd(n); err != nil {
				return t.errorf("%s", install.Strerror(errnoOf(err)))
			}
		}
	}
	carries := -1
	ignoreCarries := t.opts.quiet
	var rc error
	if t.installClientSide() {
		if err := t.enableClientSide(verb, names, &carries); err != nil {
			return err
		}
	} else {
		var err error
		if carries, rc, err = t.enableOnBus(verb, names); err != nil {
			return err
		}
		if verb == "preset" {
			ignoreCarries = true
		}
	}
	if carries == 0 && !ignoreCarries {
		t.notice(noInstallHint, t.bullet())
	}
	if t.opts.now && (verb == "enable" || verb == "disable" || verb == "mask") {
		if _, err := t.connectBus(); err != nil {
			return err
		}
		now := []string{"stop"}
		if verb == "enable" {
			now[0] = "start"
		}
		for _, n := range names {
			now = append(now, path.Base(n))
		}
		return t.start(now)
	}
	return rc
}

// enableClientSide runs verb_enable's operation in this process.
func (t *tool) enableClientSide(verb string, names []string, carries *int) error {
	o := t.installOptions()
	var r int
	var err error
	var changes []install.Change
	switch verb {
	case "enable":
		r, changes, err = install.Enable(o, names)
		*carries = r
	case "disable":
		_, changes, err = install.Disable(o, names)
	case "reenable":
		r, changes, err = install.Reenable(o, names)
		*carries = r
	case "link":
		_, changes, err = install.Link(o, names)
	case "preset":
		_, changes, err = install.Preset(o, names, t.opts.presetMode)
	case "mask":
		_, changes, err = install.Mask(o, names)
	case "unmask":
		_, changes, err = install.Unmask(o, names)
	case "revert":
		o.Runtime, o.Force = false, false
		_, changes, err = install.Revert(o, names)
	}
	t.dumpChanges(err, verb, changes)
	if err != nil {
		return errReported
	}
	return nil
}

// isEnabled is verb_is_enabled.
func (t *tool) isEnabled(args []string) error {
	names, err := t.mangleNames("to check", args[1:])
	if err != nil {
		return err
	}
	names, enabled, err := t.enableSysv(args[0], names)
	if err != nil {
		return err
	}
	if !t.installClientSide() {
		return t.isEnabledOnBus(names, enabled)
	}
	for _, n := range names {
		s, err := install.GetState(t.installOptions(), n)
		if err != nil {
			return t.errorf("Failed to get unit file state for %s: %s", n, install.Strerror(errnoOf(err)))
		}
		switch s {
		case install.StateEnabled, install.StateEnabledRuntime, install.StateStatic, install.StateAlias,
			install.StateIndirect, install.StateGenerated:
			enabled = true
		}
		if t.opts.quiet {
			continue
		}
		t.printf("%s\n", s)
		if t.opts.full {
			o := install.Options{Scope: install.ScopeSystem, Runtime: t.opts.runtime, DryRun: true, Log: t.installLog, Arrow: t.arrow()}
			_, changes, err := install.Disable(o, []string{n})
			if err != nil {
				return t.errorf("Failed to get file links for %s: %s", n, install.Strerror(errnoOf(err)))
			}
			for _, c := range changes {
				if c.Err == 0 && c.Type == install.ChangeUnlink {
					t.printf("  %s\n", c.Path)
				}
			}
		}
	}
	if enabled {
		return nil
	}
	return exitCode(1)
}

// listUnitFiles is verb_list_unit_files.
func (t *tool) listUnitFiles(args []string) error {
	var list []install.UnitFile
	var err error
	if t.installClientSide() {
		list, err = install.List(t.installOptions(), t.opts.states, args[1:])
		if err != nil {
			return t.errorf("Failed to get unit file list: %s", install.Strerror(errnoOf(err)))
		}
	} else if list, err = t.listUnitFilesOnBus(args[1:]); err != nil {
		return err
	}
	var units []install.UnitFile
	for _, u := range list {
		if len(t.opts.types) > 0 {
			dot := strings.LastIndexByte(u.Path, '.')
			if dot < 0 || !contains(t.opts.types, u.Path[dot+1:]) {
				continue
			}
		}
		units = append(units, u)
	}
	sort.SliceStable(units, func(i, j int) bool { return compareUnitFiles(units[i], units[j]) < 0 })
	if err := t.printUnitFiles(units); err != nil {
		return err
	}
	if len(units) == 0 {
		return errReported
	}
	return nil
}

// compareUnitFiles orders by suffix, then name, ignoring case.
func compareUnitFiles(a, b install.UnitFile) int {
	d1, d2 := strings.LastIndexByte(a.Path, '.'), strings.LastIndexByte(b.Path, '.')
	if d1 >= 0 && d2 >= 0 {
		if c := strcasecmp(a.Path[d1:], b.Path[d2:]); c != 0 {
			return c
		}
	}
	return strcasecmp(path.Base(a.Path), path.Base(b.Path))
}

func strcasecmp(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// unitTypeSuffix is unit_type_suffix: the text after the last dot.
func unitTypeSuffix(name string) string {
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		return name[dot+1:]
	}
	return ""
}

func showPresetForState(s install.State) bool {
	switch s {
	case install.StateAlias, install.StateStatic, install.StateGenerated, install.StateTransient:
		return false
	}
	return true
}

// highlight is a state color, underlined when asked and possible.
func (t *tool) highlight(underline bool, color string) string {
	if underline {
		return t.term.Underlined(color)
	}
	return t.term.ANSI(color)
}

// printUnitFiles is output_unit_file_list.
func (t *tool) printUnitFiles(units []install.UnitFile) error {
	tab := newTable(t.term, "unit file", "state", "preset")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	var presets *install.Presets
	var presetsErr error
	presetsRead := false
	for i, u := range units {
		underline := i+1 < len(units) && unitTypeSuffix(u.Path) != unitTypeSuffix(units[i+1].Path)
		onUnderline := ""
		if underline {
			onUnderline = t.term.Underline()
		}
		var stateColor string
		switch u.State {
		case install.StateMasked, install.StateMaskedRuntime, install.StateDisabled, install.StateBad:
			stateColor = t.highlight(underline, ansiHighlightRed)
		case install.StateEnabled, install.StateAlias:
			stateColor = t.highlight(underline, ansiHighlightGreen)
		default:
			stateColor = onUnderline
		}
		id := path.Base(u.Path)
		tab.add(cell{text: id, color: onUnderline}, cell{text: u.State.String(), color: stateColor})
		if !showPresetForState(u.State) {
			grey := t.term.Grey()
			if underline {
				grey = t.term.Underlined(t.term.Grey())
			}
			tab.addEmpty(grey)
			continue
		}
		if !presetsRead {
			presets, presetsErr = install.ReadPresets(t.opts.scope, t.opts.root, t.installLog)
			presetsRead = true
		}
		var text, color string
		enable := false
		err := presetsErr
		if err == nil {
			enable, err = presets.Query(id)
		}
		switch {
		case err != nil:
			text = "n/a"
			if underline {
				color = onUnderline
			} else {
				color = t.term.Normal()
			}
		case !enable:
			text, color = "disabled", t.highlight(underline, ansiHighlightRed)
		default:
			text, color = "enabled", t.highlight(underline, ansiHighlightGreen)
		}
		tab.add(cell{text: text, color: color})
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend != 0 {
		t.printf("\n%d unit files listed.\n", len(units))
	}
	return nil
}

// getDefault is verb_get_default.
func (t *tool) getDefault(args []string) error {
	name, err := t.determineDefault()
	if err != nil {
		return err
	}
	t.printf("%s\n", name)
	t.cmdlineWarning()
	return nil
}

func (t *tool) determineDefault() (string, error) {
	if !t.installClientSide() {
		return t.defaultOnBus()
	}
	name, err := install.GetDefault(t.installOptions())
	if errnoOf(err) == syscall.ERFKILL && err != nil {
		return "", t.errorf("Failed to get default target: Unit file is masked.")
	}
	if err != nil {
		return "", t.errorf("Failed to get default target: %s", install.Strerror(errnoOf(err)))
	}
	return name, nil
}

// cmdlineWarning is emit_cmdline_warning: a unit on the kernel command
// line overrides the default target.
func (t *tool) cmdlineWarning() {
	if t.opts.quiet || t.opts.root != "" {
		return
	}
	// In a container, PID 1's arguments (proc_cmdline).
	data, err := condition.New(condition.Host{}).KernelCommandLine()
	if err != nil {
		return
	}
	override := ""
	for _, w := range strings.Fields(data) {
		key, val, hasVal := strings.Cut(w, "=")
		switch {
		case key == "systemd.unit" && hasVal && unitname.IsValid(val, unitname.Plain|unitname.Instance):
			override = key
		case key == "systemd.unit" && hasVal:
			t.warning("Unit name specified on %s= is not valid, ignoring: %s", key, val)
		case !hasVal && runlevelTarget(key):
			override = key
		}
	}
	if override != "" {
		t.notice("Note: found \"%s\" on the kernel commandline, which overrides the default unit.", override)
	}
}

func runlevelTarget(s string) bool {
	switch s {
	case "emergency", "-b", "rescue", "single", "-s", "s", "S", "1", "2", "3", "4", "5":
		return true
	}
	return false
}

// setDefault is verb_set_default.
func (t *tool) setDefault(args []string) error {
	unit, err := t.mangle(args[1], "set-default", ".target")
	if err != nil {
		return t.errorf("Failed to mangle unit name: %s", install.Strerror(errnoOf(err)))
	}
	if t.installClientSide() {
		o := t.installOptions()
		o.Force = true
		_, changes, err := install.SetDefault(o, unit)
		t.dumpChanges(err, "set default", changes)
		if err != nil {
			return errReported
		}
	} else if err := t.setDefaultOnBus(unit); err != nil {
		return err
	}
	t.cmdlineWarning()
	if !t.opts.quiet {
		final, err := t.determineDefault()
		if err != nil {
			return err
		}
		if final != unit {
			t.notice("Note: \"%s\" is the default unit (possibly a runtime override).", final)
		}
	}
	return nil
}

// addDependency is verb_add_dependency.
func (t *tool) addDependency(args []string) error {
	target, err := t.mangle(args[1], "as target", ".target")
	if err != nil {
		return t.errorf("Failed to mangle unit name: %s", install.Strerror(errnoOf(err)))
	}
	names, err := t.mangleNames("as dependency", args[2:])
	if err != nil {
		return err
	}
	dep := install.Wants
	if args[0] == "add-requires" {
		dep = install.Requires
	}
	if !t.installClientSide() {
		if names == nil {
			names = []string{}
		}
		return t.changesCall("add dependency", "AddDependencyUnitFiles", names, target, map[string]string{"add-wants": "Wants", "add-requires": "Requires"}[args[0]],
			t.opts.runtime, t.opts.force > 0)
	}
	_, changes, err := install.AddDependency(t.installOptions(), names, target, dep)
	t.dumpChanges(err, "add dependency on", changes)
	if err != nil {
		return errReported
	}
	return nil
}

// presetAll is verb_preset_all.
func (t *tool) presetAll(args []string) error {
	if !t.installClientSide() {
		return t.changesCall("preset all units", "PresetAllUnitFiles", install.PresetModeNames()[t.opts.presetMode],
			t.opts.runtime, t.opts.force > 0)
	}
	_, changes, err := install.PresetAll(t.installOptions(), t.opts.presetMode)
	t.dumpChanges(err, "preset", changes)
	if err != nil {
		return errReported
	}
	return nil
}
