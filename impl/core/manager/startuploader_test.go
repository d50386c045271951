package manager

import (
	"testing"

	"gosystemd/impl/unit"
	"gosystemd/impl/unitpath"
)

// loadWatcher records LoadingUnits calls and whether the startup's
// first unit was loaded at each.
type loadWatcher struct {
	NopObserver
	m     *Manager
	calls []string
}

func (w *loadWatcher) LoadingUnits(active bool) {
	loaded := w.m.units["-.slice"] != nil
	w.calls = append(w.calls, map[bool]string{true: "start", false: "end"}[active]+map[bool]string{true: " loaded", false: ""}[loaded])
}

// The startup tells an observer that can hear it when it begins and
// ends loading the units (PID 1 collects garbage only then).
func TestStartupLoopBracketsLoading(t *testing.T) {
	d := unit.NewDefaults()
	d.InContainer, d.SwapSupported, d.DevicesSupported = false, false, false
	dir := t.TempDir()
	w := &loadWatcher{}
	m, err := New(Config{Scope: unitpath.System, Defaults: d, Observer: w, NoEnumerate: true,
		LookupEnv: func(k string) (string, bool) {
			if k == "SYSTEMD_UNIT_PATH" {
				return dir, true
			}
			return "", false
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releaseAll(m) })
	w.m = m
	m.StartupLoop()
	if got := len(w.calls); got != 2 || w.calls[0] != "start" || w.calls[1] != "end loaded" {
		t.Errorf("LoadingUnits calls %q, want [start, end loaded]", w.calls)
	}
}
