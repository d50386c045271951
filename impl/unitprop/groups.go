package unitprop

import (
	"os"
	"strings"
	"syscall"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

const (
	limitMax     = ^uint64(0) // CGROUP_LIMIT_MAX, USEC_INFINITY
	weightIdle   = 0
	weightMin    = 1
	weightMax    = 10000
	sharesMin    = 2
	sharesMax    = 262144
	blkioMin     = 10
	blkioMax     = 1000
	usecPerSec   = 1000000
	permyriadMax = 10000
)

// weight is cg_weight_parse and its relatives: empty is "invalid" (the
// maximum), otherwise a number in [lo, hi].
func weight(s string, lo, hi uint64) (uint64, error) {
	if s == "" {
		return limitMax, nil
	}
	u, err := value.SafeAtou64(s)
	if err != nil {
		return 0, err
	}
	if u < lo || u > hi {
		return 0, syscall.ERANGE
	}
	return u, nil
}

// scaleFromPermyriad is UINT32_SCALE_FROM_PERMYRIAD.
func scaleFromPermyriad(p int) uint32 {
	p = max(0, min(p, permyriadMax))
	return uint32((uint64(p)*0xffffffff + 5000) / 10000)
}

type ipAccess struct {
	Family    int32
	Address   []byte
	PrefixLen uint32
}

// cgroupProperty is bus_append_cgroup_property.
func cgroupProperty(a *assign) (bool, error) {
	f, eq := a.field, a.eq
	switch {
	case in(f, "DevicePolicy", "Slice", "ManagedOOMSwap", "ManagedOOMMemoryPressure", "ManagedOOMPreference"):
		return a.str()
	case f == "ManagedOOMMemoryPressureLimit":
		p, err := value.ParsePermyriad(eq)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s value: %s", f, eq)
		}
		a.add(f, scaleFromPermyriad(p))
		return true, nil
	case in(f, "CPUAccounting", "MemoryAccounting", "IOAccounting", "BlockIOAccounting", "TasksAccounting",
		"IPAccounting"):
		return a.boolean()
	case in(f, "CPUWeight", "StartupCPUWeight"):
		if eq == "idle" {
			a.add(f, uint64(weightIdle))
			return true, nil
		}
		v, err := weight(eq, weightMin, weightMax)
		return a.parsed(v, err)
	case in(f, "IOWeight", "StartupIOWeight"):
		v, err := weight(eq, weightMin, weightMax)
		return a.parsed(v, err)
	case in(f, "CPUShares", "StartupCPUShares"):
		v, err := weight(eq, sharesMin, sharesMax)
		return a.parsed(v, err)
	case in(f, "AllowedCPUs", "StartupAllowedCPUs", "AllowedMemoryNodes", "StartupAllowedMemoryNodes"):
		set, _, err := value.ParseCPUSet(eq, f)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s value: %s", f, eq)
		}
		b := []byte(set)
		if b == nil {
			b = []byte{}
		}
		a.add(f, b)
		return true, nil
	case in(f, "BlockIOWeight", "StartupBlockIOWeight"):
		v, err := weight(eq, blkioMin, blkioMax)
		return a.parsed(v, err)
	case f == "DisableControllers":
		return a.strv(unitfile.ExtractUnquote)
	case f == "Delegate":
		b, err := value.ParseBoolean(eq)
		if err != nil {
			return a.strvAs("DelegateControllers", unitfile.ExtractUnquote)
		}
		a.add(f, b)
		return true, nil
	case in(f, "MemoryMin", "DefaultMemoryLow", "DefaultMemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax",
		"MemorySwapMax", "MemoryLimit", "TasksMax"):
		switch {
		case eq == "infinity":
			a.add(f, limitMax)
			return true, nil
		case eq == "":
			v := limitMax
			if in(f, "DefaultMemoryLow", "DefaultMemoryMin", "MemoryLow", "MemoryMin") {
				v = 0
			}
			a.add(f, v)
			return true, nil
		}
		if p, err := value.ParsePermyriad(eq); err == nil {
			a.add(f+"Scale", scaleFromPermyriad(p))
			return true, nil
		}
		if f == "TasksMax" {
			return a.atou64()
		}
		return a.size(1024)
	case f == "CPUQuota":
		if eq == "" {
			a.add("CPUQuotaPerSecUSec", limitMax)
			return true, nil
		}
		p, err := value.ParsePermyriadUnbounded(eq)
		if err == nil && p == 0 {
			return true, fail(syscall.ERANGE, "CPU quota too small.")
		}
		if err != nil {
			return true, fail(errnoOf(err), "CPU quota '%s' invalid.", eq)
		}
		a.add("CPUQuotaPerSecUSec", uint64(p)*usecPerSec/10000)
		return true, nil
	case f == "CPUQuotaPeriodSec":
		u, err := value.ParseSecDefInfinity(eq)
		if err != nil {
			return true, fail(errnoOf(err), "CPU quota period '%s' invalid.", eq)
		}
		a.add("CPUQuotaPeriodUSec", u)
		return true, nil
	case f == "DeviceAllow":
		if eq == "" {
			a.add(f, []pathValue{})
			return true, nil
		}
		path, rwm, _ := strings.Cut(eq, " ")
		a.add(f, []pathValue{{path, rwm}})
		return true, nil
	case in(f, "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax",
		"BlockIOReadBandwidth", "BlockIOWriteBandwidth"):
		if eq == "" {
			a.add(f, []pathNumber{})
			return true, nil
		}
		path, bw, ok := strings.Cut(eq, " ")
		if !ok {
			return true, fail(syscall.EINVAL, "Failed to parse %s value %s.", f, eq)
		}
		bytes := limitMax
		if bw != "infinity" {
			var err error
			if bytes, err = value.ParseSize(bw, 1000); err != nil {
				return true, failErr(err, "Failed to parse byte value %s", bw)
			}
		}
		a.add(f, []pathNumber{{path, bytes}})
		return true, nil
	case in(f, "IODeviceWeight", "BlockIODeviceWeight"):
		if eq == "" {
			a.add(f, []pathNumber{})
			return true, nil
		}
		path, w, ok := strings.Cut(eq, " ")
		if !ok {
			return true, fail(syscall.EINVAL, "Failed to parse %s value %s.", f, eq)
		}
		u, err := value.SafeAtou64(w)
		if err != nil {
			return true, failErr(err, "Failed to parse %s value %s", f, w)
		}
		a.add(f, []pathNumber{{path, u}})
		return true, nil
	case f == "IODeviceLatencyTargetSec":
		if eq == "" {
			// 252 appends USEC_INFINITY as the array's length here.
			return true, unsupported(f)
		}
		path, target, ok := strings.Cut(eq, " ")
		if !ok {
			return true, fail(syscall.EINVAL, "Failed to parse %s value %s.", f, eq)
		}
		u, err := value.ParseSec(target)
		if err != nil {
			return true, failErr(err, "Failed to parse %s value %s", f, target)
		}
		a.add("IODeviceLatencyTargetUSec", []pathNumber{{path, u}})
		return true, nil
	case in(f, "IPAddressAllow", "IPAddressDeny"):
		return a.ipAddresses()
	case in(f, "IPIngressFilterPath", "IPEgressFilterPath"):
		if eq == "" {
			a.add(f, []string{})
		} else {
			a.add(f, []string{eq})
		}
		return true, nil
	case f == "BPFProgram":
		if eq == "" {
			a.add(f, []pathValue{})
			return true, nil
		}
		x := unitfile.NewExtractor(eq)
		word, _, err := x.Next(":", 0)
		if err != nil {
			return true, failErr(err, "Failed to parse %s", f)
		}
		a.add(f, []pathValue{{word, x.Rest()}})
		return true, nil
	case in(f, "SocketBindAllow", "SocketBindDeny"):
		type socketBind struct {
			Family, Protocol  int32
			NumPorts, MinPort uint16
		}
		if eq == "" {
			a.add(f, []socketBind{})
			return true, nil
		}
		family, proto, n, min, err := parseSocketBindItem(eq)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s", f)
		}
		a.add(f, []socketBind{{family, proto, n, min}})
		return true, nil
	}
	return false, nil
}

func (a *assign) ipAddresses() (bool, error) {
	f, eq := a.field, a.eq
	list := []ipAccess{}
	if eq == "" {
		a.add(f, list)
		return true, nil
	}
	addPrefixes := func(ps []value.IPPrefix) {
		for _, p := range ps {
			list = append(list, ipAccess{int32(p.Family), p.Addr, uint32(p.PrefixLen)})
		}
	}
	if eq == "any" || eq == "link-local" || eq == "multicast" || value.IsLocalhost(eq) {
		ps, _ := value.ParseInAddrPrefixWord(eq)
		addPrefixes(ps)
		a.add(f, list)
		return true, nil
	}
	x := unitfile.NewExtractor(eq)
	for {
		word, ok, err := x.Next(" \t\n\r", 0)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s: %s", f, x.Rest())
		}
		if !ok {
			break
		}
		p, err := value.ParseInAddrPrefix(word)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse IP address prefix: %s", word)
		}
		addPrefixes([]value.IPPrefix{p})
	}
	a.add(f, list)
	return true, nil
}

// executeProperty is bus_append_execute_property.
func executeProperty(a *assign) (bool, error) {
	f, eq := a.field, a.eq
	switch {
	case in(f, "User", "Group", "UtmpIdentifier", "UtmpMode", "PAMName", "TTYPath", "WorkingDirectory",
		"RootDirectory", "SyslogIdentifier", "ProtectSystem", "ProtectHome", "SELinuxContext", "RootImage",
		"RootVerity", "RuntimeDirectoryPreserve", "Personality", "KeyringMode", "ProtectProc", "ProcSubset",
		"NetworkNamespacePath", "IPCNamespacePath", "LogNamespace"):
		return a.str()
	case in(f, "IgnoreSIGPIPE", "TTYVHangup", "TTYReset", "TTYVTDisallocate", "PrivateTmp", "PrivateDevices",
		"PrivateNetwork", "PrivateUsers", "PrivateMounts", "PrivateIPC", "NoNewPrivileges", "SyslogLevelPrefix",
		"MemoryDenyWriteExecute", "RestrictRealtime", "DynamicUser", "RemoveIPC", "ProtectKernelTunables",
		"ProtectKernelModules", "ProtectKernelLogs", "ProtectClock", "ProtectControlGroups", "MountAPIVFS",
		"CPUSchedulingResetOnFork", "LockPersonality", "ProtectHostname", "RestrictSUIDSGID"):
		return a.boolean()
	case in(f, "ReadWriteDirectories", "ReadOnlyDirectories", "InaccessibleDirectories", "ReadWritePaths",
		"ReadOnlyPaths", "InaccessiblePaths", "ExecPaths", "NoExecPaths", "ExecSearchPath",
		"ExtensionDirectories", "ConfigurationDirectory", "SupplementaryGroups", "SystemCallArchitectures"):
		return a.strv(unitfile.ExtractUnquote)
	case in(f, "SyslogLevel", "LogLevelMax"):
		return a.enumInt(logLevelFromString)
	case f == "SyslogFacility":
		return a.enumInt(fallbackLookup(logFacilities, 127))
	case f == "CPUSchedulingPolicy":
		return a.enumInt(fallbackLookup(schedPolicies, 1<<31-1))
	case f == "IOSchedulingClass":
		return a.enumInt(fallbackLookup(ioprioClasses, 8))
	case f == "MountFlags":
		v, err := mountPropagation(eq)
		return a.parsed(v, err)
	case in(f, "CPUSchedulingPriority", "OOMScoreAdjust"):
		return a.atoi()
	case f == "Nice":
		n, err := value.SafeAtoi(eq)
		if err == nil && (n < -20 || n > 19) {
			err = syscall.ERANGE
		}
		return a.parsed(n, err)
	case f == "IOSchedulingPriority":
		n, err := value.SafeAtoi(eq)
		if err == nil && (n < 0 || n > 7) {
			err = syscall.EINVAL
		}
		return a.parsed(n, err)
	case in(f, "RuntimeDirectoryMode", "StateDirectoryMode", "CacheDirectoryMode", "LogsDirectoryMode",
		"ConfigurationDirectoryMode", "UMask"):
		return a.mode()
	case f == "TimerSlackNSec":
		v, err := value.ParseNSec(eq)
		return a.parsed(v, err)
	case f == "LogRateLimitIntervalSec":
		return a.secRename(f)
	case in(f, "LogRateLimitBurst", "TTYRows", "TTYColumns"):
		return a.atou()
	case in(f, "Environment", "UnsetEnvironment", "PassEnvironment"):
		return a.strv(unitfile.ExtractUnquote | unitfile.ExtractCUnescape)
	case f == "EnvironmentFile":
		type envFile struct {
			Path     string
			Optional bool
		}
		if eq == "" {
			a.add("EnvironmentFiles", []envFile{})
		} else {
			a.add("EnvironmentFiles", []envFile{{strings.TrimPrefix(eq, "-"), eq[0] == '-'}})
		}
		return true, nil
	case in(f, "StandardInput", "StandardOutput", "StandardError"):
		for _, k := range [][2]string{{"fd:", "FileDescriptorName"}, {"file:", "File"},
			{"append:", "FileToAppend"}, {"truncate:", "FileToTruncate"}} {
			if rest, ok := strings.CutPrefix(eq, k[0]); ok {
				a.add(f+k[1], rest)
				return true, nil
			}
		}
		return a.str()
	}
	switch {
	case in(f, "LoadCredential", "LoadCredentialEncrypted"):
		if eq == "" {
			a.add(f, []pathValue{})
			return true, nil
		}
		x := unitfile.NewExtractor(eq)
		id, ok, err := x.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s= parameter: %s", f, eq)
		}
		if !ok {
			return true, fail(syscall.EINVAL, "Missing argument to %s=.", f)
		}
		path := x.Rest()
		if path == "" {
			path = eq
		}
		a.add(f, []pathValue{{id, path}})
		return true, nil
	case f == "SecureBits":
		bits := int32(0)
		words, _ := value.Split(eq, unitfile.ExtractUnquote)
		for _, w := range words {
			for i, n := range secureBits {
				if w == n {
					bits |= 1 << i
				}
			}
		}
		a.add(f, bits)
		return true, nil
	case f == "SystemCallErrorNumber":
		return a.enumInt(func(s string) (int, error) {
			if s == "kill" {
				return 1<<31 - 2, nil
			}
			return value.ParseErrno(s)
		})
	case in(f, "RestrictAddressFamilies", "RestrictFileSystems", "SystemCallFilter", "SystemCallLog",
		"RestrictNetworkInterfaces"):
		type list struct {
			Allow bool
			Items []string
		}
		p, deny := strings.CutPrefix(eq, "~")
		words, err := value.Split(p, unitfile.ExtractUnquote)
		if err != nil {
			return true, fail(errnoOf(err), "Invalid syntax: %s", eq)
		}
		if words == nil {
			words = []string{}
		}
		a.add(f, list{!deny, words})
		return true, nil
	case f == "RestrictNamespaces":
		var flags uint64
		if b, err := value.ParseBoolean(eq); err == nil {
			if !b {
				flags = namespacesAll
			}
		} else {
			p, invert := strings.CutPrefix(eq, "~")
			words, err := value.Split(p, 0)
			if err != nil {
				return true, fail(errnoOf(err), "Failed to parse %s value %s.", f, p)
			}
			for _, w := range words {
				bit, ok := namespaceFlags[w]
				if !ok {
					return true, fail(syscall.EINVAL, "Failed to parse %s value %s.", f, p)
				}
				flags |= bit
			}
			if invert {
				flags = ^flags & namespacesAll
			}
		}
		a.add(f, flags)
		return true, nil
	case in(f, "StateDirectory", "RuntimeDirectory", "CacheDirectory", "LogsDirectory"):
		return a.directories()
	case f == "StandardInputText":
		text, err := cunescape(eq)
		if err != nil {
			return true, failErr(err, "Failed to unescape text '%s'", eq)
		}
		a.add(f, []byte(text+"\n"))
		return true, nil
	case in(f, "BindPaths", "BindReadOnlyPaths"):
		return a.bindPaths()
	case f == "TemporaryFileSystem":
		list := []pathValue{}
		x := unitfile.NewExtractor(eq)
		for {
			word, ok, err := x.Next(" \t\n\r", unitfile.ExtractUnquote)
			if err != nil {
				return true, failErr(err, "Failed to parse argument")
			}
			if !ok {
				break
			}
			w := unitfile.NewExtractor(word)
			path, _, err := w.Next(":", unitfile.ExtractDontCoalesceSeparators)
			if err != nil {
				return true, failErr(err, "Failed to parse argument")
			}
			opts := ""
			if !w.Done() {
				opts = w.Rest()
			}
			list = append(list, pathValue{path, opts})
		}
		a.add(f, list)
		return true, nil
	case f == "RootImageOptions":
		list := []pathValue{}
		x := unitfile.NewExtractor(eq)
		for {
			tuple, ok, err := x.Next(" \t\n\r", unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
			if err != nil {
				return true, failErr(err, "Failed to parse argument")
			}
			if !ok {
				break
			}
			q := unitfile.NewExtractor(tuple)
			w, err := manyWords(q, 2)
			if err != nil {
				return true, failErr(err, "Failed to parse argument")
			}
			if len(w) == 0 {
				continue
			}
			if !q.Done() && q.Rest() != "" {
				return true, failErr(syscall.EINVAL, "Failed to parse argument")
			}
			if len(w) == 2 && w[1] != "" {
				list = append(list, pathValue{w[0], w[1]})
			} else {
				list = append(list, pathValue{"root", w[0]})
			}
		}
		a.add(f, list)
		return true, nil
	case in(f, "MountImages", "ExtensionImages"):
		return a.images()
	case f == "RootHash":
		if strings.HasPrefix(eq, "/") {
			a.add("RootHashPath", eq)
			return true, nil
		}
		h, err := unhex(eq)
		if err != nil {
			return true, failErr(err, "Failed to decode RootHash= '%s'", eq)
		}
		if len(h) < 16 {
			return true, failErr(syscall.EINVAL, "RootHash= '%s' is too short", eq)
		}
		a.add(f, h)
		return true, nil
	case f == "RootHashSignature":
		if strings.HasPrefix(eq, "/") {
			a.add("RootHashSignaturePath", eq)
			return true, nil
		}
		v, ok := strings.CutPrefix(eq, "base64:")
		if !ok {
			return true, failErr(syscall.EINVAL, "Failed to decode RootHashSignature= '%s', not a path but doesn't start with 'base64:'", eq)
		}
		sig, err := unbase64(v)
		if err != nil {
			return true, failErr(err, "Failed to decode RootHashSignature= '%s'", eq)
		}
		if sig == nil {
			sig = []byte{}
		}
		a.add(f, sig)
		return true, nil
	case f == "CoredumpFilter":
		v, err := coredumpFilterMask(eq)
		return a.parsed(v, err)
	case f == "StandardInputData":
		data, err := unbase64(eq)
		if err != nil {
			return true, failErr(err, "Failed to decode base64 data '%s'", eq)
		}
		if data == nil {
			data = []byte{}
		}
		a.add(f, data)
		return true, nil
	case in(f, "SetCredential", "SetCredentialEncrypted"):
		type credential struct {
			ID    string
			Value []byte
		}
		if eq == "" {
			a.add(f, []credential{})
			return true, nil
		}
		x := unitfile.NewExtractor(eq)
		id, ok, err := x.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s= parameter: %s", f, eq)
		}
		if !ok || x.Done() {
			return true, fail(syscall.EINVAL, "Missing argument to %s=.", f)
		}
		var val []byte
		if f == "SetCredentialEncrypted" {
			if val, err = unbase64(x.Rest()); err != nil {
				return true, failErr(err, "Failed to base64 decode encrypted credential")
			}
		} else {
			v, err := cunescape(x.Rest())
			if err != nil {
				return true, fail(errnoOf(err), "Failed to unescape %s= value: %s", f, x.Rest())
			}
			val = []byte(v)
		}
		if val == nil {
			val = []byte{}
		}
		a.add(f, []credential{{id, val}})
		return true, nil
	case f == "NUMAPolicy":
		for i, n := range numaPolicies {
			if n == eq {
				a.add(f, int32(i))
				return true, nil
			}
		}
		return true, fail(syscall.EINVAL, "Failed to parse %s value: %s", f, eq)
	case f == "LogExtraFields":
		a.add(f, [][]byte{[]byte(eq)})
		return true, nil
	case in(f, "AppArmorProfile", "SmackProcessLabel"):
		type label struct {
			Ignore bool
			Label  string
		}
		v, ignore := strings.CutPrefix(eq, "-")
		a.add(f, label{ignore, v})
		return true, nil
	case in(f, "CapabilityBoundingSet", "AmbientCapabilities"):
		p, invert := strings.CutPrefix(eq, "~")
		sum := value.CapabilitySetFromString(p)
		if invert {
			sum = ^sum
		}
		a.add(f, sum)
		return true, nil
	case f == "NUMAMask":
		var set value.CPUSet
		if eq == "all" {
			for i := 0; i <= numaMaxNode(); i++ {
				_ = set.Add(uint32(i))
			}
		} else {
			parsed, _, err := value.ParseCPUSet(eq, f)
			if err != nil {
				return true, fail(errnoOf(err), "Failed to parse %s value: %s", f, eq)
			}
			set = parsed
		}
		b := []byte(set)
		if b == nil {
			b = []byte{}
		}
		a.add(f, b)
		return true, nil
	case f == "CPUAffinity":
		if eq == "numa" {
			a.add("CPUAffinityFromNUMA", true)
			return true, nil
		}
		set, _, err := value.ParseCPUSet(eq, f)
		if err != nil {
			return true, fail(errnoOf(err), "Failed to parse %s value: %s", f, eq)
		}
		b := []byte(set)
		if b == nil {
			b = []byte{}
		}
		a.add(f, b)
		return true, nil
	}
	if suffix, ok := strings.CutPrefix(f, "Limit"); ok {
		for rl, name := range value.RlimitNames {
			if name != suffix {
				continue
			}
			l, err := value.ParseRlimit(rl, eq)
			if err != nil {
				return true, fail(errnoOf(err), "Failed to parse resource limit: %s", eq)
			}
			a.add(f, l.Max)
			a.add(f+"Soft", l.Cur)
			return true, nil
		}
	}
	return false, nil
}

var logLevels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// logLevelFromString is log_level_from_string: a name or 0..7.
var logLevelFromString = fallbackLookup(logLevels, 7)

// Tables by value; "" is a hole.
var (
	logFacilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
		"authpriv", "ftp", "", "", "", "", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	schedPolicies = []string{"other", "fifo", "rr", "batch", "", "idle"}
	ioprioClasses = []string{"none", "realtime", "best-effort", "idle"}
	ipTOS         = []string{2: "low-cost", 4: "reliability", 8: "throughput", 0x10: "low-delay"}
	numaPolicies  = []string{"default", "preferred", "bind", "interleave", "local"}
)

// secureBits are the SecureBits= words, by bit.
var secureBits = []string{"noroot", "noroot-locked", "no-setuid-fixup", "no-setuid-fixup-locked", "keep-caps",
	"keep-caps-locked"}

// namespaceFlags are RestrictNamespaces='s words and their clone flags.
var namespaceFlags = map[string]uint64{
	"cgroup": syscall.CLONE_NEWCGROUP, "ipc": syscall.CLONE_NEWIPC, "net": syscall.CLONE_NEWNET,
	"mnt": syscall.CLONE_NEWNS, "pid": syscall.CLONE_NEWPID, "user": syscall.CLONE_NEWUSER,
	"uts": syscall.CLONE_NEWUTS, "time": 0x80,
}

// namespacesAll is NAMESPACE_FLAGS_ALL (without the time namespace).
const namespacesAll = syscall.CLONE_NEWCGROUP | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNET | syscall.CLONE_NEWNS |
	syscall.CLONE_NEWPID | syscall.CLONE_NEWUSER | syscall.CLONE_NEWUTS

// fallbackLookup is DEFINE_STRING_TABLE_LOOKUP_WITH_FALLBACK's
// from_string: a name of the table, else a number up to max.
func fallbackLookup(table []string, max uint32) func(string) (int, error) {
	return func(s string) (int, error) {
		for i, n := range table {
			if n != "" && n == s {
				return i, nil
			}
		}
		u, err := value.SafeAtou(s)
		if err != nil || u > max {
			return 0, syscall.EINVAL
		}
		return int(u), nil
	}
}

// mountPropagation is mount_propagation_flags_from_string.
func mountPropagation(s string) (uint64, error) {
	switch s {
	case "":
		return 0, nil
	case "shared":
		return syscall.MS_SHARED, nil
	case "slave":
		return syscall.MS_SLAVE, nil
	case "private":
		return syscall.MS_PRIVATE, nil
	}
	return 0, syscall.EINVAL
}

// Exec command prefix flags, in the order 252 names them.
const (
	execIgnoreFailure = 1 << iota
	execPrivileged
	execNoSetuid
	execAmbient
	execNoEnvExpand
)

var execFlagNames = []string{"ignore-failure", "privileged", "no-setuid", "ambient", "no-env-expand"}

type execCommand struct {
	Path   string
	Argv   []string
	Ignore bool
}

type execCommandEx struct {
	Path        string
	Argv, Flags []string
}

// execCommand is bus_append_exec_command: the prefixes -@:+! read as
// 252 does, a plain ExecXYZ= with flags other than "-" becoming
// ExecXYZEx=.
func (a *assign) execCommand() (bool, error) {
	eq, flags, explicitPath := a.eq, 0, false
	ex := strings.HasSuffix(a.field, "Ex")
loop:
	for eq != "" {
		switch eq[0] {
		case '-':
			if flags&execIgnoreFailure != 0 {
				break loop
			}
			flags |= execIgnoreFailure
		case '@':
			if explicitPath {
				break loop
			}
			explicitPath = true
		case ':':
			if flags&execNoEnvExpand != 0 {
				break loop
			}
			flags |= execNoEnvExpand
		case '+':
			if flags&(execPrivileged|execNoSetuid|execAmbient) != 0 {
				break loop
			}
			flags |= execPrivileged
		case '!':
			switch {
			case flags&(execPrivileged|execAmbient) != 0:
				break loop
			case flags&execNoSetuid != 0:
				flags = flags&^execNoSetuid | execAmbient
			default:
				flags |= execNoSetuid
			}
		default:
			break loop
		}
		eq = eq[1:]
	}
	name := a.field
	if !ex && flags&(execNoEnvExpand|execPrivileged|execNoSetuid|execAmbient) != 0 {
		ex, name = true, a.field+"Ex"
	}
	path := ""
	if explicitPath {
		x := unitfile.NewExtractor(eq)
		p, _, err := x.Next(" \t\n\r", unitfile.ExtractUnquote|unitfile.ExtractCUnescape)
		if err != nil {
			return true, failErr(err, "Failed to parse path")
		}
		path, eq = p, x.Rest()
	}
	argv, err := value.Split(eq, unitfile.ExtractUnquote|unitfile.ExtractCUnescape)
	if err != nil {
		return true, failErr(err, "Failed to parse command line")
	}
	if path == "" && len(argv) > 0 {
		path = argv[0]
	}
	if ex {
		names := []string{}
		for i, n := range execFlagNames {
			if flags&(1<<i) != 0 {
				names = append(names, n)
			}
		}
		cmds := []execCommandEx{}
		if len(argv) > 0 {
			cmds = append(cmds, execCommandEx{path, argv, names})
		}
		a.add(name, cmds)
		return true, nil
	}
	cmds := []execCommand{}
	if len(argv) > 0 {
		cmds = append(cmds, execCommand{path, argv, flags&execIgnoreFailure != 0})
	}
	a.add(name, cmds)
	return true, nil
}

type exitStatuses struct {
	Status, Signal []int32
}

// serviceProperty is bus_append_service_property.
func serviceProperty(a *assign) (bool, error) {
	f, eq := a.field, a.eq
	switch {
	case in(f, "PIDFile", "Type", "ExitType", "Restart", "BusName", "NotifyAccess", "USBFunctionDescriptors",
		"USBFunctionStrings", "OOMPolicy", "TimeoutStartFailureMode", "TimeoutStopFailureMode"):
		return a.str()
	case in(f, "PermissionsStartOnly", "RootDirectoryStartOnly", "RemainAfterExit", "GuessMainPID"):
		return a.boolean()
	case in(f, "RestartSec", "TimeoutStartSec", "TimeoutStopSec", "TimeoutAbortSec", "RuntimeMaxSec",
		"RuntimeRandomizedExtraSec", "WatchdogSec"):
		return a.secRename(f)
	case f == "TimeoutSec":
		if _, err := a.secRename("TimeoutStartSec"); err != nil {
			return true, err
		}
		return a.secRename("TimeoutStopSec")
	case f == "FileDescriptorStoreMax":
		return a.atou()
	case in(f, "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecConditionEx", "ExecStartPreEx",
		"ExecStartEx", "ExecStartPostEx", "ExecReload", "ExecStop", "ExecStopPost", "ExecReloadEx", "ExecStopEx",
		"ExecStopPostEx"):
		return a.execCommand()
	case in(f, "RestartPreventExitStatus", "RestartForceExitStatus", "SuccessExitStatus"):
		s := exitStatuses{Status: []int32{}, Signal: []int32{}}
		x := unitfile.NewExtractor(eq)
		for {
			word, ok, err := x.Next(" \t\n\r", unitfile.ExtractUnquote)
			if err != nil {
				return true, fail(errnoOf(err), "Invalid syntax in %s: %s", f, eq)
			}
			if !ok {
				break
			}
			code, err := value.ExitStatusFromString(word)
			if err == nil {
				s.Status = append(s.Status, int32(code))
				continue
			}
			if sig, serr := value.SignalFromString(word); serr == nil {
				s.Signal = append(s.Signal, int32(sig))
				continue
			}
			return true, failErr(err, "Invalid status or signal %s in %s", word, f)
		}
		a.add(f, s)
		return true, nil
	}
	return false, nil
}

// directories is StateDirectory= and its relatives: "src" words go as
// the setting, "src:dst" ones as its ...Symlink list; neither may be
// left out.
func (a *assign) directories() (bool, error) {
	type symlink struct {
		Source, Destination string
		Flags               uint64
	}
	tuples, err := value.Split(a.eq, unitfile.ExtractUnquote)
	if err != nil {
		return true, failErr(err, "Failed to parse argument")
	}
	var sources []string
	var links []symlink
	for _, t := range tuples {
		x := unitfile.NewExtractor(t)
		src, ok, err := x.Next(":", unitfile.ExtractUnquote|unitfile.ExtractDontCoalesceSeparators)
		if err == nil && !ok {
			err = syscall.EINVAL
		}
		if err != nil {
			return true, failErr(err, "Failed to parse argument")
		}
		dst, _, err := x.Next(":", unitfile.ExtractUnquote|unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			return true, failErr(err, "Failed to parse argument")
		}
		src = unitname.PathSimplify(src)
		if dst == "" {
			sources = append(sources, src)
		} else {
			links = append(links, symlink{src, unitname.PathSimplify(dst), 0})
		}
	}
	if len(sources) > 0 {
		a.add(a.field, sources)
	}
	if len(links) > 0 {
		a.add(a.field+"Symlink", links)
	}
	return true, nil
}

// cunescape is systemd's cunescape without flags: C escapes decoded, an
// invalid one is EINVAL. Quotes are escaped first so that the extractor
// takes them as they are.
func cunescape(s string) (string, error) {
	if !strings.Contains(s, "\\") {
		return s, nil
	}
	x := unitfile.NewExtractor(strings.ReplaceAll(strings.ReplaceAll(s, "'", "\\x27"), "\"", "\\x22"))
	var b strings.Builder
	for {
		word, ok, err := x.Next("\x00", unitfile.ExtractCUnescape|unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			return "", syscall.EINVAL
		}
		if !ok {
			return b.String(), nil
		}
		b.WriteString(word)
	}
}

var coredumpFilters = []string{"private-anonymous", "shared-anonymous", "private-file-backed",
	"shared-file-backed", "elf-headers", "private-huge", "shared-huge", "private-dax", "shared-dax"}

// coredumpFilterMask is coredump_filter_mask_from_string: names, "default",
// "all" or hexadecimal masks, or'ed.
func coredumpFilterMask(s string) (uint64, error) {
	var m uint64
	words, err := value.Split(s, 0)
	if err != nil {
		return 0, err
	}
word:
	for _, w := range words {
		switch w {
		case "default":
			m |= 1<<0 | 1<<1 | 1<<4 | 1<<5
			continue
		case "all":
			m = 0xffffffff
			continue
		}
		for i, n := range coredumpFilters {
			if n == w {
				m |= 1 << i
				continue word
			}
		}
		x, err := value.SafeAtou64Full(w, 16, 0)
		if err != nil {
			return 0, err
		}
		m |= x
	}
	return m, nil
}

// nextWithSeparator is extract_first_word, also saying which separator
// ended the word (0 at the end of the input).
func nextWithSeparator(x *unitfile.Extractor, seps string, flags unitfile.ExtractFlags) (string, bool, byte, error) {
	before := x.Rest()
	word, ok, err := x.Next(seps, flags)
	if err != nil || !ok || x.Done() {
		return word, ok, 0, err
	}
	used := len(before) - len(x.Rest())
	if used <= 0 {
		return word, ok, 0, nil
	}
	return word, ok, before[used-1], nil
}

// bindPaths is BindPaths= and BindReadOnlyPaths=: "[-]src[:dst[:opts]]"
// words, opts rbind (the default) or norbind.
func (a *assign) bindPaths() (bool, error) {
	type bind struct {
		Source, Destination string
		IgnoreENOENT        bool
		Flags               uint64
	}
	const seps = ": \t\n\r"
	const msRec = 0x4000
	flags := unitfile.ExtractUnquote | unitfile.ExtractDontCoalesceSeparators
	list := []bind{}
	x := unitfile.NewExtractor(a.eq)
	for {
		src, ok, sep, err := nextWithSeparator(x, seps, flags)
		if err != nil {
			return true, failErr(err, "Failed to parse argument")
		}
		if !ok {
			break
		}
		s, ignore := strings.CutPrefix(src, "-")
		d, mflags := s, uint64(msRec)
		if sep == ':' {
			dst, ok, sep2, err := nextWithSeparator(x, seps, flags)
			if err != nil {
				return true, failErr(err, "Failed to parse argument")
			}
			if !ok {
				return true, fail(syscall.EINVAL, "Missing argument after ':': %s", a.eq)
			}
			d = dst
			if sep2 == ':' {
				opts, _, err := x.Next(" \t\n\r", unitfile.ExtractUnquote)
				if err != nil {
					return true, failErr(err, "Failed to parse argument")
				}
				switch opts {
				case "", "rbind":
				case "norbind":
					mflags = 0
				default:
					return true, fail(syscall.EINVAL, "Unknown options: %s", a.eq)
				}
			}
		}
		list = append(list, bind{s, d, ignore, mflags})
	}
	a.add(a.field, list)
	return true, nil
}

// numaMaxNode is numa_max_node: the highest N of the nodeN directories
// in sysfs, 1023 when they cannot be read.
func numaMaxNode() int {
	entries, err := os.ReadDir("/sys/devices/system/node")
	if err != nil {
		return 1023
	}
	m := 0
	for _, e := range entries {
		n, ok := strings.CutPrefix(e.Name(), "node")
		if !ok || !e.IsDir() {
			continue
		}
		if v, err := value.SafeAtoi(n); err == nil && int(v) > m {
			m = int(v)
		}
	}
	return m
}

// imageWordFlags are how the colon-separated parts of an image word are
// read.
const imageWordFlags = unitfile.ExtractCUnescape | unitfile.ExtractUnescapeSeparators

// manyWords is extract_many_words for up to n colon-separated words.
func manyWords(x *unitfile.Extractor, n int) ([]string, error) {
	var out []string
	for len(out) < n {
		w, ok, err := x.Next(":", imageWordFlags)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		out = append(out, w)
	}
	return out, nil
}

// images is MountImages= ("[-]src:dst[:partition:options...]") and
// ExtensionImages= ("[-]src[:partition:options...]").
func (a *assign) images() (bool, error) {
	type partition struct{ Partition, Options string }
	type mountImage struct {
		Source, Destination string
		Permissive          bool
		Options             []partition
	}
	type extensionImage struct {
		Source     string
		Permissive bool
		Options    []partition
	}
	mount := a.field == "MountImages"
	bad := func(err error) error {
		return fail(errnoOf(err), "Failed to parse %s= property: %s", a.field, a.eq)
	}
	var mounts []mountImage
	var extensions []extensionImage
	x := unitfile.NewExtractor(a.eq)
	for {
		tuple, ok, err := x.Next(" \t\n\r", unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
		if err != nil {
			return true, bad(err)
		}
		if !ok {
			break
		}
		q := unitfile.NewExtractor(tuple)
		var src, dst string
		if mount {
			w, err := manyWords(q, 2)
			if err != nil {
				return true, bad(err)
			}
			if len(w) == 0 {
				continue
			}
			src = w[0]
			if len(w) > 1 {
				dst = w[1]
			}
		} else {
			w, ok, err := q.Next(":", imageWordFlags)
			if err != nil {
				return true, bad(err)
			}
			if !ok {
				continue
			}
			src = w
		}
		src, permissive := strings.CutPrefix(src, "-")
		if mount && dst == "" {
			return true, fail(syscall.EINVAL, "Missing argument after ':': %s", a.eq)
		}
		opts := []partition{}
		for {
			w, err := manyWords(q, 2)
			if err != nil {
				return true, bad(err)
			}
			if len(w) == 0 {
				break
			}
			if len(w) == 1 {
				opts = append(opts, partition{"root", w[0]})
				break
			}
			opts = append(opts, partition{w[0], w[1]})
		}
		if mount {
			mounts = append(mounts, mountImage{src, dst, permissive, opts})
		} else {
			extensions = append(extensions, extensionImage{src, permissive, opts})
		}
	}
	if mount {
		if mounts == nil {
			mounts = []mountImage{}
		}
		a.add(a.field, mounts)
	} else {
		if extensions == nil {
			extensions = []extensionImage{}
		}
		a.add(a.field, extensions)
	}
	return true, nil
}

// parseSocketBindItem is parse_socket_bind_item: "[ipv4|ipv6:][tcp|udp:]
// ports", each part optional but in that order, ports "any", N or N-M.
func parseSocketBindItem(s string) (family, proto int32, n, min uint16, err error) {
	parsers := []func(string) error{
		func(t string) error {
			switch t {
			case "ipv4":
				family = syscall.AF_INET
			case "ipv6":
				family = syscall.AF_INET6
			default:
				return syscall.EINVAL
			}
			return nil
		},
		func(t string) error {
			switch t {
			case "tcp":
				proto = syscall.IPPROTO_TCP
			case "udp":
				proto = syscall.IPPROTO_UDP
			default:
				return syscall.EINVAL
			}
			return nil
		},
		func(t string) error {
			if t == "any" {
				n, min = 0, 0
				return nil
			}
			lo, hi, err := value.ParseRange(t)
			if err != nil {
				return err
			}
			if lo == 0 || lo > 65535 || hi == 0 || hi > 65535 || hi < lo {
				return syscall.EINVAL
			}
			n, min = uint16(hi-lo+1), uint16(lo)
			return nil
		},
	}
	next := 0
	x := unitfile.NewExtractor(s)
	var r error
	for {
		tok, ok, xerr := x.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if xerr != nil {
			return 0, 0, 0, 0, xerr
		}
		if !ok {
			break
		}
		if tok == "" {
			return 0, 0, 0, 0, syscall.EINVAL
		}
		for next < len(parsers) {
			r = parsers[next](tok)
			next++
			if r == nil {
				break
			}
		}
		if next == len(parsers) {
			break
		}
	}
	if r != nil {
		return 0, 0, 0, 0, r
	}
	if !x.Done() {
		return 0, 0, 0, 0, syscall.EINVAL
	}
	return family, proto, n, min, nil
}

// ipProtocols are the IPPROTO_ names of Debian 12's netinet/in.h, which
// 252 was built with, lower-cased, and their numbers.
var ipProtocols = map[string]int{
	"hopopts": 0, "ip": 0, "icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "egp": 8, "pup": 12, "udp": 17,
	"idp": 22, "tp": 29, "dccp": 33, "ipv6": 41, "routing": 43, "fragment": 44, "rsvp": 46, "gre": 47,
	"esp": 50, "ah": 51, "icmpv6": 58, "none": 59, "dstopts": 60, "mtp": 92, "beetph": 94, "encap": 98,
	"pim": 103, "comp": 108, "sctp": 132, "mh": 135, "udplite": 136, "mpls": 137, "ethernet": 143,
	"raw": 255, "mptcp": 262,
}

// parseIPProtocol is parse_ip_protocol: a protocol's name (any case) or
// the number of a named one; empty is IPPROTO_IP.
func parseIPProtocol(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	if n, ok := ipProtocols[asciiLower(s)]; ok {
		return n, nil
	}
	n, err := value.SafeAtoi(s)
	if err != nil {
		return 0, err
	}
	for name, v := range ipProtocols {
		if v == int(n) && name != "hopopts" {
			return int(n), nil
		}
	}
	return 0, syscall.EINVAL
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
