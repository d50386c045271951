package timeutil

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// Context is the per-process state systemd's time functions depend on: the
// realtime clock and glibc's local zone state, which parsing and formatting
// both read and update.
type Context struct {
	Zone *Zone
	Now  func() Usec
}

// NewContext returns a Context for zone and the clock now.
func NewContext(zone *Zone, now func() Usec) *Context {
	return &Context{Zone: zone, Now: now}
}

func timestampError(t string, errno syscall.Errno) error {
	return fmt.Errorf("timestamp %q: %w", t, errno)
}

// endsWithNoCase is systemd's endswith_no_case: the index where suffix
// starts in s, compared case-insensitively in ASCII.
func endsWithNoCase(s, suffix string) (int, bool) {
	if len(s) < len(suffix) {
		return 0, false
	}
	i := len(s) - len(suffix)
	return i, asciiEqualFold(s[i:], suffix)
}

func startsWithNoCase(s, prefix string) bool {
	return len(s) >= len(prefix) && asciiEqualFold(s[:len(prefix)], prefix)
}

// TimezoneIsValid is systemd's timezone_is_valid: "UTC", or the name of a
// TZif file under /usr/share/zoneinfo.
func TimezoneIsValid(name string) bool {
	if name == "" {
		return false
	}
	if name == "UTC" {
		return true
	}
	if name[0] == '/' {
		return false
	}
	slash := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isASCIIDigit(c) && !isASCIIAlpha(c) && c != '-' && c != '_' && c != '+' && c != '/' {
			return false
		}
		if c == '/' {
			if slash {
				return false
			}
			slash = true
		} else {
			slash = false
		}
	}
	if slash || len(name) >= 4096 {
		return false
	}
	f, err := os.Open(zoneinfoDir + "/" + name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return false
	}
	return string(magic[:]) == "TZif"
}

var timestampDays = []struct {
	name string
	nr   int
}{
	{"Sunday", 0}, {"Sun", 0}, {"Monday", 1}, {"Mon", 1}, {"Tuesday", 2}, {"Tue", 2},
	{"Wednesday", 3}, {"Wed", 3}, {"Thursday", 4}, {"Thu", 4}, {"Friday", 5}, {"Fri", 5},
	{"Saturday", 6}, {"Sat", 6},
}

// ParseTimestamp is systemd 252's parse_timestamp: absolute dates
// ("2012-09-22 16:34:22", optionally with a weekday, ".fraction", " UTC" or
// the local zone's abbreviation), "now", "today", "yesterday", "tomorrow",
// relative forms ("+5min", "-3h", "5min ago", "3h left") and "@epoch".
//
// A trailing IANA zone name other than UTC ("... Europe/Berlin") is
// rejected: 252 hands such input to a forked child that never parses it
// successfully, so systemd-analyze 252 fails on every such timestamp.
func (c *Context) ParseTimestamp(t string) (Usec, error) {
	t = cString(t)
	if i := strings.LastIndexByte(t, ' '); i >= 0 && TimezoneIsValid(t[i+1:]) {
		if _, utc := endsWithNoCase(t, " UTC"); !utc {
			return 0, timestampError(t, errInval)
		}
	}
	return c.parseTimestampImpl(t)
}

func (c *Context) parseTimestampImpl(orig string) (Usec, error) {
	t := orig
	if strings.HasPrefix(t, "@") {
		return ParseSec(t[1:])
	}
	ret := c.Now()
	var plus, minus Usec
	var err error
	switch {
	case t == "now":
		return finishTimestamp(orig, ret, plus, minus)
	case strings.HasPrefix(t, "+"):
		if plus, err = ParseSec(t[1:]); err != nil {
			return 0, err
		}
		return finishTimestamp(orig, ret, plus, minus)
	case strings.HasPrefix(t, "-"):
		if minus, err = ParseSec(t[1:]); err != nil {
			return 0, err
		}
		return finishTimestamp(orig, ret, plus, minus)
	case strings.HasSuffix(t, " ago"):
		if minus, err = ParseSec(strings.TrimSuffix(t, " ago")); err != nil {
			return 0, err
		}
		return finishTimestamp(orig, ret, plus, minus)
	case strings.HasSuffix(t, " left"):
		if plus, err = ParseSec(strings.TrimSuffix(t, " left")); err != nil {
			return 0, err
		}
		return finishTimestamp(orig, ret, plus, minus)
	}

	dst := -1
	i, utc := endsWithNoCase(t, " UTC")
	if utc {
		t = t[:i]
	} else {
		c.Zone.Tzset()
		for j := 0; j <= 1; j++ {
			name := c.Zone.Tzname[j]
			if name == "" {
				continue
			}
			e, ok := endsWithNoCase(t, name)
			if !ok || e == 0 || t[e-1] != ' ' {
				continue
			}
			t = t[:e-1]
			dst = j
			break
		}
	}

	tm, ok := c.Zone.localtimeOrGmtime(int64(ret/Sec), utc)
	if !ok {
		return 0, timestampError(orig, errInval)
	}
	tm.Isdst = dst
	var xUsec Usec
	weekday := -1

	switch t {
	case "today":
		tm.Sec, tm.Min, tm.Hour = 0, 0, 0
		return c.timestampFromTm(orig, &tm, utc, weekday, xUsec)
	case "yesterday":
		tm.Mday--
		tm.Sec, tm.Min, tm.Hour = 0, 0, 0
		return c.timestampFromTm(orig, &tm, utc, weekday, xUsec)
	case "tomorrow":
		tm.Mday++
		tm.Sec, tm.Min, tm.Hour = 0, 0, 0
		return c.timestampFromTm(orig, &tm, utc, weekday, xUsec)
	}

	for _, d := range timestampDays {
		if !startsWithNoCase(t, d.name) {
			continue
		}
		if len(t) <= len(d.name) || t[len(d.name)] != ' ' {
			continue
		}
		weekday = d.nr
		t = t[len(d.name)+1:]
		break
	}

	saved := tm
	for _, f := range []struct {
		format     string
		fraction   bool
		zeroSecond bool
		midnight   bool
	}{
		{"%y-%m-%d %H:%M:%S", true, false, false},
		{"%Y-%m-%d %H:%M:%S", true, false, false},
		{"%b %d %H:%M:%S", true, false, false},
		{"%y-%m-%d %H:%M", false, true, false},
		{"%Y-%m-%d %H:%M", false, true, false},
		{"%y-%m-%d", false, false, true},
		{"%Y-%m-%d", false, false, true},
		{"%H:%M:%S", true, false, false},
		{"%H:%M", false, true, false},
	} {
		tm = saved
		k, ok := strptime(t, f.format, &tm)
		if !ok {
			continue
		}
		if f.fraction && strings.HasPrefix(k, ".") {
			add, rest, ok := parseFractionalPart(k[1:], 6)
			if !ok || rest != "" {
				return 0, timestampError(orig, errInval)
			}
			xUsec = Usec(add)
			return c.timestampFromTm(orig, &tm, utc, weekday, xUsec)
		}
		if k != "" {
			continue
		}
		if f.zeroSecond {
			tm.Sec = 0
		}
		if f.midnight {
			tm.Sec, tm.Min, tm.Hour = 0, 0, 0
		}
		return c.timestampFromTm(orig, &tm, utc, weekday, xUsec)
	}
	return 0, timestampError(orig, errInval)
}

func (c *Context) timestampFromTm(orig string, tm *Tm, utc bool, weekday int, xUsec Usec) (Usec, error) {
	if weekday >= 0 && tm.Wday != weekday {
		return 0, timestampError(orig, errInval)
	}
	x := c.Zone.mktimeOrTimegm(tm, utc)
	if x < 0 {
		return 0, timestampError(orig, errInval)
	}
	ret := Usec(x)*Sec + xUsec
	if ret > TimestampFormattableMax {
		return 0, timestampError(orig, errInval)
	}
	return finishTimestamp(orig, ret, 0, 0)
}

func finishTimestamp(orig string, ret, plus, minus Usec) (Usec, error) {
	if ret+plus < ret {
		return 0, timestampError(orig, errInval)
	}
	ret += plus
	if ret > TimestampFormattableMax {
		return 0, timestampError(orig, errInval)
	}
	if ret < minus {
		return 0, timestampError(orig, errInval)
	}
	return ret - minus, nil
}

// parseFractionalPart is systemd's parse_fractional_part_u: up to digits
// decimal digits, zero-padded, rounded up by the next digit; further digits
// are skipped.
func parseFractionalPart(s string, digits int) (val uint, rest string, ok bool) {
	i := 0
	for ; i < digits; i++ {
		if i >= len(s) || !isASCIIDigit(s[i]) {
			if i == 0 {
				return 0, s, false
			}
			for k := i; k < digits; k++ {
				val *= 10
			}
			break
		}
		val = val*10 + uint(s[i]-'0')
	}
	if i < len(s) && s[i] >= '5' && s[i] <= '9' {
		val++
	}
	return val, skipSet(s[i:], "0123456789"), true
}

// TimestampStyle selects format_timestamp_style's output.
type TimestampStyle int

// Timestamp styles.
const (
	StylePretty TimestampStyle = iota
	StyleUS
	StyleUTC
	StyleUSUTC
	StyleUnix
)

// formatTimestampMax is systemd's FORMAT_TIMESTAMP_MAX buffer size.
const formatTimestampMax = 38

var weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// FormatTimestamp is systemd's format_timestamp_style, e.g.
// "Thu 2026-11-26 07:17:05 UTC". ok is false where systemd returns NULL
// (an unset timestamp).
func (c *Context) FormatTimestamp(t Usec, style TimestampStyle) (s string, ok bool) {
	utc := style == StyleUTC || style == StyleUSUTC
	us := style == StyleUS || style == StyleUSUTC
	if t == 0 || t == Infinity {
		return "", false
	}
	if style == StyleUnix {
		return fmt.Sprintf("@%d", t/Sec), true
	}
	if t > TimestampFormattableMax {
		return "--- XXXX-XX-XX XX:XX:XX", true
	}
	tm, ok := c.Zone.localtimeOrGmtime(int64(t/Sec), utc)
	if !ok {
		return "", false
	}
	buf := fmt.Sprintf("%s %d-%02d-%02d %02d:%02d:%02d", weekdayNames[tm.Wday],
		tm.Year+1900, tm.Mon+1, tm.Mday, tm.Hour, tm.Min, tm.Sec)
	if us {
		buf += fmt.Sprintf(".%06d", t%Sec)
	}
	n := len(buf)
	switch {
	case utc:
		buf += " UTC"
	case tm.Zone != "":
		if n+1+len(tm.Zone)+1 > formatTimestampMax {
			if n+1+6+1 > formatTimestampMax {
				return "", false
			}
		} else {
			buf += " " + tm.Zone
		}
	}
	return buf, true
}

// FormatTimestampRelative is systemd's format_timestamp_relative, e.g.
// "2min 3s ago" or "1 day 4h left".
func (c *Context) FormatTimestampRelative(t Usec) (string, bool) {
	if t == 0 || t == Infinity {
		return "", false
	}
	n := c.Now()
	var d Usec
	s := "left"
	if n > t {
		d = n - t
		s = "ago"
	} else {
		d = t - n
	}
	plural := func(v Usec, one, many string) string {
		if v == 1 {
			return one
		}
		return many
	}
	switch {
	case d >= Year:
		years, months := d/Year, (d%Year)/Month
		return fmt.Sprintf("%d %s %d %s %s", years, plural(years, "year", "years"), months, plural(months, "month", "months"), s), true
	case d >= Month:
		months, days := d/Month, (d%Month)/Day
		return fmt.Sprintf("%d %s %d %s %s", months, plural(months, "month", "months"), days, plural(days, "day", "days"), s), true
	case d >= Week:
		weeks, days := d/Week, (d%Week)/Day
		return fmt.Sprintf("%d %s %d %s %s", weeks, plural(weeks, "week", "weeks"), days, plural(days, "day", "days"), s), true
	case d >= 2*Day:
		return fmt.Sprintf("%d days %s", d/Day, s), true
	case d >= 25*Hour:
		return fmt.Sprintf("1 day %dh %s", (d-Day)/Hour, s), true
	case d >= 6*Hour:
		return fmt.Sprintf("%dh %s", d/Hour, s), true
	case d >= Hour:
		return fmt.Sprintf("%dh %dmin %s", d/Hour, (d%Hour)/Minute, s), true
	case d >= 5*Minute:
		return fmt.Sprintf("%dmin %s", d/Minute, s), true
	case d >= Minute:
		return fmt.Sprintf("%dmin %ds %s", d/Minute, (d%Minute)/Sec, s), true
	case d >= Sec:
		return fmt.Sprintf("%ds %s", d/Sec, s), true
	case d >= MSec:
		return fmt.Sprintf("%dms %s", d/MSec, s), true
	case d > 0:
		return fmt.Sprintf("%dus %s", d, s), true
	}
	return "now", true
}
