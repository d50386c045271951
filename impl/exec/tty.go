package exec

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Terminal handling as 252's terminal-util.c does it for units.

// Console ioctls (linux/kd.h, linux/vt.h).
const (
	kdSetMode          = 0x4B3A
	kdText             = 0
	kdSkbMode          = 0x4B45
	vtDisallocateIoctl = 0x5608
)

// openTerminal is open_terminal: open, retrying EIO for a second (a tty
// being closed), and insist on a tty.
func openTerminal(path string, flags int) (int, error) {
	for i := 0; ; i++ {
		fd, err := unix.Open(path, flags|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err == nil {
			if !isatty(fd) {
				unix.Close(fd)
				return -1, unix.ENOTTY
			}
			return fd, nil
		}
		if err != unix.EIO || i >= 20 {
			return -1, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isatty(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

type acquireMode int

const (
	acquireTry acquireMode = iota
	acquireForce
	acquireWait
)

// acquireTerminal is acquire_terminal: open path and make it our
// controlling terminal; in wait mode, retry while another session owns it.
func acquireTerminal(path string, mode acquireMode) (int, error) {
	for {
		fd, err := openTerminal(path, unix.O_RDWR)
		if err != nil {
			return -1, err
		}
		force := 0
		if mode == acquireForce {
			force = 1
		}
		// SIGHUP is ignored for the whole setup (see Main).
		err = unix.IoctlSetInt(fd, unix.TIOCSCTTY, force)
		if err == nil {
			return fd, nil
		}
		unix.Close(fd)
		if err != unix.EPERM || mode != acquireWait {
			return -1, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// resetTerminalFD is reset_terminal_fd(fd, true).
func resetTerminalFD(fd int) {
	if !isatty(fd) {
		return
	}
	_ = unix.IoctlSetInt(fd, unix.TIOCNXCL, 0)
	_ = unix.IoctlSetInt(fd, kdSetMode, kdText)
	kb := 0x03 // K_UNICODE
	if b, err := os.ReadFile("/sys/module/vt/parameters/default_utf8"); err == nil && !parseBoolean(strings.TrimSpace(string(b))) {
		kb = 0x01 // K_XLATE
	}
	_ = unix.IoctlSetInt(fd, kdSkbMode, kb)
	if t, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.IUCLC
		t.Iflag |= unix.ICRNL | unix.IMAXBEL | unix.IUTF8
		t.Oflag |= unix.ONLCR | unix.OPOST
		t.Cflag |= unix.CREAD
		t.Lflag = unix.ISIG | unix.ICANON | unix.IEXTEN | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHOCTL | unix.ECHOKE
		t.Cc[unix.VINTR] = 0o3
		t.Cc[unix.VQUIT] = 0o34
		t.Cc[unix.VERASE] = 0o177
		t.Cc[unix.VKILL] = 0o25
		t.Cc[unix.VEOF] = 0o4
		t.Cc[unix.VSTART] = 0o21
		t.Cc[unix.VSTOP] = 0o23
		t.Cc[unix.VSUSP] = 0o32
		t.Cc[unix.VLNEXT] = 0o26
		t.Cc[unix.VWERASE] = 0o27
		t.Cc[unix.VREPRINT] = 0o22
		t.Cc[unix.VEOL] = 0
		t.Cc[unix.VEOL2] = 0
		t.Cc[unix.VTIME] = 0
		t.Cc[unix.VMIN] = 1
		_ = unix.IoctlSetTermios(fd, unix.TCSETS, t)
	}
	_ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIOFLUSH)
}

// resetTerminal is reset_terminal(path).
func resetTerminal(path string) {
	fd, err := openTerminal(path, unix.O_RDWR|unix.O_NONBLOCK)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	resetTerminalFD(fd)
}

// vhangupTerminal is terminal_vhangup(path).
func vhangupTerminal(path string) {
	fd, err := openTerminal(path, unix.O_RDWR|unix.O_NONBLOCK)
	if err != nil {
		return
	}
	_ = unix.IoctlSetInt(fd, unix.TIOCVHANGUP, 0)
	unix.Close(fd)
}

// setTerminalSize is terminal_set_size_fd; rows or cols < 0 keep the
// current value.
func setTerminalSize(fd, rows, cols int) error {
	if rows < 0 && cols < 0 {
		return nil
	}
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		return nil // 252 only logs this
	}
	r, c := int(ws.Row), int(ws.Col)
	if rows >= 0 {
		r = min(rows, 0xFFFF)
	}
	if cols >= 0 {
		c = min(cols, 0xFFFF)
	}
	if r == int(ws.Row) && c == int(ws.Col) {
		return nil
	}
	ws.Row, ws.Col = uint16(r), uint16(c)
	return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws)
}

// vtNumber is vtnr_from_tty: N for "ttyN" (0..63), -1 otherwise.
func vtNumber(tty string) int {
	tty = strings.TrimPrefix(tty, "/dev/")
	rest, ok := strings.CutPrefix(tty, "tty")
	if !ok || rest == "" || rest[0] < '0' || rest[0] > '9' {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 63 {
		return -1
	}
	return n
}

// vtDisallocate is vt_disallocate: free the VT, or at least clear the
// terminal with its scrollback.
func vtDisallocate(path string) {
	name, ok := strings.CutPrefix(path, "/dev/")
	if !ok {
		return
	}
	if n := vtNumber(name); n > 0 {
		if fd, err := openTerminal("/dev/tty0", unix.O_RDWR|unix.O_NONBLOCK); err == nil {
			err = unix.IoctlSetInt(fd, vtDisallocateIoctl, n)
			unix.Close(fd)
			if err != unix.EBUSY {
				return
			}
		} else {
			return
		}
	} else if n == 0 {
		return
	}
	fd, err := openTerminal(path, unix.O_RDWR)
	if err != nil {
		return
	}
	_, _ = unix.Write(fd, []byte("\033[r\033[H\033[3J"))
	unix.Close(fd)
}

// defaultTermForTTY is default_term_for_tty: "linux" on a VT (resolving
// /dev/console unless /sys is read-only), "vt220" otherwise.
func defaultTermForTTY(tty string) string {
	tty = strings.TrimPrefix(tty, "/dev/")
	if tty == "console" {
		tty = resolveDevConsole()
	}
	if tty != "" && vtNumber(tty) >= 0 {
		return "linux"
	}
	return "vt220"
}

// resolveDevConsole is resolve_dev_console: the tty /dev/console points
// to, "" if unknown.
func resolveDevConsole() string {
	var st unix.Statfs_t
	if unix.Statfs("/sys", &st) == nil && st.Flags&unix.ST_RDONLY != 0 {
		return ""
	}
	b, err := os.ReadFile("/sys/class/tty/console/active")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	tty := f[len(f)-1]
	if tty == "tty0" {
		b, err := os.ReadFile("/sys/class/tty/tty0/active")
		if err != nil {
			return ""
		}
		tty = strings.TrimSpace(string(b))
	}
	return tty
}

// parseBoolean is systemd's parse_boolean, false for anything unknown.
func parseBoolean(s string) bool {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}

// MayTouchConsole is exec_context_may_touch_console: the settings may
// use a terminal (TTYReset=, TTYVHangup=, TTYVTDisallocate=, a terminal
// input or output), and that terminal (TTYPath=, /dev/console when
// empty) may be the console.
func MayTouchConsole(ttyReset, ttyVHangup, ttyVTDisallocate bool, stdin, stdout, stderr, ttyPath string) bool {
	if !ttyReset && !ttyVHangup && !ttyVTDisallocate && !isTerminalInput(stdin) &&
		!isTerminalOutput(stdout) && !isTerminalOutput(stderr) {
		return false
	}
	tty := strings.TrimPrefix(ttyPath, "/dev/")
	if tty == "" || tty == "console" {
		return true
	}
	resolved := resolveDevConsole()
	if resolved == "" {
		return true // unknown: it may be
	}
	return resolved == tty || resolved == "tty0" && vtNumber(tty) >= 0
}
