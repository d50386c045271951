package manager

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// mountEntry is one line of /proc/self/mountinfo as 252 sees it through
// libmount: fields unescaped, the per-mount and per-superblock options
// merged into one string.
type mountEntry struct {
	ID, Parent   int
	Major, Minor uint32
	Root, Target string
	FSType       string
	Source       string
	// Options are the merged options (libmount's mnt_fs_get_options).
	Options string
}

// Bounds on what is read from the kernel, so that a pathological mount
// table cannot make PID 1 allocate without limit.
const (
	maxMountinfoBytes = 64 << 20
	maxMountEntries   = 1 << 16
)

// parseMountinfo parses a mountinfo table the way libmount does for 252:
// a line that does not parse is skipped, never fatal. It never panics on
// any input.
func parseMountinfo(data []byte) []mountEntry {
	var out []mountEntry
	for len(data) > 0 && len(out) < maxMountEntries {
		line := data
		if i := indexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if i := indexByte(line, 0); i >= 0 {
			// A C string ends at a NUL byte.
			line = line[:i]
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		s := skipBlank(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		if e, ok := parseMountinfoLine(s); ok {
			out = append(out, e)
		}
	}
	return out
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func skipBlank(s string) string {
	return strings.TrimLeft(s, " \t")
}

func isSep(c byte) bool { return c == ' ' || c == '\t' }

// nextInt reads a decimal number that must end at a separator or the end
// of the line (libmount's next_s32).
func nextInt(s string) (int, string, bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start || (i < len(s) && !isSep(s[i])) {
		return 0, s, false
	}
	n, err := strconv.ParseInt(s[:i], 10, 32)
	if err != nil {
		// strtol saturates; an ID out of range is as good as any.
		n = 0
	}
	return int(n), s[i:], true
}

// field is libmount's unmangle: the next word up to a blank, with the
// kernel's \NNN octal escapes decoded; ok is false for an empty word.
func field(s string) (string, string, bool) {
	e := 0
	for e < len(s) && !isSep(s[e]) {
		e++
	}
	if e == 0 {
		return "", s, false
	}
	return unmangle(s[:e]), s[e:], true
}

func isOctalDigit(c byte) bool { return c >= '0' && c <= '7' }

// unmangle decodes \NNN escapes; as in C, the decoded string ends at a
// NUL byte.
func unmangle(w string) string {
	if strings.IndexByte(w, '\\') < 0 {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); {
		if w[i] == '\\' && i+3 < len(w) && isOctalDigit(w[i+1]) && isOctalDigit(w[i+2]) && isOctalDigit(w[i+3]) {
			v := 64*int(w[i+1]-'0') + 8*int(w[i+2]-'0') + int(w[i+3]-'0')
			if byte(v) == 0 {
				break
			}
			b.WriteByte(byte(v))
			i += 4
			continue
		}
		if w[i] == 0 {
			break
		}
		b.WriteByte(w[i])
		i++
	}
	return b.String()
}

// parseMountinfoLine parses one line:
//
//	ID PARENT MAJ:MIN ROOT TARGET VFS-OPTIONS [OPTIONAL...] - FSTYPE SOURCE FS-OPTIONS
func parseMountinfoLine(s string) (mountEntry, bool) {
	var e mountEntry
	var ok bool
	if e.ID, s, ok = nextInt(s); !ok || s == "" {
		return e, false
	}
	s = skipBlank(s)
	if e.Parent, s, ok = nextInt(s); !ok || s == "" {
		return e, false
	}
	s = skipBlank(s)
	majmin := s
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) {
			majmin, s = s[:i], s[i:]
			break
		}
	}
	if majmin == s {
		s = ""
	}
	maj, min, found := strings.Cut(majmin, ":")
	if !found {
		return e, false
	}
	ma, err1 := strconv.ParseUint(leadingDigits(maj), 10, 32)
	mi, err2 := strconv.ParseUint(leadingDigits(min), 10, 32)
	if err1 != nil || err2 != nil {
		return e, false
	}
	e.Major, e.Minor = uint32(ma), uint32(mi)
	s = skipBlank(s)
	if e.Root, s, ok = field(s); !ok {
		return e, false
	}
	s = skipBlank(s)
	if e.Target, s, ok = field(s); !ok {
		return e, false
	}
	e.Target = strings.TrimSuffix(e.Target, " (deleted)")
	s = skipBlank(s)
	var vfs string
	if vfs, s, ok = field(s); !ok {
		return e, false
	}
	sep := strings.Index(s, " - ")
	if sep < 0 {
		return e, false
	}
	s = skipBlank(s[sep+3:])
	if e.FSType, s, ok = field(s); !ok {
		return e, false
	}
	switch {
	case s == "":
		return e, false
	case len(s) >= 2 && s[0] == ' ' && s[1] == ' ':
		// An empty source.
	default:
		s = skipBlank(s)
		if e.Source, s, ok = field(s); !ok {
			return e, false
		}
	}
	s = skipBlank(s)
	var fsOpts string
	if fsOpts, _, ok = field(s); !ok {
		return e, false
	}
	e.Options = mergeOptions(vfs, fsOpts)
	return e, true
}

// leadingDigits is what sscanf's %u takes of a number.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// mergeOptions is libmount's merge of per-mount (VFS) and per-superblock
// options: one list, with a single leading "ro" or "rw" ("ro" if either
// side is read-only).
func mergeOptions(vfs, fs string) string {
	if vfs == fs {
		return vfs
	}
	opts := splitOptions(vfs + "," + fs)
	rw := 0
	for i := 0; i < 2; i++ {
		if removeOption(&opts, "rw") {
			rw++
		}
	}
	ro := 0
	if rw != 2 {
		if removeOption(&opts, "ro") {
			ro++
		}
		if ro+rw < 2 && removeOption(&opts, "ro") {
			ro++
		}
	}
	lead := "rw"
	if ro > 0 {
		lead = "ro"
	}
	if len(opts) == 0 {
		return lead
	}
	return lead + "," + strings.Join(opts, ",")
}

// splitOptions splits an option string at commas outside double quotes.
func splitOptions(s string) []string {
	var out []string
	quoted := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// removeOption drops the first option called name (with or without a
// value) and reports whether there was one.
func removeOption(opts *[]string, name string) bool {
	for i, o := range *opts {
		n, _, _ := strings.Cut(o, "=")
		if n == name && o != "" {
			*opts = append((*opts)[:i], (*opts)[i+1:]...)
			return true
		}
	}
	return false
}

// readMountinfo reads and parses a mount table file, bounded in size.
func readMountinfo(path string) ([]mountEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMountinfoBytes))
	if err != nil {
		return nil, err
	}
	entries := parseMountinfo(data)
	for i := range entries {
		if entries[i].Source == "/dev/root" {
			entries[i].Source = rootDevice(entries[i].Major, entries[i].Minor)
		}
	}
	return entries, nil
}

// rootDevice is libmount's translation of the kernel's "/dev/root" into
// the block device's node for its device number, when sysfs knows it.
func rootDevice(maj, min uint32) string {
	if maj == 0 {
		return "/dev/root"
	}
	link, err := os.Readlink(fmt.Sprintf("/sys/dev/block/%d:%d", maj, min))
	if err != nil {
		return "/dev/root"
	}
	return "/dev/" + strings.ReplaceAll(filepath.Base(link), "!", "/")
}

// filterMountOptions drops the options 252 keeps out of mount(8)'s -o
// (fstab_filter_options): the named ones, bare or with a value, and
// empty items; escaped commas stay within their option.
func filterMountOptions(opts string, drop ...string) string {
	var kept []string
	start := 0
	flush := func(w string) {
		if w == "" {
			return
		}
		for _, d := range drop {
			if w == d || strings.HasPrefix(w, d+"=") {
				return
			}
		}
		kept = append(kept, w)
	}
	for i := 0; i < len(opts); i++ {
		switch opts[i] {
		case '\\':
			i++
		case ',':
			flush(opts[start:i])
			start = i + 1
		}
	}
	if start <= len(opts) {
		flush(opts[start:])
	}
	return strings.Join(kept, ",")
}

// escapeInvalidUTF8 is utf8_escape_invalid: every byte that does not
// start a valid UTF-8 sequence becomes U+FFFD, so that the string can go
// on the bus.
func escapeInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// procWatch watches a /proc table (mountinfo, or swaps) for changes
// and asks the loop to re-read it. The kernel wakes the file's pollers on
// every change; an edge-triggered epoll on it sees each wake-up (a plain
// poll for POLLPRI compares a per-file counter and was seen to miss
// changes). Changes are coalesced: at most one re-read is pending at a
// time.
type procWatch struct {
	pending atomic.Bool
}

// watch runs on a Watch goroutine until the file cannot be watched any
// more; changed runs on the loop.
func (w *procWatch) watch(m *Manager, path string, changed func()) {
	f, err := os.Open(path)
	if err != nil {
		m.Post(func() {
			m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to watch %s: %s", path, errnoText(err))})
		})
		return
	}
	defer f.Close()
	ep, err := newPollableEpoll()
	if err != nil {
		return
	}
	defer ep.Close()
	fd := rawFDOf(f)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLPRI | unix.EPOLLERR | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(rawFDOf(ep), unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		m.Post(func() {
			m.log(LogEntry{Level: LevelErr, Message: fmt.Sprintf("Failed to watch %s: %s", path, errnoText(err))})
		})
		return
	}
	events := make([]unix.EpollEvent, 1)
	for {
		n, err := epollWait(ep, events)
		if err != nil {
			return
		}
		if n == 0 {
			continue
		}
		if w.pending.Swap(true) {
			continue
		}
		m.Post(func() {
			w.pending.Store(false)
			changed()
		})
	}
}
