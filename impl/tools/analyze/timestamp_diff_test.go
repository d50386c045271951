package analyze

import "testing"

// timestampFromSystemd are inputs of systemd 252's src/test/test-date.c.
var timestampFromSystemd = []string{
	"17:41", "18:42:44", "18:42:44.0", "18:42:44.999999999999", "12-10-02 12:13:14", "12-10-2 12:13:14",
	"12-10-03 12:13", "2012-12-30 18:42", "2012-10-02", "Mar 12 12:01:01", "Mar 12 12:01:01.687197",
	"Tue 2012-10-02", "yesterday", "today", "tomorrow", "16:20 UTC", "16:20 Asia/Seoul",
	"tomorrow Asia/Seoul", "2012-12-30 18:42 Asia/Seoul", "now", "+2d", "+2y 4d", "5months ago",
	"@1395716396", "1970-1-1 UTC", "1970-1-1 00:00:01 UTC", "1969-12-31 UTC", "-1000y", "today UTC UTC",
	"now Asia/Seoul", "+2d Asia/Seoul", "@1395716396 Asia/Seoul", "9999-12-30 23:59:59 UTC",
	"9999-12-31 00:00:00 UTC", "10000-01-01 00:00:00 UTC", "2038-01-19 03:14:07 UTC",
	"2038-01-19 03:14:08 UTC",
}

// timestampOwn are our edge cases: every accepted layout, weekday checks,
// fractions, relative forms, zone suffixes, DST gaps and overlaps, bounds.
var timestampOwn = []string{
	"2024-03-31 02:30", "2024-03-31 02:30:00", "2024-03-31 01:59:59", "2024-03-31 03:00",
	"2024-10-27 02:30", "2024-10-27 02:30 CET", "2024-10-27 02:30 CEST", "2024-10-27 01:30",
	"2024-03-10 02:30", "2024-11-03 01:30", "2024-11-03 01:30 EST", "2024-11-03 01:30 EDT",
	"2024-07-01 12:00 CET", "2024-07-01 12:00 CEST", "2024-01-01 12:00 CEST", "2024-07-01 12:00 EST",
	"2024-07-01 12:00 cest", "2024-07-01 12:00 utc", "2024-07-01 12:00 Utc", "2024-07-01 12:00UTC",
	"2024-07-01 12:00 GMT", "2024-07-01 12:00 Europe/Berlin", "2024-07-01 12:00 Nowhere/Zone",
	"Mon 2024-07-01 12:00", "Tue 2024-07-01 12:00", "monday 2024-07-01", "Monday 2024-07-01",
	"MON 2024-07-01", "Mo 2024-07-01", "Mon  2024-07-01", "Mon,2024-07-01", "Fri 12:00", "Sat 12:00",
	"Sat today", "Jan 1 00:00:00", "January 01 00:00:00", "jan 1 00:00:00", "Feb 30 12:00:00",
	"Dec 31 23:59:59.999999", "Jan 1 00:00", "2024-02-30", "2024-02-29", "2023-02-29", "2024-13-01",
	"2024-00-10", "2024-01-32", "2024-1-1", "24-1-1", "69-01-01", "68-12-31", "70-01-01",
	"2024-07-01 24:00", "2024-07-01 23:60", "2024-07-01 23:59:60", "2024-07-01 23:59:61",
	"2024-07-01 23:59:62", "2024-07-0112:00", "2024-07-01  12:00", "2024-07-01\t12:00", " 2024-07-01",
	"2024-07-01 ", "2024-07-01T12:00:00", "2024-07-01T12:00:00Z", "2024-07-01 12:00:00Z",
	"2024-07-01 12:00:00+02:00", "2024-07-01 12:00:00 +0200", "2024-07-01 12:00:00.5",
	"2024-07-01 12:00:00.123456", "2024-07-01 12:00:00.1234564", "2024-07-01 12:00:00.1234565",
	"2024-07-01 12:00:00.9999995", "2024-07-01 12:00:00.", "2024-07-01 12:00:00.x",
	"2024-07-01 12:00:00.5 UTC", "2024-07-01 12:00.5", "12:00:00.5", "12:00:00.", "12.00",
	"12:00:00 UTC", "00:00", "23:59:59", "24:00", "1:2:3", "1:2", "1", "now ", " now", "NOW",
	"Today", "today UTC", "yesterday UTC", "tomorrow UTC", "today CET", "today CEST", "tomorrow  UTC",
	"+0", "+5min", "+5min 3s", "-5min", "-3h", "+1y", "-1y", "+100y", "+10000y", "-100y", "+infinity",
	"-infinity", "+", "-", "+ 5s", "5min ago", "5min left", "0 ago", "ago", " ago", "3h ago UTC",
	"1 ago", "1s left", "1.5s ago", "-0", "@0", "@1", "@0.5", "@1700000000", "@1700000000.123456",
	"@1700000000.1234567", "@253402214399", "@253402214400", "@-1", "@ 5", "@", "@infinity",
	"@1 UTC", "@5min", "@1.5h", "1970-01-01 00:00:00 UTC", "1970-01-01 00:00:01 UTC",
	"1970-01-01 01:00:00", "1970-01-01", "2199-12-31", "9999-12-31 23:59:59", "9999-12-31",
	"2000-01-01 00:00:00 utc", "Sat 2000-01-01", "Sat 2000-01-01 UTC", "Sun 2000-01-01 UTC",
	"Sat 00-01-01", "2024-06-15 12:34:56", "Sat 2024-06-15 12:34:56 UTC", "2024-06-15 12:34:56 EDT",
	"2024-06-15 12:34:56 EST", "2024-06-15 12:34:56 edt", "2024-12-15 12:34:56 EDT", "",
	"garbage", "2024", "2024-06", "06-15", "2024/06/15",
}

func timestampInputs() []string {
	return append(append([]string{}, timestampFromSystemd...), timestampOwn...)
}

// TestTimestampDifferential runs every timestamp in three zones with the
// real tool's clock frozen (see diff_helpers_test.go), so relative forms
// and "From now:" compare exactly.
func TestTimestampDifferential(t *testing.T) {
	requireTools(t)
	envs := []testEnv{
		{"2024-06-15 12:34:56", map[string]string{"TZ": "UTC"}},
		{"2024-03-30 23:45:00", map[string]string{"TZ": "Europe/Berlin"}},
		{"2024-11-03 00:30:00", map[string]string{"TZ": "America/New_York"}},
	}
	inputs := timestampInputs()
	passed, total := 0, 0
	for _, e := range envs {
		for _, batch := range batches(inputs, 40) {
			total += len(batch)
			if compare(t, e, append([]string{"timestamp", "--"}, batch...)) {
				passed += len(batch)
			}
		}
	}
	t.Logf("timestamp: %d of %d inputs (%d timestamps x %d zones) agree", passed, total, len(inputs), len(envs))
}
