package dbusapi

import (
	"slices"
	"strings"
	"testing"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/unitname"
)

// TestMembersMatchSpec builds every interface and checks that each
// method and signal registered under a name of 252's has 252's
// signature, and that conform put them in 252's order.
func TestMembersMatchSpec(t *testing.T) {
	m, err := manager.New(manager.Config{Root: t.TempDir(), NoEnumerate: true})
	if err != nil {
		t.Fatal(err)
	}
	memberMismatches = nil
	a := New(m)
	ifaces := []*bus.Interface{a.managerInterface()}
	for _, ty := range []unitname.Type{unitname.Service, unitname.Socket, unitname.Target, unitname.Device, unitname.Mount,
		unitname.Automount, unitname.Swap, unitname.Timer, unitname.Path, unitname.Slice, unitname.Scope} {
		ifaces = append(ifaces, a.unitInterfaces(ty)...)
	}
	for _, s := range memberMismatches {
		t.Error(s)
	}
	for _, iface := range ifaces {
		pos := map[string]int{}
		specs, _ := membersOf(iface.Name)
		for i, s := range specs {
			pos[s.name] = i
		}
		last := -1
		for _, mem := range iface.Members {
			var name string
			switch mem := mem.(type) {
			case *bus.Method:
				name = mem.Name
			case *bus.Signal:
				name = mem.Name
			default:
				continue
			}
			p, ok := pos[name]
			if !ok {
				p = len(pos)
			}
			if p < last {
				t.Errorf("%s: %s is out of 252's order", iface.Name, name)
			}
			last = p
		}
	}
}

func TestMemberSpecsSorted(t *testing.T) {
	if !slices.IsSortedFunc(memberSpecs, func(a, b interfaceMembers) int { return strings.Compare(a.iface, b.iface) }) {
		t.Fatal("memberSpecs is not sorted by interface name: membersOf's binary search would miss entries")
	}
	if _, ok := membersOf("org.freedesktop.systemd1.Unit"); !ok {
		t.Fatal("no members for org.freedesktop.systemd1.Unit")
	}
}
