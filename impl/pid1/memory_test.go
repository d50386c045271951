package pid1

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's setting (SetGCPercent returns the
// one it replaces).
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

// The collector works harder while the startup loads the units, and
// returns to PID 1's setting after; a GOGC from the environment stays.
func TestLoadingUnitsSwitchesTheCollector(t *testing.T) {
	saved, savedEnv := debug.SetGCPercent(pid1GCPercent), gcFromEnvironment
	t.Cleanup(func() { debug.SetGCPercent(saved); gcFromEnvironment = savedEnv })

	gcFromEnvironment = false
	loadingUnits(true)
	if got := gcPercent(); got != loadGCPercent {
		t.Errorf("while loading: GOGC %d, want %d", got, loadGCPercent)
	}
	loadingUnits(false)
	if got := gcPercent(); got != pid1GCPercent {
		t.Errorf("after loading: GOGC %d, want %d", got, pid1GCPercent)
	}
	gcFromEnvironment = true
	debug.SetGCPercent(42)
	loadingUnits(true)
	loadingUnits(false)
	if got := gcPercent(); got != 42 {
		t.Errorf("GOGC from the environment: %d, want 42 kept", got)
	}
}
