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
	"strings"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/getopt"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
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

var longOptions = []getopt.Option{
	{Name: "help", Arg: getopt.NoArgument, ID: 'h'},
	{Name: "version", Arg: getopt.NoArgument, ID: optVersion},
	{Name: "suffix", Arg: getopt.RequiredArgument, ID: optSuffix},
	{Name: "template", Arg: getopt.RequiredArgument, ID: optTemplate},
	{Name: "unescape", Arg: getopt.NoArgument, ID: 'u'},
	{Name: "mangle", Arg: getopt.NoArgument, ID: 'm'},
	{Name: "path", Arg: getopt.NoArgument, ID: 'p'},
	{Name: "instance", Arg: getopt.NoArgument, ID: 'i'},
}

type tool struct {
	stdio    cli.Stdio
	log      *logging.Logger
	term     *term.Term
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
	name := args[0][strings.LastIndexByte(args[0], '/')+1:]
	tm := term.Detect(stdio.Out, stdio.Err)
	t := &tool{stdio: stdio, term: tm, log: logging.New(stdio.Err, tm, name)}
	t.log.Setup()
	defer t.log.Close()
	err := t.parse(args)
	if err == nil {
		err = t.run()
	}
	if err != nil && err != errDone {
		return 1
	}
	return 0
}

// fail logs an error as escape.c does at the given source line (shown
// with SYSTEMD_LOG_LOCATION=1).
func (t *tool) fail(line int, format string, args ...any) error {
	t.log.Log(logging.Err, fmt.Sprintf("src/escape/escape.c:%d", line), format, args...)
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

See the %s for details.
`, name, t.term.ManLink("systemd-escape", "1"))
}

func (t *tool) parse(args []string) error {
	g := getopt.New(args, "hump", longOptions, t.stdio.Err)
	for {
		id, arg, ok := g.Next()
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
				return t.fail(89, "Invalid unit suffix type \"%s\".", arg)
			}
			t.suffix = arg
		case optTemplate:
			if !unitname.IsValid(arg, unitname.Template) {
				return t.fail(97, "Template name %s is not valid.", arg)
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
	t.names = g.Operands()
	// An empty --suffix= or --template= is refused above, so "" means unset.
	switch {
	case len(t.names) == 0:
		return t.fail(127, "Not enough arguments.")
	case t.template != "" && t.suffix != "":
		return t.fail(131, "--suffix= and --template= may not be combined.")
	case (t.template != "" || t.suffix != "") && t.action == actionMangle:
		return t.fail(135, "--suffix= and --template= are not compatible with --mangle.")
	case t.suffix != "" && t.action == actionUnescape:
		return t.fail(139, "--suffix is not compatible with --unescape.")
	case t.path && t.action == actionMangle:
		return t.fail(143, "--path may not be combined with --mangle.")
	case t.instance && t.action != actionUnescape:
		return t.fail(147, "--instance must be used in conjunction with --unescape.")
	case t.instance && t.template != "":
		return t.fail(151, "--instance may not be combined with --template.")
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
				return "", t.fail(181, "Input '%s' is not a valid file system path, failed to escape.", name)
			case !unitname.PathIsAbsolute(name):
				return "", t.fail(183, "Input '%s' is not an absolute file system path, failed to escape.", name)
			case !unitname.PathIsNormalized(name):
				return "", t.fail(185, "Input '%s' is not a normalized file system path, failed to escape.", name)
			}
			return "", t.fail(189, "Failed to escape string: %s", logging.Strerror(err))
		}
		// Escaping worked, but may not be reversible.
		if !unitname.PathIsValid(name) {
			t.log.Log(logging.Warning, "src/escape/escape.c:196", "Input '%s' is not a valid file system path, escaping is likely not going be reversible.", name)
		} else if !unitname.PathIsAbsolute(name) {
			t.log.Log(logging.Warning, "src/escape/escape.c:198", "Input '%s' is not an absolute file system path, escaping is likely not going to be reversible.", name)
		}
	} else {
		e = unitname.Escape(name)
	}
	switch {
	case t.template != "":
		s, err := unitname.ReplaceInstance(t.template, e)
		if err != nil {
			return "", t.fail(215, "Failed to replace instance: %s", logging.Strerror(err))
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
			return "", t.fail(233, "Failed to extract instance: %s", logging.Strerror(err))
		}
		if inst == "" {
			return "", t.fail(235, "Unit %s is missing the instance name.", name)
		}
		tmpl, err := unitname.TemplateOf(name)
		if err != nil {
			return "", t.fail(240, "Failed to extract template: %s", logging.Strerror(err))
		}
		if t.template != "" && t.template != tmpl {
			return "", t.fail(242, "Unit %s template %s does not match specified template %s.", name, tmpl, t.template)
		}
		name = inst
	}
	unescape := unitname.Unescape
	if t.path {
		unescape = unitname.PathUnescape
	}
	s, err := unescape(name)
	if err != nil {
		return "", t.fail(256, "Failed to unescape string: %s", logging.Strerror(err))
	}
	return s, nil
}

func (t *tool) mangle(name string) (string, error) {
	m, err := unitname.Mangle(name, "", 0, ".service")
	for _, note := range m.Notes {
		t.log.Log(logging.Debug, mangleNoteLocation(note), "%s", note)
	}
	if err != nil {
		return "", t.fail(264, "Failed to mangle name: %s", logging.Strerror(err))
	}
	return m.Name, nil
}

// mangleNoteLocation is where in unit-name.c systemd logs a mangling note.
func mangleNoteLocation(note string) string {
	switch {
	case strings.HasPrefix(note, "Glob pattern passed"):
		return "src/basic/unit-name.c:727"
	case strings.HasPrefix(note, "Invalid unit name"):
		return "src/basic/unit-name.c:755"
	}
	return "src/basic/unit-name.c:602"
}
