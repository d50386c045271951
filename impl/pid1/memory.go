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
// During startup (loading every unit, the boot transaction) the heap only
// grows, by a few MiB: the collector is off until startup finishes, or
// for bootGCPause at most, with the soft limit still in force; one
// collection afterwards (returnMemory) leaves the live state.
const (
	pid1GCPercent   = 100
	pid1MemoryLimit = 48 << 20
	bootGCPause     = 10 * time.Second
)

var resumeGC = func() {}

func tuneMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(-1)
		resumeGC = sync.OnceFunc(func() { debug.SetGCPercent(pid1GCPercent) })
		time.AfterFunc(bootGCPause, resumeGC)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(pid1MemoryLimit)
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
