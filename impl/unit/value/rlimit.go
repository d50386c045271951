package value

import (
	"syscall"

	"gosystemd/impl/timeutil"
)

// Resource limits, by Linux number.
const (
	RlimitCPU = iota
	RlimitFSIZE
	RlimitDATA
	RlimitSTACK
	RlimitCORE
	RlimitRSS
	RlimitNPROC
	RlimitNOFILE
	RlimitMEMLOCK
	RlimitAS
	RlimitLOCKS
	RlimitSIGPENDING
	RlimitMSGQUEUE
	RlimitNICE
	RlimitRTPRIO
	RlimitRTTIME
	RlimitMax
)

// RlimitNames are the resource names directives use (LimitCPU=, ...), by
// number.
var RlimitNames = [RlimitMax]string{
	"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS",
	"SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME",
}

// RlimInfinity is RLIM_INFINITY.
const RlimInfinity = ^uint64(0)

// Rlimit is a soft and hard limit.
type Rlimit struct{ Cur, Max uint64 }

func rlimitU64(v string) (uint64, error) {
	if v == "infinity" {
		return RlimInfinity, nil
	}
	u, err := SafeAtou64(v)
	if err != nil {
		return 0, err
	}
	if u >= RlimInfinity {
		return 0, syscall.ERANGE
	}
	return u, nil
}

func rlimitSize(v string) (uint64, error) {
	if v == "infinity" {
		return RlimInfinity, nil
	}
	u, err := ParseSize(v, 1024)
	if err != nil {
		return 0, err
	}
	if u >= RlimInfinity {
		return 0, syscall.ERANGE
	}
	return u, nil
}

func rlimitSec(v string) (uint64, error) {
	if v == "infinity" {
		return RlimInfinity, nil
	}
	t, err := timeutil.ParseSec(v)
	if err != nil {
		return 0, syscall.EINVAL
	}
	if t == timeutil.Infinity {
		return RlimInfinity, nil
	}
	u := t / timeutil.Sec
	if t%timeutil.Sec != 0 {
		u++
	}
	if u >= RlimInfinity {
		return 0, syscall.ERANGE
	}
	return u, nil
}

func rlimitUSec(v string) (uint64, error) {
	if v == "infinity" {
		return RlimInfinity, nil
	}
	t, err := timeutil.ParseTime(v, 1)
	if err != nil {
		return 0, syscall.EINVAL
	}
	return t, nil
}

func rlimitNice(v string) (uint64, error) {
	switch {
	case v != "" && v[0] == '+':
		rl, err := SafeAtou64(v[1:])
		if err != nil {
			return 0, err
		}
		if rl >= 20 {
			return 0, syscall.ERANGE
		}
		return 20 - rl, nil
	case v != "" && v[0] == '-':
		rl, err := SafeAtou64(v[1:])
		if err != nil {
			return 0, err
		}
		if rl > 20 {
			return 0, syscall.ERANGE
		}
		return 20 + rl, nil
	}
	rl, err := SafeAtou64(v)
	if err != nil {
		return 0, err
	}
	if rl > 40 {
		return 0, syscall.ERANGE
	}
	return rl, nil
}

func rlimitParseOne(resource int, v string) (uint64, error) {
	switch resource {
	case RlimitCPU:
		return rlimitSec(v)
	case RlimitFSIZE, RlimitDATA, RlimitSTACK, RlimitCORE, RlimitRSS, RlimitAS, RlimitMEMLOCK, RlimitMSGQUEUE:
		return rlimitSize(v)
	case RlimitNICE:
		return rlimitNice(v)
	case RlimitRTTIME:
		return rlimitUSec(v)
	case RlimitNOFILE, RlimitNPROC, RlimitLOCKS, RlimitSIGPENDING, RlimitRTPRIO:
		return rlimitU64(v)
	}
	return 0, syscall.EINVAL
}

// ParseRlimit is systemd's rlimit_parse: "soft:hard" or one value for
// both, in the resource's unit. A soft limit above the hard one is EILSEQ.
func ParseRlimit(resource int, val string) (Rlimit, error) {
	w := newWords(val)
	soft, ok, err := w.next(":", dontCoalesce)
	if err != nil {
		return Rlimit{}, err
	}
	if !ok {
		return Rlimit{}, syscall.EINVAL
	}
	sl, err := rlimitParseOne(resource, soft)
	if err != nil {
		return Rlimit{}, err
	}
	hard, ok, err := w.next(":", dontCoalesce)
	if err != nil {
		return Rlimit{}, err
	}
	if !w.done() && w.rest() != "" {
		return Rlimit{}, syscall.EINVAL
	}
	if !ok {
		return Rlimit{Cur: sl, Max: sl}, nil
	}
	hl, err := rlimitParseOne(resource, hard)
	if err != nil {
		return Rlimit{}, err
	}
	if sl > hl {
		return Rlimit{}, syscall.EILSEQ
	}
	return Rlimit{Cur: sl, Max: hl}, nil
}
