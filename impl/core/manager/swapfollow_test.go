package manager

import (
	"testing"

	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// The names of one swap device follow as 252's swap_following picks:
// the unit file's unit if one has it, else the unit named after the
// node, else the first of the node's list (the last loaded); the
// following set is the node's other units in list order.
func TestSwapFollowing(t *testing.T) {
	tab := &swapTable{}
	mk := func(id, what string, fragment bool) *swap {
		cfg := &unit.Unit{ID: id, Type: unitname.Swap, Swap: &unit.Swap{}}
		s := &swap{u: &Unit{cfg: cfg}, t: tab}
		if fragment {
			cfg.FragmentPath = "/etc/systemd/system/" + id
			cfg.Swap.What = what
		} else {
			s.name = what
		}
		s.u.kind = s
		s.setDevnode("/dev/vda2")
		return s
	}
	ids := func(l []*Unit) []string {
		var out []string
		for _, u := range l {
			out = append(out, u.ID())
		}
		return out
	}
	following := func(s *swap) string {
		if f := s.following(); f != nil {
			return f.ID()
		}
		return ""
	}

	node := mk("dev-vda2.swap", "/dev/vda2", false)
	uuid := mk(`dev-disk-by\x2duuid-ab.swap`, "/dev/disk/by-uuid/ab", false)
	path := mk(`dev-disk-by\x2dpath-p.swap`, "/dev/disk/by-path/p", false)
	if got := following(node); got != "" {
		t.Errorf("the node's unit follows %q", got)
	}
	for _, s := range []*swap{uuid, path} {
		if got := following(s); got != "dev-vda2.swap" {
			t.Errorf("%s follows %q, want dev-vda2.swap", s.u.ID(), got)
		}
	}
	if got, want := ids(node.followingSet()), []string{`dev-disk-by\x2dpath-p.swap`, `dev-disk-by\x2duuid-ab.swap`}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("following set %v, want %v", got, want)
	}

	// A unit file's unit (fstab's by-UUID swap) is what the others follow.
	fstab := mk(`dev-disk-by\x2dlabel-sw.swap`, "/dev/disk/by-label/sw", true)
	for _, s := range []*swap{node, uuid, path} {
		if got := following(s); got != fstab.u.ID() {
			t.Errorf("%s follows %q, want the unit file's", s.u.ID(), got)
		}
	}
	if got := following(fstab); got != "" {
		t.Errorf("the unit file's unit follows %q", got)
	}

	// Without both: the first of the list, the last loaded.
	fstab.release()
	node.release()
	if got := following(path); got != "" {
		t.Errorf("the first of the list follows %q", got)
	}
	if got := following(uuid); got != `dev-disk-by\x2dpath-p.swap` {
		t.Errorf("follows %q, want the list's first", got)
	}
	if len(tab.byDevnode["/dev/vda2"]) != 2 {
		t.Errorf("list %v", tab.byDevnode)
	}
}
