package exec

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"golang.org/x/sys/unix"
)

// dirItem is an ExecDirectoryItem with 252's only_create flag: a parent
// of it is listed too, so it is neither symlinked nor bind-mounted alone.
type dirItem struct {
	ExecDirectoryItem
	onlyCreate bool
}

// sortedDirItems is exec_directory_sort: parents first, children flagged.
func sortedDirItems(items []ExecDirectoryItem) []dirItem {
	out := make([]dirItem, len(items))
	for i, it := range items {
		out[i] = dirItem{ExecDirectoryItem: it}
	}
	if len(out) <= 1 {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool { return pathCompare(out[i].Path, out[j].Path) < 0 })
	for i := 1; i < len(out); i++ {
		for j := 0; j < i; j++ {
			if pathStartsWith(out[i].Path, out[j].Path) {
				out[i].onlyCreate = true
				break
			}
		}
	}
	return out
}

// mkdirParents is mkdir_parents: create the missing parents of p.
func mkdirParents(p string, mode os.FileMode) error {
	dir := filepath.Dir(p)
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return unix.ENOTDIR
		}
		return nil
	}
	if err := os.MkdirAll(dir, mode); err != nil {
		return errnoOf(err)
	}
	return nil
}

// createSymlink is mkdir_parents_label + symlink_idempotent(from, to,
// relative).
func createSymlink(from, to string) error {
	if err := mkdirParents(to, 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(to), from)
	if err != nil {
		return unix.EINVAL
	}
	if err := unix.Symlink(rel, to); err != nil {
		if err != unix.EEXIST {
			return err
		}
		cur, rerr := os.Readlink(to)
		if rerr != nil || cur != rel {
			return unix.EEXIST
		}
	}
	return nil
}

// setupExecDirectory is setup_exec_directory for one kind (without
// DynamicUser='s private/ trees): create, chmod, chown, and symlink when
// no mount namespace will do that.
func (s *Spec) setupExecDirectory(t int, uid, gid uint32, mountNS bool) error {
	prefix := s.Prefix[t]
	if prefix == "" {
		return nil
	}
	if s.System {
		if uid == noID {
			uid = 0
		}
		if gid == noID {
			gid = 0
		}
	}
	d := s.Directories[t]
	items := sortedDirItems(d.Items)
	for _, it := range items {
		p := pathJoin(prefix, it.Path)
		if err := mkdirParents(p, 0o755); err != nil {
			return err
		}
		if t != DirConfiguration {
			if err := migrateFromPrivate(prefix, it.Path, p); err != nil {
				return err
			}
		}
		if err := unix.Mkdir(p, d.Mode); err != nil {
			if err != unix.EEXIST {
				return err
			}
			if t == DirConfiguration {
				continue
			}
		}
		if err := unix.Chmod(p, d.Mode); err != nil {
			return err
		}
		if err := chownRecursive(p, uid, gid); err != nil {
			return err
		}
	}
	if !mountNS {
		for _, it := range items {
			for _, l := range it.Symlinks {
				if err := createSymlink(pathJoin(prefix, it.Path), pathJoin(prefix, l)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// migrateFromPrivate moves a directory back from prefix/private/ where
// DynamicUser=yes had put it (p is then a symlink to it).
func migrateFromPrivate(prefix, item, p string) error {
	target, err := os.Readlink(p)
	if err != nil {
		return nil
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(p), target)
	}
	resolved, err := filepath.EvalSymlinks(target)
	if err != nil {
		return errnoOf(err)
	}
	q := pathJoin(prefix, "private", item)
	qResolved := q
	if r, err := filepath.EvalSymlinks(q); err == nil {
		qResolved = r
	}
	if !pathEqual(resolved, qResolved) {
		return nil
	}
	if err := unix.Unlink(p); err != nil {
		return err
	}
	return unix.Rename(q, p)
}

// chownRecursive is path_chown_recursive(p, uid, gid, 07777): nothing if
// the top directory is already owned right, else the whole tree, ACLs
// dropped.
func chownRecursive(p string, uid, gid uint32) error {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NOATIME, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if uid == noID && gid == noID {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if (uid == noID || st.Uid == uid) && (gid == noID || st.Gid == gid) {
		return nil
	}
	return chownTree(fd, &st, uid, gid)
}

func chownTree(fd int, st *unix.Stat_t, uid, gid uint32) error {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return err
	}
	dir := os.NewFile(uintptr(dup), "")
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return errnoOf(err)
	}
	for _, n := range names {
		pfd, err := unix.Openat(fd, n, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		var fst unix.Stat_t
		if err := unix.Fstat(pfd, &fst); err != nil {
			unix.Close(pfd)
			return err
		}
		if fst.Mode&unix.S_IFMT == unix.S_IFDIR {
			sub, err := unix.Openat(fd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NOATIME, 0)
			unix.Close(pfd)
			if err != nil {
				return err
			}
			err = chownTree(sub, &fst, uid, gid)
			unix.Close(sub)
			if err != nil {
				return err
			}
			continue
		}
		err = chownOne(pfd, &fst, uid, gid)
		unix.Close(pfd)
		if err != nil {
			return err
		}
	}
	return chownOne(fd, st, uid, gid)
}

// chownOne is chown_one: drop ACLs, chown, and restore the mode bits
// chown clears.
func chownOne(fd int, st *unix.Stat_t, uid, gid uint32) error {
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	isLink := st.Mode&unix.S_IFMT == unix.S_IFLNK
	if !isLink {
		for _, n := range []string{"system.posix_acl_access", "system.posix_acl_default"} {
			if err := unix.Removexattr(proc, n); err != nil && !errors.Is(err, unix.ENODATA) && !errors.Is(err, unix.EOPNOTSUPP) {
				return err
			}
		}
	}
	u, g := -1, -1
	if uid != noID {
		u = int(uid)
	}
	if gid != noID {
		g = int(gid)
	}
	if err := unix.Fchownat(fd, "", u, g, unix.AT_EMPTY_PATH); err != nil {
		return err
	}
	if isLink {
		return nil
	}
	return unix.Chmod(proc, st.Mode&0o7777)
}
