// Package oracle is the differential runner: it boots real systemd 252 and our
// build in identical sandboxes (a namespace container, or a QEMU microvm),
// runs a scenario's commands from outside the guest, captures the manager's
// state with real systemd's own clients, normalizes and diffs.
//
// Nothing under impl/ imports oracle; oracle imports nothing under impl/.
//
//	scenario (.txtar) ──► Scenario ──► Sandbox(real) ──► Transcript ─┐
//	                              └──► Sandbox(go)   ──► Transcript ─┴► normalize ► diff ► divergences
package oracle

import (
	"context"
	"time"
)

// Impl names which implementation a sandbox runs.
type Impl string

const (
	// Real is the Debian root filesystem as it is, with systemd 252.
	Real Impl = "real"
	// Go is our install tree overlaid on the same root filesystem.
	Go Impl = "go"
)

// Mode names the kind of sandbox.
type Mode string

const (
	ModeContainer Mode = "container"
	ModeVM        Mode = "vm"
)

// OracleBin is where the image keeps real systemd's own clients, a path our
// install tree never touches; captures use these on both implementations.
const OracleBin = "/usr/libexec/oracle"

// File is a file placed into the guest before boot.
type File struct {
	Path    string // absolute path in the guest
	Data    []byte
	Mode    uint32 // permission bits; 0 means 0644
	Symlink string // if set, Path is created as a symlink to this target
}

// Config describes one sandbox run.
type Config struct {
	Name   string // a short label for logs and cgroup names
	Impl   Impl
	Images *Images
	// GoTree is the install tree overlaid for Impl == Go; it holds only
	// usr/... paths.
	GoTree string
	// Files are placed into the guest's root before boot.
	Files []File
	// KernelArgs are extra arguments on systemd's command line
	// (container) or the kernel command line (vm).
	KernelArgs []string
	// PID1Env are NAME=VALUE pairs added to the environment PID 1 starts
	// with (container mode only; no whitespace or glob characters), for
	// debugging switches such as our PID 1's profiler.
	PID1Env []string
	// WorkDir holds the run's scratch state; the sandbox removes what it
	// creates there on Close.
	WorkDir string
	// BootTimeout bounds the wait for the boot to settle (liveness, not
	// speed).
	BootTimeout time.Duration
}

// ExecResult is what one command in the guest did.
type ExecResult struct {
	Stdout, Stderr []byte
	// Exit is the exit status, 128+signal when killed by a signal, or -1
	// when the command could not be run or timed out.
	Exit     int
	TimedOut bool
}

// BootResult is how boot ended.
type BootResult struct {
	// Settled is true when `systemctl is-system-running --wait` returned
	// before the timeout.
	Settled bool
	// State is what is-system-running printed (running, degraded, ...).
	State string
	// Took is the wall time from start to settled.
	Took time.Duration
	// Running is the wall time from start until `systemctl
	// is-system-running --wait` answered (Took also waits for the job
	// queue to drain).
	Running time.Duration
}

// Sandbox is one booted guest. Every method is bounded by its context; a
// broken guest never hangs the runner.
type Sandbox interface {
	// Boot starts the guest and waits until boot has settled.
	Boot(ctx context.Context) (BootResult, error)
	// Exec runs argv in the guest with stdin, as root, with a clean
	// environment.
	Exec(ctx context.Context, argv []string, stdin []byte) ExecResult
	// Poweroff asks the guest to power off and waits until it is gone;
	// it reports whether shutdown completed cleanly.
	Poweroff(ctx context.Context) (clean bool, err error)
	// Console returns what the guest printed on its console so far.
	Console() []byte
	// Close kills whatever is left and removes everything the sandbox
	// created: processes, mounts, cgroups, temporary files, QEMU.
	Close() error
}

// NewSandbox makes a sandbox of the given mode.
func NewSandbox(mode Mode, cfg Config) (Sandbox, error) {
	var sb Sandbox
	var err error
	switch mode {
	case ModeContainer:
		sb, err = newContainer(cfg)
	case ModeVM:
		sb, err = newVM(cfg)
	default:
		return nil, &UsageError{Msg: "unknown mode " + string(mode) + " (want container or vm)"}
	}
	if err != nil {
		return nil, err
	}
	return track(sb), nil
}

// UsageError is a mistake in how the runner was called.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Ended waits for a container guest to end by itself (its PID 1 was
// told to exit, or to shut down, by a command) and tells how: "exit
// status N", or "signal: NAME" as a poweroff ends it.
func Ended(ctx context.Context, sb Sandbox) (string, error) {
	if t, ok := sb.(tracked); ok {
		sb = t.Sandbox
	}
	c, ok := sb.(*container)
	if !ok {
		return "", &UsageError{Msg: "Ended needs a container guest"}
	}
	return c.ended(ctx)
}
