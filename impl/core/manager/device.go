package manager

import (
	"gosystemd/impl/core/state"
	"gosystemd/impl/unitname"
)

// deviceState is a device's sub-state (252's DeviceState).
type deviceState int

const (
	devDead deviceState = iota
	devTentative
	devPlugged
)

var deviceStateNames = [...]string{"dead", "tentative", "plugged"}

var deviceActive = [...]state.Active{devDead: state.Inactive, devTentative: state.Activating, devPlugged: state.Active_}

// device is the device unit type. Devices appear through udev
// (deviceudev.go): a device udev tagged "systemd" and considers ready is
// plugged, one only the mount or swap table names is tentative. Where
// udev does not run (a container, as in 252's udev_available) every
// device unit stays dead and starting one is unsupported, as in 252.
type device struct {
	u     *Unit
	state deviceState
	// sysfs is the syspath of the device the unit stands for now, ""
	// while it has none; the units of one syspath form a list
	// (deviceTable.bySysfs).
	sysfs string
	// path is what the unit was first set up for: the syspath, the
	// node, a link or an alias.
	path string
	// found says who sees the device now; enumeratedFound is what
	// enumeration saw while the manager was not running yet (applied by
	// catchup).
	found, enumeratedFound deviceFound
	catchupPending         bool
	// wantsProperty is the last SYSTEMD_WANTS= the unit got.
	wantsProperty []string
	// bindMounts is SYSTEMD_MOUNT_DEVICE_BOUND=: mounts of the device
	// are bound to it.
	bindMounts bool
	// udevDeps are the dependencies udev's properties added (252's
	// UNIT_DEPENDENCY_UDEV), removed before each new setup.
	udevDeps []depEdge
}

func init() {
	typeConstructors[unitname.Device] = func(u *Unit) unitType { return newDevice(u) }
}

func newDevice(u *Unit) *device {
	// device_load: until udev describes it, a device is named by its
	// path.
	if u.cfg.Description == "" {
		if p, err := unitname.ToPath(u.ID()); err == nil {
			u.cfg.Description = p
		}
	}
	u.conditionResult, u.assertResult = false, false
	return &device{u: u}
}

func (d *device) activeState() state.Active { return deviceActive[d.state] }
func (d *device) subState() string          { return deviceStateNames[d.state] }
func (d *device) canReload() bool           { return false }
func (d *device) reload() error             { return errBadR }
func (d *device) childExited(int, int, int) {}
func (d *device) resetFailed()              {}

func (d *device) props(p map[string]any) {
	p["SysFSPath"] = d.sysfs
	if f := d.following(); f != nil {
		p["Following"] = f.ID()
	}
}

// reloadConfig: after daemon-reload, as 252 after deserializing; what
// udev said of the device is applied again once every unit is back
// (reapplyUdev).
func (d *device) reloadConfig() {
	if d.u.cfg.Description == "" {
		if p, err := unitname.ToPath(d.u.ID()); err == nil {
			d.u.cfg.Description = p
		}
	}
	d.udevDeps = nil
	reloadedUnit(d.u)
}

// supported is 252's udev_available for device units.
func (d *device) supported() bool { return d.u.m.cfg.Defaults.DevicesSupported }

// start: devices have no start operation (a start job waits until the
// device is plugged); where udev is missing the type itself is
// unsupported (unit_start checks that first).
func (d *device) start() error {
	if !d.supported() {
		return errUnsupported
	}
	return errBadR
}

// stop: a stop job waits until the device is gone.
func (d *device) stop() error { return errBadR }

// release: a collected unit leaves its syspath's list.
func (d *device) release() { devicesOf(d.u.m).unsetSysfs(d) }

// setState is device_set_state.
func (d *device) setState(ns deviceState) {
	os := d.state
	d.state = ns
	if ns == devDead {
		devicesOf(d.u.m).unsetSysfs(d)
	}
	if os != ns {
		d.u.m.logUnit(d.u, LevelDebug, "Changed %s -> %s", deviceStateNames[os], deviceStateNames[ns])
	}
	d.u.notify(deviceActive[os], deviceActive[ns], true)
}

// catchup is device_catchup: what enumeration found while the manager
// was not running takes effect.
func (d *device) catchup() {
	if !d.catchupPending {
		return
	}
	d.catchupPending = false
	if d.found == 0 && d.state == devPlugged {
		// A state restored without who had found the device: udev had.
		d.found = foundUdev
	}
	d.updateFound(d.enumeratedFound, foundMask)
}

// follower is a unit type whose units may follow another unit (252's
// following): a device's node and link units follow the unit named
// after its syspath.
type follower interface {
	following() *Unit
	followingSet() []*Unit
}

// following is device_following.
func (d *device) following() *Unit {
	if len(d.u.ID()) >= 4 && d.u.ID()[:4] == "sys-" || d.sysfs == "" {
		return nil
	}
	l := devicesOf(d.u.m).bySysfs[d.sysfs]
	if indexDevice(l, d) < 0 {
		return nil
	}
	if o, ok := followInList(l, d, isSysUnit); ok {
		return o.u
	}
	return nil
}

// followInList is the walk 252's device_following and swap_following
// share over the units of one device: the first main one after self,
// else the nearest main one before it, else the list's first (none if
// self is first).
func followInList[T comparable](l []T, self T, isMain func(T) bool) (T, bool) {
	i := 0
	for i < len(l) && l[i] != self {
		i++
	}
	for _, o := range l[min(i+1, len(l)):] {
		if isMain(o) {
			return o, true
		}
	}
	var first T
	found := false
	for j := min(i, len(l)) - 1; j >= 0; j-- {
		if isMain(l[j]) {
			return l[j], true
		}
		first, found = l[j], true
	}
	return first, found
}

// followingSet is device_following_set: the other units of the syspath.
func (d *device) followingSet() []*Unit {
	if d.sysfs == "" {
		return nil
	}
	l := devicesOf(d.u.m).bySysfs[d.sysfs]
	i := indexDevice(l, d)
	if i < 0 {
		return nil
	}
	var out []*Unit
	for _, o := range l[i+1:] {
		out = append(out, o.u)
	}
	for j := i - 1; j >= 0; j-- {
		out = append(out, l[j].u)
	}
	return out
}

func isSysUnit(d *device) bool { id := d.u.ID(); return len(id) >= 4 && id[:4] == "sys-" }

func indexDevice(l []*device, d *device) int {
	for i, o := range l {
		if o == d {
			return i
		}
	}
	return -1
}
