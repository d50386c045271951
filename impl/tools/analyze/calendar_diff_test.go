package analyze

import "testing"

// calendarFromSystemd are inputs of systemd 252's src/test/test-calendarspec.c
// (test_one, test_next and the calendar_spec_from_string failure cases).
var calendarFromSystemd = []string{
	"Sat,Thu,Mon-Wed,Sat-Sun", "Sat,Thu,Mon..Wed,Sat..Sun", "Mon,Sun 12-*-* 2,1:23", "Wed *-1",
	"Wed-Wed,Wed *-1", "Wed..Wed,Wed *-1", "Wed, 17:48", "Wednesday,", "Wed-Sat,Tue 12-10-15 1:2:3",
	"Wed..Sat,Tue 12-10-15 1:2:3", "*-*-7 0:0:0", "10-15", "monday *-12-* 17:00",
	"Mon,Fri *-*-3,1,2 *:30:45", "12,14,13,12:20,10,30", "mon,fri *-1/2-1,3 *:30:45", "03-05 08:05:40",
	"08:05:40", "05:40", "Sat,Sun 12-05 08:05:40", "Sat,Sun 08:05:40", "2003-03-05 05:40", "2003-03-05",
	"03-05", "hourly", "daily", "monthly", "weekly", "minutely", "quarterly", "semi-annually", "annually",
	"*:2/3", "2015-10-25 01:00:00 uTc", "2015-10-25 01:00:00 Asia/Vladivostok", "weekly Pacific/Auckland",
	"2016-03-27 03:17:00.4200005", "2016-03-27 03:17:00/0.42", "9..11,13:00,30", "1..3-1..3 1..3:1..3",
	"00:00:1.125..2.125", "00:00:1.0..3.8", "00:00:01..03", "00:00:01/2,02..03", "*:4,30:0..3",
	"*:4,30:0/1", "*:4,30:0/1,3,5", "*-*~1 Utc", "*-*~05,3 ", "*-*~* 00:00:00", "Monday", "Monday *-*-*",
	"*-*-*", "*:*:*", "*:*", "12:*", "*:30", "93..00-*-*", "00..07-*-*", "*:20..39/5", "00:00:20..40/1",
	"*~03/1,03..05", "@1493187147", "@1493187147 UTC", "@0", "@0 UTC", "*:05..05", "*:05..10/6",
	"2016-03-27 03:17:00", "2016-03-27 03:17:00 UTC", "2016-03-27 03:17:00.420000001 UTC",
	"2016-03-27 03:17:00.4200005 UTC", "2015-11-13 09:11:23.42", "2015-11-13 09:11:23.42/1.77",
	"Sun 16:00:00", "*-04-31", "2016-02~01 UTC", "Mon 2017-05~01..07 UTC", "Mon 2017-05~07/1 UTC",
	"*-*-01/5 04:00:00 UTC", "*-01/7-01 04:00:00 UTC", "2017-08-06 9,11,13,15,17:00 UTC",
	"2017-08-06 9..17/2:00 UTC", "2016-12-* 3..21/6:00 UTC", "2017-09-24 03:30:00 Pacific/Auckland",
	"2017-09-24 02:30:00 Pacific/Auckland", "2017-04-02 02:30:00 Pacific/Auckland",
	"2017-04-02 03:30:00 Pacific/Auckland", "2017-09-09 20:42:00 Pacific/Auckland",
	"Sun *-*-* 01:00:00 Europe/Dublin",
	"test", " utc", "    ", "", "7", "121212:1:2", "2000-03-05.23 00:00:00", "2000-03-05 00:00.1:00",
	"00:00:00/0.00000001", "00:00:00.0..00.9", "2016~11-22", "*-*~5/5", "Monday.. 12:00", "Monday..",
	"-00:+00/-5", "00:+00/-5", "2016- 11- 24 12: 30: 00", "*~29", "*~16..31", "12..1/2-*", "20/4:00",
	"00:00/60", "00:00:2300", "00:00:18446744073709551615", "@88588582097858858", "*:4,30:*,5",
	"*:4,30:5,*", "*:4,30:*\n",
}

// calendarOwn are our edge cases: keywords, DST transitions, end of month,
// weekday ranges, repetitions, bounds, fractions and time zone suffixes.
var calendarOwn = []string{
	"daily ", "DAILY", "Hourly", "yearly", "anually", "biannually", "bi-annually", "semiannually",
	"daily UTC", "daily Europe/Berlin", "hourly America/New_York", "weekly UTC", "monthly Asia/Tokyo",
	"*-*-* 02:30:00", "*-*-* 02:30:00 Europe/Berlin", "*-*-* 02:30:00 America/New_York",
	"*-*-* 01:30:00", "*-*-* 01:30:00 America/New_York", "*-*-* 03:00:00", "*-*-* 02:00:00",
	"2024-03-31 02:30", "2024-10-27 02:30", "2024-03-10 02:30", "2024-11-03 01:30",
	"2024-03-31 02:30 Europe/Berlin", "2024-10-27 02:30 Europe/Berlin", "2024-03-10 02:30 America/New_York",
	"2024-11-03 01:30 America/New_York", "*-*-* *:00/15", "*-*-* *:*:00/15", "*:0/7", "*:*:0/7.5",
	"*-*-* *:*:*.5", "*:*:0.25/0.25", "*:*:59.9999999", "*:*:59.999999", "*:*:60", "*:*:0..59/20",
	"*-02-29", "*-02-29 12:00", "*-02-30", "*-*-31", "*-*~01", "*-*~1..3", "*-02~01", "*-02~03",
	"*-*~07/2", "*-*~28", "*-*~29", "*-*~0", "*-12~01 23:59:59", "Fri *-*~07/1", "Mon *-*-1..7",
	"Mon..Fri 09:00", "Sat..Sun 10:00", "Sat..Mon", "Mon..Mon", "Fri-Mon", "Mon,Wed,Fri 12:00",
	"Tue..Thu,Sat", "Sunday *-*-* 00:00:00", "sun..sat", "SUNDAY", "Mo", "Mon.Tue", "Mon,,Tue",
	"Mon, Tue", "Mon..", "Mon-", "Mon 2024-*-*", "Thu 2026-11-26", "1970-01-01", "1969-12-31",
	"2199-12-31 23:59:59", "2200-01-01", "2199-*-*", "2100..2199-01-01", "70-01-01", "69-01-01",
	"99-12-31", "00-01-01", "0..2-01-01", "2024-1..12/3-1", "*-1/3-1", "*-*-1/10", "*-*-* 0/6:00",
	"*-*-* 23..2:00", "*-*-* 22..23:00", "*-*-* 24:00", "*-*-* 12:60", "*-13-01", "*-00-01",
	"*-01-00", "*-01-32", "2024-06-15 12:00:00.000001", "2024-06-15 12:00:00.1234567", "12:00:00.5",
	"12:00:00..30", "12:00:5..1", "12:00:00/0", "12:00/0", "*:*:*/1", "*:*:*/2", "12", "12:", ":30",
	"12:30:", "12:30:00:00", "*-*", "*-*-*-*", "1-2-3-4", "2024-06-15T12:00:00", "2024-06-15 12:00 CET",
	"2024-06-15 12:00 CEST", "2024-06-15 12:00 EST", "2024-06-15 12:00 EDT", "2024-06-15 12:00 GMT",
	"2024-06-15 12:00 Etc/GMT+5", "2024-06-15 12:00 Europe/Nowhere", "2024-06-15 12:00 utc",
	"2024-06-15 12:00  UTC", "@1700000000", "@-1", "@1700000000 Europe/Berlin", "@7258118400",
	"@ 5", "@+5", "@", "@x", "Mon @0", "*:*:* UTC", "1,2,3,4,5,6,7,8,9,10,11,12-*", "*-*-1,15,28..31",
	"*-*-* 1,2,3:4,5,6:7,8,9", "*-*-* 00:00:00.000000", "00:00:00.000000001", "*-*-* 0:0:0.0..0.5",
	"*-*-*\t00:00", "*-*-*  00:00", " daily", "daily\n", "weekly weekly", "Mon *-*-* 00:00:00 UTC",
	"Sat *-*~01", "*-*~1 12:00 UTC", "*-02~1..3 Europe/Berlin", "2017-09-24 02:30:00 Pacific/Auckland",
}

func calendarInputs() []string {
	return append(append([]string{}, calendarFromSystemd...), calendarOwn...)
}

// TestCalendarDifferential compares every calendar input in several zones,
// with base times around DST changes and several iterations.
func TestCalendarDifferential(t *testing.T) {
	requireTools(t)
	groups := []struct {
		env  testEnv
		opts []string
	}{
		{testEnv{"2024-06-15 12:34:56", map[string]string{"TZ": "UTC"}}, []string{"--iterations=3"}},
		{testEnv{"2024-06-15 12:34:56", map[string]string{"TZ": "UTC"}}, []string{"--iterations=2", "--base-time=2016-03-26 12:00:00 UTC"}},
		{testEnv{"2024-03-30 22:10:00", map[string]string{"TZ": "Europe/Berlin"}}, []string{"--iterations=4", "--base-time=2024-03-30 23:00:00"}},
		{testEnv{"2024-10-26 12:00:00", map[string]string{"TZ": "Europe/Berlin"}}, []string{"--iterations=3", "--base-time=2024-10-27 00:59:59 UTC"}},
		{testEnv{"2024-03-09 20:00:00", map[string]string{"TZ": "America/New_York"}}, []string{"--iterations=4", "--base-time=2024-03-10 00:00:00"}},
		{testEnv{"2024-11-02 20:00:00", map[string]string{"TZ": "America/New_York"}}, []string{"--iterations=3", "--base-time=@1730608200"}},
	}
	inputs := calendarInputs()
	passed, total := 0, 0
	for _, g := range groups {
		for _, batch := range batches(inputs, 40) {
			args := append(append(append([]string{}, g.opts...), "calendar", "--"), batch...)
			total += len(batch)
			if compare(t, g.env, args) {
				passed += len(batch)
			}
		}
	}
	t.Logf("calendar: %d of %d inputs (%d specs x %d setups) agree", passed, total, len(inputs), len(groups))
}
