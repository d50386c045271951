package unitpath

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
)

// ChaseFlags modify Chase as systemd's CHASE_* flags do.
type ChaseFlags int

const (
	// ChasePrefixRoot prefixes path with root before resolving it.
	ChasePrefixRoot ChaseFlags = 1 << iota
	// ChaseNonexistent accepts a missing final part (returning what is
	// left as is, exists=false) if it is safe (no "..").
	ChaseNonexistent
	// ChaseNoFollow does not follow the last component if it is a symlink.
	ChaseNoFollow
	// ChaseTrailSlash keeps a trailing slash (or "/.") of path.
	ChaseTrailSlash
)

// chaseSymlinksMax is CHASE_SYMLINKS_MAX.
const chaseSymlinksMax = 32

// Chase is systemd's chase_symlinks: path canonicalized component by
// component, symlinks followed, with absolute symlinks and ".." kept
// inside root ("" or "/" for none). path must lie inside root unless
// ChasePrefixRoot is given. exists is false when ChaseNonexistent let a
// missing tail through. Errors wrap the errno systemd returns.
func Chase(path, root string, flags ChaseFlags) (resolved string, exists bool, err error) {
	fail := func(e error) (string, bool, error) {
		return "", false, fmt.Errorf("resolving %s: %w", path, e)
	}
	if path == "" {
		return fail(syscall.EINVAL)
	}
	if unitname.EmptyOrRoot(root) {
		root = ""
	}
	buffer := ""
	if root != "" {
		r, err := MakeAbsolute(root)
		if err != nil {
			return fail(err)
		}
		root = unitname.PathSimplify(strings.TrimRight(r, "/"))
		if root == "." {
			root = ""
		}
		if flags&ChasePrefixRoot != 0 {
			buffer = unitname.PathJoin(root, path)
		}
	}
	if buffer == "" {
		b, err := MakeAbsolute(path)
		if err != nil {
			return fail(err)
		}
		buffer = b
	}
	rootDir := root
	if rootDir == "" {
		rootDir = "/"
	}
	if st, err := os.Stat(rootDir); err != nil {
		return fail(errnoOf(err))
	} else if !st.IsDir() {
		return fail(syscall.ENOTDIR)
	}
	trailSlash := flags&ChaseTrailSlash != 0 && (strings.HasSuffix(buffer, "/") || strings.HasSuffix(buffer, "/."))

	var todo, done string
	if root != "" {
		t, ok := unitname.PathStartsWith(buffer, root)
		if !ok {
			return fail(syscall.ECHRNG)
		}
		todo, done = t, root
	} else {
		todo, done = buffer, "/"
	}
	follow := chaseSymlinksMax
	exists = true
	for {
		first, rest, ok := unitname.PathFirstComponent(todo)
		if !ok {
			return fail(syscall.EINVAL)
		}
		if first == "" {
			if trailSlash {
				done += "/"
			}
			break
		}
		todo = rest
		if first == ".." {
			if unitname.EmptyOrRoot(done) {
				continue
			}
			parent := parentDir(done)
			if root != "" {
				if _, in := unitname.PathStartsWith(done, root); in {
					if _, stays := unitname.PathStartsWith(parent, root); !stays {
						continue
					}
				}
			}
			done = parent
			continue
		}
		child := unitname.PathJoin(done, first)
		st, err := os.Lstat(child)
		if err != nil {
			e := errnoOf(err)
			if e == syscall.ENOENT && flags&ChaseNonexistent != 0 && (todo == "" || unitname.PathIsSafe(todo)) {
				done = unitname.PathJoin(done, first, todo)
				exists = false
				break
			}
			return fail(e)
		}
		if st.Mode()&os.ModeSymlink != 0 && !(flags&ChaseNoFollow != 0 && todo == "") {
			follow--
			if follow <= 0 {
				return fail(syscall.ELOOP)
			}
			dest, err := os.Readlink(child)
			if err != nil {
				return fail(errnoOf(err))
			}
			if dest == "" {
				return fail(syscall.EINVAL)
			}
			if strings.HasPrefix(dest, "/") {
				done = rootDir
			}
			todo = unitname.PathJoin(dest, todo)
			continue
		}
		done = child
	}
	return done, exists, nil
}

// parentDir is path_extract_directory for a normalized absolute path.
func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}
