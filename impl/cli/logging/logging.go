// Package logging writes a command line tool's log messages as systemd's
// log_*() do: to stderr, to the kernel log or nowhere, filtered and
// decorated as SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL, SYSTEMD_LOG_COLOR,
// SYSTEMD_LOG_LOCATION, SYSTEMD_LOG_TIME and SYSTEMD_LOG_TID say.
//
// Any tool may import logging; it imports nothing of ours. Libraries
// return errors and leave logging to the tools.
package logging

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Level is a syslog priority, as systemd's log levels.
type Level int

const (
	Err     Level = 3
	Warning Level = 4
	Notice  Level = 5
	Info    Level = 6
	Debug   Level = 7
)

var levelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// facilityDaemon is the syslog facility systemd tools log with.
const facilityDaemon = 3 << 3

// Target is where messages go, as systemd's log targets.
type Target int

const (
	TargetConsole Target = iota
	TargetConsolePrefixed
	TargetKmsg
	TargetJournal
	TargetJournalOrKmsg
	TargetSyslog
	TargetSyslogOrKmsg
	TargetAuto
	TargetNull
)

var targetNames = []string{"console", "console-prefixed", "kmsg", "journal", "journal-or-kmsg", "syslog", "syslog-or-kmsg", "auto", "null"}

// Console is what the logger needs to know about the terminal it writes
// to; term.Term provides it.
type Console interface {
	// ANSI is seq when colors are on, else "".
	ANSI(seq string) string
	// ANSI256 is seq, or fallback on a 16-color terminal, or "".
	ANSI256(seq, fallback string) string
	// StderrTTY reports whether stderr is a terminal.
	StderrTTY() bool
}

const (
	ansiNormal    = "\x1b[0m"
	ansiHighlight = "\x1b[0;1;39m"
)

// Logger is one tool run's log. Each message is cut to LINE_MAX-1 bytes
// and every non-empty line of it is written separately.
type Logger struct {
	stderr   io.Writer
	console  Console
	program  string
	maxLevel Level
	target   Target
	color    int // -1 until chosen, then 0 or 1
	location bool
	time     bool
	tid      bool
	kmsg     *os.File // open when logging to the kernel log
}

// lineMax is glibc's LINE_MAX, the size of systemd's log formatting buffer.
const lineMax = 2048

// New is the log of program (its short name, shown in the kernel log)
// with systemd's defaults: target auto, level info, colors not chosen.
// Messages for the console go to stderr.
func New(stderr io.Writer, console Console, program string) *Logger {
	return &Logger{stderr: stderr, console: console, program: program, maxLevel: Info, target: TargetAuto, color: -1}
}

// SetStderr sends console messages to w from now on (a pager's pipe).
func (l *Logger) SetStderr(w io.Writer) { l.stderr = w }

// SetTarget is log_set_target.
func (l *Logger) SetTarget(t Target) { l.target = t }

// ShowColor is log_show_color.
func (l *Logger) ShowColor(on bool) {
	l.color = 0
	if on {
		l.color = 1
	}
}

// Setup is log_setup: the environment, then Open, then colors on for the
// console unless the environment chose.
func (l *Logger) Setup() {
	l.ParseEnvironment()
	l.Open()
	if l.color < 0 && l.kmsg == nil {
		l.color = 1
	}
}

// ParseEnvironment applies the SYSTEMD_LOG_* variables in systemd's
// order, warning about each it cannot parse with what is set so far.
func (l *Logger) ParseEnvironment() {
	type setting struct {
		name, what, loc string
		set             func(string) bool
	}
	boolSetter := func(dst *bool) func(string) bool {
		return func(v string) bool {
			b := parseBoolean(v)
			*dst = b == 1
			return b >= 0
		}
	}
	settings := []setting{
		{"SYSTEMD_LOG_TARGET", "target", "src/basic/log.c:1194", func(v string) bool {
			for i, n := range targetNames {
				if v == n {
					l.target = Target(i)
					return true
				}
			}
			return false
		}},
		{"SYSTEMD_LOG_LEVEL", "level", "src/basic/log.c:1198", func(v string) bool {
			n, ok := parseLevel(v)
			if ok {
				l.maxLevel = n
			}
			return ok
		}},
		{"SYSTEMD_LOG_COLOR", "color", "src/basic/log.c:1202", func(v string) bool {
			b := parseBoolean(v)
			if b >= 0 {
				l.color = b
			}
			return b >= 0
		}},
		{"SYSTEMD_LOG_LOCATION", "location", "src/basic/log.c:1206", boolSetter(&l.location)},
		{"SYSTEMD_LOG_TIME", "time", "src/basic/log.c:1210", boolSetter(&l.time)},
		{"SYSTEMD_LOG_TID", "tid", "src/basic/log.c:1214", boolSetter(&l.tid)},
	}
	for _, s := range settings {
		if v, ok := os.LookupEnv(s.name); ok && !s.set(v) {
			l.Log(Warning, s.loc, "Failed to parse log %s '%s'. Ignoring.", s.what, v)
		}
	}
}

// parseBoolean is systemd's parse_boolean: 1 for yes, 0 for no, -1 for
// neither. (Package term has the same; neither imports the other.)
func parseBoolean(s string) int {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return 1
	case "0", "no", "n", "false", "f", "off":
		return 0
	}
	return -1
}

// parseLevel accepts a level name or a number up to 7 as C's strtoul
// reads it (leading space, sign, 0x, 0 for octal, 0b, 0o).
func parseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if s == n {
			return Level(i), true
		}
	}
	s = strings.TrimLeft(s, " \t\n\r")
	base := 0
	for _, p := range []struct {
		prefix string
		base   int
	}{{"0b", 2}, {"0B", 2}, {"0o", 8}, {"0O", 8}} {
		if strings.HasPrefix(s, p.prefix) {
			s, base = s[2:], p.base
			break
		}
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 0 {
		switch {
		case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") && strings.ContainsRune("0123456789abcdefABCDEF", rune(s[2])):
			s, base = s[2:], 16
		case strings.HasPrefix(s, "0"):
			base = 8
		default:
			base = 10
		}
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil || n > uint64(Debug) || (neg && n != 0) {
		return 0, false
	}
	return Level(n), true
}

// Open picks where messages go, as log_open does when no journal or
// syslog socket is reachable: the kernel log for the targets that
// include it (and for "auto" when stderr is connected to the journal),
// else the console.
func (l *Logger) Open() {
	useKmsg := false
	switch l.target {
	case TargetKmsg, TargetJournalOrKmsg, TargetSyslogOrKmsg:
		useKmsg = true
	case TargetAuto:
		useKmsg = stderrIsJournal()
	}
	if useKmsg {
		if f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY|unix.O_NOCTTY, 0); err == nil {
			l.kmsg = f
		}
	}
}

// stderrIsJournal checks $JOURNAL_STREAM against stderr's device and inode.
func stderrIsJournal() bool {
	e, ok := os.LookupEnv("JOURNAL_STREAM")
	if !ok {
		return false
	}
	dev, ino, ok := strings.Cut(e, ":")
	if !ok {
		return false
	}
	var st unix.Stat_t
	if unix.Fstat(2, &st) != nil {
		return false
	}
	return dev == strconv.FormatUint(st.Dev, 10) && ino == strconv.FormatUint(st.Ino, 10)
}

// Close closes the kernel log if Open opened it.
func (l *Logger) Close() {
	if l.kmsg != nil {
		l.kmsg.Close()
	}
}

// Log writes a message of the given level; loc is systemd's source
// location of the call ("src/id128/id128.c:33"), shown with
// SYSTEMD_LOG_LOCATION.
func (l *Logger) Log(level Level, loc, format string, args ...any) {
	if level > l.maxLevel || l.target == TargetNull {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if len(msg) > lineMax-1 {
		msg = msg[:lineMax-1]
	}
	for _, line := range strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l.kmsg != nil {
			fmt.Fprintf(l.kmsg, "<%d>%s[%d]: %s\n", int(level)|facilityDaemon, l.program, os.Getpid(), line)
			continue
		}
		l.writeConsole(level, loc, line)
	}
}

func (l *Logger) writeConsole(level Level, loc, line string) {
	var b strings.Builder
	if l.target == TargetConsolePrefixed {
		fmt.Fprintf(&b, "<%d>", int(level)|facilityDaemon)
	}
	if l.time {
		b.WriteString(time.Now().Format("Mon 2006-01-02 15:04:05 MST "))
	}
	if l.tid {
		fmt.Fprintf(&b, "(%d) ", unix.Gettid())
	}
	var on, off string
	if l.color > 0 {
		on, off = l.levelColors(level)
	}
	if l.location {
		if l.color > 0 {
			fmt.Fprintf(&b, "%s%s%s: ", l.console.ANSI256("\x1b[0;1;38;5;100m", "\x1b[0;1;33m"), loc, l.console.ANSI(ansiNormal))
		} else {
			b.WriteString(loc + ": ")
		}
	}
	b.WriteString(on + line + off)
	if l.console.StderrTTY() {
		b.WriteString("\r\n")
	} else {
		b.WriteString("\n")
	}
	io.WriteString(l.stderr, b.String())
}

func (l *Logger) levelColors(level Level) (on, off string) {
	normal := l.console.ANSI(ansiNormal)
	switch {
	case level <= Err:
		return l.console.ANSI("\x1b[0;1;31m"), normal
	case level <= Warning:
		return l.console.ANSI256("\x1b[0;1;38;5;185m", "\x1b[0;1;33m"), normal
	case level <= Notice:
		return l.console.ANSI(ansiHighlight), normal
	case level >= Debug:
		return l.console.ANSI256("\x1b[0;38;5;245m", "\x1b[0;90m"), normal
	}
	return "", ""
}

// Strerror is glibc's strerror text for the errno err carries, or err's
// own text when it carries none.
func Strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	if s := errno.Error(); errno > 0 && errno < 134 && !strings.HasPrefix(s, "errno ") {
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return fmt.Sprintf("Unknown error %d", int(errno))
}
