// Package unitfile owns the syntax of unit files as systemd 252 reads them:
// the line reader and lexer of its config parser (sections, comments,
// continuation lines, limits, encoding), drop-in discovery and ordering,
// and the splitters for values with their own syntax: command lines
// (ExecStart= and friends), Environment= and EnvironmentFile= contents.
//
// It knows no directive tables: it returns assignments in file order and
// leaves their meaning to the layer above. Problems are returned as
// Diagnostics worded exactly as systemd logs them; nothing is logged here.
// Specifier expansion is supplied by the caller (see Expander).
//
// Any package may import unitfile; of ours it imports only unitname (for
// path checks).
package unitfile

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Level is a syslog priority, as systemd logs a diagnostic.
type Level int

// The levels diagnostics use.
const (
	LevelErr     Level = 3
	LevelWarning Level = 4
	LevelDebug   Level = 7
)

// Location is where a value was read from.
type Location struct {
	File string
	Line int
}

// Diagnostic is one message systemd would log while reading a file.
type Diagnostic struct {
	Location
	Level Level
	Text  string
}

// String is the message as systemd prints it: "file:line: text".
func (d Diagnostic) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Text)
	}
	return fmt.Sprintf("%s: %s", d.File, d.Text)
}

func diag(loc Location, level Level, format string, args ...any) Diagnostic {
	return Diagnostic{Location: loc, Level: level, Text: fmt.Sprintf(format, args...)}
}

// Assignment is one "Key=Value" line, both sides trimmed of whitespace.
type Assignment struct {
	Section string
	Key     string
	Value   string
	Location
	// SectionLine is the line of the section header.
	SectionLine int
}

// strerror is glibc's text for the errno err wraps. Go's texts are glibc's
// with the first letter lowered.
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// UnknownKey is the warning systemd gives for an assignment no directive
// table knows; the directive layer decides when it applies.
func UnknownKey(a Assignment) Diagnostic {
	if a.Section == "" {
		return diag(a.Location, LevelWarning, "Unknown key '%s', ignoring.", a.Key)
	}
	return diag(a.Location, LevelWarning, "Unknown key '%s' in section [%s], ignoring.", a.Key, a.Section)
}
