package unit

import "gosystemd/impl/unit/value"

// MountOptions are the mount options for one partition of an image.
type MountOptions struct {
	Partition string // "root", "usr", ...
	Options   string
}

// MountImage is one MountImages= or ExtensionImages= entry.
type MountImage struct {
	Source, Destination string
	IgnoreENOENT        bool
	Options             []MountOptions
}

// BindMount is one BindPaths= or BindReadOnlyPaths= entry.
type BindMount struct {
	Source, Destination string
	ReadOnly            bool
	Recursive           bool
	IgnoreENOENT        bool
}

// TemporaryFileSystem is one TemporaryFileSystem= entry.
type TemporaryFileSystem struct{ Path, Options string }

// ExecDirectoryItem is one entry of RuntimeDirectory= and friends.
type ExecDirectoryItem struct {
	Path     string
	Symlinks []string
}

// ExecDirectory is one of the five directory kinds.
type ExecDirectory struct {
	Mode  uint32
	Items []ExecDirectoryItem
}

// The directory kinds, in systemd's order.
const (
	DirRuntime = iota
	DirState
	DirCache
	DirLogs
	DirConfiguration
	dirMax
)

var dirNames = [dirMax]string{"Runtime", "State", "Cache", "Logs", "Configuration"}

// SetCredential is one SetCredential= entry.
type SetCredential struct {
	ID        string
	Data      []byte
	Encrypted bool
}

// LoadCredential is one LoadCredential= entry.
type LoadCredential struct {
	ID, Path  string
	Encrypted bool
}

// SyscallFilter is a system call set with an allow/deny sense, each
// member with an errno number (-1: none). The zero value is not
// configured.
type SyscallFilter struct {
	set       *syscallSet
	AllowList bool
}

// ExecContext is how processes of a unit are set up (systemd's
// ExecContext).
type ExecContext struct {
	Environment      []string
	EnvironmentFiles []string // with a "-" prefix for optional files
	PassEnvironment  []string
	UnsetEnvironment []string
	UMask            uint32
	Rlimits          [value.RlimitMax]*value.Rlimit
	// rlimitUnset: the limit is the manager process's own, neither the
	// unit nor a DefaultLimit*= setting chose it.
	rlimitUnset [value.RlimitMax]bool

	WorkingDirectory          string
	WorkingDirectoryHome      bool
	WorkingDirectoryMissingOK bool
	RootDirectory             string
	RootImage                 string
	RootImageOptions          []MountOptions
	RootHash                  []byte
	RootHashPath              string
	RootHashSignature         []byte
	RootHashSignaturePath     string
	RootVerity                string
	ExtensionDirectories      []string
	ExtensionImages           []MountImage
	MountImages               []MountImage

	OOMScoreAdjust           int32
	OOMScoreAdjustSet        bool
	CoredumpFilter           uint64
	CoredumpFilterSet        bool
	Nice                     int32
	NiceSet                  bool
	IOPrio                   int32 // class<<13 | data
	IOPrioSet                bool
	CPUSchedPolicy           int32
	CPUSchedPriority         int32
	CPUSchedSet              bool
	CPUSchedResetOnFork      bool
	CPUAffinity              value.CPUSet
	CPUAffinityFromNUMA      bool
	NUMAPolicy               int32 // -1: not set
	NUMAMask                 value.CPUSet
	TimerSlackNSec           uint64
	NonBlocking              bool
	StdInput                 string
	StdOutput                string
	StdError                 string
	StdioFDName              [3]string
	StdioFile                [3]string
	StdinData                []byte
	TTYPath                  string
	TTYReset                 bool
	TTYVHangup               bool
	TTYVTDisallocate         bool
	TTYRows                  uint32
	TTYColumns               uint32
	SyslogPriority           int32
	SyslogIdentifier         string
	SyslogLevelPrefix        bool
	LogLevelMax              int32
	LogRateLimitInterval     uint64
	LogRateLimitBurst        uint32
	LogExtraFields           [][]byte
	LogNamespace             string
	SecureBits               int32
	CapabilityBoundingSet    uint64
	AmbientCapabilities      uint64
	User, Group              string
	DynamicUser              bool
	RemoveIPC                bool
	SetCredentials           []SetCredential
	LoadCredentials          []LoadCredential
	SupplementaryGroups      []string
	PAMName                  string
	ReadWritePaths           []string
	ReadOnlyPaths            []string
	InaccessiblePaths        []string
	ExecPaths                []string
	NoExecPaths              []string
	ExecSearchPath           []string
	MountFlags               uint64
	PrivateTmp               bool
	PrivateDevices           bool
	ProtectClock             bool
	ProtectKernelTunables    bool
	ProtectKernelModules     bool
	ProtectKernelLogs        bool
	ProtectControlGroups     bool
	PrivateNetwork           bool
	PrivateUsers             bool
	PrivateMounts            bool
	PrivateIPC               bool
	ProtectHome              string
	ProtectSystem            string
	SameProcessGroup         bool
	UtmpIdentifier           string
	UtmpMode                 string
	SELinuxContext           string
	SELinuxContextIgnore     bool
	AppArmorProfile          string
	AppArmorProfileIgnore    bool
	SmackProcessLabel        string
	SmackProcessLabelIgnore  bool
	IgnoreSIGPIPE            bool
	NoNewPrivileges          bool
	SystemCallFilter         SyscallFilter
	SystemCallArchitectures  []string
	SystemCallErrorNumber    int32
	SystemCallLog            SyscallFilter
	Personality              string
	LockPersonality          bool
	RestrictAddressFamilies  []int
	AddressFamiliesAllowList bool
	addressFamiliesSet       bool
	Directories              [dirMax]ExecDirectory
	RuntimeDirectoryPreserve string
	TimeoutCleanUSec         uint64
	MemoryDenyWriteExecute   bool
	RestrictRealtime         bool
	RestrictSUIDSGID         bool
	RestrictNamespaces       uint64
	RestrictFileSystems      []string
	FileSystemsAllowList     bool
	BindMounts               []BindMount
	TemporaryFileSystems     []TemporaryFileSystem
	MountAPIVFS              bool
	MountAPIVFSSet           bool
	KeyringMode              string
	ProtectProc              string
	ProcSubset               string
	ProtectHostname          bool
	NetworkNamespacePath     string
	IPCNamespacePath         string
}

// Special values of ExecContext fields.
const (
	ioprioClassShift             = 13
	ioprioClassBE                = 2
	ioprioDefault                = ioprioClassBE<<ioprioClassShift | 4
	seccompErrorNumberKill       = 2147483646 // SECCOMP_ERROR_NUMBER_KILL, printed as is
	namespaceFlagsInitial        = ^uint64(0)
	nsecInfinity                 = ^uint64(0)
	uintMax                      = ^uint32(0)
	logDaemon                    = 3 << 3
	logInfo                      = 6
	usecInfinity                 = ^uint64(0)
	cgroupWeightInvalid          = ^uint64(0)
	cgroupLimitMax               = ^uint64(0)
	personalityInvalid           = ""
	mpolDefault            int32 = -1
)

func newExecContext(system bool) *ExecContext {
	c := &ExecContext{
		UMask:                    0o022,
		IOPrio:                   ioprioDefault,
		SyslogPriority:           logDaemon | logInfo,
		SyslogLevelPrefix:        true,
		IgnoreSIGPIPE:            true,
		TimerSlackNSec:           nsecInfinity,
		TimeoutCleanUSec:         usecInfinity,
		CapabilityBoundingSet:    value.CapAll,
		RestrictNamespaces:       namespaceFlagsInitial,
		LogLevelMax:              -1,
		SystemCallErrorNumber:    seccompErrorNumberKill,
		TTYRows:                  uintMax,
		TTYColumns:               uintMax,
		NUMAPolicy:               mpolDefault,
		StdInput:                 "null",
		StdOutput:                "inherit",
		StdError:                 "inherit",
		ProtectHome:              "no",
		ProtectSystem:            "no",
		UtmpMode:                 "init",
		RuntimeDirectoryPreserve: "no",
		ProtectProc:              "default",
		ProcSubset:               "all",
		KeyringMode:              "inherit",
	}
	if system {
		c.KeyringMode = "shared"
	}
	for i := range c.Directories {
		c.Directories[i].Mode = 0o755
	}
	return c
}

// KillContext is how processes of a unit are stopped.
type KillContext struct {
	KillMode          string
	KillSignal        int32
	RestartKillSignal int32 // 0: KillSignal
	FinalKillSignal   int32
	SendSIGKILL       bool
	SendSIGHUP        bool
	WatchdogSignal    int32
}

func newKillContext() *KillContext {
	return &KillContext{KillMode: "control-group", KillSignal: 15, FinalKillSignal: 9, SendSIGKILL: true, WatchdogSignal: 6}
}
