package manager

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/state"
	"gosystemd/impl/udev"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// swapState is a swap's sub-state (252's SwapState).
type swapState int

const (
	swpDead swapState = iota
	swpActivating
	swpActivatingDone
	swpActive
	swpDeactivating
	swpDeactivatingSigterm
	swpDeactivatingSigkill
	swpFailed
	swpCleaning
)

var swapStateNames = [...]string{"dead", "activating", "activating-done", "active", "deactivating",
	"deactivating-sigterm", "deactivating-sigkill", "failed", "cleaning"}

var swapActive = [...]state.Active{
	swpDead: state.Inactive, swpActivating: state.Activating, swpActivatingDone: state.Active_,
	swpActive: state.Active_, swpDeactivating: state.Deactivating, swpDeactivatingSigterm: state.Deactivating,
	swpDeactivatingSigkill: state.Deactivating, swpFailed: state.Failed, swpCleaning: state.Maintenance,
}

func (s swapState) withProcess() bool {
	switch s {
	case swpActivating, swpActivatingDone, swpDeactivating, swpDeactivatingSigterm, swpDeactivatingSigkill, swpCleaning:
		return true
	}
	return false
}

const (
	swapExecActivate = iota
	swapExecDeactivate
)

var swapExecNames = [...]string{"ExecActivate", "ExecDeactivate"}

// procSwaps is the swap table swap units follow.
var procSwaps = "/proc/swaps"

// swapEntry is one line of /proc/swaps; as a unit's entry, alias is the
// name of the device the unit is named after (the line's device, its
// node or one of its links).
type swapEntry struct {
	what     string
	priority int
	alias    string
}

// swapTable is the swap table a manager follows.
type swapTable struct {
	current map[string]swapEntry // by unit name
	// byDevnode lists the swap units of each device node, the last
	// loaded first (252's same_devnode lists).
	byDevnode map[string][]*swap
	watch     procWatch
	// spreading is set while enterDeadOrActive reaches a node's other
	// units.
	spreading bool
	watching  bool
	scanning  bool
}

// swap is the swap unit type.
type swap struct {
	u *Unit
	t *swapTable

	state               swapState
	result, cleanResult mountResult

	fromProc bool
	proc     swapEntry
	// name is the device path a unit made from /proc/swaps is named
	// after (252's what of such a unit).
	name string
	// devnode is the device node What= resolved to when the unit was
	// loaded ("" if it was no block device then).
	devnode string

	controlPID int
	controlCmd int
	exec       [2]controlCmd
	timer      *timerEntry
}

func init() {
	typeConstructors[unitname.Swap] = func(u *Unit) unitType { return newSwap(u) }
	enumerators = append(enumerators, enumerateSwaps)
}

func newSwap(u *Unit) *swap {
	t := &kernelOf(u.m).swaps
	s := &swap{u: u, t: t, result: mntSuccess, cleanResult: mntSuccess, controlCmd: -1}
	// A unit made for a name of a swap the kernel has is that name's;
	// the table's reading then marks it (follow).
	if e, ok := t.current[u.ID()]; ok {
		s.name = e.alias
	}
	u.conditionResult, u.assertResult = false, false
	s.setDevnode(blockDevnode(s.what()))
	return s
}

// setDevnode is swap_set_devnode: the unit leaves its node's list and
// goes first in node's.
func (s *swap) setDevnode(node string) {
	t := s.t
	if s.devnode != "" {
		l := t.byDevnode[s.devnode]
		for i, o := range l {
			if o == s {
				l = append(l[:i:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(t.byDevnode, s.devnode)
		} else {
			t.byDevnode[s.devnode] = l
		}
		s.devnode = ""
	}
	if node == "" {
		return
	}
	if t.byDevnode == nil {
		t.byDevnode = map[string][]*swap{}
	}
	s.devnode = node
	t.byDevnode[node] = append([]*swap{s}, t.byDevnode[node]...)
}

// sameDevnode are the other units of the unit's device node, in list
// order (252's LIST_FOREACH_OTHERS).
func (s *swap) sameDevnode() []*swap {
	if s.devnode == "" {
		return nil
	}
	var out []*swap
	for _, o := range s.t.byDevnode[s.devnode] {
		if o != s {
			out = append(out, o)
		}
	}
	return out
}

// release takes the unit off its node's list (swap_done).
func (s *swap) release() { s.setDevnode("") }

// following is swap_following: a swap configured in a unit file (fstab)
// is followed by the other names of its node; otherwise every name
// follows the unit named after the node itself, or else the first of
// the node's list (the last loaded).
func (s *swap) following() *Unit {
	if s.u.cfg.FragmentPath != "" || s.devnode == "" {
		return nil
	}
	for _, o := range s.sameDevnode() {
		if o.u.cfg.FragmentPath != "" {
			return o.u
		}
	}
	if s.what() == s.devnode {
		return nil
	}
	if o, ok := followInList(s.t.byDevnode[s.devnode], s, func(o *swap) bool { return o.what() == o.devnode }); ok {
		return o.u
	}
	return nil
}

// followingSet is swap_following_set: the node's other units.
func (s *swap) followingSet() []*Unit {
	var out []*Unit
	for _, o := range s.sameDevnode() {
		out = append(out, o.u)
	}
	return out
}

func (s *swap) activeState() state.Active { return swapActive[s.state] }

// reloadConfig: after daemon-reload, as 252 after deserializing.
func (s *swap) reloadConfig() {
	installKernelHook(s.u.m)
	s.setDevnode(blockDevnode(s.what()))
	for i := range s.exec {
		if i != s.controlCmd {
			s.exec[i] = controlCmd{}
		}
	}
	reloadedUnit(s.u)
}

// mayGC is swap_may_gc: a swap the kernel has stays.
func (s *swap) mayGC() bool      { return !s.fromProc }
func (s *swap) subState() string { return swapStateNames[s.state] }
func (s *swap) canReload() bool  { return false }
func (s *swap) reload() error    { return errBadR }

// supported is swap_supported: the kernel has swap and this is no
// container.
func (s *swap) supported() bool { return s.u.m.cfg.Defaults.SwapSupported }

func (s *swap) what() string {
	if w := s.u.cfg.Swap.What; w != "" {
		return w
	}
	if s.name != "" {
		return s.name
	}
	return s.proc.what
}

func (s *swap) setState(ns swapState) {
	os := s.state
	s.state = ns
	if !ns.withProcess() {
		s.timer.cancel()
		s.timer = nil
		if s.controlPID > 0 {
			s.u.m.unwatchPIDLoop(s.controlPID, s.u)
			s.controlPID = 0
		}
		s.controlCmd = -1
	}
	if os != ns {
		s.u.m.logUnit(s.u, LevelDebug, "Changed %s -> %s", swapStateNames[os], swapStateNames[ns])
	}
	s.u.notify(swapActive[os], swapActive[ns], true)
	// A job of another name of the node may wait for this one (start).
	for _, o := range s.sameDevnode() {
		if o.u.job != nil {
			s.u.m.addToRunQueue(o.u.job)
		}
	}
}

func (s *swap) armTimer() {
	s.timer.cancel()
	s.timer = s.u.m.usecTimer(s.u.cfg.Swap.TimeoutUSec, s.timeout)
}

func (s *swap) start() error {
	if !s.supported() {
		return errUnsupported
	}
	switch s.state {
	case swpDeactivating, swpDeactivatingSigterm, swpDeactivatingSigkill, swpCleaning:
		return errAgain
	case swpActivating:
		return nil
	}
	// Another name of the node being started or stopped goes first.
	for _, o := range s.sameDevnode() {
		if o.u.job != nil && o.u.job.running {
			return errAgain
		}
	}
	s.u.invocationID = newInvocationID()
	s.result = mntSuccess
	for i := range s.exec {
		s.exec[i].run = execRun{}
	}
	s.enterActivating()
	return nil
}

func (s *swap) stop() error {
	switch s.state {
	case swpDeactivating, swpDeactivatingSigterm, swpDeactivatingSigkill:
	case swpActivating, swpActivatingDone:
		s.enterSignal(swpDeactivatingSigterm, mntSuccess)
	case swpActive:
		if !s.supported() {
			return errUnsupported
		}
		s.enterDeactivating()
		return nil
	case swpCleaning:
		s.enterSignal(swpDeactivatingSigkill, mntSuccess)
	}
	return errQuiet
}

func (s *swap) resetFailed() {
	if s.state == swpFailed {
		s.setState(swpDead)
	}
	s.result, s.cleanResult = mntSuccess, mntSuccess
}

func (s *swap) enterDead(f mountResult) {
	if s.result == mntSuccess {
		s.result = f
	}
	s.u.m.logResult(s.u, string(s.result))
	if s.result != mntSuccess {
		s.setState(swpFailed)
	} else {
		s.setState(swpDead)
	}
}

func (s *swap) enterActive(f mountResult) {
	if s.result == mntSuccess {
		s.result = f
	}
	s.setState(swpActive)
}

// enterDeadOrActive is swap_enter_dead_or_active: a swap the kernel has
// is active, and so are its other names that have a job.
func (s *swap) enterDeadOrActive(f mountResult) {
	if !s.fromProc {
		s.enterDead(f)
		return
	}
	s.enterActive(f)
	if s.t.spreading {
		return
	}
	s.t.spreading = true
	defer func() { s.t.spreading = false }()
	for _, o := range s.sameDevnode() {
		if o.u.job != nil {
			o.enterDeadOrActive(f)
		}
	}
}

func (s *swap) enterSignal(st swapState, f mountResult) {
	if s.result == mntSuccess {
		s.result = f
	}
	op := killKill
	if st == swpDeactivatingSigterm {
		op = killTerminate
		if s.u.job != nil && s.u.job.typ == jobRestart {
			op = killRestart
		}
	}
	if s.u.m.killContext(s.u, op, 0, s.controlPID, false) {
		s.armTimer()
		s.setState(st)
		return
	}
	if st == swpDeactivatingSigterm && (s.u.cfg.Kill == nil || s.u.cfg.Kill.SendSIGKILL) {
		s.enterSignal(swpDeactivatingSigkill, mntSuccess)
		return
	}
	s.enterDeadOrActive(mntSuccess)
}

func (s *swap) spawn(c int, argv []string, st swapState) error {
	s.controlCmd = c
	s.exec[c].set(argv)
	if s.controlPID > 0 {
		s.u.m.unwatchPIDLoop(s.controlPID, s.u)
		s.controlPID = 0
	}
	s.armTimer()
	pid, err := s.u.m.spawnControl(s.u, &s.exec[c])
	if err != nil {
		return err
	}
	s.controlPID = pid
	s.setState(st)
	return nil
}

// enterActivating is swap_enter_activating.
func (s *swap) enterActivating() {
	m, u := s.u.m, s.u
	frag := u.cfg.FragmentPath != ""
	sw := u.cfg.Swap
	var opts string
	if frag {
		pri, found, err := fstabFindPri(sw.Options)
		_ = pri
		switch {
		case err != nil:
			m.logUnit(u, LevelWarning, "Failed to parse swap priority \"%s\", ignoring: %s", sw.Options, errnoText(err))
		case found && sw.PrioritySet:
			m.logUnit(u, LevelWarning, "Duplicate swap priority configuration by Priority= and Options= fields.")
		}
		if (err != nil || !found) && sw.PrioritySet {
			if sw.Options != "" {
				opts = fmt.Sprintf("%s,pri=%d", sw.Options, sw.Priority)
			} else {
				opts = fmt.Sprintf("pri=%d", sw.Priority)
			}
		}
	}
	argv := []string{"/sbin/swapon", "--fixpgsz"}
	if opts != "" {
		argv = append(argv, "-o", opts)
	} else if sw.Options != "" {
		argv = append(argv, "-o", sw.Options)
	}
	argv = append(argv, s.what())
	if err := s.spawn(swapExecActivate, argv, swpActivating); err != nil {
		m.logUnit(u, LevelWarning, "Failed to run 'swapon' task: %s", errnoText(err))
		s.enterDeadOrActive(mntResources)
	}
}

// fstabFindPri is fstab_find_pri: the last pri= of an option string.
func fstabFindPri(opts string) (int, bool, error) {
	pri, found := 0, false
	for _, o := range strings.Split(opts, ",") {
		v, ok := strings.CutPrefix(o, "pri=")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return 0, false, err
		}
		pri, found = int(n), true
	}
	return pri, found, nil
}

func (s *swap) enterDeactivating() {
	if err := s.spawn(swapExecDeactivate, []string{"/sbin/swapoff", s.what()}, swpDeactivating); err != nil {
		s.u.m.logUnit(s.u, LevelWarning, "Failed to run 'swapoff' task: %s", errnoText(err))
		s.enterDeadOrActive(mntResources)
	}
}

// childExited is swap_sigchld_event.
func (s *swap) childExited(pid, code, status int) {
	if pid != s.controlPID {
		return
	}
	m := s.u.m
	if s.supported() {
		s.t.rescan(m, false)
	}
	m.unwatchPIDLoop(pid, s.u)
	s.controlPID = 0
	f := mntSuccess
	switch {
	case code == cldExited && status == 0:
	case code == cldExited:
		f = mntExitCode
	case code == cldKilled:
		f = mntSignal
	default:
		f = mntCoreDump
	}
	if s.result == mntSuccess {
		s.result = f
	}
	if s.controlCmd >= 0 {
		s.exec[s.controlCmd].exited(code, status)
		s.controlCmd = -1
	}
	m.logProcessExit(s.u, "Swap process", "n/a", f == mntSuccess, code, status)
	switch s.state {
	case swpActivating, swpActivatingDone:
		if f == mntSuccess || s.fromProc {
			s.enterActive(f)
		} else {
			s.enterDead(f)
		}
	case swpDeactivating, swpDeactivatingSigkill, swpDeactivatingSigterm:
		s.enterDeadOrActive(f)
	case swpCleaning:
		if s.cleanResult == mntSuccess {
			s.cleanResult = f
		}
		s.enterDead(mntSuccess)
	}
	m.obs.UnitChanged(s.u)
}

func (s *swap) timeout() {
	s.timer = nil
	m, u := s.u.m, s.u
	switch s.state {
	case swpActivating, swpActivatingDone:
		m.logUnit(u, LevelWarning, "Activation timed out. Stopping.")
		s.enterSignal(swpDeactivatingSigterm, mntTimeout)
	case swpDeactivating:
		m.logUnit(u, LevelWarning, "Deactivation timed out. Stopping.")
		s.enterSignal(swpDeactivatingSigterm, mntTimeout)
	case swpDeactivatingSigterm:
		if u.cfg.Kill == nil || u.cfg.Kill.SendSIGKILL {
			m.logUnit(u, LevelWarning, "Swap process timed out. Killing.")
			s.enterSignal(swpDeactivatingSigkill, mntTimeout)
		} else {
			m.logUnit(u, LevelWarning, "Swap process timed out. Skipping SIGKILL. Ignoring.")
			s.enterDeadOrActive(mntTimeout)
		}
	case swpDeactivatingSigkill:
		m.logUnit(u, LevelWarning, "Swap process still around after SIGKILL. Ignoring.")
		s.enterDeadOrActive(mntTimeout)
	case swpCleaning:
		m.logUnit(u, LevelWarning, "Cleaning timed out. killing.")
		if s.cleanResult == mntSuccess {
			s.cleanResult = mntTimeout
		}
		// 252 kills its removal process, and ends with its signal;
		// ours is abandoned.
		u.cleanGen++
		s.enterDeadOrActive(mntSignal)
	}
}

// follow applies one reading of /proc/swaps to the unit (the per-unit
// part of swap_process_proc_swaps).
func (s *swap) follow(e swapEntry, in, startup bool) {
	justActivated := in && !s.fromProc
	if in {
		s.fromProc, s.proc = true, e
		switch s.u.cfg.LoadState {
		case unit.LoadNotFound, unit.LoadBadSetting, unit.LoadError:
			s.u.cfg.LoadState, s.u.cfg.LoadErr = unit.Loaded, nil
		}
	}
	switch {
	case !in:
		s.fromProc, s.proc = false, swapEntry{}
		if s.state == swpActive {
			s.enterDead(mntSuccess)
		} else {
			s.setState(s.state)
		}
	case justActivated:
		switch s.state {
		case swpDead:
			if startup {
				// swap_coldplug: active from the start, without an
				// invocation.
				s.setState(swpActive)
				break
			}
			fallthrough
		case swpFailed:
			s.u.invocationID = newInvocationID()
			s.result = mntSuccess
			for i := range s.exec {
				s.exec[i].run = execRun{}
			}
			s.enterActive(mntSuccess)
		case swpActivating:
			s.setState(swpActivatingDone)
		default:
			s.setState(s.state)
		}
	}
}

func (s *swap) props(p map[string]any) {
	p["What"] = s.what()
	if f := s.following(); f != nil {
		p["Following"] = f.ID()
	}
	pri := int32(-1)
	switch {
	case s.fromProc:
		pri = int32(s.proc.priority)
	case s.u.cfg.Swap.PrioritySet:
		pri = s.u.cfg.Swap.Priority
	}
	p["Priority"] = pri
	p["ControlPID"] = uint32(s.controlPID)
	p["Result"] = string(s.result)
	p["CleanResult"] = string(s.cleanResult)
	for i := range s.exec {
		p[swapExecNames[i]] = s.exec[i].status()
	}
}

// swapNames are the names a swap device of /proc/swaps gets a unit for
// (swap_process_new): the device, and for a block device its node and
// the links udev made for it (but /dev/block's), those that still lead
// to it.
func swapNames(device string) []string {
	names := []string{device}
	var st unix.Stat_t
	if unix.Stat(device, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return names
	}
	node := blockDevnode(device)
	if node == "" {
		return names
	}
	if node != device {
		names = append(names, node)
	}
	data, err := os.ReadFile(fmt.Sprintf("/run/udev/data/b%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev)))
	if err != nil {
		return names
	}
	var d udev.Device
	udev.ParseDB(data, &d)
	for _, l := range d.Devlinks {
		if l == device || strings.HasPrefix(l, "/dev/block/") {
			continue
		}
		var lst unix.Stat_t
		if unix.Stat(l, &lst) == nil && (lst.Mode&unix.S_IFMT != unix.S_IFBLK || lst.Rdev != st.Rdev) {
			continue
		}
		names = append(names, l)
	}
	return names
}

// parseSwaps parses /proc/swaps as 252 scans it: a header line, then
// "device type size used priority" per swap; bad lines are skipped.
func parseSwaps(data []byte) []swapEntry {
	var out []swapEntry
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if i == 0 || len(out) >= maxMountEntries {
			continue
		}
		f := strings.Fields(string(line))
		if len(f) < 5 {
			continue
		}
		pri, err := strconv.Atoi(f[4])
		if err != nil {
			continue
		}
		out = append(out, swapEntry{what: strings.TrimSuffix(unmangle(f[0]), " (deleted)"), priority: pri})
	}
	return out
}

// enumerateSwaps is swap_enumerate: where swap is supported, every swap
// of the table gets a unit, active, and the table is watched.
func enumerateSwaps(m *Manager) {
	if !m.cfg.Defaults.SwapSupported {
		return
	}
	installKernelHook(m)
	t := &kernelOf(m).swaps
	t.rescan(m, true)
	if !t.watching {
		t.watching = true
		m.Watch("swaps", func() { t.watch.watch(m, procSwaps, func() { t.rescan(m, false) }) })
	}
}

// rescan is swap_process_proc_swaps; at startup, swap_enumerate and
// swap_coldplug.
func (t *swapTable) rescan(m *Manager, startup bool) {
	if t.scanning {
		return
	}
	t.scanning = true
	defer func() { t.scanning = false }()
	f, err := os.Open(procSwaps)
	if err != nil {
		m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to reread /proc/swaps: %s", errnoText(err))})
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, maxMountinfoBytes))
	f.Close()
	if err != nil {
		m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to reread /proc/swaps: %s", errnoText(err))})
		return
	}
	cur := map[string]swapEntry{}
	var fresh, nodes []string
	for _, e := range parseSwaps(data) {
		nodes = append(nodes, e.what)
		for _, alias := range swapNames(e.what) {
			name, err := unitname.FromPath(alias, ".swap")
			if err != nil {
				m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to generate unit name from path: %s", errnoText(err))})
				continue
			}
			prev := ""
			if x, dup := cur[name]; dup {
				prev = x.what
			} else if u := m.units[name]; u != nil {
				if s, ok := u.kind.(*swap); ok && s.fromProc {
					prev = s.proc.what
				}
			}
			if prev != "" && prev != e.what {
				m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Swap %s appeared twice with different device paths %s and %s", name, prev, e.what)})
				continue
			}
			if _, dup := cur[name]; dup {
				continue
			}
			x := e
			x.alias = alias
			cur[name] = x
			if m.units[name] == nil {
				fresh = append(fresh, name)
			}
		}
	}
	t.current = cur
	devicesSwapped(m, nodes)
	m.loadUnitsLoop(fresh)
	for _, u := range append([]*Unit(nil), m.order...) {
		s, ok := u.kind.(*swap)
		if !ok {
			continue
		}
		e, in := cur[u.ID()]
		m.safely("swap "+u.ID(), func() { s.follow(e, in, startup) })
	}
}
