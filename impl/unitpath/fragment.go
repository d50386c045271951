package unitpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// FindFragment is unit_file_find_fragment: the fragment path of name
// ("" for none: no file, or an alias leading nowhere) and every name of
// the unit, sorted. A template instance without a file of its own uses
// the template's; a template name among the names then stands for the
// instance of it (see Resolve). The error wraps EINVAL for an invalid
// name or ELOOP for an alias chain that does not end.
func (m *NameMap) FindFragment(name string) (fragment string, names []string, err error) {
	instance, kind, err := unitname.InstanceOf(name)
	if err != nil {
		return "", nil, err
	}
	set := map[string]bool{}
	if err := m.addNames("", kind, instance, set, name); err != nil {
		return "", nil, err
	}

	fragment, err = m.lookupID(name)
	if err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENXIO) {
		return "", nil, fmt.Errorf("cannot load unit %s: %w", name, err)
	}
	if fragment == "" && kind == unitname.Instance {
		tmpl, err := unitname.TemplateOf(name)
		if err != nil {
			return "", nil, err
		}
		fragment, err = m.lookupID(tmpl)
		if err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENXIO) {
			return "", nil, fmt.Errorf("cannot load template %s: %w", tmpl, err)
		}
	}
	if fragment != "" {
		if base := filepath.Base(fragment); base != name {
			if err := m.addNames(base, kind, instance, set, base); err != nil {
				return "", nil, err
			}
		}
	}
	return fragment, sortedKeys(set), nil
}

// addNames is add_names: name itself (unless a template) and its
// aliases, instantiated for an instance, leaving out instance aliases
// whose own fragment is a different file.
func (m *NameMap) addNames(fragmentBase string, kind unitname.Flags, instance string, set map[string]bool, name string) error {
	if kind != unitname.Template {
		set[name] = true
	}
	for _, alias := range m.Names[name] {
		if kind != unitname.Instance || !unitname.IsValid(alias, unitname.Template) {
			set[alias] = true
			continue
		}
		inst, err := unitname.ReplaceInstance(alias, instance)
		if err != nil {
			return err
		}
		instFragment, err := m.lookupID(inst)
		if err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENXIO) {
			return err
		}
		if instFragment != "" && fragmentBase != "" && filepath.Base(instFragment) != fragmentBase {
			continue
		}
		set[inst] = true
	}
	return nil
}

// DropinDirs lists the existing directories (name + dirSuffix, such as
// "foo.service.d" or "foo.service.wants") that apply to a unit with the
// given names (its id first), highest priority first: for each name and
// each search directory the name's own, its template's and its dash
// prefixes' directories, then the type-wide ones ("service.d"). Like
// the manager, only directories seen while building m count; symlinks
// are resolved.
func (m *NameMap) DropinDirs(lp *LookupPaths, names []string, dirSuffix string) []string {
	if len(names) == 0 {
		return nil
	}
	// Only names of which some directory exists can yield one: the
	// others are left out before the (search path × names) candidates
	// are made, which with a long search path is most of the work.
	have := m.dirNames()
	var visit [][]string
	for _, n := range names {
		var found []string
		for _, v := range unitname.DropinNames(n) {
			if have[v+dirSuffix] {
				found = append(found, v)
			}
		}
		visit = append(visit, found)
	}
	typ := unitname.TypeOf(names[0]).String()
	// The candidates in unitfile.DropinDirs' order, without the names
	// and the type-wide directory that exist nowhere.
	var candidates []string
	for _, v := range visit {
		if len(v) == 0 {
			continue
		}
		for _, p := range lp.SearchPath {
			for _, n := range v {
				candidates = append(candidates, p+"/"+n+dirSuffix)
			}
		}
	}
	if have[typ+dirSuffix] {
		for _, p := range lp.SearchPath {
			candidates = append(candidates, p+"/"+typ+dirSuffix)
		}
	}
	var dirs []string
	for _, d := range candidates {
		if !m.Paths[d] {
			continue
		}
		resolved, err := m.chaseDir(d)
		if err != nil {
			continue
		}
		dirs = append(dirs, resolved)
	}
	return dirs
}

// chaseDir is Chase(d, "", 0) for a directory found while building the
// map, with its parent (a search path directory) resolved only once.
func (m *NameMap) chaseDir(d string) (string, error) {
	parent, base := filepath.Dir(d), filepath.Base(d)
	if m.chased == nil {
		m.chased = map[string]string{}
	}
	rp, ok := m.chased[parent]
	if !ok {
		var err error
		if rp, _, err = Chase(parent, "", 0); err != nil {
			rp = ""
		}
		m.chased[parent] = rp
	}
	if rp == "" || base == "." || base == ".." {
		resolved, _, err := Chase(d, "", 0)
		return resolved, err
	}
	full := unitname.PathJoin(rp, base)
	st, err := os.Lstat(full)
	if err != nil || st.Mode()&os.ModeSymlink != 0 {
		resolved, _, err := Chase(d, "", 0)
		return resolved, err
	}
	return full, nil
}

// Unit is what the manager learns about a unit from the file system
// before parsing it.
type Unit struct {
	// ID is the unit's primary name: its fragment's name (with the
	// instance filled in for a template) if that is among its names,
	// else the name asked for.
	ID string
	// Names are all names of the unit, sorted, ID among them.
	Names []string
	// Fragment is the unit file ("" for none). For a linked unit or a
	// mask it is the symlink in the search path.
	Fragment string
	// Masked: the fragment is empty or a device node such as /dev/null.
	Masked bool
	// Dropins are the ".conf" drop-ins in the order they are read.
	Dropins []string
	// Wants and Requires are the units named in .wants and .requires
	// directories, in order.
	Wants, Requires []string
	// Log is what systemd logs about the unit's drop-in and dependency
	// directories.
	Log []Message
}

// Resolve finds name's fragment, names, drop-ins and directory
// dependencies as the manager does when it loads a unit (before parsing
// the fragment). The error wraps EINVAL for an invalid name or a
// template, ELOOP for an endless alias chain, or the error opening the
// fragment; the manager then leaves the unit "not-found" with that
// error. Drop-ins and dependencies are found for masked units too; a
// service without a fragment is "not-found" and the manager ignores
// them.
func (m *NameMap) Resolve(lp *LookupPaths, name string) (*Unit, error) {
	if !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		return nil, fmt.Errorf("unit name %s is not valid: %w", name, syscall.EINVAL)
	}
	fragment, names, err := m.FindFragment(name)
	if err != nil {
		return nil, err
	}
	u := &Unit{ID: name, Fragment: fragment}
	if fragment != "" {
		if u.Masked, err = IsMask(fragment); err != nil {
			return nil, fmt.Errorf("opening %s: %w", fragment, errnoOf(err))
		}
	}
	// The id the fragment suggests is taken only if it is one of the
	// names as found (merge_by_names): a template fragment's instance
	// counts only when it came in as an alias.
	inst, _, _ := unitname.InstanceOf(name)
	if fragment != "" {
		id := filepath.Base(fragment)
		if unitname.IsValid(id, unitname.Template) {
			if id, err = unitname.ReplaceInstance(id, inst); err != nil {
				return nil, err
			}
		}
		if slices.Contains(names, id) {
			u.ID = id
		}
	}
	for _, n := range names {
		if unitname.IsValid(n, unitname.Template) {
			// As unit_merge_by_name: the instance of a template name.
			if n, err = unitname.ReplaceInstance(n, inst); err != nil {
				return nil, err
			}
		}
		if !slices.Contains(u.Names, n) {
			u.Names = append(u.Names, n)
		}
	}
	slices.Sort(u.Names)
	order := []string{u.ID}
	for _, n := range u.Names {
		if n != u.ID {
			order = append(order, n)
		}
	}
	u.Wants = m.dependencies(lp, u, order, ".wants", "Wants")
	u.Requires = m.dependencies(lp, u, order, ".requires", "Requires")
	var problems []unitfile.Diagnostic
	u.Dropins, problems = findDropins(m.DropinDirs(lp, order, ".d"), ".conf")
	u.logDiagnostics(problems)
	return u, nil
}

// findDropins is unitfile.FindDropins for directories DropinDirs has
// already resolved: their listings without resolving them again, which
// would take a system call per path component. A directory that cannot
// be listed for another reason than not existing is left to
// unitfile.FindDropins to report.
func findDropins(dirs []string, suffix string) ([]string, []unitfile.Diagnostic) {
	var listings []unitfile.DirListing
	var seen []string
	for _, d := range dirs {
		if slices.Contains(seen, d) {
			continue
		}
		seen = append(seen, d)
		names, err := readDirNames(d)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return unitfile.FindDropins(dirs, suffix)
		}
		listings = append(listings, unitfile.DirListing{Dir: d, Names: names})
	}
	return unitfile.SortDropins(listings, suffix), nil
}

// readDirNames lists a directory's entries (not "." and ".."), unsorted,
// with the fewest system calls.
func readDirNames(dir string) ([]string, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// logDiagnostics adds what the unit file layer reports to the unit's log.
func (u *Unit) logDiagnostics(ds []unitfile.Diagnostic) {
	for _, d := range ds {
		u.Log = append(u.Log, Message{int(d.Level), d.Text})
	}
}

// dependencies is process_deps: the unit names symlinked in the unit's
// dirSuffix directories. Masks are skipped; anything not a symlink with
// a unit name is warned about and skipped.
func (m *NameMap) dependencies(lp *LookupPaths, u *Unit, names []string, dirSuffix, kind string) []string {
	logf := func(level int, format string, a ...any) {
		u.Log = append(u.Log, Message{level, fmt.Sprintf(format, a...)})
	}
	paths, problems := findDropins(m.DropinDirs(lp, names, dirSuffix), "")
	u.logDiagnostics(problems)
	_, instanced, _ := unitname.InstanceOf(u.ID)
	var deps []string
	for _, p := range paths {
		entry := filepath.Base(p)
		if mask, err := IsMask(p); err == nil && mask {
			logf(LevelDebug, "%s dependency on %s is masked by %s, ignoring.", kind, entry, p)
			continue
		}
		st, err := os.Lstat(p)
		if err != nil {
			logf(LevelWarning, "%s dropin %s unreadable, ignoring: %s", kind, p, strerror(errnoOf(err)))
			continue
		}
		if st.Mode()&os.ModeSymlink == 0 {
			logf(LevelWarning, "%s dependency dropin %s is not a symlink, ignoring.", kind, p)
			continue
		}
		if !unitname.IsValid(entry, unitname.Any) {
			logf(LevelWarning, "%s dependency dropin %s is not a valid unit name, ignoring.", kind, p)
			continue
		}
		target, err := os.Readlink(p)
		if err != nil {
			logf(LevelWarning, "readlink(\"%s\") failed, ignoring: %s", p, strerror(errnoOf(err)))
			continue
		}
		if !NamesCompatible(entry, filepath.Base(target), instanced == unitname.Instance) {
			logf(LevelWarning, "%s dependency dropin %s target %s has different name", kind, p, target)
		}
		deps = append(deps, entry)
	}
	return deps
}
