package condition

import "strings"

// fnmatch flags, as glibc's FNM_*.
const (
	fnmNoEscape = 1 << iota
	fnmPathname
	fnmPeriod
	fnmCasefold
)

// fnmatch is glibc's fnmatch(3) in the C locale: "*", "?", bracket
// expressions with ranges and [:class:], backslash escapes. The error is
// reserved for what glibc reports as an error; in the C locale nothing
// does.
func fnmatch(pattern, s string, flags int) (bool, error) {
	return fnmatchAt(pattern, s, flags), nil
}

func fold(c byte, flags int) byte {
	if flags&fnmCasefold != 0 && c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// leadingPeriod reports whether s[i] is a period that FNM_PERIOD wants
// matched explicitly: at the start, or after a slash with FNM_PATHNAME.
func leadingPeriod(s string, i int, flags int) bool {
	if flags&fnmPeriod == 0 || s[i] != '.' {
		return false
	}
	return i == 0 || (flags&fnmPathname != 0 && s[i-1] == '/')
}

// fnmatchAt matches without recursion: every atom but "*" takes one
// byte, so on a mismatch only the last star needs to take one byte more
// (never a slash with FNM_PATHNAME).
func fnmatchAt(p, s string, flags int) bool {
	pathname := flags&fnmPathname != 0
	pi, si := 0, 0
	starP, starS := -1, -1 // pattern after the last star, and where its match ends
	for pi < len(p) || si < len(s) {
		if pi < len(p) && si <= len(s) {
			if ok, np := matchAtom(p, pi, s, si, flags); ok {
				if np < 0 { // a star: match nothing for now
					starP, starS = pi+1, si
					pi++
					continue
				}
				pi, si = np, si+1
				continue
			}
		}
		if starP < 0 || starS >= len(s) || (pathname && s[starS] == '/') {
			return false
		}
		starS++
		pi, si = starP, starS
	}
	return true
}

// matchAtom matches the pattern element at p[pi] against s[si]: ok and
// the pattern index after it, or ok with -1 for a star that may start
// here.
func matchAtom(p string, pi int, s string, si int, flags int) (bool, int) {
	c := p[pi]
	if c == '*' {
		return si >= len(s) || !leadingPeriod(s, si, flags), -1
	}
	if si >= len(s) {
		return false, 0
	}
	slashBlocked := flags&fnmPathname != 0 && s[si] == '/'
	switch c {
	case '?':
		return !slashBlocked && !leadingPeriod(s, si, flags), pi + 1
	case '\\':
		if flags&fnmNoEscape == 0 {
			if pi+1 >= len(p) {
				return false, 0 // a trailing backslash matches nothing
			}
			return fold(s[si], flags) == fold(p[pi+1], flags), pi + 2
		}
	case '[':
		matched, rest, ok := matchBracket(p[pi+1:], s[si], flags)
		if !ok {
			return s[si] == '[', pi + 1 // no closing bracket: an ordinary "["
		}
		return matched && !slashBlocked && !leadingPeriod(s, si, flags), len(p) - len(rest)
	}
	return fold(s[si], flags) == fold(c, flags), pi + 1
}

// charClasses are the [:name:] classes of the C locale.
var charClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 0x20 || c == 0x7f },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 0x20 && c < 0x7f },
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c byte) bool { return c >= 0x20 && c < 0x7f },
	"punct":  func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
}

// matchBracket matches c against the bracket expression p starts (after
// its "["). ok is false when the expression does not close; an unknown
// class name matches nothing.
func matchBracket(p string, c byte, flags int) (matched bool, rest string, ok bool) {
	negate := false
	if p != "" && (p[0] == '!' || p[0] == '^') {
		negate, p = true, p[1:]
	}
	fc := fold(c, flags)
	first := true
	badClass := false
	for {
		if p == "" {
			return false, "", false
		}
		b := p[0]
		if b == ']' && !first {
			p = p[1:]
			break
		}
		first = false
		p = p[1:]
		var lo byte
		switch {
		case b == '\\' && flags&fnmNoEscape == 0:
			if p == "" {
				return false, "", false
			}
			lo, p = p[0], p[1:]
		case b == '[' && p != "" && (p[0] == ':' || p[0] == '=' || p[0] == '.'):
			delim := p[0]
			end := strings.Index(p[1:], string(delim)+"]")
			if end < 0 {
				lo = '['
				break
			}
			name := p[1 : 1+end]
			p = p[end+3:]
			switch delim {
			case ':':
				if is, known := charClasses[name]; !known {
					badClass = true
				} else if is(c) {
					matched = true
				}
				continue
			default:
				// Collating symbols and equivalence classes of one
				// character stand for that character.
				if len(name) != 1 {
					badClass = true
					continue
				}
				lo = name[0]
			}
		default:
			lo = b
		}
		hi := lo
		if len(p) >= 2 && p[0] == '-' && p[1] != ']' {
			h := p[1]
			p = p[2:]
			if h == '\\' && flags&fnmNoEscape == 0 {
				if p == "" {
					return false, "", false
				}
				h, p = p[0], p[1:]
			}
			hi = h
		}
		if fold(lo, flags) <= fc && fc <= fold(hi, flags) {
			matched = true
		}
	}
	if badClass {
		return false, p, true
	}
	return matched != negate, p, true
}
