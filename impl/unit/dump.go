package unit

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
)

// The settings parts of 252's manager dump (systemd-analyze dump): each
// line goes through w, which adds the indentation and the newline.

// DumpKillContext is kill_context_dump.
func DumpKillContext(w func(string, ...any), k *KillContext) {
	restart := k.RestartKillSignal
	if restart == 0 {
		restart = k.KillSignal
	}
	w("KillMode: %s", k.KillMode)
	w("KillSignal: SIG%s", value.SignalToString(int(k.KillSignal)))
	w("RestartKillSignal: SIG%s", value.SignalToString(int(restart)))
	w("FinalKillSignal: SIG%s", value.SignalToString(int(k.FinalKillSignal)))
	w("SendSIGKILL: %s", yesNo(k.SendSIGKILL))
	w("SendSIGHUP: %s", yesNo(k.SendSIGHUP))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func emptyToRoot(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

// DumpExecContext is exec_context_dump (of a build without libbpf, as
// Debian's: RestrictFileSystems= is not printed).
func DumpExecContext(w func(string, ...any), c *ExecContext) {
	withRootfs := c.RootDirectory != "" && c.RootDirectory != "/" || c.RootImage != ""
	apivfs := withRootfs
	if c.MountAPIVFSSet {
		apivfs = c.MountAPIVFS
	}
	wd := c.WorkingDirectory
	if c.WorkingDirectoryHome {
		wd = ""
	}
	w("UMask: %04o", c.UMask)
	w("WorkingDirectory: %s", emptyToRoot(wd))
	w("RootDirectory: %s", emptyToRoot(c.RootDirectory))
	w("NonBlocking: %s", yesNo(c.NonBlocking))
	w("PrivateTmp: %s", yesNo(c.PrivateTmp))
	w("PrivateDevices: %s", yesNo(c.PrivateDevices))
	w("ProtectKernelTunables: %s", yesNo(c.ProtectKernelTunables))
	w("ProtectKernelModules: %s", yesNo(c.ProtectKernelModules))
	w("ProtectKernelLogs: %s", yesNo(c.ProtectKernelLogs))
	w("ProtectClock: %s", yesNo(c.ProtectClock))
	w("ProtectControlGroups: %s", yesNo(c.ProtectControlGroups))
	w("PrivateNetwork: %s", yesNo(c.PrivateNetwork))
	w("PrivateUsers: %s", yesNo(c.PrivateUsers))
	w("ProtectHome: %s", c.ProtectHome)
	w("ProtectSystem: %s", c.ProtectSystem)
	w("MountAPIVFS: %s", yesNo(apivfs))
	w("IgnoreSIGPIPE: %s", yesNo(c.IgnoreSIGPIPE))
	w("MemoryDenyWriteExecute: %s", yesNo(c.MemoryDenyWriteExecute))
	w("RestrictRealtime: %s", yesNo(c.RestrictRealtime))
	w("RestrictSUIDSGID: %s", yesNo(c.RestrictSUIDSGID))
	w("KeyringMode: %s", c.KeyringMode)
	w("ProtectHostname: %s", yesNo(c.ProtectHostname))
	w("ProtectProc: %s", c.ProtectProc)
	w("ProcSubset: %s", c.ProcSubset)
	if c.RootImage != "" {
		w("RootImage: %s", c.RootImage)
	}
	if len(c.RootImageOptions) > 0 {
		var b strings.Builder
		for _, o := range c.RootImageOptions {
			if o.Options != "" {
				fmt.Fprintf(&b, " %s:%s", o.Partition, o.Options)
			}
		}
		w("RootImageOptions:%s", b.String())
	}
	if len(c.RootHash) > 0 {
		w("RootHash: %s", hex.EncodeToString(c.RootHash))
	}
	if c.RootHashPath != "" {
		w("RootHash: %s", c.RootHashPath)
	}
	if len(c.RootHashSignature) > 0 {
		w("RootHashSignature: base64:%s", base64.StdEncoding.EncodeToString(c.RootHashSignature))
	}
	if c.RootHashSignaturePath != "" {
		w("RootHashSignature: %s", c.RootHashSignaturePath)
	}
	if c.RootVerity != "" {
		w("RootVerity: %s", c.RootVerity)
	}
	for _, e := range c.Environment {
		w("Environment: %s", e)
	}
	for _, e := range c.EnvironmentFiles {
		w("EnvironmentFile: %s", e)
	}
	for _, e := range c.PassEnvironment {
		w("PassEnvironment: %s", e)
	}
	for _, e := range c.UnsetEnvironment {
		w("UnsetEnvironment: %s", e)
	}
	w("RuntimeDirectoryPreserve: %s", c.RuntimeDirectoryPreserve)
	for dt, d := range c.Directories {
		name := dirNames[dt] + "Directory"
		w("%sMode: %04o", name, d.Mode)
		for _, it := range d.Items {
			w("%s: %s", name, it.Path)
			for _, s := range it.Symlinks {
				w("%sSymlink: %s:%s", name, it.Path, s)
			}
		}
	}
	w("TimeoutCleanSec: %s", timeutil.FormatTimespan(timeutil.Usec(c.TimeoutCleanUSec), timeutil.Sec))
	if c.NiceSet {
		w("Nice: %d", c.Nice)
	}
	if c.OOMScoreAdjustSet {
		w("OOMScoreAdjust: %d", c.OOMScoreAdjust)
	}
	if c.CoredumpFilterSet {
		w("CoredumpFilter: 0x%x", c.CoredumpFilter)
	}
	for i, r := range c.Rlimits {
		if r != nil && !c.rlimitUnset[i] {
			w("Limit%s: %d", value.RlimitNames[i], r.Max)
			w("Limit%sSoft: %d", value.RlimitNames[i], r.Cur)
		}
	}
	if c.IOPrioSet {
		class := int(c.IOPrio >> ioprioClassShift)
		if class >= 0 && class < len(ioprioClasses) {
			w("IOSchedulingClass: %s", ioprioClasses[class])
		} else {
			w("IOSchedulingClass: %d", class)
		}
		w("IOPriority: %d", c.IOPrio&(1<<ioprioClassShift-1))
	}
	if c.CPUSchedSet {
		p := int(c.CPUSchedPolicy)
		if p >= 0 && p < len(schedPolicies) && schedPolicies[p] != "" {
			w("CPUSchedulingPolicy: %s", schedPolicies[p])
		} else {
			w("CPUSchedulingPolicy: %d", p)
		}
		w("CPUSchedulingPriority: %d", c.CPUSchedPriority)
		w("CPUSchedulingResetOnFork: %s", yesNo(c.CPUSchedResetOnFork))
	}
	if c.CPUAffinity != nil {
		w("CPUAffinity: %s", c.CPUAffinity.RangeString())
	}
	if p := int(c.NUMAPolicy); p >= 0 && p < len(numaPolicies) {
		w("NUMAPolicy: %s", numaPolicies[p])
		w("NUMAMask: %s", c.NUMAMask.RangeString())
	}
	if c.TimerSlackNSec != nsecInfinity {
		w("TimerSlackNSec: %d", c.TimerSlackNSec)
	}
	w("StandardInput: %s", c.StdInput)
	w("StandardOutput: %s", c.StdOutput)
	w("StandardError: %s", c.StdError)
	if c.StdInput == "fd" {
		w("StandardInputFileDescriptorName: %s", c.StdioFDName[0])
	}
	if c.StdOutput == "fd" {
		w("StandardOutputFileDescriptorName: %s", c.StdioFDName[1])
	}
	if c.StdError == "fd" {
		w("StandardErrorFileDescriptorName: %s", c.StdioFDName[2])
	}
	if c.StdInput == "file" {
		w("StandardInputFile: %s", c.StdioFile[0])
	}
	for i, s := range []string{c.StdOutput, c.StdError} {
		name := []string{"StandardOutput", "StandardError"}[i]
		switch s {
		case "file":
			w("%sFile: %s", name, c.StdioFile[i+1])
		case "append":
			w("%sFileToAppend: %s", name, c.StdioFile[i+1])
		case "truncate":
			w("%sFileToTruncate: %s", name, c.StdioFile[i+1])
		}
	}
	if c.TTYPath != "" {
		w("TTYPath: %s", c.TTYPath)
		w("TTYReset: %s", yesNo(c.TTYReset))
		w("TTYVHangup: %s", yesNo(c.TTYVHangup))
		w("TTYVTDisallocate: %s", yesNo(c.TTYVTDisallocate))
		w("TTYRows: %d", c.TTYRows)
		w("TTYColumns: %d", c.TTYColumns)
	}
	logs := func(o string) bool {
		return o == "kmsg" || o == "journal" || o == "kmsg+console" || o == "journal+console"
	}
	if logs(c.StdOutput) || logs(c.StdError) {
		if f := int(c.SyslogPriority >> 3); f >= 0 && f < len(logFacilities) && logFacilities[f] != "" {
			w("SyslogFacility: %s", logFacilities[f])
		} else {
			w("SyslogFacility: %d", f)
		}
		w("SyslogLevel: %s", logLevels[c.SyslogPriority&7])
	}
	if c.LogLevelMax >= 0 {
		lvl := "n/a"
		if int(c.LogLevelMax) < len(logLevels) {
			lvl = logLevels[c.LogLevelMax]
		}
		w("LogLevelMax: %s", lvl)
	}
	if c.LogRateLimitInterval > 0 {
		w("LogRateLimitIntervalSec: %s", timeutil.FormatTimespan(timeutil.Usec(c.LogRateLimitInterval), timeutil.Sec))
	}
	if c.LogRateLimitBurst > 0 {
		w("LogRateLimitBurst: %d", c.LogRateLimitBurst)
	}
	for _, f := range c.LogExtraFields {
		w("LogExtraFields: %s", f)
	}
	if c.LogNamespace != "" {
		w("LogNamespace: %s", c.LogNamespace)
	}
	if c.SecureBits != 0 {
		var names []string
		for i, n := range []string{"noroot", "noroot-locked", "no-setuid-fixup", "no-setuid-fixup-locked", "keep-caps", "keep-caps-locked"} {
			if c.SecureBits&(1<<i) != 0 {
				names = append(names, n)
			}
		}
		w("Secure Bits: %s", strings.Join(names, " "))
	}
	if c.CapabilityBoundingSet != value.CapAll {
		w("CapabilityBoundingSet: %s", value.CapabilitySetToString(c.CapabilityBoundingSet))
	}
	if c.AmbientCapabilities != 0 {
		w("AmbientCapabilities: %s", value.CapabilitySetToString(c.AmbientCapabilities))
	}
	if c.User != "" {
		w("User: %s", c.User)
	}
	if c.Group != "" {
		w("Group: %s", c.Group)
	}
	w("DynamicUser: %s", yesNo(c.DynamicUser))
	strvDump := func(name string, l []string) {
		if len(l) > 0 {
			w("%s: %s", name, strings.Join(l, " "))
		}
	}
	strvDump("SupplementaryGroups", c.SupplementaryGroups)
	if c.PAMName != "" {
		w("PAMName: %s", c.PAMName)
	}
	strvDump("ReadWritePaths", c.ReadWritePaths)
	strvDump("ReadOnlyPaths", c.ReadOnlyPaths)
	strvDump("InaccessiblePaths", c.InaccessiblePaths)
	strvDump("ExecPaths", c.ExecPaths)
	strvDump("NoExecPaths", c.NoExecPaths)
	strvDump("ExecSearchPath", c.ExecSearchPath)
	for _, b := range c.BindMounts {
		name, ign, rec := "BindPaths", "", "norbind"
		if b.ReadOnly {
			name = "BindReadOnlyPaths"
		}
		if b.IgnoreENOENT {
			ign = "-"
		}
		if b.Recursive {
			rec = "rbind"
		}
		w("%s: %s%s:%s:%s", name, ign, b.Source, b.Destination, rec)
	}
	for _, t := range c.TemporaryFileSystems {
		if t.Options == "" {
			w("TemporaryFileSystem: %s", t.Path)
		} else {
			w("TemporaryFileSystem: %s:%s", t.Path, t.Options)
		}
	}
	if c.UtmpIdentifier != "" {
		w("UtmpIdentifier: %s", c.UtmpIdentifier)
	}
	ignore := func(b bool) string {
		if b {
			return "-"
		}
		return ""
	}
	if c.SELinuxContext != "" {
		w("SELinuxContext: %s%s", ignore(c.SELinuxContextIgnore), c.SELinuxContext)
	}
	if c.AppArmorProfile != "" {
		w("AppArmorProfile: %s%s", ignore(c.AppArmorProfileIgnore), c.AppArmorProfile)
	}
	if c.SmackProcessLabel != "" {
		w("SmackProcessLabel: %s%s", ignore(c.SmackProcessLabelIgnore), c.SmackProcessLabel)
	}
	if c.Personality != "" {
		w("Personality: %s", c.Personality)
	}
	w("LockPersonality: %s", yesNo(c.LockPersonality))
	if c.SystemCallFilter.Configured() {
		// 252 walks a hash table: the order is its own each boot.
		var parts []string
		c.SystemCallFilter.Each(func(name string, e int) {
			if e >= 0 {
				parts = append(parts, name+":"+errnoOrAction(e))
			} else {
				parts = append(parts, name)
			}
		})
		neg := "~"
		if c.SystemCallFilter.AllowList {
			neg = ""
		}
		w("SystemCallFilter: %s%s", neg, strings.Join(parts, " "))
	}
	if len(c.SystemCallArchitectures) > 0 {
		w("SystemCallArchitectures: %s", strings.Join(c.SystemCallArchitectures, " "))
	}
	if c.RestrictNamespaces&namespaceFlagsAll != namespaceFlagsAll {
		var names []string
		for _, n := range namespaceNames {
			if c.RestrictNamespaces&n.flag == n.flag {
				names = append(names, n.name)
			}
		}
		if len(names) == 0 {
			w("RestrictNamespaces: n/a")
		} else {
			w("RestrictNamespaces: %s", strings.Join(names, " "))
		}
	}
	if c.NetworkNamespacePath != "" {
		w("NetworkNamespacePath: %s", c.NetworkNamespacePath)
	}
	if c.SystemCallErrorNumber > 0 {
		w("SystemCallErrorNumber: %s", errnoOrAction(int(c.SystemCallErrorNumber)))
	}
	images := func(name string, list []MountImage, withDest bool) {
		for _, m := range list {
			var b strings.Builder
			b.WriteString(ignore(m.IgnoreENOENT))
			b.WriteString(m.Source)
			if withDest {
				b.WriteString(":" + m.Destination)
			}
			for _, o := range m.Options {
				fmt.Fprintf(&b, ":%s:%s", o.Partition, o.Options)
			}
			w("%s: %s", name, b.String())
		}
	}
	images("MountImages", c.MountImages, true)
	images("ExtensionImages", c.ExtensionImages, false)
	strvDump("ExtensionDirectories", c.ExtensionDirectories)
}

// errnoOrAction is seccomp_errno_or_action_to_string, with the number
// when the errno has no name.
func errnoOrAction(e int) string {
	if e == seccompErrorNumberKill {
		return "kill"
	}
	if n := value.ErrnoToName(e); n != "" {
		return n
	}
	return strconv.Itoa(e)
}

// QuoteCommandLine is quote_command_line with SHELL_ESCAPE_EMPTY: each
// argument as a shell reads it back, quoted only when it must be.
func QuoteCommandLine(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = shellMaybeQuote(a)
	}
	return strings.Join(out, " ")
}

func shellMaybeQuote(s string) string {
	if s == "" {
		return `""`
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		c := s[i]
		if c < 0x20 || c == 0x7f || r == utf8.RuneError && size <= 1 || strings.IndexByte(" \t\n\r\"\\`$*?['()<>|&;!", c) >= 0 {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(s[:i])
	for j := i; j < len(s); j++ {
		if strings.IndexByte("\"\\`$", s[j]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[j])
	}
	b.WriteByte('"')
	return b.String()
}

// MountIsExtrinsic is fstab_is_extrinsic: a mount the manager neither
// mounts nor unmounts itself.
func MountIsExtrinsic(where, options string) bool {
	return mountIsExtrinsic(&Mount{Where: where, Options: options})
}
