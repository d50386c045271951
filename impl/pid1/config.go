package pid1

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/specifier"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// This file reads system.conf and its drop-ins as 252's PID 1 does
// (parse_config_file): /etc/systemd/system.conf, then the ".conf" files
// of system.conf.d in /etc, /run, /usr/local/lib and /usr/lib (a name in
// an earlier directory hides the same name in a later one; all are read
// in the order of their names), section [Manager] only, later
// assignments overriding earlier ones. Problems are logged with 252's
// words; a file that cannot be read to its end ends the reading there.

// Syslog levels, as log_level_to_string names them.
var logLevelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

const (
	levelErr     = 3
	levelWarning = 4
	levelNotice  = 5
	levelInfo    = 6
	levelDebug   = 7
)

// logTargetNames are 252's log targets.
var logTargetNames = []string{"console", "console-prefixed", "kmsg", "journal", "journal-or-kmsg", "syslog",
	"syslog-or-kmsg", "auto", "null"}

// messageInvalidConfiguration is SD_MESSAGE_INVALID_CONFIGURATION.
const messageInvalidConfiguration = "c772d24e9a884cbeb9ea12625c306c01"

// logLevelFromString is log_level_from_string: a name or a number up to
// 7.
func logLevelFromString(s string) (int, error) {
	if i := slices.Index(logLevelNames, s); i >= 0 {
		return i, nil
	}
	u, err := value.SafeAtou(s)
	if err != nil || u > levelDebug {
		return 0, syscall.EINVAL
	}
	return int(u), nil
}

// logTargetFromString is log_target_from_string, with PID 1's upgrade of
// syslog to the journal.
func logTargetFromString(s string) (string, error) {
	if !slices.Contains(logTargetNames, s) {
		return "", syscall.EINVAL
	}
	switch s {
	case "syslog":
		s = "journal"
	case "syslog-or-kmsg":
		s = "journal-or-kmsg"
	}
	return s, nil
}

// logSettings are the logging settings 252 keeps in log.c rather than
// in main.c's arg_* variables: they change as soon as a setting is read,
// and reading the configuration again does not reset them.
type logSettings struct {
	level    int
	target   string
	color    bool
	location bool
	time     bool
}

// logLine is a message reading the configuration gave, kept if the log
// level in force when it was given let it through.
type logLine struct {
	level   int
	message string
	fields  []string
	// target is the log target in force when the line was given.
	target string
}

// settings are 252's arg_* variables: what system.conf, the kernel
// command line and the switches set. reset gives the built-in values.
type settings struct {
	defaultUnit      string
	dumpCore         bool
	crashChVT        int
	crashShell       bool
	crashReboot      bool
	confirmSpawn     string // "" is off, else the console to ask on
	showStatus       string // "" until something sets it
	statusUnitFormat string
	serviceWatchdogs bool
	stdOutput        string
	stdError         string

	restartUSec        uint64
	timeoutStartUSec   uint64
	timeoutStopUSec    uint64
	timeoutAbortUSec   uint64
	timeoutAbortSet    bool
	deviceTimeoutUSec  uint64
	startLimitInterval uint64
	startLimitBurst    uint32
	timerAccuracyUSec  uint64

	runtimeWatchdog    uint64
	rebootWatchdog     uint64
	kexecWatchdog      uint64
	pretimeoutWatchdog uint64
	watchdogDevice     string
	watchdogGovernor   string
	earlyCorePattern   string

	defaultEnvironment []string
	managerEnvironment []string
	rlimits            [value.RlimitMax]*value.Rlimit

	capabilityBoundingSet uint64
	noNewPrivs            bool
	timerSlackNSec        uint64
	syscallArchs          []string

	cpuAccounting     int // -1: unset
	ioAccounting      bool
	ipAccounting      bool
	blockIOAccounting bool
	memoryAccounting  bool
	tasksAccounting   bool
	tasksMax          unit.TasksMax
	oomPolicy         string
	oomScoreAdjust    int32
	oomScoreAdjustSet bool
	cadBurstAction    string
	smackLabel        string

	cpuAffinity value.CPUSet
	numaPolicy  int // -1: unset
	numaMask    value.CPUSet

	machineID  string
	clockUSec  uint64
	randomSeed string
}

// capAll is CAP_ALL.
const capAll = ^uint64(0)

// reset is reset_arguments: 252's built-in values.
func (s *settings) reset() {
	*s = settings{
		dumpCore:         true,
		crashChVT:        -1,
		statusUnitFormat: "combined", // Debian builds 252 with combined

		serviceWatchdogs:   true,
		stdOutput:          "journal",
		stdError:           "inherit",
		restartUSec:        100 * timeutil.MSec,
		timeoutStartUSec:   90 * timeutil.Sec,
		timeoutStopUSec:    90 * timeutil.Sec,
		timeoutAbortUSec:   90 * timeutil.Sec,
		deviceTimeoutUSec:  90 * timeutil.Sec,
		startLimitInterval: 10 * timeutil.Sec,
		startLimitBurst:    5,
		timerAccuracyUSec:  timeutil.Minute,
		rebootWatchdog:     10 * timeutil.Minute,

		capabilityBoundingSet: capAll,
		timerSlackNSec:        value.NSecInfinity,

		cpuAccounting:    -1,
		memoryAccounting: true,
		tasksAccounting:  true,
		tasksMax:         unit.TasksMax{Value: 15, Scale: 100},
		oomPolicy:        "stop",
		cadBurstAction:   "reboot-force",
		numaPolicy:       -1,
	}
}

// confReader reads the configuration into its settings, logging as 252
// does: a message is kept only if the log level in force at that moment
// lets it through.
type confReader struct {
	s    *settings
	log  *logSettings
	host specifier.Host
	out  []logLine
	// settings is the [Manager] table, made on the first assignment.
	settings map[string]managerSetting
}

func (r *confReader) emit(level int, msg string, fields ...string) {
	if level > r.log.level || r.log.target == "null" {
		return
	}
	r.out = append(r.out, logLine{level: level, message: msg, fields: fields, target: r.log.target})
}

func (r *confReader) logf(level int, format string, args ...any) {
	r.emit(level, fmt.Sprintf(format, args...))
}

// syntax is log_syntax without a unit: "file:line: message" with the
// invalid-configuration message ID.
func (r *confReader) syntax(loc unitfile.Location, level int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if loc.Line > 0 {
		r.emit(level, fmt.Sprintf("%s:%d: %s", loc.File, loc.Line, msg), "MESSAGE_ID="+messageInvalidConfiguration,
			"CONFIG_FILE="+loc.File, "CONFIG_LINE="+strconv.Itoa(loc.Line))
		return
	}
	r.emit(level, fmt.Sprintf("%s: %s", loc.File, msg), "MESSAGE_ID="+messageInvalidConfiguration,
		"CONFIG_FILE="+loc.File)
}

// confDirs are CONF_PATHS("systemd"), highest priority first.
var confDirs = []string{"/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd"}

// systemConfFiles are the files parse_config_file reads for the system
// manager, under root: the main file and the drop-ins in reading order.
func systemConfFiles(root string) (main string, dropins []string) {
	var dirs []string
	for _, d := range confDirs {
		dirs = append(dirs, filepath.Join(root, d, "system.conf.d"))
	}
	dropins, _ = unitfile.FindDropins(dirs, ".conf")
	return filepath.Join(root, "/etc/systemd/system.conf"), dropins
}

// readConfigFiles is config_parse_many for system.conf: the main file,
// then the drop-ins. A file that fails to read ends the reading, as in
// 252. Messages name the files by their path under root; root "" reads
// no files.
func (r *confReader) readConfigFiles(root string) {
	if root != "" {
		main, dropins := systemConfFiles(root)
		for _, f := range append([]string{main}, dropins...) {
			if !r.readConfigFile(root, f) {
				break
			}
		}
	}
	// 0 has always meant "no timeout" here.
	if r.s.timeoutStartUSec == 0 {
		r.s.timeoutStartUSec = timeutil.Infinity
	}
	if r.s.timeoutStopUSec == 0 {
		r.s.timeoutStopUSec = timeutil.Infinity
	}
}

// readConfigFile is config_parse for one file; false means stop reading
// further files.
func (r *confReader) readConfigFile(root, path string) bool {
	name := path
	if root != "" && root != "/" {
		if rel, err := filepath.Rel(root, path); err == nil {
			name = "/" + rel
		}
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		r.logf(levelErr, "Failed to open configuration file '%s': %s", name, value.Strerror(errnoOf(err)))
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		r.warnPermissions(name, st.Mode())
	}
	data, err := io.ReadAll(f)
	if err != nil {
		r.logf(levelErr, "%s:%d: Error while reading configuration file: %s", name, 0, value.Strerror(errnoOf(err)))
		return false
	}
	return r.parseConfig(name, data)
}

// parseConfig applies one file's contents (name is its path, for the
// messages); false means the file could not be read to its end.
func (r *confReader) parseConfig(name string, data []byte) bool {
	file, perr := unitfile.Parse(name, data, []string{"Manager"}, nil)
	// The lexer's problems and the assignments come in line order; a
	// line yields one or the other.
	diags := file.Diagnostics
	i := 0
	for _, a := range file.Assignments {
		for ; i < len(diags) && diags[i].Line < a.Line; i++ {
			r.syntax(diags[i].Location, int(diags[i].Level), "%s", diags[i].Text)
		}
		r.assign(a)
	}
	for ; i < len(diags); i++ {
		r.syntax(diags[i].Location, int(diags[i].Level), "%s", diags[i].Text)
	}
	if perr != nil {
		var pe *unitfile.ParseError
		if errors.As(perr, &pe) {
			if pe.Err == syscall.ENOBUFS {
				r.logf(levelErr, "%s:%d: Line too long", name, pe.Line-1)
			} else {
				r.logf(levelWarning, "%s:%d: Failed to parse file: %s", name, pe.Line, value.Strerror(pe.Err))
			}
		}
		return false
	}
	return true
}

// warnPermissions is stat_warn_permissions as PID 1 runs it.
func (r *confReader) warnPermissions(name string, mode fs.FileMode) {
	perm := mode.Perm()
	if perm&0o111 != 0 {
		r.logf(levelWarning, "Configuration file %s is marked executable. Please remove executable permission bits. Proceeding anyway.", name)
	}
	if perm&0o002 != 0 {
		r.logf(levelWarning, "Configuration file %s is marked world-writable. Please remove world writability permission bits. Proceeding anyway.", name)
	}
	if perm&0o044 != 0o044 {
		r.logf(levelWarning, "Configuration file %s is marked world-inaccessible. This has no effect as configuration data is accessible via APIs without restrictions. Proceeding anyway.", name)
	}
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// managerSetting applies one [Manager] assignment.
type managerSetting func(r *confReader, a unitfile.Assignment)

// managerSettingTable is parse_config_file's table. It is made for each
// reading of the configuration rather than at start: every process of
// the multicall binary, each executor among them, would build it.
func managerSettingTable() map[string]managerSetting {
	table := map[string]managerSetting{
		"LogLevel":                     confLogLevel,
		"LogTarget":                    confLogTarget,
		"LogColor":                     confLogBool("color", func(l *logSettings) *bool { return &l.color }),
		"LogLocation":                  confLogBool("location", func(l *logSettings) *bool { return &l.location }),
		"LogTime":                      confLogBool("time", func(l *logSettings) *bool { return &l.time }),
		"DumpCore":                     confBool(func(s *settings) *bool { return &s.dumpCore }),
		"CrashChVT":                    confCrashChVT,
		"CrashChangeVT":                confCrashChVT,
		"CrashShell":                   confBool(func(s *settings) *bool { return &s.crashShell }),
		"CrashReboot":                  confBool(func(s *settings) *bool { return &s.crashReboot }),
		"ShowStatus":                   confShowStatus,
		"StatusUnitFormat":             confEnum(func(s *settings) *string { return &s.statusUnitFormat }, "Failed to parse status unit format", "name", "description", "combined"),
		"CPUAffinity":                  confCPUSet(func(s *settings) *value.CPUSet { return &s.cpuAffinity }, ""),
		"NUMAPolicy":                   confNUMAPolicy,
		"NUMAMask":                     confNUMAMask,
		"JoinControllers":              confRemoved,
		"RuntimeWatchdogSec":           confWatchdog(func(s *settings) *uint64 { return &s.runtimeWatchdog }),
		"RuntimeWatchdogPreSec":        confWatchdog(func(s *settings) *uint64 { return &s.pretimeoutWatchdog }),
		"RebootWatchdogSec":            confWatchdog(func(s *settings) *uint64 { return &s.rebootWatchdog }),
		"ShutdownWatchdogSec":          confWatchdog(func(s *settings) *uint64 { return &s.rebootWatchdog }),
		"KExecWatchdogSec":             confWatchdog(func(s *settings) *uint64 { return &s.kexecWatchdog }),
		"WatchdogDevice":               confPath(func(s *settings) *string { return &s.watchdogDevice }),
		"RuntimeWatchdogPreGovernor":   confSafeString(func(s *settings) *string { return &s.watchdogGovernor }),
		"CapabilityBoundingSet":        confCapabilities,
		"NoNewPrivileges":              confBool(func(s *settings) *bool { return &s.noNewPrivs }),
		"SystemCallArchitectures":      confSyscallArchs,
		"TimerSlackNSec":               confNSec,
		"DefaultTimerAccuracySec":      confSec(func(s *settings) *uint64 { return &s.timerAccuracyUSec }),
		"DefaultStandardOutput":        confOutput(func(s *settings) *string { return &s.stdOutput }),
		"DefaultStandardError":         confOutput(func(s *settings) *string { return &s.stdError }),
		"DefaultTimeoutStartSec":       confSec(func(s *settings) *uint64 { return &s.timeoutStartUSec }),
		"DefaultTimeoutStopSec":        confSec(func(s *settings) *uint64 { return &s.timeoutStopUSec }),
		"DefaultTimeoutAbortSec":       confTimeoutAbort,
		"DefaultDeviceTimeoutSec":      confSec(func(s *settings) *uint64 { return &s.deviceTimeoutUSec }),
		"DefaultRestartSec":            confSec(func(s *settings) *uint64 { return &s.restartUSec }),
		"DefaultStartLimitInterval":    confSec(func(s *settings) *uint64 { return &s.startLimitInterval }),
		"DefaultStartLimitIntervalSec": confSec(func(s *settings) *uint64 { return &s.startLimitInterval }),
		"DefaultStartLimitBurst":       confUnsigned,
		"DefaultEnvironment":           confEnviron(func(s *settings) *[]string { return &s.defaultEnvironment }),
		"ManagerEnvironment":           confEnviron(func(s *settings) *[]string { return &s.managerEnvironment }),
		"DefaultCPUAccounting":         confTristate,
		"DefaultIOAccounting":          confBool(func(s *settings) *bool { return &s.ioAccounting }),
		"DefaultIPAccounting":          confBool(func(s *settings) *bool { return &s.ipAccounting }),
		"DefaultBlockIOAccounting":     confBool(func(s *settings) *bool { return &s.blockIOAccounting }),
		"DefaultMemoryAccounting":      confBool(func(s *settings) *bool { return &s.memoryAccounting }),
		"DefaultTasksAccounting":       confBool(func(s *settings) *bool { return &s.tasksAccounting }),
		"DefaultTasksMax":              confTasksMax,
		"CtrlAltDelBurstAction":        confEmergencyAction,
		"DefaultOOMPolicy":             confEnum(func(s *settings) *string { return &s.oomPolicy }, "Failed to parse OOM policy", "continue", "stop", "kill"),
		"DefaultOOMScoreAdjust":        confOOMScoreAdjust,
		"DefaultSmackProcessLabel":     confString(func(s *settings) *string { return &s.smackLabel }),
	}
	for i, n := range value.RlimitNames {
		table["DefaultLimit"+n] = confRlimit(i)
	}
	return table
}

// assign is next_assignment: the setting's parser, or the unknown-key
// warning.
func (r *confReader) assign(a unitfile.Assignment) {
	if r.settings == nil {
		r.settings = managerSettingTable()
	}
	if set := r.settings[a.Key]; set != nil {
		set(r, a)
		return
	}
	d := unitfile.UnknownKey(a)
	r.syntax(d.Location, int(d.Level), "%s", d.Text)
}

func (r *confReader) warn(a unitfile.Assignment, format string, args ...any) {
	r.syntax(a.Location, levelWarning, format, args...)
}

// confLogLevel and the other log settings are DEFINE_SETTER's: they act
// at once, and a bad value is an error ("Invalid log level'x'", sic).
func confLogLevel(r *confReader, a unitfile.Assignment) {
	l, err := logLevelFromString(a.Value)
	if err != nil {
		r.syntax(a.Location, levelErr, "Invalid log level'%s': %s", a.Value, value.Strerror(err))
		return
	}
	r.log.level = l
}

func confLogTarget(r *confReader, a unitfile.Assignment) {
	t, err := logTargetFromString(a.Value)
	if err != nil {
		r.syntax(a.Location, levelErr, "Invalid target'%s': %s", a.Value, value.Strerror(err))
		return
	}
	r.log.target = t
}

func confLogBool(descr string, field func(*logSettings) *bool) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		b, err := value.ParseBoolean(a.Value)
		if err != nil {
			r.syntax(a.Location, levelErr, "Invalid %s'%s': %s", descr, a.Value, value.Strerror(err))
			return
		}
		*field(r.log) = b
	}
}

// confBool is config_parse_bool.
func confBool(field func(*settings) *bool) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		b, err := value.ParseBoolean(a.Value)
		if err != nil {
			r.warn(a, "Failed to parse boolean value, ignoring: %s", a.Value)
			return
		}
		*field(r.s) = b
	}
}

// confTristate is config_parse_tristate for DefaultCPUAccounting=.
func confTristate(r *confReader, a unitfile.Assignment) {
	if a.Value == "" {
		r.s.cpuAccounting = -1
		return
	}
	b, err := value.ParseBoolean(a.Value)
	if err != nil {
		r.warn(a, "Failed to parse boolean value for %s=, ignoring: %s", a.Key, a.Value)
		return
	}
	r.s.cpuAccounting = 0
	if b {
		r.s.cpuAccounting = 1
	}
}

// parseCrashChVT is parse_crash_chvt: a VT number, or a boolean (yes is
// 0: the VT kernel messages go to; no is -1: none).
func parseCrashChVT(v string) (int, error) {
	if n, err := value.SafeAtoi(v); err == nil {
		return int(n), nil
	}
	b, err := value.ParseBoolean(v)
	if err != nil {
		return 0, err
	}
	if b {
		return 0, nil
	}
	return -1, nil
}

func confCrashChVT(r *confReader, a unitfile.Assignment) {
	n, err := parseCrashChVT(a.Value)
	if err != nil {
		r.warn(a, "Failed to parse CrashChangeVT= setting, ignoring: %s", a.Value)
		return
	}
	r.s.crashChVT = n
}

// parseShowStatus is parse_show_status: a boolean, "auto" or "error".
func parseShowStatus(v string) (string, error) {
	if b, err := value.ParseBoolean(v); err == nil {
		if b {
			return "yes", nil
		}
		return "no", nil
	}
	switch v {
	case "no", "error", "auto", "yes":
		return v, nil
	}
	return "", syscall.EINVAL
}

func confShowStatus(r *confReader, a unitfile.Assignment) {
	s, err := parseShowStatus(a.Value)
	if err != nil {
		r.warn(a, "Failed to parse show status setting, ignoring: %s", a.Value)
		return
	}
	r.s.showStatus = s
}

// confEnum is DEFINE_CONFIG_PARSE_ENUM.
func confEnum(field func(*settings) *string, msg string, names ...string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		if !slices.Contains(names, a.Value) {
			r.warn(a, "%s, ignoring: %s", msg, a.Value)
			return
		}
		*field(r.s) = a.Value
	}
}

// confCPUSet is config_parse_cpu_affinity2 (parse_cpu_set_extend with
// warnings): CPUs are added; an empty value empties the set.
func confCPUSet(field func(*settings) *value.CPUSet, failure string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		set, warnings, err := value.ParseCPUSet(a.Value, a.Key)
		for _, w := range warnings {
			r.warn(a, "%s", w)
		}
		if err != nil {
			r.syntax(a.Location, levelErr, "%s", err.Error())
			if failure != "" {
				r.warn(a, "%s, ignoring: %s", failure, a.Value)
			}
			return
		}
		field(r.s).Extend(set)
	}
}

var numaPolicies = []string{"default", "preferred", "bind", "interleave", "local"}

func confNUMAPolicy(r *confReader, a unitfile.Assignment) {
	if a.Value == "" {
		r.s.numaPolicy = -1
		return
	}
	i := slices.Index(numaPolicies, a.Value)
	if i < 0 {
		r.warn(a, "Invalid NUMA policy type, ignoring: %s", a.Value)
		return
	}
	r.s.numaPolicy = i
}

func confNUMAMask(r *confReader, a unitfile.Assignment) {
	if a.Value == "all" {
		// Every NUMA node; without NUMA support there is node 0.
		var all value.CPUSet
		_ = all.Add(0)
		r.s.numaMask.Extend(all)
		return
	}
	confCPUSet(func(s *settings) *value.CPUSet { return &s.numaMask }, "Failed to parse NUMA node mask")(r, a)
}

// confRemoved is config_parse_warn_compat for a removed setting.
func confRemoved(r *confReader, a unitfile.Assignment) {
	r.syntax(a.Location, levelInfo, "Support for option %s= has been removed and it is ignored", a.Key)
}

// confWatchdog is config_parse_watchdog_sec: "default" (infinity),
// "off" (0) or a time span.
func confWatchdog(field func(*settings) *uint64) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		switch a.Value {
		case "default":
			*field(r.s) = timeutil.Infinity
		case "off":
			*field(r.s) = 0
		default:
			confSec(field)(r, a)
		}
	}
}

// confSec is config_parse_sec.
func confSec(field func(*settings) *uint64) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		v, err := value.ParseSec(a.Value)
		if err != nil {
			r.warn(a, "Failed to parse sec value, ignoring: %s", a.Value)
			return
		}
		*field(r.s) = v
	}
}

func confNSec(r *confReader, a unitfile.Assignment) {
	v, err := value.ParseNSec(a.Value)
	if err != nil {
		r.warn(a, "Failed to parse nsec value, ignoring: %s", a.Value)
		return
	}
	r.s.timerSlackNSec = v
}

func confUnsigned(r *confReader, a unitfile.Assignment) {
	v, err := value.SafeAtou(a.Value)
	if err != nil {
		r.warn(a, "Failed to parse unsigned value, ignoring: %s", a.Value)
		return
	}
	r.s.startLimitBurst = v
}

// confTimeoutAbort is config_parse_timeout_abort: empty unsets it.
func confTimeoutAbort(r *confReader, a unitfile.Assignment) {
	if a.Value == "" {
		r.s.timeoutAbortUSec, r.s.timeoutAbortSet = 0, false
		return
	}
	v, err := value.ParseSec(a.Value)
	if err != nil {
		r.warn(a, "Failed to parse %s= setting, ignoring: %s", a.Key, a.Value)
		return
	}
	r.s.timeoutAbortUSec, r.s.timeoutAbortSet = v, true
}

// execOutputs is exec_output_table.
var execOutputs = []string{"inherit", "null", "tty", "kmsg", "kmsg+console", "journal", "journal+console", "socket",
	"fd", "file", "append", "truncate"}

// confOutput is config_parse_output_restricted.
func confOutput(field func(*settings) *string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		t := a.Value
		obsolete := false
		switch t {
		case "syslog":
			t, obsolete = "journal", true
		case "syslog+console":
			t, obsolete = "journal+console", true
		default:
			if !slices.Contains(execOutputs, t) {
				r.warn(a, "Failed to parse output type, ignoring: %s", a.Value)
				return
			}
			switch t {
			case "socket", "fd", "file", "append", "truncate":
				r.warn(a, "Standard output types socket, fd:, file:, append:, truncate: are not supported as defaults, ignoring: %s", a.Value)
				return
			}
		}
		if obsolete {
			r.syntax(a.Location, levelNotice, "Standard output type %s is obsolete, automatically updating to %s. Please update your configuration.", a.Value, t)
		}
		*field(r.s) = t
	}
}

// confPath is config_parse_path (not fatal): an absolute, normalized
// path; empty unsets it.
func confPath(field func(*settings) *string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		if a.Value == "" {
			*field(r.s) = ""
			return
		}
		if !strings.HasPrefix(a.Value, "/") {
			r.syntax(a.Location, levelErr, "%s= path is not absolute, ignoring: %s", a.Key, a.Value)
			return
		}
		p := unitname.PathSimplify(a.Value)
		if !unitname.PathIsValid(p) {
			r.syntax(a.Location, levelErr, "%s= path has invalid length (%d bytes), ignoring.", a.Key, len(p))
			return
		}
		if !unitname.PathIsNormalized(p) {
			r.syntax(a.Location, levelErr, "%s= path is not normalized, ignoring: %s", a.Key, p)
			return
		}
		*field(r.s) = p
	}
}

// confString is config_parse_string without checks.
func confString(field func(*settings) *string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) { *field(r.s) = a.Value }
}

// confSafeString is config_parse_string with CONFIG_PARSE_STRING_SAFE.
func confSafeString(field func(*settings) *string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		if a.Value != "" && !stringIsSafe(a.Value) {
			r.warn(a, "Specified string contains unsafe characters, ignoring: %s", value.CEscape(a.Value))
			return
		}
		*field(r.s) = a.Value
	}
}

// stringIsSafe is string_is_safe: no control characters, quotes,
// backslash or DEL.
func stringIsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\'' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

// confCapabilities is config_parse_capability_set for the bounding set:
// "~" inverts; sets are merged unless the set is still all or the new
// one empty.
func confCapabilities(r *confReader, a unitfile.Assignment) {
	v := a.Value
	invert := strings.HasPrefix(v, "~")
	if invert {
		v = v[1:]
	}
	sum := value.CapabilitySetFromString(v)
	set := &r.s.capabilityBoundingSet
	switch {
	case sum == 0 || *set == capAll:
		if invert {
			*set = ^sum
		} else {
			*set = sum
		}
	case invert:
		*set &^= sum
	default:
		*set |= sum
	}
}

// confSyscallArchs is config_parse_syscall_archs.
func confSyscallArchs(r *confReader, a unitfile.Assignment) {
	if a.Value == "" {
		r.s.syscallArchs = nil
		return
	}
	x := unitfile.NewExtractor(a.Value)
	for {
		word, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote)
		if err != nil {
			r.warn(a, "Invalid syntax, ignoring: %s", a.Value)
			return
		}
		if !ok {
			return
		}
		if !unit.SeccompArchIsValid(word) {
			r.warn(a, "Failed to parse system call architecture \"%s\", ignoring: %s", word, value.Strerror(syscall.EINVAL))
			continue
		}
		if !slices.Contains(r.s.syscallArchs, word) {
			r.s.syscallArchs = append(r.s.syscallArchs, word)
		}
	}
}

// specEnvMax is sc_arg_max(), the limit of an expanded environment
// assignment.
const specEnvMax = 2097152

// confEnviron is config_parse_environ without a unit: specifiers of the
// host expanded, invalid assignments dropped, empty resets the list.
func confEnviron(field func(*settings) *[]string) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		env := field(r.s)
		if a.Value == "" {
			*env = nil
			return
		}
		table := specifier.SystemTmpTable(r.host)
		expand := func(s string, _ bool) (string, error) {
			if !strings.Contains(s, "%") {
				return s, nil
			}
			out, err := specifier.Printf(s, specEnvMax, table)
			if err != nil {
				return s, err
			}
			return out, nil
		}
		words, diags := unitfile.ParseEnvironment(a.Value, a.Location, expand)
		for _, d := range diags {
			r.syntax(d.Location, int(d.Level), "%s", d.Text)
		}
		for _, w := range words {
			*env = unitfile.MergeEnv(*env, w)
		}
	}
}

// confRlimit is config_parse_rlimit for DefaultLimit*=.
func confRlimit(resource int) managerSetting {
	return func(r *confReader, a unitfile.Assignment) {
		rl, err := value.ParseRlimit(resource, a.Value)
		if errors.Is(err, syscall.EILSEQ) {
			r.warn(a, "Soft resource limit chosen higher than hard limit, ignoring: %s", a.Value)
			return
		}
		if err != nil {
			r.warn(a, "Failed to parse resource value, ignoring: %s", a.Value)
			return
		}
		r.s.rlimits[resource] = &rl
	}
}

// confTasksMax is config_parse_tasks_max without a unit: empty and
// "infinity" are no limit.
func confTasksMax(r *confReader, a unitfile.Assignment) {
	switch a.Value {
	case "", "infinity":
		r.s.tasksMax = unit.TasksMax{Value: ^uint64(0)}
		return
	}
	if p, err := value.ParsePermyriad(a.Value); err == nil {
		r.s.tasksMax = unit.TasksMax{Value: uint64(p), Scale: 10000}
		return
	}
	n, err := value.SafeAtou64(a.Value)
	if err != nil {
		r.warn(a, "Invalid maximum tasks value '%s', ignoring: %s", a.Value, value.Strerror(err))
		return
	}
	if n == 0 || n == ^uint64(0) {
		r.warn(a, "Maximum tasks value '%s' out of range, ignoring.", a.Value)
		return
	}
	r.s.tasksMax = unit.TasksMax{Value: n}
}

// emergencyActions is emergency_action_table.
var emergencyActions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force",
	"poweroff-immediate", "exit", "exit-force"}

// confEmergencyAction is config_parse_emergency_action for the system
// manager, where every action is allowed.
func confEmergencyAction(r *confReader, a unitfile.Assignment) {
	if !slices.Contains(emergencyActions, a.Value) {
		r.warn(a, "Failed to parse %s=, ignoring: %s", a.Key, a.Value)
		return
	}
	r.s.cadBurstAction = a.Value
}

// confOOMScoreAdjust is DefaultOOMScoreAdjust=: -1000…1000, empty
// unsets it.
func confOOMScoreAdjust(r *confReader, a unitfile.Assignment) {
	if a.Value == "" {
		r.s.oomScoreAdjustSet = false
		return
	}
	v, err := value.SafeAtoi(a.Value)
	if err == nil && (v < -1000 || v > 1000) {
		err = syscall.ERANGE
	}
	if err != nil {
		r.warn(a, "Failed to parse the OOM score adjust value '%s', ignoring: %s", a.Value, value.Strerror(err))
		return
	}
	r.s.oomScoreAdjust, r.s.oomScoreAdjustSet = v, true
}
