package delta

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

// Syslog priorities, as systemd's log levels.
const (
	levelErr     = 3
	levelWarning = 4
	levelNotice  = 5
	levelInfo    = 6
	levelDebug   = 7
)

// facilityDaemon is the syslog facility systemd tools log with.
const facilityDaemon = 3 << 3

var levelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

type logTarget int

const (
	targetConsole logTarget = iota
	targetConsolePrefixed
	targetKmsg
	targetJournal
	targetJournalOrKmsg
	targetSyslog
	targetSyslogOrKmsg
	targetAuto
	targetNull
)

var targetNames = []string{"console", "console-prefixed", "kmsg", "journal", "journal-or-kmsg", "syslog", "syslog-or-kmsg", "auto", "null"}

// logger writes log messages as systemd's log_*() do in a command line
// tool: to stderr (or /dev/kmsg, or nowhere) as SYSTEMD_LOG_TARGET,
// SYSTEMD_LOG_LEVEL, SYSTEMD_LOG_COLOR, SYSTEMD_LOG_LOCATION,
// SYSTEMD_LOG_TIME and SYSTEMD_LOG_TID say. Each message is cut to
// LINE_MAX-1 bytes and every non-empty line of it is written separately.
type logger struct {
	stderr   io.Writer
	term     *term
	program  string
	maxLevel int
	target   logTarget
	color    int // -1 until set, then 0 or 1
	location bool
	time     bool
	tid      bool
	kmsg     *os.File // open when logging to the kernel log
}

// lineMax is glibc's LINE_MAX, the size of systemd's log formatting buffer.
const lineMax = 2048

func newLogger(stderr io.Writer, t *term, program string, target logTarget) *logger {
	return &logger{stderr: stderr, term: t, program: program, maxLevel: levelInfo, target: target, color: -1}
}

// parseEnvironment applies the SYSTEMD_LOG_* variables in systemd's
// order, warning about each it cannot parse with what is set so far.
func (l *logger) parseEnvironment() {
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
					l.target = logTarget(i)
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
			l.log(levelWarning, s.loc, "Failed to parse log %s '%s'. Ignoring.", s.what, v)
		}
	}
}

// parseLevel accepts a level name or a number up to 7 as C's strtoul
// reads it (leading space, sign, 0x, 0 for octal, 0b, 0o).
func parseLevel(s string) (int, bool) {
	for i, n := range levelNames {
		if s == n {
			return i, true
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
	if err != nil || n > levelDebug || (neg && n != 0) {
		return 0, false
	}
	return int(n), true
}

// open picks where messages go, as log_open does when no journal or
// syslog socket is reachable: the kernel log for the targets that
// include it (and for "auto" when stderr is connected to the journal),
// else the console.
func (l *logger) open() {
	useKmsg := false
	switch l.target {
	case targetKmsg, targetJournalOrKmsg, targetSyslogOrKmsg:
		useKmsg = true
	case targetAuto:
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

func (l *logger) close() {
	if l.kmsg != nil {
		l.kmsg.Close()
	}
}

// log writes a message of the given level; loc is systemd's source
// location of the call ("src/id128/id128.c:33"), shown with
// SYSTEMD_LOG_LOCATION.
func (l *logger) log(level int, loc, format string, args ...any) {
	if level > l.maxLevel || l.target == targetNull {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if len(msg) > lineMax-1 {
		msg = msg[:lineMax-1]
	}
	for _, line := range strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l.kmsg != nil {
			fmt.Fprintf(l.kmsg, "<%d>%s[%d]: %s\n", level|facilityDaemon, l.program, os.Getpid(), line)
			continue
		}
		l.writeConsole(level, loc, line)
	}
}

func (l *logger) writeConsole(level int, loc, line string) {
	var b strings.Builder
	if l.target == targetConsolePrefixed {
		fmt.Fprintf(&b, "<%d>", level|facilityDaemon)
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
			fmt.Fprintf(&b, "%s%s%s: ", l.term.ansi256("\x1b[0;1;38;5;100m", "\x1b[0;1;33m"), loc, l.term.normal())
		} else {
			b.WriteString(loc + ": ")
		}
	}
	b.WriteString(on + line + off)
	if l.term.stderrTTY {
		b.WriteString("\r\n")
	} else {
		b.WriteString("\n")
	}
	io.WriteString(l.stderr, b.String())
}

func (l *logger) levelColors(level int) (on, off string) {
	switch {
	case level <= levelErr:
		return l.term.ansi("\x1b[0;1;31m"), l.term.normal()
	case level <= levelWarning:
		return l.term.ansi256("\x1b[0;1;38;5;185m", "\x1b[0;1;33m"), l.term.normal()
	case level <= levelNotice:
		return l.term.highlight(), l.term.normal()
	case level >= levelDebug:
		return l.term.ansi256("\x1b[0;38;5;245m", "\x1b[0;90m"), l.term.normal()
	}
	return "", ""
}

// errnoText is glibc's strerror text for the errno err carries.
func errnoText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	if s := errno.Error(); errno > 0 && errno < 134 && !strings.HasPrefix(s, "errno ") {
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return fmt.Sprintf("Unknown error %d", int(errno))
}
