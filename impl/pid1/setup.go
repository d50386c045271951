package pid1

import (
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setupLoopback is loopback_setup: bring "lo" up.
func setupLoopback() {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	var req [unix.IFNAMSIZ + 24]byte
	copy(req[:], "lo")
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
		return
	}
	flags := *(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ]))
	flags |= unix.IFF_UP | unix.IFF_RUNNING
	*(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ])) = flags
	_, _, _ = unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&req[0])))
}

// localeVars are the variables /etc/locale.conf may set.
var localeVars = []string{"LANG", "LANGUAGE", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY",
	"LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION"}

// localeEnvironment is locale_setup: the locale of /etc/locale.conf, or
// LANG=C.UTF-8 (Debian's compile-time default) when none is configured.
func localeEnvironment() []string {
	var out []string
	if b, err := os.ReadFile("/etc/locale.conf"); err == nil {
		set := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			set[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
		for _, k := range localeVars {
			if v := set[k]; v != "" {
				out = append(out, k+"="+v)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"LANG=C.UTF-8"}
	}
	return out
}
