package manager

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gosystemd/impl/procfs"
)

// UnitProcess is one entry of GetUnitProcesses: the process's cgroup (as
// systemd names it, from the hierarchy's root), its PID and command line.
type UnitProcess struct {
	Cgroup  string
	PID     uint32
	Cmdline string
}

// UnitProcessesLoop is bus_unit_method_get_processes: the processes of
// the unit's cgroup and the cgroups below it (each cgroup's own first),
// then the main and control processes if they live elsewhere.
func (m *Manager) UnitProcessesLoop(u *Unit) []UnitProcess {
	out := []UnitProcess{}
	seen := map[int]bool{}
	add := func(cg string, pid int) {
		if pid <= 0 || seen[pid] {
			return
		}
		seen[pid] = true
		if cg == "" {
			var ok bool
			if cg, ok = processCgroup(pid); !ok {
				return
			}
		}
		cmd, _ := procfs.Cmdline(pid)
		out = append(out, UnitProcess{Cgroup: cg, PID: uint32(pid), Cmdline: cmd})
	}
	if m.cfg.CgroupRoot != "" && u.cfg.CGroup != nil {
		var walk func(rel string)
		walk = func(rel string) {
			dir := filepath.Join(m.cfg.CgroupRoot, rel)
			data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			if err != nil {
				return
			}
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && !procfs.KernelThread(pid) {
					add("/"+rel, pid)
				}
			}
			d, err := os.Open(dir)
			if err != nil {
				return
			}
			entries, _ := d.ReadDir(-1)
			d.Close()
			for _, e := range entries {
				if e.IsDir() {
					walk(rel + "/" + e.Name())
				}
			}
		}
		walk(m.cgroupPath(u))
	}
	switch k := u.kind.(type) {
	case *service:
		add("", k.mainPID)
		add("", k.controlPID)
	case *mount:
		add("", k.controlPID)
	case *swap:
		add("", k.controlPID)
	}
	return out
}

// processCgroup is the process's cgroup in the unified hierarchy.
func processCgroup(pid int) (string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return p, true
		}
	}
	return "", false
}
