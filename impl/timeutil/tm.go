package timeutil

// Tm is C's struct tm. Fields may be out of range before Mktime
// normalizes them, as in C.
type Tm struct {
	Sec, Min, Hour, Mday, Mon, Year, Wday, Yday int
	// Isdst is -1 (unknown), 0 or 1.
	Isdst  int
	Gmtoff int64
	Zone   string
}

const secsPerDay = 86400

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

func leapsThruEndOf(y int64) int64 {
	return floorDiv(y, 4) - floorDiv(y, 100) + floorDiv(y, 400)
}

// offtime is glibc's __offtime: the broken-down form of t shifted by offset
// seconds east of UTC.
func offtime(t, offset int64) (Tm, bool) {
	var tm Tm
	days := t / secsPerDay
	rem := t%secsPerDay + offset
	for rem < 0 {
		rem += secsPerDay
		days--
	}
	for rem >= secsPerDay {
		rem -= secsPerDay
		days++
	}
	tm.Hour = int(rem / 3600)
	rem %= 3600
	tm.Min = int(rem / 60)
	tm.Sec = int(rem % 60)
	tm.Wday = int((4 + days) % 7)
	if tm.Wday < 0 {
		tm.Wday += 7
	}
	y := int64(1970)
	for {
		ylen := int64(365)
		if isLeap(y) {
			ylen = 366
		}
		if days >= 0 && days < ylen {
			break
		}
		yg := y + days/365
		if days%365 < 0 {
			yg--
		}
		days -= (yg-y)*365 + leapsThruEndOf(yg-1) - leapsThruEndOf(y-1)
		y = yg
	}
	if y-1900 > 1<<31-1 || y-1900 < -(1<<31) {
		return Tm{}, false
	}
	tm.Year = int(y - 1900)
	tm.Yday = int(days)
	ip := monYday[leapIndex(y)]
	m := 11
	for days < int64(ip[m]) {
		m--
	}
	tm.Mon = m
	tm.Mday = int(days-int64(ip[m])) + 1
	return tm, true
}

// leapyearTm is mktime's leapyear(): whether tm_year year+1900 is leap.
func leapyearTm(year int64) bool {
	return year&3 == 0 && (year%100 != 0 || (year/100)&3 == (-(1900/100))&3)
}

func shr(a int64, b uint) int64 { return a >> b }

func ydhmsDiff(year1, yday1 int64, hour1, min1, sec1 int, year0, yday0 int64, hour0, min0, sec0 int) int64 {
	notLow2 := func(y int64) int64 {
		if y&3 == 0 {
			return 1
		}
		return 0
	}
	a4 := shr(year1, 2) + shr(1900, 2) - notLow2(year1)
	b4 := shr(year0, 2) + shr(1900, 2) - notLow2(year0)
	neg := func(x int64) int64 {
		if x < 0 {
			return 1
		}
		return 0
	}
	a100 := (a4+neg(a4))/25 - neg(a4)
	b100 := (b4+neg(b4))/25 - neg(b4)
	a400 := shr(a100, 2)
	b400 := shr(b100, 2)
	leapDays := (a4 - b4) - (a100 - b100) + (a400 - b400)
	years := year1 - year0
	days := 365*years + yday1 - yday0 + leapDays
	hours := 24*days + int64(hour1) - int64(hour0)
	minutes := 60*hours + int64(min1) - int64(min0)
	return 60*minutes + int64(sec1) - int64(sec0)
}

func tmDiff(year, yday int64, hour, min, sec int, tp *Tm) int64 {
	return ydhmsDiff(year, yday, hour, min, sec, int64(tp.Year), int64(tp.Yday), tp.Hour, tp.Min, tp.Sec)
}

func isdstDiffer(a, b int) bool {
	return (a == 0) != (b == 0) && a >= 0 && b >= 0
}

const (
	mktimeMin = -1 << 63
	mktimeMax = 1<<63 - 1
)

// rangedConvert is mktime's ranged_convert: convert *t, or the nearest
// convertible value, moving *t there.
func rangedConvert(convert func(int64) (Tm, bool), t *int64) (Tm, bool) {
	if tm, ok := convert(*t); ok {
		return tm, true
	}
	bad := *t
	var ok0 int64
	var oktm Tm
	found := false
	for {
		mid := shr(ok0, 1) + shr(bad, 1) + ((ok0 | bad) & 1)
		if mid == ok0 || mid == bad {
			break
		}
		if tm, ok := convert(mid); ok {
			ok0, oktm, found = mid, tm, true
		} else {
			bad = mid
		}
	}
	if !found {
		return Tm{}, false
	}
	*t = ok0
	return oktm, true
}

// mktimeInternal is glibc's __mktime_internal: invert convert by probing,
// starting from the guess *offset, and normalize *tp on success.
func mktimeInternal(tp *Tm, convert func(int64) (Tm, bool), offset *int64) (int64, bool) {
	remainingProbes := 6
	sec, min, hour, mday, mon := tp.Sec, tp.Min, tp.Hour, tp.Mday, tp.Mon
	yearRequested := tp.Year
	isdst := tp.Isdst
	dst2 := 0
	monRemainder := mon % 12
	negMonRemainder := 0
	if monRemainder < 0 {
		negMonRemainder = 1
	}
	monYears := mon/12 - negMonRemainder
	year := int64(yearRequested) + int64(monYears)
	li := 0
	if leapyearTm(year) {
		li = 1
	}
	monYdayV := monYday[li][monRemainder+12*negMonRemainder] - 1
	yday := int64(monYdayV) + int64(mday)
	off := *offset
	secRequested := sec
	if sec < 0 {
		sec = 0
	}
	if sec > 59 {
		sec = 59
	}
	negOffGuess := -off
	t0 := ydhmsDiff(year, yday, hour, min, sec, 1970-1900, 0, 0, 0, int(negOffGuess))
	t, t1, t2 := t0, t0, t0
	var tm Tm
	for {
		var ok bool
		tm, ok = rangedConvert(convert, &t)
		if !ok {
			return -1, false
		}
		dt := tmDiff(year, yday, hour, min, sec, &tm)
		if dt == 0 {
			break
		}
		tmDst := 0
		if tm.Isdst != 0 {
			tmDst = 1
		}
		if t == t1 && t != t2 && (tm.Isdst < 0 || func() bool {
			if isdst < 0 {
				return dst2 <= tmDst
			}
			return (isdst != 0) != (tm.Isdst != 0)
		}()) {
			goto offsetFound
		}
		remainingProbes--
		if remainingProbes == 0 {
			return -1, false
		}
		t1, t2, t = t2, t, t+dt
		dst2 = tmDst
	}
	if isdstDiffer(isdst, tm.Isdst) {
		const stride = 601200
		const durationMax = 536454000
		const deltaBound = durationMax/2 + stride
		for delta := int64(stride); delta < deltaBound; delta += stride {
			for direction := int64(-1); direction <= 1; direction += 2 {
				ot := t + delta*direction
				otm, ok := rangedConvert(convert, &ot)
				if !ok {
					return -1, false
				}
				if !isdstDiffer(isdst, otm.Isdst) {
					gt := ot + tmDiff(year, yday, hour, min, sec, &otm)
					if g, ok := convert(gt); ok {
						tm = g
						t = gt
						goto offsetFound
					}
				}
			}
		}
		return -1, false
	}
offsetFound:
	*offset = t - t0 - negOffGuess
	if secRequested != tm.Sec {
		adj := int64(0)
		if sec == 0 && tm.Sec == 60 {
			adj = 1
		}
		adj -= int64(sec)
		adj += int64(secRequested)
		t += adj
		var ok bool
		if tm, ok = convert(t); !ok {
			return -1, false
		}
	}
	*tp = tm
	return t, true
}

// Mktime is glibc's mktime in zone z: it normalizes *tm and returns the
// time, or -1 on failure (leaving *tm alone).
func (z *Zone) Mktime(tm *Tm) int64 {
	z.Tzset()
	t, ok := mktimeInternal(tm, z.Localtime, &z.mktimeOffset)
	if !ok {
		return -1
	}
	return t
}

// Timegm is glibc's timegm.
func (z *Zone) Timegm(tm *Tm) int64 {
	tm.Isdst = 0
	t, ok := mktimeInternal(tm, Gmtime, &z.gmtimeOffset)
	if !ok {
		return -1
	}
	return t
}

func (z *Zone) mktimeOrTimegm(tm *Tm, utc bool) int64 {
	if utc {
		return z.Timegm(tm)
	}
	return z.Mktime(tm)
}

func (z *Zone) localtimeOrGmtime(t int64, utc bool) (Tm, bool) {
	if utc {
		return Gmtime(t)
	}
	return z.Localtime(t)
}
