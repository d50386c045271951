package systemctl

import (
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unitname"
)

// unitActions maps the verbs of the start family to their Manager
// method and job type (252's unit_actions).
var unitActions = map[string][2]string{
	"start":                 {"StartUnit", "start"},
	"stop":                  {"StopUnit", "stop"},
	"condstop":              {"StopUnit", "stop"},
	"reload":                {"ReloadUnit", "reload"},
	"restart":               {"RestartUnit", "restart"},
	"try-restart":           {"TryRestartUnit", "try-restart"},
	"condrestart":           {"TryRestartUnit", "try-restart"},
	"reload-or-restart":     {"ReloadOrRestartUnit", "reload-or-restart"},
	"try-reload-or-restart": {"ReloadOrTryRestartUnit", "reload-or-try-restart"},
	"reload-or-try-restart": {"ReloadOrTryRestartUnit", "reload-or-try-restart"},
	"condreload":            {"ReloadOrTryRestartUnit", "reload-or-try-restart"},
	"force-reload":          {"ReloadOrTryRestartUnit", "reload-or-try-restart"},
}

func (t *tool) jobMode() string {
	if t.opts.jobMode == "" {
		return "replace"
	}
	return t.opts.jobMode
}

// start is verb_start for the start family and isolate.
func (t *tool) start(args []string) error {
	if t.opts.wait && args[0] != "start" && args[0] != "restart" {
		return t.errorf("--wait may only be used with the 'start' or 'restart' commands.")
	}
	if t.opts.showTransaction {
		return t.errorf("--show-transaction is not implemented yet.")
	}
	// --wait needs the system bus: the manager tracks no client of its
	// private socket (Unit.Ref).
	connect := t.connectBus
	if t.opts.wait {
		connect = t.connectFullBus
	}
	b, err := connect()
	if err != nil {
		return err
	}
	method, jobType, mode, suffix := "StartUnit", "start", t.jobMode(), ""
	if args[0] == "isolate" {
		mode, suffix = "isolate", ".target"
	} else if a, ok := unitActions[args[0]]; ok {
		method, jobType = a[0], a[1]
	}
	var names []string
	expanded := false
	if !t.opts.marked {
		names, expanded, err = t.expandUnitNames(b, args[1:], suffix)
		if err != nil {
			return err
		}
	}
	if !t.opts.marked && !t.opts.all && expanded && jobType == "start" && !t.opts.quiet {
		t.warning("Warning: %ssystemctl start called with a glob pattern.%s", t.term.ANSI("\x1b[0;1;31m"), t.term.Normal())
		t.notice("Hint: unit globs expand to loaded units, so start will usually have no effect.\n" +
			"      Passing --all will also load units which are pulled in by other units.\n" +
			"      See systemctl(1) for more details.")
	}
	return t.startUnits(b, method, jobType, mode, names)
}

// startUnits is the rest of verb_start: the jobs enqueued, then waited
// for unless --no-block.
func (t *tool) startUnits(b *managerBus, method, jobType, mode string, names []string) error {
	var w *jobWaiter
	if !t.opts.noBlock {
		w = &jobWaiter{t: t, b: b, jobs: map[dbus.ObjectPath]bool{}}
		b.watchSignals()
		if b == t.fullBus {
			_ = b.addMatchSignal(busService, busManagerPath, ifaceManager, "JobRemoved")
		}
	}
	var wu *unitWaiter
	if t.opts.wait {
		b.object(busService, busManagerPath).Go(ifaceManager + ".Subscribe")
		wu = newUnitWaiter(t, b)
	}
	ret := 0
	if t.opts.marked {
		ret = t.enqueueMarkedJobs(b, w)
	}
	var stopped []string
	for _, name := range names {
		err := t.startUnitOne(b, method, jobType, name, mode, w, wu)
		if ret == 0 && err != nil {
			ret = exitStatusOfBusError(err)
		}
		if err == nil && method == "StopUnit" {
			stopped = append(stopped, name)
		}
	}
	if w != nil {
		if err := w.wait(t.opts.quiet); err != nil {
			return err
		}
		if !t.opts.quiet {
			for _, name := range stopped {
				t.checkTriggeringUnits(b, name)
			}
		}
	}
	if wu != nil && wu.run() && ret == 0 {
		ret = 1
	}
	if ret != 0 {
		return exitCode(ret)
	}
	return nil
}

// enqueueMarkedJobs is enqueue_marked_jobs: the manager queues the
// jobs of the units marked for reload or restart, and they are waited
// for. A failure is exit status 1.
func (t *tool) enqueueMarkedJobs(b *managerBus, w *jobWaiter) int {
	verb := "Executing"
	if t.opts.dryRun {
		verb = "Would execute"
	}
	t.logAt(logging.Debug, "%s dbus call org.freedesktop.systemd1.Manager EnqueueMarkedJobs()", verb)
	if t.opts.dryRun {
		return 0
	}
	c, err := b.callManager("EnqueueMarkedJobs")
	var paths []dbus.ObjectPath
	if err == nil {
		if err = c.Store(&paths); err != nil {
			t.logAt(logging.Err, "Failed to parse bus message: %s", busErrorMessage(err))
			return 1
		}
	}
	if err != nil {
		t.logAt(logging.Err, "Failed to start jobs: %s", busErrorMessage(err))
		return 1
	}
	if w != nil {
		for _, p := range paths {
			t.logAt(logging.Debug, "Adding %s to the set", p)
			w.jobs[p] = true
		}
	}
	return 0
}

// startUnitOne is start_unit_one.
func (t *tool) startUnitOne(b *managerBus, method, jobType, name, mode string, w *jobWaiter, wu *unitWaiter) error {
	doing := "Executing"
	if t.opts.dryRun {
		doing = "Would execute"
	}
	t.logAt(logging.Debug, "%s dbus call org.freedesktop.systemd1.Manager %s(%s, %s)", doing, method, name, mode)
	if t.opts.dryRun {
		return nil
	}
	c, err := b.callManager(method, name, mode)
	var path dbus.ObjectPath
	if err == nil {
		err = c.Store(&path)
	}
	if err != nil {
		errName := busErrorName(err)
		if errName == "org.freedesktop.systemd1.UnitMasked" && (method == "TryRestartUnit" || method == "ReloadOrTryRestartUnit") {
			t.logAt(logging.Debug, "Failed to %s %s, ignoring: %s", jobType, name, busErrorMessage(err))
			return nil
		}
		t.logAt(logging.Err, "Failed to %s %s: %s", jobType, name, busErrorMessage(err))
		switch errName {
		case "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.systemd1.UnitMasked",
			"org.freedesktop.systemd1.JobTypeNotApplicable":
		default:
			dash := ""
			if strings.HasPrefix(name, "-") {
				dash = " --"
			}
			t.logAt(logging.Err, "See system logs and 'systemctl status%s %s' for details.", dash, name)
		}
		return err
	}
	if t.needDaemonReload(b, name) {
		t.warnUnitFileChanged(name)
	}
	if w != nil {
		t.logAt(logging.Debug, "Adding %s to the set", path)
		w.jobs[path] = true
	}
	if wu != nil {
		wu.add(name, waitForInactive|waitNoJob)
	}
	return nil
}

// needDaemonReload is need_daemon_reload: the unit's NeedDaemonReload,
// without loading a unit that is not loaded.
func (t *tool) needDaemonReload(b *managerBus, name string) bool {
	c, err := b.callManager("GetUnit", name)
	if err != nil {
		return false
	}
	var path dbus.ObjectPath
	if c.Store(&path) != nil {
		return false
	}
	v, err := b.property(path, ifaceUnit, "NeedDaemonReload")
	if err != nil {
		return false
	}
	need, _ := v.Value().(bool)
	return need
}

func (t *tool) warnUnitFileChanged(name string) {
	t.warning("Warning: The unit file, source configuration file or drop-ins of %s changed on disk. Run 'systemctl%s daemon-reload' to reload units.",
		name, "")
}

// checkTriggeringUnits is check_triggering_units: a stopped unit that an
// active socket, path or timer can start again is warned about.
func (t *tool) checkTriggeringUnits(b *managerBus, name string) {
	m, err := unitname.Mangle(name, "", 0, ".service")
	if err != nil {
		return
	}
	n := m.Name
	path := unitPath(n)
	loadState, err := b.stringProperty(path, ifaceUnit, "LoadState")
	if err != nil {
		t.logAt(logging.Err, "Failed to get load state of %s: %s", n, busErrorMessage(err))
		return
	}
	if loadState == "masked" {
		return
	}
	v, err := b.property(path, ifaceUnit, "TriggeredBy")
	if err != nil {
		t.logAt(logging.Err, "Failed to get triggered by array of %s: %s", n, busErrorMessage(err))
		return
	}
	triggeredBy, _ := v.Value().([]string)
	label := true
	for _, u := range triggeredBy {
		state, err := t.activeState(b, u)
		if err != nil {
			return
		}
		if state != "active" && state != "reloading" {
			continue
		}
		if label {
			t.warning("Warning: Stopping %s, but it can still be activated by:", n)
			label = false
		}
		t.warning("  %s", u)
	}
}

// jobWaiter is BusWaitForJobs: the jobs enqueued, until JobRemoved says
// each is done.
type jobWaiter struct {
	t    *tool
	b    *managerBus
	jobs map[dbus.ObjectPath]bool
}

// wait is bus_wait_for_jobs.
func (w *jobWaiter) wait(quiet bool) error {
	var first error
	for len(w.jobs) > 0 {
		sig, ok := w.b.recvSignal()
		if !ok {
			return w.t.errorf("Failed to wait for response: %s", install.Strerror(syscall.ECONNRESET))
		}
		if sig.Name != ifaceManager+".JobRemoved" || sig.Path != busManagerPath || len(sig.Body) != 4 {
			w.b.deferred = append(w.b.deferred, sig)
			continue
		}
		path, _ := sig.Body[1].(dbus.ObjectPath)
		unit, _ := sig.Body[2].(string)
		result, _ := sig.Body[3].(string)
		if !w.jobs[path] {
			continue
		}
		delete(w.jobs, path)
		if unit == "" || result == "" {
			continue
		}
		if err := w.checkResponse(unit, result, quiet); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// checkResponse is check_wait_response.
func (w *jobWaiter) checkResponse(name, result string, quiet bool) error {
	t := w.t
	if !quiet {
		switch result {
		case "canceled":
			t.logAt(logging.Err, "Job for %s canceled.", name)
		case "timeout":
			t.logAt(logging.Err, "Job for %s timed out.", name)
		case "dependency":
			t.logAt(logging.Err, "A dependency job for %s failed. See 'journalctl -xe' for details.", name)
		case "invalid":
			t.logAt(logging.Err, "%s is not active, cannot reload.", name)
		case "assert":
			t.logAt(logging.Err, "Assertion failed on job for %s.", name)
		case "unsupported":
			t.logAt(logging.Err, "Operation on or unit type of %s not supported on this system.", name)
		case "collected":
			t.logAt(logging.Err, "Queued job for %s was garbage collected.", name)
		case "once":
			t.logAt(logging.Err, "Unit %s was started already once and can't be started again.", name)
		case "done", "skipped":
		default:
			if strings.HasSuffix(name, ".service") {
				r, err := w.b.stringProperty(unitPath(name), "org.freedesktop.systemd1.Service", "Result")
				if err != nil {
					t.logAt(logging.Debug, "Failed to get Result property of unit %s: %s", name, busErrorMessage(err))
				}
				t.logJobErrorWithServiceResult(name, r)
			} else {
				t.logAt(logging.Err, "Job failed. See \"journalctl -xe\" for details.")
			}
		}
	}
	switch result {
	case "canceled", "collected", "timeout", "dependency", "invalid", "assert", "unsupported", "once":
		return errReported
	case "done", "skipped":
		return nil
	}
	return errReported
}

// serviceResultExplanations are log_job_error_with_service_result's.
var serviceResultExplanations = map[string]string{
	"resources":       "of unavailable resources or another system error",
	"protocol":        "the service did not take the steps required by its unit configuration",
	"timeout":         "a timeout was exceeded",
	"exit-code":       "the control process exited with error code",
	"signal":          "a fatal signal was delivered to the control process",
	"core-dump":       "a fatal signal was delivered causing the control process to dump core",
	"watchdog":        "the service failed to send watchdog ping",
	"start-limit-hit": "start of the service was attempted too often",
	"oom-kill":        "of an out-of-memory (OOM) siutation",
}

func (t *tool) logJobErrorWithServiceResult(service, result string) {
	quoted := shellMaybeQuote(service)
	if why, ok := serviceResultExplanations[result]; ok {
		t.logAt(logging.Err, "Job for %s failed because %s.\nSee \"%s status %s\" and \"%s -xeu %s\" for details.\n",
			service, why, "systemctl", quoted, "journalctl", quoted)
	} else {
		t.logAt(logging.Err, "Job for %s failed.\nSee \"%s status %s\" and \"%s -xeu %s\" for details.\n",
			service, "systemctl", quoted, "journalctl", quoted)
	}
	if result == "start-limit-hit" {
		t.info("To force a start use \"%s reset-failed %s\"\nfollowed by \"%s start %s\" again.", "systemctl", quoted, "systemctl", quoted)
	}
}

// shellMaybeQuote is shell_maybe_quote without flags: a word with
// characters the shell treats specially is double-quoted, with \, ", `
// and $ escaped.
func shellMaybeQuote(s string) string {
	const special = "\t\n !\"#$&'()*;<=>?[\\]^`{|}~"
	if s != "" && !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("\\\"`$", s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// activeState is get_state_one_unit.
func (t *tool) activeState(b *managerBus, name string) (string, error) {
	s, err := b.stringProperty(unitPath(name), ifaceUnit, "ActiveState")
	if err != nil {
		return "", t.errorf("Failed to retrieve unit state: %s", busErrorMessage(err))
	}
	switch s {
	case "active", "reloading", "inactive", "failed", "activating", "deactivating", "maintenance":
		return s, nil
	}
	return "", t.errorf("Invalid unit state '%s' for: %s", s, name)
}

// checkUnitGeneric is check_unit_generic (is-active, is-failed).
func (t *tool) checkUnitGeneric(code int, good []string, names []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	expanded, _, err := t.expandUnitNames(b, names, "")
	if err != nil {
		return err
	}
	found := false
	for _, n := range expanded {
		state, err := t.activeState(b, n)
		if err != nil {
			return err
		}
		if !t.opts.quiet {
			t.printf("%s\n", state)
		}
		for _, g := range good {
			if state == g {
				found = true
			}
		}
	}
	if found {
		return nil
	}
	return exitCode(code)
}

func (t *tool) isActive(args []string) error {
	return t.checkUnitGeneric(exitProgramNotRunning, []string{"active", "reloading"}, args[1:])
}

func (t *tool) isFailed(args []string) error {
	return t.checkUnitGeneric(exitProgramDeadAndPIDExists, []string{"failed"}, args[1:])
}

// daemonReloadTimeout is 252's DAEMON_RELOAD_TIMEOUT_SEC.
const daemonReloadTimeout = 180 * time.Second

// daemonReload is verb_daemon_reload.
func (t *tool) daemonReload(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	method := "Reload"
	if args[0] == "daemon-reexec" {
		method = "Reexecute"
	}
	// Reloading may take long: 252 waits twice its default job timeout.
	_, err = b.callManagerTimeout(daemonReloadTimeout, method)
	if err != nil {
		if method == "Reexecute" && isDisconnect(err) {
			return nil
		}
		return t.errorf("%s daemon failed: %s", method, busErrorMessage(err))
	}
	return nil
}

// isDisconnect says the manager went away before replying, as a
// re-executing one does.
func isDisconnect(err error) bool {
	n := busErrorName(err)
	return n == "" || n == "org.freedesktop.DBus.Error.NoReply" || n == "org.freedesktop.DBus.Error.Disconnected"
}

// trivialMethod is verb_trivial_method.
func (t *tool) trivialMethod(args []string) error {
	if t.opts.dryRun {
		return nil
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	method := map[string]string{"clear-jobs": "ClearJobs", "cancel": "ClearJobs", "reset-failed": "ResetFailed",
		"halt": "Halt", "reboot": "Reboot", "kexec": "KExec", "exit": "Exit"}[args[0]]
	if method == "" {
		method = "PowerOff"
	}
	if _, err := b.callManager(method); err != nil {
		return t.errorf("Failed to execute operation: %s", busErrorMessage(err))
	}
	return nil
}

// resetFailed is verb_reset_failed.
func (t *tool) resetFailed(args []string) error {
	if len(args) <= 1 {
		return t.trivialMethod(args)
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	names, _, err := t.expandUnitNames(b, args[1:], "")
	if err != nil {
		return err
	}
	var first error
	for _, n := range names {
		if _, err := b.callManager("ResetFailedUnit", n); err != nil {
			t.logAt(logging.Err, "Failed to reset failed state of unit %s: %s", n, busErrorMessage(err))
			if first == nil {
				first = errReported
			}
		}
	}
	return first
}

// kill is verb_kill.
func (t *tool) kill(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	whom := t.opts.killWhom
	if whom == "" {
		whom = "all"
	}
	if t.jobMode() == "fail" {
		whom += "-fail"
	}
	names, _, err := t.expandUnitNames(b, args[1:], "")
	if err != nil {
		return err
	}
	var first error
	for _, n := range names {
		if _, err := b.callManager("KillUnit", n, whom, int32(t.opts.signal)); err != nil {
			t.logAt(logging.Err, "Failed to kill unit %s: %s", n, busErrorMessage(err))
			if first == nil {
				first = errReported
			}
		}
	}
	return first
}
