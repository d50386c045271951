// Package analyze is systemd-analyze as systemd 252 has it. Its offline time
// verbs (calendar, timestamp, timespan), unit-paths, cat-config and verify
// (a test-run manager: impl/unit's LoadQueue and impl/core/job's
// transactions) work; every other verb is recognized, checked for its
// argument count and then refused as not implemented yet.
//
// Only impl/multicall imports it.
package analyze

import (
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/getopt"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/timeutil"
)

// now is the realtime clock; tests replace it to match the real tool's.
var now = func() timeutil.Usec { return timeutil.Usec(time.Now().UnixMicro()) }

const versionText = `systemd 252 (252.39-1~deb12u2)
+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified
`

const helpText = `%s [OPTIONS...] COMMAND ...

Profile systemd, show unit dependencies, check unit files.

Commands:
  [time]                     Print time required to boot the machine
  blame                      Print list of running units ordered by
                             time to init
  critical-chain [UNIT...]   Print a tree of the time critical chain
                             of units
  plot                       Output SVG graphic showing service
                             initialization
  dot [UNIT...]              Output dependency graph in dot(1) format
  dump [PATTERN...]          Output state serialization of service
                             manager
  cat-config                 Show configuration file and drop-ins
  unit-files                 List files and symlinks for units
  unit-paths                 List load directories for units
  exit-status [STATUS...]    List exit status definitions
  capability [CAP...]        List capability definitions
  syscall-filter [NAME...]   List syscalls in seccomp filters
  filesystems [NAME...]      List known filesystems
  condition CONDITION...     Evaluate conditions and asserts
  compare-versions VERSION1 [OP] VERSION2
                             Compare two version strings
  verify FILE...             Check unit files for correctness
  calendar SPEC...           Validate repetitive calendar time
                             events
  timestamp TIMESTAMP...     Validate a timestamp
  timespan SPAN...           Validate a time span
  security [UNIT...]         Analyze security of unit
  inspect-elf FILE...        Parse and print ELF package metadata

Options:
     --recursive-errors=MODE Control which units are verified
     --offline=BOOL          Perform a security review on unit file(s)
     --threshold=N           Exit with a non-zero status when overall
                             exposure level is over threshold value
     --security-policy=PATH  Use custom JSON security policy instead
                             of built-in one
     --json=pretty|short|off Generate JSON output of the security
                             analysis table
     --no-pager              Do not pipe output into a pager
     --system                Operate on system systemd instance
     --user                  Operate on user systemd instance
     --global                Operate on global user configuration
  -H --host=[USER@]HOST      Operate on remote host
  -M --machine=CONTAINER     Operate on local container
     --order                 Show only order in the graph
     --require               Show only requirement in the graph
     --from-pattern=GLOB     Show only origins in the graph
     --to-pattern=GLOB       Show only destinations in the graph
     --fuzz=SECONDS          Also print services which finished SECONDS
                             earlier than the latest in the branch
     --man[=BOOL]            Do [not] check for existence of man pages
     --generators[=BOOL]     Do [not] run unit generators
                             (requires privileges)
     --iterations=N          Show the specified number of iterations
     --base-time=TIMESTAMP   Calculate calendar times relative to
                             specified time
     --profile=name|PATH     Include the specified profile in the
                             security review of the unit(s)
  -h --help                  Show this help
     --version               Show package version
  -q --quiet                 Do not emit hints
     --root=PATH             Operate on an alternate filesystem root
     --image=PATH            Operate on disk image as filesystem root

See the systemd-analyze(1) man page for details.
`

const (
	optVersion = 0x100 + iota
	optOrder
	optRequire
	optRoot
	optImage
	optSystem
	optUser
	optGlobal
	optFromPattern
	optToPattern
	optFuzz
	optNoPager
	optMan
	optGenerators
	optIterations
	optBaseTime
	optRecursiveErrors
	optOffline
	optThreshold
	optSecurityPolicy
	optJSON
	optProfile
)

var longOptions = []getopt.Option{
	{Name: "help", Arg: getopt.NoArgument, ID: 'h'},
	{Name: "version", Arg: getopt.NoArgument, ID: optVersion},
	{Name: "quiet", Arg: getopt.NoArgument, ID: 'q'},
	{Name: "order", Arg: getopt.NoArgument, ID: optOrder},
	{Name: "require", Arg: getopt.NoArgument, ID: optRequire},
	{Name: "root", Arg: getopt.RequiredArgument, ID: optRoot},
	{Name: "image", Arg: getopt.RequiredArgument, ID: optImage},
	{Name: "recursive-errors", Arg: getopt.RequiredArgument, ID: optRecursiveErrors},
	{Name: "offline", Arg: getopt.RequiredArgument, ID: optOffline},
	{Name: "threshold", Arg: getopt.RequiredArgument, ID: optThreshold},
	{Name: "security-policy", Arg: getopt.RequiredArgument, ID: optSecurityPolicy},
	{Name: "system", Arg: getopt.NoArgument, ID: optSystem},
	{Name: "user", Arg: getopt.NoArgument, ID: optUser},
	{Name: "global", Arg: getopt.NoArgument, ID: optGlobal},
	{Name: "from-pattern", Arg: getopt.RequiredArgument, ID: optFromPattern},
	{Name: "to-pattern", Arg: getopt.RequiredArgument, ID: optToPattern},
	{Name: "fuzz", Arg: getopt.RequiredArgument, ID: optFuzz},
	{Name: "no-pager", Arg: getopt.NoArgument, ID: optNoPager},
	{Name: "man", Arg: getopt.OptionalArgument, ID: optMan},
	{Name: "generators", Arg: getopt.OptionalArgument, ID: optGenerators},
	{Name: "host", Arg: getopt.RequiredArgument, ID: 'H'},
	{Name: "machine", Arg: getopt.RequiredArgument, ID: 'M'},
	{Name: "iterations", Arg: getopt.RequiredArgument, ID: optIterations},
	{Name: "base-time", Arg: getopt.RequiredArgument, ID: optBaseTime},
	{Name: "unit", Arg: getopt.RequiredArgument, ID: 'U'},
	{Name: "json", Arg: getopt.RequiredArgument, ID: optJSON},
	{Name: "profile", Arg: getopt.RequiredArgument, ID: optProfile},
}

type scope int

const (
	scopeSystem scope = iota
	scopeUser
	scopeGlobal
)

// run is one invocation's state: parsed options, streams and the time
// context (glibc's per-process zone state).
type run struct {
	stdio      cli.Stdio
	out        strings.Builder
	ctx        *timeutil.Context
	iterations uint
	baseTime   timeutil.Usec
	hasBase    bool
	utf8       bool
	scope      scope
	root       string // --root=, "" for the host's
	unit       string // --unit=, mangled
	verify     verifyOptions
}

func (r *run) logf(format string, a ...any) {
	fmt.Fprintf(r.stdio.Err, format+"\n", a...)
}

// Main runs systemd-analyze with args (args[0] is the program name).
func Main(args []string, stdio cli.Stdio) int {
	r := &run{
		stdio:      stdio,
		ctx:        timeutil.NewContext(timeutil.ZoneFromEnv(), now),
		iterations: 1,
		utf8:       term.LocaleIsUTF8(),
		verify:     verifyOptions{man: true, recursiveErrors: recursiveUnset},
	}
	code := r.main(args)
	io.WriteString(stdio.Out, r.out.String())
	return code
}

func (r *run) main(args []string) int {
	operands, done, code := r.parseArgs(args)
	if done {
		return code
	}
	return r.dispatch(args[0], operands)
}

// parseArgs is parse_argv. done reports that the run ends here with code.
func (r *run) parseArgs(args []string) (operands []string, done bool, code int) {
	g := getopt.New(args, "hH:M:U:q", longOptions, r.stdio.Err)
	var (
		sc                        = scopeSystem
		offline, jsonSet, hasUnit bool
		threshold                 uint = 100
		hasRoot, hasImage, hasPol bool
	)
	for {
		c, arg, ok := g.Next()
		if !ok {
			break
		}
		switch c {
		case 'h':
			r.help(args[0])
			return nil, true, 0
		case optVersion:
			r.out.WriteString(versionText)
			return nil, true, 0
		case 'q', optOrder, optRequire, optFromPattern, optToPattern, optNoPager, 'H', 'M':
		case optRecursiveErrors:
			if arg == "help" {
				r.out.WriteString("yes\nno\none\n")
				return nil, true, 0
			}
			if arg != "yes" && arg != "no" && arg != "one" {
				r.logf("Unknown mode passed to --recursive-errors='%s'.", arg)
				return nil, true, 1
			}
			r.verify.recursiveErrors = arg
		case optRoot:
			r.root, hasRoot = absolutePath(arg, true)
		case optImage:
			_, hasImage = absolutePath(arg, false)
		case optSystem:
			sc = scopeSystem
		case optUser:
			sc = scopeUser
		case optGlobal:
			sc = scopeGlobal
		case optFuzz:
			if _, err := timeutil.ParseSec(arg); err != nil {
				return nil, true, 1
			}
		case optMan, optGenerators, optOffline:
			name := map[int]string{optMan: "--man", optGenerators: "--generators", optOffline: "--offline"}[c]
			v := true
			if g.ArgGiven() {
				b := term.ParseBoolean(arg)
				if b < 0 {
					r.logf("Failed to parse boolean argument to %s: %s.", name, arg)
					return nil, true, 1
				}
				v = b == 1
			}
			switch c {
			case optOffline:
				offline = v
			case optMan:
				r.verify.man = v
			case optGenerators:
				r.verify.generators = v
			}
		case optThreshold:
			v, err := safeAtou(arg)
			if err != nil || v > 100 {
				r.logf("Failed to parse threshold: %s", arg)
				return nil, true, 1
			}
			threshold = v
		case optSecurityPolicy:
			_, hasPol = absolutePath(arg, false)
		case optJSON:
			switch arg {
			case "pretty", "short":
				jsonSet = true
			case "off":
				jsonSet = false
			case "help":
				r.out.WriteString("pretty\nshort\noff\n")
				return nil, true, 0
			default:
				r.logf("Unknown argument to --json= switch: %s", arg)
				return nil, true, 1
			}
		case optIterations:
			v, err := safeAtou(arg)
			if err != nil {
				r.logf("Failed to parse iterations: %s", arg)
				return nil, true, 1
			}
			r.iterations = v
		case optBaseTime:
			t, err := r.ctx.ParseTimestamp(arg)
			if err != nil {
				r.logf("Failed to parse --base-time= parameter: %s", arg)
				return nil, true, 1
			}
			r.baseTime, r.hasBase = t, true
		case optProfile:
			if arg == "" {
				r.logf("Profile file name is empty")
				return nil, true, 1
			}
			if strings.Contains(arg, "/") {
				p, _ := absolutePath(arg, false)
				if !strings.HasSuffix(p, ".conf") {
					r.logf("Profile file name must end with .conf: %s", p)
					return nil, true, 1
				}
			}
		case 'U':
			if hasUnit = r.parseUnitOption(arg); !hasUnit {
				return nil, true, 1
			}
		default:
			return nil, true, 1
		}
	}
	operands = g.Operands()
	r.scope = sc
	verb := ""
	hasVerb := len(operands) > 0
	if hasVerb {
		verb = operands[0]
	}
	is := func(names ...string) bool {
		for _, n := range names {
			if hasVerb && verb == n {
				return true
			}
		}
		return false
	}
	fail := func(msg string) ([]string, bool, int) {
		r.logf("%s", msg)
		return nil, true, 1
	}
	switch {
	case offline && !is("security"):
		return fail("Option --offline= is only supported for security right now.")
	case jsonSet && !is("security", "inspect-elf"):
		return fail("Option --json= is only supported for security and inspect-elf right now.")
	case threshold != 100 && !is("security"):
		return fail("Option --threshold= is only supported for security right now.")
	case sc == scopeGlobal && !is("dot", "unit-paths", "verify"):
		return fail("Option --global only makes sense with verbs dot, unit-paths, verify.")
	case is("cat-config") && sc == scopeUser:
		return fail("Option --user is not supported for cat-config right now.")
	case hasPol && !is("security"):
		return fail("Option --security-policy= is only supported for security.")
	case (hasRoot || hasImage) && !is("cat-config", "verify", "condition") && !(is("security") && offline):
		return fail("Options --root= and --image= are only supported for cat-config, verify, condition and security when used with --offline= right now.")
	case hasRoot && hasImage:
		return fail("Please specify either --root= or --image=, the combination of both is not supported.")
	case hasUnit && !is("condition"):
		return fail("Option --unit= is only supported for condition")
	case is("condition") && !hasUnit && len(operands) < 2:
		return fail("Too few arguments for condition")
	case is("condition") && hasUnit && len(operands) > 1:
		return fail("No conditions can be passed if --unit= is used.")
	}
	return operands, false, 0
}

// absolutePath is parse_path_argument: "" (and "/" when suppressRoot)
// mean unset.
func absolutePath(p string, suppressRoot bool) (string, bool) {
	if p == "" {
		return "", false
	}
	if !strings.HasPrefix(p, "/") {
		if wd, err := os.Getwd(); err == nil {
			p = wd + "/" + p
		}
	}
	p = path.Clean(p)
	if suppressRoot && p == "/" {
		return "", false
	}
	return p, true
}

// safeAtou is systemd's safe_atou: leading whitespace, C base-0 prefixes
// plus "0b"/"0o", no trailing garbage, no negative values.
func safeAtou(s string) (uint, error) {
	s = strings.TrimLeft(s, " \t\n\r")
	body := s
	base := 0
	switch {
	case strings.HasPrefix(body, "0b"), strings.HasPrefix(body, "0B"):
		base, body = 2, body[2:]
	case strings.HasPrefix(body, "0o"), strings.HasPrefix(body, "0O"):
		base, body = 8, body[2:]
	}
	digits := strings.TrimLeft(body, " \t\n\v\f\r")
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(strings.TrimPrefix(digits, "-"), "+")
	if base == 0 {
		switch {
		case len(digits) > 2 && (digits[:2] == "0x" || digits[:2] == "0X") && isHex(digits[2]):
			base, digits = 16, digits[2:]
		case strings.HasPrefix(digits, "0"):
			base = 8
		default:
			base = 10
		}
	} else if base == 16 && len(digits) > 2 && (digits[:2] == "0x" || digits[:2] == "0X") {
		digits = digits[2:]
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, syscall.ERANGE
		}
		return 0, syscall.EINVAL
	}
	if v != 0 && neg {
		return 0, syscall.ERANGE
	}
	if v > 1<<32-1 {
		return 0, syscall.ERANGE
	}
	return uint(v), nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (r *run) help(argv0 string) {
	fmt.Fprintf(&r.out, helpText, path.Base(argv0))
}

type verb struct {
	name             string
	minArgs, maxArgs int // -1: any
	isDefault        bool
	run              func(r *run, args []string) int
}

var verbs = []verb{
	{"help", -1, -1, false, nil},
	{"time", -1, 1, true, nil},
	{"blame", -1, 1, false, nil},
	{"critical-chain", -1, -1, false, nil},
	{"plot", -1, 1, false, nil},
	{"dot", -1, -1, false, nil},
	{"log-level", -1, 2, false, nil},
	{"log-target", -1, 2, false, nil},
	{"set-log-level", 2, 2, false, nil},
	{"get-log-level", -1, 1, false, nil},
	{"set-log-target", 2, 2, false, nil},
	{"get-log-target", -1, 1, false, nil},
	{"service-watchdogs", -1, 2, false, nil},
	{"dump", -1, -1, false, nil},
	{"cat-config", 2, -1, false, (*run).verbCatConfig},
	{"unit-files", -1, -1, false, nil},
	{"unit-paths", 1, 1, false, (*run).verbUnitPaths},
	{"exit-status", -1, -1, false, nil},
	{"syscall-filter", -1, -1, false, nil},
	{"capability", -1, -1, false, nil},
	{"filesystems", -1, -1, false, nil},
	{"condition", -1, -1, false, (*run).verbCondition},
	{"compare-versions", 3, 4, false, nil},
	{"verify", 2, -1, false, (*run).verbVerify},
	{"calendar", 2, -1, false, (*run).verbCalendar},
	{"timestamp", 2, -1, false, (*run).verbTimestamp},
	{"timespan", 2, -1, false, (*run).verbTimespan},
	{"security", -1, -1, false, nil},
	{"inspect-elf", 2, -1, false, nil},
}

// dispatch is dispatch_verb.
func (r *run) dispatch(argv0 string, operands []string) int {
	var v *verb
	name := ""
	if len(operands) > 0 {
		name = operands[0]
	}
	for i := range verbs {
		if (len(operands) > 0 && verbs[i].name == name) || (len(operands) == 0 && verbs[i].isDefault) {
			v = &verbs[i]
			break
		}
	}
	if v == nil {
		r.logf("Unknown command verb %s.", name)
		return 1
	}
	left := len(operands)
	if left == 0 {
		left = 1
		operands = []string{v.name}
	}
	if v.minArgs >= 0 && left < v.minArgs {
		r.logf("Too few arguments.")
		return 1
	}
	if v.maxArgs >= 0 && left > v.maxArgs {
		r.logf("Too many arguments.")
		return 1
	}
	if v.name == "help" {
		r.help(argv0)
		return 0
	}
	if v.run == nil {
		r.logf("Verb '%s' is not implemented yet.", v.name)
		return 1
	}
	return v.run(r, operands)
}
