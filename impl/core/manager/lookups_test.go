package manager

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUnitByCgroup finds the unit of a cgroup or of its nearest parent
// that is a unit's, among the cgroups that exist; the root is no unit's.
func TestUnitByCgroup(t *testing.T) {
	root, sys := t.TempDir(), t.TempDir()
	dir := filepath.Join(sys, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"gosd-a.service", "gosd-b.service"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := New(Config{Root: sys, NoEnumerate: true, CgroupRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"gosd-a.service", "system.slice", "gosd-b.service"} {
		if _, err := m.LoadUnitLoop(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "system.slice", "gosd-a.service", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, want string
	}{
		{"/system.slice/gosd-a.service", "gosd-a.service"},
		{"/system.slice/gosd-a.service/sub/deeper", "gosd-a.service"},
		{"/system.slice", "system.slice"},
		{"/system.slice/gosd-b.service", "system.slice"}, // no cgroup of its own
		{"/other", ""},
		{"/", ""},
	} {
		got := ""
		if u := m.UnitByCgroupLoop(c.path); u != nil {
			got = u.ID()
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.path, got, c.want)
		}
	}
}
