package manager

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// fdStoreWatch notices when a stored fd's other end goes away, as 252
// watches each fd of a service's store for EPOLLHUP and EPOLLERR and then
// drops it (on_fd_store_io): journald stores every stdout stream and
// relies on this to let go of those whose service has exited. One epoll
// instance and one goroutine serve every store; an fd is registered one
// shot, and the loop unregisters and closes it.
type fdStoreWatch struct {
	once   sync.Once
	ep     *os.File
	epfd   int // -1 when epoll could not be set up
	tokens map[uint32]*service
	next   uint32
}

// watchStoredFD registers sf (just added to s's store) for hang-ups.
// Files epoll cannot watch (regular files) are kept unwatched, as 252
// keeps them on EPERM.
func (m *Manager) watchStoredFD(s *service, sf *storedFD) {
	w := &m.fdWatch
	w.once.Do(func() { m.startFDStoreWatch() })
	if w.epfd < 0 {
		return
	}
	w.next++
	if w.next == 0 {
		w.next++
	}
	ev := unix.EpollEvent{Events: unix.EPOLLONESHOT, Fd: int32(w.next)}
	if unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, rawFDOf(sf.f), &ev) != nil {
		return
	}
	sf.token = w.next
	w.tokens[w.next] = s
}

// unwatchStoredFD takes sf out of the watch before it is closed: the
// registration belongs to the open file, which the storing process may
// still hold, so closing alone would not end it.
func (m *Manager) unwatchStoredFD(sf *storedFD) {
	if sf.token == 0 {
		return
	}
	_ = unix.EpollCtl(m.fdWatch.epfd, unix.EPOLL_CTL_DEL, rawFDOf(sf.f), nil)
	delete(m.fdWatch.tokens, sf.token)
	sf.token = 0
}

func (m *Manager) startFDStoreWatch() {
	w := &m.fdWatch
	w.epfd = -1
	ep, err := newPollableEpoll()
	if err != nil {
		return
	}
	w.ep, w.epfd, w.tokens = ep, rawFDOf(ep), map[uint32]*service{}
	goSafe(nil, func() {
		events := make([]unix.EpollEvent, 32)
		for {
			n, err := epollWait(ep, events)
			if err != nil {
				return
			}
			for _, ev := range events[:n] {
				token, revents := uint32(ev.Fd), ev.Events
				m.Post(func() { m.storedFDHungUp(token, revents) })
			}
		}
	})
}

// storedFDHungUp drops the stored fd whose token fired, unless it went
// already.
func (m *Manager) storedFDHungUp(token uint32, revents uint32) {
	s := m.fdWatch.tokens[token]
	if s == nil {
		return
	}
	for i := range s.fdStore {
		sf := &s.fdStore[i]
		if sf.token != token {
			continue
		}
		what := "EPOLLHUP"
		if revents&unix.EPOLLERR != 0 {
			what = "EPOLLERR"
		}
		m.logUnit(s.u, LevelDebug, "Received %s on stored fd %d (%s), closing.", what, rawFDOf(sf.f), sf.name)
		m.unwatchStoredFD(sf)
		sf.f.Close()
		s.fdStore = append(s.fdStore[:i], s.fdStore[i+1:]...)
		return
	}
}
