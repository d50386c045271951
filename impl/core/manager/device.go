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

// device is the device unit type. Devices appear through udev, which
// this manager does not follow yet: where udev does not run (a
// container, as in 252's udev_available) every device unit is dead and
// starting one is unsupported, as in 252.
type device struct {
	u     *Unit
	state deviceState
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
func (d *device) props(p map[string]any)    {}

// reloadConfig: after daemon-reload, as 252 after deserializing.
func (d *device) reloadConfig() { reloadedUnit(d.u) }

// supported is 252's udev_available for device units.
func (d *device) supported() bool { return d.u.m.cfg.Defaults.DevicesSupported }

// start: devices have no start operation; where udev is missing the type
// itself is unsupported (unit_start checks that first).
func (d *device) start() error {
	if !d.supported() {
		return errUnsupported
	}
	return errBadR
}

func (d *device) stop() error { return errBadR }

// setState is device_set_state.
func (d *device) setState(ns deviceState) {
	os := d.state
	d.state = ns
	if os != ns {
		d.u.m.logUnit(d.u, LevelDebug, "Changed %s -> %s", deviceStateNames[os], deviceStateNames[ns])
	}
	d.u.notify(deviceActive[os], deviceActive[ns], true)
}
