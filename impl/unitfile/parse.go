package unitfile

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
)

// LongLineMax is systemd's LONG_LINE_MAX: a physical line must be shorter
// than this, and a continued line no longer.
const LongLineMax = 1 << 20

const (
	whitespace = " \t\n\r"
	comments   = "#;"
	bom        = "\xef\xbb\xbf"
)

// ParseError is a problem that makes systemd stop reading a file. What was
// read before it still counts (it matters for drop-ins, whose errors
// systemd ignores); a unit whose main file fails does not load.
type ParseError struct {
	Location
	Err syscall.Errno // ENOBUFS, EINVAL or EBADMSG
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, strerror(e.Err))
}

func (e *ParseError) Unwrap() error { return e.Err }

// File is what reading one file yields.
type File struct {
	Assignments []Assignment
	Diagnostics []Diagnostic
}

// UnitSections are the sections a unit of a type ("service") understands.
func UnitSections(typ string) []string {
	return []string{"Unit", strings.ToUpper(typ[:1]) + typ[1:], "Install"}
}

// nextLine splits off one line as systemd's read_line does: it ends at
// "\n", "\r" or NUL, where "\r\n", "\n\r" and a NUL right after those
// count as one end. ok is false at the end of data; tooLong is set when
// the line reaches LongLineMax bytes.
func nextLine(data []byte) (line, rest []byte, ok, tooLong bool) {
	if len(data) == 0 {
		return nil, nil, false, false
	}
	n := 0
	for n < len(data) && data[n] != '\n' && data[n] != '\r' && data[n] != 0 {
		if n >= LongLineMax {
			return nil, nil, true, true
		}
		n++
	}
	if n >= LongLineMax {
		return nil, nil, true, true
	}
	line, rest = data[:n], data[n:]
	seen := 0 // bit 1: \n, bit 2: \r
	for len(rest) > 0 {
		var bit int
		switch rest[0] {
		case '\n':
			bit = 1
		case '\r':
			bit = 2
		case 0:
			return line, rest[1:], true, false
		default:
			return line, rest, true, false
		}
		if seen&bit != 0 {
			break
		}
		seen |= bit
		rest = rest[1:]
	}
	return line, rest, true, false
}

// Handler is given each assignment as it is read, as systemd hands it to
// the directive's parser. Its diagnostics join the file's in order; an
// error stops reading there (systemd's fatal directive errors do) and is
// returned by Parse. A handled assignment is also listed in the result
// unless the handler failed.
type Handler func(Assignment) ([]Diagnostic, error)

// Parse reads one unit file or drop-in (name is its path, used in
// diagnostics) as systemd 252's config parser does. Sections not in
// sections are ignored with a warning unless they start with "X-" (or are
// listed with a "-" prefix); nil sections accepts any section and
// assignments outside of one. Keys starting with "X-" are dropped
// silently. handle may be nil. A read problem is returned as a
// *ParseError.
func Parse(name string, data []byte, sections []string, handle Handler) (File, error) {
	p := parser{name: name, sections: sections, handle: handle}
	var continuation []byte
	inContinuation := false
	bomSeen := false
	line := 0
	for {
		buf, rest, ok, tooLong := nextLine(data)
		if !ok {
			break
		}
		if tooLong {
			return p.out, &ParseError{Location{name, line + 1}, syscall.ENOBUFS}
		}
		data = rest
		line++

		if l := strings.TrimLeft(string(buf), whitespace); l != "" && strings.IndexByte(comments, l[0]) >= 0 {
			continue
		}
		l := buf
		if !bomSeen {
			if s, found := strings.CutPrefix(string(buf), bom); found {
				l = []byte(s)
				bomSeen = true
			}
		}
		var cur []byte
		if inContinuation {
			if len(continuation)+len(l) > LongLineMax {
				return p.out, &ParseError{Location{name, line}, syscall.ENOBUFS}
			}
			continuation = append(continuation, l...)
			cur = continuation
		} else {
			cur = slices.Clone(l)
		}
		escaped := false
		for _, c := range cur {
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			}
		}
		if escaped {
			cur[len(cur)-1] = ' '
			continuation, inContinuation = cur, true
			continue
		}
		if err := p.line(line, string(cur)); err != nil {
			return p.out, err
		}
		continuation, inContinuation = nil, false
	}
	if inContinuation {
		line++
		if err := p.line(line, string(continuation)); err != nil {
			return p.out, err
		}
	}
	return p.out, nil
}

type parser struct {
	name           string
	sections       []string
	section        string
	sectionSet     bool
	sectionLine    int
	sectionIgnored bool
	handle         Handler
	out            File
}

func (p *parser) warn(line int, format string, args ...any) {
	p.out.Diagnostics = append(p.out.Diagnostics, diag(Location{p.name, line}, LevelWarning, format, args...))
}

func (p *parser) fatal(line int, errno syscall.Errno, format string, args ...any) error {
	p.out.Diagnostics = append(p.out.Diagnostics, diag(Location{p.name, line}, LevelErr, format, args...))
	return &ParseError{Location{p.name, line}, errno}
}

// line handles one logical line (systemd's parse_line).
func (p *parser) line(line int, l string) error {
	l = strings.Trim(l, whitespace)
	if l == "" {
		return nil
	}
	if !utf8Valid(l) {
		p.warn(line, "String is not UTF-8 clean, ignoring assignment: %s", utf8EscapeInvalid(l))
		return &ParseError{Location{p.name, line}, syscall.EINVAL}
	}
	if l[0] == '[' {
		if l[len(l)-1] != ']' {
			return p.fatal(line, syscall.EBADMSG, "Invalid section header '%s'", l)
		}
		n := l[1 : len(l)-1]
		if !stringIsSafe(n) {
			return p.fatal(line, syscall.EBADMSG, "Bad characters in section header '%s'", l)
		}
		if p.sections != nil && !slices.Contains(p.sections, n) {
			if !strings.HasPrefix(n, "X-") && !slices.Contains(p.sections, "-"+n) {
				p.warn(line, "Unknown section '%s'. Ignoring.", n)
			}
			p.section, p.sectionSet, p.sectionLine, p.sectionIgnored = "", false, 0, true
			return nil
		}
		p.section, p.sectionSet, p.sectionLine, p.sectionIgnored = n, true, line, false
		return nil
	}
	if p.sections != nil && !p.sectionSet {
		if !p.sectionIgnored {
			p.warn(line, "Assignment outside of section. Ignoring.")
		}
		return nil
	}
	key, value, found := strings.Cut(l, "=")
	if !found {
		p.warn(line, "Missing '=', ignoring line.")
		return nil
	}
	if key == "" {
		p.warn(line, "Missing key name before '=', ignoring line.")
		return nil
	}
	key = strings.Trim(key, whitespace)
	if strings.HasPrefix(key, "X-") {
		return nil
	}
	a := Assignment{
		Section:     p.section,
		Key:         key,
		Value:       strings.Trim(value, whitespace),
		Location:    Location{p.name, line},
		SectionLine: p.sectionLine,
	}
	if p.handle != nil {
		diags, err := p.handle(a)
		p.out.Diagnostics = append(p.out.Diagnostics, diags...)
		if err != nil {
			return err
		}
	}
	p.out.Assignments = append(p.out.Assignments, a)
	return nil
}

// stringIsSafe is systemd's string_is_safe: no control characters, quotes,
// backslashes or DEL.
func stringIsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\'' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}
