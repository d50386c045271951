package unit

import (
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

// put adds or removes a system call as systemd's
// seccomp_parse_syscall_filter does.
func (f *SyscallFilter) put(name string, errno int, invert bool) {
	if f.Set == nil {
		f.Set = map[string]int{}
	}
	if invert != f.AllowList || invert && f.AllowList && errno >= 0 {
		f.Set[name] = errno
		return
	}
	delete(f.Set, name)
}

// addSyscalls adds a system call or group (expanded) to f; problems in
// top-level (user given) names are warnings, in group members debug.
func (p *parser) addSyscalls(f *SyscallFilter, name string, errno int, invert bool, top bool) {
	level := LevelDebug
	if top {
		level = LevelWarning
	}
	if strings.HasPrefix(name, "@") {
		members, ok := syscallGroups[name]
		if !ok {
			p.log(level, "Unknown system call group, ignoring: %s", name)
			return
		}
		for _, m := range members {
			p.addSyscalls(f, m, errno, invert, false)
		}
		return
	}
	canonical, ok := syscallNames[name]
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
	if f.Set == nil {
		f.Set = map[string]int{}
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
	if f.Set == nil {
		f.Set = map[string]int{}
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
