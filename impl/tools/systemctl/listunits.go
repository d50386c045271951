package systemctl

import (
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
)

const (
	ansiHighlightYellow   = "\x1b[0;1;38;5;185m"
	ansiHighlightYellow16 = "\x1b[0;1;33m"
)

// listUnits is verb_list_units.
func (t *tool) listUnits(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	if t.opts.withDependencies {
		return t.errorf("--with-dependencies is not implemented yet.")
	}
	units, err := t.listUnitsByPatterns(b, args[1:])
	if err != nil {
		return err
	}
	sortUnitInfos(units)
	return t.printUnits(units)
}

// sortUnitInfos is unit_info_compare: by type suffix, then by name,
// both case-insensitively.
func sortUnitInfos(units []unitInfo) {
	suffix := func(id string) (string, bool) {
		i := strings.LastIndexByte(id, '.')
		if i < 0 {
			return "", false
		}
		return id[i:], true
	}
	sort.SliceStable(units, func(i, j int) bool {
		a, aok := suffix(units[i].id)
		c, cok := suffix(units[j].id)
		if aok != cok {
			return !aok
		}
		if r := strcasecmp(a, c); r != 0 {
			return r < 0
		}
		return strcasecmp(units[i].id, units[j].id) < 0
	})
}

// typeSuffix is unit_type_suffix: what follows the last dot.
func typeSuffix(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[i+1:]
	}
	return ""
}

func (t *tool) blackCircle() string {
	if t.utf8 {
		return "●"
	}
	return "*"
}

// highlightYellow is ansi_highlight_yellow, underlined if asked.
func (t *tool) highlightYellow(underline bool) string {
	seq := t.term.ANSI256(ansiHighlightYellow, ansiHighlightYellow16)
	if underline {
		return t.term.Underlined(seq)
	}
	return seq
}

// printUnits is output_units_list.
func (t *tool) printUnits(units []unitInfo) error {
	tab := newTable(t.term, "", "unit", "load", "active", "sub", "job", "description")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	if t.opts.plain {
		tab.hide(0)
	}
	jobs := 0
	for i, u := range units {
		underline := i+1 < len(units) && typeSuffix(u.id) != typeSuffix(units[i+1].id)
		onUnderline := ""
		if underline {
			onUnderline = t.term.Underline()
		}
		onLoaded, onActive, onCircle := onUnderline, onUnderline, onUnderline
		circle := false
		switch {
		case t.opts.plain:
		case u.loadState == "error" || u.loadState == "not-found" || u.loadState == "bad-setting" || u.loadState == "masked":
			circle = true
			onCircle = t.highlightYellow(underline)
			onLoaded = t.highlight(underline, ansiHighlightRed)
			onActive = ""
		case u.activeState == "failed":
			circle = true
			onCircle = t.highlight(underline, ansiHighlightRed)
			onActive = onCircle
			onLoaded = ""
		}
		glyph := " "
		if circle {
			glyph = t.blackCircle()
		}
		job := ""
		if u.jobID != 0 {
			job = u.jobType
			jobs++
		}
		tab.add(cell{text: glyph, color: onCircle},
			cell{text: u.id, color: onActive},
			cell{text: u.loadState, color: onLoaded},
			cell{text: u.activeState, color: onActive},
			cell{text: u.subState, color: onActive},
			cell{text: job, color: onUnderline},
			cell{text: u.description, color: onUnderline})
	}
	if jobs == 0 {
		tab.hide(5)
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend == 0 {
		return nil
	}
	records := tab.rowCount()
	if records > 0 {
		t.printf("\nLOAD   = Reflects whether the unit definition was properly loaded.\n" +
			"ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n" +
			"SUB    = The low-level unit activation state, values depend on unit type.\n")
		if jobs > 0 {
			t.printf("JOB    = Pending job for the unit.\n\n")
		}
	}
	on := t.term.Highlight()
	if records == 0 {
		on = t.term.ANSI(ansiHighlightRed)
	}
	off, grey := t.term.Normal(), t.term.Grey()
	switch {
	case t.opts.all || contains(t.opts.states, "inactive"):
		t.printf("%s%d loaded units listed.%s\n%sTo show all installed unit files use 'systemctl list-unit-files'.%s\n",
			on, records, off, grey, off)
	case len(t.opts.states) == 0:
		t.printf("%s%d loaded units listed.%s %sPass --all to see loaded but inactive units, too.%s\n"+
			"%sTo show all installed unit files use 'systemctl list-unit-files'.%s\n",
			on, records, off, grey, off, grey, off)
	default:
		t.printf("%d loaded units listed.\n", records)
	}
	return nil
}

// jobInfo is one entry of ListJobs.
type jobInfo struct {
	id                uint32
	name, typ, state  string
	jobPath, unitPath dbus.ObjectPath
}

// listJobs is verb_list_jobs.
func (t *tool) listJobs(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	c, err := b.callManager("ListJobs")
	if err != nil {
		return t.errorf("Failed to list jobs: %s", busErrorMessage(err))
	}
	var raw [][]any
	if err := c.Store(&raw); err != nil {
		return t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.EBADMSG))
	}
	patterns := args[1:]
	var jobs []jobInfo
	skipped := false
	for _, r := range raw {
		j, ok := parseJobInfo(r)
		if !ok {
			return t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.EBADMSG))
		}
		if len(patterns) > 0 && !matchesAny(patterns, j.name) {
			skipped = true
			continue
		}
		jobs = append(jobs, j)
	}
	return t.printJobs(jobs, skipped)
}

func parseJobInfo(r []any) (jobInfo, bool) {
	var j jobInfo
	if len(r) != 6 {
		return j, false
	}
	var ok [6]bool
	j.id, ok[0] = r[0].(uint32)
	j.name, ok[1] = r[1].(string)
	j.typ, ok[2] = r[2].(string)
	j.state, ok[3] = r[3].(string)
	j.jobPath, ok[4] = r[4].(dbus.ObjectPath)
	j.unitPath, ok[5] = r[5].(dbus.ObjectPath)
	for _, o := range ok {
		if !o {
			return j, false
		}
	}
	return j, true
}

func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if install.Fnmatch(p, s) {
			return true
		}
	}
	return false
}

// printJobs is output_jobs_list.
func (t *tool) printJobs(jobs []jobInfo, skipped bool) error {
	if len(jobs) == 0 {
		if t.opts.legend != 0 {
			what := "running"
			if skipped {
				what = "listed"
			}
			t.printf("%sNo jobs %s.%s\n", t.term.ANSI(ansiHighlightGreen), what, t.term.Normal())
		}
		return nil
	}
	tab := newTable(t.term, "job", "unit", "type", "state")
	tab.header = t.opts.legend != 0
	tab.full = t.opts.full
	for _, j := range jobs {
		on := ""
		if j.state == "running" {
			on = t.term.Highlight()
		}
		tab.add(cell{text: strconv.FormatUint(uint64(j.id), 10)},
			cell{text: j.name, color: on, noGap: true},
			cell{text: j.typ},
			cell{text: j.state, color: on, noGap: true})
	}
	t.out.Write([]byte(tab.String()))
	if t.opts.legend != 0 {
		t.printf("\n%s%d jobs listed%s.\n", t.term.Highlight(), len(jobs), t.term.Normal())
	}
	return nil
}

// cancel is verb_cancel: CancelJob for each id, ClearJobs without one.
func (t *tool) cancel(args []string) error {
	if len(args) <= 1 {
		return t.trivialMethod(args)
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	var ret error
	for _, a := range args[1:] {
		id, err := value.SafeAtou(a)
		if err != nil {
			return t.errorf("Failed to parse job id \"%s\": %s", a, value.Strerror(err))
		}
		if _, err := b.callManager("CancelJob", id); err != nil {
			t.errorf("Failed to cancel job %d: %s", id, busErrorMessage(err))
			if ret == nil {
				ret = errReported
			}
		}
	}
	return ret
}
