package unit

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// lookupFallback is a string table lookup that also accepts numbers up
// to max (DEFINE_STRING_TABLE_LOOKUP_WITH_FALLBACK).
func lookupFallback(table []string, max uint32, s string) (int, bool) {
	for i, n := range table {
		if n != "" && n == s {
			return i, true
		}
	}
	u, err := value.SafeAtou(s)
	if err != nil || u > max {
		return 0, false
	}
	return int(u), true
}

var (
	ioprioClasses  = []string{"none", "realtime", "best-effort", "idle"}
	schedPolicies  = []string{0: "other", 1: "fifo", 2: "rr", 3: "batch", 5: "idle"}
	logLevels      = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	logFacilities  = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "", "", "", "", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	numaPolicies   = []string{"default", "preferred", "bind", "interleave", "local"}
	execInputs     = []string{"null", "tty", "tty-force", "tty-fail", "socket", "fd", "data", "file"}
	execOutputs    = []string{"inherit", "null", "tty", "kmsg", "kmsg+console", "journal", "journal+console", "socket", "fd", "file", "append", "truncate"}
	coredumpFilter = []string{"private-anonymous", "shared-anonymous", "private-file-backed", "shared-file-backed", "elf-headers", "private-huge", "shared-huge", "private-dax", "shared-dax"}
	namespaceNames = []struct {
		name string
		flag uint64
	}{
		{"cgroup", 0x02000000}, {"ipc", 0x08000000}, {"net", 0x40000000}, {"mnt", 0x00020000},
		{"pid", 0x20000000}, {"user", 0x10000000}, {"uts", 0x04000000}, {"time", 0x00000080},
	}
	secureBitNames = map[string]int32{"noroot": 1 << 0, "noroot-locked": 1 << 1, "no-setuid-fixup": 1 << 2,
		"no-setuid-fixup-locked": 1 << 3, "keep-caps": 1 << 4, "keep-caps-locked": 1 << 5}
	partitionNames = []string{"root", "root-secondary", "root-other", "usr", "usr-secondary", "usr-other", "home", "srv", "esp",
		"xbootldr", "swap", "root-verity", "root-secondary-verity", "root-other-verity", "usr-verity", "usr-secondary-verity",
		"usr-other-verity", "root-verity-sig", "root-secondary-verity-sig", "root-other-verity-sig", "usr-verity-sig",
		"usr-secondary-verity-sig", "usr-other-verity-sig", "tmp", "var"}
)

// namespaceFlagsAll is NAMESPACE_FLAGS_ALL (all but time).
const namespaceFlagsAll = 0x02000000 | 0x08000000 | 0x40000000 | 0x00020000 | 0x20000000 | 0x10000000 | 0x04000000

const (
	msShared  = 1 << 20
	msSlave   = 1 << 19
	msPrivate = 1 << 18
	msRec     = 16384
)

func execDirectives() []*Directive {
	eb := func(f func(*ExecContext) *bool) parseFunc { return boolField(inExec(f)) }
	es := func(f func(*ExecContext) *string) parseFunc { return stringPrintfField(inExec(f)) }
	ep := func(f func(*ExecContext) *string, fatal bool) parseFunc { return pathPrintfField(inExec(f), fatal) }
	ns := func(f func(*ExecContext) *[]string) parseFunc { return namespacePaths(inExec(f)) }
	d := []*Directive{
		{Name: "WorkingDirectory", Type: "OTHER", parse: parseWorkingDirectory},
		{Name: "RootDirectory", Type: "PATH", parse: ep(func(c *ExecContext) *string { return &c.RootDirectory }, true)},
		{Name: "RootImage", Type: "PATH", parse: ep(func(c *ExecContext) *string { return &c.RootImage }, true)},
		{Name: "RootImageOptions", Type: "OTHER", parse: parseRootImageOptions},
		{Name: "RootHash", Type: "OTHER", parse: parseRootHash},
		{Name: "RootHashSignature", Type: "OTHER", parse: parseRootHashSignature},
		{Name: "RootVerity", Type: "PATH", parse: ep(func(c *ExecContext) *string { return &c.RootVerity }, true)},
		{Name: "ExtensionDirectories", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.ExtensionDirectories })},
		{Name: "ExtensionImages", Type: "OTHER", parse: parseImages(true)},
		{Name: "MountImages", Type: "OTHER", parse: parseImages(false)},
		{Name: "User", Type: "OTHER", parse: userGroup(func(c *ExecContext) *string { return &c.User })},
		{Name: "Group", Type: "OTHER", parse: userGroup(func(c *ExecContext) *string { return &c.Group })},
		{Name: "SupplementaryGroups", Type: "OTHER", parse: parseSupplementaryGroups},
		{Name: "Nice", Type: "NICE", parse: parseNice},
		{Name: "OOMScoreAdjust", Type: "OOMSCOREADJUST", parse: parseOOMScoreAdjust},
		{Name: "CoredumpFilter", Type: "OTHER", parse: parseCoredumpFilter},
		{Name: "IOSchedulingClass", Type: "IOCLASS", parse: parseIOClass},
		{Name: "IOSchedulingPriority", Type: "IOPRIORITY", parse: parseIOPriority},
		{Name: "CPUSchedulingPolicy", Type: "CPUSCHEDPOLICY", parse: parseSchedPolicy},
		{Name: "CPUSchedulingPriority", Type: "CPUSCHEDPRIO", parse: parseSchedPriority},
		{Name: "CPUSchedulingResetOnFork", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.CPUSchedResetOnFork })},
		{Name: "CPUAffinity", Type: "CPUAFFINITY", parse: parseCPUAffinity},
		{Name: "NUMAPolicy", Type: "OTHER", parse: parseNUMAPolicy},
		{Name: "NUMAMask", Type: "OTHER", parse: parseNUMAMask},
		{Name: "UMask", Type: "MODE", parse: modeField(inExec(func(c *ExecContext) *uint32 { return &c.UMask }))},
		{Name: "Environment", Type: "ENVIRON", parse: parseEnvironment},
		{Name: "EnvironmentFile", Type: "FILE", parse: parseEnvironmentFile},
		{Name: "PassEnvironment", Type: "OTHER", parse: envNameList(func(c *ExecContext) *[]string { return &c.PassEnvironment }, false)},
		{Name: "UnsetEnvironment", Type: "OTHER", parse: envNameList(func(c *ExecContext) *[]string { return &c.UnsetEnvironment }, true)},
		{Name: "DynamicUser", Type: "BOOLEAN", parse: fatalBoolField(inExec(func(c *ExecContext) *bool { return &c.DynamicUser }))},
		{Name: "RemoveIPC", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.RemoveIPC })},
		{Name: "StandardInput", Type: "INPUT", parse: parseStdInput},
		{Name: "StandardOutput", Type: "OUTPUT", parse: parseStdOutput(1)},
		{Name: "StandardError", Type: "OUTPUT", parse: parseStdOutput(2)},
		{Name: "StandardInputText", Type: "OTHER", parse: parseStdinText},
		{Name: "StandardInputData", Type: "OTHER", parse: parseStdinData},
		{Name: "TTYPath", Type: "PATH", parse: ep(func(c *ExecContext) *string { return &c.TTYPath }, false)},
		{Name: "TTYReset", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.TTYReset })},
		{Name: "TTYVHangup", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.TTYVHangup })},
		{Name: "TTYVTDisallocate", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.TTYVTDisallocate })},
		{Name: "TTYRows", Type: "OTHER", parse: ttySize(func(c *ExecContext) *uint32 { return &c.TTYRows })},
		{Name: "TTYColumns", Type: "OTHER", parse: ttySize(func(c *ExecContext) *uint32 { return &c.TTYColumns })},
		{Name: "SyslogIdentifier", Type: "STRING", parse: es(func(c *ExecContext) *string { return &c.SyslogIdentifier })},
		{Name: "SyslogFacility", Type: "FACILITY", parse: parseSyslogFacility},
		{Name: "SyslogLevel", Type: "LEVEL", parse: logLevelField(func(c *ExecContext) *int32 { return &c.SyslogPriority })},
		{Name: "SyslogLevelPrefix", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.SyslogLevelPrefix })},
		{Name: "LogLevelMax", Type: "LEVEL", parse: logLevelField(func(c *ExecContext) *int32 { return &c.LogLevelMax })},
		{Name: "LogRateLimitIntervalSec", Type: "SECONDS", parse: secField(inExec(func(c *ExecContext) *uint64 { return &c.LogRateLimitInterval }))},
		{Name: "LogRateLimitBurst", Type: "UNSIGNED", parse: unsignedField(inExec(func(c *ExecContext) *uint32 { return &c.LogRateLimitBurst }))},
		{Name: "LogExtraFields", Type: "OTHER", parse: parseLogExtraFields},
		{Name: "Capabilities", Type: "NOTSUPPORTED", parse: warnCompat(false)},
		{Name: "SecureBits", Type: "SECUREBITS", parse: parseSecureBits},
		{Name: "CapabilityBoundingSet", Type: "BOUNDINGSET", parse: capabilitySet(func(c *ExecContext) *uint64 { return &c.CapabilityBoundingSet }, value.CapAll)},
		{Name: "AmbientCapabilities", Type: "BOUNDINGSET", parse: capabilitySet(func(c *ExecContext) *uint64 { return &c.AmbientCapabilities }, 0)},
		{Name: "TimerSlackNSec", Type: "NANOSECONDS", parse: nsecField(inExec(func(c *ExecContext) *uint64 { return &c.TimerSlackNSec }))},
		{Name: "NoNewPrivileges", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.NoNewPrivileges })},
		{Name: "KeyringMode", Type: "OTHER", parse: enumField(inExec(func(c *ExecContext) *string { return &c.KeyringMode }), "Failed to parse keyring mode", "inherit", "private", "shared")},
		{Name: "ProtectProc", Type: "OTHER", parse: enumField(inExec(func(c *ExecContext) *string { return &c.ProtectProc }), "Failed to parse /proc/ protection mode", "default", "noaccess", "invisible", "ptraceable")},
		{Name: "ProcSubset", Type: "OTHER", parse: enumField(inExec(func(c *ExecContext) *string { return &c.ProcSubset }), "Failed to parse /proc/ subset mode", "all", "pid")},
		{Name: "SystemCallFilter", Type: "SYSCALLS", parse: parseSyscallFilter},
		{Name: "SystemCallArchitectures", Type: "ARCHS", parse: parseSyscallArchs},
		{Name: "SystemCallErrorNumber", Type: "ERRNO", parse: parseSyscallErrno},
		{Name: "SystemCallLog", Type: "SYSCALLS", parse: parseSyscallLog},
		{Name: "MemoryDenyWriteExecute", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.MemoryDenyWriteExecute })},
		{Name: "RestrictNamespaces", Type: "NAMESPACES", parse: parseRestrictNamespaces},
		{Name: "RestrictRealtime", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.RestrictRealtime })},
		{Name: "RestrictSUIDSGID", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.RestrictSUIDSGID })},
		{Name: "RestrictAddressFamilies", Type: "FAMILIES", parse: parseAddressFamilies},
		{Name: "LockPersonality", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.LockPersonality })},
		{Name: "RestrictFileSystems", Type: "FILESYSTEMS", parse: parseRestrictFileSystems},
	}
	for i, n := range value.RlimitNames {
		d = append(d, &Directive{Name: "Limit" + n, Type: "LIMIT", parse: rlimitField(i)})
	}
	d = append(d,
		&Directive{Name: "ReadWriteDirectories", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.ReadWritePaths })},
		&Directive{Name: "ReadOnlyDirectories", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.ReadOnlyPaths })},
		&Directive{Name: "InaccessibleDirectories", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.InaccessiblePaths })},
		&Directive{Name: "ReadWritePaths", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.ReadWritePaths })},
		&Directive{Name: "ReadOnlyPaths", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.ReadOnlyPaths })},
		&Directive{Name: "InaccessiblePaths", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.InaccessiblePaths })},
		&Directive{Name: "ExecPaths", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.ExecPaths })},
		&Directive{Name: "NoExecPaths", Type: "PATH [...]", parse: ns(func(c *ExecContext) *[]string { return &c.NoExecPaths })},
		&Directive{Name: "ExecSearchPath", Type: "PATH", parse: parseExecSearchPath},
		&Directive{Name: "BindPaths", Type: "PATH[:PATH[:OPTIONS]] [...]", parse: parseBindPaths},
		&Directive{Name: "BindReadOnlyPaths", Type: "PATH[:PATH[:OPTIONS]] [...]", parse: parseBindPaths},
		&Directive{Name: "TemporaryFileSystem", Type: "OTHER", parse: parseTemporaryFileSystem},
		&Directive{Name: "PrivateTmp", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.PrivateTmp })},
		&Directive{Name: "PrivateDevices", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.PrivateDevices })},
		&Directive{Name: "ProtectKernelTunables", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.ProtectKernelTunables })},
		&Directive{Name: "ProtectKernelModules", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.ProtectKernelModules })},
		&Directive{Name: "ProtectKernelLogs", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.ProtectKernelLogs })},
		&Directive{Name: "ProtectClock", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.ProtectClock })},
		&Directive{Name: "ProtectControlGroups", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.ProtectControlGroups })},
		&Directive{Name: "NetworkNamespacePath", Type: "PATH", parse: ep(func(c *ExecContext) *string { return &c.NetworkNamespacePath }, false)},
		&Directive{Name: "IPCNamespacePath", Type: "PATH", parse: ep(func(c *ExecContext) *string { return &c.IPCNamespacePath }, false)},
		&Directive{Name: "LogNamespace", Type: "OTHER", parse: parseLogNamespace},
		&Directive{Name: "PrivateNetwork", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.PrivateNetwork })},
		&Directive{Name: "PrivateUsers", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.PrivateUsers })},
		&Directive{Name: "PrivateMounts", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.PrivateMounts })},
		&Directive{Name: "PrivateIPC", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.PrivateIPC })},
		&Directive{Name: "ProtectSystem", Type: "OTHER", parse: enumBoolField(inExec(func(c *ExecContext) *string { return &c.ProtectSystem }), "Failed to parse protect system value", "no", "yes", "no", "yes", "full", "strict")},
		&Directive{Name: "ProtectHome", Type: "OTHER", parse: enumBoolField(inExec(func(c *ExecContext) *string { return &c.ProtectHome }), "Failed to parse protect home value", "no", "yes", "no", "yes", "read-only", "tmpfs")},
		&Directive{Name: "MountFlags", Type: "MOUNTFLAG [...]", parse: parseMountFlags},
		&Directive{Name: "MountAPIVFS", Type: "OTHER", parse: parseMountAPIVFS},
		&Directive{Name: "Personality", Type: "PERSONALITY", parse: parsePersonality},
		&Directive{Name: "RuntimeDirectoryPreserve", Type: "OTHER", parse: enumBoolField(inExec(func(c *ExecContext) *string { return &c.RuntimeDirectoryPreserve }), "Failed to parse runtime directory preserve mode", "no", "yes", "no", "yes", "restart")},
	)
	for i, n := range dirNames {
		i := i
		d = append(d,
			&Directive{Name: n + "DirectoryMode", Type: "MODE", parse: modeField(inExec(func(c *ExecContext) *uint32 { return &c.Directories[i].Mode }))},
			&Directive{Name: n + "Directory", Type: "OTHER", parse: execDirectories(i)},
		)
	}
	d = append(d,
		&Directive{Name: "SetCredential", Type: "OTHER", parse: setCredential(false)},
		&Directive{Name: "SetCredentialEncrypted", Type: "OTHER", parse: setCredential(true)},
		&Directive{Name: "LoadCredential", Type: "OTHER", parse: loadCredential(false)},
		&Directive{Name: "LoadCredentialEncrypted", Type: "OTHER", parse: loadCredential(true)},
		&Directive{Name: "TimeoutCleanSec", Type: "SECONDS", parse: secField(inExec(func(c *ExecContext) *uint64 { return &c.TimeoutCleanUSec }))},
		&Directive{Name: "PAMName", Type: "STRING", parse: es(func(c *ExecContext) *string { return &c.PAMName })},
		&Directive{Name: "IgnoreSIGPIPE", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.IgnoreSIGPIPE })},
		&Directive{Name: "UtmpIdentifier", Type: "STRING", parse: es(func(c *ExecContext) *string { return &c.UtmpIdentifier })},
		&Directive{Name: "UtmpMode", Type: "OTHER", parse: enumField(inExec(func(c *ExecContext) *string { return &c.UtmpMode }), "Failed to parse utmp mode", "init", "login", "user")},
		&Directive{Name: "SELinuxContext", Type: "LABEL", parse: labelField(func(c *ExecContext) (*string, *bool) { return &c.SELinuxContext, &c.SELinuxContextIgnore })},
		&Directive{Name: "AppArmorProfile", Type: "OTHER", parse: labelField(func(c *ExecContext) (*string, *bool) { return &c.AppArmorProfile, &c.AppArmorProfileIgnore })},
		&Directive{Name: "SmackProcessLabel", Type: "OTHER", parse: labelField(func(c *ExecContext) (*string, *bool) { return &c.SmackProcessLabel, &c.SmackProcessLabelIgnore })},
		&Directive{Name: "ProtectHostname", Type: "BOOLEAN", parse: eb(func(c *ExecContext) *bool { return &c.ProtectHostname })},
	)
	return d
}

func parseWorkingDirectory(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.WorkingDirectoryHome = false
		c.WorkingDirectory = ""
		return nil
	}
	missingOK := strings.HasPrefix(v, "-")
	if missingOK {
		v = v[1:]
	}
	if v == "~" {
		c.WorkingDirectoryHome = true
		c.WorkingDirectory = ""
	} else {
		k, err := p.printf(v, specPath)
		if err != nil {
			if missingOK {
				p.warn("Failed to resolve unit specifiers in working directory path '%s', ignoring: %s", v, strerror(err))
				return nil
			}
			p.log(LevelErr, "Failed to resolve unit specifiers in working directory path '%s': %s", v, strerror(err))
			return errFatal
		}
		flags := pathCheckAbsolute
		if !missingOK {
			flags |= pathCheckFatal
		}
		s, ok := p.simplifyAndWarn(k, flags)
		if !ok {
			if missingOK {
				return nil
			}
			return errFatal
		}
		c.WorkingDirectoryHome = false
		c.WorkingDirectory = s
	}
	c.WorkingDirectoryMissingOK = missingOK
	return nil
}

func partitionValid(s string) bool {
	for _, n := range partitionNames {
		if n == s {
			return true
		}
	}
	return false
}

// splitColonPairs is systemd's strv_split_colon_pairs.
func splitColonPairs(s string) ([][2]string, error) {
	var out [][2]string
	w := unitfile.NewExtractor(s)
	for {
		tuple, ok, err := w.Next(ws, unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		q := unitfile.NewExtractor(tuple)
		first, ok1, err := q.Next(":", unitfile.ExtractCUnescape|unitfile.ExtractUnescapeSeparators)
		if err != nil {
			return nil, err
		}
		if !ok1 {
			continue
		}
		second, _, err := q.Next(":", unitfile.ExtractCUnescape|unitfile.ExtractUnescapeSeparators)
		if err != nil {
			return nil, err
		}
		if !q.Done() && q.Rest() != "" {
			return nil, errInval
		}
		out = append(out, [2]string{first, second})
	}
}

func parseRootImageOptions(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.RootImageOptions = nil
		return nil
	}
	pairs, err := splitColonPairs(v)
	if err != nil {
		p.warn("Failed to parse %s, ignoring: %s", p.key, v)
		return nil
	}
	var opts []MountOptions
	for _, pr := range pairs {
		partition, options := "root", pr[0]
		if pr[1] != "" {
			partition, options = pr[0], pr[1]
		}
		if !partitionValid(partition) {
			p.warn("Invalid partition name %s, ignoring", partition)
			continue
		}
		k, err := p.printf(options, specFull)
		if err != nil {
			p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", options, strerror(err))
			continue
		}
		opts = append(opts, MountOptions{Partition: partition, Options: k})
	}
	if opts != nil {
		c.RootImageOptions = append(c.RootImageOptions, opts...)
	} else {
		c.RootImageOptions = nil
	}
	return nil
}

func parseRootHash(p *parser, v string) error {
	c := p.u.Exec
	switch {
	case v == "":
		c.RootHashPath, c.RootHash = "", nil
	case strings.HasPrefix(v, "/"):
		c.RootHashPath, c.RootHash = v, nil
	default:
		b, err := hex.DecodeString(v)
		if err != nil {
			p.warn("Failed to decode RootHash=, ignoring: %s", v)
			return nil
		}
		if len(b) < 16 {
			p.warn("RootHash= is too short, ignoring: %s", v)
			return nil
		}
		c.RootHash, c.RootHashPath = b, ""
	}
	return nil
}

func parseRootHashSignature(p *parser, v string) error {
	c := p.u.Exec
	switch {
	case v == "":
		c.RootHashSignaturePath, c.RootHashSignature = "", nil
	case strings.HasPrefix(v, "/"):
		c.RootHashSignaturePath, c.RootHashSignature = v, nil
	default:
		data, ok := strings.CutPrefix(v, "base64:")
		if !ok {
			p.warn("Failed to decode RootHashSignature=, not a path but doesn't start with 'base64:', ignoring: %s", v)
			return nil
		}
		b, err := unbase64(data)
		if err != nil {
			p.warn("Failed to decode RootHashSignature=, ignoring: %s", v)
			return nil
		}
		c.RootHashSignature, c.RootHashSignaturePath = b, ""
	}
	return nil
}

// unbase64 is systemd's unbase64mem: whitespace is ignored.
func unbase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\n\r", r) {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

func parseImages(extension bool) parseFunc {
	return func(p *parser, v string) error {
		c := p.u.Exec
		list := &c.MountImages
		if extension {
			list = &c.ExtensionImages
		}
		if v == "" {
			*list = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		for {
			tuple, ok, err := w.Next(ws, unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
			if err != nil {
				p.warn("Invalid syntax %s=%s, ignoring: %s", p.key, v, strerror(err))
				return nil
			}
			if !ok {
				return nil
			}
			q := unitfile.NewExtractor(tuple)
			flags := unitfile.ExtractCUnescape | unitfile.ExtractUnescapeSeparators
			first, ok, err := q.Next(":", flags)
			if err != nil {
				p.warn("Invalid syntax in %s=, ignoring: %s", p.key, tuple)
				return nil
			}
			if !ok {
				continue
			}
			var second string
			if !extension {
				second, _, err = q.Next(":", flags)
				if err != nil {
					p.warn("Invalid syntax in %s=, ignoring: %s", p.key, tuple)
					return nil
				}
			}
			img := MountImage{}
			s := first
			if strings.HasPrefix(s, "-") {
				img.IgnoreENOENT = true
				s = s[1:]
			}
			k, err := p.printf(s, specPath)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", s, strerror(err))
				continue
			}
			src, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
			if !ok {
				continue
			}
			img.Source = src
			if !extension {
				if second == "" {
					p.warn("Missing destination in %s, ignoring: %s", p.key, v)
					continue
				}
				k, err := p.printf(second, specPath)
				if err != nil {
					p.warn("Failed to resolve specifiers in \"%s\", ignoring: %s", second, strerror(err))
					continue
				}
				dst, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
				if !ok {
					continue
				}
				img.Destination = dst
			}
			for {
				partition, ok, err := q.Next(":", flags)
				if err != nil {
					p.warn("Invalid syntax, ignoring: %s", q.Rest())
					return nil
				}
				if !ok {
					break
				}
				options, ok2, err := q.Next(":", flags)
				if err != nil {
					p.warn("Invalid syntax, ignoring: %s", q.Rest())
					return nil
				}
				if !ok2 {
					k, err := p.printf(partition, specFull)
					if err != nil {
						continue
					}
					img.Options = append(img.Options, MountOptions{Partition: "root", Options: k})
					break
				}
				if !partitionValid(partition) {
					p.warn("Invalid partition name %s, ignoring", partition)
					continue
				}
				k, err := p.printf(options, specFull)
				if err != nil {
					p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", options, strerror(err))
					continue
				}
				img.Options = append(img.Options, MountOptions{Partition: partition, Options: k})
			}
			*list = append(*list, img)
		}
	}
}

// validUserGroupName is systemd's valid_user_group_name; relax selects
// its relaxed mode (numeric IDs are always accepted here).
func validUserGroupName(u string, relax bool) bool {
	if u == "" {
		return false
	}
	if uid, err := value.SafeAtouFull(u, 10, 0); err == nil {
		return uid != ^uint32(0) && uid != 65535 || relax
	}
	if relax {
		if strings.HasPrefix(u, " ") || strings.HasSuffix(u, " ") || !utf8.ValidString(u) || strings.ContainsAny(u, ":/") {
			return false
		}
		for _, r := range u {
			if r < ' ' || r == 0x7f {
				return false
			}
		}
		digits := strings.Trim(u, "0123456789") == ""
		if digits || u[0] == '-' && strings.Trim(u[1:], "0123456789") == "" || u == "." || u == ".." {
			return false
		}
		return true
	}
	c := u[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	for i := 1; i < len(u); i++ {
		c := u[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return len(u) <= 31
}

func (p *parser) checkUserGroup(k string) bool {
	if !validUserGroupName(k, true) {
		p.log(LevelErr, "Invalid user/group name or numeric ID: %s", k)
		return false
	}
	if _, err := value.SafeAtouFull(k, 10, 0); err != nil && !validUserGroupName(k, false) {
		p.u.Diagnostics = append(p.u.Diagnostics, Diagnostic{Level: LevelNotice,
			Text: "Accepting user/group name '" + k + "', which does not match strict user/group name rules."})
	}
	return true
}

func userGroup(get func(*ExecContext) *string) parseFunc {
	return func(p *parser, v string) error {
		if v == "" {
			*get(p.u.Exec) = ""
			return nil
		}
		k, err := p.printf(v, specFull)
		if err != nil {
			p.log(LevelErr, "Failed to resolve unit specifiers in %s: %s", v, strerror(err))
			return errFatal
		}
		if !p.checkUserGroup(k) {
			return errFatal
		}
		if strings.Contains(p.key, "User") && k == "nobody" {
			p.log(LevelNotice, "Special user nobody configured, this is not safe!")
		}
		*get(p.u.Exec) = k
		return nil
	}
}

func parseSupplementaryGroups(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.SupplementaryGroups = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, 0)
		if err != nil {
			p.log(LevelErr, "Invalid syntax: %s", v)
			return errFatal
		}
		if !ok {
			return nil
		}
		k, err := p.printf(word, specFull)
		if err != nil {
			p.log(LevelErr, "Failed to resolve unit specifiers in %s: %s", word, strerror(err))
			return errFatal
		}
		if !p.checkUserGroup(k) {
			return errFatal
		}
		c.SupplementaryGroups = append(c.SupplementaryGroups, k)
	}
}

func parseNice(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.NiceSet = false
		return nil
	}
	n, err := value.SafeAtoi(v)
	if err == nil && (n < -20 || n > 19) {
		err = errRange
	}
	if err != nil {
		if err == errRange {
			p.warn("Nice priority out of range, ignoring: %s", v)
		} else {
			p.warn("Failed to parse nice priority '%s', ignoring: %s", v, strerror(err))
		}
		return nil
	}
	c.Nice, c.NiceSet = n, true
	return nil
}

func parseOOMScoreAdjust(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.OOMScoreAdjustSet = false
		return nil
	}
	n, err := value.SafeAtoi(v)
	if err == nil && (n < -1000 || n > 1000) {
		err = errRange
	}
	if err != nil {
		if err == errRange {
			p.warn("OOM score adjust value out of range, ignoring: %s", v)
		} else {
			p.warn("Failed to parse the OOM score adjust value '%s', ignoring: %s", v, strerror(err))
		}
		return nil
	}
	c.OOMScoreAdjust, c.OOMScoreAdjustSet = n, true
	return nil
}

func parseCoredumpFilter(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.CoredumpFilter, c.CoredumpFilterSet = 0, false
		return nil
	}
	var m uint64
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, 0)
		if err != nil {
			p.warn("Failed to parse the CoredumpFilter=%s, ignoring: %s", v, strerror(err))
			return nil
		}
		if !ok {
			break
		}
		switch word {
		case "default":
			m |= 0x33
			continue
		case "all":
			m = 0xffffffff
			continue
		}
		if i := indexOf(coredumpFilter, word); i >= 0 {
			m |= 1 << uint(i)
			continue
		}
		x, err := value.SafeAtou64Full(word, 16, 0)
		if err != nil {
			p.warn("Failed to parse the CoredumpFilter=%s, ignoring: %s", v, strerror(err))
			return nil
		}
		m |= x
	}
	c.CoredumpFilter |= m
	c.CoredumpFilterSet = true
	return nil
}

func indexOf(list []string, s string) int {
	for i, n := range list {
		if n == s {
			return i
		}
	}
	return -1
}

func parseIOClass(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.IOPrioSet, c.IOPrio = false, ioprioDefault
		return nil
	}
	x, ok := lookupFallback(ioprioClasses, 8, v)
	if !ok {
		p.warn("Failed to parse IO scheduling class, ignoring: %s", v)
		return nil
	}
	c.IOPrio = ioprioNormalize(int32(x)<<ioprioClassShift | c.IOPrio&0x1fff)
	c.IOPrioSet = true
	return nil
}

func parseIOPriority(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.IOPrioSet, c.IOPrio = false, ioprioDefault
		return nil
	}
	i, err := value.SafeAtoi(v)
	if err != nil || i < 0 || i >= 8 {
		p.warn("Failed to parse IO priority, ignoring: %s", v)
		return nil
	}
	c.IOPrio = ioprioNormalize(c.IOPrio>>ioprioClassShift<<ioprioClassShift | i)
	c.IOPrioSet = true
	return nil
}

// ioprioNormalize turns class "none" into the default it means.
func ioprioNormalize(v int32) int32 {
	if v>>ioprioClassShift == 0 {
		return ioprioDefault
	}
	return v
}

func parseSchedPolicy(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.CPUSchedSet, c.CPUSchedPolicy, c.CPUSchedPriority = false, 0, 0
		return nil
	}
	x, ok := lookupFallback(schedPolicies, 1<<31-1, v)
	if !ok {
		p.warn("Failed to parse CPU scheduling policy, ignoring: %s", v)
		return nil
	}
	c.CPUSchedPolicy = int32(x)
	lo, hi := int32(0), int32(0)
	if x == 1 || x == 2 {
		lo, hi = 1, 99
	}
	c.CPUSchedPriority = min(max(c.CPUSchedPriority, lo), hi)
	c.CPUSchedSet = true
	return nil
}

func parseSchedPriority(p *parser, v string) error {
	c := p.u.Exec
	i, err := value.SafeAtoi(v)
	if err != nil {
		p.warn("Failed to parse CPU scheduling priority, ignoring: %s", v)
		return nil
	}
	if i < 0 || i > 99 {
		p.warn("CPU scheduling priority is out of range, ignoring: %s", v)
		return nil
	}
	c.CPUSchedPriority, c.CPUSchedSet = i, true
	return nil
}

// parseCPUSet parses a CPU list, logging as systemd's parse_cpu_set_full
// does; ok is false when it failed.
func (p *parser) parseCPUSet(v string) (value.CPUSet, bool) {
	set, warnings, err := value.ParseCPUSet(v, p.key)
	for _, w := range warnings {
		p.warn("%s", w)
	}
	if err != nil {
		p.log(LevelErr, "%s", err.Error())
		return nil, false
	}
	return set, true
}

func parseCPUAffinity(p *parser, v string) error {
	c := p.u.Exec
	if v == "numa" {
		c.CPUAffinityFromNUMA = true
		c.CPUAffinity = nil
		return nil
	}
	k, ok := p.printfOr(v, specFull)
	if !ok {
		return nil
	}
	set, ok := p.parseCPUSet(k)
	if !ok {
		return nil
	}
	c.CPUAffinity.Extend(set)
	c.CPUAffinityFromNUMA = false
	return nil
}

func parseNUMAPolicy(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.NUMAPolicy = -1
		return nil
	}
	i := indexOf(numaPolicies, v)
	if i < 0 {
		p.warn("Invalid NUMA policy type, ignoring: %s", v)
		return nil
	}
	c.NUMAPolicy = int32(i)
	return nil
}

func parseNUMAMask(p *parser, v string) error {
	c := p.u.Exec
	if v == "all" {
		// All NUMA nodes of the machine; the model keeps node 0, the
		// only one systemd finds on a machine without NUMA.
		var all value.CPUSet
		_ = all.Add(0)
		c.NUMAMask.Extend(all)
		return nil
	}
	set, ok := p.parseCPUSet(v)
	if !ok {
		p.warn("Failed to parse NUMA node mask, ignoring: %s", v)
		return nil
	}
	c.NUMAMask.Extend(set)
	return nil
}

func parseEnvironment(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.Environment = nil
		return nil
	}
	assignments, diags := unitfile.ParseEnvironment(v, p.loc, p.expander(specEnv))
	p.u.Diagnostics = append(p.u.Diagnostics, diags...)
	for _, a := range assignments {
		c.Environment = unitfile.MergeEnv(c.Environment, a)
	}
	return nil
}

func parseEnvironmentFile(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.EnvironmentFiles = nil
		return nil
	}
	k, ok := p.printfOr(v, pathMax)
	if !ok {
		return nil
	}
	path := strings.TrimPrefix(k, "-")
	if _, ok := p.simplifyAndWarn(path, pathCheckAbsolute); !ok {
		return nil
	}
	c.EnvironmentFiles = append(c.EnvironmentFiles, k)
	return nil
}

// envNameList is config_parse_pass_environ and config_parse_unset_environ.
func envNameList(get func(*ExecContext) *[]string, unset bool) parseFunc {
	return func(p *parser, v string) error {
		list := get(p.u.Exec)
		if v == "" {
			*list = nil
			return nil
		}
		flags := unitfile.ExtractUnquote
		if unset {
			flags |= unitfile.ExtractCUnescape
		}
		var n []string
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, flags)
			if err != nil {
				p.warn("Trailing garbage in %s, ignoring: %s", p.key, v)
				break
			}
			if !ok {
				break
			}
			k, err := p.printf(word, specEnv)
			if err != nil {
				if unset {
					p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", word, strerror(err))
				} else {
					p.warn("Failed to resolve specifiers in %s, ignoring: %s", word, strerror(err))
				}
				continue
			}
			if unset {
				if !unitfile.EnvAssignmentIsValid(k) && !unitfile.EnvNameIsValid(k) {
					p.warn("Invalid environment name or assignment %s, ignoring: %s", p.key, k)
					continue
				}
			} else if !unitfile.EnvNameIsValid(k) {
				p.warn("Invalid environment name for %s, ignoring: %s", p.key, k)
				continue
			}
			n = append(n, k)
		}
		for _, k := range n {
			if indexOf(*list, k) < 0 {
				*list = append(*list, k)
			}
		}
		return nil
	}
}

func fdnameIsValid(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 127 || s[i] == ':' {
			return false
		}
	}
	return len(s) <= 255
}

func parseStdInput(p *parser, v string) error {
	c := p.u.Exec
	var ei string
	switch {
	case strings.HasPrefix(v, "fd:"):
		n := v[3:]
		k, ok := p.printfOr(n, specFD)
		if !ok {
			return nil
		}
		if k != "" && !fdnameIsValid(k) {
			p.warn("Invalid file descriptor name, ignoring: %s", k)
			return nil
		}
		c.StdioFDName[0] = k
		ei = "fd"
	case strings.HasPrefix(v, "file:"):
		n := v[5:]
		k, ok := p.printfOr(n, specPath)
		if !ok {
			return nil
		}
		s, ok := p.simplifyAndWarn(k, pathCheckAbsolute|pathCheckFatal)
		if !ok {
			return nil
		}
		c.StdioFile[0] = s
		ei = "file"
	default:
		if indexOf(execInputs, v) < 0 {
			p.warn("Failed to parse input specifier, ignoring: %s", v)
			return nil
		}
		ei = v
	}
	c.StdInput = ei
	return nil
}

func parseStdOutput(fd int) parseFunc {
	return func(p *parser, v string) error {
		c := p.u.Exec
		var eo, resolved string
		obsolete := false
		prefixed := func(prefix, kind string) bool {
			n, ok := strings.CutPrefix(v, prefix)
			if !ok {
				return false
			}
			k, err := p.printf(n, specFD)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", n, strerror(err))
				eo = ""
				return true
			}
			s, ok := p.simplifyAndWarn(k, pathCheckAbsolute|pathCheckFatal)
			if !ok {
				eo = ""
				return true
			}
			eo, resolved = kind, s
			return true
		}
		switch {
		case strings.HasPrefix(v, "fd:"):
			n := v[3:]
			k, err := p.printf(n, specPath)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in %s: %s", n, strerror(err))
				return nil
			}
			if k != "" && !fdnameIsValid(k) {
				p.warn("Invalid file descriptor name, ignoring: %s", k)
				return nil
			}
			eo, resolved = "fd", k
		case v == "syslog":
			eo, obsolete = "journal", true
		case v == "syslog+console":
			eo, obsolete = "journal+console", true
		case prefixed("file:", "file"), prefixed("append:", "append"), prefixed("truncate:", "truncate"):
			if eo == "" {
				return nil
			}
		default:
			if indexOf(execOutputs, v) < 0 {
				p.warn("Failed to parse output specifier, ignoring: %s", v)
				return nil
			}
			eo = v
		}
		if obsolete {
			p.log(LevelNotice, "Standard output type %s is obsolete, automatically updating to %s. Please update your unit file, and consider removing the setting altogether.", v, eo)
		}
		if eo == "fd" {
			c.StdioFDName[fd] = resolved
		} else {
			c.StdioFile[fd] = resolved
		}
		if fd == 1 {
			c.StdOutput = eo
		} else {
			c.StdError = eo
		}
		return nil
	}
}

func parseStdinText(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.StdinData = nil
		return nil
	}
	unescaped, err := cunescape(v)
	if err != nil {
		p.warn("Failed to decode C escaped text '%s', ignoring: %s", v, strerror(err))
		return nil
	}
	k, ok := p.printfOr(unescaped, stdinDataMax)
	if !ok {
		return nil
	}
	if len(c.StdinData)+len(k)+1 > stdinDataMax {
		p.warn("Standard input data too large (%d), maximum of %d permitted, ignoring.", len(c.StdinData)+len(k), stdinDataMax)
		return nil
	}
	c.StdinData = append(append(c.StdinData, k...), '\n')
	return nil
}

func parseStdinData(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.StdinData = nil
		return nil
	}
	b, err := unbase64(v)
	if err != nil {
		p.warn("Failed to decode base64 data, ignoring: %s", v)
		return nil
	}
	if len(c.StdinData)+len(b) > stdinDataMax {
		p.warn("Standard input data too large (%d), maximum of %d permitted, ignoring.", len(c.StdinData)+len(b), stdinDataMax)
		return nil
	}
	c.StdinData = append(c.StdinData, b...)
	return nil
}

// cunescape is systemd's cunescape without flags: C escapes decoded, an
// invalid one is EINVAL.
func cunescape(s string) (string, error) {
	if !strings.Contains(s, "\\") {
		return s, nil
	}
	w := unitfile.NewExtractor(strings.ReplaceAll(strings.ReplaceAll(s, "'", "\\x27"), "\"", "\\x22"))
	var b strings.Builder
	for {
		word, ok, err := w.Next("\x00", unitfile.ExtractCUnescape|unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			return "", errInval
		}
		if !ok {
			return b.String(), nil
		}
		b.WriteString(word)
	}
}

func ttySize(get func(*ExecContext) *uint32) parseFunc {
	parse := unsignedField(inExec(get))
	return func(p *parser, v string) error {
		if v == "" {
			*get(p.u.Exec) = uintMax
			return nil
		}
		return parse(p, v)
	}
}

func parseSyslogFacility(p *parser, v string) error {
	c := p.u.Exec
	x, ok := lookupFallback(logFacilities, 127, v)
	if !ok {
		p.warn("Failed to parse log facility, ignoring: %s", v)
		return nil
	}
	c.SyslogPriority = int32(x)<<3 | c.SyslogPriority&7
	return nil
}

func logLevelField(get func(*ExecContext) *int32) parseFunc {
	return func(p *parser, v string) error {
		x, ok := lookupFallback(logLevels, 7, v)
		if !ok {
			p.warn("Failed to parse log level, ignoring: %s", v)
			return nil
		}
		o := get(p.u.Exec)
		if *o < 0 {
			*o = int32(x)
		} else {
			*o = *o&^7 | int32(x)
		}
		return nil
	}
}

// journalFieldValid is systemd's journal_field_valid for user fields.
func journalFieldValid(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func parseLogExtraFields(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.LogExtraFields = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractCUnescape|unitfile.ExtractUnquote)
		if err != nil {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		k, err := p.printf(word, specFull)
		if err != nil {
			p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", word, strerror(err))
			continue
		}
		name, _, found := strings.Cut(k, "=")
		if !found {
			p.warn("Log field lacks '=' character, ignoring: %s", k)
			continue
		}
		if !journalFieldValid(name) {
			p.warn("Log field name is invalid, ignoring: %s", k)
			continue
		}
		c.LogExtraFields = append(c.LogExtraFields, []byte(k))
	}
}

func parseSecureBits(p *parser, v string) error {
	var bits int32
	words, _ := value.Split(v, unitfile.ExtractUnquote)
	for _, w := range words {
		bits |= secureBitNames[w]
	}
	p.u.Exec.SecureBits = bits
	return nil
}

// capabilitySet is config_parse_capability_set; initial is the field's
// starting value.
func capabilitySet(get func(*ExecContext) *uint64, initial uint64) parseFunc {
	return func(p *parser, v string) error {
		set := get(p.u.Exec)
		invert := strings.HasPrefix(v, "~")
		if invert {
			v = v[1:]
		}
		sum := value.CapabilitySetFromString(v)
		switch {
		case sum == 0 || *set == initial:
			if invert {
				*set = ^sum
			} else {
				*set = sum
			}
		case invert:
			*set &^= sum
		default:
			*set |= sum
		}
		return nil
	}
}

func parseRestrictNamespaces(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.RestrictNamespaces = namespaceFlagsInitial
		return nil
	}
	if b, err := value.ParseBoolean(v); err == nil {
		if b {
			c.RestrictNamespaces = 0
		} else {
			c.RestrictNamespaces = namespaceFlagsAll
		}
		return nil
	}
	invert := strings.HasPrefix(v, "~")
	if invert {
		v = v[1:]
	}
	var flags uint64
	words, err := value.Split(v, 0)
	if err != nil {
		p.warn("Failed to parse namespace type string, ignoring: %s", v)
		return nil
	}
	for _, w := range words {
		f := uint64(0)
		for _, n := range namespaceNames {
			if n.name == w {
				f = n.flag
			}
		}
		if f == 0 {
			p.warn("Failed to parse namespace type string, ignoring: %s", v)
			return nil
		}
		flags |= f
	}
	switch {
	case c.RestrictNamespaces == namespaceFlagsInitial && invert:
		c.RestrictNamespaces = ^flags & namespaceFlagsAll
	case c.RestrictNamespaces == namespaceFlagsInitial:
		c.RestrictNamespaces = flags
	case invert:
		c.RestrictNamespaces &^= flags
	default:
		c.RestrictNamespaces |= flags
	}
	return nil
}

func parseAddressFamilies(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.RestrictAddressFamilies, c.AddressFamiliesAllowList, c.addressFamiliesSet = nil, false, false
		return nil
	}
	if v == "none" {
		c.RestrictAddressFamilies, c.AddressFamiliesAllowList, c.addressFamiliesSet = nil, true, false
		return nil
	}
	invert := strings.HasPrefix(v, "~")
	if invert {
		v = v[1:]
	}
	if !c.addressFamiliesSet {
		c.addressFamiliesSet = true
		c.AddressFamiliesAllowList = !invert
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
		af, err := value.AFFromName(word)
		if err != nil {
			p.warn("Failed to parse address family, ignoring: %s", word)
			continue
		}
		if !invert == c.AddressFamiliesAllowList {
			if !containsInt(c.RestrictAddressFamilies, af) {
				c.RestrictAddressFamilies = append(c.RestrictAddressFamilies, af)
			}
		} else {
			c.RestrictAddressFamilies = removeInt(c.RestrictAddressFamilies, af)
		}
	}
}

func containsInt(l []int, x int) bool {
	for _, v := range l {
		if v == x {
			return true
		}
	}
	return false
}

func removeInt(l []int, x int) []int {
	out := l[:0]
	for _, v := range l {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// parseRestrictFileSystems stores the names; this systemd is built
// without BPF LSM support, which makes the property list empty.
func parseRestrictFileSystems(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.RestrictFileSystems, c.FileSystemsAllowList = nil, false
		return nil
	}
	invert := strings.HasPrefix(v, "~")
	if invert {
		v = v[1:]
	}
	if c.RestrictFileSystems == nil {
		c.FileSystemsAllowList = !invert
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
		if err != nil {
			p.warn("Trailing garbage in %s, ignoring: %s", p.key, v)
			return nil
		}
		if !ok {
			return nil
		}
		c.RestrictFileSystems = append(c.RestrictFileSystems, word)
	}
}

func rlimitField(resource int) parseFunc {
	return func(p *parser, v string) error {
		rl, err := value.ParseRlimit(resource, v)
		if err == errIlseq {
			p.warn("Soft resource limit chosen higher than hard limit, ignoring: %s", v)
			return nil
		}
		if err != nil {
			p.warn("Failed to parse resource value, ignoring: %s", v)
			return nil
		}
		p.u.Exec.Rlimits[resource] = &rl
		return nil
	}
}

// namespacePaths is config_parse_namespace_path_strv.
func namespacePaths(get func(*Unit) *[]string) parseFunc {
	return func(p *parser, v string) error {
		list := get(p.u)
		if v == "" {
			*list = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
			if err != nil {
				p.warn("Failed to extract first word, ignoring: %s", v)
				return nil
			}
			if !ok {
				return nil
			}
			s := word
			ignore := strings.HasPrefix(s, "-")
			if ignore {
				s = s[1:]
			}
			prefix := strings.HasPrefix(s, "+")
			if prefix {
				s = s[1:]
			}
			k, err := p.printf(s, specPath)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in %s: %s", s, strerror(err))
				continue
			}
			k, ok = p.simplifyAndWarn(k, pathCheckAbsolute)
			if !ok {
				continue
			}
			if prefix {
				k = "+" + k
			}
			if ignore {
				k = "-" + k
			}
			*list = append(*list, k)
		}
	}
}

func parseExecSearchPath(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.ExecSearchPath = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			p.warn("Failed to extract first word, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		k, ok := p.printfOr(word, specPath)
		if !ok {
			return nil
		}
		s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
		if !ok {
			return nil
		}
		c.ExecSearchPath = append(c.ExecSearchPath, s)
	}
}

func parseBindPaths(p *parser, v string) error {
	c := p.u.Exec
	readOnly := strings.Contains(p.key, "ReadOnly")
	if v == "" {
		c.BindMounts = nil
		return nil
	}
	seps := ":" + ws
	flags := unitfile.ExtractUnquote | unitfile.ExtractDontCoalesceSeparators
	w := unitfile.NewExtractor(v)
	for {
		rest := w.Rest()
		source, ok, err := w.Next(seps, flags)
		if err != nil {
			p.warn("Failed to parse %s, ignoring: %s", p.key, v)
			return nil
		}
		if !ok {
			return nil
		}
		colon := !w.Done() && len(rest) > len(w.Rest()) && rest[len(rest)-len(w.Rest())-1] == ':'
		k, err := p.printf(source, pathMax)
		if err != nil {
			p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", source, strerror(err))
			continue
		}
		bm := BindMount{ReadOnly: readOnly, Recursive: true}
		if strings.HasPrefix(k, "-") {
			bm.IgnoreENOENT = true
			k = k[1:]
		}
		s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
		if !ok {
			continue
		}
		bm.Source, bm.Destination = s, s
		if colon {
			rest := w.Rest()
			dest, ok, err := w.Next(seps, flags)
			if err != nil {
				p.warn("Failed to parse %s, ignoring: %s", p.key, v)
				return nil
			}
			if !ok {
				p.warn("Missing argument after ':', ignoring: %s", s)
				continue
			}
			colon = !w.Done() && len(rest) > len(w.Rest()) && rest[len(rest)-len(w.Rest())-1] == ':'
			dk, err := p.printf(dest, specPath)
			if err != nil {
				p.warn("Failed to resolve specifiers in \"%s\", ignoring: %s", dest, strerror(err))
				continue
			}
			d, ok := p.simplifyAndWarn(dk, pathCheckAbsolute)
			if !ok {
				continue
			}
			bm.Destination = d
			if colon {
				options, _, err := w.Next(ws, unitfile.ExtractUnquote)
				if err != nil {
					p.warn("Failed to parse %s=, ignoring: %s", p.key, v)
					return nil
				}
				switch options {
				case "", "rbind":
				case "norbind":
					bm.Recursive = false
				default:
					p.warn("Invalid option string, ignoring setting: %s", options)
					continue
				}
			}
		}
		c.BindMounts = append(c.BindMounts, bm)
	}
}

func parseTemporaryFileSystem(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.TemporaryFileSystems = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
		if err != nil {
			p.warn("Failed to extract first word, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		q := unitfile.NewExtractor(word)
		path, ok, err := q.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			p.warn("Failed to extract first word, ignoring: %s", word)
			continue
		}
		if !ok {
			p.warn("Invalid syntax, ignoring: %s", word)
			continue
		}
		k, err := p.printf(path, specPath)
		if err != nil {
			p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", path, strerror(err))
			continue
		}
		s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
		if !ok {
			continue
		}
		c.TemporaryFileSystems = append(c.TemporaryFileSystems, TemporaryFileSystem{Path: s, Options: q.Rest()})
	}
}

func parseLogNamespace(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.LogNamespace = ""
		return nil
	}
	k, err := p.printf(v, 255)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", v, strerror(err))
		return nil
	}
	if !LogNamespaceNameValid(k) {
		p.warn("Specified log namespace name is not valid, ignoring: %s", k)
		return nil
	}
	c.LogNamespace = k
	return nil
}

// LogNamespaceNameValid is systemd's log_namespace_name_valid: a file
// name that fits after a machine ID and a dot, a valid unit instance,
// without quotes, backslashes, control characters or glob characters.
func LogNamespaceNameValid(s string) bool {
	const max = 255 - 32 - 1
	if !filenameValid(s) || len(s) > max || !unitname.InstanceIsValid(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 127 {
			return false
		}
	}
	return !strings.ContainsAny(s, "\\\"'*?[")
}

func filenameValid(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && len(s) <= 255
}

func parseMountFlags(p *parser, v string) error {
	var f uint64
	switch v {
	case "":
	case "shared":
		f = msShared
	case "slave":
		f = msSlave
	case "private":
		f = msPrivate
	default:
		p.warn("Failed to parse mount flag, ignoring: %s", v)
		return nil
	}
	p.u.Exec.MountFlags = f
	return nil
}

func parseMountAPIVFS(p *parser, v string) error {
	c := p.u.Exec
	if v == "" {
		c.MountAPIVFSSet, c.MountAPIVFS = false, false
		return nil
	}
	b, err := value.ParseBoolean(v)
	if err != nil {
		p.warn("Failed to parse boolean value, ignoring: %s", v)
		return nil
	}
	c.MountAPIVFSSet, c.MountAPIVFS = true, b
	return nil
}

// personalities are the architectures systemd's Personality= accepts on
// x86-64: the native one and its secondary.
var personalities = map[string]string{"x86-64": "x86-64", "x86": "x86"}

// PersonalityValid reports whether Personality= takes s
// (personality_from_string).
func PersonalityValid(s string) bool {
	_, ok := personalities[s]
	return ok
}

func parsePersonality(p *parser, v string) error {
	if v == "" {
		p.u.Exec.Personality = ""
		return nil
	}
	name, ok := personalities[v]
	if !ok {
		p.warn("Failed to parse personality, ignoring: %s", v)
		return nil
	}
	p.u.Exec.Personality = name
	return nil
}

func execDirectories(kind int) parseFunc {
	return func(p *parser, v string) error {
		ed := &p.u.Exec.Directories[kind]
		if v == "" {
			ed.Items = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		for {
			tuple, ok, err := w.Next(ws, unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
			if err != nil {
				p.warn("Invalid syntax %s=%s, ignoring: %s", p.key, v, strerror(err))
				return nil
			}
			if !ok {
				return nil
			}
			q := unitfile.NewExtractor(tuple)
			flags := unitfile.ExtractCUnescape | unitfile.ExtractUnescapeSeparators
			src, ok, err := q.Next(":", flags)
			var dest string
			if err == nil && ok {
				dest, _, err = q.Next(":", flags)
			}
			if err != nil || !ok {
				p.warn("Invalid syntax in %s=, ignoring: %s", p.key, tuple)
				return nil
			}
			k, err := p.printf(src, specPath)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", src, strerror(err))
				continue
			}
			s, ok := p.simplifyAndWarn(k, pathCheckRelative)
			if !ok {
				continue
			}
			if s == "private" || strings.HasPrefix(s, "private/") {
				p.warn("%s= path can't be 'private', ignoring assignment: %s", p.key, tuple)
				continue
			}
			var d string
			if dest != "" {
				if kind == DirConfiguration {
					p.warn("Destination parameter is not supported for ConfigurationDirectory, ignoring: %s", tuple)
					continue
				}
				dk, err := p.printf(dest, specPath)
				if err != nil {
					p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", dest, strerror(err))
					continue
				}
				d, ok = p.simplifyAndWarn(dk, pathCheckRelative)
				if !ok {
					continue
				}
			}
			ed.add(s, d)
		}
	}
}

// add is systemd's exec_directory_add: a path seen before gains the
// symlink.
func (ed *ExecDirectory) add(path, symlink string) {
	for i := range ed.Items {
		if ed.Items[i].Path == path {
			if symlink != "" {
				ed.Items[i].Symlinks = append(ed.Items[i].Symlinks, symlink)
			}
			return
		}
	}
	item := ExecDirectoryItem{Path: path}
	if symlink != "" {
		item.Symlinks = []string{symlink}
	}
	ed.Items = append(ed.Items, item)
}

func credentialNameValid(s string) bool { return filenameValid(s) && fdnameIsValid(s) }

func setCredential(encrypted bool) parseFunc {
	return func(p *parser, v string) error {
		c := p.u.Exec
		if v == "" {
			c.SetCredentials = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		word, ok, err := w.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			p.warn("Failed to extract credential name, ignoring: %s", v)
			return nil
		}
		if !ok || w.Done() || w.Rest() == "" {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		rest := w.Rest()
		k, err := p.printf(word, specCred)
		if err != nil {
			p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", word, strerror(err))
			return nil
		}
		if !credentialNameValid(k) {
			p.warn("Credential name \"%s\" not valid, ignoring.", k)
			return nil
		}
		var data []byte
		if encrypted {
			if data, err = unbase64(rest); err != nil {
				p.warn("Encrypted credential data not valid Base64 data, ignoring.")
				return nil
			}
		} else {
			s, err := cunescape(rest)
			if err != nil {
				p.warn("Can't unescape \"%s\", ignoring: %s", rest, strerror(err))
				return nil
			}
			data = []byte(s)
		}
		for i := range c.SetCredentials {
			if c.SetCredentials[i].ID == k {
				c.SetCredentials[i].Data, c.SetCredentials[i].Encrypted = data, encrypted
				return nil
			}
		}
		c.SetCredentials = append(c.SetCredentials, SetCredential{ID: k, Data: data, Encrypted: encrypted})
		return nil
	}
}

func loadCredential(encrypted bool) parseFunc {
	return func(p *parser, v string) error {
		c := p.u.Exec
		if v == "" {
			c.LoadCredentials = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		word, ok, err := w.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil || !ok {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		k, err := p.printf(word, specCred)
		if err != nil {
			p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", word, strerror(err))
			return nil
		}
		if !credentialNameValid(k) {
			p.warn("Credential name \"%s\" not valid, ignoring.", k)
			return nil
		}
		q := k
		if rest := w.Rest(); !w.Done() && rest != "" {
			q, err = p.printf(rest, specPath)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in \"%s\", ignoring: %s", rest, strerror(err))
				return nil
			}
			if strings.HasPrefix(q, "/") && !unitname.PathIsNormalized(q) || !strings.HasPrefix(q, "/") && !credentialNameValid(q) {
				p.warn("Credential source \"%s\" not valid, ignoring.", q)
				return nil
			}
		}
		for i := range c.LoadCredentials {
			if c.LoadCredentials[i].ID == k {
				c.LoadCredentials[i].Path, c.LoadCredentials[i].Encrypted = q, encrypted
				return nil
			}
		}
		c.LoadCredentials = append(c.LoadCredentials, LoadCredential{ID: k, Path: q, Encrypted: encrypted})
		return nil
	}
}

func labelField(get func(*ExecContext) (*string, *bool)) parseFunc {
	return func(p *parser, v string) error {
		s, ignore := get(p.u.Exec)
		if v == "" {
			*s, *ignore = "", false
			return nil
		}
		ign := strings.HasPrefix(v, "-")
		if ign {
			v = v[1:]
		}
		k, err := p.printf(v, specFull)
		if err != nil {
			if ign {
				p.warn("Failed to resolve unit specifiers in '%s', ignoring: %s", v, strerror(err))
				return nil
			}
			p.log(LevelErr, "Failed to resolve unit specifiers in '%s': %s", v, strerror(err))
			return errFatal
		}
		*s, *ignore = k, ign
		return nil
	}
}

// IsPartitionDesignator reports whether s names a partition as
// RootImageOptions= and MountImages= do (partition_designator_from_string).
func IsPartitionDesignator(s string) bool {
	for _, n := range partitionNames {
		if n == s {
			return true
		}
	}
	return false
}

// PartitionValid reports whether s names a partition (252's
// partition_designator_from_string).
func PartitionValid(s string) bool { return partitionValid(s) }
