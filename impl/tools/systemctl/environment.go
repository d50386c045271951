package systemctl

import (
	"os"
	"strings"
	"syscall"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// showEnvironment is verb_show_environment: the manager's environment,
// one NAME=value a line, values quoted for a POSIX shell where needed.
func (t *tool) showEnvironment(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	v, err := b.property(busManagerPath, ifaceManager, "Environment")
	if err != nil {
		return t.errorf("Failed to get environment: %s", busErrorMessage(err))
	}
	env, ok := v.Value().([]string)
	if !ok {
		return t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.ENXIO))
	}
	for _, e := range env {
		name, val, ok := strings.Cut(e, "=")
		if !ok {
			return t.errorf("Invalid environment block")
		}
		t.printf("%s=%s\n", name, shellQuotePOSIX(val))
	}
	return nil
}

// setEnvironment is verb_set_environment (set- and unset-environment):
// the arguments go to the manager unchecked, which validates them.
func (t *tool) setEnvironment(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	method := "UnsetEnvironment"
	if args[0] == "set-environment" {
		method = "SetEnvironment"
	}
	if err := t.checkBusStrings(args[1:]); err != nil {
		return err
	}
	if _, err := b.callManager(method, args[1:]); err != nil {
		return t.errorf("Failed to set environment: %s", busErrorMessage(err))
	}
	return nil
}

// importEnvironment is verb_import_environment: the named variables of
// our environment (no globs in 252), or all of it (deprecated).
func (t *tool) importEnvironment(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	var assignments []string
	if len(args) < 2 {
		t.warning("Calling import-environment without a list of variable names is deprecated.")
		assignments = cleanEnvironment(os.Environ(), func(bad string) {
			t.logAt(logging.Debug, "Ignoring invalid environment assignment \"%s\".", value.CEscape(bad))
		})
		for _, e := range assignments {
			if hasControlChars(e) {
				t.notice("Environment variable $%s contains control characters, importing anyway.", e[:strings.IndexByte(e, '=')])
			}
		}
	} else {
		assignments = []string{}
		environ := os.Environ()
		for _, name := range args[1:] {
			if !unitfile.EnvNameIsValid(name) {
				return t.errorf("Not a valid environment variable name: %s", name)
			}
			found := false
			for _, e := range environ {
				if rest, ok := strings.CutPrefix(e, name); ok && strings.HasPrefix(rest, "=") {
					if hasControlChars(rest[1:]) {
						t.notice("Environment variable $%s contains control characters, importing anyway.", name)
					}
					assignments = append(assignments, e)
					found = true
					break
				}
			}
			if !found {
				t.notice("Environment variable $%s not set, ignoring.", name)
			}
		}
	}
	if err := t.checkBusStrings(assignments); err != nil {
		return err
	}
	if _, err := b.callManager("SetEnvironment", assignments); err != nil {
		return t.errorf("Failed to import environment: %s", busErrorMessage(err))
	}
	return nil
}

// checkBusStrings fails as sd-bus does when a string to send is not
// valid UTF-8.
func (t *tool) checkBusStrings(l []string) error {
	for _, s := range l {
		if !utf8ValidSD(s) {
			return t.errorf("Failed to create bus message: %s", install.Strerror(syscall.EINVAL))
		}
	}
	return nil
}

// cleanEnvironment is strv_env_clean_with_callback: invalid assignments
// are dropped (and reported), of several for a name the last is kept.
func cleanEnvironment(env []string, invalid func(string)) []string {
	var out []string
	for i, e := range env {
		if !unitfile.EnvAssignmentIsValid(e) {
			invalid(e)
			continue
		}
		prefix := e[:strings.IndexByte(e, '=')+1]
		dup := false
		for _, later := range env[i+1:] {
			if strings.HasPrefix(later, prefix) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

// isCC is char_is_cc.
func isCC(c byte) bool { return c < ' ' || c == 127 }

// hasControlChars is string_has_cc.
func hasControlChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCC(s[i]) {
			return true
		}
	}
	return false
}

// shellQuotePOSIX is shell_maybe_quote with SHELL_ESCAPE_POSIX: a value
// the shell would take apart becomes $'...', control characters and
// invalid UTF-8 C-escaped, \ and ' backslashed.
func shellQuotePOSIX(s string) string {
	i := 0
	for i < len(s) {
		n := utf8CharLen(s[i:])
		if isCC(s[i]) || n == 0 || strings.IndexByte(" \t\n\r\"\\`$*?['()<>|&;!", s[i]) >= 0 {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString("$'")
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		n := utf8CharLen(s[i:])
		switch {
		case isCC(c) || n == 0:
			b.WriteString(cescapeChar(c))
			i++
		case n == 1:
			if c == '\\' || c == '\'' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// cescapeChar is cescape_char.
func cescapeChar(c byte) string {
	switch c {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	case '\\':
		return `\\`
	case '"':
		return `\"`
	case '\'':
		return `\'`
	}
	if c < ' ' || c >= 127 {
		return string([]byte{'\\', '0' + c>>6, '0' + c>>3&7, '0' + c&7})
	}
	return string([]byte{c})
}

// utf8CharLen is utf8_encoded_valid_unichar: the length of the valid
// character s starts with, 0 if it does not start with one. systemd also
// refuses noncharacters, which Go's decoder accepts.
func utf8CharLen(s string) int {
	c0 := s[0]
	var n int
	switch {
	case c0 < 0x80:
		return 1
	case c0&0xe0 == 0xc0:
		n = 2
	case c0&0xf0 == 0xe0:
		n = 3
	case c0&0xf8 == 0xf0:
		n = 4
	case c0&0xfc == 0xf8:
		n = 5
	case c0&0xfe == 0xfc:
		n = 6
	default:
		return 0
	}
	if n > len(s) {
		return 0
	}
	r := uint32(c0) & (0xff >> (n + 1))
	for i := 1; i < n; i++ {
		if s[i]&0xc0 != 0x80 {
			return 0
		}
		r = r<<6 | uint32(s[i])&0x3f
	}
	var want int
	switch {
	case r < 0x80:
		want = 1
	case r < 0x800:
		want = 2
	case r < 0x10000:
		want = 3
	case r < 0x200000:
		want = 4
	case r < 0x4000000:
		want = 5
	default:
		want = 6
	}
	if want != n || r >= 0x110000 || r&0xfffff800 == 0xd800 || r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe {
		return 0
	}
	return n
}

// utf8ValidSD is utf8_is_valid.
func utf8ValidSD(s string) bool {
	for len(s) > 0 {
		n := utf8CharLen(s)
		if n == 0 {
			return false
		}
		s = s[n:]
	}
	return true
}
