package systemctl

import (
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"gosystemd/impl/install"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

const (
	ifaceSocket = "org.freedesktop.systemd1.Socket"
	ifaceTimer  = "org.freedesktop.systemd1.Timer"
)

// dependencyProperties are the properties each --reverse/--after/--before
// mode follows (unit_get_dependencies).
var dependencyProperties = map[dependencyKind][]string{
	dependencyForward: {"Requires", "Requisite", "Wants", "ConsistsOf", "BindsTo", "Upholds"},
	dependencyReverse: {"RequiredBy", "RequisiteOf", "WantedBy", "PartOf", "BoundBy", "UpheldBy"},
	dependencyAfter:   {"After"},
	dependencyBefore:  {"Before"},
}

// listColumns is columns(): $COLUMNS, else stdout's width, else 80.
func (t *tool) listColumns() int {
	if e, ok := os.LookupEnv("COLUMNS"); ok {
		if c, err := value.SafeAtoi(e); err == nil && c > 0 && c <= 0xffff {
			return int(c)
		}
	}
	if f, ok := t.stdio.Out.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}

// listEllipsize is ellipsize(s, n, 100): s cut to n cells, ending in an
// ellipsis.
func (t *tool) listEllipsize(s string, n int) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		if len(s) <= n {
			return s
		}
		switch {
		case n == 0:
			return ""
		case n == 1 && t.utf8:
			return "…"
		case n == 1:
			return "."
		case n == 2 && !t.utf8:
			return ".."
		}
		if t.utf8 {
			return s[:n-1] + "…"
		}
		return s[:n-3] + "..."
	}
	if n == 0 {
		return ""
	}
	runes := []rune(s)
	if len(runes) <= n {
		return s
	}
	return string(runes[:n-1]) + "…"
}

// depTreeGlyph is the SPECIAL_GLYPH_TREE_* pieces.
func (t *tool) depTreeGlyph(kind byte) string {
	if t.utf8 {
		switch kind {
		case '|':
			return "│ "
		case '+':
			return "├─"
		case '`':
			return "└─"
		}
		return "  "
	}
	switch kind {
	case '|':
		return "| "
	case '+':
		return "|-"
	case '`':
		return "`-"
	}
	return "  "
}

// depStateGlyph is unit_active_state_to_glyph; "(null)" as printf
// shows an invalid state's.
func (t *tool) depStateGlyph(state string) string {
	switch state {
	case "active", "activating", "deactivating":
		return t.blackCircle()
	case "reloading":
		if t.utf8 {
			return "↻"
		}
		return "*"
	case "inactive", "maintenance":
		if t.utf8 {
			return "○"
		}
		return "*"
	case "failed":
		if t.utf8 {
			return "×"
		}
		return "x"
	}
	return "(null)"
}

// listDependencies is verb_list_dependencies.
func (t *tool) listDependencies(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	units := []string{"default.target"}
	if len(args) > 1 {
		errno := mangleErrno(args[1:])
		units, _, err = t.expandUnitNames(b, args[1:], "")
		if err != nil {
			if errno != 0 {
				return t.errorf("Failed to expand names: %s", install.Strerror(errno))
			}
			return err
		}
	}
	d := &depLister{t: t, b: b, maxLen: max(t.listColumns(), 20)}
	for i, u := range units {
		if i > 0 {
			t.printf("\n")
		}
		t.printf("%s\n", u)
		if err := d.one(u, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// mangleErrno is the error mangling the first bad name gives, if any.
func mangleErrno(names []string) syscall.Errno {
	for _, n := range names {
		if _, err := unitname.Mangle(n, "", unitname.MangleGlob, ".service"); err != nil {
			return errnoOf(err)
		}
	}
	return 0
}

// depLister walks list-dependencies' tree; path holds the units shown
// above (all units shown so far with --plain).
type depLister struct {
	t      *tool
	b      *managerBus
	maxLen int
	path   []string
}

// dependencies is unit_get_dependencies: the names the mode's properties
// list, once each.
func (d *depLister) dependencies(name string) ([]string, error) {
	c := d.b.object(busService, unitPath(name)).Call(ifaceProps+".GetAll", 0, "")
	if c.Err != nil {
		return nil, d.t.errorf("Failed to get properties of %s: %s", name, busErrorMessage(c.Err))
	}
	var all map[string]dbus.Variant
	if len(c.Body) == 1 {
		all, _ = c.Body[0].(map[string]dbus.Variant)
	}
	if all == nil {
		return nil, d.t.errorf("Failed to get properties of %s: %s", name, install.Strerror(syscall.EBADMSG))
	}
	var deps []string
	seen := map[string]bool{}
	for _, p := range dependencyProperties[d.t.opts.dependency] {
		v, ok := all[p]
		if !ok {
			continue
		}
		l, ok := v.Value().([]string)
		if !ok {
			return nil, d.t.errorf("Failed to get properties of %s: %s", name, install.Strerror(syscall.EINVAL))
		}
		for _, n := range l {
			if !seen[n] {
				seen[n] = true
				deps = append(deps, n)
			}
		}
	}
	return deps, nil
}

// activeState is get_state_one_unit, "" on failure (reported).
func (d *depLister) activeState(name string) string {
	s, err := d.b.stringProperty(unitPath(name), ifaceUnit, "ActiveState")
	if err != nil {
		d.t.errorf("Failed to retrieve unit state: %s", busErrorMessage(err))
		return ""
	}
	if !contains(activeStates, s) {
		d.t.errorf("Invalid unit state '%s' for: %s", s, name)
		return ""
	}
	return s
}

// print is list_dependencies_print: the tree prefix and the name, cut to
// the terminal's width unless --full.
func (d *depLister) print(name string, level int, branches uint, last bool) {
	t := d.t
	full := t.opts.full
	length := 0
	tooLong := func() bool {
		if length > d.maxLen-3 && !full {
			if d.maxLen%2 == 0 {
				t.printf(" ...\n")
			} else {
				t.printf("...\n")
			}
			return true
		}
		return false
	}
	if !t.opts.plain {
		for i := level - 1; i >= 0; i-- {
			length += 2
			if tooLong() {
				return
			}
			if branches&(1<<uint(i)) != 0 {
				t.printf("%s", t.depTreeGlyph('|'))
			} else {
				t.printf("%s", t.depTreeGlyph(' '))
			}
		}
		length += 2
		if tooLong() {
			return
		}
		if last {
			t.printf("%s", t.depTreeGlyph('`'))
		} else {
			t.printf("%s", t.depTreeGlyph('+'))
		}
	}
	if full {
		t.printf("%s\n", name)
		return
	}
	t.printf("%s\n", t.listEllipsize(name, d.maxLen-length))
}

// one is list_dependencies_one.
func (d *depLister) one(name string, level int, branches uint) error {
	t := d.t
	d.path = append(d.path, name)
	deps, err := d.dependencies(name)
	if err != nil {
		return err
	}
	sort.SliceStable(deps, func(i, j int) bool {
		ti, tj := typeSuffix(deps[i]) == "target", typeSuffix(deps[j]) == "target"
		if ti != tj {
			return tj
		}
		return strcasecmp(deps[i], deps[j]) < 0
	})
	circular := false
	for i, c := range deps {
		if contains(d.path, c) {
			circular = true
			continue
		}
		lastDep := i == len(deps)-1
		if t.opts.plain {
			t.printf("  ")
		} else {
			state := d.activeState(c)
			var on string
			switch state {
			case "active", "reloading", "activating":
				on = t.term.ANSI(ansiHighlightGreen)
			case "inactive", "deactivating":
				on = t.term.Normal()
			default:
				on = t.term.ANSI(ansiHighlightRed)
			}
			t.printf("%s%s%s ", on, t.depStateGlyph(state), t.term.Normal())
		}
		d.print(c, level, branches, lastDep && !circular)
		if t.opts.all || typeSuffix(c) == "target" {
			bit := uint(1)
			if lastDep {
				bit = 0
			}
			if err := d.one(c, level+1, branches<<1|bit); err != nil {
				return err
			}
		}
	}
	if circular && !t.opts.plain {
		t.printf("  ")
		d.print("...", level, branches, true)
	}
	if !t.opts.plain {
		kept := d.path[:0]
		for _, p := range d.path {
			if p != name {
				kept = append(kept, p)
			}
		}
		d.path = kept
	}
	return nil
}

// unitsOfType lists the loaded units matching the expanded patterns
// whose names end in suffix, as list-sockets and list-timers start.
func (t *tool) unitsOfType(b *managerBus, args []string, suffix string) ([]unitInfo, error) {
	names, _, err := t.expandUnitNames(b, args[1:], suffix)
	if err != nil {
		return nil, err
	}
	if len(args) > 1 && len(names) == 0 {
		return nil, nil
	}
	units, err := t.listUnitsByPatterns(b, names)
	if err != nil {
		return nil, err
	}
	var out []unitInfo
	for _, u := range units {
		if strings.HasSuffix(u.id, suffix) {
			out = append(out, u)
		}
	}
	return out, nil
}

// listTriggers is get_triggered_units.
func (t *tool) listTriggers(b *managerBus, path dbus.ObjectPath) ([]string, error) {
	v, err := b.property(path, ifaceUnit, "Triggers")
	if err != nil {
		return nil, t.errorf("Failed to determine triggers: %s", busErrorMessage(err))
	}
	l, ok := v.Value().([]string)
	if !ok {
		return nil, t.errorf("Failed to determine triggers: %s", install.Strerror(syscall.ENXIO))
	}
	return l, nil
}

// listLegend is output_legend.
func (t *tool) listLegend(typ string, n int) {
	on := t.term.Highlight()
	if n == 0 {
		on = t.term.ANSI(ansiHighlightRed)
	}
	t.printf("\n%s%d %ss listed.%s\n", on, n, typ, t.term.Normal())
	if !t.opts.all {
		t.printf("Pass --all to see loaded but inactive %ss, too.\n", typ)
	}
}

type listSocketInfo struct {
	id, typ, path string
	triggered     []string
}

// listSockets is verb_list_sockets.
func (t *tool) listSockets(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	units, err := t.unitsOfType(b, args, ".socket")
	if err != nil {
		return err
	}
	var socks []listSocketInfo
	for _, u := range units {
		trig, err := t.listTriggers(b, u.path)
		if err != nil {
			return err
		}
		v, err := b.property(u.path, ifaceSocket, "Listen")
		if err != nil {
			return t.errorf("Failed to get list of listening sockets: %s", busErrorMessage(err))
		}
		var listen [][]any
		if err := dbus.Store([]any{v.Value()}, &listen); err != nil {
			return t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.ENXIO))
		}
		for _, l := range listen {
			if len(l) != 2 {
				continue
			}
			typ, _ := l[0].(string)
			p, _ := l[1].(string)
			socks = append(socks, listSocketInfo{id: u.id, typ: typ, path: p, triggered: trig})
		}
	}
	sort.SliceStable(socks, func(i, j int) bool {
		if socks[i].path != socks[j].path {
			return socks[i].path < socks[j].path
		}
		return socks[i].typ < socks[j].typ
	})
	tab := newTable(t.term, "listen", "type", "unit", "activates")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	if !t.opts.showTypes {
		tab.hide(1)
	}
	for _, s := range socks {
		tab.add(cell{text: s.path}, cell{text: s.typ}, cell{text: s.id})
		if len(s.triggered) == 0 {
			tab.addEmpty("")
		} else {
			tab.add(cell{text: strings.Join(s.triggered, "\n")})
		}
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend != 0 {
		t.listLegend("socket", len(socks))
	}
	return nil
}

type listTimerInfo struct {
	id         string
	next, last timeutil.Usec
	triggered  []string
}

// listUint64Property reads a 't' property.
func (b *managerBus) listUint64Property(path dbus.ObjectPath, iface, name string) (uint64, error) {
	v, err := b.property(path, iface, name)
	if err != nil {
		return 0, err
	}
	n, ok := v.Value().(uint64)
	if !ok {
		return 0, syscall.ENXIO
	}
	return n, nil
}

func listTimestampIsSet(u timeutil.Usec) bool { return u > 0 && u != timeutil.Infinity }

// listCalcNextElapse is calc_next_elapse: the next elapse in realtime, the
// monotonic one converted.
func listCalcNextElapse(nowRT, nowMono, nextRT, nextMono timeutil.Usec) timeutil.Usec {
	if !listTimestampIsSet(nextMono) {
		return nextRT
	}
	var converted timeutil.Usec
	if nextMono > nowMono {
		converted = nowRT + (nextMono - nowMono)
	} else {
		converted = nowRT - (nowMono - nextMono)
	}
	if listTimestampIsSet(nextRT) {
		return min(converted, nextRT)
	}
	return converted
}

func listMonotonicNow() timeutil.Usec {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return 0
	}
	return timeutil.Usec(ts.Sec)*timeutil.Sec + timeutil.Usec(ts.Nsec)/1000
}

func listRealtimeNow() timeutil.Usec { return timeutil.Usec(time.Now().UnixMicro()) }

// listTimers is verb_list_timers.
func (t *tool) listTimers(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	units, err := t.unitsOfType(b, args, ".timer")
	if err != nil {
		return err
	}
	nowRT, nowMono := listRealtimeNow(), listMonotonicNow()
	var timers []listTimerInfo
	for _, u := range units {
		trig, err := t.listTriggers(b, u.path)
		if err != nil {
			return err
		}
		mono, err := b.listUint64Property(u.path, ifaceTimer, "NextElapseUSecMonotonic")
		if err != nil {
			return t.errorf("Failed to get next elapse time: %s", busErrorMessage(err))
		}
		rt, err := b.listUint64Property(u.path, ifaceTimer, "NextElapseUSecRealtime")
		if err != nil {
			return t.errorf("Failed to get next elapse time: %s", busErrorMessage(err))
		}
		last, err := b.listUint64Property(u.path, ifaceTimer, "LastTriggerUSec")
		if err != nil {
			t.errorf("Failed to get last trigger time: %s", busErrorMessage(err))
			last = 0
		}
		timers = append(timers, listTimerInfo{id: u.id, next: listCalcNextElapse(nowRT, nowMono, rt, mono), last: last, triggered: trig})
	}
	sort.SliceStable(timers, func(i, j int) bool {
		if timers[i].next != timers[j].next {
			return timers[i].next < timers[j].next
		}
		return timers[i].id < timers[j].id
	})
	ctx := timeutil.NewContext(timeutil.ZoneFromEnv(), listRealtimeNow)
	stamp := func(u timeutil.Usec) cell {
		s, ok := ctx.FormatTimestamp(u, timeutil.StylePretty)
		if !ok {
			s = "-"
		}
		return cell{text: s}
	}
	relative := func(u timeutil.Usec) cell {
		s, ok := ctx.FormatTimestampRelative(u)
		if !ok {
			s = "-"
		}
		return cell{text: s}
	}
	tab := newTable(t.term, "next", "left", "last", "passed", "unit", "activates")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	for _, tm := range timers {
		tab.add(stamp(tm.next), relative(tm.next), stamp(tm.last), relative(tm.last),
			cell{text: tm.id}, cell{text: strings.Join(tm.triggered, ", ")})
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend != 0 {
		t.listLegend("timer", len(timers))
	}
	return nil
}

type listAutomountInfo struct {
	id, what, where string
	idle            uint64
	mounted         bool
}

// listAutomounts is verb_list_automounts: each automount point, the
// source of its mount unit and whether that is mounted.
func (t *tool) listAutomounts(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	units, err := t.unitsOfType(b, args, ".automount")
	if err != nil {
		return err
	}
	var infos []listAutomountInfo
	for _, u := range units {
		where, err := b.stringProperty(u.path, "org.freedesktop.systemd1.Automount", "Where")
		if err != nil {
			return t.errorf("Failed to get automount target: %s", busErrorMessage(err))
		}
		idle, err := b.listUint64Property(u.path, "org.freedesktop.systemd1.Automount", "TimeoutIdleUSec")
		if err != nil {
			return t.errorf("Failed to get idle timeout: %s", busErrorMessage(err))
		}
		mount, err := unitname.FromPath(where, ".mount")
		if err != nil {
			return t.errorf("Failed to generate unit name from path: %s", install.Strerror(errnoOf(err)))
		}
		what, err := b.stringProperty(unitPath(mount), "org.freedesktop.systemd1.Mount", "What")
		if err != nil {
			return t.errorf("Failed to get mount source: %s", busErrorMessage(err))
		}
		state, err := b.stringProperty(unitPath(mount), ifaceUnit, "ActiveState")
		if err != nil {
			return t.errorf("Failed to get mount state: %s", busErrorMessage(err))
		}
		infos = append(infos, listAutomountInfo{id: u.id, what: what, where: where, idle: idle, mounted: state == "active"})
	}
	sort.SliceStable(infos, func(i, j int) bool { return infos[i].where < infos[j].where })
	tab := newTable(t.term, "what", "where", "mounted", "idle timeout", "unit")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	text := func(s string) cell { return cell{text: s, empty: s == ""} }
	for _, a := range infos {
		mounted := "no"
		if a.mounted {
			mounted = "yes"
		}
		tab.add(text(a.what), text(a.where), cell{text: mounted},
			cell{text: timeutil.FormatTimespan(timeutil.Usec(a.idle), timeutil.MSec)}, text(a.id))
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend != 0 {
		t.listLegend("automount", len(infos))
	}
	return nil
}
