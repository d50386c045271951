package unitpath

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitname"
)

// Environ looks a variable up; a nil Environ means the process's own.
type Environ func(name string) (string, bool)

func (e Environ) lookup(name string) (string, bool) {
	if e == nil {
		return os.LookupEnv(name)
	}
	return e(name)
}

// SplitList is strv_split(s, ":") as systemd 252 has it: the non-empty
// fields of a colon-separated list such as $XDG_DATA_DIRS. It never
// returns nil, so callers can tell "set but empty" from "unset".
func SplitList(s string) []string {
	out := []string{}
	for _, f := range strings.Split(s, ":") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// uniq drops later duplicates, keeping the order.
func uniq(l []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// PathStartsWith is unitname.PathStartsWith, for the callers that
// reach it through this package.
func PathStartsWith(p, prefix string) (string, bool) { return unitname.PathStartsWith(p, prefix) }

// workingDir is safe_getcwd: $PWD if it names the working directory, as
// glibc's get_current_dir_name, which must be absolute.
func workingDir() (string, error) {
	dir := ""
	if pwd, ok := os.LookupEnv("PWD"); ok {
		var a, b unix.Stat_t
		if unix.Stat(".", &a) == nil && unix.Stat(pwd, &b) == nil && a.Dev == b.Dev && a.Ino == b.Ino {
			dir = pwd
		}
	}
	if dir == "" {
		var err error
		if dir, err = unix.Getwd(); err != nil {
			return "", err
		}
	}
	if !strings.HasPrefix(dir, "/") {
		return "", fmt.Errorf("working directory %q: %w", dir, syscall.ENOMEDIUM)
	}
	return dir, nil
}

// MakeAbsolute is path_make_absolute_cwd: p joined to the working
// directory unless it is absolute (not simplified).
func MakeAbsolute(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return p, nil
	}
	cwd, err := workingDir()
	if err != nil {
		return "", err
	}
	return unitname.PathJoin(cwd, p), nil
}

// makeAllAbsolute is path_strv_make_absolute_cwd: each entry made
// absolute and simplified.
func makeAllAbsolute(l []string) ([]string, error) {
	out := make([]string, len(l))
	for i, p := range l {
		a, err := MakeAbsolute(p)
		if err != nil {
			return nil, err
		}
		out[i] = unitname.PathSimplify(a)
	}
	return out, nil
}

// HomeDir is systemd's get_home_dir: $HOME if it is a valid absolute
// path, "/root" for root, "/" for nobody, else the user database entry;
// simplified.
func HomeDir(env Environ) (string, error) {
	if h, ok := env.lookup("HOME"); ok && unitname.PathIsValid(h) && unitname.PathIsAbsolute(h) {
		return unitname.PathSimplify(h), nil
	}
	uid := os.Getuid()
	switch {
	case uid == 0:
		return "/root", nil
	case uid == 65534 && synthesizeNobody():
		return "/", nil
	}
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		var unknown user.UnknownUserIdError
		if errors.As(err, &unknown) {
			return "", fmt.Errorf("no user %d: %w", uid, syscall.ESRCH)
		}
		return "", err
	}
	if !unitname.PathIsValid(u.HomeDir) || !unitname.PathIsAbsolute(u.HomeDir) {
		return "", fmt.Errorf("home directory %q of user %d: %w", u.HomeDir, uid, syscall.EINVAL)
	}
	return unitname.PathSimplify(u.HomeDir), nil
}

// synthesizeNobody is false once an admin opted out of systemd's
// built-in "nobody" user.
func synthesizeNobody() bool {
	_, err := os.Stat("/etc/systemd/dont-synthesize-nobody")
	return err != nil
}

// TmpDir is tmp_dir_internal: the first of $TMPDIR, $TEMP and $TMP that
// is a normalized absolute path to a directory, else def ("/tmp",
// "/var/tmp") if that is a directory; failing that, the first error.
func TmpDir(env Environ, def string) (string, error) {
	var firstErr error
	for _, name := range []string{"TMPDIR", "TEMP", "TMP"} {
		e, ok := env.lookup(name)
		if !ok {
			continue
		}
		var err error
		switch {
		case !unitname.PathIsAbsolute(e):
			err = syscall.ENOTDIR
		case !unitname.PathIsNormalized(e):
			err = syscall.EPERM
		default:
			err = isDir(e)
		}
		if err == nil {
			return e, nil
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("$%s=%s: %w", name, e, err)
		}
	}
	if err := isDir(def); err != nil {
		if firstErr != nil {
			return "", firstErr
		}
		return "", fmt.Errorf("%s: %w", def, err)
	}
	return def, nil
}

// isDir is nil for a directory (following symlinks), else stat's errno
// or ENOTDIR.
func isDir(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return syscall.ENOTDIR
	}
	return nil
}

// errnoOf is the errno err carries, or EIO.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// IsMask is null_or_empty_path: whether p (following symlinks) is an
// empty regular file or a device node, which systemd takes for a mask.
func IsMask(p string) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return false, &os.PathError{Op: "stat", Path: p, Err: err}
	}
	return nullOrEmpty(&st), nil
}

func nullOrEmpty(st *unix.Stat_t) bool {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return st.Size <= 0
	case unix.S_IFCHR, unix.S_IFBLK:
		return true
	}
	return false
}
