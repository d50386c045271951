package udev

import (
	"errors"
	"strconv"
	"strings"
)

var (
	errInvalidBoolean = errors.New("invalid boolean")
	// ErrNoDevice: the device does not exist (any more); sd-device's
	// -ENODEV.
	ErrNoDevice = errors.New("no such device")
	// ErrInvalid: the argument cannot name a device (-EINVAL).
	ErrInvalid = errors.New("invalid device name")
	// ErrNotDevice: the path is no device node (-ENOTTY).
	ErrNotDevice = errors.New("not a device node")
	// ErrMismatch: sysfs describes another device than the number
	// asked for (-ENXIO).
	ErrMismatch = errors.New("device number does not match")
)

// maxDBSize bounds what is read of one database or uevent file: udevd
// writes a few KiB at most.
const maxDBSize = 1 << 20

// ParseDB applies one udev database file to d, as sd-device reads it:
// one "K:value" entry per line — E: a property ("E:KEY=" removes it),
// S: a device link (relative to /dev), G: a tag, Q: a current tag, I:
// when udev initialized the device, L: the link priority, V: the format
// version. It follows sd-device's reader to the letter, quirks included:
// unknown keys are skipped, a line whose second byte is not ':' swallows
// the line after it, the first byte of a value is taken even if it is a
// newline, and an unterminated last line is ignored. The device counts
// as initialized.
func ParseDB(data []byte, d *Device) {
	const (
		preKey = iota
		inKey
		preValue
		inValue
		invalidLine
	)
	d.Initialized = true
	st := preKey
	var key byte
	valueStart := 0
	for i, c := range data {
		nl := c == '\n' || c == '\r'
		switch st {
		case preKey:
			if !nl {
				key = c
				st = inKey
			}
		case inKey:
			if c == ':' {
				st = preValue
			} else {
				st = invalidLine
			}
		case preValue:
			valueStart = i
			st = inValue
		case invalidLine:
			if nl {
				st = preKey
			}
		case inValue:
			if nl {
				handleDBLine(d, key, string(data[valueStart:i]))
				st = preKey
			}
		}
	}
}

func handleDBLine(d *Device, key byte, value string) {
	switch key {
	case 'G', 'Q':
		d.addTag(value, key == 'Q')
	case 'S':
		d.addDevlink("/dev/" + value)
	case 'E':
		k, v, ok := strings.Cut(value, "=")
		if !ok {
			return
		}
		if v == "" {
			delete(d.props, k)
		} else {
			d.setProperty(k, v)
		}
	case 'I':
		if t, err := strconv.ParseUint(value, 10, 64); err == nil {
			d.UsecInitialized = t
		}
	case 'V':
		if v, err := strconv.ParseUint(value, 10, 31); err == nil {
			d.DBVersion = int(v)
		}
	}
}

// parseUevent applies a sysfs uevent file ("KEY=value" lines) to d, as
// sd-device's device_read_uevent_file: DEVTYPE, IFINDEX, DEVNAME and the
// device number set the device's fields, everything else is a property.
func parseUevent(data []byte, d *Device) {
	var major, minor string
	for _, line := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '\n' || r == '\r' }) {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch key {
		case "DEVTYPE":
			d.Devtype = value
			d.setProperty(key, value)
		case "IFINDEX":
			d.setIfindex(value)
		case "DEVNAME":
			d.setDevname(value)
		case "MAJOR":
			major = value
		case "MINOR":
			minor = value
		default:
			d.setProperty(key, value)
		}
	}
	if major != "" {
		d.setDevnum(major, minor)
	}
}
