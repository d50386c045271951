package unit

// DepMask says where a dependency came from (252's UnitDependencyMask):
// the unit file, the implicit dependencies of the unit's type, default
// dependencies, udev, a path, a mount's file or the kernel's mount
// table, /proc/swaps, or the Slice= property.
type DepMask uint16

const (
	MaskFile DepMask = 1 << iota
	MaskImplicit
	MaskDefault
	MaskUdev
	MaskPath
	MaskMountFile
	MaskMountinfo
	MaskProcSwap
	MaskSliceProperty
)

var depMaskNames = []string{"file", "implicit", "default", "udev", "path", "mount-file", "mountinfo", "proc-swap", "slice-property"}

// Words is the mask as 252's dump prints it: kind-name for each bit,
// separated by spaces ("origin-file origin-default").
func (m DepMask) Words(kind string) []string {
	var out []string
	for i, n := range depMaskNames {
		if m&(1<<i) != 0 {
			out = append(out, kind+"-"+n)
		}
	}
	return out
}

// DepEdge is one dependency of a unit: its kind and the other unit.
type DepEdge struct {
	Kind  Dependency
	Other string
}

// DepOrigin is where a dependency came from: on the unit that declared
// it (Origin) and on the unit it names (Destination, for the inverse).
type DepOrigin struct{ Origin, Destination DepMask }

// isReference says d is References= or ReferencedBy=, whose origins are
// not kept but derived: a unit references another through each of its
// dependencies on it (all of 252's but a socket's on the service of a
// connection, which add no reference).
func isReference(d Dependency) bool { return d == References || d == ReferencedBy }

// noteOrigin records that the unit's dependency d on other came from
// mask on this side.
func (u *Unit) noteOrigin(d Dependency, other string, mask DepMask) {
	if mask == 0 || isReference(d) {
		return
	}
	k := DepEdge{d, other}
	o, _ := u.DepMasks.Get(k)
	o.Origin |= mask
	u.DepMasks.Set(k, o)
}

// noteDestination records that the unit's dependency d on other is the
// inverse of one other got from mask.
func (u *Unit) noteDestination(d Dependency, other string, mask DepMask) {
	if mask == 0 || isReference(d) {
		return
	}
	k := DepEdge{d, other}
	o, _ := u.DepMasks.Get(k)
	o.Destination |= mask
	u.DepMasks.Set(k, o)
}

// withOrigin runs f with the dependencies it adds marked as coming from
// mask.
func (u *Unit) withOrigin(mask DepMask, f func()) {
	saved := u.origin
	u.origin = mask
	defer func() { u.origin = saved }()
	f()
}

// curOrigin is the mask the dependencies added now come from: the unit
// file unless a phase said otherwise.
func (u *Unit) curOrigin() DepMask {
	if u.origin == 0 {
		return MaskFile
	}
	return u.origin
}

// renameDepMasks moves the masks recorded for dependencies on names
// that turned out to be aliases to the unit's primary name.
func (u *Unit) renameDepMasks(primary func(string) string) {
	if u.DepMasks.Len() == 0 {
		return
	}
	var moved map[DepEdge]DepOrigin
	u.DepMasks.DeleteFunc(func(k DepEdge, o DepOrigin) bool {
		p := primary(k.Other)
		if p == "" || p == k.Other {
			return false
		}
		if moved == nil {
			moved = map[DepEdge]DepOrigin{}
		}
		nk := DepEdge{k.Kind, p}
		m := moved[nk]
		m.Origin |= o.Origin
		m.Destination |= o.Destination
		moved[nk] = m
		return true
	})
	for k, o := range moved {
		if k.Other == u.ID {
			continue
		}
		m, _ := u.DepMasks.Get(k)
		m.Origin |= o.Origin
		m.Destination |= o.Destination
		u.DepMasks.Set(k, m)
	}
}

// LoadedAtStartup reports whether the unit was loaded with the units the
// manager starts with (Loader.Startup).
func (u *Unit) LoadedAtStartup() bool { return u.startup }

// DepMaskOf is where the unit's dependency d on other came from. For
// References and ReferencedBy it walks every dependency: a dump takes
// them all at once from ReferenceMasks.
func (u *Unit) DepMaskOf(d Dependency, other string) DepOrigin {
	if isReference(d) {
		return u.ReferenceMasks()[DepEdge{d, other}]
	}
	o, _ := u.DepMasks.Get(DepEdge{d, other})
	return o
}

// ReferenceMasks are where the unit's References= and ReferencedBy= came
// from: the origins of its dependencies on each unit, and the
// destinations of those each unit has on it.
func (u *Unit) ReferenceMasks() map[DepEdge]DepOrigin {
	out := map[DepEdge]DepOrigin{}
	u.DepMasks.All(func(k DepEdge, o *DepOrigin) {
		if o.Origin != 0 {
			r := out[DepEdge{References, k.Other}]
			r.Origin |= o.Origin
			out[DepEdge{References, k.Other}] = r
		}
		if o.Destination != 0 {
			r := out[DepEdge{ReferencedBy, k.Other}]
			r.Destination |= o.Destination
			out[DepEdge{ReferencedBy, k.Other}] = r
		}
	})
	return out
}

// NoteDepMask records, for a dependency the manager added itself (not
// through loading), where it came from on this unit's side (origin) and
// on the other's (destination).
func (u *Unit) NoteDepMask(d Dependency, other string, origin, destination DepMask) {
	u.noteOrigin(d, other, origin)
	u.noteDestination(d, other, destination)
}

// ForgetDepMask drops what was recorded for the dependency d on other.
func (u *Unit) ForgetDepMask(d Dependency, other string) { u.DepMasks.Delete(DepEdge{d, other}) }

// SwapDepMask makes every dependency of the unit that came from a bit of
// from come from to instead, on this side and on the other unit's
// (other finds it by name): a mount's dependencies once the kernel's
// table, rather than its file, says how it is mounted, and back.
func (u *Unit) SwapDepMask(from, to DepMask, other func(string) *Unit) {
	u.DepMasks.All(func(k DepEdge, o *DepOrigin) {
		if o.Origin&from == 0 {
			return
		}
		o.Origin = o.Origin&^from | to
		if ou := other(k.Other); ou != nil && ou != u && k.Kind.Inverse() >= 0 {
			ik := DepEdge{k.Kind.Inverse(), u.ID}
			if io, ok := ou.DepMasks.Get(ik); ok && io.Destination&from != 0 {
				io.Destination = io.Destination&^from | to
				ou.DepMasks.Set(ik, io)
			}
		}
	})
}
