package manager

import (
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/unitname"
)

// UnitByCgroupLoop is manager_get_unit_by_cgroup: the unit whose cgroup
// is path ("/system.slice/foo.service"), or else the one of its nearest
// parent; nil if none is. Only cgroups that exist are known, as 252
// knows only the realized ones. A cgroup is named by its unit, so each
// level costs one lookup.
func (m *Manager) UnitByCgroupLoop(path string) *Unit {
	if m.cfg.CgroupRoot == "" {
		return nil
	}
	for p := path; ; {
		if u := m.unitAtCgroup(p); u != nil {
			return u
		}
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			// 252 looks the root slice up by its name here, which is
			// no cgroup's: nothing is found.
			return nil
		}
		p = p[:i]
	}
}

// unitAtCgroup is the unit whose realized cgroup is exactly path.
func (m *Manager) unitAtCgroup(path string) *Unit {
	name := "-.slice"
	if path != "" {
		name = path[strings.LastIndexByte(path, '/')+1:]
	}
	u := m.units[name]
	if u == nil || !hasCgroup(u.cfg.Type) {
		return nil
	}
	key := ""
	if p := m.cgroupPath(u); p != "" {
		key = "/" + p
	}
	var st unix.Stat_t
	if key != path || unix.Stat(m.cgroupDir(u), &st) != nil {
		return nil
	}
	return u
}

func hasCgroup(t unitname.Type) bool {
	switch t {
	case unitname.Service, unitname.Socket, unitname.Mount, unitname.Swap, unitname.Slice, unitname.Scope:
		return true
	}
	return false
}

// WaitingJobsLoop is job_get_after (after) or job_get_before: the jobs
// waiting for j, or those j waits for, by ID.
func (m *Manager) WaitingJobsLoop(j *Job, after bool) []*Job {
	var out []*Job
	add := func(atom dep.Atom, cmp func(a, b *Job) int) {
		for _, o := range j.unit.deps(atom) {
			if o.job == nil || (after && o.job.ignoreOrder) {
				continue
			}
			if c := cmp(j, o.job); (after && c < 0) || (!after && c > 0) {
				out = append(out, o.job)
			}
		}
	}
	before := func(a, b *Job) int { return job.OrderBefore(a.typ, b.typ, a.ignoreOrder, b.ignoreOrder) }
	afterCmp := func(a, b *Job) int { return job.OrderAfter(a.typ, b.typ, a.ignoreOrder, b.ignoreOrder) }
	if after {
		add(dep.AtomBefore, before)
		add(dep.AtomAfter, afterCmp)
	} else {
		if j.ignoreOrder {
			return nil
		}
		add(dep.AtomAfter, afterCmp)
		add(dep.AtomBefore, before)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].id < out[b].id })
	uniq := out[:0]
	for i, x := range out {
		if i == 0 || out[i-1] != x {
			uniq = append(uniq, x)
		}
	}
	return uniq
}

// SetBusReferencedLoop records whether bus clients hold references on u
// (Unit.Ref): a referenced unit is not collected, and once the last
// reference goes it is looked at again.
func (m *Manager) SetBusReferencedLoop(u *Unit, held bool) {
	u.busReferenced = held
	if !held {
		m.addToGCQueue(u)
	}
}

// Markers are a unit's marks for `systemctl reload-or-restart --marked`.
type Markers uint8

const (
	MarkerNeedsReload Markers = 1 << iota
	MarkerNeedsRestart
)

var markerNames = []string{"needs-reload", "needs-restart"}

// ParseMarker is unit_marker_from_string.
func ParseMarker(s string) (Markers, bool) {
	for i, n := range markerNames {
		if n == s {
			return 1 << i, true
		}
	}
	return 0, false
}

// Names lists the markers set, as the Markers property shows them.
func (m Markers) Names() []string {
	out := []string{}
	for i, n := range markerNames {
		if m&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Markers are u's markers.
func (u *Unit) Markers() Markers { return u.markers }

// SetMarkersLoop applies a Markers= assignment: absolute replaces the
// markers with set, else the markers in mask become those of set.
func (m *Manager) SetMarkersLoop(u *Unit, set, mask Markers, absolute bool) {
	if absolute {
		u.markers = set
	} else {
		u.markers = set | u.markers&^mask
	}
}
