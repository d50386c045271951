package unit

// Remove deletes name from the set, reporting whether it was there.
func (n *Names) Remove(name string) bool {
	if !n.Has(name) {
		return false
	}
	s := n.s
	if s.set != nil {
		delete(s.set, name)
	}
	for i, x := range s.list {
		if x == name {
			s.list = append(s.list[:i:i], s.list[i+1:]...)
			break
		}
	}
	return true
}

// removeAll drops every name in gone.
func (n *Names) removeAll(gone map[string]bool) {
	list := n.names()
	i := 0
	for i < len(list) && !gone[list[i]] {
		i++
	}
	if i == len(list) {
		return
	}
	kept := append([]string(nil), list[:i]...)
	for _, x := range list[i:] {
		if gone[x] {
			delete(n.s.set, x)
		} else {
			kept = append(kept, x)
		}
	}
	n.s.list = kept
}

// Unload removes a unit from the set, as the manager frees a unit it
// garbage-collects: the other units lose their dependencies on it (the
// inverses of its own), and a later Load reads it afresh.
func (l *Loader) Unload(name string) { l.UnloadAll([]string{name}) }

// UnloadAll is Unload for many units at once, in one pass over the units
// that stay: unloading thousands one by one would visit every unit's
// every dependency list thousands of times.
func (l *Loader) UnloadAll(names []string) {
	gone := map[string]bool{}
	doomed := map[*Unit]bool{}
	for _, name := range names {
		if u := l.units[name]; u != nil {
			delete(l.units, name)
			gone[u.ID] = true
			doomed[u] = true
		}
	}
	if len(gone) == 0 {
		return
	}
	kept := make([]*Unit, 0, len(l.order))
	for _, x := range l.order {
		if !doomed[x] {
			kept = append(kept, x)
		}
	}
	l.order = kept
	// Every link to the units goes, whichever side recorded it (a slice's
	// SliceOf= comes from the unit's Slice=, not from its Deps).
	for _, o := range l.order {
		for d := range o.Deps {
			o.Deps[d].removeAll(gone)
		}
		o.DepMasks.DeleteFunc(func(k DepEdge, _ DepOrigin) bool { return gone[k.Other] })
	}
}
