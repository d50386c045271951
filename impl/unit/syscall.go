package unit

import (
	"math/bits"
	"slices"
	"strings"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// seccompArchs are the architecture names SystemCallArchitectures=
// accepts.
var seccompArchs = []string{"native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32",
	"mips-le", "mips64-le", "mips64-le-n32", "ppc", "ppc64", "ppc64-le", "s390", "s390x", "riscv64", "loongarch64"}

// parseSyscallAndErrno is systemd's parse_syscall_and_errno: "name" or
// "name:errno" (errno -1 when absent).
func parseSyscallAndErrno(word string) (string, int, error) {
	name, e, found := strings.Cut(word, ":")
	if !found {
		return word, -1, nil
	}
	if e == "kill" {
		return name, seccompErrorNumberKill, nil
	}
	n, err := value.ParseErrno(e)
	if err != nil {
		return "", 0, err
	}
	return name, n, nil
}

// syscallSet holds the members of a SyscallFilter: a bit per name of
// syscallCanonical, and the errno numbers of the members that have one.
type syscallSet struct {
	members [(len(syscallCanonical) + 63) / 64]uint64
	errnos  []syscallErrno // by index
}

type syscallErrno struct {
	index uint16
	errno int32
}

type syscallGroup struct {
	name    string
	members []string
}

type syscallName struct {
	name      string
	canonical uint16
}

// Configured reports whether the filter was set (possibly to nothing).
func (f *SyscallFilter) Configured() bool { return f.set != nil }

// Len is the number of system calls in the set.
func (f *SyscallFilter) Len() int {
	if f.set == nil {
		return 0
	}
	n := 0
	for _, w := range f.set.members {
		n += bits.OnesCount64(w)
	}
	return n
}

// Each calls fn with every member, sorted by name, and its errno number
// (-1: none).
func (f *SyscallFilter) Each(fn func(name string, errno int)) {
	if f.set == nil {
		return
	}
	e := f.set.errnos
	for i, name := range syscallCanonical {
		if f.set.members[i/64]&(1<<(i%64)) == 0 {
			continue
		}
		for len(e) > 0 && int(e[0].index) < i {
			e = e[1:]
		}
		errno := -1
		if len(e) > 0 && int(e[0].index) == i {
			errno = int(e[0].errno)
		}
		fn(name, errno)
	}
}

// put adds or removes a system call (a name of syscallCanonical) as
// systemd's seccomp_parse_syscall_filter does.
func (f *SyscallFilter) put(name string, errno int, invert bool) {
	if f.set == nil {
		f.set = &syscallSet{}
	}
	i, ok := slices.BinarySearch(syscallCanonical[:], name)
	if !ok {
		return
	}
	s := f.set
	bit := &s.members[i/64]
	at, found := slices.BinarySearchFunc(s.errnos, i, func(e syscallErrno, i int) int { return int(e.index) - i })
	if invert != f.AllowList || invert && f.AllowList && errno >= 0 {
		*bit |= 1 << (i % 64)
		switch {
		case errno < 0 && found:
			s.errnos = slices.Delete(s.errnos, at, at+1)
		case errno >= 0 && found:
			s.errnos[at].errno = int32(errno)
		case errno >= 0:
			s.errnos = slices.Insert(s.errnos, at, syscallErrno{uint16(i), int32(errno)})
		}
		return
	}
	*bit &^= 1 << (i % 64)
	if found {
		s.errnos = slices.Delete(s.errnos, at, at+1)
	}
}

// syscallGroupMembers are the members of a "@group".
func syscallGroupMembers(group string) ([]string, bool) {
	i, ok := slices.BinarySearchFunc(syscallGroups[:], group, func(g syscallGroup, name string) int { return strings.Compare(g.name, name) })
	if !ok {
		return nil, false
	}
	return syscallGroups[i].members, true
}

// canonicalSyscall is the name libseccomp reports back for a system call
// name it knows.
func canonicalSyscall(name string) (string, bool) {
	i, ok := slices.BinarySearchFunc(syscallNames[:], name, func(n syscallName, name string) int { return strings.Compare(n.name, name) })
	if !ok {
		return "", false
	}
	return syscallCanonical[syscallNames[i].canonical], true
}

// addSyscalls adds a system call or group (expanded) to f; problems in
// top-level (user given) names are warnings, in group members debug.
func (p *parser) addSyscalls(f *SyscallFilter, name string, errno int, invert bool, top bool) {
	level := LevelDebug
	if top {
		level = LevelWarning
	}
	if strings.HasPrefix(name, "@") {
		members, ok := syscallGroupMembers(name)
		if !ok {
			p.log(level, "Unknown system call group, ignoring: %s", name)
			return
		}
		for _, m := range members {
			p.addSyscalls(f, m, errno, invert, false)
		}
		return
	}
	canonical, ok := canonicalSyscall(name)
	if !ok {
		p.log(level, "Failed to parse system call, ignoring: %s", name)
		return
	}
	f.put(canonical, errno, invert)
}

func parseSyscallFilter(p *parser, v string) error {
	c := p.u.Exec
	f := &c.SystemCallFilter
	if v == "" {
		*f = SyscallFilter{}
		return nil
	}
	invert := strings.HasPrefix(v, "~")
	if invert {
		v = v[1:]
	}
	if f.set == nil {
		f.set = &syscallSet{}
		f.AllowList = !invert
		if !invert {
			p.addSyscalls(f, "@default", -1, false, false)
		}
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, 0)
		if err != nil {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		name, num, err := parseSyscallAndErrno(word)
		if err != nil {
			p.warn("Failed to parse syscall:errno, ignoring: %s", word)
			continue
		}
		if !invert && num >= 0 {
			p.warn("Allow-listed system calls cannot take error number, ignoring: %s", word)
			continue
		}
		p.addSyscalls(f, name, num, invert, true)
	}
}

func parseSyscallLog(p *parser, v string) error {
	f := &p.u.Exec.SystemCallLog
	if v == "" {
		*f = SyscallFilter{}
		return nil
	}
	invert := strings.HasPrefix(v, "~")
	if invert {
		v = v[1:]
	}
	if f.set == nil {
		f.set = &syscallSet{}
		f.AllowList = !invert
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, 0)
		if err != nil {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		p.addSyscalls(f, word, -1, invert, true)
	}
}

func parseSyscallArchs(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.SystemCallArchitectures = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
		if err != nil {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		if indexOf(seccompArchs, word) < 0 {
			p.warn("Failed to parse system call architecture \"%s\", ignoring: %s", word, strerror(errInval))
			continue
		}
		if indexOf(c.SystemCallArchitectures, word) < 0 {
			c.SystemCallArchitectures = append(c.SystemCallArchitectures, word)
		}
	}
}

func parseSyscallErrno(p *parser, v string) error {
	c := p.u.Exec
	if v == "" || v == "kill" {
		c.SystemCallErrorNumber = seccompErrorNumberKill
		return nil
	}
	e, err := value.ParseErrno(v)
	if err != nil {
		p.warn("Failed to parse error number, ignoring: %s", v)
		return nil
	}
	if e == 0 {
		p.warn("Invalid error number, ignoring: %s", v)
		return nil
	}
	c.SystemCallErrorNumber = int32(e)
	return nil
}
