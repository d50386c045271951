package native

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// StreamHeader is what a stream to journald's stdout socket announces
// before its first line of output.
type StreamHeader struct {
	// Identifier is the SYSLOG_IDENTIFIER= of the stream's entries; ""
	// lets journald use the process's name.
	Identifier string
	// UnitID ties entries to a unit; journald honours it only from
	// root, and only when it is a valid unit name.
	UnitID string
	// Priority is the syslog priority of lines without a level prefix;
	// it may carry facility bits (PID 1 sends SyslogFacility= with
	// SyslogLevel=).
	Priority int
	// LevelPrefix says lines may start with a <N> priority prefix.
	LevelPrefix bool
	// Forward flags copy each line to syslog, the kernel log and the
	// console, besides the journal.
	ForwardToSyslog, ForwardToKmsg, ForwardToConsole bool
}

// Append appends the header as PID 1 (and sd_journal_stream_fd) write
// it: seven lines, booleans as 0 or 1. Nothing is checked: a newline in
// a value desynchronises journald exactly as it would with systemd.
func (h StreamHeader) Append(b []byte) []byte {
	b = append(b, h.Identifier...)
	b = append(b, '\n')
	b = append(b, h.UnitID...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, int64(h.Priority), 10)
	b = append(b, '\n')
	for _, v := range []bool{h.LevelPrefix, h.ForwardToSyslog, h.ForwardToKmsg, h.ForwardToConsole} {
		if v {
			b = append(b, '1', '\n')
		} else {
			b = append(b, '0', '\n')
		}
	}
	return b
}

// ConnectStream connects to journald's stdout socket at path
// (StdoutPath for the system journal) and sends the header, as PID 1
// does for StandardOutput=journal: the stream is shut down for reading
// and its send buffer raised. The file is what the service gets as its
// stdout or stderr.
func ConnectStream(path string, h StreamHeader) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("journal stream: %w", err)
	}
	if err := connectStream(fd, path, h); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("journal stream %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), "journal-stream:"+path), nil
}

func connectStream(fd int, path string, h StreamHeader) error {
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	if err := unix.Shutdown(fd, unix.SHUT_RD); err != nil {
		return err
	}
	increaseSendBuffer(fd)
	for rest := h.Append(nil); len(rest) > 0; {
		n, err := unix.Write(fd, rest)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}
