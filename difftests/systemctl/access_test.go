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
// 65534) or root without a capability ("!drop=") may and may not do
// with systemctl, which 252 refuses without polkit; reload-or-restart
// --marked; and SetShowStatus.
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
	// The callers' UID decides, not their capabilities: 252 does not
	// learn those of a caller.
	{"!drop=sys_admin", "start", "gosd-ac.service"},
	{"!drop=sys_admin", "stop", "gosd-ac.service"},
	{"!drop=kill", "kill", "--signal=SIGCONT", "dbus.service"},
	{"!sh", "setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin " + accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartUnit ss gosd-ac.service replace >/dev/null; echo $?"},
	{"!sh", "setpriv --bounding-set=-kill --inh-caps=-kill " + accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager KillUnit ssi dbus.service all 18; echo $?"},
	{"!sh", "setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin " + accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StopUnit ss gosd-ac.service replace >/dev/null; echo $?"},
	{"!sh", "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+sys_admin --ambient-caps=+sys_admin grep CapEff /proc/self/status"},
	{"!sh", "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+sys_admin --ambient-caps=+sys_admin " + accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartUnit ss gosd-ac.service replace >/dev/null; echo $?"},
	{"!sh", "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+kill --ambient-caps=+kill " + accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager KillUnit ssi dbus.service all 18; echo $?"},
	{"show", "-p", "ActiveState", "gosd-ac.service"},
	{"reload-or-restart", "--marked"},
	{"reload-or-restart", "--marked", "--no-block"},
	{"reload-or-restart", "--marked", "gosd-ac.service"},
	{"start", "--marked"},
	{"start", "gosd-ac.service"},
	{"set-property", "--runtime", "gosd-ac.service", "Markers=needs-restart"},
	{"show", "-p", "Markers", "gosd-ac.service"},
	{"reload-or-restart", "--marked"},
	{"show", "-p", "Markers,ActiveState", "gosd-ac.service"},
	{"set-property", "--runtime", "gosd-ac.service", "Markers=bogus"},
	{"set-property", "--runtime", "gosd-ac.service", "Markers=+needs-reload", "Markers=-needs-restart"},
	{"show", "-p", "Markers", "gosd-ac.service"},
	{"set-property", "--runtime", "gosd-ac.service", "Markers=+needs-restart needs-reload"},
	{"set-property", "--runtime", "gosd-ac.service", "Markers=needs-restart needs-reload"},
	{"show", "-p", "Markers", "gosd-ac.service"},
	{"reload-or-restart", "--marked"},
	{"show", "-p", "Markers,ActiveState", "gosd-ac.service"},
	{"stop", "gosd-ac.service"},
	{"reload-or-restart", "gosd-ac.service"},
	{"show", "-p", "ActiveState,Markers", "gosd-ac.service"},
	{"!sh", accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SetShowStatus s no; test -e /run/systemd/show-status; echo marker $?"},
	{"show", "-p", "ShowStatus"},
	// The override outlives a reload, and its marker too.
	{"daemon-reload"},
	{"!sh", "test -e /run/systemd/show-status; echo marker $?"},
	{"show", "-p", "ShowStatus"},
	{"!sh", accessBusctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SetShowStatus s ''; test -e /run/systemd/show-status; echo marker $?"},
	{"show", "-p", "ShowStatus"},
}

func TestAccessMatchesSystemd(t *testing.T) {
	compareSides(t, accessFiles, accessCommands)
}
