package pid1

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/manager"
	"gosystemd/impl/exec"
	"gosystemd/impl/specifier"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
)

// configuration is PID 1's reading of its configuration (252's
// parse_configuration and parse_argv): system.conf and its drop-ins,
// the kernel command line, the log environment and, when it starts, its
// switches. daemon-reload reads all but the switches again.
type configuration struct {
	// root is where system.conf is looked for ("/"; "" reads none).
	root string
	// cmdline is whether the kernel command line is read.
	cmdline     bool
	inContainer bool
	host        specifier.Host
	log         logSettings
	s           settings
}

// newConfiguration starts with 252's logging defaults for PID 1: the
// journal, info, colours on a terminal that has them.
func newConfiguration(root string, cmdline, inContainer, color bool) *configuration {
	target := "journal-or-kmsg"
	if inContainer {
		target = "journal"
	}
	return &configuration{root: root, cmdline: cmdline, inContainer: inContainer, host: specifier.System{},
		log: logSettings{level: levelInfo, target: target, color: color}}
}

// load is parse_configuration: the built-in settings, then system.conf,
// the kernel command line and the log environment. It returns what is
// to be logged.
func (c *configuration) load() []logLine {
	c.s.reset()
	r := &confReader{s: &c.s, log: &c.log, host: c.host}
	r.readConfigFiles(c.root)
	var words []string
	if c.cmdline {
		words = cmdlineWords(procCmdline(c.inContainer))
		for _, w := range words {
			k, v, ok := splitItem(w)
			r.parseCmdlineItem(k, v, ok, c.inContainer)
		}
	}
	r.parseLogEnvironment(words, os.Getenv)
	if c.s.showStatus == "" {
		c.s.showStatus = "yes"
	}
	// ManagerEnvironment= is the manager's own environment, which the
	// log environment is read from again.
	for _, e := range c.s.managerEnvironment {
		k, v, _ := strings.Cut(e, "=")
		_ = os.Setenv(k, v)
	}
	r.parseLogEnvironment(words, os.Getenv)
	return r.out
}

// parseArgv applies PID 1's switches (parse_argv): only when it starts.
func (c *configuration) parseArgv(argv []string, pid1 bool) (argvResult, []logLine, error) {
	r := &confReader{s: &c.s, log: &c.log, host: c.host}
	res, err := r.parseArgv(argv, pid1)
	return res, r.out, err
}

// defaultUnit is the unit booted into.
func (c *configuration) defaultUnit() string {
	if c.s.defaultUnit != "" {
		return c.s.defaultUnit
	}
	return "default.target"
}

// applyDefaults is set_manager_defaults for what units inherit: d holds
// the built-in values and the manager's own process state.
func (c *configuration) applyDefaults(d *unit.Defaults) {
	s := &c.s
	d.TimerAccuracyUSec = s.timerAccuracyUSec
	d.StdOutput, d.StdError = s.stdOutput, s.stdError
	d.TimeoutStartUSec, d.TimeoutStopUSec = s.timeoutStartUSec, s.timeoutStopUSec
	d.TimeoutAbortUSec, d.TimeoutAbortSet = s.timeoutAbortUSec, s.timeoutAbortSet
	d.RestartUSec = s.restartUSec
	d.StartLimitInterval, d.StartLimitBurst = s.startLimitInterval, s.startLimitBurst
	if s.cpuAccounting >= 0 {
		d.CPUAccounting = s.cpuAccounting == 1
	}
	d.IOAccounting, d.IPAccounting, d.BlockIOAccounting = s.ioAccounting, s.ipAccounting, s.blockIOAccounting
	d.MemoryAccounting, d.TasksAccounting = s.memoryAccounting, s.tasksAccounting
	d.TasksMax = s.tasksMax
	d.OOMPolicy = s.oomPolicy
	d.OOMScoreAdjust, d.OOMScoreAdjustSet = s.oomScoreAdjust, s.oomScoreAdjustSet
	for i, rl := range s.rlimits {
		if rl != nil {
			d.Rlimits[i] = *rl
			d.RlimitsSet[i] = true
		}
	}
	if s.timerSlackNSec != value.NSecInfinity {
		d.TimerSlackNSec = s.timerSlackNSec
	}
}

// reservedEnvironment are the variables the manager sets for its
// services itself, which it keeps out of its own environment block
// (sanitize_environment).
var reservedEnvironment = []string{"CACHE_DIRECTORY", "CONFIGURATION_DIRECTORY", "CREDENTIALS_DIRECTORY",
	"EXIT_CODE", "EXIT_STATUS", "INVOCATION_ID", "JOURNAL_STREAM", "LISTEN_FDNAMES", "LISTEN_FDS", "LISTEN_PID",
	"LOGS_DIRECTORY", "MAINPID", "MANAGERPID", "NOTIFY_SOCKET", "PIDFILE", "REMOTE_ADDR", "REMOTE_PORT",
	"RUNTIME_DIRECTORY", "SERVICE_RESULT", "STATE_DIRECTORY", "WATCHDOG_PID", "WATCHDOG_USEC"}

// environment is the manager's environment block for its services
// (manager_default_environment, then DefaultEnvironment= and
// systemd.setenv=): $PATH, the locale, the configured variables, without
// the reserved ones, sorted.
func (c *configuration) environment(base []string) []string {
	env := exec.DeleteEnv(exec.MergeEnv(base, c.s.defaultEnvironment), reservedEnvironment)
	sort.Strings(env)
	return env
}

// managerSettings is set_manager_settings for what the Manager object
// shows, with what it logs. The watchdog device is the one set when
// the manager started.
func (c *configuration) managerSettings(watchdogDevice string) (manager.Settings, []logLine) {
	s := &c.s
	var out []logLine
	m := manager.DefaultSettings()
	m.LogLevel = logLevelNames[c.log.level]
	m.LogTarget = c.log.target
	m.ShowStatus = s.showStatus == "yes"
	m.StatusUnitFormat = s.statusUnitFormat
	m.ConfirmSpawn = s.confirmSpawn != ""
	m.ServiceWatchdogs = s.serviceWatchdogs
	m.WatchdogDevice = watchdogDevice
	m.RuntimeWatchdogUSec, m.RuntimeWatchdogPreUSec = s.runtimeWatchdog, s.pretimeoutWatchdog
	m.RebootWatchdogUSec, m.KExecWatchdogUSec = s.rebootWatchdog, s.kexecWatchdog
	if s.watchdogGovernor != "" {
		// The governor is set through the open watchdog device, and
		// none is driven.
		r := &confReader{s: s, log: &c.log}
		r.logf(levelWarning, "Failed to set watchdog pretimeout governor to '%s', ignoring: %s", s.watchdogGovernor,
			value.Strerror(syscall.EBADF))
		out = r.out
	}
	m.DefaultDeviceTimeoutUSec = s.deviceTimeoutUSec
	m.CtrlAltDelBurstAction = s.cadBurstAction
	return m, out
}

// showStatusOn is whether status lines go to the console, and what
// kinds: all of them, or the notices (252: notices unless ShowStatus=no).
func (c *configuration) showStatusOn() (all, notice bool) {
	switch c.s.showStatus {
	case "yes", "temporary":
		return true, true
	case "error", "auto":
		return false, true
	}
	return false, false
}

// setShowStatusMarker is set_show_status_marker: /run/systemd/show-status
// exists while status lines are shown, for the tools that print to the
// console too.
func setShowStatusMarker(runtimeDir string, on bool) {
	p := filepath.Join(runtimeDir, "systemd", "show-status")
	if on {
		if f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|syscall.O_NOCTTY, 0o644); err == nil {
			f.Close()
		}
		return
	}
	_ = os.Remove(p)
}

// applyRuntime is what initialize_runtime does with the settings when
// the manager starts: its timer slack, capability bounding set (its own
// and that of the kernel's usermode helpers) and no new privileges,
// which every process it starts inherits. A Go process has many
// threads; each of them gets the setting. A failure that stops 252's
// PID 1 is returned as the message it stops with.
func (c *configuration) applyRuntime(log func(level int, msg string)) (fatal string) {
	s := &c.s
	if s.timerSlackNSec != value.NSecInfinity {
		if _, _, e := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_TIMERSLACK, uintptr(s.timerSlackNSec), 0); e != 0 {
			log(levelWarning, fmt.Sprintf("Failed to adjust timer slack, ignoring: %s", value.Strerror(e)))
		}
	}
	s.applyCPUAffinity(log)
	if s.capabilityBoundingSet != capAll {
		for _, f := range []string{"/proc/sys/kernel/usermodehelper/inheritable", "/proc/sys/kernel/usermodehelper/bset"} {
			if err := dropFromFile(f, s.capabilityBoundingSet); err != nil {
				msg := "Failed to drop capability bounding set of usermode helpers"
				log(0, msg+": "+value.Strerror(errnoOf(err)))
				return msg
			}
		}
		last := lastCap()
		for cap := 0; cap <= last; cap++ {
			if s.capabilityBoundingSet&(1<<uint(cap)) != 0 {
				continue
			}
			if _, _, e := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(cap), 0); e != 0 {
				msg := "Failed to drop capability bounding set"
				log(0, msg+": "+value.Strerror(e))
				return msg
			}
		}
	}
	if s.noNewPrivs {
		if _, _, e := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
			msg := "Failed to disable new privileges"
			log(0, msg+": "+value.Strerror(e))
			return msg
		}
	}
	return ""
}

// applyCPUAffinity is update_cpu_affinity: CPUAffinity= binds every
// thread of PID 1, and so every process it starts, to its CPUs. Unset, the
// affinity stays as it is (a daemon-reload that drops it does not widen it).
func (s *settings) applyCPUAffinity(log func(level int, msg string)) {
	if len(s.cpuAffinity) == 0 {
		return
	}
	log(levelDebug, fmt.Sprintf("Setting CPU affinity to {%s}.", s.cpuAffinity.RangeString()))
	mask := s.cpuAffinity
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_SCHED_SETAFFINITY, 0, uintptr(len(mask)), uintptr(unsafe.Pointer(&mask[0]))); e != 0 {
		log(levelWarning, fmt.Sprintf("Failed to set CPU affinity, ignoring: %s", value.Strerror(e)))
	}
}

// dropFromFile is capability-util's drop_from_file: a "lo hi" capability
// mask file keeps only the capabilities in keep.
func dropFromFile(path string, keep uint64) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var lo, hi uint32
	if n, _ := fmt.Sscanf(strings.TrimSpace(string(data)), "%d %d", &lo, &hi); n != 2 {
		return syscall.EIO
	}
	current := uint64(lo) | uint64(hi)<<32
	after := current & keep
	if after == current {
		return nil
	}
	return os.WriteFile(path, []byte(fmt.Sprintf("%d %d", uint32(after), uint32(after>>32))), 0o644)
}

// lastCap is cap_last_cap: the highest capability the kernel knows.
func lastCap() int {
	if data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(string(data)), "%d", &n); err == nil {
			return n
		}
	}
	return 40
}

// testConfigRootEnv names, for a test manager, the directory its
// system.conf and drop-ins are read under; unset, it reads none.
const testConfigRootEnv = "GOSYSTEMD_TEST_CONFIG_ROOT"

// fatal is how 252's PID 1 ends when it cannot start: the emergency
// status line, then in a container exit (255), elsewhere freeze. Not as
// PID 1 it returns 1.
func fatal(logger *journalLog, exit bool, message string) int {
	if os.Getpid() != 1 {
		return 1
	}
	if message != "" {
		// Shown whatever ShowStatus= says.
		logger.mu.Lock()
		if logger.color {
			fmt.Fprintf(logger.console, "[\x1b[0;1;31m!!!!!!\x1b[0m] %s.\n", message)
		} else {
			fmt.Fprintf(logger.console, "[!!!!!!] %s.\n", message)
		}
		logger.mu.Unlock()
	}
	if exit {
		logger.Log(manager.LogEntry{Level: 0, Message: "Exiting PID 1..."})
		os.Exit(255)
	}
	logger.Log(manager.LogEntry{Level: 0, Message: "Freezing execution."})
	select {}
}
