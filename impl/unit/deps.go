package unit

import (
	"fmt"
	"strings"
	"syscall"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// typeInfo is what systemd's per-type vtable says about a unit type.
type typeInfo struct {
	canFail, canTrigger, canDelegate, canSetManagedOOM bool
	hasExec, hasCGroup, hasKill                        bool
}

var typeInfos = map[unitname.Type]typeInfo{
	unitname.Service:   {canFail: true, canDelegate: true, canSetManagedOOM: true, hasExec: true, hasCGroup: true, hasKill: true},
	unitname.Socket:    {canFail: true, canTrigger: true, hasExec: true, hasCGroup: true, hasKill: true},
	unitname.Mount:     {canFail: true, hasExec: true, hasCGroup: true, hasKill: true},
	unitname.Swap:      {canFail: true, hasExec: true, hasCGroup: true, hasKill: true},
	unitname.Automount: {canFail: true, canTrigger: true},
	unitname.Timer:     {canFail: true, canTrigger: true},
	unitname.Path:      {canFail: true, canTrigger: true},
	unitname.Scope:     {canFail: true, canDelegate: true, canSetManagedOOM: true, hasCGroup: true, hasKill: true},
	unitname.Slice:     {canSetManagedOOM: true, hasCGroup: true},
	unitname.Target:    {canFail: true},
	unitname.Device:    {},
}

// warnSelf lists the dependency kinds systemd warns about when a unit
// names itself.
var warnSelf = map[Dependency]bool{
	Conflicts: true, ConflictedBy: true, Before: true, After: true, OnSuccess: true, OnFailure: true,
	Triggers: true, TriggeredBy: true,
}

// unitLog records a message about the unit as a whole ("unit: text").
func (u *Unit) unitLog(level unitfile.Level, format string, args ...any) {
	u.Diagnostics = append(u.Diagnostics, Diagnostic{Location: unitfile.Location{File: u.ID}, Level: level, Text: fmt.Sprintf(format, args...)})
}

// hasName reports whether name is one of the unit's names.
func (u *Unit) hasName(name string) bool { return name == u.ID || u.Names.Has(name) }

// resolveTemplate is systemd's resolve_template: a template name gets the
// unit's instance, or its prefix when the unit has none.
func (u *Unit) resolveTemplate(name string) (string, error) {
	if !unitname.IsValid(name, unitname.Template) {
		return name, nil
	}
	inst := u.Instance
	if inst == "" {
		p, err := unitname.Prefix(u.ID)
		if err != nil {
			return "", err
		}
		inst = p
	}
	return unitname.ReplaceInstance(name, inst)
}

// addDependencyByName is systemd's unit_add_dependency_by_name for a
// dependency read from a file.
func (u *Unit) addDependencyByName(d Dependency, name string, _ unitfile.Location) error {
	name, err := u.resolveTemplate(name)
	if err != nil {
		return err
	}
	if u.ignoreDeps {
		return nil
	}
	if unitname.TypeOf(name) == unitname.TypeInvalid || !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		return syscall.EINVAL
	}
	return u.addDependency(d, name)
}

// addDependency is systemd's unit_add_dependency, keeping the checks
// that depend only on the two units' names and types.
func (u *Unit) addDependency(d Dependency, other string) error {
	if u.hasName(other) {
		if warnSelf[d] {
			u.unitLog(LevelWarning, "Dependency %s=%s is dropped.", d, u.ID)
		}
		return nil
	}
	if u.ignoreDeps {
		return nil
	}
	u.load(other)
	ot := unitname.TypeOf(other)
	switch {
	case d == Before && ot == unitname.Device:
		u.unitLog(LevelWarning, "Dependency Before=%s ignored (.device units cannot be delayed)", other)
		return nil
	case d == OnFailure && !typeInfos[u.Type].canFail:
		u.unitLog(LevelWarning, "Requested dependency OnFailure=%s ignored (%s units cannot fail).", other, u.Type)
		return nil
	case d == Triggers && !typeInfos[u.Type].canTrigger:
		u.unitLog(LevelErr, "Requested dependency Triggers=%s refused (%s units cannot trigger other units).", other, u.Type)
		return syscall.EINVAL
	case d == TriggeredBy && !typeInfos[ot].canTrigger:
		u.unitLog(LevelErr, "Requested dependency TriggeredBy=%s refused (%s units cannot trigger other units).", other, ot)
		return syscall.EINVAL
	case d == InSlice && ot != unitname.Slice:
		u.unitLog(LevelErr, "Requested dependency Slice=%s refused (%s is not a slice unit).", other, other)
		return syscall.EINVAL
	}
	u.Deps[d].Add(other)
	u.Deps[References].Add(other)
	u.noteOrigin(d, other, u.curOrigin())
	return nil
}

// load records that loading u asks the manager to load the unit name
// (manager_load_unit), which a LoadQueue then does.
func (u *Unit) load(name string) { u.loads = append(u.loads, name) }

// loadRelated is unit_load_related_unit: the unit with u's name and
// another suffix, loaded.
func (u *Unit) loadRelated(suffix string) string {
	n := relatedUnit(u, suffix)
	if n != "" {
		u.load(n)
	}
	return n
}

// addDependencies adds two kinds of dependency on the same unit.
func (u *Unit) addDependencies(a, b Dependency, other string) {
	_ = u.addDependency(a, other)
	_ = u.addDependency(b, other)
}

// requireMountsFor is systemd's unit_require_mounts_for.
func (u *Unit) requireMountsFor(path string) {
	if !unitname.PathIsAbsolute(path) {
		return
	}
	path = unitname.PathSimplify(path)
	if !unitname.PathIsNormalized(path) {
		return
	}
	if u.RequiresMountsForMask == nil {
		u.RequiresMountsForMask = map[string]DepMask{}
	}
	u.RequiresMountsForMask[path] |= u.curOrigin()
	for _, p := range u.RequiresMountsFor {
		if p == path {
			return
		}
	}
	u.RequiresMountsFor = append(u.RequiresMountsFor, path)
}

// addNodeDependency is unit_add_node_dependency: a unit based on a device
// node (or sysfs path) is ordered after its device unit and depends on it
// with dep, where device units work.
func (l *Loader) addNodeDependency(u *Unit, what string, dep Dependency) {
	if what == "" || !unitname.IsDevicePath(what) || !l.Defaults.DevicesSupported {
		return
	}
	dev, err := unitname.FromPath(what, ".device")
	if err != nil {
		return
	}
	u.load(dev)
	u.addDependencies(After, dep, dev)
}

// addBlockdevDependency is unit_add_blockdev_dependency: order after the
// device's blockdev@.target.
func (l *Loader) addBlockdevDependency(u *Unit, what string) {
	if what != "/dev" && !strings.HasPrefix(what, "/dev/") || !l.Defaults.DevicesSupported {
		return
	}
	escaped, err := unitname.PathEscape(what)
	if err != nil {
		return
	}
	if target, err := unitname.Build("blockdev", escaped, ".target"); err == nil {
		_ = u.addDependency(After, target)
	}
}
