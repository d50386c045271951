package analyze

import (
	"strings"
	"unicode/utf8"
)

// table is the two-column, header-less name/value table systemd-analyze's
// time verbs print through format-table, as it comes out when stdout is
// not a terminal: names right-aligned, values left-aligned, a cell may span
// several lines.
type table struct {
	rows [][2]func() string
}

func (t *table) add(name, value string) {
	t.addLazy(name, func() string { return value })
}

// addLazy adds a row whose value is formatted only when printing.
func (t *table) addLazy(name string, value func() string) {
	t.rows = append(t.rows, [2]func() string{func() string { return name }, value})
}

// consoleWidth is utf8_console_width for the text our parsers accept.
func consoleWidth(s string) int { return utf8.RuneCountInString(s) }

// cellWidth is the widest line of a cell.
func cellWidth(s string) int {
	w := 0
	for {
		line, rest, more := strings.Cut(s, "\n")
		w = max(w, consoleWidth(line))
		if !more || rest == "" {
			return w
		}
		s = rest
	}
}

// extractLine is systemd's string_extract_line: line i of s and whether
// more lines follow it.
func extractLine(s string, i int) (string, bool) {
	for c := 0; ; c++ {
		line, rest, found := strings.Cut(s, "\n")
		if c == i {
			if found {
				return line, rest != ""
			}
			return line, false
		}
		if !found {
			return "", false
		}
		s = rest
	}
}

func (t *table) String() string {
	var width [2]int
	cells := make([][2]string, len(t.rows))
	for i, r := range t.rows {
		for j := range r {
			cells[i][j] = r[j]()
			width[j] = max(width[j], cellWidth(cells[i][j]))
		}
	}
	var b strings.Builder
	for _, r := range cells {
		for sub := 0; ; sub++ {
			more := false
			for j := range r {
				field, m := extractLine(r[j], sub)
				more = more || m
				if j > 0 {
					b.WriteByte(' ')
				}
				pad := width[j] - consoleWidth(field)
				if pad <= 0 {
					b.WriteString(field)
					continue
				}
				if j == 0 {
					b.WriteString(strings.Repeat(" ", pad) + field)
				} else {
					b.WriteString(strings.TrimRight(field, " \t\n\r"))
				}
			}
			b.WriteByte('\n')
			if !more {
				break
			}
		}
	}
	return b.String()
}
