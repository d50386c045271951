// Package getopt parses a command line as glibc's getopt_long does for
// systemd's tools: short options from an option string ("a" a flag, "a:"
// a required argument as "-aX" or "-a X", "a::" an optional one only as
// "-aX"), long options as "--name", "--name=value" or "--name value",
// unambiguous abbreviations of long options, GNU argument permutation
// (operands may come between options; "--" ends the options), and
// glibc's error messages on stderr.
//
// POSIXLY_CORRECT in the environment, or a '+' leading the option string,
// stops option parsing at the first operand. glibc's other option string
// prefixes ('-', ':') and "W;" are not supported: systemd does not use
// them.
//
// Any tool may import getopt; it imports nothing of ours.
package getopt

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// ArgKind says whether a long option takes an argument, as getopt_long's
// has_arg.
type ArgKind int

const (
	NoArgument ArgKind = iota
	RequiredArgument
	OptionalArgument
)

// Option is one entry of a long option table.
type Option struct {
	Name string
	Arg  ArgKind
	// ID is what Next returns for the option: usually its short letter,
	// or a number above 0xff for a long-only option.
	ID int
}

// Invalid is the ID Next returns after it reported a usage error.
const Invalid = '?'

// Parser walks one command line.
type Parser struct {
	argv     []string
	shorts   string
	longs    []Option
	stderr   io.Writer
	posix    bool
	optind   int
	cluster  string // rest of a "-abc" cluster being walked
	operands []string
	argGiven bool
}

// New parses argv (argv[0] is the program name, used in error messages)
// with the short option string shorts and the long option table longs,
// reporting usage errors on stderr.
func New(argv []string, shorts string, longs []Option, stderr io.Writer) *Parser {
	_, posix := os.LookupEnv("POSIXLY_CORRECT")
	if rest, ok := strings.CutPrefix(shorts, "+"); ok {
		shorts, posix = rest, true
	}
	return &Parser{argv: argv, shorts: shorts, longs: longs, stderr: stderr, posix: posix, optind: 1}
}

// Next returns the next option's ID (a short option's letter, a long
// option's ID, or Invalid after an error message) and its argument; ok is
// false once the options are exhausted. Like glibc it carries on after
// an error.
func (p *Parser) Next() (id int, arg string, ok bool) {
	p.argGiven = false
	for p.cluster == "" {
		if p.optind >= len(p.argv) {
			return 0, "", false
		}
		a := p.argv[p.optind]
		if a == "--" {
			p.operands = append(p.operands, p.argv[p.optind+1:]...)
			p.optind = len(p.argv)
			return 0, "", false
		}
		if len(a) < 2 || a[0] != '-' {
			if p.posix {
				p.operands = append(p.operands, p.argv[p.optind:]...)
				p.optind = len(p.argv)
				return 0, "", false
			}
			p.operands = append(p.operands, a)
			p.optind++
			continue
		}
		p.optind++
		if name, ok := strings.CutPrefix(a, "--"); ok {
			return p.long(name)
		}
		p.cluster = a[1:]
	}
	return p.short()
}

// ArgGiven reports whether the option Next returned last came with an
// argument, which tells "--name" from "--name=" for an optional argument
// (glibc's optarg being NULL or not).
func (p *Parser) ArgGiven() bool { return p.argGiven }

// Operands are the arguments that are not options, in order, once Next
// returned ok false.
func (p *Parser) Operands() []string { return p.operands }

func (p *Parser) short() (int, string, bool) {
	c := p.cluster[0]
	p.cluster = p.cluster[1:]
	i := strings.IndexByte(p.shorts, c)
	if i < 0 || c == ':' || c == ';' {
		// glibc prints the byte as is, UTF-8 or not.
		fmt.Fprintf(p.stderr, "%s: invalid option -- '%s'\n", p.argv[0], []byte{c})
		return Invalid, "", true
	}
	kind := NoArgument
	switch rest := p.shorts[i+1:]; {
	case strings.HasPrefix(rest, "::"):
		kind = OptionalArgument
	case strings.HasPrefix(rest, ":"):
		kind = RequiredArgument
	}
	switch {
	case kind == NoArgument:
		return int(c), "", true
	case p.cluster != "":
		// The argument is the rest of the cluster ("-aX").
		arg := p.cluster
		p.cluster = ""
		p.argGiven = true
		return int(c), arg, true
	case kind == OptionalArgument:
		return int(c), "", true
	case p.optind < len(p.argv):
		p.optind++
		p.argGiven = true
		return int(c), p.argv[p.optind-1], true
	}
	fmt.Fprintf(p.stderr, "%s: option requires an argument -- '%s'\n", p.argv[0], []byte{c})
	return Invalid, "", true
}

// long handles "--text", text being "name" or "name=value".
func (p *Parser) long(text string) (int, string, bool) {
	name, value, hasValue := strings.Cut(text, "=")
	o := p.lookup(name, text)
	if o == nil {
		return Invalid, "", true
	}
	switch {
	case hasValue && o.Arg == NoArgument:
		fmt.Fprintf(p.stderr, "%s: option '--%s' doesn't allow an argument\n", p.argv[0], o.Name)
		return Invalid, "", true
	case hasValue:
		p.argGiven = true
		return o.ID, value, true
	case o.Arg != RequiredArgument:
		return o.ID, "", true
	case p.optind < len(p.argv):
		p.optind++
		p.argGiven = true
		return o.ID, p.argv[p.optind-1], true
	}
	fmt.Fprintf(p.stderr, "%s: option '--%s' requires an argument\n", p.argv[0], o.Name)
	return Invalid, "", true
}

// lookup finds the long option name is or abbreviates, reporting an
// unknown or ambiguous one.
func (p *Parser) lookup(name, text string) *Option {
	var matches []*Option
	for i := range p.longs {
		if p.longs[i].Name == name {
			return &p.longs[i]
		}
		if strings.HasPrefix(p.longs[i].Name, name) {
			matches = append(matches, &p.longs[i])
		}
	}
	if len(matches) == 0 {
		fmt.Fprintf(p.stderr, "%s: unrecognized option '--%s'\n", p.argv[0], text)
		return nil
	}
	// Matches that behave exactly as the first one are not ambiguous.
	first := matches[0]
	ambiguous := []*Option{first}
	for _, m := range matches[1:] {
		if m.Arg != first.Arg || m.ID != first.ID {
			ambiguous = append(ambiguous, m)
		}
	}
	if len(ambiguous) == 1 {
		return first
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: option '--%s' is ambiguous; possibilities:", p.argv[0], text)
	for _, m := range ambiguous {
		fmt.Fprintf(&b, " '--%s'", m.Name)
	}
	b.WriteString("\n")
	io.WriteString(p.stderr, b.String())
	return nil
}
