package pid1

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"gosystemd/impl/unit"
)

// PID 1 lives as long as the machine and its heap is mostly long-lived
// unit state. The collector runs at the default growth (GOGC=100: at 50,
// marking took 42 % of PID 1's CPU while it started 2,000 services), and
// works harder, returning memory to the kernel, as the heap nears a soft
// limit well under what the manager must stay below (64 MiB). A GOGC or
// GOMEMLIMIT in the environment wins.
//
// Until the boot is over it runs at bootGCPercent: loading interleaves
// what stays (the units) with what parsing throws away, and a collector
// that never moves objects leaves every span that holds one survivor
// resident; collecting more often lets later units fill the freed slots,
// and keeps the boot transaction's peak, and the runtime's metadata for
// it, low. (RssAnon after boot 7.5 → 6.7 MiB at 50 while the units load
// against the collector off until startup finished; 25 through the boot
// gave PSS after boot 7.1 MiB against 7.4 at 50 while loading alone, for
// 5–10 ms more CPU and the same wall time.) The collector returns to
// pid1GCPercent when the boot finishes, and after the loading of a
// daemon-reexec, whose boot is over.
const (
	pid1GCPercent   = 100
	pid1MemoryLimit = 48 << 20
	bootGCPercent   = 25
)

// oneProcessor gives the runtime one processor. PID 1 is one loop and
// the goroutines that feed it: a second processor only adds threads
// spinning for work and a collector running beside the boot's processes
// (with one: PID 1's boot CPU 100-150 → 90 ms, PSS after boot 7.1 → 6.8
// MiB, the boot no slower; a daemon-reload of 2,000 units takes longer,
// 0.3 → 0.45 s). GOMAXPROCS in the environment wins.
func oneProcessor() {
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
}

// gcFromEnvironment is set when GOGC came from the environment.
var gcFromEnvironment bool

// tuneMemory sets the collector for PID 1. Heap profiling is off unless
// the profiler runs (or GODEBUG sets a rate): the runtime records a sampled allocation's stack in a 1.4 MB
// hash table that it never frees, and each distinct stack touches a page
// of it (80-90 KiB resident after a boot).
func tuneMemory() {
	if !profiling && !strings.Contains(os.Getenv("GODEBUG"), "memprofilerate=") {
		runtime.MemProfileRate = 0
	}
	if _, set := os.LookupEnv("GOGC"); set {
		gcFromEnvironment = true
	} else {
		debug.SetGCPercent(bootGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(pid1MemoryLimit)
	}
}

// loadingUnits sets the collector for the startup's loading of the
// units (active) and after it: the boot's setting while the boot lasts.
func loadingUnits(active, bootOver bool) {
	if gcFromEnvironment {
		return
	}
	if active || !bootOver {
		debug.SetGCPercent(bootGCPercent)
	} else {
		debug.SetGCPercent(pid1GCPercent)
	}
}

// bootFinished returns the collector to PID 1's setting.
func bootFinished() {
	if !gcFromEnvironment {
		debug.SetGCPercent(pid1GCPercent)
	}
}

// returnMemory gives the kernel back the heap pages a burst of work
// (loading every unit at boot, a daemon-reload) left free, which the
// runtime would otherwise return only over minutes: PID 1's resident
// size afterwards is its live state (the unit file parser's tables go
// too: the next load builds them again). It costs one collection, and
// returning the pages holds the heap lock, stalling every allocation:
// it runs returnMemoryDelay after the burst, off the loop, so that the
// signals and replies that end the burst are not held up.
func returnMemory() {
	time.AfterFunc(returnMemoryDelay, func() {
		defer func() { _ = recover() }()
		unit.ReleaseDirectives()
		// A collection halves a goroutine's stack using under a quarter
		// of it: the loop's, grown by the boot's deepest call chains,
		// takes several to come back down.
		for i := 0; i < stackShrinkCollections; i++ {
			runtime.GC()
		}
		debug.FreeOSMemory()
		dropImageMappings()
	})
}

const returnMemoryDelay = 300 * time.Millisecond

// stackShrinkCollections is how many collections run before the one
// that returns memory (PSS after boot 60-70 KiB lower with 4, medians of
// 16 boots).
const stackShrinkCollections = 4
