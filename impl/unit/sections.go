package unit

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"gosystemd/impl/unitname"
)

// sectionTables lists, per section, the directive groups it holds.
var sectionTables = map[string][]func() []*Directive{
	"Unit":      {unitDirectives},
	"Install":   {installDirectives},
	"Service":   {serviceDirectives, execDirectives, cgroupDirectives, killDirectives},
	"Socket":    {socketDirectives, execDirectives, cgroupDirectives, killDirectives},
	"Mount":     {mountDirectives, execDirectives, cgroupDirectives, killDirectives},
	"Automount": {automountDirectives},
	"Swap":      {swapDirectives, execDirectives, cgroupDirectives, killDirectives},
	"Timer":     {timerDirectives},
	"Path":      {pathDirectives},
	"Slice":     {cgroupDirectives},
	"Scope":     {cgroupDirectives, killDirectives, scopeDirectives},
}

// directiveTables is every directive, by section and sorted by name
// (sorted slices rather than maps: a fifth of the memory). It is built
// on first use, not at init (every process of the multicall binary would
// pay for it), and let go by ReleaseDirectives: PID 1 holds units for
// ever but parses unit files only in bursts (the boot, a reload), and the
// tables are 120 KB of its heap.
var directiveTables struct {
	sync.Mutex
	bySection map[string][]*Directive
}

// directives returns the tables, building them if need be.
func directives() map[string][]*Directive {
	directiveTables.Lock()
	defer directiveTables.Unlock()
	if directiveTables.bySection == nil {
		directiveTables.bySection = buildDirectives()
	}
	return directiveTables.bySection
}

// ReleaseDirectives drops the directive tables; the next lookup builds
// them again.
func ReleaseDirectives() {
	directiveTables.Lock()
	directiveTables.bySection = nil
	directiveTables.Unlock()
}

func buildDirectives() map[string][]*Directive {
	all := map[string][]*Directive{}
	for section, groups := range sectionTables {
		byName := map[string]*Directive{}
		for _, g := range groups {
			for _, d := range g() {
				d.Section = section
				byName[d.Name] = d
			}
		}
		list := make([]*Directive, 0, len(byName))
		for _, d := range byName {
			list = append(list, d)
		}
		slices.SortFunc(list, func(a, b *Directive) int { return strings.Compare(a.Name, b.Name) })
		all[section] = list
	}
	return all
}

// Lookup finds the directive for a key in a section; nil if systemd does
// not know it.
func Lookup(section, key string) *Directive {
	list := directives()[section]
	i, ok := slices.BinarySearchFunc(list, key, func(d *Directive, key string) int { return strings.Compare(d.Name, key) })
	if !ok {
		return nil
	}
	return list[i]
}

// Directives lists every directive, sorted by section and name.
func Directives() []*Directive {
	var out []*Directive
	for _, l := range directives() {
		out = append(out, l...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Section != out[j].Section {
			return out[i].Section < out[j].Section
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Sections are the sections a unit of type t reads, in systemd's order.
func Sections(t unitname.Type) []string {
	private := map[unitname.Type]string{
		unitname.Service: "Service", unitname.Socket: "Socket", unitname.Mount: "Mount", unitname.Automount: "Automount",
		unitname.Swap: "Swap", unitname.Timer: "Timer", unitname.Path: "Path", unitname.Slice: "Slice",
		unitname.Scope: "Scope", unitname.Target: "Target", unitname.Device: "Device",
	}[t]
	return []string{"Unit", private, "Install"}
}
