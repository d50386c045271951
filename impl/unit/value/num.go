package value

import (
	"strings"
	"syscall"
)

// whitespace is systemd's WHITESPACE set.
const whitespace = " \t\n\r"

func isCSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// digitVal is the value of c as a digit in bases up to 36, or 99.
func digitVal(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c >= 'a' && c <= 'z':
		return uint64(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return uint64(c-'A') + 10
	}
	return 99
}

// strtoull is C's strtoull: it returns the value, the number of bytes
// used (0 if nothing was converted), whether the number had a minus sign
// and whether it overflowed (the value is then the maximum).
func strtoull(s string, base int) (v uint64, n int, neg, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if (base == 0 || base == 16) && i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && digitVal(s[i+2]) < 16 {
		i += 2
		base = 16
	} else if base == 0 {
		if i < len(s) && s[i] == '0' {
			base = 8
		} else {
			base = 10
		}
	}
	start := i
	for ; i < len(s); i++ {
		d := digitVal(s[i])
		if d >= uint64(base) {
			break
		}
		if !overflow {
			if v > (^uint64(0)-d)/uint64(base) {
				overflow = true
				v = ^uint64(0)
			} else {
				v = v*uint64(base) + d
			}
		}
	}
	if i == start {
		return 0, 0, false, false
	}
	if neg && !overflow {
		v = -v
	}
	return v, i, neg, overflow
}

// strtoll is C's strtoll (64-bit long).
func strtoll(s string, base int) (v int64, n int, overflow bool) {
	u, n, neg, of := strtoull(s, base)
	if n == 0 {
		return 0, 0, false
	}
	if neg {
		mag := -u // undo the negation strtoull applied
		if of || mag > 1<<63 {
			return -1 << 63, n, true
		}
		return int64(-mag), n, false
	}
	if of || u > 1<<63-1 {
		return 1<<63 - 1, n, true
	}
	return int64(u), n, false
}

// mangleBase handles the "0b" and "0o" prefixes systemd accepts when no
// base is given.
func mangleBase(s string, base int) (string, int) {
	if base != 0 {
		return s, base
	}
	if len(s) >= 2 && s[0] == '0' {
		switch s[1] {
		case 'b', 'B':
			return s[2:], 2
		case 'o', 'O':
			return s[2:], 8
		}
	}
	return s, base
}

// AtoFlags modify SafeAtou64Full as systemd's SAFE_ATO_* flags do.
type AtoFlags int

// The flags.
const (
	RefuseLeadingWhitespace AtoFlags = 1 << iota
	RefusePlusMinus
	RefuseLeadingZero
)

// SafeAtou64Full is systemd's safe_atollu_full: base 0 means C rules plus
// "0b"/"0o" prefixes.
func SafeAtou64Full(s string, base int, flags AtoFlags) (uint64, error) {
	if flags&RefuseLeadingWhitespace != 0 && s != "" && strings.IndexByte(whitespace, s[0]) >= 0 {
		return 0, syscall.EINVAL
	}
	s = strings.TrimLeft(s, whitespace)
	if flags&RefusePlusMinus != 0 && s != "" && (s[0] == '+' || s[0] == '-') {
		return 0, syscall.EINVAL
	}
	if flags&RefuseLeadingZero != 0 && len(s) > 1 && s[0] == '0' {
		return 0, syscall.EINVAL
	}
	s, base = mangleBase(s, base)
	v, n, neg, of := strtoull(s, base)
	if of {
		return 0, syscall.ERANGE
	}
	if n == 0 || n != len(s) {
		return 0, syscall.EINVAL
	}
	if v != 0 && neg {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// SafeAtou64 is systemd's safe_atou64.
func SafeAtou64(s string) (uint64, error) { return SafeAtou64Full(s, 0, 0) }

// SafeAtouFull is systemd's safe_atou_full (unsigned int).
func SafeAtouFull(s string, base int, flags AtoFlags) (uint32, error) {
	v, err := SafeAtou64Full(s, base, flags)
	if err != nil {
		return 0, err
	}
	if v > 1<<32-1 {
		return 0, syscall.ERANGE
	}
	return uint32(v), nil
}

// SafeAtou is systemd's safe_atou.
func SafeAtou(s string) (uint32, error) { return SafeAtouFull(s, 0, 0) }

// SafeAtou16 is systemd's safe_atou16.
func SafeAtou16(s string) (uint16, error) {
	v, err := SafeAtou(s)
	if err != nil {
		return 0, err
	}
	if v > 1<<16-1 {
		return 0, syscall.ERANGE
	}
	return uint16(v), nil
}

// SafeAtou8 is systemd's safe_atou8.
func SafeAtou8(s string) (uint8, error) {
	v, err := SafeAtou(s)
	if err != nil {
		return 0, err
	}
	if v > 255 {
		return 0, syscall.ERANGE
	}
	return uint8(v), nil
}

// SafeAtoi64 is systemd's safe_atolli (and safe_atoli on 64-bit).
func SafeAtoi64(s string) (int64, error) {
	s = strings.TrimLeft(s, whitespace)
	s, base := mangleBase(s, 0)
	v, n, of := strtoll(s, base)
	if of {
		return 0, syscall.ERANGE
	}
	if n == 0 || n != len(s) {
		return 0, syscall.EINVAL
	}
	return v, nil
}

// SafeAtoi is systemd's safe_atoi (int).
func SafeAtoi(s string) (int32, error) {
	v, err := SafeAtoi64(s)
	if err != nil {
		return 0, err
	}
	if int64(int32(v)) != v {
		return 0, syscall.ERANGE
	}
	return int32(v), nil
}

// ParseBoolean is systemd's parse_boolean.
func ParseBoolean(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, syscall.EINVAL
}

// ParseMode is systemd's parse_mode: octal, at most 07777.
func ParseMode(s string) (uint32, error) {
	m, err := SafeAtouFull(s, 8, RefusePlusMinus)
	if err != nil {
		return 0, err
	}
	if m > 0o7777 {
		return 0, syscall.ERANGE
	}
	return m, nil
}

// ParseRange is systemd's parse_range: "N" or "N-M".
func ParseRange(t string) (lower, upper uint32, err error) {
	x := newWords(t)
	word, ok, err := x.next("-", dontCoalesce)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, syscall.EINVAL
	}
	if lower, err = SafeAtou(word); err != nil {
		return 0, 0, err
	}
	switch {
	case x.done():
		upper = lower
	case x.rest() == "":
		return 0, 0, syscall.EINVAL
	default:
		if upper, err = SafeAtou(x.rest()); err != nil {
			return 0, 0, err
		}
	}
	return lower, upper, nil
}
