package escape

import (
	"fmt"
	"io"
	"strings"
)

// longOption is one entry of a getopt_long option table.
type longOption struct {
	name   string
	hasArg bool
	id     int
}

// getopt walks argv as glibc's getopt_long does for an option string of
// flag letters without arguments: GNU argument permutation (operands may
// come between options, "--" ends options; POSIXLY_CORRECT stops at the
// first operand), unambiguous abbreviations of long options, "--name=value"
// or "--name value", and glibc's error messages on stderr.
type getopt struct {
	argv     []string
	shorts   string
	longs    []longOption
	stderr   io.Writer
	posix    bool
	optind   int
	cluster  string // rest of a "-abc" cluster being walked
	operands []string
}

// optError is what next returns after printing a usage error.
const optError = '?'

// next returns the next option's id (a short letter, a long option's id or
// optError) and its argument; ok is false once options are exhausted.
func (g *getopt) next() (id int, arg string, ok bool) {
	if g.cluster == "" {
		for {
			if g.optind >= len(g.argv) {
				return 0, "", false
			}
			a := g.argv[g.optind]
			if a == "--" {
				g.operands = append(g.operands, g.argv[g.optind+1:]...)
				g.optind = len(g.argv)
				return 0, "", false
			}
			if len(a) < 2 || a[0] != '-' {
				if g.posix {
					g.operands = append(g.operands, g.argv[g.optind:]...)
					g.optind = len(g.argv)
					return 0, "", false
				}
				g.operands = append(g.operands, a)
				g.optind++
				continue
			}
			if strings.HasPrefix(a, "--") {
				return g.long(a[2:])
			}
			g.cluster = a[1:]
			g.optind++
			break
		}
	}
	c := g.cluster[0]
	g.cluster = g.cluster[1:]
	if c == ':' || c == ';' || strings.IndexByte(g.shorts, c) < 0 {
		fmt.Fprintf(g.stderr, "%s: invalid option -- '%s'\n", g.argv[0], []byte{c})
		return optError, "", true
	}
	return int(c), "", true
}

func (g *getopt) long(text string) (int, string, bool) {
	g.optind++
	name, value, hasValue := strings.Cut(text, "=")
	var found *longOption
	for i := range g.longs {
		if g.longs[i].name == name {
			found = &g.longs[i]
			break
		}
	}
	if found == nil {
		var matches []*longOption
		for i := range g.longs {
			if strings.HasPrefix(g.longs[i].name, name) {
				matches = append(matches, &g.longs[i])
			}
		}
		// Matches identical to the first one are not ambiguous.
		ambiguous := matches[:min(1, len(matches))]
		for _, m := range matches[len(ambiguous):] {
			if m.hasArg != matches[0].hasArg || m.id != matches[0].id {
				ambiguous = append(ambiguous, m)
			}
		}
		if len(ambiguous) > 1 {
			fmt.Fprintf(g.stderr, "%s: option '--%s' is ambiguous; possibilities:", g.argv[0], text)
			for _, m := range ambiguous {
				fmt.Fprintf(g.stderr, " '--%s'", m.name)
			}
			fmt.Fprintln(g.stderr)
			return optError, "", true
		}
		if len(matches) == 0 {
			fmt.Fprintf(g.stderr, "%s: unrecognized option '--%s'\n", g.argv[0], text)
			return optError, "", true
		}
		found = matches[0]
	}
	switch {
	case hasValue && !found.hasArg:
		fmt.Fprintf(g.stderr, "%s: option '--%s' doesn't allow an argument\n", g.argv[0], found.name)
		return optError, "", true
	case hasValue:
		return found.id, value, true
	case !found.hasArg:
		return found.id, "", true
	case g.optind < len(g.argv):
		g.optind++
		return found.id, g.argv[g.optind-1], true
	default:
		fmt.Fprintf(g.stderr, "%s: option '--%s' requires an argument\n", g.argv[0], found.name)
		return optError, "", true
	}
}
