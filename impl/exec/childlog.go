package exec

import (
	"strconv"
	"time"

	"gosystemd/impl/journal/native"
)

// spawnFailedMessageID is SD_MESSAGE_SPAWN_FAILED.
const spawnFailedMessageID = "641257651c1b4ec9a8624d7a40a9e1e7"

// journal logs a message about the unit to journald from the child
// itself, as 252's forked child does: the entry's sender is this process,
// named as it renamed itself ("(ot-exist)"). It reports whether the entry
// was sent; the manager logs what the child could not.
func (c *child) journal(level int, msg string, extra ...native.Field) bool {
	if !c.s.System || c.s.Unit == "" || level > logInfo {
		return false
	}
	if c.log == nil {
		w, err := native.Open(native.SocketPath)
		if err != nil {
			return false
		}
		_ = w.SetSendTimeout(10 * time.Millisecond)
		c.log = w
	}
	fields := []native.Field{
		{Name: "PRIORITY", Value: strconv.Itoa(level)},
		{Name: "SYSLOG_FACILITY", Value: "3"},
		{Name: "SYSLOG_IDENTIFIER", Value: ProcessName(c.s.Path)},
		{Name: "UNIT", Value: c.s.Unit},
	}
	if c.s.InvocationID != "" {
		fields = append(fields, native.Field{Name: "INVOCATION_ID", Value: c.s.InvocationID})
	}
	fields = append(fields, extra...)
	fields = append(fields, native.Field{Name: "MESSAGE", Value: c.s.Unit + ": " + msg})
	return c.log.Send(fields...) == nil
}

// logFailure logs a failed step and its summary line from the child; it
// marks the failure logged when both went out.
func (c *child) logFailure(f *Failure) {
	if f == nil || f.Message == "" {
		return
	}
	if !c.journal(f.Level, f.Message, native.Field{Name: "ERRNO", Value: strconv.Itoa(int(f.Errno))}) {
		return
	}
	if f.ExitStatus != 0 && !c.journal(logErr, f.SpawnMessage(c.s.Path),
		native.Field{Name: "MESSAGE_ID", Value: spawnFailedMessageID},
		native.Field{Name: "EXECUTABLE", Value: c.s.Path},
		native.Field{Name: "ERRNO", Value: strconv.Itoa(int(f.Errno))}) {
		return
	}
	f.Logged = true
}
