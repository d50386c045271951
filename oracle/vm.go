package oracle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gosystemd/oracle/agent"
)

// The VM sandbox (shared/ORACLE-NOTES.md, "VM mode"):
//
//	runner ── builds WORK/overlay.img (ext4: tree/ = GoTree, files/ = cfg.Files)
//	runner ── clone into cgroup RUN/guest ──► qemu-system-x86_64 -M microvm (TCG, -snapshot)
//	            vda = rootfs disk, vdb = overlay.img, ttyS0 ──► console buffer
//	            virtio-serial port "oracle" ◄──► WORK/agent.sock
//	guest initramfs (vmimages/initramfs/init): overlay files:tree:rootfs + tmpfs upper,
//	            starts oracle-agent chrooted into the new root, switch_root ──► systemd
//	runner ── JSON lines over agent.sock ──► oracle-agent runs commands in the guest
//
// QEMU and everything it spawns live in the run's cgroup; killing the cgroup
// and removing WORK leaves nothing behind.

// The guest's hardware. Two CPUs: a boot alone settles in about 18 s on an
// idle 2-core host against 30 s with one; but TCG has no remedy for a vCPU
// spinning on a lock held by a vCPU the host has descheduled, so two guests
// at once on 2 cores do better with one CPU each (35 s a pair against 41 s).
// RDRAND makes entropy ready at once; without SVM, udev does not load KVM
// modules in the guest.
const (
	vmMemory   = "1024"
	vmCPUs     = "2"
	vmCPUModel = "qemu64,+rdrand,-svm"
)

// managerBuses are where systemctl reaches the manager: its private socket,
// or the system bus.
var managerBuses = []string{"/run/systemd/private", "/run/dbus/system_bus_socket"}

// vmPowerDown is what the kernel prints last on a clean power-off.
const vmPowerDown = "reboot: Power down"

type vm struct {
	cfg     Config
	run     *runDir
	cmd     *exec.Cmd
	console *boundedBuffer
	qemuErr *boundedBuffer
	exited  chan struct{}
	waitErr error
	agent   *agentConn
	// diskTook is how long building the per-run overlay disk took.
	diskTook time.Duration
	closed   bool
	mu       sync.Mutex
}

func newVM(cfg Config) (*vm, error) {
	img := cfg.Images
	if img == nil || img.Rootfs == "" || img.Vmlinux == "" || img.Initramfs == "" || img.Disk == "" {
		return nil, errors.New("vm: images incomplete (call EnsureRootfs, then EnsureVMImages)")
	}
	if cfg.Impl == Go && cfg.GoTree == "" {
		return nil, errors.New("vm: impl go needs an install tree")
	}
	if len(cfg.PID1Env) > 0 {
		return nil, errors.New("vm: PID1Env is supported in container mode only")
	}
	if cfg.BootTimeout == 0 {
		cfg.BootTimeout = 120 * time.Second
	}
	return &vm{cfg: cfg, console: newBoundedBuffer(4 << 20), qemuErr: newBoundedBuffer(64 << 10)}, nil
}

func (v *vm) Boot(ctx context.Context) (BootResult, error) {
	start := time.Now()
	run, err := v.newRun()
	if err != nil {
		return BootResult{}, err
	}
	ovl, err := buildOverlayDisk(ctx, run, v.cfg)
	if err != nil {
		return BootResult{}, err
	}
	v.diskTook = time.Since(start)

	cmd := exec.Command("qemu-system-x86_64", v.qemuArgs(ovl)...)
	cmd.Dir = run.work
	// -snapshot keeps its temporary image in TMPDIR.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + run.work}
	cmd.Stdout, cmd.Stderr = v.console, v.qemuErr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := run.startIn("guest", cmd); err != nil {
		return BootResult{}, fmt.Errorf("starting qemu: %w", err)
	}
	exited := make(chan struct{})
	go func() { v.waitErr = cmd.Wait(); close(exited) }()
	v.mu.Lock()
	v.cmd, v.exited = cmd, exited
	v.mu.Unlock()

	deadline := start.Add(v.cfg.BootTimeout)
	conn, err := dialAgent(ctx, run.work, "agent.sock", exited, deadline)
	if err != nil {
		return BootResult{}, v.guestError(err)
	}
	v.mu.Lock()
	closed := v.closed
	v.agent = conn
	v.mu.Unlock()
	if closed {
		conn.close()
		return BootResult{}, errors.New("sandbox closed during boot")
	}

	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-bctx.Done():
		}
	}()
	// Polling with systemctl while the manager is not up yet would compete
	// with the boot for the emulated CPU: first wait, without starting
	// processes, for a bus that systemctl can reach.
	wctx, wcancel := context.WithDeadline(bctx, deadline)
	conn.call(wctx, agent.Request{WaitPaths: managerBuses})
	wcancel()
	br, err := waitSettled(bctx, v, start, deadline)
	if v.hasExited() {
		return br, v.guestError(errors.New("guest stopped during boot"))
	}
	return br, err
}

// newRun makes the run's cgroup and work directory, unless Close came first.
func (v *vm) newRun() (*runDir, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil, errors.New("sandbox is closed")
	}
	if v.run != nil {
		return nil, errors.New("guest was already booted")
	}
	run, err := newRunDir(v.cfg.WorkDir, v.cfg.Name)
	v.run = run
	return run, err
}

func (v *vm) qemuArgs(ovl string) []string {
	img := v.cfg.Images
	// TCG's TSC is the host's (which the host kernel trusts): tsc=reliable
	// keeps the guest from falling back to jiffies, whose clock lags and
	// whose boots stalled on a loaded host. A TSC frequency given up front
	// avoids a calibration against the PIT that sometimes hangs.
	kargs := []string{"console=ttyS0", "panic=-1", "root=/dev/vda", "rw", "tsc=reliable"}
	if khz := hostTSCkHz(); khz > 0 {
		kargs = append(kargs, "tsc_early_khz="+strconv.Itoa(khz))
	}
	kargs = append(kargs, v.cfg.KernelArgs...)
	return []string{
		"-accel", "tcg", "-M", "microvm", "-m", vmMemory, "-smp", vmCPUs,
		"-cpu", vmCPUModel, "-nodefaults", "-no-user-config",
		"-display", "none", "-serial", "stdio", "-no-reboot", "-snapshot",
		"-kernel", img.Vmlinux, "-initrd", img.Initramfs, "-append", strings.Join(kargs, " "),
		"-drive", "id=root,if=none,format=raw,file=" + qemuOptValue(img.Disk),
		"-device", "virtio-blk-device,drive=root",
		"-drive", "id=overlay,if=none,format=raw,file=" + qemuOptValue(ovl),
		"-device", "virtio-blk-device,drive=overlay",
		"-device", "virtio-serial-device",
		"-chardev", "socket,id=agent,path=agent.sock,server=on,wait=off",
		"-device", "virtserialport,chardev=agent,name=oracle",
	}
}

// qemuOptValue escapes a value inside a QEMU option list.
func qemuOptValue(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// hostTSCkHz reads the host's TSC frequency from /proc/cpuinfo, or 0.
func hostTSCkHz() int {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, val, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "cpu MHz" {
			mhz, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return 0
			}
			return int(mhz * 1000)
		}
	}
	return 0
}

func (v *vm) hasExited() bool {
	v.mu.Lock()
	exited := v.exited
	v.mu.Unlock()
	if exited == nil {
		return false
	}
	select {
	case <-exited:
		return true
	default:
		return false
	}
}

// guestError adds how QEMU ended and the end of the console to err.
func (v *vm) guestError(err error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%v", err)
	if v.hasExited() {
		fmt.Fprintf(&b, " (qemu: %v)", v.waitErr)
	}
	if e := bytes.TrimSpace(v.qemuErr.Bytes()); len(e) > 0 {
		fmt.Fprintf(&b, "\nqemu stderr:\n%s", e)
	}
	fmt.Fprintf(&b, "\nconsole (end):\n%s", tail(v.console.Bytes(), 3000))
	return errors.New(b.String())
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func (v *vm) Exec(ctx context.Context, argv []string, stdin []byte) ExecResult {
	v.mu.Lock()
	a := v.agent
	v.mu.Unlock()
	if a == nil {
		return ExecResult{Exit: -1, Stderr: []byte("guest is not running\n")}
	}
	return a.exec(ctx, argv, stdin)
}

func (v *vm) Poweroff(ctx context.Context) (bool, error) {
	if v.cmd == nil {
		return false, errors.New("guest was never started")
	}
	if v.hasExited() {
		return false, fmt.Errorf("guest had already exited: %v", v.waitErr)
	}
	// If the answer is lost because shutdown already stopped the agent,
	// QEMU's exit below still tells.
	r := v.Exec(ctx, []string{OracleBin + "/systemctl", "poweroff", "--no-block"}, nil)
	if r.Exit > 0 || r.TimedOut {
		return false, fmt.Errorf("systemctl poweroff: exit %d: %s", r.Exit, r.Stderr)
	}
	select {
	case <-v.exited:
	case <-ctx.Done():
		return false, v.guestError(fmt.Errorf("guest did not power off: %w", ctx.Err()))
	}
	// With -no-reboot QEMU exits 0 on power-off and on reboot alike; the
	// kernel's last words tell them apart.
	if v.cmd.ProcessState.ExitCode() == 0 && bytes.Contains(v.console.Bytes(), []byte(vmPowerDown)) {
		return true, nil
	}
	return false, v.guestError(fmt.Errorf("guest ended with %v without %q", v.cmd.ProcessState, vmPowerDown))
}

func (v *vm) Console() []byte { return v.console.Bytes() }

func (v *vm) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	var errs []error
	if v.agent != nil {
		v.agent.close()
	}
	if v.run != nil {
		errs = append(errs, v.run.killAll())
	}
	if v.exited != nil {
		select {
		case <-v.exited:
		case <-time.After(10 * time.Second):
			errs = append(errs, errors.New("qemu did not exit after kill"))
		}
	}
	if v.run != nil {
		errs = append(errs, v.run.remove())
	}
	return errors.Join(errs...)
}
