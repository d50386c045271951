package analyze

import (
	"testing"

	"gosystemd/impl/timeutil"
)

// timespanFromSystemd are inputs of systemd 252's src/test/test-time-util.c
// (parse_sec, parse_time, parse_sec_fix_0, parse_sec_def_infinity tests).
var timespanFromSystemd = []string{
	" . ", " .22s ", " .50y ", " 5. ", " 5.5s  ", " 5.5s 0.5ms ", " 5s 500ms  ", " infinity ",
	" infinity .7", " xyz ", "", "+3.1s", "-0.-0s ", "-0.0s ", "-0.3s ", "-5s ", "..1234", ".3 infinity",
	".7", ".s ", "0.-0s ", "1.1111111111111y", "11111111111111y", "12..34", "12.34.56", "1234..", "2.5",
	"23us", "23µs", "23μs", "3. 1s", "3.+1s", "3.-0s ", "3.1 .2", "3.1 sec .2 sec", "3.1 sec 1.2 sec",
	"3.1s.2", "3.s", "5", "5s", "5s500ms", "infinity", "     ", " 0", "-5s", "0", "0s",
	"1.111111111111y", "1111111111111y", "3.1 .2s",
}

// timespanOwn are our edge cases: every unit spelling, plural and invalid
// suffixes, fractions, overflow, whitespace and formatting boundaries.
var timespanOwn = []string{
	"1hours", "1mins", "1hour", "1hr", "1h", "1minute", "1minutes", "1min", "1m", "1M", "1month",
	"1months", "1msec", "1ms", "1usec", "1us", "1seconds", "1second", "1sec", "1s", "1days", "1day",
	"1d", "1weeks", "1week", "1w", "1years", "1year", "1y", "1Y", "1H", "1S", "1D", "1secs", "1hrs",
	"1nsec", "1ns", "5min 3s", "5min3s", "5 min 3 s", "1y 1M 1w 1d 1h 1min 1s 1ms 1us", "0.5", "0.5s",
	"0.000001s", "0.0000001s", "59.999999s", "60s", "61s", "3599s", "3600s", "86399.5s", "1.5ms",
	"1.5us", "2.25h", "1.1111111m", "100000000000s", "18446744073709551615us", "18446744073709551614us",
	"18446744073709551616", "9223372036854775807", "9223372036854775808", "584542y", "584543y",
	"584542y 10month", "1e3", "0x10", "010", "+5", "++5", "5 5", "5\t5", "5\n", "5s\n\n", "\t5s",
	"infinity5", "infinityx", "Infinity", "INFINITY", "inf", "5 infinity", "1.", "1..", "1.2.3",
	"1 .5", "1s .5", "1s.5", "1.5.s", "5m30", "1h30", "30 m", "30m ", "20ms5us", "3h 0min", "1w2d",
	"1000000us", "999999us", "999ms", "1001ms", "1min 0.5s", "61.5s", "59.5s", "1h 59min 59.999999s",
	"4w 2d", "1month 1w", "12month", "13month", "365d", "366d", "1y 1s", "31557599s", "31557600s",
	"2629800s", "2629799s", "604800s", "604799s", "86400s", "86401s", "0.1", "0.01", "0.001", "0.0001",
	"0.00001", "0.000001", "0.0000005", "123456789", "1 2 3", "-", "- 5", "5 -", "5-", "5 s", "5  s",
	"µs", "5µ", "5μsec", "s", "5ss", "5mm", "5 ms s", "18446744000000", "584542y 2w 1d 23h 33min 20s",
}

func timespanInputs() []string {
	return append(append([]string{}, timespanFromSystemd...), timespanOwn...)
}

// TestTimespanDifferential feeds all time spans to both tools. timespan
// stops at the first invalid argument, so each call starts right after the
// previous call's failure: every input is run once.
func TestTimespanDifferential(t *testing.T) {
	requireTools(t)
	e := testEnv{"2024-06-15 12:34:56", map[string]string{"TZ": "UTC"}}
	inputs := timespanInputs()
	passed, total := 0, 0
	{
		for i := 0; i < len(inputs); {
			n := 0
			for i+n < len(inputs) && n < 30 {
				_, err := timeutil.ParseSec(inputs[i+n])
				n++
				if err != nil {
					break
				}
			}
			args := append([]string{"timespan", "--"}, inputs[i:i+n]...)
			total += n
			if compare(t, e, args) {
				passed += n
			}
			i += n
		}
	}
	// An explicit C locale is not UTF-8: "μs:" becomes "us:".
	for _, lang := range []map[string]string{{"LANG": "C"}, {"LC_ALL": "POSIX"}, {"LANG": "C.UTF-8"}, {"LANG": "xx_XX"}} {
		lang["TZ"] = "UTC"
		total++
		if compare(t, testEnv{e.fakeTime, lang}, []string{"timespan", "1s", "5min 3.5s"}) {
			passed++
		}
	}
	t.Logf("timespan: %d of %d runs agree (%d spans, then 4 locales)", passed, total, len(inputs))
}
