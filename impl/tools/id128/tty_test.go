package id128

import (
	"os"
	"testing"

	"gosystemd/impl/tooltest"
)

// TestTerminalOutputDifferential runs both tools with stdout and stderr
// on a terminal, where colors, hyperlinks, line-buffered output and CRLF
// line ends in log messages are on by default.
func TestTerminalOutputDifferential(t *testing.T) {
	both.RequireReal(t)
	cases := 0
	for _, env := range [][]string{{"TERM=xterm"}, {"TERM=linux"}, nil, {"TERM=xterm", "NO_COLOR=1"}, {"TERM=xterm", "SYSTEMD_URLIFY=0"}} {
		for _, args := range [][]string{
			{"--help"}, {"show", "root", "esp"}, {"show", "-u"}, {"show", "-p", "root", "home"}, {"bogus"},
			{"show", "root", "bogus"}, {"-p", "machine-id"}, {"machine-id", "-u"}, {"-x"}, {"-a", "x", "machine-id"},
		} {
			want := tooltest.OnTTY(t, func(tty *os.File) int {
				return both.RunRealOn(t, tty, args, append([]string{"PATH=/usr/bin:/bin"}, env...))
			})
			got := tooltest.OnTTY(t, func(tty *os.File) int { return both.RunOursOn(tty, args, env) })
			cases++
			if !want.Equal(got) {
				t.Errorf("%q env=%q on a terminal:\n real: %v\n ours: %v", args, env, want, got)
			}
		}
	}
	t.Logf("%d cases", cases)
}
