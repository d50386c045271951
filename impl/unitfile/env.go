package unitfile

import (
	"strings"
	"sync"
	"syscall"
)

// ParseEnvironment splits the value of an Environment= line into
// "NAME=value" assignments as systemd 252 does: words separated by
// whitespace, quotes and C escapes decoded, specifiers expanded, invalid
// assignments dropped with a warning. Bad quoting ends the line with a
// warning; assignments before it are kept. An empty value means the list
// is reset. Merge the result into the list with MergeEnv.
func ParseEnvironment(rvalue string, loc Location, expand Expander) ([]string, []Diagnostic) {
	var out []string
	var diags []Diagnostic
	x := NewExtractor(rvalue)
	for {
		word, ok, err := x.Next(whitespace, ExtractCUnescape|ExtractUnquote)
		if err != nil {
			diags = append(diags, diag(loc, LevelWarning, "Invalid syntax, ignoring: %s", rvalue))
			return out, diags
		}
		if !ok {
			return out, diags
		}
		if expand != nil {
			if word, err = expand(word, false); err != nil {
				diags = append(diags, diag(loc, LevelWarning, "Failed to resolve specifiers in %s, ignoring: %s", word, strerror(err)))
				continue
			}
		}
		if !EnvAssignmentIsValid(word) {
			diags = append(diags, diag(loc, LevelWarning, "Invalid environment assignment, ignoring: %s", word))
			continue
		}
		out = append(out, word)
	}
}

// legacyArgMax is glibc's floor for sysconf(_SC_ARG_MAX).
const legacyArgMax = 131072

// argMax is sysconf(_SC_ARG_MAX) as glibc computes it: a quarter of the
// stack limit, at least legacyArgMax.
var argMax = sync.OnceValue(func() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &rl); err != nil {
		return legacyArgMax
	}
	return max(legacyArgMax, rl.Cur/4)
})

// EnvNameIsValid reports whether s may be an environment variable name:
// letters, digits and "_", not starting with a digit.
func EnvNameIsValid(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' || uint64(len(s)) > argMax()-2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// EnvAssignmentIsValid reports whether s is "NAME=value" with a valid name
// and a UTF-8 value, within the kernel's size limit.
func EnvAssignmentIsValid(s string) bool {
	name, value, ok := strings.Cut(s, "=")
	return ok && EnvNameIsValid(name) && utf8Valid(value) &&
		uint64(len(value)) <= argMax()-3 && uint64(len(s)) <= argMax()-1
}

// MergeEnv sets assignment ("NAME=value") in env as systemd's
// strv_env_replace_consume: it replaces the first assignment of NAME
// (dropping later copies of the same assignment), or is appended.
func MergeEnv(env []string, assignment string) []string {
	name, _, _ := strings.Cut(assignment, "=")
	for i, e := range env {
		if strings.HasPrefix(e, name+"=") {
			out := append(env[:i:i], assignment)
			for _, rest := range env[i+1:] {
				if rest != assignment {
					out = append(out, rest)
				}
			}
			return out
		}
	}
	return append(env, assignment)
}

// CleanEnv drops invalid assignments (returned separately, for the
// executor's "Ignoring invalid environment assignment" message) and all
// but the last assignment of each name.
func CleanEnv(env []string) (clean, invalid []string) {
	for i, e := range env {
		if !EnvAssignmentIsValid(e) {
			invalid = append(invalid, e)
			continue
		}
		name, _, _ := strings.Cut(e, "=")
		later := false
		for _, f := range env[i+1:] {
			if strings.HasPrefix(f, name+"=") {
				later = true
				break
			}
		}
		if !later {
			clean = append(clean, e)
		}
	}
	return clean, invalid
}

// LoadEnvFile reads an EnvironmentFile= as systemd's load_env_file: shell
// like KEY=value lines with quotes, backslash escapes and continuation,
// "#" and ";" comments. It returns "KEY=value" strings (a later KEY
// replaces an earlier one) without checking names; use CleanEnv for that.
// Invalid UTF-8 fails the whole file with EINVAL and an error diagnostic.
func LoadEnvFile(fname string, data []byte) ([]string, []Diagnostic, error) {
	var env []string
	var diags []Diagnostic
	push := func(line int, key string, value []byte) error {
		loc := Location{fname, line}
		if !utf8Valid(key) {
			diags = append(diags, diag(loc, LevelErr, "invalid UTF-8 in key '%s', ignoring.", utf8EscapeInvalid(key)))
			return syscall.EINVAL
		}
		if !utf8Valid(string(value)) {
			diags = append(diags, diag(loc, LevelErr, "invalid UTF-8 value for key %s: '%s', ignoring.", key, utf8EscapeInvalid(string(value))))
			return syscall.EINVAL
		}
		env = MergeEnv(env, key+"="+string(value))
		return nil
	}
	if err := parseEnvFile(data, push); err != nil {
		return env, diags, err
	}
	return env, diags, nil
}

// parseEnvFile is the state machine of systemd's parse_env_file_internal.
// As in systemd, the line number passed to push is already that of the
// following line when the value ended at a newline.
func parseEnvFile(data []byte, push func(line int, key string, value []byte) error) error {
	const (
		preKey = iota
		inKey
		preValue
		inValue
		valueEscape
		singleQuote
		doubleQuote
		doubleQuoteEscape
		comment
		commentEscape
	)
	const newline = "\n\r"
	const shellNeedEscape = "\"\\`$"
	isIn := func(c byte, set string) bool { return strings.IndexByte(set, c) >= 0 }

	state := preKey
	line := 1
	var key, value []byte
	lastKeyWS, lastValueWS := -1, -1
	emit := func(trimValue bool) error {
		k := key
		if lastKeyWS >= 0 {
			k = k[:lastKeyWS]
		}
		v := value
		if trimValue && lastValueWS >= 0 {
			v = v[:lastValueWS]
		}
		err := push(line, string(k), v)
		key, value = key[:0], nil
		return err
	}
	for _, c := range data {
		if c == 0 {
			break
		}
		switch state {
		case preKey:
			if isIn(c, comments) {
				state = comment
			} else if !isIn(c, whitespace) {
				state = inKey
				lastKeyWS = -1
				key = append(key, c)
			}
		case inKey:
			switch {
			case isIn(c, newline):
				state = preKey
				line++
				key = key[:0]
			case c == '=':
				state = preValue
				lastValueWS = -1
			default:
				if !isIn(c, whitespace) {
					lastKeyWS = -1
				} else if lastKeyWS < 0 {
					lastKeyWS = len(key)
				}
				key = append(key, c)
			}
		case preValue:
			switch {
			case isIn(c, newline):
				state = preKey
				line++
				if err := emit(false); err != nil {
					return err
				}
			case c == '\'':
				state = singleQuote
			case c == '"':
				state = doubleQuote
			case c == '\\':
				state = valueEscape
			case !isIn(c, whitespace):
				state = inValue
				value = append(value, c)
			}
		case inValue:
			switch {
			case isIn(c, newline):
				state = preKey
				line++
				if err := emit(true); err != nil {
					return err
				}
			case c == '\\':
				state = valueEscape
				lastValueWS = -1
			default:
				if !isIn(c, whitespace) {
					lastValueWS = -1
				} else if lastValueWS < 0 {
					lastValueWS = len(value)
				}
				value = append(value, c)
			}
		case valueEscape:
			state = inValue
			if !isIn(c, newline) {
				value = append(value, c)
			}
		case singleQuote:
			if c == '\'' {
				state = preValue
			} else {
				value = append(value, c)
			}
		case doubleQuote:
			if c == '"' {
				state = preValue
			} else if c == '\\' {
				state = doubleQuoteEscape
			} else {
				value = append(value, c)
			}
		case doubleQuoteEscape:
			state = doubleQuote
			if isIn(c, shellNeedEscape) {
				value = append(value, c)
			} else if c != '\n' {
				value = append(value, '\\', c)
			}
		case comment:
			if c == '\\' {
				state = commentEscape
			} else if isIn(c, newline) {
				state = preKey
				line++
			}
		case commentEscape:
			state = comment
		}
	}
	switch state {
	case preValue, inValue, valueEscape, singleQuote, doubleQuote, doubleQuoteEscape:
		return emit(state == inValue)
	}
	return nil
}
