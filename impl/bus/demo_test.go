package bus

import (
	"fmt"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// demoService is the Go twin of testdata/sdbus-demo.c: the same tables,
// served by this package. It lives on the owner goroutine.
type demoService struct {
	tree    *Tree
	counter uint32
	label   string
	secret  string
	old     string
	quit    chan struct{}
}

type demoItem struct{ id string }

func newDemoService(t testing.TB) *demoService {
	d := &demoService{tree: NewTree(), counter: 7, label: "initial", secret: "hush", old: "past", quit: make(chan struct{})}
	str := func(v *string) (GetFunc, SetFunc) {
		return func(any) (any, error) { return *v, nil },
			func(_ *Call, _ any, value any) error {
				if value.(string) == "forbidden" {
					return Errorf(ErrNameInvalidArgs, "That value is not allowed.")
				}
				*v = value.(string)
				return nil
			}
	}
	labelGet, labelSet := str(&d.label)
	secretGet, secretSet := str(&d.secret)
	oldGet, oldSet := str(&d.old)
	constant := func(v any) GetFunc { return func(any) (any, error) { return v, nil } }
	demo := &Interface{Name: "org.example.Demo", Members: []Member{
		&Property{Name: "Name", Type: "s", Flags: Const, Get: constant("demo")},
		&Property{Name: "Counter", Type: "u", Flags: EmitsChange, Get: func(any) (any, error) { return d.counter, nil }},
		&Property{Name: "Volatile", Type: "t", Flags: EmitsInvalidation, Get: func(any) (any, error) { return uint64(d.counter) * 1000, nil }},
		&Property{Name: "Quiet", Type: "b", Get: constant(true)},
		&Property{Name: "Map", Type: "a{sv}", Flags: Const, Get: constant(Dict{{"one", dbus.MakeVariant(uint32(1))}, {"two", dbus.MakeVariant("zwei")}})},
		&Property{Name: "Big", Type: "t", Flags: Explicit, Get: func(any) (any, error) { return uint64(d.counter), nil }},
		&Property{Name: "Broken", Type: "s", Flags: Explicit, Get: func(any) (any, error) {
			return nil, Errorf("org.example.Error.Broken", "This property is broken.")
		}},
		&Property{Name: "Hidden", Type: "s", Flags: Hidden, Get: constant("unseen")},
		&Property{Name: "Label", Type: "s", Flags: Unprivileged | EmitsChange, Get: labelGet, Set: labelSet},
		&Property{Name: "Secret", Type: "s", Get: secretGet, Set: secretSet},
		&Property{Name: "Old", Type: "s", Flags: Deprecated | EmitsInvalidation, Get: oldGet, Set: oldSet},
		&Method{Name: "Echo", In: "s", InNames: []string{"text"}, Out: "s", OutNames: []string{"echoed"}, Flags: Unprivileged,
			Call: func(c *Call, _ any) ([]any, error) { return []any{c.Body[0]}, nil }},
		&Method{Name: "Add", In: "ii", Out: "i", Call: func(c *Call, _ any) ([]any, error) {
			return []any{c.Body[0].(int32) + c.Body[1].(int32)}, nil
		}},
		&Method{Name: "Fail", Flags: Unprivileged, Call: func(*Call, any) ([]any, error) {
			return nil, Errorf("org.example.Error.Failed", "It failed as asked.")
		}},
		&Method{Name: "Bump", Out: "u", Flags: Unprivileged, Call: func(c *Call, _ any) ([]any, error) {
			d.counter++
			if err := d.tree.EmitPropertiesChanged("/org/example/demo", "org.example.Demo", "Counter", "Volatile"); err != nil {
				return nil, err
			}
			if err := d.tree.EmitSignal("/org/example/demo", "org.example.Demo", "Bumped", "su", []any{"Counter", d.counter}, nil); err != nil {
				return nil, err
			}
			return []any{d.counter}, nil
		}},
		&Method{Name: "List", Out: "a(so)", OutNames: []string{"items"}, Flags: Unprivileged, Call: func(*Call, any) ([]any, error) {
			type item struct {
				Name string
				Path dbus.ObjectPath
			}
			return []any{[]item{{"a", "/org/example/demo/item/a"}, {"b", "/org/example/demo/item/b"}}}, nil
		}},
		&Method{Name: "Forget", In: "s", Flags: Unprivileged | NoReply, Call: func(*Call, any) ([]any, error) { return nil, nil }},
		&Method{Name: "Ancient", Flags: Deprecated},
		&Method{Name: "Secretly", Flags: Hidden},
		&Method{Name: "Quit", Flags: Unprivileged, Call: func(*Call, any) ([]any, error) {
			select {
			case <-d.quit:
			default:
				close(d.quit)
			}
			return nil, nil
		}},
		&Signal{Name: "Bumped", Type: "su", Names: []string{"what", "value"}},
		&Signal{Name: "Gone", Flags: Deprecated},
	}}
	item := &Interface{Name: "org.example.Item", Flags: Deprecated, Members: []Member{
		// By name, as our PID 1 serves its unit properties.
		&Property{Name: "Id", Type: "s", Flags: Const, GetByName: func(obj any, name string) (any, error) {
			if name != "Id" {
				return nil, fmt.Errorf("asked for %s", name)
			}
			return obj.(*demoItem).id, nil
		}},
		&Method{Name: "Poke"},
	}}
	items := map[string]*demoItem{"a": {"a"}, "b": {"b"}, "c": {"c"}}
	manager := &Interface{Name: "org.freedesktop.systemd1.Manager", Members: []Member{
		&Property{Name: "Version", Type: "s", Flags: Const, Get: constant("252-demo")},
	}}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.tree.AddObject("/org/example/demo", demo, nil))
	must(d.tree.AddFallback("/org/example/demo/item", item, func(path dbus.ObjectPath) (any, bool, error) {
		rest, ok := strings.CutPrefix(string(path), "/org/example/demo/item/")
		if !ok || strings.Contains(rest, "/") {
			return nil, false, nil
		}
		if rest == "bad" {
			return nil, false, Errorf(ErrNameInvalidArgs, "Item %s is not valid.", rest)
		}
		it, ok := items[rest]
		return it, ok, nil
	}))
	must(d.tree.AddEnumerator("/org/example/demo/item", func(dbus.ObjectPath) []dbus.ObjectPath {
		return []dbus.ObjectPath{"/org/example/demo/item/a", "/org/example/demo/item/b", "/org/example/demo/item/c"}
	}))
	must(d.tree.AddObject("/org/freedesktop/systemd1", manager, nil))
	return d
}

// run is the owner loop: it feeds events to the tree until stop closes,
// failing the test on any error the tree reports.
func (d *demoService) run(t testing.TB, events <-chan Event, stop <-chan struct{}) {
	for {
		select {
		case ev := <-events:
			if err := d.tree.Handle(ev); err != nil {
				t.Errorf("tree: %v", err)
			}
		case <-stop:
			return
		}
	}
}

// startGoServer serves the demo tree on a peer-to-peer socket at path.
func startGoServer(t testing.TB, path string, opts Options, configure ...func(*Tree)) (*Server, *demoService) {
	t.Helper()
	d := newDemoService(t)
	for _, f := range configure {
		f(d.tree)
	}
	events := make(chan Event, 16)
	if opts.Sender == "" {
		opts.Sender = "org.example.Demo"
	}
	opts.UnixFDs = true
	srv, err := Listen(path, events, opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.run(t, events, stop)
	}()
	t.Cleanup(func() {
		srv.Close()
		close(stop)
		<-done
	})
	return srv, d
}
