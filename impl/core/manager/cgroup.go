package manager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/state"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// cgroupPath is the unit's cgroup below the manager's, as 252 names it:
// the slice chain, then the unit ("system.slice/foo.service").
func (m *Manager) cgroupPath(u *Unit) string {
	var parts []string
	if u.cfg.Slice != "" && u.cfg.Slice != "-.slice" {
		for s := u.cfg.Slice; s != "" && s != "-.slice"; {
			parts = append([]string{s}, parts...)
			p, ok, err := unitname.SliceParent(s)
			if err != nil || !ok {
				break
			}
			s = p
		}
	}
	if u.cfg.ID != "-.slice" {
		parts = append(parts, u.cfg.ID)
	}
	return strings.Join(parts, "/")
}

// unitCgroup creates the unit's cgroup and opens it for
// CLONE_INTO_CGROUP; nil without cgroup support.
func (m *Manager) unitCgroup(u *Unit) (*os.File, error) {
	if m.cfg.CgroupRoot == "" {
		return nil, nil
	}
	rel := m.cgroupPath(u)
	dir := filepath.Join(m.cfg.CgroupRoot, rel)
	if _, err := os.Stat(dir); err != nil {
		// Realizing: the slices above are made and enable the
		// controllers u needs, then u's cgroup is made and given its
		// limits.
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return nil, err
		}
		m.enableControllers(u, rel, false)
		err := os.Mkdir(dir, 0o755)
		if err != nil && !os.IsExist(err) {
			return nil, err
		}
		if u.cfg.Type == unitname.Slice {
			m.enableControllers(u, rel, true)
		}
		m.applyCgroupLimitsTo(u, err == nil)
	}
	return os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// enableControllers is the cg_enable_everywhere part of 252's
// unit_realize_cgroup_now for u's cgroup rel: the cgroups above it (and
// rel itself with self, for a slice's members) enable in their
// cgroup.subtree_control the kernel controllers u needs there. 252
// writes each slice's whole enable mask (what all its members need); the
// other members added theirs when they were realized, so adding u's
// reaches the same set without walking every member of the slice at
// each realization. Controllers are only added, one write each, in
// 252's order.
func (m *Manager) enableControllers(u *Unit, rel string, self bool) {
	cm := m.newCgroupMasks()
	if cm.supported&unit.MaskV2 == 0 {
		return
	}
	members := cm.membersOf(u)
	need := cm.own(u) | members
	dirs := []string{""}
	if rel != "" {
		parts := strings.Split(rel, "/")
		for i := 1; i < len(parts); i++ {
			dirs = append(dirs, strings.Join(parts[:i], "/"))
		}
	}
	if self {
		if rel != "" {
			m.enableControllersOf(rel, u, members, cm)
		}
		return
	}
	for _, d := range dirs {
		name := "-.slice"
		if d != "" {
			name = filepath.Base(d)
		}
		if owner := m.units[name]; owner != nil {
			m.enableControllersOf(d, owner, need, cm)
		}
	}
}

// enableControllersOf adds to the subtree_control of dir, the cgroup of
// owner, the kernel controllers of need that owner's slices do not
// disable.
func (m *Manager) enableControllersOf(dir string, owner *Unit, need unit.CGroupMask, cm *cgroupMasks) {
	want := need & cm.supported &^ cm.ancestorDisable(owner) & unit.MaskV2
	if want == 0 {
		return
	}
	path := filepath.Join(m.cfg.CgroupRoot, dir, "cgroup.subtree_control")
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	have := strings.Fields(string(data))
	names := unit.MaskV2.Names()
	for i, n := range (unit.CGroupMask(1<<13 - 1)).Names() {
		if want&(1<<i) == 0 || !slices.Contains(names, n) || slices.Contains(have, n) {
			continue
		}
		_ = os.WriteFile(path, []byte("+"+n), 0o644)
	}
}

// killCgroup sends sig to every process in the unit's cgroup and
// reports whether there was any.
func (m *Manager) killCgroup(u *Unit, sig syscall.Signal) bool {
	return m.killCgroupExcept(u, sig, 0, 0)
}

// killCgroupExcept is killCgroup sparing two processes (main and control,
// which the caller signals itself).
func (m *Manager) killCgroupExcept(u *Unit, sig syscall.Signal, except1, except2 int) bool {
	if m.cfg.CgroupRoot == "" {
		return false
	}
	data, err := os.ReadFile(filepath.Join(m.cfg.CgroupRoot, m.cgroupPath(u), "cgroup.procs"))
	if err != nil {
		return false
	}
	killed := false
	for _, f := range strings.Fields(string(data)) {
		var pid int
		for _, c := range f {
			pid = pid*10 + int(c-'0')
		}
		if pid > 0 && pid != except1 && pid != except2 && unix.Kill(pid, sig) == nil {
			killed = true
		}
	}
	return killed
}

// cgroupDir is the unit's cgroup directory.
func (m *Manager) cgroupDir(u *Unit) string {
	return filepath.Join(m.cfg.CgroupRoot, m.cgroupPath(u))
}

// cgroupProps are the cgroup runtime properties of a unit whose cgroup
// exists: ControlGroup, ControlGroupId and CPUUsageNSec (cpu.stat is
// there without the cpu controller).
func (m *Manager) cgroupProps(u *Unit, p map[string]any) {
	if m.cfg.CgroupRoot == "" {
		return
	}
	// Read when asked for: a PropertiesChanged carries none of these.
	read := sync.OnceValue(func() map[string]any {
		q := map[string]any{}
		m.cgroupPropsNow(u, q)
		return q
	})
	for _, name := range [...]string{"ControlGroup", "ControlGroupId", "CPUUsageNSec", "MemoryCurrent", "TasksCurrent"} {
		prev, had := p[name]
		p[name] = unit.LazyValue(func() (any, bool) {
			if v, ok := read()[name]; ok {
				return v, true
			}
			return prev, had
		})
	}
}

// logResources is unit_log_resources for CPU time, the accounting that
// is on by default: a unit that stopped says what it used, at debug
// level up to a second, info up to a minute, notice past it. It runs
// after pruneCgroup, which read the usage.
func (m *Manager) logResources(u *Unit) {
	if m.cfg.CgroupRoot == "" || u.cfg.CGroup == nil || !u.cfg.CGroup.CPUAccounting || !u.cpuUsageCached {
		return
	}
	nsec := u.cpuUsageLast
	const mentionworthy, noticeworthy = 1e9, 60e9
	level := LevelDebug
	switch {
	case nsec > noticeworthy:
		level = LevelNotice
	case nsec > mentionworthy:
		level = LevelInfo
	}
	m.log(LogEntry{Level: level, Unit: u.ID(),
		Message: fmt.Sprintf("%s: Consumed %s CPU time.", u.ID(), timeutil.FormatTimespan(timeutil.Usec(nsec/1000), timeutil.MSec)),
		Fields:  []string{"MESSAGE_ID=ae8f7b866b0347b9af31fe1c80b127c0", "CPU_USAGE_NSEC=" + strconv.FormatUint(nsec, 10)}})
}

func (m *Manager) cgroupPropsNow(u *Unit, p map[string]any) {
	dir := m.cgroupDir(u)
	// Without CPUAccounting= the usage is not reported (252's ENODATA).
	cpuAccounting := u.cfg.CGroup == nil || u.cfg.CGroup.CPUAccounting
	var st unix.Stat_t
	if unix.Stat(dir, &st) != nil {
		if u.cpuUsageCached && cpuAccounting {
			// The last reading, taken as the cgroup went away.
			p["CPUUsageNSec"] = u.cpuUsageLast
		}
		if u.cfg.Type == unitname.Socket && !u.ActiveState().IsInactiveOrFailed() {
			// A socket without processes has its cgroup named from its
			// start on (252's unit_warn_leftover_processes picks the
			// path) until it stops, never created.
			p["ControlGroup"] = "/" + m.cgroupPath(u)
		}
		return
	}
	p["ControlGroup"] = "/" + m.cgroupPath(u)
	p["ControlGroupId"] = st.Ino
	if n, ok := cpuUsage(dir); ok && cpuAccounting {
		p["CPUUsageNSec"] = n
	}
	// Memory and tasks are reported where the unit accounts for them
	// and its cgroup has the controller (the file is there); the host's
	// root cgroup has neither file and is read from /proc instead.
	c := u.cfg.CGroup
	hostRoot := u.ID() == "-.slice" && m.ownsHostRootCgroup()
	if c != nil && c.MemoryAccounting {
		if hostRoot {
			if n, ok := procMemoryUsed(); ok {
				p["MemoryCurrent"] = n
			}
		} else if n, ok := readCgroupUint(dir, "memory.current"); ok {
			p["MemoryCurrent"] = n
		}
	}
	if c != nil && c.TasksAccounting {
		if hostRoot {
			if n, ok := procTasksCurrent(); ok {
				p["TasksCurrent"] = n
			}
		} else if n, ok := readCgroupUint(dir, "pids.current"); ok {
			p["TasksCurrent"] = n
		}
	}
}

// ownsHostRootCgroup is manager_owns_host_root_cgroup: the manager's
// cgroup is the machine's root one, not a container's.
func (m *Manager) ownsHostRootCgroup() bool {
	if filepath.Clean(m.cfg.CgroupRoot) != "/sys/fs/cgroup" {
		return false
	}
	_, err := os.Stat("/run/systemd/container")
	return err != nil
}

// readCgroupUint reads a cgroup attribute holding one number.
func readCgroupUint(dir, file string) (uint64, bool) {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return n, err == nil
}

// procMemoryUsed is procfs_memory_get_used: MemTotal less MemAvailable.
func procMemoryUsed() (uint64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	var total, avail uint64
	var haveTotal, haveAvail bool
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "MemTotal:":
			total, haveTotal = n*1024, true
		case "MemAvailable:":
			avail, haveAvail = n*1024, true
		}
	}
	if !haveTotal || !haveAvail || avail > total {
		return 0, false
	}
	return total - avail, true
}

// procTasksCurrent is procfs_tasks_get_current: the number after the
// slash in /proc/loadavg.
func procTasksCurrent() (uint64, bool) {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	_, after, ok := strings.Cut(string(data), "/")
	if !ok {
		return 0, false
	}
	end := strings.IndexFunc(after, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(after)
	}
	n, err := strconv.ParseUint(after[:end], 10, 64)
	return n, err == nil
}

// cpuUsage reads a cgroup's CPU time in ns from cpu.stat.
func cpuUsage(dir string) (uint64, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n * 1000, err == nil
		}
	}
	return 0, false
}

// pruneCgroup removes the cgroup of a unit that stopped, if it is empty
// (unit_prune_cgroup); parent slices go with it when they are empty too.
func (m *Manager) pruneCgroup(u *Unit) {
	if m.cfg.CgroupRoot == "" || u.cfg.Perpetual {
		return
	}
	rel := m.cgroupPath(u)
	if n, ok := cpuUsage(filepath.Join(m.cfg.CgroupRoot, rel)); ok {
		u.cpuUsageLast, u.cpuUsageCached = n, true
	}
	for rel != "" && rel != "." {
		if unix.Rmdir(filepath.Join(m.cfg.CgroupRoot, rel)) != nil {
			return
		}
		rel = filepath.Dir(rel)
		if s := m.units[filepath.Base(rel)]; s != nil && s.ActiveState().IsActiveOrActivating() {
			return
		}
	}
}

// SetupCgroups prepares the manager's cgroup tree as 252's PID 1 does:
// root must be a cgroup2 mount, and gets init.scope, which the manager
// moves into (MoveIntoInitScope); units get cgroups below.
func SetupCgroups(root string) error {
	var fs unix.Statfs_t
	if err := unix.Statfs(root, &fs); err != nil {
		return err
	}
	if fs.Type != unix.CGROUP2_SUPER_MAGIC {
		return unix.ENOMEDIUM
	}
	return os.MkdirAll(filepath.Join(root, "init.scope"), 0o755)
}

// MoveIntoInitScope moves the manager's process, every thread of it,
// into root's init.scope. The kernel makes the move wait for an RCU
// grace period (milliseconds), so the caller may do it meanwhile with
// other work, as long as nothing is spawned before it ends: children
// start in their parent's cgroup.
func MoveIntoInitScope(root string) error {
	return os.WriteFile(filepath.Join(root, "init.scope", "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// MigrateRootProcesses is the cg_migrate that follows: every other
// process left in the root cgroup moves into init.scope, kernel threads
// excepted. It returns the first error other than a process gone
// (ESRCH), as 252 reports it ("Couldn't move remaining userspace
// processes, ignoring: %m"); a process it cannot name (PID 0, from
// another PID namespace) stops it with EIO.
func MigrateRootProcesses(root string) error {
	var first error
	tried := map[int]bool{}
	to := filepath.Join(root, "init.scope", "cgroup.procs")
	for {
		data, err := os.ReadFile(filepath.Join(root, "cgroup.procs"))
		if err != nil {
			if first == nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			return first
		}
		moved := false
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid <= 0 {
				// 252's cg_read_pid: a process of another PID
				// namespace reads as 0, and ends the migration.
				if first == nil {
					first = syscall.EIO
				}
				return first
			}
			if tried[pid] || isKernelThread(pid) {
				continue
			}
			tried[pid], moved = true, true
			if err := os.WriteFile(to, []byte(f), 0o644); err != nil && first == nil && !errors.Is(err, syscall.ESRCH) {
				first = err
			}
		}
		if !moved {
			return first
		}
	}
}

// isKernelThread is is_kernel_thread: PF_KTHREAD among the process's
// flags (the ninth field of /proc/PID/stat).
func isKernelThread(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 7 {
		return false
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	return err == nil && flags&0x00200000 != 0
}

// cgroupEmptier is a type that reacts to its cgroup becoming empty
// (252's notify_cgroup_empty); waitsForEmpty says whether it would act
// now, so that reaping reads cgroup.events only for those.
type cgroupEmptier interface {
	cgroupEmpty()
	waitsForEmpty() bool
}

// cgroupPopulated reports whether the unit's cgroup has processes; false
// when it does not exist.
func (m *Manager) cgroupPopulated(u *Unit) bool {
	data, err := os.ReadFile(filepath.Join(m.cgroupDir(u), "cgroup.events"))
	if err != nil {
		return false
	}
	return strings.Contains(string(data), "populated 1")
}

// cgroupPIDs lists the processes in the unit's cgroup (not below it).
func (m *Manager) cgroupPIDs(u *Unit) []int {
	data, err := os.ReadFile(filepath.Join(m.cgroupDir(u), "cgroup.procs"))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// checkEmptyCgroups tells units waiting for their processes to go that
// their cgroup emptied: run after reaping, since a reaped process of a
// unit that is not its main or control process leaves no other trace.
func (m *Manager) checkEmptyCgroups() {
	if m.cfg.CgroupRoot == "" {
		return
	}
	for _, u := range m.order {
		e, ok := u.kind.(cgroupEmptier)
		if !ok {
			continue
		}
		if s := u.ActiveState(); s == state.Inactive || s == state.Failed || !e.waitsForEmpty() {
			continue
		}
		if !m.cgroupPopulated(u) {
			m.safely("cgroup of "+u.ID(), e.cgroupEmpty)
		}
	}
}

// parentPID is the parent of pid from /proc/PID/stat, 0 if unknown.
func parentPID(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
