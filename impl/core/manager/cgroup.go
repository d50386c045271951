package manager

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/state"
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
	dir := filepath.Join(m.cfg.CgroupRoot, m.cgroupPath(u))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
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
	for _, name := range [...]string{"ControlGroup", "ControlGroupId", "CPUUsageNSec"} {
		prev, had := p[name]
		p[name] = unit.LazyValue(func() (any, bool) {
			if v, ok := read()[name]; ok {
				return v, true
			}
			return prev, had
		})
	}
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
// the manager itself moves into init.scope, units get cgroups below.
func SetupCgroups(root string) error {
	var fs unix.Statfs_t
	if err := unix.Statfs(root, &fs); err != nil {
		return err
	}
	if fs.Type != unix.CGROUP2_SUPER_MAGIC {
		return unix.ENOMEDIUM
	}
	scope := filepath.Join(root, "init.scope")
	if err := os.MkdirAll(scope, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(scope, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0o644)
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
