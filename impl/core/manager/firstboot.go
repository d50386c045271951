package manager

import (
	"errors"
	"os"
	"syscall"

	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
)

// setFirstBoot is manager_set_first_boot: the flag file exists while
// the first boot lasts.
func (m *Manager) setFirstBoot(first bool) {
	b := int8(0)
	if first {
		b = 1
	}
	if m.cfg.FirstBootFile != "" && m.firstBoot != b {
		if first {
			if f, err := os.OpenFile(m.cfg.FirstBootFile, os.O_WRONLY|os.O_CREATE|syscall.O_NOCTTY, 0o644); err == nil {
				f.Close()
			}
		} else {
			_ = os.Remove(m.cfg.FirstBootFile)
		}
	}
	m.firstBoot = b
}

// presetAll is manager_preset_all: on the first boot the unit files'
// presets are applied (enabling only, as Debian builds 252).
func (m *Manager) presetAll() {
	if m.firstBoot <= 0 || m.cfg.FirstBootFile == "" {
		return
	}
	_, _, err := install.PresetAll(install.Options{Scope: m.cfg.Scope, Root: m.cfg.Root, Log: func(msg install.Message) {
		m.log(LogEntry{Level: msg.Level, Message: msg.Text})
	}}, install.PresetEnableOnly)
	switch {
	case errors.Is(err, syscall.EEXIST):
		m.log(LogEntry{Level: LevelNotice, Message: "Failed to populate /etc with preset unit settings, ignoring: " + value.Strerror(err)})
	case err != nil:
		m.log(LogEntry{Level: LevelWarning, Message: "Failed to populate /etc with preset unit settings, ignoring: " + value.Strerror(err)})
	default:
		m.log(LogEntry{Level: LevelInfo, Message: "Populated /etc with preset unit settings."})
	}
	// The unit file cache is built after the presets, as 252 builds it.
	if err := m.rebuildNameMap(); err != nil {
		m.log(LogEntry{Level: LevelErr, Message: err.Error()})
	}
}
