package notify

import (
	"errors"
	"fmt"
	"strings"

	"gosystemd/impl/unit/value"
)

// errTrailingBackslash is why SplitTags refuses a message: 252's word
// splitter fails on a backslash with nothing after it.
var errTrailingBackslash = errors.New("notification message ends in a backslash")

// SplitTags splits a notification message into its assignments as 252's
// strv_split_newlines does: lines end at '\n' or '\r', empty lines vanish,
// and a backslash makes the next byte literal (a separator included) and
// is itself dropped. A trailing lone backslash makes the whole split fail;
// 252 then logs "Out of memory." and ignores the message. The message ends
// at its first NUL, as a C string does.
func SplitTags(msg string) ([]string, error) {
	if i := strings.IndexByte(msg, 0); i >= 0 {
		msg = msg[:i]
	}
	var tags []string
	var word []byte
	inWord := false
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case c == '\\':
			i++
			if i == len(msg) {
				return nil, errTrailingBackslash
			}
			word = append(word, msg[i])
			inWord = true
		case c == '\n' || c == '\r':
			if inWord {
				tags = append(tags, string(word))
				word, inWord = word[:0], false
			}
		default:
			word = append(word, c)
			inWord = true
		}
	}
	if inWord {
		tags = append(tags, string(word))
	}
	return tags, nil
}

// State is the service state a message announces: the last of READY=1,
// RELOADING=1 and STOPPING=1 in the message wins.
type State int

// The states.
const (
	StateUnchanged State = iota
	StateReady
	StateReloading
	StateStopping
)

// Watchdog is what WATCHDOG= asks for.
type Watchdog int

// The watchdog requests.
const (
	WatchdogNone    Watchdog = iota
	WatchdogPing             // WATCHDOG=1: reset the timer
	WatchdogTrigger          // WATCHDOG=trigger: act as if it expired
)

// FDStoreOp is what a message asks of the file descriptor store.
type FDStoreOp int

// The operations.
const (
	FDStoreNone   FDStoreOp = iota
	FDStoreAdd              // FDSTORE=1: keep the message's fds
	FDStoreRemove           // FDSTOREREMOVE=1: drop the fds named FDName
)

// StatusTextMax is STATUS_TEXT_MAX: the longest STATUS= 252 keeps.
const StatusTextMax = 16 * 1024

// fdNameMax is FDNAME_MAX.
const fdNameMax = 255

// Notification is what a message's assignments mean to a service, decided
// as 252's service_notify_message decides before it looks at the
// service's state. Assignments 252 does not know are ignored, as 252 does.
type Notification struct {
	// MainPIDSet says MAINPID= was sent; MainPID is its value when
	// valid, and MainPIDWarning what 252 logs when it is not. 252 looks
	// at MAINPID= (and logs) only in the start, start-post, running and
	// reload states.
	MainPIDSet     bool
	MainPID        int
	MainPIDWarning string

	State State

	// StatusSet says STATUS= was sent. Status is the new status text;
	// "" clears it, as an empty or refused STATUS= does in 252.
	StatusSet bool
	Status    string

	ErrnoSet bool
	Errno    int

	ExtendTimeoutSet  bool
	ExtendTimeoutUSec uint64

	Watchdog Watchdog

	WatchdogUSecSet bool
	WatchdogUSec    uint64

	// FDStore is the store operation. FDName is the name to store
	// under or remove; FDNameSet is false when FDSTORE=1 came without a
	// valid FDNAME= (252 then uses its default name). FDPoll is false
	// when FDPOLL=0 was sent.
	FDStore   FDStoreOp
	FDName    string
	FDNameSet bool
	FDPoll    bool

	// Warnings are what 252 logs (at warning level) while
	// interpreting, in its order; MAINPID='s is apart, in
	// MainPIDWarning.
	Warnings []string
}

// Interpret reads the assignments of one message as 252 does: for each
// key the first assignment counts, except the READY/RELOADING/STOPPING
// trio where the last one does.
func Interpret(tags []string) Notification {
	var n Notification
	if e, ok := findPrefix(tags, "MAINPID="); ok {
		n.MainPIDSet = true
		if pid, err := parsePID(e); err != nil {
			n.MainPIDWarning = "Failed to parse MAINPID= field in notification message, ignoring: " + e
		} else {
			n.MainPID = pid
		}
	}
	for i := len(tags) - 1; i >= 0 && n.State == StateUnchanged; i-- {
		switch tags[i] {
		case "READY=1":
			n.State = StateReady
		case "RELOADING=1":
			n.State = StateReloading
		case "STOPPING=1":
			n.State = StateStopping
		}
	}
	if e, ok := findPrefix(tags, "STATUS="); ok {
		n.StatusSet = true
		switch {
		case e == "":
		case len(e) > StatusTextMax:
			n.warn(fmt.Sprintf("Status message overly long (%d > %d), ignoring.", len(e), StatusTextMax))
		case !utf8Valid(e):
			n.warn("Status message in notification message is not UTF-8 clean, ignoring.")
		default:
			n.Status = e
		}
	}
	if e, ok := findPrefix(tags, "ERRNO="); ok {
		if v, err := value.ParseErrno(e); err != nil {
			n.warn(fmt.Sprintf("Failed to parse ERRNO= field value '%s' in notification message: %s", e, value.Strerror(err)))
		} else {
			n.ErrnoSet, n.Errno = true, v
		}
	}
	if e, ok := findPrefix(tags, "EXTEND_TIMEOUT_USEC="); ok {
		if v, err := value.SafeAtou64(e); err != nil {
			n.warn("Failed to parse EXTEND_TIMEOUT_USEC=" + e)
		} else {
			n.ExtendTimeoutSet, n.ExtendTimeoutUSec = true, v
		}
	}
	if e, ok := findPrefix(tags, "WATCHDOG="); ok {
		switch e {
		case "1":
			n.Watchdog = WatchdogPing
		case "trigger":
			n.Watchdog = WatchdogTrigger
		default:
			n.warn("Passed WATCHDOG= field is invalid, ignoring.")
		}
	}
	if e, ok := findPrefix(tags, "WATCHDOG_USEC="); ok {
		if v, err := value.SafeAtou64(e); err != nil {
			n.warn("Failed to parse WATCHDOG_USEC=" + e)
		} else {
			n.WatchdogUSecSet, n.WatchdogUSec = true, v
		}
	}
	name, named := findPrefix(tags, "FDNAME=")
	switch {
	case contains(tags, "FDSTOREREMOVE=1"):
		if !named || !FDNameValid(name) {
			n.warn("FDSTOREREMOVE=1 requested, but no valid file descriptor name passed, ignoring.")
		} else {
			n.FDStore, n.FDName, n.FDNameSet = FDStoreRemove, name, true
		}
	case contains(tags, "FDSTORE=1"):
		n.FDStore, n.FDPoll = FDStoreAdd, !contains(tags, "FDPOLL=0")
		if named && !FDNameValid(name) {
			n.warn("Passed FDNAME= name is invalid, ignoring.")
		} else if named {
			n.FDName, n.FDNameSet = name, true
		}
	}
	return n
}

func (n *Notification) warn(s string) { n.Warnings = append(n.Warnings, s) }

func findPrefix(tags []string, prefix string) (string, bool) {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, prefix); ok {
			return v, true
		}
	}
	return "", false
}

func contains(tags []string, s string) bool {
	for _, t := range tags {
		if t == s {
			return true
		}
	}
	return false
}

// parsePID is 252's parse_pid: an unsigned long that fits a positive
// pid_t.
func parsePID(s string) (int, error) {
	v, err := value.SafeAtou64(s)
	if err != nil {
		return 0, err
	}
	if v == 0 || v > 1<<31-1 {
		return 0, errors.New("PID out of range")
	}
	return int(v), nil
}

// FDNameValid is 252's fdname_is_valid: printable ASCII except ':', at
// most 255 bytes; the empty name is valid.
func FDNameValid(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 127 || s[i] == ':' {
			return false
		}
	}
	return len(s) <= fdNameMax
}

// utf8Valid is 252's utf8_is_valid: besides malformed sequences it
// refuses surrogates, U+FDD0..U+FDEF, U+xFFFE/U+xFFFF and code points
// past U+10FFFF.
func utf8Valid(s string) bool {
	for i := 0; i < len(s); {
		n := validCharLen(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return true
}

// validCharLen is the length of the valid encoded character that starts
// s, or 0.
func validCharLen(s string) int {
	c := s[0]
	var n int
	var r uint32
	switch {
	case c < 0x80:
		return 1
	case c&0xe0 == 0xc0:
		n, r = 2, uint32(c&0x1f)
	case c&0xf0 == 0xe0:
		n, r = 3, uint32(c&0x0f)
	case c&0xf8 == 0xf0:
		n, r = 4, uint32(c&0x07)
	case c&0xfc == 0xf8:
		n, r = 5, uint32(c&0x03)
	case c&0xfe == 0xfc:
		n, r = 6, uint32(c&0x01)
	default:
		return 0
	}
	if n > len(s) {
		return 0
	}
	for i := 1; i < n; i++ {
		if s[i]&0xc0 != 0x80 {
			return 0
		}
		r = r<<6 | uint32(s[i]&0x3f)
	}
	if encodedLen(r) != n || !runeValid(r) {
		return 0
	}
	return n
}

func encodedLen(r uint32) int {
	switch {
	case r < 0x80:
		return 1
	case r < 0x800:
		return 2
	case r < 0x10000:
		return 3
	case r < 0x200000:
		return 4
	case r < 0x4000000:
		return 5
	}
	return 6
}

func runeValid(r uint32) bool {
	return r < 0x110000 && r&0xfffff800 != 0xd800 && (r < 0xfdd0 || r > 0xfdef) && r&0xfffe != 0xfffe
}

// Access is a service's NotifyAccess= setting, spelled as in unit files.
type Access string

// The settings.
const (
	AccessNone Access = "none"
	AccessMain Access = "main"
	AccessExec Access = "exec"
	AccessAll  Access = "all"
)

// Authorize decides, as 252's service_notify_message_authorized does,
// whether a service with NotifyAccess=access accepts a message from pid,
// given its main and control PIDs (0 when unknown). When it refuses, the
// warning is what 252 logs for the service.
func Authorize(access Access, pid, mainPID, controlPID int) (ok bool, warning string) {
	from := fmt.Sprintf("Got notification message from PID %d, but reception ", pid)
	switch access {
	case AccessNone:
		return false, from + "is disabled."
	case AccessMain:
		if pid == mainPID {
			return true, ""
		}
		if mainPID != 0 {
			return false, fmt.Sprintf("%sonly permitted for main PID %d", from, mainPID)
		}
		return false, from + "only permitted for main PID which is currently not known"
	case AccessExec:
		if pid == mainPID || pid == controlPID {
			return true, ""
		}
		switch {
		case mainPID != 0 && controlPID != 0:
			return false, fmt.Sprintf("%sonly permitted for main PID %d and control PID %d", from, mainPID, controlPID)
		case mainPID != 0:
			return false, fmt.Sprintf("%sonly permitted for main PID %d", from, mainPID)
		case controlPID != 0:
			return false, fmt.Sprintf("%sonly permitted for control PID %d", from, controlPID)
		}
		return false, from + "only permitted for main PID and control PID which are currently not known"
	}
	return true, ""
}

// Messages the manager logs itself, worded as 252 words them.
const (
	// ExtraFDsWarning is logged when no unit took a message's fds.
	ExtraFDsWarning = "Got extra auxiliary fds with notification message, closing them."
)

// NoUnitWarning is logged when no unit claims a message's sender.
func NoUnitWarning(pid int) string {
	return fmt.Sprintf("Cannot find unit for notify message of PID %d, ignoring.", pid)
}

// DebugMessage is what 252 logs for a service at debug level when it
// accepts a message.
func DebugMessage(pid int, tags []string) string {
	joined := strings.Join(tags, ", ")
	if joined == "" {
		joined = "n/a"
	}
	return fmt.Sprintf("Got notification message from PID %d (%s)", pid, joined)
}
