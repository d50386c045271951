// Package pid1 is the `systemd` binary: it wires the manager core
// (impl/core/manager), its D-Bus API (impl/dbusapi) on the private socket,
// and logging, and runs the event loop.
//
// It is the only package that imports both the core and the bus layer.
package pid1

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/cli"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/dbusapi"
	"gosystemd/impl/exec"
	"gosystemd/impl/journal/native"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitpath"
	"gosystemd/impl/version"
)

// TestModeEnv, set to a directory, runs the system manager without being
// PID 1: that directory stands for /run (the private socket lives under
// it), the process becomes a child subreaper, and cgroups are not used.
// It exists for our own tests; systemd 252 has no such mode.
const TestModeEnv = "GOSYSTEMD_TEST_RUNTIME_DIR"

// Main runs the manager.
func Main(args []string, stdio cli.Stdio) int {
	userspace := manager.Now()
	guardSignals()
	oneProcessor()
	tuneMemory()
	runtimeDir := "/run"
	testDir := os.Getenv(TestModeEnv)
	pid1 := os.Getpid() == 1
	_, err := os.Stat("/run/systemd/container")
	inContainer := err == nil || pid1 && os.Getenv("container") != ""
	if pid1 && testDir == "" {
		// Before anything reads /proc, /sys or /run: what a container
		// manager or the kernel has not mounted yet (252's mount_setup).
		_ = mountAPIFilesystems(inContainer, func(_ int, msg string) { fmt.Fprintln(stdio.Err, msg) })
	}
	// As 252's PID 1: system.conf, the kernel command line and the log
	// environment, then the switches. A test manager reads the
	// system.conf under $GOSYSTEMD_TEST_CONFIG_ROOT, if set, and no
	// kernel command line.
	conf := newConfiguration("/", testDir == "", inContainer, testDir == "" && os.Getenv("TERM") != "dumb")
	if testDir != "" {
		conf.root = os.Getenv(testConfigRootEnv)
	}
	lines := conf.load()
	argv, argvLines, argvErr := conf.parseArgv(args, pid1 || testDir != "")
	lines = append(lines, argvLines...)
	if argvErr == nil && argv.action == actionVersion && !pid1 {
		fmt.Fprint(stdio.Out, version.Text)
		return 0
	}
	if testDir != "" {
		// A test manager must never see the host's units: starting them
		// would act on the host (tmpfiles alone empties /tmp).
		up, ok := os.LookupEnv("SYSTEMD_UNIT_PATH")
		if !ok || up == "" || strings.HasPrefix(up, ":") || strings.HasSuffix(up, ":") || strings.Contains(up, "::") {
			fmt.Fprintf(stdio.Err, "%s needs SYSTEMD_UNIT_PATH set to the test's unit directories alone.\n", TestModeEnv)
			return 1
		}
		runtimeDir = testDir
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	} else if !pid1 {
		fmt.Fprintln(stdio.Err, "Trying to run as system instance, but we are not PID 1, refusing.")
		return 1
	}

	// As 252's PID 1: no umask of its own; every file it creates has the
	// mode it asks for (the notification socket must be 0777).
	unix.Umask(0)
	logger := &journalLog{console: stdio.Err, socket: filepath.Join(runtimeDir, "systemd/journal/socket"),
		noKmsg: testDir != ""}
	logger.configure(conf)
	logger.emitLines(lines)
	if argvErr != nil {
		logger.Log(manager.LogEntry{Level: manager.LevelErr, Message: argvErr.Error()})
		return fatal(logger, inContainer && pid1, "Failed to parse commandline arguments")
	}
	if pid1 && argv.action != actionRun {
		logger.Log(manager.LogEntry{Level: manager.LevelErr, Message: "Unsupported execution mode while PID 1."})
		return fatal(logger, inContainer, "")
	}
	if pid1 && argv.user {
		logger.Log(manager.LogEntry{Level: manager.LevelErr, Message: "Can't run --user mode as PID 1."})
		return fatal(logger, inContainer, "")
	}
	rx := takeSerialization(argv.deserialize, func(level int, msg string) { logger.Log(manager.LogEntry{Level: level, Message: msg}) })
	cgroupRoot := ""
	// The move into init.scope goes on while the rest of the startup
	// sets up the manager and its bus (the kernel makes it wait for an
	// RCU grace period, milliseconds here); it ends before anything is
	// spawned.
	var movedIntoScope chan [2]error
	var cgroupErr error
	if testDir == "" {
		if cgroupErr = manager.SetupCgroups("/sys/fs/cgroup"); cgroupErr == nil {
			cgroupRoot = "/sys/fs/cgroup"
			movedIntoScope = make(chan [2]error, 1)
			go func() {
				// A panic (a bug) must not leave the startup waiting.
				defer func() {
					if r := recover(); r != nil {
						movedIntoScope <- [2]error{fmt.Errorf("panic: %v", r), nil}
					}
				}()
				err := manager.MoveIntoInitScope(cgroupRoot)
				var rest error
				if err == nil {
					rest = manager.MigrateRootProcesses(cgroupRoot)
				}
				movedIntoScope <- [2]error{err, rest}
			}()
		}
	}
	if pid1 && testDir == "" {
		// As 252's setup_console_terminal: PID 1 leads its own session
		// (autofs mounts name its process group).
		_, _ = unix.Setsid()
		if rx == nil {
			// As 252: the modules PID 1 needs early (kmodsetup.go).
			kmodSetup(func(level int, msg string) { logger.Log(manager.LogEntry{Level: level, Message: msg}) })
		}
	}
	logf := func(level int, msg string) { logger.Log(manager.LogEntry{Level: level, Message: msg}) }
	firstBoot := false
	if pid1 && testDir == "" {
		firstBoot = logExecutionMode(procCmdline(inContainer), logf)
	}
	unitName := conf.defaultUnit()
	obs := &fanout{log: logger, runtimeDir: runtimeDir}
	exe, _ := os.Executable()
	defaults := unit.NewDefaults()
	if testDir == "" {
		if rx == nil {
			// As 252, not again after daemon-reexec.
			logger.welcome(logf, time.Now())
			setupHostname(procCmdline(inContainer), logf)
			machineIDSetup(firstBoot, conf.s.machineID, logf)
			setupLoopback()
		}
		setupLimits(defaults)
		if c := os.Getenv("container"); c != "" {
			_ = os.MkdirAll("/run/systemd", 0o755)
			_ = os.WriteFile("/run/systemd/container", []byte(c+"\n"), 0o644)
		}
		if msg := conf.applyRuntime(func(level int, msg string) { logger.Log(manager.LogEntry{Level: level, Message: msg}) }); msg != "" {
			return fatal(logger, inContainer, msg)
		}
	}
	// What system.conf does not set stays as the process and the
	// machine have it.
	baseDefaults := *defaults
	conf.applyDefaults(defaults)
	baseEnvironment := func() []string {
		return append(localeEnvironment(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	watchdogDevice := conf.s.watchdogDevice
	settings, settingsLines := conf.managerSettings(watchdogDevice)
	logger.emitLines(settingsLines)
	if cgroupErr != nil {
		fmt.Fprintf(stdio.Err, "Failed to set up the cgroup hierarchy, running without: %v\n", cgroupErr)
	}
	cfg := manager.Config{
		CgroupRoot:  cgroupRoot,
		Defaults:    defaults,
		Scope:       unitpath.System,
		Executable:  executorFor(exe),
		Environment: conf.environment(baseEnvironment()),
		Observer:    obs,
		Generators:  testDir == "",
		FirstBoot:   firstBoot,
		Userspace:   userspace,
		NoEnumerate: testDir != "",
		Settings:    &settings,
	}
	if testDir == "" {
		cfg.FirstBootFile = "/run/systemd/first-boot"
	}
	// daemon-reload reads system.conf and the kernel command line again,
	// but not the switches.
	cfg.Reconfigure = func(mc *manager.Config) {
		lines := conf.load()
		logger.configure(conf)
		logger.emitLines(lines)
		conf.s.applyCPUAffinity(func(level int, msg string) { logger.Log(manager.LogEntry{Level: level, Message: msg}) })
		presets := mc.Defaults.Presets
		*mc.Defaults = baseDefaults
		mc.Defaults.Presets = presets
		conf.applyDefaults(mc.Defaults)
		mc.Environment = conf.environment(baseEnvironment())
		st, settingsLines := conf.managerSettings(watchdogDevice)
		logger.emitLines(settingsLines)
		*mc.Settings = st
		if obs.api == nil || !obs.api.ShowStatusOverridden() {
			setShowStatusMarker(runtimeDir, mc.Settings.ShowStatus)
		}
	}
	m, err := manager.New(cfg)
	obs.m = m
	if err != nil {
		fmt.Fprintf(stdio.Err, "Failed to allocate manager object: %v\n", err)
		return 1
	}
	api := dbusapi.New(m)
	obs.api = api
	api.OnShowStatus = func(override string, on bool) {
		if mode, changed := logger.overrideStatus(override); changed {
			word := "Restoring"
			if override != "" {
				word = "Overriding"
			}
			logger.Log(manager.LogEntry{Level: manager.LevelDebug, Message: fmt.Sprintf("%s (%s) showing of status (bus).", word, mode)})
		}
		setShowStatusMarker(runtimeDir, on)
	}
	sockDir := filepath.Join(runtimeDir, "systemd")
	// /run/systemd/system is how clients tell that systemd runs (sd_booted).
	if err := os.MkdirAll(filepath.Join(sockDir, "system"), 0o755); err != nil {
		fmt.Fprintf(stdio.Err, "Failed to create %s: %v\n", sockDir, err)
		return 1
	}
	setShowStatusMarker(runtimeDir, settings.ShowStatus)
	// What sandboxing bind-mounts over paths made inaccessible.
	exec.MakeInaccessibleNodes(sockDir)
	if err := rx.listenNotify(m, filepath.Join(sockDir, "notify")); err != nil {
		fmt.Fprintf(stdio.Err, "%v\n", err)
		return 1
	}
	srv, err := rx.listenPrivate(filepath.Join(sockDir, "private"), api.Events, bus.Options{Sender: "org.freedesktop.systemd1", UnixFDs: true})
	if err != nil {
		fmt.Fprintf(stdio.Err, "Failed to set up private bus socket: %v\n", err)
		return 1
	}
	defer srv.Close()
	if movedIntoScope != nil {
		waitMoved := func() {
			switch errs := <-movedIntoScope; {
			case errs[0] != nil:
				fmt.Fprintf(stdio.Err, "Failed to move into %s/init.scope: %v\n", cgroupRoot, errs[0])
			case errs[1] != nil:
				logf(manager.LevelWarning, "Couldn't move remaining userspace processes, ignoring: "+value.Strerror(errs[1]))
			}
		}
		if rx == nil && cfg.Generators {
			// A fresh startup spawns the generators into init.scope
			// first, and waits for the move then.
			m.SetAfterGenerators(waitMoved)
		} else {
			waitMoved()
		}
	}
	go api.Relay()

	m.RunFirst(func() {
		if rx.restore(m) {
			if rx.st != nil {
				api.Restore(rx.st.Items)
			}
			// As 252: after switch-root the default target is
			// started again, in the new root.
			if !argv.switchedRoot {
				return
			}
		} else {
			m.StartupLoop()
		}
		u, err := m.LoadUnitLoop(unitName)
		if err != nil {
			logger.Log(manager.LogEntry{Level: manager.LevelErr, Message: fmt.Sprintf("Failed to load default target: %v", err)})
			return
		}
		if os.Getenv("GOSYSTEMD_DEBUG_DUMP") != "" {
			for _, x := range m.UnitsLoop() {
				if x.LoadState().String() != "loaded" || strings.Contains(x.ID(), "getty") {
					fmt.Fprintf(stdio.Err, "--- %s %s\n", x.ID(), x.LoadState())
				}
			}
		}
		if _, err := m.StartBootLoop(u, job.Isolate); err != nil {
			logger.Log(manager.LogEntry{Level: manager.LevelErr, Message: fmt.Sprintf("Failed to start default target: %v", err)})
		} else {
			logger.Log(manager.LogEntry{Level: manager.LevelInfo, Message: fmt.Sprintf("Queued start job for default target %s.", u.ID())})
		}
	})
	if os.Getenv("GOSYSTEMD_DEBUG_DUMP") != "" {
		go func() {
			for range time.Tick(5 * time.Second) {
				done := make(chan struct{})
				go func() {
					m.Post(func() { fmt.Fprint(stdio.Err, "--- dump\n"+m.DumpLoop()); close(done) })
				}()
				select {
				case <-done:
				case <-time.After(3 * time.Second):
					buf := make([]byte, 1<<20)
					n := runtime.Stack(buf, true)
					fmt.Fprintf(stdio.Err, "--- loop stuck\n%s\n", buf[:n])
				}
			}
		}()
	}
	code := runLoop(m, srv, api, args)
	verb := m.Objective().ShutdownVerb()
	if m.Objective() == manager.ObjectiveExit && os.Getpid() == 1 {
		verb = "exit"
	}
	if verb != "" && os.Getpid() == 1 {
		srv.Close()
		becomeShutdown(verb, code, conf)
		// Only a failed exec comes back.
		fmt.Fprintln(stdio.Err, "Failed to execute shutdown binary, freezing.")
		select {}
	}
	return code
}

// highRlimitNofile is HIGH_RLIMIT_NOFILE, the hard limit services get;
// defaultRlimitMemlock is DEFAULT_RLIMIT_MEMLOCK.
const (
	highRlimitNofile     = 512 * 1024
	defaultRlimitMemlock = 8 << 20
	highRlimitMemlock    = 64 << 20
)

// setupLimits is 252's fallback_rlimit_nofile/memlock and
// bump_rlimit_nofile/memlock: services get a soft fd limit of at most
// 1024 and a hard one of 512Ki, at least 8 MiB of lockable memory; PID 1
// itself raises its fd limit to the kernel's maximum.
func setupLimits(d *unit.Defaults) {
	nrOpen := uint64(1024 * 1024)
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			nrOpen = n
		}
	}
	var nofile, memlock unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &nofile) == nil {
		d.Rlimits[unix.RLIMIT_NOFILE] = value.Rlimit{Cur: min(nofile.Cur, 1024), Max: min(nrOpen, max(nofile.Max, highRlimitNofile))}
		d.RlimitsSet[unix.RLIMIT_NOFILE] = true
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: max(nrOpen, nofile.Cur), Max: max(nrOpen, nofile.Max)})
	}
	if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &memlock) == nil {
		d.Rlimits[unix.RLIMIT_MEMLOCK] = value.Rlimit{Cur: max(memlock.Cur, defaultRlimitMemlock), Max: max(memlock.Max, defaultRlimitMemlock)}
		d.RlimitsSet[unix.RLIMIT_MEMLOCK] = true
		_ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: max(memlock.Cur, highRlimitMemlock), Max: max(memlock.Max, highRlimitMemlock)})
	}
}

// shutdownBinary is what PID 1 turns into for the last steps of shutdown.
const shutdownBinary = "/lib/systemd/systemd-shutdown"

// becomeShutdown is become_shutdown: exec systemd-shutdown with the verb,
// the stop timeout and the log settings.
func becomeShutdown(verb string, code int, conf *configuration) {
	target := "--log-target=console"
	switch conf.log.target {
	case "kmsg", "journal-or-kmsg", "syslog-or-kmsg":
		target = "--log-target=kmsg"
	case "null":
		target = "--log-target=null"
	}
	argv := []string{shutdownBinary, verb, "--timeout=" + strconv.FormatUint(conf.s.timeoutStopUSec, 10) + "us",
		"--log-level=" + strconv.Itoa(conf.log.level), target}
	if conf.log.color {
		argv = append(argv, "--log-color")
	}
	if conf.log.location {
		argv = append(argv, "--log-location")
	}
	if conf.log.time {
		argv = append(argv, "--log-time")
	}
	if verb == "exit" {
		argv = append(argv, "--exit-code="+strconv.Itoa(code))
	}
	env := append(os.Environ(), "WATCHDOG_USEC=0", "WATCHDOG_PID=1")
	_ = unix.Exec(shutdownBinary, argv, env)
}

// fanout passes the manager's news to the bus and the log.
type fanout struct {
	log *journalLog
	api *dbusapi.API
	m   *manager.Manager
	// runtimeDir holds systemd/show-status (setShowStatusMarker).
	runtimeDir string
}

// recheckJournal is 252's manager_recheck_journal: PID 1 logs to journald
// only while its socket and service run, so that it never waits on a
// journal that is not there (or triggers its activation itself).
func (f *fanout) recheckJournal() {
	if f.m == nil {
		return
	}
	sock, svc := f.m.UnitLoop("systemd-journald.socket"), f.m.UnitLoop("systemd-journald.service")
	up := sock != nil && sock.SubState() == "running" && svc != nil &&
		(svc.SubState() == "running" || svc.SubState() == "reload")
	f.log.journalUp.Store(up)
}

func (f *fanout) Log(e manager.LogEntry)                           { f.log.Log(e) }
func (f *fanout) LogOnConsole() bool                               { return f.log.onConsole() }
func (f *fanout) Status(t manager.StatusType, status, text string) { f.log.Status(t, status, text) }
func (f *fanout) StatusColor() bool                                { return f.log.showColor() }

var (
	_ manager.AutoStatusFlipper = (*fanout)(nil)
	_ manager.StatusColorer     = (*fanout)(nil)
)

// FlipAutoStatus is manager_flip_auto_status: ShowStatus=auto becomes
// "temporary" while a job takes long, and auto again once the boot is
// over; the marker follows unless a client set the status.
func (f *fanout) FlipAutoStatus(enable bool, reason string) bool {
	mode, changed, on := f.log.flipAutoStatus(enable)
	if changed {
		word := "Disabling"
		if on {
			word = "Enabling"
		}
		f.log.Log(manager.LogEntry{Level: manager.LevelDebug, Message: fmt.Sprintf("%s (%s) showing of status (%s).", word, mode, reason)})
		if f.api == nil || !f.api.ShowStatusOverridden() {
			setShowStatusMarker(f.runtimeDir, on)
		}
	}
	return on
}
func (f *fanout) UnitNew(u *manager.Unit)     { f.api.UnitNew(u) }
func (f *fanout) UnitRemoved(u *manager.Unit) { f.api.UnitRemoved(u) }
func (f *fanout) UnitChanged(u *manager.Unit) {
	f.api.UnitChanged(u)
	f.recheckJournal()
}
func (f *fanout) EndOfTurn()                { f.api.EndOfTurn() }
func (f *fanout) JobNew(j *manager.Job)     { f.api.JobNew(j) }
func (f *fanout) JobChanged(j *manager.Job) { f.api.JobChanged(j) }
func (f *fanout) JobRemoved(j *manager.Job) { f.api.JobRemoved(j) }
func (f *fanout) Reloading(active bool) {
	f.api.Reloading(active)
	if !active {
		returnMemory()
	}
}
func (f *fanout) LoadingUnits(active bool) {
	loadingUnits(active, f.m != nil && f.m.StartupFinishedLoop())
}
func (f *fanout) StartupFinished(t manager.StartupTimes) {
	f.api.StartupFinished(t)
	bootFinished()
	returnMemory()
}

// journalLog sends PID 1's messages where its log target says: to
// journald once its socket exists, and to the console before that
// (252's journal target, kmsg being absent in a container); status
// lines go to the console.
type journalLog struct {
	mu      sync.Mutex
	console io.Writer
	socket  string
	journal *native.Writer
	kmsg    *os.File
	// color, maxLevel and target are the log settings in force.
	color    bool
	maxLevel int
	target   string
	// statusAll and statusNotice say which status lines are shown: all
	// of them, or the notices (failures).
	statusAll, statusNotice bool
	// statusMode is ShowStatus='s word, "temporary" while auto is
	// flipped on (flipAutoStatus).
	statusMode string
	// statusOverride is SetShowStatus's mode, "" for none: it decides
	// which lines show, but for the notices, which follow statusMode.
	statusOverride string
	// prevEphemeral is whether the last status line was a jobs-in-
	// progress line, which the next one overwrites (252's
	// status_vprintf).
	prevEphemeral bool
	// utf8 is whether the locale is UTF-8 (an ellipsis, else "...").
	utf8 bool
	// consoleTTY is whether the console is a terminal: 0 not asked yet,
	// 1 yes, -1 no.
	consoleTTY int
	// noKmsg keeps a test manager off the host's kernel log.
	noKmsg bool
	// journalUp says journald runs (fanout.recheckJournal).
	journalUp atomic.Bool
}

// configure takes the log and status settings of conf.
func (l *journalLog) configure(conf *configuration) {
	all, notice := conf.showStatusOn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.color, l.maxLevel, l.target = conf.log.color, conf.log.level, conf.log.target
	l.statusAll, l.statusNotice = all, notice
	l.statusMode = conf.s.showStatus
	l.utf8 = localeIsUTF8()
}

// emitLines logs what reading the configuration gave: each line was
// let through by the log level in force when it was given, and goes to
// the target in force then.
func (l *journalLog) emitLines(lines []logLine) {
	for _, line := range lines {
		l.emit(manager.LogEntry{Level: line.level, Message: line.message, Fields: line.fields}, line.target)
	}
}

func (l *journalLog) Log(e manager.LogEntry) {
	l.mu.Lock()
	level, target := l.maxLevel, l.target
	l.mu.Unlock()
	if e.Level > level {
		return
	}
	l.emit(e, target)
}

func (l *journalLog) emit(e manager.LogEntry, target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch target {
	case "null":
		return
	case "console", "console-prefixed":
		l.writeConsole(e, target == "console-prefixed")
		return
	case "kmsg":
		if !l.writeKmsg(e) {
			l.writeConsole(e, false)
		}
		return
	}
	if l.journal == nil && l.journalUp.Load() {
		if _, err := os.Stat(l.socket); err == nil {
			if w, err := native.Open(l.socket); err == nil {
				// As 252's PID 1: wait for journald a little, never hang.
				_ = w.SetSendTimeout(10 * time.Millisecond)
				l.journal = w
			}
		}
	}
	if l.journal != nil && l.journalUp.Load() {
		// 252's header: priority, facility, the logging thread (PID 1's
		// main thread), the object (the unit), the identifier.
		fields := []native.Field{
			{Name: "PRIORITY", Value: strconv.Itoa(e.Level)},
			{Name: "SYSLOG_FACILITY", Value: "3"},
			{Name: "TID", Value: strconv.Itoa(os.Getpid())},
		}
		if e.Unit != "" {
			fields = append(fields, native.Field{Name: "UNIT", Value: e.Unit})
		}
		fields = append(fields, native.Field{Name: "SYSLOG_IDENTIFIER", Value: "systemd"})
		for _, f := range e.Fields {
			if k, v, ok := strings.Cut(f, "="); ok && v != "" {
				fields = append(fields, native.Field{Name: k, Value: v})
			}
		}
		fields = append(fields, native.Field{Name: "MESSAGE", Value: e.Message})
		if l.journal.Send(fields...) == nil {
			return
		}
	}
	if target != "journal" && l.writeKmsg(e) {
		return
	}
	l.writeConsole(e, false)
}

// writeConsole is 252's write_to_console: "<level>" first for the
// console-prefixed target, the message in its level's colour when the
// console has colour, then CR LF on a terminal (robust to raw mode),
// else LF.
func (l *journalLog) writeConsole(e manager.LogEntry, prefixed bool) {
	var b strings.Builder
	if prefixed {
		fmt.Fprintf(&b, "<%d>", e.Level)
	}
	on, off := "", ""
	if l.color {
		on, off = logColors(e.Level)
	}
	b.WriteString(on)
	b.WriteString(e.Message)
	b.WriteString(off)
	if l.consoleIsTTY() {
		b.WriteString("\r\n")
	} else {
		b.WriteString("\n")
	}
	_, _ = io.WriteString(l.console, b.String())
}

// logColors are get_log_colors: errors red, warnings khaki, notices
// bright, debug grey, info plain.
func logColors(level int) (on, off string) {
	switch {
	case level <= manager.LevelErr:
		return "\x1b[0;1;31m", "\x1b[0m"
	case level <= manager.LevelWarning:
		return "\x1b[0;1;38;5;185m", "\x1b[0m"
	case level <= manager.LevelNotice:
		return "\x1b[0;1;39m", "\x1b[0m"
	case level >= manager.LevelDebug:
		return "\x1b[0;38;5;245m", "\x1b[0m"
	}
	return "", ""
}

// consoleIsTTY is whether the console is a terminal, asked once.
func (l *journalLog) consoleIsTTY() bool {
	if l.consoleTTY == 0 {
		l.consoleTTY = -1
		if f, ok := l.console.(*os.File); ok {
			if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
				l.consoleTTY = 1
			}
		}
	}
	return l.consoleTTY > 0
}

// onConsole is 252's log_on_console: the target is the console, or
// neither the journal nor the kernel log can be written.
func (l *journalLog) onConsole() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch l.target {
	case "console", "console-prefixed", "null":
		// The null target keeps no log open: the console is all.
		return true
	}
	if l.target != "kmsg" && l.journalUp.Load() {
		if _, err := os.Stat(l.socket); err == nil {
			return false
		}
	}
	return l.target == "journal" || !l.openKmsg()
}

// openKmsg opens the kernel log once; it reports whether it is open.
func (l *journalLog) openKmsg() bool {
	if l.noKmsg {
		return false
	}
	if l.kmsg == nil {
		f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY|unix.O_NOCTTY, 0)
		if err != nil {
			return false
		}
		l.kmsg = f
	}
	return true
}

// writeKmsg writes e to /dev/kmsg as 252 does ("<30>systemd[1]: ..."),
// reporting whether it could.
func (l *journalLog) writeKmsg(e manager.LogEntry) bool {
	if !l.openKmsg() {
		return false
	}
	_, err := fmt.Fprintf(l.kmsg, "<%d>systemd[%d]: %s\n", 3<<3|e.Level, os.Getpid(), e.Message)
	return err == nil
}

// statusColors are the colours of the console status words.
var statusColors = map[string]string{
	"  OK  ": "\x1b[0;32m", "FAILED": "\x1b[0;1;31m", " TIME ": "\x1b[0;1;31m", " ONCE ": "\x1b[0;1;31m",
	"DEPEND": "\x1b[0;1;33m", "ASSERT": "\x1b[0;1;33m", "UNSUPP": "\x1b[0;1;33m", " INFO ": "\x1b[0;1;39m",
	" SKIP ": "\x1b[0;1;31m",
}

// showColor is whether status lines are in colour.
func (l *journalLog) showColor() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.color
}

// localeIsUTF8 is is_locale_utf8: true unless the locale's variables
// name a character set other than UTF-8 (C and POSIX count as UTF-8).
func localeIsUTF8() bool {
	for _, name := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if v == "C" || v == "POSIX" {
			return true
		}
		_, charset, ok := strings.Cut(v, ".")
		charset, _, _ = strings.Cut(charset, "@")
		charset = strings.ToLower(strings.ReplaceAll(charset, "-", ""))
		return ok && charset == "utf8"
	}
	return true
}

// Status writes a console status line as 252's status_vprintf: the
// text cut to the console's width (escapes counted, as 252 counts them),
// after the status column unless status is manager.NoStatus, ending in
// CR LF. Which kinds are shown is ShowStatus='s.
func (l *journalLog) Status(t manager.StatusType, status, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	all := l.statusAll
	if l.statusOverride != "" {
		all = l.statusOverride == "yes" || l.statusOverride == "temporary"
	}
	if !all && !(l.statusNotice && t == manager.StatusNotice) && t != manager.StatusEmergency {
		return
	}
	ephemeral := t == manager.StatusEphemeral
	columns := consoleColumns(l.console)
	var line string
	switch {
	case status == manager.NoStatus:
		line = term.Ellipsize(text, max(columns-1, 3), 50, l.utf8)
	case status == "":
		line = "         " + term.Ellipsize(text, max(columns-10, 3), 50, l.utf8)
	case ephemeral:
		// The status column is the cylon, coloured already.
		line = "[" + status + "] " + term.Ellipsize(text, max(columns-10, 3), 50, l.utf8)
	case l.color:
		line = "[" + statusColors[status] + status + "\x1b[0m] " + term.Ellipsize(text, max(columns-10, 3), 50, l.utf8)
	default:
		line = "[" + status + "] " + term.Ellipsize(text, max(columns-10, 3), 50, l.utf8)
	}
	line += "\r\n"
	if l.prevEphemeral {
		// Back over the line the jobs-in-progress line took, and clear
		// what it left.
		line = "\x1bM\r\x1b[K" + line
		if !ephemeral {
			line += "\x1b[K"
		}
	}
	l.prevEphemeral = ephemeral
	_, _ = io.WriteString(l.console, line)
}

// overrideStatus takes SetShowStatus's mode ("" to restore the
// configured one); it returns the mode now in force and whether the
// override changed.
func (l *journalLog) overrideStatus(override string) (mode string, changed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed = override != l.statusOverride
	l.statusOverride = override
	if override != "" {
		return override, changed
	}
	return l.statusMode, changed
}

// flipAutoStatus turns auto into temporary (enable) or back; it returns
// the mode and whether it changed, and whether status lines are on.
func (l *journalLog) flipAutoStatus(enable bool) (mode string, changed, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case enable && l.statusMode == "auto":
		l.statusMode, l.statusAll, changed = "temporary", true, true
	case !enable && l.statusMode == "temporary":
		l.statusMode, l.statusAll, changed = "auto", false, true
	}
	return l.statusMode, changed, l.statusAll
}

// consoleColumns is the console's width, 80 when it has none (252's
// fd_columns fallback).
func consoleColumns(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}

// executorFor is the binary PID 1 starts commands through: the lone
// systemd-executor installed beside it (a smaller binary that starts
// faster), else PID 1's own binary, which carries the executor too.
func executorFor(self string) string {
	if self == "" {
		return ""
	}
	alone := filepath.Join(filepath.Dir(self), exec.ToolName)
	if st, err := os.Stat(alone); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		return alone
	}
	return self
}
