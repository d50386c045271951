package manager

import (
	"fmt"
	"os"
	"strconv"

	"gosystemd/impl/install"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// rebuildNameMap reads the unit search path: every unit file, alias and
// unit directory there (252's unit file cache).
func (m *Manager) rebuildNameMap() error {
	names, err := unitpath.BuildNameMap(m.lookup)
	if err != nil {
		return fmt.Errorf("building unit name map: %w", err)
	}
	m.names = names
	for _, l := range names.Log {
		m.log(LogEntry{Level: l.Level, Message: l.Text})
	}
	// The map stays until the next reload; its log, once written, need not.
	names.Log = nil
	return nil
}

// dropLoadCaches lets go of what only speeds up loading units, once a
// burst of it (the boot, a reload) is over.
func (m *Manager) dropLoadCaches() {
	if m.names != nil {
		m.names.DropCaches()
	}
}

// newLoader is the unit set every unit is loaded into.
func (m *Manager) newLoader() *unit.Loader {
	m.cfg.Defaults.DeviceTimeoutUSec = m.SettingsLoop().DefaultDeviceTimeoutUSec
	l := unit.NewLoader(m.cfg.Defaults)
	l.Resolve = func(name string) (*unit.File, []unit.File, bool) {
		frag, dropins, ok := m.resolveFiles(name)
		return frag, dropins, ok
	}
	l.Extras = func(name string) ([]string, []string, []string) {
		ex := m.extras[name]
		return ex.names, ex.wants, ex.requires
	}
	l.Transient = m.isTransient
	l.UnitFileState = m.unitFileState
	// Mount and swap units follow the kernel's tables (mount.go, swap.go).
	l.Kernel = m.kernelEntry
	return l
}

// unitFileState is the UnitFileState of a unit file name, as the install
// logic decides it; cached until the next reload, as 252 caches it.
func (m *Manager) unitFileState(name string) string {
	if st, ok := m.fileStates[name]; ok {
		return st
	}
	st := "bad"
	// Reading the file's [Install] section logs its syntax problems
	// again, about the unit, as 252's unit_file_get_state does.
	logTo := func(msg install.Message) {
		if msg.Level <= LevelInfo {
			m.log(LogEntry{Level: msg.Level, Unit: name, Message: msg.Text})
		}
	}
	if s, err := install.GetState(install.Options{Scope: m.cfg.Scope, Root: m.cfg.Root, Log: logTo}, name); err == nil {
		st = s.String()
	}
	m.fileStates[name] = st
	return st
}

// presetPolicy is the preset files' verdict on a unit file name, for
// UnitFilePreset.
func (m *Manager) presetPolicy() func(string) bool {
	ps, err := install.ReadPresets(m.cfg.Scope, m.cfg.Root, nil)
	if err != nil || ps == nil {
		return nil
	}
	return func(name string) bool {
		ok, _ := ps.Query(name)
		return ok
	}
}

type extras struct{ names, wants, requires []string }

// resolveFiles finds and reads a unit's files, and notes its aliases and
// directory dependencies for the loader's Extras. An alias resolves to
// nothing (ok false) after its unit was loaded under its own name.
func (m *Manager) resolveFiles(name string) (*unit.File, []unit.File, bool) {
	if !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		return nil, nil, false
	}
	if m.names == nil {
		if err := m.rebuildNameMap(); err != nil {
			m.log(LogEntry{Level: LevelErr, Message: err.Error()})
			return nil, nil, true
		}
	}
	r, err := m.names.Resolve(m.lookup, name)
	if err != nil || r == nil {
		return nil, nil, true
	}
	for _, l := range r.Log {
		m.log(LogEntry{Level: l.Level, Message: l.Text})
	}
	var ex extras
	for _, n := range r.Names {
		if n != r.ID {
			ex.names = append(ex.names, n)
		}
	}
	ex.wants, ex.requires = r.Wants, r.Requires
	m.extras[r.ID] = ex
	frag, dropins := m.readFragment(r.Fragment, r.Masked), m.readDropins(r.Dropins)
	if r.ID != name {
		if m.loader.Unit(r.ID) == nil {
			m.loader.Load(r.ID, frag, dropins)
		}
		return nil, nil, false
	}
	return frag, dropins, true
}

func (m *Manager) readFragment(p string, masked bool) *unit.File {
	if p == "" {
		return nil
	}
	if masked {
		return &unit.File{Path: p}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	return &unit.File{Path: p, Data: data}
}

func (m *Manager) readDropins(paths []string) []unit.File {
	var out []unit.File
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		out = append(out, unit.File{Path: p, Data: data})
	}
	return out
}

// LoadUnitLoop is manager_load_unit: it returns the unit of that name,
// loading it and every unit it refers to first if needed.
func (m *Manager) LoadUnitLoop(name string) (*Unit, error) {
	if u := m.units[name]; u != nil {
		return u, nil
	}
	if !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		return nil, fmt.Errorf("Unit name %s is not valid.", name)
	}
	frag, dropins, ok := m.resolveFiles(name)
	if ok && m.loader.Unit(name) == nil {
		m.loader.Load(name, frag, dropins)
	}
	m.loader.Finish()
	m.adoptLoaded()
	if u := m.units[name]; u != nil {
		return u, nil
	}
	return nil, fmt.Errorf("Unit %s not found.", name)
}

// adoptLoaded gives every unit the loader has that the manager does not
// know yet its runtime side.
func (m *Manager) adoptLoaded() {
	for _, cfg := range m.loader.Units() {
		if m.units[cfg.ID] != nil {
			continue
		}
		initScopeDefaults(cfg)
		if cfg.ID == "init.scope" {
			if s := m.loader.Unit(cfg.Slice); s != nil {
				s.NoteDepMask(unit.SliceOf, cfg.ID, 0, unit.MaskSliceProperty)
			}
		}
		m.logDiagnostics(cfg)
		u := &Unit{m: m, cfg: cfg}
		u.stampFiles()
		u.kind = m.typeOf(u)
		m.order = append(m.order, u)
		for _, n := range append([]string{cfg.ID}, cfg.Names.List()...) {
			if m.units[n] == nil {
				m.units[n] = u
			}
		}
		if c, ok := u.kind.(coldplugger); ok {
			c.coldplug()
		}
		u.lastState = u.ActiveState()
		m.obs.UnitNew(u)
		m.addToGCQueue(u)
	}
}

// UnitLoop returns a loaded unit by any of its names.
func (m *Manager) UnitLoop(name string) *Unit { return m.units[name] }

// UnitsLoop lists the loaded units, each once, in load order.
func (m *Manager) UnitsLoop() []*Unit { return m.order }

// StartupLoop runs the generators, then loads the units that always
// exist (252's enumerate_perpetual) and those the system already has
// (enumerate), noting when each step began and ended.
func (m *Manager) StartupLoop() {
	// Re-executing, the units loaded at startup are those that were
	// (StartupDeserializeLoop).
	m.loader.Startup = !m.reexec.deserializing
	ph := &m.reexec.phases
	m.setFirstBoot(m.cfg.FirstBoot)
	ph.generatorsStart = now()
	if m.cfg.Generators {
		m.runGenerators()
	}
	ph.generatorsFinish = now()
	if f := m.afterGenerators; f != nil {
		m.afterGenerators = nil
		f()
	}
	m.presetAll()
	ph.unitsLoadStart = now()
	m.reexec.coldplug.hold(ph.unitsLoadStart)
	sl, _ := m.obs.(StartupLoader)
	if sl != nil {
		sl.LoadingUnits(true)
	}
	defer func() {
		if sl != nil {
			sl.LoadingUnits(false)
		}
		ph.unitsLoadFinish = now()
		m.reexec.coldplug.release(now())
	}()
	for _, n := range []string{"-.slice", "system.slice", "init.scope"} {
		if _, err := m.LoadUnitLoop(n); err != nil {
			m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to load %s: %v", n, err)})
		}
	}
	if m.cfg.NoEnumerate {
		return
	}
	for _, e := range enumerators {
		m.safely("enumerate", func() { e(m) })
	}
}

// EndStartupLoop says the units the manager starts with are loaded
// when no boot transaction follows (StartBootLoop says it otherwise).
func (m *Manager) EndStartupLoop() { m.loader.Startup = false }

// PropertyLoop is one of the unit's D-Bus properties as 252 serves it:
// the loaded model with the runtime state (runtime, the unit's Runtime(),
// which a caller needing several values computes once) laid over it.
func (m *Manager) PropertyLoop(u *Unit, runtime map[string]any, iface, name string) (any, bool) {
	return m.loader.PropertyValue(u.cfg, runtime, iface, name)
}

// logDiagnostics logs what loading a unit found wrong in its files, as
// 252's log_syntax does while it loads: "file:line: message", about the
// unit.
func (m *Manager) logDiagnostics(cfg *unit.Unit) {
	for _, d := range cfg.Diagnostics {
		e := LogEntry{Level: int(d.Level), Unit: cfg.ID, Message: unit.Message(d)}
		if d.File != "" {
			e.Fields = []string{"MESSAGE_ID=c772d24e9a884cbeb9ea12625c306c01", "CONFIG_FILE=" + d.File,
				"CONFIG_LINE=" + strconv.Itoa(d.Line)}
		}
		m.log(e)
	}
}

// initScopeDefaults gives the manager's own scope what 252's
// scope_enumerate_perpetual does.
func initScopeDefaults(cfg *unit.Unit) {
	if cfg.ID != "init.scope" {
		return
	}
	cfg.Perpetual = true
	cfg.DefaultDependencies = false
	if cfg.Description == "" {
		cfg.Description = "System and Service Manager"
	}
	if cfg.Documentation == nil {
		cfg.Documentation = []string{"man:systemd(1)"}
	}
	if cfg.Slice == "" {
		cfg.Slice = "-.slice"
	}
	// The slice comes from setting it, as Slice= does.
	cfg.NoteDepMask(unit.InSlice, cfg.Slice, unit.MaskSliceProperty, 0)
}

// SetAfterGenerators makes the startup run f once its generators ran and
// before anything else is spawned: PID 1 waits there for its move into
// init.scope, which the generators (spawned into init.scope) need not
// wait for.
func (m *Manager) SetAfterGenerators(f func()) { m.afterGenerators = f }
