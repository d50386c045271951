package unitfile

import (
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
)

// ExecFlags are the command prefixes of an Exec line, in systemd's bit
// order.
type ExecFlags int

// The prefixes.
const (
	ExecIgnoreFailure   ExecFlags = 1 << iota // "-"
	ExecFullyPrivileged                       // "+"
	ExecNoSetuid                              // "!"
	ExecAmbientMagic                          // "!!"
	ExecNoEnvExpand                           // ":"
)

// ExecCommand is one command of an Exec line. Argv[0] is the path as
// written unless the line used "@", which makes it the next word. $VAR and
// ${VAR} are left in place for the executor.
type ExecCommand struct {
	Path  string
	Argv  []string
	Flags ExecFlags
}

// Expander resolves unit specifiers ("%i") in s; path says s is the
// executable. It returns an error wrapping an errno on failure. A nil
// Expander leaves strings as they are.
type Expander func(s string, path bool) (string, error)

// ParseExec splits the value of an Exec line (ExecStart= and friends) into
// commands as systemd 252 does: prefixes "-@:+!" and "!!", ";" between
// commands ("\;" for a literal one), quotes and C escapes. An empty value
// means the list is reset and yields no commands. Errors that make systemd
// refuse the unit ("fatal error") are ENOEXEC; with the "-" prefix they
// only drop the command. Commands parsed before a problem are kept.
func ParseExec(rvalue string, loc Location, expand Expander) ([]ExecCommand, []Diagnostic, error) {
	if expand == nil {
		expand = func(s string, _ bool) (string, error) { return s, nil }
	}
	var cmds []ExecCommand
	var diags []Diagnostic
	x := NewExtractor(rvalue)
	for {
		semicolon := false
		first, ok, d, err := extractAndWarn(x, ExtractUnquote|ExtractCUnescape, loc, rvalue)
		diags = append(diags, d...)
		if err != nil || !ok {
			return cmds, diags, nil
		}
		if first == ";" {
			continue
		}

		var flags ExecFlags
		separateArgv0 := false
		f := first
	prefixes:
		for ; f != ""; f = f[1:] {
			switch {
			case f[0] == '-' && flags&ExecIgnoreFailure == 0:
				flags |= ExecIgnoreFailure
			case f[0] == '@' && !separateArgv0:
				separateArgv0 = true
			case f[0] == ':' && flags&ExecNoEnvExpand == 0:
				flags |= ExecNoEnvExpand
			case f[0] == '+' && flags&(ExecFullyPrivileged|ExecNoSetuid|ExecAmbientMagic) == 0:
				flags |= ExecFullyPrivileged
			case f[0] == '!' && flags&(ExecFullyPrivileged|ExecNoSetuid|ExecAmbientMagic) == 0:
				flags |= ExecNoSetuid
			case f[0] == '!' && flags&(ExecFullyPrivileged|ExecAmbientMagic) == 0:
				flags = flags&^ExecNoSetuid | ExecAmbientMagic
			default:
				break prefixes
			}
		}
		ignore := flags&ExecIgnoreFailure != 0
		level, ignoring := LevelErr, ""
		if ignore {
			level, ignoring = LevelWarning, ", ignoring"
		}
		fail := func(format string, args ...any) ([]ExecCommand, []Diagnostic, error) {
			diags = append(diags, diag(loc, level, format, args...))
			if ignore {
				return cmds, diags, nil
			}
			return cmds, diags, syscall.ENOEXEC
		}

		path, err := expand(f, true)
		switch {
		case err != nil:
			return fail("Failed to resolve unit specifiers in '%s'%s: %s", f, ignoring, strerror(err))
		case path == "":
			return fail("Empty path in command line%s: '%s'", ignoring, rvalue)
		case !stringIsSafe(path):
			return fail("Executable name contains special characters%s: %s", ignoring, path)
		case strings.HasSuffix(path, "/"):
			return fail("Executable path specifies a directory%s: %s", ignoring, path)
		case strings.HasPrefix(path, "/") && !unitname.PathIsValid(path) || !strings.HasPrefix(path, "/") && !unitname.FilenameIsValid(path):
			return fail("Neither a valid executable name nor an absolute path%s: %s", ignoring, path)
		}
		var argv []string
		if !separateArgv0 {
			argv = append(argv, path)
		}

		for !x.Done() && x.Rest() != "" {
			r := x.Rest()
			if r[0] == ';' && (len(r) == 1 || strings.IndexByte(whitespace, r[1]) >= 0) {
				x.rest = strings.TrimLeft(r[1:], whitespace)
				semicolon = true
				break
			}
			if strings.HasPrefix(r, `\;`) && (len(r) == 2 || strings.IndexByte(whitespace, r[2]) >= 0) {
				x.rest = strings.TrimLeft(r[2:], whitespace)
				argv = append(argv, ";")
				continue
			}
			word, ok, d, err := extractAndWarn(x, ExtractUnquote|ExtractCUnescape, loc, rvalue)
			diags = append(diags, d...)
			if err != nil {
				if ignore {
					return cmds, diags, nil
				}
				return cmds, diags, syscall.ENOEXEC
			}
			if !ok {
				break
			}
			resolved, err := expand(word, false)
			if err != nil {
				return fail("Failed to resolve unit specifiers in %s%s: %s", word, ignoring, strerror(err))
			}
			argv = append(argv, resolved)
		}

		if len(argv) == 0 {
			return fail("Empty executable name or zeroeth argument%s: %s", ignoring, rvalue)
		}
		cmds = append(cmds, ExecCommand{Path: unitname.PathSimplify(path), Argv: argv, Flags: flags})
		rvalue = x.Rest()
		if !semicolon {
			return cmds, diags, nil
		}
	}
}
