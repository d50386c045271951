package install

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// symlinksEquivalent is chroot_unit_symlinks_equivalent: whether two
// symlink targets, as found in or meant for the symlink src, name the
// same unit: the same file, or the same name within the search path.
func (x *installer) symlinksEquivalent(src, a, b string) bool {
	root := x.lp.RootDir
	if root == "" {
		root = "/"
	}
	dir := ""
	if !unitname.PathIsAbsolute(a) || !unitname.PathIsAbsolute(b) {
		var ok bool
		if dir, ok = pathExtractDirectory(src); !ok {
			return true
		}
	}
	base := func(t string) string {
		if unitname.PathIsAbsolute(t) {
			return root
		}
		return dir
	}
	pa, pb := unitname.PathJoin(base(a), a), unitname.PathJoin(base(b), b)
	if unitname.PathEqual(pa, pb) || filesSame(pa, pb) {
		return true
	}
	na, _, oka := pathExtractFilename(pa)
	nb, _, okb := pathExtractFilename(pb)
	if !oka || !okb {
		return true
	}
	_, ina := unitname.PathStartsWithAny(pa, x.lp.SearchPath)
	_, inb := unitname.PathStartsWithAny(pb, x.lp.SearchPath)
	return na == nb && ina && inb
}

func filesSame(a, b string) bool {
	var sa, sb unix.Stat_t
	if unix.Stat(a, &sa) != nil || unix.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// createSymlink is create_symlink: makes newPath point to oldPath (with
// the root stripped), accepting an equivalent existing symlink and
// replacing a different one only with force. It returns 1 on success.
func (x *installer) createSymlink(oldPath, newPath string, force bool) int {
	if rp, ok := skipRoot(x.lp.RootDir, oldPath); ok {
		oldPath = rp
	}
	if dir, ok := pathExtractDirectory(newPath); ok {
		_ = os.MkdirAll(dir, 0o755)
	}
	err := unix.Symlink(oldPath, newPath)
	if err == nil {
		x.ch.addType(ChangeSymlink, newPath, oldPath)
		return 1
	}
	if err != unix.EEXIST {
		return x.ch.add(neg(err), newPath, "")
	}
	dest, err := os.Readlink(newPath)
	if err != nil {
		r := neg(err)
		if r == -int(syscall.EINVAL) {
			r = -int(syscall.EEXIST)
		}
		return x.ch.add(r, newPath, "")
	}
	if x.symlinksEquivalent(newPath, dest, oldPath) {
		return 1
	}
	if !force {
		return x.ch.add(-int(syscall.EEXIST), newPath, dest)
	}
	if err := symlinkAtomic(oldPath, newPath); err != nil {
		return x.ch.add(neg(err), newPath, "")
	}
	x.ch.addType(ChangeUnlink, newPath, "")
	x.ch.addType(ChangeSymlink, newPath, oldPath)
	return 1
}

// symlinkAtomic replaces newPath by a symlink to oldPath in one rename.
func symlinkAtomic(oldPath, newPath string) error {
	tmp := filepath.Join(filepath.Dir(newPath), "."+filepath.Base(newPath)+".tmp"+randomSuffix())
	if err := unix.Symlink(oldPath, tmp); err != nil {
		return err
	}
	if err := unix.Rename(tmp, newPath); err != nil {
		unix.Unlink(tmp)
		return err
	}
	return nil
}

func randomSuffix() string {
	var b [8]byte
	f, err := os.Open("/dev/urandom")
	if err == nil {
		f.Read(b[:])
		f.Close()
	}
	const hexd = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(hexd[c>>4])
		s.WriteByte(hexd[c&15])
	}
	return s.String()
}

// removalSet is the set of names and (root-less) paths whose symlinks are
// to be removed.
type removalSet map[string]bool

// mark is mark_symlink_for_removal; it reports whether p was new.
func (s removalSet) mark(p string) bool {
	p = unitname.PathSimplify(p)
	if s[p] {
		return false
	}
	s[p] = true
	return true
}

func (s removalSet) has(p string) bool { return s[unitname.PathSimplify(p)] }

// removeMarkedIn is remove_marked_symlinks_fd for one directory (and,
// recursively, its subdirectories).
func (x *installer) removeMarkedIn(set removalSet, path, configPath string, dryRun bool, restart *bool) int {
	entries, err := readDir(path)
	if err != nil && entries == nil {
		return neg(err)
	}
	r := 0
	for _, de := range entries {
		switch {
		case de.isDir():
			p := pathMakeAbsolute(de.name, path)
			var st unix.Stat_t
			if err := unix.Lstat(p, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
				if err == unix.ENOENT {
					continue
				}
				if r == 0 {
					if err != nil {
						r = neg(err)
					} else {
						r = -int(syscall.ENOTDIR)
					}
				}
				continue
			}
			if q := x.removeMarkedIn(set, p, configPath, dryRun, restart); q < 0 && r == 0 {
				r = q
			}
		case de.isSymlink():
			if !unitname.IsValid(de.name, unitname.Any) {
				continue
			}
			p := unitname.PathSimplify(pathMakeAbsolute(de.name, path))
			found := set.has(de.name)
			if !found {
				if t, err := unitname.TemplateOf(de.name); err == nil {
					found = set.has(t)
				}
			}
			if !found {
				dest, _, err := unitpath.Chase(p, x.lp.RootDir, unitpath.ChaseNonexistent)
				if errnoOf(err) == syscall.ENOENT {
					continue
				}
				if err != nil {
					x.ch.add(neg(err), p, "")
					if r == 0 {
						r = neg(err)
					}
					continue
				}
				found = set.has(dest) || set.has(baseName(dest))
			}
			if !found {
				continue
			}
			if !dryRun {
				if err := unix.Unlink(p); err != nil && err != unix.ENOENT {
					if r == 0 {
						r = neg(err)
					}
					x.ch.add(neg(err), p, "")
					continue
				}
				rmdirParents(p, configPath)
			}
			x.ch.addType(ChangeUnlink, p, "")
			rp, ok := skipRoot(x.lp.RootDir, p)
			if !ok {
				rp = p
			}
			if set.mark(rp) && !dryRun {
				*restart = true
			}
		}
	}
	return r
}

// removeMarked is remove_marked_symlinks: removes, in configPath, every
// symlink to a marked name or path, repeating while removals mark more.
func (x *installer) removeMarked(set removalSet, configPath string, dryRun bool) int {
	if len(set) == 0 {
		return 0
	}
	st, err := os.Stat(configPath)
	if err != nil {
		if errnoOf(err) == syscall.ENOENT {
			return 0
		}
		return neg(err)
	}
	if !st.IsDir() {
		return -int(syscall.ENOTDIR)
	}
	r := 0
	for {
		restart := false
		q := x.removeMarkedIn(set, configPath, configPath, dryRun, &restart)
		if r == 0 {
			r = q
		}
		if !restart {
			return r
		}
	}
}

// isSymlinkWithKnownName is whether a symlink named name is one enabling
// info would create: its own name, an alias, or its default instance.
func isSymlinkWithKnownName(i *installInfo, name string) bool {
	if name == i.name || contains(i.aliases, name) {
		return true
	}
	if i.defaultInstance != "" && unitname.IsValid(i.name, unitname.Template) {
		if s, err := unitname.ReplaceInstance(i.name, i.defaultInstance); err == nil && s == name {
			return true
		}
	}
	return false
}

// findSymlinksIn is find_symlinks_in_directory.
func findSymlinksIn(entries []dirEntry, dirPath string, info *installInfo, ignoreDestination, matchName, ignoreSameName bool,
	configPath string, sameNameLink *bool) int {
	r := 0
	for _, de := range entries {
		if !de.isSymlink() {
			continue
		}
		foundPath, foundDest := false, false
		if !ignoreDestination {
			dest, err := os.Readlink(unitname.PathJoin(dirPath, de.name))
			if errnoOf(err) == syscall.ENOENT {
				continue
			}
			if err != nil {
				if r == 0 {
					r = neg(err)
				}
				continue
			}
			if !unitname.PathIsAbsolute(dest) {
				dest = unitname.PathJoin(dirPath, dest)
			}
			foundDest = baseName(dest) == info.name
		}
		if ignoreDestination || !ignoreSameName {
			foundPath = de.name == info.name
		}
		if !foundPath && ignoreDestination {
			if t, err := unitname.TemplateOf(de.name); err == nil {
				foundDest = t == info.name
			}
		}
		same := false
		if foundPath && foundDest {
			same = unitname.PathEqual(pathMakeAbsolute(de.name, dirPath), pathMakeAbsolute(info.name, configPath))
		}
		if same {
			*sameNameLink = true
		} else if foundPath || foundDest {
			if !matchName || isSymlinkWithKnownName(info, de.name) {
				return 1
			}
		}
	}
	return r
}

// findSymlinks is find_symlinks: looks in configPath's .wants/ and
// .requires/ directories, then in configPath itself, for symlinks to info.
func (x *installer) findSymlinks(info *installInfo, matchName, ignoreSameName bool, configPath string, sameNameLink *bool) int {
	entries, err := readDir(configPath)
	if err != nil {
		switch errnoOf(err) {
		case syscall.ENOENT, syscall.ENOTDIR, syscall.EACCES:
			return 0
		}
		return neg(err)
	}
	for _, de := range entries {
		if !de.isDir() {
			continue
		}
		dot := strings.LastIndexByte(de.name, '.')
		if dot < 0 || (de.name[dot:] != ".wants" && de.name[dot:] != ".requires") {
			continue
		}
		path := unitname.PathJoin(configPath, de.name)
		sub, err := readDir(path)
		if err != nil {
			x.log(LevelErr, "Failed to open directory \"%s\" while scanning for symlinks, ignoring: %s", path, Strerror(errnoOf(err)))
			continue
		}
		if findSymlinksIn(sub, path, info, true, matchName, ignoreSameName, configPath, sameNameLink) > 0 {
			return 1
		}
	}
	return findSymlinksIn(entries, configPath, info, false, matchName, ignoreSameName, configPath, sameNameLink)
}

// findSymlinksInScope is find_symlinks_in_scope: where, if anywhere, info
// is enabled. It returns 1 with the state found, 0 if none applies.
func (x *installer) findSymlinksInScope(info *installInfo, matchName bool) (State, int) {
	sameNameRuntime, sameNameConfig := false, false
	enabledInRuntime, enabledAtAll := false, false
	ignoreSameName := false
	for _, p := range x.lp.SearchPath {
		sameNameLink := false
		r := x.findSymlinks(info, matchName, ignoreSameName, p, &sameNameLink)
		if r < 0 {
			return 0, r
		}
		if r > 0 {
			if pathEqualSet(p, x.lp.PersistentConfig) {
				return StateEnabled, 1
			}
			if x.scope == ScopeUser && isUserConfigDir(p) {
				return StateEnabled, 1
			}
			if x.lp.isRuntime(p, false) {
				enabledInRuntime = true
			} else {
				enabledAtAll = true
			}
		} else if sameNameLink {
			if pathEqualSet(p, x.lp.PersistentConfig) {
				sameNameConfig = true
			} else if x.lp.isRuntime(p, false) {
				sameNameRuntime = true
			}
		}
		if !ignoreSameName {
			if _, ok := unitname.PathStartsWith(info.path, p); ok {
				ignoreSameName = true
			}
		}
	}
	switch {
	case enabledInRuntime:
		return StateEnabledRuntime, 1
	case enabledAtAll && unitname.IsValid(info.name, unitname.Instance):
		return StateStatic, 1
	case sameNameConfig:
		return StateLinked, 1
	case sameNameRuntime:
		return StateLinkedRuntime, 1
	}
	return 0, 0
}
