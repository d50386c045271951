package condition

import (
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// cgroupMode is how the cgroup hierarchies are mounted (CGroupUnified).
type cgroupMode int

const (
	cgroupUnifiedNone    cgroupMode = iota // all legacy
	cgroupUnifiedSystemd                   // hybrid: systemd's hierarchy is cgroup2
	cgroupUnifiedAll                       // cgroup2 only
)

type cgroupModeResult struct {
	mode     cgroupMode
	hybridV2 bool // the cgroup2 systemd hierarchy is /sys/fs/cgroup/unified
	err      error
}

const (
	cgroup2SuperMagic = 0x63677270
	cgroupSuperMagic  = 0x27e0eb
	tmpfsMagic        = 0x01021994
)

// cgroupUnified is cg_unified_cached: the file system types mounted at
// /sys/fs/cgroup tell the layout.
func (e *Evaluator) cgroupUnified() (cgroupMode, error) {
	if e.cgroupMode == nil {
		m := &cgroupModeResult{}
		m.mode, m.hybridV2, m.err = e.findCgroupMode()
		e.cgroupMode = m
	}
	return e.cgroupMode.mode, e.cgroupMode.err
}

func (e *Evaluator) statfsType(p string) (int64, error) {
	var fs unix.Statfs_t
	if err := unix.Statfs(e.path(p), &fs); err != nil {
		return 0, err
	}
	return int64(fs.Type), nil
}

func (e *Evaluator) findCgroupMode() (cgroupMode, bool, error) {
	t, err := e.statfsType("/sys/fs/cgroup/")
	if err != nil {
		return 0, false, err
	}
	switch t {
	case cgroup2SuperMagic:
		return cgroupUnifiedAll, false, nil
	case tmpfsMagic:
		if u, err := e.statfsType("/sys/fs/cgroup/unified/"); err == nil && u == cgroup2SuperMagic {
			return cgroupUnifiedSystemd, true, nil
		}
		s, err := e.statfsType("/sys/fs/cgroup/systemd/")
		if err != nil {
			if isErrno(err, syscall.ENOENT) {
				return 0, false, syscall.ENOMEDIUM
			}
			return 0, false, err
		}
		if s == cgroup2SuperMagic {
			return cgroupUnifiedSystemd, false, nil
		}
		return cgroupUnifiedNone, false, nil
	}
	return 0, false, syscall.ENOMEDIUM
}

// cgroupAllUnified is cg_all_unified.
func (e *Evaluator) cgroupAllUnified() (bool, error) {
	m, err := e.cgroupUnified()
	return m == cgroupUnifiedAll, err
}

// cgroup controllers, in systemd's order (CGroupController).
var cgroupControllers = []string{
	"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces",
}

const (
	maskCPU    = 1 << 0
	maskCPUSet = 1 << 2
	maskIO     = 1 << 3
	maskMemory = 1 << 5
	maskV1     = 1<<0 | 1<<1 | 1<<4 | 1<<5 | 1<<6 | 1<<7
	maskV2     = 1<<0 | 1<<2 | 1<<3 | 1<<5 | 1<<7
)

// cgroupMaskFromString is cg_mask_from_string: the controllers named,
// unknown names skipped.
func cgroupMaskFromString(s string) (uint32, error) {
	var m uint32
	x := unitfile.NewExtractor(s)
	for {
		w, ok, err := x.Next(unitfile.Whitespace, 0)
		if err != nil {
			return 0, err
		}
		if !ok {
			return m, nil
		}
		for i, n := range cgroupControllers {
			if n == w {
				m |= 1 << i
			}
		}
	}
}

// cgroupPIDPath is cg_pid_get_path for systemd's own hierarchy: the
// cgroup of pid as /proc/PID/cgroup lists it.
func (e *Evaluator) cgroupPIDPath(pid string) (string, error) {
	mode, err := e.cgroupUnified()
	if err != nil {
		return "", err
	}
	data, err := e.readVirtualFile("/proc/" + pid + "/cgroup")
	if err != nil {
		if isErrno(err, syscall.ENOENT) {
			return "", syscall.ESRCH
		}
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		var path string
		if mode != cgroupUnifiedNone {
			rest, ok := strings.CutPrefix(line, "0:")
			if !ok {
				continue
			}
			_, path, ok = strings.Cut(rest, ":")
			if !ok {
				continue
			}
		} else {
			_, rest, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			controllers, p, ok := strings.Cut(rest, ":")
			if !ok {
				continue
			}
			found := false
			for _, c := range strings.Split(controllers, ",") {
				found = found || c == "name=systemd"
			}
			if !found {
				continue
			}
			path = p
		}
		return strings.TrimSuffix(path, " (deleted)"), nil
	}
	return "", syscall.ENODATA
}

// cgroupRootPath is cg_get_root_path: PID 1's cgroup without its
// init.scope (or legacy system.slice, system) leaf.
func (e *Evaluator) cgroupRootPath() (string, error) {
	p, err := e.cgroupPIDPath("1")
	if err != nil {
		return "", err
	}
	for _, leaf := range []string{"/init.scope", "/system.slice", "/system"} {
		if s, ok := strings.CutSuffix(p, leaf); ok {
			return s, nil
		}
	}
	return p, nil
}

// cgroupControllerDir is the directory of a controller's hierarchy below
// /sys/fs/cgroup ("" for the unified one).
func (e *Evaluator) cgroupControllerDir(controller string) (string, error) {
	mode, err := e.cgroupUnified()
	if err != nil {
		return "", err
	}
	if mode == cgroupUnifiedAll {
		return "", nil
	}
	if controller == "systemd" {
		if mode == cgroupUnifiedSystemd && e.cgroupMode.hybridV2 {
			return "unified", nil
		}
		return "systemd", nil
	}
	return controller, nil
}

// cgroupAttributePath is cg_get_path: the file of an attribute of a
// cgroup in a controller's hierarchy.
func (e *Evaluator) cgroupAttributePath(controller, cgroup, attribute string) (string, error) {
	dir, err := e.cgroupControllerDir(controller)
	if err != nil {
		return "", err
	}
	return unitname.PathSimplify(unitname.PathJoin("/sys/fs/cgroup", dir, cgroup, attribute)), nil
}

// cgroupMaskSupported is cg_mask_supported: the controllers available
// below the root cgroup.
func (e *Evaluator) cgroupMaskSupported() (uint32, error) {
	root, err := e.cgroupRootPath()
	if err != nil {
		return 0, err
	}
	all, err := e.cgroupAllUnified()
	if err != nil {
		return 0, err
	}
	if all {
		p, err := e.cgroupAttributePath("systemd", root, "cgroup.controllers")
		if err != nil {
			return 0, err
		}
		line, err := e.readOneLine(p)
		if err != nil {
			return 0, err
		}
		m, err := cgroupMaskFromString(line)
		return m & maskV2, err
	}
	var m uint32
	for i, n := range cgroupControllers {
		if maskV1&(1<<i) == 0 {
			continue
		}
		// The hierarchy must be there and writable at the root cgroup.
		p := "/sys/fs/cgroup/" + n + root + "/cgroup.procs"
		if unix.Faccessat(unix.AT_FDCWD, e.path(p), unix.W_OK, unix.AT_SYMLINK_NOFOLLOW) == nil {
			m |= 1 << i
		}
	}
	return m, nil
}

// cgroupEscape is cg_escape: a name that could clash with the kernel's
// files gets a "_" prefix.
func cgroupEscape(p string) string {
	need := p == "" || p[0] == '_' || p[0] == '.' || p == "notify_on_release" || p == "release_agent" ||
		p == "tasks" || strings.HasPrefix(p, "cgroup.")
	if dot := strings.LastIndexByte(p, '.'); !need && dot >= 0 {
		for _, n := range cgroupControllers {
			if p[:dot] == n {
				need = true
			}
		}
	}
	if need {
		return "_" + p
	}
	return p
}

// cgroupSliceToPath is cg_slice_to_path: "a-b.slice" is
// "a.slice/a-b.slice".
func cgroupSliceToPath(unit string) (string, error) {
	if unit == "-.slice" {
		return "", nil
	}
	if !unitname.IsValid(unit, unitname.Plain) || !strings.HasSuffix(unit, ".slice") {
		return "", syscall.EINVAL
	}
	prefix, err := unitname.Prefix(unit)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(prefix, "-") {
		return "", syscall.EINVAL
	}
	var s strings.Builder
	for i := 0; i < len(prefix); i++ {
		if prefix[i] != '-' {
			continue
		}
		if i+1 == len(prefix) || prefix[i+1] == '-' {
			return "", syscall.EINVAL
		}
		n := prefix[:i] + ".slice"
		if !unitname.IsValid(n, unitname.Plain) {
			return "", syscall.EINVAL
		}
		s.WriteString(cgroupEscape(n) + "/")
	}
	s.WriteString(cgroupEscape(unit))
	return s.String(), nil
}
