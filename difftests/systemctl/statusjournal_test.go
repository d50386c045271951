package systemctl

import (
	"strings"
	"testing"

	"gosystemd/oracle"
)

// journalFiles are services that log: to stdout and stderr (a tab, an
// ANSI color sequence, a line of 400 characters) and one that fails
// after logging. (Not through syslog: journald finds a sender's unit in
// its cgroup, which a logger that already exited no longer has.) Each sleeps before its first line: status
// shows only entries journald received after PID 1 stamped the unit's
// InactiveExitTimestamp, which it does after forking, so a line written
// at once may or may not be shown, on real systemd as on ours.
var journalFiles = []oracle.File{
	unitFile("gosd-sj-echo.service", "[Unit]\nDescription=logs\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"+
		"ExecStart=/bin/sh -c 'sleep 0.2; echo one; echo two >&2; printf \"a\\\\tb\\\\n\"; printf \"\\\\033[1mbold\\\\033[0m end\\\\n\"; echo "+strings.Repeat("y", 400)+"; echo last'\n"),
	unitFile("gosd-sj-fail.service", "[Unit]\nDescription=logs and fails\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 0.2; echo about to fail; exit 3'\n"),
	unitFile("gosd-sj-run.service", "[Unit]\nDescription=logs and runs\n[Service]\nExecStart=/bin/sh -c 'sleep 0.2; echo started; exec sleep infinity'\n"),
}

// settle waits for journald to have stored what the services wrote.
var settle = []string{"!sh", "sleep 0.5; journalctl --sync"}

// journalCommands show status with journal lines: the default count,
// -n, --lines, output modes whose timestamps the oracle normalizes, a
// failed unit, and one started again, whose earlier run's lines are
// left out.
var journalCommands = [][]string{
	{"start", "gosd-sj-echo.service"},
	{"start", "gosd-sj-fail.service"},
	{"start", "gosd-sj-run.service"},
	settle,
	{"status", "gosd-sj-echo.service"},
	{"status", "-n5", "gosd-sj-echo.service"},
	{"status", "--lines=1", "gosd-sj-echo.service"},
	{"status", "-n100", "gosd-sj-echo.service"},
	{"status", "-n3", "-o", "cat", "gosd-sj-echo.service"},
	{"status", "-n3", "-o", "short-precise", "gosd-sj-echo.service"},
	{"status", "-n3", "-o", "with-unit", "gosd-sj-echo.service"},
	{"status", "-n5", "gosd-sj-fail.service"},
	{"status", "gosd-sj-fail.service", "gosd-sj-echo.service"},
	{"status", "-n2", "gosd-sj-run.service"},
	// Stopped and started apart: a restart's stop messages may reach
	// journald after PID 1 stamped the new start, or before.
	{"stop", "gosd-sj-run.service"},
	settle,
	{"start", "gosd-sj-run.service"},
	settle,
	{"status", "-n20", "gosd-sj-run.service"},
	{"status", "-n4", "--quiet", "gosd-sj-fail.service"},
	// Unprivileged, the system journal cannot be opened: no lines.
	{"!nobody", "status", "-n5", "gosd-sj-echo.service"},
	// The journal rotated and its archived files gone: what is left
	// starts after the unit did, which status notes unless --quiet.
	{"!sh", "journalctl --rotate; rm -f /var/log/journal/*/system@*.journal /run/log/journal/*/system@*.journal; logger -t gosd-sj rotated; sleep 0.5; journalctl --sync"},
	{"status", "-n5", "gosd-sj-run.service"},
	{"status", "-n5", "--quiet", "gosd-sj-run.service"},
	{"status", "-n5", "gosd-sj-echo.service"},
}

func TestStatusJournalMatchesSystemd(t *testing.T) {
	compareSides(t, append(append([]oracle.File{}, files...), journalFiles...), journalCommands)
}
