package value

import (
	"strconv"
	"strings"
	"syscall"
)

// Linux signal numbers as glibc on x86-64 sees them.
const (
	SigRTMin = 34
	SigRTMax = 64
	nsig     = 65
)

var signalNames = [...]string{
	1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS", 8: "FPE",
	9: "KILL", 10: "USR1", 11: "SEGV", 12: "USR2", 13: "PIPE", 14: "ALRM", 15: "TERM",
	16: "STKFLT", 17: "CHLD", 18: "CONT", 19: "STOP", 20: "TSTP", 21: "TTIN", 22: "TTOU",
	23: "URG", 24: "XCPU", 25: "XFSZ", 26: "VTALRM", 27: "PROF", 28: "WINCH", 29: "IO",
	30: "PWR", 31: "SYS",
}

// SignalToString is systemd's signal_to_string: "TERM", "RTMIN+3" or the
// number.
func SignalToString(sig int) string {
	if sig > 0 && sig < len(signalNames) && signalNames[sig] != "" {
		return signalNames[sig]
	}
	if sig >= SigRTMin && sig <= SigRTMax {
		return "RTMIN+" + strconv.Itoa(sig-SigRTMin)
	}
	return strconv.Itoa(sig)
}

// SignalName is the name without number fallback, "" if sig has none.
func SignalName(sig int) string {
	if sig > 0 && sig < len(signalNames) {
		return signalNames[sig]
	}
	return ""
}

// SignalFromString is systemd's signal_from_string: a number, a name with
// or without "SIG", RTMIN+n or RTMAX-n.
func SignalFromString(s string) (int, error) {
	if n, err := SafeAtoi(s); err == nil {
		if n > 0 && n < nsig {
			return int(n), nil
		}
		return 0, syscall.ERANGE
	}
	s = strings.TrimPrefix(s, "SIG")
	for i, n := range signalNames {
		if n != "" && n == s {
			return i, nil
		}
	}
	if p, ok := strings.CutPrefix(s, "RTMIN"); ok {
		if p == "" {
			return SigRTMin, nil
		}
		if p[0] != '+' {
			return 0, syscall.EINVAL
		}
		n, err := SafeAtoi(p)
		if err != nil {
			return 0, err
		}
		if n < 0 || n > SigRTMax-SigRTMin {
			return 0, syscall.ERANGE
		}
		return int(n) + SigRTMin, nil
	}
	if p, ok := strings.CutPrefix(s, "RTMAX"); ok {
		if p == "" {
			return SigRTMax, nil
		}
		if p[0] != '-' {
			return 0, syscall.EINVAL
		}
		n, err := SafeAtoi(p)
		if err != nil {
			return 0, err
		}
		if n > 0 || n < SigRTMin-SigRTMax {
			return 0, syscall.ERANGE
		}
		return int(n) + SigRTMax, nil
	}
	return 0, syscall.EINVAL
}
