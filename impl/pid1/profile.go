package pid1

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"
)

// ProfileEnv, set to a directory under /run (or under the test runtime
// directory), makes the manager profile itself, for the benchmarks
// (ci/bench-pid1.sh --profile). It is off unless set, and systemd 252 has
// no such switch.
//
// From the start of the process a CPU profile is written to
// DIR/cpu.current. Writing a name (letters, digits, '-', '_') into
// DIR/cut closes that profile segment as DIR/cpu-NAME.pprof, writes the
// runtime's memory statistics DIR/mem-NAME.txt and the process's
// mappings DIR/smaps-NAME.txt (both as they were, read first), the heap
// profile DIR/heap-NAME.pprof (after a garbage collection), every
// goroutine's stack DIR/goroutines-NAME.txt, starts the next segment,
// removes DIR/cut and creates DIR/done-NAME. With ProfileTraceEnv set as
// well, each segment also gets an execution trace, DIR/trace-NAME.out
// (for `go tool trace`: where PID 1 waits rather than computes).
const ProfileEnv = "GOSYSTEMD_PPROF"

// ProfileTraceEnv adds execution traces to ProfileEnv's profiles.
const ProfileTraceEnv = "GOSYSTEMD_PPROF_TRACE"

// ProfileHeapDumpEnv adds, at each cut, a heap dump
// (runtime/debug.WriteHeapDump) after the collection: DIR/heapdump-NAME.out,
// every object with its address and contents, for seeing how full the
// heap's spans are.
const ProfileHeapDumpEnv = "GOSYSTEMD_PPROF_HEAPDUMP"

// ProfileMemOnlyEnv leaves out the CPU profile and keeps the runtime's
// default heap sampling, so that the memory statistics are PID 1's own.
const ProfileMemOnlyEnv = "GOSYSTEMD_PPROF_MEMONLY"

// profilePoll is how often the profiler looks for DIR/cut.
const profilePoll = 50 * time.Millisecond

func init() {
	dir := os.Getenv(ProfileEnv)
	if dir == "" || filepath.Base(os.Args[0]) != "systemd" {
		return
	}
	allowed := os.Getpid() == 1 && strings.HasPrefix(filepath.Clean(dir), "/run/")
	if t := os.Getenv(TestModeEnv); t != "" && strings.HasPrefix(filepath.Clean(dir), filepath.Clean(t)+"/") {
		allowed = true
	}
	if !allowed {
		return
	}
	// Finer heap samples than the default 512 KiB: the profile is for
	// finding where PID 1's memory goes.
	p := &profiler{dir: filepath.Clean(dir), trace: os.Getenv(ProfileTraceEnv) != "", heapDump: os.Getenv(ProfileHeapDumpEnv) != "", memOnly: os.Getenv(ProfileMemOnlyEnv) != ""}
	profiling = true
	if !p.memOnly {
		runtime.MemProfileRate = 64 << 10
	}
	if err := p.startCPU(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", ProfileEnv, err)
		return
	}
	go p.loop()
}

// profiling is set when ProfileEnv's profiler runs.
var profiling bool

type profiler struct {
	dir        string
	cpu, tr    *os.File
	trace      bool
	traceError bool
	heapDump   bool
	memOnly    bool
}

func (p *profiler) startCPU() error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	if p.memOnly {
		return nil
	}
	f, err := os.Create(filepath.Join(p.dir, "cpu.current"))
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.cpu = f
	if p.trace && !p.traceError {
		t, err := os.Create(filepath.Join(p.dir, "trace.current"))
		if err == nil {
			if err = trace.Start(t); err != nil {
				t.Close()
			}
		}
		if err != nil {
			p.traceError = true
			fmt.Fprintf(os.Stderr, "%s: %v\n", ProfileTraceEnv, err)
		} else {
			p.tr = t
		}
	}
	return nil
}

// loop waits for cut requests; a panic ends profiling, never PID 1.
func (p *profiler) loop() {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "%s: profiler stopped: %v\n", ProfileEnv, r)
		}
	}()
	for {
		time.Sleep(profilePoll)
		b, err := os.ReadFile(filepath.Join(p.dir, "cut"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(b))
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			name = "unnamed"
		}
		p.cut(name)
	}
}

// cut ends the current CPU profile segment as NAME and starts the next.
func (p *profiler) cut(name string) {
	if p.cpu != nil {
		pprof.StopCPUProfile()
		p.cpu.Close()
		p.cpu = nil
		_ = os.Rename(filepath.Join(p.dir, "cpu.current"), filepath.Join(p.dir, "cpu-"+name+".pprof"))
	}
	if p.tr != nil {
		trace.Stop()
		p.tr.Close()
		p.tr = nil
		_ = os.Rename(filepath.Join(p.dir, "trace.current"), filepath.Join(p.dir, "trace-"+name+".out"))
	}
	// The process as it was, before the collection and the profile's
	// own allocations below.
	smaps, smapsErr := os.ReadFile("/proc/self/smaps")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	stats := fmt.Sprintf("HeapAlloc %d\nHeapInuse %d\nHeapIdle %d\nHeapReleased %d\nHeapSys %d\nHeapObjects %d\n"+
		"StackInuse %d\nStackSys %d\nMSpanInuse %d\nMCacheInuse %d\nGCSys %d\nOtherSys %d\nBuckHashSys %d\nSys %d\n"+
		"TotalAlloc %d\nMallocs %d\nNumGC %d\nGoroutines %d\n",
		ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle, ms.HeapReleased, ms.HeapSys, ms.HeapObjects,
		ms.StackInuse, ms.StackSys, ms.MSpanInuse, ms.MCacheInuse, ms.GCSys, ms.OtherSys, ms.BuckHashSys, ms.Sys,
		ms.TotalAlloc, ms.Mallocs, ms.NumGC, runtime.NumGoroutine())
	_ = os.WriteFile(filepath.Join(p.dir, "mem-"+name+".txt"), []byte(stats), 0o644)
	if smapsErr == nil {
		_ = os.WriteFile(filepath.Join(p.dir, "smaps-"+name+".txt"), smaps, 0o644)
	}
	runtime.GC()
	if p.heapDump {
		if f, err := os.Create(filepath.Join(p.dir, "heapdump-"+name+".out")); err == nil {
			debug.WriteHeapDump(f.Fd())
			f.Close()
		}
	}
	if f, err := os.Create(filepath.Join(p.dir, "heap-"+name+".pprof")); err == nil {
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	if f, err := os.Create(filepath.Join(p.dir, "goroutines-"+name+".txt")); err == nil {
		_ = pprof.Lookup("goroutine").WriteTo(f, 2)
		f.Close()
	}
	_ = os.Remove(filepath.Join(p.dir, "cut"))
	if err := p.startCPU(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", ProfileEnv, err)
	}
	_ = os.WriteFile(filepath.Join(p.dir, "done-"+name), nil, 0o644)
}
