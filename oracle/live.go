package oracle

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// live tracks open sandboxes so that a runner interrupted by SIGINT or
// SIGTERM can remove them before it exits.
var live struct {
	sync.Mutex
	set map[Sandbox]struct{}
}

type tracked struct{ Sandbox }

func (t tracked) Close() error {
	live.Lock()
	delete(live.set, t)
	live.Unlock()
	return t.Sandbox.Close()
}

func track(sb Sandbox) Sandbox {
	t := tracked{sb}
	live.Lock()
	if live.set == nil {
		live.set = map[Sandbox]struct{}{}
	}
	live.set[t] = struct{}{}
	live.Unlock()
	return t
}

// CloseAll closes every open sandbox.
func CloseAll() {
	live.Lock()
	sbs := make([]Sandbox, 0, len(live.set))
	for sb := range live.set {
		sbs = append(sbs, sb)
	}
	live.Unlock()
	var wg sync.WaitGroup
	for _, sb := range sbs {
		wg.Add(1)
		go func() { defer wg.Done(); sb.Close() }()
	}
	wg.Wait()
}

// CleanupOnSignal makes SIGINT and SIGTERM close every sandbox, then exit
// with 128+signal.
func CleanupOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-ch
		CloseAll()
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
}
