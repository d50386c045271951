package timeutil

func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

var monthNames = [12]string{"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// strptime is glibc 2.36's strptime in the C locale, for the conversions
// systemd's parse_timestamp uses (%y %Y %m %d %H %M %S %b). It updates tm
// and returns the unparsed rest.
func strptime(s, format string, tm *Tm) (string, bool) {
	rp := s
	wantXday, haveMon := false, false
	getNumber := func(from, to, n int) (int, bool) {
		for rp != "" && isCSpace(rp[0]) {
			rp = rp[1:]
		}
		if rp == "" || !isASCIIDigit(rp[0]) {
			return 0, false
		}
		val := 0
		for {
			val = val*10 + int(rp[0]-'0')
			rp = rp[1:]
			n--
			if !(n > 0 && val*10 <= to && rp != "" && isASCIIDigit(rp[0])) {
				break
			}
		}
		if val < from || val > to {
			return 0, false
		}
		return val, true
	}
	for i := 0; i < len(format); i++ {
		f := format[i]
		if isCSpace(f) {
			for rp != "" && isCSpace(rp[0]) {
				rp = rp[1:]
			}
			continue
		}
		if f != '%' {
			if rp == "" || rp[0] != f {
				return "", false
			}
			rp = rp[1:]
			continue
		}
		i++
		var ok bool
		var v int
		switch format[i] {
		case 'b':
			best, bestLen := -1, 0
			for m, name := range monthNames {
				for _, cand := range []string{name, name[:3]} {
					if len(rp) >= len(cand) && asciiEqualFold(rp[:len(cand)], cand) && len(cand) > bestLen {
						best, bestLen = m, len(cand)
					}
				}
			}
			if best < 0 {
				return "", false
			}
			rp = rp[bestLen:]
			tm.Mon = best
			haveMon = true
			wantXday = true
			continue
		case 'd':
			v, ok = getNumber(1, 31, 2)
			tm.Mday = v
			wantXday = true
		case 'H':
			v, ok = getNumber(0, 23, 2)
			tm.Hour = v
		case 'm':
			v, ok = getNumber(1, 12, 2)
			tm.Mon = v - 1
			haveMon = true
			wantXday = true
		case 'M':
			v, ok = getNumber(0, 59, 2)
			tm.Min = v
		case 'S':
			v, ok = getNumber(0, 61, 2)
			tm.Sec = v
		case 'y':
			v, ok = getNumber(0, 99, 2)
			if v >= 69 {
				tm.Year = v
			} else {
				tm.Year = v + 100
			}
			wantXday = true
		case 'Y':
			v, ok = getNumber(0, 9999, 4)
			tm.Year = v - 1900
			wantXday = true
		}
		if !ok {
			return "", false
		}
	}
	if wantXday && (haveMon || uint(tm.Mon) <= 11) {
		dayOfTheWeek(tm)
		tm.Yday = monYday[leapIndex(int64(1900+tm.Year))][tm.Mon] + tm.Mday - 1
	}
	return rp, true
}

// dayOfTheWeek is strptime's day_of_the_week.
func dayOfTheWeek(tm *Tm) {
	corrYear := 1900 + tm.Year
	if tm.Mon < 2 {
		corrYear--
	}
	q := corrYear / 4
	adj := 0
	if q%25 < 0 {
		adj = 1
	}
	wday := -473 + 365*(tm.Year-70) + q - q/25 + adj + (q/25)/4 + monYday[0][tm.Mon] + tm.Mday - 1
	tm.Wday = ((wday % 7) + 7) % 7
}

// asciiEqualFold is strcasecmp(a, b) == 0 in the C locale.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}

func asciiLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
