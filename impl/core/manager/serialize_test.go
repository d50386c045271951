package manager

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/job"
	"gosystemd/impl/notify"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitpath"
)

// reexecLog records what a test manager logs and notes panics the
// manager caught (a deserializer must not panic even where the loop
// would survive it).
type reexecLog struct {
	NopObserver
	mu     sync.Mutex
	lines  []string
	panics []string
}

func (l *reexecLog) Log(e LogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, e.Message)
	if strings.HasPrefix(e.Message, "Caught panic") {
		l.panics = append(l.panics, e.Message)
	}
}

// reexecUnits are the units of the round-trip tests: one of each type
// that carries state.
var reexecUnits = map[string]string{
	"app.service":    "[Service]\nExecStart=/bin/sleep infinity\nFileDescriptorStoreMax=4\n",
	"once.service":   "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStartPre=/bin/true\nExecStart=/bin/true\nExecStart=/bin/true\n",
	"echo.socket":    "[Socket]\nListenStream=@DIR@/echo.sock\nListenDatagram=@DIR@/echo.dgram\n",
	"echo.service":   "[Service]\nExecStart=/bin/cat\n",
	"tick.timer":     "[Timer]\nOnActiveSec=1h\nOnCalendar=daily\n",
	"tick.service":   "[Service]\nType=oneshot\nExecStart=/bin/true\n",
	"watch.path":     "[Path]\nPathExists=@DIR@/flag\nPathChanged=@DIR@/changed\n",
	"watch.service":  "[Service]\nType=oneshot\nExecStart=/bin/true\n",
	"data.mount":     "[Mount]\nWhat=/dev/null\nWhere=/data\nType=none\n",
	"data.automount": "[Automount]\nWhere=/data\n",
	"goal.target":    "[Unit]\nDescription=Goal\n",
	"conn.socket":    "[Socket]\nListenStream=@DIR@/conn.sock\nAccept=yes\n",
	"conn@.service":  "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n",
}

// reexecManager is a manager over the test units in dir (created if
// empty), as a fresh process would build it.
func reexecManager(t testing.TB, dir string) (*Manager, *reexecLog) {
	t.Helper()
	unitDir := filepath.Join(dir, "units")
	if _, err := os.Stat(unitDir); err != nil {
		if err := os.MkdirAll(unitDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range reexecUnits {
			data = strings.ReplaceAll(data, "@DIR@", dir)
			if err := os.WriteFile(filepath.Join(unitDir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := unit.NewDefaults()
	d.InContainer, d.SwapSupported, d.DevicesSupported = false, false, false
	log := &reexecLog{}
	m, err := New(Config{Scope: unitpath.System, Defaults: d, Observer: log, NoEnumerate: true,
		LookupEnv: func(k string) (string, bool) {
			if k == "SYSTEMD_UNIT_PATH" {
				return unitDir, true
			}
			return "", false
		}})
	if err != nil {
		t.Fatal(err)
	}
	// The clock and time zone watchers are the host's business, not a
	// test's.
	tpStateOf(m).watching = true
	t.Cleanup(func() { releaseAll(m) })
	return m, log
}

// releaseAll stops what a test manager's units watch.
func releaseAll(m *Manager) {
	for _, u := range m.order {
		if r, ok := u.kind.(releaser); ok {
			r.release()
		}
		switch k := u.kind.(type) {
		case *socketUnit:
			k.stopWatching()
			k.closeFDs()
		case *service:
			k.releaseFDStore()
			if k.acceptConn != nil {
				k.acceptConn.Close()
			}
		case *automount:
			if k.pipe != nil {
				k.pipe.Close()
			}
		}
	}
	tpStates.Lock()
	delete(tpStates.m, m)
	tpStates.Unlock()
}

// serialized is m's state as a new manager would read it (its fds
// closed: for states without any).
func serialized(t *testing.T, m *Manager) *Serialization {
	t.Helper()
	fds := NewFDSet()
	defer fds.Close()
	data, err := m.SerializeLoop(fds, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseSerialization(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustLoad(t *testing.T, m *Manager, name string) *Unit {
	t.Helper()
	u, err := m.LoadUnitLoop(name)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return u
}

// roundTrip serializes m, and restores the result into a fresh manager
// over the same units, handing it the fds the way exec would: the same
// numbers, found open.
func roundTrip(t *testing.T, m *Manager, dir string) (*Manager, *reexecLog, []byte) {
	t.Helper()
	fds := NewFDSet()
	data, err := m.SerializeLoop(fds, []Item{{"daemon-item", "kept"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseSerialization(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if v, _ := st.Value("daemon-item"); v != "kept" {
		t.Errorf("daemon item = %q", v)
	}
	passed := &FDSet{fds: map[int]bool{}}
	for _, n := range fds.Numbers() {
		passed.fds[n] = false
	}
	m2, log2 := reexecManager(t, dir)
	m2.StartupDeserializeLoop(st, passed)
	if len(log2.panics) > 0 {
		t.Fatalf("panics while deserializing: %v", log2.panics)
	}
	for n, claimed := range passed.fds {
		if !claimed {
			t.Errorf("unclaimed fd %d left in the set", n)
		}
	}
	return m2, log2, data
}

func TestReexecRoundTripService(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.service")
	sleep := exec.Command("/bin/sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleep.Process.Kill(); _ = sleep.Wait() }()
	s := u.kind.(*service)
	start := now()
	s.state, s.result, s.reloadResult = svcRunning, resSuccess, resTimeout
	s.mainPID, s.mainPIDKnown, s.mainIdx = sleep.Process.Pid, true, 0
	s.mainRun = execRun{start: start, pid: sleep.Process.Pid}
	s.runs[unit.ExecStart] = []execRun{s.mainRun}
	s.nRestarts, s.statusText, s.statusErrno = 3, "Serving\n\"all\" ", 5
	s.started, s.uid, s.gid, s.busNameGood = true, 1000, 100, true
	s.rt = m.adoptRuntime("app.service", "/tmp/systemd-private-x-app.service-AbC123", "/var/tmp/systemd-private-x app")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s.fdStore = []storedFD{{f: r, name: "pipe one"}}
	// The stdio fds systemd-run --pipe gave it: stdin reads a pipe,
	// stderr writes another.
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer errR.Close()
	s.stdio = [3]*os.File{inR, nil, errW}
	u.invocationID = newInvocationID()
	u.inactiveExit, u.activeEnter, u.stateChange = start, start, start
	u.conditionTime, u.conditionResult = start, true
	m.pids[s.mainPID] = u
	j := &Job{m: m, id: 7, unit: u, typ: job.Reload, running: true, ignoreOrder: true}
	m.jobs[7], u.job, m.lastJob = j, j, 9

	m2, _, data := roundTrip(t, m, dir)
	u2 := m2.UnitLoop("app.service")
	s2 := u2.kind.(*service)
	if s2.state != svcRunning || s2.result != resSuccess || s2.reloadResult != resTimeout {
		t.Errorf("state %v result %v reload %v", s2.state, s2.result, s2.reloadResult)
	}
	if s2.mainPID != s.mainPID || !s2.mainPIDKnown || m2.pids[s.mainPID] != u2 {
		t.Errorf("main PID %d known %v watched %v", s2.mainPID, s2.mainPIDKnown, m2.pids[s.mainPID] == u2)
	}
	if s2.mainRun != s.mainRun {
		t.Errorf("main run %+v, want %+v", s2.mainRun, s.mainRun)
	}
	if len(s2.runs[unit.ExecStart]) != 0 {
		t.Errorf("per-command statuses kept (252 drops them): %+v", s2.runs)
	}
	if s2.nRestarts != 3 || s2.statusText != s.statusText || s2.statusErrno != 5 || !s2.started ||
		s2.uid != 1000 || s2.gid != 100 || !s2.busNameGood || s2.rt == nil || *s2.rt != *s.rt || m2.runtimes["app.service"] != s2.rt {
		t.Errorf("service fields: %+v", s2)
	}
	if u2.invocationID != u.invocationID || u2.inactiveExit != start || u2.activeEnter != start ||
		u2.stateChange != start || u2.conditionTime != start || !u2.conditionResult {
		t.Errorf("unit fields differ:\n%s", data)
	}
	if len(s2.fdStore) != 1 || s2.fdStore[0].name != "pipe one" {
		t.Fatalf("fd store: %+v", s2.fdStore)
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if n, err := s2.fdStore[0].f.Read(buf); n != 1 || err != nil || buf[0] != 'x' {
		t.Errorf("stored fd does not read the pipe: %d %v", n, err)
	}
	if s2.stdio[0] == nil || s2.stdio[1] != nil || s2.stdio[2] == nil {
		t.Fatalf("stdio fds: %v", s2.stdio)
	}
	if _, err := inW.Write([]byte("i")); err != nil {
		t.Fatal(err)
	}
	if n, err := s2.stdio[0].Read(buf); n != 1 || err != nil || buf[0] != 'i' {
		t.Errorf("stdin fd does not read the pipe: %d %v", n, err)
	}
	if _, err := s2.stdio[2].Write([]byte("e")); err != nil {
		t.Fatal(err)
	}
	if n, err := errR.Read(buf); n != 1 || err != nil || buf[0] != 'e' {
		t.Errorf("stderr fd does not write the pipe: %d %v", n, err)
	}
	j2 := m2.JobLoop(7)
	if j2 == nil || u2.job != j2 || j2.typ != job.Reload || !j2.running || !j2.ignoreOrder || j2.irreversible {
		t.Errorf("job not restored: %+v", j2)
	}
	if m2.lastJob != 9 {
		t.Errorf("last job %d", m2.lastJob)
	}
	if u2.lastState != u2.ActiveState() {
		t.Errorf("last state %v", u2.lastState)
	}
}

func TestReexecRoundTripServiceStates(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "once.service")
	s := u.kind.(*service)
	// Stopping, with a stop timeout running from a while ago, and a
	// control process that is gone.
	s.state, s.controlKind, s.controlIdx, s.mainIdx = svcStartPre, 1, 0, 1
	s.controlPID = 1 << 21
	u.stateChange = now()
	m2, _, _ := roundTrip(t, m, dir)
	s2 := m2.UnitLoop("once.service").kind.(*service)
	if s2.state != svcStartPre || s2.controlPID != 1<<21 || s2.mainIdx != 1 {
		t.Errorf("state %v control %d main idx %d", s2.state, s2.controlPID, s2.mainIdx)
	}
	if m2.pids[1<<21] != nil {
		t.Error("a process that is gone is watched")
	}
	if s2.controlKind != 1 || s2.controlIdx != 0 {
		// The control process is gone: the list is not resumed.
		if s2.controlKind != -1 {
			t.Errorf("control command %d %d", s2.controlKind, s2.controlIdx)
		}
	}
}

func TestReexecRoundTripSocket(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "echo.socket")
	s := u.kind.(*socketUnit)
	if err := s.openAll(); err != nil {
		t.Fatal(err.err)
	}
	s.state, s.nAccepted, s.nRefused, s.result = sockRunning, 4, 1, "success"
	u.invocationID = newInvocationID()
	m2, log2, _ := roundTrip(t, m, dir)
	s2 := m2.UnitLoop("echo.socket").kind.(*socketUnit)
	if s2.state != sockRunning || s2.nAccepted != 4 || s2.nRefused != 1 {
		t.Errorf("socket %v %d %d", s2.state, s2.nAccepted, s2.nRefused)
	}
	if len(s2.files) != 2 {
		t.Fatalf("files %v; log %v", s2.files, log2.lines)
	}
	for i, want := range []string{filepath.Join(dir, "echo.sock"), filepath.Join(dir, "echo.dgram")} {
		sa, err := unix.Getsockname(rawFDOf(s2.files[i]))
		if err != nil {
			t.Fatal(err)
		}
		if un, ok := sa.(*unix.SockaddrUnix); !ok || un.Name != want {
			t.Errorf("file %d bound to %v, want %s", i, sa, want)
		}
		if fl, _ := unix.FcntlInt(uintptr(rawFDOf(s2.files[i])), unix.F_GETFD, 0); fl&unix.FD_CLOEXEC == 0 {
			t.Errorf("file %d not close-on-exec", i)
		}
	}
}

func TestReexecSocketPortsChanged(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "echo.socket")
	s := u.kind.(*socketUnit)
	if err := s.openAll(); err != nil {
		t.Fatal(err.err)
	}
	s.state = sockRunning
	// The unit file lost a port before the re-execution.
	data := "[Socket]\nListenStream=" + filepath.Join(dir, "echo.sock") + "\nListenStream=" + filepath.Join(dir, "other.sock") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "units", "echo.socket"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	m2, log2, _ := roundTrip(t, m, dir)
	s2 := m2.UnitLoop("echo.socket").kind.(*socketUnit)
	if len(s2.files) != 1 {
		t.Errorf("files %v", s2.files)
	}
	found := false
	for _, l := range log2.lines {
		found = found || strings.Contains(l, "some socket file descriptors have not been opened yet")
	}
	if !found {
		t.Errorf("no warning about the missing port: %v", log2.lines)
	}
}

func TestReexecRoundTripTimerPath(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	tu := mustLoad(t, m, "tick.timer")
	tm := tu.kind.(*timerUnit)
	last := DualTimestamp{Realtime: uint64(time.Now().Add(-time.Minute).UnixMicro()), Monotonic: 1}
	tm.state, tm.lastTrigger, tm.result = timerStateWaiting, last, timerResultSuccess
	tu.inactiveExit = now()
	pu := mustLoad(t, m, "watch.path")
	p := pu.kind.(*pathUnit)
	p.state, p.result = pathStateFailed, pathResultTriggerLimitHit
	p.specs[1].previousExists = true
	m2, _, data := roundTrip(t, m, dir)
	t2 := m2.UnitLoop("tick.timer").kind.(*timerUnit)
	if t2.state != timerStateWaiting || t2.lastTrigger != last {
		t.Errorf("timer %v %v\n%s", t2.state, t2.lastTrigger, data)
	}
	if t2.monoWait == nil || t2.realWait == nil || t2.nextMonotonic == usecInfinity {
		t.Errorf("waiting timer not armed: %+v", t2)
	}
	p2 := m2.UnitLoop("watch.path").kind.(*pathUnit)
	if p2.state != pathStateFailed || p2.result != pathResultTriggerLimitHit || !p2.specs[1].previousExists || p2.specs[0].previousExists {
		t.Errorf("path %v %v %v", p2.state, p2.result, p2.specs)
	}
}

func TestReexecRoundTripMountAutomountTarget(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	mu := mustLoad(t, m, "data.mount")
	x := mu.kind.(*mount)
	x.state, x.result, x.reloadResult, x.nRetryUmount = mntFailed, mntExitCode, mntTimeout, 2
	au := mustLoad(t, m, "data.automount")
	a := au.kind.(*automount)
	a.state, a.result, a.devID = amFailed, "unmounted", 42
	a.tokens[5] = true
	g := mustLoad(t, m, "goal.target")
	g.kind.(*target).active = true
	m.startupJob, m.startupDone = &Job{id: 3, unit: g}, true
	m2, _, _ := roundTrip(t, m, dir)
	x2 := m2.UnitLoop("data.mount").kind.(*mount)
	if x2.state != mntFailed || x2.result != mntExitCode || x2.reloadResult != mntTimeout || x2.nRetryUmount != 2 {
		t.Errorf("mount %+v", x2)
	}
	a2 := m2.UnitLoop("data.automount").kind.(*automount)
	if a2.state != amFailed || a2.result != "unmounted" || a2.devID != 42 || !a2.tokens[5] {
		t.Errorf("automount %+v", a2)
	}
	g2 := m2.UnitLoop("goal.target")
	if !g2.kind.(*target).active || g2.SubState() != "active" {
		t.Errorf("target %s", g2.SubState())
	}
	if !m2.startupDone || m2.startupJob == nil || m2.startupJob.unit != g2 {
		t.Errorf("startup %v %v", m2.startupDone, m2.startupJob)
	}
	for _, name := range []string{"-.slice", "system.slice", "init.scope"} {
		if u := m2.UnitLoop(name); u == nil || u.ActiveState().String() != "active" {
			t.Errorf("%s not active", name)
		}
	}
}

// TestReexecNeverChangedState: as 252, a unit whose state never changed
// has its state change stamped by the restore.
func TestReexecNeverChangedState(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "tick.service")
	if u.stateChange.IsSet() {
		t.Fatal("stamped before")
	}
	m2, _, _ := roundTrip(t, m, dir)
	if !m2.UnitLoop("tick.service").stateChange.IsSet() {
		t.Error("state change not stamped")
	}
}

func TestReexecManagerTimes(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	// Well within the machine's uptime: a start before boot has no
	// monotonic time, and the serialization clamps it to boot.
	m.started = time.Now().Add(-10 * time.Second)
	m2, _, _ := roundTrip(t, m, dir)
	if d := m2.started.Sub(m.started); d < -time.Second || d > time.Second {
		t.Errorf("start time moved by %v", d)
	}
	ts := m2.BootTimestampsLoop()
	if !ts.UnitsLoad.IsSet() || ts.UnitsLoad != m.reexec.unitsLoad {
		t.Errorf("units load %v, serialized %v", ts.UnitsLoad, m.reexec.unitsLoad)
	}
}

func TestReexecFailedTakesNotifyBack(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	path := filepath.Join(dir, "notify")
	if err := m.ListenNotifyLoop(path); err != nil {
		t.Fatal(err)
	}
	var got error
	m.ReexecuteLoop(func(err error) { got = err })
	if m.Objective() != ObjectiveReexecute {
		t.Fatal("objective not set")
	}
	fds := NewFDSet()
	if _, err := m.SerializeLoop(fds, nil); err != nil {
		t.Fatal(err)
	}
	if m.notify != nil {
		t.Fatal("receiver still running")
	}
	m.ReexecFailedLoop(os.ErrNotExist)
	fds.Close()
	if got != os.ErrNotExist || m.Objective() != ObjectiveOK || m.exiting {
		t.Errorf("failure not passed on: %v %v", got, m.Objective())
	}
	if m.notify == nil || m.notify.Path() != path {
		t.Fatal("notification socket not taken back")
	}
	defer m.notify.Close()
	c, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(c)
	if err := unix.Sendto(c, []byte("STATUS=x"), 0, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-m.notify.Events():
		ev.CloseFDs()
	case <-time.After(5 * time.Second):
		t.Fatal("no event from the taken-back socket")
	}
}

func TestParseSerialization(t *testing.T) {
	in := serializationHeader + "\na=1\nb=two words\n\nunit x.service\nstate=running\n\ngarbage\nmore\n\nunit y.target\nstate=active\n"
	st, err := ParseSerialization(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Serialization{
		Items: []Item{{"a", "1"}, {"b", "two words"}},
		Units: []UnitState{{"x.service", []Item{{"state", "running"}}}, {"y.target", []Item{{"state", "active"}}}},
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("got %+v", st)
	}
	for _, bad := range []string{"", "gosystemd-serialization 2\n", "x\n" + serializationHeader} {
		if _, err := ParseSerialization(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestEncodeValue(t *testing.T) {
	for _, v := range []string{"", "plain", "two words", " lead", "trail ", "new\nline", `"quoted"`, "tab\there", "\x00", "ünïcode", "\xff"} {
		enc := encodeValue(v)
		if strings.ContainsAny(enc, "\n\r") {
			t.Errorf("%q encodes across lines: %q", v, enc)
		}
		got, ok := decodeValue(enc)
		if !ok || got != v {
			t.Errorf("%q → %q → %q", v, enc, got)
		}
	}
}

// FuzzDeserialize feeds PID 1's serialization reader anything: parsing
// and restoring must never panic (the loop would survive a panic; the
// fuzzer must not).
func FuzzDeserialize(f *testing.F) {
	f.Add([]byte(serializationHeader + "\nlast-job=5\nstartup-done=yes\n\nunit app.service\nstate=running\nmain-pid=1\nfd-store=3 \"x\"\njob=4 start running\n\n"))
	f.Add([]byte(serializationHeader + "\n\nunit echo.socket\nstate=listening\nlisten=9 Stream \"/x\"\n\nunit tick.timer\nstate=waiting\nlast-trigger=5 6\n\nunit watch.path\nstate=running\npath-spec=PathExists yes \"/x\"\n"))
	f.Add([]byte(serializationHeader + "\n\nunit data.mount\nstate=mounting\ncontrol-pid=99999\ncontrol-command=ExecMount\n\nunit data.automount\nstate=running\npipe-fd=7\ntoken=1\n\nunit once.service\nstate=stop-post\ncontrol-command=ExecStartPre 0\nmain-command=1\nstatus-text=\"a\\nb\"\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseSerialization(bytes.NewReader(data))
		if err != nil {
			return
		}
		m, log := reexecManager(t, dir)
		m.StartupDeserializeLoop(st, &FDSet{fds: map[int]bool{}})
		releaseAll(m)
		if len(log.panics) > 0 {
			t.Fatalf("panic: %v", log.panics)
		}
	})
}

// TestFDStoreKeepsItsFDs: fds a service stores (FDSTORE=1) stay open
// once the message is handled — the store, and daemon-reexec after it,
// depend on that — and the same open file is stored once, as 252 does.
func TestFDStoreKeepsItsFDs(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.service")
	s := u.kind.(*service)
	s.state, s.mainPID = svcRunning, 4242
	s.cfg.NotifyAccess = "main"
	m.pids[4242] = u
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd, err := unix.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	dup, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	m.handleNotify(notify.Event{Kind: notify.KindMessage, Creds: notify.Creds{PID: 4242},
		Tags: []string{"FDSTORE=1", "FDNAME=pipe"}, FDs: []int{fd, dup}})
	if len(s.fdStore) != 1 || s.fdStore[0].name != "pipe" {
		t.Fatalf("store %+v", s.fdStore)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("stored fd closed: %v", err)
	}
	if _, err := unix.FcntlInt(uintptr(dup), unix.F_GETFD, 0); err == nil {
		t.Error("duplicate kept open")
	}
}

// TestReexecRoundTripAcceptConnection: a connection service of an
// Accept=yes socket keeps its connection, and the socket counts it again.
func TestReexecRoundTripAcceptConnection(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	su := mustLoad(t, m, "conn.socket")
	sock := su.kind.(*socketUnit)
	if err := sock.openAll(); err != nil {
		t.Fatal(err.err)
	}
	sock.state, sock.nAccepted, sock.nConnections = sockListening, 1, 1
	cu := mustLoad(t, m, "conn@0-1-0.service")
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	peer := os.NewFile(uintptr(pair[1]), "peer")
	defer peer.Close()
	svc := cu.kind.(*service)
	svc.acceptConn, svc.state = os.NewFile(uintptr(pair[0]), "connection"), svcRunning
	sock.conns = map[*Unit]bool{cu: true}
	su.cfg.Deps[unit.Triggers].Add(cu.ID())
	cu.cfg.Deps[unit.TriggeredBy].Add(su.ID())
	m2, _, data := roundTrip(t, m, dir)
	su2, cu2 := m2.UnitLoop("conn.socket"), m2.UnitLoop("conn@0-1-0.service")
	sock2, svc2 := su2.kind.(*socketUnit), cu2.kind.(*service)
	if !sock2.conns[cu2] || sock2.nConnections != 1 || sock2.nAccepted != 1 || sock2.wake == nil {
		t.Errorf("socket %+v\n%s", sock2, data)
	}
	if !su2.cfg.Deps[unit.Triggers].Has(cu2.ID()) || !cu2.cfg.Deps[unit.TriggeredBy].Has(su2.ID()) {
		t.Error("trigger dependencies not restored")
	}
	if svc2.acceptConn == nil {
		t.Fatal("connection lost")
	}
	if _, err := svc2.acceptConn.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if n, err := peer.Read(buf); n != 2 || err != nil {
		t.Errorf("connection does not reach the peer: %d %v", n, err)
	}
}

// TestReexecAutoRestartResumes: a service waiting to be restarted gets
// its restart timer back, RestartSec=0 included.
func TestReexecAutoRestartResumes(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.service")
	s := u.kind.(*service)
	s.state, s.result, u.stateChange = svcAutoRestart, resExitCode, now()
	for _, restart := range []uint64{0, 100000, usecInfinity} {
		m2, _, _ := roundTrip(t, m, dir)
		s2 := m2.UnitLoop("app.service").kind.(*service)
		s2.cfg.RestartUSec = restart
		s2.timer = nil
		s2.resume()
		if (s2.timer != nil) != (restart != usecInfinity) {
			t.Errorf("RestartSec=%d: timer %v", restart, s2.timer)
		}
	}
}

// TestFDStoreDropsHungUpFDs: a stored fd whose other end closes leaves
// the store, as 252 drops it on EPOLLHUP (journald's stdout streams); one
// removed by FDSTOREREMOVE is no longer watched.
func TestFDStoreDropsHungUpFDs(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.service")
	s := u.kind.(*service)
	s.state, s.mainPID = svcRunning, 4242
	s.cfg.NotifyAccess = "main"
	m.pids[4242] = u
	store := func(name string) *os.File {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		m.handleNotify(notify.Event{Kind: notify.KindMessage, Creds: notify.Creds{PID: 4242},
			Tags: []string{"FDSTORE=1", "FDNAME=" + name}, FDs: []int{pair[0]}})
		return os.NewFile(uintptr(pair[1]), "peer")
	}
	stream := store("stream")
	kept := store("kept")
	defer kept.Close()
	removed := store("removed")
	m.handleNotify(notify.Event{Kind: notify.KindMessage, Creds: notify.Creds{PID: 4242},
		Tags: []string{"FDSTOREREMOVE=1", "FDNAME=removed"}})
	if len(s.fdStore) != 2 || len(m.fdWatch.tokens) != 2 {
		t.Fatalf("store %+v, watched %d", s.fdStore, len(m.fdWatch.tokens))
	}
	removed.Close()
	stream.Close()
	// What the loop would run; the bound is for liveness only.
	select {
	case fn := <-m.posted:
		fn()
	case <-time.After(10 * time.Second):
		t.Fatal("no hang-up noticed")
	}
	if len(s.fdStore) != 1 || s.fdStore[0].name != "kept" || len(m.fdWatch.tokens) != 1 {
		t.Fatalf("store after hang-up %+v, watched %d", s.fdStore, len(m.fdWatch.tokens))
	}
	select {
	case <-m.posted:
		t.Error("an unwatched or dropped fd reported again")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestReexecMainEndedMeanwhile: a service's main process that ended
// while no manager ran (a zombie when the new one starts, as after
// switch-root's SIGTERM to every process) reaches the unit restored,
// not a reaper that knows no unit yet.
func TestReexecMainEndedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	u := mustLoad(t, m, "app.service")
	child := exec.Command("/bin/true")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := child.Process.Pid
	// Waits for its end and leaves it unreaped.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	s := u.kind.(*service)
	start := now()
	s.state, s.result = svcRunning, resSuccess
	s.mainPID, s.mainPIDKnown, s.mainIdx = pid, true, 0
	s.mainRun = execRun{start: start, pid: pid}
	s.runs[unit.ExecStart] = []execRun{s.mainRun}
	u.invocationID = newInvocationID()
	u.inactiveExit, u.activeEnter, u.stateChange = start, start, start
	m.pids[pid] = u

	st := serialized(t, m)
	m2, log2 := reexecManager(t, dir)
	var s2 *service
	m2.RunFirst(func() {
		m2.StartupDeserializeLoop(st, &FDSet{fds: map[int]bool{}})
		// Kept: the unit is collected once dead.
		s2 = m2.UnitLoop("app.service").kind.(*service)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m2.Run(ctx)
	type seen struct {
		state      serviceState
		mainPID    int
		code, stat int
	}
	var got seen
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		done := make(chan seen)
		m2.Post(func() {
			done <- seen{s2.state, s2.mainPID, s2.mainRun.code, s2.mainRun.status}
		})
		select {
		case got = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("the manager did not answer: %v", log2.lines)
		}
		if got.state != svcRunning {
			break
		}
	}
	if got.state != svcDead || got.mainPID != 0 || got.code != cldExited || got.stat != 0 {
		t.Errorf("after its main process's end: state %v, main PID %d, exit code %d status %d; want dead, 0, exited (%d) 0",
			got.state, got.mainPID, got.code, got.stat, cldExited)
	}
}
