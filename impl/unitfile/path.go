package unitfile

import "strings"

// Path checks systemd applies to executables. They match unitname's
// helpers of the same names; this package keeps its own copy to import
// nothing of ours.

const (
	nameMax = 255  // NAME_MAX
	pathMax = 4096 // PATH_MAX, with the trailing NUL
)

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

// firstComponent is systemd's path_find_first_component with ".."
// accepted: the first component of p ("" if none) and the rest, ok=false
// if the component is longer than NAME_MAX.
func firstComponent(p string) (comp, rest string, ok bool) {
	first := skipSlashOrDot(p)
	if first == "" || first == "." {
		return "", "", true
	}
	end := strings.IndexByte(first, '/')
	if end < 0 {
		end = len(first)
	}
	if end > nameMax {
		return "", p, false
	}
	next := skipSlashOrDot(first[end:])
	if next == "." {
		next = ""
	}
	return first[:end], next, true
}

// pathIsValid is systemd's path_is_valid.
func pathIsValid(p string) bool {
	if p == "" {
		return false
	}
	for e := p; ; {
		_, rest, ok := firstComponent(e)
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

// filenameIsValid is systemd's filename_is_valid.
func filenameIsValid(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && len(s) <= nameMax
}

// simplifyPath is systemd's path_simplify.
func simplifyPath(p string) string {
	if p == "" {
		return p
	}
	var b strings.Builder
	rest := p
	if strings.HasPrefix(p, "/") {
		b.WriteByte('/')
		rest = p[1:]
	}
	slash := false
	for {
		comp, next, ok := firstComponent(rest)
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
