package manager

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// socketState is a socket unit's sub-state (252's SocketState).
type socketState int

const (
	sockDead socketState = iota
	sockStartPre
	sockStartChown
	sockStartPost
	sockListening
	sockRunning
	sockStopPre
	sockStopPreSigterm
	sockStopPreSigkill
	sockStopPost
	sockFinalSigterm
	sockFinalSigkill
	sockFailed
	sockCleaning
)

var socketStateNames = [...]string{"dead", "start-pre", "start-chown", "start-post", "listening", "running",
	"stop-pre", "stop-pre-sigterm", "stop-pre-sigkill", "stop-post", "final-sigterm", "final-sigkill", "failed", "cleaning"}

var socketActive = [...]state.Active{
	sockDead: state.Inactive, sockStartPre: state.Activating, sockStartChown: state.Activating,
	sockStartPost: state.Activating, sockListening: state.Active_, sockRunning: state.Active_,
	sockStopPre: state.Deactivating, sockStopPreSigterm: state.Deactivating, sockStopPreSigkill: state.Deactivating,
	sockStopPost: state.Deactivating, sockFinalSigterm: state.Deactivating, sockFinalSigkill: state.Deactivating,
	sockFailed: state.Failed, sockCleaning: state.Maintenance,
}

// socketUnit is the socket unit type. Only non-accepting sockets are
// supported so far: the triggered service gets the listening fds.
type socketUnit struct {
	u      *Unit
	cfg    *unit.Socket
	state  socketState
	result string
	files  []*os.File // open listening fds, in port order
	// watching is set while a watcher goroutine polls the fds; wake
	// stops it (the loop closes it when the socket stops listening).
	wake         chan struct{}
	nAccepted    uint32
	nRefused     uint32
	nConnections uint32
	// conns are the services spawned for accepted connections
	// (Accept=yes), which the socket counts while they run.
	conns map[*Unit]bool
}

func init() {
	typeConstructors[unitname.Socket] = func(u *Unit) unitType {
		return &socketUnit{u: u, cfg: u.cfg.Socket, result: "success"}
	}
}

func (s *socketUnit) activeState() state.Active         { return socketActive[s.state] }
func (s *socketUnit) subState() string                  { return socketStateNames[s.state] }
func (s *socketUnit) canReload() bool                   { return false }
func (s *socketUnit) reload() error                     { return errBadR }
func (s *socketUnit) childExited(pid, code, status int) {}

func (s *socketUnit) setState(ns socketState) {
	os := s.state
	s.state = ns
	if ns != sockListening {
		s.stopWatching()
	}
	if ns == sockDead || ns == sockFailed {
		s.closeFDs()
	}
	if ns == sockListening && os != sockListening {
		s.startWatching()
	}
	s.u.notify(socketActive[os], socketActive[ns], true)
}

// errSocketServiceActive is socket_start's -EBUSY: the job fails.
var errSocketServiceActive = errors.New("socket service already active")

func (s *socketUnit) start() error {
	if s.state != sockDead && s.state != sockFailed {
		return errAgain
	}
	// The service a socket triggers must be loaded, and not running
	// already (it would not get the listening sockets).
	for _, o := range s.u.deps(dep.AtomTriggers) {
		if o.LoadState() != state.Loaded {
			s.u.m.logUnit(s.u, LevelErr, "Socket service %s not loaded, refusing.", o.ID())
			return errTriggerNotLoaded
		}
		if svc, ok := o.kind.(*service); ok && !s.cfg.Accept &&
			svc.state != svcDead && svc.state != svcFailed && svc.state != svcAutoRestart {
			s.u.m.logUnit(s.u, LevelErr, "Socket service %s already active, refusing.", o.ID())
			return errSocketServiceActive
		}
	}
	s.result = "success"
	s.u.invocationID = newInvocationID()
	if err := s.openAll(); err != nil {
		s.u.m.logUnit(s.u, LevelErr, "Failed to create listening socket (%s): %s", err.addr, sockErrnoText(err.err))
		s.closeFDs()
		s.result = "resources"
		s.u.m.log(LogEntry{Level: LevelWarning, Unit: s.u.ID(), Message: fmt.Sprintf("%s: Failed with result '%s'.", s.u.ID(), s.result),
			Fields: []string{"MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c", "UNIT_RESULT=" + s.result}})
		s.setState(sockFailed)
		return nil
	}
	s.setState(sockListening)
	return nil
}

func (s *socketUnit) stop() error {
	if s.cfg.RemoveOnStop {
		for _, p := range s.cfg.Ports {
			if strings.HasPrefix(p.Address, "/") {
				_ = os.Remove(p.Address)
			}
		}
		for _, l := range s.cfg.Symlinks {
			_ = os.Remove(l)
		}
	}
	// socket_enter_dead: a socket stops with its result so far.
	if s.result == "success" || s.result == "" {
		s.u.m.log(LogEntry{Level: LevelInfo, Unit: s.u.ID(), Message: s.u.ID() + ": Deactivated successfully.",
			Fields: []string{"MESSAGE_ID=7ad2d189f7e94e70a38c781354912448", "INVOCATION_ID=" + s.u.invocationID}})
	}
	s.setState(sockDead)
	return nil
}

func (s *socketUnit) resetFailed() {
	if s.state == sockFailed {
		s.setState(sockDead)
	}
	s.result = "success"
}

// triggerNotify follows the service: while it runs the socket is
// "running", once it is gone the socket listens again.
func (s *socketUnit) triggerNotify(other *Unit) {
	if s.conns[other] {
		if st := other.ActiveState(); (st == state.Inactive || st == state.Failed) && other.job == nil {
			s.connectionDone(other)
		}
		return
	}
	if s.state != sockRunning && s.state != sockListening {
		return
	}
	switch st := other.ActiveState(); {
	case st == state.Failed || st == state.Inactive:
		if other.job == nil && s.state == sockRunning {
			s.setState(sockListening)
		}
	case st.IsActiveOrActivating():
		if s.state == sockListening {
			s.setState(sockRunning)
		}
	}
}

type listenError struct {
	addr string
	err  error
}

// openAll creates every listening socket (socket_open_fds).
func (s *socketUnit) openAll() *listenError {
	for _, p := range s.cfg.Ports {
		if p.Family == unix.AF_INET || p.Family == unix.AF_INET6 {
			// 252 creates IP sockets from a helper in the unit's cgroup
			// (for its BPF firewall), which realizes the cgroup; ours
			// are created here, but the cgroup is realized as in 252.
			if f, err := s.u.m.unitCgroup(s.u); err == nil && f != nil {
				f.Close()
			}
			break
		}
	}
	for _, p := range s.cfg.Ports {
		f, err := s.open(p)
		if err != nil {
			return &listenError{p.Address, err}
		}
		s.files = append(s.files, f)
	}
	for _, l := range s.cfg.Symlinks {
		if len(s.cfg.Ports) > 0 && strings.HasPrefix(s.cfg.Ports[0].Address, "/") {
			_ = os.MkdirAll(filepath.Dir(l), 0o755)
			_ = os.Remove(l)
			_ = os.Symlink(s.cfg.Ports[0].Address, l)
		}
	}
	return nil
}

func (s *socketUnit) open(p unit.SocketPort) (*os.File, error) {
	switch p.Type {
	case "FIFO":
		_ = os.MkdirAll(filepath.Dir(p.Address), os.FileMode(s.cfg.DirectoryMode))
		old := unix.Umask(^int(s.cfg.SocketMode) & 0o777)
		err := unix.Mkfifo(p.Address, s.cfg.SocketMode)
		unix.Umask(old)
		if err != nil && err != unix.EEXIST {
			return nil, err
		}
		fd, err := unix.Open(p.Address, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_NOFOLLOW, 0)
		if err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(fd), p.Address), nil
	case "Netlink":
		name, group, _ := strings.Cut(p.Address, " ")
		proto, ok := netlinkProtocols[name]
		if !ok {
			n, err := strconv.Atoi(name)
			if err != nil {
				return nil, unix.EAFNOSUPPORT
			}
			proto = n
		}
		g, _ := strconv.Atoi(group)
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
		if err != nil {
			return nil, err
		}
		s.setOptions(fd)
		if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: uint32(g)}); err != nil {
			unix.Close(fd)
			return nil, err
		}
		return os.NewFile(uintptr(fd), p.Address), nil
	case "Special":
		fd, err := unix.Open(p.Address, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
		if err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(fd), p.Address), nil
	}
	typ := map[string]int{"Stream": unix.SOCK_STREAM, "Datagram": unix.SOCK_DGRAM, "SequentialPacket": unix.SOCK_SEQPACKET}[p.Type]
	if typ == 0 {
		return nil, unix.EAFNOSUPPORT
	}
	sa, family, err := sockaddrOf(p.Address)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if family != unix.AF_UNIX {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if family == unix.AF_INET6 && s.cfg.BindIPv6Only == "ipv6-only" {
			_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
		}
	}
	s.setOptions(fd)
	if un, ok := sa.(*unix.SockaddrUnix); ok && strings.HasPrefix(un.Name, "/") {
		_ = os.MkdirAll(filepath.Dir(un.Name), os.FileMode(s.cfg.DirectoryMode))
		_ = os.Remove(un.Name)
	}
	old := unix.Umask(^int(s.cfg.SocketMode) & 0o777)
	err = unix.Bind(fd, sa)
	unix.Umask(old)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	if typ != unix.SOCK_DGRAM {
		backlog := int(s.cfg.Backlog)
		if backlog <= 0 || backlog > 1<<30 {
			backlog = unix.SOMAXCONN
		}
		if err := unix.Listen(fd, backlog); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	return os.NewFile(uintptr(fd), p.Address), nil
}

// setOptions applies the socket options 252 sets before binding.
func (s *socketUnit) setOptions(fd int) {
	if s.cfg.PassCredentials {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	}
	if s.cfg.PassSecurity {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSSEC, 1)
	}
	if s.cfg.ReceiveBuffer > 0 && s.cfg.ReceiveBuffer < 1<<31 {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, int(s.cfg.ReceiveBuffer)) != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, int(s.cfg.ReceiveBuffer))
		}
	}
	if s.cfg.SendBuffer > 0 && s.cfg.SendBuffer < 1<<31 {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, int(s.cfg.SendBuffer)) != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, int(s.cfg.SendBuffer))
		}
	}
}

var netlinkProtocols = map[string]int{"route": 0, "audit": 9, "kobject-uevent": 15, "netfilter": 12, "generic": 16}

// sockaddrOf turns an address as the Listen property prints it into a
// sockaddr.
func sockaddrOf(addr string) (unix.Sockaddr, int, error) {
	switch {
	case strings.HasPrefix(addr, "/"):
		return &unix.SockaddrUnix{Name: addr}, unix.AF_UNIX, nil
	case strings.HasPrefix(addr, "@"):
		return &unix.SockaddrUnix{Name: addr}, unix.AF_UNIX, nil
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, 0, unix.EINVAL
	}
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}, unix.AF_INET, nil
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}, unix.AF_INET6, nil
}

func (s *socketUnit) closeFDs() {
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
}

// startWatching waits for traffic on the listening fds, a parked
// goroutine per fd (waitPollable); the first traffic starts the service.
// An fd the runtime's poller cannot wait on gets a goroutine blocked in
// poll(2) instead.
func (s *socketUnit) startWatching() {
	if len(s.files) == 0 || s.wake != nil {
		return
	}
	wake := make(chan struct{})
	s.wake = wake
	m := s.u.m
	var fired atomic.Bool
	traffic := func() {
		if fired.Swap(true) {
			return
		}
		m.Post(func() {
			if s.wake == wake {
				s.incoming()
			}
		})
	}
	for _, f := range s.files {
		if f.SetReadDeadline(time.Time{}) != nil {
			s.watchBlocking(f, wake, traffic)
			continue
		}
		m.Watch("socket "+s.u.ID(), func() {
			err := waitPollable(f, func(fd int) bool {
				select {
				case <-wake:
					return true
				default:
				}
				pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
				n, _ := unix.Poll(pfd, 0)
				return n > 0
			})
			select {
			case <-wake:
				return
			default:
			}
			if err == nil {
				traffic()
			}
		})
	}
}

// watchBlocking waits for traffic on f in poll(2), until wake closes.
func (s *socketUnit) watchBlocking(f *os.File, wake chan struct{}, traffic func()) {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	fds := []unix.PollFd{{Fd: int32(rawFDOf(f)), Events: unix.POLLIN}, {Fd: int32(rawFDOf(r)), Events: unix.POLLIN}}
	go func() { <-wake; w.Close() }()
	s.u.m.Watch("socket "+s.u.ID(), func() {
		defer r.Close()
		for {
			n, err := unix.Poll(fds, -1)
			if err == unix.EINTR {
				continue
			}
			if err != nil || n <= 0 || fds[1].Revents != 0 {
				return
			}
			traffic()
			return
		}
	})
}

// stopWatching ends the wait: the goroutines return, and no traffic
// seen meanwhile starts the service.
func (s *socketUnit) stopWatching() {
	if s.wake == nil {
		return
	}
	close(s.wake)
	s.wake = nil
	for _, f := range s.files {
		_ = f.SetReadDeadline(time.Now())
	}
}

// incoming is socket_enter_running: traffic on a listening socket.
func (s *socketUnit) incoming() {
	s.stopWatching()
	m := s.u.m
	if s.state != sockListening {
		return
	}
	if s.cfg.Accept {
		s.acceptAll()
		s.startWatching()
		return
	}
	for _, o := range s.u.deps(dep.AtomTriggers) {
		if o.ActiveState().IsActiveOrActivating() || o.job != nil {
			continue
		}
		if _, err := m.EnqueueLoop(jobStart, o, job.Replace); err != nil {
			m.logUnit(s.u, LevelWarning, "Failed to queue service startup job (Maybe the service file is missing or not a non-template unit?): %v", err)
			s.result = "resources"
			s.setState(sockFailed)
			return
		}
	}
	s.setState(sockRunning)
}

// socketFDsFor collects the listening fds a service gets from the sockets
// that trigger it (service_collect_fds), with their names.
func (m *Manager) socketFDsFor(u *Unit) ([]*os.File, []string) {
	var files []*os.File
	var names []string
	for _, o := range u.deps(dep.AtomTriggeredBy) {
		s, ok := o.kind.(*socketUnit)
		if !ok || len(s.files) == 0 {
			continue
		}
		name := s.cfg.FileDescriptorName
		if name == "" {
			name = o.ID()
		}
		for _, f := range s.files {
			files = append(files, f)
			names = append(names, name)
		}
	}
	return files, names
}

func (s *socketUnit) props(p map[string]any) {
	p["Result"] = s.result
	p["NAccepted"] = s.nAccepted
	p["NConnections"] = s.nConnections
	p["NRefused"] = s.nRefused
	p["ControlPID"] = uint32(0)
}

func rawFDOf(f *os.File) int {
	var fd int
	if sc, err := f.SyscallConn(); err == nil {
		_ = sc.Control(func(d uintptr) { fd = int(d) })
	}
	return fd
}

// sockErrnoText is strerror.
func sockErrnoText(err error) string {
	if e, ok := err.(unix.Errno); ok {
		s := e.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// acceptAll accepts the pending connection of each listening fd and
// starts a service instance for it (the Accept=yes branch of 252's
// socket_enter_running).
func (s *socketUnit) acceptAll() {
	m := s.u.m
	for _, f := range s.files {
		lfd := rawFDOf(f)
		cfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err != nil {
			continue
		}
		if s.cfg.MaxConnections > 0 && s.nConnections >= s.cfg.MaxConnections {
			m.logUnit(s.u, LevelWarning, "Too many incoming connections (%d), dropping connection.", s.nConnections)
			s.nRefused++
			unix.Close(cfd)
			continue
		}
		instance, err := instanceFromSocket(cfd, s.nAccepted)
		if err != nil {
			unix.Close(cfd)
			continue
		}
		prefix, _, _ := strings.Cut(s.u.ID(), ".")
		if i := strings.LastIndexByte(s.u.ID(), '.'); i > 0 {
			prefix = s.u.ID()[:i]
		}
		name := prefix + "@" + instance + ".service"
		svc, err := m.LoadUnitLoop(name)
		if err != nil || svc.LoadState() != state.Loaded {
			m.logUnit(s.u, LevelErr, "Failed to load connection service unit %s.", name)
			unix.Close(cfd)
			continue
		}
		s.u.cfg.Deps[unit.Before].Add(svc.ID())
		s.u.cfg.Deps[unit.Triggers].Add(svc.ID())
		svc.cfg.Deps[unit.After].Add(s.u.ID())
		svc.cfg.Deps[unit.TriggeredBy].Add(s.u.ID())
		for _, k := range []unit.Dependency{unit.Before, unit.Triggers} {
			s.u.cfg.NoteDepMask(k, svc.ID(), unit.MaskImplicit, 0)
			svc.cfg.NoteDepMask(k.Inverse(), s.u.ID(), 0, unit.MaskImplicit)
		}
		sv, ok := svc.kind.(*service)
		if !ok {
			unix.Close(cfd)
			continue
		}
		sv.acceptConn = os.NewFile(uintptr(cfd), "connection")
		s.nAccepted++
		s.nConnections++
		if s.conns == nil {
			s.conns = map[*Unit]bool{}
		}
		s.conns[svc] = true
		if _, err := m.EnqueueLoop(jobStart, svc, job.Replace); err != nil {
			m.logUnit(s.u, LevelWarning, "Failed to queue service startup job (Maybe the service file is missing or not a non-template unit?): %v", err)
		}
	}
	m.obs.UnitChanged(s.u)
}

// connectionDone is told when a connection's service stopped.
func (s *socketUnit) connectionDone(svc *Unit) {
	if s.conns[svc] {
		delete(s.conns, svc)
		if s.nConnections > 0 {
			s.nConnections--
		}
		s.u.m.obs.UnitChanged(s.u)
	}
}

// instanceFromSocket is instance_from_socket: the instance name of the
// service for one accepted connection.
func instanceFromSocket(fd int, nr uint32) (string, error) {
	local, err := unix.Getsockname(fd)
	if err != nil {
		return "", err
	}
	remote, err := unix.Getpeername(fd)
	if err != nil {
		return "", err
	}
	switch l := local.(type) {
	case *unix.SockaddrInet4:
		r, _ := remote.(*unix.SockaddrInet4)
		if r == nil {
			return "", unix.EAFNOSUPPORT
		}
		return fmt.Sprintf("%d-%d.%d.%d.%d:%d-%d.%d.%d.%d:%d", nr, l.Addr[0], l.Addr[1], l.Addr[2], l.Addr[3], l.Port,
			r.Addr[0], r.Addr[1], r.Addr[2], r.Addr[3], r.Port), nil
	case *unix.SockaddrInet6:
		r, _ := remote.(*unix.SockaddrInet6)
		if r == nil {
			return "", unix.EAFNOSUPPORT
		}
		la, ra := netip.AddrFrom16(l.Addr), netip.AddrFrom16(r.Addr)
		if la.Is4In6() && ra.Is4In6() {
			a, b := la.Unmap().As4(), ra.Unmap().As4()
			return fmt.Sprintf("%d-%d.%d.%d.%d:%d-%d.%d.%d.%d:%d", nr, a[0], a[1], a[2], a[3], l.Port, b[0], b[1], b[2], b[3], r.Port), nil
		}
		return fmt.Sprintf("%d-%s:%d-%s:%d", nr, la, l.Port, ra, r.Port), nil
	case *unix.SockaddrUnix:
		cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		if err != nil {
			return fmt.Sprintf("%d-unknown", nr), nil
		}
		return fmt.Sprintf("%d-%d-%d", nr, cred.Pid, cred.Uid), nil
	}
	return "", unix.EAFNOSUPPORT
}
