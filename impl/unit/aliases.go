package unit

// canonicalizeAliases makes every dependency name the primary name of the
// unit it designates: a dependency on an alias (After=runlevel2.target,
// an alias of multi-user.target) is a dependency on the unit itself, as
// in systemd, where dependencies link units, not names. A unit depending
// on one of its own names loses that dependency.
func (l *Loader) canonicalizeAliases() {
	primary := map[string]string{}
	for _, u := range l.order {
		for _, n := range u.Names.List() {
			if n != u.ID {
				primary[n] = u.ID
			}
		}
	}
	if len(primary) == 0 {
		return
	}
	for _, u := range l.order {
		u.renameDepMasks(func(n string) string { return primary[n] })
		for d := range u.Deps {
			list := u.Deps[d].List()
			changed := false
			for _, n := range list {
				if primary[n] != "" {
					changed = true
					break
				}
			}
			if !changed {
				continue
			}
			var fixed Names
			for _, n := range list {
				if p := primary[n]; p != "" {
					n = p
				}
				if n != u.ID {
					fixed.Add(n)
				}
			}
			u.Deps[d] = fixed
		}
	}
}
