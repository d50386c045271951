package exec

import "testing"

// exec_context_may_touch_console: only settings that use a terminal, and
// /dev/console (TTYPath= unset) always may be the console.
func TestMayTouchConsole(t *testing.T) {
	for _, c := range []struct {
		reset                 bool
		stdin, stdout, stderr string
		ttyPath               string
		want                  bool
	}{
		{false, "null", "journal", "inherit", "", false},
		{false, "null", "journal", "inherit", "/dev/console", false},
		{true, "null", "journal", "inherit", "", true},
		{false, "tty", "inherit", "inherit", "", true},
		{false, "tty-force", "inherit", "inherit", "/dev/console", true},
		{false, "null", "journal+console", "inherit", "", true},
		{false, "null", "inherit", "kmsg+console", "console", true},
	} {
		if got := MayTouchConsole(c.reset, false, false, c.stdin, c.stdout, c.stderr, c.ttyPath); got != c.want {
			t.Errorf("%+v: %v, want %v", c, got, c.want)
		}
	}
}
