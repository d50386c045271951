package systemctl

import (
	"fmt"
	"testing"

	"gosystemd/oracle"
)

const lsLong = "gosd-ls-a-unit-with-a-rather-long-name-that-goes-past-the-eighty-columns-of-a-terminal.service"

// listsFiles are a small target tree, sockets and timers of our own.
var listsFiles = []oracle.File{
	unitFile("gosd-ls-top.target", "[Unit]\nDescription=top\nDefaultDependencies=no\n"+
		"Wants=gosd-ls-a.service gosd-ls-mid.target gosd-ls-missing.service\nRequires=gosd-ls-b.service\n"),
	unitFile("gosd-ls-mid.target", "[Unit]\nDescription=mid\nDefaultDependencies=no\n"+
		"Wants=gosd-ls-c.service gosd-ls-b.service gosd-ls-cyc.target "+lsLong+"\n"+
		"After=gosd-ls-a.service\nBefore=gosd-ls-top.target\n"),
	unitFile("gosd-ls-d0.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d1.target gosd-ls-b.service\n"),
	unitFile("gosd-ls-d1.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d2.target\n"),
	unitFile("gosd-ls-d2.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d3.target\n"),
	unitFile("gosd-ls-d3.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d4.target gosd-ls-c.service\n"),
	unitFile("gosd-ls-d4.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d5.target\n"),
	unitFile("gosd-ls-d5.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d6.target\n"),
	unitFile("gosd-ls-d6.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d7.target "+lsLong+"\n"),
	unitFile("gosd-ls-d7.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d8.target gosd-ls-a.service\n"),
	unitFile("gosd-ls-d8.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d9.target\n"),
	unitFile("gosd-ls-d9.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-d0.target gosd-ls-b.service\n"),
	unitFile("gosd-ls-cyc.target", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-mid.target\n"),
	unitFile("gosd-ls-a.service", "[Unit]\nDefaultDependencies=no\nWants=gosd-ls-c.service\n"+
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-ls-b.service", "[Unit]\nDefaultDependencies=no\nAfter=gosd-ls-idle.socket gosd-ls-idle.timer\n"+
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-ls-c.service", "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/false\n"),
	unitFile(lsLong, "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\n"),
	unitFile("gosd-ls-multi.socket", "[Socket]\nListenStream=/run/gosd-ls.sock\nListenDatagram=/run/gosd-ls.dgram\n"+
		"ListenFIFO=/run/gosd-ls.fifo\nService=gosd-ls-m.service\n"),
	unitFile("gosd-ls-m.service", "[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-ls-acc.socket", "[Socket]\nListenStream=/run/gosd-ls-acc.sock\nAccept=yes\n"),
	unitFile("gosd-ls-acc@.service", "[Service]\nExecStart=/bin/true\nStandardInput=socket\n"),
	unitFile("gosd-ls-idle.socket", "[Socket]\nListenSequentialPacket=/run/gosd-ls-seq.sock\nService=gosd-ls-b.service\n"),
	unitFile("gosd-ls-boot.timer", "[Timer]\nOnBootSec=10d\nUnit=gosd-ls-b.service\n"),
	unitFile("gosd-ls-cal.timer", "[Timer]\nOnCalendar=2099-01-01\nPersistent=true\n"),
	unitFile("gosd-ls-cal.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n"),
	unitFile("gosd-ls-idle.timer", "[Timer]\nOnBootSec=8h\nUnit=gosd-ls-b.service\n"),
}

// listsCommands exercise list-dependencies, list-sockets and list-timers.
var listsCommands = [][]string{
	{"list-dependencies", "gosd-ls-top.target"},
	{"start", "gosd-ls-top.target"},
	{"!sh", "sleep 0.5"}, // the target does not wait for what it wants: let gosd-ls-c fail
	{"list-dependencies", "gosd-ls-top.target"},
	{"list-dependencies", "--all", "gosd-ls-top.target"},
	{"list-dependencies", "--plain", "gosd-ls-top.target"},
	{"list-dependencies", "--plain", "--all", "gosd-ls-top.target"},
	{"list-dependencies", "--full", "gosd-ls-top.target"},
	{"list-dependencies", "-l", "--plain", "gosd-ls-mid.target"},
	{"list-dependencies", "--reverse", "gosd-ls-b.service"},
	{"list-dependencies", "--reverse", "--all", "gosd-ls-c.service"},
	{"list-dependencies", "--reverse", "--plain", "gosd-ls-c.service"},
	{"list-dependencies", "--after", "gosd-ls-mid.target"},
	{"list-dependencies", "--before", "gosd-ls-a.service"},
	{"list-dependencies", "--before", "--all", "gosd-ls-a.service"},
	{"list-dependencies", "gosd-ls-top.target", "gosd-ls-mid.target"},
	{"list-dependencies", "--plain", "gosd-ls-top.target", "gosd-ls-mid.target"},
	{"list-dependencies", "gosd-ls-t*.target"},
	{"list-dependencies", "--after", "gosd-ls-b.service"},
	{"list-dependencies", "gosd-ls-a"},
	{"list-dependencies", "nonexistent-gosd.service"},
	{"list-dependencies", ""},
	{"list-dependencies", "sockets.target"},
	{"list-dependencies", "timers.target"},

	{"list-sockets", "gosd-*"},
	{"list-sockets", "--all", "gosd-*"},
	{"start", "gosd-ls-multi.socket", "gosd-ls-acc.socket"},
	{"list-sockets", "gosd-*"},
	{"list-sockets", "--all", "gosd-*"},
	{"list-sockets", "--show-types", "gosd-*"},
	{"list-sockets", "--show-types", "--all", "gosd-*"},
	{"list-sockets", "--no-legend", "gosd-ls-multi"},
	{"list-sockets", "gosd-ls-multi.socket", "gosd-ls-acc"},
	{"list-sockets", "gosd-ls-idle"},
	{"list-sockets", "nomatch*"},
	{"list-sockets", "--no-legend", "nomatch*"},
	{"list-sockets"},
	{"list-sockets", "--all", "--show-types"},

	{"list-timers", "gosd-*"},
	{"list-timers", "--all", "gosd-*"},
	{"!sh", "mkdir -p /var/lib/systemd/timers && touch -d 2020-01-01 /var/lib/systemd/timers/stamp-gosd-ls-cal.timer"},
	{"start", "gosd-ls-boot.timer", "gosd-ls-cal.timer"},
	{"list-timers", "gosd-*"},
	{"list-timers", "--all", "gosd-*"},
	{"list-timers", "--no-legend", "gosd-ls-cal"},
	{"list-timers", "gosd-ls-cal.timer", "gosd-ls-boot"},
	{"list-timers", "gosd-ls-idle"},
	{"list-timers", "nomatch*"},
	{"list-timers", "systemd-tmpfiles-clean"},
	{"list-dependencies", "gosd-ls-d0.target"},
	{"list-dependencies", "--plain", "gosd-ls-d0.target"},
	{"list-dependencies", "--reverse", "gosd-ls-d5.target"},
	sameAsReal("COLUMNS=20", "list-dependencies gosd-ls-d0.target"),
	sameAsReal("COLUMNS=21", "list-dependencies gosd-ls-d0.target"),
	sameAsReal("COLUMNS=31 LANG=C", "list-dependencies --all gosd-ls-d0.target"),
	sameAsReal("COLUMNS=40", "list-dependencies --plain gosd-ls-d0.target"),
	sameAsReal("COLUMNS=x", "list-dependencies --full gosd-ls-d0.target"),
	sameAsReal("SYSTEMD_COLORS=1", "list-dependencies --all gosd-ls-top.target"),
	sameAsReal("SYSTEMD_COLORS=16 LANG=C", "list-dependencies --all gosd-ls-top.target"),
	sameAsReal("SYSTEMD_COLORS=256", "list-sockets --show-types --all gosd-*"),
	sameAsReal("SYSTEMD_COLORS=1", "list-sockets nomatch*"),
	sameAsReal("SYSTEMD_COLORS=1", "list-timers --all gosd-*"),
	sameAsReal("SYSTEMD_COLORS=1", "list-timers nomatch*"),
	{"list-dependencies", "timers.target"},
	{"list-dependencies"},
	{"list-dependencies", "multi-user.target"},
}

// sameAsReal runs real systemctl and ours in the same guest with env
// settings the harness cannot give, and shows where they differ.
func sameAsReal(env, args string) []string {
	run := func(bin string) string {
		return fmt.Sprintf("env %s %s %s >/tmp/gosd-ls-out 2>&1; echo \"[exit $?]\" >>/tmp/gosd-ls-out", env, bin, args)
	}
	return []string{"!sh", run(realSystemctl) + "; mv /tmp/gosd-ls-out /tmp/gosd-ls-real; " + run(ourSystemctl) +
		"; diff /tmp/gosd-ls-real /tmp/gosd-ls-out && echo same"}
}

func TestListsMatchSystemd(t *testing.T) { compareSides(t, listsFiles, listsCommands) }
