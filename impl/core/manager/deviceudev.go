package manager

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/udev"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// How device units follow udev (252's device.c with sd-device):
//
//	startup: enumerate /run/udev/tags/systemd ──┐
//	uevent (devicemon.go, on the loop) ─────────┼─► setupUnits(dev): the units of the
//	mount/swap table sources (found-mount) ─────┘   syspath, node, links and aliases,
//	                                                each with sysfs, description, Wants
//	                                          ──► updateFound: found-udev/mount/swap bits
//	                                              ──► plugged / tentative / dead
//
// A device's units share its syspath; all follow the "sys-…" one. Only
// devices udev tagged "systemd" and considers ready (SYSTEMD_READY not
// false, not being renamed) are plugged.

// deviceFound is 252's DeviceFound: who sees a device.
type deviceFound uint8

const (
	foundUdev deviceFound = 1 << iota
	foundMount
	foundSwap
	foundMask = foundUdev | foundMount | foundSwap
)

var foundNames = [...]struct {
	f    deviceFound
	name string
}{{foundUdev, "found-udev"}, {foundMount, "found-mount"}, {foundSwap, "found-swap"}}

// String is the serialized form: "found-udev,found-mount".
func (f deviceFound) String() string {
	var l []string
	for _, n := range foundNames {
		if f&n.f != 0 {
			l = append(l, n.name)
		}
	}
	return strings.Join(l, ",")
}

// parseFound reads deviceFound's String form.
func parseFound(s string) (deviceFound, bool) {
	var f deviceFound
	for _, w := range strings.Split(s, ",") {
		if w == "" {
			continue
		}
		ok := false
		for _, n := range foundNames {
			if n.name == w {
				f |= n.f
				ok = true
			}
		}
		if !ok {
			return 0, false
		}
	}
	return f, true
}

// FoundString and SetFoundString carry who had found a device across
// daemon-reexec (252 serializes "found"), with its sysfs path and the
// path the unit was set up for.
func (d *device) FoundString() string { return d.found.String() }

// SetFoundString restores what FoundString gave; false if malformed.
func (d *device) SetFoundString(s string) bool {
	f, ok := parseFound(s)
	if ok {
		d.found = f
	}
	return ok
}

// depEdge is a dependency added on behalf of udev.
type depEdge struct {
	from string
	kind unit.Dependency
	to   string
}

// deviceTable is the manager's side of udev (Manager.kernel.devices).
type deviceTable struct {
	// bySysfs lists the units of each syspath, the latest set up first.
	bySysfs map[string][]*device
	fs      udev.FS
	monitor *deviceMonitor
	// enumerated: the startup enumeration ran.
	enumerated bool
	// mounted and swapped are the device paths the mount and swap
	// tables named last (found-mount, found-swap).
	mounted map[string]bool
	swapped map[string]bool
	// reloading: units are set up again after daemon-reload, as 252
	// sets up fresh (dead) units then: a changed SYSTEMD_WANTS= starts
	// nothing.
	reloading bool
}

func devicesOf(m *Manager) *deviceTable {
	k := kernelOf(m)
	if k.devices == nil {
		k.devices = &deviceTable{bySysfs: map[string][]*device{}}
	}
	return k.devices
}

func init() {
	enumerators = append(enumerators, enumerateDevices)
}

// devicesRunning is MANAGER_IS_RUNNING for devices: while state is
// being restored, what enumeration finds waits for catchup.
func (m *Manager) devicesRunning() bool { return !m.reexec.deserializing }

// enumerateDevices is device_enumerate: the monitor first (so that
// nothing is missed), then every device udev tagged "systemd".
func enumerateDevices(m *Manager) {
	if !m.cfg.Defaults.DevicesSupported {
		return
	}
	t := devicesOf(m)
	if t.monitor == nil {
		mon, err := newDeviceMonitor(m)
		if err != nil {
			m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to start device monitor: %v", err)})
			return
		}
		t.monitor = mon
	}
	t.enumerated = true
	devs, err := t.fs.EnumerateTag("systemd")
	if err != nil {
		m.log(LogEntry{Level: LevelDebug, Message: fmt.Sprintf("Failed to enumerate some devices, ignoring: %v", err)})
	}
	running := m.devicesRunning()
	for _, dev := range devs {
		m.safely("device "+dev.Syspath, func() {
			ready, notReady := t.setupUnits(m, dev)
			for _, d := range ready {
				t.updateFoundOne(m, d, foundUdev, foundUdev, running)
			}
			for _, d := range notReady {
				t.updateFoundOne(m, d, 0, foundUdev, running)
			}
		})
	}
	if !running {
		// Devices that were not serialized get no catchup from the
		// restore; they catch up right after it.
		m.afterLoop(0, func() {
			for _, u := range append([]*Unit(nil), m.order...) {
				if d, ok := u.kind.(*device); ok && d.catchupPending {
					m.safely("catching up "+u.ID(), d.catchup)
				}
			}
		})
	}
}

// dispatchUevent is device_dispatch_io: one device from udev's monitor.
func (t *deviceTable) dispatchUevent(m *Manager, dev *udev.Device) {
	if dev.Action == udev.ActionMove {
		if old, ok := dev.Property("DEVPATH_OLD"); ok {
			t.updateFoundBySysfs(m, "/sys"+old, 0, foundMask)
		}
	}
	ready, notReady := t.setupUnits(m, dev)
	if dev.Action != udev.ActionAdd && dev.Action != udev.ActionRemove && dev.Action != udev.ActionMove {
		for _, d := range ready {
			t.propagateReload(m, d)
		}
	}
	if dev.Action == udev.ActionRemove {
		// Gone for good: every unit of the syspath loses every bit.
		t.updateFoundBySysfs(m, dev.Syspath, 0, foundMask)
	}
	for _, d := range ready {
		t.updateFoundOne(m, d, foundUdev, foundUdev, true)
	}
	for _, d := range notReady {
		t.updateFoundOne(m, d, 0, foundUdev, true)
	}
}

// propagateReload is device_propagate_reload: a change of a plugged
// device reloads the units that asked for it (ReloadPropagatedFrom=).
func (t *deviceTable) propagateReload(m *Manager, d *device) {
	if d.state == devDead {
		return
	}
	for _, o := range d.u.deps(dep.AtomPropagatesReloadTo) {
		if s := o.ActiveState(); s.IsActiveOrReloading() && o.kind != nil && o.kind.canReload() {
			if _, err := m.EnqueueLoop(jobReload, o, job.Replace); err != nil {
				m.logUnit(d.u, LevelWarning, "Failed to propagate reload, ignoring: %v", err)
			}
		}
	}
}

// isReady is device_is_ready: not being removed or renamed, tagged
// "systemd" by the latest event, and not SYSTEMD_READY=0.
func (m *Manager) deviceIsReady(dev *udev.Device) bool {
	if dev.Action == udev.ActionRemove {
		return false
	}
	if _, renaming := dev.Property("ID_RENAMING"); renaming {
		return false
	}
	if !dev.HasCurrentTag("systemd") {
		return false
	}
	ready, present, err := dev.PropertyBool("SYSTEMD_READY")
	if err != nil {
		m.logDevice(dev, LevelWarning, "Failed to get device SYSTEMD_READY property, assuming device does not have \"SYSTEMD_READY\" property: Invalid argument")
		return true
	}
	return !present || ready
}

// logDevice is log_device_*: "sysname: message", with DEVICE=.
func (m *Manager) logDevice(dev *udev.Device, level int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	var fields []string
	if dev != nil && dev.Syspath != "" {
		msg = dev.Sysname() + ": " + msg
		fields = []string{"DEVICE=" + dev.Sysname()}
	}
	m.log(LogEntry{Level: level, Message: msg, Fields: fields})
}

// setupStep is one device_setup_unit call to make.
type setupStep struct {
	path string
	dev  *udev.Device
	main bool
}

// setupUnits is device_setup_units: the units of dev's syspath and node
// if it is ready, then those of its links and aliases and of whatever
// else still names its syspath. It returns the units to mark found by
// udev and those to mark not found.
func (t *deviceTable) setupUnits(m *Manager, dev *udev.Device) (ready, notReady []*device) {
	var steps []setupStep
	var notReadyPaths []string
	isReady := m.deviceIsReady(dev)
	switch {
	case dev.Action == udev.ActionRemove:
		// The syspath's units lose their bits in dispatchUevent; the
		// links below may now name another device.
	case isReady:
		steps = append(steps, setupStep{dev.Syspath, dev, true})
		if dev.Devname != "" {
			steps = append(steps, setupStep{dev.Devname, dev, false})
		}
	default:
		notReadyPaths = append(notReadyPaths, dev.Syspath)
		if dev.Devname != "" {
			notReadyPaths = append(notReadyPaths, dev.Devname)
		}
	}
	// device_setup_extra_units: links, then aliases.
	linkSteps := func(link string) {
		if ld, err := t.fs.FromDevname(link); err == nil && m.deviceIsReady(ld) {
			steps = append(steps, setupStep{link, ld, false})
		} else {
			notReadyPaths = append(notReadyPaths, link)
		}
	}
	mainIdx := len(steps)
	for _, link := range dev.Devlinks {
		if strings.HasPrefix(link, "/dev/block/") || strings.HasPrefix(link, "/dev/char/") {
			continue
		}
		linkSteps(link)
	}
	var aliases []string
	if isReady {
		if s, ok := dev.Property("SYSTEMD_ALIAS"); ok {
			words, err := value.Split(s, unitfile.ExtractUnquote)
			if err != nil {
				m.logDevice(dev, LevelWarning, "Failed to parse SYSTEMD_ALIAS property, ignoring: %v", err)
				words = nil
			}
			aliases = words
		}
	}
	for _, a := range aliases {
		switch {
		case !unitname.PathIsAbsolute(a):
			m.logDevice(dev, LevelWarning, "The alias \"%s\" specified in SYSTEMD_ALIAS is not an absolute path, ignoring.", a)
		case !unitname.PathIsSafe(a):
			m.logDevice(dev, LevelWarning, "The alias \"%s\" specified in SYSTEMD_ALIAS is not safe, ignoring.", a)
		default:
			steps = append(steps, setupStep{a, dev, false})
		}
	}

	// Units are created in one go, as 252 dispatches its load queue
	// once per event.
	t.loadFor(m, steps)

	addReady := func(d *device) {
		if d != nil && indexDevice(ready, d) < 0 {
			ready = append(ready, d)
		}
	}
	addNotReady := func(d *device) {
		if d != nil && indexDevice(notReady, d) < 0 {
			notReady = append(notReady, d)
		}
	}
	byPath := func(p string) *device {
		name, err := unitname.FromPath(p, ".device")
		if err != nil {
			return nil
		}
		if u := m.units[name]; u != nil {
			d, _ := u.kind.(*device)
			return d
		}
		return nil
	}
	for i, s := range steps {
		d, err := t.setupUnit(m, s.dev, s.path, s.main)
		if err != nil && i == 0 && s.main && mainIdx > 0 {
			// Without its main unit a device gets no others.
			return nil, nil
		}
		addReady(d)
	}
	for _, p := range notReadyPaths {
		addNotReady(byPath(p))
	}
	// Units still naming the syspath that this event did not set up:
	// links are checked again, aliases are no more.
	for _, d := range append([]*device(nil), t.bySysfs[dev.Syspath]...) {
		switch {
		case d.path == "",
			unitname.PathEqual(d.path, dev.Syspath),
			dev.Devname != "" && unitname.PathEqual(d.path, dev.Devname),
			dev.HasDevlink(d.path),
			containsString(aliases, d.path):
			continue
		}
		if _, ok := unitname.PathStartsWith(d.path, "/dev/"); ok {
			if ld, err := t.fs.FromDevname(d.path); err == nil && m.deviceIsReady(ld) {
				nd, _ := t.setupUnit(m, ld, d.path, false)
				addReady(nd)
			} else {
				addNotReady(d)
			}
		} else {
			addNotReady(d)
		}
	}
	// No unit may be both.
	for _, d := range notReady {
		if i := indexDevice(ready, d); i >= 0 {
			m.logUnit(d.u, LevelErr, "Cannot activate and deactivate the unit simultaneously. Deactivating.")
			ready = append(ready[:i], ready[i+1:]...)
		}
	}
	return ready, notReady
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// loadFor loads the device units the steps need that do not exist yet.
func (t *deviceTable) loadFor(m *Manager, steps []setupStep) {
	var names []string
	for _, s := range steps {
		if name, err := unitname.FromPath(s.path, ".device"); err == nil && m.units[name] == nil && !containsString(names, name) {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		m.loadUnitsLoop(names)
	}
}

var errNoDeviceUnit = errors.New("no device unit")

// setupUnit is device_setup_unit: the unit for path (created if need
// be) stands for dev (nil: a node the kernel has that udev has not
// described yet).
func (t *deviceTable) setupUnit(m *Manager, dev *udev.Device, path string, main bool) (*device, error) {
	name, err := unitname.FromPath(path, ".device")
	if err != nil {
		m.log(LogEntry{Level: LevelWarning,
			Message: fmt.Sprintf("Failed to generate valid unit name from device path '%s', ignoring device: %s", path, errnoText(err)),
			Fields:  []string{"MESSAGE_ID=010190138f494e29a0ef6669749531aa", "DEVICE=" + path}})
		return nil, err
	}
	u := m.units[name]
	if u == nil {
		m.loadUnitsLoop([]string{name})
		if u = m.units[name]; u == nil {
			return nil, errNoDeviceUnit
		}
	}
	d, ok := u.kind.(*device)
	if !ok {
		return nil, errNoDeviceUnit
	}
	// What udev's properties added last time goes; what they say now
	// is added below.
	m.removeUdevDeps(d)
	if d.path == "" {
		d.path = path
	}
	if dev != nil {
		t.setSysfs(d, dev.Syspath)
		if main {
			m.addUdevWants(d, dev)
		}
	}
	m.updateDeviceDescription(d, dev, path)
	if dev != nil {
		bound, present, err := dev.PropertyBool("SYSTEMD_MOUNT_DEVICE_BOUND")
		if err != nil {
			m.logDevice(dev, LevelWarning, "Failed to parse SYSTEMD_MOUNT_DEVICE_BOUND= udev property, ignoring: Invalid argument")
		}
		d.bindMounts = present && err == nil && bound
		if d.bindMounts {
			m.upgradeMountDeps(d)
		}
	}
	return d, nil
}

// setSysfs is device_set_sysfs: the unit joins the head of its new
// syspath's list.
func (t *deviceTable) setSysfs(d *device, sysfs string) {
	if d.sysfs == sysfs {
		return
	}
	t.unsetSysfs(d)
	t.bySysfs[sysfs] = append([]*device{d}, t.bySysfs[sysfs]...)
	d.sysfs = sysfs
	d.u.m.obs.UnitChanged(d.u)
}

// unsetSysfs is device_unset_sysfs.
func (t *deviceTable) unsetSysfs(d *device) {
	if d.sysfs == "" {
		return
	}
	l := t.bySysfs[d.sysfs]
	if i := indexDevice(l, d); i >= 0 {
		l = append(l[:i:i], l[i+1:]...)
	}
	if len(l) == 0 {
		delete(t.bySysfs, d.sysfs)
	} else {
		t.bySysfs[d.sysfs] = l
	}
	d.sysfs = ""
}

// updateDeviceDescription is device_update_description: the model (and
// a label) where udev knows them, else the path.
func (m *Manager) updateDeviceDescription(d *device, dev *udev.Device, path string) {
	desc := path
	if dev != nil {
		model, ok := dev.Property("ID_MODEL_FROM_DATABASE")
		if !ok {
			model, ok = dev.Property("ID_MODEL")
		}
		if ok {
			desc = model
			for _, k := range []string{"ID_FS_LABEL", "ID_PART_ENTRY_NAME", "ID_PART_ENTRY_NUMBER"} {
				if label, ok := dev.Property(k); ok {
					desc = model + " " + label
					break
				}
			}
		}
	}
	if d.u.cfg.Description != desc {
		d.u.cfg.Description = desc
		m.obs.UnitChanged(d.u)
	}
}

// addUdevWants is device_add_udev_wants: SYSTEMD_WANTS= (the user
// manager's SYSTEMD_USER_WANTS=) becomes Wants=; a template gets the
// escaped syspath as instance. Units newly wanted by a device already
// up are started at once.
func (m *Manager) addUdevWants(d *device, dev *udev.Device) {
	prop := "SYSTEMD_WANTS"
	if m.cfg.Scope != unitpath.System {
		prop = "SYSTEMD_USER_WANTS"
	}
	wants, ok := dev.Property(prop)
	if !ok {
		return
	}
	words, splitErr := value.Split(wants, unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
	var added []string
	for _, w := range words {
		var k string
		if unitname.IsValid(w, unitname.Template) && d.sysfs != "" {
			esc, err := unitname.PathEscape(d.sysfs)
			if err != nil {
				m.logUnit(d.u, LevelErr, "Failed to escape %s: %s", d.sysfs, errnoText(err))
				return
			}
			if k, err = unitname.ReplaceInstance(w, esc); err != nil {
				m.logUnit(d.u, LevelErr, "Failed to build %s instance of template %s: %s", esc, w, errnoText(err))
				return
			}
		} else {
			mg, err := unitname.Mangle(w, "", 0, ".service")
			for _, n := range mg.Notes {
				m.log(LogEntry{Level: LevelNotice, Message: n})
			}
			if err != nil {
				m.logUnit(d.u, LevelErr, "Failed to mangle unit name \"%s\": %s", w, errnoText(err))
				return
			}
			k = mg.Name
		}
		o, err := m.LoadUnitLoop(k)
		if err != nil {
			m.logUnit(d.u, LevelErr, "Failed to add Wants= dependency: %v", err)
			return
		}
		m.addUdevDep(d, d.u, unit.Wants, o)
		added = append(added, k)
	}
	if splitErr != nil {
		m.logUnit(d.u, LevelErr, "Failed to parse property %s with value %s: %s", prop, wants, errnoText(splitErr))
	}
	if d.state != devDead && !devicesOf(m).reloading {
		// SYSTEMD_WANTS= that changed while the device is up: what is
		// newly listed, or listed but not running, is started now.
		for _, k := range added {
			if containsString(d.wantsProperty, k) {
				if v := m.units[k]; v != nil && v.ActiveState().IsActiveOrReloading() {
					continue
				}
			}
			v := m.units[k]
			var err error
			if v == nil {
				err = fmt.Errorf("Unit %s not found.", k)
			} else {
				_, err = m.EnqueueLoop(jobStart, v, job.Fail)
			}
			if err != nil {
				level := LevelWarning
				var je *job.Error
				if v == nil || errors.As(err, &je) && je.Kind == job.ErrNoSuchUnit {
					level = LevelDebug
				}
				m.logUnit(d.u, level, "Failed to enqueue %s job, ignoring: %v", prop, err)
			}
		}
	}
	d.wantsProperty = added
}

// upgradeMountDeps is device_upgrade_mount_deps: the mounts requiring
// the device are bound to it.
func (m *Manager) upgradeMountDeps(d *device) {
	for _, n := range d.u.cfg.Deps[unit.RequiredBy].List() {
		if o := m.units[n]; o != nil && o.cfg.Type == unitname.Mount {
			m.addUdevDep(d, o, unit.BindsTo, d.u)
		}
	}
}

// addUdevDep adds from → to of kind and its inverse, remembering what
// was new so that the next setup can take it back.
func (m *Manager) addUdevDep(d *device, from *Unit, kind unit.Dependency, to *Unit) {
	if from == to {
		return
	}
	add := func(a *Unit, k unit.Dependency, b *Unit, origin, dest unit.DepMask) {
		if a.cfg.Deps[k].Add(b.ID()) {
			d.udevDeps = append(d.udevDeps, depEdge{a.ID(), k, b.ID()})
		}
		a.cfg.NoteDepMask(k, b.ID(), origin, dest)
	}
	add(from, kind, to, unit.MaskUdev, 0)
	add(to, kind.Inverse(), from, 0, unit.MaskUdev)
	add(from, unit.References, to, unit.MaskUdev, 0)
	add(to, unit.ReferencedBy, from, 0, unit.MaskUdev)
	m.obs.UnitChanged(from)
	m.obs.UnitChanged(to)
}

// removeUdevDeps is unit_remove_dependencies(UNIT_DEPENDENCY_UDEV).
func (m *Manager) removeUdevDeps(d *device) {
	for _, e := range d.udevDeps {
		if u := m.units[e.from]; u != nil {
			u.cfg.Deps[e.kind].Remove(e.to)
			u.cfg.ForgetDepMask(e.kind, e.to)
			m.obs.UnitChanged(u)
			m.addToGCQueue(u)
		}
	}
	d.udevDeps = nil
}

// updateFoundOne is device_update_found_one: the bits of mask take the
// values of found; a change moves the unit's state, or, while the
// manager is not running, waits for catchup.
func (t *deviceTable) updateFoundOne(m *Manager, d *device, found, mask deviceFound, running bool) {
	if !running {
		d.enumeratedFound = d.enumeratedFound&^mask | found&mask
		d.catchupPending = true
		return
	}
	d.updateFound(found, mask)
}

func (d *device) updateFound(found, mask deviceFound) {
	n := d.found&^mask | found&mask
	if n == d.found {
		return
	}
	prev := d.found
	d.found = n
	d.foundChanged(prev, n)
}

// foundChanged is device_found_changed.
func (d *device) foundChanged(prev, now deviceFound) {
	if prev == 0 && now != 0 {
		d.u.invocationID = newInvocationID()
	}
	switch {
	case now&foundUdev != 0:
		// Known to udev: plugged.
		d.setState(devPlugged)
	case now != 0 && prev&foundUdev == 0:
		// Only the kernel knows it yet; udev probably will soon.
		d.setState(devTentative)
	default:
		// Nobody sees it, or udev saw it and the kernel's tables still
		// name it: it is gone.
		d.setState(devDead)
	}
}

// updateFoundBySysfs is device_update_found_by_sysfs.
func (t *deviceTable) updateFoundBySysfs(m *Manager, sysfs string, found, mask deviceFound) {
	if mask == 0 {
		return
	}
	for _, d := range append([]*device(nil), t.bySysfs[sysfs]...) {
		t.updateFoundOne(m, d, found, mask, m.devicesRunning())
	}
}

// foundNode is device_found_node: the mount or swap table names a device
// node. A node that appeared gets a unit, tentative until udev knows it.
func (t *deviceTable) foundNode(m *Manager, node string, found, mask deviceFound) {
	if !m.cfg.Defaults.DevicesSupported || mask == 0 {
		return
	}
	if found&mask != 0 {
		dev, err := t.fs.FromDevname(node)
		switch {
		case errors.Is(err, udev.ErrNoDevice):
			m.log(LogEntry{Level: LevelDebug, Message: fmt.Sprintf("Could not find device for %s, continuing without device node", node)})
			dev = nil
		case errors.Is(err, udev.ErrInvalid):
			return
		case err != nil:
			m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to open %s device, ignoring: %v", node, err)})
			return
		}
		t.loadFor(m, []setupStep{{path: node}})
		_, _ = t.setupUnit(m, dev, node, false)
	}
	name, err := unitname.FromPath(node, ".device")
	if err != nil {
		return
	}
	if u := m.units[name]; u != nil {
		if d, ok := u.kind.(*device); ok {
			t.updateFoundOne(m, d, found, mask, m.devicesRunning())
		}
	}
}

// tableNodes follows a kernel table's device nodes (found-mount from
// mountinfo, found-swap from /proc/swaps): every node named now is
// found, every node named before and not now is not.
func (t *deviceTable) tableNodes(m *Manager, prev *map[string]bool, nodes []string, bit deviceFound) {
	if !m.cfg.Defaults.DevicesSupported {
		return
	}
	cur := map[string]bool{}
	for _, n := range nodes {
		if cur[n] || !strings.HasPrefix(n, "/dev") {
			continue
		}
		cur[n] = true
		m.safely("device "+n, func() { t.foundNode(m, n, bit, bit) })
	}
	for n := range *prev {
		if !cur[n] {
			m.safely("device "+n, func() { t.foundNode(m, n, 0, bit) })
		}
	}
	*prev = cur
}

// devicesMounted is called with the mount table's sources on every
// reading (mount.go).
func devicesMounted(m *Manager, sources []string) {
	t := devicesOf(m)
	t.tableNodes(m, &t.mounted, sources, foundMount)
}

// devicesSwapped is called with the swap table's devices on every
// reading (swap.go).
func devicesSwapped(m *Manager, nodes []string) {
	t := devicesOf(m)
	t.tableNodes(m, &t.swapped, nodes, foundSwap)
}

// reapplyUdev gives every device unit back what udev said of it after
// daemon-reload made its configuration anew (252 enumerates again while
// reloading, then catches up): description, Wants= and the mount
// bindings, from udev's database; units udev no longer lists lose
// found-udev.
func reapplyUdev(m *Manager) {
	t := devicesOf(m)
	t.reloading = true
	defer func() { t.reloading = false }()
	t.enumerateAgain(m)
}

// enumerateAgain sets up every device of udev's database again, as a
// running manager would on an event; units found by udev that the
// database no longer lists lose found-udev.
func (t *deviceTable) enumerateAgain(m *Manager) {
	if !m.cfg.Defaults.DevicesSupported || !t.enumerated {
		return
	}
	devs, err := t.fs.EnumerateTag("systemd")
	if err != nil && len(devs) == 0 {
		// The database could not be read: nothing is known to be gone.
		return
	}
	seen := map[*device]bool{}
	for _, dev := range devs {
		m.safely("device "+dev.Syspath, func() {
			ready, notReady := t.setupUnits(m, dev)
			for _, d := range ready {
				seen[d] = true
				t.updateFoundOne(m, d, foundUdev, foundUdev, true)
			}
			for _, d := range notReady {
				seen[d] = true
				t.updateFoundOne(m, d, 0, foundUdev, true)
			}
		})
	}
	for _, u := range append([]*Unit(nil), m.order...) {
		if d, ok := u.kind.(*device); ok && !seen[d] && d.found&foundUdev != 0 {
			t.updateFoundOne(m, d, 0, foundUdev, true)
		}
	}
}

// resync follows udev's database after events were lost: what it lists
// is set up again, and plugged units whose device left sysfs are gone.
func (t *deviceTable) resync(m *Manager) {
	t.enumerateAgain(m)
	for sysfs, l := range t.bySysfs {
		if _, err := os.Lstat(t.fs.Root + sysfs); err == nil {
			continue
		}
		for _, d := range append([]*device(nil), l...) {
			t.updateFoundOne(m, d, 0, foundUdev, true)
		}
	}
}
