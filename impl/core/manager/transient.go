package manager

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Setting is one property assignment as 252's unit_write_setting puts it
// into a transient unit file or a set-property drop-in.
type Setting struct {
	// Private puts it in the type's own section ([Service], [Scope]...)
	// rather than [Unit].
	Private bool
	// Name names the drop-in file, 50-Name.conf.
	Name string
	// Text is the assignment lines, without the section header.
	Text string
	// Live, if set, is what takes effect at once instead of Text, where
	// 252 keeps a value in memory that its text does not say (TasksMax=
	// of a scale). An empty Text writes nothing (NUMAPolicy=).
	Live string
}

const (
	transientHeader = "# This is a transient unit file, created programmatically via the systemd API. Do not edit.\n"
	dropInHeader    = "# This is a drop-in unit file extension, created via \"systemctl set-property\"\n# or an equivalent operation. Do not edit.\n"
)

// privateSections are the types' own sections; a type has one if it may
// be transient.
var privateSections = map[unitname.Type]string{
	unitname.Service: "Service", unitname.Socket: "Socket", unitname.Mount: "Mount",
	unitname.Automount: "Automount", unitname.Swap: "Swap", unitname.Timer: "Timer",
	unitname.Path: "Path", unitname.Slice: "Slice", unitname.Scope: "Scope",
}

// CanTransient reports whether units of type t may be created over the
// bus (252's can_transient).
func CanTransient(t unitname.Type) bool { return t != unitname.Swap && privateSections[t] != "" }

// Pristine is unit_is_pristine: nothing loaded u from a file, and it has
// no job, so that it may become transient.
func (u *Unit) Pristine() bool {
	ls := u.cfg.LoadState
	return (ls == unit.LoadNotFound || ls == unit.Loaded) && u.cfg.FragmentPath == "" &&
		u.cfg.SourcePath == "" && u.job == nil
}

// transientText is the transient unit file of settings: a section header
// only where the section changes. live takes each setting's Live text
// where it has one: what 252 holds in memory, as it does not read the
// file it wrote.
func transientText(t unitname.Type, settings []Setting, live bool) string {
	var b strings.Builder
	b.WriteString(transientHeader)
	last := -1
	for _, s := range settings {
		text := s.Text
		if live && s.Live != "" {
			text = s.Live
		}
		if text == "" {
			// Kept in memory only.
			continue
		}
		cur := 0
		sec := "Unit"
		if s.Private {
			cur, sec = 1, privateSections[t]
		}
		switch {
		case last < 0:
			b.WriteString("[" + sec + "]\n")
		case last != cur:
			b.WriteString("\n[" + sec + "]\n")
		}
		b.WriteString(text)
		if !strings.HasSuffix(text, "\n") {
			b.WriteByte('\n')
		}
		last = cur
	}
	return b.String()
}

// MakeTransientLoop turns the pristine unit u into a transient one (252's
// unit_make_transient and the load that follows): the settings are
// written to the transient directory and u is loaded from there, drop-ins
// included. A scope gets the processes it is to adopt.
func (m *Manager) MakeTransientLoop(u *Unit, settings []Setting, pids []int, controller string) error {
	dir := m.lookup.Transient
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, u.ID())
	text := transientText(u.cfg.Type, settings, false)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	m.transient[u.ID()] = true
	live := transientText(u.cfg.Type, settings, true)
	if live == text {
		live = ""
	}
	m.reloadUnitLoop(u, path, live)
	if s, ok := u.kind.(*scope); ok {
		s.pids, s.controller = pids, controller
		if len(pids) == 0 && u.cfg.LoadState == unit.Loaded {
			// scope_verify
			m.logUnit(u, LevelErr, "Scope has no PIDs. Refusing.")
			u.cfg.LoadState, u.cfg.LoadErr = unit.LoadError, strerrorErr{syscall.ENOENT}
		}
	}
	return nil
}

// SetStdioFDsLoop hands a transient service the fds for its standard
// input, output and error (nil entries: none), which u then owns. A unit
// that is not a service closes them.
func (m *Manager) SetStdioFDsLoop(u *Unit, files [3]*os.File) {
	s, ok := u.kind.(*service)
	for i, f := range files {
		if f == nil {
			continue
		}
		if !ok {
			f.Close()
			continue
		}
		if old := s.stdio[i]; old != nil {
			old.Close()
		}
		s.stdio[i] = f
	}
}

// reloadUnitLoop loads u's files again into u: what a transient unit
// needs once its file is written. If live is set, it stands for the
// text of the fragment at fragPath.
func (m *Manager) reloadUnitLoop(u *Unit, fragPath, live string) {
	if names, err := unitpath.BuildNameMap(m.lookup); err == nil {
		m.names = names
	}
	id := u.ID()
	frag, dropins, _ := m.resolveFiles(id)
	if live != "" && frag != nil && frag.Path == fragPath {
		frag.Data = []byte(live)
	}
	m.loader.Replace(id, frag, dropins)
	m.loader.Finish()
	cfg := m.loader.Unit(id)
	if cfg == nil {
		return
	}
	u.cfg = cfg
	u.stampFiles()
	u.kind = m.typeOf(u)
	m.logDiagnostics(cfg)
	for _, n := range cfg.Names.List() {
		if m.units[n] == nil {
			m.units[n] = u
		}
	}
	m.adoptLoaded()
	m.obs.UnitChanged(u)
	m.addToGCQueue(u)
}

// isTransient is the loader's Transient.
func (m *Manager) isTransient(name string) bool { return name == "init.scope" || m.transient[name] }

// removeTransient is unit_remove_transient: a collected transient unit's
// file goes, with its drop-ins in the transient directory.
func (m *Manager) removeTransient(u *Unit) {
	if !m.transient[u.ID()] {
		return
	}
	delete(m.transient, u.ID())
	if u.cfg.FragmentPath != "" {
		_ = os.Remove(u.cfg.FragmentPath)
	}
	for _, p := range u.cfg.DropInPaths {
		d := filepath.Dir(p)
		if filepath.Dir(d) != m.lookup.Transient {
			continue
		}
		_ = os.Remove(p)
		_ = os.Remove(d)
	}
	// A later load must not find the file in the map.
	if names, err := unitpath.BuildNameMap(m.lookup); err == nil {
		m.names = names
	}
}

// SetPropertiesLoop writes settings as 252's set-property drop-ins, one
// file each (below the transient directory for a transient unit, else the
// persistent or, with runtime, the runtime control directory), and
// applies them to u at once.
func (m *Manager) SetPropertiesLoop(u *Unit, runtime bool, settings []Setting) error {
	dir := m.lookup.PersistentControl
	if runtime {
		dir = m.lookup.RuntimeControl
	}
	if u.cfg.Transient {
		dir = m.lookup.Transient
	}
	if dir == "" {
		return fmt.Errorf("no directory for drop-ins")
	}
	for _, s := range settings {
		sec := "Unit"
		if s.Private {
			sec = privateSections[u.cfg.Type]
		}
		text := dropInHeader + "[" + sec + "]\n" + s.Text + "\n"
		d := filepath.Join(dir, u.ID()+".d")
		p := filepath.Join(d, "50-"+s.Name+".conf")
		if s.Text != "" {
			_ = os.MkdirAll(d, 0o755)
			if err := writeFileAtomic(p, []byte(text)); err != nil {
				return err
			}
		}
		live := text
		if s.Live != "" {
			live = "[" + sec + "]\n" + s.Live + "\n"
		}
		m.loader.ApplyDropIn(u.cfg, unit.File{Path: p, Data: []byte(live)})
	}
	if len(settings) > 0 {
		if names, err := unitpath.BuildNameMap(m.lookup); err == nil {
			m.names = names
		}
		u.stampFiles()
		m.obs.UnitChanged(u)
	}
	return nil
}

// CommitPropertiesLoop follows a SetUnitProperties that set anything, as
// 252's bus_*_commit_properties do for the types with a cgroup: the unit's
// cgroup is realized, created even while the unit is inactive, and given
// its limits.
func (m *Manager) CommitPropertiesLoop(u *Unit) {
	switch u.cfg.Type {
	case unitname.Service, unitname.Scope, unitname.Slice, unitname.Socket, unitname.Mount, unitname.Swap:
	default:
		return
	}
	if f, err := m.unitCgroup(u); err == nil && f != nil {
		f.Close()
	}
	m.applyCgroupLimits(u)
}

// writeFileAtomic replaces path by data through a temporary file.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// applyCgroupLimits writes the cgroup attributes set-property may change
// into u's cgroup, where it exists and the controller is enabled (a part
// of 252's unit_realize_cgroup).
func (m *Manager) applyCgroupLimits(u *Unit) { m.applyCgroupLimitsTo(u, false) }

// applyCgroupLimitsTo is applyCgroupLimits; fresh says the cgroup was
// just made, so that what the kernel starts a cgroup with need not be
// written again.
func (m *Manager) applyCgroupLimitsTo(u *Unit, fresh bool) {
	c := u.cfg.CGroup
	if c == nil || m.cfg.CgroupRoot == "" {
		return
	}
	dir := m.cgroupDir(u)
	if !fresh {
		if _, err := os.Stat(dir); err != nil {
			return
		}
	}
	const unset = ^uint64(0)
	limit := func(v uint64) string {
		if v == unset {
			return "max"
		}
		return fmt.Sprint(v)
	}
	write := func(file, value string) {
		if fresh && freshCgroupValues[file] == value {
			return
		}
		// The file is there where the controller is enabled.
		f, err := os.OpenFile(filepath.Join(dir, file), os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return
		}
		_, _ = f.WriteString(value)
		f.Close()
	}
	if c.CPUWeight != unset {
		if c.CPUWeight == 0 {
			write("cpu.idle", "1")
		} else {
			write("cpu.weight", fmt.Sprint(c.CPUWeight))
		}
	}
	if c.CPUQuotaPerSecUSec != unset {
		period := c.CPUQuotaPeriodUSec
		if period == unset || period == 0 {
			period = 100000
		}
		write("cpu.max", fmt.Sprintf("%d %d", c.CPUQuotaPerSecUSec*period/1000000, period))
	} else {
		write("cpu.max", "max")
	}
	if c.IOWeight != unset {
		write("io.weight", "default "+fmt.Sprint(c.IOWeight))
	}
	write("memory.min", limit(c.MemoryMin))
	write("memory.low", limit(c.MemoryLow))
	write("memory.high", limit(c.MemoryHigh))
	write("memory.max", limit(c.MemoryMax))
	write("pids.max", limit(m.cfg.Defaults.ResolveTasksMax(c.TasksMax)))
}

// freshCgroupValues are what a new cgroup's attribute files hold.
var freshCgroupValues = map[string]string{
	"cpu.weight": "100", "cpu.max": "max", "io.weight": "default 100",
	"memory.min": "0", "memory.low": "0", "memory.high": "max", "memory.max": "max", "pids.max": "max",
}

// strerrorErr is an errno whose text is strerror's, as %m prints it.
type strerrorErr struct{ errno syscall.Errno }

func (e strerrorErr) Error() string { return value.Strerror(e.errno) }
func (e strerrorErr) Unwrap() error { return e.errno }
