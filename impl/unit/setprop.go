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
