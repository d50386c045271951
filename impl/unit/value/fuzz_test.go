package value

import (
	"strconv"
	"testing"
)

// Seeds are values seen in unit files (Debian's corpus and systemd's
// documentation) plus edge cases.

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"10M", "1.5G", "512K", "4096", "infinity", "1E", "16E", "0.5", "1 G", "-1", "8T 1K", "3.999999999999999999K", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, base := range []uint64{1000, 1024} {
			v, err := ParseSize(s, base)
			if err != nil {
				continue
			}
			again, err := ParseSize(strconv.FormatUint(v, 10), base)
			if err != nil || again != v {
				t.Fatalf("ParseSize(%q, %d) = %d, but its decimal form gives %d, %v", s, base, v, again, err)
			}
		}
	})
}

func FuzzSignalFromString(f *testing.F) {
	for _, s := range []string{"SIGTERM", "TERM", "9", "RTMIN", "RTMIN+3", "SIGRTMAX-1", "RTMAX", "0", "65", "SIGFOO", "+5", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := SignalFromString(s)
		if err != nil {
			return
		}
		if n <= 0 || n > SigRTMax {
			t.Fatalf("SignalFromString(%q) = %d, outside 1..%d", s, n, SigRTMax)
		}
		if back, err := SignalFromString(SignalToString(n)); err != nil || back != n {
			t.Fatalf("signal %d prints as %q, which parses as %d, %v", n, SignalToString(n), back, err)
		}
	})
}

func FuzzExitStatusFromString(f *testing.F) {
	for _, s := range []string{"0", "255", "256", "INVALIDARGUMENT", "NOTINSTALLED", "EXEC", "-1", "0x10", "TERM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ExitStatusFromString(s)
		if err == nil && (n < 0 || n > 255) {
			t.Fatalf("ExitStatusFromString(%q) = %d, outside 0..255", s, n)
		}
	})
}

func FuzzParseRlimit(f *testing.F) {
	for _, s := range []string{"infinity", "1024:4096", "8M", "4096:infinity", "10s", "1h:2h", "-5", "19", "100us", "5:3", ":", "1:2:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for r := 0; r < RlimitMax; r++ {
			rl, err := ParseRlimit(r, s)
			if err == nil && rl.Cur > rl.Max {
				t.Fatalf("ParseRlimit(%d, %q) = %+v: soft limit above the hard one", r, s, rl)
			}
		}
	})
}

func FuzzParseCPUSet(f *testing.F) {
	for _, s := range []string{"0-3", "1 3 5", "0,2-4", "all", "0-1 4-", "8191", "8192", "\"1 2\"", "3-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, _, err := ParseCPUSet(s, "CPUAffinity")
		if err != nil {
			return
		}
		again, _, err := ParseCPUSet(set.RangeString(), "CPUAffinity")
		if err != nil {
			t.Fatalf("%q prints as %q, which does not parse: %v", s, set.RangeString(), err)
		}
		for cpu := uint32(0); cpu < uint32(len(set)*8); cpu++ {
			if set.Has(cpu) != again.Has(cpu) {
				t.Fatalf("%q prints as %q, which parses to another set", s, set.RangeString())
			}
		}
	})
}

func FuzzCapabilitySetFromString(f *testing.F) {
	for _, s := range []string{"CAP_NET_ADMIN cap_sys_time", "12 bogus", "CAP_SYS_ADMIN", "63", "64", "\"CAP_CHOWN", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set := CapabilitySetFromString(s)
		mask := ^uint64(0) >> (63 - CapLastCap())
		if again := CapabilitySetFromString(CapabilitySetToString(set)); again != set&mask {
			t.Fatalf("%q gives %#x, printed %q, which gives %#x", s, set, CapabilitySetToString(set), again)
		}
	})
}
