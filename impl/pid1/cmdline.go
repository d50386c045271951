package pid1

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/id128"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// This file reads the kernel command line and PID 1's own switches as
// 252 does. In a container the "kernel command line" is PID 1's own
// argv (proc_cmdline reads /proc/1/cmdline there), so
// `systemd systemd.setenv=A=b --log-level=notice` sets both.

// cmdlineWords splits a kernel command line as proc_cmdline_parse does:
// words separated by whitespace, quotes removed, backslashes kept;
// "rd." words are for the initrd and left out.
func cmdlineWords(line string) []string {
	var out []string
	x := unitfile.NewExtractor(line)
	for {
		w, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote|unitfile.ExtractRelax|unitfile.ExtractRetainEscape)
		if err != nil || !ok {
			return out
		}
		if strings.HasPrefix(w, "rd.") {
			continue
		}
		out = append(out, w)
	}
}

// keyEq is proc_cmdline_key_streq: "-" and "_" are the same.
func keyEq(x, y string) bool {
	if len(x) != len(y) {
		return false
	}
	for i := 0; i < len(x); i++ {
		a, b := x[i], y[i]
		if a == '-' {
			a = '_'
		}
		if b == '-' {
			b = '_'
		}
		if a != b {
			return false
		}
	}
	return true
}

// runlevelTargets is runlevel_to_target's table outside the initrd.
var runlevelTargets = map[string]string{
	"emergency": "emergency.target", "-b": "emergency.target",
	"rescue": "rescue.target", "single": "rescue.target", "-s": "rescue.target", "s": "rescue.target",
	"S": "rescue.target", "1": "rescue.target",
	"2": "multi-user.target", "3": "multi-user.target", "4": "multi-user.target",
	"5": "graphical.target",
}

// valueMissing is proc_cmdline_value_missing.
func (r *confReader) valueMissing(key string, hasValue bool) bool {
	if !hasValue {
		r.logf(levelWarning, "Missing argument for %s= kernel command line switch, ignoring.", key)
		return true
	}
	return false
}

// parseCmdlineItem is main.c's parse_proc_cmdline_item.
func (r *confReader) parseCmdlineItem(key, val string, hasValue bool, inContainer bool) {
	s := r.s
	boolOr := func(what string, field *bool) {
		b := true
		if hasValue {
			var err error
			if b, err = value.ParseBoolean(val); err != nil {
				r.logf(levelWarning, "Failed to parse %s switch %s, ignoring: %s", what, val, value.Strerror(err))
				return
			}
		}
		*field = b
	}
	switch {
	case key == "systemd.unit":
		if r.valueMissing(key, hasValue) {
			return
		}
		if !unitname.IsValid(val, unitname.Plain|unitname.Instance) {
			r.logf(levelWarning, "Unit name specified on %s= is not valid, ignoring: %s", key, val)
			return
		}
		s.defaultUnit = val
	case keyEq(key, "systemd.dump_core"):
		boolOr("dump core", &s.dumpCore)
	case keyEq(key, "systemd.early_core_pattern"):
		if r.valueMissing(key, hasValue) {
			return
		}
		if !strings.HasPrefix(val, "/") {
			r.logf(levelWarning, "Specified core pattern '%s' is not an absolute path, ignoring.", val)
			return
		}
		s.earlyCorePattern = unitname.PathSimplify(val)
	case keyEq(key, "systemd.crash_chvt"):
		if !hasValue {
			s.crashChVT = 0
			return
		}
		n, err := parseCrashChVT(val)
		if err != nil {
			r.logf(levelWarning, "Failed to parse crash chvt switch %s, ignoring: %s", val, value.Strerror(err))
			return
		}
		s.crashChVT = n
	case keyEq(key, "systemd.crash_shell"):
		boolOr("crash shell", &s.crashShell)
	case keyEq(key, "systemd.crash_reboot"):
		boolOr("crash reboot", &s.crashReboot)
	case keyEq(key, "systemd.confirm_spawn"):
		c, err := parseConfirmSpawn(val, hasValue)
		if err != nil {
			r.logf(levelWarning, "Failed to parse confirm_spawn switch %s, ignoring: %s", val, value.Strerror(err))
			return
		}
		s.confirmSpawn = c
	case keyEq(key, "systemd.service_watchdogs"):
		boolOr("service watchdog", &s.serviceWatchdogs)
	case keyEq(key, "systemd.show_status"):
		if !hasValue {
			s.showStatus = "yes"
			return
		}
		st, err := parseShowStatus(val)
		if err != nil {
			r.logf(levelWarning, "Failed to parse show status switch %s, ignoring: %s", val, value.Strerror(err))
			return
		}
		s.showStatus = st
	case keyEq(key, "systemd.status_unit_format"):
		if r.valueMissing(key, hasValue) {
			return
		}
		switch val {
		case "name", "description", "combined":
			s.statusUnitFormat = val
		default:
			r.logf(levelWarning, "Failed to parse %s=%s, ignoring: %s", key, val, value.Strerror(errInval))
		}
	case keyEq(key, "systemd.default_standard_output"), keyEq(key, "systemd.default_standard_error"):
		if r.valueMissing(key, hasValue) {
			return
		}
		field, what := &s.stdOutput, "output"
		if keyEq(key, "systemd.default_standard_error") {
			field, what = &s.stdError, "error"
		}
		if !isExecOutput(val) {
			r.logf(levelWarning, "Failed to parse default standard %s switch %s, ignoring: %s", what, val, value.Strerror(errInval))
			return
		}
		*field = val
	case key == "systemd.setenv":
		if r.valueMissing(key, hasValue) {
			return
		}
		if !unitfile.EnvAssignmentIsValid(val) {
			r.logf(levelWarning, "Environment variable assignment '%s' is not valid. Ignoring.", val)
			return
		}
		s.defaultEnvironment = unitfile.MergeEnv(s.defaultEnvironment, val)
	case keyEq(key, "systemd.machine_id"):
		if r.valueMissing(key, hasValue) {
			return
		}
		id, err := id128.Parse(val)
		if err != nil || id.IsNull() {
			r.logf(levelWarning, "MachineID '%s' is not valid, ignoring: %s", val, value.Strerror(errInval))
			return
		}
		s.machineID = id.String()
	case keyEq(key, "systemd.default_timeout_start_sec"):
		if r.valueMissing(key, hasValue) {
			return
		}
		v, err := value.ParseSec(val)
		if err != nil {
			r.logf(levelWarning, "Failed to parse default start timeout '%s', ignoring: %s", val, value.Strerror(err))
		} else {
			s.timeoutStartUSec = v
		}
		if s.timeoutStartUSec == 0 {
			s.timeoutStartUSec = timeutil.Infinity
		}
	case keyEq(key, "systemd.cpu_affinity"):
		if r.valueMissing(key, hasValue) {
			return
		}
		set, _, err := value.ParseCPUSet(val, "")
		if err != nil {
			r.logf(levelWarning, "Failed to parse CPU affinity mask '%s', ignoring: %s", val, value.Strerror(err))
			return
		}
		s.cpuAffinity = set
	case keyEq(key, "systemd.watchdog_device"):
		if r.valueMissing(key, hasValue) {
			return
		}
		s.watchdogDevice = pathArgument(val)
	case keyEq(key, "systemd.watchdog_sec"), keyEq(key, "systemd.watchdog_pre_sec"):
		if r.valueMissing(key, hasValue) {
			return
		}
		var v uint64
		switch val {
		case "default":
			v = value.NSecInfinity
		case "off":
		default:
			var err error
			if v, err = value.ParseSec(val); err != nil {
				name := "systemd.watchdog_sec"
				if keyEq(key, "systemd.watchdog_pre_sec") {
					name = "systemd.watchdog_pre_sec"
				}
				r.logf(levelWarning, "Failed to parse %s= argument '%s', ignoring: %s", name, val, value.Strerror(err))
				return
			}
		}
		if keyEq(key, "systemd.watchdog_pre_sec") {
			s.pretimeoutWatchdog = v
		} else {
			s.runtimeWatchdog, s.rebootWatchdog, s.kexecWatchdog = v, v, v
		}
	case keyEq(key, "systemd.watchdog_pretimeout_governor"):
		if !hasValue || val == "" {
			s.watchdogGovernor = ""
			return
		}
		if !stringIsSafe(val) {
			r.logf(levelWarning, "Watchdog pretimeout governor '%s' is not valid, ignoring.", val)
			return
		}
		s.watchdogGovernor = val
	case keyEq(key, "systemd.clock_usec"):
		if r.valueMissing(key, hasValue) {
			return
		}
		v, err := value.SafeAtou64(val)
		if err != nil {
			r.logf(levelWarning, "Failed to parse systemd.clock_usec= argument, ignoring: %s", val)
			return
		}
		s.clockUSec = v
	case keyEq(key, "systemd.random_seed"):
		if r.valueMissing(key, hasValue) {
			return
		}
		s.randomSeed = val
	case key == "quiet" && !hasValue:
		if s.showStatus == "" {
			s.showStatus = "error"
		}
	case key == "debug" && !hasValue:
		// The log level is the log environment's business; in a
		// container "debug" also sends the log to the console.
		if inContainer {
			r.log.target = "console"
		}
	case !hasValue:
		if t, ok := runlevelTargets[key]; ok {
			s.defaultUnit = t
		}
	}
}

// errInval is EINVAL, the error most switches fail with.
var errInval = syscall.EINVAL

// isExecOutput is whether exec_output_from_string knows v.
func isExecOutput(v string) bool {
	for _, o := range execOutputs {
		if o == v {
			return true
		}
	}
	return false
}

// parseConfirmSpawn is parse_confirm_spawn: a boolean (yes is
// /dev/console), a path, or a terminal's name under /dev.
func parseConfirmSpawn(v string, hasValue bool) (string, error) {
	b := true
	if hasValue {
		var err error
		b, err = value.ParseBoolean(v)
		if err != nil {
			if strings.Contains(v, "/") {
				return v, nil
			}
			return filepath.Join("/dev", v), nil
		}
	}
	if !b {
		return "", nil
	}
	return "/dev/console", nil
}

// pathArgument is parse_path_argument as PID 1 (cwd /) uses it.
func pathArgument(v string) string {
	if v == "" {
		return ""
	}
	if !strings.HasPrefix(v, "/") {
		v = "/" + v
	}
	return unitname.PathSimplify(v)
}

// parseLogCmdlineItem is log.c's parse_proc_cmdline_item: the log
// switches every tool reads.
func (r *confReader) parseLogCmdlineItem(key, val string, hasValue bool) {
	l := r.log
	boolSetting := func(field *bool) bool {
		v := "1"
		if hasValue {
			v = val
		}
		b, err := value.ParseBoolean(v)
		if err != nil {
			return false
		}
		*field = b
		return true
	}
	switch {
	case key == "debug" && !hasValue:
		l.level = levelDebug
	case keyEq(key, "systemd.log_target"):
		if r.valueMissing(key, hasValue) {
			return
		}
		t, err := logTargetFromString(val)
		if err != nil {
			r.logf(levelWarning, "Failed to parse log target '%s'. Ignoring.", val)
			return
		}
		l.target = t
	case keyEq(key, "systemd.log_level"):
		if r.valueMissing(key, hasValue) {
			return
		}
		n, err := logLevelFromString(val)
		if err != nil {
			r.logf(levelWarning, "Failed to parse log level '%s'. Ignoring.", val)
			return
		}
		l.level = n
	case keyEq(key, "systemd.log_color"):
		if !boolSetting(&l.color) {
			r.logf(levelWarning, "Failed to parse log color setting '%s'. Ignoring.", val)
		}
	case keyEq(key, "systemd.log_location"):
		if !boolSetting(&l.location) {
			r.logf(levelWarning, "Failed to parse log location setting '%s'. Ignoring.", val)
		}
	case keyEq(key, "systemd.log_tid"):
		var tid bool
		if !boolSetting(&tid) {
			r.logf(levelWarning, "Failed to parse log tid setting '%s'. Ignoring.", val)
		}
	case keyEq(key, "systemd.log_time"):
		if !boolSetting(&l.time) {
			r.logf(levelWarning, "Failed to parse log time setting '%s'. Ignoring.", val)
		}
	}
}

// splitItem splits a command line word into key and value.
func splitItem(w string) (key, val string, hasValue bool) {
	return strings.Cut(w, "=")
}

// parseLogEnvironment is log_parse_environment for PID 1: the log
// switches of the command line, then $SYSTEMD_LOG_*.
func (r *confReader) parseLogEnvironment(words []string, getenv func(string) string) {
	for _, w := range words {
		k, v, ok := splitItem(w)
		r.parseLogCmdlineItem(k, v, ok)
	}
	l := r.log
	if e := getenv("SYSTEMD_LOG_TARGET"); e != "" {
		if t, err := logTargetFromString(e); err == nil {
			l.target = t
		} else {
			r.logf(levelWarning, "Failed to parse log target '%s'. Ignoring.", e)
		}
	}
	if e := getenv("SYSTEMD_LOG_LEVEL"); e != "" {
		if n, err := logLevelFromString(e); err == nil {
			l.level = n
		} else {
			r.logf(levelWarning, "Failed to parse log level '%s'. Ignoring.", e)
		}
	}
	for _, v := range []struct {
		name, what string
		field      *bool
	}{{"SYSTEMD_LOG_COLOR", "color", &l.color}, {"SYSTEMD_LOG_LOCATION", "location", &l.location},
		{"SYSTEMD_LOG_TIME", "time", &l.time}, {"SYSTEMD_LOG_TID", "tid", nil}} {
		e := getenv(v.name)
		if e == "" {
			continue
		}
		b, err := value.ParseBoolean(e)
		if err != nil {
			r.logf(levelWarning, "Failed to parse log %s '%s'. Ignoring.", v.what, e)
			continue
		}
		if v.field != nil {
			*v.field = b
		}
	}
}

// argvAction is what the switches ask for besides running.
type argvAction int

const (
	actionRun argvAction = iota
	actionHelp
	actionVersion
	actionTest
	actionDumpConfigurationItems
	actionDumpBusProperties
	actionBusIntrospect
)

// argvResult is what parse_argv leaves besides the settings.
type argvResult struct {
	action       argvAction
	user         bool
	deserialize  int // -1: none
	switchedRoot bool
}

// argOpt is one long option of 252's PID 1.
type argOpt struct {
	name string
	arg  int // 0 none, 1 required, 2 optional
}

var argOpts = []argOpt{
	{"log-level", 1}, {"log-target", 1}, {"log-color", 2}, {"log-location", 2}, {"log-time", 2},
	{"unit", 1}, {"system", 0}, {"user", 0}, {"test", 0}, {"no-pager", 0}, {"help", 0}, {"version", 0},
	{"dump-configuration-items", 0}, {"dump-bus-properties", 0}, {"bus-introspect", 1}, {"dump-core", 2},
	{"crash-chvt", 1}, {"crash-shell", 2}, {"crash-reboot", 2}, {"confirm-spawn", 2}, {"show-status", 2},
	{"deserialize", 1}, {"switched-root", 0}, {"default-standard-output", 1}, {"default-standard-error", 1},
	{"machine-id", 1}, {"service-watchdogs", 1},
}

// lookupOpt is getopt_long's matching: the exact name, else the one
// option the name abbreviates.
func lookupOpt(name string) (argOpt, bool) {
	var found []argOpt
	for _, o := range argOpts {
		if o.name == name {
			return o, true
		}
		if strings.HasPrefix(o.name, name) {
			found = append(found, o)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return argOpt{}, false
}

// argvError is a switch parse_argv refuses, with 252's message.
type argvError struct{ msg string }

func (e *argvError) Error() string { return e.msg }

// parseArgv is parse_argv as PID 1 runs it (getopt_long with "hDbsz:"
// and no error messages): switches override the configuration. An
// unknown switch, or -b, -s or -z, ends the parsing quietly; arguments
// that are not switches are left for the kernel command line.
func (r *confReader) parseArgv(argv []string, pid1 bool) (argvResult, error) {
	res := argvResult{deserialize: -1}
	s, l := r.s, r.log
	bad := func(format string, args ...any) (argvResult, error) {
		return res, &argvError{fmt.Sprintf(format, args...)}
	}
	boolArg := func(name, arg string, has bool, field *bool) error {
		if !has {
			*field = true
			return nil
		}
		b, err := value.ParseBoolean(arg)
		if err != nil {
			return &argvError{fmt.Sprintf("Failed to parse boolean argument to %s: %s.", name, arg)}
		}
		*field = b
		return nil
	}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		if !strings.HasPrefix(a, "--") {
			// Short options, possibly clustered.
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'h':
					res.action = actionHelp
				case 'D':
					l.level = levelDebug
				default: // b, s, z and anything unknown
					if !pid1 {
						return bad("")
					}
					return res, nil
				}
			}
			continue
		}
		name, arg, has := strings.Cut(a[2:], "=")
		o, ok := lookupOpt(name)
		if !ok || (o.arg == 0 && has) {
			if !pid1 {
				return bad("")
			}
			return res, nil
		}
		if o.arg == 1 && !has {
			if i+1 >= len(argv) {
				if !pid1 {
					return bad("")
				}
				return res, nil
			}
			i++
			arg, has = argv[i], true
		}
		switch o.name {
		case "log-level":
			n, err := logLevelFromString(arg)
			if err != nil {
				return bad("Failed to parse log level \"%s\": %s", arg, value.Strerror(err))
			}
			l.level = n
		case "log-target":
			t, err := logTargetFromString(arg)
			if err != nil {
				return bad("Failed to parse log target \"%s\": %s", arg, value.Strerror(err))
			}
			l.target = t
		case "log-color", "log-location", "log-time":
			field, what := &l.color, "color"
			switch o.name {
			case "log-location":
				field, what = &l.location, "location"
			case "log-time":
				field, what = &l.time, "time"
			}
			if !has {
				*field = true
				break
			}
			b, err := value.ParseBoolean(arg)
			if err != nil {
				return bad("Failed to parse log %s setting \"%s\": %s", what, arg, value.Strerror(err))
			}
			*field = b
		case "default-standard-output", "default-standard-error":
			if !isExecOutput(arg) {
				if o.name == "default-standard-output" {
					return bad("Failed to parse default standard output setting \"%s\": %s", arg, value.Strerror(errInval))
				}
				return bad("Failed to parse default standard error output setting \"%s\": %s", arg, value.Strerror(errInval))
			}
			if o.name == "default-standard-output" {
				s.stdOutput = arg
			} else {
				s.stdError = arg
			}
		case "unit":
			s.defaultUnit = arg
		case "system":
			res.user = false
		case "user":
			res.user = true
		case "test":
			res.action = actionTest
		case "no-pager":
		case "help":
			res.action = actionHelp
		case "version":
			res.action = actionVersion
		case "dump-configuration-items":
			res.action = actionDumpConfigurationItems
		case "dump-bus-properties":
			res.action = actionDumpBusProperties
		case "bus-introspect":
			res.action = actionBusIntrospect
		case "dump-core":
			if err := boolArg("--dump-core", arg, has, &s.dumpCore); err != nil {
				return res, err
			}
		case "crash-chvt":
			n, err := parseCrashChVT(arg)
			if err != nil {
				return bad("Failed to parse crash virtual terminal index: \"%s\": %s", arg, value.Strerror(err))
			}
			s.crashChVT = n
		case "crash-shell":
			if err := boolArg("--crash-shell", arg, has, &s.crashShell); err != nil {
				return res, err
			}
		case "crash-reboot":
			if err := boolArg("--crash-reboot", arg, has, &s.crashReboot); err != nil {
				return res, err
			}
		case "confirm-spawn":
			c, err := parseConfirmSpawn(arg, has)
			if err != nil {
				return bad("Failed to parse confirm spawn option: \"%s\": %s", arg, value.Strerror(err))
			}
			s.confirmSpawn = c
		case "service-watchdogs":
			if err := boolArg("--service-watchdogs=", arg, true, &s.serviceWatchdogs); err != nil {
				return res, err
			}
		case "show-status":
			if !has {
				s.showStatus = "yes"
				break
			}
			st, err := parseShowStatus(arg)
			if err != nil {
				return bad("Failed to parse show status boolean: \"%s\": %s", arg, value.Strerror(err))
			}
			s.showStatus = st
		case "deserialize":
			fd, err := strconv.Atoi(arg)
			if err != nil {
				return bad("Failed to parse deserialize option \"%s\": %s", arg, value.Strerror(errInval))
			}
			if fd < 0 {
				return bad("Invalid deserialize fd: %d", fd)
			}
			res.deserialize = fd
		case "switched-root":
			res.switchedRoot = true
		case "machine-id":
			id, err := id128.Parse(arg)
			if err != nil || id.IsNull() {
				return bad("MachineID '%s' is not valid: %s", arg, value.Strerror(errInval))
			}
			s.machineID = id.String()
		}
	}
	return res, nil
}

// procCmdline is proc_cmdline: $SYSTEMD_PROC_CMDLINE if set, else PID
// 1's own command line in a container and the kernel's elsewhere.
func procCmdline(inContainer bool) string {
	if e, ok := os.LookupEnv("SYSTEMD_PROC_CMDLINE"); ok {
		return e
	}
	path := "/proc/cmdline"
	if inContainer {
		path = "/proc/1/cmdline"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	data = []byte(strings.TrimRight(string(data), "\x00\n"))
	for i, c := range data {
		if c == 0 {
			data[i] = ' '
		}
	}
	return string(data)
}
