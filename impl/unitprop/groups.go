package unitprop

import (
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
		return true, unsupported(f)
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

// executeProperty is bus_append_execute_property for the settings we
// convert; the others 252 knows are refused as not supported yet.
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
	if in(f, executeUnsupported...) {
		return true, unsupported(f)
	}
	return false, nil
}

// executeUnsupported are the exec settings 252 converts and we not yet.
var executeUnsupported = []string{
	"CoredumpFilter", "SetCredential", "SetCredentialEncrypted", "StandardInputText", "StandardInputData",
	"NUMAPolicy", "NUMAMask", "BindPaths", "BindReadOnlyPaths", "TemporaryFileSystem", "RootHash",
	"RootHashSignature", "RootImageOptions", "MountImages", "ExtensionImages",
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
