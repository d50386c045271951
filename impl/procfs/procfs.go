// Package procfs reads what systemd shows of a process from /proc: its
// name (get_process_comm) and its command line (get_process_cmdline),
// with non-printable characters escaped as systemd escapes them. PID 1
// (GetUnitProcesses, kill logs) and systemctl (status) share it.
package procfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Comm is the process's name, escaped; false if it cannot be read.
func Comm(pid int) (string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "", false
	}
	s := strings.TrimRight(string(data), "\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return Escape(s), true
}

// Cmdline is the process's arguments joined by spaces and escaped, or its
// name in brackets when it has none (a kernel thread, a zombie); false if
// neither can be read.
func Cmdline(pid int) (string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "", false
	}
	if len(data) == 0 {
		comm, ok := Comm(pid)
		if !ok {
			return "", false
		}
		return "[" + comm + "]", true
	}
	if data[len(data)-1] == 0 {
		data = data[:len(data)-1]
	}
	for i, c := range data {
		if c == 0 {
			data[i] = ' '
		}
	}
	return Escape(strings.TrimRight(string(data), " \t\n\r")), true
}

// Escape replaces control characters with C escapes and invalid UTF-8
// with U+FFFD, as utf8_escape_non_printable does.
func Escape(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString("\uFFFD")
		case r < 0x80 && !unicode.IsPrint(r) || r == 0x7f:
			b.WriteString(cEscape(byte(r)))
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

func cEscape(c byte) string {
	switch c {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	case '\\':
		return `\\`
	case '"':
		return `\"`
	case '\'':
		return `\'`
	}
	return fmt.Sprintf(`\x%02x`, c)
}

// KernelThread is is_kernel_thread: PF_KTHREAD in /proc/PID/stat's
// flags (PID 2, kthreadd, always).
func KernelThread(pid int) bool {
	if pid == 2 {
		return true
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 7 {
		return false
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	return err == nil && flags&0x00200000 != 0
}
