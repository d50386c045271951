package condition

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"gosystemd/impl/id128"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// unameArchitectures maps uname's machine names to systemd's
// architecture names (uname_architecture).
var unameArchitectures = map[string]string{
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

// architectureNames are the names architecture_from_string knows.
var architectureNames = map[string]bool{
	"arm64": true, "arm64-be": true, "arm": true, "arm-be": true, "alpha": true, "arc": true, "arc-be": true,
	"cris": true, "x86-64": true, "x86": true, "ia64": true, "loongarch64": true, "m68k": true,
	"mips64-le": true, "mips64": true, "mips-le": true, "mips": true, "nios2": true, "parisc64": true,
	"parisc": true, "ppc64-le": true, "ppc64": true, "ppc": true, "ppc-le": true, "riscv32": true,
	"riscv64": true, "s390x": true, "s390": true, "sh64": true, "sh": true, "sparc64": true, "sparc": true,
	"tilegx": true,
}

// nativeArchitecture is the architecture this program is built for.
var nativeArchitecture = map[string]string{
	"amd64": "x86-64", "386": "x86", "arm64": "arm64", "arm": "arm", "ppc64le": "ppc64-le", "ppc64": "ppc64",
	"s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64-le", "mips64": "mips64", "mipsle": "mips-le",
	"mips": "mips", "loong64": "loongarch64",
}[runtime.GOARCH]

func (e *Evaluator) testArchitecture(c *Condition, notes *[]Note) (bool, error) {
	u, err := e.kernel.Uname()
	if err != nil {
		return false, err
	}
	a, ok := unameArchitectures[u.Machine]
	if !ok {
		return false, syscall.EINVAL
	}
	want := c.Parameter
	if want == "native" {
		want = nativeArchitecture
	} else if !architectureNames[want] {
		return false, nil // an unknown architecture is not ours
	}
	return a == want, nil
}

func (e *Evaluator) testVirtualization(c *Condition, notes *[]Note) (bool, error) {
	if c.Parameter == "private-users" {
		return e.runningInUserNS()
	}
	v, err := e.DetectVirtualization()
	if err != nil {
		return false, err
	}
	if b, err := value.ParseBoolean(c.Parameter); err == nil {
		return b == (v != VirtNone), nil
	}
	switch c.Parameter {
	case "vm":
		return v.IsVM(), nil
	case "container":
		return v.IsContainer(), nil
	}
	return v != VirtNone && c.Parameter == v.String(), nil
}

// hostname is gethostname_malloc: the kernel's host name, or the default
// one when it is unset.
func (e *Evaluator) hostname() (string, error) {
	u, err := e.kernel.Uname()
	if err != nil {
		return "", err
	}
	if u.Nodename != "" && u.Nodename != "(none)" {
		return u.Nodename, nil
	}
	if d, ok := e.getenv("SYSTEMD_DEFAULT_HOSTNAME"); ok && d != "" {
		return d, nil
	}
	if d, err := e.osRelease("DEFAULT_HOSTNAME", nil); err == nil && d != "" {
		return d, nil
	}
	return "localhost", nil
}

func (e *Evaluator) testHost(c *Condition, notes *[]Note) (bool, error) {
	if id, err := id128.Parse(c.Parameter); err == nil {
		m, err := id128.MachineFrom(e.path(id128.MachineIDPath))
		if err != nil {
			return false, err
		}
		return m == id, nil
	}
	h, err := e.hostname()
	if err != nil {
		return false, err
	}
	return fnmatch(c.Parameter, h, fnmCasefold)
}

// KernelCommandLine is proc_cmdline: $SYSTEMD_PROC_CMDLINE, in a
// container PID 1's command line, else the kernel's.
func (e *Evaluator) KernelCommandLine() (string, error) { return e.kernelCommandLine() }

func (e *Evaluator) kernelCommandLine() (string, error) {
	if v, ok := e.getenv("SYSTEMD_PROC_CMDLINE"); ok {
		return v, nil
	}
	if v, err := e.detectContainer(); err == nil && v != VirtNone {
		return e.pid1CommandLine()
	}
	data, err := e.readVirtualFile("/proc/cmdline")
	return string(data), err
}

// pid1CommandLine is get_process_cmdline(1): the arguments joined by
// spaces, unprintable characters \x-escaped.
func (e *Evaluator) pid1CommandLine() (string, error) {
	data, err := e.readVirtualFile("/proc/1/cmdline")
	if isErrno(err, syscall.ENOENT) {
		return "", syscall.ESRCH
	}
	if err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", syscall.ENOENT
	}
	for i := 0; i < len(data)-1; i++ {
		if data[i] == 0 {
			data[i] = ' '
		}
	}
	if i := strings.IndexByte(string(data), 0); i >= 0 {
		data = data[:i]
	}
	return escapeNonPrintable(strings.TrimRight(string(data), unitfile.Whitespace)), nil
}

// escapeNonPrintable is utf8_escape_non_printable: control characters
// (other than tab and newline) and invalid UTF-8 bytes become \xNN.
func escapeNonPrintable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || (r < ' ' && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func (e *Evaluator) testKernelCommandLine(c *Condition, notes *[]Note) (bool, error) {
	line, err := e.kernelCommandLine()
	if err != nil {
		return false, err
	}
	equal := strings.Contains(c.Parameter, "=")
	x := unitfile.NewExtractor(line)
	for {
		word, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote|unitfile.ExtractRelax)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, nil
		}
		if equal {
			if word == c.Parameter {
				return true, nil
			}
		} else if rest, ok := strings.CutPrefix(word, c.Parameter); ok && (rest == "" || rest[0] == '=') {
			return true, nil
		}
	}
}

func (e *Evaluator) testKernelVersion(c *Condition, notes *[]Note) (bool, error) {
	u, err := e.kernel.Uname()
	if err != nil {
		return false, err
	}
	first := true
	x := unitfile.NewExtractor(c.Parameter)
	for {
		word, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote)
		if err != nil {
			e.debugf(notes, "Failed to parse condition string \"%s\": %s", x.Rest(), Strerror(err))
			return false, err
		}
		if !ok {
			return true, nil
		}
		s := strings.Trim(word, unitfile.Whitespace)
		op, rest := parseCompareOperator(s, compareAllowFnmatch|compareEqualByString)
		if op == opInvalid {
			op = opFnmatchEqual // no operator: a glob
		}
		s = strings.TrimLeft(rest, unitfile.Whitespace)
		if s == "" {
			if !first {
				e.debugf(notes, "Unexpected end of expression: %s", x.Rest())
				return false, syscall.EINVAL
			}
			// The first operator may be followed by whitespace, unquoted.
			next, ok, err := x.Next(unitfile.Whitespace, 0)
			if err != nil {
				e.debugf(notes, "Failed to parse condition string \"%s\": %s", x.Rest(), Strerror(err))
				return false, err
			}
			if !ok {
				e.debugf(notes, "Unexpected end of expression: %s", x.Rest())
				return false, syscall.EINVAL
			}
			s = next
		}
		holds, err := versionOrFnmatchCompare(op, u.Release, s)
		if err != nil || !holds {
			return false, err
		}
		first = false
	}
}

// credentialNameValid is credential_name_valid: a file name that is
// also a valid file descriptor name (printable ASCII without ":").
func credentialNameValid(s string) bool {
	if !unitname.FilenameIsValid(s) || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 127 || s[i] == ':' {
			return false
		}
	}
	return true
}

func (e *Evaluator) testCredential(c *Condition, notes *[]Note) (bool, error) {
	if !credentialNameValid(c.Parameter) {
		return false, nil // credentials with invalid names do not exist
	}
	for _, v := range []string{"CREDENTIALS_DIRECTORY", "ENCRYPTED_CREDENTIALS_DIRECTORY"} {
		dir, ok := e.getenv(v)
		if !ok {
			continue
		}
		if !strings.HasPrefix(dir, "/") || !unitname.PathIsNormalized(dir) {
			return false, syscall.EINVAL
		}
		err := accessNoFollow(e.path(unitname.PathJoin(dir, c.Parameter)))
		if err == nil {
			return true, nil
		}
		if !isErrno(err, syscall.ENOENT) {
			return false, err
		}
	}
	return false, nil
}

func (e *Evaluator) testCapability(c *Condition, notes *[]Note) (bool, error) {
	bit, err := value.CapabilityFromName(c.Parameter)
	if err != nil {
		return false, syscall.EINVAL
	}
	data, err := e.readVirtualFile("/proc/self/status")
	if err != nil {
		return false, err
	}
	caps := ^uint64(0) // a valid capability is assumed present
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			v, ok := scanHex(rest)
			if !ok {
				return false, syscall.EIO
			}
			caps = v
			break
		}
	}
	return caps&(1<<uint(bit)) != 0, nil
}

// scanHex is sscanf("%llx"): leading whitespace, an optional sign and
// "0x", then hex digits as far as they go.
func scanHex(s string) (uint64, bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isHexDigit(s[2]) {
		s = s[2:]
	}
	n := 0
	var v uint64
	for n < len(s) && isHexDigit(s[n]) {
		d, _ := strconv.ParseUint(s[n:n+1], 16, 8)
		if v > (^uint64(0))>>4 {
			v = ^uint64(0)
		} else {
			v = v<<4 | d
		}
		n++
	}
	if n == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func isHexDigit(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func (e *Evaluator) testMemory(c *Condition, notes *[]Note) (bool, error) {
	m := e.physicalMemory()
	op, p := parseCompareOperator(c.Parameter, 0)
	if op == opInvalid {
		op = opGreaterOrEqual
	}
	k, err := value.ParseSize(p, 1024)
	if err != nil {
		e.debugf(notes, "Failed to parse size '%s': %s", p, Strerror(err))
		return false, err
	}
	return testOrder(cmpUint(m, k), op)
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// physicalMemory is physical_memory: the RAM, or the root cgroup's
// memory limit if lower.
func (e *Evaluator) physicalMemory() uint64 {
	pages, ps := e.kernel.PhysicalPages()
	mem := pages * ps
	root, err := e.cgroupRootPath()
	if err != nil {
		return mem
	}
	all, err := e.cgroupAllUnified()
	if err != nil {
		return mem
	}
	attr := "memory.limit_in_bytes"
	if all {
		attr = "memory.max"
	}
	p, err := e.cgroupAttributePath("memory", root, attr)
	if err != nil {
		return mem
	}
	v, err := e.readOneLine(p)
	if err != nil || (all && v == "max") {
		return mem
	}
	lim, err := value.SafeAtou64(v)
	if err != nil || lim == ^uint64(0) || ps == 0 {
		return mem
	}
	return min(mem, lim/ps*ps)
}

func (e *Evaluator) testCPUs(c *Condition, notes *[]Note) (bool, error) {
	n, err := e.kernel.CPUsInAffinityMask()
	if err != nil {
		e.debugf(notes, "Failed to determine CPUs in affinity mask: %s", Strerror(err))
		return false, err
	}
	op, p := parseCompareOperator(c.Parameter, 0)
	if op == opInvalid {
		op = opGreaterOrEqual
	}
	k, err := value.SafeAtou(p)
	if err != nil {
		e.debugf(notes, "Failed to parse number of CPUs: %s", Strerror(err))
		return false, err
	}
	return testOrder(cmpUint(uint64(n), uint64(k)), op)
}

func (e *Evaluator) testEnvironment(c *Condition, notes *[]Note) (bool, error) {
	equal := strings.Contains(c.Parameter, "=")
	for _, kv := range e.environ {
		if equal {
			if kv == c.Parameter {
				return true, nil
			}
		} else if rest, ok := strings.CutPrefix(kv, c.Parameter); ok && (rest == "" || rest[0] == '=') {
			return true, nil
		}
	}
	return false, nil
}

// cpuFlags are the CPUID feature bits systemd knows, by leaf and
// register.
var cpuFlags = []struct {
	leaf, sub uint32
	reg       int // 0 eax, 1 ebx, 2 ecx, 3 edx
	bits      map[string]uint
}{
	{1, 0, 2, map[string]uint{"pni": 0, "pclmul": 1, "monitor": 3, "ssse3": 9, "fma3": 12, "cx16": 13, "sse4_1": 19,
		"sse4_2": 20, "movbe": 22, "popcnt": 23, "aes": 25, "xsave": 26, "osxsave": 27, "avx": 28, "f16c": 29, "rdrand": 30}},
	{1, 0, 3, map[string]uint{"fpu": 0, "vme": 1, "de": 2, "pse": 3, "tsc": 4, "msr": 5, "pae": 6, "mce": 7, "cx8": 8,
		"apic": 9, "sep": 11, "mtrr": 12, "pge": 13, "mca": 14, "cmov": 15, "pat": 16, "pse36": 17, "clflush": 19,
		"mmx": 23, "fxsr": 24, "sse": 25, "sse2": 26, "ht": 28}},
	{7, 0, 1, map[string]uint{"bmi1": 3, "avx2": 5, "bmi2": 8, "rdseed": 18, "adx": 19, "sha_ni": 29}},
	{0x80000001, 0, 2, map[string]uint{"lahf_lm": 0, "abm": 5}},
	{0x80000001, 0, 3, map[string]uint{"syscall": 11, "rdtscp": 27, "lm": 29}},
	{0x80000007, 0, 3, map[string]uint{"constant_tsc": 8}},
}

func (e *Evaluator) testCPUFeature(c *Condition, notes *[]Note) (bool, error) {
	// systemd lowercases the parameter in place, and so reports it.
	c.Parameter = asciiLower(c.Parameter)
	for _, f := range cpuFlags {
		bit, known := f.bits[c.Parameter]
		if !known {
			continue
		}
		a, b, cx, d, ok := e.kernel.CPUID(f.leaf, f.sub)
		if ok && [4]uint32{a, b, cx, d}[f.reg]&(1<<bit) != 0 {
			return true, nil
		}
	}
	return false, nil
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// osRelease is parse_os_release for one key ("" when absent): from
// $SYSTEMD_OS_RELEASE, else /etc/os-release, else /usr/lib/os-release.
// What parsing the file logs goes to notes (nil to drop it).
func (e *Evaluator) osRelease(key string, notes *[]Note) (string, error) {
	var data []byte
	var err error
	p, ok := e.getenv("SYSTEMD_OS_RELEASE")
	if ok {
		data, err = e.readVirtualFile(p)
	} else {
		for _, p = range []string{"/etc/os-release", "/usr/lib/os-release"} {
			if data, err = e.readVirtualFile(p); err == nil || !isErrno(err, syscall.ENOENT) {
				break
			}
		}
	}
	if err != nil {
		return "", err
	}
	env, diags, err := unitfile.LoadEnvFile(p, data)
	if notes != nil {
		for _, d := range diags {
			*notes = append(*notes, Note{int(d.Level), d.String()})
		}
	}
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

func (e *Evaluator) testOSRelease(c *Condition, notes *[]Note) (bool, error) {
	x := unitfile.NewExtractor(c.Parameter)
	for {
		cond, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote)
		if err != nil {
			e.debugf(notes, "Failed to parse parameter: %s", Strerror(err))
			return false, err
		}
		if !ok {
			return true, nil
		}
		kx := unitfile.NewExtractor(cond)
		key, ok, err := kx.Next(compareOperatorWithFnmatchChars, unitfile.ExtractRetainSeparators)
		if err != nil {
			e.debugf(notes, "Failed to parse parameter: %s", Strerror(err))
			return false, err
		}
		word := kx.Rest()
		if !ok || word == "" || !unitfile.EnvNameIsValid(key) {
			e.debugf(notes, "Failed to parse parameter, key/value format expected: Invalid argument")
			return false, syscall.EINVAL
		}
		// No whitespace after the operator: os-release has none there.
		op, rest := parseCompareOperator(word, compareAllowFnmatch|compareEqualByString)
		if op == opInvalid || rest == "" || strings.IndexByte(unitfile.Whitespace, rest[0]) >= 0 {
			e.debugf(notes, "Failed to parse parameter, key/value format expected: Invalid argument")
			return false, syscall.EINVAL
		}
		actual, err := e.osRelease(key, notes)
		if err != nil {
			e.debugf(notes, "Failed to parse os-release: %s", Strerror(err))
			return false, err
		}
		holds, err := versionOrFnmatchCompare(op, actual, rest)
		if err != nil || !holds {
			return false, err
		}
	}
}

// parseUID is parse_uid: decimal, no sign, no leading zero or space,
// not (uid_t)-1 or the 16-bit -1.
func parseUID(s string) (uint32, error) {
	v, err := value.SafeAtouFull(s, 10, value.RefusePlusMinus|value.RefuseLeadingZero|value.RefuseLeadingWhitespace)
	if err != nil {
		return 0, err
	}
	if v == 0xffffffff || v == 0xffff {
		return 0, syscall.ENXIO
	}
	return v, nil
}

// Debian's fixed user names and system range.
const (
	nobodyUser   = "nobody"
	nobodyGroup  = "nogroup"
	uidNobody    = 65534
	systemUIDMax = 999
)

func (e *Evaluator) testUser(c *Condition, notes *[]Note) (bool, error) {
	cr := e.kernel.Credentials()
	p := c.Parameter
	switch p {
	case "root":
		return cr.UID == 0 || cr.EUID == 0, nil
	case nobodyUser:
		return cr.UID == uidNobody || cr.EUID == uidNobody, nil
	case "@system":
		return cr.UID <= systemUIDMax || cr.EUID <= systemUIDMax, nil
	}
	if id, err := parseUID(p); err == nil {
		return id == cr.UID || id == cr.EUID, nil
	}
	if e.kernel.PID() == 1 {
		return false, nil // no user database lookups in PID 1; root is handled above
	}
	name, ok := e.getenv("USER")
	if !ok {
		name = e.kernel.UserName(cr.UID)
	}
	if name == p {
		return true, nil
	}
	uid, err := e.lookupUser(p)
	if err != nil {
		return false, nil
	}
	return uid == cr.UID || uid == cr.EUID, nil
}

// lookupUser is get_user_creds for the UID only: root and nobody are
// built in, numbers need no database entry.
func (e *Evaluator) lookupUser(name string) (uint32, error) {
	switch {
	case name == "root" || name == "0":
		return 0, nil
	case (name == nobodyUser || name == "65534") && e.synthesizeNobody():
		return uidNobody, nil
	}
	if id, err := parseUID(name); err == nil {
		return id, nil
	}
	return e.kernel.LookupUser(name)
}

// synthesizeNobody is synthesize_nobody: unless the admin opted out.
func (e *Evaluator) synthesizeNobody() bool {
	ok, _ := e.exists("/etc/systemd/dont-synthesize-nobody")
	return !ok
}

func (e *Evaluator) inGID(gid uint32) bool {
	cr := e.kernel.Credentials()
	if cr.GID == gid || cr.EGID == gid {
		return true
	}
	for _, g := range cr.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

func (e *Evaluator) testGroup(c *Condition, notes *[]Note) (bool, error) {
	if id, err := parseUID(c.Parameter); err == nil {
		return e.inGID(id), nil
	}
	if e.kernel.PID() == 1 {
		return c.Parameter == "root", nil
	}
	var gid uint32
	switch name := c.Parameter; {
	case name == "root" || name == "0":
		gid = 0
	case (name == nobodyGroup || name == "65534") && e.synthesizeNobody():
		gid = uidNobody
	default:
		var err error
		if gid, err = e.kernel.LookupGroup(name); err != nil {
			return false, nil
		}
	}
	return e.inGID(gid), nil
}

func (e *Evaluator) testControlGroupController(c *Condition, notes *[]Note) (bool, error) {
	switch c.Parameter {
	case "v2":
		return e.cgroupAllUnified()
	case "v1":
		all, err := e.cgroupAllUnified()
		return !all, err
	}
	system, err := e.cgroupMaskSupported()
	if err != nil {
		e.debugf(notes, "Failed to determine supported controllers: %s", Strerror(err))
		return false, err
	}
	wanted, err := cgroupMaskFromString(c.Parameter)
	if err != nil || wanted == 0 {
		// Unknown controllers mixed with known ones are not caught here.
		e.debugf(notes, "Failed to parse cgroup string: %s", c.Parameter)
		return true, nil
	}
	return system&wanted == wanted, nil
}

func (e *Evaluator) testACPower(c *Condition, notes *[]Note) (bool, error) {
	want, err := value.ParseBoolean(c.Parameter)
	if err != nil {
		return false, err
	}
	return e.onACPower() == want, nil
}

func (e *Evaluator) testFirstBoot(c *Condition, notes *[]Note) (bool, error) {
	want, err := value.ParseBoolean(c.Parameter)
	if err != nil {
		return false, err
	}
	first, _ := e.exists("/run/systemd/first-boot")
	return first == want, nil
}
