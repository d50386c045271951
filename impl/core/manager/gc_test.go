package manager

import (
	"context"
	"testing"
	"time"
)

// TestGarbageGoneBeforeNextCall loads a unit that does not exist, as a
// bus call's GetUnit or LoadUnit does, with another call already queued:
// as in 252's manager_loop, the unit is collected before that call runs,
// however busy the loop is.
func TestGarbageGoneBeforeNextCall(t *testing.T) {
	m, err := New(Config{Root: t.TempDir(), NoEnumerate: true, CgroupRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	seen := make(chan bool, 1)
	m.Post(func() {
		if _, err := m.LoadUnitLoop("gosd-nothere.service"); err != nil {
			t.Error(err)
		}
		m.Post(func() { seen <- m.UnitLoop("gosd-nothere.service") != nil })
		// More work pending after it: the loop is never idle in between.
		for i := 0; i < 10; i++ {
			m.Post(func() {})
		}
	})
	select {
	case still := <-seen:
		if still {
			t.Errorf("the unit loaded by one call was still there for the next")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop never ran the second call")
	}
}
