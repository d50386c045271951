package unit

import (
	"encoding/xml"
	"os"
	"reflect"
	"testing"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/unitname"
)

type introspectNode struct {
	Interfaces []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name string `xml:"name,attr"`
			Type string `xml:"type,attr"`
		} `xml:"property"`
	} `xml:"interface"`
}

// testUnits are minimal loadable units of each type.
var testUnits = map[unitname.Type]struct{ name, text string }{
	unitname.Service:   {"probe.service", "[Service]\nExecStart=/bin/true\n"},
	unitname.Socket:    {"probe.socket", "[Socket]\nListenStream=1234\n"},
	unitname.Timer:     {"probe.timer", "[Timer]\nOnBootSec=1\n"},
	unitname.Path:      {"probe.path", "[Path]\nPathExists=/x\n"},
	unitname.Swap:      {"swapfile.swap", "[Swap]\n"},
	unitname.Target:    {"probe.target", "[Unit]\n"},
	unitname.Slice:     {"probe.slice", "[Slice]\n"},
	unitname.Mount:     {"mnt.mount", "[Mount]\nWhat=/dev/sdz\n"},
	unitname.Automount: {"mnt.automount", "[Automount]\n"},
	unitname.Scope:     {"probe.scope", ""},
	unitname.Device:    {"dev-null.device", ""},
}

// Our property tables list exactly what real systemd's introspection
// data lists, in the same order and with the same signatures, and every
// value encodes with its signature.
func TestPropertiesMatchIntrospection(t *testing.T) {
	for typ, tu := range testUnits {
		data, err := os.ReadFile("testdata/introspect/" + typ.String() + ".xml")
		if err != nil {
			t.Fatal(err)
		}
		var node introspectNode
		if err := xml.Unmarshal(data, &node); err != nil {
			t.Fatal(err)
		}
		l := NewLoader(NewDefaults())
		var frag *File
		if tu.text != "" {
			frag = &File{Path: "/etc/systemd/system/" + tu.name, Data: []byte(tu.text)}
		}
		u := l.Load(tu.name, frag, nil)
		ours := map[string][]Property{}
		for _, i := range l.Properties(u) {
			ours[i.Name] = i.Properties
		}
		for _, iface := range node.Interfaces {
			if len(iface.Properties) == 0 {
				continue
			}
			got := ours[iface.Name]
			if len(got) != len(iface.Properties) {
				t.Errorf("%s %s: %d properties, systemd has %d", typ, iface.Name, len(got), len(iface.Properties))
			}
			for i, want := range iface.Properties {
				if i >= len(got) {
					t.Errorf("%s %s: missing %s", typ, iface.Name, want.Name)
					continue
				}
				p := got[i]
				if p.Name != want.Name || p.Signature != want.Type {
					t.Errorf("%s %s #%d: %s %s, systemd has %s %s", typ, iface.Name, i, p.Name, p.Signature, want.Name, want.Type)
					continue
				}
				if sig := dbus.SignatureOf(p.Value).String(); sig != p.Signature {
					t.Errorf("%s %s.%s: value %v encodes as %s, want %s", typ, iface.Name, p.Name, reflect.TypeOf(p.Value), sig, p.Signature)
				}
			}
		}
	}
}

// A property table finds each name at the position a map from name to
// position would hold: the last entry of a name listed twice.
func TestPropTableLookupMatchesMap(t *testing.T) {
	for _, typ := range unitname.Types() {
		for _, tab := range []*propTable{typePropTable(typ), unitPropTable()} {
			if tab == nil {
				continue
			}
			want := map[string]int{}
			for i, p := range tab.list {
				want[p.name] = i
			}
			for name, i := range want {
				if got, ok := tab.lookup(name); !ok || got != i {
					t.Errorf("%s: %s at %d %v, want %d", typ, name, got, ok, i)
				}
			}
			if _, ok := tab.lookup("NoSuchProperty"); ok {
				t.Errorf("%s: NoSuchProperty found", typ)
			}
		}
	}
	dup := newPropTable([]prop{{name: "B"}, {name: "A"}, {name: "B"}, {name: "C"}})
	if i, ok := dup.lookup("B"); !ok || i != 2 {
		t.Errorf("B at %d %v, want 2", i, ok)
	}
}
