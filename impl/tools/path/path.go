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
	"os"
	"strings"
	"syscall"

	"gosystemd/impl/cli"
	"gosystemd/impl/version"
)

// Long option ids that have no short letter.
const (
	optVersion = 0x100 + iota
	optSuffix
)

var longOptions = []longOption{
	{"help", false, 'h'},
	{"version", false, optVersion},
	{"suffix", true, optSuffix},
}

type tool struct {
	out    *output
	term   *term
	log    *logger
	name   string // program_invocation_short_name
	suffix *string
}

// errFailed means the failure has been reported; the exit code is 1.
var errFailed = errors.New("failed")

// errDone means --help or --version ran; the exit code is 0.
var errDone = errors.New("done")

// Main runs systemd-path.
func Main(args []string, stdio cli.Stdio) int {
	t := &tool{out: newOutput(stdio.Out), term: detectTerm(stdio.Out, stdio.Err)}
	t.name = args[0][strings.LastIndexByte(args[0], '/')+1:]
	t.log = newLogger(stdio.Err, t.term, t.name, targetConsole)
	t.log.color = 1
	t.log.parseEnvironment()
	t.log.open()
	defer t.log.close()
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
	_, posix := os.LookupEnv("POSIXLY_CORRECT")
	g := &getopt{argv: args, optind: 1, shorts: "h", longs: longOptions, stderr: stderr, posix: posix}
	for {
		id, arg, ok := g.next()
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
`, t.name, t.term.manLink("systemd-path", "1"))
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
	return g.operands, nil
}

// list prints every path that resolves; a path that is merely not
// configured ($XDG_RUNTIME_DIR unset) is left out quietly.
func (t *tool) list() error {
	var result error
	for i, e := range pathTable {
		p, err := lookup(i, t.suffix)
		if err != nil {
			level := levelErr
			if errors.Is(err, syscall.ENXIO) {
				level = levelDebug
			} else {
				result = errFailed
			}
			t.log.log(level, "src/path/path.c:98", "Failed to query %s: %s", e.name, errnoText(err))
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
			t.log.log(levelErr, "src/path/path.c:121", "Failed to query %s: %s", name, errnoText(err))
			return errFailed
		}
		fmt.Fprintln(t.out, p)
		return nil
	}
	t.log.log(levelErr, "src/path/path.c:128", "Path %s not known.", name)
	return errFailed
}
