package manager

// Daemon-reexec: the manager's runtime state written out for the new
// process and read back there (252's manager_serialize and
// manager_deserialize, unit_serialize and unit_deserialize, and each
// type's serialize/deserialize_item and coldplug).
//
// The format is ours, text and line-based like 252's, so that a
// serialization can be read while debugging:
//
//	gosystemd-serialization 1          header: format and version
//	key=value                          manager items (and the caller's)
//	...
//	                                   a blank line ends a section
//	unit app.service                   one section per unit
//	state=running                      the type's items, then the unit's
//	invocation-id=0123...
//	job=17 start running
//
// A value that could not stand on one line as it is (a newline, leading
// or trailing blanks, a leading quote) is written as a Go quoted string.
// File descriptors travel as numbers: the old process puts copies
// without close-on-exec in an FDSet, execs, and the new process finds
// them open under the same numbers. Whatever no unit claims is closed
// once everything is back — the bus clients of the old process among
// them, whose disconnection tells `systemctl daemon-reexec` that the new
// manager is up.
//
// Reading back never fails as a whole past the header: an item that does
// not parse is logged and skipped, a unit that no longer loads is
// skipped, as 252 does.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/job"
	"gosystemd/impl/notify"
	"gosystemd/impl/unitname"
)

// serializationHeader is the first line of a serialization.
const serializationHeader = "gosystemd-serialization 1"

// Bounds on a serialization read back (it is a file PID 1 reads).
const (
	maxSerializationBytes = 64 << 20
	maxSerializationLine  = 1 << 20
)

// reexecState is what the manager keeps about daemon-reexec.
type reexecState struct {
	// deserializing is set while the state is being restored: unit
	// state changes then stamp nothing and move no job (252's
	// MANAGER_IS_RELOADING during coldplug).
	deserializing bool
	// unitsLoad is 252's UnitsLoadTimestamp: when the manager last
	// serialized its state.
	unitsLoad DualTimestamp
	// startedMono is when the first manager's loop started (µs of
	// CLOCK_MONOTONIC), kept across re-executions.
	startedMono uint64
	// phases are the startup's steps as the manager passed them, kept
	// across re-executions as 252 keeps its timestamps.
	phases startupPhases
	// coldplug holds the units whose state the startup's loading set,
	// stamped again once it ends (holdColdplugStamps).
	coldplug coldplugStamps
	// onFail are told when a re-execution failed: the callers waiting
	// for its end.
	onFail []func(error)
	// notifyCopy is the FDSet's copy of the notification socket while
	// its receiver is stopped for the exec (notifyCopySet).
	notifyCopy    int
	notifyCopySet bool
	// acceptSockets are the Accept=yes sockets of restored connection
	// services, by service, until the sockets are resumed.
	acceptSockets map[*Unit]string
}

// Item is one key=value line of a serialization.
type Item struct{ Key, Value string }

// UnitState is one unit's section.
type UnitState struct {
	Name  string
	Items []Item
}

// Serialization is a parsed serialization.
type Serialization struct {
	// Items is the manager section, in order; it also holds the items
	// the daemon added (see SerializeLoop).
	Items []Item
	Units []UnitState
}

// Value is the last value of a manager item.
func (s *Serialization) Value(key string) (string, bool) {
	for i := len(s.Items) - 1; i >= 0; i-- {
		if s.Items[i].Key == key {
			return s.Items[i].Value, true
		}
	}
	return "", false
}

// Values are every value of a manager item, in order.
func (s *Serialization) Values(key string) []string {
	var out []string
	for _, it := range s.Items {
		if it.Key == key {
			out = append(out, it.Value)
		}
	}
	return out
}

// ParseSerialization reads a serialization. Only a missing or foreign
// header, a read error or a file past the bounds fail it; lines that do
// not fit the format are dropped.
func ParseSerialization(r io.Reader) (*Serialization, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSerializationBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading serialization: %w", err)
	}
	if len(data) > maxSerializationBytes {
		return nil, errors.New("serialization too large")
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxSerializationLine)
	if !sc.Scan() || sc.Text() != serializationHeader {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading serialization: %w", err)
		}
		return nil, errors.New("not a serialization of this manager (bad header)")
	}
	s := &Serialization{}
	// The manager section, up to the first blank line.
	for sc.Scan() {
		l := sc.Text()
		if strings.TrimSpace(l) == "" {
			break
		}
		s.Items = append(s.Items, splitItem(l))
	}
	// Unit sections: "unit NAME", items, a blank line. Anything else
	// before the next blank line is skipped, as 252's
	// unit_deserialize_skip.
	var cur *UnitState
	skipping := false
	for sc.Scan() {
		l := sc.Text()
		if strings.TrimSpace(l) == "" {
			cur, skipping = nil, false
			continue
		}
		if skipping {
			continue
		}
		if cur == nil {
			name, ok := strings.CutPrefix(l, "unit ")
			if !ok {
				skipping = true
				continue
			}
			s.Units = append(s.Units, UnitState{Name: strings.TrimSpace(name)})
			cur = &s.Units[len(s.Units)-1]
			continue
		}
		cur.Items = append(cur.Items, splitItem(l))
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("reading serialization: %w", err)
	}
	return s, nil
}

func splitItem(l string) Item {
	k, v, _ := strings.Cut(l, "=")
	return Item{Key: strings.TrimSpace(k), Value: v}
}

// encodeValue makes a value fit on one line: as it is when it can be
// read back as it is, else Go-quoted.
func encodeValue(v string) string {
	if v == "" || (!strings.ContainsAny(v, "\n\r\x00") && v[0] != '"' && strings.TrimSpace(v) == v && isPrintable(v)) {
		return v
	}
	return strconv.Quote(v)
}

// decodeValue undoes encodeValue.
func decodeValue(v string) (string, bool) {
	if strings.HasPrefix(v, `"`) {
		s, err := strconv.Unquote(v)
		return s, err == nil
	}
	return v, true
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// stateWriter writes one serialization.
type stateWriter struct {
	b   bytes.Buffer
	fds *FDSet
	err error
}

func (w *stateWriter) line(l string) { w.b.WriteString(l); w.b.WriteByte('\n') }

// item writes key=value; value must be one line (see str).
func (w *stateWriter) item(key, value string) { w.line(key + "=" + value) }

// str writes a string of any content.
func (w *stateWriter) str(key, v string) { w.item(key, encodeValue(v)) }

func (w *stateWriter) int(key string, n int64)   { w.item(key, strconv.FormatInt(n, 10)) }
func (w *stateWriter) uint(key string, n uint64) { w.item(key, strconv.FormatUint(n, 10)) }
func (w *stateWriter) bool(key string, b bool)   { w.item(key, formatBool(b)) }

// dual writes a timestamp that was taken; unset ones are left out.
func (w *stateWriter) dual(key string, t DualTimestamp) {
	if t.IsSet() {
		w.item(key, strconv.FormatUint(t.Realtime, 10)+" "+strconv.FormatUint(t.Monotonic, 10))
	}
}

// fd passes a copy of fd and writes its number, followed by rest if
// given; a copy that cannot be made is left out (the state is still
// written, as 252 does when serialize_fd fails for one fd).
func (w *stateWriter) fd(key string, fd int, rest string) {
	if w.fds == nil || fd < 0 {
		return
	}
	n, err := w.fds.Dup(fd)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("copying fd for %s: %w", key, err)
		}
		return
	}
	v := strconv.Itoa(n)
	if rest != "" {
		v += " " + rest
	}
	w.item(key, v)
}

func formatBool(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseBool(v string) (bool, bool) {
	switch v {
	case "yes", "true", "1", "on":
		return true, true
	case "no", "false", "0", "off":
		return false, true
	}
	return false, false
}

func parseDual(v string) (DualTimestamp, bool) {
	r, m, ok := strings.Cut(v, " ")
	if !ok {
		return DualTimestamp{}, false
	}
	rt, err1 := strconv.ParseUint(r, 10, 64)
	mt, err2 := strconv.ParseUint(m, 10, 64)
	if err1 != nil || err2 != nil {
		return DualTimestamp{}, false
	}
	return DualTimestamp{Realtime: rt, Monotonic: mt}, true
}

// parsePID is a positive PID.
func parsePID(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 1<<22 {
		return 0, false
	}
	return n, true
}

// parseFDRef splits "N rest" and claims fd N from fds.
func parseFDRef(v string, fds *FDSet) (fd int, rest string, ok bool) {
	num, rest, _ := strings.Cut(v, " ")
	n, err := strconv.Atoi(num)
	if err != nil || fds == nil {
		return -1, rest, false
	}
	fd, ok = fds.take(n)
	return fd, rest, ok
}

// stateIndex finds name in a table of sub-state names.
func stateIndex(names []string, name string) (int, bool) {
	for i, n := range names {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

// FDSet is the set of file descriptors daemon-reexec hands to the new
// process. On the old side it holds copies without close-on-exec; on the
// new side, what the process found open and not close-on-exec, each
// claimed at most once.
type FDSet struct {
	fds map[int]bool // number → claimed (new side)
}

// NewFDSet is an empty set, for serializing.
func NewFDSet() *FDSet { return &FDSet{fds: map[int]bool{}} }

// Dup adds a copy of fd that survives exec and returns its number.
func (s *FDSet) Dup(fd int) (int, error) {
	n, err := unix.Dup(fd) // dup(2) leaves the copy without FD_CLOEXEC
	if err != nil {
		return -1, err
	}
	s.fds[n] = false
	return n, nil
}

// Adopt adds fd, already without close-on-exec, to the set; the set owns
// it from now on.
func (s *FDSet) Adopt(fd int) { s.fds[fd] = false }

// Numbers lists the set's fds in order.
func (s *FDSet) Numbers() []int {
	out := make([]int, 0, len(s.fds))
	for n := range s.fds {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// Close closes every fd of the set: the old side after a failed exec.
func (s *FDSet) Close() {
	for n := range s.fds {
		unix.Close(n)
	}
	clear(s.fds)
}

// CollectFDs is the new process's set: every fd from 3 up that is open
// without close-on-exec, except the given ones. Each gets close-on-exec
// at once, so that no child inherits it.
func CollectFDs(except ...int) (*FDSet, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, fmt.Errorf("listing passed fds: %w", err)
	}
	s := NewFDSet()
	skip := map[int]bool{}
	for _, e := range except {
		skip[e] = true
	}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n < 3 || skip[n] {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(n), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue
		}
		unix.CloseOnExec(n)
		s.fds[n] = false
	}
	return s, nil
}

// take claims fd n: it must be in the set and not claimed before. The
// claimer owns it.
func (s *FDSet) take(n int) (int, bool) {
	if s == nil {
		return -1, false
	}
	claimed, ok := s.fds[n]
	if !ok || claimed {
		return -1, false
	}
	s.fds[n] = true
	unix.CloseOnExec(n)
	return n, true
}

// TakeFile claims fd n as an *os.File named name; nil if n is not in the
// set or was claimed already.
func (s *FDSet) TakeFile(n int, name string) *os.File {
	fd, ok := s.take(n)
	if !ok {
		return nil
	}
	return os.NewFile(uintptr(fd), name)
}

// CloseRest closes every fd nobody claimed (252 closes the fds it was
// passed and did not use once it is up).
func (s *FDSet) CloseRest() {
	if s == nil {
		return
	}
	for n, claimed := range s.fds {
		if !claimed {
			unix.Close(n)
			delete(s.fds, n)
		}
	}
}

// dualOf is a time.Time (with its monotonic reading) as a DualTimestamp.
func dualOf(t time.Time) DualTimestamp {
	if t.IsZero() {
		return DualTimestamp{}
	}
	n := now()
	ago := uint64(time.Since(t).Microseconds())
	if ago > n.Monotonic {
		ago = n.Monotonic
	}
	return DualTimestamp{Realtime: uint64(t.UnixMicro()), Monotonic: n.Monotonic - ago}
}

// ReexecuteLoop asks for daemon-reexec: Run returns with
// ObjectiveReexecute. onFail, if set, is told if the exec fails.
func (m *Manager) ReexecuteLoop(onFail func(error)) {
	if onFail != nil {
		m.reexec.onFail = append(m.reexec.onFail, onFail)
	}
	m.setObjective(ObjectiveReexecute)
}

// SerializeLoop writes the manager's state for daemon-reexec, with the
// caller's items added to the manager section; fd copies go to fds. It
// runs once Run returned with ObjectiveReexecute, and stops the
// notification receiver (its socket goes to the new process; the
// datagrams it holds then wait there). ReexecFailedLoop undoes that.
func (m *Manager) SerializeLoop(fds *FDSet, extra []Item) ([]byte, error) {
	if m.notify != nil {
		// Whatever the socket delivered so far is handled first, as 252
		// dispatches its event sources before leaving the loop.
		m.drainNotify()
	}
	m.reexec.unitsLoad = now()
	w := &stateWriter{fds: fds}
	w.line(serializationHeader)
	for _, it := range extra {
		w.item(it.Key, encodeValue(it.Value))
	}
	started := dualOf(m.started)
	if m.reexec.startedMono != 0 {
		started.Monotonic = m.reexec.startedMono
	}
	w.dual("manager-started", started)
	w.dual("units-load-timestamp", m.reexec.unitsLoad)
	for _, p := range m.reexec.phases.named() {
		w.dual(p.name, *p.t)
	}
	w.uint("last-job", uint64(m.lastJob))
	w.uint("n-installed-jobs", uint64(m.nInstalledJobs))
	w.uint("n-failed-jobs", uint64(m.nFailedJobs))
	w.bool("startup-done", m.startupDone)
	w.bool("ready-sent", m.readySent)
	if !m.switchingRoot() {
		// The environment set over the bus is for the old root.
		for _, e := range m.clientEnv {
			w.item("env", encodeValue(e))
		}
	}
	if j := m.startupJob; j != nil && j.unit != nil {
		w.uint("startup-job", uint64(j.id))
		w.str("startup-unit", j.unit.ID())
	}
	if m.notify != nil {
		n, err := fds.Dup(m.notify.Fd())
		if err != nil {
			return nil, fmt.Errorf("copying the notification socket: %w", err)
		}
		w.int("notify-fd", int64(n))
		m.notify.Close()
		m.notify = nil
		m.reexec.notifyCopy, m.reexec.notifyCopySet = n, true
	}
	w.line("")
	for _, u := range m.order {
		if m.switchingRoot() && excludedFromSwitchRoot(u.cfg.Type) {
			m.logUnit(u, LevelDebug, "not serializing before switch-root")
			continue
		}
		m.serializeUnit(w, u)
	}
	return w.b.Bytes(), w.err
}

// ReexecFailedLoop is told that the exec did not happen: the manager
// takes up its notification socket again and goes on as before (Run may
// be called again); the callers of ReexecuteLoop hear of err. fds is
// still open: the caller closes it afterwards.
func (m *Manager) ReexecFailedLoop(err error) {
	if m.reexec.notifyCopySet && m.notify == nil {
		if n, derr := unix.Dup(m.reexec.notifyCopy); derr == nil {
			if r, aerr := notify.Adopt(n, notifyQueue); aerr == nil {
				m.notify = r
			} else {
				m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to take up the notification socket again: %v", aerr)})
			}
		}
	}
	m.reexec.notifyCopySet = false
	m.objective, m.exiting = ObjectiveOK, false
	fail := m.reexec.onFail
	m.reexec.onFail = nil
	for _, f := range fail {
		f(err)
	}
}

// serializeUnit writes u's section: the type's items, then the unit's.
func (m *Manager) serializeUnit(w *stateWriter, u *Unit) {
	w.line("unit " + u.ID())
	if s, ok := u.kind.(serializer); ok {
		m.safely("serializing "+u.ID(), func() { s.serialize(w) })
	}
	if u.invocationID != "" {
		w.item("invocation-id", u.invocationID)
	}
	if m.transient[u.ID()] {
		w.bool("transient", true)
	}
	if u.cfg.LoadedAtStartup() {
		w.bool("loaded-at-startup", true)
	}
	w.item("freezer-state", u.freezer.state.String())
	w.dual("state-change-timestamp", u.stateChange)
	w.dual("inactive-exit-timestamp", u.inactiveExit)
	w.dual("active-enter-timestamp", u.activeEnter)
	w.dual("active-exit-timestamp", u.activeExit)
	w.dual("inactive-enter-timestamp", u.inactiveEnter)
	w.dual("condition-timestamp", u.conditionTime)
	w.dual("assert-timestamp", u.assertTime)
	if u.conditionTime.IsSet() {
		w.bool("condition-result", u.conditionResult)
	}
	if u.assertTime.IsSet() {
		w.bool("assert-result", u.assertResult)
	}
	if u.cpuUsageCached {
		w.uint("cpu-usage-last", u.cpuUsageLast)
	}
	if u.notAppliedLogged {
		w.bool("not-applied-logged", true)
	}
	if u.markers != 0 {
		w.item("markers", strings.Join(u.markers.Names(), " "))
	}
	if j := u.job; j != nil && !m.switchingRoot() {
		v := fmt.Sprintf("%d %s %s", j.id, j.typ, j.State())
		if j.irreversible {
			v += " irreversible"
		}
		if j.ignoreOrder {
			v += " ignore-order"
		}
		w.item("job", v)
	}
	w.line("")
}

// AdoptNotifyLoop takes up the notification socket the serialization
// passed, if it is one bound at path; otherwise it opens a new one there
// (ListenNotifyLoop).
func (m *Manager) AdoptNotifyLoop(st *Serialization, fds *FDSet, path string) error {
	if v, ok := st.Value("notify-fd"); ok {
		if fd, _, ok := parseFDRef(v, fds); ok {
			if sa, err := unix.Getsockname(fd); err == nil {
				if ua, ok := sa.(*unix.SockaddrUnix); ok && ua.Name == path {
					r, err := notify.Adopt(fd, notifyQueue)
					if err == nil {
						m.notify = r
						return nil
					}
					m.log(LogEntry{Level: LevelWarning, Message: fmt.Sprintf("Failed to take up the passed notification socket, opening a new one: %v", err)})
					return m.ListenNotifyLoop(path)
				}
			}
			unix.Close(fd)
		}
	}
	return m.ListenNotifyLoop(path)
}

// StartupDeserializeLoop is manager_startup with a serialization: the
// units that always exist and those the system has are loaded, every
// serialized unit is loaded and gets its state back, the types resume
// what they had running, and the fds nobody claimed are closed. No boot
// transaction is queued.
func (m *Manager) StartupDeserializeLoop(st *Serialization, fds *FDSet) {
	m.reexec.deserializing = true
	m.reexec.unitsLoad = now()
	defer func() {
		// Whatever happened, the manager leaves the restoring mode and
		// the old process's clients are let go.
		m.reexec.deserializing = false
		fds.CloseRest()
	}()
	// The units loaded at startup before stay so; nothing else is.
	m.loader.StartupUnits = map[string]bool{}
	for _, us := range st.Units {
		for _, it := range us.Items {
			if b, ok := parseBool(it.Value); it.Key == "loaded-at-startup" && ok && b {
				m.loader.StartupUnits[us.Name] = true
			}
		}
	}
	m.StartupLoop()
	m.loader.Startup = false
	var startupJob uint32
	var startupUnit string
	for _, it := range st.Items {
		m.deserializeManagerItem(it, &startupJob, &startupUnit)
	}
	var names []string
	for _, us := range st.Units {
		if unitname.IsValid(us.Name, unitname.Plain|unitname.Instance) && m.units[us.Name] == nil {
			names = append(names, us.Name)
		}
	}
	for _, us := range st.Units {
		for _, it := range us.Items {
			if b, ok := parseBool(it.Value); it.Key == "transient" && ok && b {
				m.transient[us.Name] = true
			}
		}
	}
	m.safely("loading serialized units", func() { m.loadUnitsLoop(names) })
	var restored []*Unit
	seen := map[*Unit]bool{}
	for _, us := range st.Units {
		u := m.units[us.Name]
		if u == nil || !unitname.IsValid(us.Name, unitname.Plain|unitname.Instance) {
			m.log(LogEntry{Level: LevelNotice, Message: fmt.Sprintf("Failed to load unit \"%s\", skipping deserialization.", us.Name)})
			continue
		}
		if seen[u] {
			m.logUnit(u, LevelNotice, "Serialized twice, skipping the second.")
			continue
		}
		seen[u] = true
		items := us.Items
		m.safely("deserializing "+u.ID(), func() { m.deserializeUnit(u, items, fds) })
		restored = append(restored, u)
	}
	if m.lastJob < m.maxJobID() {
		m.lastJob = m.maxJobID()
	}
	for _, u := range restored {
		if s, ok := u.kind.(serializer); ok {
			m.safely("resuming "+u.ID(), s.resume)
		}
	}
	m.reexec.acceptSockets = nil
	if startupJob != 0 {
		if j := m.jobs[startupJob]; j != nil {
			m.startupJob = j
		} else if u := m.units[startupUnit]; u != nil {
			// The boot's job is gone; what remains is which unit it was
			// for (the Finish timestamp is that unit's).
			m.startupJob = &Job{m: m, id: startupJob, unit: u, typ: jobStart, result: resultDone}
		}
	}
	m.reexec.deserializing = false
	for _, u := range m.order {
		u.lastState = u.ActiveState()
	}
	// 252's manager_catchup: what changed while no manager watched.
	for _, u := range restored {
		if c, ok := u.kind.(interface{ catchup() }); ok {
			m.safely("catching up "+u.ID(), c.catchup)
		}
	}
	for _, j := range m.JobsLoop() {
		if !j.running {
			m.addToRunQueue(j)
		}
	}
	for _, u := range append([]*Unit(nil), m.order...) {
		m.addToGCQueue(u)
		m.obs.UnitChanged(u)
	}
	m.checkFinished()
}

func (m *Manager) maxJobID() uint32 {
	var n uint32
	for id := range m.jobs {
		n = max(n, id)
	}
	return n
}

// deserializeManagerItem takes one manager item; the daemon's own items
// are not the manager's business and pass by.
func (m *Manager) deserializeManagerItem(it Item, startupJob *uint32, startupUnit *string) {
	bad := func() {
		m.log(LogEntry{Level: LevelNotice, Message: fmt.Sprintf("Failed to parse %s value '%s', ignoring.", it.Key, it.Value)})
	}
	switch it.Key {
	case "manager-started":
		t, ok := parseDual(it.Value)
		cur := now()
		if !ok || t.Monotonic > cur.Monotonic {
			bad()
			return
		}
		m.started = time.Now().Add(-time.Duration(cur.Monotonic-t.Monotonic) * time.Microsecond)
		m.reexec.startedMono = t.Monotonic
	case "units-load-timestamp":
		if t, ok := parseDual(it.Value); ok {
			m.reexec.unitsLoad = t
		} else {
			bad()
		}
	case "userspace-timestamp", "generators-start-timestamp", "generators-finish-timestamp",
		"units-load-start-timestamp", "units-load-finish-timestamp", "finish-timestamp":
		for _, p := range m.reexec.phases.named() {
			if p.name != it.Key {
				continue
			}
			if t, ok := parseDual(it.Value); ok {
				*p.t = t
			} else {
				bad()
			}
		}
	case "n-installed-jobs":
		if n, err := strconv.ParseUint(it.Value, 10, 32); err == nil {
			m.nInstalledJobs = uint32(n)
		} else {
			bad()
		}
	case "n-failed-jobs":
		if n, err := strconv.ParseUint(it.Value, 10, 32); err == nil {
			m.nFailedJobs = uint32(n)
		} else {
			bad()
		}
	case "last-job":
		if n, err := strconv.ParseUint(it.Value, 10, 32); err == nil {
			m.lastJob = max(m.lastJob, uint32(n))
		} else {
			bad()
		}
	case "env":
		if s, ok := decodeValue(it.Value); ok {
			m.ModifyEnvironmentLoop(nil, []string{s})
		} else {
			bad()
		}
	case "startup-done":
		if b, ok := parseBool(it.Value); ok {
			m.startupDone = m.startupDone || b
		} else {
			bad()
		}
	case "ready-sent":
		if b, ok := parseBool(it.Value); ok {
			m.readySent = m.readySent || b
		} else {
			bad()
		}
	case "startup-job":
		if n, err := strconv.ParseUint(it.Value, 10, 32); err == nil && n > 0 {
			*startupJob = uint32(n)
		} else {
			bad()
		}
	case "startup-unit":
		if s, ok := decodeValue(it.Value); ok {
			*startupUnit = s
		} else {
			bad()
		}
	}
}

// deserializeUnit restores u from its items: the unit's own, then the
// type's (unknown ones are skipped).
func (m *Manager) deserializeUnit(u *Unit, items []Item, fds *FDSet) {
	s, _ := u.kind.(serializer)
	for _, it := range items {
		if m.deserializeUnitItem(u, it) {
			continue
		}
		if s != nil && s.deserializeItem(it.Key, it.Value, fds) {
			continue
		}
		m.logUnit(u, LevelDebug, "Unknown serialization item '%s', ignoring.", it.Key)
	}
	// As 252: a state that never changed has changed now.
	if !u.stateChange.IsSet() {
		u.stateChange = now()
	}
}

// deserializeUnitItem takes the items every unit has; false for others.
func (m *Manager) deserializeUnitItem(u *Unit, it Item) bool {
	dual := func(t *DualTimestamp) {
		if v, ok := parseDual(it.Value); ok {
			*t = v
		} else {
			m.logUnit(u, LevelDebug, "Failed to parse \"%s=%s\", ignoring.", it.Key, it.Value)
		}
	}
	boolean := func(b *bool) {
		if v, ok := parseBool(it.Value); ok {
			*b = v
		} else {
			m.logUnit(u, LevelDebug, "Failed to parse \"%s=%s\", ignoring.", it.Key, it.Value)
		}
	}
	switch it.Key {
	case "transient", "loaded-at-startup":
		return true // read before loading (StartupDeserializeLoop)
	case "invocation-id":
		if validInvocationID(it.Value) {
			u.invocationID = it.Value
		} else {
			m.logUnit(u, LevelDebug, "Failed to parse \"%s=%s\", ignoring.", it.Key, it.Value)
		}
	case "state-change-timestamp":
		dual(&u.stateChange)
	case "inactive-exit-timestamp":
		dual(&u.inactiveExit)
	case "active-enter-timestamp":
		dual(&u.activeEnter)
	case "active-exit-timestamp":
		dual(&u.activeExit)
	case "inactive-enter-timestamp":
		dual(&u.inactiveEnter)
	case "condition-timestamp":
		dual(&u.conditionTime)
	case "assert-timestamp":
		dual(&u.assertTime)
	case "condition-result":
		boolean(&u.conditionResult)
	case "assert-result":
		boolean(&u.assertResult)
	case "cpu-usage-last":
		if n, err := strconv.ParseUint(it.Value, 10, 64); err == nil {
			u.cpuUsageLast, u.cpuUsageCached = n, true
		}
	case "not-applied-logged":
		boolean(&u.notAppliedLogged)
	case "markers":
		// Unknown words are skipped, as 252 does.
		for _, word := range strings.Fields(it.Value) {
			if mk, ok := ParseMarker(word); ok {
				u.markers |= mk
			}
		}
	case "freezer-state":
		for s := FreezerRunning; s <= FreezerThawing; s++ {
			if s.String() == it.Value {
				// A transition waits for the kernel again.
				m.setFreezerState(u, s)
			}
		}
	case "job":
		m.deserializeJob(u, it.Value)
	default:
		return false
	}
	return true
}

func validInvocationID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// deserializeJob installs the job a unit had (job_install_deserialized):
// "ID TYPE STATE [irreversible] [ignore-order]".
func (m *Manager) deserializeJob(u *Unit, v string) {
	f := strings.Fields(v)
	bad := func(why string) {
		m.logUnit(u, LevelWarning, "Failed to deserialize job \"%s\" (%s), ignoring.", v, why)
	}
	if len(f) < 3 {
		bad("too few fields")
		return
	}
	id, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil || id == 0 {
		bad("bad ID")
		return
	}
	t, ok := job.ParseType(f[1])
	if !ok || t > job.Nop {
		bad("bad type")
		return
	}
	var running bool
	switch f[2] {
	case "running":
		running = true
	case "waiting":
	default:
		bad("bad state")
		return
	}
	if u.job != nil {
		bad("unit has a job already")
		return
	}
	if m.jobs[uint32(id)] != nil {
		bad("job ID taken")
		return
	}
	j := &Job{m: m, id: uint32(id), unit: u, typ: t}
	j.timer.begin = time.Now()
	m.setJobRunning(j, running)
	for _, flag := range f[3:] {
		switch flag {
		case "irreversible":
			j.irreversible = true
		case "ignore-order":
			j.ignoreOrder = true
		}
	}
	m.jobs[j.id] = j
	u.job = j
	m.obs.JobNew(j)
}

// stateTimer arms fn for what is left of a timeout of usec that began
// when u last changed state (252's *_coldplug_timeout); none for 0 or
// infinity.
func (m *Manager) stateTimer(u *Unit, usec uint64, fn func()) *timerEntry {
	if usec == 0 || usec == usecInfinity || usec > uint64(1<<62) {
		return nil
	}
	deadline := u.stateChange.Monotonic + usec
	cur := now().Monotonic
	left := uint64(0)
	if deadline > cur {
		left = deadline - cur
	}
	return m.afterLoop(time.Duration(left)*time.Microsecond, fn)
}

// pidUnwaited is pid_is_unwaited: the process exists, a zombie included.
func pidUnwaited(pid int) bool {
	return pid > 0 && (unix.Kill(pid, 0) == nil || errors.Is(unix.Kill(pid, 0), unix.EPERM))
}
