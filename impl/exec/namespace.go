package exec

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// The private mount namespace, as 252's namespace.c sets it up: a list of
// mount entries is built from the settings, sorted and pruned, then
// applied under /run/systemd/unit-root (a recursive bind of /), flipped
// read-only / noexec / nosuid, and moved over /.

// mountMode is a mount entry's kind; the values keep 252's order, which
// is the priority among entries for the same path.
type mountMode int

const (
	modeInaccessible       mountMode = 0
	modeBind               mountMode = 3
	modeBindRecursive      mountMode = 4
	modePrivateTmp         mountMode = 5
	modePrivateTmpReadOnly mountMode = 6
	modeReadOnly           mountMode = 12
	modeReadWrite          mountMode = 13
	modeTmpfs              mountMode = 16
	modeReadWriteImplicit  mountMode = 21
)

// unitRoot is where the namespace's root is assembled.
const unitRoot = "/run/systemd/unit-root"

// runSystemdEmpty is the read-only stand-in for an uncreatable private /tmp.
const runSystemdEmpty = "/run/systemd/empty"

type mountEntry struct {
	path       string
	unprefixed string
	mode       mountMode
	ignore     bool // a missing path is fine
	hasPrefix  bool // path already lies under the namespace root
	readOnly   bool
	noexec     bool
	applied    bool
	source     string
	nFollowed  int
}

func (m *mountEntry) isReadOnly() bool {
	return m.readOnly || m.mode == modeReadOnly || m.mode == modeInaccessible || m.mode == modePrivateTmpReadOnly
}

func (m *mountEntry) isNoexec() bool { return m.noexec || m.mode == modeInaccessible }

// staticMount is an entry of 252's protection tables. 252's tables give
// ProtectHome=tmpfs entries read-only, mount options and flags, but
// append_static_mounts copies only the path, mode and ignore flag: the
// tmpfs is mounted writable with the kernel's default options. So here.
type staticMount struct {
	path   string
	mode   mountMode
	ignore bool
}

var protectHomeTables = map[string][]staticMount{
	"read-only": {
		{path: "/home", mode: modeReadOnly, ignore: true},
		{path: "/run/user", mode: modeReadOnly, ignore: true},
		{path: "/root", mode: modeReadOnly, ignore: true},
	},
	"tmpfs": {
		{path: "/home", mode: modeTmpfs, ignore: true},
		{path: "/run/user", mode: modeTmpfs, ignore: true},
		{path: "/root", mode: modeTmpfs, ignore: true},
	},
	"yes": {
		{path: "/home", mode: modeInaccessible, ignore: true},
		{path: "/run/user", mode: modeInaccessible, ignore: true},
		{path: "/root", mode: modeInaccessible, ignore: true},
	},
}

// protectSystemTables are Debian's (split-usr build: /lib, /lib64 and
// /bin are listed too; on merged-usr they resolve into /usr).
var protectSystemTables = map[string][]staticMount{
	"yes": {
		{path: "/usr", mode: modeReadOnly},
		{path: "/boot", mode: modeReadOnly, ignore: true},
		{path: "/efi", mode: modeReadOnly, ignore: true},
		{path: "/lib", mode: modeReadOnly, ignore: true},
		{path: "/lib64", mode: modeReadOnly, ignore: true},
		{path: "/bin", mode: modeReadOnly, ignore: true},
	},
	"full": {
		{path: "/usr", mode: modeReadOnly},
		{path: "/boot", mode: modeReadOnly, ignore: true},
		{path: "/efi", mode: modeReadOnly, ignore: true},
		{path: "/etc", mode: modeReadOnly},
		{path: "/lib", mode: modeReadOnly, ignore: true},
		{path: "/lib64", mode: modeReadOnly, ignore: true},
		{path: "/bin", mode: modeReadOnly, ignore: true},
	},
	"strict": {
		{path: "/", mode: modeReadOnly},
		{path: "/proc", mode: modeReadWriteImplicit},
		{path: "/sys", mode: modeReadWriteImplicit},
		{path: "/dev", mode: modeReadWriteImplicit},
		{path: "/home", mode: modeReadWriteImplicit, ignore: true},
		{path: "/run/user", mode: modeReadWriteImplicit, ignore: true},
		{path: "/root", mode: modeReadWriteImplicit, ignore: true},
	},
}

// needsMountNamespace is exec_needs_mount_namespace for what the
// executor applies.
func (s *Spec) needsMountNamespace() bool {
	return len(s.ReadWritePaths) > 0 || len(s.ReadOnlyPaths) > 0 || len(s.InaccessiblePaths) > 0 ||
		s.MountFlags != 0 && s.MountFlags != unix.MS_SHARED ||
		s.PrivateTmp && (s.TmpDir != "" || s.VarTmpDir != "") ||
		s.ProtectSystem != "no" && s.ProtectSystem != "" ||
		s.ProtectHome != "no" && s.ProtectHome != ""
}

// appendAccessMounts is append_access_mounts with the prefix required.
func appendAccessMounts(list []*mountEntry, paths []string, mode mountMode) ([]*mountEntry, error) {
	for _, p := range paths {
		ignore := false
		if rest, ok := strings.CutPrefix(p, "-"); ok {
			p, ignore = rest, true
		}
		p = strings.TrimPrefix(p, "+")
		if !strings.HasPrefix(p, "/") {
			return list, unix.EINVAL
		}
		list = append(list, &mountEntry{path: p, mode: mode, ignore: ignore})
	}
	return list, nil
}

func appendStatic(list []*mountEntry, table []staticMount) []*mountEntry {
	for _, t := range table {
		list = append(list, &mountEntry{path: t.path, mode: t.mode, ignore: t.ignore})
	}
	return list
}

// namespaceMounts is the entry list of setup_namespace for s, not yet
// prefixed or pruned.
func (s *Spec) namespaceMounts(sandboxing bool) ([]*mountEntry, error) {
	var list []*mountEntry
	var err error
	if list, err = appendAccessMounts(list, s.ReadWritePaths, modeReadWrite); err != nil {
		return nil, err
	}
	if sandboxing {
		if list, err = appendAccessMounts(list, s.ReadOnlyPaths, modeReadOnly); err != nil {
			return nil, err
		}
		if list, err = appendAccessMounts(list, s.InaccessiblePaths, modeInaccessible); err != nil {
			return nil, err
		}
	}
	// compile_bind_mounts: every exec directory is bound onto itself.
	for t := 0; t < DirMax; t++ {
		if s.Prefix[t] == "" {
			continue
		}
		for _, it := range sortedDirItems(s.Directories[t].Items) {
			if it.onlyCreate {
				continue
			}
			p := pathJoin(s.Prefix[t], it.Path)
			list = append(list, &mountEntry{path: p, source: p, mode: modeBindRecursive})
		}
	}
	if sandboxing && s.PrivateTmp {
		for _, d := range []struct{ dir, at string }{{s.TmpDir, "/tmp"}, {s.VarTmpDir, "/var/tmp"}} {
			switch d.dir {
			case "":
			case runSystemdEmpty:
				list = append(list, &mountEntry{path: d.at, mode: modePrivateTmpReadOnly, source: d.dir})
			default:
				list = append(list, &mountEntry{path: d.at, mode: modePrivateTmp, source: d.dir + "/tmp"})
			}
		}
	}
	if sandboxing {
		list = appendStatic(list, protectHomeTables[s.ProtectHome])
		list = appendStatic(list, protectSystemTables[s.ProtectSystem])
	}
	list = append(list, &mountEntry{path: "/run/credentials", mode: modeInaccessible, ignore: true})
	if s.System {
		list = append(list, &mountEntry{path: "/run/systemd/incoming", source: s.propagateDir(), mode: modeBind, readOnly: true})
	}
	return list, nil
}

func (s *Spec) propagateDir() string { return pathJoin("/run/systemd/propagate/", s.Unit) }

func prefixWhereNeeded(list []*mountEntry, root string) {
	for _, m := range list {
		if m.hasPrefix {
			continue
		}
		m.unprefixed = m.path
		m.path = pathJoin(root, m.path)
		m.hasPrefix = true
	}
}

// dropUnusedMounts is drop_unused_mounts: sort (prefixes first, then by
// mode), drop duplicates, entries outside root, entries under an
// inaccessible one, and entries made redundant by their parent.
func dropUnusedMounts(list []*mountEntry, root string) []*mountEntry {
	sort.SliceStable(list, func(i, j int) bool {
		if c := pathCompare(list[i].path, list[j].path); c != 0 {
			return c < 0
		}
		return list[i].mode < list[j].mode
	})
	var out []*mountEntry
	for _, f := range list {
		if n := len(out); n > 0 {
			prev := out[n-1]
			if pathEqual(f.path, prev.path) && !f.applied && !prev.applied {
				prev.readOnly = prev.readOnly || f.isReadOnly()
				prev.noexec = prev.noexec || f.isNoexec()
				continue
			}
		}
		out = append(out, f)
	}
	list, out = out, nil
	for _, f := range list {
		if pathStartsWith(f.path, root) {
			out = append(out, f)
		}
	}
	list, out = out, nil
	clear := ""
	for _, f := range list {
		if clear != "" && pathStartsWith(f.path, clear) {
			continue
		}
		clear = ""
		if f.mode == modeInaccessible {
			clear = f.path
		}
		out = append(out, f)
	}
	list, out = out, nil
	for _, f := range list {
		if f.mode == modeReadOnly || f.mode == modeReadWrite || f.mode == modeReadWriteImplicit {
			var found *mountEntry
			for i := len(out) - 1; i >= 0; i-- {
				if pathStartsWith(f.path, out[i].path) {
					found = out[i]
					break
				}
			}
			if found != nil && found.mode == f.mode {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// namespaceError carries the path setup_namespace reports with its error.
type namespaceError struct {
	path string
	err  error
}

func (e *namespaceError) Error() string { return e.path + ": " + e.err.Error() }
func (e *namespaceError) Unwrap() error { return e.err }

// setupNamespace is apply_mount_namespace + setup_namespace for the
// settings the executor supports; it runs on the locked thread.
func (s *Spec) setupNamespace(sandboxing, nosuid bool, symlinks [][2]string) error {
	old := unix.Umask(0)
	defer unix.Umask(old)

	_ = os.MkdirAll("/run/systemd", 0o755)
	_ = unix.Mkdir(unitRoot, 0o700)
	root := unitRoot

	list, err := s.namespaceMounts(sandboxing)
	if err != nil {
		return err
	}
	prefixWhereNeeded(list, root)
	list = dropUnusedMounts(list, root)

	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return err
	}
	if s.System {
		_ = os.MkdirAll(s.propagateDir(), 0o600)
	}
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Mount("/", root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := applyMounts(root, list, symlinks, nosuid); err != nil {
		return err
	}
	// mount_move_root
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.Mount(root, "/", "", unix.MS_MOVE, ""); err != nil {
		return err
	}
	if err := unix.Chroot("."); err != nil {
		return err
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	flags := s.MountFlags
	if flags == 0 {
		flags = unix.MS_SHARED
	}
	if err := unix.Mount("", "/", "", flags|unix.MS_REC, ""); err != nil {
		return err
	}
	if s.System {
		if err := unix.Mount("", "/run/systemd/incoming", "", unix.MS_SLAVE, ""); err != nil {
			return err
		}
	}
	return nil
}

// applyMounts is apply_mounts: establish every mount, create the exec
// directory symlinks, then flip read-only, noexec and nosuid.
func applyMounts(root string, list []*mountEntry, symlinks [][2]string, nosuid bool) error {
	// The mount table is read again only after mounts came or went in
	// ways not known here (mountTable).
	table := &mountTable{}
	for {
		again := false
		for _, m := range list {
			if m.applied {
				continue
			}
			done, err := followSymlink(root, m)
			if err != nil {
				return &namespaceError{m.path, err}
			}
			if !done {
				again = true
				break
			}
			if err := applyOneMount(root, m, table); err != nil {
				return &namespaceError{m.path, err}
			}
			m.applied = true
		}
		if !again {
			break
		}
		list = dropUnusedMounts(list, root)
	}
	for _, l := range symlinks {
		if err := createSymlink(pathJoin(root, l[0]), pathJoin(root, l[1])); err != nil {
			return err
		}
	}
	deny := make([]string, len(list))
	for i, m := range list {
		deny[i] = m.path
	}
	for _, m := range list {
		if !m.isReadOnly() {
			continue
		}
		var err error
		if m.mode != modeTmpfs {
			err = bindRemountRecursive(m.path, unix.MS_RDONLY, unix.MS_RDONLY, deny, table)
		} else {
			err = bindRemountOne(m.path, unix.MS_RDONLY, unix.MS_RDONLY)
		}
		if err != nil && !(errors.Is(err, unix.ENOENT) && m.ignore) {
			return &namespaceError{m.path, err}
		}
	}
	for _, m := range list {
		if !m.isNoexec() {
			continue
		}
		var err error
		if m.mode != modeTmpfs {
			err = bindRemountRecursive(m.path, unix.MS_NOEXEC, unix.MS_NOEXEC, deny, table)
		} else {
			err = bindRemountOne(m.path, unix.MS_NOEXEC, unix.MS_NOEXEC)
		}
		if err != nil && !(errors.Is(err, unix.ENOENT) && m.ignore) {
			return &namespaceError{m.path, err}
		}
	}
	if nosuid {
		for _, m := range list {
			var err error
			if m.mode != modeTmpfs {
				err = bindRemountRecursive(m.path, unix.MS_NOSUID, unix.MS_NOSUID, nil, table)
			} else {
				err = bindRemountOne(m.path, unix.MS_NOSUID, unix.MS_NOSUID)
			}
			if err != nil && !(errors.Is(err, unix.ENOENT) && m.ignore) {
				return &namespaceError{m.path, err}
			}
		}
	}
	return nil
}

// followSymlink is follow_symlink: resolve one symlink of m's path within
// root; done when none is left.
func followSymlink(root string, m *mountEntry) (done bool, err error) {
	next, resolved, err := chaseStep(root, m.path)
	if err != nil {
		return false, err
	}
	if !resolved {
		return true, nil
	}
	if m.nFollowed >= 32 {
		return false, unix.ELOOP
	}
	m.path = next
	m.nFollowed++
	return false, nil
}

// chaseStep resolves the first symlink in p (a path under root), with
// absolute targets taken relative to root. resolved is false when p has
// no symlink up to its first missing component.
func chaseStep(root, p string) (next string, resolved bool, err error) {
	rel, ok := strings.CutPrefix(p, root)
	if !ok {
		return p, false, nil
	}
	comps := components(rel)
	cur := "/"
	for i, c := range comps {
		cand := path.Join(cur, c)
		var st unix.Stat_t
		if err := unix.Lstat(pathJoin(root, cand), &st); err != nil {
			if err == unix.ENOENT {
				return p, false, nil
			}
			return p, false, err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFLNK {
			cur = cand
			continue
		}
		target, err := os.Readlink(pathJoin(root, cand))
		if err != nil {
			return p, false, err
		}
		if !strings.HasPrefix(target, "/") {
			target = path.Join(cur, target)
		}
		rest := strings.Join(comps[i+1:], "/")
		return pathJoin(root, path.Clean(path.Join("/", target, rest))), true, nil
	}
	return p, false, nil
}

// isMountPoint reports whether p (not followed) is the root of a mount.
func isMountPoint(p string) (bool, error) {
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE, &stx); err != nil {
		return false, err
	}
	if stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return false, unix.EOPNOTSUPP
	}
	return stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
}

// inaccessibleNode is mode_to_inaccessible_node for a system manager.
func inaccessibleNode(mode uint32) (string, error) {
	var node string
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		node = "reg"
	case unix.S_IFDIR:
		node = "dir"
	case unix.S_IFCHR:
		node = "chr"
	case unix.S_IFBLK:
		node = "blk"
	case unix.S_IFIFO:
		node = "fifo"
	case unix.S_IFSOCK:
		node = "sock"
	default:
		return "", unix.ELOOP
	}
	p := "/run/systemd/inaccessible/" + node
	if node == "blk" {
		if _, err := os.Lstat(p); err != nil {
			p = "/run/systemd/inaccessible/chr"
		}
	}
	if node == "chr" || node == "blk" {
		if _, err := os.Lstat(p); err != nil {
			p = "/run/systemd/inaccessible/sock"
		}
	}
	return p, nil
}

// applyOneMount is apply_one_mount for the supported modes.
func applyOneMount(root string, m *mountEntry, table *mountTable) error {
	var what string
	rbind, make := true, false
	switch m.mode {
	case modeInaccessible:
		umountRecursive(m.path, table)
		var st unix.Stat_t
		if err := unix.Lstat(m.path, &st); err != nil {
			if err == unix.ENOENT && m.ignore {
				return nil
			}
			return err
		}
		node, err := inaccessibleNode(st.Mode)
		if err != nil {
			return err
		}
		what = node
	case modeReadOnly, modeReadWrite, modeReadWriteImplicit:
		mp, err := isMountPoint(m.path)
		if err != nil {
			if err == unix.ENOENT && m.ignore {
				return nil
			}
			return err
		}
		if mp {
			return nil
		}
		what = m.path
	case modeBind, modeBindRecursive:
		if m.mode == modeBind {
			rbind = false
		}
		src, err := filepath.EvalSymlinks(m.source)
		if err != nil {
			if errors.Is(err, unix.ENOENT) && m.ignore {
				return nil
			}
			return errnoOf(err)
		}
		m.source = src
		what, make = src, true
	case modeTmpfs:
		_ = os.MkdirAll(m.path, 0o755)
		umountRecursive(m.path, table)
		err := unix.Mount("tmpfs", m.path, "tmpfs", 0, "")
		table.mounted(m.path, "tmpfs", err)
		return err
	case modePrivateTmp, modePrivateTmpReadOnly:
		what, make = m.source, true
	default:
		return unix.EOPNOTSUPP
	}
	flags := uintptr(unix.MS_BIND)
	if rbind {
		flags |= unix.MS_REC
	}
	err := unix.Mount(what, m.path, "", flags, "")
	if err == unix.ENOENT && make {
		_ = os.MkdirAll(filepath.Dir(m.path), 0o755)
		if merr := makeMountPointInode(what, m.path); merr == nil || merr == unix.EEXIST {
			err = unix.Mount(what, m.path, "", flags, "")
		}
	}
	table.bound(what, m.path, rbind, err)
	return err
}

// makeMountPointInode is make_mount_point_inode_from_path: a directory if
// source is one, an empty file otherwise.
func makeMountPointInode(source, target string) error {
	var st unix.Stat_t
	if err := unix.Stat(source, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.Mkdir(target, 0o755)
	}
	return unix.Mknod(target, unix.S_IFREG|0o755, 0)
}

// readMountInfo reads this thread's mount table.
func readMountInfo() ([]mountInfo, error) {
	b, err := os.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseMountInfo(string(b)), nil
}

// umountRecursive is umount_recursive: unmount everything at or below
// prefix, until nothing is left.
func umountRecursive(prefix string, table *mountTable) {
	for n := 0; n < 64; n++ {
		mounts, err := table.get()
		if err != nil {
			return
		}
		again := false
		for _, m := range mounts {
			if !pathStartsWith(m.MountPoint, prefix) {
				continue
			}
			if unix.Unmount(m.MountPoint, unix.UMOUNT_NOFOLLOW) == nil {
				table.mounts = nil
				again = true
				break
			}
		}
		if !again {
			return
		}
	}
}

// mountTable is a reading of this thread's mount table, kept while the
// mounts change only in ways its users note in it (flags changed with
// mount_setattr; a tmpfs or a bind that adds one mount, as binds of
// inaccessible nodes and of trees without mounts below do). Every other
// mount or unmount drops it (nil mounts: read it again).
type mountTable struct{ mounts []mountInfo }

// mounted notes a new mount of fstype at p (err is the mount's).
func (t *mountTable) mounted(p, fstype string, err error) {
	if err == nil && t.mounts != nil {
		t.mounts = append(t.mounts, mountInfo{MountPoint: p, FSType: fstype})
	}
}

// bound notes a bind mount of source at target (err is the mount's). A
// bind adds one mount unless it is recursive and mounts lie below source,
// whose copies come too: then the table is read again.
func (t *mountTable) bound(source, target string, recursive bool, err error) {
	if err != nil || t.mounts == nil {
		return
	}
	// The new mount's file system is that of the mount source is on:
	// the deepest (the last of equals) of those at or above it.
	fstype, depth := "", -1
	for i := len(t.mounts) - 1; i >= 0; i-- {
		m := t.mounts[i]
		if recursive && !pathEqual(m.MountPoint, source) && pathStartsWith(m.MountPoint, source) {
			t.mounts = nil
			return
		}
		if len(m.MountPoint) > depth && pathStartsWith(source, m.MountPoint) {
			fstype, depth = m.FSType, len(m.MountPoint)
		}
	}
	t.mounts = append(t.mounts, mountInfo{MountPoint: target, FSType: fstype})
}

func (t *mountTable) get() ([]mountInfo, error) {
	if t.mounts == nil {
		m, err := readMountInfo()
		if err != nil {
			return nil, err
		}
		t.mounts = m
	}
	return t.mounts, nil
}

// noSetattr is set once mount_setattr(2) turned out missing (before 5.12).
var noSetattr bool

// setMountFlags sets newFlags within mask on the mount at p (and, with
// unix.AT_RECURSIVE in at, every mount below it), leaving their other
// flags as they are.
func setMountFlags(p string, newFlags, mask uintptr, at uint) error {
	attr := unix.MountAttr{Attr_set: msToAttr(newFlags & mask), Attr_clr: msToAttr(^newFlags & mask)}
	return unix.MountSetattr(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW|at, &attr)
}

// bindRemountRecursive is bind_remount_recursive_with_mountinfo: set
// newFlags (within mask) on prefix (made a mount if it is none) and every
// mount below it, except those under another entry of deny. With
// mount_setattr, which changes the given flags alone, the mounts are
// taken from table (read again only after a mount is added); without it
// each mount is remounted with its other flags as the mount table has
// them then.
func bindRemountRecursive(prefix string, newFlags, mask uintptr, deny []string, table *mountTable) error {
	prefix = path.Clean(prefix)
	if len(deny) == 0 && setMountFlags(prefix, newFlags, mask, unix.AT_RECURSIVE) == nil {
		return nil
	}
	done := map[string]bool{}
	for tries := 0; tries < 32; tries++ {
		useTable := !noSetattr
		var mounts []mountInfo
		var err error
		if useTable {
			mounts, err = table.get()
		} else {
			mounts, err = readMountInfo()
		}
		if err != nil {
			return err
		}
		todo := map[string]uintptr{}
		var order []string
		topAutofs := false
		for _, m := range mounts {
			p := m.MountPoint
			if !pathStartsWith(p, prefix) {
				continue
			}
			if m.FSType == "autofs" {
				topAutofs = topAutofs || pathEqual(p, prefix)
				continue
			}
			if done[p] || !pathEqual(p, prefix) && denied(p, prefix, deny) {
				continue
			}
			if _, ok := todo[p]; !ok {
				order = append(order, p)
			}
			todo[p] = mountFlagsOf(m.Options)
		}
		if _, ok := todo[prefix]; !done[prefix] && !ok && !topAutofs {
			if err := unix.Mount(prefix, prefix, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
				return err
			}
			table.mounts = nil
			continue
		}
		if len(order) == 0 {
			return nil
		}
		for _, p := range order {
			flags := todo[p]
			done[p] = true
			var err error = unix.ENOSYS
			if !noSetattr {
				if err = setMountFlags(p, newFlags, mask, 0); err == unix.ENOSYS {
					noSetattr = true
				}
			}
			if err == nil {
				continue
			}
			if useTable {
				// The table's flags are not kept up to date.
				flags = currentMountFlags(p, flags)
			}
			if err == unix.ENOSYS || err == unix.EINVAL {
				err = unix.Mount("", p, "", ((flags&^mask)|unix.MS_BIND|unix.MS_REMOUNT|newFlags)&^unix.MS_RELATIME, "")
			}
			if err == nil {
				continue
			}
			if mp, merr := isMountPoint(p); merr == unix.ENOENT || merr == nil && !mp {
				continue
			}
			if (flags^newFlags)&mask&^unix.MS_RELATIME == 0 {
				continue
			}
			if pathEqual(p, prefix) {
				return err
			}
		}
	}
	return unix.EBUSY
}

// currentMountFlags is the flags of the mount at p as the mount table
// has them now (the last one mounted there), else def.
func currentMountFlags(p string, def uintptr) uintptr {
	mounts, err := readMountInfo()
	if err != nil {
		return def
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		if pathEqual(mounts[i].MountPoint, p) {
			return mountFlagsOf(mounts[i].Options)
		}
	}
	return def
}

// denied reports whether p lies under an entry of deny that is below prefix.
func denied(p, prefix string, deny []string) bool {
	for _, d := range deny {
		if pathEqual(d, prefix) || !pathStartsWith(d, prefix) {
			continue
		}
		if pathStartsWith(p, d) {
			return true
		}
	}
	return false
}

// bindRemountOne is bind_remount_one_with_mountinfo.
func bindRemountOne(p string, newFlags, mask uintptr) error {
	if setMountFlags(p, newFlags, mask, 0) == nil {
		return nil
	}
	mounts, err := readMountInfo()
	if err != nil {
		return err
	}
	for _, m := range mounts {
		if pathEqual(m.MountPoint, p) {
			flags := mountFlagsOf(m.Options)
			return unix.Mount("", p, "", ((flags&^mask)|unix.MS_BIND|unix.MS_REMOUNT|newFlags)&^unix.MS_RELATIME, "")
		}
	}
	if _, err := os.Lstat(p); err != nil {
		return errnoOf(err)
	}
	return unix.EINVAL
}

func msToAttr(f uintptr) uint64 {
	var a uint64
	if f&unix.MS_RDONLY != 0 {
		a |= unix.MOUNT_ATTR_RDONLY
	}
	if f&unix.MS_NOSUID != 0 {
		a |= unix.MOUNT_ATTR_NOSUID
	}
	if f&unix.MS_NODEV != 0 {
		a |= unix.MOUNT_ATTR_NODEV
	}
	if f&unix.MS_NOEXEC != 0 {
		a |= unix.MOUNT_ATTR_NOEXEC
	}
	if f&unix.MS_NOSYMFOLLOW != 0 {
		a |= unix.MOUNT_ATTR_NOSYMFOLLOW
	}
	return a
}
