package analyze

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/condition"
	"gosystemd/impl/specifier"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// conditionTestUnit is the unit command line conditions belong to.
const conditionTestUnit = "test.service"

// parseUnitOption is --unit=: the argument mangled into a unit name as
// parse_argv does, saying so if it had to change it. false means the
// run ends with exit status 1.
func (r *run) parseUnitOption(arg string) bool {
	m, err := unitname.Mangle(arg, "", 0, ".service")
	for _, n := range m.Notes {
		r.logf("%s", n)
	}
	if err != nil {
		r.logf("Failed to mangle unit name %s: %s", arg, logging.Strerror(err))
		return false
	}
	r.unit = m.Name
	return true
}

// conditionRun is one `systemd-analyze condition`: its log and the
// lists being built.
type conditionRun struct {
	*run
	log        *logging.Logger
	conditions []condition.Condition
	asserts    []condition.Condition
}

// logUnit logs about a unit, as log_object does: "unit: message".
func (c *conditionRun) logUnit(level logging.Level, id, msg string) {
	c.log.Log(level, "", "%s: %s", id, msg)
}

// syntaxMessageMax is how much of a configuration message log_syntax
// keeps: a line less the "MESSAGE=" of its journal field.
const syntaxMessageMax = 2048 - 1 - len("MESSAGE=")

// logSyntax logs a message about configuration, as log_syntax does.
func (c *conditionRun) logSyntax(level logging.Level, msg string) {
	if len(msg) > syntaxMessageMax {
		msg = msg[:syntaxMessageMax]
	}
	c.log.Log(level, "", "%s", msg)
}

// verbCondition is `systemd-analyze condition`: the asserts, then the
// conditions, of the command line (as "test.service") or of the unit
// --unit= names, tested on this machine as the manager tests them
// before starting the unit.
func (r *run) verbCondition(args []string) int {
	c := &conditionRun{run: r, log: logging.New(r.stdio.Err, term.Detect(r.stdio.Out, r.stdio.Err), "systemd-analyze")}
	c.log.Setup()
	defer c.log.Close()

	lookupEnv := os.LookupEnv
	if dir, ok := conditionUnitDirectory(r.unit); r.unit != "" && ok {
		// The unit's directory comes first; a trailing ":" keeps the
		// defaults after it.
		if old, set := os.LookupEnv("SYSTEMD_UNIT_PATH"); !set || old != "" {
			dir += ":" + old
		}
		lookupEnv = func(name string) (string, bool) {
			if name == "SYSTEMD_UNIT_PATH" {
				return dir, true
			}
			return os.LookupEnv(name)
		}
	}
	sc := unitpath.System
	if r.scope == scopeUser {
		sc = unitpath.User
	}
	if !c.startManager(sc) {
		return 1
	}
	lp, err := unitpath.Init(sc, unitpath.Options{Root: r.root, Env: lookupEnv, Flags: unitpath.ExcludeGenerated})
	if err != nil {
		if r.root != "" {
			c.log.Log(logging.Err, "", "Failed to initialize unit search paths for root directory %s: %s", r.root, logging.Strerror(err))
		} else {
			c.log.Log(logging.Err, "", "Failed to initialize unit search paths: %s", logging.Strerror(err))
		}
		return 1
	}

	id := conditionTestUnit
	if r.unit != "" {
		var ok bool
		if id, ok = c.loadUnit(lp); !ok {
			return 1
		}
	} else {
		for _, line := range args[1:] {
			if !c.parseLine(line, sc) {
				return 1
			}
		}
	}

	e := condition.New(condition.Host{})
	assertsHold := c.testList(e, id, c.asserts)
	if len(c.asserts) > 0 {
		c.log.Log(logging.Notice, "", "Asserts %s.", succeededOrFailed(assertsHold))
	}
	conditionsHold := c.testList(e, id, c.conditions)
	if len(c.conditions) > 0 {
		c.log.Log(logging.Notice, "", "Conditions %s.", succeededOrFailed(conditionsHold))
	}
	if assertsHold && conditionsHold {
		return 0
	}
	return 1
}

func succeededOrFailed(ok bool) string {
	if ok {
		return "succeeded"
	}
	return "failed"
}

// testList tests a list and logs each verdict about the unit, debug
// messages raised to info as the tool does.
func (c *conditionRun) testList(e *condition.Evaluator, id string, list []condition.Condition) bool {
	holds, verdicts := e.TestList(list)
	for _, v := range verdicts {
		for _, n := range v.Notes {
			c.log.Log(logging.Level(n.Level), "", "%s", n.Text)
		}
		c.logUnit(logging.Level(min(v.Level(), int(logging.Info))), id, v.Message())
	}
	return holds
}

// startManager does what creating and starting the manager does before
// units load: find the manager's directories (a user manager needs
// $XDG_RUNTIME_DIR) and create its runtime directory.
func (c *conditionRun) startManager(sc unitpath.Scope) bool {
	runtimeDir := "/run"
	if sc == unitpath.User {
		d, ok := os.LookupEnv("XDG_RUNTIME_DIR")
		if !ok || !strings.HasPrefix(d, "/") {
			c.log.Log(logging.Warning, "", "Failed to lookup RuntimeDirectory path: %s", logging.Strerror(syscall.ENXIO))
			c.log.Log(logging.Err, "", "Failed to initialize manager: %s", logging.Strerror(syscall.ENXIO))
			return false
		}
		runtimeDir = d
	}
	d := unitname.PathJoin(runtimeDir, "systemd")
	if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		c.log.Log(logging.Err, "", "Failed to create directory '%s/': %s", d, logging.Strerror(err))
		return false
	}
	return true
}

// parseLine is parse_condition: "ConditionX=value" or "AssertX=value",
// whitespace allowed around "=", added to the front of its list as a
// unit file setting is; an empty value empties the list.
func (c *conditionRun) parseLine(line string, sc unitpath.Scope) bool {
	for _, t := range condition.Types() {
		list := &c.conditions
		name := t.ConditionName()
		rest, ok := strings.CutPrefix(line, name)
		if !ok {
			name = t.AssertName()
			if rest, ok = strings.CutPrefix(line, name); !ok {
				continue
			}
			list = &c.asserts
		}
		rest = strings.TrimLeft(rest, whitespace)
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		c.addCondition(list, name, t.TakesPath(), strings.TrimLeft(rest[1:], whitespace), sc)
		return true
	}
	c.log.Log(logging.Err, "", "Cannot parse \"%s\".", line)
	return false
}

const whitespace = " \t\n\r"

// addCondition is config_parse_unit_condition_path and _string for the
// command line ("(cmdline)" in messages).
func (c *conditionRun) addCondition(list *[]condition.Condition, name string, isPath bool, v string, sc unitpath.Scope) {
	const file = "(cmdline)"
	if v == "" {
		*list = nil
		return
	}
	cond := condition.Condition{Type: name}
	skip := func(s string) string {
		if !isPath {
			return strings.TrimLeft(s[1:], whitespace)
		}
		return s[1:]
	}
	if cond.Trigger = strings.HasPrefix(v, "|"); cond.Trigger {
		v = skip(v)
	}
	if cond.Negate = strings.HasPrefix(v, "!"); cond.Negate {
		v = skip(v)
	}
	// The test unit has no slice: its cgroup would be "/test.service".
	spec := &specifier.Unit{ID: conditionTestUnit, Scope: sc, Dirs: specifier.SystemDirs, Host: specifier.System{},
		CgroupPath: "/" + conditionTestUnit,
		Deprecated: func(b byte) { c.logUnit(logging.Warning, conditionTestUnit, specifier.DeprecatedWarning(b)) }}
	if sc == unitpath.User {
		spec.Dirs = userSpecifierDirs()
	}
	maxLen := specifier.LongLineMax
	if isPath {
		maxLen = specifier.PathMax
	}
	s, err := spec.FullPrintf(v, maxLen)
	if err != nil {
		quoted := "'" + v + "'"
		if isPath {
			quoted = v
		}
		c.logSyntax(logging.Warning, fmt.Sprintf("%s: Failed to resolve unit specifiers in %s, ignoring: %s", file, quoted, logging.Strerror(err)))
		return
	}
	if isPath {
		var ok bool
		if s, ok = c.simplifyPath(file, name, s); !ok {
			return
		}
	}
	cond.Parameter = s
	*list = append([]condition.Condition{cond}, *list...)
}

// simplifyPath is path_simplify_and_warn for an absolute path.
func (c *conditionRun) simplifyPath(file, key, p string) (string, bool) {
	fail := func(format string, args ...any) (string, bool) {
		c.logSyntax(logging.Err, file+": "+fmt.Sprintf(format, args...))
		return "", false
	}
	if !utf8.ValidString(p) {
		return fail("String is not UTF-8 clean, ignoring assignment: %s", strings.ToValidUTF8(p, "\uFFFD"))
	}
	if !strings.HasPrefix(p, "/") {
		return fail("%s= path is not absolute, ignoring: %s", key, p)
	}
	s := unitname.PathSimplify(p)
	if !unitname.PathIsValid(s) {
		return fail("%s= path has invalid length (%d bytes), ignoring.", key, len(s))
	}
	if !unitname.PathIsNormalized(s) {
		return fail("%s= path is not normalized, ignoring: %s", key, s)
	}
	return s, true
}

// userSpecifierDirs are the user manager's directories for %t, %S, %C,
// %L and %E.
func userSpecifierDirs() specifier.Dirs {
	home, _ := unitpath.HomeDir(nil)
	xdg := func(name, def string) string {
		if v := os.Getenv(name); strings.HasPrefix(v, "/") {
			return v
		}
		return home + def
	}
	return specifier.Dirs{Runtime: os.Getenv("XDG_RUNTIME_DIR"), State: xdg("XDG_CONFIG_HOME", "/.config"),
		Cache: xdg("XDG_CACHE_HOME", "/.cache"), Logs: xdg("XDG_CONFIG_HOME", "/.config") + "/log",
		Config: xdg("XDG_CONFIG_HOME", "/.config")}
}

// conditionUnitDirectory is find_unit_directory: the directory of the unit
// file, relative to the working directory, or of its template.
func conditionUnitDirectory(name string) (string, bool) {
	abs, err := unitpath.MakeAbsolute(name)
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(abs); err == nil {
		return filepath.Dir(abs), true
	}
	base := filepath.Base(abs)
	if !unitname.IsValid(base, unitname.Instance) {
		return "", false
	}
	tmpl, err := unitname.TemplateOf(base)
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(abs), tmpl)); err != nil {
		return "", false
	}
	return filepath.Dir(abs), true
}

// loadUnit loads the --unit= unit as the manager does: by its name
// (templates as instance "i") from the search path, together with the
// units it refers to, logging what loading them logs. It returns the
// unit's id; false means it did not load, and that was said.
func (c *conditionRun) loadUnit(lp *unitpath.LookupPaths) (string, bool) {
	name := c.unit
	if unitname.IsValid(name, unitname.Template) {
		name, _ = unitname.ReplaceInstance(name, "i")
	}
	nm, err := unitpath.BuildNameMap(lp)
	if err != nil {
		c.log.Log(logging.Err, "", "Failed to load unit file %s: %s", name, logging.Strerror(err))
		return "", false
	}
	loader := unit.NewLoader(unit.NewDefaults())
	var order []string
	resolve := func(n string) (*unit.File, []unit.File, string, bool) {
		ru, err := nm.Resolve(lp, n)
		if err != nil {
			return nil, nil, n, false
		}
		for _, m := range ru.Log {
			c.log.Log(logging.Level(m.Level), "", "%s", m.Text)
		}
		var frag *unit.File
		if ru.Fragment != "" {
			data, err := os.ReadFile(ru.Fragment)
			if err != nil && !ru.Masked {
				return nil, nil, ru.ID, false
			}
			if ru.Masked {
				data = nil
			}
			frag = &unit.File{Path: ru.Fragment, Data: data}
		}
		var dropins []unit.File
		for _, p := range ru.Dropins {
			if data, err := os.ReadFile(p); err == nil {
				dropins = append(dropins, unit.File{Path: p, Data: data})
			}
		}
		return frag, dropins, ru.ID, true
	}
	// Units referred to load only if they have a file.
	loader.Resolve = func(n string) (*unit.File, []unit.File, bool) {
		frag, dropins, _, ok := resolve(n)
		if ok = ok && frag != nil; ok {
			order = append(order, n)
		}
		return frag, dropins, ok
	}
	frag, dropins, id, _ := resolve(name)
	switch {
	case id == "-.mount":
		// The root mount always exists, loaded before any file is read.
		return id, true
	case frag == nil && (unitname.TypeOf(id) == unitname.Mount || unitname.TypeOf(id) == unitname.Swap):
		// Without a file these exist only as the kernel reports them,
		// which the manager does not ask for here.
		c.log.Log(logging.Err, "", "Unit %s not found.", id)
		return "", false
	}
	u := loader.Load(id, frag, dropins)
	loader.Finish()
	c.logDiagnostics(u)
	for _, n := range order {
		if o := loader.Unit(n); o != nil {
			c.logDiagnostics(o)
		}
	}
	if _, msg := u.ValidateLoadState(); msg != "" {
		c.log.Log(logging.Err, "", "%s", msg)
		return "", false
	}
	for _, cd := range u.Conditions {
		c.conditions = append(c.conditions, condition.Condition(cd))
	}
	for _, cd := range u.Asserts {
		c.asserts = append(c.asserts, condition.Condition(cd))
	}
	return u.ID, true
}

func (c *conditionRun) logDiagnostics(u *unit.Unit) {
	for _, d := range u.Diagnostics {
		c.logSyntax(logging.Level(d.Level), unit.Message(d))
	}
}
