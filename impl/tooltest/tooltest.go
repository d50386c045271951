// Package tooltest is the plumbing of the tools' differential tests: it
// runs the host's real systemd tool and our Main on the same command line
// and environment, on buffers, on a pseudo-terminal or on a shared pipe,
// and compares what they print and their exit codes.
//
// Only tests import tooltest; it imports only impl/cli of ours.
package tooltest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
)

// Result is what one run printed and its exit code.
type Result struct {
	Stdout, Stderr []byte
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("out=%q err=%q code=%d", r.Stdout, r.Stderr, r.Code)
}

// Equal reports whether both runs printed the same and exited alike.
func (r Result) Equal(o Result) bool {
	return bytes.Equal(r.Stdout, o.Stdout) && bytes.Equal(r.Stderr, o.Stderr) && r.Code == o.Code
}

// Case is one command line to run on both sides: Group names it in
// messages, Args come without argv[0], Env is NAME=value pairs. It is an
// unnamed struct type, so that tests may list cases positionally.
type Case = struct {
	Group string
	Args  []string
	Env   []string
}

// Tool is a tool under test and the real one it replaces.
type Tool struct {
	// Real is the real tool's path; our Main gets it as argv[0] too.
	Real string
	Main cli.Main
	// Vars are the variables either side reads: our runs see exactly
	// the ones a case sets.
	Vars []string
	// BaseEnv comes before a case's variables in the real tool's
	// environment, which holds nothing else.
	BaseEnv []string
	// MaxReports is how many differing cases Compare reports (20 if 0).
	MaxReports int
}

// RequireReal fails the test when the real tool is missing.
func (tl *Tool) RequireReal(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(tl.Real); err != nil {
		t.Fatalf("the real %s is needed as the specification: %v", tl.Real, err)
	}
}

// RunReal runs the real tool on buffers. A failure to run it is reported
// (safely from any goroutine) and gives exit code -1.
func (tl *Tool) RunReal(t testing.TB, args, env []string) Result {
	var out, errb bytes.Buffer
	code := tl.runReal(t, args, append(append([]string{}, tl.BaseEnv...), env...), &out, &errb)
	return Result{out.Bytes(), errb.Bytes(), code}
}

// RunRealOn runs the real tool with stdout and stderr on f and exactly
// env as its environment, and returns its exit code.
func (tl *Tool) RunRealOn(t testing.TB, f *os.File, args, env []string) int {
	return tl.runReal(t, args, append([]string{}, env...), f, f)
}

func (tl *Tool) runReal(t testing.TB, args, env []string, stdout, stderr io.Writer) int {
	cmd := exec.Command(tl.Real, args...)
	cmd.Env = env // never nil: nil would pass on our own environment
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	case err != nil:
		t.Errorf("running %s: %v", tl.Real, err)
		return -1
	}
	return 0
}

// ourMu serialises our in-process runs, which read the process
// environment.
var ourMu sync.Mutex

// RunOurs runs our Main in process on buffers, with empty standard input.
func (tl *Tool) RunOurs(args, env []string) Result {
	var out, errb bytes.Buffer
	code := tl.runOurs(args, env, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return Result{out.Bytes(), errb.Bytes(), code}
}

// RunOursOn runs our Main in process with stdout and stderr on f, and
// returns its exit code.
func (tl *Tool) RunOursOn(f *os.File, args, env []string) int {
	return tl.runOurs(args, env, cli.Stdio{In: strings.NewReader(""), Out: f, Err: f})
}

// runOurs sets exactly env among Vars for the run and restores them
// afterwards.
func (tl *Tool) runOurs(args, env []string, stdio cli.Stdio) int {
	ourMu.Lock()
	defer ourMu.Unlock()
	saved := map[string]*string{}
	for _, v := range tl.Vars {
		if old, ok := os.LookupEnv(v); ok {
			saved[v] = &old
		} else {
			saved[v] = nil
		}
		os.Unsetenv(v)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	defer func() {
		for k, v := range saved {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}()
	return tl.Main(append([]string{tl.Real}, args...), stdio)
}

// Compare runs every case on both sides, four at a time, and reports the
// differences; normalize, if set, is applied to both results first.
func (tl *Tool) Compare(t *testing.T, cs []Case, normalize func(Result) Result) {
	t.Helper()
	tl.RequireReal(t)
	maxReports := tl.MaxReports
	if maxReports == 0 {
		maxReports = 20
	}
	var mu sync.Mutex
	failures := 0
	work := make(chan Case)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				want, got := tl.RunReal(t, c.Args, c.Env), tl.RunOurs(c.Args, c.Env)
				if normalize != nil {
					want, got = normalize(want), normalize(got)
				}
				if want.Equal(got) {
					continue
				}
				mu.Lock()
				failures++
				if failures <= maxReports {
					t.Errorf("%s %q env=%q:\n real: %v\n ours: %v", c.Group, c.Args, c.Env, want, got)
				}
				mu.Unlock()
			}
		}()
	}
	for _, c := range cs {
		work <- c
	}
	close(work)
	wg.Wait()
	t.Logf("%d cases, %d differ", len(cs), failures)
}

// OpenPTY returns a fresh pseudo-terminal's master and slave ends.
func OpenPTY(t testing.TB) (master, slave *os.File) {
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

// OnTTY runs run with stdout and stderr on one fresh terminal; the
// result's Stdout is what appeared there.
func OnTTY(t testing.TB, run func(tty *os.File) int) Result {
	master, slave := OpenPTY(t)
	defer master.Close()
	return collect(master, slave, run)
}

// OnPipe runs run with stdout and stderr on one pipe, as `2>&1 | cat`;
// the result's Stdout is what came through.
func OnPipe(t testing.TB, run func(w *os.File) int) Result {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return collect(r, w, run)
}

// collect reads r while run writes to w, until w is closed (a terminal's
// master then reads EIO, a pipe EOF).
func collect(r, w *os.File, run func(*os.File) int) Result {
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	code := run(w)
	w.Close()
	return Result{Stdout: <-done, Code: code}
}
