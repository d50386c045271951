// Package id128 is systemd-id128: it generates random 128-bit IDs, prints
// the machine, boot and invocation IDs (optionally app-specific) and
// shows well-known GPT partition type IDs, with systemd 252's options,
// output, messages and exit codes.
//
// Only impl/multicall imports it.
package id128

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/getopt"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	ids "gosystemd/impl/id128"
	"gosystemd/impl/version"
)

// printMode is how IDs are printed.
type printMode int

const (
	printPlain printMode = iota
	printPretty
	printUUID
)

const optVersion = 0x100

var longOptions = []getopt.Option{
	{Name: "help", Arg: getopt.NoArgument, ID: 'h'},
	{Name: "version", Arg: getopt.NoArgument, ID: optVersion},
	{Name: "pretty", Arg: getopt.NoArgument, ID: 'p'},
	{Name: "app-specific", Arg: getopt.RequiredArgument, ID: 'a'},
	{Name: "uuid", Arg: getopt.NoArgument, ID: 'u'},
}

type tool struct {
	out  *term.Output
	term *term.Term
	log  *logging.Logger
	name string // program_invocation_short_name
	mode printMode
	app  ids.ID
}

// errFailed means the failure has been reported; the exit code is 1.
var errFailed = errors.New("failed")

// errDone means --help or --version ran; the exit code is 0.
var errDone = errors.New("done")

// Main runs systemd-id128.
func Main(args []string, stdio cli.Stdio) int {
	t := &tool{out: term.NewOutput(stdio.Out), term: term.Detect(stdio.Out, stdio.Err)}
	t.name = args[0][strings.LastIndexByte(args[0], '/')+1:]
	t.log = logging.New(stdio.Err, t.term, t.name)
	t.log.Setup()
	defer t.log.Close()
	verbArgs, err := t.parse(args, stdio.Err)
	if err == nil {
		err = t.dispatch(verbArgs)
	}
	t.out.Flush()
	if err != nil && err != errDone {
		return 1
	}
	return 0
}

func (t *tool) fail(loc, format string, args ...any) error {
	t.log.Log(logging.Err, loc, format, args...)
	return errFailed
}

func (t *tool) help() {
	fmt.Fprintf(t.out, `%s [OPTIONS...] COMMAND

%sGenerate and print 128bit identifiers.%s

Commands:
  new                     Generate a new ID
  machine-id              Print the ID of current machine
  boot-id                 Print the ID of current boot
  invocation-id           Print the ID of current invocation
  show [NAME]             Print one or more well-known GPT partition type IDs
  help                    Show this help

Options:
  -h --help               Show this help
  -p --pretty             Generate samples of program code
  -a --app-specific=ID    Generate app-specific IDs
  -u --uuid               Output in UUID format

See the %s for details.
`, t.name, t.term.Highlight(), t.term.Normal(), t.term.ManLink("systemd-id128", "1"))
}

// parse handles the options and returns the verb and its arguments.
func (t *tool) parse(args []string, stderr io.Writer) ([]string, error) {
	g := getopt.New(args, "hpa:u", longOptions, stderr)
	for {
		id, arg, ok := g.Next()
		if !ok {
			break
		}
		switch id {
		case 'h':
			t.help()
			return nil, errDone
		case optVersion:
			io.WriteString(t.out, version.Text)
			return nil, errDone
		case 'p':
			t.mode = printPretty
		case 'a':
			app, err := ids.Parse(arg)
			if err != nil {
				return nil, t.fail("src/id128/id128.c:217", "Failed to parse \"%s\" as application-ID: %s", arg, logging.Strerror(err))
			}
			t.app = app
		case 'u':
			t.mode = printUUID
		default:
			return nil, errFailed
		}
	}
	return g.Operands(), nil
}

// dispatch runs the verb, as systemd's dispatch_verb with this tool's
// table: every verb but show and help takes no arguments.
func (t *tool) dispatch(args []string) error {
	if len(args) == 0 {
		return t.fail("src/shared/verbs.c:78", "Command verb required.")
	}
	verbs := map[string]func([]string) error{
		"new":           t.verbNew,
		"machine-id":    t.verbMachineID,
		"boot-id":       t.verbBootID,
		"invocation-id": t.verbInvocationID,
		"show":          t.verbShow,
		"help":          func([]string) error { t.help(); return nil },
	}
	verb, ok := verbs[args[0]]
	if !ok {
		return t.fail("src/shared/verbs.c:75", "Unknown command verb %s.", args[0])
	}
	if args[0] != "show" && args[0] != "help" && len(args) > 1 {
		return t.fail("src/shared/verbs.c:92", "Too many arguments.")
	}
	return verb(args[1:])
}

func (t *tool) verbNew([]string) error {
	id, err := ids.New()
	if err != nil {
		return t.fail("src/shared/id128-print.c:73", "Failed to generate ID: %s", logging.Strerror(err))
	}
	t.print(id)
	return nil
}

// Where the machine and boot IDs are read from; tests point them elsewhere.
var (
	machineIDPath = ids.MachineIDPath
	bootIDPath    = ids.BootIDPath
)

func (t *tool) verbMachineID([]string) error {
	id, err := ids.MachineFrom(machineIDPath)
	return t.printSystemID("src/id128/id128.c:33", "machine-ID", id, err)
}

func (t *tool) verbBootID([]string) error {
	id, err := ids.BootFrom(bootIDPath)
	return t.printSystemID("src/id128/id128.c:48", "boot-ID", id, err)
}

// printSystemID prints a machine or boot ID, or the app-specific ID
// derived from it.
func (t *tool) printSystemID(loc, what string, id ids.ID, err error) error {
	prefix := ""
	if !t.app.IsNull() {
		prefix = "app-specific "
		id = ids.AppSpecific(id, t.app)
	}
	if err != nil {
		return t.fail(loc, "Failed to get %s%s: %s", prefix, what, logging.Strerror(err))
	}
	t.print(id)
	return nil
}

func (t *tool) verbInvocationID([]string) error {
	if !t.app.IsNull() {
		return t.fail("src/id128/id128.c:59", "Verb \"invocation-id\" cannot be combined with --app-specific=.")
	}
	id, err := ids.Invocation()
	if err != nil {
		return t.fail("src/id128/id128.c:64", "Failed to get invocation-ID: %s", logging.Strerror(err))
	}
	t.print(id)
	return nil
}

func (t *tool) print(id ids.ID) {
	switch t.mode {
	case printPlain:
		fmt.Fprintln(t.out, id.String())
	case printUUID:
		fmt.Fprintln(t.out, id.UUID())
	case printPretty:
		t.printSample("XYZ", id)
	}
}

// printSample shows id as string, UUID, C macro and Python constant named
// name.
func (t *tool) printSample(name string, id ids.ID) {
	on, off := t.term.Highlight(), t.term.Normal()
	bytes := make([]string, len(id))
	for i, b := range id {
		bytes[i] = fmt.Sprintf("%02x", b)
	}
	fmt.Fprintf(t.out, "As string:\n%s%s%s\n\nAs UUID:\n%s%s%s\n\nAs %s macro:\n%s#define %s SD_ID128_MAKE(%s)%s\n\n",
		on, id, off, on, id.UUID(), off, t.term.Link("man:systemd-id128(1)", "systemd-id128(1)"),
		on, name, strings.Join(bytes, ","), off)
	fmt.Fprintf(t.out, "As Python constant:\n>>> import %s\n>>> %s%s = uuid.UUID('%s')%s\n",
		t.term.Link("https://docs.python.org/3/library/uuid.html", "uuid"), on, name, id, off)
}

func (t *tool) verbShow(args []string) error {
	var table [][2]string
	first := true
	show := func(name string, id ids.ID) {
		switch t.mode {
		case printPretty:
			t.printSample(strings.ToUpper(strings.ReplaceAll(name, "-", "_")), id)
			// systemd puts the blank line after every sample but the first.
			if !first {
				fmt.Fprintln(t.out)
			}
		case printUUID:
			table = append(table, [2]string{name, id.UUID()})
		default:
			table = append(table, [2]string{name, id.String()})
		}
		first = false
	}
	if len(args) == 0 {
		for _, g := range ids.GPTTypes() {
			show(g.Name, g.ID)
		}
	}
	for _, a := range args {
		if id, err := ids.Parse(a); err == nil {
			name, ok := ids.GPTTypeName(id)
			if !ok {
				name = "XYZ"
			}
			show(name, id)
			continue
		}
		id, err := ids.GPTTypeFromString(a)
		if err != nil {
			return t.fail("src/id128/id128.c:128", "Unknown identifier \"%s\".", a)
		}
		show(a, id)
	}
	if table != nil {
		if err := t.printTable(table); err != nil {
			return t.fail("src/id128/id128.c:141", "Failed to print table: %s", logging.Strerror(err))
		}
	}
	return nil
}

// printTable prints name/ID rows under a "NAME ID" header as systemd's
// table formatter does at unlimited width: columns padded to their widest
// cell, one space apart, trailing space dropped; with colors the header
// is underlined across the whole line. Like systemd it flushes standard
// output and reports a failure to write.
func (t *tool) printTable(rows [][2]string) error {
	rows = append([][2]string{{"NAME", "ID"}}, rows...)
	var width [2]int
	for _, r := range rows {
		for j, c := range r {
			width[j] = max(width[j], len(c))
		}
	}
	for i, r := range rows {
		header := i == 0
		for j, c := range r {
			field := c + strings.Repeat(" ", width[j]-len(c))
			if j == len(r)-1 && !(t.term.Colors() && header) {
				field = strings.TrimRight(field, " ")
			}
			if t.term.Colors() && header {
				io.WriteString(t.out, t.term.Underline())
			}
			if j > 0 {
				io.WriteString(t.out, " ")
			}
			io.WriteString(t.out, field)
			if t.term.Colors() && header {
				io.WriteString(t.out, t.term.Normal())
			}
		}
		io.WriteString(t.out, "\n")
	}
	return t.out.Flush()
}
