package dbusapi

import "testing"

// Every property of the table is found through its interface's part of
// it, and a name the table lacks has no flags.
func TestPropertyFlagsLookup(t *testing.T) {
	for _, e := range propFlags {
		if got := flagsOf(ifaceFlags(e.iface), e.name); got != e.flags {
			t.Fatalf("%s.%s: flags %v, want %v", e.iface, e.name, got, e.flags)
		}
		if got := flagsOf(ifaceFlags(e.iface), e.name+"X"); got != 0 {
			t.Fatalf("%s.%sX: flags %v for a property not in the table", e.iface, e.name, got)
		}
	}
	if f := ifaceFlags("org.example.None"); len(f) != 0 {
		t.Fatalf("an unknown interface has %d entries", len(f))
	}
}
