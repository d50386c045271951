package systemctl

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

// helpVerb is verb_show in its help mode: the man pages in each unit's
// Documentation=.
func (t *tool) helpVerb(args []string) error {
	if len(args) <= 1 {
		return t.errorf("'help' command expects one or more unit names.\n" +
			"(Alternatively, help for systemctl itself may be shown with --help)")
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	newLine := false
	var ret error
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
			ret = errReported
			continue
		}
		unit, _ := unitname.FromDBusPath(string(p))
		if err := t.helpOne(b, p, unit, &newLine); err != nil {
			return err
		}
	}
	if len(patterns) > 0 {
		names, _, err := t.expandUnitNames(b, patterns, "")
		if err != nil {
			return t.errorf("Failed to expand names: %s", install.Strerror(errnoOf(err)))
		}
		if t.opts.withDependencies {
			names = t.withUnitDependencies(b, names)
		}
		for _, n := range names {
			if err := t.helpOne(b, unitPath(n), n, &newLine); err != nil {
				return err
			}
		}
	}
	return ret
}

func (t *tool) helpOne(b *managerBus, path dbus.ObjectPath, unit string, newLine *bool) error {
	var all map[string]dbus.Variant
	if err := b.object(busService, path).Call(ifaceProps+".GetAll", 0, "").Store(&all); err != nil {
		return t.errorf("Failed to get properties: %s", busErrorMessage(err))
	}
	str := func(n string) string { s, _ := all[n].Value().(string); return s }
	if unit != "" && str("LoadState") == "not-found" && str("ActiveState") == "inactive" {
		return t.errorf("Unit %s could not be found.", unit)
	}
	if *newLine {
		t.printf("\n")
	}
	*newLine = true
	docs, _ := all["Documentation"].Value().([]string)
	if len(docs) == 0 {
		t.info("Documentation for %s not known.", str("Id"))
		return nil
	}
	for _, d := range docs {
		if page, ok := strings.CutPrefix(d, "man:"); ok {
			t.showManPage(page)
		} else {
			t.info("Can't show: %s", d)
		}
	}
	return nil
}

// showManPage is show_man_page: man [SECTION] PAGE for "PAGE(SECTION)".
func (t *tool) showManPage(desc string) {
	argv := []string{desc}
	if strings.HasSuffix(desc, ")") {
		if i := strings.LastIndexByte(desc, '('); i >= 0 {
			argv = []string{desc[i+1 : len(desc)-1], desc[:i]}
		}
	}
	t.out.Flush()
	path, err := exec.LookPath("man")
	if err != nil {
		e := errnoOf(err)
		if errors.Is(err, exec.ErrNotFound) {
			e = syscall.ENOENT // as execvp reports it
		}
		t.logAt(logging.Err, "Failed to execute man: %s", install.Strerror(e))
		return
	}
	cmd := exec.Command(path, argv...)
	cmd.Args[0] = "man"
	cmd.Stdin, cmd.Stdout, cmd.Stderr = t.stdio.In, t.stdio.Out, t.stdio.Err
	_ = cmd.Run()
}
