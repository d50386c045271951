package condition

import (
	"strings"
	"syscall"
)

// compareOp is systemd's CompareOperator.
type compareOp int

const (
	opInvalid compareOp = iota
	opStringEqual
	opStringUnequal
	opFnmatchEqual
	opFnmatchUnequal
	opLowerOrEqual
	opGreaterOrEqual
	opLower
	opGreater
	opEqual
	opUnequal
)

// Flags of parseCompareOperator.
const (
	compareAllowFnmatch = 1 << iota
	compareEqualByString
)

// compareOperatorChars are the characters an operator is made of, with
// "$" of the fnmatch operators.
const compareOperatorWithFnmatchChars = "!<=>$"

// operators are tried in order: longer operators before their prefixes.
var operators = []struct {
	op        compareOp
	text      string
	validMask int // the operator is an error unless these flags are set
	needMask  int // the operator is skipped unless these flags are set
}{
	{opFnmatchEqual, "$=", compareAllowFnmatch, 0},
	{opFnmatchUnequal, "!$=", compareAllowFnmatch, 0},
	{opUnequal, "<>", 0, 0},
	{opLowerOrEqual, "<=", 0, 0},
	{opGreaterOrEqual, ">=", 0, 0},
	{opLower, "<", 0, 0},
	{opGreater, ">", 0, 0},
	{opEqual, "==", 0, 0},
	{opStringEqual, "=", 0, compareEqualByString},
	{opEqual, "=", 0, 0},
	{opStringUnequal, "!=", 0, compareEqualByString},
	{opUnequal, "!=", 0, 0},
	// The textual forms (lt, le, ...) need a flag no condition passes.
	{opLower, "lt", -1, 0},
	{opLowerOrEqual, "le", -1, 0},
	{opEqual, "eq", -1, 0},
	{opUnequal, "ne", -1, 0},
	{opGreaterOrEqual, "ge", -1, 0},
	{opGreater, "gt", -1, 0},
}

// parseCompareOperator is parse_compare_operator: the operator s starts
// with and the rest of s after it; opInvalid (and s unchanged) if none.
func parseCompareOperator(s string, flags int) (compareOp, string) {
	for _, o := range operators {
		if o.needMask != 0 && flags&o.needMask != o.needMask {
			continue
		}
		if rest, ok := strings.CutPrefix(s, o.text); ok {
			if o.validMask != 0 && (o.validMask < 0 || flags&o.validMask != o.validMask) {
				return opInvalid, s
			}
			return o.op, rest
		}
	}
	return opInvalid, s
}

// testOrder is test_order: whether a comparison result k satisfies op.
func testOrder(k int, op compareOp) (bool, error) {
	switch op {
	case opLower:
		return k < 0, nil
	case opLowerOrEqual:
		return k <= 0, nil
	case opEqual:
		return k == 0, nil
	case opUnequal:
		return k != 0, nil
	case opGreaterOrEqual:
		return k >= 0, nil
	case opGreater:
		return k > 0, nil
	}
	return false, syscall.EINVAL
}

// versionOrFnmatchCompare is version_or_fnmatch_compare: a against the
// pattern or version b.
func versionOrFnmatchCompare(op compareOp, a, b string) (bool, error) {
	switch op {
	case opStringEqual:
		return a == b, nil
	case opStringUnequal:
		return a != b, nil
	case opFnmatchEqual, opFnmatchUnequal:
		m, err := fnmatch(b, a, 0)
		if err != nil {
			return false, syscall.EINVAL
		}
		return m == (op == opFnmatchEqual), nil
	}
	return testOrder(VersionCompare(a, b), op)
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

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// VersionCompare is systemd's strverscmp_improved: -1, 0 or 1 as version
// a is older than, the same as or newer than b. Versions are split into
// numeric and alphabetic segments; "~" marks a pre-release (oldest), "-"
// the release part, "^" a patched release, "." a point release; other
// characters only separate segments.
func VersionCompare(a, b string) int {
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
			return cmpInt(int(at(a, 0)), int(at(b, 0)))
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
			if r := cmpInt(na-za, nb-zb); r != 0 {
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
			if r := cmpInt(na, nb); r != 0 {
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
			return cmpInt(int(ca), int(cb))
		}
		if ca == 0 {
			return 0
		}
	}
	return 0
}
