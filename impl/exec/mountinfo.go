package exec

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountInfo is one line of /proc/self/mountinfo.
type mountInfo struct {
	ID, Parent   int
	Root         string
	MountPoint   string
	Options      string // per-mount options, e.g. "rw,nosuid,relatime"
	FSType       string
	Source       string
	SuperOptions string
}

// parseMountInfo parses /proc/PID/mountinfo; malformed lines are skipped.
func parseMountInfo(data string) []mountInfo {
	var out []mountInfo
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(f) < sep+3 {
			continue
		}
		id, err1 := strconv.Atoi(f[0])
		parent, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		m := mountInfo{ID: id, Parent: parent, Root: unescapeOctal(f[3]), MountPoint: unescapeOctal(f[4]),
			Options: f[5], FSType: f[sep+1], Source: unescapeOctal(f[sep+2])}
		if len(f) > sep+3 {
			m.SuperOptions = f[sep+3]
		}
		out = append(out, m)
	}
	return out
}

// unescapeOctal undoes the kernel's \NNN escapes of space, tab, newline
// and backslash.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			v, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 || s[0] > '3' {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// mountFlagsOf are the MS_* flags libmount derives from per-mount options.
func mountFlagsOf(opts string) uintptr {
	var f uintptr
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "ro":
			f |= unix.MS_RDONLY
		case "nosuid":
			f |= unix.MS_NOSUID
		case "nodev":
			f |= unix.MS_NODEV
		case "noexec":
			f |= unix.MS_NOEXEC
		case "sync":
			f |= unix.MS_SYNCHRONOUS
		case "dirsync":
			f |= unix.MS_DIRSYNC
		case "mand":
			f |= unix.MS_MANDLOCK
		case "noatime":
			f |= unix.MS_NOATIME
		case "nodiratime":
			f |= unix.MS_NODIRATIME
		case "relatime":
			f |= unix.MS_RELATIME
		case "strictatime":
			f |= unix.MS_STRICTATIME
		case "lazytime":
			f |= unix.MS_LAZYTIME
		case "nosymfollow":
			f |= unix.MS_NOSYMFOLLOW
		}
	}
	return f
}
