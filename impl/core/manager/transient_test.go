package manager

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestReexecRoundTripTransientScope: a transient scope comes back from
// daemon-reexec transient, loaded from its file, in its state.
func TestReexecRoundTripTransientScope(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	m.lookup.Transient = filepath.Join(dir, "units")
	u := mustLoad(t, m, "run-x.scope")
	if !u.Pristine() || u.LoadState().String() != "not-found" {
		t.Fatalf("scope before: %s", u.LoadState())
	}
	settings := []Setting{{Name: "Description", Text: "Description=adopted"}, {Private: true, Name: "RuntimeMaxUSec", Text: "RuntimeMaxSec=1h"}}
	if err := m.MakeTransientLoop(u, settings, []int{os.Getpid()}, ""); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "units", "run-x.scope"))
	if err != nil {
		t.Fatal(err)
	}
	want := transientHeader + "[Unit]\nDescription=adopted\n\n[Scope]\nRuntimeMaxSec=1h\n"
	if string(data) != want {
		t.Errorf("file:\n%s\nwant:\n%s", data, want)
	}
	if !u.cfg.Transient || u.cfg.Description != "adopted" || u.Pristine() {
		t.Fatalf("loaded: transient %v, description %q", u.cfg.Transient, u.cfg.Description)
	}
	s := u.kind.(*scope)
	s.state, s.result, s.controller, s.wasAbandoned = scopeAbandoned, "timeout", ":1.7", true
	m2, _, _ := roundTrip(t, m, dir)
	u2 := m2.UnitLoop("run-x.scope")
	if u2 == nil || !u2.cfg.Transient || u2.cfg.Description != "adopted" {
		t.Fatalf("restored %v", u2)
	}
	s2 := u2.kind.(*scope)
	if s2.state != scopeAbandoned || s2.result != "timeout" || s2.controller != ":1.7" || !s2.wasAbandoned {
		t.Errorf("scope %+v", s2)
	}
	// Collected, it takes its file along.
	m2.removeTransient(u2)
	if _, err := os.Stat(filepath.Join(dir, "units", "run-x.scope")); !os.IsNotExist(err) {
		t.Errorf("file left: %v", err)
	}
}

// TestFreshCgroupLimits: a cgroup just made gets only the attributes that
// differ from what the kernel starts it with.
func TestFreshCgroupLimits(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	m.cfg.CgroupRoot = filepath.Join(dir, "cgroup")
	u := mustLoad(t, m, "app.service")
	cg := m.cgroupDir(u)
	if err := os.MkdirAll(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	files := []string{"cpu.max", "memory.min", "memory.low", "memory.high", "memory.max", "pids.max"}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(cg, f), []byte("as made"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u.cfg.CGroup.MemoryMax = 1 << 20
	m.applyCgroupLimitsTo(u, true)
	want := map[string]string{"cpu.max": "as made", "memory.min": "as made", "memory.low": "as made", "memory.high": "as made",
		"memory.max": "1048576", "pids.max": fmt.Sprint(m.cfg.Defaults.ResolveTasksMax(u.cfg.CGroup.TasksMax))}
	for _, f := range files {
		if got, _ := os.ReadFile(filepath.Join(cg, f)); string(got) != want[f] {
			t.Errorf("%s = %q, want %q", f, got, want[f])
		}
	}
}

// TestSetPropertiesApplied: set-property's drop-ins take effect on the
// unit and, once committed, reach the attribute files of its cgroup.
func TestSetPropertiesApplied(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	m.cfg.CgroupRoot = filepath.Join(dir, "cgroup")
	// The control directory must be on the search path, as it is.
	m.lookup.PersistentControl = filepath.Join(dir, "units")
	u := mustLoad(t, m, "app.service")
	cg := m.cgroupDir(u)
	if err := os.MkdirAll(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cpu.weight", "memory.max", "memory.high", "pids.max", "cpu.max", "io.weight"} {
		if err := os.WriteFile(filepath.Join(cg, f), []byte("untouched"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	settings := []Setting{
		{Private: true, Name: "CPUWeight", Text: "CPUWeight=50"},
		{Private: true, Name: "MemoryMax", Text: "MemoryMax=104857600"},
		{Private: true, Name: "TasksMax", Text: "TasksMax=33"},
		{Private: true, Name: "CPUQuota", Text: "CPUQuota=20%"},
		{Name: "Description", Text: "Description=changed"},
	}
	if err := m.SetPropertiesLoop(u, false, settings); err != nil {
		t.Fatal(err)
	}
	m.CommitPropertiesLoop(u)
	want := map[string]string{"cpu.weight": "50", "memory.max": "104857600", "memory.high": "max", "pids.max": "33",
		"cpu.max": "20000 100000", "io.weight": "untouched"}
	for f, w := range want {
		if got, _ := os.ReadFile(filepath.Join(cg, f)); string(got) != w {
			t.Errorf("%s = %q, want %q", f, got, w)
		}
	}
	if u.cfg.Description != "changed" || len(u.cfg.DropInPaths) != 5 {
		t.Errorf("description %q, drop-ins %v", u.cfg.Description, u.cfg.DropInPaths)
	}
	data, err := os.ReadFile(filepath.Join(dir, "units", "app.service.d", "50-CPUWeight.conf"))
	if want := dropInHeader + "[Service]\nCPUWeight=50\n"; err != nil || string(data) != want {
		t.Errorf("drop-in %q (%v), want %q", data, err, want)
	}
	// As 252: the drop-ins were taken in another order than a reload
	// reads them (50-CPUQuota.conf first).
	if !u.needDaemonReload() {
		t.Error("no daemon-reload needed after drop-ins out of order")
	}
	v := mustLoad(t, m, "once.service")
	if err := m.SetPropertiesLoop(v, false, settings[3:]); err != nil {
		t.Fatal(err)
	}
	if v.needDaemonReload() {
		t.Error("daemon-reload needed after drop-ins in order")
	}
}

// TestCommitPropertiesRealizesCgroup: committing properties creates the
// cgroup of an inactive service (252 realizes it), not of a target.
func TestCommitPropertiesRealizesCgroup(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	m.cfg.CgroupRoot = filepath.Join(dir, "cgroup")
	svc := mustLoad(t, m, "app.service")
	m.CommitPropertiesLoop(svc)
	if st, err := os.Stat(m.cgroupDir(svc)); err != nil || !st.IsDir() {
		t.Errorf("service cgroup not created: %v", err)
	}
	tgt := mustLoad(t, m, "multi-user.target")
	m.CommitPropertiesLoop(tgt)
	if _, err := os.Stat(m.cgroupDir(tgt)); !os.IsNotExist(err) {
		t.Errorf("target got a cgroup: %v", err)
	}
}
