package logging

import "testing"

// FuzzParseLevel checks that every $SYSTEMD_LOG_LEVEL is either refused
// or a valid level, and that level names map to their numbers.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"err", "debug", "0", "7", "8", " 2", "+2", "-0", "-1", "0x2", "02", "0b10", "0o2", "0x", "ERR", "", "2 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseLevel(s)
		if ok && (n < 0 || n > Debug) {
			t.Fatalf("parseLevel(%q) = %d", s, n)
		}
		for i, name := range levelNames {
			if s == name && (!ok || n != Level(i)) {
				t.Fatalf("parseLevel(%q) = %d, %v", s, n, ok)
			}
		}
	})
}
