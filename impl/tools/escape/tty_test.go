package escape

import (
	"os"
	"testing"

	"gosystemd/impl/tooltest"
)

// On a terminal the real tool colours messages, ends them with CRLF and
// links the man page in --help; ours must do the same.
func TestTerminalOutputDifferential(t *testing.T) {
	for _, env := range [][]string{{"TERM=xterm"}, {"TERM=linux"}, nil, {"TERM=xterm", "NO_COLOR=1"}, {"TERM=xterm", "SYSTEMD_URLIFY=0"}} {
		for _, args := range [][]string{
			{"--help"}, {"--suffix=bogus", "x"}, {"-p", "foo//bar"}, {"-p", "rel/ative"}, {"-u", "x\\x2dy"},
			{"-m", "a*b"}, {"--bogus"}, {"-u", "--instance", "foo.service"}, {"hello", "world"},
		} {
			want := tooltest.OnTTY(t, func(tty *os.File) int {
				return both.RunRealOn(t, tty, args, append([]string{"PATH=/usr/bin:/bin"}, env...))
			})
			got := tooltest.OnTTY(t, func(tty *os.File) int { return both.RunOursOn(tty, args, env) })
			if !want.Equal(got) {
				t.Errorf("%q env=%q on a terminal:\n real: %q (exit %d)\n ours: %q (exit %d)", args, env, want.Stdout, want.Code, got.Stdout, got.Code)
			}
		}
	}
}

// The logging variables every systemd tool honours change what errors and
// warnings look like on stderr.
func TestLogEnvironmentDifferential(t *testing.T) {
	for _, env := range [][]string{
		{"SYSTEMD_LOG_LOCATION=1"}, {"SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_LOCATION=1"},
		{"SYSTEMD_LOG_COLOR=1"}, {"SYSTEMD_LOG_LEVEL=0x3"}, {"SYSTEMD_LOG_TARGET=console"},
		{"SYSTEMD_LOG_LEVEL=warning"}, {"SYSTEMD_LOG_LEVEL=err"},
	} {
		for _, args := range [][]string{
			{"--suffix=bogus", "x"}, {"-p", "foo//bar"}, {"-p", "rel/ative"}, {"-m", "a*b"},
			{"-m", "a/b"}, {"-u", "--instance", "foo.service"}, {"--template=foo@.service", "-u", "bar@x.service"},
		} {
			c := tooltest.Case{Args: args, Env: env}
			if want, got := both.RunReal(t, c.Args, c.Env), both.RunOurs(c.Args, c.Env); !want.Equal(got) {
				t.Errorf("%q env=%q:\n real: %q %q (exit %d)\n ours: %q %q (exit %d)", args, env,
					want.Stdout, want.Stderr, want.Code, got.Stdout, got.Stderr, got.Code)
			}
		}
	}
}
