// Package udev reads what udev knows about devices, as systemd 252's
// sd-device does for the service manager: a device's sysfs directory and
// uevent file, udev's database under /run/udev (properties, device links,
// tags), the devices tagged for systemd, and the messages udevd
// broadcasts on its netlink monitor group.
//
//	kernel ──uevent──► udevd ──rules──► /run/udev/data/<id>   (E: S: G: Q: I: …)
//	                     │              /run/udev/tags/<tag>/<id>
//	                     └──netlink, group 2 ("udev")──► Monitor ──► *Device
//	                        "libudev\0" header + KEY=value\0… properties
//
// A Device is plain data: it is read once (from sysfs and the database, or
// from one monitor message) and never changes. Nothing here logs; errors
// come back wrapped. Only the service manager (impl/core/manager) and tests
// import this package; it imports nothing of ours.
package udev

import (
	"sort"
	"strconv"
	"strings"
)

// Action is a uevent's action ("add", "change", …); empty for a device
// read from sysfs and the database.
type Action string

// The actions udev and the kernel send.
const (
	ActionAdd     Action = "add"
	ActionRemove  Action = "remove"
	ActionChange  Action = "change"
	ActionMove    Action = "move"
	ActionOnline  Action = "online"
	ActionOffline Action = "offline"
	ActionBind    Action = "bind"
	ActionUnbind  Action = "unbind"
)

var actions = map[string]Action{"add": ActionAdd, "remove": ActionRemove, "change": ActionChange, "move": ActionMove,
	"online": ActionOnline, "offline": ActionOffline, "bind": ActionBind, "unbind": ActionUnbind}

// Device is one device as sd-device describes it.
type Device struct {
	// Syspath is the device's directory under /sys ("/sys/devices/…").
	Syspath string
	// Subsystem is the device's subsystem ("block", "tty", "module"…),
	// "" if it has none.
	Subsystem string
	// Devtype is the kernel's DEVTYPE ("disk", "partition"…).
	Devtype string
	// Devname is the device node ("/dev/vda"), "" if there is none.
	Devname string
	// Major and Minor are the device number; Major is 0 when the device
	// has no node.
	Major, Minor uint32
	// Ifindex is a network interface's index, 0 for other devices.
	Ifindex int
	// Action and Seqnum are the uevent's, for a device from a message.
	Action Action
	Seqnum uint64
	// Devlinks are the symlinks udev made to the node, absolute paths,
	// in the order udev lists them.
	Devlinks []string
	links    map[string]bool
	// Initialized is whether udev has processed the device (it has a
	// database entry, or it came from udevd's monitor).
	Initialized bool
	// UsecInitialized is when udev first processed it (CLOCK_MONOTONIC).
	UsecInitialized uint64
	// DBVersion is the database format version (1 knows current tags).
	DBVersion int

	tags        orderedSet
	currentTags orderedSet
	props       map[string]string
	// driverSubsystem is the real subsystem of a "drivers" device.
	driverSubsystem string
}

// Property returns a udev or kernel property of the device.
func (d *Device) Property(key string) (string, bool) {
	v, ok := d.props[key]
	return v, ok
}

// Properties returns the device's properties, sorted by name.
func (d *Device) Properties() [][2]string {
	out := make([][2]string, 0, len(d.props))
	for k, v := range d.props {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// PropertyBool is sd-device's device_get_property_bool: present reports
// whether the property is set; err is set when its value is no boolean.
func (d *Device) PropertyBool(key string) (value, present bool, err error) {
	v, ok := d.props[key]
	if !ok {
		return false, false, nil
	}
	b, err := ParseBoolean(v)
	return b, true, err
}

// Tags are every tag the device was ever given, in the order first seen.
func (d *Device) Tags() []string { return append([]string(nil), d.tags.list...) }

// CurrentTags are the tags the latest udev event gave the device.
func (d *Device) CurrentTags() []string { return append([]string(nil), d.currentTags.list...) }

// HasTag reports whether the device was ever tagged with tag.
func (d *Device) HasTag(tag string) bool { return d.tags.has(tag) }

// HasCurrentTag is sd_device_has_current_tag: a database or message too
// old to know current tags answers with every tag.
func (d *Device) HasCurrentTag(tag string) bool {
	if d.DBVersion < 1 {
		return d.HasTag(tag)
	}
	return d.currentTags.has(tag)
}

// HasDevlink reports whether path is one of the device's links.
func (d *Device) HasDevlink(path string) bool { return d.links[path] }

// Devpath is the syspath without "/sys".
func (d *Device) Devpath() string { return strings.TrimPrefix(d.Syspath, "/sys") }

// Sysname is the last component of the syspath, with '!' turned into
// '/' as the kernel escapes it.
func (d *Device) Sysname() string {
	s := d.Syspath[strings.LastIndexByte(d.Syspath, '/')+1:]
	return strings.ReplaceAll(s, "!", "/")
}

// ID is sd-device's device ID, the name of the device's database file:
// "b254:0", "c4:64", "n2" or "+module:fuse". It is "" for a device
// without subsystem or with an ID that is no valid file name.
func (d *Device) ID() string {
	if d.Subsystem == "" {
		return ""
	}
	var id string
	switch {
	case d.Major > 0:
		t := "c"
		if d.Subsystem == "block" {
			t = "b"
		}
		id = t + strconv.FormatUint(uint64(d.Major), 10) + ":" + strconv.FormatUint(uint64(d.Minor), 10)
	case d.Ifindex > 0:
		id = "n" + strconv.Itoa(d.Ifindex)
	default:
		dp := strings.TrimRight(d.Devpath(), "/")
		name := dp[strings.LastIndexByte(dp, '/')+1:]
		if name == "" || name == "." || name == ".." {
			return ""
		}
		if d.Subsystem == "drivers" {
			id = "+drivers:" + d.driverSubsystem + ":" + name
		} else {
			id = "+" + d.Subsystem + ":" + name
		}
	}
	if !filenameIsValid(id) {
		return ""
	}
	return id
}

func filenameIsValid(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 255 && !strings.ContainsRune(s, '/')
}

// orderedSet is a set of strings that remembers the order of insertion.
type orderedSet struct {
	list []string
	set  map[string]bool
}

func (o *orderedSet) has(s string) bool { return o.set[s] }

func (o *orderedSet) add(s string) {
	if o.set[s] {
		return
	}
	if o.set == nil {
		o.set = map[string]bool{}
	}
	o.set[s] = true
	o.list = append(o.list, s)
}

// setProperty adds or replaces a property.
func (d *Device) setProperty(key, value string) {
	if d.props == nil {
		d.props = map[string]string{}
	}
	d.props[key] = value
}

// addTag adds a tag; current ones are also current tags.
func (d *Device) addTag(tag string, current bool) {
	if !tagIsValid(tag) {
		return
	}
	d.tags.add(tag)
	if current {
		d.currentTags.add(tag)
	}
}

// tagIsValid is sd-device's check of a tag: no ':' and no space.
func tagIsValid(tag string) bool { return !strings.ContainsAny(tag, ": ") }

func (d *Device) addDevlink(path string) {
	if d.links[path] {
		return
	}
	if d.links == nil {
		d.links = map[string]bool{}
	}
	d.links[path] = true
	d.Devlinks = append(d.Devlinks, path)
}

// setDevname sets the node, making a relative name absolute under /dev.
func (d *Device) setDevname(v string) {
	if !strings.HasPrefix(v, "/dev/") {
		v = "/dev/" + v
	}
	d.Devname = v
	d.setProperty("DEVNAME", v)
}

func (d *Device) setDevnum(major, minor string) bool {
	ma, err := strconv.ParseUint(major, 10, 32)
	if err != nil {
		return false
	}
	mi := uint64(0)
	if minor != "" {
		if mi, err = strconv.ParseUint(minor, 10, 32); err != nil {
			return false
		}
	}
	d.Major, d.Minor = uint32(ma), uint32(mi)
	d.setProperty("MAJOR", major)
	if minor != "" {
		d.setProperty("MINOR", minor)
	}
	return true
}

func (d *Device) setIfindex(v string) bool {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return false
	}
	d.Ifindex = n
	d.setProperty("IFINDEX", v)
	return true
}

// ParseBoolean is systemd's parse_boolean.
func ParseBoolean(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, errInvalidBoolean
}
