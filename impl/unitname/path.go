package unitname

// Path helpers with systemd's path-util semantics, for every package that
// handles paths the way systemd does. Paths are byte strings; a
// component longer than NAME_MAX makes a path invalid, as in systemd.

import "strings"

// Kernel limits systemd checks paths against.
const (
	nameMax = 255  // NAME_MAX, without the trailing NUL
	pathMax = 4096 // PATH_MAX, with the trailing NUL
)

// skipSlashOrDot skips "/" and "./" runs from the start of p.
func skipSlashOrDot(p string) string {
	for p != "" {
		switch {
		case p[0] == '/':
			p = p[1:]
		case strings.HasPrefix(p, "./"):
			p = p[1:]
		default:
			return p
		}
	}
	return p
}

// firstComponent splits the first component off p, skipping "/" and "."
// around it. It returns the component ("" when p has none left), the rest
// of p, and ok=false if the component is longer than NAME_MAX or is ".."
// while acceptDotDot is false.
func firstComponent(p string, acceptDotDot bool) (comp, rest string, ok bool) {
	first := skipSlashOrDot(p)
	if first == "" {
		return "", "", true
	}
	if first == "." {
		return "", "", true
	}
	end := strings.IndexByte(first, '/')
	if end < 0 {
		end = len(first)
	}
	if end > nameMax {
		return "", p, false
	}
	if !acceptDotDot && first[:end] == ".." {
		return "", p, false
	}
	next := skipSlashOrDot(first[end:])
	if next == "." {
		next = ""
	}
	return first[:end], next, true
}

// PathFirstComponent is path_find_first_component with ".." accepted:
// the first component of p ("" when none is left), the rest of p after
// it and the slashes and "." components that follow, and ok=false if the
// component is longer than NAME_MAX.
func PathFirstComponent(p string) (comp, rest string, ok bool) {
	return firstComponent(p, true)
}

// PathIsAbsolute reports whether p starts with "/".
func PathIsAbsolute(p string) bool { return strings.HasPrefix(p, "/") }

// PathIsValid is systemd's path_is_valid: non-empty, no component longer
// than NAME_MAX, and not longer than PATH_MAX-1 bytes up to its last
// component.
func PathIsValid(p string) bool { return pathIsValid(p, true) }

// PathIsSafe is PathIsValid that also refuses ".." components.
func PathIsSafe(p string) bool { return pathIsValid(p, false) }

func pathIsValid(p string, acceptDotDot bool) bool {
	if p == "" {
		return false
	}
	for e := p; ; {
		_, rest, ok := firstComponent(e, acceptDotDot)
		if !ok {
			return false
		}
		e = rest
		if len(p)-len(e) >= pathMax {
			return false
		}
		if e == "" {
			return true
		}
	}
}

// PathIsNormalized reports whether p is safe and has no "." components and
// no "//".
func PathIsNormalized(p string) bool {
	if !PathIsSafe(p) {
		return false
	}
	if p == "." || strings.HasPrefix(p, "./") || strings.HasSuffix(p, "/.") || strings.Contains(p, "/./") {
		return false
	}
	return !strings.Contains(p, "//")
}

// PathSimplify drops repeated and trailing slashes and "." components, as
// systemd's path_simplify: "///foo//./bar/." becomes "/foo/bar" and
// ".//./foo" becomes "foo". ".." is kept. From a component longer than
// NAME_MAX on, the rest is kept as is.
func PathSimplify(p string) string {
	if p == "" {
		return p
	}
	var b strings.Builder
	rest := p
	if PathIsAbsolute(p) {
		b.WriteByte('/')
		rest = p[1:]
	}
	slash := false
	for {
		comp, next, ok := firstComponent(rest, true)
		if ok && comp == "" {
			break
		}
		if slash {
			b.WriteByte('/')
		}
		if !ok {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(comp)
		rest = next
		slash = true
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// PathStartsWith is systemd's path_startswith (dots accepted): the part
// of p after prefix if each component of prefix matches one of p,
// ok=false if prefix is not one.
func PathStartsWith(p, prefix string) (string, bool) {
	if PathIsAbsolute(p) != PathIsAbsolute(prefix) {
		return "", false
	}
	for {
		c, rest, ok := firstComponent(p, true)
		if !ok {
			return "", false
		}
		pc, prest, ok := firstComponent(prefix, true)
		if !ok {
			return "", false
		}
		if pc == "" {
			if c == "" {
				return "", true
			}
			return skipSlashOrDot(p), true
		}
		if c != pc {
			return "", false
		}
		p, prefix = rest, prest
	}
}

// PathStartsWithAny is path_startswith_strv: PathStartsWith for the
// first of prefixes that p starts with.
func PathStartsWithAny(p string, prefixes []string) (string, bool) {
	for _, prefix := range prefixes {
		if rest, ok := PathStartsWith(p, prefix); ok {
			return rest, true
		}
	}
	return "", false
}

// PathEqual is path_equal: the same components (dots accepted), both
// absolute or both relative; two invalid paths are equal only as
// identical strings from the first invalid component on.
func PathEqual(a, b string) bool {
	if PathIsAbsolute(a) != PathIsAbsolute(b) {
		return false
	}
	for {
		ca, ra, oka := firstComponent(a, true)
		cb, rb, okb := firstComponent(b, true)
		if !oka || !okb {
			return !oka && !okb && a == b
		}
		if ca != cb {
			return false
		}
		if ca == "" {
			return true
		}
		a, b = ra, rb
	}
}

// PathJoin is systemd's path_join: the non-empty parts joined with a
// slash between two parts unless one is already there. Slashes already
// doubled stay.
func PathJoin(parts ...string) string {
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

// FilenameIsValid is systemd's filename_is_valid: a single component,
// neither "." nor "..", at most NAME_MAX bytes.
func FilenameIsValid(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && len(s) <= nameMax
}

// HiddenOrBackup is systemd's hidden_or_backup_file: a dot file,
// lost+found, a quota file, or a package manager's or editor's backup
// ("~", ".dpkg-old", ".rpmnew", ".swp", ".bak", ...). Directory listings
// of configuration skip these.
func HiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") || name == "lost+found" || name == "aquota.user" || name == "aquota.group" || strings.HasSuffix(name, "~") {
		return true
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return false
	}
	switch name[dot+1:] {
	case "rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist", "dpkg-bak",
		"dpkg-backup", "dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp", "bak", "old", "new":
		return true
	}
	return false
}

// IsDevicePath reports whether p is under /dev/ or /sys/ with something
// after the prefix.
func IsDevicePath(p string) bool {
	for _, prefix := range []string{"/dev/", "/sys/"} {
		if rest, ok := PathStartsWith(p, prefix); ok {
			return rest != ""
		}
	}
	return false
}

// EmptyOrRoot reports whether p is "" or names the root directory.
func EmptyOrRoot(p string) bool {
	if p == "" {
		return true
	}
	if !PathIsAbsolute(p) {
		return false
	}
	c, _, ok := firstComponent(p, true)
	return ok && c == ""
}
