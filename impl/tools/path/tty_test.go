package path

import (
	"os"
	"strings"
	"testing"

	"gosystemd/impl/tooltest"
)

// TestTerminalOutputDifferential runs both tools with stdout and stderr
// on a terminal, where colors, hyperlinks, line-buffered output (paths
// and errors interleave) and CRLF line ends in log messages are on by
// default.
func TestTerminalOutputDifferential(t *testing.T) {
	both.RequireReal(t)
	cases := 0
	for _, env := range [][]string{{"TERM=xterm"}, {"TERM=linux"}, nil, {"TERM=xterm", "NO_COLOR=1"}, {"TERM=xterm", "SYSTEMD_URLIFY=0"}} {
		for _, args := range [][]string{
			{"--help"}, {"user", "bogus", "temporary"}, {"bogus"}, {"-x"}, {}, {"user-runtime", "user"},
		} {
			env := append([]string{"HOME=/root"}, env...)
			want := tooltest.OnTTY(t, func(tty *os.File) int { return both.RunRealOn(t, tty, args, env) })
			got := tooltest.OnTTY(t, func(tty *os.File) int { return both.RunOursOn(tty, args, env) })
			cases++
			if !want.Equal(got) {
				t.Errorf("%q env=%q on a terminal:\n real: %v\n ours: %v", args, env, want, got)
			}
		}
	}
	t.Logf("%d cases", cases)
}

// TestMergedOutputDifferential checks where messages land between blocks
// of buffered output when stdout and stderr share a pipe.
func TestMergedOutputDifferential(t *testing.T) {
	all := names(t)
	long := "--suffix=" + strings.Repeat("s", 150)
	for _, args := range [][]string{
		append(append(append([]string{long}, all[:30]...), "bogus"), append(all[30:], "bogus", "user-runtime")...),
		{"user", "bogus", "temporary"}, {long}, {},
	} {
		env := []string{"HOME=/root", "SYSTEMD_LOG_LEVEL=debug"}
		want := tooltest.OnPipe(t, func(w *os.File) int { return both.RunRealOn(t, w, args, env) })
		got := tooltest.OnPipe(t, func(w *os.File) int { return both.RunOursOn(w, args, env) })
		if !want.Equal(got) {
			t.Errorf("%q with stdout and stderr on one pipe:\n real: %v\n ours: %v", args, want, got)
		}
	}
}
