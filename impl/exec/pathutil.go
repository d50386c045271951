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

// pathStartsWith is path_startswith as a predicate: prefix is p or one of
// its parents.
func pathStartsWith(p, prefix string) bool {
	if strings.HasPrefix(p, "/") != strings.HasPrefix(prefix, "/") {
		return false
	}
	pc, qc := components(p), components(prefix)
	if len(qc) > len(pc) {
		return false
	}
	for i := range qc {
		if pc[i] != qc[i] {
			return false
		}
	}
	return true
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
	ac, bc := components(a), components(b)
	for i := 0; ; i++ {
		switch {
		case i == len(ac) && i == len(bc):
			return 0
		case i == len(ac):
			return -1
		case i == len(bc):
			return 1
		}
		x, y := ac[i], bc[i]
		n := min(len(x), len(y))
		if c := strings.Compare(x[:n], y[:n]); c != 0 {
			return c
		}
		if len(x) != len(y) {
			if len(x) < len(y) {
				return -1
			}
			return 1
		}
	}
}
