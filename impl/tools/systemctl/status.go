package systemctl

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/install"
	"gosystemd/impl/procfs"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

// Exit codes of status (exit-status.h).
const (
	stRunning = 0
	stUnknown = 4
)

// ANSI sequences status uses beyond term's.
const (
	stAnsiRed            = "\x1b[0;1;31m"
	stAnsiGreen          = "\x1b[0;1;32m"
	stAnsiYellow         = "\x1b[0;1;38;5;185m"
	stAnsiYellowFallback = "\x1b[0;1;33m"
)

const stNoLimit = ^uint64(0)

// status is verb_show in status mode: the system without operands, else
// each PID's unit and each unit named, then the hint when journal lines
// were ellipsized.
func (t *tool) status(args []string) error {
	err := t.statusUnits(args)
	if t.stEllipsized && !t.opts.quiet {
		t.printf("Hint: Some lines were ellipsized, use -l to show in full.\n")
	}
	return err
}

func (t *tool) statusUnits(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	newLine := false
	ret := 0
	fail := false
	if len(args) <= 1 {
		if len(t.opts.states) == 0 && len(t.opts.types) == 0 {
			if err := t.showSystemStatus(b); err != nil {
				return err
			}
			newLine = true
		}
		if t.opts.all || len(t.opts.states) > 0 || len(t.opts.types) > 0 {
			units, err := t.listUnitsByPatterns(b, nil)
			if err != nil {
				return err
			}
			sort.SliceStable(units, func(i, j int) bool { return unitInfoLess(units[i].id, units[j].id) })
			for _, u := range units {
				r, err := t.statusOne(b, unitPath(u.id), u.id, &newLine)
				if err != nil {
					return err
				}
				if r > 0 && ret == 0 {
					ret = r
				}
			}
		}
		return stResult(ret, false)
	}
	var patterns []string
	for _, name := range args[1:] {
		pid, err := value.SafeAtou(name)
		if err != nil {
			patterns = append(patterns, name)
			continue
		}
		var p dbus.ObjectPath
		c, err := b.callManager("GetUnitByPID", pid)
		if err == nil {
			err = c.Store(&p)
		}
		if err != nil {
			t.logAt(logging.Err, "Failed to get unit for PID %d: %s", pid, busErrorMessage(err))
			fail = true
			continue
		}
		unit, _ := unitname.FromDBusPath(string(p))
		r, err := t.statusOne(b, p, unit, &newLine)
		if err != nil {
			return err
		}
		if r > 0 && ret == 0 && !fail {
			ret = r
		}
	}
	if len(patterns) > 0 {
		names, _, err := t.expandUnitNames(b, patterns, "")
		if err != nil {
			for _, p := range patterns {
				if _, merr := unitname.Mangle(p, "", unitname.MangleGlob, ".service"); merr != nil {
					return t.errorf("Failed to expand names: %s", install.Strerror(errnoOf(merr)))
				}
			}
			return err
		}
		for _, n := range names {
			r, err := t.statusOne(b, unitPath(n), n, &newLine)
			if err != nil {
				return err
			}
			if r > 0 && ret == 0 && !fail {
				ret = r
			}
		}
	}
	return stResult(ret, fail)
}

func stResult(ret int, fail bool) error {
	if fail {
		return errReported
	}
	if ret != 0 {
		return exitCode(ret)
	}
	return nil
}

// stProps are a unit's properties as GetAll returned them.
type stProps map[string]dbus.Variant

func (p stProps) str(n string) string {
	s, _ := p[n].Value().(string)
	return s
}

func (p stProps) strv(n string) []string {
	s, _ := p[n].Value().([]string)
	return s
}

func (p stProps) u64(n string, def uint64) uint64 {
	if v, ok := p[n].Value().(uint64); ok {
		return v
	}
	return def
}

func (p stProps) u32(n string) uint32 {
	v, _ := p[n].Value().(uint32)
	return v
}

func (p stProps) i32(n string) int32 {
	v, _ := p[n].Value().(int32)
	return v
}

func (p stProps) boolean(n string) bool {
	v, _ := p[n].Value().(bool)
	return v
}

func (p stProps) structs(n string) [][]any {
	v, _ := p[n].Value().([][]any)
	return v
}

// stGetAll is bus_map_all_properties' GetAll of every interface.
func (t *tool) stGetAll(b *managerBus, p dbus.ObjectPath) (stProps, error) {
	c := b.object(busService, p).Call(ifaceProps+".GetAll", 0, "")
	if c.Err != nil {
		return nil, c.Err
	}
	var all map[string]dbus.Variant
	if len(c.Body) == 1 {
		all, _ = c.Body[0].(map[string]dbus.Variant)
	}
	if all == nil {
		return nil, syscall.EBADMSG
	}
	return stProps(all), nil
}

// statusOne is show_one in status mode: the unit's status and its exit
// code (0 running, 3 not, 4 unknown).
func (t *tool) statusOne(b *managerBus, p dbus.ObjectPath, unit string, newLine *bool) (int, error) {
	t.logAt(logging.Debug, "Showing one %s", p)
	props, err := t.stGetAll(b, p)
	if err != nil {
		return 0, t.errorf("Failed to get properties: %s", busErrorMessage(err))
	}
	active := props.str("ActiveState")
	if unit != "" && props.str("LoadState") == "not-found" && active == "inactive" {
		t.logAt(logging.Err, "Unit %s could not be found.", unit)
		return stUnknown, nil
	}
	if *newLine {
		t.printf("\n")
	}
	*newLine = true
	t.printStatusInfo(b, props)
	if t.stShowJournal(props) {
		t.stEllipsized = true
	}
	if props.boolean("NeedDaemonReload") {
		user := ""
		if t.opts.scope == install.ScopeUser {
			user = " --user"
		}
		t.warning("Warning: The unit file, source configuration file or drop-ins of %s changed on disk. Run 'systemctl%s daemon-reload' to reload units.", props.str("Id"), user)
	}
	if active != "" && active != "active" && active != "reloading" {
		return exitProgramNotRunning, nil
	}
	return stRunning, nil
}

func (t *tool) stRed() string    { return t.term.ANSI(stAnsiRed) }
func (t *tool) stGreen() string  { return t.term.ANSI(stAnsiGreen) }
func (t *tool) stYellow() string { return t.term.ANSI256(stAnsiYellow, stAnsiYellowFallback) }

// stActiveColors is format_active_state.
func (t *tool) stActiveColors(state string) (string, string) {
	switch state {
	case "failed":
		return t.stRed(), t.term.Normal()
	case "active", "reloading":
		return t.stGreen(), t.term.Normal()
	}
	return "", ""
}

// stEnableColors is format_enable_state.
func (t *tool) stEnableColors(state string) (string, string) {
	switch state {
	case "disabled":
		return t.stYellow(), t.term.Normal()
	case "enabled":
		return t.stGreen(), t.term.Normal()
	}
	return "", ""
}

// stStateGlyph is special_glyph(unit_active_state_to_glyph()).
func (t *tool) stStateGlyph(state string) string {
	type pair struct{ utf, ascii string }
	var g pair
	switch state {
	case "active", "activating", "deactivating":
		g = pair{"●", "*"}
	case "reloading":
		g = pair{"↻", "*"}
	case "inactive", "maintenance":
		g = pair{"○", "*"}
	case "failed":
		g = pair{"×", "x"}
	default:
		return "(null)"
	}
	if t.utf8 {
		return g.utf
	}
	return g.ascii
}

func (t *tool) stGlyph(utf, ascii string) string {
	if t.utf8 {
		return utf
	}
	return ascii
}

func (t *tool) stTreeBranch() string   { return t.stGlyph("├─", "|-") }
func (t *tool) stTreeRight() string    { return t.stGlyph("└─", "`-") }
func (t *tool) stTreeVertical() string { return t.stGlyph("│ ", "| ") }

// stTimeContext formats timestamps in the local zone, now being the
// realtime clock.
func stTimeContext() *timeutil.Context {
	return timeutil.NewContext(timeutil.ZoneFromEnv(), func() timeutil.Usec {
		return timeutil.Usec(time.Now().UnixMicro())
	})
}

// stSince is "TIMESTAMP; RELATIVE".
func stSince(tc *timeutil.Context, ts uint64) string {
	a, _ := tc.FormatTimestamp(timeutil.Usec(ts), timeutil.StylePretty)
	r, _ := tc.FormatTimestampRelative(timeutil.Usec(ts))
	return stNA(a) + "; " + stNA(r)
}

func stNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

func stTimestampSet(ts uint64) bool { return ts != 0 && ts != stNoLimit }

// stExec is one command of an Exec*= list with its last run.
type stExec struct {
	name      string
	argv      []string
	ignore    bool
	start     uint64
	pid       uint32
	code      int32
	status    int32
	exitStamp uint64
}

// stExecProperties are the Exec*= lists status shows, in the order the
// manager's vtables list them.
var stExecProperties = []string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost",
	"ExecReload", "ExecStopPre", "ExecStop", "ExecStopPost"}

func stParseExecs(props stProps) []stExec {
	var out []stExec
	for _, n := range stExecProperties {
		if props[n].Signature().String() != "a(sasbttttuii)" {
			continue
		}
		for _, e := range props.structs(n) {
			if len(e) != 10 {
				continue
			}
			x := stExec{name: n}
			x.argv, _ = e[1].([]string)
			x.ignore, _ = e[2].(bool)
			x.start, _ = e[3].(uint64)
			x.exitStamp, _ = e[5].(uint64)
			x.pid, _ = e[7].(uint32)
			x.code, _ = e[8].(int32)
			x.status, _ = e[9].(int32)
			out = append(out, x)
		}
	}
	return out
}

// stSigchldCode is sigchld_code_to_string.
func stSigchldCode(code int32) string {
	names := []string{1: "exited", 2: "killed", 3: "dumped", 4: "trapped", 5: "stopped", 6: "continued"}
	if code > 0 && int(code) < len(names) {
		return names[code]
	}
	return "(null)"
}

// stExitStatusName is exit_status_to_string for the libc and
// systemd classes.
func stExitStatusName(status int32) string {
	if status == 0 || status == 1 || status >= 200 && status <= 255 {
		return value.ExitStatusToString(int(status))
	}
	return ""
}

// stCodeAndStatus is "code=exited, status=1/FAILURE" or "code=killed,
// signal=TERM".
func stCodeAndStatus(code, status int32) string {
	s := "code=" + stSigchldCode(code) + ", "
	if code == 1 {
		s += "status=" + strconv.Itoa(int(status))
		if n := stExitStatusName(status); n != "" {
			s += "/" + n
		}
		return s
	}
	return s + "signal=" + value.SignalToString(int(status))
}

// stCleanExit is is_clean_exit with EXIT_CLEAN_DAEMON.
func stCleanExit(code, status int32) bool {
	switch code {
	case 1:
		return status == 0
	case 2:
		switch syscall.Signal(status) {
		case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE:
			return true
		}
	}
	return false
}

// stURLifyPath is terminal_urlify_path: a file:// link when links are on.
func (t *tool) stURLifyPath(p string) string {
	host, _ := os.Hostname()
	return t.term.Link("file://"+host+p, p)
}

// printStatusInfo is print_status_info up to the journal lines.
func (t *tool) printStatusInfo(b *managerBus, props stProps) {
	tc := stTimeContext()
	id := props.str("Id")
	active := props.str("ActiveState")
	sub := props.str("SubState")
	fileState := props.str("UnitFileState")
	preset := props.str("UnitFilePreset")
	activeOn, activeOff := t.stActiveColors(active)
	enableOn, enableOff := t.stEnableColors(fileState)
	presetOn, presetOff := t.stEnableColors(preset)

	shownID := id
	if shownID == "" {
		shownID = "n/a"
	}
	t.printf("%s%s%s %s", activeOn, t.stStateGlyph(active), activeOff, shownID)
	if d := props.str("Description"); d != "" && d != id {
		t.printf(" - %s", d)
	}
	t.printf("\n")
	if f := props.str("Following"); f != "" {
		t.printf("    Follows: unit currently follows state of %s\n", f)
	}

	load := stNA(props.str("LoadState"))
	on, off := "", ""
	switch load {
	case "error", "not-found", "bad-setting":
		on, off = t.stRed(), t.term.Normal()
	}
	p := props.str("SourcePath")
	if p == "" {
		p = props.str("FragmentPath")
	}
	if p != "" {
		p = t.stURLifyPath(p)
	}
	loadError := ""
	if le, ok := props["LoadError"].Value().([]any); ok && len(le) == 2 {
		loadError, _ = le[1].(string)
	}
	switch {
	case loadError != "":
		t.printf("     Loaded: %s%s%s (Reason: %s)\n", on, load, off, loadError)
	case p != "" && fileState != "":
		showPreset := preset != ""
		switch fileState {
		case "alias", "static", "generated", "transient":
			showPreset = false
		}
		presetText, presetLabel := "", ""
		if showPreset {
			presetText, presetLabel = preset, "; preset: "
		}
		t.printf("     Loaded: %s%s%s (%s; %s%s%s%s%s%s%s)\n", on, load, off, p,
			enableOn, fileState, enableOff, presetLabel, presetOn, presetText, presetOff)
	case p != "":
		t.printf("     Loaded: %s%s%s (%s)\n", on, load, off, p)
	default:
		t.printf("     Loaded: %s%s%s\n", on, load, off)
	}
	if props.boolean("Transient") {
		t.printf("  Transient: yes\n")
	}

	dropins := props.strv("DropInPaths")
	dir, haveDir, last := "", false, false
	for i, d := range dropins {
		if !haveDir || last {
			if haveDir {
				t.printf("             ")
			} else {
				t.printf("    Drop-In: ")
			}
			dir, haveDir = path.Dir(d), true
			t.printf("%s\n             %s", dir, t.stTreeRight())
		}
		last = !(i+1 < len(dropins) && strings.HasPrefix(dropins[i+1], dir))
		sep := ", "
		if last {
			sep = "\n"
		}
		t.printf("%s%s", t.term.Link("file://"+stHostname()+d, path.Base(d)), sep)
	}

	if sub != "" && sub != active {
		t.printf("     Active: %s%s (%s)%s", activeOn, stNA(active), sub, activeOff)
	} else {
		t.printf("     Active: %s%s%s", activeOn, stNA(active), activeOff)
	}
	if fs := props.str("FreezerState"); fs != "" && fs != "running" {
		t.printf(" %s(%s)%s", t.stYellow(), fs, t.term.Normal())
	}
	if r := props.str("Result"); r != "" && r != "success" {
		t.printf(" (Result: %s)", r)
	}
	activeEnter := props.u64("ActiveEnterTimestamp", 0)
	activeExit := props.u64("ActiveExitTimestamp", 0)
	var ts uint64
	switch active {
	case "active", "reloading":
		ts = activeEnter
	case "inactive", "failed":
		ts = props.u64("InactiveEnterTimestamp", 0)
	case "activating":
		ts = props.u64("InactiveExitTimestamp", 0)
	default:
		ts = activeExit
	}
	if stTimestampSet(ts) {
		t.printf(" since %s\n", stSince(tc, ts))
		if max := props.u64("RuntimeMaxUSec", stNoLimit); active == "active" && max != stNoLimit {
			until := ts + max
			if until < ts {
				until = stNoLimit
			}
			t.printf("      Until: %s\n", stSince(tc, until))
		}
		if !strings.HasSuffix(id, ".target") && (active == "inactive" || active == "failed") &&
			stTimestampSet(activeEnter) && stTimestampSet(activeExit) && activeExit >= activeEnter {
			t.printf("   Duration: %s\n", timeutil.FormatTimespan(timeutil.Usec(activeExit-activeEnter), 1000))
		}
	} else {
		t.printf("\n")
	}

	for i, u := range props.strv("TriggeredBy") {
		state := t.stUnitActiveState(b, u)
		on, off := t.stActiveColors(state)
		label := "            "
		if i == 0 {
			label = "TriggeredBy:"
		}
		t.printf("%s %s%s%s %s\n", label, on, t.stStateGlyph(state), off, u)
	}

	if strings.HasSuffix(id, ".timer") {
		next := stNextElapse(props.u64("NextElapseUSecRealtime", 0), props.u64("NextElapseUSecMonotonic", 0))
		if stTimestampSet(next) {
			t.printf("    Trigger: %s\n", stSince(tc, next))
		} else {
			t.printf("    Trigger: n/a\n")
		}
	}

	for i, u := range props.strv("Triggers") {
		state := t.stUnitActiveState(b, u)
		on, off := t.stActiveColors(state)
		label := "            "
		if i == 0 {
			label = "   Triggers:"
		}
		t.printf("%s %s%s%s %s\n", label, on, t.stGlyph("●", "*"), off, u)
	}

	if ct := props.u64("ConditionTimestamp", 0); !props.boolean("ConditionResult") && ct > 0 {
		t.printf("  Condition: start %scondition failed%s at %s\n", t.stYellow(), t.term.Normal(), stSince(tc, ct))
		conds := props.structs("Conditions")
		n := 0
		for _, c := range conds {
			if len(c) == 5 {
				if s, _ := c[4].(int32); s < 0 {
					n++
				}
			}
		}
		// The list is shown last to first.
		for i := len(conds) - 1; i >= 0; i-- {
			c := conds[i]
			if len(c) != 5 {
				continue
			}
			if s, _ := c[4].(int32); s >= 0 {
				continue
			}
			name, _ := c[0].(string)
			trigger, _ := c[1].(bool)
			negate, _ := c[2].(bool)
			param, _ := c[3].(string)
			n--
			g := t.stTreeRight()
			if n != 0 {
				g = t.stTreeBranch()
			}
			t.printf("             %s %s=%s%s%s was not met\n", g, name, stFlag(trigger, "|"), stFlag(negate, "!"), param)
		}
	}

	if at := props.u64("AssertTimestamp", 0); !props.boolean("AssertResult") && at > 0 {
		t.printf("     Assert: start %sassertion failed%s at %s\n", t.stRed(), t.term.Normal(), stSince(tc, at))
		var failed, param string
		var trigger, negate, have bool
		for _, c := range props.structs("Asserts") {
			if len(c) != 5 {
				continue
			}
			s, _ := c[4].(int32)
			tr, _ := c[1].(bool)
			if s < 0 && (!tr || !have) {
				failed, _ = c[0].(string)
				negate, _ = c[2].(bool)
				param, _ = c[3].(string)
				trigger, have = tr, true
			}
		}
		if trigger {
			t.printf("             none of the trigger assertions were met\n")
		} else if have && failed != "" {
			t.printf("             %s=%s%s was not met\n", failed, stFlag(negate, "!"), param)
		}
	}

	if s := props.str("SysFSPath"); s != "" {
		t.printf("     Device: %s\n", s)
	}
	if s := props.str("Where"); s != "" {
		t.printf("      Where: %s\n", s)
	}
	if s := props.str("What"); s != "" {
		t.printf("       What: %s\n", s)
	}
	for i, d := range props.strv("Documentation") {
		label := ""
		if i == 0 {
			label = "Docs:"
		}
		t.printf("   %9s %s\n", label, t.term.Link(d, d))
	}
	for i, l := range props.structs("Listen") {
		if len(l) != 2 {
			continue
		}
		label := ""
		if i == 0 {
			label = "Listen:"
		}
		typ, _ := l[0].(string)
		addr, _ := l[1].(string)
		t.printf("   %9s %s (%s)\n", label, addr, typ)
	}
	if props.boolean("Accept") {
		t.printf("   Accepted: %d; Connected: %d;", props.u32("NAccepted"), props.u32("NConnections"))
		if r := props.u32("NRefused"); r != 0 {
			t.printf("   Refused: %d", r)
		}
		t.printf("\n")
	}

	mainPID := props.u32("ExecMainPID")
	if _, ok := props["MainPID"]; ok {
		// MainPID follows ExecMainPID in the reply and wins.
		if _, ok := props["ExecMainPID"]; !ok {
			mainPID = props.u32("MainPID")
		}
	}
	running := props.u32("MainPID") > 0
	controlPID := props.u32("ControlPID")
	mainStart := props.u64("ExecMainStartTimestamp", 0)
	mainExit := props.u64("ExecMainExitTimestamp", 0)
	for _, x := range stParseExecs(props) {
		if x.code == 0 {
			continue
		}
		t.printf("    Process: %d %s=%s ", x.pid, x.name, stNA(strings.Join(x.argv, " ")))
		on, off := "", ""
		if !stCleanExit(x.code, x.status) {
			on = t.stRed()
			if x.ignore {
				on = t.stYellow()
			}
			off = t.term.Normal()
		}
		t.printf("%s(%s)%s\n", on, stCodeAndStatus(x.code, x.status), off)
		if mainPID == x.pid && mainStart == x.start && mainExit == x.start {
			mainPID = 0
		}
		if x.pid == controlPID {
			controlPID = 0
		}
	}
	if mainPID > 0 || controlPID > 0 {
		if mainPID > 0 {
			t.printf("   Main PID: %d", mainPID)
			if running {
				if comm, ok := procfs.Comm(int(mainPID)); ok {
					t.printf(" (%s)", comm)
				}
			} else if code := props.i32("ExecMainCode"); code > 0 {
				t.printf(" (%s)", stCodeAndStatus(code, props.i32("ExecMainStatus")))
			}
		}
		if controlPID > 0 {
			if mainPID > 0 {
				t.printf("; Control PID: ")
			} else {
				t.printf("  Cntrl PID: ")
			}
			t.printf("%d", controlPID)
			if comm, ok := procfs.Comm(int(controlPID)); ok {
				t.printf(" (%s)", comm)
			}
		}
		t.printf("\n")
	}

	if s := props.str("StatusText"); s != "" {
		t.printf("     Status: \"%s\"\n", s)
	}
	if e := props.i32("StatusErrno"); e > 0 {
		t.printf("      Error: %d (%s)\n", e, install.Strerror(syscall.Errno(e)))
	}
	if in, out := props.u64("IPIngressBytes", stNoLimit), props.u64("IPEgressBytes", stNoLimit); in != stNoLimit && out != stNoLimit {
		t.printf("         IP: %s in, %s out\n", value.FormatBytes(in), value.FormatBytes(out))
	}
	if r, w := props.u64("IOReadBytes", stNoLimit), props.u64("IOWriteBytes", stNoLimit); r != stNoLimit && w != stNoLimit {
		t.printf("         IO: %s read, %s written\n", value.FormatBytes(r), value.FormatBytes(w))
	}
	if tasks := props.u64("TasksCurrent", stNoLimit); tasks != stNoLimit {
		t.printf("      Tasks: %d", tasks)
		if max := props.u64("TasksMax", stNoLimit); max != stNoLimit {
			t.printf("%s (limit: %d)%s\n", t.term.Grey(), max, t.term.Normal())
		} else {
			t.printf("\n")
		}
	}
	if mem := props.u64("MemoryCurrent", stNoLimit); mem != stNoLimit {
		t.printf("     Memory: %s", value.FormatBytes(mem))
		t.stMemoryLimits(props)
		t.printf("\n")
	}
	if cpu := props.u64("CPUUsageNSec", stNoLimit); cpu != stNoLimit {
		t.printf("        CPU: %s\n", timeutil.FormatTimespan(timeutil.Usec(cpu/1000), 1000))
	}
	if cg := props.str("ControlGroup"); cg != "" {
		const prefix = "             "
		t.printf("     CGroup: %s\n", cg)
		err := t.stShowProcesses(b, id, cg, prefix)
		if err != nil && stBusErrno(err) == syscall.EBADR {
			var extra []uint32
			if mainPID > 0 {
				extra = append(extra, mainPID)
			}
			if controlPID > 0 {
				extra = append(extra, controlPID)
			}
			t.stShowCgroupAndExtra(cg, prefix, extra)
		} else if err != nil {
			t.warning("Failed to dump process list for '%s', ignoring: %s", id, busErrorMessage(err))
		}
	}
}

func stHostname() string {
	h, _ := os.Hostname()
	return h
}

func stFlag(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// stMemoryLimits prints the " (min: … available: …)" part of Memory:.
func (t *tool) stMemoryLimits(props stProps) {
	min, low := props.u64("MemoryMin", 0), props.u64("MemoryLow", 0)
	high, max := props.u64("MemoryHigh", stNoLimit), props.u64("MemoryMax", stNoLimit)
	swap, limit := props.u64("MemorySwapMax", stNoLimit), props.u64("MemoryLimit", stNoLimit)
	avail := props.u64("MemoryAvailable", stNoLimit)
	if min == 0 && low == 0 && high == stNoLimit && max == stNoLimit && swap == stNoLimit &&
		avail == stNoLimit && limit == stNoLimit {
		return
	}
	protection := func(v uint64) string {
		if v == stNoLimit {
			return "infinity"
		}
		return value.FormatBytes(v)
	}
	var parts []string
	if min > 0 {
		parts = append(parts, "min: "+protection(min))
	}
	if low > 0 {
		parts = append(parts, "low: "+protection(low))
	}
	if high != stNoLimit {
		parts = append(parts, "high: "+value.FormatBytes(high))
	}
	if max != stNoLimit {
		parts = append(parts, "max: "+value.FormatBytes(max))
	}
	if swap != stNoLimit {
		parts = append(parts, "swap max: "+value.FormatBytes(swap))
	}
	if limit != stNoLimit {
		parts = append(parts, "limit: "+value.FormatBytes(limit))
	}
	if avail != stNoLimit {
		parts = append(parts, "available: "+value.FormatBytes(avail))
	}
	t.printf(" (%s)", strings.Join(parts, " "))
}

// stUnitActiveState is get_state_one_unit: "" when it cannot be read.
func (t *tool) stUnitActiveState(b *managerBus, unit string) string {
	s, err := b.stringProperty(unitPath(unit), ifaceUnit, "ActiveState")
	if err != nil {
		t.logAt(logging.Err, "Failed to retrieve unit state: %s", busErrorMessage(err))
		return ""
	}
	switch s {
	case "active", "reloading", "inactive", "failed", "activating", "deactivating", "maintenance":
		return s
	}
	t.logAt(logging.Err, "Invalid unit state '%s' for: %s", s, unit)
	return ""
}

// stNextElapse is calc_next_elapse against the clocks now.
func stNextElapse(realtime, monotonic uint64) uint64 {
	if !stTimestampSet(monotonic) {
		return realtime
	}
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	nowMono := uint64(ts.Nano() / 1000)
	nowReal := uint64(time.Now().UnixMicro())
	var converted uint64
	if monotonic > nowMono {
		converted = nowReal + (monotonic - nowMono)
	} else {
		converted = nowReal - (nowMono - monotonic)
	}
	if stTimestampSet(realtime) && realtime < converted {
		return realtime
	}
	return converted
}

// stBusErrno maps a bus error to the errno sd-bus gives it.
func stBusErrno(err error) syscall.Errno {
	switch busErrorName(err) {
	case "org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.UnknownObject",
		"org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.UnknownProperty":
		return syscall.EBADR
	}
	return errnoOf(err)
}

// stFullWidth is OUTPUT_FULL_WIDTH: --full, or not on a terminal, or
// output through a pager.
func (t *tool) stFullWidth() bool {
	return t.opts.full || !term.IsTTY(t.stdio.Out) || !t.opts.noPager
}

// stColumns is stColumns(): $COLUMNS, else the terminal's width, else 80.
func (t *tool) stColumns() int {
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if f, ok := t.stdio.Out.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}

// stEllipsize shortens s to at most n stColumns with an ellipsis at the
// end.
func (t *tool) stEllipsize(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	e := t.stGlyph("…", "...")
	k := n - utf8.RuneCountInString(e)
	if k < 0 {
		k = 0
	}
	return string(r[:k]) + e
}

// stCgroup is one cgroup of the process tree.
type stCgroup struct {
	path     string
	pids     map[uint32]string
	children []*stCgroup
	done     bool
}

// stShowProcesses is unit_show_processes: the processes the manager
// lists for the unit, as a tree of cgroups below cgroupPath, then those
// elsewhere.
func (t *tool) stShowProcesses(b *managerBus, unit, cgroupPath, prefix string) error {
	stColumns := 0
	if !t.stFullWidth() {
		stColumns = t.stColumns() - len(prefix)
		if stColumns < 0 {
			stColumns = 0
		}
	}
	c, err := b.callManager("GetUnitProcesses", unit)
	if err != nil {
		return err
	}
	var procs [][]any
	if err := c.Store(&procs); err != nil {
		return syscall.EBADMSG
	}
	groups := map[string]*stCgroup{}
	var add func(p string) *stCgroup
	add = func(p string) *stCgroup {
		if p == "" {
			p = "/"
		}
		if g := groups[p]; g != nil {
			return g
		}
		g := &stCgroup{path: p, pids: map[uint32]string{}}
		groups[p] = g
		if p != "/" {
			i := strings.LastIndexByte(p, '/')
			parent := add(p[:i])
			parent.children = append(parent.children, g)
		}
		return g
	}
	for _, pr := range procs {
		if len(pr) != 3 {
			continue
		}
		p, _ := pr[0].(string)
		pid, _ := pr[1].(uint32)
		name, _ := pr[2].(string)
		if p != "" && p != "/" && !strings.Contains(p, "/") {
			t.warning("Invalid process description in GetUnitProcesses reply: cgroup=\"%s\" pid=%d command=\"%s\", ignoring: %s",
				p, pid, name, install.Strerror(syscall.EINVAL))
			continue
		}
		g := add(p)
		if _, dup := g.pids[pid]; !dup {
			g.pids[pid] = name
		}
	}
	t.stDumpProcesses(groups, cgroupPath, prefix, stColumns)

	// Processes in cgroups not shown yet, as one list.
	extra := map[uint32]string{}
	for _, g := range groups {
		if g.done {
			continue
		}
		for pid, name := range g.pids {
			extra[pid] = name
		}
	}
	pids := stSortedPIDs(extra)
	if len(pids) == 0 {
		return nil
	}
	width := len(strconv.Itoa(int(pids[len(pids)-1])))
	for _, pid := range pids {
		name := extra[pid]
		if stColumns != 0 {
			name = t.stEllipsize(name, max(stColumns-(2+width+1), 20))
		}
		t.printf("%s%s %*d %s\n", prefix, t.stGlyph("‣", ">"), width, pid, name)
	}
	return nil
}

func stSortedPIDs(m map[uint32]string) []uint32 {
	pids := make([]uint32, 0, len(m))
	for p := range m {
		pids = append(pids, p)
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	return pids
}

// stDumpProcesses is dump_processes.
func (t *tool) stDumpProcesses(groups map[string]*stCgroup, cgroupPath, prefix string, stColumns int) {
	if cgroupPath == "" {
		cgroupPath = "/"
	}
	g := groups[cgroupPath]
	if g == nil {
		return
	}
	if len(g.pids) > 0 {
		pids := stSortedPIDs(g.pids)
		width := len(strconv.Itoa(int(pids[len(pids)-1])))
		for i, pid := range pids {
			name := g.pids[pid]
			if stColumns != 0 {
				name = t.stEllipsize(name, max(stColumns-(2+width+1), 20))
			}
			stGlyph := t.stTreeRight()
			if i+1 < len(pids) || len(g.children) > 0 {
				stGlyph = t.stTreeBranch()
			}
			t.printf("%s%s%s%*d %s%s\n", prefix, stGlyph, t.term.Grey(), width, pid, name, t.term.Normal())
		}
	}
	if len(g.children) > 0 {
		children := append([]*stCgroup{}, g.children...)
		sort.Slice(children, func(i, j int) bool { return children[i].path < children[j].path })
		if stColumns != 0 {
			stColumns = max(stColumns-2, 20)
		}
		for i, c := range children {
			name := c.path[strings.LastIndexByte(c.path, '/')+1:]
			more := i+1 < len(children)
			stGlyph, next := t.stTreeRight(), "  "
			if more {
				stGlyph, next = t.stTreeBranch(), t.stTreeVertical()
			}
			t.printf("%s%s%s\n", prefix, stGlyph, name)
			t.stDumpProcesses(groups, c.path, prefix+next, stColumns)
		}
	}
	g.done = true
}

const stCgroupRoot = "/sys/fs/cgroup"

// stShowCgroupAndExtra is show_cgroup_and_extra on the unified hierarchy:
// the cgroup tree read from the file system, then the extra PIDs not in
// it.
func (t *tool) stShowCgroupAndExtra(cgroupPath, prefix string, extra []uint32) {
	stColumns := t.stColumns() - len(prefix)
	if stColumns < 0 {
		stColumns = 0
	}
	if err := t.stShowCgroupByPath(stCgroupRoot+cgroupPath, prefix, stColumns); err != nil {
		return
	}
	var pids []uint32
	for _, pid := range extra {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err != nil {
			return
		}
		cg := ""
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "0::") {
				cg = l[3:]
			}
		}
		if _, ok := unitname.PathStartsWith(cg, cgroupPath); ok {
			continue
		}
		pids = append(pids, pid)
	}
	t.stShowPIDArray(pids, prefix, stColumns, true, false)
}

// stShowCgroupByPath is show_cgroup_by_path: the processes of the cgroup
// at dir, then its non-empty subgroups in directory order.
func (t *tool) stShowCgroupByPath(dir, prefix string, stColumns int) error {
	if stColumns <= 0 {
		stColumns = t.stColumns()
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	shownPIDs := false
	last := ""
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "." || e.Name() == ".." {
			continue
		}
		k := dir + "/" + e.Name()
		if !t.opts.all && stCgroupEmpty(k) {
			continue
		}
		if !shownPIDs {
			t.stShowCgroupPIDs(dir, prefix, stColumns, true)
			shownPIDs = true
		}
		if last != "" {
			t.printf("%s%s%s\n", prefix, t.stTreeBranch(), t.stCgroupName(last))
			_ = t.stShowCgroupByPath(last, prefix+t.stTreeVertical(), stColumns-2)
		}
		last = k
	}
	if !shownPIDs {
		t.stShowCgroupPIDs(dir, prefix, stColumns, last != "")
	}
	if last != "" {
		t.printf("%s%s%s\n", prefix, t.stTreeRight(), t.stCgroupName(last))
		_ = t.stShowCgroupByPath(last, prefix+"  ", stColumns-2)
	}
	return nil
}

// stCgroupName is the last component of a cgroup's path, unescaped, with
// delegated cgroups marked.
func (t *tool) stCgroupName(p string) string {
	name := path.Base(p)
	if strings.HasPrefix(name, "_") {
		name = name[1:]
	}
	if stDelegated(p) {
		return t.term.Underline() + name + t.term.Normal() + " " + t.term.Highlight() + t.stGlyph("…", "...") + t.term.Normal()
	}
	return name
}

func stDelegated(p string) bool {
	for _, attr := range []string{"trusted.delegate", "user.delegate"} {
		buf := make([]byte, 64)
		n, err := unix.Getxattr(p, attr, buf)
		if err != nil {
			continue
		}
		return term.ParseBoolean(string(buf[:n])) == 1
	}
	return false
}

// stCgroupEmpty is cg_is_empty_recursive on the unified hierarchy.
func stCgroupEmpty(p string) bool {
	data, err := os.ReadFile(p + "/cgroup.events")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "populated "); ok {
			return v == "0"
		}
	}
	return false
}

// stShowCgroupPIDs is show_cgroup_one_by_path.
func (t *tool) stShowCgroupPIDs(dir, prefix string, stColumns int, more bool) {
	data, err := os.ReadFile(dir + "/cgroup.procs")
	if err != nil {
		return
	}
	var pids []uint32
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.ParseUint(f, 10, 32)
		if err != nil || pid == 0 {
			continue
		}
		if procfs.KernelThread(int(pid)) {
			continue
		}
		pids = append(pids, uint32(pid))
	}
	t.stShowPIDArray(pids, prefix, stColumns, false, more)
}

// stShowPIDArray is show_pid_array: the PIDs sorted, with their command
// lines.
func (t *tool) stShowPIDArray(pids []uint32, prefix string, stColumns int, extra, more bool) {
	if len(pids) == 0 {
		return
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	uniq := pids[:1]
	for _, p := range pids[1:] {
		if p != uniq[len(uniq)-1] {
			uniq = append(uniq, p)
		}
	}
	pids = uniq
	width := len(strconv.Itoa(int(pids[len(pids)-1])))
	if t.stFullWidth() {
		stColumns = 0
	} else if stColumns > width+3 {
		stColumns -= width + 3
	} else {
		stColumns = 20
	}
	for i, pid := range pids {
		cmd, ok := procfs.Cmdline(int(pid))
		if !ok {
			cmd = "n/a"
		}
		if stColumns != 0 {
			cmd = t.stEllipsize(cmd, stColumns)
		}
		if extra {
			t.printf("%s%s ", prefix, t.stGlyph("‣", ">"))
		} else if more || i < len(pids)-1 {
			t.printf("%s%s", prefix, t.stTreeBranch())
		} else {
			t.printf("%s%s", prefix, t.stTreeRight())
		}
		t.printf("%s%*d %s%s\n", t.term.Grey(), width, pid, cmd, t.term.Normal())
	}
}

// showSystemStatus is show_system_status: the manager's state and the
// whole process tree.
func (t *tool) showSystemStatus(b *managerBus) error {
	host, err := os.Hostname()
	if err != nil {
		return t.errorf("Out of memory.")
	}
	props, err := t.stGetAll(b, busManagerPath)
	if err != nil {
		return t.errorf("Failed to read server status: %s", busErrorMessage(err))
	}
	state := props.str("SystemState")
	var on string
	switch state {
	case "degraded":
		on = t.stRed()
	case "running":
		on = t.stGreen()
	default:
		on = t.stYellow()
	}
	off := t.term.Normal()
	if t.opts.host != "" {
		host = t.opts.host
	}
	tc := stTimeContext()
	t.printf("%s%s%s %s\n", on, t.stGlyph("●", "*"), off, host)
	t.printf("    State: %s%s%s\n", on, stNA(state), off)
	t.printf("    Units: %d loaded (incl. loaded aliases)\n", props.u32("NNames"))
	t.printf("     Jobs: %d queued\n", props.u32("NJobs"))
	t.printf("   Failed: %d units\n", props.u32("NFailedUnits"))
	t.printf("    Since: %s\n", stSince(tc, props.u64("UserspaceTimestamp", 0)))
	t.printf("  systemd: %s\n", props.str("Version"))
	if s := props.str("Tainted"); s != "" {
		t.printf("  Tainted: %s%s%s\n", t.stYellow(), s, t.term.Normal())
	}
	cg := props.str("ControlGroup")
	root := cg
	if root == "" {
		root = "/"
	}
	t.printf("   CGroup: %s\n", root)
	const prefix = "           "
	if err := t.stShowProcesses(b, "-.slice", cg, prefix); err != nil {
		if stBusErrno(err) == syscall.EBADR {
			stColumns := t.stColumns() - len(prefix)
			if stColumns < 0 {
				stColumns = 0
			}
			_ = t.stShowCgroupByPath(stCgroupRoot+cg, prefix, stColumns)
		} else {
			t.warning("Failed to dump process list for '%s', ignoring: %s", host, busErrorMessage(err))
		}
	}
	return nil
}
