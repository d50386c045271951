package term

import (
	"sort"
	"unicode/utf8"
)

// Ellipsize is systemd's ellipsize_mem: s shortened to at most columns
// terminal cells, the cut percent of the way along and marked with "…"
// (with "..." instead when the locale is not UTF-8 and s is ASCII). An
// ASCII string is cut by bytes, escape sequences included, as 252 cuts
// it; other text by characters, a wide one taking two cells. Text that
// is not valid UTF-8 is returned as is.
func Ellipsize(s string, columns, percent int, utf8Locale bool) string {
	if columns <= 0 {
		return ""
	}
	if isASCII(s) {
		return ellipsizeASCII(s, columns, percent, utf8Locale)
	}
	if !utf8.ValidString(s) {
		return s
	}
	x := (columns - 1) * percent / 100
	// The head: as many characters as fit in x cells.
	i, k := 0, 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		w := cellWidth(r)
		if k+w > x {
			break
		}
		k += w
		i += n
	}
	// The tail: as many of the last characters as fit in the rest.
	j := len(s)
	for j > i {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		w := cellWidth(r)
		if k+w > columns {
			break
		}
		k += w
		j -= n
	}
	if i == j {
		return s
	}
	// Room for the ellipsis: one character less at the tail, or else
	// at the head.
	if j < len(s) {
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	} else if i > 0 {
		_, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
	}
	return s[:i] + "…" + s[j:]
}

func ellipsizeASCII(s string, columns, percent int, utf8Locale bool) string {
	if len(s) <= columns {
		return s
	}
	switch {
	case columns == 1 && utf8Locale:
		return "…"
	case columns == 1:
		return "."
	case columns == 2 && !utf8Locale:
		return ".."
	}
	need, ellipsis := 1, "…"
	if !utf8Locale {
		need, ellipsis = 3, "..."
	}
	x := ((columns-need)*percent + 50) / 100
	suffix := columns - x - need
	return s[:x] + ellipsis + s[len(s)-suffix:]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cellWidth is how many cells r takes: 2 for the East Asian wide
// characters (Unicode 6.0's table, as systemd 252 has it), else 1.
func cellWidth(r rune) int {
	i := sort.Search(len(wideRanges), func(i int) bool { return wideRanges[i][1] >= r })
	if i < len(wideRanges) && wideRanges[i][0] <= r {
		return 2
	}
	return 1
}

// wideRanges are the wide characters of Unicode 6.0's
// DerivedEastAsianWidth.txt (W and F), sorted.
var wideRanges = [...][2]rune{
	{0x1100, 0x115F}, {0x2329, 0x232A}, {0x2E80, 0x2E99}, {0x2E9B, 0x2EF3},
	{0x2F00, 0x2FD5}, {0x2FF0, 0x2FFB}, {0x3000, 0x303E}, {0x3041, 0x3096},
	{0x3099, 0x30FF}, {0x3105, 0x312D}, {0x3131, 0x318E}, {0x3190, 0x31BA},
	{0x31C0, 0x31E3}, {0x31F0, 0x321E}, {0x3220, 0x3247}, {0x3250, 0x32FE},
	{0x3300, 0x4DBF}, {0x4E00, 0xA48C}, {0xA490, 0xA4C6}, {0xA960, 0xA97C},
	{0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE52},
	{0xFE54, 0xFE66}, {0xFE68, 0xFE6B}, {0xFF01, 0xFF60}, {0xFFE0, 0xFFE6},
	{0x1B000, 0x1B001}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23A},
	{0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F300, 0x1F567},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}
