package timeutil

import (
	"encoding/binary"
	"os"
	"strings"
)

// Zone is the local time zone as glibc 2.36 sees it after tzset(): either a
// TZif file (with its POSIX footer for times past the last transition) or a
// POSIX TZ string. Like glibc's globals, Tzname, Daylight and Timezone change
// as localtime() visits times with other rules.
type Zone struct {
	useFile bool

	transitions []int64
	typeIdx     []int
	types       []ttinfo
	footer      string
	ruleStdoff  int64
	ruleDstoff  int64

	rules [2]tzRule

	// Tzname is glibc's tzname[]: standard and daylight abbreviations.
	Tzname [2]string
	// Daylight and Timezone are glibc's daylight and timezone.
	Daylight bool
	Timezone int64

	// mktimeOffset and gmtimeOffset are mktime's and timegm's static
	// offset guesses, which steer how a time in a DST gap resolves.
	mktimeOffset int64
	gmtimeOffset int64
}

type ttinfo struct {
	offset int64
	isdst  int
	abbr   string
}

const (
	ruleJ0 = iota
	ruleJ1
	ruleM
)

type tzRule struct {
	name        string
	offset      int64
	kind        int
	m, n, d     int
	secs        int64
	change      int64
	computedFor int
}

const zoneinfoDir = "/usr/share/zoneinfo"

// LoadZone interprets a TZ value as glibc's tzset does. set reports whether
// TZ is set at all; unset means /etc/localtime.
func LoadZone(tz string, set bool) *Zone {
	z := &Zone{}
	name := "/etc/localtime"
	if set {
		name = tz
		if name == "" {
			name = "Universal"
		}
		name = strings.TrimPrefix(name, ":")
	}
	if name != "" && z.readTZif(name) {
		return z
	}
	if !set || name == "" || name == "/etc/localtime" {
		z.rules = [2]tzRule{{name: "UTC", computedFor: -1}, {name: "UTC", computedFor: -1}}
		z.updateVars()
		return z
	}
	z.parseTZ(name)
	return z
}

// ZoneFromEnv loads the zone named by the process environment's TZ.
func ZoneFromEnv() *Zone {
	tz, set := os.LookupEnv("TZ")
	return LoadZone(tz, set)
}

// ForkWithTZ is the zone a child process sees after setenv("TZ", ":"+name)
// and tzset(): a fresh zone that inherits the parent's mktime state.
func (z *Zone) ForkWithTZ(name string) *Zone {
	c := LoadZone(":"+name, true)
	c.mktimeOffset = z.mktimeOffset
	c.gmtimeOffset = z.gmtimeOffset
	return c
}

func (z *Zone) updateVars() {
	z.Daylight = z.rules[0].offset != z.rules[1].offset
	z.Timezone = -z.rules[0].offset
	z.Tzname[0] = z.rules[0].name
	z.Tzname[1] = z.rules[1].name
}

// Tzset is glibc's tzset() on an unchanged TZ: only a POSIX-string zone
// restores tzname from its rules.
func (z *Zone) Tzset() {
	if !z.useFile {
		z.Tzname[0] = z.rules[0].name
		z.Tzname[1] = z.rules[1].name
	}
}

// InUTC is systemd's in_utc_timezone(): timezone == 0 && daylight == 0.
func (z *Zone) InUTC() bool {
	z.Tzset()
	return z.Timezone == 0 && !z.Daylight
}

func tzdir() string {
	if d := os.Getenv("TZDIR"); d != "" {
		return d
	}
	return zoneinfoDir
}

func (z *Zone) readTZif(name string) bool {
	path := name
	if !strings.HasPrefix(name, "/") {
		path = tzdir() + "/" + name
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	return z.parseTZif(data)
}

func (z *Zone) parseTZif(data []byte) bool {
	const headerLen = 44
	width := 4
	p := data
	for {
		if len(p) < headerLen || string(p[:4]) != "TZif" {
			return false
		}
		version := p[4]
		isutcnt := int(binary.BigEndian.Uint32(p[20:]))
		isstdcnt := int(binary.BigEndian.Uint32(p[24:]))
		leapcnt := int(binary.BigEndian.Uint32(p[28:]))
		timecnt := int(binary.BigEndian.Uint32(p[32:]))
		typecnt := int(binary.BigEndian.Uint32(p[36:]))
		charcnt := int(binary.BigEndian.Uint32(p[40:]))
		if isstdcnt > typecnt || isutcnt > typecnt {
			return false
		}
		p = p[headerLen:]
		if width == 4 && version != 0 {
			skip := timecnt*5 + typecnt*6 + charcnt + leapcnt*8 + isstdcnt + isutcnt
			if skip > len(p) {
				return false
			}
			p = p[skip:]
			width = 8
			continue
		}
		need := timecnt*(width+1) + typecnt*6 + charcnt + leapcnt*(width+4) + isstdcnt + isutcnt
		if need > len(p) {
			return false
		}
		z.transitions = make([]int64, timecnt)
		for i := range z.transitions {
			if width == 4 {
				z.transitions[i] = int64(int32(binary.BigEndian.Uint32(p[i*4:])))
			} else {
				z.transitions[i] = int64(binary.BigEndian.Uint64(p[i*8:]))
			}
		}
		p = p[timecnt*width:]
		z.typeIdx = make([]int, timecnt)
		for i := range z.typeIdx {
			z.typeIdx[i] = int(p[i])
			if z.typeIdx[i] >= typecnt {
				return false
			}
		}
		p = p[timecnt:]
		rawTypes := p[:typecnt*6]
		p = p[typecnt*6:]
		names := p[:charcnt]
		p = p[charcnt:]
		z.types = make([]ttinfo, typecnt)
		for i := range z.types {
			t := rawTypes[i*6:]
			if t[4] > 1 || int(t[5]) > charcnt {
				return false
			}
			abbr := names[t[5]:]
			if k := strings.IndexByte(string(abbr), 0); k >= 0 {
				abbr = abbr[:k]
			}
			z.types[i] = ttinfo{offset: int64(int32(binary.BigEndian.Uint32(t))), isdst: int(t[4]), abbr: string(abbr)}
		}
		p = p[leapcnt*(width+4)+isstdcnt+isutcnt:]
		if width == 8 && len(p) >= 2 && p[0] == '\n' {
			footer := string(p[1 : len(p)-1])
			if k := strings.IndexByte(footer, 0); k >= 0 {
				footer = footer[:k]
			}
			z.footer = footer
		}
		break
	}
	z.useFile = true
	z.Tzname = [2]string{}
	set := [2]bool{}
	for i := len(z.transitions); i > 0; {
		i--
		t := z.types[z.typeIdx[i]]
		if !set[t.isdst] {
			z.Tzname[t.isdst] = t.abbr
			set[t.isdst] = true
			if set[1-t.isdst] {
				break
			}
		}
	}
	if !set[0] {
		if len(z.types) == 0 {
			return false
		}
		z.Tzname[0] = z.types[0].abbr
		set[0] = true
	}
	if !set[1] {
		z.Tzname[1] = z.Tzname[0]
	}
	if len(z.transitions) == 0 {
		z.ruleStdoff = z.types[0].offset
		z.ruleDstoff = z.ruleStdoff
	} else {
		stdSet, dstSet := false, false
		for i := len(z.transitions) - 1; i >= 0; i-- {
			t := z.types[z.typeIdx[i]]
			if !stdSet && t.isdst == 0 {
				stdSet = true
				z.ruleStdoff = t.offset
			} else if !dstSet && t.isdst != 0 {
				dstSet = true
				z.ruleDstoff = t.offset
			}
			if stdSet && dstSet {
				break
			}
		}
		if !dstSet {
			z.ruleDstoff = z.ruleStdoff
		}
	}
	z.Daylight = z.ruleStdoff != z.ruleDstoff
	z.Timezone = -z.ruleStdoff
	return true
}

// parseTZ is glibc's __tzset_parse_tz for a POSIX TZ string.
func (z *Zone) parseTZ(tz string) {
	z.rules = [2]tzRule{{computedFor: -1}, {computedFor: -1}}
	p := tz
	if z.parseTZName(&p, 0) && z.parseOffset(&p, 0) {
		if p != "" {
			if z.parseTZName(&p, 1) {
				z.parseOffset(&p, 1)
			}
			if z.parseRule(&p, 0) {
				z.parseRule(&p, 1)
			}
		} else {
			z.rules[1].name = z.rules[0].name
			z.rules[1].offset = z.rules[0].offset
		}
	}
	z.updateVars()
}

func isASCIIAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

func (z *Zone) parseTZName(p *string, which int) bool {
	s := *p
	i := 0
	for i < len(s) && isASCIIAlpha(s[i]) {
		i++
	}
	name := s[:i]
	rest := s[i:]
	if i < 3 {
		if s == "" || s[0] != '<' {
			return false
		}
		j := 1
		for j < len(s) && (isASCIIAlpha(s[j]) || isASCIIDigit(s[j]) || s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || s[j] != '>' || j-1 < 3 {
			return false
		}
		name = s[1:j]
		rest = s[j+1:]
	}
	z.rules[which].name = name
	*p = rest
	return true
}

// scanHMS is sscanf("%hu%n:%hu%n:%hu%n"): it returns the fields matched
// (0 to 3), their values and the bytes consumed by the last complete one.
func scanHMS(s string) (n int, v [3]int, consumed int) {
	pos := 0
	for k := 0; k < 3; k++ {
		if k > 0 {
			if pos >= len(s) || s[pos] != ':' {
				return
			}
			pos++
		}
		q := pos
		for q < len(s) && (s[q] == ' ' || (s[q] >= '\t' && s[q] <= '\r')) {
			q++
		}
		neg := false
		if q < len(s) && (s[q] == '+' || s[q] == '-') {
			neg = s[q] == '-'
			q++
		}
		start := q
		val := 0
		for q < len(s) && isASCIIDigit(s[q]) {
			val = (val*10 + int(s[q]-'0')) & 0xffffffff
			q++
		}
		if q == start {
			return
		}
		if neg {
			val = -val
		}
		v[k] = val & 0xffff
		n++
		pos = q
		consumed = q
	}
	return
}

func computeOffset(ss, mm, hh int) int64 {
	if ss > 59 {
		ss = 59
	}
	if mm > 59 {
		mm = 59
	}
	if hh > 24 {
		hh = 24
	}
	return int64(ss + mm*60 + hh*3600)
}

func (z *Zone) parseOffset(p *string, which int) bool {
	s := *p
	if which == 0 && (s == "" || (s[0] != '+' && s[0] != '-' && !isASCIIDigit(s[0]))) {
		return false
	}
	sign := int64(-1)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = 1
		}
		s = s[1:]
	}
	*p = s
	n, v, consumed := scanHMS(s)
	if n > 0 {
		z.rules[which].offset = sign * computeOffset(v[2], v[1], v[0])
	} else if which == 0 {
		z.rules[0].offset = 0
		return false
	} else {
		z.rules[1].offset = z.rules[0].offset + 3600
	}
	*p = s[consumed:]
	return true
}

func (z *Zone) parseRule(p *string, which int) bool {
	s := *p
	r := &z.rules[which]
	if s != "" && s[0] == ',' {
		s = s[1:]
	}
	switch {
	case s != "" && (s[0] == 'J' || isASCIIDigit(s[0])):
		r.kind = ruleJ0
		if s[0] == 'J' {
			r.kind = ruleJ1
			s = s[1:]
			if s == "" || !isASCIIDigit(s[0]) {
				return false
			}
		}
		i := 0
		d := 0
		for i < len(s) && isASCIIDigit(s[i]) {
			if d < 1000 {
				d = d*10 + int(s[i]-'0')
			}
			i++
		}
		if d > 365 || (r.kind == ruleJ1 && d == 0) {
			return false
		}
		r.d = d
		s = s[i:]
	case s != "" && s[0] == 'M':
		r.kind = ruleM
		vals := [3]int{}
		q := 1
		for k := 0; k < 3; k++ {
			if k > 0 {
				if q >= len(s) || s[q] != '.' {
					return false
				}
				q++
			}
			start := q
			v := 0
			for q < len(s) && isASCIIDigit(s[q]) {
				v = (v*10 + int(s[q]-'0')) & 0xffff
				q++
			}
			if q == start {
				return false
			}
			vals[k] = v
		}
		r.m, r.n, r.d = vals[0], vals[1], vals[2]
		if r.m < 1 || r.m > 12 || r.n < 1 || r.n > 5 || r.d > 6 {
			return false
		}
		s = s[q:]
	case s == "":
		r.kind = ruleM
		if which == 0 {
			r.m, r.n, r.d = 3, 2, 0
		} else {
			r.m, r.n, r.d = 11, 1, 0
		}
	default:
		return false
	}
	if s != "" && s[0] != '/' && s[0] != ',' {
		return false
	}
	if s != "" && s[0] == '/' {
		s = s[1:]
		if s == "" {
			return false
		}
		neg := s[0] == '-'
		if neg {
			s = s[1:]
		}
		hh, mm, ss := 2, 0, 0
		n, v, consumed := scanHMS(s)
		if n >= 1 {
			hh = v[0]
		}
		if n >= 2 {
			mm = v[1]
		}
		if n >= 3 {
			ss = v[2]
		}
		s = s[consumed:]
		r.secs = int64(hh*3600 + mm*60 + ss)
		if neg {
			r.secs = -r.secs
		}
	} else {
		r.secs = 2 * 3600
	}
	r.computedFor = -1
	*p = s
	return true
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

var monYday = [2][13]int{
	{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
	{0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
}

func leapIndex(y int64) int {
	if isLeap(y) {
		return 1
	}
	return 0
}

func (r *tzRule) computeChange(year int) {
	if year != -1 && r.computedFor == year {
		return
	}
	var t int64
	if year > 1970 {
		y := int64(year)
		t = ((y-1970)*365 + ((y-1)/4 - 1970/4) - ((y-1)/100 - 1970/100) + ((y-1)/400 - 1970/400)) * 86400
	}
	switch r.kind {
	case ruleJ1:
		t += int64(r.d-1) * 86400
		if r.d >= 60 && isLeap(int64(year)) {
			t += 86400
		}
	case ruleJ0:
		t += int64(r.d) * 86400
	case ruleM:
		myday := monYday[leapIndex(int64(year))]
		t += int64(myday[r.m-1]) * 86400
		m1 := (r.m+9)%12 + 1
		yy0 := year
		if r.m <= 2 {
			yy0 = year - 1
		}
		yy1 := yy0 / 100
		yy2 := yy0 % 100
		dow := ((26*m1-2)/10 + 1 + yy2 + yy2/4 + yy1/4 - 2*yy1) % 7
		if dow < 0 {
			dow += 7
		}
		d := r.d - dow
		if d < 0 {
			d += 7
		}
		for i := 1; i < r.n; i++ {
			if d+7 >= myday[r.m]-myday[r.m-1] {
				break
			}
			d += 7
		}
		t += int64(d) * 86400
	}
	r.change = t - r.offset + r.secs
	r.computedFor = year
}

// tzCompute is glibc's __tz_compute: which rule applies at timer, whose
// UTC broken-down year is year.
func (z *Zone) tzCompute(timer int64, year int) int {
	z.rules[0].computeChange(year)
	z.rules[1].computeChange(year)
	var dst bool
	if z.rules[0].change > z.rules[1].change {
		dst = timer < z.rules[1].change || timer >= z.rules[0].change
	} else {
		dst = timer >= z.rules[0].change && timer < z.rules[1].change
	}
	if dst {
		return 1
	}
	return 0
}

// fileCompute is glibc's __tzfile_compute for localtime: it returns the
// isdst flag, abbreviation and UTC offset at timer and updates tzname.
func (z *Zone) fileCompute(timer int64) (isdst int, abbr string, gmtoff int64, ok bool) {
	z.Tzname = [2]string{}
	set := [2]bool{}
	setName := func(dst int, name string) {
		z.Tzname[dst] = name
		set[dst] = true
	}
	n := len(z.transitions)
	var idx int
	switch {
	case n == 0 || timer < z.transitions[0]:
		i := 0
		for i < len(z.types) && z.types[i].isdst != 0 {
			if !set[1] {
				setName(1, z.types[i].abbr)
			}
			i++
		}
		if i == len(z.types) {
			i = 0
		}
		setName(0, z.types[i].abbr)
		if !set[1] {
			for j := i; j < len(z.types); j++ {
				if z.types[j].isdst != 0 {
					setName(1, z.types[j].abbr)
					break
				}
			}
		}
		if !set[1] {
			z.Tzname[1] = z.Tzname[0]
		}
		idx = i
	case timer >= z.transitions[n-1] && z.footer != "":
		z.parseTZ(z.footer)
		tm, ok := offtime(timer, 0)
		if !ok {
			return z.fileFound(n)
		}
		d := z.tzCompute(timer, tm.Year+1900)
		return d, z.Tzname[d], z.rules[d].offset, true
	default:
		i := n
		if timer < z.transitions[n-1] {
			lo, hi := 0, n-1
			for lo+1 < hi {
				mid := (lo + hi) / 2
				if timer < z.transitions[mid] {
					hi = mid
				} else {
					lo = mid
				}
			}
			i = hi
		}
		return z.fileFound(i)
	}
	return z.fileFinish(idx)
}

// fileFound handles a timer in [transitions[i-1], transitions[i]).
func (z *Zone) fileFound(i int) (int, string, int64, bool) {
	z.Tzname = [2]string{}
	set := [2]bool{}
	t := z.types[z.typeIdx[i-1]]
	z.Tzname[t.isdst] = t.abbr
	set[t.isdst] = true
	for j := i; j < len(z.transitions); j++ {
		tt := z.types[z.typeIdx[j]]
		if !set[tt.isdst] {
			z.Tzname[tt.isdst] = tt.abbr
			set[tt.isdst] = true
			if set[1-tt.isdst] {
				break
			}
		}
	}
	if !set[0] {
		z.Tzname[0] = z.Tzname[1]
		set[0] = true
	}
	if !set[1] {
		z.Tzname[1] = z.Tzname[0]
	}
	return z.fileFinish(z.typeIdx[i-1])
}

func (z *Zone) fileFinish(idx int) (int, string, int64, bool) {
	info := z.types[idx]
	z.Daylight = z.ruleStdoff != z.ruleDstoff
	z.Timezone = -z.ruleStdoff
	return info.isdst, info.abbr, info.offset, true
}

// Localtime is glibc's localtime_r.
func (z *Zone) Localtime(t int64) (Tm, bool) {
	var isdst int
	var abbr string
	var off int64
	if z.useFile {
		var ok bool
		isdst, abbr, off, ok = z.fileCompute(t)
		if !ok {
			return Tm{}, false
		}
	} else {
		tm, ok := offtime(t, 0)
		if !ok {
			return Tm{}, false
		}
		isdst = z.tzCompute(t, tm.Year+1900)
		abbr = z.Tzname[isdst]
		off = z.rules[isdst].offset
	}
	tm, ok := offtime(t, off)
	if !ok {
		return Tm{}, false
	}
	tm.Isdst = isdst
	tm.Zone = abbr
	tm.Gmtoff = off
	return tm, true
}

// Gmtime is glibc's gmtime_r.
func Gmtime(t int64) (Tm, bool) {
	tm, ok := offtime(t, 0)
	if ok {
		tm.Zone = "GMT"
	}
	return tm, ok
}
