package manager

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/notify"
	"gosystemd/impl/unitname"
)

// notifyQueue is how many checked datagrams wait for the loop.
const notifyQueue = 64

// ListenNotifyLoop opens the sd_notify socket services are told about in
// $NOTIFY_SOCKET (/run/systemd/notify for the system manager).
func (m *Manager) ListenNotifyLoop(path string) error {
	r, err := notify.Listen(path, notifyQueue)
	if err != nil {
		return fmt.Errorf("setting up notification socket: %w", err)
	}
	m.notify = r
	return nil
}

// drainNotify handles every datagram the receiver has queued, without
// waiting: the loop calls it before reaping, so that a service's last
// messages (READY=1 just before exiting) count, as in 252 whose notify
// source runs before SIGCHLD.
func (m *Manager) drainNotify() {
	if m.notify == nil {
		return
	}
	token, err := m.notify.Sync()
	for {
		var ev notify.Event
		var ok bool
		if err == nil {
			ev, ok = <-m.notify.Events()
		} else {
			select {
			case ev, ok = <-m.notify.Events():
			default:
				return
			}
		}
		if !ok {
			m.notify = nil
			return
		}
		if ev.Kind == notify.KindSync && ev.Token == token {
			return
		}
		m.handleNotify(ev)
	}
}

// handleNotify is manager_dispatch_notify_fd for one datagram.
func (m *Manager) handleNotify(ev notify.Event) {
	switch ev.Kind {
	case notify.KindSync:
		return
	case notify.KindStopped:
		m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to receive notification message: %v", ev.Err)})
		m.notify = nil
		return
	case notify.KindIgnored, notify.KindBarrier:
		if ev.Log != "" {
			m.log(LogEntry{Level: ev.Level, Message: ev.Log})
		}
		ev.CloseFDs()
		return
	}
	if ev.Log != "" {
		m.log(LogEntry{Level: ev.Level, Message: ev.Log})
	}
	units := m.unitsOfPID(ev.Creds.PID)
	if len(units) == 0 {
		m.log(LogEntry{Level: LevelWarning, Message: notify.NoUnitWarning(ev.Creds.PID)})
		ev.CloseFDs()
		return
	}
	taken := false
	for _, u := range units {
		if s, ok := u.kind.(*service); ok {
			if s.notifyMessage(&ev) {
				taken = true
			}
		}
	}
	if !taken && len(ev.FDs) > 0 {
		m.log(LogEntry{Level: LevelWarning, Message: notify.ExtraFDsWarning})
	}
	ev.CloseFDs()
}

// unitsOfPID are the units a process belongs to: the one watching it,
// then the one whose cgroup holds it.
func (m *Manager) unitsOfPID(pid int) []*Unit {
	var out []*Unit
	if u := m.pids[pid]; u != nil {
		out = append(out, u)
	}
	if u := m.unitOfCgroup(pid); u != nil && (len(out) == 0 || out[0] != u) {
		out = append(out, u)
	}
	return out
}

// unitOfCgroup finds the unit whose cgroup holds pid, from
// /proc/PID/cgroup.
func (m *Manager) unitOfCgroup(pid int) *Unit {
	if m.cfg.CgroupRoot == "" {
		return nil
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		p, ok := strings.CutPrefix(line, "0::")
		if !ok {
			continue
		}
		for _, part := range reversed(strings.Split(p, "/")) {
			if unitname.IsValid(part, unitname.Plain|unitname.Instance) {
				if u := m.units[part]; u != nil && u.cfg.Type != unitname.Slice {
					return u
				}
			}
		}
	}
	return nil
}

func reversed(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[len(l)-1-i] = s
	}
	return out
}

// notifyMessage is service_notify_message. It reports whether the
// service kept the message's fds; those it kept leave ev.FDs.
func (s *service) notifyMessage(ev *notify.Event) bool {
	m := s.u.m
	access := notify.Access(s.cfg.NotifyAccess)
	if access == "" {
		access = notify.AccessNone
	}
	ok, warning := notify.Authorize(access, ev.Creds.PID, s.mainPID, s.controlPID)
	if !ok {
		if warning != "" {
			m.logUnit(s.u, LevelWarning, "%s", warning)
		}
		return false
	}
	m.logUnit(s.u, LevelDebug, "%s", notify.DebugMessage(ev.Creds.PID, ev.Tags))
	n := notify.Interpret(ev.Tags)
	if n.MainPIDSet && (s.state == svcStart || s.state == svcStartPost || s.state == svcRunning || s.state == svcReload) {
		if n.MainPIDWarning != "" {
			m.logUnit(s.u, LevelWarning, "%s", n.MainPIDWarning)
		} else if n.MainPID != s.mainPID {
			s.unwatchMain()
			s.mainPID, s.mainPIDKnown = n.MainPID, true
			m.watchPIDLoop(n.MainPID, s.u)
		}
	}
	for _, w := range n.Warnings {
		m.logUnit(s.u, LevelWarning, "%s", w)
	}
	switch n.State {
	case notify.StateReady, notify.StateReloading, notify.StateStopping:
		s.notifyState = map[notify.State]string{notify.StateReady: "ready", notify.StateReloading: "reloading",
			notify.StateStopping: "stopping"}[n.State]
	}
	switch n.State {
	case notify.StateReady:
		if s.state == svcStart && (s.cfg.Type == "notify" || s.cfg.Type == "notify-reload") {
			s.enterStartPost()
		} else if s.state == svcReload && s.controlPID == 0 {
			s.enterRunning(resSuccess)
		}
	case notify.StateReloading:
		if s.state == svcRunning {
			s.setState(svcReload)
		}
	case notify.StateStopping:
		if s.state == svcRunning {
			s.enterStop(resSuccess)
		}
	}
	if n.StatusSet {
		s.statusText = n.Status
		m.obs.UnitChanged(s.u)
	}
	if n.ErrnoSet {
		s.statusErrno = n.Errno
		m.obs.UnitChanged(s.u)
	}
	if n.ExtendTimeoutSet && n.ExtendTimeoutUSec > 0 && s.timer != nil {
		s.armTimer(n.ExtendTimeoutUSec)
	}
	s.watchdogNotify(n)
	switch n.FDStore {
	case notify.FDStoreAdd:
		return s.storeFDs(ev, n)
	case notify.FDStoreRemove:
		s.removeStoredFDs(n.FDName)
	}
	return false
}

// storedFD is one fd a service put in its store (FDSTORE=1).
type storedFD struct {
	f    *os.File
	name string
	// dev and ino are f's inode once statted: two fds of one open file
	// share it, so the store is searched by it before kcmp(2).
	statted  bool
	dev, ino uint64
	// token is f's registration for hang-ups (fdStoreWatch), 0 if none.
	token uint32
}

// storeFDs keeps a message's fds in the service's store, up to
// FileDescriptorStoreMax=; it reports whether it took them.
func (s *service) storeFDs(ev *notify.Event, n notify.Notification) bool {
	if len(ev.FDs) == 0 {
		return false
	}
	if s.cfg.FileDescriptorStoreMax == 0 {
		s.u.m.logUnit(s.u, LevelWarning, "Attempted to store file descriptors but FileDescriptorStoreMax= is zero, refusing.")
		return false
	}
	name := n.FDName
	if !n.FDNameSet {
		name = "stored"
	}
	taken := 0
	for _, fd := range ev.FDs {
		if uint32(len(s.fdStore)) >= s.cfg.FileDescriptorStoreMax {
			s.u.m.logUnit(s.u, LevelWarning, "Service file descriptor store full, refusing fds.")
			break
		}
		if s.storedAlready(fd) {
			// As 252: the same open file twice is kept once.
			s.u.m.logUnit(s.u, LevelDebug, "Suppressing duplicate fd %d in fd store.", fd)
			unix.Close(fd)
			taken++
			continue
		}
		s.fdStore = append(s.fdStore, storedFD{f: os.NewFile(uintptr(fd), name), name: name})
		s.u.m.watchStoredFD(s, &s.fdStore[len(s.fdStore)-1])
		taken++
	}
	ev.FDs = ev.FDs[taken:]
	return taken > 0
}

// storedAlready is same_fd against every fd in the store: kcmp(2) where
// the kernel has it, else the same inode with the same status flags.
func (s *service) storedAlready(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return false
	}
	fl, flErr := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	for i := range s.fdStore {
		sf := &s.fdStore[i]
		other := rawFDOf(sf.f)
		if !sf.statted {
			var ost unix.Stat_t
			if unix.Fstat(other, &ost) != nil {
				continue
			}
			sf.statted, sf.dev, sf.ino = true, ost.Dev, ost.Ino
		}
		if sf.dev != st.Dev || sf.ino != st.Ino {
			continue
		}
		r, _, errno := unix.Syscall6(unix.SYS_KCMP, uintptr(os.Getpid()), uintptr(os.Getpid()), 0 /* KCMP_FILE */, uintptr(fd), uintptr(other), 0)
		if errno == 0 {
			if r == 0 {
				return true
			}
			continue
		}
		ofl, oErr := unix.FcntlInt(uintptr(other), unix.F_GETFL, 0)
		if flErr == nil && oErr == nil && fl == ofl {
			return true
		}
	}
	return false
}

func (s *service) removeStoredFDs(name string) {
	kept := s.fdStore[:0]
	for _, sf := range s.fdStore {
		if sf.name == name {
			s.u.m.unwatchStoredFD(&sf)
			sf.f.Close()
			continue
		}
		kept = append(kept, sf)
	}
	s.fdStore = kept
}

// releaseResources is service_release_resources: an inactive service
// without a job lets go of its stdio fds and its fd store.
func (s *service) releaseResources() {
	for i, f := range s.stdio {
		if f != nil {
			f.Close()
			s.stdio[i] = nil
		}
	}
	s.releaseFDStore()
}

func (s *service) releaseFDStore() {
	for i := range s.fdStore {
		s.u.m.unwatchStoredFD(&s.fdStore[i])
		s.fdStore[i].f.Close()
	}
	s.fdStore = nil
}
