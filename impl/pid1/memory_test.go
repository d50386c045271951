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

// During startup the collector runs only while the units load; once the
// normal setting took over (startup finished, or bootGCPause passed),
// loading changes nothing; with GOGC from the environment, nothing
// changes at all.
func TestLoadingUnitsSwitchesTheCollector(t *testing.T) {
	saved, savedBoot := debug.SetGCPercent(-1), bootGC
	t.Cleanup(func() { debug.SetGCPercent(saved); bootGC = savedBoot })

	b := &bootGCState{}
	bootGC = b
	loadingUnits(true)
	if got := gcPercent(); got != loadGCPercent {
		t.Errorf("while loading: GOGC %d, want %d", got, loadGCPercent)
	}
	loadingUnits(false)
	if got := gcPercent(); got != -1 {
		t.Errorf("after loading: GOGC %d, want off", got)
	}
	b.resumed = true
	debug.SetGCPercent(pid1GCPercent)
	loadingUnits(true)
	loadingUnits(false)
	if got := gcPercent(); got != pid1GCPercent {
		t.Errorf("after startup: GOGC %d, want %d", got, pid1GCPercent)
	}
	bootGC = nil
	debug.SetGCPercent(42)
	loadingUnits(true)
	if got := gcPercent(); got != 42 {
		t.Errorf("GOGC from the environment: %d, want 42 kept", got)
	}
}
