package manager

import (
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
