package pid1

import (
	"bytes"
	"os"
	"testing"

	"gosystemd/impl/core/manager"
)

// Status lines are cut to the console's width (80 columns without a
// terminal) as 252 cuts them, escapes counted, and end in CR LF; log
// lines get their level's colour.
func TestConsoleLinesAsSystemd(t *testing.T) {
	var b bytes.Buffer
	l := &journalLog{console: &b, color: true, statusAll: true, statusNotice: true, utf8: true}
	l.Status(manager.StatusNormal, "  OK  ", "Created slice \x1b[0;1;39msystem-modprobe.slice\x1b[0m - Slice /system/modprobe.")
	l.Status(manager.StatusNormal, "", "Starting \x1b[0;1;39mfoo.service\x1b[0m - Foo...")
	l.Status(manager.StatusNormal, manager.NoStatus, "See 'systemctl status foo.service' for details.")
	l.writeConsole(manager.LogEntry{Level: manager.LevelWarning, Message: "Careful."}, false)
	l.writeConsole(manager.LogEntry{Level: manager.LevelInfo, Message: "Plain."}, true)
	want := "[\x1b[0;32m  OK  \x1b[0m] Created slice \x1b[0;1;39msystem-modpr…lice\x1b[0m - Slice /system/modprobe.\r\n" +
		"         Starting \x1b[0;1;39mfoo.service\x1b[0m - Foo...\r\n" +
		"See 'systemctl status foo.service' for details.\r\n" +
		"\x1b[0;1;38;5;185mCareful.\x1b[0m\n" +
		"<6>Plain.\n"
	if b.String() != want {
		t.Errorf("console:\n%q\nwant\n%q", b.String(), want)
	}

	// ShowStatus=auto or error: the notices alone.
	b.Reset()
	l.statusAll = false
	l.Status(manager.StatusNormal, "  OK  ", "Started foo.service.")
	l.Status(manager.StatusNotice, "FAILED", "Failed to start foo.service.")
	if want := "[\x1b[0;1;31mFAILED\x1b[0m] Failed to start foo.service.\r\n"; b.String() != want {
		t.Errorf("notices only: %q, want %q", b.String(), want)
	}
}

func TestLocaleIsUTF8(t *testing.T) {
	for _, c := range []struct {
		lang string
		want bool
	}{{"", true}, {"C", true}, {"C.UTF-8", true}, {"en_US.utf8", true}, {"de_DE.ISO-8859-1", false}, {"en_US", false}} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_CTYPE", "")
		t.Setenv("LANG", c.lang)
		if got := localeIsUTF8(); got != c.want {
			t.Errorf("LANG=%q: %v, want %v", c.lang, got, c.want)
		}
	}
}

func TestReadEtcHostname(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		data, want string
		err        bool
	}{
		{"# comment\n\n  oracle  \nother\n", "oracle", false},
		{"host.example.com.\n", "host.example.com", false},
		{"bad_name\n", "", true},
		{"# only a comment\n", "", true},
	} {
		p := dir + "/hostname"
		if err := writeFile(p, c.data); err != nil {
			t.Fatal(err)
		}
		got, err := readEtcHostname(p)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("%q: %q, %v", c.data, got, err)
		}
	}
}

func writeFile(p, data string) error { return os.WriteFile(p, []byte(data), 0o644) }

// The jobs-in-progress line (252's STATUS_TYPE_EPHEMERAL): shown only
// while the status is on, overwritten by the next status line (reverse
// line feed, carriage return, erase), which clears what it left.
func TestEphemeralStatusLinesAsSystemd(t *testing.T) {
	var b bytes.Buffer
	l := &journalLog{console: &b, statusAll: true, statusNotice: true, statusMode: "yes", utf8: true}
	l.Status(manager.StatusNormal, "  OK  ", "Reached target a.target.")
	l.Status(manager.StatusEphemeral, "*     ", "Job x.service/start running (2s / no limit)")
	l.Status(manager.StatusEphemeral, "**    ", "Job x.service/start running (2s / no limit)")
	l.Status(manager.StatusNormal, "  OK  ", "Started x.service.")
	l.Status(manager.StatusNormal, "  OK  ", "Reached target b.target.")
	want := "[  OK  ] Reached target a.target.\r\n" +
		"[*     ] Job x.service/start running (2s / no limit)\r\n" +
		"\x1bM\r\x1b[K[**    ] Job x.service/start running (2s / no limit)\r\n" +
		"\x1bM\r\x1b[K[  OK  ] Started x.service.\r\n\x1b[K" +
		"[  OK  ] Reached target b.target.\r\n"
	if b.String() != want {
		t.Errorf("console:\n%q\nwant\n%q", b.String(), want)
	}

	// ShowStatus=auto: not shown until flipped on, as notices are.
	b.Reset()
	l.statusAll, l.statusMode = false, "auto"
	l.Status(manager.StatusEphemeral, "*     ", "Job x.service/start running (25s / no limit)")
	if b.Len() != 0 {
		t.Errorf("auto, not flipped: %q", b.String())
	}
	if mode, changed, on := l.flipAutoStatus(true); mode != "temporary" || !changed || !on {
		t.Errorf("flip on: %q %v %v", mode, changed, on)
	}
	l.Status(manager.StatusEphemeral, "*     ", "Job x.service/start running (25s / no limit)")
	if b.Len() == 0 {
		t.Error("flipped on, the line is not shown")
	}
	if mode, changed, on := l.flipAutoStatus(false); mode != "auto" || !changed || on {
		t.Errorf("flip off: %q %v %v", mode, changed, on)
	}
	l.statusAll, l.statusMode = true, "yes"
	if _, changed, on := l.flipAutoStatus(true); changed || !on {
		t.Errorf("yes is not flipped: %v %v", changed, on)
	}
}

// SetShowStatus's override decides which status lines show (252's
// manager_get_show_status_on); notices still follow the configured mode.
func TestStatusOverrideAsSystemd(t *testing.T) {
	var b bytes.Buffer
	l := &journalLog{console: &b, statusAll: true, statusNotice: true, statusMode: "yes", utf8: true}
	if mode, changed := l.overrideStatus("no"); mode != "no" || !changed {
		t.Errorf("override: %q %v", mode, changed)
	}
	l.Status(manager.StatusNormal, "  OK  ", "Started a.service.")
	l.Status(manager.StatusNotice, "FAILED", "Failed to start b.service.")
	if want := "[FAILED] Failed to start b.service.\r\n"; b.String() != want {
		t.Errorf("overridden to no: %q, want %q", b.String(), want)
	}
	if mode, changed := l.overrideStatus(""); mode != "yes" || !changed {
		t.Errorf("restore: %q %v", mode, changed)
	}
	b.Reset()
	l.Status(manager.StatusNormal, "  OK  ", "Started a.service.")
	if b.Len() == 0 {
		t.Error("restored to yes: the line is not shown")
	}

	// Configured off, overridden on.
	b.Reset()
	l.statusAll, l.statusNotice, l.statusMode = false, false, "no"
	l.overrideStatus("yes")
	l.Status(manager.StatusNormal, "  OK  ", "Started a.service.")
	if b.Len() == 0 {
		t.Error("overridden to yes: the line is not shown")
	}
}
