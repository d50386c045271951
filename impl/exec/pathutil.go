package exec

import "strings"

// Path helpers with systemd's semantics (path-util.c): paths compare
// component by component, "." components and repeated slashes ignored.

// components splits p into its components, dropping "" and ".".
func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// nextComponent is the component of p that starts at or after i ("" and
// "." skipped) and the index after it; c is "" when p has no more.
func nextComponent(p string, i int) (c string, next int) {
	for i < len(p) {
		for i < len(p) && p[i] == '/' {
			i++
		}
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		c, i = p[i:j], j
		if c != "" && c != "." {
			return c, i
		}
	}
	return "", i
}

// pathStartsWith is path_startswith as a predicate: prefix is p or one of
// its parents.
func pathStartsWith(p, prefix string) bool {
	if strings.HasPrefix(p, "/") != strings.HasPrefix(prefix, "/") {
		return false
	}
	for i, j := 0, 0; ; {
		var q, c string
		if q, j = nextComponent(prefix, j); q == "" {
			return true
		}
		if c, i = nextComponent(p, i); c != q {
			return false
		}
	}
}

// pathEqual is path_equal.
func pathEqual(a, b string) bool { return pathCompare(a, b) == 0 }

// pathCompare is path_compare: relative before absolute, then component
// by component, a prefix before what it is a prefix of.
func pathCompare(a, b string) int {
	aa, ba := strings.HasPrefix(a, "/"), strings.HasPrefix(b, "/")
	if aa != ba {
		if aa {
			return 1
		}
		return -1
	}
	for i, j := 0, 0; ; {
		var x, y string
		x, i = nextComponent(a, i)
		y, j = nextComponent(b, j)
		switch {
		case x == "" && y == "":
			return 0
		case x == "":
			return -1
		case y == "":
			return 1
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
}
