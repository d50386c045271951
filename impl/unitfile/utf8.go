package unitfile

// systemd's UTF-8 rules differ from Go's: they also refuse the
// noncharacters U+FDD0..U+FDEF and U+xFFFE/U+xFFFF, and encode surrogates
// produced by \u escapes instead of replacing them.

// validRune is systemd's unichar_is_valid.
func validRune(c uint32) bool {
	switch {
	case c >= 0x110000:
		return false
	case c&0xFFFFF800 == 0xD800:
		return false
	case c >= 0xFDD0 && c <= 0xFDEF:
		return false
	case c&0xFFFE == 0xFFFE:
		return false
	}
	return true
}

func expectedLen(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c&0xe0 == 0xc0:
		return 2
	case c&0xf0 == 0xe0:
		return 3
	case c&0xf8 == 0xf0:
		return 4
	case c&0xfc == 0xf8:
		return 5
	case c&0xfe == 0xfc:
		return 6
	}
	return 0
}

func encodedLen(c uint32) int {
	switch {
	case c < 0x80:
		return 1
	case c < 0x800:
		return 2
	case c < 0x10000:
		return 3
	case c < 0x200000:
		return 4
	case c < 0x4000000:
		return 5
	}
	return 6
}

// validCharLen is the length of the valid character starting s, or 0.
func validCharLen(s string) int {
	n := expectedLen(s[0])
	if n == 0 || n > len(s) {
		return 0
	}
	if n == 1 {
		return 1
	}
	c := uint32(s[0]) & (0xff >> (n + 1))
	for i := 1; i < n; i++ {
		if s[i]&0xc0 != 0x80 {
			return 0
		}
		c = c<<6 | uint32(s[i])&0x3f
	}
	if encodedLen(c) != n || !validRune(c) {
		return 0
	}
	return n
}

// utf8Valid is systemd's utf8_is_valid.
func utf8Valid(s string) bool {
	for len(s) > 0 {
		n := validCharLen(s)
		if n == 0 {
			return false
		}
		s = s[n:]
	}
	return true
}

// utf8EscapeInvalid replaces each byte that does not start a valid
// character with U+FFFD.
func utf8EscapeInvalid(s string) string {
	var b []byte
	for len(s) > 0 {
		if n := validCharLen(s); n > 0 {
			b = append(b, s[:n]...)
			s = s[n:]
		} else {
			b = append(b, "\uFFFD"...)
			s = s[1:]
		}
	}
	return string(b)
}

// appendUTF8 encodes c as systemd's utf8_encode_unichar does, surrogates
// included.
func appendUTF8(b []byte, c uint32) []byte {
	switch {
	case c < 1<<7:
		return append(b, byte(c))
	case c < 1<<11:
		return append(b, 0xc0|byte(c>>6&0x1f), 0x80|byte(c&0x3f))
	case c < 1<<16:
		return append(b, 0xe0|byte(c>>12&0x0f), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
	case c < 1<<21:
		return append(b, 0xf0|byte(c>>18&0x07), 0x80|byte(c>>12&0x3f), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
	}
	return b
}
