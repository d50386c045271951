package install

import (
	"fmt"
	"syscall"

	"gosystemd/impl/unitname"
)

// ChangeType is what happened to one file.
type ChangeType int

// The kinds of change, in systemd's order.
const (
	ChangeSymlink ChangeType = iota
	ChangeUnlink
	ChangeIsMasked
	ChangeIsMaskedGenerator
	ChangeIsDangling
	ChangeDestinationNotPresent
	ChangeAuxiliaryFailed
)

// Change is one file created or removed, one notable condition, or (Err
// set) one failure. Source is a symlink's target.
type Change struct {
	Type   ChangeType
	Err    syscall.Errno
	Path   string
	Source string
}

// Log levels of Message, as syslog priorities.
const (
	LevelErr     = 3
	LevelWarning = 4
	LevelNotice  = 5
	LevelInfo    = 6
	LevelDebug   = 7
)

// Message is a line systemd would log.
type Message struct {
	Level int
	Text  string
}

// changes collects Changes as install_changes_add does.
type changes struct {
	list []Change
}

// add records a change (r >= 0 is a ChangeType, r < 0 an errno) and
// returns r, as install_changes_add.
func (c *changes) add(r int, path, source string) int {
	ch := Change{Path: unitname.PathSimplify(path), Source: unitname.PathSimplify(source)}
	if r < 0 {
		ch.Err = syscall.Errno(-r)
	} else {
		ch.Type = ChangeType(r)
	}
	c.list = append(c.list, ch)
	return r
}

func (c *changes) addType(t ChangeType, path, source string) int {
	return c.add(int(t), path, source)
}

// DumpChanges words changes as systemctl reports them after verb
// ("enable", "set default", ...) failed or succeeded with err; arrow is
// the right arrow glyph ("→" or "->"). With quiet only errors and
// warnings are reported.
func DumpChanges(err error, verb, arrow string, list []Change, quiet bool) []Message {
	var out []Message
	info := func(format string, args ...any) {
		if !quiet {
			out = append(out, Message{LevelInfo, fmt.Sprintf(format, args...)})
		}
	}
	warn := func(format string, args ...any) {
		if !quiet {
			out = append(out, Message{LevelWarning, fmt.Sprintf(format, args...)})
		}
	}
	logged := false
	fail := func(format string, args ...any) {
		out = append(out, Message{LevelErr, fmt.Sprintf(format, args...)})
		logged = true
	}
	for _, c := range list {
		if c.Err == 0 {
			switch c.Type {
			case ChangeSymlink:
				info("Created symlink %s %s %s.", c.Path, arrow, c.Source)
			case ChangeUnlink:
				info("Removed \"%s\".", c.Path)
			case ChangeIsMasked:
				info("Unit %s is masked, ignoring.", c.Path)
			case ChangeIsMaskedGenerator:
				info("Unit %s is masked via a generator and cannot be unmasked.", c.Path)
			case ChangeIsDangling:
				info("Unit %s is an alias to a unit that is not present, ignoring.", c.Path)
			case ChangeDestinationNotPresent:
				warn("Unit %s is added as a dependency to a non-existent unit %s.", c.Source, c.Path)
			case ChangeAuxiliaryFailed:
				warn("Failed to enable auxiliary unit %s, ignoring.", c.Path)
			}
			continue
		}
		switch c.Err {
		case syscall.EEXIST:
			if c.Source != "" {
				fail("Failed to %s unit, file \"%s\" already exists and is a symlink to \"%s\".", verb, c.Path, c.Source)
			} else {
				fail("Failed to %s unit, file \"%s\" already exists.", verb, c.Path)
			}
		case syscall.ERFKILL:
			fail("Failed to %s unit, unit %s is masked.", verb, c.Path)
		case syscall.EADDRNOTAVAIL:
			fail("Failed to %s unit, unit %s is transient or generated.", verb, c.Path)
		case syscall.ETXTBSY:
			fail("Failed to %s unit, file %s is under the systemd unit hierarchy already.", verb, c.Path)
		case syscall.EBADSLT:
			fail("Failed to %s unit, invalid specifier in \"%s\".", verb, c.Path)
		case syscall.EIDRM:
			fail("Failed to %s %s, destination unit %s is a non-template unit.", verb, c.Source, c.Path)
		case syscall.EUCLEAN:
			fail("Failed to %s unit, \"%s\" is not a valid unit name.", verb, c.Path)
		case syscall.ELOOP:
			fail("Failed to %s unit, refusing to operate on linked unit file %s.", verb, c.Path)
		case syscall.EXDEV:
			if c.Source != "" {
				fail("Failed to %s unit, cannot alias %s as %s.", verb, c.Source, c.Path)
			} else {
				fail("Failed to %s unit, invalid unit reference \"%s\".", verb, c.Path)
			}
		case syscall.ENOENT:
			fail("Failed to %s unit, unit %s does not exist.", verb, c.Path)
		case syscall.EUNATCH:
			fail("Failed to %s unit, cannot resolve specifiers in \"%s\".", verb, c.Path)
		default:
			fail("Failed to %s unit, file \"%s\": %s", verb, c.Path, Strerror(c.Err))
		}
	}
	if err != nil && !logged {
		out = append(out, Message{LevelErr, fmt.Sprintf("Failed to %s: %s.", verb, Strerror(errnoOf(err)))})
	}
	return out
}

// Strerror is glibc's text for errno e.
func Strerror(e syscall.Errno) string {
	if e == 0 {
		return "Success"
	}
	s := e.Error()
	if len(s) > 6 && s[:6] == "errno " {
		return fmt.Sprintf("Unknown error %d", int(e))
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
