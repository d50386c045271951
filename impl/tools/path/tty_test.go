package path

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
// on a terminal, where colors, hyperlinks, line-buffered output (paths
// and errors interleave) and CRLF line ends in log messages are on by
// default.
func TestTerminalOutputDifferential(t *testing.T) {
	if _, err := os.Stat(realTool); err != nil {
		t.Fatalf("the real systemd-path is needed as the specification: %v", err)
	}
	cases := 0
	for _, env := range [][]string{{"TERM=xterm"}, {"TERM=linux"}, nil, {"TERM=xterm", "NO_COLOR=1"}, {"TERM=xterm", "SYSTEMD_URLIFY=0"}} {
		for _, args := range [][]string{
			{"--help"}, {"user", "bogus", "temporary"}, {"bogus"}, {"-x"}, {}, {"user-runtime", "user"},
		} {
			want := onTTY(t, func(tty *os.File) int {
				cmd := exec.Command(realTool, args...)
				cmd.Env = append([]string{"HOME=/root"}, env...)
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
				for _, kv := range append([]string{"HOME=/root"}, env...) {
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

// onPipe runs run with stdout and stderr on one pipe, as `2>&1 | cat`.
func onPipe(t *testing.T, run func(w *os.File) int) result {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	code := run(w)
	w.Close()
	return result{stdout: <-done, code: code}
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
		want := onPipe(t, func(w *os.File) int {
			cmd := exec.Command(realTool, args...)
			cmd.Env = env
			cmd.Stdout, cmd.Stderr = w, w
			cmd.Run()
			return cmd.ProcessState.ExitCode()
		})
		got := onPipe(t, func(w *os.File) int {
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
			return Main(append([]string{realTool}, args...), cli.Stdio{In: strings.NewReader(""), Out: w, Err: w})
		})
		if !bytes.Equal(want.stdout, got.stdout) || want.code != got.code {
			t.Errorf("%q with stdout and stderr on one pipe:\n real: %v\n ours: %v", args, want, got)
		}
	}
}
