package install

import (
	"encoding/hex"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// nameMaxLen is UNIT_NAME_MAX, the longest result a specifier expansion
// may have.
const nameMaxLen = unitname.Max

// printName is install_name_printf: expands the specifiers an [Install]
// value may use, relative to info.
//
// TODO(specifier): impl/specifier's Install.Printf does the same but caps
// results at 255 bytes where install_name_printf allows UNIT_NAME_MAX
// (256); switch to it once that is fixed (TestEdgeCases' long256.service
// shows the difference). It fails with EBADSLT for an unknown
// specifier, EUNATCH when the root lacks os-release or machine-id,
// ENAMETOOLONG when the result exceeds a unit name's length.
func printName(scope Scope, info *installInfo, format string) (string, error) {
	lookup := func(c byte) (string, bool, error) {
		switch c {
		case 'i':
			inst, _, err := unitname.InstanceOf(info.name)
			if err != nil {
				return "", true, err
			}
			if inst == "" {
				inst = info.defaultInstance
			}
			return inst, true, nil
		case 'j':
			p, err := unitname.Prefix(info.name)
			if err != nil {
				return "", true, err
			}
			if d := strings.LastIndexByte(p, '-'); d >= 0 {
				p = p[d+1:]
			}
			return p, true, nil
		case 'n':
			if unitname.IsValid(info.name, unitname.Template) && info.defaultInstance != "" {
				s, err := unitname.ReplaceInstance(info.name, info.defaultInstance)
				return s, true, err
			}
			return info.name, true, nil
		case 'N':
			p, err := unitname.PrefixAndInstance(info.name)
			if err != nil {
				return "", true, err
			}
			if strings.HasSuffix(p, "@") && info.defaultInstance != "" {
				p += info.defaultInstance
			}
			return p, true, nil
		case 'p':
			p, err := unitname.Prefix(info.name)
			return p, true, err
		case 'a':
			return architecture(), true, nil
		case 'A':
			v, err := osReleaseField(info.root, "IMAGE_VERSION")
			return v, true, err
		case 'b':
			id, err := readID128("/proc/sys/kernel/random/boot_id", true)
			return id, true, err
		case 'B':
			v, err := osReleaseField(info.root, "BUILD_ID")
			return v, true, err
		case 'H':
			return hostname(), true, nil
		case 'l':
			return shortHostname(), true, nil
		case 'q':
			return prettyHostname(), true, nil
		case 'm':
			id, err := machineID(info.root)
			return id, true, err
		case 'M':
			v, err := osReleaseField(info.root, "IMAGE_ID")
			return v, true, err
		case 'o':
			v, err := osReleaseField(info.root, "ID")
			return v, true, err
		case 'v':
			var u unix.Utsname
			if err := unix.Uname(&u); err != nil {
				return "", true, err
			}
			return unix.ByteSliceToString(u.Release[:]), true, nil
		case 'w':
			v, err := osReleaseField(info.root, "VERSION_ID")
			return v, true, err
		case 'W':
			v, err := osReleaseField(info.root, "VARIANT_ID")
			return v, true, err
		case 'g', 'u':
			if scope == ScopeGlobal {
				return "", true, syscall.EINVAL
			}
			if scope == ScopeUser {
				id := os.Getuid()
				if c == 'g' {
					id = os.Getgid()
				}
				return idToName(id, c == 'g'), true, nil
			}
			return "root", true, nil
		case 'G', 'U':
			if scope == ScopeGlobal {
				return "", true, syscall.EINVAL
			}
			id := 0
			if scope == ScopeUser {
				id = os.Getuid()
				if c == 'G' {
					id = os.Getgid()
				}
			}
			return strconv.Itoa(id), true, nil
		}
		return "", false, nil
	}
	var b strings.Builder
	percent := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case percent:
			percent = false
			if c == '%' {
				b.WriteByte('%')
				break
			}
			w, known, err := lookup(c)
			if err != nil {
				return "", err
			}
			if !known {
				if isAlnum(c) {
					return "", syscall.EBADSLT
				}
				b.WriteByte('%')
				b.WriteByte(c)
			} else if w == "" {
				continue
			}
			b.WriteString(w)
		case c == '%':
			percent = true
		default:
			b.WriteByte(c)
		}
		if b.Len() > nameMaxLen {
			return "", syscall.ENAMETOOLONG
		}
	}
	if percent {
		b.WriteByte('%')
		if b.Len() > nameMaxLen {
			return "", syscall.ENAMETOOLONG
		}
	}
	return b.String(), nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// architecture is systemd's name for the native architecture.
func architecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86-64"
	case "386":
		return "x86"
	case "arm64":
		return "arm64"
	case "arm":
		return "arm"
	case "ppc64le":
		return "ppc64-le"
	case "ppc64":
		return "ppc64"
	case "s390x":
		return "s390x"
	case "riscv64":
		return "riscv64"
	case "mips64le":
		return "mips64-le"
	case "loong64":
		return "loongarch64"
	}
	return runtime.GOARCH
}

func hostname() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		if n := unix.ByteSliceToString(u.Nodename[:]); n != "" && n != "(none)" {
			return n
		}
	}
	return "localhost"
}

func shortHostname() string {
	h := hostname()
	if i := strings.IndexByte(h, '.'); i >= 0 {
		return h[:i]
	}
	return h
}

func prettyHostname() string {
	if data, err := os.ReadFile("/etc/machine-info"); err == nil {
		if env, _, err := unitfile.LoadEnvFile("/etc/machine-info", data); err == nil {
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, "PRETTY_HOSTNAME="); ok && v != "" {
					return v
				}
			}
		}
	}
	return shortHostname()
}

func idToName(id int, group bool) string {
	if id == 0 {
		return "root"
	}
	file := "/etc/passwd"
	if group {
		file = "/etc/group"
	}
	if data, err := os.ReadFile(file); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) > 2 && f[2] == strconv.Itoa(id) {
				return f[0]
			}
		}
	}
	return strconv.Itoa(id)
}

// readID128 reads an ID file as id128_read does and formats it as 32
// lowercase hex digits. uuid accepts the dashed form too.
func readID128(path string, uuid bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 38)
	n, _ := f.Read(buf)
	return parseID128(buf[:n], uuid)
}

func parseID128(b []byte, uuid bool) (string, error) {
	switch l := len(b); l {
	case 0:
		return "", syscall.ENOMEDIUM
	case 13, 14:
		if string(b) == "uninitialized\n"[:l] {
			return "", syscall.ENOPKG
		}
		return "", syscall.EINVAL
	case 33:
		if b[32] != '\n' {
			return "", syscall.EINVAL
		}
		b = b[:32]
	case 32:
	case 37:
		if b[36] != '\n' || !uuid {
			return "", syscall.EINVAL
		}
		b = b[:36]
	case 36:
		if !uuid {
			return "", syscall.EINVAL
		}
	default:
		return "", syscall.EINVAL
	}
	s := string(b)
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", syscall.EINVAL
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 16 {
		return "", syscall.EINVAL
	}
	return hex.EncodeToString(raw), nil
}

// machineID is the machine ID of root's /etc/machine-id (EUNATCH when it
// is missing), or the host's.
func machineID(root string) (string, error) {
	if root == "" {
		return readID128("/etc/machine-id", false)
	}
	p, _, err := unitpath.Chase("/etc/machine-id", root, unitpath.ChasePrefixRoot)
	if err == nil {
		var id string
		id, err = readID128(p, false)
		if err == nil {
			return id, nil
		}
	}
	if errnoOf(err) == syscall.ENOENT {
		return "", syscall.EUNATCH
	}
	return "", err
}

// osReleaseField is one field of root's os-release ("" if unset);
// EUNATCH when there is no os-release file.
func osReleaseField(root, field string) (string, error) {
	var data []byte
	var name string
	var err error
	if e, ok := os.LookupEnv("SYSTEMD_OS_RELEASE"); ok {
		name = e
		data, err = os.ReadFile(e)
	} else {
		for _, c := range []string{"/etc/os-release", "/usr/lib/os-release"} {
			name = c
			var p string
			if p, _, err = unitpath.Chase(c, root, unitpath.ChasePrefixRoot); err == nil {
				data, err = os.ReadFile(p)
			}
			if errnoOf(err) != syscall.ENOENT {
				break
			}
		}
	}
	if err != nil {
		if errnoOf(err) == syscall.ENOENT {
			return "", syscall.EUNATCH
		}
		return "", err
	}
	env, _, err := unitfile.LoadEnvFile(name, data)
	if err != nil {
		return "", err
	}
	v := ""
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, field+"="); ok {
			v = s
		}
	}
	return v, nil
}
