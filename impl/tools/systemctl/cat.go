package systemctl

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// ANSI sequences cat uses.
const (
	catRed     = "\x1b[0;1;31m"
	catBlue    = "\x1b[0;1;34m"
	catMagenta = "\x1b[0;1;35m"
)

// Outcomes of findUnitPaths besides an error.
var (
	errUnitMasked    = errors.New("masked")     // -ERFKILL
	errUnitNotLoaded = errors.New("not loaded") // -EKEYREJECTED
)

// catState is what cat keeps between units: the search path and the
// client-side name map, built on first use.
type catState struct {
	lp    *unitpath.LookupPaths
	names *unitpath.NameMap
	// clientSide finds the files client side even on a booted system.
	clientSide bool
}

// cat is verb_cat: each unit's fragment and drop-ins as files on disk.
func (t *tool) cat(args []string) error {
	if len(t.opts.states) == 0 {
		t.opts.all = true
	}
	if t.opts.remote || t.opts.machine {
		return t.errorf("Cannot remotely cat units.")
	}
	lp, err := unitpath.Init(t.opts.scope, unitpath.Options{Root: t.opts.root})
	if err != nil {
		return t.errorf("Failed to initialize unit search paths: %s", install.Strerror(errnoOf(err)))
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	names, _, err := t.expandUnitNames(b, args[1:], "")
	if err != nil {
		if errno := t.mangleErrno(args[1:]); errno != 0 {
			t.logAt(logging.Err, "Failed to expand names: %s", install.Strerror(errno))
		}
		return err
	}
	if t.opts.withDependencies {
		names = t.withUnitDependencies(b, names)
	}
	st := &catState{lp: lp}
	first := true
	var rc error
	for _, name := range names {
		fragment, dropins, err := t.findUnitPaths(b, st, name)
		switch {
		case err == errUnitMasked:
			t.printf("%s# Unit %s is masked%s.\n", t.term.ANSI(catMagenta), name, t.term.Normal())
			continue
		case err == errUnitNotLoaded:
			t.printf("%s# Unit %s could not be loaded.%s\n", t.term.ANSI(catMagenta), name, t.term.Normal())
			continue
		case err != nil:
			return err
		case fragment == "" && len(dropins) == 0:
			rc = errReported
			continue
		}
		if first {
			first = false
		} else {
			t.printf("\n")
		}
		if t.needDaemonReload(b, name) {
			user := ""
			if t.opts.scope != install.ScopeSystem {
				user = " --user"
			}
			red := t.term.ANSI(catRed)
			t.out.Flush()
			fmt.Fprintf(t.stdio.Err, "%s# Warning: %s changed on disk, the version systemd has loaded is outdated.\n"+
				"%s# This output shows the current version of the unit's original fragment and drop-in files.\n"+
				"%s# If fragments or drop-ins were added or removed, they are not properly reflected in this output.\n"+
				"%s# Run 'systemctl%s daemon-reload' to reload units.%s\n",
				red, name, red, red, red, user, t.term.Normal())
		}
		if err := t.catFiles(fragment, dropins); err != nil {
			return err
		}
	}
	return rc
}

// mangleErrno is the errno expand_unit_names failed with when a name
// could not be mangled, 0 if none failed so.
func (t *tool) mangleErrno(names []string) syscall.Errno {
	for _, n := range names {
		if _, err := unitname.Mangle(n, "", unitname.MangleGlob, ".service"); err != nil {
			return errnoOf(err)
		}
	}
	return 0
}

// withUnitDependencies is append_unit_dependencies: each name followed by
// the units it requires, wants, binds to, upholds or consists of, each
// name once.
func (t *tool) withUnitDependencies(b *managerBus, names []string) []string {
	var out []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, name := range names {
		add(name)
		var all map[string]dbus.Variant
		err := b.object(busService, unitPath(name)).Call(ifaceProps+".GetAll", 0, ifaceUnit).Store(&all)
		if err != nil {
			t.logAt(logging.Err, "Failed to get properties of %s: %s", name, busErrorMessage(err))
			continue
		}
		for _, p := range []string{"Requires", "Requisite", "Wants", "BindsTo", "Upholds", "ConsistsOf"} {
			deps, _ := all[p].Value().([]string)
			for _, d := range deps {
				add(d)
			}
		}
	}
	return out
}

// findUnitPaths is unit_find_paths: a unit's fragment and drop-ins, from
// the manager, or for a template name from the unit files. Neither
// found is logged (unless --force).
func (t *tool) findUnitPaths(b *managerBus, st *catState, name string) (string, []string, error) {
	var fragment string
	var dropins []string
	if !t.installClientSide() && !st.clientSide && !unitname.IsValid(name, unitname.Template) {
		path := unitPath(name)
		loadState, err := b.stringProperty(path, ifaceUnit, "LoadState")
		if err != nil {
			return "", nil, t.errorf("Failed to get LoadState: %s", busErrorMessage(err))
		}
		switch loadState {
		case "masked":
			return "", nil, errUnitMasked
		case "not-found":
		case "loaded", "bad-setting":
			if fragment, err = b.stringProperty(path, ifaceUnit, "FragmentPath"); err != nil {
				return "", nil, t.errorf("Failed to get FragmentPath: %s", busErrorMessage(err))
			}
			v, err := b.property(path, ifaceUnit, "DropInPaths")
			if err != nil {
				return "", nil, t.errorf("Failed to get DropInPaths: %s", busErrorMessage(err))
			}
			dropins, _ = v.Value().([]string)
		default:
			return "", nil, errUnitNotLoaded
		}
	} else {
		if st.names == nil {
			m, err := unitpath.BuildNameMap(st.lp)
			if err != nil {
				return "", nil, t.errorf("Failed to build name map: %s", install.Strerror(errnoOf(err)))
			}
			st.names = m
		}
		f, names, err := st.names.FindFragment(name)
		if err != nil {
			return "", nil, t.errorf("Failed to find fragment for '%s': %s", name, install.Strerror(errnoOf(err)))
		}
		fragment = f
		dropins, _ = unitfile.FindDropins(st.names.DropinDirs(st.lp, names, ".d"), ".conf")
	}
	if fragment == "" && len(dropins) == 0 && t.opts.force == 0 {
		t.logAt(logging.Err, "No files found for %s.", name)
	}
	return fragment, dropins, nil
}

// catFiles is cat_files: the fragment, then the drop-ins, each under a
// "# path" header, an empty line between them.
func (t *tool) catFiles(fragment string, dropins []string) error {
	if fragment != "" {
		if err := t.catFile(fragment, false); err != nil {
			return t.catFailed(fragment, err)
		}
	}
	for i, d := range dropins {
		if err := t.catFile(d, fragment != "" || i > 0); err != nil {
			return t.catFailed(d, err)
		}
	}
	return nil
}

func (t *tool) catFailed(path string, err error) error {
	t.warning("Failed to cat %s: %s", path, install.Strerror(errnoOf(err)))
	return errReported
}

// catLineMax is LONG_LINE_MAX.
const catLineMax = 1024 * 1024

// catFile is cat_file: the header, then the file line by line as
// read_line splits it.
func (t *tool) catFile(path string, newline bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sep := ""
	if newline {
		sep = "\n"
	}
	t.printf("%s%s# %s%s\n", sep, t.term.ANSI(catBlue), t.urlifyPath(path), t.term.Normal())
	br := bufio.NewReader(f)
	for {
		line, ok, err := unitfile.ReadLine(br, catLineMax)
		if err != nil {
			t.logAt(logging.Err, "Failed to read \"%s\": %s", path, install.Strerror(errnoOf(err)))
			return err
		}
		if !ok {
			return nil
		}
		t.printf("%s\n", line)
	}
}

// urlifyPath is terminal_urlify_path for an absolute path.
func (t *tool) urlifyPath(path string) string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return path
	}
	return t.term.Link("file://"+unix.ByteSliceToString(u.Nodename[:])+path, path)
}
