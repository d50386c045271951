package manager

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
)

// What the Manager object's properties (impl/dbusapi) read of the
// manager's own state. Like every *Loop method these run on the loop
// goroutine.

// ExitCodeLoop is the code the manager will exit with (252's
// return_value, the ExitCode property).
func (m *Manager) ExitCodeLoop() int { return m.exitCode }

// UnitPathLoop is the unit search path, highest priority first.
func (m *Manager) UnitPathLoop() []string {
	if m.lookup == nil {
		return []string{}
	}
	return append([]string{}, m.lookup.SearchPath...)
}

// NInstalledJobsLoop counts the jobs installed since the manager started
// (252's n_installed_jobs): a job merged into an installed one is not
// counted, as job IDs are only handed out to new installed jobs.
func (m *Manager) NInstalledJobsLoop() int { return int(m.nInstalledJobs) }

// NFailedJobsLoop counts the jobs that ended with result "failed" or
// "invalid" since the manager started, reexecutions included.
func (m *Manager) NFailedJobsLoop() int { return int(m.nFailedJobs) }

// StartupFinishedLoop reports whether the boot transaction is done (252's
// MANAGER_IS_FINISHED).
func (m *Manager) StartupFinishedLoop() bool { return m.startupDone }

// VirtualizationLoop is detect_virtualization's verdict by name, "" when
// there is none.
func (m *Manager) VirtualizationLoop() string {
	if m.conditions == nil {
		m.conditions = condition.New(condition.Host{})
	}
	v, err := m.conditions.DetectVirtualization()
	if err != nil || v == condition.VirtNone {
		return ""
	}
	return v.String()
}

// InContainerLoop is detect_container: whether the manager runs in a
// container.
func (m *Manager) InContainerLoop() bool {
	if m.conditions == nil {
		m.conditions = condition.New(condition.Host{})
	}
	v, err := m.conditions.DetectVirtualization()
	return err == nil && v.IsContainer()
}

// LogLoop logs e as the manager's own message (what 252's PID 1 logs
// while it acts on unit files for a client).
func (m *Manager) LogLoop(e LogEntry) { m.log(e) }

// BootTimestamps are the boot phases' times, as the Manager object's
// *Timestamp properties show them; a zero value was not taken.
type BootTimestamps struct {
	Kernel, Userspace, Finish                     DualTimestamp
	GeneratorsStart, GeneratorsFinish             DualTimestamp
	UnitsLoadStart, UnitsLoadFinish               DualTimestamp
	Firmware, Loader, InitRD, UnitsLoad           DualTimestamp
	SecurityStart, SecurityFinish                 DualTimestamp
	InitRDSecurityStart, InitRDSecurityFinish     DualTimestamp
	InitRDGeneratorsStart, InitRDGeneratorsFinish DualTimestamp
	InitRDUnitsLoadStart, InitRDUnitsLoadFinish   DualTimestamp
}

// startupPhases are 252's startup timestamps the manager notes as it
// passes them: its main's start, the generators' run and the loading of
// the units that always exist and those the system has.
type startupPhases struct {
	userspace, generatorsStart, generatorsFinish, unitsLoadStart, unitsLoadFinish DualTimestamp
	// finish is when the boot's last job went (252's manager_ready).
	finish DualTimestamp
}

// named lists the phases under their serialization keys (252's).
func (p *startupPhases) named() []struct {
	name string
	t    *DualTimestamp
} {
	return []struct {
		name string
		t    *DualTimestamp
	}{
		{"userspace-timestamp", &p.userspace},
		{"generators-start-timestamp", &p.generatorsStart},
		{"generators-finish-timestamp", &p.generatorsFinish},
		{"units-load-start-timestamp", &p.unitsLoadStart},
		{"units-load-finish-timestamp", &p.unitsLoadFinish},
		{"finish-timestamp", &p.finish},
	}
}

// coldplugStamps makes the states the startup's loading sets (the
// perpetual units, the mounts of the table, ...) look set after it, as
// 252 sets them in its coldplug pass once every unit is loaded: the
// units stamped while held get the release's time instead. Nothing can
// watch in between: it is one turn of the loop.
type coldplugStamps struct {
	holding bool
	since   DualTimestamp
	units   []*Unit
}

func (c *coldplugStamps) hold(since DualTimestamp) {
	*c = coldplugStamps{holding: true, since: since}
}

func (c *coldplugStamps) note(u *Unit) {
	if c.holding {
		c.units = append(c.units, u)
	}
}

func (c *coldplugStamps) release(t DualTimestamp) {
	for _, u := range c.units {
		for _, p := range []*DualTimestamp{&u.stateChange, &u.inactiveExit, &u.inactiveEnter, &u.activeEnter, &u.activeExit} {
			if p.IsSet() && p.Monotonic >= c.since.Monotonic {
				*p = t
			}
		}
	}
	*c = coldplugStamps{}
}

// BootTimestampsLoop returns the boot phases' times:
//   - Kernel is the boot time (monotonic 0), outside containers only;
//   - Userspace, GeneratorsStart/Finish and UnitsLoadStart/Finish are
//     as the manager noted them (startupPhases), the first manager's
//     after daemon-reexec; Userspace falls back to the process's start
//     as the kernel recorded it (clock-tick resolution) when the caller
//     gave none;
//   - Finish is when the boot target became active (or last changed
//     state, if it did not), once no job is left.
//
// UnitsLoad is when the state was last serialized for daemon-reexec.
// Firmware, Loader, InitRD, the security and the initrd phases are not
// known and left unset.
func (m *Manager) BootTimestampsLoop() BootTimestamps {
	var t BootTimestamps
	cur := now()
	fromMono := func(mono uint64) DualTimestamp {
		if mono == 0 || mono > cur.Monotonic {
			return DualTimestamp{}
		}
		return DualTimestamp{Realtime: cur.Realtime - (cur.Monotonic - mono), Monotonic: mono}
	}
	if !m.cfg.Defaults.InContainer {
		t.Kernel = DualTimestamp{Realtime: cur.Realtime - cur.Monotonic}
	}
	ph := m.reexec.phases
	t.Userspace = ph.userspace
	if !t.Userspace.IsSet() {
		t.Userspace = fromMono(processStartMonotonic())
	}
	t.GeneratorsStart, t.GeneratorsFinish = ph.generatorsStart, ph.generatorsFinish
	t.UnitsLoadStart, t.UnitsLoadFinish = ph.unitsLoadStart, ph.unitsLoadFinish
	t.UnitsLoad = m.reexec.unitsLoad
	if t.Finish = ph.finish; !t.Finish.IsSet() && m.startupDone && m.startupJob != nil && m.startupJob.unit != nil {
		// Restored from a serialization without it.
		u := m.startupJob.unit
		t.Finish = u.activeEnter
		if !t.Finish.IsSet() {
			// The boot target failed: its last state change.
			t.Finish = u.stateChange
		}
	}
	return t
}

// processStartMonotonic is when this process started, in µs of
// CLOCK_MONOTONIC (/proc/self/stat's starttime); 0 if unknown.
func processStartMonotonic() uint64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces and parentheses: fields count
	// from the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// starttime is field 22; f[0] is field 3 (state).
	if len(f) < 20 {
		return 0
	}
	ticks, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0
	}
	// USER_HZ is 100 on every Linux architecture we build for.
	const userHZ = 100
	mono := ticks * (1000000 / userHZ)
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) == nil && mono > uint64(ts.Nano()/1000) {
		return 0
	}
	return mono
}
