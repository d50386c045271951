package specifier

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/id128"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Host is what the specifiers learn about the system. System reads the
// real one; tests embed it and override what they pin.
type Host interface {
	// Architecture is uname's machine as systemd names it ("x86-64").
	Architecture() (string, error)
	// OSRelease is a field of os-release ("" if absent); the error wraps
	// EUNATCH when there is no os-release file.
	OSRelease(key string) (string, error)
	BootID() (id128.ID, error)
	MachineID() (id128.ID, error)
	// Hostname is gethostname_malloc: the kernel's host name, or the
	// default host name when it is unset.
	Hostname() (string, error)
	// PrettyHostname is PRETTY_HOSTNAME from /etc/machine-info; ENXIO
	// when empty or unset.
	PrettyHostname() (string, error)
	KernelRelease() (string, error)
	// UID and GID are the manager's own (getuid, getgid).
	UID() int
	GID() int
	// UserName and GroupName are uid_to_name and gid_to_name: the
	// database name, or the number as text.
	UserName(uid int) string
	GroupName(gid int) string
	// HomeDir and Shell are get_home_dir and get_shell.
	HomeDir() (string, error)
	Shell() (string, error)
	// TmpDir and VarTmpDir are tmp_dir and var_tmp_dir ($TMPDIR and
	// friends, else /tmp and /var/tmp).
	TmpDir() (string, error)
	VarTmpDir() (string, error)
	// RealPath is a path with every symlink resolved (chase_symlinks).
	RealPath(p string) (string, error)
}

// System is the running system as systemd sees it, or with Root set an
// installation under Root: os-release and the machine ID are then read
// from there (as systemd's root-aware callers do), and RealPath resolves
// inside it.
type System struct {
	Root string
	// Env reads the environment; nil means the process's own.
	Env unitpath.Environ
	// MachineInfo is the machine-info file ("" for /etc/machine-info).
	MachineInfo string
}

func (s System) lookupEnv(name string) (string, bool) {
	if s.Env == nil {
		return os.LookupEnv(name)
	}
	return s.Env(name)
}

// root is the root for systemd's root-aware lookups, "" for the host.
func (s System) root() string {
	if unitname.EmptyOrRoot(s.Root) {
		return ""
	}
	return s.Root
}

// architectures maps uname machine names to systemd's architecture
// names (uname_architecture).
var architectures = map[string]string{
	"aarch64": "arm64", "aarch64_be": "arm64-be",
	"armv8l": "arm", "armv8b": "arm-be", "armv7ml": "arm", "armv7mb": "arm-be", "armv7l": "arm", "armv7b": "arm-be",
	"armv6l": "arm", "armv6b": "arm-be", "armv5tl": "arm", "armv5tel": "arm", "armv5tejl": "arm", "armv5tejb": "arm-be",
	"armv5teb": "arm-be", "armv5tb": "arm-be", "armv4tl": "arm", "armv4tb": "arm-be", "armv4l": "arm", "armv4b": "arm-be",
	"alpha": "alpha", "arc": "arc", "arceb": "arc-be", "crisv32": "cris",
	"x86_64": "x86-64", "i686": "x86", "i586": "x86", "i486": "x86", "i386": "x86",
	"ia64": "ia64", "parisc64": "parisc64", "parisc": "parisc", "loongarch64": "loongarch64", "m68k": "m68k",
	"mips64": "mips64", "mips": "mips", "nios2": "nios2",
	"ppc64le": "ppc64-le", "ppc64": "ppc64", "ppcle": "ppc-le", "ppc": "ppc",
	"riscv64": "riscv64", "riscv32": "riscv32", "s390x": "s390x", "s390": "s390",
	"sh5": "sh64", "sh4a": "sh", "sh4": "sh", "sh3": "sh", "sh2a": "sh", "sh2": "sh",
	"sparc64": "sparc64", "sparc": "sparc", "tilegx": "tilegx",
}

func uname() (unix.Utsname, error) {
	var u unix.Utsname
	err := unix.Uname(&u)
	return u, err
}

func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func (s System) Architecture() (string, error) {
	u, err := uname()
	if err != nil {
		return "", err
	}
	m := cString(u.Machine[:])
	a, ok := architectures[m]
	if !ok {
		return "", fmt.Errorf("unknown architecture %q: %w", m, syscall.EINVAL)
	}
	return a, nil
}

// openOSRelease finds os-release as open_os_release does:
// $SYSTEMD_OS_RELEASE, else /etc/os-release, else /usr/lib/os-release.
func (s System) openOSRelease() (string, error) {
	root := s.root()
	if v, ok := s.lookupEnv("SYSTEMD_OS_RELEASE"); ok {
		p, _, err := unitpath.Chase(v, root, 0)
		return p, err
	}
	var err error
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		var resolved string
		if resolved, _, err = unitpath.Chase(p, root, unitpath.ChasePrefixRoot); err == nil {
			return resolved, nil
		}
		if !errors.Is(err, syscall.ENOENT) {
			return "", err
		}
	}
	return "", err
}

// readEnvFile is parse_env_file for one key ("" when absent).
func readEnvFile(path, key string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	env, _, err := unitfile.LoadEnvFile(path, data)
	if err != nil {
		return "", err
	}
	v := ""
	for _, kv := range env {
		if k, val, _ := strings.Cut(kv, "="); k == key {
			v = val
		}
	}
	return v, nil
}

// OSReleaseFields is parse_os_release for several keys at once, read
// from one opening of the file ("" for those absent).
func (s System) OSReleaseFields(keys ...string) (map[string]string, error) {
	p, err := s.openOSRelease()
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return nil, fmt.Errorf("no os-release: %w", syscall.EUNATCH)
		}
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	env, _, err := unitfile.LoadEnvFile(p, data)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = ""
	}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out, nil
}

func (s System) OSRelease(key string) (string, error) {
	p, err := s.openOSRelease()
	if err == nil {
		var v string
		if v, err = readEnvFile(p, key); err == nil {
			return v, nil
		}
	}
	if errors.Is(err, syscall.ENOENT) {
		return "", fmt.Errorf("no os-release: %w", syscall.EUNATCH)
	}
	return "", err
}

func (s System) BootID() (id128.ID, error) { return id128.Boot() }

func (s System) MachineID() (id128.ID, error) {
	root := s.root()
	if root == "" {
		return id128.Machine()
	}
	p, _, err := unitpath.Chase("/etc/machine-id", root, unitpath.ChasePrefixRoot)
	if errors.Is(err, syscall.ENOENT) {
		return id128.Null, fmt.Errorf("no machine ID in %s: %w", root, syscall.EUNATCH)
	}
	if err != nil {
		return id128.Null, err
	}
	return id128.ReadFile(p, id128.FormatPlain)
}

// fallbackHostname is FALLBACK_HOSTNAME as Debian builds systemd.
const fallbackHostname = "localhost"

// defaultHostname is get_default_hostname: $SYSTEMD_DEFAULT_HOSTNAME,
// os-release's DEFAULT_HOSTNAME (of the host), else the fallback.
func (s System) defaultHostname() string {
	if e, ok := s.lookupEnv("SYSTEMD_DEFAULT_HOSTNAME"); ok && HostnameIsValid(e) {
		return e
	}
	if v, err := (System{Env: s.Env}).OSRelease("DEFAULT_HOSTNAME"); err == nil && v != "" && HostnameIsValid(v) {
		return v
	}
	return fallbackHostname
}

func (s System) Hostname() (string, error) {
	u, err := uname()
	if err != nil {
		return "", err
	}
	n := cString(u.Nodename[:])
	if n == "" || n == "(none)" {
		n = s.defaultHostname()
	}
	return n, nil
}

func (s System) PrettyHostname() (string, error) {
	path := s.MachineInfo
	if path == "" {
		path = "/etc/machine-info"
	}
	v, err := readEnvFile(path, "PRETTY_HOSTNAME")
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("no pretty host name: %w", syscall.ENXIO)
	}
	return v, nil
}

func (s System) KernelRelease() (string, error) {
	u, err := uname()
	if err != nil {
		return "", err
	}
	return cString(u.Release[:]), nil
}

func (s System) UID() int { return os.Getuid() }
func (s System) GID() int { return os.Getgid() }

func (s System) UserName(uid int) string {
	if uid == 0 {
		return "root"
	}
	if uid == 65534 && synthesizeNobody() {
		return "nobody"
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}

func (s System) GroupName(gid int) string {
	if gid == 0 {
		return "root"
	}
	if gid == 65534 && synthesizeNobody() {
		return "nogroup"
	}
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		return g.Name
	}
	return strconv.Itoa(gid)
}

// synthesizeNobody is false once an admin opted out of systemd's
// built-in "nobody" user.
func synthesizeNobody() bool {
	_, err := os.Stat("/etc/systemd/dont-synthesize-nobody")
	return err != nil
}

func (s System) HomeDir() (string, error) { return unitpath.HomeDir(s.Env) }

// Shell is get_shell: $SHELL if valid and absolute, root's default
// shell (/bin/bash if present, else /bin/sh), /usr/sbin/nologin for
// nobody, else the user database's.
func (s System) Shell() (string, error) {
	if e, ok := s.lookupEnv("SHELL"); ok && unitname.PathIsValid(e) && unitname.PathIsAbsolute(e) {
		return unitname.PathSimplify(e), nil
	}
	uid := os.Getuid()
	switch {
	case uid == 0:
		if _, _, err := unitpath.Chase("/bin/bash", "", 0); err == nil {
			return "/bin/bash", nil
		}
		return "/bin/sh", nil
	case uid == 65534 && synthesizeNobody():
		return "/usr/sbin/nologin", nil
	}
	sh, err := passwdShell(uid)
	if err != nil {
		return "", err
	}
	if !unitname.PathIsValid(sh) || !unitname.PathIsAbsolute(sh) {
		return "", fmt.Errorf("shell %q of user %d: %w", sh, uid, syscall.EINVAL)
	}
	return unitname.PathSimplify(sh), nil
}

// passwdShell reads a user's shell from /etc/passwd (os/user does not
// expose it).
func passwdShell(uid int) (string, error) {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) == 7 && f[2] == strconv.Itoa(uid) {
			return f[6], nil
		}
	}
	return "", fmt.Errorf("no user %d: %w", uid, syscall.ESRCH)
}

// RealPath resolves p; with Root set, inside it (the result is then
// relative to Root).
func (s System) RealPath(p string) (string, error) {
	root := s.root()
	if root == "" {
		r, _, err := unitpath.Chase(p, "", 0)
		return r, err
	}
	r, _, err := unitpath.Chase(p, root, unitpath.ChasePrefixRoot)
	if err != nil {
		return "", err
	}
	rest, _ := unitpath.PathStartsWith(r, root)
	return "/" + rest, nil
}

func (s System) TmpDir() (string, error)    { return unitpath.TmpDir(s.Env, "/tmp") }
func (s System) VarTmpDir() (string, error) { return unitpath.TmpDir(s.Env, "/var/tmp") }

// HostnameIsValid is hostname_is_valid without flags: dot-separated
// labels of letters, digits and inner hyphens, no empty label and no
// trailing dot, at most HOST_NAME_MAX (64) bytes.
func HostnameIsValid(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	dot, hyphen := true, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if dot || hyphen {
				return false
			}
			dot, hyphen = true, false
		case c == '-':
			if dot {
				return false
			}
			dot, hyphen = false, true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			dot, hyphen = false, false
		default:
			return false
		}
	}
	return !dot && !hyphen
}
