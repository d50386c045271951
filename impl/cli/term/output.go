package term

import (
	"bufio"
	"bytes"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Output buffers standard output as glibc's stdio does, so that it
// interleaves with messages on stderr as systemd's does: line by line on
// a terminal, else in blocks of the file's preferred size (at most 8 KiB).
// Write errors surface from Write or Flush, for the tool to report.
type Output struct {
	w    *bufio.Writer
	line bool
}

// NewOutput buffers w, a tool's stdout.
func NewOutput(w io.Writer) *Output {
	size := 4096
	if f, ok := w.(*os.File); ok {
		var st unix.Stat_t
		if unix.Fstat(int(f.Fd()), &st) == nil && st.Blksize > 0 {
			size = min(int(st.Blksize), 8192)
		}
	}
	return &Output{w: bufio.NewWriterSize(w, size), line: IsTTY(w)}
}

// Redirect sends everything from now on to w, fully buffered, as
// standard output is once a pager reads it.
func (o *Output) Redirect(w io.Writer) {
	o.w.Flush()
	o.line = false
	o.w.Reset(w)
}

func (o *Output) Write(p []byte) (int, error) {
	i := bytes.LastIndexByte(p, '\n')
	if !o.line || i < 0 {
		return o.w.Write(p)
	}
	n, err := o.w.Write(p[:i+1])
	if err == nil {
		err = o.w.Flush()
	}
	if err != nil {
		return n, err
	}
	m, err := o.w.Write(p[i+1:])
	return n + m, err
}

// Flush writes what is buffered.
func (o *Output) Flush() error { return o.w.Flush() }
