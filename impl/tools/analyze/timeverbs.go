package analyze

import (
	"errors"
	"fmt"
	"syscall"

	"gosystemd/impl/timeutil"
)

// strerror is glibc's text for the errnos the time verbs report.
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	switch errno {
	case syscall.EINVAL:
		return "Invalid argument"
	case syscall.ERANGE:
		return "Numerical result out of range"
	case syscall.ENOBUFS:
		return "No buffer space available"
	case syscall.EDEADLK:
		return "Resource deadlock avoided"
	case syscall.ENOENT:
		return "No such file or directory"
	}
	return fmt.Sprintf("Unknown error %d", int(errno))
}

// hint is time_parsing_hint: suggest the verb that accepts p.
func (r *run) hint(p string, calendar, timestamp, timespan bool) {
	if calendar {
		if _, err := r.ctx.ParseCalendar(p); err == nil {
			r.logf("Hint: this expression is a valid calendar specification. Use 'systemd-analyze calendar \"%s\"' instead?", p)
		}
	}
	if timestamp {
		if _, err := r.ctx.ParseTimestamp(p); err == nil {
			r.logf("Hint: this expression is a valid timestamp. Use 'systemd-analyze timestamp \"%s\"' instead?", p)
		}
	}
	if timespan {
		if _, err := timeutil.ParseSec(p); err == nil {
			r.logf("Hint: this expression is a valid timespan. Use 'systemd-analyze timespan \"%s\"' instead?", p)
		}
	}
}

// Lazy table values: format-table formats timestamps only when printing,
// after all computations, which matters for glibc's zone state.
func (r *run) timestamp(t timeutil.Usec, style timeutil.TimestampStyle) func() string {
	return func() string {
		if s, ok := r.ctx.FormatTimestamp(t, style); ok {
			return s
		}
		return "-"
	}
}

func (r *run) relative(t timeutil.Usec) func() string {
	return func() string {
		if s, ok := r.ctx.FormatTimestampRelative(t); ok {
			return s
		}
		return "-"
	}
}

func (r *run) verbCalendar(args []string) int {
	n := now()
	if r.hasBase {
		n = r.baseTime
	}
	ret := 0
	for i, p := range args[1:] {
		if k := r.calendarOne(n, p); ret == 0 {
			ret = k
		}
		if i+2 < len(args) {
			r.out.WriteByte('\n')
		}
	}
	return ret
}

func (r *run) calendarOne(n timeutil.Usec, p string) int {
	spec, err := r.ctx.ParseCalendar(p)
	if err != nil {
		r.logf("Failed to parse calendar specification '%s': %s", p, strerror(err))
		r.hint(p, false, true, true)
		return 1
	}
	normalized := r.ctx.CalendarString(spec)
	var t table
	if normalized != p {
		t.add("Original form:", p)
	}
	t.add("Normalized form:", normalized)
	for i := uint(0); i < r.iterations; i++ {
		next, err := r.ctx.NextElapse(spec, n)
		if errors.Is(err, syscall.ENOENT) {
			if i == 0 {
				t.add("Next elapse:", "never")
			}
			break
		}
		if err != nil {
			var loop *timeutil.ErrInfiniteLoop
			if errors.As(err, &loop) {
				r.logf("Infinite loop in calendar calculation: %s", loop.Spec)
			}
			r.logf("Failed to determine next elapse for '%s': %s", p, strerror(err))
			return 1
		}
		if i == 0 {
			t.addLazy("Next elapse:", r.timestamp(next, timeutil.StylePretty))
		} else {
			t.addLazy(fmt.Sprintf("Iter. #%d:", i+1), r.timestamp(next, timeutil.StylePretty))
		}
		if !r.ctx.Zone.InUTC() {
			t.addLazy("(in UTC):", r.timestamp(next, timeutil.StyleUTC))
		}
		t.addLazy("From now:", r.relative(next))
		n = next
	}
	r.out.WriteString(t.String())
	return 0
}

func (r *run) verbTimestamp(args []string) int {
	ret := 0
	for i, p := range args[1:] {
		if k := r.timestampOne(p); ret == 0 {
			ret = k
		}
		if i+2 < len(args) {
			r.out.WriteByte('\n')
		}
	}
	return ret
}

func (r *run) timestampOne(p string) int {
	usec, err := r.ctx.ParseTimestamp(p)
	if err != nil {
		r.logf("Failed to parse \"%s\": %s", p, strerror(err))
		r.hint(p, true, false, true)
		return 1
	}
	var t table
	t.add("Original form:", p)
	t.addLazy("Normalized form:", r.timestamp(usec, timeutil.StylePretty))
	if !r.ctx.Zone.InUTC() {
		t.addLazy("(in UTC):", r.timestamp(usec, timeutil.StyleUTC))
	}
	if usec%timeutil.Sec == 0 {
		t.add("UNIX seconds:", fmt.Sprintf("@%d", usec/timeutil.Sec))
	} else {
		t.add("UNIX seconds:", fmt.Sprintf("@%d.%06d", usec/timeutil.Sec, usec%timeutil.Sec))
	}
	t.addLazy("From now:", r.relative(usec))
	r.out.WriteString(t.String())
	return 0
}

func (r *run) verbTimespan(args []string) int {
	mu := "u"
	if r.utf8 {
		mu = "\u03bc"
	}
	for i, p := range args[1:] {
		usec, err := timeutil.ParseSec(p)
		if err != nil {
			r.logf("Failed to parse time span '%s': %s", p, strerror(err))
			r.hint(p, true, true, false)
			return 1
		}
		var t table
		t.add("Original:", p)
		t.add(mu+"s:", fmt.Sprintf("%d", usec))
		t.add("Human:", timeutil.FormatTimespan(usec, 0))
		r.out.WriteString(t.String())
		if i+2 < len(args) {
			r.out.WriteByte('\n')
		}
	}
	return 0
}
