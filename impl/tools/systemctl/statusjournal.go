package systemctl

import (
	"encoding/hex"
	"os"
	"strings"

	"gosystemd/impl/install"
	"gosystemd/impl/journal/journalfile"
	"gosystemd/impl/journal/logshow"
	"gosystemd/impl/timeutil"
)

// stShowJournal is print_status_info's call of show_journal_by_unit: on
// the local machine, the last --lines lines of the unit's log in this
// boot since it last left the inactive state. It reports ellipsization.
func (t *tool) stShowJournal(props stProps) bool {
	id := props.str("Id")
	if id == "" || t.opts.host != "" || t.opts.lines == 0 {
		return false
	}
	machine, boot, ok := stLocalIDs()
	if !ok {
		return false
	}
	dirs := []string{"/var/log/journal/" + machine, "/run/log/journal/" + machine}
	if ns := props.str("LogNamespace"); ns != "" {
		dirs = append(dirs, "/var/log/journal/"+machine+"."+ns, "/run/log/journal/"+machine+"."+ns)
	}
	j, _ := journalfile.OpenDirs(dirs...)
	defer j.Close()

	var m journalfile.Match
	if t.opts.scope == install.ScopeSystem {
		logshow.UnitMatches(&m, id)
	} else {
		logshow.UserUnitMatches(&m, id, uint32(os.Getuid()))
	}
	m.AddConjunction()
	m.AddMatch("_BOOT_ID=" + boot.String())
	m.AddConjunction()

	mode := t.opts.output
	if mode == "" || !contains(logshow.Modes, mode) {
		mode = "short"
	}
	s := &logshow.Shower{
		Mode:    mode,
		Columns: t.stColumns(),
		Zone:    timeutil.ZoneFromEnv(),
		UTF8:    t.utf8,
		LogColors: func(prio int) (string, string) {
			switch {
			case prio <= 3:
				return t.stRed(), t.term.Normal()
			case prio <= 4:
				return t.stYellow(), t.term.Normal()
			case prio <= 5:
				return t.term.Highlight(), t.term.Normal()
			case prio >= 7:
				return t.term.Grey(), t.term.Normal()
			}
			return "", ""
		},
		Flags: logshow.Flags{
			ShowAll:      t.opts.all,
			Color:        t.term.Colors(),
			FullWidth:    t.stFullWidth(),
			WarnCutoff:   !t.opts.quiet,
			BeginNewline: true,
		},
	}
	return s.ShowJournal(t.out, j, &m, boot, props.u64("InactiveExitTimestampMonotonic", 0), int(t.opts.lines))
}

// stLocalIDs reads this machine's ID and the current boot ID.
func stLocalIDs() (string, journalfile.ID128, bool) {
	var boot journalfile.ID128
	mid, err := os.ReadFile("/etc/machine-id")
	if err != nil {
		return "", boot, false
	}
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", boot, false
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(string(b)), "-", ""))
	if err != nil || len(raw) != 16 {
		return "", boot, false
	}
	copy(boot[:], raw)
	m := strings.TrimSpace(string(mid))
	if len(m) != 32 {
		return "", boot, false
	}
	return m, boot, true
}
