package escape

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
)

func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// onTTY runs run with stdout and stderr on one fresh terminal and returns
// what appeared there and the exit code.
func onTTY(t *testing.T, run func(tty *os.File) int) ([]byte, int) {
	master, slave := openPTY(t)
	defer master.Close()
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(master) // EIO once the slave is closed
		done <- b
	}()
	code := run(slave)
	slave.Close()
	return <-done, code
}

// On a terminal the real tool colours messages, ends them with CRLF and
// links the man page in --help; ours must do the same.
func TestTerminalOutputDifferential(t *testing.T) {
	for _, env := range [][]string{{"TERM=xterm"}, {"TERM=linux"}, nil, {"TERM=xterm", "NO_COLOR=1"}, {"TERM=xterm", "SYSTEMD_URLIFY=0"}} {
		for _, args := range [][]string{
			{"--help"}, {"--suffix=bogus", "x"}, {"-p", "foo//bar"}, {"-p", "rel/ative"}, {"-u", "x\\x2dy"},
			{"-m", "a*b"}, {"--bogus"}, {"-u", "--instance", "foo.service"}, {"hello", "world"},
		} {
			want, wantCode := onTTY(t, func(tty *os.File) int {
				cmd := exec.Command(realTool, args...)
				cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
				cmd.Stdout, cmd.Stderr = tty, tty
				cmd.Run()
				return cmd.ProcessState.ExitCode()
			})
			got, gotCode := onTTY(t, func(tty *os.File) int {
				ourMu.Lock()
				defer ourMu.Unlock()
				for _, v := range []string{"TERM", "NO_COLOR", "SYSTEMD_URLIFY", "SYSTEMD_COLORS", "SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_COLOR", "POSIXLY_CORRECT"} {
					t.Setenv(v, "")
					os.Unsetenv(v)
				}
				for _, kv := range env {
					k, v, _ := strings.Cut(kv, "=")
					os.Setenv(k, v)
				}
				return Main(append([]string{realTool}, args...), cli.Stdio{In: strings.NewReader(""), Out: tty, Err: tty})
			})
			if !bytes.Equal(want, got) || wantCode != gotCode {
				t.Errorf("%q env=%q on a terminal:\n real: %q (exit %d)\n ours: %q (exit %d)", args, env, want, wantCode, got, gotCode)
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
			c := testCase{args: args, env: env}
			if want, got := runReal(t, c), runOurs(c); !same(want, got) {
				t.Errorf("%q env=%q:\n real: %q %q (exit %d)\n ours: %q %q (exit %d)", args, env,
					want.stdout, want.stderr, want.code, got.stdout, got.stderr, got.code)
			}
		}
	}
}
