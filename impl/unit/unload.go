package unit

// Remove deletes name from the set, reporting whether it was there.
func (n *Names) Remove(name string) bool {
	if !n.Has(name) {
		return false
	}
	if n.set != nil {
		delete(n.set, name)
	}
	for i, x := range n.list {
		if x == name {
			n.list = append(n.list[:i:i], n.list[i+1:]...)
			break
		}
	}
	return true
}

// Unload removes a unit from the set, as the manager frees a unit it
// garbage-collects: the other units lose their dependencies on it (the
// inverses of its own), and a later Load reads it afresh.
func (l *Loader) Unload(name string) {
	u := l.units[name]
	if u == nil {
		return
	}
	delete(l.units, name)
	for i, x := range l.order {
		if x == u {
			l.order = append(l.order[:i:i], l.order[i+1:]...)
			break
		}
	}
	// Every link to the unit goes, whichever side recorded it (a slice's
	// SliceOf= comes from the unit's Slice=, not from its Deps).
	for _, o := range l.order {
		for d := range o.Deps {
			o.Deps[d].Remove(u.ID)
		}
	}
}
