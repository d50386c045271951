package path

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
)

// fromUserDirs resolves an XDG user directory (XDG_MUSIC_DIR, ...) from
// the user-dirs.dirs file in the user's configuration directory, as
// systemd 252 does; without an entry it is the home directory, or
// "Desktop" in it for XDG_DESKTOP_DIR.
func fromUserDirs(field string) func() (string, error) {
	return func() (string, error) {
		config, err := fromHome("XDG_CONFIG_HOME", ".config")()
		if err != nil {
			return "", err
		}
		f, err := os.Open(unitname.PathJoin(config, "user-dirs.dirs"))
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return "", err
		default:
			defer f.Close()
			if p, found, err := parseUserDirs(bufio.NewReader(f), field); err != nil || found {
				return p, err
			}
		}
		h, err := homeDir()
		if err != nil {
			return "", err
		}
		if field == "XDG_DESKTOP_DIR" {
			return unitname.PathJoin(h, "Desktop"), nil
		}
		return h, nil
	}
}

// parseUserDirs looks for the first line `FIELD = "VALUE"` whose value is
// "$HOME/...", "$HOME" or an absolute path, as xdg-user-dirs writes them.
// Text after the last quote is ignored.
func parseUserDirs(r *bufio.Reader, field string) (string, bool, error) {
	for {
		line, n, err := readLine(r)
		if err != nil {
			return "", false, err
		}
		if n == 0 {
			return "", false, nil
		}
		l := strings.Trim(line, whitespace)
		rest, ok := strings.CutPrefix(l, field)
		if !ok {
			continue
		}
		rest, ok = strings.CutPrefix(strings.TrimLeft(rest, whitespace), "=")
		if !ok {
			continue
		}
		rest, ok = strings.CutPrefix(strings.TrimLeft(rest, whitespace), `"`)
		if !ok {
			continue
		}
		end := strings.LastIndexByte(rest, '"')
		if end < 0 {
			continue
		}
		value := rest[:end]
		switch {
		case strings.HasPrefix(value, "$HOME/"):
			h, err := homeDir()
			if err != nil {
				return "", false, err
			}
			return unitname.PathJoin(h, value[len("$HOME"):]), true, nil
		case value == "$HOME":
			h, err := homeDir()
			return h, err == nil, err
		case strings.HasPrefix(value, "/"):
			return value, true, nil
		}
	}
}

// whitespace is systemd's WHITESPACE.
const whitespace = " \t\n\r"

// longLineMax is systemd's LONG_LINE_MAX, the longest line read_line
// accepts.
const longLineMax = 1 << 20

// End of line markers, as bits.
const (
	eolNUL = 1 << iota
	eolLF
	eolCR
)

// readLine is systemd's read_line: a line ends at any run of "\n", "\r"
// and "\0" in which no marker repeats (so "\r\n" is one line end but
// "\n\n" ends a line and then an empty one), and a "\0" ends the run. n
// counts the bytes consumed, markers included; it is 0 only at the end
// of the file. Lines of LONG_LINE_MAX bytes or more fail with ENOBUFS.
func readLine(r *bufio.Reader) (line string, n int, err error) {
	var buf []byte
	previous := 0
	for {
		if len(buf) >= longLineMax {
			return "", n, fmt.Errorf("line longer than %d bytes: %w", longLineMax, syscall.ENOBUFS)
		}
		c, err := r.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", n, err
		}
		eol := 0
		switch c {
		case 0:
			eol = eolNUL
		case '\n':
			eol = eolLF
		case '\r':
			eol = eolCR
		}
		if previous&eolNUL != 0 || (eol == 0 && previous != 0) || (eol != 0 && previous&eol != 0) {
			r.UnreadByte()
			break
		}
		n++
		if eol != 0 {
			previous |= eol
			continue
		}
		buf = append(buf, c)
	}
	return string(buf), n, nil
}
