package systemctl

import (
	"strings"
	"unicode/utf8"

	"gosystemd/impl/cli/term"
)

// Colors of list-unit-files' table.
const (
	ansiHighlightRed   = "\x1b[0;1;31m"
	ansiHighlightGreen = "\x1b[0;1;32m"
	ansiNormal         = "\x1b[0m"
)

// cell is one table cell; empty cells show a dash. color also colors the
// gap to the next cell, as TABLE_SET_BOTH_COLORS does, unless noGap
// (TABLE_SET_COLOR).
type cell struct {
	text  string
	color string
	empty bool
	noGap bool
}

// table is format-table as list-unit-files uses it: upper-cased headers,
// columns one space apart, as wide as their widest cell when stdout is
// not a terminal (and with --full).
type table struct {
	term    *term.Term
	columns []string
	rows    [][]cell
	header  bool
	full    bool
	pending []cell
	// hidden columns are not displayed (table_hide_column_from_display).
	hidden map[int]bool
}

// hide leaves column i out of the output.
func (tb *table) hide(i int) {
	if tb.hidden == nil {
		tb.hidden = map[int]bool{}
	}
	tb.hidden[i] = true
}

// rowCount is the number of rows besides the header.
func (tb *table) rowCount() int { return len(tb.rows) }

func newTable(t *term.Term, columns ...string) *table {
	return &table{term: t, columns: columns, header: true}
}

func (tb *table) add(cells ...cell) {
	for _, c := range cells {
		if tb.pending == nil {
			tb.pending = make([]cell, 0, len(tb.columns))
		}
		tb.pending = append(tb.pending, c)
		if len(tb.pending) == len(tb.columns) {
			tb.rows = append(tb.rows, tb.pending)
			tb.pending = nil
		}
	}
}

func (tb *table) addEmpty(color string) { tb.add(cell{empty: true, color: color}) }

func width(s string) int { return utf8.RuneCountInString(s) }

func (tb *table) String() string {
	var shown []int
	for i := range tb.columns {
		if !tb.hidden[i] {
			shown = append(shown, i)
		}
	}
	pick := func(r []cell) []cell {
		out := make([]cell, len(shown))
		for k, i := range shown {
			out[k] = r[i]
		}
		return out
	}
	head := make([]cell, len(tb.columns))
	for i, c := range tb.columns {
		head[i] = cell{text: strings.ToUpper(c)}
	}
	all := [][]cell{pick(head)}
	for _, r := range tb.rows {
		all = append(all, pick(r))
	}
	widths := make([]int, len(shown))
	for i, r := range all {
		if i == 0 && !tb.header {
			continue
		}
		for j, c := range r {
			text := c.text
			if c.empty {
				text = "-"
			}
			widths[j] = max(widths[j], width(text), 1)
		}
	}
	colors := tb.term.Colors()
	var b strings.Builder
	for i, r := range all {
		if i == 0 && !tb.header {
			continue
		}
		isHeader := i == 0
		gap := ""
		for j, c := range r {
			text := c.text
			color := c.color
			if c.empty {
				text = "-"
				if color == "" {
					color = tb.term.Grey()
				}
			}
			if l := width(text); l < widths[j] {
				padded := text + strings.Repeat(" ", widths[j]-l)
				if j == len(r)-1 && (!colors || color == "" && !isHeader) {
					padded = strings.TrimRight(padded, " ")
				}
				text = padded
			}
			if colors {
				if gap != "" {
					b.WriteString(gap)
				} else if isHeader {
					b.WriteString(tb.term.Underline())
				}
			}
			if j > 0 {
				b.WriteByte(' ')
			}
			if colors {
				if gap != "" || color != "" && isHeader {
					b.WriteString(ansiNormal)
				}
				if color != "" {
					b.WriteString(color)
				} else if gap != "" && isHeader {
					b.WriteString(tb.term.Underline())
				}
			}
			b.WriteString(text)
			if colors && (color != "" || isHeader) {
				b.WriteString(ansiNormal)
			}
			gap = c.color
			if c.noGap {
				gap = ""
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
