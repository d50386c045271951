package unit

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestDepMaskSetMatchesMap runs random operations on a DepMaskSet and a
// map side by side, through the switch from list to map.
func TestDepMaskSetMatchesMap(t *testing.T) {
	// 4 kinds × 12 names stay a list; all kinds × 60 names become a map.
	for _, c := range []struct{ kinds, names int }{{4, 12}, {int(dependencyMax), 60}} {
		t.Run(fmt.Sprintf("%dx%d", c.kinds, c.names), func(t *testing.T) { testDepMaskSet(t, c.kinds, c.names) })
	}
}

func testDepMaskSet(t *testing.T, kinds, names int) {
	rng := rand.New(rand.NewSource(1))
	var s DepMaskSet
	m := map[DepEdge]DepOrigin{}
	key := func() DepEdge {
		return DepEdge{Dependency(rng.Intn(kinds)), fmt.Sprintf("u%d.service", rng.Intn(names))}
	}
	for step := 0; step < 20000; step++ {
		k := key()
		switch rng.Intn(5) {
		case 0, 1:
			o := DepOrigin{DepMask(rng.Intn(512)), DepMask(rng.Intn(512))}
			s.Set(k, o)
			m[k] = o
		case 2:
			s.Delete(k)
			delete(m, k)
		case 3:
			kind := k.Kind
			s.DeleteFunc(func(e DepEdge, _ DepOrigin) bool {
				return e.Kind == kind && rng.Intn(2) == 0 && func() bool { delete(m, e); return true }()
			})
		case 4:
			s.All(func(e DepEdge, o *DepOrigin) {
				if e.Other == k.Other {
					o.Origin ^= 1
					mo := m[e]
					mo.Origin ^= 1
					m[e] = mo
				}
			})
		}
		if s.Len() != len(m) {
			t.Fatalf("step %d: Len %d, map has %d", step, s.Len(), len(m))
		}
		for mk, mo := range m {
			if o, ok := s.Get(mk); !ok || o != mo {
				t.Fatalf("step %d: Get(%v) = %v, %v; want %v", step, mk, o, ok, mo)
			}
		}
		if _, ok := s.Get(DepEdge{Requires, "absent.service"}); ok {
			t.Fatalf("step %d: an absent key was found", step)
		}
	}
	if wantBig := kinds*names > depMasksListed; (s.big != nil) != wantBig {
		t.Fatalf("map kept: %v, want %v", s.big != nil, wantBig)
	}
}
