package systemctl

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gosystemd/impl/install"
)

type machineInfo struct {
	host              bool
	name, state       string
	hasState          bool
	failedUnits, jobs uint32
}

// listMachines is verb_list_machines: this host, then the containers
// machined registered. The containers' own managers are not asked (252
// connects to each container's bus); their columns show "n/a" and 0.
func (t *tool) listMachines(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	patterns := args[1:]
	show := func(name string) bool {
		if len(patterns) == 0 {
			return true
		}
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	var infos []machineInfo
	host, _ := os.Hostname()
	if show(host) {
		m := machineInfo{host: true, name: host}
		if s, err := b.stringProperty(busManagerPath, ifaceManager, "SystemState"); err == nil {
			m.state, m.hasState = s, true
		}
		if v, err := b.property(busManagerPath, ifaceManager, "NFailedUnits"); err == nil {
			m.failedUnits, _ = v.Value().(uint32)
		}
		if v, err := b.property(busManagerPath, ifaceManager, "NJobs"); err == nil {
			m.jobs, _ = v.Value().(uint32)
		}
		infos = append(infos, m)
	}
	entries, err := os.ReadDir("/run/systemd/machines")
	if err != nil && !os.IsNotExist(err) {
		return t.errorf("Failed to get machine list: %s", install.Strerror(errnoOf(err)))
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "unit:") || !show(name) || machineClass(name) != "container" {
			continue
		}
		infos = append(infos, machineInfo{name: name})
	}
	sort.SliceStable(infos, func(i, j int) bool {
		if infos[i].host != infos[j].host {
			return infos[i].host
		}
		return strings.ToLower(infos[i].name) < strings.ToLower(infos[j].name)
	})
	tab := newTable(t.term, "", "name", "state", "failed", "jobs")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	if t.opts.plain {
		tab.hide(0)
	}
	missing := false
	for _, m := range infos {
		onState, circle := "", false
		switch {
		case m.state == "degraded":
			onState, circle = t.term.ANSI(ansiHighlightRed), true
		case m.state != "running":
			onState, circle = t.term.ANSI256("\x1b[0;1;38;5;185m", "\x1b[0;1;33m"), true
		}
		onFailed := ""
		if m.failedUnits > 0 {
			onFailed = t.term.ANSI(ansiHighlightRed)
		}
		if !m.hasState {
			missing = true
		}
		glyph := " "
		if circle {
			glyph = "*"
			if t.utf8 {
				glyph = "●"
			}
		}
		name, state := m.name, m.state
		if m.host {
			name += " (host)"
		}
		if !m.hasState {
			state = "n/a"
		}
		tab.add(cell{text: glyph, color: onState, noGap: true}, cell{text: name}, cell{text: state, color: onState, noGap: true},
			cell{text: strconv.FormatUint(uint64(m.failedUnits), 10), color: onFailed, noGap: true},
			cell{text: strconv.FormatUint(uint64(m.jobs), 10)})
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend != 0 {
		t.printf("\n")
		if missing && os.Geteuid() != 0 {
			t.printf("Notice: some information only available to privileged users was not shown.\n")
		}
		t.printf("%d machines listed.\n", len(infos))
	}
	return nil
}

// machineClass is sd_machine_get_class: CLASS= of machined's record.
func machineClass(name string) string {
	data, err := os.ReadFile(filepath.Join("/run/systemd/machines", name))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CLASS="); ok {
			return v
		}
	}
	return ""
}
