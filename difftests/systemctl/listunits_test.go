package systemctl

import (
	"regexp"
	"strings"
	"testing"

	"gosystemd/oracle"
)

// listFiles add to files units that keep a missing and a masked unit
// loaded, and one with a wide description.
var listFiles = append(append([]oracle.File{}, files...),
	unitFile("gosd-lu-wants.service", "[Unit]\nDescription=wants missing and masked units\n"+
		"Wants=gosd-lu-missing.service gosd-sc-masked.service\n"+
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-lu-wide.service", "[Unit]\nDescription=Ünïcödé description ✓ that is rather long, longer than eighty columns of a terminal\n"+
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
)

// listCommands exercise list-units, list-jobs and cancel.
var listCommands = [][]string{
	{"list-jobs"},
	{"list-units", "gosd-*"},
	{"list-units", "nonexistent*"},
	{"list-units", "--all", "nonexistent*"},
	{"start", "gosd-sc-ok.service"},
	{"start", "gosd-sc-fail.service"},
	{"start", "gosd-sc-sock.socket"},
	{"start", "gosd-lu-wants.service"},
	{"start", "gosd-lu-wide.service"},
	{"list-units", "gosd-*"},
	{"list-units", "--all", "gosd-*"},
	{"list-units", "-a", "--plain", "gosd-*"},
	{"list-units", "--plain", "--no-legend", "gosd-sc*"},
	{"list-units", "--legend=no", "gosd-*"},
	{"list-units", "--legend=yes", "--quiet", "gosd-*"},
	{"list-units", "--quiet", "gosd-*"},
	{"list-units", "-l", "gosd-*"},
	{"list-units", "--full", "--all", "gosd-*"},
	{"list-units", "--state=failed"},
	{"--failed"},
	{"list-units", "--failed", "gosd-*"},
	{"list-units", "--state=inactive", "gosd-*"},
	{"list-units", "--state=active,failed", "gosd-*"},
	{"list-units", "--state=not-found", "--all"},
	{"list-units", "--type=service", "gosd-*"},
	{"list-units", "-t", "socket"},
	{"list-units", "-t", "socket,service", "gosd-*"},
	{"list-units", "--type=masked"},
	{"list-units", "gosd-sc-ok.service", "gosd-sc-fail.service"},
	{"list-units"},
	{"--no-pager"},
	{"--all"},
}

// jobCommands show job ids, which differ between real PID 1 and ours,
// and use CancelJob and ClearJobs, which our PID 1 lacks; they run on
// real PID 1 only.
var jobCommands = [][]string{
	{"list-jobs"},
	{"--no-block", "start", "gosd-sc-slow.service"},
	{"!sh", "sleep 0.5"}, // the job runs: not a race with its start
	{"list-jobs"},
	{"list-jobs", "gosd-sc-slow*"},
	{"list-jobs", "nomatch*"},
	{"--no-legend", "list-jobs", "nomatch*"},
	{"--no-legend", "list-jobs"},
	{"list-units", "gosd-sc-slow*"},
	{"list-units", "--plain", "--no-legend", "gosd-sc-slow*"},
	{"cancel", "bogus"},
	{"cancel", "4000000"},
	{"cancel", "4000000", "--", "-1"},
	{"cancel", "0x100000000"},
	{"cancel"},
	{"list-jobs"},
	{"--no-legend", "list-jobs"},
	{"--no-block", "start", "gosd-sc-slow.service"},
	{"!sh", "sleep 0.5"}, // the job runs: not a race with its start
	{"list-jobs"},
}

func TestListUnitsMatchesSystemd(t *testing.T) {
	compareSides(t, listFiles, listCommands)
}

func TestListJobsMatchesSystemd(t *testing.T) {
	// Job ids depend on the boot (and differ between 252 and our PID 1,
	// hence real PID 1 only); only their width must agree.
	ids := regexp.MustCompile(`(?m)^\d+( +gosd-)`)
	hide := func(s string) string {
		return ids.ReplaceAllStringFunc(s, func(m string) string {
			n := strings.IndexByte(m, ' ')
			return strings.Repeat("#", n) + m[n:]
		})
	}
	compareOnRealPID1(t, listFiles, jobCommands, hide)
}
