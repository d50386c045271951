package manager

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// Path units (252's path.c): a path unit watches files with inotify and
// starts the unit it triggers when one of its conditions holds, then
// follows that unit until it is inactive again.
//
// Each PathXxx= setting has its own inotify fd, read by a Watch
// goroutine that Posts what it read back to the loop; the loop closes
// the fd (ending the goroutine) whenever it stops or renews the watch.

// pathState is a path unit's sub-state (252's PathState).
type pathState int

const (
	pathStateDead pathState = iota
	pathStateWaiting
	pathStateRunning
	pathStateFailed
)

var pathStateNames = [...]string{"dead", "waiting", "running", "failed"}

var pathStateActive = [...]state.Active{
	pathStateDead: state.Inactive, pathStateWaiting: state.Active_, pathStateRunning: state.Active_,
	pathStateFailed: state.Failed,
}

// Path results (252's PathResult).
const (
	pathResultSuccess           = "success"
	pathResultResources         = "resources"
	pathResultStartLimitHit     = "start-limit-hit"
	pathResultUnitStartLimitHit = "unit-start-limit-hit"
	pathResultTriggerLimitHit   = "trigger-limit-hit"
	pathInotifyEventBufferSize  = unix.SizeofInotifyEvent + unix.NAME_MAX + 1
	pathWatchFlagsParent        = unix.IN_MOVE_SELF | unix.IN_DELETE_SELF | unix.IN_CREATE | unix.IN_MOVED_TO
	pathWatchFlagsExists        = unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ATTRIB
	pathWatchFlagsChanged       = pathWatchFlagsExists | unix.IN_CLOSE_WRITE | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO
	pathWatchFlagsModified      = pathWatchFlagsChanged | unix.IN_MODIFY
	pathWatchFlagsDirNotEmpty   = pathWatchFlagsExists | unix.IN_CREATE | unix.IN_MOVED_TO
	pathTypeExists              = "PathExists"
	pathTypeExistsGlob          = "PathExistsGlob"
	pathTypeDirectoryNotEmpty   = "DirectoryNotEmpty"
	pathTypeChanged             = "PathChanged"
	pathTypeModified            = "PathModified"
)

// pathSpec is one PathXxx= setting with its watch.
type pathSpec struct {
	typ, path      string
	previousExists bool
	primaryWD      int
	// file is the inotify fd while watched; gen tells a read of an
	// older fd from one of the current.
	file *os.File
	gen  uint64
}

// pathRateLimit is 252's RateLimit as TriggerLimit*= uses it.
type pathRateLimit struct {
	interval   uint64
	burst      uint32
	begin, num uint64
}

// below is ratelimit_below.
func (r *pathRateLimit) below() bool {
	if r.interval == 0 || r.burst == 0 {
		return true
	}
	ts := tpClockUsec(unix.CLOCK_MONOTONIC)
	if r.begin == 0 || ts-r.begin > r.interval || ts < r.begin {
		r.begin, r.num = ts, 1
		return true
	}
	if r.num < uint64(r.burst) {
		r.num++
		return true
	}
	r.num++
	return false
}

// pathUnit is the path unit type.
type pathUnit struct {
	u   *Unit
	cfg *unit.Path

	state  pathState
	result string
	specs  []*pathSpec
	limit  pathRateLimit
	gen    uint64
	// deferred is the pending path_trigger_notify_on_defer call.
	deferred *timerEntry
	follow   tpJobFollower
}

func init() {
	typeConstructors[unitname.Path] = func(u *Unit) unitType { return newPathUnit(u) }
}

func newPathUnit(u *Unit) unitType {
	if u.cfg.Path == nil {
		return newUnsupported(u)
	}
	p := &pathUnit{u: u, cfg: u.cfg.Path, result: pathResultSuccess,
		limit: pathRateLimit{interval: u.cfg.Path.TriggerLimitInterval, burst: u.cfg.Path.TriggerLimitBurst}}
	for _, s := range u.cfg.Path.Specs {
		p.specs = append(p.specs, &pathSpec{typ: s.Type, path: filepath.Clean(s.Path)})
	}
	return p
}

func (p *pathUnit) activeState() state.Active { return pathStateActive[p.state] }
func (p *pathUnit) subState() string          { return pathStateNames[p.state] }
func (p *pathUnit) canReload() bool           { return false }
func (p *pathUnit) reload() error             { return errBadR }
func (p *pathUnit) childExited(int, int, int) {}

// setState is path_set_state.
func (p *pathUnit) setState(ns pathState) {
	os := p.state
	p.state = ns
	if ns != pathStateWaiting && ns != pathStateRunning {
		p.unwatch()
	}
	if os != ns {
		p.u.m.logUnit(p.u, LevelDebug, "Changed %s -> %s", pathStateNames[os], pathStateNames[ns])
	}
	p.u.notify(pathStateActive[os], pathStateActive[ns], true)
}

func (p *pathUnit) enterDead(f string) {
	if p.result == pathResultSuccess {
		p.result = f
	}
	tpLogResult(p.u, p.result == pathResultSuccess, p.result)
	if p.result != pathResultSuccess {
		p.setState(pathStateFailed)
	} else {
		p.setState(pathStateDead)
	}
}

// enterRunning is path_enter_running: start the triggered unit.
func (p *pathUnit) enterRunning(triggerPath string) {
	m := p.u.m
	if tpStopPending(p.u) {
		return
	}
	if !p.limit.below() {
		m.logUnit(p.u, LevelWarning, "Trigger limit hit, refusing further activation.")
		p.enterDead(pathResultTriggerLimitHit)
		return
	}
	trigger := tpTriggerOf(p.u)
	if trigger == nil {
		m.logUnit(p.u, LevelErr, "Unit to trigger vanished.")
		p.enterDead(pathResultResources)
		return
	}
	if _, err := m.EnqueueLoop(jobStart, trigger, job.Replace); err != nil {
		m.logUnit(p.u, LevelWarning, "Failed to queue unit startup job: %s", err.Error())
		p.enterDead(pathResultResources)
		return
	}
	p.setState(pathStateRunning)
	p.unwatch()
	p.follow.follow(trigger, p.triggerNotify)
}

// checkGood is path_check_good: the first setting whose condition holds,
// and the path that made it hold.
func (p *pathUnit) checkGood(initial, fromTriggerNotify bool) (string, bool) {
	for _, s := range p.specs {
		if path, ok := s.checkGood(initial, fromTriggerNotify); ok {
			return path, true
		}
	}
	return "", false
}

// enterWaiting is path_enter_waiting.
func (p *pathUnit) enterWaiting(initial, fromTriggerNotify bool) {
	m := p.u.m
	p.deferred.cancel()
	p.deferred = nil
	// If the triggered unit already runs, so do we.
	if t := tpTriggerOf(p.u); t != nil && !t.ActiveState().IsInactiveOrFailed() {
		p.setState(pathStateRunning)
		p.unwatch()
		return
	}
	if path, ok := p.checkGood(initial, fromTriggerNotify); ok {
		m.logUnit(p.u, LevelDebug, "Got triggered by '%s'.", path)
		p.enterRunning(path)
		return
	}
	if err := p.watch(); err != nil {
		m.logUnit(p.u, LevelWarning, "Failed to enter waiting state: %s", tpErrnoText(err))
		p.enterDead(pathResultResources)
		return
	}
	// The file may have appeared or gone while the watches were set up.
	if path, ok := p.checkGood(false, fromTriggerNotify); ok {
		m.logUnit(p.u, LevelDebug, "Got triggered by '%s'.", path)
		p.enterRunning(path)
		return
	}
	p.setState(pathStateWaiting)
}

// start is path_start.
func (p *pathUnit) start() error {
	switch p.state {
	case pathStateDead, pathStateFailed:
	default:
		return errAlready
	}
	if err := tpTestTriggerLoaded(p.u); err != nil {
		return err
	}
	p.u.invocationID = newInvocationID()
	if p.cfg.MakeDirectory {
		for _, s := range p.specs {
			if s.typ == pathTypeExists || s.typ == pathTypeExistsGlob {
				continue
			}
			if err := os.MkdirAll(s.path, os.FileMode(p.cfg.DirectoryMode&0o7777)); err != nil {
				p.u.m.log(LogEntry{Level: LevelWarning, Message: "mkdir(" + s.path + ") failed: " + tpErrnoText(tpUnwrapErrno(err))})
			}
		}
	}
	p.result = pathResultSuccess
	p.enterWaiting(true, false)
	return nil
}

// stop is path_stop.
func (p *pathUnit) stop() error {
	p.enterDead(pathResultSuccess)
	return nil
}

func (p *pathUnit) resetFailed() {
	if p.state == pathStateFailed {
		p.setState(pathStateDead)
	}
	p.result = pathResultSuccess
}

// triggerNotify is path_trigger_notify: the triggered unit changed state
// or its job went away.
func (p *pathUnit) triggerNotify(other *Unit) { p.triggerNotifyImpl(other, false) }

func (p *pathUnit) triggerNotifyImpl(other *Unit, onDefer bool) {
	p.follow.follow(other, p.triggerNotify)
	if p.state != pathStateWaiting && p.state != pathStateRunning {
		return
	}
	// Nothing to do while the triggered unit still has a job.
	if other.job != nil {
		return
	}
	inactive := other.ActiveState().IsInactiveOrFailed()
	switch {
	case p.state == pathStateRunning && inactive:
		if !onDefer {
			p.u.m.logUnit(p.u, LevelDebug, "Got notified about unit deactivation.")
		}
	case p.state == pathStateWaiting && !inactive:
		if !onDefer {
			p.u.m.logUnit(p.u, LevelDebug, "Got notified about unit activation.")
		}
	default:
		return
	}
	if onDefer {
		p.enterWaiting(false, true)
		return
	}
	// Not from within the notification: entering the waiting state may
	// queue a job while the core is still finishing another.
	if p.deferred == nil {
		p.deferred = p.u.m.afterLoop(0, func() {
			p.deferred = nil
			t := tpTriggerOf(p.u)
			if t == nil {
				p.u.m.logUnit(p.u, LevelErr, "Unit to trigger vanished.")
				p.enterDead(pathResultResources)
				return
			}
			p.triggerNotifyImpl(t, true)
		})
	}
}

// props are the path unit's runtime properties.
func (p *pathUnit) props(m map[string]any) {
	m["Result"] = p.result
}

// reloadConfig takes the configuration daemon-reload loaded. As 252
// deserializes into the fresh unit, the state and result stay, and so
// does what a setting last saw of its path if the setting is still
// there; the trigger limit starts afresh; a waiting or running path unit
// sets up its watches again once every unit is back (path_coldplug).
func (p *pathUnit) reloadConfig() {
	if p.u.cfg.Path == nil {
		return
	}
	p.unwatch()
	p.cfg = p.u.cfg.Path
	p.limit = pathRateLimit{interval: p.cfg.TriggerLimitInterval, burst: p.cfg.TriggerLimitBurst}
	old := p.specs
	p.specs = nil
	for _, c := range p.cfg.Specs {
		s := &pathSpec{typ: c.Type, path: filepath.Clean(c.Path)}
		for _, o := range old {
			if o.typ == s.typ && o.path == s.path {
				s.previousExists = o.previousExists
				break
			}
		}
		p.specs = append(p.specs, s)
	}
	if p.state != pathStateWaiting && p.state != pathStateRunning {
		return
	}
	p.deferred.cancel()
	p.deferred = p.u.m.afterLoop(0, func() {
		p.deferred = nil
		if p.state == pathStateWaiting || p.state == pathStateRunning {
			p.enterWaiting(true, false)
		}
	})
}

// release closes the watches when the unit goes away.
func (p *pathUnit) release() {
	p.unwatch()
	p.deferred.cancel()
	p.deferred = nil
}

func (p *pathUnit) unwatch() {
	for _, s := range p.specs {
		s.unwatch()
	}
}

// watch is path_watch: a fresh inotify watch for every setting.
func (p *pathUnit) watch() error {
	for i, s := range p.specs {
		p.gen++
		if err := s.watch(p.u.m, p.gen); err != nil {
			return err
		}
		p.readWatch(i, s)
	}
	return nil
}

// readWatch reads spec i's inotify fd on a Watch goroutine and hands
// each read to the loop (path_dispatch_io).
func (p *pathUnit) readWatch(i int, s *pathSpec) {
	m := p.u.m
	f, gen, primary := s.file, s.gen, s.primaryWD
	checkPrimary := s.typ == pathTypeChanged || s.typ == pathTypeModified
	m.Watch("path "+p.u.ID(), func() {
		buf := make([]byte, pathInotifyEventBufferSize)
		for {
			n, err := f.Read(buf)
			if err != nil {
				if errors.Is(err, os.ErrClosed) || errors.Is(err, io.EOF) {
					return
				}
				if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
					continue
				}
				m.Post(func() { p.ioFailed(i, gen, err) })
				return
			}
			changed := false
			if checkPrimary {
				changed = pathEventsHaveWD(buf[:n], primary)
			}
			m.Post(func() { p.dispatchIO(i, gen, changed) })
		}
	})
}

// pathEventsHaveWD tells whether any inotify event in buf is for wd.
func pathEventsHaveWD(buf []byte, wd int) bool {
	for len(buf) >= unix.SizeofInotifyEvent {
		ewd := int32(binary.NativeEndian.Uint32(buf[0:4]))
		nameLen := binary.NativeEndian.Uint32(buf[12:16])
		if int(ewd) == wd {
			return true
		}
		next := unix.SizeofInotifyEvent + int(nameLen)
		if next > len(buf) {
			break
		}
		buf = buf[next:]
	}
	return false
}

// dispatchIO is path_dispatch_io, on the loop.
func (p *pathUnit) dispatchIO(i int, gen uint64, changed bool) {
	if p.state != pathStateWaiting && p.state != pathStateRunning {
		return
	}
	if i >= len(p.specs) || p.specs[i].file == nil || p.specs[i].gen != gen {
		return // an fd that was closed meanwhile
	}
	if changed {
		p.enterRunning(p.specs[i].path)
	} else {
		p.enterWaiting(false, false)
	}
}

func (p *pathUnit) ioFailed(i int, gen uint64, err error) {
	if p.state != pathStateWaiting && p.state != pathStateRunning {
		return
	}
	if i >= len(p.specs) || p.specs[i].file == nil || p.specs[i].gen != gen {
		return
	}
	p.u.m.log(LogEntry{Level: LevelErr, Message: "Failed to read inotify event: " + tpErrnoText(tpUnwrapErrno(err))})
	p.enterDead(pathResultResources)
}

// checkGood is path_spec_check_good.
func (s *pathSpec) checkGood(initial, fromTriggerNotify bool) (string, bool) {
	good := false
	trigger := s.path
	switch s.typ {
	case pathTypeExists:
		good = unix.Access(s.path, unix.F_OK) == nil
	case pathTypeExistsGlob:
		trigger, good = pathGlobFirst(s.path)
	case pathTypeDirectoryNotEmpty:
		empty, err := pathDirIsEmpty(s.path)
		good = !(errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || (err == nil && empty))
	case pathTypeChanged, pathTypeModified:
		b := unix.Access(s.path, unix.F_OK) == nil
		good = !initial && !fromTriggerNotify && b != s.previousExists
		s.previousExists = b
	}
	return trigger, good
}

// watch is path_spec_watch: watch every existing component of the path
// for what could make the rest appear, and the path itself for what its
// setting is about.
func (s *pathSpec) watch(m *Manager, gen uint64) error {
	s.unwatch()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		m.log(LogEntry{Level: LevelErr, Message: "Failed to allocate inotify fd: " + tpErrnoText(err)})
		return err
	}
	exists := false
	var lastErr error
	prev := ""
	for i := 0; ; {
		var prefix string
		final := false
		flags := uint32(pathWatchFlagsParent)
		if j := strings.IndexByte(s.path[i:], '/'); j >= 0 {
			cut := i + j
			if cut == 0 {
				cut = 1 // the root keeps its slash
			}
			prefix = s.path[:cut]
			i += j + 1
		} else {
			prefix = s.path
			final = true
			flags = pathWatchFlagsFor(s.typ)
		}
		incomplete := false
		wd := -1
		// A symlink is watched itself and where it points to.
		for _, f := range []uint32{flags | unix.IN_DONT_FOLLOW, flags} {
			w, err := unix.InotifyAddWatch(fd, prefix, f)
			if err != nil {
				if errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOENT) {
					incomplete, lastErr = true, err
					break
				}
				if errors.Is(err, unix.ENOSPC) {
					m.log(LogEntry{Level: LevelErr, Message: "Failed to add a watch for " + prefix + ": inotify watch limit reached"})
				} else {
					m.log(LogEntry{Level: LevelErr, Message: "Failed to add a watch for " + prefix + ": " + tpErrnoText(err)})
				}
				unix.Close(fd)
				return err
			}
			wd = w
		}
		if incomplete {
			break
		}
		exists = true
		// It exists: its parent need not be watched closely any more.
		if prev != "" {
			_, _ = unix.InotifyAddWatch(fd, prev, unix.IN_MOVE_SELF)
		}
		if final {
			s.primaryWD = wd
			break
		}
		prev = prefix
	}
	if !exists {
		if lastErr == nil {
			lastErr = unix.ENOENT
		}
		m.log(LogEntry{Level: LevelErr, Message: "Failed to add watch on any of the components of " + s.path + ": " + tpErrnoText(lastErr)})
		unix.Close(fd)
		return lastErr
	}
	s.file = os.NewFile(uintptr(fd), "inotify:"+s.path)
	s.gen = gen
	return nil
}

func (s *pathSpec) unwatch() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
}

// pathWatchFlagsFor is the inotify mask for the path itself.
func pathWatchFlagsFor(typ string) uint32 {
	switch typ {
	case pathTypeChanged:
		return pathWatchFlagsChanged
	case pathTypeModified:
		return pathWatchFlagsModified
	case pathTypeDirectoryNotEmpty:
		return pathWatchFlagsDirNotEmpty
	}
	return pathWatchFlagsExists
}

// pathHiddenOrBackup is hidden_or_backup_file.
func pathHiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") || name == "lost+found" || name == "aquota.user" || name == "aquota.group" ||
		strings.HasSuffix(name, "~") {
		return true
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return false
	}
	switch name[dot+1:] {
	case "rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist", "dpkg-bak",
		"dpkg-backup", "dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp", "bak", "old", "new":
		return true
	}
	return false
}

// pathDirIsEmpty is dir_is_empty ignoring hidden and backup files.
func pathDirIsEmpty(path string) (bool, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	for {
		names, err := f.Readdirnames(64)
		for _, n := range names {
			if !pathHiddenOrBackup(n) {
				return false, nil
			}
		}
		if err == io.EOF || len(names) == 0 {
			return true, nil
		}
		if err != nil {
			return false, tpUnwrapErrno(err)
		}
	}
}

// tpUnwrapErrno digs the errno out of an *os.PathError and the like.
func tpUnwrapErrno(err error) error {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return err
}

// pathGlobFirst is glob_first with GLOB_BRACE: the first path the
// pattern matches, in directory order.
func pathGlobFirst(pattern string) (string, bool) {
	for _, p := range pathBraceExpand(pattern) {
		if !strings.HasPrefix(p, "/") {
			continue
		}
		if r, ok := pathGlobWalk("/", strings.Split(strings.Trim(p, "/"), "/")); ok {
			return r, true
		}
	}
	return "", false
}

// pathGlobWalk matches the components comps below dir.
func pathGlobWalk(dir string, comps []string) (string, bool) {
	if len(comps) == 0 || (len(comps) == 1 && comps[0] == "") {
		if _, err := os.Lstat(dir); err == nil {
			return dir, true
		}
		return "", false
	}
	c, rest := comps[0], comps[1:]
	if c == "" {
		return pathGlobWalk(dir, rest)
	}
	if !strings.ContainsAny(c, "*?[") {
		next := filepath.Join(dir, pathUnescapeGlob(c))
		if len(rest) == 0 {
			if _, err := os.Lstat(next); err == nil {
				return next, true
			}
			return "", false
		}
		return pathGlobWalk(next, rest)
	}
	f, err := os.Open(dir)
	if err != nil {
		return "", false
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, n := range names {
		if strings.HasPrefix(n, ".") && !strings.HasPrefix(c, ".") {
			continue
		}
		if ok, _ := filepath.Match(c, n); !ok {
			continue
		}
		next := filepath.Join(dir, n)
		if len(rest) == 0 {
			return next, true
		}
		if r, ok := pathGlobWalk(next, rest); ok {
			return r, true
		}
	}
	return "", false
}

func pathUnescapeGlob(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pathBraceExpand expands the first {a,b} group, recursively; unbalanced
// braces are kept as they are.
func pathBraceExpand(p string) []string {
	start := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			i++
			continue
		}
		if p[i] == '{' {
			start = i
			break
		}
	}
	if start < 0 {
		return []string{p}
	}
	depth := 0
	var alts []string
	last := start + 1
	for i := start; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			depth++
		case ',':
			if depth == 1 {
				alts = append(alts, p[last:i])
				last = i + 1
			}
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, p[last:i])
				var out []string
				for _, a := range alts {
					out = append(out, pathBraceExpand(p[:start]+a+p[i+1:])...)
				}
				return out
			}
		}
	}
	return []string{p}
}
