package manager

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/specifier"
	"gosystemd/impl/unitpath"
)

// generatorTimeout bounds the whole generator run, as 252's
// DEFAULT_TIMEOUT_USEC does.
const generatorTimeout = 90 * time.Second

// runGenerators is manager_run_generators: the generator directories are
// emptied, every generator runs with them as arguments (in parallel, as
// execute_directories forks them all), and the unit file map is rebuilt.
// It runs on the loop before any unit exists, so nothing else reaps.
func (m *Manager) runGenerators() {
	lp := m.lookup
	if lp.Generator == "" {
		return
	}
	for _, d := range []string{lp.Generator, lp.GeneratorEarly, lp.GeneratorLate} {
		_ = os.RemoveAll(d)
		_ = os.MkdirAll(d, 0o755)
	}
	env := m.cfg.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	dirs, err := unitpath.GeneratorBinaryPaths(m.cfg.Scope, env)
	if err != nil {
		return
	}
	// The first directory holding a name wins; generators run by name.
	byName := map[string]string{}
	for _, d := range dirs {
		entries, err := os.ReadDir(filepath.Join(m.cfg.Root, d))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if _, seen := byName[e.Name()]; !seen {
				byName[e.Name()] = filepath.Join(m.cfg.Root, d, e.Name())
			}
		}
	}
	var names []string
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	ctx, cancel := context.WithTimeout(context.Background(), generatorTimeout)
	defer cancel()
	genEnv := m.generatorEnvironment()
	// Generators run with umask 022, as RUN_WITH_UMASK does.
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	// They run in parallel and are waited for one after the other, by
	// one goroutine: a goroutine blocked in wait takes an OS thread (and
	// its stacks) for itself, which the runtime keeps for good.
	var started []*exec.Cmd
	shell := shellForExecPID()
	// Generators run in init.scope, where PID 1 is (or is being moved:
	// the move waits for an RCU grace period, and need not end first).
	var sys *syscall.SysProcAttr
	if m.cfg.CgroupRoot != "" && m.cfg.Scope == unitpath.System {
		if fd, err := unix.Open(filepath.Join(m.cfg.CgroupRoot, "init.scope"), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			defer unix.Close(fd)
			sys = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
		}
	}
	for _, n := range names {
		p := byName[n]
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		if fi.Size() == 0 {
			continue // an empty file masks a generator
		}
		// $SYSTEMD_EXEC_PID is the generator's own PID, which only the
		// process knows before it execs: a shell sets it (252's child
		// does). With it a generator logs to the kernel log, else to
		// its standard error, which is /dev/null as 252's PID 1's is.
		cmd := exec.CommandContext(ctx, p, lp.Generator, lp.GeneratorEarly, lp.GeneratorLate)
		if shell != "" {
			cmd = exec.CommandContext(ctx, shell, "-c", `SYSTEMD_EXEC_PID=$$; export SYSTEMD_EXEC_PID; exec "$0" "$@"`,
				p, lp.Generator, lp.GeneratorEarly, lp.GeneratorLate)
		}
		cmd.Env = genEnv
		cmd.SysProcAttr = sys
		if err := cmd.Start(); err != nil {
			continue
		}
		started = append(started, cmd)
	}
	for _, cmd := range started {
		_ = cmd.Wait()
	}
	if err := m.rebuildNameMap(); err != nil {
		m.log(LogEntry{Level: LevelErr, Message: err.Error()})
	}
}

// shellForExecPID is the shell that sets $SYSTEMD_EXEC_PID for a
// generator, "" to run generators without it.
func shellForExecPID() string {
	if _, err := os.Stat("/bin/sh"); err == nil {
		return "/bin/sh"
	}
	return ""
}

// generatorEnvironment is build_generator_environment: the manager's
// environment and the facts generators want (scope, initrd,
// virtualization, architecture).
func (m *Manager) generatorEnvironment() []string {
	env := append(append([]string{}, m.cfg.Environment...), "SYSTEMD_SCOPE=system", "SYSTEMD_IN_INITRD=0")
	if m.firstBoot >= 0 {
		env = append(env, "SYSTEMD_FIRST_BOOT="+strconv.Itoa(int(m.firstBoot)))
	}
	if m.conditions == nil {
		m.conditions = condition.New(condition.Host{})
	}
	if v, err := m.conditions.DetectVirtualization(); err == nil && v != condition.VirtNone {
		kind := ":"
		switch {
		case v.IsVM():
			kind = "vm:"
		case v.IsContainer():
			kind = "container:"
		}
		env = append(env, "SYSTEMD_VIRTUALIZATION="+kind+v.String())
	}
	if a, err := (specifier.System{}).Architecture(); err == nil {
		env = append(env, "SYSTEMD_ARCHITECTURE="+a)
	}
	return env
}
