// Package escape is systemd-escape: it escapes strings and paths for use
// in unit names, reverses that, and mangles strings into unit names, with
// systemd 252's options, messages and exit codes.
//
// Only impl/multicall imports it.
package escape

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gosystemd/impl/cli"
	"gosystemd/impl/unitname"
	"gosystemd/impl/version"
)

type action int

const (
	actionEscape action = iota
	actionUnescape
	actionMangle
)

// Long option ids that have no short letter.
const (
	optVersion = 0x100 + iota
	optSuffix
	optTemplate
)

var longOptions = []longOption{
	{"help", false, 'h'},
	{"version", false, optVersion},
	{"suffix", true, optSuffix},
	{"template", true, optTemplate},
	{"unescape", false, 'u'},
	{"mangle", false, 'm'},
	{"path", false, 'p'},
	{"instance", false, 'i'},
}

type tool struct {
	stdio    cli.Stdio
	log      *console
	action   action
	suffix   string
	template string
	path     bool
	instance bool
	names    []string
}

// errFailed means the failure has been reported; the exit code is 1.
var errFailed = errors.New("failed")

// errDone means --help or --version ran; the exit code is 0.
var errDone = errors.New("done")

// Main runs systemd-escape.
func Main(args []string, stdio cli.Stdio) int {
	t := &tool{stdio: stdio, log: newConsole(stdio.Err)}
	err := t.parse(args)
	if err == nil {
		err = t.run()
	}
	if err != nil && err != errDone {
		return 1
	}
	return 0
}

func (t *tool) fail(format string, args ...any) error {
	t.log.log(levelErr, format, args...)
	return errFailed
}

func (t *tool) help(argv0 string) {
	name := argv0[strings.LastIndexByte(argv0, '/')+1:]
	fmt.Fprintf(t.stdio.Out, `%s [OPTIONS...] [NAME...]

Escape strings for usage in systemd unit names.

  -h --help               Show this help
     --version            Show package version
     --suffix=SUFFIX      Unit suffix to append to escaped strings
     --template=TEMPLATE  Insert strings as instance into template
     --instance           With --unescape, show just the instance part
  -u --unescape           Unescape strings
  -m --mangle             Mangle strings
  -p --path               When escaping/unescaping assume the string is a path

See the systemd-escape(1) man page for details.
`, name)
}

func (t *tool) parse(args []string) error {
	_, posix := os.LookupEnv("POSIXLY_CORRECT")
	g := &getopt{argv: args, optind: 1, shorts: "hump", longs: longOptions, stderr: t.stdio.Err, posix: posix}
	for {
		id, arg, ok := g.next()
		if !ok {
			break
		}
		switch id {
		case 'h':
			t.help(args[0])
			return errDone
		case optVersion:
			io.WriteString(t.stdio.Out, version.Text)
			return errDone
		case optSuffix:
			if unitname.TypeFromString(arg) == unitname.TypeInvalid {
				return t.fail("Invalid unit suffix type \"%s\".", arg)
			}
			t.suffix = arg
		case optTemplate:
			if !unitname.IsValid(arg, unitname.Template) {
				return t.fail("Template name %s is not valid.", arg)
			}
			t.template = arg
		case 'u':
			t.action = actionUnescape
		case 'm':
			t.action = actionMangle
		case 'p':
			t.path = true
		case 'i':
			t.instance = true
		default:
			return errFailed
		}
	}
	t.names = g.operands
	// An empty --suffix= or --template= is refused above, so "" means unset.
	switch {
	case len(t.names) == 0:
		return t.fail("Not enough arguments.")
	case t.template != "" && t.suffix != "":
		return t.fail("--suffix= and --template= may not be combined.")
	case (t.template != "" || t.suffix != "") && t.action == actionMangle:
		return t.fail("--suffix= and --template= are not compatible with --mangle.")
	case t.suffix != "" && t.action == actionUnescape:
		return t.fail("--suffix is not compatible with --unescape.")
	case t.path && t.action == actionMangle:
		return t.fail("--path may not be combined with --mangle.")
	case t.instance && t.action != actionUnescape:
		return t.fail("--instance must be used in conjunction with --unescape.")
	case t.instance && t.template != "":
		return t.fail("--instance may not be combined with --template.")
	}
	return nil
}

func (t *tool) run() error {
	for i, name := range t.names {
		var out string
		var err error
		switch t.action {
		case actionEscape:
			out, err = t.escape(name)
		case actionUnescape:
			out, err = t.unescape(name)
		case actionMangle:
			out, err = t.mangle(name)
		}
		if err != nil {
			return err
		}
		if i > 0 {
			io.WriteString(t.stdio.Out, " ")
		}
		io.WriteString(t.stdio.Out, out)
	}
	io.WriteString(t.stdio.Out, "\n")
	return nil
}

func (t *tool) escape(name string) (string, error) {
	var e string
	if t.path {
		var err error
		e, err = unitname.PathEscape(name)
		if err != nil {
			switch {
			case !unitname.PathIsValid(name):
				return "", t.fail("Input '%s' is not a valid file system path, failed to escape.", name)
			case !unitname.PathIsAbsolute(name):
				return "", t.fail("Input '%s' is not an absolute file system path, failed to escape.", name)
			case !unitname.PathIsNormalized(name):
				return "", t.fail("Input '%s' is not a normalized file system path, failed to escape.", name)
			}
			return "", t.fail("Failed to escape string: %s", errnoText(err))
		}
		// Escaping worked, but may not be reversible.
		if !unitname.PathIsValid(name) {
			t.log.log(levelWarning, "Input '%s' is not a valid file system path, escaping is likely not going be reversible.", name)
		} else if !unitname.PathIsAbsolute(name) {
			t.log.log(levelWarning, "Input '%s' is not an absolute file system path, escaping is likely not going to be reversible.", name)
		}
	} else {
		e = unitname.Escape(name)
	}
	switch {
	case t.template != "":
		s, err := unitname.ReplaceInstance(t.template, e)
		if err != nil {
			return "", t.fail("Failed to replace instance: %s", errnoText(err))
		}
		return s, nil
	case t.suffix != "":
		return e + "." + t.suffix, nil
	}
	return e, nil
}

func (t *tool) unescape(name string) (string, error) {
	if t.template != "" || t.instance {
		inst, _, err := unitname.InstanceOf(name)
		if err != nil {
			return "", t.fail("Failed to extract instance: %s", errnoText(err))
		}
		if inst == "" {
			return "", t.fail("Unit %s is missing the instance name.", name)
		}
		tmpl, err := unitname.TemplateOf(name)
		if err != nil {
			return "", t.fail("Failed to extract template: %s", errnoText(err))
		}
		if t.template != "" && t.template != tmpl {
			return "", t.fail("Unit %s template %s does not match specified template %s.", name, tmpl, t.template)
		}
		name = inst
	}
	unescape := unitname.Unescape
	if t.path {
		unescape = unitname.PathUnescape
	}
	s, err := unescape(name)
	if err != nil {
		return "", t.fail("Failed to unescape string: %s", errnoText(err))
	}
	return s, nil
}

func (t *tool) mangle(name string) (string, error) {
	m, err := unitname.Mangle(name, "", 0, ".service")
	for _, note := range m.Notes {
		t.log.log(levelDebug, "%s", note)
	}
	if err != nil {
		return "", t.fail("Failed to mangle name: %s", errnoText(err))
	}
	return m.Name, nil
}
