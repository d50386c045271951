package dbusapi

import (
	"fmt"
	"path"
)

// mountUnit is bus_mount_set_transient_property.
func (w *propWriter) mountUnit() (bool, error) {
	switch w.name {
	case "Where":
		return w.setStringChecked(true, path.IsAbs)
	case "What", "Options", "Type":
		return w.setString(true)
	case "TimeoutUSec":
		return w.setUsec(true)
	case "DirectoryMode":
		return w.setMode()
	case "SloppyOptions", "LazyUnmount", "ForceUnmount", "ReadWriteOnly":
		return w.setBool(true)
	}
	return false, nil
}

// automountUnit is bus_automount_set_transient_property.
func (w *propWriter) automountUnit() (bool, error) {
	switch w.name {
	case "Where":
		return w.setStringChecked(true, path.IsAbs)
	case "ExtraOptions":
		return w.setString(true)
	case "TimeoutIdleUSec":
		return w.setUsec(true)
	case "DirectoryMode":
		return w.setMode()
	}
	return false, nil
}

// setMode is bus_set_transient_mode_t.
func (w *propWriter) setMode() (bool, error) {
	n, ok := w.v.(uint32)
	if !ok {
		return true, errUnexpected
	}
	w.write(true, w.name, fmt.Sprintf("%s=%04o", w.name, n))
	return true, nil
}
