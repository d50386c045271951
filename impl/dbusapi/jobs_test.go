package dbusapi

import (
	"reflect"
	"testing"

	"gosystemd/impl/core/manager"
)

// TestReexecItemsRoundTrip restores the ShowStatus override and the
// references a re-executing manager wrote, with each reference as often
// as it was taken, for units that exist only.
func TestReexecItemsRoundTrip(t *testing.T) {
	m, err := manager.New(manager.Config{Root: t.TempDir(), NoEnumerate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.LoadUnitLoop("gosd-a.service"); err != nil {
		t.Fatal(err)
	}
	a := New(m)
	a.showStatusOverride = "temporary"
	a.pendingRefs = [][2]string{{"gosd-a.service", ":1.7"}, {"gosd-a.service", ":1.7"}, {"gosd-a.service", ":1.9"}}
	items := a.SerializeItems()
	b := New(m)
	b.Restore(append(items, manager.Item{Key: "bus-ref", Value: "gosd-gone.service :1.7"}))
	if b.showStatusOverride != "temporary" {
		t.Errorf("override %q", b.showStatusOverride)
	}
	if got := b.SerializeItems(); !reflect.DeepEqual(got, items) {
		t.Errorf("restored %v, wrote %v", got, items)
	}
	if len(items) != 5 {
		t.Errorf("items %v", items)
	}
}
