package manager

// Each unit type's part of daemon-reexec (see serialize.go): what it
// writes, how it takes each item back, and how it resumes once every
// unit is back. What 252 does not carry over is not carried over here
// either: the per-command exec statuses of a service (only the main
// process's ExecMain* survive), start rate limits, a timer's random
// delay.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/unit"
)

// logBadItem notes an item that did not parse; it is skipped.
// stdioFDKeys are the serialization keys of a service's stdio fds.
var stdioFDKeys = [3]string{"stdin-fd", "stdout-fd", "stderr-fd"}

func logBadItem(u *Unit, key, value string) {
	u.m.logUnit(u, LevelDebug, "Failed to parse %s value: %s, ignoring.", key, value)
}

// --- services ---

var serviceResults = map[string]serviceResult{}

func init() {
	for _, r := range []serviceResult{resSuccess, resResources, resProtocol, resTimeout, resExitCode, resSignal,
		resCoreDump, resWatchdog, resStartLimitHit, resCondition} {
		serviceResults[string(r)] = r
	}
}

func (s *service) serialize(w *stateWriter) {
	w.item("state", serviceStateNames[s.state])
	w.item("result", string(s.result))
	w.item("reload-result", string(s.reloadResult))
	if s.mainPID > 0 {
		w.int("main-pid", int64(s.mainPID))
	}
	w.bool("main-pid-known", s.mainPIDKnown)
	if s.controlPID > 0 {
		w.int("control-pid", int64(s.controlPID))
	}
	if s.controlKind >= 0 && s.controlKind < len(execKindNames) {
		w.item("control-command", fmt.Sprintf("%s %d", execKindNames[s.controlKind], s.controlIdx))
	}
	w.int("main-command", int64(s.mainIdx))
	w.bool("bus-name-good", s.busNameGood)
	w.uint("n-restarts", uint64(s.nRestarts))
	if s.statusText != "" {
		w.str("status-text", s.statusText)
	}
	if s.statusErrno != 0 {
		w.int("status-errno", int64(s.statusErrno))
	}
	if r := s.mainRun; r.pid > 0 {
		w.int("main-exec-status-pid", int64(r.pid))
		w.dual("main-exec-status-start", r.start)
		w.dual("main-exec-status-exit", r.exit)
		if r.exit.IsSet() {
			w.int("main-exec-status-code", int64(r.code))
			w.int("main-exec-status-status", int64(r.status))
		}
	}
	for _, sf := range s.fdStore {
		w.fd("fd-store", rawFDOf(sf.f), strconv.Quote(sf.name))
	}
	for i, key := range stdioFDKeys {
		if f := s.stdio[i]; f != nil {
			w.fd(key, rawFDOf(f), "")
		}
	}
	if s.acceptConn != nil {
		w.fd("accept-fd", rawFDOf(s.acceptConn), "")
		for _, o := range s.u.deps(dep.AtomTriggeredBy) {
			if sock, ok := o.kind.(*socketUnit); ok && sock.conns[s.u] {
				w.str("accept-socket", o.ID())
				break
			}
		}
	}
	w.bool("started", s.started)
	if s.uid >= 0 {
		w.int("uid", int64(s.uid))
	}
	if s.gid >= 0 {
		w.int("gid", int64(s.gid))
	}
	w.bool("forbid-restart", s.forbidRestart)
	if s.watchdogTimestamp.Monotonic != 0 {
		w.dual("watchdog-timestamp", s.watchdogTimestamp)
	}
	if s.watchdogOverride {
		w.uint("watchdog-override-usec", s.watchdogOverrideUSec)
	}
	if s.rt != nil {
		w.str("exec-runtime", s.rt.id)
		w.str("tmp-dir", s.rt.tmpDir)
		w.str("var-tmp-dir", s.rt.varTmpDir)
	}
}

func (s *service) deserializeItem(key, v string, fds *FDSet) bool {
	u := s.u
	bad := func() { logBadItem(u, key, v) }
	pid := func(p *int) {
		if n, ok := parsePID(v); ok {
			*p = n
		} else {
			bad()
		}
	}
	boolean := func(b *bool) {
		if x, ok := parseBool(v); ok {
			*b = x
		} else {
			bad()
		}
	}
	integer := func(p *int) {
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			*p = int(n)
		} else {
			bad()
		}
	}
	dual := func(t *DualTimestamp) {
		if x, ok := parseDual(v); ok {
			*t = x
		} else {
			bad()
		}
	}
	switch key {
	case "state":
		if i, ok := stateIndex(serviceStateNames[:], v); ok {
			s.state = serviceState(i)
		} else {
			bad()
		}
	case "result", "reload-result":
		r, ok := serviceResults[v]
		switch {
		case !ok:
			bad()
		case key == "result":
			s.result = r
		default:
			s.reloadResult = r
		}
	case "main-pid":
		pid(&s.mainPID)
	case "main-pid-known":
		boolean(&s.mainPIDKnown)
	case "control-pid":
		pid(&s.controlPID)
	case "control-command":
		name, idx, _ := strings.Cut(v, " ")
		k, ok := stateIndex(execKindNames[:], name)
		i, err := strconv.Atoi(idx)
		switch {
		case !ok || err != nil || i < 0:
			bad()
		case i >= len(s.cfg.Exec[k]):
			u.m.logUnit(u, LevelWarning, "Current command vanished from the unit file, execution of the command list won't be resumed.")
		default:
			s.controlKind, s.controlIdx = k, i
		}
	case "main-command":
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(s.cfg.Exec[unit.ExecStart]) {
			bad()
		} else {
			s.mainIdx = i
		}
	case "bus-name-good":
		boolean(&s.busNameGood)
	case "n-restarts":
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			s.nRestarts = uint32(n)
		} else {
			bad()
		}
	case "status-text":
		if t, ok := decodeValue(v); ok {
			s.statusText = t
		} else {
			bad()
		}
	case "status-errno":
		integer(&s.statusErrno)
	case "watchdog-timestamp":
		dual(&s.watchdogTimestamp)
	case "exec-runtime", "tmp-dir", "var-tmp-dir":
		// In this order: the runtime's owner, then its directories.
		t, ok := decodeValue(v)
		switch {
		case !ok:
			bad()
		case key == "exec-runtime":
			if s.rt == nil {
				s.rt = u.m.adoptRuntime(t, "", "")
			}
		case s.rt == nil:
			bad()
		case key == "tmp-dir":
			s.rt.tmpDir = t
		default:
			s.rt.varTmpDir = t
		}
	case "watchdog-override-usec":
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			s.watchdogOverride, s.watchdogOverrideUSec = true, n
		} else {
			bad()
		}
	case "main-exec-status-pid":
		pid(&s.mainRun.pid)
	case "main-exec-status-start":
		dual(&s.mainRun.start)
	case "main-exec-status-exit":
		dual(&s.mainRun.exit)
	case "main-exec-status-code":
		integer(&s.mainRun.code)
	case "main-exec-status-status":
		integer(&s.mainRun.status)
	case "fd-store":
		fd, rest, ok := parseFDRef(v, fds)
		if !ok {
			bad()
			break
		}
		name, ok := decodeValue(rest)
		if !ok || uint32(len(s.fdStore)) >= s.cfg.FileDescriptorStoreMax {
			closeFD(fd)
			bad()
			break
		}
		s.fdStore = append(s.fdStore, storedFD{f: os.NewFile(uintptr(fd), name), name: name})
		s.u.m.watchStoredFD(s, &s.fdStore[len(s.fdStore)-1])
	case "accept-fd":
		fd, _, ok := parseFDRef(v, fds)
		if !ok {
			bad()
			break
		}
		if s.acceptConn != nil {
			s.acceptConn.Close()
		}
		s.acceptConn = os.NewFile(uintptr(fd), "connection")
	case "stdin-fd", "stdout-fd", "stderr-fd":
		fd, _, ok := parseFDRef(v, fds)
		if !ok {
			bad()
			break
		}
		i := map[string]int{"stdin-fd": 0, "stdout-fd": 1, "stderr-fd": 2}[key]
		if s.stdio[i] != nil {
			s.stdio[i].Close()
		}
		s.stdio[i] = os.NewFile(uintptr(fd), "stdio")
	case "accept-socket":
		name, ok := decodeValue(v)
		if !ok {
			bad()
			break
		}
		if u.m.reexec.acceptSockets == nil {
			u.m.reexec.acceptSockets = map[*Unit]string{}
		}
		u.m.reexec.acceptSockets[u] = name
	case "started":
		boolean(&s.started)
	case "uid":
		integer(&s.uid)
	case "gid":
		integer(&s.gid)
	case "forbid-restart":
		boolean(&s.forbidRestart)
	default:
		return false
	}
	return true
}

// resume is service_coldplug: the processes of the state are watched
// again and its timeout runs on from when the state was entered.
func (s *service) resume() {
	m := s.u.m
	switch s.state {
	case svcStart, svcStartPost, svcRunning, svcReload, svcStop, svcStopWatchdog, svcStopSigterm, svcStopSigkill,
		svcStopPost, svcFinalWatchdog, svcFinalSigterm, svcFinalSigkill:
		// Its exit is handled by the command it runs: with that gone
		// from the unit file, the cgroup's emptying is what tells.
		if pidUnwaited(s.mainPID) && s.mainIdx < len(s.cfg.Exec[unit.ExecStart]) {
			m.watchPIDLoop(s.mainPID, s.u)
		}
	}
	switch s.state {
	case svcCondition, svcStartPre, svcStart, svcStartPost, svcReload, svcStop, svcStopWatchdog, svcStopSigterm,
		svcStopSigkill, svcStopPost, svcFinalWatchdog, svcFinalSigterm, svcFinalSigkill:
		if pidUnwaited(s.controlPID) {
			m.watchPIDLoop(s.controlPID, s.u)
		}
	}
	if s.controlPID == 0 {
		s.controlKind = -1
	}
	var usec uint64
	switch s.state {
	case svcCondition, svcStartPre, svcStart, svcStartPost, svcReload:
		usec = s.cfg.TimeoutStartUSec
	case svcStop, svcStopWatchdog, svcStopSigterm, svcStopSigkill, svcStopPost, svcFinalWatchdog,
		svcFinalSigterm, svcFinalSigkill:
		usec = s.cfg.TimeoutStopUSec
	case svcAutoRestart:
		// RestartSec=0 restarts at once; only infinity never does.
		if s.cfg.RestartUSec != usecInfinity {
			s.timer = m.stateTimer(s.u, max(s.cfg.RestartUSec, 1), s.timeout)
		}
	}
	if usec != 0 {
		s.timer = m.stateTimer(s.u, usec, s.timeout)
	}
	if (s.state == svcStartPost || s.state == svcRunning || s.state == svcReload) && s.watchdogTimestamp.Monotonic != 0 {
		s.startWatchdog()
	}
	if s.acceptConn == nil {
		delete(m.reexec.acceptSockets, s.u)
	}
}

// catchup: a Type=exec service still starting learns whether its main
// process got to its command while no manager listened to the
// executor's report.
func (s *service) catchup() {
	if s.cfg.Type == "exec" && s.state == svcStart && s.mainPID > 0 {
		s.checkExeced(s.mainPID, 50)
	}
}

func (s *service) checkExeced(pid, tries int) {
	if s.state != svcStart || s.mainPID != pid {
		return
	}
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	exe = strings.TrimSuffix(exe, " (deleted)")
	self, _ := os.Readlink("/proc/self/exe")
	executor := s.u.m.cfg.Executable
	if r, err := filepath.EvalSymlinks(executor); err == nil {
		executor = r
	}
	if err == nil && exe != strings.TrimSuffix(self, " (deleted)") && exe != executor {
		s.enterStartPost()
		return
	}
	if tries > 0 {
		s.u.m.afterLoop(20*time.Millisecond, func() { s.checkExeced(pid, tries-1) })
	}
}

// noteUnseenRun records the exit of a command whose start this process
// did not see (it was started before daemon-reexec), as 252 does with
// the status it did not carry over: the main process's is ExecMain*
// (copied with its start), a control process's has no start time.
func (s *service) noteUnseenRun(kind, idx int, r execRun) {
	if kind < 0 || kind >= len(s.runs) || idx < 0 || idx >= len(s.cfg.Exec[kind]) {
		return
	}
	for len(s.runs[kind]) <= idx {
		s.runs[kind] = append(s.runs[kind], execRun{})
	}
	s.runs[kind][idx] = r
}

// --- sockets ---

func (s *socketUnit) serialize(w *stateWriter) {
	w.item("state", socketStateNames[s.state])
	w.item("result", s.result)
	w.uint("n-accepted", uint64(s.nAccepted))
	w.uint("n-refused", uint64(s.nRefused))
	w.uint("n-connections", uint64(s.nConnections))
	if s.cfg == nil {
		return
	}
	for i, f := range s.files {
		if f == nil || i >= len(s.cfg.Ports) {
			continue
		}
		p := s.cfg.Ports[i]
		w.fd("listen", rawFDOf(f), p.Type+" "+strconv.Quote(p.Address))
	}
}

func (s *socketUnit) deserializeItem(key, v string, fds *FDSet) bool {
	u := s.u
	bad := func() { logBadItem(u, key, v) }
	count := func(p *uint32) {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			*p = uint32(n)
		} else {
			bad()
		}
	}
	switch key {
	case "state":
		if i, ok := stateIndex(socketStateNames[:], v); ok {
			s.state = socketState(i)
		} else {
			bad()
		}
	case "result":
		switch v {
		case "success", "resources", "timeout", "exit-code", "signal", "core-dump", "start-limit-hit",
			"trigger-limit-hit", "service-start-limit-hit":
			s.result = v
		default:
			bad()
		}
	case "n-accepted":
		count(&s.nAccepted)
	case "n-refused":
		count(&s.nRefused)
	case "n-connections":
		count(&s.nConnections)
	case "listen":
		// Matched to a port by type and address, as 252 does: the
		// unit file may have changed since.
		fd, rest, ok := parseFDRef(v, fds)
		if !ok {
			bad()
			break
		}
		typ, qaddr, _ := strings.Cut(rest, " ")
		addr, ok := decodeValue(qaddr)
		if !ok || s.cfg == nil {
			closeFD(fd)
			bad()
			break
		}
		for len(s.files) < len(s.cfg.Ports) {
			s.files = append(s.files, nil)
		}
		for i, p := range s.cfg.Ports {
			if p.Type == typ && p.Address == addr && s.files[i] == nil {
				s.files[i] = os.NewFile(uintptr(fd), addr)
				return true
			}
		}
		u.m.logUnit(u, LevelDebug, "No port %s %s any more, closing its socket.", typ, addr)
		closeFD(fd)
	default:
		return false
	}
	return true
}

// resume is socket_coldplug: a socket that should have its fds says so
// if some are missing; a listening one polls them again; the
// connections of Accept=yes come back to it.
func (s *socketUnit) resume() {
	m := s.u.m
	missing := 0
	kept := s.files[:0]
	for _, f := range s.files {
		if f == nil {
			missing++
			continue
		}
		kept = append(kept, f)
	}
	s.files = kept
	if s.cfg != nil && len(s.files) < len(s.cfg.Ports) {
		missing = len(s.cfg.Ports) - len(s.files)
	}
	switch s.state {
	case sockStartChown, sockStartPost, sockListening, sockRunning:
		if len(s.files) == 0 && missing > 0 {
			m.logUnit(s.u, LevelWarning, "Socket unit configuration has changed while unit has been running, no open socket file descriptor left. The socket unit is not functional until restarted.")
		} else if missing > 0 {
			m.logUnit(s.u, LevelWarning, "Socket unit configuration has changed while unit has been running, and some socket file descriptors have not been opened yet. The socket unit is not fully functional until restarted.")
		}
	default:
		// Nothing should be open in the other states.
		s.closeFDs()
	}
	if s.state == sockListening {
		s.startWatching()
	}
	for svc, name := range m.reexec.acceptSockets {
		if name != s.u.ID() {
			continue
		}
		if s.conns == nil {
			s.conns = map[*Unit]bool{}
		}
		s.conns[svc] = true
		s.u.cfg.Deps[unit.Before].Add(svc.ID())
		s.u.cfg.Deps[unit.Triggers].Add(svc.ID())
		svc.cfg.Deps[unit.After].Add(s.u.ID())
		svc.cfg.Deps[unit.TriggeredBy].Add(s.u.ID())
		for _, k := range []unit.Dependency{unit.Before, unit.Triggers} {
			s.u.cfg.NoteDepMask(k, svc.ID(), unit.MaskImplicit, 0)
			svc.cfg.NoteDepMask(k.Inverse(), s.u.ID(), 0, unit.MaskImplicit)
		}
	}
}

// --- timers ---

func (t *timerUnit) serialize(w *stateWriter) {
	w.item("state", timerStateNames[t.state])
	w.item("result", t.result)
	w.dual("last-trigger", t.lastTrigger)
}

func (t *timerUnit) deserializeItem(key, v string, _ *FDSet) bool {
	switch key {
	case "state":
		if i, ok := stateIndex(timerStateNames[:], v); ok {
			t.state = timerState(i)
		} else {
			logBadItem(t.u, key, v)
		}
	case "result":
		switch v {
		case timerResultSuccess, timerResultResources, timerResultStartLimitHit:
			t.result = v
		default:
			logBadItem(t.u, key, v)
		}
	case "last-trigger":
		if x, ok := parseDual(v); ok {
			t.lastTrigger = x
		} else {
			logBadItem(t.u, key, v)
		}
	default:
		return false
	}
	return true
}

// resume is timer_coldplug: a waiting timer computes its next elapse
// again; a running one follows its unit's job.
func (t *timerUnit) resume() {
	switch t.state {
	case timerStateWaiting, timerStateRunning, timerStateElapsed:
		tpStateOf(t.u.m).watchChanges()
	}
	switch t.state {
	case timerStateWaiting:
		t.enterWaiting(false)
	case timerStateRunning:
		if tr := t.trigger(); tr != nil {
			t.follow.follow(tr, t.triggerNotify)
		}
	}
}

// --- paths ---

func (p *pathUnit) serialize(w *stateWriter) {
	w.item("state", pathStateNames[p.state])
	w.item("result", p.result)
	for _, s := range p.specs {
		w.item("path-spec", fmt.Sprintf("%s %s %s", s.typ, formatBool(s.previousExists), strconv.Quote(s.path)))
	}
}

func (p *pathUnit) deserializeItem(key, v string, _ *FDSet) bool {
	switch key {
	case "state":
		if i, ok := stateIndex(pathStateNames[:], v); ok {
			p.state = pathState(i)
		} else {
			logBadItem(p.u, key, v)
		}
	case "result":
		switch v {
		case pathResultSuccess, pathResultResources, pathResultStartLimitHit, pathResultUnitStartLimitHit, pathResultTriggerLimitHit:
			p.result = v
		default:
			logBadItem(p.u, key, v)
		}
	case "path-spec":
		f := strings.SplitN(v, " ", 3)
		if len(f) != 3 {
			logBadItem(p.u, key, v)
			break
		}
		prev, ok1 := parseBool(f[1])
		path, ok2 := decodeValue(f[2])
		if !ok1 || !ok2 {
			logBadItem(p.u, key, v)
			break
		}
		for _, s := range p.specs {
			if s.typ == f[0] && s.path == filepath.Clean(path) {
				s.previousExists = prev
			}
		}
	default:
		return false
	}
	return true
}

// resume is path_coldplug: a waiting or running path unit enters the
// waiting state anew, which checks its paths and watches them.
func (p *pathUnit) resume() {
	if p.state != pathStateWaiting && p.state != pathStateRunning {
		return
	}
	p.enterWaiting(true, false)
	if tr := tpTriggerOf(p.u); tr != nil && p.state == pathStateRunning {
		p.follow.follow(tr, p.triggerNotify)
	}
}

// --- mounts ---

var mountResults = map[string]mountResult{}

func init() {
	for _, r := range []mountResult{mntSuccess, mntResources, mntTimeout, mntExitCode, mntSignal, mntCoreDump,
		mntStartLimitHit, mntProtocol} {
		mountResults[string(r)] = r
	}
}

func (x *mount) serialize(w *stateWriter) {
	w.item("state", mountStateNames[x.state])
	w.item("result", string(x.result))
	w.item("reload-result", string(x.reloadResult))
	w.item("clean-result", string(x.cleanResult))
	if x.controlPID > 0 {
		w.int("control-pid", int64(x.controlPID))
	}
	if x.controlCmd >= 0 && x.controlCmd < len(mountExecNames) {
		w.item("control-command", mountExecNames[x.controlCmd])
	}
	if x.nRetryUmount > 0 {
		w.int("n-retry-umount", int64(x.nRetryUmount))
	}
}

func (x *mount) deserializeItem(key, v string, _ *FDSet) bool {
	u := x.u
	result := func(r *mountResult) {
		if res, ok := mountResults[v]; ok {
			*r = res
		} else {
			logBadItem(u, key, v)
		}
	}
	switch key {
	case "state":
		if i, ok := stateIndex(mountStateNames[:], v); ok {
			x.state = mountState(i)
		} else {
			logBadItem(u, key, v)
		}
	case "result":
		result(&x.result)
	case "reload-result":
		result(&x.reloadResult)
	case "clean-result":
		result(&x.cleanResult)
	case "control-pid":
		if n, ok := parsePID(v); ok {
			x.controlPID = n
		} else {
			logBadItem(u, key, v)
		}
	case "control-command":
		if i, ok := stateIndex(mountExecNames[:], v); ok {
			x.controlCmd = i
		} else {
			logBadItem(u, key, v)
		}
	case "n-retry-umount":
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= retryUmountMax {
			x.nRetryUmount = n
		} else {
			logBadItem(u, key, v)
		}
	default:
		return false
	}
	return true
}

// resume is mount_coldplug: a control process still running is watched,
// with what is left of its timeout.
func (x *mount) resume() {
	if !x.state.withProcess() {
		x.controlPID, x.controlCmd = 0, -1
		return
	}
	if pidUnwaited(x.controlPID) {
		x.u.m.watchPIDLoop(x.controlPID, x.u)
	}
	if x.u.cfg.Mount != nil {
		x.timer = x.u.m.stateTimer(x.u, x.u.cfg.Mount.TimeoutUSec, x.timeout)
	}
}

// catchup is mount_catchup: the state follows what the kernel's table
// says now.
func (x *mount) catchup() {
	if x.fromProc {
		switch x.state {
		case mntDead, mntFailed:
			x.u.invocationID = newInvocationID()
			x.cycleClear()
			x.enterMounted(mntSuccess)
		case mntMounting:
			x.setState(mntMountingDone)
		}
		return
	}
	switch x.state {
	case mntMountingDone:
		x.setState(mntMounting)
	case mntMounted:
		x.enterDead(mntSuccess)
	}
}

// --- swaps ---

func (s *swap) serialize(w *stateWriter) {
	w.item("state", swapStateNames[s.state])
	w.item("result", string(s.result))
	w.item("clean-result", string(s.cleanResult))
	if s.controlPID > 0 {
		w.int("control-pid", int64(s.controlPID))
	}
	if s.controlCmd >= 0 && s.controlCmd < len(swapExecNames) {
		w.item("control-command", swapExecNames[s.controlCmd])
	}
}

func (s *swap) deserializeItem(key, v string, _ *FDSet) bool {
	u := s.u
	switch key {
	case "state":
		if i, ok := stateIndex(swapStateNames[:], v); ok {
			s.state = swapState(i)
		} else {
			logBadItem(u, key, v)
		}
	case "result", "clean-result":
		r, ok := mountResults[v]
		switch {
		case !ok:
			logBadItem(u, key, v)
		case key == "result":
			s.result = r
		default:
			s.cleanResult = r
		}
	case "control-pid":
		if n, ok := parsePID(v); ok {
			s.controlPID = n
		} else {
			logBadItem(u, key, v)
		}
	case "control-command":
		if i, ok := stateIndex(swapExecNames[:], v); ok {
			s.controlCmd = i
		} else {
			logBadItem(u, key, v)
		}
	default:
		return false
	}
	return true
}

// resume is swap_coldplug: a dead swap the kernel has is active; a
// control process still running is watched.
func (s *swap) resume() {
	if s.state == swpDead && s.fromProc {
		s.state = swpActive
	}
	if !s.state.withProcess() {
		s.controlPID, s.controlCmd = 0, -1
		return
	}
	if pidUnwaited(s.controlPID) {
		s.u.m.watchPIDLoop(s.controlPID, s.u)
	}
	if s.u.cfg.Swap != nil {
		s.timer = s.u.m.stateTimer(s.u, s.u.cfg.Swap.TimeoutUSec, s.timeout)
	}
}

// --- automounts ---

func (a *automount) serialize(w *stateWriter) {
	w.item("state", automountStateNames[a.state])
	w.item("result", a.result)
	if a.devID != 0 {
		w.uint("dev-id", a.devID)
	}
	for t := range a.tokens {
		w.uint("token", uint64(t))
	}
	for t := range a.expireTokens {
		w.uint("expire-token", uint64(t))
	}
	if a.pipe != nil {
		w.fd("pipe-fd", rawFDOf(a.pipe), "")
	}
}

func (a *automount) deserializeItem(key, v string, fds *FDSet) bool {
	u := a.u
	token := func(set map[uint32]bool) {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			set[uint32(n)] = true
		} else {
			logBadItem(u, key, v)
		}
	}
	switch key {
	case "state":
		if i, ok := stateIndex(automountStateNames[:], v); ok {
			a.state = automountState(i)
		} else {
			logBadItem(u, key, v)
		}
	case "result":
		switch v {
		case "success", "resources", "start-limit-hit", "mount-start-limit-hit", "unmounted":
			a.result = v
		default:
			logBadItem(u, key, v)
		}
	case "dev-id":
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			a.devID = n
		} else {
			logBadItem(u, key, v)
		}
	case "token":
		token(a.tokens)
	case "expire-token":
		token(a.expireTokens)
	case "pipe-fd":
		fd, _, ok := parseFDRef(v, fds)
		if !ok {
			logBadItem(u, key, v)
			break
		}
		if a.pipe != nil {
			a.pipe.Close()
		}
		a.pipe = os.NewFile(uintptr(fd), "autofs-pipe")
	default:
		return false
	}
	return true
}

// resume is automount_coldplug: the kernel's requests are read again;
// a running automount expires its mount again.
func (a *automount) resume() {
	if a.state != amWaiting && a.state != amRunning {
		if a.pipe != nil {
			a.pipe.Close()
			a.pipe = nil
		}
		return
	}
	if a.pipe == nil {
		a.u.m.logUnit(a.u, LevelWarning, "No autofs pipe passed, the automount point is not served until restarted.")
		return
	}
	a.gen++
	gen, r := a.gen, a.pipe
	a.u.m.Watch("automount "+a.u.ID(), func() { a.read(r, gen) })
	if a.state == amRunning {
		a.startExpire()
	}
}

// --- devices, targets, slices, scopes ---

func (d *device) serialize(w *stateWriter) { w.item("state", deviceStateNames[d.state]) }

func (d *device) deserializeItem(key, v string, _ *FDSet) bool {
	if key != "state" {
		return false
	}
	if i, ok := stateIndex(deviceStateNames[:], v); ok {
		d.state = deviceState(i)
	} else {
		logBadItem(d.u, key, v)
	}
	return true
}

func (d *device) resume() {}

func (t *twoState) serialize(w *stateWriter) { w.item("state", t.subState()) }

func (t *twoState) deserializeItem(key, v string, _ *FDSet) bool {
	if key != "state" {
		return false
	}
	switch v {
	case t.names[0]:
		t.active = false
	case t.names[1]:
		t.active = true
	default:
		logBadItem(t.u, key, v)
	}
	return true
}

func (t *twoState) resume() {}

// closeFD closes a claimed fd nobody took.
func closeFD(fd int) {
	if fd >= 0 {
		_ = os.NewFile(uintptr(fd), "").Close()
	}
}
