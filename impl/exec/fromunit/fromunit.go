// Package fromunit turns a loaded unit's exec settings (impl/unit's
// ExecContext and a command) into an executor Spec, and lists the
// directives the unit sets that the executor does not apply yet, so that
// the manager can log them once per unit.
//
// The manager imports it; it imports impl/exec and impl/unit.
package fromunit

import (
	"gosystemd/impl/exec"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitfile"
)

// Command says which of a unit's commands a spec is for.
type Command struct {
	unit.ExecCommand
	// Control is true for every command but a service's ExecStart= (252's
	// EXEC_IS_CONTROL): PermissionsStartOnly= and RootDirectoryStartOnly=
	// apply, and tty input is not acquired.
	Control bool
}

// Spec returns the spec for running cmd of u. The manager fills in the
// per-spawn parameters: Environment (ServiceEnvironment), FilesEnvironment
// (LoadEnvironmentFiles), InvocationID, FDNames/NSocketFDs/NStorageFDs,
// TmpDir/VarTmpDir (MakePrivateTmp) and WatchdogUSec.
func Spec(u *unit.Unit, cmd Command) *exec.Spec {
	s := exec.NewSpec(u.ID, cmd.Path, cmd.Argv...)
	s.IgnoreFailure = cmd.Flags&unitfile.ExecIgnoreFailure != 0
	s.NoEnvExpand = cmd.Flags&unitfile.ExecNoEnvExpand != 0
	s.FullyPrivileged = cmd.Flags&unitfile.ExecFullyPrivileged != 0
	s.NoSetuid = cmd.Flags&unitfile.ExecNoSetuid != 0
	s.AmbientMagic = cmd.Flags&unitfile.ExecAmbientMagic != 0
	if cmd.Control {
		s.ApplyTTYStdin = false
		if svc := u.Service; svc != nil {
			s.ApplySandboxing = !svc.PermissionsStartOnly
			s.ApplyChroot = !svc.RootDirectoryStartOnly
		}
	}
	c := u.Exec
	if c == nil {
		return s
	}
	s.UnitEnvironment = c.Environment
	s.PassEnvironment = c.PassEnvironment
	s.UnsetEnvironment = c.UnsetEnvironment
	s.ExecSearchPath = c.ExecSearchPath
	s.UMask = c.UMask
	for i, r := range c.Rlimits {
		if r != nil && i < exec.RlimitMax {
			s.Limits[i] = &exec.Rlimit{Cur: r.Cur, Max: r.Max}
		}
	}
	s.WorkingDirectory = c.WorkingDirectory
	s.WorkingDirectoryHome = c.WorkingDirectoryHome
	s.WorkingDirectoryMissingOK = c.WorkingDirectoryMissingOK
	if c.OOMScoreAdjustSet {
		v := int(c.OOMScoreAdjust)
		s.OOMScoreAdjust = &v
	}
	if c.NiceSet {
		v := int(c.Nice)
		s.Nice = &v
	}
	if c.IOPrioSet {
		v := int(c.IOPrio)
		s.IOPrio = &v
	}
	s.CPUSchedSet = c.CPUSchedSet
	s.CPUSchedPolicy = int(c.CPUSchedPolicy)
	s.CPUSchedPriority = int(c.CPUSchedPriority)
	s.CPUSchedResetOnFork = c.CPUSchedResetOnFork
	if !c.CPUAffinityFromNUMA {
		for cpu := uint32(0); int(cpu) < 8*len(c.CPUAffinity); cpu++ {
			if c.CPUAffinity.Has(cpu) {
				s.CPUAffinity = append(s.CPUAffinity, int(cpu))
			}
		}
	}
	if c.TimerSlackNSec != ^uint64(0) {
		v := c.TimerSlackNSec
		s.TimerSlackNSec = &v
	}
	s.NonBlocking = c.NonBlocking
	s.StdInput, s.StdOutput, s.StdError = c.StdInput, c.StdOutput, c.StdError
	s.StdioFile = c.StdioFile
	s.StdioFDName = c.StdioFDName
	s.StdinData = c.StdinData
	s.TTYPath = c.TTYPath
	s.TTYReset, s.TTYVHangup, s.TTYVTDisallocate = c.TTYReset, c.TTYVHangup, c.TTYVTDisallocate
	if c.TTYRows != ^uint32(0) {
		v := c.TTYRows
		s.TTYRows = &v
	}
	if c.TTYColumns != ^uint32(0) {
		v := c.TTYColumns
		s.TTYColumns = &v
	}
	s.SyslogIdentifier = c.SyslogIdentifier
	s.SyslogPriority = int(c.SyslogPriority)
	s.SyslogLevelPrefix = c.SyslogLevelPrefix
	s.SameProcessGroup = c.SameProcessGroup
	s.IgnoreSIGPIPE = c.IgnoreSIGPIPE
	s.KeyringMode = c.KeyringMode
	s.User, s.Group = c.User, c.Group
	s.SupplementaryGroups = c.SupplementaryGroups
	s.SecureBits = int(c.SecureBits)
	s.CapabilityBoundingSet = c.CapabilityBoundingSet
	s.AmbientCapabilities = c.AmbientCapabilities
	// context_has_no_new_privileges: for a manager with CAP_SYS_ADMIN only
	// the setting itself counts.
	s.NoNewPrivileges = c.NoNewPrivileges
	s.RestrictRealtime = c.RestrictRealtime
	s.PrivateTmp = c.PrivateTmp
	s.ProtectSystem, s.ProtectHome = c.ProtectSystem, c.ProtectHome
	s.ReadWritePaths = c.ReadWritePaths
	s.ReadOnlyPaths = c.ReadOnlyPaths
	s.InaccessiblePaths = c.InaccessiblePaths
	s.MountFlags = uintptr(c.MountFlags)
	for _, lc := range c.LoadCredentials {
		if !lc.Encrypted {
			s.LoadCredentials = append(s.LoadCredentials, exec.LoadCredentialSpec{ID: lc.ID, Path: lc.Path})
		}
	}
	for _, sc := range c.SetCredentials {
		if !sc.Encrypted {
			s.SetCredentials = append(s.SetCredentials, exec.SetCredentialSpec{ID: sc.ID, Data: sc.Data})
		}
	}
	// 252 writes them for every command but ExecStop=/ExecStopPost=; the
	// store a stop command finds is the one the start wrote.
	s.WriteCredentials = len(s.LoadCredentials) > 0 || len(s.SetCredentials) > 0
	for t := range c.Directories {
		if t >= exec.DirMax {
			break
		}
		d := exec.ExecDirectory{Mode: c.Directories[t].Mode}
		for _, it := range c.Directories[t].Items {
			d.Items = append(d.Items, exec.ExecDirectoryItem{Path: it.Path, Symlinks: it.Symlinks})
		}
		s.Directories[t] = d
	}
	return s
}

// NotApplied lists, as "Name=", the directives u sets (to anything but
// their default) that the executor does not apply.
func NotApplied(u *unit.Unit) []string {
	c := u.Exec
	if c == nil {
		return nil
	}
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name+"=")
		}
	}
	add(c.RootDirectory != "", "RootDirectory")
	add(c.RootImage != "", "RootImage")
	add(len(c.RootImageOptions) > 0, "RootImageOptions")
	add(len(c.RootHash) > 0 || c.RootHashPath != "", "RootHash")
	add(len(c.RootHashSignature) > 0 || c.RootHashSignaturePath != "", "RootHashSignature")
	add(c.RootVerity != "", "RootVerity")
	add(len(c.ExtensionDirectories) > 0, "ExtensionDirectories")
	add(len(c.ExtensionImages) > 0, "ExtensionImages")
	add(len(c.MountImages) > 0, "MountImages")
	add(c.CoredumpFilterSet, "CoredumpFilter")
	add(c.CPUAffinityFromNUMA, "CPUAffinity")
	add(c.NUMAPolicy != -1, "NUMAPolicy")
	add(c.LogLevelMax != -1, "LogLevelMax")
	add(c.LogRateLimitInterval != 0 || c.LogRateLimitBurst != 0, "LogRateLimitIntervalSec")
	add(len(c.LogExtraFields) > 0, "LogExtraFields")
	add(c.LogNamespace != "", "LogNamespace")
	add(c.DynamicUser, "DynamicUser")
	for _, sc := range c.SetCredentials {
		if sc.Encrypted {
			add(true, "SetCredentialEncrypted")
			break
		}
	}
	for _, lc := range c.LoadCredentials {
		if lc.Encrypted {
			add(true, "LoadCredentialEncrypted")
			break
		}
	}
	add(c.PAMName != "", "PAMName")
	add(len(c.ExecPaths) > 0, "ExecPaths")
	add(len(c.NoExecPaths) > 0, "NoExecPaths")
	add(c.PrivateDevices, "PrivateDevices")
	add(c.ProtectClock, "ProtectClock")
	add(c.ProtectKernelTunables, "ProtectKernelTunables")
	add(c.ProtectKernelModules, "ProtectKernelModules")
	add(c.ProtectKernelLogs, "ProtectKernelLogs")
	add(c.ProtectControlGroups, "ProtectControlGroups")
	add(c.PrivateNetwork, "PrivateNetwork")
	add(c.PrivateUsers, "PrivateUsers")
	add(c.PrivateMounts, "PrivateMounts")
	add(c.PrivateIPC, "PrivateIPC")
	add(c.UtmpIdentifier != "", "UtmpIdentifier")
	add(c.SELinuxContext != "", "SELinuxContext")
	add(c.AppArmorProfile != "", "AppArmorProfile")
	add(c.SmackProcessLabel != "", "SmackProcessLabel")
	add(c.SystemCallFilter.Len() > 0 || c.SystemCallFilter.AllowList, "SystemCallFilter")
	add(len(c.SystemCallArchitectures) > 0, "SystemCallArchitectures")
	add(c.SystemCallLog.Len() > 0 || c.SystemCallLog.AllowList, "SystemCallLog")
	add(c.Personality != "", "Personality")
	add(c.LockPersonality, "LockPersonality")
	add(len(c.RestrictAddressFamilies) > 0 || c.AddressFamiliesAllowList, "RestrictAddressFamilies")
	add(c.MemoryDenyWriteExecute, "MemoryDenyWriteExecute")
	add(c.RestrictRealtime, "RestrictRealtime")
	add(c.RestrictSUIDSGID, "RestrictSUIDSGID")
	add(c.RestrictNamespaces != ^uint64(0), "RestrictNamespaces")
	add(len(c.RestrictFileSystems) > 0, "RestrictFileSystems")
	add(len(c.BindMounts) > 0, "BindPaths")
	add(len(c.TemporaryFileSystems) > 0, "TemporaryFileSystem")
	add(c.MountAPIVFSSet && c.MountAPIVFS, "MountAPIVFS")
	add(c.ProtectProc != "default" && c.ProtectProc != "", "ProtectProc")
	add(c.ProcSubset != "all" && c.ProcSubset != "", "ProcSubset")
	add(c.ProtectHostname, "ProtectHostname")
	add(c.NetworkNamespacePath != "", "NetworkNamespacePath")
	add(c.IPCNamespacePath != "", "IPCNamespacePath")
	if cg := u.CGroup; cg != nil {
		add(cg.Delegate && c.User != "", "Delegate")
	}
	return out
}
