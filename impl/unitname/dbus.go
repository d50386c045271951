package unitname

import "strings"

// DBusPathPrefix is where the manager publishes unit objects.
const DBusPathPrefix = "/org/freedesktop/systemd1/unit/"

// BusLabelEscape makes s usable as one D-Bus object path element: bytes
// other than ASCII letters (and digits after the first byte) become _xx in
// lowercase hex; "" becomes "_".
func BusLabelEscape(s string) string {
	if s == "" {
		return "_"
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if alpha || i > 0 && digit {
			b = append(b, c)
		} else {
			b = append(b, '_', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

// BusLabelUnescape reverses BusLabelEscape; a "_" not followed by two hex
// digits stays literal. As in systemd, a decoded NUL ends the result.
func BusLabelUnescape(s string) string {
	if s == "_" {
		return ""
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && len(s)-i >= 3 {
			if hi, lo := unhex(s[i+1]), unhex(s[i+2]); hi >= 0 && lo >= 0 {
				b = append(b, byte(hi<<4|lo))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	if n := strings.IndexByte(string(b), 0); n >= 0 {
		b = b[:n]
	}
	return string(b)
}

// DBusPath is the object path of a unit: "dbus.socket" gives
// "/org/freedesktop/systemd1/unit/dbus_2esocket".
func DBusPath(name string) string {
	return DBusPathPrefix + BusLabelEscape(name)
}

// FromDBusPath reverses DBusPath; paths outside DBusPathPrefix are an error.
func FromDBusPath(path string) (string, error) {
	label, ok := strings.CutPrefix(path, DBusPathPrefix)
	if !ok {
		return "", invalid("%q is not a unit object path", path)
	}
	return BusLabelUnescape(label), nil
}

var dbusInterfaces = [...]string{
	Service:   "org.freedesktop.systemd1.Service",
	Socket:    "org.freedesktop.systemd1.Socket",
	Target:    "org.freedesktop.systemd1.Target",
	Device:    "org.freedesktop.systemd1.Device",
	Mount:     "org.freedesktop.systemd1.Mount",
	Automount: "org.freedesktop.systemd1.Automount",
	Swap:      "org.freedesktop.systemd1.Swap",
	Timer:     "org.freedesktop.systemd1.Timer",
	Path:      "org.freedesktop.systemd1.Path",
	Slice:     "org.freedesktop.systemd1.Slice",
	Scope:     "org.freedesktop.systemd1.Scope",
}

// DBusInterface is the type-specific D-Bus interface of units of type t,
// "" for an invalid type.
func (t Type) DBusInterface() string {
	if t < 0 || int(t) >= len(dbusInterfaces) {
		return ""
	}
	return dbusInterfaces[t]
}
