package install

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/specifier"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// installMode is what a name turned out to be on disk.
type installMode int

const (
	modeInvalid installMode = iota - 1
	modeRegular
	modeLinked
	modeAlias
	modeMasked
)

// installInfo is one unit name being worked on and what its unit file
// says in [Install].
type installInfo struct {
	name, path, root string

	aliases, wantedBy, requiredBy, also []string
	defaultInstance                     string

	symlinkTarget string
	mode          installMode
	auxiliary     bool
}

func (i *installInfo) hasRules() bool {
	return len(i.aliases) > 0 || len(i.wantedBy) > 0 || len(i.requiredBy) > 0
}

// infoList is an insertion-ordered set of installInfos by name.
type infoList struct {
	order  []*installInfo
	byName map[string]*installInfo
}

func (l *infoList) get(name string) *installInfo { return l.byName[name] }

func (l *infoList) put(i *installInfo) {
	if l.byName == nil {
		l.byName = map[string]*installInfo{}
	}
	l.byName[i.name] = i
	l.order = append(l.order, i)
}

func (l *infoList) first() *installInfo {
	if len(l.order) == 0 {
		return nil
	}
	return l.order[0]
}

func (l *infoList) remove(i *installInfo) {
	delete(l.byName, i.name)
	for k, x := range l.order {
		if x == i {
			l.order = append(l.order[:k], l.order[k+1:]...)
			return
		}
	}
}

// context is the set of names one operation processes: those still to
// process and those done.
type context struct {
	scope           Scope
	will, processed infoList
}

func (c *context) find(name string) *installInfo {
	if i := c.processed.get(name); i != nil {
		return i
	}
	return c.will.get(name)
}

// searchFlags say how far unit files are read.
type searchFlags int

const (
	searchLoad searchFlags = 1 << iota
	searchFollowConfigSymlinks
	searchDropin
)

// followSymlinkMax is UNIT_FILE_FOLLOW_SYMLINK_MAX.
const followSymlinkMax = 64

// installer carries what every step needs: the paths, the scope, the
// change list and the log.
type installer struct {
	lp    *Paths
	scope Scope
	ch    changes
	logf  func(Message)
	arrow string
}

func (x *installer) log(level int, format string, args ...any) {
	if x.logf != nil {
		x.logf(Message{level, fmt.Sprintf(format, args...)})
	}
}

// add is install_info_add: registers name (or the file at path) with the
// context unless it is known already.
func (x *installer) add(ctx *context, name, path string, auxiliary bool) (*installInfo, int) {
	if name == "" {
		name = baseName(path)
	}
	if !unitname.IsValid(name, unitname.Any) {
		return nil, -int(syscall.EINVAL)
	}
	if i := ctx.find(name); i != nil {
		i.auxiliary = i.auxiliary && auxiliary
		return i, 0
	}
	i := &installInfo{name: name, path: path, root: x.lp.RootDir, mode: modeInvalid, auxiliary: auxiliary}
	ctx.will.put(i)
	return i, 1
}

// addAuto is install_info_add_auto: an absolute argument is a file (under
// the root), anything else a name.
func (x *installer) addAuto(ctx *context, nameOrPath string) (*installInfo, int) {
	if unitname.PathIsAbsolute(nameOrPath) {
		return x.add(ctx, "", unitname.PathJoin(x.lp.RootDir, nameOrPath), false)
	}
	return x.add(ctx, nameOrPath, "", false)
}

var loadSections = []string{"Install", "-Unit", "-Automount", "-Device", "-Mount", "-Path", "-Scope",
	"-Service", "-Slice", "-Socket", "-Swap", "-Target", "-Timer"}

// load is unit_file_load: classifies path for info and, with searchLoad,
// reads its [Install] section. It returns the number of installation
// rules read (aliases and dependencies) or a negative errno.
func (x *installer) load(ctx *context, info *installInfo, path string, flags searchFlags) int {
	var f *os.File
	if flags&searchDropin == 0 {
		t := unitname.TypeOf(info.name)
		if t == unitname.TypeInvalid {
			return -int(syscall.EINVAL)
		}
		if unitname.IsValid(info.name, unitname.Template|unitname.Instance) && !t.MayTemplate() {
			x.log(LevelErr, "%s: unit type %s cannot be templated, ignoring.", path, t)
			return -int(syscall.EINVAL)
		}
		if flags&searchLoad == 0 {
			var st unix.Stat_t
			if err := unix.Lstat(path, &st); err != nil {
				return neg(err)
			}
			switch {
			case nullOrEmpty(&st):
				info.mode = modeMasked
			case st.Mode&unix.S_IFMT == unix.S_IFREG:
				info.mode = modeRegular
			case st.Mode&unix.S_IFMT == unix.S_IFLNK:
				return -int(syscall.ELOOP)
			case st.Mode&unix.S_IFMT == unix.S_IFDIR:
				return -int(syscall.EISDIR)
			default:
				return -int(syscall.ENOTTY)
			}
			return 0
		}
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NOFOLLOW, 0)
		if err != nil {
			return neg(err)
		}
		f = os.NewFile(uintptr(fd), path)
	} else {
		if flags&searchLoad == 0 {
			return 0
		}
		p, _, err := unitpath.Chase(path, x.lp.RootDir, 0)
		if err != nil {
			return neg(err)
		}
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err != nil {
			return neg(err)
		}
		f = os.NewFile(uintptr(fd), p)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return neg(err)
	}
	if nullOrEmpty(&st) {
		if flags&searchDropin == 0 {
			info.mode = modeMasked
		}
		return 0
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return -int(syscall.EISDIR)
	default:
		return -int(syscall.EBADFD)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return neg(err)
	}
	if st.Mode&0111 != 0 {
		x.log(LevelWarning, "Configuration file %s is marked executable. Please remove executable permission bits. Proceeding anyway.", path)
	}
	if st.Mode&0002 != 0 {
		x.log(LevelWarning, "Configuration file %s is marked world-writable. Please remove world writability permission bits. Proceeding anyway.", path)
	}
	file, perr := unitfile.Parse(path, data, loadSections, func(a unitfile.Assignment) ([]unitfile.Diagnostic, error) {
		return x.parseInstall(ctx, info, a)
	})
	for _, d := range file.Diagnostics {
		x.log(int(d.Level), "%s", d.String())
	}
	if perr != nil {
		return neg(perr)
	}
	if flags&searchDropin == 0 {
		info.mode = modeRegular
	}
	return len(info.aliases) + len(info.wantedBy) + len(info.requiredBy)
}

func warning(a unitfile.Assignment, format string, args ...any) unitfile.Diagnostic {
	return unitfile.Diagnostic{Location: a.Location, Level: unitfile.LevelWarning, Text: fmt.Sprintf(format, args...)}
}

// parseInstall handles one assignment of [Install] for info, as the
// directive table of install.c does. A returned error ends reading the
// file (systemd's callbacks that log with an errno do that).
func (x *installer) parseInstall(ctx *context, info *installInfo, a unitfile.Assignment) ([]unitfile.Diagnostic, error) {
	if a.Section != "Install" {
		return nil, nil
	}
	switch a.Key {
	case "Alias":
		t := unitname.TypeOf(info.name)
		if !t.MayAlias() {
			return []unitfile.Diagnostic{warning(a, "Alias= is not allowed for %s units, ignoring.", t)}, nil
		}
		return parseStrv(a, &info.aliases), nil
	case "WantedBy":
		return parseStrv(a, &info.wantedBy), nil
	case "RequiredBy":
		return parseStrv(a, &info.requiredBy), nil
	case "DefaultInstance":
		if unitname.IsValid(info.name, unitname.Instance) {
			return nil, nil
		}
		if !unitname.IsValid(info.name, unitname.Template) {
			return []unitfile.Diagnostic{warning(a, "DefaultInstance= only makes sense for template units, ignoring.")}, nil
		}
		printed, err := printName(ctx.scope, info, a.Value)
		if err != nil {
			return []unitfile.Diagnostic{warning(a, "Failed to resolve instance name in DefaultInstance=\"%s\": %s", a.Value, Strerror(errnoOf(err)))}, errnoOf(err)
		}
		if printed != "" && !unitname.InstanceIsValid(printed) {
			return []unitfile.Diagnostic{warning(a, "Invalid DefaultInstance= value \"%s\".", printed)}, syscall.EINVAL
		}
		info.defaultInstance = printed
		return nil, nil
	case "Also":
		ex := unitfile.NewExtractor(a.Value)
		for {
			word, ok, err := ex.Next(unitfile.Whitespace, 0)
			if err != nil {
				return nil, errnoOf(err)
			}
			if !ok {
				return nil, nil
			}
			printed, err := printName(ctx.scope, info, word)
			if err != nil {
				return []unitfile.Diagnostic{warning(a, "Failed to resolve unit name in Also=\"%s\": %s", word, Strerror(errnoOf(err)))}, errnoOf(err)
			}
			if _, r := x.add(ctx, printed, "", true); r < 0 {
				return nil, syscall.Errno(-r)
			}
			info.also = append(info.also, printed)
		}
	}
	return []unitfile.Diagnostic{warning(a, "Unknown key '%s' in section [%s], ignoring.", a.Key, a.Section)}, nil
}

// parseStrv is config_parse_strv: an empty value clears the list, else
// the words are appended.
func parseStrv(a unitfile.Assignment, l *[]string) []unitfile.Diagnostic {
	if a.Value == "" {
		*l = nil
		return nil
	}
	ex := unitfile.NewExtractor(a.Value)
	for {
		word, ok, err := ex.Next(unitfile.Whitespace, unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
		if err != nil {
			return []unitfile.Diagnostic{warning(a, "Invalid syntax, ignoring: %s", a.Value)}
		}
		if !ok {
			return nil
		}
		*l = append(*l, word)
	}
}

// loadOrReadlink is unit_file_load_or_readlink: a symlink is resolved and
// classified as a mask, a linked unit file or an alias.
func (x *installer) loadOrReadlink(ctx *context, info *installInfo, path string, flags searchFlags) int {
	r := x.load(ctx, info, path, flags)
	if r != -int(syscall.ELOOP) || flags&searchDropin != 0 {
		return r
	}
	target, outside, r := x.resolveSymlink(path)
	if r < 0 {
		return r
	}
	info.symlinkTarget = target
	masked, err := nullOrEmptyPathWithRoot(target, x.lp.RootDir)
	if err != nil && errnoOf(err) != syscall.ENOENT {
		return neg(err)
	}
	switch {
	case masked:
		info.mode = modeMasked
	case outside:
		info.mode = modeLinked
	default:
		info.mode = modeAlias
	}
	return 0
}

// resolveSymlink is unit_file_resolve_symlink for installation: the final
// destination of the symlink at path (root included) and whether it lies
// outside the search path (a linked unit file rather than an alias).
func (x *installer) resolveSymlink(path string) (string, bool, int) {
	target, err := os.Readlink(path)
	if err != nil {
		x.log(LevelWarning, "Failed to read symlink (null)%s: %s", path, Strerror(errnoOf(err)))
		return "", false, neg(err)
	}
	dir, ok := pathExtractDirectory(path)
	if !ok {
		return "", false, -int(syscall.EINVAL)
	}
	filename, isDir, ok := pathExtractFilename(path)
	if !ok {
		return "", false, -int(syscall.EINVAL)
	}
	if isDir {
		x.log(LevelWarning, "Unexpected path to a directory \"%s\", refusing.", path)
		return "", false, -int(syscall.EISDIR)
	}
	root := x.lp.RootDir
	if root != "" || !unitname.PathIsAbsolute(target) {
		base := dir
		if unitname.PathIsAbsolute(target) {
			base = root
		}
		target = unitname.PathJoin(base, target)
	}
	simplified, _, err := unitpath.Chase(target, root, unitpath.ChaseNoFollow|unitpath.ChaseNonexistent)
	if err != nil {
		x.log(LevelWarning, "Failed to resolve symlink %s/%s pointing to %s: %s", dir, filename, target, Strerror(errnoOf(err)))
		return "", false, neg(err)
	}
	tail, inside := unitname.PathStartsWithAny(simplified, x.lp.SearchPath)
	if !inside {
		return simplified, true, 0
	}
	if r := x.validateAliasSymlink(LevelNotice, filename, simplified); r < 0 {
		return "", false, r
	}
	if isPath(tail) {
		x.log(LevelWarning, "Suspicious symlink %s/%s %s %s, treating as alias.", dir, filename, x.arrow, simplified)
	}
	return simplified, false, 0
}

// validateAliasSymlink is unit_validate_alias_symlink_or_warn, logging
// at level: whether filename may be an alias of target. EINVAL: bad
// source; EXDEV: target does not match; ELOOP: alias to itself.
func (x *installer) validateAliasSymlink(level int, filename, target string) int {
	err := unitpath.ValidateAlias(filename, target)
	if err == nil {
		return 0
	}
	var ae *unitpath.AliasError
	if errors.As(err, &ae) && ae.Errno == syscall.ELOOP {
		level = LevelDebug
	}
	x.log(level, "%s", err)
	return neg(err)
}

// search is unit_file_search: finds info's unit file in the search path
// (falling back to the template of an instance) and its drop-ins.
func (x *installer) search(ctx *context, info *installInfo, flags searchFlags) int {
	if info.mode != modeInvalid {
		return 0
	}
	if info.path != "" {
		return x.loadOrReadlink(ctx, info, info.path, flags)
	}
	template := ""
	if unitname.IsValid(info.name, unitname.Instance) {
		t, err := unitname.TemplateOf(info.name)
		if err != nil {
			return neg(err)
		}
		template = t
	}
	found := false
	result := 0
	try := func(name string) int {
		for _, d := range x.lp.SearchPath {
			path := unitname.PathJoin(d, name)
			r := x.loadOrReadlink(ctx, info, path, flags)
			if r >= 0 {
				info.path = path
				result = r
				found = true
				return 0
			}
			if r != -int(syscall.ENOENT) && r != -int(syscall.ENOTDIR) && r != -int(syscall.EACCES) {
				return r
			}
		}
		return 0
	}
	if r := try(info.name); r < 0 {
		return r
	}
	if !found && template != "" {
		if r := try(template); r < 0 {
			return r
		}
	}
	if !found {
		return -int(syscall.ENOENT)
	}
	if info.mode == modeMasked {
		return result
	}
	var dirs []string
	for _, d := range x.lp.SearchPath {
		dirs = append(dirs, unitname.PathJoin(d, info.name+".d"))
	}
	if template != "" {
		for _, d := range x.lp.SearchPath {
			dirs = append(dirs, unitname.PathJoin(d, template+".d"))
		}
	}
	files, problems := unitfile.FindDropins(dirs, ".conf")
	for _, d := range problems {
		x.log(int(d.Level), "%s", d.Text)
	}
	for _, p := range files {
		if r := x.loadOrReadlink(ctx, info, p, flags|searchDropin); r < 0 {
			return r
		}
	}
	return result
}

// printName is install_name_printf: s with the [Install] specifiers of
// info's unit file expanded, os-release and the machine ID read from
// its root.
func printName(scope Scope, info *installInfo, s string) (string, error) {
	in := specifier.Install{Name: info.name, DefaultInstance: info.defaultInstance, Scope: scope, Host: specifier.System{Root: info.root}}
	return in.Printf(s)
}

// follow is install_info_follow: continues with the target of an alias or
// linked unit file. EXDEV when an alias's target has another name.
func (x *installer) follow(ctx *context, info *installInfo, flags searchFlags, ignoreDifferentName bool) int {
	if info.mode != modeAlias && info.mode != modeLinked {
		return -int(syscall.EINVAL)
	}
	if info.symlinkTarget == "" {
		return -int(syscall.EINVAL)
	}
	if !ignoreDifferentName && baseName(info.symlinkTarget) != info.name {
		return -int(syscall.EXDEV)
	}
	info.path, info.symlinkTarget = info.symlinkTarget, ""
	info.mode = modeInvalid
	return x.loadOrReadlink(ctx, info, info.path, flags)
}

// traverse is install_info_traverse: searches start's unit file and
// follows aliases and links, propagating an instance, to the unit file
// that finally carries the name.
func (x *installer) traverse(ctx *context, start *installInfo, flags searchFlags) (*installInfo, int) {
	if r := x.search(ctx, start, flags); r < 0 {
		return nil, r
	}
	i := start
	k := 0
	for i.mode == modeAlias || i.mode == modeLinked {
		k++
		if k > followSymlinkMax {
			return nil, -int(syscall.ELOOP)
		}
		if flags&searchFollowConfigSymlinks == 0 && x.lp.isConfig(i.path, true) {
			return nil, -int(syscall.ELOOP)
		}
		r := x.follow(ctx, i, flags, i.mode == modeLinked)
		if r == -int(syscall.EXDEV) && i.symlinkTarget != "" {
			bn := baseName(i.symlinkTarget)
			if unitname.IsValid(i.name, unitname.Instance) && unitname.IsValid(bn, unitname.Template) {
				inst, _, err := unitname.InstanceOf(i.name)
				if err != nil {
					return nil, neg(err)
				}
				buffer, err := unitname.ReplaceInstance(bn, inst)
				if err != nil {
					return nil, neg(err)
				}
				if buffer == i.name {
					if r := x.follow(ctx, i, flags, true); r < 0 {
						return nil, r
					}
					continue
				}
				bn = buffer
			}
			var ar int
			i, ar = x.add(ctx, bn, "", false)
			if ar < 0 {
				return nil, ar
			}
			r = x.search(ctx, i, flags)
			if r == -int(syscall.ENOENT) {
				return nil, -int(syscall.ENOLINK)
			}
		}
		if r < 0 {
			return nil, r
		}
	}
	return i, 0
}

// discover is install_info_discover: adds and traverses one argument,
// recording a failure as a change.
func (x *installer) discover(ctx *context, nameOrPath string, flags searchFlags, record bool) (*installInfo, int) {
	info, r := x.addAuto(ctx, nameOrPath)
	if r >= 0 {
		info, r = x.traverse(ctx, info, flags)
	}
	if r < 0 && record {
		x.ch.add(r, nameOrPath, "")
	}
	return info, r
}

// mayProcess is install_info_may_process: masked, generated and
// transient units are not enabled or disabled.
func (x *installer) mayProcess(i *installInfo) int {
	if i.mode == modeMasked {
		return x.ch.add(-int(syscall.ERFKILL), i.path, "")
	}
	if x.lp.isGenerator(i.path) || x.lp.isTransient(i.path) {
		return x.ch.add(-int(syscall.EADDRNOTAVAIL), i.path, "")
	}
	return 0
}

func (x *installer) discoverAndCheck(ctx *context, nameOrPath string, flags searchFlags) (*installInfo, int) {
	i, r := x.discover(ctx, nameOrPath, flags, true)
	if r < 0 {
		return nil, r
	}
	return i, x.mayProcess(i)
}
