package unitname

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"syscall"
)

const hexDigits = "0123456789abcdef"

func appendEscaped(b []byte, c byte) []byte {
	return append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
}

// Escape makes any string usable inside a unit name: "/" becomes "-";
// a leading ".", every "-" and "\", and every byte outside [0-9A-Za-z:_.]
// become \xNN.
func Escape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 0 && c == '.':
			b = appendEscaped(b, c)
		case c == '/':
			b = append(b, '-')
		case c == '-' || c == '\\' || strings.IndexByte(validChars, c) < 0:
			b = appendEscaped(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b)
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

// Unescape reverses Escape: "-" becomes "/" and \xNN (either case) the
// byte; any other backslash is an error. As in systemd, a decoded NUL ends
// the result.
func Unescape(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '-':
			b = append(b, '/')
		case '\\':
			if i+3 >= len(s) || s[i+1] != 'x' {
				return "", invalid("invalid escape in %q", s)
			}
			hi, lo := unhex(s[i+2]), unhex(s[i+3])
			if hi < 0 || lo < 0 {
				return "", invalid("invalid escape in %q", s)
			}
			b = append(b, byte(hi<<4|lo))
			i += 3
		default:
			b = append(b, c)
		}
	}
	if n := strings.IndexByte(string(b), 0); n >= 0 {
		b = b[:n]
	}
	return string(b), nil
}

// PathEscape escapes a file system path: simplified first, "/" (or "")
// becomes "-", otherwise leading and trailing slashes go and the rest is
// Escape'd. A path that is not normalized after simplification (it has
// ".." or an overlong component) is an error.
func PathEscape(p string) (string, error) {
	p = PathSimplify(p)
	if EmptyOrRoot(p) {
		return "-", nil
	}
	if !PathIsNormalized(p) {
		return "", invalid("path %q is not normalized", p)
	}
	return Escape(strings.TrimLeft(strings.TrimRight(p, "/"), "/")), nil
}

// PathUnescape reverses PathEscape: "-" is "/", anything else must unescape
// to a normalized path without leading or trailing slash, and gets a
// leading slash.
func PathUnescape(s string) (string, error) {
	if s == "" {
		return "", invalid("empty escaped path")
	}
	if s == "-" {
		return "/", nil
	}
	w, err := Unescape(s)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(w, "/") || strings.HasSuffix(w, "/") {
		return "", invalid("escaped path %q has a leading or trailing slash", s)
	}
	p := "/" + w
	if !PathIsNormalized(p) {
		return "", invalid("escaped path %q is not normalized", s)
	}
	return p, nil
}

// Length of the hash in names shortened by HashLong.
const hashChars = 16

var longNameHashKey = [16]byte{0xec, 0xf2, 0x37, 0xfb, 0x58, 0x32, 0x4a, 0x32, 0x84, 0x9f, 0x06, 0x9b, 0x0d, 0x21, 0xeb, 0x9a}

// IsHashed reports whether a plain name looks shortened by HashLong: it
// ends in "_" and 16 lowercase hex digits before the suffix.
func IsHashed(name string) bool {
	if !IsValid(name, Plain) {
		return false
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < hashChars+1 {
		return false
	}
	h := name[dot-hashChars : dot]
	return name[dot-hashChars-1] == '_' && inCharset(h, hexDigits)
}

// HashLong shortens a name of Max bytes or more to Max-1 bytes: its head,
// "_", 16 hex digits of a keyed SipHash of the whole name (with its C
// string terminator), and the suffix.
func HashLong(name string) (string, error) {
	if len(name) < Max {
		return "", fmt.Errorf("unit name %q is not too long to hash: %w", name, syscall.EMSGSIZE)
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || TypeFromString(name[dot+1:]) == TypeInvalid {
		return "", invalid("unit name %q has no valid suffix", name)
	}
	var h [8]byte
	binary.LittleEndian.PutUint64(h[:], sipHash24(longNameHashKey, append([]byte(name), 0)))
	suffix := name[dot+1:]
	keep := Max - 1 - len(suffix) - hashChars - 2
	return name[:keep] + "_" + hex.EncodeToString(h[:]) + "." + suffix, nil
}

// FromPath turns a path into a plain unit name with suffix (".mount"):
// "/home/foo" gives "home-foo.mount". Names that would be too long are
// shortened with HashLong.
func FromPath(p, suffix string) (string, error) {
	s, _, err := fromPath(p, suffix)
	return s, err
}

// fromPath is FromPath that also returns the debug note systemd logs when
// it falls back to a hashed name.
func fromPath(p, suffix string) (name, note string, err error) {
	if !SuffixIsValid(suffix) {
		return "", "", invalid("invalid unit suffix %q", suffix)
	}
	e, err := PathEscape(p)
	if err != nil {
		return "", "", err
	}
	s := e + suffix
	if len(s) >= Max {
		note = fmt.Sprintf("Unit name \"%s\" too long, falling back to hashed unit name.", s)
		if s, err = HashLong(s); err != nil {
			return "", note, err
		}
	}
	if !IsValid(s, Plain) {
		return "", note, invalid("invalid unit name %q", s)
	}
	return s, note, nil
}

// FromPathInstance turns a path into the instance of template prefix:
// ("systemd-fsck", "/dev/sda", ".service") gives
// "systemd-fsck@dev-sda.service". Too long a result is ENAMETOOLONG.
func FromPathInstance(prefix, p, suffix string) (string, error) {
	if !PrefixIsValid(prefix) {
		return "", invalid("invalid unit prefix %q", prefix)
	}
	if !SuffixIsValid(suffix) {
		return "", invalid("invalid unit suffix %q", suffix)
	}
	e, err := PathEscape(p)
	if err != nil {
		return "", err
	}
	s := prefix + "@" + e + suffix
	if len(s) >= Max {
		return "", fmt.Errorf("unit name %q: %w", s, syscall.ENAMETOOLONG)
	}
	if !IsValid(s, Instance) {
		return "", invalid("invalid unit name %q", s)
	}
	return s, nil
}

// ToPath is the path a unit name's prefix escapes: "home-foo.mount" gives
// "/home/foo". Hashed names cannot be reversed (ENAMETOOLONG).
func ToPath(name string) (string, error) {
	prefix, err := Prefix(name)
	if err != nil {
		return "", err
	}
	if IsHashed(name) {
		return "", fmt.Errorf("unit name %q is hashed: %w", name, syscall.ENAMETOOLONG)
	}
	return PathUnescape(prefix)
}

// MangleFlags change what Mangle accepts.
type MangleFlags int

// MangleGlob keeps glob characters ("*?[]!-") unescaped.
const MangleGlob MangleFlags = 1

// Mangled is the result of Mangle. On error only Notes is set.
type Mangled struct {
	Name string
	// Changed is false when the input was already a valid name (or glob).
	Changed bool
	// Notes are the messages systemd logs while mangling, at notice level
	// when the caller asked for warnings and at debug level otherwise.
	Notes []string
}

// Mangle turns user input into a unit name, as systemctl does with its
// arguments: valid names (and, with MangleGlob, globs) stay, device paths
// become ".device" and other absolute paths ".mount" units, and anything
// else has "/" turned into "-", invalid bytes \xNN-escaped and suffix
// (".service") appended if it has no valid one. operation names what the
// name was given for in the glob note ("" for none).
func Mangle(name, operation string, flags MangleFlags, suffix string) (Mangled, error) {
	if name == "" {
		return Mangled{}, invalid("empty unit name")
	}
	if !SuffixIsValid(suffix) {
		return Mangled{}, invalid("invalid unit suffix %q", suffix)
	}
	if IsValid(name, Any) {
		return Mangled{Name: name}, nil
	}
	var m Mangled
	suggestEscape := true
	if strings.ContainsAny(name, globChars) && inCharset(name, validCharsGlob) {
		if flags&MangleGlob != 0 {
			return Mangled{Name: name}, nil
		}
		op := ""
		if operation != "" {
			op = " " + operation
		}
		m.Notes = append(m.Notes, fmt.Sprintf("Glob pattern passed%s, but globs are not supported for this.", op))
		suggestEscape = false
	}
	for _, try := range []struct {
		applies bool
		suffix  string
	}{{IsDevicePath(name), ".device"}, {PathIsAbsolute(name), ".mount"}} {
		if !try.applies {
			continue
		}
		s, note, err := fromPath(name, try.suffix)
		if note != "" {
			m.Notes = append(m.Notes, note)
		}
		if err == nil {
			m.Name, m.Changed = s, true
			return m, nil
		}
	}
	valid := validCharsWithAt
	if flags&MangleGlob != 0 {
		valid = validCharsGlob
	}
	b := make([]byte, 0, len(name)+len(suffix))
	escaped := false
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '/':
			b, escaped = append(b, '-'), true
		case strings.IndexByte(valid, c) < 0:
			b, escaped = appendEscaped(b, c), true
		default:
			b = append(b, c)
		}
	}
	s := string(b)
	if escaped {
		hint := ""
		if suggestEscape {
			hint = " (maybe you should use systemd-escape?)"
		}
		m.Notes = append(m.Notes, fmt.Sprintf("Invalid unit name \"%s\" escaped as \"%s\"%s.", name, s, hint))
	}
	glob := flags&MangleGlob != 0
	if (!glob || !strings.ContainsAny(s, globChars)) && TypeOf(s) == TypeInvalid {
		s += suffix
	}
	if !glob && !IsValid(s, Any) {
		return m, invalid("cannot mangle %q into a valid unit name", name)
	}
	m.Name, m.Changed = s, true
	return m, nil
}
