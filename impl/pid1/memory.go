package pid1

import (
	"os"
	"runtime/debug"
)

// PID 1 lives as long as the machine and its heap is mostly long-lived
// unit state. The collector runs at the default growth (GOGC=100: at 50,
// marking took 42 % of PID 1's CPU while it started 2,000 services), and
// works harder, returning memory to the kernel, as the heap nears a soft
// limit well under what the manager must stay below (64 MiB). A GOGC or
// GOMEMLIMIT in the environment wins.
const (
	pid1GCPercent   = 100
	pid1MemoryLimit = 48 << 20
)

func tuneMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(pid1GCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(pid1MemoryLimit)
	}
}

// returnMemory gives the kernel back the heap pages a burst of work
// (loading every unit at boot, a daemon-reload) left free, which the
// runtime would otherwise return only over minutes: PID 1's resident
// size afterwards is its live state. It costs one collection.
func returnMemory() {
	debug.FreeOSMemory()
}
