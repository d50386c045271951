package manager

import "time"

// Settings are the manager-wide settings of system.conf and the kernel
// command line that are not unit defaults (those are unit.Defaults):
// what the Manager object's properties show. The zero value is not
// 252's; start from DefaultSettings.
type Settings struct {
	// LogLevel and LogTarget are the log level's and target's names
	// ("info", "journal").
	LogLevel  string
	LogTarget string
	// ShowStatus is whether status lines go to the console now.
	ShowStatus bool
	// StatusUnitFormat is how status lines name units: "name",
	// "description" or "combined" (Debian's default).
	StatusUnitFormat string
	// ConfirmSpawn is whether the manager asks before spawning.
	ConfirmSpawn bool
	// ServiceWatchdogs is whether service watchdogs are enforced.
	ServiceWatchdogs bool
	// WatchdogDevice is the hardware watchdog's device ("" for the
	// default).
	WatchdogDevice string
	// The hardware watchdog's timeouts (µs; infinity is "default").
	RuntimeWatchdogUSec, RuntimeWatchdogPreUSec, RebootWatchdogUSec, KExecWatchdogUSec uint64
	RuntimeWatchdogPreGovernor                                                         string
	// DefaultDeviceTimeoutUSec is DefaultDeviceTimeoutSec=.
	DefaultDeviceTimeoutUSec uint64
	// CtrlAltDelBurstAction is the emergency action of seven
	// Ctrl-Alt-Del presses within two seconds.
	CtrlAltDelBurstAction string
}

// DefaultSettings are 252's built-in settings of a system manager in a
// container.
func DefaultSettings() Settings {
	return Settings{
		LogLevel:                 "info",
		LogTarget:                "journal",
		ShowStatus:               true,
		StatusUnitFormat:         "combined",
		ServiceWatchdogs:         true,
		RebootWatchdogUSec:       uint64(10 * time.Minute / time.Microsecond),
		DefaultDeviceTimeoutUSec: uint64(90 * time.Second / time.Microsecond),
		CtrlAltDelBurstAction:    "reboot-force",
	}
}

// SettingsLoop are the manager-wide settings in force.
func (m *Manager) SettingsLoop() Settings {
	if m.cfg.Settings == nil {
		return DefaultSettings()
	}
	return *m.cfg.Settings
}
