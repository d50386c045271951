package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

// freezeFiles: services to freeze alone and in a slice of their own, a
// unit type that cannot freeze, an inactive service, and one whose start
// job stays pending.
var freezeFiles = []oracle.File{
	unitFile("gosd-fz-sleep.service", "[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-fz-once.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-fz.slice", "[Unit]\nDescription=freezer slice\n"),
	unitFile("gosd-fz-in.service", "[Service]\nSlice=gosd-fz.slice\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-fz-in2.service", "[Service]\nSlice=gosd-fz.slice\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-fz.target", "[Unit]\nDescription=freezer target\n"),
	unitFile("gosd-fz-idle.service", "[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-fz-slow.service", "[Service]\nType=oneshot\nExecStart=/bin/sleep 20\n"),
}

// freeze runs the real systemctl's freeze/thaw (the verb is the
// client's, not under test here), and shows its outcome.
func freeze(verb string, units ...string) []string {
	line := oracle.OracleBin + "/systemctl " + verb
	for _, u := range units {
		line += " " + u
	}
	return []string{"!sh", line + "; echo exit=$?"}
}

func freezerState(units ...string) []string {
	return append([]string{"show", "-p", "FreezerState", "-p", "CanFreeze", "-p", "ActiveState"}, units...)
}

var freezeCommands = [][]string{
	{"start", "gosd-fz-sleep.service", "gosd-fz-once.service", "gosd-fz-in.service", "gosd-fz-in2.service", "gosd-fz.target"},
	freezerState("gosd-fz-sleep.service", "gosd-fz.slice", "system.slice", "init.scope", "gosd-fz.target", "--", "-.slice"),
	freeze("freeze", "gosd-fz-sleep.service"),
	freezerState("gosd-fz-sleep.service"),
	{"status", "--lines=0", "gosd-fz-sleep.service"},
	{"list-units", "gosd-fz-sleep.service"},
	{"!sh", "cat /sys/fs/cgroup/system.slice/gosd-fz-sleep.service/cgroup.freeze; grep frozen /sys/fs/cgroup/system.slice/gosd-fz-sleep.service/cgroup.events"},
	freeze("freeze", "gosd-fz-sleep.service"),
	freezerState("gosd-fz-sleep.service"),
	freeze("thaw", "gosd-fz-sleep.service"),
	freezerState("gosd-fz-sleep.service"),
	{"!sh", "grep frozen /sys/fs/cgroup/system.slice/gosd-fz-sleep.service/cgroup.events"},
	freeze("thaw", "gosd-fz-sleep.service"),
	freeze("freeze", "gosd-fz-once.service"),
	freezerState("gosd-fz-once.service"),
	freeze("thaw", "gosd-fz-once.service"),

	// What cannot be frozen, and why.
	freeze("freeze", "gosd-fz.target"),
	freeze("thaw", "gosd-fz.target"),
	freeze("freeze", "gosd-fz-idle.service"),
	freeze("thaw", "gosd-fz-idle.service"),
	freeze("freeze", "gosd-fz-nonexistent.service"),
	freeze("freeze", "init.scope"),
	freeze("thaw", "init.scope"),
	freeze("freeze", "--", "-.slice"),
	freeze("freeze", "system.slice"),
	freezerState("system.slice", "init.scope", "--", "-.slice"),
	{"start", "--no-block", "gosd-fz-slow.service"},
	freeze("freeze", "gosd-fz-slow.service"),
	freeze("thaw", "gosd-fz-slow.service"),
	{"stop", "gosd-fz-slow.service"},

	// A slice freezes its members; thawing a member thaws the slice.
	freeze("freeze", "gosd-fz.slice"),
	freezerState("gosd-fz.slice", "gosd-fz-in.service", "gosd-fz-in2.service"),
	freeze("thaw", "gosd-fz-in.service"),
	freezerState("gosd-fz.slice", "gosd-fz-in.service", "gosd-fz-in2.service"),
	freeze("thaw", "gosd-fz.slice"),
	freezerState("gosd-fz.slice", "gosd-fz-in.service", "gosd-fz-in2.service"),

	// The bus methods themselves, by name and on the unit's object.
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager FreezeUnit s gosd-fz-sleep.service; echo exit=$?"},
	freezerState("gosd-fz-sleep.service"),
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dfz_2dsleep_2eservice org.freedesktop.systemd1.Unit Thaw; echo exit=$?"},
	freezerState("gosd-fz-sleep.service"),
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ThawUnit s gosd-fz-nonexistent.service; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager FreezeUnit s 'bad name'; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dfz_2etarget org.freedesktop.systemd1.Unit Freeze; echo exit=$?"},

	// Through the systemctl under test.
	{"freeze", "gosd-fz-sleep.service", "gosd-fz.target", "gosd-fz-idle.service"},
	freezerState("gosd-fz-sleep.service"),
	{"thaw", "gosd-fz-sleep.service"},
	freezerState("gosd-fz-sleep.service"),

	// The state survives daemon-reexec.
	freeze("freeze", "gosd-fz-sleep.service"),
	{"daemon-reexec"},
	freezerState("gosd-fz-sleep.service"),
	freeze("thaw", "gosd-fz-sleep.service"),
	freezerState("gosd-fz-sleep.service"),

	// Stopping a frozen unit thaws it first.
	freeze("freeze", "gosd-fz-sleep.service"),
	{"stop", "gosd-fz-sleep.service"},
	freezerState("gosd-fz-sleep.service"),
	{"start", "gosd-fz-sleep.service"},
	freezerState("gosd-fz-sleep.service"),
}

// TestFreezeMatchesSystemd compares freezing and thawing units
// (FreezeUnit, ThawUnit, Unit.Freeze, Unit.Thaw) and FreezerState.
func TestFreezeMatchesSystemd(t *testing.T) {
	compareSides(t, freezeFiles, freezeCommands)
}
