package manager

import (
	"math"
	"syscall"
	"time"

	"gosystemd/impl/exec"
	"gosystemd/impl/exec/fromunit"
	"gosystemd/impl/unit"
)

// controlCmd is one command mounts and swaps run as their control
// process (mount(8), umount(8), swapon(8), swapoff(8)) with its last run:
// 252's ExecCommand with its exec_status, shown as ExecMount=,
// ExecActivate=, ...
type controlCmd struct {
	argv []string // nil until the command was set once
	run  execRun
}

// set makes argv the command, forgetting the last run.
func (c *controlCmd) set(argv []string) {
	c.argv = argv
	c.run = execRun{}
}

// status is the command's property value: no entry before it was set.
func (c *controlCmd) status() []unit.ExecStatus {
	if c.argv == nil {
		return []unit.ExecStatus{}
	}
	r := c.run
	return []unit.ExecStatus{{
		Path: c.argv[0], Argv: append([]string(nil), c.argv...),
		StartTime: r.start.Realtime, StartTimeMonotonic: r.start.Monotonic,
		ExitTime: r.exit.Realtime, ExitTimeMonotonic: r.exit.Monotonic,
		PID: uint32(r.pid), Code: int32(r.code), Status: int32(r.status),
	}}
}

// exited notes the command's exit.
func (c *controlCmd) exited(code, status int) {
	c.run.exit, c.run.code, c.run.status = now(), code, status
}

// spawnControl starts c's command as u's control process through the
// executor, as 252's mount_spawn and swap_spawn do (sandboxing and chroot
// applied, no tty stdin), and watches its PID.
func (m *Manager) spawnControl(u *Unit, c *controlCmd) (int, error) {
	cmd := unit.ExecCommand{Path: c.argv[0], Argv: append([]string(nil), c.argv...)}
	spec := fromunit.Spec(u.cfg, fromunit.Command{ExecCommand: cmd, Control: true})
	spec.ApplyTTYStdin = false
	spec.InvocationID = u.invocationID
	spec.Environment = exec.ServiceEnvironment(m.EffectiveEnvironmentLoop(), exec.CommandEnv{})
	if u.cfg.Exec != nil {
		filesEnv, warnings, err := exec.LoadEnvironmentFiles(u.cfg.Exec.EnvironmentFiles)
		// 252's child logs these as it reads the files, for each command.
		for _, w := range warnings {
			m.logUnit(u, LevelWarning, "%s", w)
		}
		if err != nil {
			return 0, err
		}
		spec.FilesEnvironment = filesEnv
	}
	opts := exec.Options{Executable: m.cfg.Executable, Env: m.cfg.Environment}
	cg, err := m.unitCgroup(u)
	if err == nil && cg != nil {
		defer cg.Close()
		opts.CgroupFD = int(cg.Fd())
	}
	child, err := exec.Start(spec, exec.Files{}, opts)
	if err != nil {
		return 0, err
	}
	m.watchPIDLoop(child.Pid, u)
	c.run = execRun{start: now(), pid: child.Pid}
	path := cmd.Path
	goSafe(nil, func() {
		rep, err := child.Report()
		m.Post(func() { m.spawnReport(u, path, rep, err) })
	})
	return child.Pid, nil
}

// killSignalFor is the signal of a kill operation (252's
// KILL_TERMINATE, KILL_RESTART, KILL_KILL, KILL_WATCHDOG).
func killSignalFor(k *unit.KillContext, op killOp) syscall.Signal {
	if k == nil {
		k = &unit.KillContext{KillSignal: 15, FinalKillSignal: 9}
	}
	switch op {
	case killRestart:
		if k.RestartKillSignal != 0 {
			return syscall.Signal(k.RestartKillSignal)
		}
		return syscall.Signal(k.KillSignal)
	case killKill:
		return syscall.Signal(k.FinalKillSignal)
	case killWatchdog:
		return syscall.Signal(k.WatchdogSignal)
	}
	return syscall.Signal(k.KillSignal)
}

type killOp int

const (
	killTerminate killOp = iota
	killRestart
	killKill
	killWatchdog
)

// usecTimer arms fn after usec µs on the loop; infinity or 0 is none.
func (m *Manager) usecTimer(usec uint64, fn func()) *timerEntry {
	if usec == 0 || usec > uint64(math.MaxInt64)/uint64(time.Microsecond) {
		return nil
	}
	return m.afterLoop(time.Duration(usec)*time.Microsecond, fn)
}
