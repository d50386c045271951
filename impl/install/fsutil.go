package install

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// errnoOf is the errno err carries, EIO if it carries none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// neg is err as systemd's negative return code; 0 for nil.
func neg(err error) int {
	if err == nil {
		return 0
	}
	return -int(errnoOf(err))
}

// errOf turns a negative return code into an error.
func errOf(r int) error {
	if r >= 0 {
		return nil
	}
	return syscall.Errno(-r)
}

// dirEntry is one directory entry as readdir returns it.
type dirEntry struct {
	name string
	typ  fs.FileMode // fs.ModeDir, fs.ModeSymlink, 0 for a regular file, ...
}

func (d dirEntry) isDir() bool     { return d.typ == fs.ModeDir }
func (d dirEntry) isSymlink() bool { return d.typ == fs.ModeSymlink }
func (d dirEntry) isRegular() bool { return d.typ == 0 }

// readDir lists a directory in the order the file system returns it,
// skipping hidden and backup files, as FOREACH_DIRENT does.
func readDir(path string) ([]dirEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, &fs.PathError{Op: "opendir", Path: path, Err: syscall.ENOTDIR}
	}
	des, err := f.ReadDir(-1)
	out := make([]dirEntry, 0, len(des))
	for _, de := range des {
		if unitname.HiddenOrBackup(de.Name()) {
			continue
		}
		out = append(out, dirEntry{de.Name(), de.Type()})
	}
	return out, err
}

// nullOrEmpty is null_or_empty: an empty regular file or a character
// device (/dev/null).
func nullOrEmpty(st *unix.Stat_t) bool {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return st.Size <= 0
	case unix.S_IFCHR:
		return true
	}
	return false
}

// nullOrEmptyPath is null_or_empty_path: stat following symlinks.
func nullOrEmptyPath(path string) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false, err
	}
	return nullOrEmpty(&st), nil
}

// nullOrEmptyPathWithRoot is null_or_empty_path_with_root: a path that is
// root's /dev/null counts without looking; otherwise fn is resolved with
// root prefixed to it (as systemd does, even when fn already has it).
func nullOrEmptyPathWithRoot(fn, root string) (bool, error) {
	r := root
	if r == "" {
		r = "/"
	}
	if rest, ok := unitname.PathStartsWith(fn, r); ok && unitname.PathEqual(rest, "dev/null") {
		return true, nil
	}
	var st unix.Stat_t
	if unitname.EmptyOrRoot(root) {
		if err := unix.Stat(fn, &st); err != nil {
			return false, err
		}
		return nullOrEmpty(&st), nil
	}
	p, _, err := unitpath.Chase(fn, root, unitpath.ChasePrefixRoot)
	if err != nil {
		return false, err
	}
	if err := unix.Stat(p, &st); err != nil {
		return false, err
	}
	return nullOrEmpty(&st), nil
}

// rmdirParents removes the empty directories above path up to, not
// including, stop (rmdir_parents).
func rmdirParents(path, stop string) {
	if !unitname.PathIsSafe(path) || !unitname.PathIsSafe(stop) {
		return
	}
	p := path
	for {
		c, before, ok := lastComponent(p)
		if !ok || c == "" {
			return
		}
		p = strings.TrimRight(before, "/")
		if p == "" {
			return
		}
		if _, ok := unitname.PathStartsWith(stop, p); ok {
			return
		}
		if err := unix.Rmdir(p); err != nil && err != unix.ENOENT {
			return
		}
	}
}
