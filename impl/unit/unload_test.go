package unit

import "testing"

// TestUnloadDropsLinks: a collected unit leaves no dependency behind on
// the units that stay, whichever side recorded it, so that loading one of
// them again does not pull the collected unit back in.
func TestUnloadDropsLinks(t *testing.T) {
	l := NewLoader(NewDefaults())
	part := []byte("[Unit]\nPartOf=parent.service\nAfter=parent.service\n[Service]\nExecStart=/bin/sleep 300\n")
	parent := []byte("[Service]\nExecStart=/bin/sleep 300\n")
	l.Load("system.slice", nil, nil)
	l.Load("parent.service", &File{Path: "/x/parent.service", Data: parent}, nil)
	l.Load("part.service", &File{Path: "/x/part.service", Data: part}, nil)
	l.Finish()
	if !l.Unit("system.slice").Deps[RequiredBy].Has("part.service") || !l.Unit("parent.service").Deps[ConsistsOf].Has("part.service") {
		t.Fatalf("setup: part.service not linked: slice %v, parent %v", l.Unit("system.slice").Deps[RequiredBy].List(), l.Unit("parent.service").Deps[ConsistsOf].List())
	}
	l.Unload("part.service")
	if l.Unit("part.service") != nil {
		t.Fatal("part.service still loaded")
	}
	for _, u := range l.Units() {
		for d := range u.Deps {
			if u.Deps[d].Has("part.service") {
				t.Errorf("%s still has %s=part.service", u.ID, Dependency(d))
			}
		}
	}
	l.Finish()
	if l.Unit("part.service") != nil {
		t.Error("Finish loaded the collected unit again")
	}
}
