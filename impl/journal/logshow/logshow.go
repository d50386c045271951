// Package logshow prints journal entries as 252's logs-show does for
// systemctl status (show_journal_by_unit): the unit's matches, the last
// lines of the current boot since the unit last started, and the short
// output formats and cat.
package logshow

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gosystemd/impl/cli/term"
	"gosystemd/impl/journal/journalfile"
	"gosystemd/impl/timeutil"
)

// Flags are the OutputFlags that matter here.
type Flags struct {
	ShowAll, FullWidth, Color, UTC, NoHostname, WarnCutoff bool
	// BeginNewline prints an empty line before the first line shown.
	BeginNewline bool
}

// The thresholds of print_multiline and shall_print.
const (
	printLineThreshold = 3
	printCharThreshold = 300
)

// Modes lists the output modes this package formats itself; others fall
// back to short.
var Modes = []string{"short", "short-full", "short-iso", "short-iso-precise", "short-precise",
	"short-monotonic", "short-delta", "short-unix", "with-unit", "cat", "verbose", "export",
	"json", "json-pretty", "json-sse", "json-seq"}

// UnitMatches is add_matches_for_unit: the unit's own messages, its
// coredumps, PID 1's messages about it and those of authorized daemons
// (and for a slice everything in it).
func UnitMatches(m *journalfile.Match, unit string) {
	m.AddMatch("_SYSTEMD_UNIT=" + unit)
	m.AddDisjunction()
	m.AddMatch("MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1")
	m.AddMatch("_UID=0")
	m.AddMatch("COREDUMP_UNIT=" + unit)
	m.AddDisjunction()
	m.AddMatch("_PID=1")
	m.AddMatch("UNIT=" + unit)
	m.AddDisjunction()
	m.AddMatch("_UID=0")
	m.AddMatch("OBJECT_SYSTEMD_UNIT=" + unit)
	if len(unit) > len(".slice") && unit[len(unit)-len(".slice"):] == ".slice" {
		m.AddDisjunction()
		m.AddMatch("_SYSTEMD_SLICE=" + unit)
	}
}

// UserUnitMatches is add_matches_for_user_unit.
func UserUnitMatches(m *journalfile.Match, unit string, uid uint32) {
	u := "_UID=" + strconv.FormatUint(uint64(uid), 10)
	m.AddMatch("_SYSTEMD_USER_UNIT=" + unit)
	m.AddMatch(u)
	m.AddDisjunction()
	m.AddMatch("USER_UNIT=" + unit)
	m.AddMatch(u)
	m.AddDisjunction()
	m.AddMatch("MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1")
	m.AddMatch(u)
	m.AddMatch("COREDUMP_USER_UNIT=" + unit)
	m.AddDisjunction()
	m.AddMatch("_UID=0")
	m.AddMatch("OBJECT_SYSTEMD_USER_UNIT=" + unit)
	m.AddMatch("OBJECT_UID=" + strconv.FormatUint(uint64(uid), 10))
	if len(unit) > len(".slice") && unit[len(unit)-len(".slice"):] == ".slice" {
		m.AddDisjunction()
		m.AddMatch("_SYSTEMD_USER_SLICE=" + unit)
		m.AddMatch(u)
	}
}

// Shower prints entries.
type Shower struct {
	Mode    string
	Columns int // used unless FullWidth
	Flags   Flags
	Zone    *timeutil.Zone
	// UTF8 is is_locale_utf8: "…" rather than "...".
	UTF8 bool
	prev prevTS
	// LogColors is get_log_colors for the terminal, used with
	// Flags.Color: the sequences around a message of a priority.
	LogColors func(priority int) (on, off string)
}

// ShowJournal is show_journal: the last howMany entries of ms, those
// before notBefore (monotonic, this boot) left out, then the rotation
// notice when fewer lines than asked were found and the journal starts
// after notBefore. It reports whether a line was ellipsized.
func (s *Shower) ShowJournal(w io.Writer, j *journalfile.Journal, m *journalfile.Match, boot journalfile.ID128, notBefore uint64, howMany int) bool {
	ents := j.Entries(m)
	if howMany >= 0 && len(ents) > howMany {
		ents = ents[len(ents)-howMany:]
	}
	flags := s.Flags
	ellipsized := false
	lines := 0
	s.prev = prevTS{}
	for _, e := range ents {
		if notBefore > 0 {
			if e.BootID != boot {
				continue
			}
			if e.Monotonic < notBefore {
				continue
			}
		}
		lines++
		if flags.BeginNewline {
			io.WriteString(w, "\n")
			flags.BeginNewline = false
		}
		if s.entry(w, e, flags) {
			ellipsized = true
		}
	}
	if flags.WarnCutoff && lines < howMany && notBefore > 0 {
		if cutoff, ok := j.CutoffMonotonic(boot); ok && notBefore < cutoff {
			if flags.BeginNewline {
				io.WriteString(w, "\n")
			}
			switch {
			case lines == 0 && j.AccessBlocked:
				io.WriteString(w, "Warning: some journal files were not opened due to insufficient permissions.\n")
			case !j.AccessBlocked:
				io.WriteString(w, "Notice: journal has been rotated since unit was started, output may be incomplete.\n")
			default:
				io.WriteString(w, "Warning: journal has been rotated since unit was started and some journal "+
					"files were not opened due to insufficient permissions, output may be incomplete.\n")
			}
		}
	}
	return ellipsized
}

// entryFields holds the fields output_short reads.
type entryFields struct {
	pid, comm, message, priority, transport, hostname, fakePID, identifier,
	configFile, unit, userUnit, documentation []byte
	srcRealtime, srcMonotonic []byte
	has                       map[string]bool
}

// fields reads what output_short reads, the data threshold applied
// (threshold 0: none).
func (s *Shower) fields(e *journalfile.Entry, threshold int) (*entryFields, bool) {
	fs, err := e.FieldsLimit(threshold)
	if err != nil {
		return nil, false
	}
	ef := &entryFields{has: map[string]bool{}}
	for _, p := range fs {
		if v, ok := bytes.CutPrefix(p, []byte("_SOURCE_REALTIME_TIMESTAMP=")); ok {
			ef.srcRealtime = v
		} else if v, ok := bytes.CutPrefix(p, []byte("_SOURCE_MONOTONIC_TIMESTAMP=")); ok {
			ef.srcMonotonic = v
		}
		for _, f := range []struct {
			name string
			dst  *[]byte
		}{
			{"_PID=", &ef.pid}, {"_COMM=", &ef.comm}, {"MESSAGE=", &ef.message},
			{"PRIORITY=", &ef.priority}, {"_TRANSPORT=", &ef.transport},
			{"_HOSTNAME=", &ef.hostname}, {"SYSLOG_PID=", &ef.fakePID},
			{"SYSLOG_IDENTIFIER=", &ef.identifier}, {"CONFIG_FILE=", &ef.configFile},
			{"_SYSTEMD_UNIT=", &ef.unit}, {"_SYSTEMD_USER_UNIT=", &ef.userUnit},
			{"DOCUMENTATION=", &ef.documentation},
		} {
			if bytes.HasPrefix(p, []byte(f.name)) {
				*f.dst = p[len(f.name):]
				ef.has[f.name] = true
				break
			}
		}
	}
	return ef, true
}

// entry prints one entry in s.Mode and reports ellipsization; it keeps
// the entry's timestamps for the next one's delta.
func (s *Shower) entry(w io.Writer, e *journalfile.Entry, flags Flags) bool {
	fs, err := e.Fields()
	if err != nil {
		return false
	}
	ef := &entryFields{}
	for _, p := range fs {
		if v, ok := bytes.CutPrefix(p, []byte("_SOURCE_REALTIME_TIMESTAMP=")); ok {
			ef.srcRealtime = v
		} else if v, ok := bytes.CutPrefix(p, []byte("_SOURCE_MONOTONIC_TIMESTAMP=")); ok {
			ef.srcMonotonic = v
		}
	}
	rt, mono := dualTimestamp(e, ef)
	defer func() { s.prev = prevTS{set: true, realtime: rt, monotonic: mono, boot: e.BootID} }()
	switch s.Mode {
	case "cat":
		return s.cat(w, e)
	case "export":
		s.export(w, e, fs)
		return false
	case "verbose":
		s.verbose(w, e, fs, rt, flags)
		return false
	case "json", "json-pretty", "json-sse", "json-seq":
		s.json(w, e, flags)
		return false
	}
	return s.short(w, e, flags)
}

// prevTS is the previous entry's dual timestamp and boot.
type prevTS struct {
	set                 bool
	realtime, monotonic uint64
	boot                journalfile.ID128
}

func subSat(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// Cursor is sd_journal_get_cursor's form of an entry's position.
func Cursor(e *journalfile.Entry) string {
	return fmt.Sprintf("s=%s;i=%x;b=%s;m=%x;t=%x;x=%x", e.File().Header.SeqnumID, e.Seqnum,
		e.BootID, e.Monotonic, e.Realtime, e.XorHash)
}

// fieldValid is journal_field_valid allowing protected fields.
func fieldValid(name []byte) bool {
	if len(name) == 0 || len(name) > 64 || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, c := range name {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// export is output_export: the entry's position and timestamps, its
// fields but _BOOT_ID as NAME=value lines, binary-safe for values with
// newlines or unprintable bytes, then an empty line.
func (s *Shower) export(w io.Writer, e *journalfile.Entry, fs [][]byte) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "__CURSOR=%s\n__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n",
		Cursor(e), e.Realtime, e.Monotonic, e.BootID)
	for _, p := range fs {
		if bytes.HasPrefix(p, []byte("_BOOT_ID=")) {
			continue
		}
		eq := bytes.IndexByte(p, '=')
		if eq < 0 || !fieldValid(p[:eq]) {
			w.Write(b.Bytes())
			return
		}
		if printable(p) && bytes.IndexByte(p, '\n') < 0 {
			b.Write(p)
		} else {
			b.Write(p[:eq])
			b.WriteByte('\n')
			b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(p)-eq-1)))
			b.Write(p[eq+1:])
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	w.Write(b.Bytes())
}

// verbose is output_verbose: the timestamp with microseconds and the
// cursor, then every field indented, continuation lines aligned after
// the name.
func (s *Shower) verbose(w io.Writer, e *journalfile.Entry, fs [][]byte, rt uint64, flags Flags) {
	if !validRealtime(rt) {
		return
	}
	zone := s.Zone
	if zone == nil {
		zone = timeutil.ZoneFromEnv()
	}
	style := timeutil.StyleUS
	if flags.UTC {
		style = timeutil.StyleUSUTC
	}
	ts, ok := timeutil.NewContext(zone, nil).FormatTimestamp(timeutil.Usec(rt), style)
	if !ok {
		ts = "(no timestamp)"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s [%s]\n", ts, Cursor(e))
	for _, p := range fs {
		eq := bytes.IndexByte(p, '=')
		if eq < 0 || !fieldValid(p[:eq]) {
			break
		}
		on, off := "", ""
		if flags.Color && bytes.HasPrefix(p, []byte("MESSAGE=")) {
			on, off = "\x1b[0;1;39m", "\x1b[0m"
		}
		if flags.ShowAll || ((len(p) < printCharThreshold || flags.FullWidth) && printable(p)) {
			fmt.Fprintf(&b, "    %s%s=", on, p[:eq])
			s.multiline(&b, 4+eq+1, Flags{FullWidth: true}, p[eq+1:], "", "")
			b.WriteString(off)
		} else {
			fmt.Fprintf(&b, "    %s%s=[%s blob data]%s\n", on, p[:eq], FormatBytes(uint64(len(p)-eq-1)), off)
		}
	}
	w.Write(b.Bytes())
}

// cat is output_cat: the first MESSAGE field's value, whole.
func (s *Shower) cat(w io.Writer, e *journalfile.Entry) bool {
	fs, err := e.Fields()
	if err != nil {
		return false
	}
	for _, p := range fs {
		if v, ok := bytes.CutPrefix(p, []byte("MESSAGE=")); ok {
			w.Write(append(v[:len(v):len(v)], '\n'))
			return false
		}
	}
	return false
}

func (s *Shower) shallPrint(p []byte, flags Flags) bool {
	if flags.ShowAll {
		return true
	}
	return len(p) < printCharThreshold && printable(p)
}

// printable is utf8_is_printable: valid UTF-8 without control characters
// other than tab and newline.
func printable(p []byte) bool {
	for len(p) > 0 {
		r, n := utf8.DecodeRune(p)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if (r < ' ' && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			return false
		}
		p = p[n:]
	}
	return true
}

func (s *Shower) short(w io.Writer, e *journalfile.Entry, flags Flags) bool {
	threshold := 0
	if !flags.ShowAll && !flags.FullWidth {
		threshold = printCharThreshold + 1
	}
	ef, ok := s.fields(e, threshold)
	if !ok || !ef.has["MESSAGE="] {
		return false
	}
	msg := ef.message
	if !flags.ShowAll {
		msg = StripTabANSI(msg)
	}
	var b bytes.Buffer
	ts, ok := s.timestamp(e, ef, flags)
	if !ok {
		return false
	}
	b.WriteString(ts)
	n := len(ts)
	if ef.has["_HOSTNAME="] && !flags.NoHostname && s.shallPrint(ef.hostname, flags) {
		b.WriteByte(' ')
		b.Write(ef.hostname)
		n += len(ef.hostname) + 1
	}
	unitOK := ef.has["_SYSTEMD_UNIT="] && s.shallPrint(ef.unit, flags)
	userOK := ef.has["_SYSTEMD_USER_UNIT="] && s.shallPrint(ef.userUnit, flags)
	switch {
	case s.Mode == "with-unit" && (unitOK || userOK):
		if ef.has["_SYSTEMD_UNIT="] {
			b.WriteByte(' ')
			b.Write(ef.unit)
			n += len(ef.unit) + 1
		}
		if ef.has["_SYSTEMD_USER_UNIT="] {
			if ef.has["_SYSTEMD_UNIT="] {
				b.WriteByte('/')
			} else {
				b.WriteByte(' ')
			}
			b.Write(ef.userUnit)
			// 252 counts the system unit's length here.
			n += len(ef.unit) + 1
		}
	case ef.has["SYSLOG_IDENTIFIER="] && s.shallPrint(ef.identifier, flags):
		b.WriteByte(' ')
		b.Write(ef.identifier)
		n += len(ef.identifier) + 1
	case ef.has["_COMM="] && s.shallPrint(ef.comm, flags):
		b.WriteByte(' ')
		b.Write(ef.comm)
		n += len(ef.comm) + 1
	default:
		b.WriteString(" unknown")
	}
	if ef.has["_PID="] && s.shallPrint(ef.pid, flags) {
		fmt.Fprintf(&b, "[%s]", ef.pid)
		n += len(ef.pid) + 2
	} else if ef.has["SYSLOG_PID="] && s.shallPrint(ef.fakePID, flags) {
		fmt.Fprintf(&b, "[%s]", ef.fakePID)
		n += len(ef.fakePID) + 2
	}
	b.WriteString(": ")
	ellipsized := false
	if !flags.ShowAll && !printable(msg) {
		fmt.Fprintf(&b, "[%s blob data]\n", FormatBytes(uint64(len(msg))))
	} else {
		on, off := "", ""
		if flags.Color {
			prio := 6
			if len(ef.priority) == 1 && ef.priority[0] >= '0' && ef.priority[0] <= '7' {
				prio = int(ef.priority[0] - '0')
			}
			if s.LogColors != nil {
				on, off = s.LogColors(prio)
			}
			if on == "" && string(ef.transport) == "audit" {
				on, off = "\x1b[0;34m", "\x1b[0m"
			}
		}
		ellipsized = s.multiline(&b, n+2, flags, msg, on, off)
	}
	w.Write(b.Bytes())
	return ellipsized
}

// multiline is print_multiline without colors: continuation lines
// indented by prefix, at most three lines and 300 characters shown unless
// the full width is asked for.
func (s *Shower) multiline(b *bytes.Buffer, prefix int, flags Flags, msg []byte, on, off string) bool {
	cols := s.Columns
	ellipsized := false
	if len(msg) == 0 {
		b.WriteByte('\n')
	}
	line := 0
	for pos := 0; pos < len(msg); line++ {
		end := bytes.IndexByte(msg[pos:], '\n')
		if end < 0 {
			end = len(msg)
		} else {
			end += pos
		}
		seg := msg[pos:end]
		indent := 0
		if line > 0 {
			indent = prefix
		}
		tail := line+1 == printLineThreshold || end+1 >= printCharThreshold
		if flags.FullWidth || flags.ShowAll || (prefix+len(seg)+1 < cols && !tail) {
			b.WriteString(spaces(indent))
			b.WriteString(on)
			b.Write(seg)
			b.WriteString(off)
			b.WriteByte('\n')
			pos = end + 1
			continue
		}
		ellipsized = true
		if prefix < cols && cols-prefix >= 3 {
			b.WriteString(spaces(indent))
			b.WriteString(on)
			if cols-prefix > len(seg)+3 {
				b.Write(seg)
				b.WriteString("...")
			} else {
				b.WriteString(EllipsizeMem(seg, cols-prefix, tailPercent(tail), s.UTF8))
			}
			b.WriteString(off)
			b.WriteByte('\n')
		} else {
			b.WriteString("...\n")
		}
		if tail {
			break
		}
		pos = end + 1
	}
	return ellipsized
}

func tailPercent(tail bool) int {
	if tail {
		return 100
	}
	return 90
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	return string(bytes.Repeat([]byte{' '}, n))
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// VALID_REALTIME and VALID_MONOTONIC of journal-file.h bound timestamps
// to 2^55 microseconds.
const (
	validMax     = 1 << 55
	usecInfinity = ^uint64(0)
)

func validRealtime(u uint64) bool  { return u > 0 && u < validMax }
func validMonotonic(u uint64) bool { return u < validMax }

// dualTimestamp is get_dual_timestamp: the source's timestamps when the
// entry carries valid ones, else the entry's.
func dualTimestamp(e *journalfile.Entry, ef *entryFields) (realtime, monotonic uint64) {
	realtime, monotonic = usecInfinity, usecInfinity
	ok := false
	if ef.srcRealtime != nil {
		realtime, ok = atou64(ef.srcRealtime)
	}
	if !ok || !validRealtime(realtime) {
		realtime = e.Realtime
		if !validRealtime(realtime) {
			realtime = usecInfinity
		}
	}
	ok = false
	if ef.srcMonotonic != nil {
		monotonic, ok = atou64(ef.srcMonotonic)
	}
	if !ok || !validMonotonic(monotonic) {
		monotonic = e.Monotonic
		if !validMonotonic(monotonic) {
			monotonic = usecInfinity
		}
	}
	return realtime, monotonic
}

// atou64 is safe_atou64 for the digits journald writes.
func atou64(b []byte) (uint64, bool) {
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil
}

// timestamp is output_timestamp_realtime / _monotonic.
func (s *Shower) timestamp(e *journalfile.Entry, ef *entryFields, flags Flags) (string, bool) {
	rt, mono := dualTimestamp(e, ef)
	switch s.Mode {
	case "short-monotonic", "short-delta":
		if !validMonotonic(mono) {
			return "", false
		}
		str := fmt.Sprintf("[%5d.%06d", mono/1000000, mono%1000000)
		if s.Mode == "short-delta" {
			p := s.prev
			switch {
			case p.set && validMonotonic(p.monotonic) && p.boot == e.BootID:
				d := subSat(mono, p.monotonic)
				str += fmt.Sprintf(" <%5d.%06d >", d/1000000, d%1000000)
			case p.set && validRealtime(rt) && validRealtime(p.realtime):
				d := subSat(rt, p.realtime)
				str += fmt.Sprintf(" <%5d.%06d*>", d/1000000, d%1000000)
			default:
				str += strings.Repeat(" ", 16)
			}
		}
		return str + "]", true
	}
	if !validRealtime(rt) {
		return "", false
	}
	zone := s.Zone
	if zone == nil {
		zone = timeutil.ZoneFromEnv()
	}
	if s.Mode == "short-full" || s.Mode == "with-unit" {
		style := timeutil.StylePretty
		if flags.UTC {
			style = timeutil.StyleUTC
		}
		tc := timeutil.NewContext(zone, nil)
		str, ok := tc.FormatTimestamp(timeutil.Usec(rt), style)
		return str, ok
	}
	t := int64(rt / 1000000)
	usec := rt % 1000000
	if s.Mode == "short-unix" {
		return fmt.Sprintf("%10d.%06d", t, usec), true
	}
	var tm timeutil.Tm
	var ok bool
	if flags.UTC {
		tm, ok = timeutil.Gmtime(t)
	} else {
		tm, ok = zone.Localtime(t)
	}
	if !ok {
		return "", false
	}
	switch s.Mode {
	case "short-iso", "short-iso-precise":
		str := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", tm.Year+1900, tm.Mon+1, tm.Mday, tm.Hour, tm.Min, tm.Sec)
		if s.Mode == "short-iso-precise" {
			str += fmt.Sprintf(".%06d", usec)
		}
		off := tm.Gmtoff
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		return str + fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60), true
	}
	mon := "???"
	if tm.Mon >= 0 && tm.Mon < 12 {
		mon = months[tm.Mon]
	}
	str := fmt.Sprintf("%s %02d %02d:%02d:%02d", mon, tm.Mday, tm.Hour, tm.Min, tm.Sec)
	if s.Mode == "short-precise" {
		str += fmt.Sprintf(".%06d", usec)
	}
	return str, true
}

// StripTabANSI is strip_tab_ansi: tabs become eight spaces, ANSI color
// (ESC [ digits ; m) and OSC (ESC ] … BEL) sequences go, and carriage
// returns go when a newline or the end follows them.
func StripTabANSI(in []byte) []byte {
	const (
		other = iota
		escape
		csi
		cso
	)
	var out []byte
	state := other
	begin := 0
	crs := 0
	for i := 0; i <= len(in); i++ {
		eot := i >= len(in)
		switch state {
		case other:
			if eot {
				break
			}
			c := in[i]
			if c == '\r' {
				crs++
				break
			} else if c == '\n' {
				crs = 0
			}
			for ; crs > 0; crs-- {
				out = append(out, '\r')
			}
			switch c {
			case 0x1b:
				state = escape
			case '\t':
				out = append(out, "        "...)
			default:
				out = append(out, c)
			}
		case escape:
			switch {
			case eot:
				out = append(out, 0x1b)
			case in[i] == '[':
				state, begin = csi, i+1
			case in[i] == ']':
				state, begin = cso, i+1
			default:
				out = append(out, 0x1b, in[i])
				state = other
			}
		case csi:
			if eot || bytes.IndexByte([]byte("01234567890;m"), in[i]) < 0 {
				out = append(out, 0x1b, '[')
				state = other
				i = begin - 1
			} else if in[i] == 'm' {
				state = other
			}
		case cso:
			if eot || (in[i] != '\a' && in[i] < 32) || in[i] > 126 {
				out = append(out, 0x1b, ']')
				state = other
				i = begin - 1
			} else if in[i] == '\a' {
				state = other
			}
		}
	}
	return out
}

// FormatBytes is format_bytes: "1.5K", "512B".
func FormatBytes(v uint64) string {
	suffixes := []string{"E", "P", "T", "G", "M", "K"}
	for i, s := range suffixes {
		f := uint64(1) << (10 * (6 - i))
		if v >= f {
			var frac uint64
			if i != len(suffixes)-1 {
				frac = (v / (f >> 10) * 10 / 1024) % 10
			} else {
				frac = (v * 10 / f) % 10
			}
			return fmt.Sprintf("%d.%d%s", v/f, frac, s)
		}
	}
	return fmt.Sprintf("%dB", v)
}

// EllipsizeMem is ellipsize_mem: s shortened to width columns with an
// ellipsis at percent of the way (term.Ellipsize).
func EllipsizeMem(s []byte, width, percent int, utf8 bool) string {
	return term.Ellipsize(string(s), width, percent, utf8)
}

// jsonThreshold is JSON_THRESHOLD: longer fields are shown as null.
const jsonThreshold = 4096

// jsonField is one name and its values, each already encoded.
type jsonField struct {
	name   string
	values []string
}

// json is output_json: the entry as one object whose values are strings,
// arrays of byte values when unprintable, null when too long, and arrays
// of those for a field given more than once. 252 orders the members by
// a hash table with a random key per process; here they keep the
// entry's order.
func (s *Shower) json(w io.Writer, e *journalfile.Entry, flags Flags) {
	limit := jsonThreshold
	if flags.ShowAll {
		limit = 0
	}
	fs, err := e.FieldsLimit(limit)
	if err != nil {
		return
	}
	var fields []*jsonField
	byName := map[string]*jsonField{}
	add := func(name string, value []byte) {
		var v string
		switch {
		case !flags.ShowAll && len(name)+1+len(value) >= jsonThreshold:
			v = "null"
		case printable(value):
			v = jsonString(value)
		default:
			var b strings.Builder
			b.WriteByte('[')
			for i, c := range value {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Itoa(int(c)))
			}
			b.WriteByte(']')
			v = b.String()
		}
		f := byName[name]
		if f == nil {
			f = &jsonField{name: name}
			byName[name] = f
			fields = append(fields, f)
		}
		f.values = append(f.values, v)
	}
	add("__CURSOR", []byte(Cursor(e)))
	add("__REALTIME_TIMESTAMP", []byte(strconv.FormatUint(e.Realtime, 10)))
	add("__MONOTONIC_TIMESTAMP", []byte(strconv.FormatUint(e.Monotonic, 10)))
	add("_BOOT_ID", []byte(e.BootID.String()))
	for _, p := range fs {
		if bytes.HasPrefix(p, []byte("_BOOT_ID=")) {
			continue
		}
		eq := bytes.IndexByte(p[:min(len(p), jsonThreshold)], '=')
		if eq < 0 {
			continue
		}
		if !fieldValid(p[:eq]) {
			return
		}
		add(string(p[:eq]), p[eq+1:])
	}
	pretty := s.Mode == "json-pretty"
	var b strings.Builder
	switch s.Mode {
	case "json-seq":
		b.WriteByte(0x1e)
	case "json-sse":
		b.WriteString("data: ")
	}
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		if pretty {
			b.WriteString("\n\t")
		}
		b.WriteString(jsonString([]byte(f.name)))
		if pretty {
			b.WriteString(" : ")
		} else {
			b.WriteByte(':')
		}
		if len(f.values) == 1 {
			b.WriteString(jsonPretty(f.values[0], pretty, "\t"))
			continue
		}
		b.WriteByte('[')
		for k, v := range f.values {
			if k > 0 {
				b.WriteByte(',')
			}
			if pretty {
				b.WriteString("\n\t\t")
			}
			b.WriteString(jsonPretty(v, pretty, "\t\t"))
		}
		if pretty {
			b.WriteString("\n\t")
		}
		b.WriteByte(']')
	}
	if pretty {
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	if s.Mode == "json-sse" {
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

// jsonPretty lays out an encoded byte array one value a line when
// pretty, indented one level deeper than indent.
func jsonPretty(v string, pretty bool, indent string) string {
	if !pretty || !strings.HasPrefix(v, "[") {
		return v
	}
	items := strings.Split(v[1:len(v)-1], ",")
	return "[\n" + indent + "\t" + strings.Join(items, ",\n"+indent+"\t") + "\n" + indent + "]"
}

// jsonString quotes a string as sd-json does: quotes, backslashes and
// the C0 controls escaped, the rest as is.
func jsonString(p []byte) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range p {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString("\\b")
		case '\f':
			b.WriteString("\\f")
		case '\n':
			b.WriteString("\\n")
		case '\r':
			b.WriteString("\\r")
		case '\t':
			b.WriteString("\\t")
		default:
			if c < ' ' {
				fmt.Fprintf(&b, "\\u%04x", c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
