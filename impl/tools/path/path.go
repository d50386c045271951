// Package path is systemd-path: it prints the system and user directories
// and search paths systemd knows (temporary, user-configuration,
// systemd-search-user-unit, ...) as systemd 252 on Debian bookworm
// resolves them, with its options, messages and exit codes.
//
// Only impl/multicall imports it.
package path

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/getopt"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/version"
)

// Long option ids that have no short letter.
const (
	optVersion = 0x100 + iota
	optSuffix
)

var longOptions = []getopt.Option{
	{Name: "help", Arg: getopt.NoArgument, ID: 'h'},
	{Name: "version", Arg: getopt.NoArgument, ID: optVersion},
	{Name: "suffix", Arg: getopt.RequiredArgument, ID: optSuffix},
}

type tool struct {
	out    *term.Output
	term   *term.Term
	log    *logging.Logger
	name   string // program_invocation_short_name
	suffix *string
}

// errFailed means the failure has been reported; the exit code is 1.
var errFailed = errors.New("failed")

// errDone means --help or --version ran; the exit code is 0.
var errDone = errors.New("done")

// Main runs systemd-path.
func Main(args []string, stdio cli.Stdio) int {
	t := &tool{out: term.NewOutput(stdio.Out), term: term.Detect(stdio.Out, stdio.Err)}
	t.name = args[0][strings.LastIndexByte(args[0], '/')+1:]
	t.log = logging.New(stdio.Err, t.term, t.name)
	t.log.SetTarget(logging.TargetConsole)
	t.log.ShowColor(true)
	t.log.ParseEnvironment()
	t.log.Open()
	defer t.log.Close()
	names, err := t.parse(args, stdio.Err)
	if err == nil {
		if len(names) == 0 {
			err = t.list()
		}
		for _, n := range names {
			if e := t.print(n); e != nil {
				err = e
			}
		}
	}
	t.out.Flush()
	if err != nil && err != errDone {
		return 1
	}
	return 0
}

func (t *tool) parse(args []string, stderr io.Writer) ([]string, error) {
	g := getopt.New(args, "h", longOptions, stderr)
	for {
		id, arg, ok := g.Next()
		if !ok {
			break
		}
		switch id {
		case 'h':
			fmt.Fprintf(t.out, `%s [OPTIONS...] [NAME...]

Show system and user paths.

  -h --help             Show this help
     --version          Show package version
     --suffix=SUFFIX    Suffix to append to paths

See the %s for details.
`, t.name, t.term.ManLink("systemd-path", "1"))
			return nil, errDone
		case optVersion:
			io.WriteString(t.out, version.Text)
			return nil, errDone
		case optSuffix:
			t.suffix = &arg
		default:
			return nil, errFailed
		}
	}
	return g.Operands(), nil
}

// list prints every path that resolves; a path that is merely not
// configured ($XDG_RUNTIME_DIR unset) is left out quietly.
func (t *tool) list() error {
	var result error
	for i, e := range pathTable {
		p, err := lookup(i, t.suffix)
		if err != nil {
			level := logging.Err
			if errors.Is(err, syscall.ENXIO) {
				level = logging.Debug
			} else {
				result = errFailed
			}
			t.log.Log(level, "src/path/path.c:98", "Failed to query %s: %s", e.name, logging.Strerror(err))
			continue
		}
		fmt.Fprintf(t.out, "%s: %s\n", e.name, p)
	}
	return result
}

func (t *tool) print(name string) error {
	for i, e := range pathTable {
		if e.name != name {
			continue
		}
		p, err := lookup(i, t.suffix)
		if err != nil {
			t.log.Log(logging.Err, "src/path/path.c:121", "Failed to query %s: %s", name, logging.Strerror(err))
			return errFailed
		}
		fmt.Fprintln(t.out, p)
		return nil
	}
	t.log.Log(logging.Err, "src/path/path.c:128", "Path %s not known.", name)
	return errFailed
}
