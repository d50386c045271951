package delta

import (
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// colorMode is systemd's choice of how many colors the terminal gets.
type colorMode int

const (
	colorOff colorMode = iota
	color16
	color256
	colorOn
)

// term is what systemd decides about the terminal once per run: colors
// (SYSTEMD_COLORS, NO_COLOR, TERM, whether stdout and stderr are ttys)
// and hyperlinks (SYSTEMD_URLIFY).
type term struct {
	mode      colorMode
	urlify    bool
	stderrTTY bool
}

func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// parseBoolean is systemd's parse_boolean: 1 for yes, 0 for no, -1 for
// neither.
func parseBoolean(s string) int {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return 1
	case "0", "no", "n", "false", "f", "off":
		return 0
	}
	return -1
}

func detectTerm(out, errw io.Writer) *term {
	t := &term{stderrTTY: isTTY(errw)}
	termEnv, termSet := os.LookupEnv("TERM")
	dumb := !termSet || termEnv == "dumb"
	t.mode = colorMode(-1)
	if e, ok := os.LookupEnv("SYSTEMD_COLORS"); ok {
		switch {
		case e == "16":
			t.mode = color16
		case e == "256":
			t.mode = color256
		case parseBoolean(e) == 1:
			t.mode = colorOn
		case parseBoolean(e) == 0:
			t.mode = colorOff
		}
	}
	if t.mode < 0 {
		_, noColor := os.LookupEnv("NO_COLOR")
		onTTY := isTTY(out) && t.stderrTTY
		switch {
		case noColor, dumb, os.Getpid() != 1 && !onTTY:
			t.mode = colorOff
		default:
			// 24-bit terminals get the same sequences as 256-color ones.
			t.mode = color256
		}
	}
	colors := t.mode != colorOff
	t.urlify = colors
	if e, ok := os.LookupEnv("SYSTEMD_URLIFY"); ok && parseBoolean(e) >= 0 {
		t.urlify = parseBoolean(e) == 1
	}
	return t
}

func (t *term) colors() bool { return t.mode != colorOff }

func (t *term) ansi(seq string) string {
	if t.colors() {
		return seq
	}
	return ""
}

// ansi256 is a sequence that has a fallback for 16-color terminals.
func (t *term) ansi256(seq, fallback string) string {
	switch t.mode {
	case colorOff:
		return ""
	case color16:
		return fallback
	}
	return seq
}

const ansiNormal = "\x1b[0m"

func (t *term) highlight() string { return t.ansi("\x1b[0;1;39m") }
func (t *term) normal() string    { return t.ansi(ansiNormal) }

// link makes text a terminal hyperlink to url when hyperlinks are on.
func (t *term) link(url, text string) string {
	if !t.urlify {
		return text
	}
	return "\x1b]8;;" + url + "\a" + text + "\x1b]8;;\a"
}

func (t *term) manLink(page, section string) string {
	return t.link("man:"+page+"("+section+")", page+"("+section+") man page")
}
