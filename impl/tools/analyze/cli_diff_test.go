package analyze

import "testing"

// TestCommandLineDifferential covers option parsing (glibc getopt_long
// messages, abbreviations, permutation), help, version, verb dispatch and
// the option/verb consistency checks.
func TestCommandLineDifferential(t *testing.T) {
	requireTools(t)
	e := testEnv{"2024-06-15 12:34:56", map[string]string{"TZ": "UTC"}}
	cases := [][]string{
		{"-h"}, {"--help"}, {"--he"}, {"help"}, {"help", "x", "y"}, {"--version"}, {"--ver"},
		{"calendar", "-h"}, {"--help=x"}, {"--foo"}, {"--foo=bar"}, {"--u"}, {"--u=x"}, {"-x"}, {"-H"},
		{"-qx"}, {"--iterations"}, {"--iterations=0", "calendar", "daily"},
		{"--iterations=0x3", "calendar", "daily"}, {"--iterations=010", "calendar", "hourly"},
		{"--iterations=0b11", "calendar", "hourly"}, {"--iterations=0o7", "calendar", "minutely"},
		{"--iterations= 2", "calendar", "daily"}, {"--iterations=-1", "calendar", "daily"},
		{"--iterations=2x", "calendar", "daily"}, {"--iterations=", "calendar", "daily"},
		{"--iterations=4294967296", "calendar", "daily"}, {"--it", "2", "calendar", "daily"},
		{"calendar", "--iterations=2", "daily"}, {"calendar", "daily", "--iterations", "2"},
		{"--base-time=foo", "calendar", "daily"}, {"--base-time=@0", "calendar", "daily"},
		{"--base-time=2199-12-31 23:00", "calendar", "hourly"}, {"--base-time=9999-12-31", "calendar", "daily"},
		{"--base-time=-5y", "calendar", "daily"}, {"--base-time=2024-02-29", "--iterations=5", "calendar", "*-02-29"},
		{"calendar"}, {"timestamp"}, {"timespan"}, {"nosuch"}, {"nosuch", "x"}, {"compare-versions", "1"},
		{"unit-paths", "x"}, {"verify"}, {"cat-config"}, {"set-log-level"}, {"blame", "x"},
		{"--json=bogus", "calendar", "x"}, {"--json=help"}, {"--json=off", "calendar", "daily"},
		{"--json=short", "calendar", "daily"}, {"--man=maybe", "calendar", "daily"}, {"--man=no", "calendar", "daily"},
		{"--generators", "calendar", "daily"}, {"--offline=yes", "calendar", "daily"}, {"--offline=no", "calendar", "daily"},
		{"--fuzz=x", "calendar", "daily"}, {"--fuzz=5s", "calendar", "daily"}, {"--root=/x", "calendar", "daily"},
		{"--root=/", "calendar", "daily"}, {"--root=", "calendar", "daily"}, {"--image=/x", "calendar", "daily"},
		{"--unit=foo.service", "calendar", "daily"}, {"-U", "foo", "timespan", "1s"}, {"--global", "calendar", "daily"},
		{"--user", "calendar", "daily"}, {"--system", "timespan", "1s"}, {"--threshold=50", "calendar", "daily"},
		{"--threshold=100", "calendar", "daily"}, {"--threshold=101", "calendar", "daily"},
		{"--security-policy=/x.json", "calendar", "daily"}, {"--recursive-errors=help"},
		{"--recursive-errors=bogus", "calendar", "daily"}, {"--recursive-errors=one", "timespan", "1s"},
		{"--profile=", "timespan", "1s"}, {"--profile=foo", "timespan", "1s"}, {"--profile=/x/foo", "timespan", "1s"},
		{"--profile=/x/foo.conf", "timespan", "1s"}, {"-q", "timespan", "1s"}, {"--no-pager", "timespan", "1s"},
		{"-H", "host", "timespan", "1s"}, {"-Mfoo", "timespan", "1s"}, {"--order", "--require", "timespan", "1s"},
		{"timespan", "-5s"}, {"timespan", "--", "-5s"}, {"timestamp", "--", "-5s", "+5s"}, {"calendar", "-"},
		{"timespan", "1s", "--", "--x"}, {"timespan", "1s", "bad", "2s"}, {"timestamp", "bad", "now", "worse"},
		{"calendar", "bad", "daily", "worse"}, {"condition"}, {"--unit=x", "condition", "y"},
		{"--=x"}, {"-"}, {"---x"}, {"--", "timespan", "1s"}, {"-qh"}, {"-hq"}, {"-Hx", "-h"},
	}
	passed := 0
	for _, c := range cases {
		if compare(t, e, c) {
			passed++
		}
	}
	posix := testEnv{e.fakeTime, map[string]string{"TZ": "UTC", "POSIXLY_CORRECT": "1"}}
	for _, c := range [][]string{{"timespan", "1s", "--foo"}, {"--iterations=2", "calendar", "daily", "-h"}} {
		if compare(t, posix, c) {
			passed++
		}
	}
	t.Logf("command line: %d of %d cases agree", passed, len(cases)+2)
}

// TestZonesDifferential checks the glibc TZ handling: unset, empty,
// colon-prefixed, POSIX rule strings, unknown names, half-hour DST and
// zones far from UTC.
func TestZonesDifferential(t *testing.T) {
	requireTools(t)
	zones := []map[string]string{
		{}, {"TZ": ""}, {"TZ": ":Europe/Berlin"}, {"TZ": "EST5EDT"}, {"TZ": "XYZ-3"},
		{"TZ": "XYZ-3ABC,M3.5.0,M10.5.0/3"}, {"TZ": "Europe/Nowhere"}, {"TZ": "<+0530>-5:30"},
		{"TZ": "Asia/Tokyo"}, {"TZ": "Australia/Lord_Howe"}, {"TZ": "Pacific/Chatham"},
		{"TZ": "Africa/Abidjan"}, {"TZ": "Europe/London"}, {"TZ": "America/Sao_Paulo"},
		{"TZ": "Asia/Kolkata"}, {"TZ": "Europe/Dublin"}, {"TZ": "IST-1GMT-0,M10.5.0/1,M3.5.0/1"},
	}
	calendar := []string{"daily", "*-*-* 02:30", "Sun *-*-* 01:00:00", "*-*~01 03:00", "hourly",
		"2025-10-26 01:30", "*-*-* 00:00:00 UTC", "weekly Europe/Dublin", "*-*-* 02:30 GMT", "daily CET"}
	timestamps := []string{"now", "today", "tomorrow", "2025-03-30 02:30", "2025-10-26 01:30",
		"2025-06-01 12:00 UTC", "@1742000000", "12:00", "2025-01-01 00:00 EST", "2025-07-01 00:00 IST"}
	passed, total := 0, 0
	for _, z := range zones {
		e := testEnv{"2025-03-29 23:30:00", z}
		for _, args := range [][]string{
			append([]string{"--iterations=3", "calendar"}, calendar...),
			append([]string{"timestamp"}, timestamps...),
		} {
			total++
			if compare(t, e, args) {
				passed++
			}
		}
	}
	t.Logf("zones: %d of %d runs agree", passed, total)
}
