package timeutil

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
)

const (
	weekdayBitsAll  = 127
	calendarMinYear = 1970
	calendarMaxYear = 2199
	// calendarComponentsMax bounds a comma-separated list, as systemd's
	// CALENDARSPEC_COMPONENTS_MAX.
	calendarComponentsMax = 240
	// maxCalendarIterations is find_next's safety valve.
	maxCalendarIterations = 1000
	intMax                = 1<<31 - 1
)

// calendarComponent is one element of a chain: start, optionally up to
// stop (-1: none), every repeat (0: once).
type calendarComponent struct {
	start, stop, repeat int
}

// CalendarSpec is a parsed calendar event (systemd's CalendarSpec). A nil
// chain means "*".
type CalendarSpec struct {
	weekdaysBits int
	endOfMonth   bool
	utc          bool
	dst          int
	timezone     string

	year, month, day, hour, minute, microsecond []calendarComponent
}

// ErrInfiniteLoop reports that the next elapse computation got stuck, as
// systemd's "Infinite loop in calendar calculation". It wraps
// syscall.EDEADLK.
type ErrInfiniteLoop struct {
	// Spec is the normalized form of the specification.
	Spec string
}

func (e *ErrInfiniteLoop) Error() string {
	return "infinite loop in calendar calculation: " + e.Spec
}

// Unwrap makes errors.Is(err, syscall.EDEADLK) hold.
func (e *ErrInfiniteLoop) Unwrap() error { return syscall.EDEADLK }

func calendarError(s string, errno syscall.Errno) error {
	return fmt.Errorf("calendar specification %q: %w", s, errno)
}

func componentLess(a, b calendarComponent) bool {
	if a.start != b.start {
		return a.start < b.start
	}
	if a.stop != b.stop {
		return a.stop < b.stop
	}
	return a.repeat < b.repeat
}

func normalizeChain(c []calendarComponent) []calendarComponent {
	for i := range c {
		x := &c[i]
		if x.stop > x.start && x.repeat > 0 {
			x.stop -= (x.stop - x.start) % x.repeat
		}
		if (x.stop > x.start && x.repeat > 0 && x.start+x.repeat > x.stop) || x.start == x.stop {
			x.repeat = 0
			x.stop = -1
		}
	}
	if len(c) <= 1 {
		return c
	}
	sort.Slice(c, func(i, j int) bool { return componentLess(c[i], c[j]) })
	out := c[:1]
	for _, x := range c[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

func fixYear(c []calendarComponent) {
	for i := range c {
		x := &c[i]
		if x.start >= 0 && x.start < 70 {
			x.start += 2000
		}
		if x.stop >= 0 && x.stop < 70 {
			x.stop += 2000
		}
		if x.start >= 70 && x.start < 100 {
			x.start += 1900
		}
		if x.stop >= 70 && x.stop < 100 {
			x.stop += 1900
		}
	}
}

func (c *CalendarSpec) normalize() {
	if c.timezone == "UTC" {
		c.utc = true
		c.timezone = ""
	}
	if c.weekdaysBits <= 0 || c.weekdaysBits >= weekdayBitsAll {
		c.weekdaysBits = -1
	}
	if c.endOfMonth && c.day == nil {
		c.endOfMonth = false
	}
	fixYear(c.year)
	c.year = normalizeChain(c.year)
	c.month = normalizeChain(c.month)
	c.day = normalizeChain(c.day)
	c.hour = normalizeChain(c.hour)
	c.minute = normalizeChain(c.minute)
	c.microsecond = normalizeChain(c.microsecond)
}

func chainValid(c []calendarComponent, from, to int, endOfMonth bool) bool {
	if endOfMonth {
		to -= 3
	}
	for _, x := range c {
		if x.start < from || x.start > to {
			return false
		}
		if x.repeat > to-from {
			return false
		}
		if x.stop >= 0 {
			if x.stop < from || x.stop > to {
				return false
			}
			if x.start+x.repeat > x.stop {
				return false
			}
		} else {
			if endOfMonth && x.start-x.repeat < from {
				return false
			}
			if !endOfMonth && x.start+x.repeat > to {
				return false
			}
		}
	}
	return true
}

func (c *CalendarSpec) valid() bool {
	return c.weekdaysBits <= weekdayBitsAll &&
		chainValid(c.year, calendarMinYear, calendarMaxYear, false) &&
		chainValid(c.month, 1, 12, false) &&
		chainValid(c.day, 1, 31, c.endOfMonth) &&
		chainValid(c.hour, 0, 23, false) &&
		chainValid(c.minute, 0, 59, false) &&
		chainValid(c.microsecond, 0, int(60*Sec-1), false)
}

var formatWeekdayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func (c *CalendarSpec) formatWeekdays(b *strings.Builder) {
	l := -1
	needComma := false
	x := 0
	for ; x < 7; x++ {
		if c.weekdaysBits&(1<<x) != 0 {
			if l < 0 {
				if needComma {
					b.WriteByte(',')
				} else {
					needComma = true
				}
				b.WriteString(formatWeekdayNames[x])
				l = x
			}
		} else if l >= 0 {
			if x > l+1 {
				if x > l+2 {
					b.WriteString("..")
				} else {
					b.WriteByte(',')
				}
				b.WriteString(formatWeekdayNames[x-1])
			}
			l = -1
		}
	}
	if l >= 0 && x > l+1 {
		if x > l+2 {
			b.WriteString("..")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(formatWeekdayNames[x-1])
	}
}

func chainIsStar(c []calendarComponent, usec bool) bool {
	if c == nil {
		return true
	}
	if usec {
		for _, x := range c {
			if x.start == 0 && x.stop < 0 && x.repeat == int(Sec) {
				return true
			}
		}
	}
	return false
}

func formatChain(b *strings.Builder, width int, c []calendarComponent, usec bool) {
	d := 1
	if usec {
		d = int(Sec)
	}
	if chainIsStar(c, usec) {
		b.WriteByte('*')
		return
	}
	for i, x := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, "%0*d", width, x.start/d)
		if x.start%d > 0 {
			fmt.Fprintf(b, ".%06d", x.start%d)
		}
		if x.stop > 0 {
			fmt.Fprintf(b, "..%0*d", width, x.stop/d)
		}
		if x.stop%d > 0 {
			fmt.Fprintf(b, ".%06d", x.stop%d)
		}
		if x.repeat > 0 && !(x.stop > 0 && x.repeat == d) {
			fmt.Fprintf(b, "/%d", x.repeat/d)
		}
		if x.repeat%d > 0 {
			fmt.Fprintf(b, ".%06d", x.repeat%d)
		}
	}
}

// CalendarString is systemd's calendar_spec_to_string, the normalized
// form, e.g. "Mon..Fri *-*-* 09:00:00". A spec with an explicit DST flag
// shows the local zone's abbreviation, hence the Context.
func (ctx *Context) CalendarString(c *CalendarSpec) string { return ctx.Zone.calendarString(c) }

func (z *Zone) calendarString(c *CalendarSpec) string {
	var b strings.Builder
	if c.weekdaysBits > 0 && c.weekdaysBits <= weekdayBitsAll {
		c.formatWeekdays(&b)
		b.WriteByte(' ')
	}
	formatChain(&b, 4, c.year, false)
	b.WriteByte('-')
	formatChain(&b, 2, c.month, false)
	if c.endOfMonth {
		b.WriteByte('~')
	} else {
		b.WriteByte('-')
	}
	formatChain(&b, 2, c.day, false)
	b.WriteByte(' ')
	formatChain(&b, 2, c.hour, false)
	b.WriteByte(':')
	formatChain(&b, 2, c.minute, false)
	b.WriteByte(':')
	formatChain(&b, 2, c.microsecond, true)
	switch {
	case c.utc:
		b.WriteString(" UTC")
	case c.timezone != "":
		b.WriteString(" " + c.timezone)
	case c.dst == 0 || c.dst == 1:
		z.Tzset()
		if n := z.Tzname[c.dst]; n != "" {
			b.WriteString(" " + n)
		}
	}
	return b.String()
}

var calendarDays = []struct {
	name string
	nr   int
}{
	{"Monday", 0}, {"Mon", 0}, {"Tuesday", 1}, {"Tue", 1}, {"Wednesday", 2}, {"Wed", 2},
	{"Thursday", 3}, {"Thu", 3}, {"Friday", 4}, {"Fri", 4}, {"Saturday", 5}, {"Sat", 5},
	{"Sunday", 6}, {"Sun", 6},
}

func (c *CalendarSpec) parseWeekdays(p *string) syscall.Errno {
	l := -1
	first := true
	for {
		found := -1
		for i, d := range calendarDays {
			if !startsWithNoCase(*p, d.name) {
				continue
			}
			skip := len(d.name)
			if skip < len(*p) && !strings.ContainsRune("-., ", rune((*p)[skip])) {
				return syscall.EINVAL
			}
			c.weekdaysBits |= 1 << d.nr
			if l >= 0 {
				if l > d.nr {
					return syscall.EINVAL
				}
				for j := l + 1; j < d.nr; j++ {
					c.weekdaysBits |= 1 << j
				}
			}
			*p = (*p)[skip:]
			found = i
			break
		}
		if found < 0 {
			if first {
				return 0
			}
			return syscall.EINVAL
		}
		nr := calendarDays[found].nr
		if *p == "" {
			return 0
		}
		if (*p)[0] == ' ' {
			*p = skipSet(*p, " ")
			return 0
		}
		switch (*p)[0] {
		case '.':
			if l >= 0 {
				return syscall.EINVAL
			}
			if len(*p) < 2 || (*p)[1] != '.' {
				return syscall.EINVAL
			}
			l = nr
			*p = (*p)[2:]
		case '-':
			if l >= 0 {
				return syscall.EINVAL
			}
			l = nr
			*p = (*p)[1:]
		case ',':
			l = -1
			*p = (*p)[1:]
		}
		if *p == "" || (*p)[0] == ' ' {
			*p = skipSet(*p, " ")
			if l < 0 {
				return 0
			}
			return syscall.EINVAL
		}
		first = false
	}
}

// strtoul parses like C's strtoul(s, &end, 10) for a 64-bit unsigned long.
func strtoul(s string) (v uint64, rest string, ok bool, overflow bool) {
	p := skipSet(s, " \t\n\v\f\r")
	neg := false
	if p != "" && (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-'
		p = p[1:]
	}
	i := 0
	for i < len(p) && isASCIIDigit(p[i]) {
		d := uint64(p[i] - '0')
		if v > (^uint64(0)-d)/10 {
			overflow = true
		} else {
			v = v*10 + d
		}
		i++
	}
	if i == 0 {
		return 0, s, false, false
	}
	if overflow {
		return ^uint64(0), p[i:], true, true
	}
	if neg {
		v = -v
	}
	return v, p[i:], true, false
}

func parseOneNumber(p string) (uint64, string, syscall.Errno) {
	v, rest, ok, overflow := strtoul(p)
	if overflow {
		return 0, p, syscall.ERANGE
	}
	if !ok {
		return 0, p, syscall.EINVAL
	}
	return v, rest, 0
}

func parseComponentDecimal(p *string, usec bool) (int, syscall.Errno) {
	if *p == "" || !isASCIIDigit((*p)[0]) {
		return 0, syscall.EINVAL
	}
	value, e, errno := parseOneNumber(*p)
	if errno != 0 {
		return 0, errno
	}
	if usec {
		if value*uint64(Sec)/uint64(Sec) != value {
			return 0, syscall.ERANGE
		}
		value *= uint64(Sec)
		if len(e) >= 1 && e[0] == '.' && (len(e) < 2 || e[1] != '.') {
			add, rest, ok := parseFractionalPart(e[1:], 6)
			if !ok {
				return 0, syscall.EINVAL
			}
			e = rest
			if uint64(add)+value < value {
				return 0, syscall.ERANGE
			}
			value += uint64(add)
		}
	}
	if value > intMax {
		return 0, syscall.ERANGE
	}
	*p = e
	return int(value), 0
}

func prependComponent(p *string, usec bool, nesting int, c *[]calendarComponent) syscall.Errno {
	for {
		if nesting > calendarComponentsMax {
			return syscall.ENOBUFS
		}
		e := *p
		start, errno := parseComponentDecimal(&e, usec)
		if errno != 0 {
			return errno
		}
		stop, repeat := -1, 0
		if strings.HasPrefix(e, "..") {
			e = e[2:]
			if stop, errno = parseComponentDecimal(&e, usec); errno != 0 {
				return errno
			}
			repeat = 1
			if usec {
				repeat = int(Sec)
			}
		}
		if strings.HasPrefix(e, "/") {
			e = e[1:]
			if repeat, errno = parseComponentDecimal(&e, usec); errno != 0 {
				return errno
			}
			if repeat == 0 {
				return syscall.ERANGE
			}
		} else {
			if start > intMax-repeat {
				return syscall.ERANGE
			}
			if usec && stop >= 0 && start+repeat > stop {
				return syscall.EINVAL
			}
		}
		if e != "" && !strings.ContainsRune(" ,-~:", rune(e[0])) {
			return syscall.EINVAL
		}
		*c = append(*c, calendarComponent{start: start, stop: stop, repeat: repeat})
		*p = e
		if !strings.HasPrefix(e, ",") {
			return 0
		}
		*p = e[1:]
		nesting++
	}
}

func parseChain(p *string, usec bool) ([]calendarComponent, syscall.Errno) {
	if strings.HasPrefix(*p, "*") {
		*p = (*p)[1:]
		if usec {
			return []calendarComponent{{start: 0, stop: -1, repeat: int(Sec)}}, 0
		}
		return nil, 0
	}
	t := *p
	var c []calendarComponent
	if errno := prependComponent(&t, usec, 0, &c); errno != 0 {
		return nil, errno
	}
	*p = t
	return c, 0
}

func constChain(v int) []calendarComponent {
	return []calendarComponent{{start: v, stop: -1}}
}

// fromTimeT fills c from an "@epoch" date.
func (c *CalendarSpec) fromTimeT(t int64) syscall.Errno {
	tm, ok := Gmtime(t)
	if !ok || tm.Year > intMax-1900 {
		return syscall.ERANGE
	}
	c.utc = true
	c.year = constChain(tm.Year + 1900)
	c.month = constChain(tm.Mon + 1)
	c.day = constChain(tm.Mday)
	c.hour = constChain(tm.Hour)
	c.minute = constChain(tm.Min)
	c.microsecond = constChain(tm.Sec * int(Sec))
	return 0
}

// parseDate returns 1 when an "@epoch" form already set the time.
func (c *CalendarSpec) parseDate(p *string) (int, syscall.Errno) {
	t := *p
	if t == "" {
		return 0, 0
	}
	if t[0] == '@' {
		value, rest, errno := parseOneNumber(t[1:])
		if errno != 0 {
			return 0, errno
		}
		if errno := c.fromTimeT(int64(value)); errno != 0 {
			return 0, errno
		}
		*p = rest
		return 1, 0
	}
	first, errno := parseChain(&t, false)
	if errno != 0 {
		return 0, errno
	}
	if t == "" || t[0] == ':' {
		return 0, 0
	}
	if t[0] == '~' {
		c.endOfMonth = true
	} else if t[0] != '-' {
		return 0, syscall.EINVAL
	}
	t = t[1:]
	second, errno := parseChain(&t, false)
	if errno != 0 {
		return 0, errno
	}
	if t == "" || t[0] == ' ' {
		*p = skipSet(t, " ")
		c.month = first
		c.day = second
		return 0, 0
	} else if c.endOfMonth {
		return 0, syscall.EINVAL
	}
	if t[0] == '~' {
		c.endOfMonth = true
	} else if t[0] != '-' {
		return 0, syscall.EINVAL
	}
	t = t[1:]
	third, errno := parseChain(&t, false)
	if errno != 0 {
		return 0, errno
	}
	if t != "" && t[0] != ' ' {
		return 0, syscall.EINVAL
	}
	*p = skipSet(t, " ")
	c.year = first
	c.month = second
	c.day = third
	return 0, 0
}

func (c *CalendarSpec) parseTime(p *string) syscall.Errno {
	t := *p
	var h, m, s []calendarComponent
	var errno syscall.Errno
	if t == "" {
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
		return 0
	}
	if h, errno = parseChain(&t, false); errno != 0 {
		return errno
	}
	if !strings.HasPrefix(t, ":") {
		return syscall.EINVAL
	}
	t = t[1:]
	if m, errno = parseChain(&t, false); errno != 0 {
		return errno
	}
	if t == "" {
		s = constChain(0)
	} else {
		if t[0] != ':' {
			return syscall.EINVAL
		}
		t = t[1:]
		if s, errno = parseChain(&t, true); errno != 0 {
			return errno
		}
		if t != "" {
			return syscall.EINVAL
		}
	}
	*p = t
	c.hour, c.minute, c.microsecond = h, m, s
	return 0
}

// ParseCalendar is systemd 252's calendar_spec_from_string. Errors wrap
// syscall.EINVAL, ERANGE or ENOBUFS.
func (ctx *Context) ParseCalendar(input string) (*CalendarSpec, error) {
	input = cString(input)
	c := &CalendarSpec{dst: -1}
	p := input
	if i, ok := endsWithNoCase(p, " UTC"); ok {
		c.utc = true
		p = p[:i]
	} else {
		ctx.Zone.Tzset()
		j := 0
		for ; j <= 1; j++ {
			name := ctx.Zone.Tzname[j]
			if name == "" {
				continue
			}
			e, ok := endsWithNoCase(p, name)
			if !ok || e == 0 || p[e-1] != ' ' {
				continue
			}
			p = p[:e-1]
			c.dst = j
			break
		}
		if j > 1 {
			if i := strings.LastIndexByte(p, ' '); i >= 0 && TimezoneIsValid(p[i+1:]) {
				c.timezone = p[i+1:]
				p = p[:i]
			}
		}
	}
	if p == "" {
		return nil, calendarError(input, syscall.EINVAL)
	}
	switch {
	case asciiEqualFold(p, "minutely"):
		c.microsecond = constChain(0)
	case asciiEqualFold(p, "hourly"):
		c.minute, c.microsecond = constChain(0), constChain(0)
	case asciiEqualFold(p, "daily"):
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
	case asciiEqualFold(p, "monthly"):
		c.day = constChain(1)
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
	case asciiEqualFold(p, "annually"), asciiEqualFold(p, "yearly"), asciiEqualFold(p, "anually"):
		c.month, c.day = constChain(1), constChain(1)
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
	case asciiEqualFold(p, "weekly"):
		c.weekdaysBits = 1
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
	case asciiEqualFold(p, "quarterly"):
		c.month = []calendarComponent{{10, -1, 0}, {7, -1, 0}, {4, -1, 0}, {1, -1, 0}}
		c.day = constChain(1)
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
	case asciiEqualFold(p, "biannually"), asciiEqualFold(p, "bi-annually"),
		asciiEqualFold(p, "semiannually"), asciiEqualFold(p, "semi-annually"):
		c.month = []calendarComponent{{7, -1, 0}, {1, -1, 0}}
		c.day = constChain(1)
		c.hour, c.minute, c.microsecond = constChain(0), constChain(0), constChain(0)
	default:
		if errno := c.parseWeekdays(&p); errno != 0 {
			return nil, calendarError(input, errno)
		}
		r, errno := c.parseDate(&p)
		if errno != 0 {
			return nil, calendarError(input, errno)
		}
		if r == 0 {
			if errno := c.parseTime(&p); errno != 0 {
				return nil, calendarError(input, errno)
			}
		}
		if p != "" {
			return nil, calendarError(input, syscall.EINVAL)
		}
	}
	c.normalize()
	if !c.valid() {
		return nil, calendarError(input, syscall.EINVAL)
	}
	return c, nil
}

func (z *Zone) findEndOfMonth(tm *Tm, utc bool, day int) int {
	t := *tm
	t.Mon++
	t.Mday = 1 - day
	if z.mktimeOrTimegm(&t, utc) < 0 || t.Mon != tm.Mon {
		return -1
	}
	return t.Mday
}

func divRoundUp(x, y int) int {
	q := x / y
	if x%y != 0 {
		q++
	}
	return q
}

// findMatchingComponent finds the earliest value of chain c not before
// *val: 1 if *val changed, 0 if not, -1 if none.
func (z *Zone) findMatchingComponent(spec *CalendarSpec, c []calendarComponent, isDay bool, tm *Tm, val *int) int {
	if c == nil {
		return 0
	}
	endOfMonth := spec.endOfMonth && isDay
	d := -1
	dSet := false
	for _, x := range c {
		start, stop := x.start, x.stop
		if endOfMonth {
			start = z.findEndOfMonth(tm, spec.utc, x.start)
			stop = z.findEndOfMonth(tm, spec.utc, x.stop)
			if stop > 0 {
				start, stop = stop, start
			}
		}
		if start >= *val {
			if !dSet || start < d {
				d = start
				dSet = true
			}
		} else if x.repeat > 0 {
			k := start + x.repeat*divRoundUp(*val-start, x.repeat)
			if (!dSet || k < d) && (stop < 0 || k <= stop) {
				d = k
				dSet = true
			}
		}
	}
	if !dSet {
		return -1
	}
	r := 0
	if *val != d {
		r = 1
	}
	*val = d
	return r
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tmWithinBounds is calendarspec's tm_within_bounds: -1 on error or a
// backward step, 0 if normalization moved tm forward, 1 if tm was valid.
func (z *Zone) tmWithinBounds(tm *Tm, utc bool) int {
	if tm.Year+1900 > calendarMaxYear {
		return -1
	}
	t := *tm
	if z.mktimeOrTimegm(&t, utc) < 0 {
		return -1
	}
	var cmp int
	if cmp = cmpInt(t.Year, tm.Year); cmp != 0 {
		t.Mon = 0
	} else if cmp = cmpInt(t.Mon, tm.Mon); cmp != 0 {
		t.Mday = 1
	} else if cmp = cmpInt(t.Mday, tm.Mday); cmp != 0 {
		t.Hour = 0
	} else if cmp = cmpInt(t.Hour, tm.Hour); cmp != 0 {
		t.Min = 0
	} else if cmp = cmpInt(t.Min, tm.Min); cmp != 0 {
		t.Sec = 0
	} else {
		cmp = cmpInt(t.Sec, tm.Sec)
	}
	if cmp < 0 {
		return -1
	}
	if cmp > 0 {
		*tm = t
		return 0
	}
	return 1
}

func (z *Zone) matchesWeekday(bits int, tm *Tm, utc bool) bool {
	if bits < 0 || bits >= weekdayBitsAll {
		return true
	}
	t := *tm
	if z.mktimeOrTimegm(&t, utc) < 0 {
		return false
	}
	k := t.Wday - 1
	if t.Wday == 0 {
		k = 6
	}
	return bits&(1<<k) != 0
}

func tmCompare(a, b *Tm) int {
	for _, p := range [][2]int{{a.Year, b.Year}, {a.Mon, b.Mon}, {a.Mday, b.Mday}, {a.Hour, b.Hour}, {a.Min, b.Min}} {
		if r := cmpInt(p[0], p[1]); r != 0 {
			return r
		}
	}
	return cmpInt(a.Sec, b.Sec)
}

var errNoEnt = syscall.ENOENT

func (z *Zone) findNext(spec *CalendarSpec, tm *Tm, usec *int) error {
	c := *tm
	tmUsec := *usec
	invalidateDST := false
	resetFrom := func(level int) {
		// level: 0 month, 1 day, 2 hour, 3 minute, 4 second.
		if level <= 0 {
			c.Mon = 0
		}
		if level <= 1 {
			c.Mday = 1
		}
		if level <= 2 {
			c.Hour = 0
		}
		if level <= 3 {
			c.Min = 0
		}
		c.Sec = 0
		tmUsec = 0
	}
	for iteration := 0; iteration < maxCalendarIterations; iteration++ {
		z.mktimeOrTimegm(&c, spec.utc)
		if !invalidateDST {
			c.Isdst = spec.dst
		}

		c.Year += 1900
		r := z.findMatchingComponent(spec, spec.year, false, &c, &c.Year)
		c.Year -= 1900
		if r > 0 {
			resetFrom(0)
		}
		if r < 0 {
			return errNoEnt
		}
		if z.tmWithinBounds(&c, spec.utc) <= 0 {
			return errNoEnt
		}

		c.Mon++
		r = z.findMatchingComponent(spec, spec.month, false, &c, &c.Mon)
		c.Mon--
		if r > 0 {
			resetFrom(1)
		}
		if r < 0 {
			c.Year++
			resetFrom(0)
			continue
		}
		if r = z.tmWithinBounds(&c, spec.utc); r < 0 {
			c.Year++
			resetFrom(0)
			continue
		}
		if r == 0 {
			continue
		}

		r = z.findMatchingComponent(spec, spec.day, true, &c, &c.Mday)
		if r > 0 {
			resetFrom(2)
		}
		if r < 0 {
			c.Mon++
			resetFrom(1)
			continue
		}
		if r = z.tmWithinBounds(&c, spec.utc); r < 0 {
			c.Mon++
			resetFrom(1)
			continue
		}
		if r == 0 {
			continue
		}

		if !z.matchesWeekday(spec.weekdaysBits, &c, spec.utc) {
			c.Mday++
			resetFrom(2)
			continue
		}

		r = z.findMatchingComponent(spec, spec.hour, false, &c, &c.Hour)
		if r > 0 {
			resetFrom(3)
		}
		if r < 0 {
			c.Mday++
			resetFrom(2)
			continue
		}
		if r = z.tmWithinBounds(&c, spec.utc); r < 0 {
			c.Mday++
			resetFrom(2)
			continue
		}
		if r == 0 {
			continue
		}

		r = z.findMatchingComponent(spec, spec.minute, false, &c, &c.Min)
		if r > 0 {
			resetFrom(4)
		}
		if r < 0 {
			c.Hour++
			resetFrom(3)
			continue
		}
		if r = z.tmWithinBounds(&c, spec.utc); r < 0 {
			c.Hour++
			resetFrom(3)
			continue
		}
		if r == 0 {
			continue
		}

		c.Sec = c.Sec*int(Sec) + tmUsec
		r = z.findMatchingComponent(spec, spec.microsecond, false, &c, &c.Sec)
		tmUsec = c.Sec % int(Sec)
		c.Sec /= int(Sec)
		if r < 0 {
			c.Min++
			resetFrom(4)
			continue
		}
		if r = z.tmWithinBounds(&c, spec.utc); r < 0 {
			c.Min++
			resetFrom(4)
			continue
		}
		if r == 0 {
			continue
		}

		r = tmCompare(tm, &c)
		if r == 0 {
			r = cmpInt(*usec, tmUsec+1)
		}
		if r >= 0 {
			invalidateDST = true
			c.Hour++
			continue
		}
		*tm = c
		*usec = tmUsec
		return nil
	}
	return &ErrInfiniteLoop{Spec: z.calendarString(spec)}
}

// NextElapse is systemd's calendar_spec_next_usec: the first time after
// usec the spec matches. It returns an error wrapping syscall.ENOENT when
// the spec never elapses again, *ErrInfiniteLoop when stuck.
func (ctx *Context) NextElapse(spec *CalendarSpec, usec Usec) (Usec, error) {
	z := ctx.Zone
	if spec.timezone != "" {
		z = z.ForkWithTZ(spec.timezone)
	}
	if usec > TimestampFormattableMax {
		return 0, syscall.EINVAL
	}
	usec++
	tm, _ := z.localtimeOrGmtime(int64(usec/Sec), spec.utc)
	tmUsec := int(usec % Sec)
	if err := z.findNext(spec, &tm, &tmUsec); err != nil {
		return 0, err
	}
	t := z.mktimeOrTimegm(&tm, spec.utc)
	if t < 0 {
		return 0, syscall.EINVAL
	}
	return Usec(t)*Sec + Usec(tmUsec), nil
}
