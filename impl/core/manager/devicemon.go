package manager

import (
	"errors"
	"fmt"
	"sync"

	"gosystemd/impl/udev"
)

// deviceMonitor reads udev's monitor on a Watch goroutine and hands the
// devices to the loop in order, through a bounded queue:
//
//	netlink socket ──Receive──► queue (≤ maxQueuedUevents) ──Post(drain)──► loop:
//	                            overflow: dropped, the loop    dispatchUevent, at most
//	                            resyncs from udev's database   ueventBatch per turn
//
// The kernel queues what the goroutine has not read yet (up to the
// socket's receive buffer, then it drops and reports ENOBUFS, which also
// makes the loop resync). A flood of uevents thus costs at most the
// queue's bound in memory.
type deviceMonitor struct {
	mon *udev.Monitor

	mu     sync.Mutex
	queue  []*udev.Device
	lost   bool // events were dropped since the last drain
	posted bool // a drain is pending on the loop
}

const (
	// maxQueuedUevents bounds the devices waiting for the loop.
	maxQueuedUevents = 4096
	// ueventBatch is how many devices one turn of the loop handles
	// before it lets other work in.
	ueventBatch = 128
)

func newDeviceMonitor(m *Manager) (*deviceMonitor, error) {
	mon, err := udev.NewMonitor([]string{"systemd"})
	if err != nil {
		return nil, err
	}
	dm := &deviceMonitor{mon: mon}
	m.Watch("udev monitor", func() { dm.run(m) })
	return dm, nil
}

// run receives until the socket goes away; a panic (a bug) costs one
// message, not the monitor.
func (dm *deviceMonitor) run(m *Manager) {
	for !dm.receive(m) {
	}
}

// receive is run's loop; it reports whether the socket is gone (false
// after a recovered panic).
func (dm *deviceMonitor) receive(m *Manager) (gone bool) {
	defer func() {
		if r := recover(); r != nil {
			m.Post(func() {
				m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Caught panic while receiving a device event: %v", r)})
			})
			gone = false
		}
	}()
	for {
		d, err := dm.mon.Receive()
		switch {
		case err == nil:
			dm.push(m, d)
		case errors.Is(err, udev.ErrIgnored):
		case errors.Is(err, udev.ErrOverrun):
			dm.mu.Lock()
			dm.lost = true
			dm.mu.Unlock()
			dm.push(m, nil)
		default:
			m.Post(func() {
				m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to receive device event, no longer following udev: %v", err)})
			})
			return true
		}
	}
}

// push queues d (nil: nothing, just make sure a drain comes) and asks
// the loop for a drain if none is pending.
func (dm *deviceMonitor) push(m *Manager, d *udev.Device) {
	dm.mu.Lock()
	if d != nil {
		if len(dm.queue) >= maxQueuedUevents {
			dm.lost = true
		} else {
			dm.queue = append(dm.queue, d)
		}
	}
	post := !dm.posted
	dm.posted = true
	dm.mu.Unlock()
	if post {
		m.Post(func() { dm.drain(m) })
	}
}

// drain runs on the loop: a batch of devices, then another turn if more
// wait (a loop timer, since the loop must not Post to itself).
func (dm *deviceMonitor) drain(m *Manager) {
	dm.mu.Lock()
	n := min(len(dm.queue), ueventBatch)
	batch := append([]*udev.Device(nil), dm.queue[:n]...)
	dm.queue = append(dm.queue[:0], dm.queue[n:]...)
	lost := dm.lost
	dm.lost = false
	more := len(dm.queue) > 0
	if !more {
		dm.posted = false
	}
	if cap(dm.queue) > 2*maxQueuedUevents/4 && len(dm.queue) < maxQueuedUevents/16 {
		// Give a flood's memory back.
		dm.queue = append([]*udev.Device(nil), dm.queue...)
	}
	dm.mu.Unlock()
	t := devicesOf(m)
	for _, d := range batch {
		m.safely("device "+d.Syspath, func() { t.dispatchUevent(m, d) })
	}
	if lost {
		m.log(LogEntry{Level: LevelWarning, Message: "Device events were lost, reading udev's database again."})
		m.safely("device resync", func() { t.resync(m) })
	}
	if more {
		m.afterLoop(0, func() { dm.drain(m) })
	}
}

// close stops the monitor goroutine.
func (dm *deviceMonitor) close() { _ = dm.mon.Close() }
