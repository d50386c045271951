package unit

import "gosystemd/impl/unitname"

// node is a unit in the dependency graph: loaded into the set or known
// from outside.
type node struct {
	name        string
	loaded      bool
	defaultDeps bool
	fragment    bool
	deps        *[dependencyMax]Names
	// u is the unit, nil for one known from outside the set.
	u *Unit
}

// origin is where n's dependency d on other came from.
func (n *node) origin(d Dependency, other string) DepMask {
	if n.u == nil {
		return 0
	}
	return n.u.DepMaskOf(d, other).Origin
}

// addInverse gives n the inverse of from's dependency d on n, with the
// origin of from's as destination.
func (n *node) addInverse(d Dependency, from *node) {
	n.deps[d.Inverse()].Add(from.name)
	if n.u != nil && !isReference(d) {
		n.u.noteDestination(d.Inverse(), from.name, from.origin(d, n.name))
	}
}

// targetQueueDeps are the dependencies through which a target gets
// ordered after the units it pulls in.
var targetQueueDeps = []Dependency{Requires, Requisite, Wants, BindsTo, PartOf, Upholds}

// Finish completes the set as the manager does once units are loaded:
// units requiring mounts get ordered after (and require) existing mount
// units, targets get ordered after the units they pull in, and every
// dependency gets its inverse on the other unit.
func (l *Loader) Finish() {
	l.loadReferenced()
	l.canonicalizeAliases()
	nodes := map[string]*node{}
	for _, u := range l.order {
		nodes[u.ID] = &node{name: u.ID, loaded: u.LoadState == Loaded, defaultDeps: u.DefaultDependencies,
			fragment: u.FragmentPath != "", deps: &u.Deps, u: u}
	}
	lookup := func(name string) *node {
		if n, ok := nodes[name]; ok {
			return n
		}
		e, ok := l.External[name]
		if !ok {
			return nil
		}
		n := &node{name: name, loaded: e.LoadState == Loaded, defaultDeps: e.DefaultDependencies,
			fragment: e.HasFragment, deps: &[dependencyMax]Names{}}
		for d, names := range e.Deps {
			for _, o := range names {
				n.deps[d].Add(o)
			}
		}
		nodes[name] = n
		return n
	}

	// pos is each unit's place in the load order.
	pos := make(map[*Unit]int, len(l.order))
	for i, u := range l.order {
		pos[u] = i
	}
	for i := 0; i < len(l.order); i++ {
		u := l.order[i]
		if u.LoadState != Loaded {
			continue
		}
		for _, path := range u.RequiresMountsFor {
			for _, prefix := range pathPrefixes(path) {
				mname, err := unitname.FromPath(prefix, ".mount")
				if err != nil {
					continue
				}
				m := lookup(mname)
				if m == nil && l.Resolve != nil {
					// The manager loads a mount unit for the path if
					// there is one.
					if frag, dropins, ok := l.Resolve(mname); ok && !l.collectedAtOnce(mname, frag) {
						mu := l.Load(mname, frag, dropins)
						m = &node{name: mname, loaded: mu.LoadState == Loaded, defaultDeps: mu.DefaultDependencies,
							fragment: mu.FragmentPath != "", deps: &mu.Deps, u: mu}
						nodes[mname] = m
					}
				}
				if m == nil || m.name == u.ID || !m.loaded {
					continue
				}
				// The mount dependencies come from where the path did,
				// when the mount unit was there first; a mount unit
				// loaded after the unit adds them itself, from its path.
				mask := u.RequiresMountsForMask[path]
				if p, ok := pos[m.u]; m.u != nil && (!ok || p > i || m.name == RootMount && m.u.startup && u.startup) {
					mask = MaskPath
				}
				u.withOrigin(mask, func() {
					_ = u.addDependency(After, mname)
					if m.fragment {
						_ = u.addDependency(Requires, mname)
					}
				})
			}
		}
	}

	// add is a default dependency of a on b (a target's ordering after
	// the units it pulls in).
	add := func(a *node, d Dependency, b *node) {
		a.deps[d].Add(b.name)
		a.deps[References].Add(b.name)
		if a.u != nil {
			a.u.noteOrigin(d, b.name, MaskDefault)
		}
		b.addInverse(d, a)
		b.deps[ReferencedBy].Add(a.name)
	}
	var names []string
	for _, u := range l.order {
		names = append(names, u.ID)
		for _, d := range allDeps {
			names = append(names, u.Deps[d].names()...)
		}
	}
	for _, name := range names {
		lookup(name)
	}
	// Units outside the set that name units of the set.
	for name, e := range l.External {
		if nodes[name] != nil {
			continue
		}
	refers:
		for _, names := range e.Deps {
			for _, o := range names {
				if l.units[o] != nil {
					lookup(name)
					break refers
				}
			}
		}
	}
	// Inverses first, so that targets outside the set see the units of
	// the set they pull in.
	for _, u := range l.order {
		a := nodes[u.ID]
		for _, d := range allDeps {
			for _, o := range u.Deps[d].names() {
				if b := lookup(o); b != nil && d.Inverse() != d {
					b.addInverse(d, a)
				}
			}
		}
	}
	for _, n := range snapshot(nodes) {
		if !n.loaded || !n.defaultDeps || unitname.TypeOf(n.name) != unitname.Target {
			continue
		}
		for _, d := range targetQueueDeps {
			for _, o := range n.deps[d].names() {
				other := lookup(o)
				if other == nil || !other.loaded || !other.defaultDeps || n.deps[Before].Has(o) {
					continue
				}
				add(n, After, other)
			}
		}
	}
	for _, n := range snapshot(nodes) {
		for _, d := range allDeps {
			for _, o := range n.deps[d].names() {
				if b, ok := nodes[o]; ok && d.Inverse() != d {
					b.addInverse(d, n)
				}
			}
		}
	}
	// A slice's SliceOf= are the loaded units placed in it (Slice=).
	for _, u := range l.order {
		if u.LoadState != Loaded || u.Slice == "" || u.Slice == u.ID {
			continue
		}
		if s := l.units[u.Slice]; s != nil {
			s.Deps[SliceOf].Add(u.ID)
			in := u.DepMaskOf(InSlice, u.Slice).Origin
			s.noteDestination(SliceOf, u.ID, in)
		}
	}
}

// loadReferenced loads, through Resolve, every unit a loaded unit asked
// for, until none is left, in the manager's load-queue order: the units a
// unit names wait on a stack, the last named loaded first, each with what
// it names in turn before the next (as LoadQueue does).
func (l *Loader) loadReferenced() {
	pending := l.pendingLoads
	l.pendingLoads = nil
	if l.Resolve == nil {
		return
	}
	var stack []string
	queued := map[string]bool{}
	// pathOnly are mounts queued only for a path some unit needs
	// (RequiresMountsFor=), not as a dependency.
	pathOnly := map[string]bool{}
	push := func(u *Unit) {
		if l.units[u.ID] == u {
			for _, n := range u.loads {
				if l.units[n] != nil || checkName(n) != nil {
					continue
				}
				dependency := u.Deps[References].Has(n)
				if queued[n] {
					if dependency {
						delete(pathOnly, n)
					}
					continue
				}
				queued[n] = true
				if !dependency && unitname.TypeOf(n) == unitname.Mount {
					pathOnly[n] = true
				}
				stack = append(stack, n)
			}
		}
		u.loads = nil
	}
	for _, u := range pending {
		push(u)
		for len(stack) > 0 {
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if l.units[name] != nil {
				continue
			}
			// A mount unit nothing backs, wanted only for a path, would
			// be collected at once: it is not loaded.
			if frag, dropins, ok := l.Resolve(name); ok && l.units[name] == nil && !(pathOnly[name] && l.collectedAtOnce(name, frag)) {
				l.Load(name, frag, dropins)
			}
			for len(l.pendingLoads) > 0 {
				nu := l.pendingLoads[0]
				l.pendingLoads = l.pendingLoads[1:]
				push(nu)
			}
		}
	}
}

var allDeps = func() []Dependency {
	var out []Dependency
	for d := Dependency(0); d < dependencyMax; d++ {
		out = append(out, d)
	}
	return out
}()

func snapshot(m map[string]*node) []*node {
	out := make([]*node, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	return out
}

// pathPrefixes is PATH_FOREACH_PREFIX_MORE: "/", then each parent
// directory, then the path itself.
func pathPrefixes(path string) []string {
	out := []string{"/"}
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i])
		}
	}
	if path != "/" {
		out = append(out, path)
	}
	return out
}
