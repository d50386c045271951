package value

import (
	"strings"
	"syscall"

	"gosystemd/impl/timeutil"
)

// ParseSec is systemd's parse_sec.
func ParseSec(t string) (uint64, error) { return timeutil.ParseSec(t) }

// ParseSecFix0 is systemd's parse_sec_fix_0: 0 means infinity.
func ParseSecFix0(t string) (uint64, error) {
	v, err := timeutil.ParseSec(t)
	if err == nil && v == 0 {
		v = timeutil.Infinity
	}
	return v, err
}

// ParseSecDefInfinity is systemd's parse_sec_def_infinity: empty means
// infinity.
func ParseSecDefInfinity(t string) (uint64, error) {
	if strings.TrimLeft(t, whitespace) == "" {
		return timeutil.Infinity, nil
	}
	return timeutil.ParseSec(t)
}

// NSecInfinity is systemd's NSEC_INFINITY.
const NSecInfinity = ^uint64(0)

const (
	nsecPerUSec   = 1000
	nsecPerMSec   = 1000 * nsecPerUSec
	nsecPerSec    = 1000 * nsecPerMSec
	nsecPerMinute = 60 * nsecPerSec
	nsecPerHour   = 60 * nsecPerMinute
	nsecPerDay    = 24 * nsecPerHour
	nsecPerWeek   = 7 * nsecPerDay
	nsecPerMonth  = 2629800 * nsecPerSec
	nsecPerYear   = 31557600 * nsecPerSec
)

var nsecUnits = []struct {
	suffix string
	nsec   uint64
}{
	{"seconds", nsecPerSec}, {"second", nsecPerSec}, {"sec", nsecPerSec}, {"s", nsecPerSec},
	{"minutes", nsecPerMinute}, {"minute", nsecPerMinute}, {"min", nsecPerMinute},
	{"months", nsecPerMonth}, {"month", nsecPerMonth}, {"M", nsecPerMonth},
	{"msec", nsecPerMSec}, {"ms", nsecPerMSec}, {"m", nsecPerMinute},
	{"hours", nsecPerHour}, {"hour", nsecPerHour}, {"hr", nsecPerHour}, {"h", nsecPerHour},
	{"days", nsecPerDay}, {"day", nsecPerDay}, {"d", nsecPerDay},
	{"weeks", nsecPerWeek}, {"week", nsecPerWeek}, {"w", nsecPerWeek},
	{"years", nsecPerYear}, {"year", nsecPerYear}, {"y", nsecPerYear},
	{"usec", nsecPerUSec}, {"us", nsecPerUSec}, {"μs", nsecPerUSec}, {"µs", nsecPerUSec},
	{"nsec", 1}, {"ns", 1}, {"", 1},
}

// ParseNSec is systemd's parse_nsec: a time span counted in nanoseconds.
func ParseNSec(t string) (uint64, error) {
	p := strings.TrimLeft(t, whitespace)
	if s, ok := strings.CutPrefix(p, "infinity"); ok {
		if strings.TrimLeft(s, whitespace) != "" {
			return 0, syscall.EINVAL
		}
		return NSecInfinity, nil
	}
	var r uint64
	something := false
	for {
		p = strings.TrimLeft(p, whitespace)
		if p == "" {
			if !something {
				return 0, syscall.EINVAL
			}
			return r, nil
		}
		if p[0] == '-' {
			return 0, syscall.ERANGE
		}
		l, n, of := strtoll(p, 10)
		if of {
			return 0, syscall.ERANGE
		}
		if l < 0 {
			return 0, syscall.ERANGE
		}
		e := p[n:]
		dot := strings.HasPrefix(e, ".")
		if dot {
			p = strings.TrimLeft(e[1:], "0123456789")
		} else if n == 0 {
			return 0, syscall.EINVAL
		} else {
			p = e
		}
		q := strings.TrimLeft(p, whitespace)
		var mult uint64 = 1
		s := q
		for _, u := range nsecUnits {
			if strings.HasPrefix(q, u.suffix) {
				mult, s = u.nsec, q[len(u.suffix):]
				break
			}
		}
		if len(s) == len(p) && s != "" {
			return 0, syscall.EINVAL
		}
		p = s
		if uint64(l) >= NSecInfinity/mult {
			return 0, syscall.ERANGE
		}
		k := uint64(l) * mult
		if k >= NSecInfinity-r {
			return 0, syscall.ERANGE
		}
		r += k
		something = true
		if dot {
			m := mult / 10
			b := e[1:]
			i := 0
			for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
				k = uint64(b[i]-'0') * m
				if k >= NSecInfinity-r {
					return 0, syscall.ERANGE
				}
				r += k
				m /= 10
			}
			if i == 0 {
				return 0, syscall.EINVAL
			}
		}
	}
}
