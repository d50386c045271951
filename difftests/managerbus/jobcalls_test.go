package managerbus

import "regexp"

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
	{"enqueue-reload-or-restart", busCall{"EnqueueUnitJob", []any{"gosd-mb-static.service", "reload-or-restart", "replace"}}},
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
	{"show-status-bogus", busCall{"SetShowStatus", []any{"bogus"}}},
	{"unit-by-pid-1", busCall{"GetUnitByPID", []any{uint32(1)}}},
	{"unit-by-pid-missing", busCall{"GetUnitByPID", []any{uint32(999999)}}},
	{"unit-by-pid-caller", busCall{"GetUnitByPID", []any{uint32(0)}}},
	{"invocation-caller", busCall{"GetUnitByInvocationID", []any{[]byte{}}}},
}

// callerPIDRE matches the caller's PID in the errors of the calls made
// with PID 0 or an empty invocation ID ("-caller").
var callerPIDRE = regexp.MustCompile(`(PID|Client) [0-9]+`)

func init() { busCalls = append(busCalls, jobCalls...) }
