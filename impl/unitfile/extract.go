package unitfile

import (
	"strings"
	"syscall"
)

// Whitespace is systemd's default word separator set.
const Whitespace = whitespace

// ExtractFlags select how Extractor.Next splits and decodes words; they are
// systemd's EXTRACT_* flags.
type ExtractFlags int

// The flags, with systemd's meaning.
const (
	// ExtractRelax allows unbalanced quotes and eats a trailing backslash.
	ExtractRelax ExtractFlags = 1 << iota
	// ExtractCUnescape decodes C escapes (\n, \x41, \u00e4, \s, ...).
	ExtractCUnescape
	// ExtractUnescapeRelax keeps unknown escapes and a trailing backslash.
	ExtractUnescapeRelax
	// ExtractUnescapeSeparators decodes escaped separators and "\\".
	ExtractUnescapeSeparators
	// ExtractKeepQuote lets quotes protect separators, keeping the quotes.
	ExtractKeepQuote
	// ExtractUnquote lets quotes protect separators, removing the quotes.
	ExtractUnquote
	// ExtractDontCoalesceSeparators makes each separator end a word.
	ExtractDontCoalesceSeparators
	// ExtractRetainEscape treats "\" as an ordinary character.
	ExtractRetainEscape
	// ExtractRetainSeparators leaves the separator at the start of the rest.
	ExtractRetainSeparators
)

// Extractor walks a string word by word as systemd's extract_first_word
// does with one cursor.
type Extractor struct {
	rest string
	end  bool // the cursor is NULL: the input is used up
}

// NewExtractor starts at the beginning of s.
func NewExtractor(s string) *Extractor { return &Extractor{rest: s} }

// Rest is what is left to read.
func (x *Extractor) Rest() string { return x.rest }

// Done reports whether the input is used up.
func (x *Extractor) Done() bool { return x.end }

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// Next returns the next word; ok is false when there is none. A word may
// be empty (quoted "" or, with ExtractDontCoalesceSeparators, between two
// separators). Bad quoting or escapes are EINVAL; the cursor is then
// unspecified.
func (x *Extractor) Next(separators string, flags ExtractFlags) (word string, ok bool, err error) {
	if x.end {
		return "", false, nil
	}
	s := x.rest
	isSep := func(c byte) bool { return c != 0 && strings.IndexByte(separators, c) >= 0 }
	var b []byte
	have := flags&ExtractDontCoalesceSeparators != 0
	terminate := func() (string, bool, error) {
		x.end, x.rest = true, ""
		if !have {
			return "", false, nil
		}
		return string(b), true, nil
	}
	next := func(i int) (string, bool, error) {
		x.rest = s[i:]
		return string(b), true, nil
	}

	i := 0
	for ; ; i++ {
		c := byteAt(s, i)
		if c == 0 {
			return terminate()
		}
		if !isSep(c) {
			have = true
			break
		}
		if flags&ExtractDontCoalesceSeparators != 0 {
			if flags&ExtractRetainSeparators == 0 {
				i++
			}
			return next(i)
		}
	}

	var quote byte
	backslash := false
	for ; ; i++ {
		c := byteAt(s, i)
		switch {
		case backslash:
			if c == 0 {
				if flags&ExtractUnescapeRelax != 0 && (quote == 0 || flags&ExtractRelax != 0) {
					b = append(b, '\\')
					return terminate()
				}
				if flags&ExtractRelax != 0 {
					return terminate()
				}
				return "", false, syscall.EINVAL
			}
			if flags&(ExtractCUnescape|ExtractUnescapeSeparators) != 0 {
				n, u, eightBit := -1, uint32(0), false
				if flags&ExtractCUnescape != 0 {
					n, u, eightBit = cunescapeOne(s[i:])
				}
				switch {
				case n >= 1:
					i += n - 1
					if eightBit {
						b = append(b, byte(u))
					} else {
						b = appendUTF8(b, u)
					}
				case flags&ExtractUnescapeSeparators != 0 && (isSep(c) || c == '\\'):
					b = append(b, c)
				case flags&ExtractUnescapeRelax != 0:
					b = append(b, '\\', c)
				default:
					return "", false, syscall.EINVAL
				}
			} else {
				b = append(b, c)
			}
			backslash = false

		case quote != 0:
			for ; ; i++ {
				c = byteAt(s, i)
				if c == 0 {
					if flags&ExtractRelax != 0 {
						return terminate()
					}
					return "", false, syscall.EINVAL
				} else if c == quote {
					quote = 0
					if flags&ExtractUnquote != 0 {
						break
					}
				} else if c == '\\' && flags&ExtractRetainEscape == 0 {
					backslash = true
					break
				}
				b = append(b, c)
				if quote == 0 {
					break
				}
			}

		default:
			for ; ; i++ {
				c = byteAt(s, i)
				if c == 0 {
					return terminate()
				} else if (c == '\'' || c == '"') && flags&(ExtractKeepQuote|ExtractUnquote) != 0 {
					quote = c
					if flags&ExtractUnquote != 0 {
						break
					}
				} else if c == '\\' && flags&ExtractRetainEscape == 0 {
					backslash = true
					break
				} else if isSep(c) {
					if flags&ExtractDontCoalesceSeparators != 0 {
						if flags&ExtractRetainSeparators == 0 {
							i++
						}
						return next(i)
					}
					if flags&ExtractRetainSeparators == 0 {
						for isSep(byteAt(s, i)) {
							i++
						}
						if byteAt(s, i) == 0 {
							return terminate()
						}
					}
					return next(i)
				}
				b = append(b, c)
				if quote != 0 {
					break
				}
			}
		}
	}
}

// cunescapeOne decodes the C escape at the start of s (after its
// backslash), refusing NUL: n is the number of bytes used (-1 if invalid),
// eightBit says u is a raw byte rather than a code point.
func cunescapeOne(s string) (n int, u uint32, eightBit bool) {
	hex := func(i int) int { return unhex(byteAt(s, i)) }
	oct := func(i int) int {
		if c := byteAt(s, i); c >= '0' && c <= '7' {
			return int(c - '0')
		}
		return -1
	}
	switch c := byteAt(s, 0); c {
	case 'a':
		return 1, '\a', false
	case 'b':
		return 1, '\b', false
	case 'f':
		return 1, '\f', false
	case 'n':
		return 1, '\n', false
	case 'r':
		return 1, '\r', false
	case 't':
		return 1, '\t', false
	case 'v':
		return 1, '\v', false
	case '\\', '"', '\'':
		return 1, uint32(c), false
	case 's':
		return 1, ' ', false
	case 'x':
		a, b := hex(1), hex(2)
		if a < 0 || b < 0 || a == 0 && b == 0 {
			return -1, 0, false
		}
		return 3, uint32(a<<4 | b), true
	case 'u', 'U':
		digits := 4
		if c == 'U' {
			digits = 8
		}
		var v uint32
		for i := 1; i <= digits; i++ {
			d := hex(i)
			if d < 0 {
				return -1, 0, false
			}
			v = v<<4 | uint32(d)
		}
		if v == 0 || c == 'U' && !validRune(v) {
			return -1, 0, false
		}
		return digits + 1, v, false
	case '0', '1', '2', '3', '4', '5', '6', '7':
		a, b, d := oct(0), oct(1), oct(2)
		if a < 0 || b < 0 || d < 0 || a == 0 && b == 0 && d == 0 {
			return -1, 0, false
		}
		m := a<<6 | b<<3 | d
		if m > 255 {
			return -1, 0, false
		}
		return 3, uint32(m), true
	}
	return -1, 0, false
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// extractAndWarn is systemd's extract_first_word_and_warn: an invalid
// escape is retried keeping it verbatim (with a warning), unbalanced
// quoting is an error diagnostic about rvalue.
func extractAndWarn(x *Extractor, flags ExtractFlags, loc Location, rvalue string) (string, bool, []Diagnostic, error) {
	save := *x
	w, ok, err := x.Next(whitespace, flags)
	if err == nil {
		return w, ok, nil, nil
	}
	*x = save
	w, ok, err = x.Next(whitespace, flags|ExtractUnescapeRelax)
	if err == nil {
		return w, ok, []Diagnostic{diag(loc, LevelWarning, "Ignoring unknown escape sequences: \"%s\"", w)}, nil
	}
	return "", false, []Diagnostic{diag(loc, LevelErr, "Unbalanced quoting, ignoring: \"%s\"", rvalue)}, err
}
