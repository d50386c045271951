package version

import (
	"cmp"
	"strings"
)

// Compare is systemd's strverscmp_improved: -1, 0 or 1 as version
// a is older than, the same as or newer than b. Versions are split into
// numeric and alphabetic segments; "~" marks a pre-release (oldest), "-"
// the release part, "^" a patched release, "." a point release; other
// characters only separate segments.
func Compare(a, b string) int {
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for {
		for a != "" && !isVersionChar(a[0]) {
			a = a[1:]
		}
		for b != "" && !isVersionChar(b[0]) {
			b = b[1:]
		}
		if at(a, 0) == '~' || at(b, 0) == '~' {
			if r := cmpBool(at(a, 0) != '~', at(b, 0) != '~'); r != 0 {
				return r
			}
			a, b = a[1:], b[1:]
		}
		if a == "" || b == "" {
			return cmp.Compare(int(at(a, 0)), int(at(b, 0)))
		}
		// Past a separator either string may end; at() reads the end as NUL.
		for _, sep := range []byte{'-', '^', '.'} {
			if at(a, 0) == sep || at(b, 0) == sep {
				if r := cmpBool(at(a, 0) != sep, at(b, 0) != sep); r != 0 {
					return r
				}
				a, b = a[1:], b[1:]
			}
		}
		var na, nb int
		if isDigit(at(a, 0)) || isDigit(at(b, 0)) {
			for na < len(a) && isDigit(a[na]) {
				na++
			}
			for nb < len(b) && isDigit(b[nb]) {
				nb++
			}
			if r := cmpBool(na > 0, nb > 0); r != 0 {
				return r
			}
			za, zb := 0, 0
			for za < na && a[za] == '0' {
				za++
			}
			for zb < nb && b[zb] == '0' {
				zb++
			}
			if r := cmp.Compare(na-za, nb-zb); r != 0 {
				return r
			}
			if r := strings.Compare(a[za:na], b[zb:nb]); r != 0 {
				return r
			}
		} else {
			for na < len(a) && isAlpha(a[na]) {
				na++
			}
			for nb < len(b) && isAlpha(b[nb]) {
				nb++
			}
			n := min(na, nb)
			if r := strncmp(a, b, n); r != 0 {
				return r
			}
			if r := cmp.Compare(na, nb); r != 0 {
				return r
			}
		}
		a, b = a[na:], b[nb:]
	}
}

// strncmp compares the first n bytes of a and b as C's strncmp, a NUL
// (end of string) sorting first.
func strncmp(a, b string, n int) int {
	for i := 0; i < n; i++ {
		var ca, cb byte
		if i < len(a) {
			ca = a[i]
		}
		if i < len(b) {
			cb = b[i]
		}
		if ca != cb {
			return cmp.Compare(int(ca), int(cb))
		}
		if ca == 0 {
			return 0
		}
	}
	return 0
}

func isVersionChar(c byte) bool {
	return isDigit(c) || isAlpha(c) || c == '~' || c == '-' || c == '^' || c == '.'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
