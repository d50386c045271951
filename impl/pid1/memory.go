package pid1

import (
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// PID 1 lives as long as the machine and its heap is mostly long-lived
// unit state. The collector runs at the default growth (GOGC=100: at 50,
// marking took 42 % of PID 1's CPU while it started 2,000 services), and
// works harder, returning memory to the kernel, as the heap nears a soft
// limit well under what the manager must stay below (64 MiB). A GOGC or
// GOMEMLIMIT in the environment wins.
//
// During startup the heap only grows, by a few MiB, and the collector
// is off until startup finishes (or for bootGCPause at most, with the
// soft limit still in force) but while the units are loaded, when it
// runs at loadGCPercent: loading interleaves what stays (the units) with
// what parsing throws away, and a collector that never moves objects
// leaves every span holding one survivor resident. Collecting then lets
// later units fill the freed slots (0.5 MiB less after boot, at no cost
// to the boot measured). One collection after startup (returnMemory)
// leaves the live state.
const (
	pid1GCPercent   = 100
	pid1MemoryLimit = 48 << 20
	bootGCPause     = 10 * time.Second
	loadGCPercent   = 50
)

var (
	resumeGC = func() {}
	// bootGC is held while the startup's GC setting is in force; nil
	// when GOGC came from the environment.
	bootGC *bootGCState
)

type bootGCState struct {
	mu      sync.Mutex
	resumed bool
}

func tuneMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(-1)
		b := &bootGCState{}
		bootGC = b
		resumeGC = func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			if !b.resumed {
				b.resumed = true
				debug.SetGCPercent(pid1GCPercent)
			}
		}
		time.AfterFunc(bootGCPause, resumeGC)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(pid1MemoryLimit)
	}
}

// loadingUnits switches the collector on (loadGCPercent) while the
// startup loads the units, and off again after, unless startup's
// setting has already given way to the normal one.
func loadingUnits(active bool) {
	b := bootGC
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.resumed {
		return
	}
	if active {
		debug.SetGCPercent(loadGCPercent)
	} else {
		debug.SetGCPercent(-1)
	}
}

// returnMemory gives the kernel back the heap pages a burst of work
// (loading every unit at boot, a daemon-reload) left free, which the
// runtime would otherwise return only over minutes: PID 1's resident
// size afterwards is its live state. It costs one collection, and
// returning the pages holds the heap lock, stalling every allocation:
// it runs returnMemoryDelay after the burst, off the loop, so that the
// signals and replies that end the burst are not held up.
func returnMemory() {
	time.AfterFunc(returnMemoryDelay, func() {
		defer func() { _ = recover() }()
		resumeGC()
		debug.FreeOSMemory()
		dropImageMappings()
	})
}

const returnMemoryDelay = 300 * time.Millisecond
