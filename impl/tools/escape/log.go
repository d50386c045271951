package escape

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Syslog priorities, as systemd's log levels.
const (
	levelErr     = 3
	levelWarning = 4
	levelInfo    = 6
	levelDebug   = 7
)

var levelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// console writes log messages the way systemd's log_*() do for a tool
// whose stderr is not a terminal: the message is cut to LINE_MAX-1 bytes,
// split at newlines and carriage returns, and every non-empty line is
// written with "\n".
type console struct {
	w        io.Writer
	maxLevel int
}

// lineMax is glibc's LINE_MAX, the size of systemd's log formatting buffer.
const lineMax = 2048

// newConsole applies SYSTEMD_LOG_LEVEL (a level name or number) as
// systemd's log_parse_environment does.
func newConsole(w io.Writer) *console {
	c := &console{w: w, maxLevel: levelInfo}
	e, set := os.LookupEnv("SYSTEMD_LOG_LEVEL")
	if !set {
		return c
	}
	for i, n := range levelNames {
		if e == n {
			c.maxLevel = i
			return c
		}
	}
	if n, err := strconv.ParseUint(e, 10, 8); err == nil && n <= levelDebug {
		c.maxLevel = int(n)
		return c
	}
	c.log(levelWarning, "Failed to parse log level '%s'. Ignoring.", e)
	return c
}

func (c *console) log(level int, format string, args ...any) {
	if level > c.maxLevel {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if len(msg) > lineMax-1 {
		msg = msg[:lineMax-1]
	}
	for _, line := range strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		io.WriteString(c.w, line+"\n")
	}
}

// errnoText is glibc's strerror text for the errno err wraps: Go's texts
// are glibc's with the first letter lowered.
func errnoText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}
