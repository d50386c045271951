package systemctl

import (
	"fmt"
	"io"
	"os"
	"strings"

	"gosystemd/impl/cli/getopt"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/install"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/version"
)

// options are systemctl's command line settings.
type options struct {
	types, states, properties []string
	all                       bool
	scope                     install.Scope
	legend                    int // -1: unless --quiet
	noPager                   bool
	quiet, full, now          bool
	force                     int
	runtime, noReload         bool
	noBlock, wait             bool
	dryRun                    bool
	root, image               string
	presetMode                install.PresetMode
	remote, machine           bool
	host                      string
	lines                     uint32
	output                    string
	signal                    int
	marked                    bool
	showTransaction           bool
	withDependencies          bool
	// valueOnly is --value (and -P): show prints values without names.
	valueOnly bool
	// jobMode is --job-mode= and its shorthands ("" is replace).
	jobMode  string
	killWhom string
	plain    bool
	// dependency is what list-dependencies follows (--reverse, --after,
	// --before).
	dependency dependencyKind
	showTypes  bool
	// cleanWhat is --what= (clean); rebootArg --reboot-argument=.
	cleanWhat    []string
	rebootArg    string
	rebootArgSet bool
	// bootOptions says --firmware-setup, --boot-loader-menu= or
	// --boot-loader-entry= was given.
	bootOptions bool
	// wall is --message=, each given; noWall is --no-wall.
	wall   []string
	noWall bool
	// readOnly and mkdir are --read-only and --mkdir (bind, mount-image).
	readOnly, mkdir bool
}

// dependencyKind is arg_dependency.
type dependencyKind int

const (
	dependencyForward dependencyKind = iota
	dependencyReverse
	dependencyAfter
	dependencyBefore
)

// Long option ids without a short letter.
const (
	optFail = 0x100 + iota
	optReverse
	optAfter
	optBefore
	optCheckInhibitors
	optDryRun
	optShowTypes
	optIrreversible
	optIgnoreDependencies
	optValue
	optVersion
	optUser
	optSystem
	optGlobal
	optNoBlock
	optLegend
	optNoLegend
	optNoPager
	optNoWall
	optRoot
	optImage
	optNoReload
	optKillWhom
	optNoAskPassword
	optFailed
	optRuntime
	optPlain
	optState
	optJobMode
	optPresetMode
	optFirmwareSetup
	optBootLoaderMenu
	optBootLoaderEntry
	optNow
	optMessage
	optWithDependencies
	optWait
	optWhat
	optRebootArg
	optTimestampStyle
	optReadOnly
	optMkdir
	optMarked
)

var longOptions = []getopt.Option{
	{Name: "help", Arg: getopt.NoArgument, ID: 'h'},
	{Name: "version", Arg: getopt.NoArgument, ID: optVersion},
	{Name: "type", Arg: getopt.RequiredArgument, ID: 't'},
	{Name: "property", Arg: getopt.RequiredArgument, ID: 'p'},
	{Name: "all", Arg: getopt.NoArgument, ID: 'a'},
	{Name: "reverse", Arg: getopt.NoArgument, ID: optReverse},
	{Name: "after", Arg: getopt.NoArgument, ID: optAfter},
	{Name: "before", Arg: getopt.NoArgument, ID: optBefore},
	{Name: "show-types", Arg: getopt.NoArgument, ID: optShowTypes},
	{Name: "failed", Arg: getopt.NoArgument, ID: optFailed},
	{Name: "full", Arg: getopt.NoArgument, ID: 'l'},
	{Name: "job-mode", Arg: getopt.RequiredArgument, ID: optJobMode},
	{Name: "fail", Arg: getopt.NoArgument, ID: optFail},
	{Name: "irreversible", Arg: getopt.NoArgument, ID: optIrreversible},
	{Name: "ignore-dependencies", Arg: getopt.NoArgument, ID: optIgnoreDependencies},
	{Name: "ignore-inhibitors", Arg: getopt.NoArgument, ID: 'i'},
	{Name: "check-inhibitors", Arg: getopt.RequiredArgument, ID: optCheckInhibitors},
	{Name: "value", Arg: getopt.NoArgument, ID: optValue},
	{Name: "user", Arg: getopt.NoArgument, ID: optUser},
	{Name: "system", Arg: getopt.NoArgument, ID: optSystem},
	{Name: "global", Arg: getopt.NoArgument, ID: optGlobal},
	{Name: "wait", Arg: getopt.NoArgument, ID: optWait},
	{Name: "no-block", Arg: getopt.NoArgument, ID: optNoBlock},
	{Name: "legend", Arg: getopt.RequiredArgument, ID: optLegend},
	{Name: "no-legend", Arg: getopt.NoArgument, ID: optNoLegend},
	{Name: "no-pager", Arg: getopt.NoArgument, ID: optNoPager},
	{Name: "no-wall", Arg: getopt.NoArgument, ID: optNoWall},
	{Name: "dry-run", Arg: getopt.NoArgument, ID: optDryRun},
	{Name: "quiet", Arg: getopt.NoArgument, ID: 'q'},
	{Name: "root", Arg: getopt.RequiredArgument, ID: optRoot},
	{Name: "image", Arg: getopt.RequiredArgument, ID: optImage},
	{Name: "force", Arg: getopt.NoArgument, ID: 'f'},
	{Name: "no-reload", Arg: getopt.NoArgument, ID: optNoReload},
	{Name: "kill-whom", Arg: getopt.RequiredArgument, ID: optKillWhom},
	{Name: "signal", Arg: getopt.RequiredArgument, ID: 's'},
	{Name: "no-ask-password", Arg: getopt.NoArgument, ID: optNoAskPassword},
	{Name: "host", Arg: getopt.RequiredArgument, ID: 'H'},
	{Name: "machine", Arg: getopt.RequiredArgument, ID: 'M'},
	{Name: "runtime", Arg: getopt.NoArgument, ID: optRuntime},
	{Name: "lines", Arg: getopt.RequiredArgument, ID: 'n'},
	{Name: "output", Arg: getopt.RequiredArgument, ID: 'o'},
	{Name: "plain", Arg: getopt.NoArgument, ID: optPlain},
	{Name: "state", Arg: getopt.RequiredArgument, ID: optState},
	{Name: "recursive", Arg: getopt.NoArgument, ID: 'r'},
	{Name: "with-dependencies", Arg: getopt.NoArgument, ID: optWithDependencies},
	{Name: "preset-mode", Arg: getopt.RequiredArgument, ID: optPresetMode},
	{Name: "firmware-setup", Arg: getopt.NoArgument, ID: optFirmwareSetup},
	{Name: "boot-loader-menu", Arg: getopt.RequiredArgument, ID: optBootLoaderMenu},
	{Name: "boot-loader-entry", Arg: getopt.RequiredArgument, ID: optBootLoaderEntry},
	{Name: "now", Arg: getopt.NoArgument, ID: optNow},
	{Name: "message", Arg: getopt.RequiredArgument, ID: optMessage},
	{Name: "show-transaction", Arg: getopt.NoArgument, ID: 'T'},
	{Name: "what", Arg: getopt.RequiredArgument, ID: optWhat},
	{Name: "reboot-argument", Arg: getopt.RequiredArgument, ID: optRebootArg},
	{Name: "timestamp", Arg: getopt.RequiredArgument, ID: optTimestampStyle},
	{Name: "read-only", Arg: getopt.NoArgument, ID: optReadOnly},
	{Name: "mkdir", Arg: getopt.NoArgument, ID: optMkdir},
	{Name: "marked", Arg: getopt.NoArgument, ID: optMarked},
}

const shortOptions = "ht:p:P:alqfs:H:M:n:o:iTr.::"

var (
	loadStates   = []string{"stub", "loaded", "not-found", "bad-setting", "error", "merged", "masked"}
	activeStates = []string{"active", "reloading", "inactive", "failed", "activating", "deactivating", "maintenance"}
	subStates    = []struct {
		typ    string
		states []string
	}{
		{"automount", []string{"dead", "waiting", "running", "failed"}},
		{"device", []string{"dead", "tentative", "plugged"}},
		{"mount", []string{"dead", "mounting", "mounting-done", "mounted", "remounting", "unmounting",
			"remounting-sigterm", "remounting-sigkill", "unmounting-sigterm", "unmounting-sigkill", "failed", "cleaning"}},
		{"path", []string{"dead", "waiting", "running", "failed"}},
		{"scope", []string{"dead", "start-chown", "running", "abandoned", "stop-sigterm", "stop-sigkill", "failed"}},
		{"service", []string{"dead", "condition", "start-pre", "start", "start-post", "running", "exited", "reload",
			"stop", "stop-watchdog", "stop-sigterm", "stop-sigkill", "stop-post", "final-watchdog", "final-sigterm",
			"final-sigkill", "failed", "auto-restart", "cleaning"}},
		{"slice", []string{"dead", "active"}},
		{"socket", []string{"dead", "start-pre", "start-chown", "start-post", "listening", "running", "stop-pre",
			"stop-pre-sigterm", "stop-pre-sigkill", "stop-post", "final-sigterm", "final-sigkill", "failed", "cleaning"}},
		{"swap", []string{"dead", "activating", "activating-done", "active", "deactivating", "deactivating-sigterm",
			"deactivating-sigkill", "failed", "cleaning"}},
		{"target", []string{"dead", "active"}},
		{"timer", []string{"dead", "waiting", "running", "elapsed", "failed"}},
	}
	outputModes = []string{"short", "short-full", "short-iso", "short-iso-precise", "short-precise",
		"short-monotonic", "short-delta", "short-unix", "verbose", "export", "json", "json-pretty",
		"json-sse", "json-seq", "cat", "with-unit"}
	timestampStyles = []string{"pretty", "us", "utc", "us+utc", "unix"}
)

// errDone ends option parsing successfully (--help, "help" tables).
var errDone = fmt.Errorf("done")

// parseArgs is systemctl_parse_argv. It returns the operands, nil when
// there is nothing more to do.
func (t *tool) parseArgs(args []string) ([]string, error) {
	o := &t.opts
	o.legend = -1
	o.lines = 10
	o.signal = 15
	g := getopt.New(args, shortOptions, longOptions, t.stdio.Err)
	for {
		id, arg, ok := g.Next()
		if !ok {
			break
		}
		err := t.option(id, arg)
		if err == errDone {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	operands := g.Operands()
	if o.remote && o.scope != install.ScopeSystem {
		return nil, t.errorf("Cannot access user instance remotely.")
	}
	if o.wait && o.noBlock {
		return nil, t.errorf("--wait may not be combined with --no-block.")
	}
	reloadOrRestart := len(operands) > 0 && operands[0] == "reload-or-restart"
	if o.marked {
		switch {
		case !reloadOrRestart:
			return nil, t.errorf("--marked may only be used with 'reload-or-restart'.")
		case len(operands) > 1:
			return nil, t.errorf("No additional arguments allowed with 'reload-or-restart --marked'.")
		case o.wait:
			return nil, t.errorf("--marked --wait is not supported.")
		case o.showTransaction:
			return nil, t.errorf("--marked --show-transaction is not supported.")
		}
	} else if reloadOrRestart && len(operands) < 2 {
		return nil, t.errorf("List of units to restart/reload is required.")
	}
	if o.image != "" && o.root != "" {
		return nil, t.errorf("Please specify either --root= or --image=, the combination of both is not supported.")
	}
	if operands == nil {
		operands = []string{}
	}
	return operands, nil
}

// splitCommas splits an option value at commas as extract_first_word
// does with "," as separator.
func splitCommas(s string) ([]string, error) {
	var out []string
	ex := unitfile.NewExtractor(s)
	for {
		w, ok, err := ex.Next(",", 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, w)
	}
}

func (t *tool) dumpTable(legend string, names []string) {
	if legend != "" && t.opts.legend != 0 {
		t.printf("%s\n", legend)
	}
	for _, n := range names {
		t.printf("%s\n", n)
	}
}

func (t *tool) option(id int, arg string) error {
	o := &t.opts
	switch id {
	case 'h':
		t.help()
		return errDone
	case optVersion:
		io.WriteString(t.out, version.Text)
		return errDone
	case 't':
		if arg == "" {
			return t.errorf("--type= requires arguments.")
		}
		words, err := splitCommas(arg)
		if err != nil {
			return t.errorf("Failed to parse type: %s", arg)
		}
		for _, w := range words {
			if w == "help" {
				var types []string
				for _, ty := range unitname.Types() {
					types = append(types, ty.String())
				}
				t.dumpTable("Available unit types:", types)
				return errDone
			}
			if unitname.TypeFromString(w) != unitname.TypeInvalid {
				o.types = append(o.types, w)
				continue
			}
			if contains(loadStates, w) {
				o.states = append(o.states, w)
				continue
			}
			t.logAt(logging.Err, "Unknown unit type or load state '%s'.", w)
			t.info("Use -t help to see a list of allowed values.")
			return errReported
		}
	case 'P', 'p':
		if id == 'P' {
			o.valueOnly = true
		}
		if arg == "" && o.properties == nil {
			o.properties = []string{}
			break
		}
		words, err := splitCommas(arg)
		if err != nil {
			return t.errorf("Failed to parse property: %s", arg)
		}
		o.properties = append(o.properties, words...)
	case 'a':
		o.all = true
	case optReverse:
		o.dependency = dependencyReverse
	case optAfter:
		o.dependency = dependencyAfter
	case optBefore:
		o.dependency = dependencyBefore
	case optShowTypes:
		o.showTypes = true
	case optValue:
		o.valueOnly = true
	case optJobMode:
		o.jobMode = arg
	case optFail:
		o.jobMode = "fail"
	case optIrreversible:
		o.jobMode = "replace-irreversibly"
	case optIgnoreDependencies:
		o.jobMode = "ignore-dependencies"
	case optKillWhom:
		o.killWhom = arg
	case optPlain:
		o.plain = true
	case optUser:
		o.scope = install.ScopeUser
	case optSystem:
		o.scope = install.ScopeSystem
	case optGlobal:
		o.scope = install.ScopeGlobal
	case optWait:
		o.wait = true
	case optNoBlock:
		o.noBlock = true
	case optReadOnly:
		o.readOnly = true
	case optMkdir:
		o.mkdir = true
	case optNoLegend:
		o.legend = 0
	case optLegend:
		b := term.ParseBoolean(arg)
		if b < 0 {
			return t.errorf("Failed to parse boolean argument to --legend: %s.", arg)
		}
		o.legend = b
	case optNoPager:
		o.noPager = true
	case optRoot, optImage:
		p := ""
		if arg != "" {
			abs, err := makeAbsoluteCwd(arg)
			if err != nil {
				return t.errorf("Failed to parse path \"%s\" and make it absolute: %s", arg, install.Strerror(errnoOf(err)))
			}
			p = unitname.PathSimplify(abs)
		}
		if id == optRoot {
			o.root = p
		} else {
			o.image = p
		}
	case 'l':
		o.full = true
	case optFailed:
		o.states = append(o.states, "failed")
	case optDryRun:
		o.dryRun = true
	case 'q':
		o.quiet = true
		if o.legend < 0 {
			o.legend = 0
		}
	case 'f':
		o.force++
	case optNoReload:
		o.noReload = true
	case 's':
		switch arg {
		case "help":
			for i := 0; i < 65; i++ {
				t.printf("%s\n", value.SignalToString(i))
			}
			return errDone
		case "list":
			t.printf("SIGNAL NAME\n")
			for i := 1; i < 65; i++ {
				t.printf("%-6d SIG%s\n", i, value.SignalToString(i))
			}
			return errDone
		}
		sig, err := value.SignalFromString(arg)
		if err != nil {
			return t.errorf("Failed to parse signal string \"%s\".", arg)
		}
		o.signal = sig
	case 'H':
		o.remote, o.host = true, arg
	case 'M':
		o.machine, o.host = true, arg
	case optRuntime:
		o.runtime = true
	case 'n':
		n, err := value.SafeAtou(arg)
		if err != nil {
			return t.errorf("Failed to parse lines '%s'", arg)
		}
		o.lines = n
	case 'o':
		if arg == "help" {
			t.dumpTable("", outputModes)
			return errDone
		}
		if !contains(outputModes, arg) {
			return t.errorf("Unknown output '%s'.", arg)
		}
		if strings.HasPrefix(arg, "json") {
			o.legend = 0
		}
		o.output = arg
	case optCheckInhibitors:
		if arg != "auto" && term.ParseBoolean(arg) < 0 {
			return t.errorf("Failed to parse --check-inhibitors= argument: %s", arg)
		}
	case optFirmwareSetup:
		o.bootOptions = true
	case optMessage:
		o.wall = append(o.wall, arg)
	case optNoWall:
		o.noWall = true
	case optRebootArg:
		o.rebootArg, o.rebootArgSet = arg, true
	case optBootLoaderMenu:
		o.bootOptions = true
		if _, err := timeutil.ParseSec(arg); err != nil {
			return t.errorf("Failed to parse --boot-loader-menu= argument '%s': %s", arg, install.Strerror(errnoOf(err)))
		}
	case optBootLoaderEntry:
		o.bootOptions = true
		if arg == "help" {
			return t.acquireBus()
		}
	case optState:
		if arg == "" {
			return t.errorf("--state= requires arguments.")
		}
		words, err := splitCommas(arg)
		if err != nil {
			return t.errorf("Failed to parse state: %s", arg)
		}
		for _, w := range words {
			if w == "help" {
				t.helpStates()
				return errDone
			}
			o.states = append(o.states, w)
		}
	case 'r':
		if os.Geteuid() != 0 {
			return t.errorf("--recursive requires root privileges.")
		}
	case optPresetMode:
		if arg == "help" {
			t.dumpTable("", install.PresetModeNames())
			return errDone
		}
		m, ok := install.ParsePresetMode(arg)
		if !ok {
			return t.errorf("Failed to parse preset mode: %s.", arg)
		}
		o.presetMode = m
	case optNow:
		o.now = true
	case 'T':
		o.showTransaction = true
	case optWithDependencies:
		o.withDependencies = true
	case optWhat:
		if arg == "" {
			return t.errorf("--what= requires arguments.")
		}
		words, err := splitCommas(arg)
		if err != nil {
			return t.errorf("Failed to parse directory type: %s", arg)
		}
		for _, w := range words {
			if w == "help" {
				t.dumpTable("", []string{"runtime", "state", "cache", "logs", "configuration"})
				return errDone
			}
			o.cleanWhat = append(o.cleanWhat, w)
		}
	case optTimestampStyle:
		if arg == "help" {
			t.dumpTable("", timestampStyles)
			return errDone
		}
		if !contains(timestampStyles, arg) {
			return t.errorf("Invalid value: %s.", arg)
		}
	case optMarked:
		o.marked = true
	case '.':
		t.logAt(logging.Err, "%s: invalid option -- '.'", t.argv0)
		suffix := arg
		if suffix == "" {
			suffix = "mount"
		}
		t.notice("Hint: to specify units starting with a dash, use \"--\":\n      %s [OPTIONS...] COMMAND -- -.%s ...", t.argv0, suffix)
		return errReported
	case getopt.Invalid:
		return errReported
	}
	// Options that only matter to verbs talking to the service manager
	// (--job-mode, --kill-whom, --plain, ...) are accepted and ignored.
	return nil
}

func (t *tool) helpStates() {
	t.dumpTable("Available unit load states:", loadStates)
	if t.opts.legend != 0 {
		t.printf("\n")
	}
	t.dumpTable("Available unit active states:", activeStates)
	if t.opts.legend != 0 {
		t.printf("\n")
	}
	t.dumpTable("Available unit file states:", install.StateNames())
	for _, s := range subStates {
		if t.opts.legend != 0 {
			t.printf("\n")
		}
		t.dumpTable("Available "+s.typ+" unit substates:", s.states)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
