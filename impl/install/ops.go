package install

import (
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Options select the unit files an operation works on and how.
type Options struct {
	Scope Scope
	// Root is the directory to operate in ("" for the host).
	Root string
	// Runtime puts symlinks in the runtime directory (/run) instead of
	// the persistent one (/etc).
	Runtime bool
	// Force replaces conflicting symlinks.
	Force bool
	// Portable puts the symlinks in the attached directories
	// (system.attached) that portable services use (UNIT_FILE_PORTABLE);
	// systemd honours it for Enable, Disable and Reenable only.
	Portable bool
	// DryRun makes Disable only report what it would remove.
	DryRun bool
	// Log receives the messages systemd would log; may be nil.
	Log func(Message)
	// Arrow is the right-arrow glyph messages use ("→" or "->").
	Arrow string
}

func newInstaller(o Options) (*installer, error) {
	lp, err := NewPaths(o.Scope, o.Root)
	if err != nil {
		return nil, err
	}
	arrow := o.Arrow
	if arrow == "" {
		arrow = "->"
	}
	return &installer{lp: lp, scope: o.Scope, logf: o.Log, arrow: arrow}, nil
}

// run sets up an installer and its configuration directory and calls f;
// it returns f's result, the changes and f's error.
func run(o Options, f func(x *installer, configPath string) int) (int, []Change, error) {
	x, err := newInstaller(o)
	if err != nil {
		return 0, nil, err
	}
	configPath := x.lp.configPath(o.Runtime, o.Portable)
	if configPath == "" {
		return 0, nil, syscall.ENXIO
	}
	r := f(x, configPath)
	return r, x.ch.list, errOf(r)
}

// verifyAlias is unit_file_verify_alias: whether dst is a valid Alias= of
// info, either a name or a legacy "x.wants/name". It returns dst with the
// instance of info filled in when that applies ("" if unchanged), and
// ELOOP for an alias to itself.
func (x *installer) verifyAlias(info *installInfo, dst string) (string, int) {
	if slash := strings.LastIndexByte(dst, '/'); slash >= 0 {
		pathAlias := dst[slash+1:]
		dir, ok := pathExtractDirectory(dst)
		if !ok {
			x.log(LevelErr, "Failed to extract parent directory from '%s': %s", dst, Strerror(syscall.EINVAL))
			return "", -int(syscall.EINVAL)
		}
		var unit string
		if u, ok := strings.CutSuffix(dir, ".wants"); ok {
			unit = u
		} else if u, ok := strings.CutSuffix(dir, ".requires"); ok {
			unit = u
		} else {
			x.ch.add(-int(syscall.EXDEV), dst, "")
			return "", -int(syscall.EXDEV)
		}
		kind := unitname.Classify(unit)
		if kind == 0 {
			x.ch.add(-int(syscall.EXDEV), dst, "")
			return "", -int(syscall.EXDEV)
		}
		if !unitpath.NamesCompatible(pathAlias, info.name, kind == unitname.Template) {
			x.ch.add(-int(syscall.EXDEV), dst, info.name)
			return "", -int(syscall.EXDEV)
		}
		return "", 0
	}
	updated := ""
	if unitname.IsValid(dst, unitname.Template) {
		inst, kind, err := unitname.InstanceOf(info.name)
		if err != nil {
			x.ch.add(-int(syscall.EUCLEAN), info.name, "")
			return "", -int(syscall.EINVAL)
		}
		if kind == unitname.Instance {
			u, err := unitname.ReplaceInstance(dst, inst)
			if err != nil {
				x.log(LevelErr, "Failed to build unit name from %s+%s: %s", dst, inst, Strerror(errnoOf(err)))
				return "", neg(err)
			}
			updated = u
		}
	}
	eff := dst
	if updated != "" {
		eff = updated
	}
	r := x.validateAliasSymlink(LevelDebug, eff, info.name)
	if r == -int(syscall.ELOOP) {
		return "", r
	}
	if r < 0 {
		if r == -int(syscall.EINVAL) {
			r = -int(syscall.EXDEV)
		}
		return "", x.ch.add(r, eff, info.name)
	}
	return updated, 0
}

func (x *installer) symlinkAlias(info *installInfo, configPath string, force bool) int {
	r := 0
	for _, s := range info.aliases {
		dst, err := printName(x.scope, info, s)
		if err != nil {
			q := x.ch.add(neg(err), s, "")
			if r >= 0 {
				r = q
			}
			continue
		}
		updated, q := x.verifyAlias(info, dst)
		if q == -int(syscall.ELOOP) {
			continue
		}
		if q < 0 {
			if r >= 0 {
				r = q
			}
			continue
		}
		if updated != "" {
			dst = updated
		}
		q = x.createSymlink(info.path, pathMakeAbsolute(dst, configPath), force)
		if r >= 0 {
			r = q
		}
	}
	return r
}

func (x *installer) symlinkWants(info *installInfo, configPath string, list []string, suffix string, ignoreAuxFailure bool) int {
	if len(list) == 0 {
		return 0
	}
	validDst := unitname.Any
	var n string
	switch {
	case unitname.IsValid(info.name, unitname.Plain|unitname.Instance):
		n = info.name
	case info.defaultInstance != "":
		name, err := unitname.ReplaceInstance(info.name, info.defaultInstance)
		if err != nil {
			return neg(err)
		}
		instance := &installInfo{name: name, mode: modeInvalid}
		if r := x.search(nil, instance, searchFollowConfigSymlinks); r < 0 {
			return r
		}
		if instance.mode == modeMasked {
			return x.ch.add(-int(syscall.ERFKILL), instance.path, "")
		}
		n = instance.name
	default:
		validDst = unitname.Instance | unitname.Template
		n = info.name
	}
	r := 0
	for _, s := range list {
		dst, err := printName(x.scope, info, s)
		if err != nil {
			q := x.ch.add(neg(err), s, "")
			if r >= 0 {
				r = q
			}
			continue
		}
		if !unitname.IsValid(dst, validDst) {
			if ignoreAuxFailure {
				continue
			}
			var q int
			if unitname.IsValid(dst, unitname.Any) {
				q = x.ch.add(-int(syscall.EIDRM), dst, n)
			} else {
				q = x.ch.add(-int(syscall.EUCLEAN), dst, "")
			}
			if r >= 0 {
				r = q
			}
			continue
		}
		path := configPath + "/" + dst + suffix + n
		q := x.createSymlink(info.path, path, true)
		if (q < 0 && r >= 0) || r == 0 {
			r = q
		}
		if x.exists(dst) == 0 {
			x.ch.addType(ChangeDestinationNotPresent, dst, info.path)
		}
	}
	return r
}

func (x *installer) symlinkLink(info *installInfo, configPath string, force bool) int {
	if x.lp.inSearchPath(info.path) {
		return 0
	}
	return x.createSymlink(info.path, unitname.PathJoin(configPath, info.name), force)
}

type fileFlags struct {
	force, ignoreAuxFailure bool
}

// apply is install_info_apply: creates info's own link, aliases and
// dependency symlinks.
func (x *installer) apply(info *installInfo, configPath string, ff fileFlags) int {
	if info.mode != modeRegular {
		return 0
	}
	if r := x.symlinkLink(info, configPath, ff.force); r < 0 {
		return r
	}
	r := x.symlinkAlias(info, configPath, ff.force)
	if q := x.symlinkWants(info, configPath, info.wantedBy, ".wants/", ff.ignoreAuxFailure); r == 0 {
		r = q
	}
	if q := x.symlinkWants(info, configPath, info.requiredBy, ".requires/", ff.ignoreAuxFailure); r == 0 {
		r = q
	}
	return r
}

// contextApply is install_context_apply: applies every name of ctx in
// turn and returns how many installation rules there were.
func (x *installer) contextApply(ctx *context, configPath string, ff fileFlags, flags searchFlags) int {
	r := 0
	for {
		i := ctx.will.first()
		if i == nil {
			return r
		}
		ctx.will.remove(i)
		ctx.processed.put(i)
		if _, q := x.traverse(ctx, i, flags); q < 0 {
			if i.auxiliary {
				x.ch.addType(ChangeAuxiliaryFailed, i.name, "")
				continue
			}
			return x.ch.add(q, i.name, "")
		}
		if i.mode == modeMasked {
			x.ch.addType(ChangeIsMasked, i.path, "")
			if r >= 0 {
				r++
			}
			continue
		}
		if i.mode != modeRegular {
			continue
		}
		q := x.apply(i, configPath, ff)
		if r >= 0 {
			if q < 0 {
				r = q
			} else {
				r += q
			}
		}
	}
}

// markForRemoval is install_context_mark_for_removal.
func (x *installer) markForRemoval(ctx *context, set removalSet) int {
	for {
		i := ctx.will.first()
		if i == nil {
			return 0
		}
		ctx.will.remove(i)
		ctx.processed.put(i)
		_, r := x.traverse(ctx, i, searchLoad|searchFollowConfigSymlinks)
		pathOrName := i.path
		if pathOrName == "" {
			pathOrName = i.name
		}
		switch {
		case r == -int(syscall.ENOLINK):
			x.ch.addType(ChangeIsDangling, pathOrName, "")
		case r == -int(syscall.ENOENT):
			if !i.auxiliary {
				x.ch.add(r, pathOrName, "")
			}
		case r < 0:
			x.ch.add(r, pathOrName, "")
		case i.mode == modeMasked:
			x.ch.addType(ChangeIsMasked, pathOrName, "")
			continue
		case i.mode != modeRegular:
			continue
		}
		set.mark(i.name)
	}
}

// Enable is unit_file_enable: creates the symlinks the [Install] sections
// of names (unit names or absolute paths of unit files) ask for. The
// count is the number of installation rules found: 0 means the units
// have none.
func Enable(o Options, namesOrPaths []string) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		return x.enable(namesOrPaths, configPath, fileFlags{force: o.Force})
	})
}

func (x *installer) enable(namesOrPaths []string, configPath string, ff fileFlags) int {
	ctx := &context{scope: x.scope}
	for _, n := range namesOrPaths {
		if _, r := x.discoverAndCheck(ctx, n, searchLoad|searchFollowConfigSymlinks); r < 0 {
			return r
		}
	}
	return x.contextApply(ctx, configPath, ff, searchLoad)
}

// Disable is unit_file_disable: removes every symlink to names.
func Disable(o Options, names []string) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		return x.disable(names, configPath, o.DryRun)
	})
}

func (x *installer) disable(names []string, configPath string, dryRun bool) int {
	ctx := &context{scope: x.scope}
	for _, n := range names {
		if !unitname.IsValid(n, unitname.Any) {
			return x.ch.add(-int(syscall.EUCLEAN), n, "")
		}
		if _, r := x.add(ctx, n, "", false); r < 0 {
			return r
		}
	}
	set := removalSet{}
	if r := x.markForRemoval(ctx, set); r < 0 {
		return r
	}
	return x.removeMarked(set, configPath, dryRun)
}

// Reenable is unit_file_reenable: Disable by name, then Enable by the
// file found for each name.
func Reenable(o Options, namesOrPaths []string) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		var names, files []string
		for _, a := range namesOrPaths {
			n, isDir, ok := pathExtractFilename(a)
			if !ok {
				return -int(syscall.EINVAL)
			}
			if isDir {
				return -int(syscall.EISDIR)
			}
			var i *installInfo
			if !isPath(a) {
				if info, r := x.discover(&context{scope: x.scope}, n, searchLoad|searchFollowConfigSymlinks, false); r >= 0 {
					i = info
				}
			}
			names = append(names, n)
			f := a
			if i != nil && i.path != "" && i.root != "" && strings.HasPrefix(i.path, i.root) {
				f = i.path[len(i.root):]
			}
			files = append(files, f)
		}
		if r := x.disable(names, configPath, false); r < 0 {
			return r
		}
		return x.enable(files, configPath, fileFlags{force: o.Force})
	})
}

// Mask is unit_file_mask: links names to /dev/null.
func Mask(o Options, names []string) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		r := 0
		for _, n := range names {
			if !unitname.IsValid(n, unitname.Any) {
				if r == 0 {
					r = -int(syscall.EINVAL)
				}
				continue
			}
			if q := x.createSymlink("/dev/null", pathMakeAbsolute(n, configPath), o.Force); q < 0 && r >= 0 {
				r = q
			}
		}
		return r
	})
}

// Unmask is unit_file_unmask: removes masks of names from the
// configuration directory, and symlinks to them.
func Unmask(o Options, names []string) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		var todo []string
		for _, n := range names {
			if !unitname.IsValid(n, unitname.Any) {
				return -int(syscall.EINVAL)
			}
			if x.lp.RootDir == "" {
				info := &installInfo{name: n, mode: modeInvalid}
				if r := x.search(nil, info, 0); r >= 0 && info.mode == modeMasked && x.lp.isGenerator(info.path) {
					x.ch.addType(ChangeIsMaskedGenerator, info.name, info.path)
				}
			}
			masked, err := nullOrEmptyPath(pathMakeAbsolute(n, configPath))
			if errnoOf(err) == syscall.ENOENT && err != nil {
				continue
			}
			if err != nil {
				return neg(err)
			}
			if masked && !contains(todo, n) {
				todo = append(todo, n)
			}
		}
		set := removalSet{}
		r := 0
		for _, n := range todo {
			path := pathMakeAbsolute(n, configPath)
			if !o.DryRun {
				if err := unix.Unlink(path); err != nil {
					if err != unix.ENOENT {
						if r >= 0 {
							r = neg(err)
						}
						x.ch.add(neg(err), path, "")
					}
					continue
				}
			}
			x.ch.addType(ChangeUnlink, path, "")
			rp, ok := skipRoot(x.lp.RootDir, path)
			if !ok {
				rp = path
			}
			set.mark(rp)
		}
		if q := x.removeMarked(set, configPath, o.DryRun); r >= 0 {
			r = q
		}
		return r
	})
}

// Link is unit_file_link: makes unit files outside the search path
// available by linking them into the configuration directory.
func Link(o Options, files []string) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		var todo []string
		for _, f := range files {
			if !unitname.PathIsAbsolute(f) {
				return x.ch.add(-int(syscall.EINVAL), f, "")
			}
			fn := baseName(f)
			if !unitname.IsValid(fn, unitname.Any) {
				return x.ch.add(-int(syscall.EUCLEAN), f, "")
			}
			var st unix.Stat_t
			if err := unix.Lstat(unitname.PathJoin(x.lp.RootDir, f), &st); err != nil {
				return x.ch.add(neg(err), f, "")
			}
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFREG:
			case unix.S_IFDIR:
				return x.ch.add(-int(syscall.EISDIR), f, "")
			default:
				return x.ch.add(-int(syscall.EBADFD), f, "")
			}
			if x.lp.inSearchPath(f) {
				continue
			}
			if x.lp.underneathSearchPath(f) {
				return x.ch.add(-int(syscall.ETXTBSY), f, "")
			}
			if !contains(todo, f) {
				todo = append(todo, f)
			}
		}
		r := 0
		for _, f := range todo {
			if q := x.createSymlink(f, pathMakeAbsolute(baseName(f), configPath), o.Force); q < 0 && r >= 0 {
				r = q
			}
		}
		return r
	})
}

// shallRevert is path_shall_revert: drop-ins there are removed by Revert.
func (p *Paths) shallRevert(path string) bool {
	return p.isConfig(path, true) || p.isControl(path) || p.isTransient(path)
}

// Revert is unit_file_revert: removes the local configuration of names:
// drop-ins in the configuration, control and transient directories and,
// when a vendor unit file exists, overriding unit files in the
// configuration directories.
func Revert(o Options, names []string) (int, []Change, error) {
	x, err := newInstaller(o)
	if err != nil {
		return 0, nil, err
	}
	r := x.revert(names)
	return r, x.ch.list, errOf(r)
}

func (x *installer) revert(names []string) int {
	var todo []string
	push := func(p string) {
		todo = append(todo, p)
	}
	for _, n := range names {
		if !unitname.IsValid(n, unitname.Any) {
			return -int(syscall.EINVAL)
		}
		hasVendor := false
		for _, d := range x.lp.SearchPath {
			path := pathMakeAbsolute(n, d)
			var st unix.Stat_t
			if err := unix.Lstat(path, &st); err != nil {
				if err != unix.ENOENT {
					return x.ch.add(neg(err), path, "")
				}
			} else if st.Mode&unix.S_IFMT == unix.S_IFREG && x.lp.isVendorOrGenerator(path) {
				hasVendor = true
			}
			dropin := path + ".d"
			if err := unix.Lstat(dropin, &st); err != nil {
				if err != unix.ENOENT {
					return x.ch.add(neg(err), dropin, "")
				}
			} else if st.Mode&unix.S_IFMT == unix.S_IFDIR && x.lp.shallRevert(dropin) {
				push(dropin)
			}
		}
		if !hasVendor {
			continue
		}
		for _, d := range x.lp.SearchPath {
			path := pathMakeAbsolute(n, d)
			var st unix.Stat_t
			if err := unix.Lstat(path, &st); err != nil {
				if err != unix.ENOENT {
					return x.ch.add(neg(err), path, "")
				}
			} else if t := st.Mode & unix.S_IFMT; (t == unix.S_IFREG || t == unix.S_IFLNK) && x.lp.isConfig(path, true) {
				push(path)
			}
		}
	}
	todo = uniq(todo)
	set := removalSet{}
	r := 0
	for _, p := range todo {
		var files []string
		if entries, err := readDirAll(p); err == nil {
			for _, e := range entries {
				if (e.isRegular() || e.isSymlink()) && !unitname.HiddenOrBackup(e.name) {
					files = append(files, e.name)
				}
			}
		}
		if err := os.RemoveAll(p); err != nil && errnoOf(err) != syscall.ENOENT && r >= 0 {
			r = neg(err)
			continue
		}
		for _, f := range files {
			x.ch.addType(ChangeUnlink, unitname.PathJoin(p, f), "")
		}
		x.ch.addType(ChangeUnlink, p, "")
		rp, ok := skipRoot(x.lp.RootDir, p)
		if !ok {
			rp = p
		}
		set.mark(rp)
	}
	if x.lp.RuntimeConfig != "" {
		if q := x.removeMarked(set, x.lp.RuntimeConfig, false); r >= 0 {
			r = q
		}
	}
	if q := x.removeMarked(set, x.lp.PersistentConfig, false); r >= 0 {
		r = q
	}
	return r
}

// readDirAll lists a directory in file system order, hidden files
// included.
func readDirAll(path string) ([]dirEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	out := make([]dirEntry, 0, len(des))
	for _, de := range des {
		out = append(out, dirEntry{de.Name(), de.Type()})
	}
	return out, err
}

// SetDefault is unit_file_set_default: points default.target at name.
func SetDefault(o Options, name string) (int, []Change, error) {
	if unitname.TypeOf(name) != unitname.Target || name == "default.target" {
		return 0, nil, syscall.EINVAL
	}
	x, err := newInstaller(o)
	if err != nil {
		return 0, nil, err
	}
	ctx := &context{scope: x.scope}
	info, r := x.discoverAndCheck(ctx, name, 0)
	if r < 0 {
		return r, x.ch.list, errOf(r)
	}
	r = x.createSymlink(info.path, x.lp.PersistentConfig+"/default.target", o.Force)
	return r, x.ch.list, errOf(r)
}

// GetDefault is unit_file_get_default: the unit default.target resolves
// to.
func GetDefault(o Options) (string, error) {
	x, err := newInstaller(o)
	if err != nil {
		return "", err
	}
	info, r := x.discover(&context{scope: x.scope}, "default.target", searchFollowConfigSymlinks, false)
	if r < 0 {
		return "", errOf(r)
	}
	return info.name, nil
}

// Dependency is the kind of dependency AddDependency adds.
type Dependency int

// Wants= and Requires=.
const (
	Wants Dependency = iota
	Requires
)

// AddDependency is unit_file_add_dependency: makes target want or
// require names through .wants/ or .requires/ symlinks.
func AddDependency(o Options, names []string, target string, dep Dependency) (int, []Change, error) {
	if !unitname.IsValid(target, unitname.Any) {
		ch := changes{}
		r := ch.add(-int(syscall.EUCLEAN), target, "")
		return r, ch.list, errOf(r)
	}
	return run(o, func(x *installer, configPath string) int {
		ctx := &context{scope: x.scope}
		targetInfo, r := x.discoverAndCheck(ctx, target, searchFollowConfigSymlinks)
		if r < 0 {
			return r
		}
		for _, n := range names {
			info, r := x.discoverAndCheck(ctx, n, searchFollowConfigSymlinks)
			if r < 0 {
				return r
			}
			if dep == Wants {
				info.wantedBy = []string{targetInfo.name}
			} else {
				info.requiredBy = []string{targetInfo.name}
			}
		}
		return x.contextApply(ctx, configPath, fileFlags{force: o.Force}, searchFollowConfigSymlinks)
	})
}
