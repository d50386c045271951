package manager

import (
	"time"

	"gosystemd/impl/notify"
	"gosystemd/impl/timeutil"
)

// The service watchdog (WatchdogSec=, WATCHDOG=1, WATCHDOG_USEC=,
// WATCHDOG=trigger), as 252's service.c keeps it: the last ping's time,
// and a timer that fires a watchdog period after it.

// watchdogUSec is service_get_watchdog_usec: WATCHDOG_USEC= once the
// service sent it, else WatchdogSec= as it was at the start (infinity
// before the first start).
func (s *service) watchdogUSec() uint64 {
	if s.watchdogOverride {
		return s.watchdogOverrideUSec
	}
	if !s.started {
		return usecInfinity
	}
	return s.cfg.WatchdogUSec
}

// resetWatchdog is service_reset_watchdog: a ping now.
func (s *service) resetWatchdog() {
	s.watchdogTimestamp = now()
	s.startWatchdog()
}

// startWatchdog (re)arms the timer a period after the last ping.
func (s *service) startWatchdog() {
	s.watchdogTimer.cancel()
	s.watchdogTimer = nil
	usec := s.watchdogUSec()
	if usec == 0 || usec == usecInfinity {
		s.stopWatchdog()
		return
	}
	deadline := s.watchdogTimestamp.Monotonic + usec
	left := uint64(0)
	if cur := now().Monotonic; deadline > cur {
		left = deadline - cur
	}
	s.watchdogTimer = s.u.m.afterLoop(time.Duration(left)*time.Microsecond, s.watchdogExpired)
}

// stopWatchdog is service_stop_watchdog.
func (s *service) stopWatchdog() {
	s.watchdogTimer.cancel()
	s.watchdogTimer = nil
	s.watchdogTimestamp = DualTimestamp{}
}

// watchdogExpired is service_dispatch_watchdog.
func (s *service) watchdogExpired() {
	s.watchdogTimer = nil
	m := s.u.m
	limit := timeutil.FormatTimespan(timeutil.Usec(s.watchdogUSec()), 1)
	if !m.SettingsLoop().ServiceWatchdogs {
		m.logUnit(s.u, LevelWarning, "Watchdog disabled! Ignoring watchdog timeout (limit %s)!", limit)
		return
	}
	m.logUnit(s.u, LevelErr, "Watchdog timeout (limit %s)!", limit)
	s.enterSignal(svcStopWatchdog, resWatchdog)
}

// watchdogNotify acts on a notification's WATCHDOG= and WATCHDOG_USEC=.
func (s *service) watchdogNotify(n notify.Notification) {
	switch n.Watchdog {
	case notify.WatchdogPing:
		s.resetWatchdog()
	case notify.WatchdogTrigger:
		// service_force_watchdog
		if s.u.m.SettingsLoop().ServiceWatchdogs {
			status := s.statusText
			if status == "" {
				status = "<unset>"
			}
			s.u.m.logUnit(s.u, LevelErr, "Watchdog request (last status: %s)!", status)
			s.enterSignal(svcStopWatchdog, resWatchdog)
		}
	}
	if n.WatchdogUSecSet {
		// service_override_watchdog_timeout
		s.watchdogOverride, s.watchdogOverrideUSec = true, n.WatchdogUSec
		s.u.m.logUnit(s.u, LevelDebug, "watchdog_override_usec=%d", n.WatchdogUSec)
		s.resetWatchdog()
	}
}
