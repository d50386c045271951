package condition

import (
	"strings"
	"syscall"

	"gosystemd/impl/version"
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
	return testOrder(version.Compare(a, b), op)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
