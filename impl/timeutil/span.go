package timeutil

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// Usec is systemd's usec_t: microseconds.
type Usec = uint64

// Units of Usec, with systemd's month (30.44 days) and year (365.25 days).
const (
	USec     Usec = 1
	MSec     Usec = 1000
	Sec      Usec = 1000 * MSec
	Minute   Usec = 60 * Sec
	Hour     Usec = 60 * Minute
	Day      Usec = 24 * Hour
	Week     Usec = 7 * Day
	Month    Usec = 2629800 * Sec
	Year     Usec = 31557600 * Sec
	Infinity Usec = ^Usec(0)

	// TimestampFormattableMax is the last second of year 9999 (UTC-12).
	TimestampFormattableMax Usec = 253402214399000000
)

// whitespace is systemd's WHITESPACE.
const whitespace = " \t\n\r"

// cString cuts s at its first NUL, as C sees a string.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func skipSet(s, set string) string {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) >= 0 {
		i++
	}
	return s[i:]
}

var spanSuffixes = []struct {
	suffix string
	usec   Usec
}{
	{"seconds", Sec}, {"second", Sec}, {"sec", Sec}, {"s", Sec},
	{"minutes", Minute}, {"minute", Minute}, {"min", Minute},
	{"months", Month}, {"month", Month}, {"M", Month},
	{"msec", MSec}, {"ms", MSec}, {"m", Minute},
	{"hours", Hour}, {"hour", Hour}, {"hr", Hour}, {"h", Hour},
	{"days", Day}, {"day", Day}, {"d", Day},
	{"weeks", Week}, {"week", Week}, {"w", Week},
	{"years", Year}, {"year", Year}, {"y", Year},
	{"usec", USec}, {"us", USec}, {"\u03bcs", USec}, {"\u00b5s", USec},
}

func extractMultiplier(p string) (string, Usec, bool) {
	for _, e := range spanSuffixes {
		if strings.HasPrefix(p, e.suffix) {
			return p[len(e.suffix):], e.usec, true
		}
	}
	return p, 0, false
}

// strtoll parses like C's strtoll(s, &end, 10): leading whitespace, an
// optional sign, digits. It returns the value, the rest, whether digits were
// found and whether the value overflowed.
func strtoll(s string) (v int64, rest string, ok bool, overflow bool) {
	p := skipSet(s, " \t\n\v\f\r")
	neg := false
	if p != "" && (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-'
		p = p[1:]
	}
	i := 0
	var u uint64
	for i < len(p) && isASCIIDigit(p[i]) {
		d := uint64(p[i] - '0')
		if u > (1<<63)/10 || u*10 > (1<<63)-d {
			overflow = true
		} else {
			u = u*10 + d
		}
		i++
	}
	if i == 0 {
		return 0, s, false, false
	}
	rest = p[i:]
	if !neg && u > 1<<63-1 {
		overflow = true
	}
	if overflow {
		if neg {
			return -1 << 63, rest, true, true
		}
		return 1<<63 - 1, rest, true, true
	}
	if neg {
		return -int64(u), rest, true, false
	}
	return int64(u), rest, true, false
}

var (
	errInval = syscall.EINVAL
	errRange = syscall.ERANGE
)

// ParseTime is systemd's parse_time: a time span such as "5min 3s" or
// "infinity"; bare numbers count in defaultUnit. Errors wrap
// syscall.EINVAL or syscall.ERANGE.
func ParseTime(t string, defaultUnit Usec) (Usec, error) {
	t = cString(t)
	p := skipSet(t, whitespace)
	if s, ok := strings.CutPrefix(p, "infinity"); ok {
		if skipSet(s, whitespace) != "" {
			return 0, spanError(t, errInval)
		}
		return Infinity, nil
	}
	var r Usec
	something := false
	for {
		p = skipSet(p, whitespace)
		if p == "" {
			if !something {
				return 0, spanError(t, errInval)
			}
			break
		}
		if p[0] == '-' {
			return 0, spanError(t, errRange)
		}
		l, e, digits, overflow := strtoll(p)
		if overflow {
			return 0, spanError(t, errRange)
		}
		if l < 0 {
			return 0, spanError(t, errRange)
		}
		frac := ""
		dot := digits && e != "" && e[0] == '.' || !digits && p[0] == '.'
		if !digits {
			e = p
		}
		if dot {
			frac = e[1:]
			p = skipSet(frac, "0123456789")
		} else if !digits {
			return 0, spanError(t, errInval)
		} else {
			p = e
		}
		afterWS := skipSet(p, whitespace)
		s, multiplier, found := extractMultiplier(afterWS)
		if !found {
			multiplier = defaultUnit
		}
		if len(s) == len(p) && s != "" {
			return 0, spanError(t, errInval)
		}
		p = s
		if Usec(l) >= Infinity/multiplier {
			return 0, spanError(t, errRange)
		}
		k := Usec(l) * multiplier
		if k >= Infinity-r {
			return 0, spanError(t, errRange)
		}
		r += k
		something = true
		if dot {
			m := multiplier / 10
			b := 0
			for b < len(frac) && isASCIIDigit(frac[b]) {
				k := Usec(frac[b]-'0') * m
				if k >= Infinity-r {
					return 0, spanError(t, errRange)
				}
				r += k
				b++
				m /= 10
			}
			if b == 0 {
				return 0, spanError(t, errInval)
			}
		}
	}
	return r, nil
}

func spanError(t string, errno syscall.Errno) error {
	return fmt.Errorf("time span %q: %w", t, errno)
}

// ParseSec is systemd's parse_sec: ParseTime counting bare numbers in
// seconds.
func ParseSec(t string) (Usec, error) { return ParseTime(t, Sec) }

var spanUnits = []struct {
	suffix string
	usec   Usec
}{
	{"y", Year}, {"month", Month}, {"w", Week}, {"d", Day}, {"h", Hour},
	{"min", Minute}, {"s", Sec}, {"ms", MSec}, {"us", USec},
}

// formatTimespanMax is systemd's FORMAT_TIMESPAN_MAX buffer size.
const formatTimespanMax = 64

// FormatTimespan is systemd's format_timespan: t as "1h 5min 3.500s",
// dropping parts smaller than accuracy once something was printed.
func FormatTimespan(t, accuracy Usec) string {
	if t == Infinity {
		return "infinity"
	}
	if t == 0 {
		return "0"
	}
	var buf strings.Builder
	l := formatTimespanMax
	something := false
	for _, u := range spanUnits {
		if t == 0 {
			break
		}
		if t < accuracy && something {
			break
		}
		if t < u.usec {
			continue
		}
		if l <= 1 {
			break
		}
		a := t / u.usec
		b := t % u.usec
		sep := ""
		if buf.Len() > 0 {
			sep = " "
		}
		var piece string
		done := false
		if t < Minute && b > 0 {
			j := 0
			for cc := u.usec; cc > 1; cc /= 10 {
				j++
			}
			for cc := accuracy; cc > 1; cc /= 10 {
				b /= 10
				j--
			}
			if j > 0 {
				piece = sep + strconv.FormatUint(a, 10) + "." + fmt.Sprintf("%0*d", j, b) + u.suffix
				t = 0
				done = true
			}
		}
		if !done {
			piece = sep + strconv.FormatUint(a, 10) + u.suffix
			t = b
		}
		n := min(len(piece), l-1)
		buf.WriteString(piece[:n])
		l -= n
		something = true
	}
	return buf.String()
}
