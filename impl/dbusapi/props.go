package dbusapi

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/version"
)

// managerProps are the Manager object's properties in 252's order (its
// bus_manager_vtable), hidden ones left out: what GetAll returns and
// `systemctl show` prints.
//
// Settings come from the unit defaults and the manager's settings
// (system.conf, the kernel command line); without settings, 252's
// built-in ones. Boot phase timestamps come from
// Manager.BootTimestampsLoop, which derives most of them.
func managerProps(m *manager.Manager) []unit.Property {
	cfg := m.Config()
	d := cfg.Defaults
	if d == nil {
		d = unit.NewDefaults()
	}
	st := m.SettingsLoop()
	if cfg.Settings == nil {
		st.LogTarget = logTarget(d.InContainer)
	}
	ts := m.BootTimestampsLoop()
	var props []unit.Property
	add := func(name, sig string, v any) {
		props = append(props, unit.Property{Name: name, Signature: sig, Value: v})
	}
	dual := func(name string, t manager.DualTimestamp) {
		add(name, "t", t.Realtime)
		add(name+"Monotonic", "t", t.Monotonic)
	}

	add("Version", "s", version.Package)
	add("Features", "s", version.Features)
	add("Virtualization", "s", m.VirtualizationLoop())
	add("Architecture", "s", architecture())
	add("Tainted", "s", taintString())
	dual("FirmwareTimestamp", ts.Firmware)
	dual("LoaderTimestamp", ts.Loader)
	dual("KernelTimestamp", ts.Kernel)
	dual("InitRDTimestamp", ts.InitRD)
	dual("UserspaceTimestamp", ts.Userspace)
	dual("FinishTimestamp", ts.Finish)
	dual("SecurityStartTimestamp", ts.SecurityStart)
	dual("SecurityFinishTimestamp", ts.SecurityFinish)
	dual("GeneratorsStartTimestamp", ts.GeneratorsStart)
	dual("GeneratorsFinishTimestamp", ts.GeneratorsFinish)
	dual("UnitsLoadStartTimestamp", ts.UnitsLoadStart)
	dual("UnitsLoadFinishTimestamp", ts.UnitsLoadFinish)
	dual("UnitsLoadTimestamp", ts.UnitsLoad)
	dual("InitRDSecurityStartTimestamp", ts.InitRDSecurityStart)
	dual("InitRDSecurityFinishTimestamp", ts.InitRDSecurityFinish)
	dual("InitRDGeneratorsStartTimestamp", ts.InitRDGeneratorsStart)
	dual("InitRDGeneratorsFinishTimestamp", ts.InitRDGeneratorsFinish)
	dual("InitRDUnitsLoadStartTimestamp", ts.InitRDUnitsLoadStart)
	dual("InitRDUnitsLoadFinishTimestamp", ts.InitRDUnitsLoadFinish)
	add("LogLevel", "s", st.LogLevel)
	add("LogTarget", "s", st.LogTarget)
	add("NNames", "u", uint32(m.NNamesLoop()))
	add("NFailedUnits", "u", uint32(m.NFailedUnitsLoop()))
	add("NJobs", "u", uint32(m.NJobsLoop()))
	installed := m.NInstalledJobsLoop()
	add("NInstalledJobs", "u", uint32(installed))
	add("NFailedJobs", "u", uint32(m.NFailedJobsLoop()))
	progress := 1.0
	if !m.StartupFinishedLoop() && installed > 0 {
		progress = 1 - float64(m.NJobsLoop())/float64(installed)
	}
	add("Progress", "d", progress)
	add("Environment", "as", append([]string{}, m.EffectiveEnvironmentLoop()...))
	add("ConfirmSpawn", "b", st.ConfirmSpawn)
	add("ShowStatus", "b", st.ShowStatus)
	add("UnitPath", "as", m.UnitPathLoop())
	add("DefaultStandardOutput", "s", d.StdOutput)
	add("DefaultStandardError", "s", d.StdError)
	// No hardware watchdog is driven: its last ping is "never".
	add("WatchdogDevice", "s", st.WatchdogDevice)
	add("WatchdogLastPingTimestamp", "t", value.RlimInfinity)
	add("WatchdogLastPingTimestampMonotonic", "t", value.RlimInfinity)
	add("RuntimeWatchdogUSec", "t", st.RuntimeWatchdogUSec)
	add("RuntimeWatchdogPreUSec", "t", st.RuntimeWatchdogPreUSec)
	add("RuntimeWatchdogPreGovernor", "s", st.RuntimeWatchdogPreGovernor)
	add("RebootWatchdogUSec", "t", st.RebootWatchdogUSec)
	add("KExecWatchdogUSec", "t", st.KExecWatchdogUSec)
	add("ServiceWatchdogs", "b", st.ServiceWatchdogs)
	add("ControlGroup", "s", cgroupRoot())
	add("SystemState", "s", m.SystemStateLoop())
	add("ExitCode", "y", uint8(m.ExitCodeLoop()))
	add("DefaultTimerAccuracyUSec", "t", d.TimerAccuracyUSec)
	add("DefaultTimeoutStartUSec", "t", d.TimeoutStartUSec)
	add("DefaultTimeoutStopUSec", "t", d.TimeoutStopUSec)
	abort := d.TimeoutStopUSec
	if d.TimeoutAbortSet {
		abort = d.TimeoutAbortUSec
	}
	add("DefaultTimeoutAbortUSec", "t", abort)
	add("DefaultDeviceTimeoutUSec", "t", st.DefaultDeviceTimeoutUSec)
	add("DefaultRestartUSec", "t", d.RestartUSec)
	add("DefaultStartLimitIntervalUSec", "t", d.StartLimitInterval)
	add("DefaultStartLimitBurst", "u", d.StartLimitBurst)
	add("DefaultCPUAccounting", "b", d.CPUAccounting)
	add("DefaultBlockIOAccounting", "b", d.BlockIOAccounting)
	add("DefaultMemoryAccounting", "b", d.MemoryAccounting)
	add("DefaultTasksAccounting", "b", d.TasksAccounting)
	for _, name := range rlimitOrder {
		rl := d.Rlimits[rlimitNumber(name)]
		add("DefaultLimit"+name, "t", rl.Max)
		add("DefaultLimit"+name+"Soft", "t", rl.Cur)
	}
	add("DefaultTasksMax", "t", tasksMax(d))
	add("TimerSlackNSec", "t", timerSlack())
	add("DefaultOOMPolicy", "s", d.OOMPolicy)
	oomAdj := d.OOMScoreAdjust
	if !d.OOMScoreAdjustSet {
		oomAdj = ownOOMScoreAdjust(d.ProcOOMScoreAdj)
	}
	add("DefaultOOMScoreAdjust", "i", oomAdj)
	add("CtrlAltDelBurstAction", "s", st.CtrlAltDelBurstAction)
	return props
}

// managerPropFlags are the flags 252 gives a Manager property: most are
// constant, NFailedUnits announces its changes, and the rest (the
// counters, the state, the writable settings) change silently. The
// registration of managerProps in dbusapi.go is meant to use them.
func managerPropFlags(name string) bus.Flags {
	switch name {
	case "NFailedUnits":
		return bus.EmitsChange
	case "LogLevel", "LogTarget", "NNames", "NJobs", "NInstalledJobs", "NFailedJobs", "Progress", "Environment",
		"ShowStatus", "WatchdogLastPingTimestamp", "WatchdogLastPingTimestampMonotonic", "RuntimeWatchdogUSec",
		"RuntimeWatchdogPreUSec", "RuntimeWatchdogPreGovernor", "RebootWatchdogUSec", "KExecWatchdogUSec",
		"ServiceWatchdogs", "ControlGroup", "SystemState", "ExitCode", "DefaultTimeoutAbortUSec", "DefaultTasksMax":
		return 0
	}
	return bus.Const
}

// rlimitOrder is the order of the DefaultLimit* properties: not the
// resources' numbers.
var rlimitOrder = []string{"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NOFILE", "AS", "NPROC", "MEMLOCK",
	"LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"}

func rlimitNumber(name string) int {
	for i, n := range value.RlimitNames {
		if n == name {
			return i
		}
	}
	panic("unknown resource " + name)
}

// tasksMax is DefaultTasksMax resolved against the machine's task
// limit, as tasks_max_resolve does.
func tasksMax(d *unit.Defaults) uint64 {
	t := d.TasksMax
	if t.Scale == 0 {
		return t.Value
	}
	total := d.SystemTasksMax
	switch {
	case t.Value == 0:
		return 0
	case t.Value == t.Scale:
		return total
	case total != 0 && t.Value > ^uint64(0)/total:
		return ^uint64(0)
	}
	return total * t.Value / t.Scale
}

// architecture is uname_architecture's name for the machine we run on.
func architecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86-64"
	case "386":
		return "x86"
	case "arm64":
		return "arm64"
	case "arm":
		return "arm"
	case "ppc64le":
		return "ppc64-le"
	case "ppc64":
		return "ppc64"
	case "s390x":
		return "s390x"
	case "riscv64":
		return "riscv64"
	case "loong64":
		return "loongarch64"
	case "mips64le":
		return "mips64-le"
	}
	return runtime.GOARCH
}

// logTarget is where 252's PID 1 logs: $SYSTEMD_LOG_TARGET if set, else
// the journal in a container and the journal or kmsg elsewhere.
func logTarget(inContainer bool) string {
	if t := os.Getenv("SYSTEMD_LOG_TARGET"); t != "" {
		return t
	}
	if inContainer {
		return "journal"
	}
	return "journal-or-kmsg"
}

// timerSlack is the manager process's timer slack (PR_GET_TIMERSLACK).
func timerSlack() uint64 {
	v, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		return 0
	}
	return uint64(v)
}

// ownOOMScoreAdjust is the manager process's OOM score adjustment, or
// fallback if it cannot be read.
func ownOOMScoreAdjust(fallback int32) int32 {
	data, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return fallback
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 32)
	if err != nil {
		return fallback
	}
	return int32(n)
}

var (
	processFactsOnce sync.Once
	cgroupRootValue  string
	taintValue       string
)

// cgroupRoot is the cgroup the manager owns, as 252 stores it: its own
// cgroup without /init.scope (or the legacy /system.slice, /system),
// and "" for the root.
func cgroupRoot() string {
	processFactsOnce.Do(readProcessFacts)
	return cgroupRootValue
}

// taintString is manager_taint_string: what is unusual about the system,
// colon-separated.
func taintString() string {
	processFactsOnce.Do(readProcessFacts)
	return taintValue
}

// readProcessFacts computes the values that do not change while the
// manager runs.
func readProcessFacts() {
	cgroupRootValue = ownCgroup()
	taintValue = strings.Join(taints(), ":")
}

func ownCgroup() string {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	var path, legacy string
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			path = p
		} else if i := strings.Index(l, ":name=systemd:"); i >= 0 {
			legacy = l[i+len(":name=systemd:"):]
		}
	}
	if legacy != "" && !allUnified() {
		path = legacy
	}
	switch {
	case strings.HasSuffix(path, "/init.scope"):
		path = strings.TrimSuffix(path, "/init.scope")
	case strings.HasSuffix(path, "/system.slice"):
		path = strings.TrimSuffix(path, "/system.slice")
	case strings.HasSuffix(path, "/system"):
		path = strings.TrimSuffix(path, "/system")
	}
	return strings.TrimRight(path, "/")
}

// allUnified is cg_all_unified: /sys/fs/cgroup is a cgroup2 mount.
func allUnified() bool {
	var fs unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &fs) == nil && fs.Type == unix.CGROUP2_SUPER_MAGIC
}

func taints() []string {
	var out []string
	if entries, err := os.ReadDir("/usr"); err == nil && len(entries) == 0 {
		out = append(out, "split-usr")
	}
	if l, err := os.Readlink("/bin"); err != nil || (l != "usr/bin" && l != "/usr/bin") {
		out = append(out, "unmerged-usr")
	}
	if _, err := os.Stat("/proc/cgroups"); err != nil {
		out = append(out, "cgroups-missing")
	}
	if !allUnified() {
		out = append(out, "cgroupsv1")
	}
	if localHWClock() {
		out = append(out, "local-hwclock")
	}
	if supportEnded() {
		out = append(out, "support-ended")
	}
	if l, err := os.Readlink("/var/run"); err != nil || (l != "../run" && l != "/run") {
		out = append(out, "var-run-bad")
	}
	for _, id := range []string{"uid", "gid"} {
		if data, err := os.ReadFile("/proc/sys/kernel/overflow" + id); err == nil && strings.TrimRight(string(data), "\n") != "65534" {
			out = append(out, "overflow"+id+"-not-65534")
		}
	}
	var uts unix.Utsname
	if unix.Uname(&uts) == nil && versionLess(unix.ByteSliceToString(uts.Release[:]), "4.15") {
		out = append(out, "old-kernel")
	}
	for _, id := range []string{"uid", "gid"} {
		if shortIDRange("/proc/self/" + id + "_map") {
			out = append(out, "short-"+id+"-range")
		}
	}
	return out
}

// localHWClock is clock_is_localtime: /etc/adjtime's third line says
// LOCAL.
func localHWClock() bool {
	data, err := os.ReadFile("/etc/adjtime")
	if err != nil {
		return false
	}
	lines := strings.Split(string(data), "\n")
	return len(lines) >= 3 && strings.TrimSpace(lines[2]) == "LOCAL"
}

// supportEnded is os_release_support_ended: SUPPORT_END= of os-release
// lies in the past.
func supportEnded() bool {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		if data, err = os.ReadFile("/usr/lib/os-release"); err != nil {
			return false
		}
	}
	for _, l := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "SUPPORT_END=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		end, err := time.Parse("2006-01-02", v)
		return err == nil && time.Now().After(end)
	}
	return false
}

// shortIDRange reports whether a user namespace map leaves out part of
// 0…65535.
func shortIDRange(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	type span struct{ start, n uint64 }
	var spans []span
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		start, err1 := strconv.ParseUint(f[0], 10, 64)
		n, err2 := strconv.ParseUint(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		spans = append(spans, span{start, n})
	}
	for want := uint64(0); want < 65536; {
		next := want
		for _, s := range spans {
			if s.start <= want && want < s.start+s.n {
				next = s.start + s.n
			}
		}
		if next == want {
			return true
		}
		want = next
	}
	return false
}

// versionLess compares kernel release strings numerically, component by
// component, as far as they are numbers.
func versionLess(a, b string) bool {
	pa, pb := numericParts(a), numericParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func numericParts(s string) []uint64 {
	var out []uint64
	for _, part := range strings.Split(s, ".") {
		var n uint64
		digits := 0
		for _, c := range part {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + uint64(c-'0')
			digits++
		}
		if digits == 0 {
			break
		}
		out = append(out, n)
		if digits < len(part) {
			break
		}
	}
	return out
}
