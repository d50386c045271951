package delta

import (
	"bufio"
	"bytes"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// output buffers standard output as glibc's stdio does, so that it
// interleaves with messages on stderr as systemd's does: line by line on
// a terminal, else in blocks of the file's preferred size (at most 8 KiB).
// dst is where it goes: standard output, or the pager's pipe.
type output struct {
	dst  io.Writer
	w    *bufio.Writer
	line bool
}

func newOutput(w io.Writer) *output {
	size := 4096
	if f, ok := w.(*os.File); ok {
		var st unix.Stat_t
		if unix.Fstat(int(f.Fd()), &st) == nil && st.Blksize > 0 {
			size = min(int(st.Blksize), 8192)
		}
	}
	return &output{dst: w, w: bufio.NewWriterSize(w, size), line: isTTY(w)}
}

// redirect sends everything from now on to w, fully buffered.
func (o *output) redirect(w io.Writer) {
	o.w.Flush()
	o.dst, o.line = w, false
	o.w.Reset(w)
}

func (o *output) Write(p []byte) (int, error) {
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

func (o *output) Flush() error { return o.w.Flush() }
