package manager

import "gosystemd/impl/unit"

// configReloader is a type that keeps pointers into its unit's
// configuration and must refresh them when daemon-reload swaps it.
type configReloader interface{ reloadConfig() }

// ReloadLoop is daemon-reload (252's manager_reload, without the round
// trip through serialization: the units keep their runtime state and get
// their configuration read afresh). Generators run again, the unit file
// map and install state are rebuilt, every loaded unit is loaded anew in
// a new set, and units that new dependencies refer to are added.
func (m *Manager) ReloadLoop() {
	m.log(LogEntry{Level: LevelInfo, Message: "Reloading."})
	m.reexec.unitsLoad = now() // UnitsLoadTimestamp: the last reload
	if m.cfg.Reconfigure != nil {
		m.cfg.Reconfigure(&m.cfg)
	}
	m.reloading = true
	m.cgroupSupportedRead = false
	m.obs.Reloading(true)
	defer func() {
		m.reloading = false
		m.dropLoadCaches()
		m.obs.Reloading(false)
	}()
	if m.cfg.Generators {
		m.runGenerators()
	} else if err := m.rebuildNameMap(); err != nil {
		m.log(LogEntry{Level: LevelErr, Message: err.Error()})
	}
	m.fileStates = map[string]string{}
	m.cfg.Defaults.Presets = m.presetPolicy()
	m.extras = map[string]extras{}
	old := append([]*Unit(nil), m.order...)
	startup := map[string]bool{}
	for _, u := range old {
		if u.cfg.LoadedAtStartup() {
			startup[u.ID()] = true
		}
	}
	m.loader = m.newLoader()
	m.loader.StartupUnits = startup
	for _, u := range old {
		if m.loader.Unit(u.ID()) != nil {
			continue
		}
		frag, dropins, ok := m.resolveFiles(u.ID())
		if ok && m.loader.Unit(u.ID()) == nil {
			m.loader.Load(u.ID(), frag, dropins)
		}
	}
	m.loader.Finish()
	m.units = map[string]*Unit{}
	m.order = m.order[:0]
	for _, u := range old {
		cfg := m.loader.Unit(u.ID())
		if cfg == nil {
			continue
		}
		initScopeDefaults(cfg)
		u.cfg = cfg
		// The conditions are read afresh: 252 keeps their overall
		// result and time across a reload, not each one's.
		u.conditionVerdicts, u.assertVerdicts = nil, nil
		u.stampFiles()
		if _, ok := u.kind.(*unsupported); ok {
			u.kind = m.typeOf(u)
		} else if r, ok := u.kind.(configReloader); ok {
			r.reloadConfig()
		}
		m.order = append(m.order, u)
		for _, n := range append([]string{cfg.ID}, cfg.Names.List()...) {
			if m.units[n] == nil {
				m.units[n] = u
			}
		}
	}
	m.adoptLoaded()
	// Device units get back what udev says of them (252 enumerates
	// again while reloading).
	m.safely("devices", func() { reapplyUdev(m) })
	for _, u := range m.order {
		m.addToGCQueue(u)
	}
}

// ReloadingLoop reports whether a reload is in progress.
func (m *Manager) ReloadingLoop() bool { return m.reloading }

// reloadConfig follows the new configuration. As after 252's
// serialization round trip, only the commands running now keep their
// last-run status.
func (s *service) reloadConfig() {
	s.cfg = s.u.cfg.Service
	old := s.runs
	s.runs = [7][]execRun{}
	keep := func(kind, idx int) {
		if kind >= 0 && kind < len(old) && idx < len(old[kind]) && idx < len(s.cfg.Exec[kind]) {
			for len(s.runs[kind]) <= idx {
				s.runs[kind] = append(s.runs[kind], execRun{})
			}
			s.runs[kind][idx] = old[kind][idx]
		}
	}
	if s.mainPID > 0 {
		keep(unit.ExecStart, s.mainIdx)
	}
	if s.controlPID > 0 {
		keep(s.controlKind, s.controlIdx)
	}
}
func (s *socketUnit) reloadConfig() { s.cfg = s.u.cfg.Socket }
