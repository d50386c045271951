package pid1

import (
	"os"
	"runtime"
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

// The collector works harder through the boot (the loading of the
// units included), and returns to PID 1's setting once the boot is over;
// a GOGC from the environment stays.
func TestBootSwitchesTheCollector(t *testing.T) {
	saved, savedEnv := debug.SetGCPercent(pid1GCPercent), gcFromEnvironment
	t.Cleanup(func() { debug.SetGCPercent(saved); gcFromEnvironment = savedEnv })

	gcFromEnvironment = false
	loadingUnits(true, false)
	if got := gcPercent(); got != bootGCPercent {
		t.Errorf("while loading: GOGC %d, want %d", got, bootGCPercent)
	}
	loadingUnits(false, false)
	if got := gcPercent(); got != bootGCPercent {
		t.Errorf("after loading, booting: GOGC %d, want %d", got, bootGCPercent)
	}
	bootFinished()
	if got := gcPercent(); got != pid1GCPercent {
		t.Errorf("after the boot: GOGC %d, want %d", got, pid1GCPercent)
	}
	// daemon-reexec: loading again, the boot long over.
	loadingUnits(true, true)
	if got := gcPercent(); got != bootGCPercent {
		t.Errorf("reexec loading: GOGC %d, want %d", got, bootGCPercent)
	}
	loadingUnits(false, true)
	if got := gcPercent(); got != pid1GCPercent {
		t.Errorf("after reexec loading: GOGC %d, want %d", got, pid1GCPercent)
	}
	gcFromEnvironment = true
	debug.SetGCPercent(42)
	loadingUnits(true, false)
	loadingUnits(false, true)
	bootFinished()
	if got := gcPercent(); got != 42 {
		t.Errorf("GOGC from the environment: %d, want 42 kept", got)
	}
}

// Heap sampling is off in PID 1 unless the profiler runs or GODEBUG asks
// for a rate.
func TestTuneMemoryTurnsHeapSamplingOff(t *testing.T) {
	savedRate, savedProfiling, savedGC := runtime.MemProfileRate, profiling, debug.SetGCPercent(100)
	savedLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		runtime.MemProfileRate, profiling = savedRate, savedProfiling
		debug.SetGCPercent(savedGC)
		debug.SetMemoryLimit(savedLimit)
	})
	for _, c := range []struct {
		profiling bool
		godebug   string
		want      int
	}{
		{false, "", 0},
		{true, "", 4096},
		{false, "madvdontneed=1,memprofilerate=4096", 4096},
	} {
		runtime.MemProfileRate, profiling = 4096, c.profiling
		t.Setenv("GODEBUG", c.godebug)
		tuneMemory()
		if runtime.MemProfileRate != c.want {
			t.Errorf("profiling %v, GODEBUG %q: rate %d, want %d", c.profiling, c.godebug, runtime.MemProfileRate, c.want)
		}
	}
}

func TestOneProcessor(t *testing.T) {
	saved := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(saved) })
	runtime.GOMAXPROCS(2)
	t.Setenv("GOMAXPROCS", "2")
	oneProcessor()
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Errorf("with GOMAXPROCS=2 in the environment: %d processors", n)
	}
	os.Unsetenv("GOMAXPROCS")
	oneProcessor()
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Errorf("without GOMAXPROCS: %d processors, want 1", n)
	}
}
