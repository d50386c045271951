package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

// cleanFiles: services with directories of every kind, one with none,
// one running, one failed, timers with and without Persistent=, and a
// type that cannot clean.
var cleanFiles = []oracle.File{
	unitFile("gosd-cl.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nRuntimeDirectory=gosd-cl\nRuntimeDirectoryPreserve=yes\n"+
		"StateDirectory=gosd-cl gosd-cl2\nCacheDirectory=gosd-cl\nLogsDirectory=gosd-cl\nConfigurationDirectory=gosd-cl\n"),
	unitFile("gosd-cl-none.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n"),
	unitFile("gosd-cl-run.service", "[Service]\nExecStart=/bin/sleep infinity\nStateDirectory=gosd-cl-run\n"),
	unitFile("gosd-cl-fail.service", "[Service]\nType=oneshot\nExecStart=/bin/false\nStateDirectory=gosd-cl-fail\n"),
	unitFile("gosd-cl.timer", "[Timer]\nOnCalendar=2099-01-01\nPersistent=true\nUnit=gosd-cl-none.service\n"),
	unitFile("gosd-cl-np.timer", "[Timer]\nOnCalendar=2099-01-01\nUnit=gosd-cl-none.service\n"),
	unitFile("gosd-cl-big.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nStateDirectory=gosd-cl-big\n"),
	unitFile("gosd-cl-slow.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nStateDirectory=gosd-cl-slow\nTimeoutCleanSec=1ms\n"),
	unitFile("mnt-gosd\\x2dcl.mount", "[Mount]\nWhat=tmpfs\nWhere=/mnt/gosd-cl\nType=tmpfs\nStateDirectory=gosd-cl-mnt\n"),
	unitFile("gosd-cl-sock.socket", "[Socket]\nListenStream=/run/gosd-cl-sock.sock\nService=gosd-cl-none.service\nRuntimeDirectory=gosd-cl-sock\n"),
	unitFile("gosd-cl.target", "[Unit]\nDescription=clean target\n"),
}

// clean runs the real systemctl's clean (the verb is the client's, not
// under test here).
func clean(args ...string) []string {
	line := oracle.OracleBin + "/systemctl clean"
	for _, a := range args {
		line += " " + a
	}
	return []string{"!sh", line + "; echo exit=$?"}
}

const cleanDirs = "ls -d /run/gosd-cl /var/lib/gosd-cl /var/lib/gosd-cl2 /var/cache/gosd-cl /var/log/gosd-cl /etc/gosd-cl 2>&1 | sort"

func cleanState(units ...string) []string {
	return append([]string{"show", "-p", "CanClean", "-p", "CleanResult", "-p", "ActiveState", "-p", "SubState"}, units...)
}

var cleanCommands = [][]string{
	{"start", "gosd-cl.service"},
	cleanState("gosd-cl.service", "gosd-cl-none.service", "gosd-cl.timer", "gosd-cl-np.timer", "gosd-cl.target", "gosd-cl-run.service"),
	{"!sh", cleanDirs},
	clean("gosd-cl.service"),
	{"!sh", cleanDirs},
	cleanState("gosd-cl.service"),
	clean("--what=state", "gosd-cl.service"),
	{"!sh", cleanDirs},
	clean("--what=logs", "--what=configuration", "gosd-cl.service"),
	{"!sh", cleanDirs},
	{"start", "gosd-cl.service"},
	clean("--what=all", "gosd-cl.service"),
	{"!sh", cleanDirs},
	cleanState("gosd-cl.service"),

	// systemctl waits for the unit to leave "maintenance".
	{"start", "gosd-cl-big.service"},
	{"!sh", "cd /var/lib/gosd-cl-big && for d in $(seq 1 20); do mkdir $d && (cd $d && seq 1 100 | xargs touch); done"},
	clean("--what=state", "gosd-cl-big.service"),
	{"!sh", "ls -d /var/lib/gosd-cl-big 2>&1"},
	cleanState("gosd-cl-big.service"),

	// A removal that outlasts TimeoutCleanSec= fails the unit.
	{"start", "gosd-cl-slow.service"},
	{"!sh", "cd /var/lib/gosd-cl-slow && for d in $(seq 1 20); do mkdir $d && (cd $d && seq 1 100 | xargs touch); done"},
	// Whether systemctl sees CleanResult= before the timeout is a race
	// (it reads it once), on 252 too: only the end is compared.
	{"!sh", oracle.OracleBin + "/systemctl clean --what=state gosd-cl-slow.service >/dev/null 2>&1; sleep 1"},
	{"show", "-p", "CleanResult", "-p", "Result", "-p", "ActiveState", "-p", "SubState", "gosd-cl-slow.service"},
	{"reset-failed", "gosd-cl-slow.service"},

	// A mount unit's directories.
	{"start", "mnt-gosd\\x2dcl.mount"},
	{"!sh", "ls -d /var/lib/gosd-cl-mnt 2>&1"},
	clean("--what=state", "'mnt-gosd\\x2dcl.mount'"),
	{"stop", "mnt-gosd\\x2dcl.mount"},
	clean("--what=state", "'mnt-gosd\\x2dcl.mount'"),
	{"!sh", "ls -d /var/lib/gosd-cl-mnt 2>&1"},
	{"show", "-p", "CleanResult", "-p", "CanClean", "-p", "ActiveState", "-p", "SubState", "mnt-gosd\\x2dcl.mount"},

	// A socket's.
	{"!sh", "mkdir -p /run/gosd-cl-sock/sub && touch /run/gosd-cl-sock/sub/f"},
	clean("gosd-cl-sock.socket"),
	{"!sh", "ls -d /run/gosd-cl-sock 2>&1"},
	{"show", "-p", "CanClean", "-p", "ActiveState", "-p", "SubState", "gosd-cl-sock.socket"},
	{"!sh", "sleep 0.5; journalctl -b -o cat -u gosd-cl-sock.socket -u gosd-cl-big.service"},

	// Through the systemctl under test.
	{"start", "gosd-cl-big.service"},
	{"clean", "--what=state", "gosd-cl-big.service", "gosd-cl-none.service", "gosd-cl.target"},
	{"!sh", "ls -d /var/lib/gosd-cl-big 2>&1"},

	// What cannot be cleaned, and why.
	clean("gosd-cl-none.service"),
	clean("--what=all", "gosd-cl-none.service"),
	clean("gosd-cl.target"),
	clean("gosd-cl-nonexistent.service"),
	{"start", "gosd-cl-run.service"},
	clean("--what=state", "gosd-cl-run.service"),
	{"start", "gosd-cl-fail.service"},
	clean("--what=state", "gosd-cl-fail.service"),
	{"!sh", "ls -d /var/lib/gosd-cl-fail"},

	// A timer cleans its Persistent= stamp, and nothing else.
	{"!sh", "mkdir -p /var/lib/systemd/timers && touch /var/lib/systemd/timers/stamp-gosd-cl.timer"},
	clean("gosd-cl.timer"),
	clean("--what=all", "gosd-cl.timer"),
	{"!sh", "ls /var/lib/systemd/timers/stamp-gosd-cl.timer"},
	clean("--what=state", "gosd-cl.timer"),
	{"!sh", "ls /var/lib/systemd/timers/stamp-gosd-cl.timer 2>&1"},
	clean("--what=state", "gosd-cl.timer"),
	clean("--what=state", "gosd-cl-np.timer"),

	// The bus methods themselves.
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager CleanUnit sas gosd-cl.service 1 bogus; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager CleanUnit sas gosd-cl.service 0; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager CleanUnit sas gosd-cl-nonexistent.service 1 all; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager CleanUnit sas 'bad name' 1 all; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dcl_2etarget org.freedesktop.systemd1.Unit Clean as 1 all; echo exit=$?"},
	{"start", "gosd-cl.service"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dcl_2eservice org.freedesktop.systemd1.Unit Clean as 1 cache; echo exit=$?"},
	{"!sh", "sleep 0.5; " + cleanDirs},
	cleanState("gosd-cl.service"),
}

// TestCleanMatchesSystemd compares removing units' directories
// (CleanUnit, Unit.Clean), CanClean and CleanResult.
func TestCleanMatchesSystemd(t *testing.T) {
	compareSides(t, cleanFiles, cleanCommands)
}
