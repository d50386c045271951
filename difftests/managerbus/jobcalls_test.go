package managerbus

import (
	"fmt"
	"regexp"
	"strings"

	"gosystemd/oracle"
)

// jobCalls are the lookup and job methods' calls, made after busCalls.
var jobCalls = []struct {
	name string
	call busCall
}{
	{"list-by-names", busCall{"ListUnitsByNames", []any{[]string{"dbus.service", "gosd-mb-nonexistent.service", "not a name", "gosd-mb-static.service"}}}},
	{"list-by-names-template", busCall{"ListUnitsByNames", []any{[]string{"gosd-mb@.service"}}}},
	{"cgroup-service", busCall{"GetUnitByControlGroup", []any{"/system.slice/dbus.service"}}},
	{"cgroup-below", busCall{"GetUnitByControlGroup", []any{"/system.slice/dbus.service/x/y"}}},
	{"cgroup-slice", busCall{"GetUnitByControlGroup", []any{"/system.slice"}}},
	{"cgroup-init", busCall{"GetUnitByControlGroup", []any{"/init.scope"}}},
	{"cgroup-missing", busCall{"GetUnitByControlGroup", []any{"/nonexistent"}}},
	{"cgroup-root", busCall{"GetUnitByControlGroup", []any{"/"}}},
	{"cgroup-empty", busCall{"GetUnitByControlGroup", []any{""}}},
	{"cgroup-relative", busCall{"GetUnitByControlGroup", []any{"system.slice/dbus.service"}}},
	{"cgroup-unnormalized", busCall{"GetUnitByControlGroup", []any{"/system.slice//dbus.service/"}}},
	{"cgroup-dotdot", busCall{"GetUnitByControlGroup", []any{"/system.slice/../init.scope"}}},
	{"cgroup-trailing-slash", busCall{"GetUnitByControlGroup", []any{"/system.slice/dbus.service/"}}},
	{"invocation-short", busCall{"GetUnitByInvocationID", []any{[]byte{1, 2, 3}}}},
	{"invocation-unknown", busCall{"GetUnitByInvocationID", []any{[]byte{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11}}}},
	{"job-after-missing", busCall{"GetJobAfter", []any{uint32(999999)}}},
	{"job-before-missing", busCall{"GetJobBefore", []any{uint32(999999)}}},
	{"enqueue-bogus-type", busCall{"EnqueueUnitJob", []any{"gosd-mb-static.service", "bogus", "replace"}}},
	{"enqueue-bogus-mode", busCall{"EnqueueUnitJob", []any{"gosd-mb-static.service", "start", "bogus"}}},
	{"enqueue-missing", busCall{"EnqueueUnitJob", []any{"gosd-mb-nonexistent.service", "start", "replace"}}},
	{"enqueue-invalid", busCall{"EnqueueUnitJob", []any{"not a name", "start", "replace"}}},
	{"enqueue-start", busCall{"EnqueueUnitJob", []any{"gosd-mb-static.service", "start", "replace"}}},
	// Not on the unit just started: whether the job merges into the
	// start job would be timing.
	{"enqueue-reload-or-restart", busCall{"EnqueueUnitJob", []any{"gosd-mb-q1.service", "reload-or-restart", "replace"}}},
	// Each on a unit of its own: jobs queued on one unit in a row merge
	// or not as the earlier ones have run.
	{"enqueue-try-restart-inactive", busCall{"EnqueueUnitJob", []any{"gosd-mb-r1.service", "try-restart", "replace"}}},
	{"enqueue-reload-inactive", busCall{"EnqueueUnitJob", []any{"gosd-mb-r2.service", "reload", "replace"}}},
	{"enqueue-verify-active", busCall{"EnqueueUnitJob", []any{"gosd-mb-r3.service", "verify-active", "replace"}}},
	{"enqueue-nop", busCall{"EnqueueUnitJob", []any{"gosd-mb-r4.service", "nop", "replace"}}},
	{"enqueue-reload-or-start", busCall{"EnqueueUnitJob", []any{"gosd-mb-r5.service", "reload-or-start", "replace"}}},
	{"enqueue-reload-or-try-restart", busCall{"EnqueueUnitJob", []any{"gosd-mb-r6.service", "reload-or-try-restart", "replace"}}},
	{"enqueue-try-reload", busCall{"EnqueueUnitJob", []any{"gosd-mb-r7.service", "try-reload", "replace"}}},
	{"enqueue-isolate-service", busCall{"EnqueueUnitJob", []any{"gosd-mb-r1.service", "start", "isolate"}}},
	{"enqueue-reload-not-reloadable", busCall{"EnqueueUnitJob", []any{"gosd-mb-static.service", "reload", "replace"}}},
	{"enqueue-stop-missing", busCall{"EnqueueUnitJob", []any{"gosd-mb-nonexistent.service", "stop", "replace"}}},
	{"enqueue-caller", busCall{"EnqueueUnitJob", []any{"", "start", "replace"}}},
	{"start-flags-bad", busCall{"StartUnitWithFlags", []any{"gosd-mb-static.service", "replace", uint64(1)}}},
	{"start-flags-bad-mode", busCall{"StartUnitWithFlags", []any{"gosd-mb-static.service", "bogus", uint64(1)}}},
	{"start-flags", busCall{"StartUnitWithFlags", []any{"gosd-mb-also.service", "replace", uint64(0)}}},
	{"start-replace-nojob", busCall{"StartUnitReplace", []any{"dbus.service", "gosd-mb-static.service", "replace"}}},
	{"start-replace-unloaded", busCall{"StartUnitReplace", []any{"gosd-mb-unloaded.service", "gosd-mb-static.service", "replace"}}},
	{"kill-bogus-who", busCall{"KillUnit", []any{"dbus.service", "bogus", int32(15)}}},
	{"kill-bad-signal", busCall{"KillUnit", []any{"dbus.service", "main", int32(99)}}},
	{"kill-unloaded", busCall{"KillUnit", []any{"gosd-mb-unloaded.service", "all", int32(15)}}},
	{"kill-invalid", busCall{"KillUnit", []any{"not a name", "all", int32(15)}}},
	{"enqueue-marked", busCall{"EnqueueMarkedJobs", nil}},
	{"unref-unreferenced", busCall{"UnrefUnit", []any{"dbus.service"}}},
	{"unref-unloaded", busCall{"UnrefUnit", []any{"gosd-mb-unloaded.service"}}},
	{"ref-missing", busCall{"RefUnit", []any{"gosd-mb-nonexistent.service"}}},
	{"ref-invalid", busCall{"RefUnit", []any{"not a name"}}},
	{"ref-error", busCall{"RefUnit", []any{"gosd-mb-huge.service"}}},
	{"ref-bad-setting", busCall{"RefUnit", []any{"gosd-mb-badsetting.service"}}},
	{"ref-masked", busCall{"RefUnit", []any{"gosd-mb-masked.service"}}},
	// References are taken on the system bus only. (What UnrefUnit
	// says next is timing on 252: its empty track goes at idle.)
	{"ref-private", busCall{"RefUnit", []any{"gosd-mb-also.service"}}},
	{"ref-private-again", busCall{"RefUnit", []any{"gosd-mb-also.service"}}},
	{"ref-private-loaded", busCall{"RefUnit", []any{"dbus.service"}}},
	{"reset-failed-invalid", busCall{"ResetFailedUnit", []any{"not a name"}}},
	{"reset-failed-unloaded", busCall{"ResetFailedUnit", []any{"gosd-mb-unloaded.service"}}},
	{"reset-failed-caller", busCall{"ResetFailedUnit", []any{""}}},
	{"cancel-missing", busCall{"CancelJob", []any{uint32(999999)}}},
	{"show-status-bogus", busCall{"SetShowStatus", []any{"bogus"}}},
	{"unit-by-pid-1", busCall{"GetUnitByPID", []any{uint32(1)}}},
	{"unit-by-pid-missing", busCall{"GetUnitByPID", []any{uint32(999999)}}},
	{"unit-by-pid-caller", busCall{"GetUnitByPID", []any{uint32(0)}}},
	{"invocation-caller", busCall{"GetUnitByInvocationID", []any{[]byte{}}}},
}

// callerPIDRE matches the caller's PID in the errors of the calls made
// with PID 0 or an empty invocation ID ("-caller").
var callerPIDRE = regexp.MustCompile(`(PID|Client) [0-9]+`)

// invocationPathRE matches a unit path by invocation ID.
var invocationPathRE = regexp.MustCompile(`/unit/(_3[0-9])?[0-9a-f]{31,32}\b`)

func init() {
	busCalls = append(busCalls, jobCalls...)
	scenarioFiles = append(scenarioFiles,
		// A line over LONG_LINE_MAX: load state "error".
		oracle.File{Path: "/etc/systemd/system/gosd-mb-huge.service", Data: []byte("[Unit]\nDescription=" + strings.Repeat("x", 1100*1024) + "\n")},
		oracle.File{Path: "/etc/systemd/system/gosd-mb-badsetting.service", Data: []byte("[Service]\nExecStart=relative/path\n")},
		oracle.File{Path: "/etc/systemd/system/gosd-mb-masked.service", Symlink: "/dev/null"},
	)
	scenarioFiles = append(scenarioFiles, oracle.File{Path: "/etc/systemd/system/gosd-mb-q1.service",
		Data: []byte("[Service]\nType=oneshot\nExecStart=/bin/true\n")})
	for i := 1; i <= 7; i++ {
		scenarioFiles = append(scenarioFiles, oracle.File{Path: fmt.Sprintf("/etc/systemd/system/gosd-mb-r%d.service", i),
			Data: []byte("[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\nExecReload=/bin/true\n")})
	}
}
