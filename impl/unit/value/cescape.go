package value

import (
	"fmt"
	"strings"
)

// CEscape is systemd's cescape: C escapes for non-printable bytes.
func CEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\'':
			b.WriteString(`\'`)
		default:
			if c < ' ' || c >= 127 {
				fmt.Fprintf(&b, "\\x%x%x", c>>4, c&15)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}
