package manager

import (
	"errors"
	"time"
)

// ratelimit is 252's RateLimit: at most burst events per interval.
type ratelimit struct {
	begin time.Time
	n     uint32
}

// below is ratelimit_below: it counts an event and reports whether it
// is within the limit.
func (r *ratelimit) below(interval time.Duration, burst uint32) bool {
	if interval <= 0 || burst == 0 {
		return true
	}
	now := time.Now()
	if r.begin.IsZero() || now.Sub(r.begin) > interval {
		r.begin, r.n = now, 0
	}
	if r.n < burst {
		r.n++
		return true
	}
	return false
}

func (r *ratelimit) reset() { *r = ratelimit{} }

// startLimiter is a type that refuses starts past its start limit
// (252's can_start).
type startLimiter interface{ canStart() error }

// errStartLimit makes the start job fail (-ECANCELED).
var errStartLimit = errors.New("start limit hit")

// testStartLimit is unit_test_start_limit.
func (u *Unit) testStartLimit() bool {
	if u.startRatelimit.below(time.Duration(u.cfg.StartLimitInterval)*time.Microsecond, u.cfg.StartLimitBurst) {
		u.startLimitHit = false
		return true
	}
	u.m.logUnit(u, LevelWarning, "Start request repeated too quickly.")
	u.startLimitHit = true
	u.m.emergencyAction(u.cfg.StartLimitAction, -1, "unit "+u.ID()+" failed")
	return false
}

// canStart is service_can_start.
func (s *service) canStart() error {
	if !s.u.testStartLimit() {
		s.enterDead(resStartLimitHit, false)
		return errStartLimit
	}
	return nil
}
