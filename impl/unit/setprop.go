package unit

import (
	"slices"

	"gosystemd/impl/specifier"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitpath"
)

// ApplyDropIn reads one more drop-in into a loaded unit, as 252 applies
// a property set at runtime: the settings take effect on u in place and
// the file joins DropInPaths (once).
func (l *Loader) ApplyDropIn(u *Unit, df File) {
	var spec *specifier.Unit
	if !l.NoSpecifiers {
		host := l.Host
		if host == nil {
			host = specifier.System{}
		}
		spec = &specifier.Unit{ID: u.ID, Scope: unitpath.System, Dirs: specifier.SystemDirs, Host: host,
			FragmentPath: u.FragmentPath, Deprecated: func(byte) {}}
	}
	handler := func(a unitfile.Assignment) ([]Diagnostic, error) {
		dir := Lookup(a.Section, a.Key)
		if dir == nil || dir.parse == nil {
			return nil, nil
		}
		n := len(u.Diagnostics)
		p := &parser{u: u, d: l.Defaults, loc: a.Location, section: a.Section, key: a.Key, spec: spec}
		err := dir.parse(p, a.Value)
		u.Diagnostics = u.Diagnostics[:n]
		return nil, err
	}
	_, _ = unitfile.Parse(df.Path, df.Data, Sections(u.Type), handler)
	if !slices.Contains(u.DropInPaths, df.Path) {
		u.DropInPaths = append(u.DropInPaths, df.Path)
	}
}

// Replace loads name afresh from its files in place of the unit the set
// has under that name (a stub becoming a transient unit): the links the
// other units made to it stay, and the new unit keeps those the old one
// had from them.
func (l *Loader) Replace(name string, fragment *File, dropins []File) *Unit {
	old := l.units[name]
	if old != nil {
		delete(l.units, name)
		for i, x := range l.order {
			if x == old {
				l.order = append(l.order[:i:i], l.order[i+1:]...)
				break
			}
		}
	}
	u := l.Load(name, fragment, dropins)
	if old != nil {
		for d := range old.Deps {
			for _, n := range old.Deps[d].List() {
				u.Deps[d].Add(n)
			}
		}
		old.DepMasks.All(func(k DepEdge, o *DepOrigin) {
			u.noteOrigin(k.Kind, k.Other, o.Origin)
			u.noteDestination(k.Kind, k.Other, o.Destination)
		})
	}
	return u
}

// SocketAddressFamily is socket_address_parse's verdict on a listening
// address: its family, or the error that refuses it.
func SocketAddressFamily(s string) (int, error) {
	_, family, err := parseSocketAddress(s)
	return family, err
}

// ResolveTasksMax is tasks_max_resolve: the number of tasks t allows.
func (d *Defaults) ResolveTasksMax(t TasksMax) uint64 { return d.resolveTasksMax(t) }
