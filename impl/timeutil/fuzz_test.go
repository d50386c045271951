package timeutil

import (
	"testing"
)

// Seeds are inputs from systemd 252's src/test/test-time-util.c,
// test-date.c and test-calendarspec.c, plus our own.
var (
	spanSeeds = []string{"5s", "5s500ms", " 5.5s 0.5ms ", "3.1 sec 1.2 sec", "infinity", ".7", "1.1111111111111y",
		"11111111111111y", "23µs", "23μs", "1hours", "1mins", "12.34.56", "3. 1s", "-5s", "", "0x10",
		"18446744073709551615us", "1y 1M 1w 1d 1h 1min 1s 1ms 1us"}
	timestampSeeds = []string{"now", "today", "yesterday", "tomorrow", "+5min", "-3h", "5min ago", "3h left",
		"@1395716396", "@1700000000.5", "2012-09-22 16:34:22", "2012-09-22 16:34", "2012-09-22", "16:34:22",
		"16:34", "12-10-2 12:13:14", "Mar 12 12:01:01.687197", "Tue 2012-10-02", "2024-03-31 02:30 CEST",
		"2024-07-01 12:00 UTC", "1969-12-31 UTC", "9999-12-31 00:00:00 UTC", "2024-07-01 12:00 Europe/Berlin",
		"2024-07-01 12:00:00.9999995"}
	calendarSeeds = []string{"daily", "hourly", "weekly", "minutely", "monthly", "quarterly", "semi-annually",
		"Sat,Thu,Mon..Wed,Sat..Sun", "Mon,Sun 12-*-* 2,1:23", "*-*~05,3 ", "*-*~1 Utc", "*:4,30:0/1,3,5",
		"00:00:1.125..2.125", "2016-03-27 03:17:00.4200005", "2015-11-13 09:11:23.42/1.77", "@1493187147 UTC",
		"2017-09-24 03:30:00 Pacific/Auckland", "Sun *-*-* 01:00:00 Europe/Dublin", "*-02-29", "*-*~07/2",
		"Mon..Fri 09:00", "93..00-*-*", "*:20..39/5", "*-*-* 02:30:00 CET", "00:00:18446744073709551615"}
)

func fixedContext(tz string) *Context {
	return NewContext(LoadZone(tz, true), func() Usec { return 1718454896 * Sec })
}

// FuzzParseTime checks that parsing never panics and that formatting a
// parsed span parses back to the same value. Near the top of the range the
// formatted parts overflow while summing (systemd 252 too rejects
// "584542y 2w 1d 23h 33min 20s"), so only spans below 2^62 must round-trip.
func FuzzParseTime(f *testing.F) {
	for _, s := range spanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSec(s)
		if err != nil || v >= 1<<62 {
			return
		}
		formatted := FormatTimespan(v, 0)
		back, err := ParseSec(formatted)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, formatted, back, err)
		}
	})
}

// FuzzParseTimestamp checks that parsing never panics and that a parsed
// timestamp, formatted in UTC with microseconds, parses back to itself. (The
// local form does not round-trip in 252 where the zone abbreviation is also
// a zoneinfo file name, such as CET: see ParseTimestamp.)
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range timestampSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, berlin bool) {
		tz := "UTC"
		if berlin {
			tz = "Europe/Berlin"
		}
		ctx := fixedContext(tz)
		v, err := ctx.ParseTimestamp(s)
		if err != nil || v < 315532800*Sec || v > 7258118399*Sec {
			return
		}
		formatted, ok := ctx.FormatTimestamp(v, StyleUSUTC)
		if !ok {
			t.Fatalf("%q → %d does not format", s, v)
		}
		back, err := ctx.ParseTimestamp(formatted)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, formatted, back, err)
		}
	})
}

// FuzzParseCalendar checks that parsing never panics, that the normalized
// form parses back to the same normalized form, and that computing the next
// elapse terminates.
func FuzzParseCalendar(f *testing.F) {
	for _, s := range calendarSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, berlin bool) {
		tz := "UTC"
		if berlin {
			tz = "Europe/Berlin"
		}
		ctx := fixedContext(tz)
		spec, err := ctx.ParseCalendar(s)
		if err != nil {
			return
		}
		normalized := ctx.CalendarString(spec)
		again, err := ctx.ParseCalendar(normalized)
		if err != nil {
			t.Fatalf("%q → %q does not parse: %v", s, normalized, err)
		}
		if n2 := ctx.CalendarString(again); n2 != normalized {
			t.Fatalf("%q → %q → %q", s, normalized, n2)
		}
		_, _ = ctx.NextElapse(spec, ctx.Now())
	})
}
