// Package term owns what a tool decides about its terminal once per run,
// as systemd's terminal-util does: whether and how many colors to use
// (SYSTEMD_COLORS, NO_COLOR, TERM, whether stdout and stderr are
// terminals), underlining (not on the Linux console), hyperlinks
// (SYSTEMD_URLIFY), and stdio-like buffering of standard output.
//
// Any tool may import term; it imports nothing of ours.
package term

import (
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// colorMode is how many colors the terminal gets.
type colorMode int

const (
	colorOff colorMode = iota
	color16
	color256
	colorOn
)

// Escape sequences systemd uses.
const (
	ansiNormal    = "\x1b[0m"
	ansiHighlight = "\x1b[0;1;39m"
	ansiUnderline = "\x1b[0;4m"
)

// Term is the terminal as one run of a tool sees it.
type Term struct {
	mode      colorMode
	underline bool
	urlify    bool
	stderrTTY bool
}

// IsTTY reports whether w is a file that is a terminal.
func IsTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// ParseBoolean is systemd's parse_boolean: 1 for yes, 0 for no, -1 for
// neither.
func ParseBoolean(s string) int {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return 1
	case "0", "no", "n", "false", "f", "off":
		return 0
	}
	return -1
}

// LocaleIsUTF8 is is_locale_utf8 after setlocale(LC_ALL, ""): only an
// explicitly chosen C or POSIX locale is not UTF-8 (locales that fail to
// load count as UTF-8; Debian ships no other non-UTF-8 locale by
// default).
func LocaleIsUTF8() bool {
	name := ""
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			name = s
			break
		}
	}
	if name != "" && name != "C" && name != "POSIX" {
		return true
	}
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if _, set := os.LookupEnv(v); set {
			return false
		}
	}
	return true
}

// Detect looks at the environment and at the tool's stdout and stderr.
func Detect(stdout, stderr io.Writer) *Term {
	t := &Term{stderrTTY: IsTTY(stderr)}
	termEnv, termSet := os.LookupEnv("TERM")
	dumb := !termSet || termEnv == "dumb"
	t.mode = colorMode(-1)
	if e, ok := os.LookupEnv("SYSTEMD_COLORS"); ok {
		switch {
		case e == "16":
			t.mode = color16
		case e == "256":
			t.mode = color256
		case ParseBoolean(e) == 1:
			t.mode = colorOn
		case ParseBoolean(e) == 0:
			t.mode = colorOff
		}
	}
	if t.mode < 0 {
		_, noColor := os.LookupEnv("NO_COLOR")
		onTTY := IsTTY(stdout) && t.stderrTTY
		switch {
		case noColor, dumb, os.Getpid() != 1 && !onTTY:
			t.mode = colorOff
		default:
			// 24-bit terminals get the same sequences as 256-color ones.
			t.mode = color256
		}
	}
	colors := t.mode != colorOff
	t.underline = colors && termEnv != "linux"
	t.urlify = colors
	if e, ok := os.LookupEnv("SYSTEMD_URLIFY"); ok && ParseBoolean(e) >= 0 {
		t.urlify = ParseBoolean(e) == 1
	}
	return t
}

// Colors reports whether colors are on.
func (t *Term) Colors() bool { return t.mode != colorOff }

// StderrTTY reports whether stderr is a terminal.
func (t *Term) StderrTTY() bool { return t.stderrTTY }

// ANSI is seq when colors are on, else "".
func (t *Term) ANSI(seq string) string {
	if t.Colors() {
		return seq
	}
	return ""
}

// ANSI256 is seq, or fallback on a 16-color terminal, or "" without
// colors.
func (t *Term) ANSI256(seq, fallback string) string {
	switch t.mode {
	case colorOff:
		return ""
	case color16:
		return fallback
	}
	return seq
}

// Normal resets all attributes.
func (t *Term) Normal() string { return t.ANSI(ansiNormal) }

// Highlight is bold text.
func (t *Term) Highlight() string { return t.ANSI(ansiHighlight) }

// Grey is dimmed text.
func (t *Term) Grey() string { return t.ANSI256("\x1b[0;38;5;245m", "\x1b[0;90m") }

// UnderlineEnabled reports whether underlining is on: colors, but not on
// the Linux console.
func (t *Term) UnderlineEnabled() bool { return t.underline }

// Underline starts underlined text, resetting other attributes; where
// underlining is off it only resets them.
func (t *Term) Underline() string {
	if t.underline {
		return ansiNormal + ansiUnderline
	}
	return t.Normal()
}

// Underlined is the color seq, underlined where underlining is on, or ""
// without colors.
func (t *Term) Underlined(seq string) string {
	switch {
	case !t.Colors():
		return ""
	case t.underline:
		return seq + ansiUnderline
	}
	return seq
}

// Link makes text a hyperlink to url when hyperlinks are on.
func (t *Term) Link(url, text string) string {
	if !t.urlify {
		return text
	}
	return "\x1b]8;;" + url + "\a" + text + "\x1b]8;;\a"
}

// ManLink is "PAGE(SECTION) man page", linked to the man page.
func (t *Term) ManLink(page, section string) string {
	return t.Link("man:"+page+"("+section+")", page+"("+section+") man page")
}
