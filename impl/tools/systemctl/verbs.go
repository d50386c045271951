package systemctl

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/bus"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitprop"
)

// reportedErrno is a failure already reported that carries its errno
// for a caller's own message ("Failed to expand ... : %m").
type reportedErrno syscall.Errno

func (e reportedErrno) Error() string   { return syscall.Errno(e).Error() }
func (e reportedErrno) Unwrap() []error { return []error{errReported, syscall.Errno(e)} }

// expandOrSay is expand_unit_names as set-property, clean, freeze and thaw
// call it: its failure is logged once more with the caller's words.
func (t *tool) expandOrSay(b *managerBus, names []string, say string) ([]string, error) {
	expanded, _, err := t.expandUnitNames(b, names, "")
	if err != nil {
		return nil, t.errorf("%s: %s", say, install.Strerror(errnoOf(err)))
	}
	return expanded, nil
}

// setProperty is verb_set_property.
func (t *tool) setProperty(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	names, err := t.expandOrSay(b, args[1:2], fmt.Sprintf("Failed to expand '%s' into names", args[1]))
	if err != nil {
		return err
	}
	var first error
	for _, n := range names {
		if err := t.setPropertyOne(b, n, args[2:]); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (t *tool) setPropertyOne(b *managerBus, name string, assignments []string) error {
	dot := strings.LastIndexByte(name, '.')
	typ := ""
	if dot >= 0 {
		typ = unitname.TypeFromString(name[dot+1:]).String()
	}
	if typ == "" {
		return t.errorf("Invalid unit type: %s", name)
	}
	props, err := unitprop.AppendMany([]unitprop.Property{}, typ, assignments)
	if err != nil {
		t.log.Log(logging.Err, "src/shared/bus-unit-util.c", "%s", err.Error())
		return errReported
	}
	if _, err := b.callManager("SetUnitProperties", name, t.opts.runtime, props); err != nil {
		return t.errorf("Failed to set unit properties on %s: %s", name, busErrorMessage(err))
	}
	return nil
}

// connectFullBus is acquire_bus(BUS_FULL): the system bus, where the
// manager can track us as a client (RefUnit).
func (t *tool) connectFullBus() (*managerBus, error) {
	if t.fullBus != nil {
		return t.fullBus, nil
	}
	if !booted() {
		t.logAt(logging.Err, "System has not been booted with systemd as init system (PID 1). Can't operate.")
		return nil, t.errorf("Failed to connect to bus: %s", install.Strerror(syscall.EHOSTDOWN))
	}
	c, err := bus.DialSystemBusClient()
	if err != nil {
		e := errnoOf(err)
		t.logAt(logging.Err, "Failed to connect to bus: %s", install.Strerror(e))
		return nil, reportedErrno(e)
	}
	b := &managerBus{c: c}
	t.fullBus = b
	return b, nil
}

// cleanOrFreeze is verb_clean_or_freeze.
func (t *tool) cleanOrFreeze(args []string) error {
	b, err := t.connectFullBus()
	if err != nil {
		return err
	}
	what := t.opts.cleanWhat
	if what == nil {
		what = []string{"cache", "runtime"}
	}
	names, err := t.expandOrSay(b, args[1:], "Failed to expand names")
	if err != nil {
		return err
	}
	if t.opts.noBlock {
		// 252 hands its missing unit waiter to bus_wait_for_units_run,
		// whose assertion aborts it.
		return t.errorf("--no-block is not supported with %s.", args[0])
	}
	method := map[string]string{"clean": "CleanUnit", "freeze": "FreezeUnit", "thaw": "ThawUnit"}[args[0]]
	w := newUnitWaiter(t, b)
	var ret error
	for _, n := range names {
		if _, err := b.callManager("RefUnit", n); err != nil {
			t.logAt(logging.Err, "Failed to add reference to unit %s: %s", n, busErrorMessage(err))
			if ret == nil {
				ret = errReported
			}
			continue
		}
		callArgs := []any{n}
		if method == "CleanUnit" {
			callArgs = append(callArgs, what)
		}
		if _, err := b.callManager(method, callArgs...); err != nil {
			t.logAt(logging.Err, "Failed to %s unit %s: %s", args[0], n, busErrorMessage(err))
			if ret == nil {
				ret = errReported
				continue
			}
		}
		w.add(n, waitReffed|waitForMaintenanceEnd)
	}
	if w.run() && ret == nil {
		ret = errReported
	}
	return ret
}

// unitWaiter is BusWaitForUnits: units watched until a state (the end
// of maintenance, inactive and without a job), failed when one ends in a
// CleanResult other than success or in the failed state.
type unitWaiter struct {
	t      *tool
	b      *managerBus
	items  map[dbus.ObjectPath]*waitItem
	failed bool
}

func newUnitWaiter(t *tool, b *managerBus) *unitWaiter {
	return &unitWaiter{t: t, b: b, items: map[dbus.ObjectPath]*waitItem{}}
}

// What a waitItem waits for (BUS_WAIT_*).
const (
	waitForMaintenanceEnd = 1 << iota
	waitForInactive
	waitNoJob
	waitReffed
)

type waitItem struct {
	flags                    int
	activeState, cleanResult string
	known                    bool
	jobID                    uint32
	// seq is the GetAll reply's: signals sent before it are in it.
	seq dbus.Sequence
}

func (w *unitWaiter) add(name string, flags int) {
	path := unitPath(name)
	w.b.watchSignals()
	obj := w.b.object(busService, path)
	if flags&waitReffed == 0 {
		obj.Go(ifaceUnit + ".Ref")
	}
	_ = w.b.addMatchSignal(busService, path, ifaceProps, "PropertiesChanged")
	it := &waitItem{flags: flags, jobID: ^uint32(0)}
	w.items[path] = it
	iface := ifaceUnit
	if flags&waitForMaintenanceEnd != 0 {
		iface = ""
	}
	var all map[string]dbus.Variant
	c := obj.Call(ifaceProps+".GetAll", 0, iface)
	if err := c.Store(&all); err != nil {
		w.t.logAt(logging.Debug, "GetAll() failed for %s: %s", path, busErrorMessage(err))
		w.failed = true
		delete(w.items, path)
		return
	}
	it.seq = c.ResponseSequence
	w.update(path, it, all)
}

// update applies properties to an item and drops it once it is done
// (wait_for_item_check_ready).
func (w *unitWaiter) update(path dbus.ObjectPath, it *waitItem, props map[string]dbus.Variant) {
	if v, ok := props["ActiveState"]; ok {
		it.activeState, _ = v.Value().(string)
		it.known = true
	}
	if v, ok := props["CleanResult"]; ok {
		it.cleanResult, _ = v.Value().(string)
	}
	if v, ok := props["Job"]; ok {
		if job, ok := v.Value().([]any); ok && len(job) == 2 {
			it.jobID, _ = job[0].(uint32)
		}
	}
	if it.flags&waitForMaintenanceEnd != 0 {
		if it.cleanResult != "" && it.cleanResult != "success" {
			w.failed = true
		}
		if !it.known || it.activeState == "maintenance" {
			return
		}
	}
	if it.flags&waitNoJob != 0 && it.jobID != 0 {
		return
	}
	if it.flags&waitForInactive != 0 {
		if it.known && it.activeState == "failed" {
			w.failed = true
		} else if !it.known || it.activeState != "inactive" {
			return
		}
	}
	delete(w.items, path)
}

// run waits for every unit; it reports whether one failed.
func (w *unitWaiter) run() bool {
	for len(w.items) > 0 {
		sig, ok := w.b.nextSignal()
		if !ok {
			w.t.logAt(logging.Err, "Warning! D-Bus connection terminated.")
			return w.failed
		}
		it := w.items[sig.Path]
		if it == nil || sig.Name != ifaceProps+".PropertiesChanged" || len(sig.Body) < 2 || sig.Sequence < it.seq {
			continue
		}
		changed, _ := sig.Body[1].(map[string]dbus.Variant)
		w.update(sig.Path, it, changed)
	}
	return w.failed
}

// specialAction is one row of 252's action_table used by verbs.
type specialAction struct {
	target, mode string
	// logind is the login1 method, "" for none; system says the verb is
	// only for the system manager.
	logind string
	system bool
}

var specialActions = map[string]specialAction{
	"halt":                   {"halt.target", "replace-irreversibly", "Halt", true},
	"poweroff":               {"poweroff.target", "replace-irreversibly", "PowerOff", true},
	"reboot":                 {"reboot.target", "replace-irreversibly", "Reboot", true},
	"kexec":                  {"kexec.target", "replace-irreversibly", "Reboot", true},
	"suspend":                {"suspend.target", "replace-irreversibly", "Suspend", true},
	"hibernate":              {"hibernate.target", "replace-irreversibly", "Hibernate", true},
	"hybrid-sleep":           {"hybrid-sleep.target", "replace-irreversibly", "HybridSleep", true},
	"suspend-then-hibernate": {"suspend-then-hibernate.target", "replace-irreversibly", "SuspendThenHibernate", true},
	"default":                {"default.target", "isolate", "", false},
	"rescue":                 {"rescue.target", "isolate", "", true},
	"emergency":              {"emergency.target", "isolate", "", true},
	"exit":                   {"exit.target", "replace-irreversibly", "", false},
}

const rebootParamFile = "/run/systemd/reboot-param"

// startSpecial is verb_start_special and verb_start_system_special.
func (t *tool) startSpecial(args []string) error {
	verb := args[0]
	a := specialActions[verb]
	if a.system && t.opts.scope != install.ScopeSystem {
		mode := "--user"
		if t.opts.scope == install.ScopeGlobal {
			mode = "--global"
		}
		return t.errorf("Bad action for %s mode.", mode)
	}
	if t.opts.force >= 2 && os.Geteuid() != 0 {
		return t.errorf("Need to be root.")
	}
	termination := verb == "halt" || verb == "poweroff" || verb == "reboot"
	if termination && t.opts.bootOptions {
		return t.errorf("--firmware-setup and --boot-loader-menu=/--boot-loader-entry= are not implemented yet.")
	}
	switch {
	case verb == "reboot":
		arg, set := t.opts.rebootArg, t.opts.rebootArgSet
		if len(args) > 1 {
			if set {
				return t.errorf("Both --reboot-argument= and positional argument passed to reboot command, refusing.")
			}
			t.notice("Positional argument to reboot command is deprecated, please use --reboot-argument= instead. Accepting anyway.")
			arg, set = args[1], true
		}
		if set {
			if err := t.updateRebootParameter(arg); err != nil {
				return err
			}
		}
	case verb == "kexec":
		if err := t.loadKexecKernel(); err != nil {
			if t.opts.force < 1 {
				return err
			}
			t.notice("Failed to load kexec kernel, continuing without.")
		}
	case verb == "exit" && len(args) > 1:
		code, err := value.SafeAtou8(args[1])
		if err != nil {
			return t.errorf("Invalid exit code.")
		}
		b, err := t.connectBus()
		if err != nil {
			return err
		}
		if _, err := b.callManager("SetExitCode", code); err != nil {
			return t.errorf("Failed to set exit code: %s", busErrorMessage(err))
		}
	}
	if termination && t.opts.force >= 2 {
		return t.haltNow(verb)
	}
	if t.opts.force >= 1 && (termination || verb == "kexec" || verb == "exit") {
		return t.trivialMethod(args)
	}
	if a.logind != "" {
		err := t.logindReboot(verb, a.logind)
		if err == nil {
			return nil
		}
		switch errnoOf(err) {
		case syscall.EACCES, syscall.EOPNOTSUPP, syscall.EINPROGRESS:
			return errReported
		}
		t.opts.noBlock = true
	} else if verb == "exit" {
		t.opts.noBlock = true
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	return t.startUnits(b, "StartUnit", "start", a.mode, []string{a.target})
}

// updateRebootParameter is update_reboot_parameter_and_warn(arg, false).
func (t *tool) updateRebootParameter(arg string) error {
	if arg == "" {
		if err := os.Remove(rebootParamFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.warning("Failed to unlink reboot parameter file: %s", install.Strerror(errnoOf(err)))
			return errReported
		}
		return nil
	}
	valid := len(arg) <= 255
	for i := 0; i < len(arg); i++ {
		if arg[i] >= 0x80 {
			valid = false
		}
	}
	if !valid {
		return t.errorf("Invalid reboot parameter '%s'.", arg)
	}
	old := syscall.Umask(0o022)
	err := writeFileAtomic(rebootParamFile, arg+"\n")
	syscall.Umask(old)
	if err != nil {
		t.warning("Failed to write reboot parameter file: %s", install.Strerror(errnoOf(err)))
		return errReported
	}
	return nil
}

func writeFileAtomic(path, data string) error {
	tmp := fmt.Sprintf("%s.#%d", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// kexecBinary is Debian's KEXEC.
const kexecBinary = "/sbin/kexec"

// loadKexecKernel is load_kexec_kernel, as far as a system without a
// kexec binary or with a kernel already loaded takes it.
func (t *tool) loadKexecKernel() error {
	if b, err := os.ReadFile("/sys/kernel/kexec_loaded"); err == nil && strings.TrimSpace(string(b)) == "1" {
		t.logAt(logging.Debug, "Kexec kernel already loaded.")
		return nil
	}
	if err := syscall.Access(kexecBinary, 1); err != nil {
		return t.errorf("%s is not available: %s", kexecBinary, install.Strerror(errnoOf(err)))
	}
	return t.errorf("Loading a kexec kernel from the boot loader entries is not implemented yet.")
}

// haltNow is halt_now: the reboot(2) system call itself.
func (t *tool) haltNow(verb string) error {
	if !t.opts.dryRun {
		syscall.Sync()
		_ = syscall.Reboot(syscall.LINUX_REBOOT_CMD_CAD_ON)
	}
	var cmd int
	switch verb {
	case "halt":
		if !t.opts.quiet {
			t.info("Halting.")
		}
		cmd = syscall.LINUX_REBOOT_CMD_HALT
	case "poweroff":
		if !t.opts.quiet {
			t.info("Powering off.")
		}
		cmd = syscall.LINUX_REBOOT_CMD_POWER_OFF
	default:
		level := logging.Info
		if t.opts.quiet {
			level = logging.Debug
		}
		t.logAt(level, "Rebooting.")
		cmd = syscall.LINUX_REBOOT_CMD_RESTART
	}
	if t.opts.dryRun {
		return nil
	}
	err := syscall.Reboot(cmd)
	return reportedErrno(errnoOf(err))
}

// logindReboot is logind_reboot: logind's method, which may ask polkit.
func (t *tool) logindReboot(verb, method string) error {
	b, err := t.connectFullBus()
	if err != nil {
		return err
	}
	doing := "Setting"
	if t.opts.dryRun {
		doing = "Would set"
	}
	wall := strings.Join(t.opts.wall, " ")
	t.logAt(logging.Debug, "%s wall message \"%s\".", doing, wall)
	login := b.object("org.freedesktop.login1", "/org/freedesktop/login1")
	const loginManager = "org.freedesktop.login1.Manager"
	if !t.opts.dryRun {
		if c := login.Call(loginManager+".SetWallMessage", 0, wall, !t.opts.noWall); c.Err != nil {
			t.warning("Failed to set wall message, ignoring: %s", busErrorMessage(c.Err))
		}
	}
	doing = "Executing"
	if t.opts.dryRun {
		doing = "Would execute"
	}
	t.logAt(logging.Debug, "%s org.freedesktop.login1.Manager %sWithFlags dbus call.", doing, method)
	if t.opts.dryRun {
		return nil
	}
	var flags uint64
	if verb == "kexec" {
		flags |= 1 << 1
	}
	c := login.Call(loginManager+"."+method+"WithFlags", 0, flags)
	if c.Err == nil {
		return nil
	}
	if busErrorName(c.Err) == "org.freedesktop.DBus.Error.UnknownMethod" {
		c = login.Call(loginManager+"."+method, 0, false)
		if c.Err == nil {
			return nil
		}
	}
	t.logAt(logging.Err, "Call to %s failed: %s", method, busErrorMessage(c.Err))
	return reportedErrno(busErrno(c.Err))
}

// busErrno is sd_bus_error_get_errno for the errors logind answers with.
func busErrno(err error) syscall.Errno {
	name := busErrorName(err)
	switch name {
	case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
		return syscall.EACCES
	case "org.freedesktop.DBus.Error.NotSupported", "org.freedesktop.login1.SleepVerbNotSupported":
		return syscall.EOPNOTSUPP
	case "org.freedesktop.login1.OperationInProgress":
		return syscall.EINPROGRESS
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		return syscall.EHOSTDOWN
	case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout":
		return syscall.ETIMEDOUT
	}
	return syscall.EIO
}

// switchRoot is verb_switch_root.
func (t *tool) switchRoot(args []string) error {
	if t.opts.remote || t.opts.machine {
		return t.errorf("Cannot switch root remotely.")
	}
	if len(args) > 3 {
		return t.errorf("Wrong number of arguments.")
	}
	root, init := args[1], ""
	if len(args) >= 3 {
		init = args[2]
	} else {
		init = kernelCmdlineValue("init")
	}
	if init != "" {
		a, errA := os.Stat(strings.TrimSuffix(root, "/") + "/" + strings.TrimPrefix(init, "/"))
		s, errS := os.Stat(strings.TrimSuffix(root, "/") + "/lib/systemd/systemd")
		if errA == nil && errS == nil && os.SameFile(a, s) {
			init = ""
		}
	}
	// PID 1 signals every process before it switches, but for those
	// marked with an '@' as argv[0]; a late SIGTERM from the new manager
	// is ignored too: the switch succeeded.
	markArgv0()
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	signal.Ignore(syscall.SIGTERM)
	t.logAt(logging.Debug, "Switching root - root: %s; init: %s", root, strna(init))
	if _, err := b.callManager("SwitchRoot", root, init); err != nil {
		signal.Reset(syscall.SIGTERM)
		return t.errorf("Failed to switch root: %s", busErrorMessage(err))
	}
	return nil
}

// markArgv0 turns the first character of the process's argv[0], as
// /proc/self/cmdline shows it, into '@' (the memory the kernel reads it
// from starts at arg_start, field 48 of /proc/self/stat).
func markArgv0() {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return
	}
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return
	}
	// Fields after the command name start with the third, state.
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 46 {
		return
	}
	argStart, err := strconv.ParseInt(f[45], 10, 64)
	if err != nil || argStart <= 0 {
		return
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer mem.Close()
	_, _ = mem.WriteAt([]byte{'@'}, argStart)
}

func strna(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// kernelCmdlineValue is proc_cmdline_get_key without flags: the value of
// key= on the kernel command line, the last one given.
func kernelCmdlineValue(key string) string {
	data, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return ""
	}
	v := ""
	for _, w := range strings.Fields(string(data)) {
		if val, ok := strings.CutPrefix(w, key+"="); ok {
			v = val
		}
	}
	return v
}
