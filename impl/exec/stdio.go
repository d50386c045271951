package exec

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// StreamHeader is the header a process's stdout/stderr stream sends to
// journald's stdout socket (/run/systemd/journal/stdout) before any log
// text: seven newline-terminated lines.
//
//	identifier\n        SyslogIdentifier=, or the command's file name
//	unit id\n           the unit (system manager), or empty
//	priority\n          SyslogPriority= as facility|level, e.g. 30
//	level prefix\n      1 if "<N>" prefixes set the level (SyslogLevelPrefix=)
//	forward to syslog\n 0
//	forward to kmsg\n   1 for kmsg outputs
//	forward to console\n 1 for +console outputs
type StreamHeader struct {
	Identifier       string
	Unit             string
	Priority         int
	LevelPrefix      bool
	ForwardToSyslog  bool
	ForwardToKmsg    bool
	ForwardToConsole bool
}

// Bytes renders the header.
func (h StreamHeader) Bytes() []byte {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	return []byte(fmt.Sprintf("%s\n%s\n%d\n%d\n%d\n%d\n%d\n", h.Identifier, h.Unit, h.Priority,
		b(h.LevelPrefix), b(h.ForwardToSyslog), b(h.ForwardToKmsg), b(h.ForwardToConsole)))
}

// JournalStdoutSocket is journald's stream socket.
const JournalStdoutSocket = "/run/systemd/journal/stdout"

func isTerminalInput(i string) bool { return i == "tty" || i == "tty-force" || i == "tty-fail" }

func isTerminalOutput(o string) bool {
	return o == "tty" || o == "kmsg+console" || o == "journal+console"
}

func isKmsgOutput(o string) bool { return o == "kmsg" || o == "kmsg+console" }

func isFileOutput(o string) bool { return o == "file" || o == "append" || o == "truncate" }

// stdio sets up fds 0, 1 and 2 as 252's setup_input/setup_output.
type stdio struct {
	s          *Spec
	socketFD   int    // StandardInput/Output/Error=socket: the connection, else -1
	named      [3]int // fd:NAME resolved among the passed fds, else -1
	uid, gid   uint32 // the unit's user and group (noID: unchanged)
	ident      string // the command's file name
	underInit  bool   // getppid() == 1
	journalDev uint64
	journalIno uint64
	warn       func(string)
}

// ttyPath is exec_context_tty_path.
func ttyPathOf(s *Spec) string {
	if s.FDs.Stdin >= 0 || s.FDs.Stdout >= 0 || s.FDs.Stderr >= 0 {
		return ""
	}
	if s.TTYPath != "" {
		return s.TTYPath
	}
	return "/dev/console"
}

func (x *stdio) fixupInput() string {
	i := x.s.StdInput
	switch {
	case isTerminalInput(i) && !x.s.ApplyTTYStdin:
		return "null"
	case i == "socket" && x.socketFD < 0:
		return "null"
	case i == "data" && len(x.s.StdinData) == 0:
		return "null"
	}
	return i
}

func (x *stdio) fixupOutput(o string) string {
	if o == "socket" && x.socketFD < 0 {
		return "inherit"
	}
	return o
}

// dup2 is dup2(2); an fd duplicated onto itself stays as it is.
func dup2(from, to int) error {
	if from == to {
		return nil
	}
	return unix.Dup3(from, to, 0)
}

// moveFD is move_fd(fd, to, false): fd ends up as to, inheritable.
func moveFD(fd, to int) error {
	if fd == to {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0)
		return err
	}
	err := unix.Dup3(fd, to, 0)
	unix.Close(fd)
	return err
}

func openNullAs(flags, to int) error {
	fd, err := unix.Open("/dev/null", flags|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	return moveFD(fd, to)
}

func openTerminalAs(path string, flags, to int) error {
	fd, err := openTerminal(path, flags)
	if err != nil {
		return err
	}
	return moveFD(fd, to)
}

func setBlocking(fd int) { _ = unix.SetNonblock(fd, false) }

// acquirePath is acquire_path: open a file (created if written to), or
// connect to it if it is an AF_UNIX socket.
func acquirePath(path string, flags int, mode uint32) (int, error) {
	if acc := flags & unix.O_ACCMODE; acc == unix.O_WRONLY || acc == unix.O_RDWR {
		flags |= unix.O_CREAT
	}
	fd, err := unix.Open(path, flags|unix.O_NOCTTY|unix.O_CLOEXEC, mode)
	if err == nil {
		return fd, nil
	}
	if err != unix.ENXIO {
		return -1, err
	}
	sfd, serr := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if serr != nil {
		return -1, serr
	}
	if cerr := unix.Connect(sfd, &unix.SockaddrUnix{Name: path}); cerr != nil {
		unix.Close(sfd)
		if cerr == unix.ENOTSOCK || cerr == unix.EINVAL {
			return -1, unix.ENXIO
		}
		return -1, cerr
	}
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		err = unix.Shutdown(sfd, unix.SHUT_WR)
	case unix.O_WRONLY:
		err = unix.Shutdown(sfd, unix.SHUT_RD)
	}
	if err != nil {
		unix.Close(sfd)
		return -1, err
	}
	return sfd, nil
}

// setupInput is setup_input.
func (x *stdio) setupInput() error {
	s := x.s
	if s.FDs.Stdin >= 0 {
		if err := dup2(s.FDs.Stdin, 0); err != nil {
			return err
		}
		if isatty(0) {
			force := 0
			if s.StdInput == "tty-force" {
				force = 1
			}
			_ = unix.IoctlSetInt(0, unix.TIOCSCTTY, force)
			resetTerminalFD(0)
			_ = setTerminalSize(0, s.ttyRows(), s.ttyCols())
		}
		return nil
	}
	switch i := x.fixupInput(); i {
	case "null":
		return openNullAs(unix.O_RDONLY, 0)
	case "tty", "tty-force", "tty-fail":
		mode := acquireWait
		if i == "tty-fail" {
			mode = acquireTry
		} else if i == "tty-force" {
			mode = acquireForce
		}
		fd, err := acquireTerminal(ttyPathOf(s), mode)
		if err != nil {
			return err
		}
		if err := setTerminalSize(fd, s.ttyRows(), s.ttyCols()); err != nil {
			unix.Close(fd)
			return err
		}
		return moveFD(fd, 0)
	case "socket":
		return dup2(x.socketFD, 0)
	case "fd":
		setBlocking(x.named[0])
		return dup2(x.named[0], 0)
	case "data":
		fd, err := dataFD(s.StdinData)
		if err != nil {
			return err
		}
		return moveFD(fd, 0)
	case "file":
		rw := s.StdOutput == "file" && s.StdioFile[0] == s.StdioFile[1] ||
			s.StdError == "file" && s.StdioFile[0] == s.StdioFile[2]
		flags := unix.O_RDONLY
		if rw {
			flags = unix.O_RDWR
		}
		fd, err := acquirePath(s.StdioFile[0], flags, 0o666&^s.UMask)
		if err != nil {
			return err
		}
		return moveFD(fd, 0)
	default:
		return fmt.Errorf("unknown StandardInput=%s: %w", i, unix.EINVAL)
	}
}

// dataFD is acquire_data_fd: a read-only fd holding data (a memfd,
// sealed).
func dataFD(data []byte) (int, error) {
	fd, err := unix.MemfdCreate("data-fd", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, err
	}
	for off := 0; off < len(data); {
		n, err := unix.Write(fd, data[off:])
		if err != nil {
			unix.Close(fd)
			return -1, err
		}
		off += n
	}
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		unix.Close(fd)
		return -1, err
	}
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	ro, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	unix.Close(fd)
	return ro, err
}

// canInheritStderrFromStdout is can_inherit_stderr_from_stdout.
func (x *stdio) canInheritStderrFromStdout(o, e string) bool {
	if e == "inherit" {
		return true
	}
	if e != o {
		return false
	}
	if e == "fd" {
		return x.s.fdName(1) == x.s.fdName(2)
	}
	if isFileOutput(e) {
		return x.s.StdioFile[1] == x.s.StdioFile[2]
	}
	return true
}

// setupOutput is setup_output for fd 1 or 2.
func (x *stdio) setupOutput(fileno int) error {
	s := x.s
	if fileno == 1 && s.FDs.Stdout >= 0 {
		return dup2(s.FDs.Stdout, 1)
	}
	if fileno == 2 && s.FDs.Stderr >= 0 {
		return dup2(s.FDs.Stderr, 2)
	}
	i := x.fixupInput()
	o := x.fixupOutput(s.StdOutput)
	if fileno == 2 {
		e := x.fixupOutput(s.StdError)
		if e == "inherit" && o == "inherit" && i == "null" && !isTerminalInput(s.StdInput) && !x.underInit {
			return nil
		}
		if x.canInheritStderrFromStdout(o, e) {
			return dup2(1, 2)
		}
		o = e
	} else if o == "inherit" {
		if i == "null" && isTerminalInput(s.StdInput) {
			return openTerminalAs(ttyPathOf(s), unix.O_WRONLY, fileno)
		}
		if i != "null" && i != "data" {
			return dup2(0, fileno)
		}
		if !x.underInit {
			return nil
		}
		return openNullAs(unix.O_WRONLY, fileno)
	}
	switch o {
	case "null":
		return openNullAs(unix.O_WRONLY, fileno)
	case "tty":
		if isTerminalInput(i) {
			return dup2(0, fileno)
		}
		return openTerminalAs(ttyPathOf(s), unix.O_WRONLY, fileno)
	case "kmsg", "kmsg+console", "journal", "journal+console":
		if err := x.connectLogger(o, fileno); err != nil {
			name := "stdout"
			if fileno == 2 {
				name = "stderr"
			}
			x.warn(fmt.Sprintf("Failed to connect %s to the journal socket, ignoring: %s", name, strerror(errnoOf(err))))
			return openNullAs(unix.O_WRONLY, fileno)
		}
		var st unix.Stat_t
		if unix.Fstat(fileno, &st) == nil && (x.journalIno == 0 || fileno == 2) {
			x.journalDev, x.journalIno = st.Dev, st.Ino
		}
		return nil
	case "socket":
		return dup2(x.socketFD, fileno)
	case "fd":
		setBlocking(x.named[fileno])
		return dup2(x.named[fileno], fileno)
	case "file", "append", "truncate":
		if s.StdInput == "file" && s.StdioFile[fileno] == s.StdioFile[0] {
			return dup2(0, fileno)
		}
		flags := unix.O_WRONLY
		if o == "append" {
			flags |= unix.O_APPEND
		} else if o == "truncate" {
			flags |= unix.O_TRUNC
		}
		fd, err := acquirePath(s.StdioFile[fileno], flags, 0o666&^s.UMask)
		if err != nil {
			return err
		}
		return moveFD(fd, fileno)
	default:
		return fmt.Errorf("unknown output %s: %w", o, unix.EINVAL)
	}
}

// connectLogger is connect_logger_as: a stream to journald, connected
// with the unit's credentials, and its header.
func (x *stdio) connectLogger(output string, fileno int) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	if err := connectAs(fd, JournalStdoutSocket, x.uid, x.gid); err != nil {
		unix.Close(fd)
		return err
	}
	if err := unix.Shutdown(fd, unix.SHUT_RD); err != nil {
		unix.Close(fd)
		return err
	}
	const sndbuf = 8 * 1024 * 1024
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sndbuf) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, sndbuf)
	}
	h := StreamHeader{
		Identifier:       x.s.SyslogIdentifier,
		Priority:         x.s.SyslogPriority,
		LevelPrefix:      x.s.SyslogLevelPrefix,
		ForwardToKmsg:    isKmsgOutput(output),
		ForwardToConsole: isTerminalOutput(output),
	}
	if h.Identifier == "" {
		h.Identifier = x.ident
	}
	if x.s.System {
		h.Unit = x.s.Unit
	}
	if err := writeAll(fd, h.Bytes()); err != nil {
		unix.Close(fd)
		return err
	}
	return moveFD(fd, fileno)
}

// connectAs is connect_journal_socket: connect with the effective IDs
// switched to uid/gid, so that journald sees the unit's credentials.
func connectAs(fd int, path string, uid, gid uint32) error {
	if gid != noID {
		if err := rawSetresgid(noID, gid, noID); err != nil {
			return err
		}
		defer func() { _ = rawSetresgid(noID, uint32(unix.Getgid()), noID) }()
	}
	if uid != noID {
		if err := rawSetresuid(noID, uid, noID); err != nil {
			return err
		}
		defer func() { _ = rawSetresuid(noID, uint32(unix.Getuid()), noID) }()
	}
	return unix.Connect(fd, &unix.SockaddrUnix{Name: path})
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return err
		}
		b = b[n:]
	}
	return nil
}

// chownTerminal is chown_terminal: a tty on fd becomes the user's, mode
// 0620.
func chownTerminal(fd int, uid uint32) error {
	if !isatty(fd) {
		return nil
	}
	if err := unix.Fchown(fd, int(uid), -1); err != nil {
		return err
	}
	return unix.Fchmod(fd, 0o620)
}

// fdName is exec_context_fdname: the fd name for fd:, defaulting to
// "stdin", "stdout", "stderr".
func (s *Spec) fdName(i int) string {
	if s.StdioFDName[i] != "" {
		return s.StdioFDName[i]
	}
	return [3]string{"stdin", "stdout", "stderr"}[i]
}

// namedFDs is exec_context_named_iofds: the passed fds that fd:NAME
// stdio settings refer to.
func (s *Spec) namedFDs() ([3]int, error) {
	named := [3]int{-1, -1, -1}
	wanted := [3]bool{s.StdInput == "fd", s.StdOutput == "fd", s.StdError == "fd"}
	targets := 0
	for _, w := range wanted {
		if w {
			targets++
		}
	}
	for i := 0; i < s.NSocketFDs+s.NStorageFDs && i < len(s.FDNames) && targets > 0; i++ {
		for k := 0; k < 3; k++ {
			if named[k] < 0 && wanted[k] && s.FDNames[i] == s.fdName(k) {
				named[k] = 3 + i
				targets--
				break
			}
		}
	}
	if targets > 0 {
		return named, unix.ENOENT
	}
	return named, nil
}

func (s *Spec) ttyRows() int {
	if s.TTYRows == nil {
		return -1
	}
	return int(*s.TTYRows)
}

func (s *Spec) ttyCols() int {
	if s.TTYColumns == nil {
		return -1
	}
	return int(*s.TTYColumns)
}

// commandIdent is the identifier a stream defaults to: the command's
// file name.
func commandIdent(path string) string {
	return filepath.Base(strings.TrimRight(path, "/"))
}
