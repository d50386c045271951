package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gosystemd/impl/journal/native"
)

// userFields are an entry's fields without journald's own, sorted.
func userFields(e []native.Field, drop ...string) []native.Field {
	var out []native.Field
	for _, f := range e {
		if !strings.HasPrefix(f.Name, "_") && !slices.Contains(drop, f.Name) {
			out = append(out, f)
		}
	}
	sortFields(out)
	return out
}

func sortFields(fs []native.Field) {
	slices.SortFunc(fs, func(a, b native.Field) int { return strings.Compare(a.Name+"="+a.Value, b.Name+"="+b.Value) })
}

// TestGuestJournal sends entries with our native client inside a guest
// running real systemd 252, and the same single-line entries with real
// `logger --journald`; real journalctl shows every field as sent, and the
// same fields for both.
func TestGuestJournal(t *testing.T) {
	sb := bootReal(t, "journal-native")
	// A 1 MiB entry from an unprivileged sender still fits a datagram
	// here; the memfd path is compared with sd_journal_sendv's in
	// impl/journal/native (a bigger entry would exceed the guest's
	// RuntimeMaxFileSize).
	big := strings.Repeat("0123456789abcdef", 1<<16)
	entries := [][][2]string{
		{{"MESSAGE", "hello from gosystemd"}, {"PRIORITY", "5"}},
		{{"MESSAGE", "with = signs"}, {"EMPTY", ""}, {"SYSLOG_IDENTIFIER", "explicit"}},
		{{"MESSAGE", "control \x01 and latin1 caf\xe9"}, {"CODE_FILE", "src/core/unit.c"}, {"CODE_LINE", "42"}},
		{{"MESSAGE", "multi\nline\n"}, {"BIN", "\x00\xff\n"}, {"NUL", "a\x00b"}},
		{{"MESSAGE", "big"}, {"BLOB", big}},
	}
	const singleLine = 3 // the first entries logger --journald can send too
	for i := range entries {
		entries[i] = append(entries[i], [2]string{"SEQ", strconv.Itoa(i)})
	}
	send := func(id string, es [][][2]string, user ...string) {
		var wire [][]wireField
		for _, e := range es {
			var w []wireField
			for _, f := range append(slices.Clone(e), [2]string{"GOSD_TEST", id}) {
				w = append(w, wireField{f[0], []byte(f[1])})
			}
			wire = append(wire, w)
		}
		in, _ := json.Marshal(wire)
		argv := []string{"env", helperEnv + "=journal", helperPath, "gosd-client"}
		if len(user) > 0 {
			argv = append([]string{"setpriv", "--reuid=" + user[0], "--regid=" + user[0], "--clear-groups"}, argv...)
		}
		run(t, sb, in, argv...)
	}
	send("ours", entries[:len(entries)-1])
	send("ours-unprivileged", entries[len(entries)-1:], "65534")
	for _, e := range entries[:singleLine] {
		var in bytes.Buffer
		for _, f := range append(slices.Clone(e), [2]string{"GOSD_TEST", "logger"}) {
			fmt.Fprintf(&in, "%s=%s\n", f[0], f[1])
		}
		run(t, sb, in.Bytes(), "logger", "--journald")
	}

	ours := bySeq(t, append(journalEntries(t, sb, "GOSD_TEST=ours"), journalEntries(t, sb, "GOSD_TEST=ours-unprivileged")...))
	theirs := bySeq(t, journalEntries(t, sb, "GOSD_TEST=logger"))
	if len(ours) != len(entries) || len(theirs) != singleLine {
		t.Fatalf("journalctl shows %d of our %d entries and %d of logger's %d", len(ours), len(entries), len(theirs), singleLine)
	}
	for i, e := range entries {
		want := []native.Field{}
		for _, f := range e {
			want = append(want, native.Field{Name: f[0], Value: f[1]})
		}
		if !slices.ContainsFunc(want, func(f native.Field) bool { return f.Name == "SYSLOG_IDENTIFIER" }) {
			want = append(want, native.Field{Name: "SYSLOG_IDENTIFIER", Value: "gosd-client"})
		}
		sortFields(want)
		if got := userFields(ours[i], "GOSD_TEST"); !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d read back as\n%.300q\nwant\n%.300q", i, got, want)
		}
		if got := fieldValue(ours[i], "_TRANSPORT"); got != "journal" {
			t.Errorf("entry %d: _TRANSPORT=%q", i, got)
		}
		if i >= singleLine {
			continue
		}
		o, l := userFields(ours[i], "GOSD_TEST", "SYSLOG_IDENTIFIER"), userFields(theirs[i], "GOSD_TEST", "SYSLOG_IDENTIFIER")
		if !reflect.DeepEqual(o, l) {
			t.Errorf("entry %d: ours %q, logger's %q", i, o, l)
		}
	}
}
