package native

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValidFieldName(t *testing.T) {
	for _, c := range []struct {
		name            string
		client, trusted bool
	}{
		{"MESSAGE", true, true},
		{"A", true, true},
		{"CODE_LINE2", true, true},
		{strings.Repeat("X", 64), true, true},
		{strings.Repeat("X", 65), false, false},
		{"", false, false},
		{"_PID", false, true},
		{"__CURSOR", false, true},
		{"1ST", false, false},
		{"message", false, false},
		{"MESSAGE-ID", false, false},
		{"MESSAGE ", false, false},
		{"ÄRGER", false, false},
	} {
		if got := ValidFieldName(c.name, false); got != c.client {
			t.Errorf("ValidFieldName(%q, false) = %v", c.name, got)
		}
		if got := ValidFieldName(c.name, true); got != c.trusted {
			t.Errorf("ValidFieldName(%q, true) = %v", c.name, got)
		}
	}
}

func TestAppendEntryRefuses(t *testing.T) {
	var fe *FieldError
	if _, err := AppendEntry(nil, []Field{{"MESSAGE", "x"}, {"_PID", "1"}}); !errors.As(err, &fe) || fe.Name != "_PID" {
		t.Errorf("trusted field: %v", err)
	}
	if _, err := AppendEntry(nil, nil); err != ErrEmptyEntry {
		t.Errorf("no fields: %v", err)
	}
	many := make([]Field, EntryFieldsMax+1)
	for i := range many {
		many[i] = Field{"F", "x"}
	}
	if _, err := AppendEntry(nil, many); err != ErrTooManyFields {
		t.Errorf("%d fields: %v", len(many), err)
	}
	if _, err := AppendEntry(nil, many[:EntryFieldsMax]); err != nil {
		t.Errorf("%d fields: %v", EntryFieldsMax, err)
	}
}

// FuzzEntryRoundTrip encodes fields made from the input and decodes them
// by journald's rules: what AppendEntry accepts journald reads back
// unchanged, as one entry.
func FuzzEntryRoundTrip(f *testing.F) {
	f.Add("MESSAGE", "Started Journal Service.", "PRIORITY", "6", "SYSLOG_IDENTIFIER", "systemd")
	f.Add("MESSAGE", "line one\nline two", "CODE_FILE", "src/core/unit.c", "CODE_LINE", "5873")
	f.Add("MESSAGE", "", "BIN", "\x00\xff\n\n", "EMPTY", "")
	f.Add("MESSAGE_ID", "39f53479d3a045ac8e11786248231fbf", "UNIT", "foo.service", "INVOCATION_ID", "=\n=")
	f.Add("_PID", "1", "message", "x", "9X", "y")
	f.Add("M", "#\n.", "N", "\n", "O", "a=b")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2, n3, v3 string) {
		fields := []Field{{n1, v1}, {n2, v2}, {n3, v3}}
		b, err := AppendEntry(nil, fields)
		valid := ValidFieldName(n1, false) && ValidFieldName(n2, false) && ValidFieldName(n3, false)
		if (err == nil) != valid {
			t.Fatalf("AppendEntry(%q): %v", fields, err)
		}
		if err != nil {
			return
		}
		got := parseNative(b)
		if len(got) != 1 || !reflect.DeepEqual(got[0], fields) {
			t.Fatalf("AppendEntry(%q) = %q, read back as %q", fields, b, got)
		}
		// Entries concatenated with the separator journald knows stay
		// apart.
		two := append(append(b[:len(b):len(b)], '\n'), b...)
		if got := parseNative(two); len(got) != 2 || !reflect.DeepEqual(got[1], fields) {
			t.Fatalf("two entries %q read back as %q", two, got)
		}
	})
}
