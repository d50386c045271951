package journal

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gosystemd/impl/notify"
	"gosystemd/oracle"
)

// notifyCases are datagrams a service sends to real PID 1: what PID 1
// logs about them, and the status it keeps, are compared with what
// impl/notify says 252 makes of them.
var notifyCases = []struct {
	access    notify.Access
	fromChild bool // sent by a child of the main process
	datagrams []string
}{
	{notify.AccessAll, false, []string{"STATUS=plain\nREADY=1"}},
	{notify.AccessAll, false, []string{"\r\nSTATUS=a\\\nb\\\\c\r\rERRNO=enoent\n\n"}},
	{notify.AccessAll, false, []string{"STATUS=first", "STATUS=second\nX=\\"}},
	{notify.AccessAll, false, []string{"STATUS=trailing NUL\x00", "STATUS=embedded\x00NUL", "\x00"}},
	{notify.AccessAll, false, []string{"STATUS=before", "STATUS=\xff\xfe"}},
	{notify.AccessAll, false, []string{"STATUS=\xed\xa0\x80 surrogate", "STATUS=\xef\xb7\x90 noncharacter", "STATUS=żółw"}},
	{notify.AccessAll, false, []string{"ERRNO=4096", "ERRNO=x", "ERRNO= 0x10", "EXTEND_TIMEOUT_USEC=-1", "WATCHDOG=2", "WATCHDOG_USEC=1s", "MAINPID=abc", "MAINPID=0"}},
	{notify.AccessAll, false, []string{"FDSTOREREMOVE=1", "FDSTOREREMOVE=1\nFDNAME=a:b", "FDSTORE=1\nFDNAME=a:b", "FDSTORE=1\nFDNAME=ok\nFDPOLL=0"}},
	{notify.AccessAll, false, []string{"BARRIER=1", "BARRIER=1\nSTATUS=ignored", "STATUS=after barriers"}},
	{notify.AccessAll, false, []string{"STATUS=" + strings.Repeat("x", notify.BufferMax-7), "STATUS=" + strings.Repeat("y", notify.BufferMax-6)}},
	{notify.AccessAll, false, []string{"STATUS=one\nSTATUS=two\nUNKNOWN=1\nBUSERROR=org.freedesktop.DBus.Error.Failed"}},
	{notify.AccessNone, false, []string{"STATUS=refused"}},
	{notify.AccessMain, true, []string{"STATUS=from a child"}},
	{notify.AccessExec, true, []string{"STATUS=from a child"}},
	{notify.AccessAll, true, []string{"STATUS=child accepted"}},
}

// pid1Messages are the messages real PID 1 logged after cursor, but for
// the lines every transient service run brings.
func pid1Messages(t *testing.T, sb oracle.Sandbox, cursor string) []string {
	t.Helper()
	var msgs []string
	for _, e := range journalEntries(t, sb, "--after-cursor="+cursor, "_PID=1") {
		m := fieldValue(e, "MESSAGE")
		if strings.HasPrefix(m, "Started ") || strings.HasSuffix(m, ": Deactivated successfully.") {
			continue
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func lastCursor(t *testing.T, sb oracle.Sandbox) string {
	t.Helper()
	out := run(t, sb, nil, "journalctl", "-n", "1", "-o", "json", "--no-pager")
	var m struct {
		Cursor string `json:"__CURSOR"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Cursor == "" {
		t.Fatalf("no cursor in %q: %v", out, err)
	}
	return m.Cursor
}

// TestGuestNotify sends crafted notification datagrams from a transient
// service to real PID 1 252 and compares what it logs and keeps with
// impl/notify's checks, Authorize and Interpret.
func TestGuestNotify(t *testing.T) {
	sb := bootReal(t, "notify")
	for i, c := range notifyCases {
		unit := fmt.Sprintf("gosd-notify-%d.service", i)
		mode := "notify"
		if c.fromChild {
			mode = "notify-child"
		}
		argv := []string{"systemd-run", "--wait", "--pipe", "--quiet", "--unit=" + unit,
			"-p", "NotifyAccess=" + string(c.access), "-E", helperEnv + "=" + mode, helperPath, unit}
		for _, d := range c.datagrams {
			argv = append(argv, hex.EncodeToString([]byte(d)))
		}
		cursor := lastCursor(t, sb)
		out := run(t, sb, nil, argv...)

		var sender, mainPID int
		first, out, _ := strings.Cut(out, "\n")
		if _, err := fmt.Sscanf(first, "sender=%d main=%d", &sender, &mainPID); err != nil {
			t.Fatalf("case %d: helper printed %q", i, first)
		}
		var want []string
		status, errno := "", 0
		for _, d := range c.datagrams {
			ev := notify.CheckDatagram([]byte(d), &notify.Creds{PID: sender}, 0)
			if ev.Kind != notify.KindMessage {
				if ev.Log != "" {
					want = append(want, ev.Log)
				}
				continue
			}
			if ok, w := notify.Authorize(c.access, sender, mainPID, 0); !ok {
				want = append(want, unit+": "+w)
				continue
			}
			n := notify.Interpret(ev.Tags)
			if n.MainPIDWarning != "" {
				want = append(want, unit+": "+n.MainPIDWarning)
			}
			for _, w := range n.Warnings {
				want = append(want, unit+": "+w)
			}
			if n.StatusSet {
				status = n.Status
			}
			if n.ErrnoSet {
				errno = n.Errno
			}
		}
		if got := pid1Messages(t, sb, cursor); !reflect.DeepEqual(got, want) {
			t.Errorf("case %d %q: PID 1 logged\n%q\nwe say\n%q", i, c.datagrams, got, want)
		}
		var text struct{ Data string }
		var code struct{ Data int }
		textJSON, codeJSON, _ := strings.Cut(out, "\n")
		if json.Unmarshal([]byte(textJSON), &text) != nil || json.Unmarshal([]byte(codeJSON), &code) != nil {
			t.Fatalf("case %d: helper printed %q", i, out)
		}
		if text.Data != status || code.Data != errno {
			t.Errorf("case %d %q: PID 1 keeps StatusText=%q StatusErrno=%d, we say %q and %d", i, c.datagrams, text.Data, code.Data, status, errno)
		}
	}
}
