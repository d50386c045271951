package unitfile

import (
	"bufio"
	"io"
	"syscall"
)

// ReadLine is systemd's read_line_full: a line ends at EOF, or at "\n",
// "\r" or NUL, or a run of them in which none repeats and NUL comes last
// ("\r\n", "\n\r\0", ...). ok is false at the end of the input; a line
// longer than limit fails with ENOBUFS.
func ReadLine(br *bufio.Reader, limit int) (line string, ok bool, err error) {
	const (
		eolNUL = 1 << iota
		eolLF
		eolCR
	)
	var b []byte
	seen, count := 0, 0
	for {
		if len(b) >= limit {
			return "", false, syscall.ENOBUFS
		}
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false, err
		}
		eol := 0
		switch c {
		case '\n':
			eol = eolLF
		case '\r':
			eol = eolCR
		case 0:
			eol = eolNUL
		}
		if seen&eolNUL != 0 || eol == 0 && seen != 0 || eol != 0 && seen&eol != 0 {
			_ = br.UnreadByte()
			break
		}
		count++
		if eol != 0 {
			seen |= eol
			continue
		}
		b = append(b, c)
	}
	return string(b), count > 0, nil
}
