package bus

import "testing"

// Registration checks every member's signature (through the cache of
// verdicts): a bad one is refused each time, a good one accepted.
func TestRegistrationChecksSignatures(t *testing.T) {
	get := func(any) (any, error) { return "", nil }
	for i := 0; i < 2; i++ {
		for _, c := range []struct {
			typ string
			ok  bool
		}{{"s", true}, {"a{sv}", true}, {"ss", false}, {"a{s", false}, {"", false}, {"(", false}} {
			tr := NewTree()
			err := tr.AddObject("/org/example/obj", &Interface{Name: "org.example.Iface",
				Members: []Member{&Property{Name: "P", Type: c.typ, Get: get}}}, nil)
			if (err == nil) != c.ok {
				t.Errorf("round %d: property type %q: error %v, want ok %v", i, c.typ, err, c.ok)
			}
		}
		tr := NewTree()
		err := tr.AddObject("/org/example/obj", &Interface{Name: "org.example.Iface",
			Members: []Member{&Method{Name: "M", In: "a{", Call: func(*Call, any) ([]any, error) { return nil, nil }}}}, nil)
		if err == nil {
			t.Errorf("round %d: method in-signature a{ accepted", i)
		}
	}
}
