package oracle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The container sandbox (shared/ORACLE-NOTES.md, "Container mode"):
//
//	runner ── clone into cgroup RUN/guest ──► unshare --pid --mount ... ──► sh (container init)
//	                                            overlay(GoTree? : rootfs, upper=WORK/upper)
//	                                            proc, sysfs ro, cgroup2, tmpfs /dev /run, pty console
//	                                            pivot_root ──► exec setpriv ... systemd (PID 1)
//	runner ── clone into cgroup RUN/exec ──► nsenter -t PID -a CMD   (commands and captures)
//
// Everything lives in the container's own mount namespace and the run's
// cgroup, so killing the cgroup and removing WORK leaves nothing behind.

// containerInit is the script that becomes PID 1 of the new namespaces, sets
// up the guest's root and execs systemd. Arguments come in the environment.
const containerInit = `set -eu
R=$GOSD_WORK/root
mount -t overlay overlay -o "lowerdir=$GOSD_LOWER,upperdir=$GOSD_WORK/upper,workdir=$GOSD_WORK/ovwork" "$R"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount --bind "$R/proc/sys" "$R/proc/sys"
mount -o remount,bind,ro "$R/proc/sys"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
mount -t tmpfs -o mode=755,nosuid,size=65536k tmpfs "$R/dev"
for d in null zero full random urandom tty; do
  touch "$R/dev/$d"
  mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
mount -t tmpfs -o mode=755,nosuid,nodev,size=262144k tmpfs "$R/run"
touch "$R/dev/console"
mount --bind "$GOSD_CONSOLE" "$R/dev/console"
cd "$R"
mkdir -p .oldroot
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot
exec setpriv --bounding-set -sys_module,-sys_time,-sys_rawio,-syslog,-wake_alarm \
  env -i container=gosd-oracle TERM=vt220 $GOSD_PID1_ENV /lib/systemd/systemd "$@" </dev/console >/dev/console 2>&1
`

// GuestPath is the PATH commands in the guest run with.
const GuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

type container struct {
	cfg     Config
	run     *runDir
	cmd     *exec.Cmd
	ptm     *os.File
	console *boundedBuffer
	exited  chan struct{}
	waitErr error
	hostPID int
	closed  bool
	mu      sync.Mutex
}

func newContainer(cfg Config) (*container, error) {
	if cfg.Images == nil || cfg.Images.Rootfs == "" {
		return nil, errors.New("container: no root filesystem image")
	}
	if cfg.Impl == Go && cfg.GoTree == "" {
		return nil, errors.New("container: impl go needs an install tree")
	}
	if cfg.BootTimeout == 0 {
		cfg.BootTimeout = 60 * time.Second
	}
	for _, e := range cfg.PID1Env {
		name, _, ok := strings.Cut(e, "=")
		if !ok || name == "" || strings.ContainsAny(e, " \t\n*?[") {
			return nil, fmt.Errorf("container: PID1Env entry %q is not NAME=VALUE without whitespace or glob characters", e)
		}
	}
	return &container{cfg: cfg, console: newBoundedBuffer(4 << 20)}, nil
}

func (c *container) Boot(ctx context.Context) (BootResult, error) {
	start := time.Now()
	run, err := newRunDir(c.cfg.WorkDir, c.cfg.Name)
	if err != nil {
		return BootResult{}, err
	}
	c.run = run
	for _, d := range []string{"root", "upper", "ovwork"} {
		if err := os.MkdirAll(filepath.Join(run.work, d), 0o755); err != nil {
			return BootResult{}, err
		}
	}
	upper := filepath.Join(run.work, "upper")
	// Resolve through the image's symlinks: a placed /lib/... must land in
	// usr/lib, or a real lib/ in the upper layer hides the merged-/usr link.
	files, err := resolveFilePaths(c.cfg.Images.Rootfs, c.cfg.Files)
	if err != nil {
		return BootResult{}, fmt.Errorf("placing scenario files: %w", err)
	}
	if err := placeFiles(upper, files); err != nil {
		return BootResult{}, fmt.Errorf("placing scenario files: %w", err)
	}
	lower := c.cfg.Images.Rootfs
	if c.cfg.Impl == Go {
		if err := checkInstallTree(c.cfg.GoTree); err != nil {
			return BootResult{}, err
		}
		lower = c.cfg.GoTree + ":" + lower
	}

	ptm, pts, err := openPty()
	if err != nil {
		return BootResult{}, err
	}
	c.ptm = ptm
	go c.console.drain(ptm)

	script := filepath.Join(run.work, "init.sh")
	if err := os.WriteFile(script, []byte(containerInit), 0o755); err != nil {
		pts.Close()
		return BootResult{}, err
	}
	args := []string{"--pid", "--fork", "--mount", "--uts", "--ipc", "--net", "--cgroup",
		"--propagation", "private", "--kill-child=SIGKILL", "--", "/bin/sh", script, "sh"}
	args = append(args, c.cfg.KernelArgs...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = []string{"PATH=" + GuestPath, "GOSD_WORK=" + run.work, "GOSD_LOWER=" + lower,
		"GOSD_CONSOLE=" + pts.Name(), "GOSD_PID1_ENV=" + strings.Join(c.cfg.PID1Env, " ")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = run.startIn("guest", cmd)
	pts.Close()
	if err != nil {
		return BootResult{}, fmt.Errorf("starting container: %w", err)
	}
	c.cmd = cmd
	c.exited = make(chan struct{})
	go func() { c.waitErr = cmd.Wait(); close(c.exited) }()

	// The guest's PID 1 is unshare's only child.
	deadline := time.Now().Add(c.cfg.BootTimeout)
	for c.hostPID == 0 {
		if pid := childOf(cmd.Process.Pid); pid > 0 && isSystemd(pid) {
			c.hostPID = pid
			break
		}
		select {
		case <-c.exited:
			return BootResult{}, fmt.Errorf("container exited during setup: %v\n%s", c.waitErr, c.console.Bytes())
		case <-ctx.Done():
			return BootResult{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return BootResult{}, fmt.Errorf("container did not exec systemd within %v", c.cfg.BootTimeout)
		}
	}
	return waitSettled(ctx, c, start, deadline)
}

// waitSettled polls `systemctl is-system-running --wait` (real systemd's
// client) until it answers or the deadline passes. is-system-running
// answers as soon as the manager leaves the starting state — for a rescue
// or emergency boot that is while jobs still run — so it then also waits,
// for at most jobsSettleMax, until no job is queued.
func waitSettled(ctx context.Context, s Sandbox, start, deadline time.Time) (BootResult, error) {
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return BootResult{Took: time.Since(start)}, nil
		}
		cctx, cancel := context.WithTimeout(ctx, left)
		r := s.Exec(cctx, []string{OracleBin + "/systemctl", "is-system-running", "--wait"}, nil)
		cancel()
		state := strings.TrimSpace(string(r.Stdout))
		if !r.TimedOut && state != "" && state != "offline" && state != "unknown" {
			running := time.Since(start)
			jobsDeadline := time.Now().Add(jobsSettleMax)
			if deadline.Before(jobsDeadline) {
				jobsDeadline = deadline
			}
			waitNoJobs(ctx, s, jobsDeadline)
			return BootResult{Settled: true, State: state, Took: time.Since(start), Running: running}, nil
		}
		if ctx.Err() != nil {
			return BootResult{}, ctx.Err()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// jobsSettleMax bounds the wait for the job queue to drain after boot.
const jobsSettleMax = 15 * time.Second

func waitNoJobs(ctx context.Context, s Sandbox, deadline time.Time) {
	for time.Now().Before(deadline) && ctx.Err() == nil {
		cctx, cancel := context.WithDeadline(ctx, deadline)
		r := s.Exec(cctx, []string{OracleBin + "/systemctl", "show", "-p", "NJobs", "--value"}, nil)
		cancel()
		if strings.TrimSpace(string(r.Stdout)) == "0" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *container) Exec(ctx context.Context, argv []string, stdin []byte) ExecResult {
	if c.hostPID == 0 {
		return ExecResult{Exit: -1, Stderr: []byte("guest is not running\n")}
	}
	args := []string{"-t", strconv.Itoa(c.hostPID), "-a", "--", "env", "-i", "PATH=" + GuestPath,
		"HOME=/root", "LANG=C.UTF-8", "TERM=dumb", "USER=root", "LOGNAME=root"}
	args = append(args, argv...)
	cmd := exec.Command("nsenter", args...)
	return runBounded(ctx, cmd, stdin, c.run, "exec")
}

// nsenter's parent stays outside the guest's PID namespace and, when the
// command it forked stops, stops itself too (job control's way), waiting
// for a SIGCONT from outside. PID 1 stops every process while it signals
// them all (switch-root, shutdown) and continues them after, which never
// reaches nsenter: continueStoppedNsenter does, and nsenter then
// continues its child.
func continueStoppedNsenter(pid int, done <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	stat := "/proc/" + strconv.Itoa(pid) + "/stat"
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		b, err := os.ReadFile(stat)
		if err != nil {
			return
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'T' {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
}

// runBounded runs cmd in the run's cgroup sub, kills its whole cgroup when
// ctx ends, and collects its output.
func runBounded(ctx context.Context, cmd *exec.Cmd, stdin []byte, run *runDir, sub string) ExecResult {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err := run.startIn(sub, cmd)
	if err != nil {
		return ExecResult{Exit: -1, Stderr: []byte(err.Error() + "\n")}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go continueStoppedNsenter(cmd.Process.Pid, stopWatch)
	var timedOut bool
	select {
	case err = <-done:
	case <-ctx.Done():
		timedOut = true
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err = <-done
	}
	r := ExecResult{Stdout: out.Bytes(), Stderr: errb.Bytes(), TimedOut: timedOut}
	r.Exit = exitCode(cmd, err)
	if timedOut {
		r.Exit = -1
	}
	return r
}

func exitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState == nil {
		return -1
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

func (c *container) Poweroff(ctx context.Context) (bool, error) {
	if c.cmd == nil {
		return false, errors.New("guest was never started")
	}
	select {
	case <-c.exited:
		return false, fmt.Errorf("guest had already exited: %v", c.waitErr)
	default:
	}
	r := c.Exec(ctx, []string{OracleBin + "/systemctl", "poweroff", "--no-block"}, nil)
	wait := ctx
	if r.Exit != 0 {
		// systemctl asks logind, which asks PID 1; the shutdown that
		// starts can stop dbus-daemon before logind's answer gets
		// through, and PID 1 can be gone before systemctl's own try.
		// What counts is that the guest powers off.
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	select {
	case <-c.exited:
	case <-wait.Done():
		if r.Exit != 0 {
			return false, fmt.Errorf("systemctl poweroff: exit %d: %s", r.Exit, r.Stderr)
		}
		return false, fmt.Errorf("guest did not power off: %w", ctx.Err())
	}
	// systemd-shutdown ends a container's PID 1 with reboot(POWER_OFF),
	// which the kernel turns into SIGINT for the namespace's init; unshare
	// passes that on.
	ws, _ := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() && ws.Signal() == syscall.SIGINT || ws.Exited() && ws.ExitStatus() == 0 {
		return true, nil
	}
	return false, fmt.Errorf("guest ended with %v", c.cmd.ProcessState)
}

func (c *container) Console() []byte { return c.console.Bytes() }

func (c *container) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	if c.run != nil {
		errs = append(errs, c.run.killAll())
	}
	if c.exited != nil {
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			errs = append(errs, errors.New("container launcher did not exit after kill"))
		}
	}
	if c.ptm != nil {
		c.ptm.Close()
	}
	if c.run != nil {
		errs = append(errs, c.run.remove())
	}
	return errors.Join(errs...)
}

// childOf returns the first child of pid, or 0.
func childOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// isSystemd reports whether pid has exec'd the guest's manager (rather than
// still running the init script).
func isSystemd(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	arg0, _, _ := bytes.Cut(b, []byte{0})
	return string(arg0) == "/lib/systemd/systemd"
}

// PlacedFileTime is the modification time of every file placed into a
// guest, so that output showing it (diff -u headers, ls -l) is the same on
// every run.
var PlacedFileTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// placeFiles writes files into root (a directory standing for the guest's /).
func placeFiles(root string, files []File) error {
	for _, f := range files {
		if !filepath.IsAbs(f.Path) {
			return fmt.Errorf("%s: guest path must be absolute", f.Path)
		}
		p := filepath.Join(root, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		os.Remove(p)
		if f.Symlink != "" {
			if err := os.Symlink(f.Symlink, p); err != nil {
				return err
			}
			ts := []unix.Timespec{unix.NsecToTimespec(PlacedFileTime.UnixNano()), unix.NsecToTimespec(PlacedFileTime.UnixNano())}
			if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return err
			}
			continue
		}
		mode := os.FileMode(f.Mode)
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			return err
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		if err := os.Chtimes(p, PlacedFileTime, PlacedFileTime); err != nil {
			return err
		}
	}
	return nil
}

// checkInstallTree refuses a tree that would hide the merged-/usr symlinks.
func checkInstallTree(tree string) error {
	ents, err := os.ReadDir(tree)
	if err != nil {
		return fmt.Errorf("install tree: %w", err)
	}
	for _, e := range ents {
		if e.Name() != "usr" && e.Name() != "etc" {
			return fmt.Errorf("install tree %s has top-level %q: only usr/ (and etc/) may be overlaid on merged-/usr Debian", tree, e.Name())
		}
	}
	return nil
}

func openPty() (ptm, pts *os.File, err error) {
	ptm, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		ptm.Close()
		return nil, nil, fmt.Errorf("pty: %w", err)
	}
	pts, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		return nil, nil, fmt.Errorf("opening pty: %w", err)
	}
	return ptm, pts, nil
}

// boundedBuffer keeps the first max bytes written and counts the rest.
type boundedBuffer struct {
	mu      sync.Mutex
	buf     []byte
	max     int
	dropped int
}

func newBoundedBuffer(max int) *boundedBuffer { return &boundedBuffer{max: max} }

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - len(b.buf)
	if room > len(p) {
		room = len(p)
	}
	if room > 0 {
		b.buf = append(b.buf, p[:room]...)
	}
	b.dropped += len(p) - room
	return len(p), nil
}

func (b *boundedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := append([]byte(nil), b.buf...)
	if b.dropped > 0 {
		out = append(out, fmt.Sprintf("\n[%d more bytes not kept]\n", b.dropped)...)
	}
	return out
}

// drain copies from r until it fails (the pty closes when the guest ends).
func (b *boundedBuffer) drain(r *os.File) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			b.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// ended waits for the guest to end by itself and tells how its PID 1
// ended (through the launcher, which passes its status on).
func (c *container) ended(ctx context.Context) (string, error) {
	if c.cmd == nil {
		return "", errors.New("guest was never started")
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
		return "", fmt.Errorf("guest did not end: %w", ctx.Err())
	}
	return c.cmd.ProcessState.String(), nil
}
