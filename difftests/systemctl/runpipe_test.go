package systemctl

import "testing"

// runPipeCommands run systemd-run --pipe, -P and --pty: the service's
// standard input, output and error are fds systemd-run passes to PID 1
// (StandardInputFileDescriptor= and the others), which PID 1 keeps for
// the unit and closes once it is inactive, so that a reader of the pipe
// sees its end.
var runPipeCommands = [][]string{
	{"!sh", "echo input | systemd-run -q --pipe --wait --unit=gosd-pp1 sh -c 'cat; echo out; echo err >&2'; echo rc=$?"},
	{"!sh", "systemd-run -q -P --unit=gosd-pp2 sh -c 'echo two; exit 7' </dev/null; echo rc=$?"},
	{"!sh", "printf 'a\\nb\\n' | systemd-run -q -P --unit=gosd-pp3 -p Type=oneshot wc -l; echo rc=$?"},
	{"!sh", "timeout 20 sh -c 'systemd-run -q --pipe --unit=gosd-pp4 sh -c \"echo nowait; echo e >&2\" </dev/null 2>&1 | cat'; echo rc=$?"},
	{"!sh", "systemd-run -q --pipe --unit=gosd-pp5 sleep infinity </dev/null >/dev/null 2>&1; echo rc=$?"},
	{"!sh", "sleep 0.5"},
	{"show", "-p", "ActiveState,SubState,StandardInput,StandardOutput,StandardError,StandardInputFileDescriptorName,StandardOutputFileDescriptorName,TTYPath", "gosd-pp5.service"},
	{"cat", "gosd-pp5.service"},
	{"stop", "gosd-pp5.service"},
	{"!sh", "timeout 20 systemd-run -q --pty --wait --unit=gosd-pt1 sh -c 'test -t 0 && test -t 1 && echo tty; echo $TERM; sleep 0.5' </dev/null | tr -d '\\r'; echo rc=$?"},
	{"!sh", "timeout 20 systemd-run -q -t --unit=gosd-pt2 sh -c 'exit 3' </dev/null | tr -d '\\r'; echo rc=$?"},
	{"!sh", "systemd-run -q --pty --unit=gosd-pt3 -p RemainAfterExit=yes sleep 1 </dev/null >/dev/null 2>&1 & sleep 0.5"},
	{"show", "-p", "ActiveState,SubState,StandardInput,StandardOutput,StandardError", "gosd-pt3.service"},
	{"!sh", "systemctl show -p TTYPath gosd-pt3.service | sed 's/[0-9]*$/N/'"},
	{"!sh", "sed 's/[0-9]*$/N/' /run/systemd/transient/gosd-pt3.service"},
	{"!sh", "sleep 1; wait"},
	{"show", "-p", "ActiveState,SubState,Result", "gosd-pt3.service"},
	{"stop", "gosd-pt3.service"},
	{"!sh", "sleep 0.5; ls /run/systemd/transient/"},
	// PID 1 re-executes under a waiting systemd-run --pipe, which keeps
	// waiting and ends with the unit. (If the unit's change reaches it
	// just as PID 1 goes, 252's systemd-run fails with "Failed to query
	// unit state: Message recipient disconnected ...": a race, not
	// tested.)
	{"!sh", "(timeout 30 systemd-run -q --pipe --unit=gosd-pp6 sh -c 'while [ ! -e /run/gosd-pp6 ]; do sleep 0.1; done; echo done' </dev/null; echo rc=$?) 2>&1 & sleep 1; @SYSTEMCTL@ daemon-reexec; echo reexec=$?; sleep 1; touch /run/gosd-pp6; wait"},
	{"show", "-p", "ActiveState,SubState,Result", "gosd-pp6.service"},
}

func TestRunPipeMatchesSystemd(t *testing.T) {
	compareSides(t, nil, runPipeCommands)
}
