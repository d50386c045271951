package id128

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

// openPTY returns a pseudo-terminal's master and slave ends.
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
// what appeared on it.
func onTTY(t *testing.T, run func(tty *os.File) int) result {
	master, slave := openPTY(t)
	defer master.Close()
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(master) // ends with EIO once the slave is closed
		done <- b
	}()
	code := run(slave)
	slave.Close()
	return result{stdout: <-done, code: code}
}

// TestTerminalOutputDifferential runs both tools with stdout and stderr
// on a terminal, where colors, hyperlinks, line-buffered output and CRLF
// line ends in log messages are on by default.
func TestTerminalOutputDifferential(t *testing.T) {
	requireRealTool(t)
	cases := 0
	for _, env := range [][]string{{"TERM=xterm"}, {"TERM=linux"}, nil, {"TERM=xterm", "NO_COLOR=1"}, {"TERM=xterm", "SYSTEMD_URLIFY=0"}} {
		for _, args := range [][]string{
			{"--help"}, {"show", "root", "esp"}, {"show", "-u"}, {"show", "-p", "root", "home"}, {"bogus"},
			{"show", "root", "bogus"}, {"-p", "machine-id"}, {"machine-id", "-u"}, {"-x"}, {"-a", "x", "machine-id"},
		} {
			want := onTTY(t, func(tty *os.File) int {
				cmd := exec.Command(realTool, args...)
				cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
				cmd.Stdout, cmd.Stderr = tty, tty
				cmd.Run()
				return cmd.ProcessState.ExitCode()
			})
			got := onTTY(t, func(tty *os.File) int {
				ourMu.Lock()
				defer ourMu.Unlock()
				for _, v := range envVars {
					t.Setenv(v, "")
					os.Unsetenv(v)
				}
				for _, kv := range env {
					k, v, _ := strings.Cut(kv, "=")
					os.Setenv(k, v)
				}
				return Main(append([]string{realTool}, args...), cli.Stdio{In: strings.NewReader(""), Out: tty, Err: tty})
			})
			cases++
			if !bytes.Equal(want.stdout, got.stdout) || want.code != got.code {
				t.Errorf("%q env=%q on a terminal:\n real: %v\n ours: %v", args, env, want, got)
			}
		}
	}
	t.Logf("%d cases", cases)
}
