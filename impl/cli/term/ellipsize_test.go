package term

import "testing"

func TestEllipsize(t *testing.T) {
	const hl, normal = "\x1b[0;1;39m", "\x1b[0m"
	for _, c := range []struct {
		s       string
		columns int
		utf8    bool
		want    string
	}{
		// Status lines of systemd 252's console in the oracle's container
		// (80 columns less the status column): escape sequences count.
		{"Created slice " + hl + "system-modprobe.slice" + normal + " - Slice /system/modprobe.", 70, true,
			"Created slice " + hl + "system-modpr…lice" + normal + " - Slice /system/modprobe."},
		{"Started " + hl + "systemd-ask-password-console.path" + normal + " - Dispatch Password Requests to Console Directory Watch.", 70, true,
			"Started " + hl + "systemd-ask-passwo…quests to Console Directory Watch."},
		{"Created slice " + hl + "system-getty.slice" + normal + " - Slice /system/getty.", 70, true,
			"Created slice " + hl + "system-getty.slice" + normal + " - Slice /system/getty."},
		{"abcdefghij", 7, false, "ab...ij"},
		{"abcdefghij", 1, false, "."},
		{"abcdefghij", 2, false, ".."},
		{"abcdefghij", 1, true, "…"},
		{"abcdefghij", 0, true, ""},
		{"日本語テキスト", 6, true, "日…ト"},
		{"日本語テキスト", 14, true, "日本語テキスト"},
		{"Grüße aus Köln und Umgebung", 10, true, "Grüß…ebung"},
		{"bad \xff utf-8 and more text", 5, true, "bad \xff utf-8 and more text"},
	} {
		if got := Ellipsize(c.s, c.columns, 50, c.utf8); got != c.want {
			t.Errorf("Ellipsize(%q, %d, utf8 %v) = %q, want %q", c.s, c.columns, c.utf8, got, c.want)
		}
	}
}

func TestCellWidth(t *testing.T) {
	for r, want := range map[rune]int{'a': 1, 'ü': 1, '日': 2, 'ｱ': 1, '！': 2, 0x1F600: 1, 0x1F300: 2, 0x20000: 2} {
		if got := cellWidth(r); got != want {
			t.Errorf("cellWidth(%U) = %d, want %d", r, got, want)
		}
	}
}
