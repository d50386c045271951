package systemctl

import (
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
)

const logControlPath = dbus.ObjectPath("/org/freedesktop/LogControl1")

// logSetting is verb_log_setting: the manager's LogLevel or LogTarget.
func (t *tool) logSetting(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	val, set := "", len(args) > 1
	if set {
		val = args[1]
	}
	_, err = t.logControl(b, busService, args[0], val, set)
	return err
}

// logControl is verb_log_control_common; it returns the D-Bus error of a
// failed call too.
func (t *tool) logControl(b *managerBus, dest, verb, val string, set bool) (string, error) {
	level := strings.HasSuffix(verb, "log-level")
	prop, what := "LogTarget", "target"
	if level {
		prop, what = "LogLevel", "level"
	}
	obj := b.object(dest, logControlPath)
	if set {
		if level {
			if _, err := logLevelFromName(val); err != nil {
				return "", t.errorf("\"%s\" is not a valid log level.", val)
			}
		}
		c := obj.Call(ifaceProps+".Set", 0, "org.freedesktop.LogControl1", prop, dbus.MakeVariant(val))
		if c.Err != nil {
			return busErrorName(c.Err), t.errorf("Failed to set log %s of %s to %s: %s", what, dest, val, busErrorMessage(c.Err))
		}
		return "", nil
	}
	var v dbus.Variant
	if err := obj.Call(ifaceProps+".Get", 0, "org.freedesktop.LogControl1", prop).Store(&v); err != nil {
		return busErrorName(err), t.errorf("Failed to get log %s of %s: %s", what, dest, busErrorMessage(err))
	}
	s, _ := v.Value().(string)
	t.printf("%s\n", s)
	return "", nil
}

var logLevelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// logLevelFromName is log_level_from_string: a name or 0..7.
func logLevelFromName(s string) (int, error) {
	for i, n := range logLevelNames {
		if n == s {
			return i, nil
		}
	}
	u, err := value.SafeAtou(s)
	if err != nil || u > 7 {
		return 0, errReported
	}
	return int(u), nil
}

// logControlHint is give_log_control1_hint.
func (t *tool) logControlHint() {
	if t.opts.quiet {
		return
	}
	link := t.term.ManLink("org.freedesktop.LogControl1", "5")
	t.notice("Hint: the service must declare BusName= and implement the appropriate D-Bus interface.\n"+
		"      See the %s for details.", link)
}

// serviceLogSetting is verb_service_log_setting: a service's own
// LogControl1 object, found by its BusName=.
func (t *tool) serviceLogSetting(args []string) error {
	b, err := t.connectFullBus()
	if err != nil {
		return err
	}
	unit, err := t.mangle(args[1], args[0], ".service")
	if err != nil {
		return t.errorf("Failed to mangle unit name: %s", install.Strerror(errnoOf(err)))
	}
	busName, err := b.stringProperty(unitPath(unit), "org.freedesktop.systemd1.Service", "BusName")
	if err != nil {
		return t.errorf("Failed to obtain BusName= property of %s: %s", unit, busErrorMessage(err))
	}
	if busName == "" {
		t.logAt(logging.Err, "Unit %s doesn't declare BusName=.", unit)
		t.logControlHint()
		return errReported
	}
	val, set := "", len(args) > 2
	if set {
		val = args[2]
	}
	name, err := t.logControl(b, busName, args[0], val, set)
	switch name {
	case "org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.UnknownObject",
		"org.freedesktop.DBus.Error.UnknownInterface":
		t.logControlHint()
	}
	return err
}

// serviceWatchdogs is verb_service_watchdogs.
func (t *tool) serviceWatchdogs(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	if len(args) == 1 {
		v, err := b.property(busManagerPath, ifaceManager, "ServiceWatchdogs")
		if err != nil {
			return t.errorf("Failed to get service-watchdog state: %s", busErrorMessage(err))
		}
		on, _ := v.Value().(bool)
		t.printf("%s\n", map[bool]string{true: "yes", false: "no"}[on])
		return nil
	}
	on, err := parseBooleanErr(args[1])
	if err != nil {
		return t.errorf("Failed to parse service-watchdogs argument: %s", install.Strerror(errnoOf(err)))
	}
	c := b.object(busService, busManagerPath).Call(ifaceProps+".Set", 0, ifaceManager, "ServiceWatchdogs", dbus.MakeVariant(on))
	if c.Err != nil {
		return t.errorf("Failed to set service-watchdog state: %s", busErrorMessage(c.Err))
	}
	return nil
}

func parseBooleanErr(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, syscall.EINVAL
}
