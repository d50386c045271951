package unit

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
)

// Defaults are the manager's settings and process state that units
// inherit: system.conf's Default*= values, the manager's own resource
// limits, scheduling parameters and the machine's sizes.
type Defaults struct {
	TimeoutStartUSec   uint64
	TimeoutStopUSec    uint64
	TimeoutAbortUSec   uint64
	TimeoutAbortSet    bool
	RestartUSec        uint64
	StartLimitInterval uint64
	StartLimitBurst    uint32
	TimerAccuracyUSec  uint64
	StdOutput          string
	StdError           string
	CPUAccounting      bool
	IOAccounting       bool
	BlockIOAccounting  bool
	MemoryAccounting   bool
	TasksAccounting    bool
	IPAccounting       bool
	TasksMax           TasksMax
	OOMPolicy          string
	OOMScoreAdjust     int32
	OOMScoreAdjustSet  bool

	// Rlimits are the manager's DefaultLimit*= values.
	Rlimits [value.RlimitMax]value.Rlimit
	// RlimitsSet are the Rlimits a DefaultLimit*= setting (or PID 1's
	// own NOFILE and MEMLOCK adjustment) chose.
	RlimitsSet [value.RlimitMax]bool
	// ProcRlimits are the manager process's own limits, which units
	// that failed to load before getting the defaults show.
	ProcRlimits [value.RlimitMax]value.Rlimit

	// The manager process's own settings, which units that set nothing
	// show.
	Nice             int32
	CPUSchedPolicy   int32
	CPUSchedPriority int32
	ProcOOMScoreAdj  int32
	CoredumpFilter   uint64
	TimerSlackNSec   uint64
	IOPrio           int32

	// Machine sizes that percentages refer to.
	PhysicalMemory uint64
	SystemTasksMax uint64
	PageSize       uint64

	// InContainer is true when the manager runs in a container.
	InContainer bool
	// AutomountSupported is whether the kernel offers autofs.
	AutomountSupported bool
	// DevicesSupported is whether device units work (udev runs only with
	// a writable /sys, so not in containers).
	DevicesSupported bool
	// DeviceTimeoutUSec is DefaultDeviceTimeoutSec=: how long a job
	// waits for a device (device units' JobRunningTimeoutSec=).
	DeviceTimeoutUSec uint64
	// SwapSupported is whether swap units work (not in containers).
	SwapSupported bool
	// MemoryController is whether the manager's root cgroup (cgroup v2)
	// offers the memory controller, which systemd-oomd needs.
	MemoryController bool
	// Presets says whether a unit is enabled by the preset policy; nil
	// when no policy is known.
	Presets func(name string) bool
}

// NewDefaults returns systemd 252's built-in defaults for a system
// manager, with the process-dependent values read from the calling
// process and the machine.
func NewDefaults() *Defaults {
	d := &Defaults{
		TimeoutStartUSec:   90 * timeutil.Sec,
		TimeoutStopUSec:    90 * timeutil.Sec,
		TimeoutAbortUSec:   90 * timeutil.Sec,
		DeviceTimeoutUSec:  90 * timeutil.Sec,
		RestartUSec:        100 * timeutil.MSec,
		StartLimitInterval: 10 * timeutil.Sec,
		StartLimitBurst:    5,
		TimerAccuracyUSec:  timeutil.Minute,
		StdOutput:          "journal",
		StdError:           "inherit",
		CPUAccounting:      true,
		MemoryAccounting:   true,
		TasksAccounting:    true,
		TasksMax:           TasksMax{Value: 15, Scale: 100},
		OOMPolicy:          "stop",
		CoredumpFilter:     0x33,
		TimerSlackNSec:     50000,
		IOPrio:             ioprioDefault,
		PageSize:           uint64(os.Getpagesize()),
	}
	for i := range d.Rlimits {
		var rl syscall.Rlimit
		if syscall.Getrlimit(i, &rl) == nil {
			d.Rlimits[i] = value.Rlimit{Cur: rl.Cur, Max: rl.Max}
			d.ProcRlimits[i] = d.Rlimits[i]
		}
	}
	if n, err := readInt("/proc/self/oom_score_adj"); err == nil {
		d.ProcOOMScoreAdj = int32(n)
	}
	if data, err := os.ReadFile("/proc/self/coredump_filter"); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 16, 64); err == nil {
			d.CoredumpFilter = v
		}
	}
	d.PhysicalMemory = physicalMemory(d.PageSize)
	d.SystemTasksMax = systemTasksMax()
	_, err := os.Stat("/run/systemd/container")
	// detect_container: PID 1's own $container is authoritative.
	d.InContainer = err == nil || os.Getpid() == 1 && os.Getenv("container") != ""
	_, err = os.Stat("/dev/autofs")
	d.AutomountSupported = err == nil
	var st syscall.Statfs_t
	d.DevicesSupported = syscall.Statfs("/sys/", &st) != nil || st.Flags&stRdonly == 0
	_, err = os.Stat("/proc/swaps")
	d.SwapSupported = err == nil && !d.InContainer
	if data, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		d.MemoryController = indexOf(strings.Fields(string(data)), "memory") >= 0
	}
	return d
}

// stRdonly is statfs's read-only mount flag (ST_RDONLY).
const stRdonly = 1

func readInt(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
}

func physicalMemory(pageSize uint64) uint64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	mem := uint64(si.Totalram) * uint64(si.Unit)
	data, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err == nil {
		if lim, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err == nil && pageSize > 0 {
			lim = lim / pageSize * pageSize
			mem = min(mem, lim)
		}
	}
	return mem
}

func systemTasksMax() uint64 {
	a, b, c := uint64(tasksMaxKernel), uint64(tasksMaxKernel), uint64(tasksMaxKernel)
	if n, err := readInt("/proc/sys/kernel/threads-max"); err == nil {
		a = uint64(n)
	}
	if n, err := readInt("/proc/sys/kernel/pid_max"); err == nil && n > 0 {
		b = uint64(n) - 1
	}
	if n, err := readInt("/sys/fs/cgroup/pids.max"); err == nil {
		c = uint64(n)
	}
	return min(a, b, c)
}

// tasksMaxKernel is TASKS_MAX: the kernel's pid limit ceiling.
const tasksMaxKernel = 4194303

// Resolve is systemd's tasks_max_resolve.
func (d *Defaults) resolveTasksMax(t TasksMax) uint64 {
	if t.Scale == 0 {
		return t.Value
	}
	return scaleTasks(d.SystemTasksMax, t.Value, t.Scale)
}

func scaleTasks(total, v, max uint64) uint64 {
	if v == 0 {
		return 0
	}
	if v == max {
		return total
	}
	if total != 0 && v > ^uint64(0)/total {
		return ^uint64(0)
	}
	return total * v / max
}

// scaleMemory is systemd's physical_memory_scale.
func (d *Defaults) scaleMemory(v, max uint64) uint64 {
	if v == 0 {
		return 0
	}
	if v == max {
		return d.PhysicalMemory
	}
	ps := d.PageSize
	if ps == 0 {
		ps = 4096
	}
	p := d.PhysicalMemory / ps
	if p != 0 && v > ^uint64(0)/p {
		return ^uint64(0)
	}
	m := p * v / max
	if m > ^uint64(0)/ps {
		return ^uint64(0)
	}
	return m * ps
}
