package manager

import (
	"container/heap"
	"time"
)

// timerEntry is one pending callback of the loop.
type timerEntry struct {
	at       time.Time
	fn       func()
	index    int
	canceled bool
}

// timerHeap orders the loop's timers by due time.
type timerHeap []*timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)        { e := x.(*timerEntry); e.index = len(*h); *h = append(*h, e) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

// next is how long until the earliest timer is due.
func (h *timerHeap) next(now time.Time) (time.Duration, bool) {
	for h.Len() > 0 && (*h)[0].canceled {
		heap.Pop(h)
	}
	if h.Len() == 0 {
		return 0, false
	}
	d := (*h)[0].at.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// fire runs every timer due at now.
func (h *timerHeap) fire(now time.Time) {
	for h.Len() > 0 && !(*h)[0].at.After(now) {
		e := heap.Pop(h).(*timerEntry)
		if !e.canceled {
			e.fn()
		}
	}
}

// afterLoop schedules fn on the loop after d; the returned entry's cancel
// stops it.
func (m *Manager) afterLoop(d time.Duration, fn func()) *timerEntry {
	e := &timerEntry{at: time.Now().Add(d), fn: fn}
	heap.Push(&m.timers, e)
	return e
}

func (e *timerEntry) cancel() {
	if e != nil {
		e.canceled = true
	}
}
