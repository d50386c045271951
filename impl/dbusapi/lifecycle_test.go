package dbusapi

import (
	"os"
	"path/filepath"
	"testing"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/unitpath"
)

// TestSwitchRootOnlyAsPID1: a request that passes the checks is refused
// by a system manager that is not PID 1 (a test manager must never
// signal the host's processes), and the manager's loop goes on.
func TestSwitchRootOnlyAsPID1(t *testing.T) {
	if os.Getpid() == 1 {
		t.Skip("running as PID 1")
	}
	m, err := manager.New(manager.Config{Root: t.TempDir(), NoEnumerate: true, Scope: unitpath.System})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var switchRoot *bus.Method
	for _, mb := range New(m).lifecycleMembers() {
		if x, ok := mb.(*bus.Method); ok && x.Name == "SwitchRoot" {
			switchRoot = x
		}
	}
	if switchRoot == nil {
		t.Fatal("no SwitchRoot method")
	}
	for _, c := range []struct{ root, init, want string }{
		{root, "", "Root switching is not supported by this service manager."},
		{filepath.Join(root, "etc"), "", "Specified switch root path '" + filepath.Join(root, "etc") + "' does not seem to be an OS tree. os-release file is missing."},
	} {
		_, err := switchRoot.Call(&bus.Call{Body: []any{c.root, c.init}}, nil)
		if e, ok := err.(*bus.Error); !ok || e.Message != c.want {
			t.Errorf("SwitchRoot(%q, %q) = %v, want %q", c.root, c.init, err, c.want)
		}
	}
	if m.Objective() != manager.ObjectiveOK {
		t.Errorf("objective %v", m.Objective())
	}
}
