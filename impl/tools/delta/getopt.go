package delta

import (
	"fmt"
	"io"
	"strings"
)

// Argument kinds of a long option, as getopt_long's has_arg.
const (
	noArgument = iota
	requiredArgument
	optionalArgument
)

type longOption struct {
	name   string
	hasArg int
	val    int
}

// getopt is glibc's getopt_long with argument permutation: options may
// follow operands, "--" ends options, and long options may be abbreviated
// to a unique prefix. Errors are reported on errOut the way glibc does.
type getopt struct {
	args      []string
	shortOpts string
	longOpts  []longOption
	errOut    io.Writer
	// posixlyCorrect stops option parsing at the first operand, as glibc
	// does when POSIXLY_CORRECT is set.
	posixlyCorrect bool

	next     int
	cluster  string // rest of a "-abc" group being scanned
	operands []string
}

// optEnd is returned by Next when no option is left; optError when one
// was malformed (glibc's '?').
const (
	optEnd   = -1
	optError = '?'
)

// Next returns the next option and its argument ("" with hasArg false when
// absent).
func (g *getopt) Next() (opt int, arg string, hasArg bool) {
	if g.cluster != "" {
		return g.short()
	}
	for g.next < len(g.args) {
		a := g.args[g.next]
		g.next++
		switch {
		case a == "--":
			g.operands = append(g.operands, g.args[g.next:]...)
			g.next = len(g.args)
		case strings.HasPrefix(a, "--"):
			return g.long(a[2:])
		case len(a) > 1 && a[0] == '-':
			g.cluster = a[1:]
			return g.short()
		case g.posixlyCorrect:
			g.operands = append(g.operands, g.args[g.next-1:]...)
			g.next = len(g.args)
		default:
			g.operands = append(g.operands, a)
		}
	}
	return optEnd, "", false
}

// Operands are the non-option arguments, in order, once Next returned
// optEnd.
func (g *getopt) Operands() []string { return g.operands }

func (g *getopt) short() (int, string, bool) {
	c := g.cluster[0]
	g.cluster = g.cluster[1:]
	i := strings.IndexByte(g.shortOpts, c)
	if i < 0 || c == ':' {
		fmt.Fprintf(g.errOut, "%s: invalid option -- '%c'\n", g.args[0], c)
		return optError, "", false
	}
	if i+1 < len(g.shortOpts) && g.shortOpts[i+1] == ':' {
		if g.cluster != "" {
			arg := g.cluster
			g.cluster = ""
			return int(c), arg, true
		}
		if g.next >= len(g.args) {
			fmt.Fprintf(g.errOut, "%s: option requires an argument -- '%c'\n", g.args[0], c)
			return optError, "", false
		}
		arg := g.args[g.next]
		g.next++
		return int(c), arg, true
	}
	return int(c), "", false
}

func (g *getopt) long(text string) (int, string, bool) {
	name, value, hasValue := strings.Cut(text, "=")
	var found *longOption
	for i := range g.longOpts {
		if g.longOpts[i].name == name {
			found = &g.longOpts[i]
			break
		}
	}
	if found == nil {
		var matches []*longOption
		for i := range g.longOpts {
			if strings.HasPrefix(g.longOpts[i].name, name) {
				matches = append(matches, &g.longOpts[i])
			}
		}
		switch len(matches) {
		case 0:
			fmt.Fprintf(g.errOut, "%s: unrecognized option '--%s'\n", g.args[0], text)
			return optError, "", false
		case 1:
			found = matches[0]
		default:
			var b strings.Builder
			fmt.Fprintf(&b, "%s: option '--%s' is ambiguous; possibilities:", g.args[0], text)
			for _, m := range matches {
				fmt.Fprintf(&b, " '--%s'", m.name)
			}
			b.WriteString("\n")
			io.WriteString(g.errOut, b.String())
			return optError, "", false
		}
	}
	switch found.hasArg {
	case noArgument:
		if hasValue {
			fmt.Fprintf(g.errOut, "%s: option '--%s' doesn't allow an argument\n", g.args[0], found.name)
			return optError, "", false
		}
		return found.val, "", false
	case requiredArgument:
		if hasValue {
			return found.val, value, true
		}
		if g.next >= len(g.args) {
			fmt.Fprintf(g.errOut, "%s: option '--%s' requires an argument\n", g.args[0], found.name)
			return optError, "", false
		}
		arg := g.args[g.next]
		g.next++
		return found.val, arg, true
	}
	return found.val, value, hasValue
}
