package condition

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
)

// Host is the machine conditions are tested on. The zero Host is the
// running system.
type Host struct {
	// Root is put before every absolute path read: the conditions'
	// paths and the /proc, /sys, /etc and /run files the tests consult
	// ("" for the real root).
	Root string
	// Environ is the environment ConditionEnvironment= tests, and where
	// systemd's overrides for testing are looked up
	// ($SYSTEMD_PROC_CMDLINE, $SYSTEMD_OS_RELEASE, $CREDENTIALS_DIRECTORY,
	// $USER, ...); nil means the process's own.
	Environ []string
	// Kernel answers what no file tells; nil means the running kernel.
	Kernel Kernel
}

// Uname is what uname(2) reports.
type Uname struct {
	Machine, Release, Nodename string
}

// Credentials are the process's own user and group IDs.
type Credentials struct {
	UID, EUID, GID, EGID uint32
	Groups               []uint32 // supplementary groups
}

// Kernel is what the tests learn from system calls and the user
// database rather than from files.
type Kernel interface {
	Uname() (Uname, error)
	// CPUID runs the CPUID instruction; ok is false where there is none
	// (not x86).
	CPUID(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32, ok bool)
	// CPUsInAffinityMask counts the CPUs the process may run on.
	CPUsInAffinityMask() (int, error)
	// PhysicalPages is sysconf(_SC_PHYS_PAGES) and the page size.
	PhysicalPages() (pages, pageSize uint64)
	Credentials() Credentials
	// PID is the process's own.
	PID() int
	// LookupUser and LookupGroup are getpwnam and getgrnam; the error
	// wraps ESRCH (or the lookup's errno) when there is no such entry.
	LookupUser(name string) (uid uint32, err error)
	LookupGroup(name string) (gid uint32, err error)
	// UserName is the user database's name for uid, or the number.
	UserName(uid uint32) string
	// AuditAvailable is use_audit: whether the kernel's audit netlink
	// socket answers.
	AuditAvailable() bool
}

// Evaluator tests conditions on one host. It caches what systemd caches
// per process (virtualization, cgroup layout, security modules), so a
// long-lived caller should make a new one when the host may have changed.
type Evaluator struct {
	root    string
	environ []string
	kernel  Kernel

	virt       *virtResult
	container  *virtResult
	cgroupMode *cgroupModeResult
}

type virtResult struct {
	v   Virtualization
	err error
}

// New returns an evaluator for h.
func New(h Host) *Evaluator {
	e := &Evaluator{root: strings.TrimRight(h.Root, "/"), environ: h.Environ, kernel: h.Kernel}
	if e.environ == nil {
		e.environ = os.Environ()
	}
	if e.kernel == nil {
		e.kernel = RunningKernel{}
	}
	return e
}

// path is p as seen from the evaluator's root.
func (e *Evaluator) path(p string) string { return e.root + p }

// getenv is secure_getenv on the host's environment.
func (e *Evaluator) getenv(name string) (string, bool) {
	for i := len(e.environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(e.environ[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// errnoOf is the errno err carries, EIO if none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// isErrno reports whether err carries errno e.
func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }

// exists is access(p, F_OK) under the root.
func (e *Evaluator) exists(p string) (bool, error) {
	err := syscall.Access(e.path(p), 0)
	if err == nil {
		return true, nil
	}
	if isErrno(err, syscall.ENOENT) {
		return false, nil
	}
	return false, err
}

// readVirtualFile is read_virtual_file: the whole file.
func (e *Evaluator) readVirtualFile(p string) ([]byte, error) {
	f, err := os.Open(e.path(p))
	if err != nil {
		return nil, errnoOf(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4<<20))
	if err != nil {
		return nil, errnoOf(err)
	}
	return data, nil
}

// readOneLine is read_one_line_file: the first line, which a newline,
// carriage return or NUL ends.
func (e *Evaluator) readOneLine(p string) (string, error) {
	line, _, err := e.readOneLineCount(p)
	return line, err
}

// readOneLineCount is readOneLine that also says how many bytes the line
// took with its end (0 for an empty file), as read_one_line_file returns.
func (e *Evaluator) readOneLineCount(p string) (string, int, error) {
	data, err := e.readVirtualFile(p)
	if err != nil {
		return "", 0, err
	}
	if i := bytes.IndexAny(data, "\n\r\x00"); i >= 0 {
		return string(data[:i]), i + 1, nil
	}
	return string(data), len(data), nil
}

// procField is get_proc_field: the value of "key:" at the start of a
// line of a /proc status style file, leading zeros dropped (but one
// kept if nothing else follows), up to the first of terminators.
func (e *Evaluator) procField(p, key, terminators string) (string, error) {
	data, err := e.readVirtualFile(p)
	if err != nil {
		return "", err
	}
	s := string(data)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	t := 0
	for {
		i := strings.Index(s[t:], key)
		if i < 0 {
			return "", syscall.ENOENT
		}
		start := t + i
		t = start + len(key)
		if start != 0 && s[start-1] != '\n' {
			continue
		}
		for t < len(s) && (s[t] == ' ' || s[t] == '\t') {
			t++
		}
		if t == len(s) {
			return "", syscall.ENOENT
		}
		if s[t] == ':' {
			break
		}
	}
	t++
	if t < len(s) {
		for t < len(s) && (s[t] == ' ' || s[t] == '\t') {
			t++
		}
		for t < len(s) && s[t] == '0' {
			t++
		}
		if t == len(s) || strings.IndexByte(" \t\n\v\f\r", s[t]) >= 0 {
			t--
		}
	}
	rest := s[t:]
	if i := strings.IndexAny(rest, terminators); i >= 0 {
		rest = rest[:i]
	}
	return rest, nil
}
