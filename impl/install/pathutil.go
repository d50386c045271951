package install

import (
	"strings"

	"gosystemd/impl/unitname"
)

// Path helpers with systemd's path-util semantics. Paths are byte strings;
// components longer than NAME_MAX make a path invalid as in systemd.

const nameMax = 255

// isPath is systemd's is_path: whether p contains a slash.
func isPath(p string) bool { return strings.Contains(p, "/") }

// pathMakeAbsolute prefixes p with prefix unless p is absolute.
func pathMakeAbsolute(p, prefix string) string {
	if unitname.PathIsAbsolute(p) || prefix == "" {
		return p
	}
	return unitname.PathJoin(prefix, p)
}

// pathEqualSet is path_equal_ptr with "" standing for NULL.
func pathEqualSet(a, b string) bool { return a != "" && b != "" && unitname.PathEqual(a, b) }

func pathContains(list []string, p string) bool {
	for _, l := range list {
		if unitname.PathEqual(l, p) {
			return true
		}
	}
	return false
}

// lastComponent is path_find_last_component: the last component and the
// part of p before it (including trailing slashes).
func lastComponent(p string) (comp, before string, ok bool) {
	end := len(p)
	for end > 0 && p[end-1] == '/' {
		end--
	}
	// "." components at the end are skipped like slashes.
	for end > 0 {
		start := strings.LastIndexByte(p[:end], '/') + 1
		c := p[start:end]
		if c == "." {
			end = start
			for end > 0 && p[end-1] == '/' {
				end--
			}
			continue
		}
		if len(c) > nameMax {
			return "", "", false
		}
		return c, p[:start], true
	}
	return "", "", true
}

// pathExtractDirectory is path_extract_directory: "" and false for a bare
// file name, the root or an invalid path.
func pathExtractDirectory(p string) (string, bool) {
	c, before, ok := lastComponent(p)
	if !ok || c == "" {
		return "", false
	}
	if before == "" {
		return "", false
	}
	if strings.Trim(before, "/") == "" {
		return "/", true
	}
	d := unitname.PathSimplify(before)
	if !unitname.PathIsValid(d) {
		return "", false
	}
	return d, true
}

// pathExtractFilename is path_extract_filename; dir reports a trailing
// slash.
func pathExtractFilename(p string) (name string, dir, ok bool) {
	if !unitname.PathIsValid(p) {
		return "", false, false
	}
	c, before, ok := lastComponent(p)
	if !ok || c == "" || c == ".." {
		return "", false, false
	}
	return c, len(before)+len(c) < len(p), true
}

// baseName is glibc's GNU basename: everything after the last slash.
func baseName(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// skipRoot strips the root directory from p, keeping a leading slash; ok
// is false if p is not under root. Without root, p is returned as is.
func skipRoot(root, p string) (string, bool) {
	if root == "" {
		return p, true
	}
	rest, ok := unitname.PathStartsWith(p, root)
	if !ok {
		return "", false
	}
	// path_startswith returns a pointer into p; the byte before it is a
	// slash unless nothing was left.
	i := len(p) - len(rest)
	if rest == "" {
		if i > 0 && p[i-1] == '/' {
			return p[i-1:], true
		}
		return "", false
	}
	if i == 0 || p[i-1] != '/' {
		return "", false
	}
	return p[i-1:], true
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func uniq(l []string) []string {
	var out []string
	for _, s := range l {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
