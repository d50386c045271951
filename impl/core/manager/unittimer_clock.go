package manager

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/timeutil"
)

// tpManagerState is what timer units share per manager: the time zone
// calendars are computed in, the manager's userspace start, and the
// watchers of clock and time zone changes (252's time_change_fd and
// /etc/localtime watch). Its fields belong to the loop goroutine; only
// the registry that maps managers to it has a lock.
type tpManagerState struct {
	m        *Manager
	cal      *timeutil.Context
	userMono uint64
	timers   map[*timerUnit]struct{}
	watching bool

	localtimeAccessible bool
	localtimeMtime      int64
}

var tpStates = struct {
	sync.Mutex
	m map[*Manager]*tpManagerState
}{m: map[*Manager]*tpManagerState{}}

// tpStateOf returns m's timer state, creating it.
func tpStateOf(m *Manager) *tpManagerState {
	tpStates.Lock()
	defer tpStates.Unlock()
	st := tpStates.m[m]
	if st == nil {
		st = &tpManagerState{m: m, timers: map[*timerUnit]struct{}{}}
		tpStates.m[m] = st
	}
	return st
}

// calendar is the context calendar specs are computed and timestamps
// formatted in: the manager's local time zone.
func (st *tpManagerState) calendar() *timeutil.Context {
	if st.cal == nil {
		st.cal = timeutil.NewContext(timeutil.ZoneFromEnv(), nil)
	}
	return st.cal
}

func (st *tpManagerState) calendarString(c *timeutil.CalendarSpec) string {
	if c == nil {
		return ""
	}
	return st.calendar().CalendarString(c)
}

// userspaceMonotonic is MANAGER_TIMESTAMP_USERSPACE's monotonic value:
// when the manager started its work.
func (st *tpManagerState) userspaceMonotonic() uint64 {
	if st.userMono == 0 {
		now := tpClockUsec(unix.CLOCK_MONOTONIC)
		st.userMono = now
		if !st.m.started.IsZero() {
			if el := uint64(time.Since(st.m.started).Microseconds()); el < now {
				st.userMono = now - el
			}
		}
	}
	return st.userMono
}

func (st *tpManagerState) addTimer(t *timerUnit) { st.timers[t] = struct{}{} }

// watchChanges starts the clock and time zone watchers, once, when the
// first timer starts.
func (st *tpManagerState) watchChanges() {
	if st.watching {
		return
	}
	st.watching = true
	st.readTimezoneStat()
	st.watchTimeChange()
	st.watchTimezoneChange()
}

func (st *tpManagerState) removeTimer(t *timerUnit) { delete(st.timers, t) }

// watchTimeChange is manager_setup_time_change: a CLOCK_REALTIME timerfd
// armed at the end of time with TFD_TIMER_CANCEL_ON_SET, whose read fails
// with ECANCELED whenever the clock is set.
func (st *tpManagerState) watchTimeChange() {
	m := st.m
	m.Watch("time change", func() {
		fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK)
		if err != nil {
			m.Post(func() {
				m.log(LogEntry{Level: LevelErr, Message: "Failed to create time change event source: " + tpErrnoText(err)})
			})
			return
		}
		f := os.NewFile(uintptr(fd), "timerfd")
		defer f.Close()
		end := unix.ItimerSpec{Value: unix.Timespec{Sec: math.MaxInt64 / 2}}
		var buf [8]byte
		for {
			if err := unix.TimerfdSettime(fd, unix.TFD_TIMER_ABSTIME|unix.TFD_TIMER_CANCEL_ON_SET, &end, nil); err != nil {
				m.Post(func() {
					m.log(LogEntry{Level: LevelErr, Message: "Failed to create time change event source: " + tpErrnoText(err)})
				})
				return
			}
			_, err := readParked(f, buf[:])
			switch {
			case errors.Is(err, unix.ECANCELED):
				m.Post(st.timeChanged)
			case err == nil, errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN):
			default:
				return
			}
		}
	})
}

// timeChanged is manager_dispatch_time_change_fd.
func (st *tpManagerState) timeChanged() {
	st.m.log(LogEntry{Level: LevelDebug, Message: "Time has been changed",
		Fields: []string{"MESSAGE_ID=c7a787079b354eaaa9e77b371893cd27"}})
	for _, t := range st.sortedTimers() {
		t.timeChange()
	}
}

// sortedTimers lists the timers in load order, for a stable walk.
func (st *tpManagerState) sortedTimers() []*timerUnit {
	var out []*timerUnit
	for _, u := range st.m.order {
		if t, ok := u.kind.(*timerUnit); ok {
			if _, live := st.timers[t]; live {
				out = append(out, t)
			}
		}
	}
	return out
}

// watchTimezoneChange is manager_setup_timezone_change: inotify on
// /etc/localtime (or on /etc until it exists), re-created after each
// event.
func (st *tpManagerState) watchTimezoneChange() {
	m := st.m
	m.Watch("timezone change", func() {
		buf := make([]byte, unix.SizeofInotifyEvent+unix.NAME_MAX+1)
		for {
			fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
			if err != nil {
				return
			}
			_, err = unix.InotifyAddWatch(fd, "/etc/localtime", unix.IN_ATTRIB|unix.IN_MOVE_SELF|unix.IN_CLOSE_WRITE|unix.IN_DONT_FOLLOW)
			if errors.Is(err, unix.ENOENT) {
				_, err = unix.InotifyAddWatch(fd, "/etc", unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_ONLYDIR)
			}
			if err != nil {
				unix.Close(fd)
				m.Post(func() {
					m.log(LogEntry{Level: LevelErr, Message: "Failed to create timezone change event source: " + tpErrnoText(err)})
				})
				return
			}
			f := os.NewFile(uintptr(fd), "inotify")
			_, err = readParked(f, buf)
			f.Close()
			if err != nil {
				return
			}
			m.Post(st.timezoneEvent)
		}
	})
}

// readTimezoneStat is manager_read_timezone_stat: whether /etc/localtime
// changed since last looked at.
func (st *tpManagerState) readTimezoneStat() bool {
	var s unix.Stat_t
	if err := unix.Lstat("/etc/localtime", &s); err != nil {
		st.m.log(LogEntry{Level: LevelDebug, Message: "Failed to stat /etc/localtime, ignoring: " + tpErrnoText(err)})
		changed := st.localtimeAccessible
		st.localtimeAccessible = false
		return changed
	}
	k := s.Mtim.Nano()
	changed := !st.localtimeAccessible || k != st.localtimeMtime
	st.localtimeMtime, st.localtimeAccessible = k, true
	return changed
}

// timezoneEvent is manager_dispatch_timezone_change.
func (st *tpManagerState) timezoneEvent() {
	st.m.log(LogEntry{Level: LevelDebug, Message: "inotify event for /etc/localtime"})
	if !st.readTimezoneStat() {
		return
	}
	st.cal = timeutil.NewContext(timeutil.ZoneFromEnv(), nil)
	zone := "UTC"
	if tm, ok := st.cal.Zone.Localtime(time.Now().Unix()); ok && tm.Zone != "" {
		zone = tm.Zone
	}
	st.m.log(LogEntry{Level: LevelDebug, Message: fmt.Sprintf("Timezone has been changed (now: %s).", zone)})
	for _, t := range st.sortedTimers() {
		t.timezoneChange()
	}
}
