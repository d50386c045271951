package notify

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Expected splits follow 252's extract_first_word with no flags and the
// separators "\n\r"; difftests/journal checks the same quirks against
// real PID 1.
func TestSplitTags(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"READY=1", []string{"READY=1"}, false},
		{"READY=1\n", []string{"READY=1"}, false},
		{"\n\r\nREADY=1\r\rSTATUS=a b\n\n", []string{"READY=1", "STATUS=a b"}, false},
		{"STATUS=a\\\nb", []string{"STATUS=a\nb"}, false},
		{"STATUS=a\\\\b\\c", []string{"STATUS=a\\bc"}, false},
		{"\\\n", []string{"\n"}, false},
		{"READY=1\nX\\", nil, true},
		{"READY=1\x00STATUS=x", []string{"READY=1"}, false},
	} {
		got, err := SplitTags(c.in)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitTags(%q) = %q, %v; want %q, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestInterpret(t *testing.T) {
	for _, c := range []struct {
		tags []string
		want Notification
	}{
		{[]string{"READY=1", "STOPPING=1", "RELOADING=1"}, Notification{State: StateReloading}},
		{[]string{"STOPPING=1", "READY=1", "READY=0"}, Notification{State: StateReady}},
		{[]string{"MAINPID=0x10"}, Notification{MainPIDSet: true, MainPID: 16}},
		{[]string{"MAINPID=0"}, Notification{MainPIDSet: true, MainPIDWarning: "Failed to parse MAINPID= field in notification message, ignoring: 0"}},
		{[]string{"MAINPID=4294967297"}, Notification{MainPIDSet: true, MainPIDWarning: "Failed to parse MAINPID= field in notification message, ignoring: 4294967297"}},
		{[]string{"STATUS=one", "STATUS=two"}, Notification{StatusSet: true, Status: "one"}},
		{[]string{"STATUS="}, Notification{StatusSet: true}},
		{[]string{"STATUS=\xed\xa0\x80"}, Notification{StatusSet: true, Warnings: []string{"Status message in notification message is not UTF-8 clean, ignoring."}}},
		{[]string{"STATUS=" + strings.Repeat("x", StatusTextMax+1)}, Notification{StatusSet: true, Warnings: []string{"Status message overly long (16385 > 16384), ignoring."}}},
		{[]string{"ERRNO=enoent"}, Notification{ErrnoSet: true, Errno: 2}},
		{[]string{"ERRNO=0"}, Notification{ErrnoSet: true}},
		{[]string{"ERRNO=4096"}, Notification{Warnings: []string{"Failed to parse ERRNO= field value '4096' in notification message: Numerical result out of range"}}},
		{[]string{"ERRNO=x"}, Notification{Warnings: []string{"Failed to parse ERRNO= field value 'x' in notification message: Invalid argument"}}},
		{[]string{"EXTEND_TIMEOUT_USEC= 7"}, Notification{ExtendTimeoutSet: true, ExtendTimeoutUSec: 7}},
		{[]string{"EXTEND_TIMEOUT_USEC=-1"}, Notification{Warnings: []string{"Failed to parse EXTEND_TIMEOUT_USEC=-1"}}},
		{[]string{"WATCHDOG=trigger", "WATCHDOG_USEC=1s"}, Notification{Watchdog: WatchdogTrigger, Warnings: []string{"Failed to parse WATCHDOG_USEC=1s"}}},
		{[]string{"WATCHDOG=2", "WATCHDOG_USEC=0"}, Notification{WatchdogUSecSet: true, Warnings: []string{"Passed WATCHDOG= field is invalid, ignoring."}}},
		{[]string{"FDSTORE=1", "FDPOLL=0"}, Notification{FDStore: FDStoreAdd}},
		{[]string{"FDSTORE=1", "FDNAME=a:b"}, Notification{FDStore: FDStoreAdd, FDPoll: true, Warnings: []string{"Passed FDNAME= name is invalid, ignoring."}}},
		{[]string{"FDSTOREREMOVE=1", "FDSTORE=1"}, Notification{Warnings: []string{"FDSTOREREMOVE=1 requested, but no valid file descriptor name passed, ignoring."}}},
		{[]string{"FDSTOREREMOVE=1", "FDNAME="}, Notification{FDStore: FDStoreRemove, FDNameSet: true}},
		{[]string{"BUSERROR=org.freedesktop.DBus.Error.TimedOut", "MONOTONIC_USEC=1"}, Notification{}},
	} {
		if got := Interpret(c.tags); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Interpret(%q) =\n%+v\nwant\n%+v", c.tags, got, c.want)
		}
	}
}

func TestAuthorize(t *testing.T) {
	const from = "Got notification message from PID 7, but reception "
	for _, c := range []struct {
		access             Access
		pid, main, control int
		ok                 bool
		warning            string
	}{
		{AccessAll, 7, 0, 0, true, ""},
		{AccessNone, 7, 7, 0, false, from + "is disabled."},
		{AccessMain, 7, 7, 0, true, ""},
		{AccessMain, 7, 8, 7, false, from + "only permitted for main PID 8"},
		{AccessMain, 7, 0, 0, false, from + "only permitted for main PID which is currently not known"},
		{AccessExec, 7, 8, 7, true, ""},
		{AccessExec, 7, 8, 9, false, from + "only permitted for main PID 8 and control PID 9"},
		{AccessExec, 7, 8, 0, false, from + "only permitted for main PID 8"},
		{AccessExec, 7, 0, 9, false, from + "only permitted for control PID 9"},
		{AccessExec, 7, 0, 0, false, from + "only permitted for main PID and control PID which are currently not known"},
	} {
		ok, w := Authorize(c.access, c.pid, c.main, c.control)
		if ok != c.ok || w != c.warning {
			t.Errorf("Authorize(%s, %d, %d, %d) = %v, %q", c.access, c.pid, c.main, c.control, ok, w)
		}
	}
}

func TestUTF8Valid(t *testing.T) {
	for _, s := range []string{"", "abc", "żółw", "\U0001F600", "\uFFFD", "\t\n"} {
		if !utf8Valid(s) {
			t.Errorf("utf8Valid(%q) = false", s)
		}
	}
	for _, s := range []string{"\xff", "\xc0\x80", "\xed\xa0\x80", "\xef\xbf\xbe", "\xef\xb7\x90", "\xf4\x90\x80\x80", "\xe2\x82"} {
		if utf8Valid(s) {
			t.Errorf("utf8Valid(%q) = true", s)
		}
	}
}

// escapeTags is the inverse of SplitTags for non-empty tags.
func escapeTags(tags []string) string {
	var b strings.Builder
	for _, t := range tags {
		for i := 0; i < len(t); i++ {
			if c := t[i]; c == '\\' || c == '\n' || c == '\r' {
				b.WriteByte('\\')
			}
			b.WriteByte(t[i])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FuzzParseNotify runs a datagram through 252's checks and the
// interpretation of its assignments.
func FuzzParseNotify(f *testing.F) {
	for _, s := range []string{
		"READY=1",
		"READY=1\nSTATUS=Processing requests...",
		"STATUS=Startup finished in 1.234s.\nREADY=1\n",
		"RELOADING=1\nMONOTONIC_USEC=123456789",
		"STOPPING=1\nSTATUS=Shutting down...",
		"MAINPID=4242\nREADY=1",
		"WATCHDOG=1",
		"WATCHDOG=trigger",
		"WATCHDOG_USEC=30000000",
		"EXTEND_TIMEOUT_USEC=90000000",
		"ERRNO=2\nSTATUS=Failed to open config: No such file or directory",
		"ERRNO=ENOENT",
		"BUSERROR=org.freedesktop.DBus.Error.TimedOut",
		"FDSTORE=1\nFDNAME=listen-socket",
		"FDSTORE=1\nFDNAME=conn\nFDPOLL=0",
		"FDSTOREREMOVE=1\nFDNAME=listen-socket",
		"BARRIER=1",
		"STATUS=a\\\nb\r\nX=\\\\",
		"STATUS=\xff\xfe",
		"READY=1\x00",
		"READY=1\x00STATUS=x",
		"X=\\",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := CheckDatagram(data, &Creds{PID: 1}, 1)
		switch ev.Kind {
		case KindIgnored:
			if ev.Log == "" {
				t.Fatal("ignored without a reason")
			}
			return
		case KindBarrier:
			if !contains(ev.Tags, "BARRIER=1") {
				t.Fatal("barrier without BARRIER=1")
			}
		}
		for _, tag := range ev.Tags {
			if tag == "" {
				t.Fatalf("empty tag in %q", ev.Tags)
			}
		}
		again, err := SplitTags(escapeTags(ev.Tags))
		if err != nil || !reflect.DeepEqual(again, ev.Tags) {
			t.Fatalf("re-escaped %q split into %q, %v", ev.Tags, again, err)
		}
		n := Interpret(ev.Tags)
		if !utf8.ValidString(n.Status) {
			t.Fatalf("status %q", n.Status)
		}
		if n.FDNameSet && !FDNameValid(n.FDName) {
			t.Fatalf("invalid fd name %q accepted", n.FDName)
		}
		if n.MainPIDSet && (n.MainPID > 0) == (n.MainPIDWarning != "") {
			t.Fatalf("MAINPID %d with warning %q", n.MainPID, n.MainPIDWarning)
		}
	})
}

func TestManagerMessages(t *testing.T) {
	if got := NoUnitWarning(267); got != "Cannot find unit for notify message of PID 267, ignoring." {
		t.Errorf("NoUnitWarning = %q", got)
	}
	if got := DebugMessage(5, []string{"READY=1", "STATUS=x"}); got != "Got notification message from PID 5 (READY=1, STATUS=x)" {
		t.Errorf("DebugMessage = %q", got)
	}
	if got := DebugMessage(5, nil); got != "Got notification message from PID 5 (n/a)" {
		t.Errorf("DebugMessage = %q", got)
	}
}
