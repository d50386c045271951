package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

// statusFiles add to the units of the systemctl test a timer, drop-ins
// in two directories, start-up commands that exit, conditions, and a
// slice of its own with a service in it.
var statusFiles = append(append([]oracle.File{}, files...),
	unitFile("gosd-sc-tick.timer", "[Unit]\nDescription=ticks\n[Timer]\nOnCalendar=*-*-* 04:00:00\nOnBootSec=1h\nUnit=gosd-sc-ok.service\n"),
	unitFile("gosd-sc-dropin.service", "[Unit]\nDescription=has drop-ins\nDocumentation=man:true(1) https://example.org/doc\n[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-dropin.service.d/10-a.conf", "[Service]\nEnvironment=A=1\n"),
	unitFile("gosd-sc-dropin.service.d/20-b.conf", "[Service]\nEnvironment=B=1\n"),
	oracle.File{Path: "/usr/lib/systemd/system/gosd-sc-dropin.service.d/30-c.conf", Data: []byte("[Service]\nEnvironment=C=1\n")},
	unitFile("gosd-sc-pre.service", "[Unit]\nDescription=has ExecStartPre\n[Service]\nExecStartPre=/bin/true\nExecStartPre=-/bin/false pre\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-cond.service", "[Unit]\nConditionPathExists=/nonexistent\nConditionPathExists=!/etc\nConditionPathIsDirectory=/etc\n[Service]\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-condtrig.service", "[Unit]\nConditionPathExists=|/nonexistent\nConditionPathExists=|/nonexistent2\n[Service]\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-holder.target", "[Unit]\nWants=gosd-sc-cond.service gosd-sc-condtrig.service gosd-sc-assert.service\n"),
	unitFile("gosdsc.slice", "[Unit]\nDescription=a slice\n"),
	unitFile("gosd-sc-sliced.service", "[Service]\nSlice=gosdsc.slice\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-bad.service", "[Service]\nExecStart=relative/path\n"),
	unitFile("gosd-sc-exit.service", "[Service]\nExecStart=/bin/sh -c 'exit 3'\n"),
)

// statusCommands exercise status without journal lines (-n0). A pause
// after starting a service lets its process exec its command line, which
// the CGroup: tree shows.
var statusCommands = [][]string{
	{"status", "-n0", "gosd-sc-ok.service"},
	{"start", "gosd-sc-ok.service"},
	{"status", "-n0", "gosd-sc-ok.service"},
	{"status", "--lines=0", "gosd-sc-ok"},
	{"start", "gosd-sc-fail.service"},
	{"status", "-n0", "gosd-sc-fail.service"},
	{"status", "-n0", "gosd-sc-simple.service"},
	{"status", "-n0", "nonexistent-gosd.service"},
	{"status", "-n0", "gosd-sc-ok.service", "nonexistent-gosd.service", "gosd-sc-fail.service"},
	{"status", "-n0", "gosd-sc-ok.service", "gosd-sc-simple.service"},
	{"status", "-n0", "gosd-sc-masked.service"},
	{"status", "-n0", "dbus.service"},
	{"status", "-n0", "dbus.socket"},
	{"start", "gosd-sc-sock.socket"},
	{"status", "-n0", "gosd-sc-sock.socket"},
	{"status", "-n0", "gosd-sc-sock.service"},
	{"start", "gosd-sc-tick.timer"},
	{"status", "-n0", "gosd-sc-tick.timer"},
	{"status", "-n0", "multi-user.target"},
	{"start", "gosd-sc-once.target"},
	{"status", "-n0", "gosd-sc-once.target"},
	{"status", "-n0", "--", "-.mount"},
	{"start", "gosd-sc-sliced.service"},
	{"!sh", "sleep 0.3"},
	{"status", "-n0", "gosdsc.slice"},
	{"status", "-n0", "gosd-sc-sliced.service"},
	{"start", "gosd-sc-dropin.service"},
	{"!sh", "sleep 0.3"},
	{"status", "-n0", "gosd-sc-dropin.service"},
	{"start", "gosd-sc-pre.service"},
	{"!sh", "sleep 0.3"},
	{"status", "-n0", "gosd-sc-pre.service"},
	// Units whose start failed a condition are garbage collected unless
	// something references them: the target keeps them loaded.
	{"start", "gosd-sc-holder.target"},
	{"status", "-n0", "gosd-sc-cond.service"},
	{"status", "-n0", "gosd-sc-condtrig.service"},
	{"status", "-n0", "gosd-sc-assert.service"},
	{"start", "gosd-sc-signal.service"},
	{"status", "-n0", "gosd-sc-signal.service"},
	{"start", "gosd-sc-exit.service"},
	{"!sh", "sleep 0.5"},
	{"status", "-n0", "gosd-sc-exit.service"},
	{"status", "-n0", "gosd-sc-ok*"},
	{"status", "-n0", "gosd-sc-bad.service"},
	{"--no-block", "start", "gosd-sc-slow.service"},
	{"!sh", "sleep 0.3"},
	{"status", "-n0", "gosd-sc-slow.service"},
	{"stop", "gosd-sc-slow.service"},
	{"status", "-n0", "--state=failed"},
	{"status", "-n0", "999999"},
	{"status", "-n0", "1"},
	{"status", "-n0", "999999", "gosd-sc-ok.service"},
	{"stop", "gosd-sc-ok.service"},
	{"status", "-n0", "gosd-sc-ok.service"},
	{"!sh", "echo '# changed' >> /etc/systemd/system/gosd-sc-fail.service"},
	{"status", "-n0", "gosd-sc-fail.service"},
	{"daemon-reload"},
	{"status", "-n0", "gosd-sc-fail.service"},
}

func TestStatusMatchesSystemd(t *testing.T) { compareSides(t, statusFiles, statusCommands) }
