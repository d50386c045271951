package path

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

// pathJoin is systemd's path_join: the non-empty parts joined with a
// slash between two parts unless one is already there. Slashes already
// doubled stay.
func pathJoin(parts ...string) string {
	var b strings.Builder
	slash := true
	for _, p := range parts {
		if p == "" {
			continue
		}
		if !slash && p[0] != '/' {
			b.WriteByte('/')
		}
		b.WriteString(p)
		slash = strings.HasSuffix(p, "/")
	}
	return b.String()
}

// splitList is systemd's strv_split(s, ":"): the non-empty fields of s.
// It never returns nil, so callers can tell "set but empty" from "unset".
func splitList(s string) []string {
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

// extendUnique appends the entries of add that l does not hold yet.
func extendUnique(l, add []string) []string {
	have := map[string]bool{}
	for _, s := range l {
		have[s] = true
	}
	for _, s := range add {
		if !have[s] {
			have[s] = true
			l = append(l, s)
		}
	}
	return l
}

// homeDir is systemd's get_home_dir: $HOME if it is a valid absolute
// path, "/root" for root, "/" for nobody, else the user database entry;
// simplified.
func homeDir() (string, error) {
	if h, ok := os.LookupEnv("HOME"); ok && unitname.PathIsValid(h) && unitname.PathIsAbsolute(h) {
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

// workingDir is systemd's safe_getcwd: $PWD if it names the working
// directory (as glibc's get_current_dir_name), which must be absolute.
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
	if !unitname.PathIsAbsolute(dir) {
		return "", fmt.Errorf("working directory %q: %w", dir, syscall.ENOMEDIUM)
	}
	return dir, nil
}

// makeAbsolute is systemd's path_strv_make_absolute_cwd: each entry
// made absolute against the working directory and simplified.
func makeAbsolute(l []string) ([]string, error) {
	out := make([]string, len(l))
	for i, p := range l {
		if !unitname.PathIsAbsolute(p) {
			cwd, err := workingDir()
			if err != nil {
				return nil, err
			}
			p = pathJoin(cwd, p)
		}
		out[i] = unitname.PathSimplify(p)
	}
	return out, nil
}

// pathsFromEnv reads a search path variable such as SYSTEMD_UNIT_PATH:
// its entries made absolute, set=false if it is unset, and add=true if
// it ends in ":", meaning the defaults follow.
func pathsFromEnv(name string) (paths []string, set, add bool, err error) {
	e, ok := os.LookupEnv(name)
	if !ok {
		return nil, false, false, nil
	}
	if strings.HasSuffix(e, ":") {
		e, add = e[:len(e)-1], true
	}
	paths, err = makeAbsolute(splitList(e))
	return paths, true, add, err
}

// isDir follows symlinks; the error is stat's.
func isDir(p string) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return false, err
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

// tmpDir is systemd's tmp_dir_internal: the first of $TMPDIR, $TEMP and
// $TMP that is a normalized absolute path to a directory, else def if
// that is a directory.
func tmpDir(def string) (string, error) {
	var firstErr error
	for _, name := range []string{"TMPDIR", "TEMP", "TMP"} {
		e, ok := os.LookupEnv(name)
		if !ok {
			continue
		}
		var err error
		switch dir, statErr := isDir(e); {
		case !unitname.PathIsAbsolute(e):
			err = syscall.ENOTDIR
		case !unitname.PathIsNormalized(e):
			err = syscall.EPERM
		case statErr != nil:
			err = statErr
		case !dir:
			err = syscall.ENOTDIR
		default:
			return e, nil
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("$%s=%s: %w", name, e, err)
		}
	}
	dir, err := isDir(def)
	if err == nil && !dir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		if firstErr != nil {
			return "", firstErr
		}
		return "", fmt.Errorf("%s: %w", def, err)
	}
	return def, nil
}
