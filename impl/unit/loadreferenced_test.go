package unit

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gosystemd/impl/unitpath"
)

// The manager's Loader, finding units through Resolve, loads what units
// name in the same order as the LoadQueue (whose order is 252's, see
// TestLoadQueueOrder): the last name first, each unit with what it names
// before the next.
func TestLoadReferencedOrder(t *testing.T) {
	dir := t.TempDir()
	const svc = "[Service]\nExecStart=/bin/true\n"
	files := map[string]string{
		"a.target":   "[Unit]\nWants=b.service c.service\nAfter=missing.service\n",
		"b.service":  "[Unit]\nRequires=d.service\nWants=e@x.service\n" + svc,
		"c.service":  "[Unit]\nBefore=d.service\n" + svc,
		"d.service":  svc,
		"e@.service": svc,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	q := newQueue(t, []string{dir}, nil)
	if _, err := q.Load("a.target"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range q.Units() {
		want = append(want, u.ID+":"+string(u.LoadState))
	}

	names, err := unitpath.BuildNameMap(q.Paths)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoader(NewDefaults())
	l.FilesOnly = true
	extras := map[string]*unitpath.Unit{}
	l.Extras = func(name string) ([]string, []string, []string) {
		if r := extras[name]; r != nil {
			return r.Names, r.Wants, r.Requires
		}
		return nil, nil, nil
	}
	var resolve func(name string) (*File, []File, bool)
	resolve = func(name string) (*File, []File, bool) {
		r, err := names.Resolve(q.Paths, name)
		if err != nil || r == nil {
			return nil, nil, true
		}
		extras[r.ID] = r
		var frag *File
		if r.Fragment != "" {
			data, err := os.ReadFile(r.Fragment)
			if err != nil {
				t.Fatal(err)
			}
			frag = &File{Path: r.Fragment, Data: data}
		}
		var dropins []File
		for _, p := range r.Dropins {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dropins = append(dropins, File{Path: p, Data: data})
		}
		if r.ID != name {
			// An alias: its unit loads under its own name (as the
			// manager's resolveFiles does).
			if l.Unit(r.ID) == nil {
				l.Load(r.ID, frag, dropins)
			}
			return nil, nil, false
		}
		return frag, dropins, true
	}
	l.Resolve = resolve
	frag, _, _ := resolve("a.target")
	l.Load("a.target", frag, nil)
	l.Finish()
	var got []string
	for _, u := range l.Units() {
		got = append(got, u.ID+":"+string(u.LoadState))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("load order\n got %q\nwant %q", got, want)
	}
	if len(got) < 8 {
		t.Errorf("only %d units loaded: %q", len(got), got)
	}
}
