package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

var accessFiles = []oracle.File{
	unitFile("gosd-ac.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"),
}

const accessBusctl = oracle.OracleBin + "/busctl"

// accessCommands are what an unprivileged user ("!nobody": uid and gid
// 65534) may and may not do with systemctl, which 252 refuses without
// polkit; reload-or-restart --marked; and SetShowStatus.
var accessCommands = [][]string{
	{"!nobody", "is-active", "dbus.service"},
	{"!nobody", "show", "-p", "Refs,Markers,LoadState", "dbus.service"},
	{"!nobody", "show", "-p", "ShowStatus"},
	{"!nobody", "list-jobs"},
	{"!nobody", "start", "gosd-ac.service"},
	{"!nobody", "stop", "dbus.service"},
	{"!nobody", "restart", "gosd-ac.service", "dbus.service"},
	{"!nobody", "reload-or-restart", "gosd-ac.service"},
	{"!nobody", "start", "gosd-ac-missing.service"},
	{"!nobody", "kill", "dbus.service"},
	{"!nobody", "reset-failed", "dbus.service"},
	{"!nobody", "set-environment", "A=1"},
	{"!nobody", "daemon-reload"},
	{"!nobody", "enable", "gosd-ac.service"},
	{"!nobody", "reload-or-restart", "--marked"},
	{"!nobody", "is-active", "gosd-ac.service"},
	{"reload-or-restart", "--marked"},
	{"reload-or-restart", "--marked", "--no-block"},
	{"reload-or-restart", "--marked", "gosd-ac.service"},
	{"start", "--marked"},
	{"reload-or-restart", "gosd-ac.service"},
	{"show", "-p", "ActiveState,Markers", "gosd-ac.service"},
	{"!sh", accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SetShowStatus s no; test -e /run/systemd/show-status; echo marker $?"},
	{"show", "-p", "ShowStatus"},
	{"!sh", accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SetShowStatus s ''; test -e /run/systemd/show-status; echo marker $?"},
	{"show", "-p", "ShowStatus"},
}

func TestAccessMatchesSystemd(t *testing.T) {
	compareSides(t, accessFiles, accessCommands)
}
