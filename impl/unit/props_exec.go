package unit

import (
	"sort"
	"strings"
	"syscall"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// rlimitOrder is the order in which systemd lists resource limits.
var rlimitOrder = []int{value.RlimitCPU, value.RlimitFSIZE, value.RlimitDATA, value.RlimitSTACK, value.RlimitCORE,
	value.RlimitRSS, value.RlimitNOFILE, value.RlimitAS, value.RlimitNPROC, value.RlimitMEMLOCK, value.RlimitLOCKS,
	value.RlimitSIGPENDING, value.RlimitMSGQUEUE, value.RlimitNICE, value.RlimitRTPRIO, value.RlimitRTTIME}

var execFlagNames = []string{"ignore-failure", "privileged", "no-setuid", "ambient", "no-env-expand"}

func execStatusList(cmds []ExecCommand) []ExecStatus {
	out := []ExecStatus{}
	for _, c := range cmds {
		out = append(out, ExecStatus{Path: c.Path, Argv: strs(c.Argv), IgnoreErrors: c.Flags&unitfile.ExecIgnoreFailure != 0})
	}
	return out
}

func execStatusExList(cmds []ExecCommand) []ExecStatusEx {
	out := []ExecStatusEx{}
	for _, c := range cmds {
		flags := []string{}
		for i, n := range execFlagNames {
			if c.Flags&(1<<uint(i)) != 0 {
				flags = append(flags, n)
			}
		}
		out = append(out, ExecStatusEx{Path: c.Path, Argv: strs(c.Argv), Flags: flags})
	}
	return out
}

// execCommandProps are BUS_EXEC_COMMAND_LIST_VTABLE and its Ex twin.
func execCommandProps(name string, get func(*Unit) []ExecCommand) []prop {
	return []prop{
		{name, "a(sasbttttuii)", func(c *propCtx) any { return execStatusList(get(c.u)) }},
		{name + "Ex", "a(sasasttttuii)", func(c *propCtx) any { return execStatusExList(get(c.u)) }},
	}
}

// execStatusProps is BUS_EXEC_STATUS_VTABLE for a never-run process.
func execStatusProps(prefix string) []prop {
	p := dualTimestamp(prefix + "StartTimestamp")
	p = append(p, dualTimestamp(prefix+"ExitTimestamp")...)
	return append(p,
		prop{prefix + "PID", "u", func(c *propCtx) any { return uint32(0) }},
		prop{prefix + "Code", "i", func(c *propCtx) any { return int32(0) }},
		prop{prefix + "Status", "i", func(c *propCtx) any { return int32(0) }},
	)
}

func (c *propCtx) rlimit(i int) value.Rlimit {
	if rl := c.u.Exec.Rlimits[i]; rl != nil {
		return *rl
	}
	return c.d.ProcRlimits[i]
}

func cpuSetValue(s value.CPUSet) []byte {
	if s == nil {
		return []byte{}
	}
	return []byte(s)
}

func mountOptionsValue(l []MountOptions) []StringPair {
	out := []StringPair{}
	for _, o := range l {
		out = append(out, StringPair{o.Partition, o.Options})
	}
	return out
}

func syscallList(f SyscallFilter, withErrno bool) ListValue {
	items := []string{}
	f.Each(func(name string, e int) {
		if withErrno && f.AllowList && e >= 0 {
			return
		}
		if withErrno && e >= 0 {
			if e == seccompErrorNumberKill {
				name += ":kill"
			} else if n := value.ErrnoToName(e); n != "" {
				name += ":" + n
			} else {
				name += ":" + itoa(e)
			}
		}
		items = append(items, name)
	})
	sort.Strings(items)
	return ListValue{AllowList: f.AllowList, Items: items}
}

func ec(f func(e *ExecContext) any) func(c *propCtx) any {
	return func(c *propCtx) any { return f(c.u.Exec) }
}

func execProps() []prop {
	p := []prop{
		{"Environment", "as", ec(func(e *ExecContext) any { return strs(e.Environment) })},
		{"EnvironmentFiles", "a(sb)", ec(func(e *ExecContext) any {
			out := []EnvironmentFileValue{}
			for _, f := range e.EnvironmentFiles {
				out = append(out, EnvironmentFileValue{strings.TrimPrefix(f, "-"), strings.HasPrefix(f, "-")})
			}
			return out
		})},
		{"PassEnvironment", "as", ec(func(e *ExecContext) any { return strs(e.PassEnvironment) })},
		{"UnsetEnvironment", "as", ec(func(e *ExecContext) any { return strs(e.UnsetEnvironment) })},
		{"UMask", "u", ec(func(e *ExecContext) any { return e.UMask })},
	}
	for _, i := range rlimitOrder {
		i, n := i, value.RlimitNames[i]
		p = append(p,
			prop{"Limit" + n, "t", func(c *propCtx) any { return c.rlimit(i).Max }},
			prop{"Limit" + n + "Soft", "t", func(c *propCtx) any { return c.rlimit(i).Cur }},
		)
	}
	p = append(p,
		prop{"WorkingDirectory", "s", ec(func(e *ExecContext) any {
			wd := e.WorkingDirectory
			if e.WorkingDirectoryHome {
				wd = "~"
			}
			if e.WorkingDirectoryMissingOK {
				wd = "!" + wd
			}
			return wd
		})},
		prop{"RootDirectory", "s", ec(func(e *ExecContext) any { return e.RootDirectory })},
		prop{"RootImage", "s", ec(func(e *ExecContext) any { return e.RootImage })},
		prop{"RootImageOptions", "a(ss)", ec(func(e *ExecContext) any { return mountOptionsValue(e.RootImageOptions) })},
		prop{"RootHash", "ay", ec(func(e *ExecContext) any { return append([]byte{}, e.RootHash...) })},
		prop{"RootHashPath", "s", ec(func(e *ExecContext) any { return e.RootHashPath })},
		prop{"RootHashSignature", "ay", ec(func(e *ExecContext) any { return append([]byte{}, e.RootHashSignature...) })},
		prop{"RootHashSignaturePath", "s", ec(func(e *ExecContext) any { return e.RootHashSignaturePath })},
		prop{"RootVerity", "s", ec(func(e *ExecContext) any { return e.RootVerity })},
		prop{"ExtensionDirectories", "as", ec(func(e *ExecContext) any { return strs(e.ExtensionDirectories) })},
		prop{"ExtensionImages", "a(sba(ss))", ec(func(e *ExecContext) any {
			out := []ExtensionImageValue{}
			for _, m := range e.ExtensionImages {
				out = append(out, ExtensionImageValue{m.Source, m.IgnoreENOENT, mountOptionsValue(m.Options)})
			}
			return out
		})},
		prop{"MountImages", "a(ssba(ss))", ec(func(e *ExecContext) any {
			out := []MountImageValue{}
			for _, m := range e.MountImages {
				out = append(out, MountImageValue{m.Source, m.Destination, m.IgnoreENOENT, mountOptionsValue(m.Options)})
			}
			return out
		})},
		prop{"OOMScoreAdjust", "i", func(c *propCtx) any {
			if c.u.Exec.OOMScoreAdjustSet {
				return c.u.Exec.OOMScoreAdjust
			}
			return c.d.ProcOOMScoreAdj
		}},
		prop{"CoredumpFilter", "t", func(c *propCtx) any {
			if c.u.Exec.CoredumpFilterSet {
				return c.u.Exec.CoredumpFilter
			}
			return c.d.CoredumpFilter
		}},
		prop{"Nice", "i", func(c *propCtx) any {
			if c.u.Exec.NiceSet {
				return c.u.Exec.Nice
			}
			return c.d.Nice
		}},
		prop{"IOSchedulingClass", "i", func(c *propCtx) any { return c.ioprio() >> ioprioClassShift }},
		prop{"IOSchedulingPriority", "i", func(c *propCtx) any { return c.ioprio() & (1<<ioprioClassShift - 1) }},
		prop{"CPUSchedulingPolicy", "i", func(c *propCtx) any {
			if c.u.Exec.CPUSchedSet {
				return c.u.Exec.CPUSchedPolicy
			}
			return c.d.CPUSchedPolicy
		}},
		prop{"CPUSchedulingPriority", "i", func(c *propCtx) any {
			if c.u.Exec.CPUSchedSet {
				return c.u.Exec.CPUSchedPriority
			}
			return c.d.CPUSchedPriority
		}},
		prop{"CPUAffinity", "ay", ec(func(e *ExecContext) any { return cpuSetValue(e.CPUAffinity) })},
		prop{"CPUAffinityFromNUMA", "b", ec(func(e *ExecContext) any { return e.CPUAffinityFromNUMA })},
		prop{"NUMAPolicy", "i", ec(func(e *ExecContext) any {
			if e.NUMAPolicy < 0 && e.NUMAMask != nil {
				return int32(1)
			}
			return e.NUMAPolicy
		})},
		prop{"NUMAMask", "ay", ec(func(e *ExecContext) any { return cpuSetValue(e.NUMAMask) })},
		prop{"TimerSlackNSec", "t", func(c *propCtx) any {
			if c.u.Exec.TimerSlackNSec != nsecInfinity {
				return c.u.Exec.TimerSlackNSec
			}
			return c.d.TimerSlackNSec
		}},
		prop{"CPUSchedulingResetOnFork", "b", ec(func(e *ExecContext) any { return e.CPUSchedResetOnFork })},
		prop{"NonBlocking", "b", ec(func(e *ExecContext) any { return e.NonBlocking })},
		prop{"StandardInput", "s", ec(func(e *ExecContext) any { return e.StdInput })},
		prop{"StandardInputFileDescriptorName", "s", ec(func(e *ExecContext) any { return fdName(e.StdInput, e.StdioFDName[0], "stdin") })},
		prop{"StandardInputData", "ay", ec(func(e *ExecContext) any { return append([]byte{}, e.StdinData...) })},
		prop{"StandardOutput", "s", ec(func(e *ExecContext) any { return e.StdOutput })},
		prop{"StandardOutputFileDescriptorName", "s", ec(func(e *ExecContext) any { return fdName(e.StdOutput, e.StdioFDName[1], "stdout") })},
		prop{"StandardError", "s", ec(func(e *ExecContext) any { return e.StdError })},
		prop{"StandardErrorFileDescriptorName", "s", ec(func(e *ExecContext) any { return fdName(e.StdError, e.StdioFDName[2], "stderr") })},
		prop{"TTYPath", "s", ec(func(e *ExecContext) any { return e.TTYPath })},
		prop{"TTYReset", "b", ec(func(e *ExecContext) any { return e.TTYReset })},
		prop{"TTYVHangup", "b", ec(func(e *ExecContext) any { return e.TTYVHangup })},
		prop{"TTYVTDisallocate", "b", ec(func(e *ExecContext) any { return e.TTYVTDisallocate })},
		prop{"TTYRows", "q", ec(func(e *ExecContext) any { return uint16(e.TTYRows) })},
		prop{"TTYColumns", "q", ec(func(e *ExecContext) any { return uint16(e.TTYColumns) })},
		prop{"SyslogPriority", "i", ec(func(e *ExecContext) any { return e.SyslogPriority })},
		prop{"SyslogIdentifier", "s", ec(func(e *ExecContext) any { return e.SyslogIdentifier })},
		prop{"SyslogLevelPrefix", "b", ec(func(e *ExecContext) any { return e.SyslogLevelPrefix })},
		prop{"SyslogLevel", "i", ec(func(e *ExecContext) any { return e.SyslogPriority & 7 })},
		prop{"SyslogFacility", "i", ec(func(e *ExecContext) any { return (e.SyslogPriority & 0x3f8) >> 3 })},
		prop{"LogLevelMax", "i", ec(func(e *ExecContext) any { return e.LogLevelMax })},
		prop{"LogRateLimitIntervalUSec", "t", ec(func(e *ExecContext) any { return e.LogRateLimitInterval })},
		prop{"LogRateLimitBurst", "u", ec(func(e *ExecContext) any { return e.LogRateLimitBurst })},
		prop{"LogExtraFields", "aay", ec(func(e *ExecContext) any {
			out := [][]byte{}
			return append(out, e.LogExtraFields...)
		})},
		prop{"LogNamespace", "s", ec(func(e *ExecContext) any { return e.LogNamespace })},
		prop{"SecureBits", "i", ec(func(e *ExecContext) any { return e.SecureBits })},
		prop{"CapabilityBoundingSet", "t", ec(func(e *ExecContext) any { return e.CapabilityBoundingSet })},
		prop{"AmbientCapabilities", "t", ec(func(e *ExecContext) any { return e.AmbientCapabilities })},
		prop{"User", "s", ec(func(e *ExecContext) any { return e.User })},
		prop{"Group", "s", ec(func(e *ExecContext) any { return e.Group })},
		prop{"DynamicUser", "b", ec(func(e *ExecContext) any { return e.DynamicUser })},
		prop{"RemoveIPC", "b", ec(func(e *ExecContext) any { return e.RemoveIPC })},
		prop{"SetCredential", "a(say)", ec(func(e *ExecContext) any { return setCredentials(e, false) })},
		prop{"SetCredentialEncrypted", "a(say)", ec(func(e *ExecContext) any { return setCredentials(e, true) })},
		prop{"LoadCredential", "a(ss)", ec(func(e *ExecContext) any { return loadCredentials(e, false) })},
		prop{"LoadCredentialEncrypted", "a(ss)", ec(func(e *ExecContext) any { return loadCredentials(e, true) })},
		prop{"SupplementaryGroups", "as", ec(func(e *ExecContext) any { return strs(e.SupplementaryGroups) })},
		prop{"PAMName", "s", ec(func(e *ExecContext) any { return e.PAMName })},
		prop{"ReadWritePaths", "as", ec(func(e *ExecContext) any { return strs(e.ReadWritePaths) })},
		prop{"ReadOnlyPaths", "as", ec(func(e *ExecContext) any { return strs(e.ReadOnlyPaths) })},
		prop{"InaccessiblePaths", "as", ec(func(e *ExecContext) any { return strs(e.InaccessiblePaths) })},
		prop{"ExecPaths", "as", ec(func(e *ExecContext) any { return strs(e.ExecPaths) })},
		prop{"NoExecPaths", "as", ec(func(e *ExecContext) any { return strs(e.NoExecPaths) })},
		prop{"ExecSearchPath", "as", ec(func(e *ExecContext) any { return strs(e.ExecSearchPath) })},
		prop{"MountFlags", "t", ec(func(e *ExecContext) any { return e.MountFlags })},
		prop{"PrivateTmp", "b", ec(func(e *ExecContext) any { return e.PrivateTmp })},
		prop{"PrivateDevices", "b", ec(func(e *ExecContext) any { return e.PrivateDevices })},
		prop{"ProtectClock", "b", ec(func(e *ExecContext) any { return e.ProtectClock })},
		prop{"ProtectKernelTunables", "b", ec(func(e *ExecContext) any { return e.ProtectKernelTunables })},
		prop{"ProtectKernelModules", "b", ec(func(e *ExecContext) any { return e.ProtectKernelModules })},
		prop{"ProtectKernelLogs", "b", ec(func(e *ExecContext) any { return e.ProtectKernelLogs })},
		prop{"ProtectControlGroups", "b", ec(func(e *ExecContext) any { return e.ProtectControlGroups })},
		prop{"PrivateNetwork", "b", ec(func(e *ExecContext) any { return e.PrivateNetwork })},
		prop{"PrivateUsers", "b", ec(func(e *ExecContext) any { return e.PrivateUsers })},
		prop{"PrivateMounts", "b", ec(func(e *ExecContext) any { return e.PrivateMounts })},
		prop{"PrivateIPC", "b", ec(func(e *ExecContext) any { return e.PrivateIPC })},
		prop{"ProtectHome", "s", ec(func(e *ExecContext) any { return e.ProtectHome })},
		prop{"ProtectSystem", "s", ec(func(e *ExecContext) any { return e.ProtectSystem })},
		prop{"SameProcessGroup", "b", ec(func(e *ExecContext) any { return e.SameProcessGroup })},
		prop{"UtmpIdentifier", "s", ec(func(e *ExecContext) any { return e.UtmpIdentifier })},
		prop{"UtmpMode", "s", ec(func(e *ExecContext) any { return e.UtmpMode })},
		prop{"SELinuxContext", "(bs)", ec(func(e *ExecContext) any { return LabelValue{e.SELinuxContextIgnore, e.SELinuxContext} })},
		prop{"AppArmorProfile", "(bs)", ec(func(e *ExecContext) any { return LabelValue{e.AppArmorProfileIgnore, e.AppArmorProfile} })},
		prop{"SmackProcessLabel", "(bs)", ec(func(e *ExecContext) any { return LabelValue{e.SmackProcessLabelIgnore, e.SmackProcessLabel} })},
		prop{"IgnoreSIGPIPE", "b", ec(func(e *ExecContext) any { return e.IgnoreSIGPIPE })},
		prop{"NoNewPrivileges", "b", ec(func(e *ExecContext) any { return e.NoNewPrivileges })},
		prop{"SystemCallFilter", "(bas)", ec(func(e *ExecContext) any { return syscallList(e.SystemCallFilter, true) })},
		prop{"SystemCallArchitectures", "as", ec(func(e *ExecContext) any { return sortedStrings(e.SystemCallArchitectures) })},
		prop{"SystemCallErrorNumber", "i", ec(func(e *ExecContext) any { return e.SystemCallErrorNumber })},
		prop{"SystemCallLog", "(bas)", ec(func(e *ExecContext) any { return syscallList(e.SystemCallLog, false) })},
		prop{"Personality", "s", ec(func(e *ExecContext) any { return e.Personality })},
		prop{"LockPersonality", "b", ec(func(e *ExecContext) any { return e.LockPersonality })},
		prop{"RestrictAddressFamilies", "(bas)", ec(func(e *ExecContext) any {
			items := []string{}
			for _, af := range e.RestrictAddressFamilies {
				if n := value.AFToName(af); n != "" {
					items = append(items, n)
				}
			}
			sort.Strings(items)
			return ListValue{e.AddressFamiliesAllowList, items}
		})},
	)
	for i, n := range dirNames {
		i := i
		if i != DirConfiguration {
			p = append(p, prop{n + "DirectorySymlink", "a(sst)", ec(func(e *ExecContext) any {
				out := []SymlinkValue{}
				for _, it := range e.Directories[i].Items {
					for _, s := range it.Symlinks {
						out = append(out, SymlinkValue{it.Path, s, 0})
					}
				}
				return out
			})})
		}
		if i == DirRuntime {
			p = append(p, prop{"RuntimeDirectoryPreserve", "s", ec(func(e *ExecContext) any { return e.RuntimeDirectoryPreserve })})
		}
		p = append(p,
			prop{n + "DirectoryMode", "u", ec(func(e *ExecContext) any { return e.Directories[i].Mode })},
			prop{n + "Directory", "as", ec(func(e *ExecContext) any {
				out := []string{}
				for _, it := range e.Directories[i].Items {
					out = append(out, it.Path)
				}
				return out
			})},
		)
	}
	p = append(p,
		prop{"TimeoutCleanUSec", "t", ec(func(e *ExecContext) any { return e.TimeoutCleanUSec })},
		prop{"MemoryDenyWriteExecute", "b", ec(func(e *ExecContext) any { return e.MemoryDenyWriteExecute })},
		prop{"RestrictRealtime", "b", ec(func(e *ExecContext) any { return e.RestrictRealtime })},
		prop{"RestrictSUIDSGID", "b", ec(func(e *ExecContext) any { return e.RestrictSUIDSGID })},
		prop{"RestrictNamespaces", "t", ec(func(e *ExecContext) any { return e.RestrictNamespaces })},
		prop{"RestrictFileSystems", "(bas)", ec(func(e *ExecContext) any { return ListValue{e.FileSystemsAllowList, []string{}} })},
		prop{"BindPaths", "a(ssbt)", ec(func(e *ExecContext) any { return bindPaths(e, false) })},
		prop{"BindReadOnlyPaths", "a(ssbt)", ec(func(e *ExecContext) any { return bindPaths(e, true) })},
		prop{"TemporaryFileSystem", "a(ss)", ec(func(e *ExecContext) any {
			out := []StringPair{}
			for _, t := range e.TemporaryFileSystems {
				out = append(out, StringPair{t.Path, t.Options})
			}
			return out
		})},
		prop{"MountAPIVFS", "b", ec(func(e *ExecContext) any {
			if e.MountAPIVFSSet {
				return e.MountAPIVFS
			}
			return e.RootDirectory != "" || e.RootImage != ""
		})},
		prop{"KeyringMode", "s", ec(func(e *ExecContext) any { return e.KeyringMode })},
		prop{"ProtectProc", "s", ec(func(e *ExecContext) any { return e.ProtectProc })},
		prop{"ProcSubset", "s", ec(func(e *ExecContext) any { return e.ProcSubset })},
		prop{"ProtectHostname", "b", ec(func(e *ExecContext) any { return e.ProtectHostname })},
		prop{"NetworkNamespacePath", "s", ec(func(e *ExecContext) any { return e.NetworkNamespacePath })},
		prop{"IPCNamespacePath", "s", ec(func(e *ExecContext) any { return e.IPCNamespacePath })},
	)
	return p
}

func (c *propCtx) ioprio() int32 {
	if c.u.Exec.IOPrioSet {
		return c.u.Exec.IOPrio
	}
	return ioprioNormalize(c.d.IOPrio)
}

func fdName(kind, name, def string) string {
	if kind != "fd" {
		return ""
	}
	if name == "" {
		return def
	}
	return name
}

func setCredentials(e *ExecContext, encrypted bool) []CredentialValue {
	out := []CredentialValue{}
	for _, s := range e.SetCredentials {
		if s.Encrypted == encrypted {
			out = append(out, CredentialValue{s.ID, append([]byte{}, s.Data...)})
		}
	}
	return out
}

func loadCredentials(e *ExecContext, encrypted bool) []StringPair {
	out := []StringPair{}
	for _, l := range e.LoadCredentials {
		if l.Encrypted == encrypted {
			out = append(out, StringPair{l.ID, l.Path})
		}
	}
	return out
}

func bindPaths(e *ExecContext, ro bool) []BindPathValue {
	out := []BindPathValue{}
	for _, b := range e.BindMounts {
		if b.ReadOnly != ro {
			continue
		}
		var flags uint64
		if b.Recursive {
			flags = msRec
		}
		out = append(out, BindPathValue{b.Source, b.Destination, b.IgnoreENOENT, flags})
	}
	return out
}

func killProps() []prop {
	kc := func(f func(k *KillContext) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Kill) }
	}
	return []prop{
		{"KillMode", "s", kc(func(k *KillContext) any { return k.KillMode })},
		{"KillSignal", "i", kc(func(k *KillContext) any { return k.KillSignal })},
		{"RestartKillSignal", "i", kc(func(k *KillContext) any {
			if k.RestartKillSignal != 0 {
				return k.RestartKillSignal
			}
			return k.KillSignal
		})},
		{"FinalKillSignal", "i", kc(func(k *KillContext) any { return k.FinalKillSignal })},
		{"SendSIGKILL", "b", kc(func(k *KillContext) any { return k.SendSIGKILL })},
		{"SendSIGHUP", "b", kc(func(k *KillContext) any { return k.SendSIGHUP })},
		{"WatchdogSignal", "i", kc(func(k *KillContext) any { return k.WatchdogSignal })},
	}
}

// errnoDBusName maps an errno to the D-Bus error name sd-bus uses for it.
func errnoDBusName(err error) string {
	e, ok := err.(syscall.Errno)
	if !ok {
		return ""
	}
	switch e {
	case syscall.ENOMEM:
		return "org.freedesktop.DBus.Error.NoMemory"
	case syscall.EPERM, syscall.EACCES:
		return "org.freedesktop.DBus.Error.AccessDenied"
	case syscall.EINVAL:
		return "org.freedesktop.DBus.Error.InvalidArgs"
	case syscall.ENOENT:
		return "org.freedesktop.DBus.Error.FileNotFound"
	case syscall.EEXIST:
		return "org.freedesktop.DBus.Error.FileExists"
	case syscall.ETIMEDOUT:
		return "org.freedesktop.DBus.Error.Timeout"
	case syscall.EIO:
		return "org.freedesktop.DBus.Error.IOError"
	case syscall.EBADMSG:
		return "org.freedesktop.DBus.Error.InconsistentMessage"
	case syscall.ESRCH:
		return "org.freedesktop.DBus.Error.UnixProcessIdUnknown"
	case syscall.ETIME:
		return "org.freedesktop.DBus.Error.Timeout"
	case syscall.ENETRESET, syscall.ECONNABORTED, syscall.ECONNRESET:
		return "org.freedesktop.DBus.Error.Disconnected"
	case syscall.EOPNOTSUPP:
		return "org.freedesktop.DBus.Error.NotSupported"
	case syscall.EADDRNOTAVAIL:
		return "org.freedesktop.DBus.Error.BadAddress"
	case syscall.ENOBUFS:
		return "org.freedesktop.DBus.Error.LimitsExceeded"
	case syscall.EADDRINUSE:
		return "org.freedesktop.DBus.Error.AddressInUse"
	}
	if n := value.ErrnoToName(int(e)); n != "" {
		return "System.Error." + n
	}
	return ""
}
