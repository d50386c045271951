package unitprop

import (
	"strings"
	"syscall"
)

const padding = 1 << 30

// unbase64Next is unbase64_next: the next character's value, skipping
// whitespace around it; padding is the value of '=', EPIPE the end.
func unbase64Next(s *string) (int, error) {
	*s = strings.TrimLeft(*s, " \t\n\r\x00")
	if *s == "" {
		return 0, syscall.EPIPE
	}
	c := (*s)[0]
	v := padding
	switch {
	case c == '=':
	case c >= 'A' && c <= 'Z':
		v = int(c - 'A')
	case c >= 'a' && c <= 'z':
		v = int(c-'a') + 26
	case c >= '0' && c <= '9':
		v = int(c-'0') + 52
	case c == '+':
		v = 62
	case c == '/':
		v = 63
	default:
		return 0, syscall.EINVAL
	}
	*s = strings.TrimLeft((*s)[1:], " \t\n\r\x00")
	return v, nil
}

// unbase64 is systemd's unbase64mem: whitespace anywhere is skipped,
// padding only where it belongs, nothing after it (ENAMETOOLONG).
func unbase64(s string) ([]byte, error) {
	var out []byte
	for {
		a, err := unbase64Next(&s)
		if err == syscall.EPIPE {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if a == padding {
			return nil, syscall.EINVAL
		}
		b, err := unbase64Next(&s)
		if err != nil {
			return nil, err
		}
		if b == padding {
			return nil, syscall.EINVAL
		}
		c, err := unbase64Next(&s)
		if err != nil {
			return nil, err
		}
		d, err := unbase64Next(&s)
		if err != nil {
			return nil, err
		}
		if c == padding {
			if d != padding || b&15 != 0 {
				return nil, syscall.EINVAL
			}
			if s != "" {
				return nil, syscall.ENAMETOOLONG
			}
			return append(out, byte(a<<2|b>>4)), nil
		}
		if d == padding {
			if c&3 != 0 {
				return nil, syscall.EINVAL
			}
			if s != "" {
				return nil, syscall.ENAMETOOLONG
			}
			return append(out, byte(a<<2|b>>4), byte(b<<4|c>>2)), nil
		}
		out = append(out, byte(a<<2|b>>4), byte(b<<4|c>>2), byte(c<<6|d))
	}
}

// unhex is systemd's unhexmem: pairs of hex digits, whitespace around
// each digit skipped; an odd digit count is EPIPE.
func unhex(s string) ([]byte, error) {
	next := func() (int, error) {
		s = strings.TrimLeft(s, " \t\n\r\x00")
		if s == "" {
			return 0, syscall.EPIPE
		}
		c := s[0]
		s = strings.TrimLeft(s[1:], " \t\n\r\x00")
		switch {
		case c >= '0' && c <= '9':
			return int(c - '0'), nil
		case c >= 'a' && c <= 'f':
			return int(c-'a') + 10, nil
		case c >= 'A' && c <= 'F':
			return int(c-'A') + 10, nil
		}
		return 0, syscall.EINVAL
	}
	out := []byte{}
	for {
		a, err := next()
		if err == syscall.EPIPE {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := next()
		if err != nil {
			return nil, err
		}
		out = append(out, byte(a<<4|b))
	}
}
