// Package systemctl is systemctl as systemd 252 has it. The unit file
// verbs (enable, disable, reenable, preset, preset-all, mask, unmask,
// link, revert, is-enabled, list-unit-files, get-default, set-default,
// add-wants, add-requires) work offline, as the real tool runs them
// without a service manager or with --root=, and on a booted system over
// the bus (unitfiles_bus.go). The verbs that talk to the service manager
// (bus.go: the private socket as root, else the system bus) are the start
// family with job waiting, isolate, kill, is-active, is-failed, check,
// reset-failed, clear-jobs, cancel, daemon-reload, daemon-reexec, show,
// status (without its journal lines), cat, list-units, list-jobs,
// list-dependencies, list-sockets, list-timers, list-automounts,
// list-machines (this host only), is-system-running, the environment
// verbs, set-property (impl/unitprop), clean, freeze, thaw, switch-root,
// the power verbs (verbs.go), edit (edit.go), log-level, log-target,
// service-log-level, service-log-target and service-watchdogs
// (logsetting.go), help (help_verb.go), bind and mount-image (mount.go);
// each is compared with 252's by difftests/systemctl. Only
// --boot-loader-entry=help still says it is not implemented.
//
// Only impl/multicall imports it.
package systemctl

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/dissect"
	"gosystemd/impl/install"
	"gosystemd/impl/unitname"
)

// errReported is a failure already reported; the exit code is 1.
var errReported = errors.New("reported")

// exitCode is an outcome with an exit code of its own, as is-enabled's.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

type tool struct {
	stdio cli.Stdio
	out   *term.Output
	term  *term.Term
	log   *logging.Logger
	// argv0 is program_invocation_name, name its short form.
	argv0, name string
	utf8        bool
	// stEllipsized: status shortened a journal line.
	stEllipsized bool

	opts options
	// bus is the service manager connection, once made.
	bus *managerBus
	// fullBus is the system bus connection (acquire_bus(BUS_FULL)).
	fullBus *managerBus
}

// Main runs systemctl.
func Main(args []string, stdio cli.Stdio) int {
	t := &tool{stdio: stdio, out: term.NewOutput(stdio.Out), term: term.Detect(stdio.Out, stdio.Err)}
	t.argv0 = args[0]
	t.name = args[0][strings.LastIndexByte(args[0], '/')+1:]
	t.utf8 = term.LocaleIsUTF8()
	t.log = logging.New(stdio.Err, t.term, t.name)
	t.log.Setup()
	defer t.log.Close()
	err := t.run(args)
	t.out.Flush()
	t.closeBus()
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	}
	return 1
}

func (t *tool) run(args []string) error {
	operands, err := t.parseArgs(args)
	if err != nil || operands == nil {
		return err
	}
	if t.opts.image != "" {
		return t.onImage(func() error { return t.dispatch(operands) })
	}
	return t.dispatch(operands)
}

// onImage runs verbs with --root= on the mounted --image=. The image is
// mounted in a mount namespace of a thread of its own, which ends with
// it: everything the verbs do happens on that thread.
func (t *tool) onImage(verbs func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread and its namespace end here
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("systemctl --image: %v", r)
			}
		}()
		dir, err := dissect.MountPrivately(t.opts.image, t.name, install.Strerror)
		if err != nil {
			t.logAt(logging.Err, "%s", err.Error())
			done <- errReported
			return
		}
		t.opts.root = dir
		err = verbs()
		dissect.Unmount(dir)
		done <- err
	}()
	return <-done
}

// Log helpers; loc is unused detail of systemd's SYSTEMD_LOG_LOCATION.
func (t *tool) logAt(level logging.Level, format string, args ...any) {
	t.log.Log(level, "src/systemctl/systemctl.c", format, args...)
}

func (t *tool) errorf(format string, args ...any) error {
	t.logAt(logging.Err, format, args...)
	return errReported
}

func (t *tool) info(format string, args ...any)   { t.logAt(logging.Info, format, args...) }
func (t *tool) notice(format string, args ...any) { t.logAt(logging.Notice, format, args...) }
func (t *tool) warning(format string, args ...any) {
	t.logAt(logging.Warning, format, args...)
}

func (t *tool) printf(format string, args ...any) { fmt.Fprintf(t.out, format, args...) }

// glyph is special_glyph for the glyphs systemctl uses.
func (t *tool) arrow() string {
	if t.utf8 {
		return "→"
	}
	return "->"
}

func (t *tool) bullet() string {
	if t.utf8 {
		return "•"
	}
	return "*"
}

// verb is one entry of systemctl's verb table.
type verb struct {
	name             string
	minArgs, maxArgs int // -1: any
	isDefault        bool
	onlineOnly       bool
	run              func(t *tool, args []string) error
}

var verbs []verb

func init() {
	onlineRun := func(name string, min, max int, run func(*tool, []string) error) verb {
		return verb{name: name, minArgs: min, maxArgs: max, onlineOnly: true, run: run}
	}
	offline := func(name string, min, max int, run func(*tool, []string) error) verb {
		return verb{name: name, minArgs: min, maxArgs: max, run: run}
	}
	listUnits := onlineRun("list-units", -1, -1, (*tool).listUnits)
	listUnits.isDefault = true
	verbs = []verb{
		listUnits,
		offline("list-unit-files", -1, -1, (*tool).listUnitFiles),
		onlineRun("list-automounts", -1, -1, (*tool).listAutomounts),
		onlineRun("list-sockets", -1, -1, (*tool).listSockets),
		onlineRun("list-timers", -1, -1, (*tool).listTimers),
		onlineRun("list-jobs", -1, -1, (*tool).listJobs),
		onlineRun("list-machines", -1, -1, (*tool).listMachines),
		verb{name: "clear-jobs", minArgs: -1, maxArgs: 1, onlineOnly: true, run: (*tool).trivialMethod},
		onlineRun("cancel", -1, -1, (*tool).cancel),
		onlineRun("start", 2, -1, (*tool).start),
		onlineRun("stop", 2, -1, (*tool).start),
		onlineRun("condstop", 2, -1, (*tool).start),
		onlineRun("reload", 2, -1, (*tool).start),
		onlineRun("restart", 2, -1, (*tool).start),
		onlineRun("try-restart", 2, -1, (*tool).start),
		onlineRun("reload-or-restart", -1, -1, (*tool).start),
		onlineRun("reload-or-try-restart", 2, -1, (*tool).start),
		onlineRun("try-reload-or-restart", 2, -1, (*tool).start),
		onlineRun("force-reload", 2, -1, (*tool).start),
		onlineRun("condreload", 2, -1, (*tool).start),
		onlineRun("condrestart", 2, -1, (*tool).start),
		onlineRun("isolate", 2, 2, (*tool).start),
		onlineRun("kill", 2, -1, (*tool).kill),
		onlineRun("clean", 2, -1, (*tool).cleanOrFreeze),
		onlineRun("freeze", 2, -1, (*tool).cleanOrFreeze),
		onlineRun("thaw", 2, -1, (*tool).cleanOrFreeze),
		onlineRun("is-active", 2, -1, (*tool).isActive),
		onlineRun("check", 2, -1, (*tool).isActive),
		onlineRun("is-failed", 2, -1, (*tool).isFailed),
		onlineRun("show", -1, -1, (*tool).show),
		onlineRun("cat", 2, -1, (*tool).cat),
		onlineRun("status", -1, -1, (*tool).status),
		onlineRun("help", -1, -1, (*tool).helpVerb),
		onlineRun("daemon-reload", 1, 1, (*tool).daemonReload),
		onlineRun("daemon-reexec", 1, 1, (*tool).daemonReload),
		onlineRun("log-level", -1, 2, (*tool).logSetting),
		onlineRun("log-target", -1, 2, (*tool).logSetting),
		onlineRun("service-log-level", 2, 3, (*tool).serviceLogSetting),
		onlineRun("service-log-target", 2, 3, (*tool).serviceLogSetting),
		onlineRun("service-watchdogs", -1, 2, (*tool).serviceWatchdogs),
		onlineRun("show-environment", -1, 1, (*tool).showEnvironment),
		onlineRun("set-environment", 2, -1, (*tool).setEnvironment),
		onlineRun("unset-environment", 2, -1, (*tool).setEnvironment),
		onlineRun("import-environment", -1, -1, (*tool).importEnvironment),
		onlineRun("halt", -1, 1, (*tool).startSpecial),
		onlineRun("poweroff", -1, 1, (*tool).startSpecial),
		onlineRun("reboot", -1, 2, (*tool).startSpecial),
		onlineRun("kexec", -1, 1, (*tool).startSpecial),
		onlineRun("suspend", -1, 1, (*tool).startSpecial),
		onlineRun("hibernate", -1, 1, (*tool).startSpecial),
		onlineRun("hybrid-sleep", -1, 1, (*tool).startSpecial),
		onlineRun("suspend-then-hibernate", -1, 1, (*tool).startSpecial),
		onlineRun("default", -1, 1, (*tool).startSpecial),
		onlineRun("rescue", -1, 1, (*tool).startSpecial),
		onlineRun("emergency", -1, 1, (*tool).startSpecial),
		onlineRun("exit", -1, 2, (*tool).startSpecial),
		onlineRun("reset-failed", -1, -1, (*tool).resetFailed),
		offline("enable", 2, -1, (*tool).enable),
		offline("disable", 2, -1, (*tool).enable),
		offline("is-enabled", 2, -1, (*tool).isEnabled),
		offline("reenable", 2, -1, (*tool).enable),
		offline("preset", 2, -1, (*tool).enable),
		offline("preset-all", -1, 1, (*tool).presetAll),
		offline("mask", 2, -1, (*tool).enable),
		offline("unmask", 2, -1, (*tool).enable),
		offline("link", 2, -1, (*tool).enable),
		offline("revert", 2, -1, (*tool).enable),
		onlineRun("switch-root", 2, -1, (*tool).switchRoot),
		onlineRun("list-dependencies", -1, -1, (*tool).listDependencies),
		offline("set-default", 2, 2, (*tool).setDefault),
		offline("get-default", -1, 1, (*tool).getDefault),
		onlineRun("set-property", 3, -1, (*tool).setProperty),
		offline("is-system-running", -1, 1, (*tool).isSystemRunning),
		offline("add-wants", 3, -1, (*tool).addDependency),
		offline("add-requires", 3, -1, (*tool).addDependency),
		onlineRun("edit", 2, -1, (*tool).edit),
		onlineRun("bind", 3, 4, (*tool).bindMount),
		onlineRun("mount-image", 4, 5, (*tool).mountImage),
	}
}

func findVerb(name string, hasName bool) *verb {
	for i := range verbs {
		if hasName && verbs[i].name == name || !hasName && verbs[i].isDefault {
			return &verbs[i]
		}
	}
	return nil
}

// dispatch is systemctl_main and dispatch_verb.
func (t *tool) dispatch(operands []string) error {
	name, hasName := "", len(operands) > 0
	if hasName {
		name = operands[0]
	}
	v := findVerb(name, hasName)
	if v != nil && v.onlineOnly && t.opts.root != "" {
		n := name
		if !hasName {
			n = v.name
		}
		return t.errorf("Verb '%s' cannot be used with --root= or --image=.", n)
	}
	if v == nil {
		if hasName {
			return t.errorf("Unknown command verb %s.", name)
		}
		return t.errorf("Command verb required.")
	}
	left := len(operands)
	if !hasName {
		left = 1
		operands = []string{v.name}
	}
	if v.minArgs >= 0 && left < v.minArgs {
		return t.errorf("Too few arguments.")
	}
	if v.maxArgs >= 0 && left > v.maxArgs {
		return t.errorf("Too many arguments.")
	}
	if v.onlineOnly && runningInChrootOrOffline() {
		t.info("Running in chroot, ignoring command '%s'", operands[0])
		return nil
	}
	return v.run(t, operands)
}

// runningInChrootOrOffline is running_in_chroot_or_offline: $SYSTEMD_OFFLINE
// or a root directory other than PID 1's.
func runningInChrootOrOffline() bool {
	if e, ok := os.LookupEnv("SYSTEMD_OFFLINE"); ok {
		if b := term.ParseBoolean(e); b >= 0 {
			return b == 1
		}
	}
	return runningInChroot()
}

// runningInChroot is running_in_chroot: whether our root directory is
// not PID 1's.
func runningInChroot() bool {
	if e, ok := os.LookupEnv("SYSTEMD_IGNORE_CHROOT"); ok && term.ParseBoolean(e) == 1 {
		return false
	}
	var a, b syscall.Stat_t
	if syscall.Stat("/proc/1/root", &a) != nil || syscall.Stat("/", &b) != nil {
		return false
	}
	return a.Dev != b.Dev || a.Ino != b.Ino
}

// booted is sd_booted: whether systemd is the running init system.
func booted() bool {
	st, err := os.Lstat("/run/systemd/system")
	return err == nil && st.IsDir()
}

// installClientSide is install_client_side: whether unit file operations
// run in this process rather than in the service manager.
func (t *tool) installClientSide() bool {
	if runningInChrootOrOffline() || !booted() || t.opts.root != "" || t.opts.scope == install.ScopeGlobal {
		return true
	}
	e, ok := os.LookupEnv("SYSTEMCTL_INSTALL_CLIENT_SIDE")
	return ok && term.ParseBoolean(e) == 1
}

// acquireBus reports why the service manager cannot be reached: talking
// to it over D-Bus is not implemented yet, and without a booted systemd
// the real tool fails the same way.
func (t *tool) acquireBus() error {
	if !booted() {
		t.logAt(logging.Err, "System has not been booted with systemd as init system (PID 1). Can't operate.")
		return t.errorf("Failed to connect to bus: %s", install.Strerror(syscall.EHOSTDOWN))
	}
	return t.errorf("Talking to the service manager is not implemented yet.")
}

// isSystemRunning is verb_is_system_running: the manager's SystemState,
// success only for "running"; --wait first waits for startup to finish.
func (t *tool) isSystemRunning(args []string) error {
	if t.opts.root != "" || runningInChroot() || !t.opts.remote && !t.opts.machine && !booted() {
		if !t.opts.quiet {
			t.printf("offline\n")
		}
		return exitCode(1)
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	wait := t.opts.wait
	if wait {
		if err := b.watchManagerSignal("StartupFinished"); err != nil {
			t.warning("Failed to request match for StartupFinished: %s", busErrorMessage(err))
			wait = false
		}
	}
	state, err := b.stringProperty(busManagerPath, ifaceManager, "SystemState")
	if err != nil {
		t.warning("Failed to query system state: %s", busErrorMessage(err))
		return t.systemStateUnknown()
	}
	if wait && (state == "initializing" || state == "starting") {
		if err := b.awaitManagerSignal("StartupFinished"); err != nil {
			t.warning("Failed to get property from event loop: %s", install.Strerror(errnoOf(err)))
			return t.systemStateUnknown()
		}
		if state, err = b.stringProperty(busManagerPath, ifaceManager, "SystemState"); err != nil {
			t.warning("Failed to get property from event loop: %s", install.Strerror(errnoOf(err)))
			return t.systemStateUnknown()
		}
	}
	if !t.opts.quiet {
		t.printf("%s\n", state)
	}
	if state != "running" {
		return exitCode(1)
	}
	return nil
}

// mangleNames is mangle_names: paths are made absolute, anything else
// becomes a unit name (".service" by default).
func (t *tool) mangleNames(operation string, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if strings.Contains(n, "/") {
			p, err := makeAbsoluteCwd(n)
			if err != nil {
				return nil, t.errorf("Failed to mangle unit name or path '%s': %s", n, install.Strerror(errnoOf(err)))
			}
			out = append(out, p)
			continue
		}
		m, err := t.mangle(n, operation, ".service")
		if err != nil {
			return nil, t.errorf("Failed to mangle unit name or path '%s': %s", n, install.Strerror(errnoOf(err)))
		}
		out = append(out, m)
	}
	return out, nil
}

// mangle is unit_name_mangle_with_suffix, its notes logged unless quiet.
func (t *tool) mangle(name, operation, suffix string) (string, error) {
	m, err := unitname.Mangle(name, operation, 0, suffix)
	level := logging.Notice
	if t.opts.quiet {
		level = logging.Debug
	}
	for _, n := range m.Notes {
		t.logAt(level, "%s", n)
	}
	return m.Name, err
}

func makeAbsoluteCwd(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return p, nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(cwd, "/") {
		return cwd + p, nil
	}
	return cwd + "/" + p, nil
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}
