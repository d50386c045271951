package exec

// Spec is everything the executor needs to turn one command of a unit into
// a running process: systemd 252's ExecCommand, the parts of ExecContext
// the executor applies, and the manager's ExecParameters. It is plain data
// (wire.go); fields keep 252's defaults when built by NewSpec.
type Spec struct {
	// Command.
	Path string   // as written in ExecStart= (absolute, or a name looked up in ExecSearchPath)
	Argv []string // argv, argv[0] included, before $VAR expansion
	// Command prefixes: "-" (IgnoreFailure), ":" (NoEnvExpand),
	// "+" (FullyPrivileged), "!" (NoSetuid).
	IgnoreFailure   bool
	NoEnvExpand     bool
	FullyPrivileged bool
	NoSetuid        bool
	// AmbientMagic is "!!": like "!", but only where the kernel lacks
	// ambient capabilities (252's EXEC_COMMAND_AMBIENT_MAGIC).
	AmbientMagic bool

	// Unit identity.
	Unit         string // unit id, e.g. "foo.service"
	InvocationID string // 32 lower-case hex digits, or empty

	// Manager parameters (252's ExecParameters).
	//
	// Environment is the manager's effective environment merged with the
	// per-command variables (see ServiceEnvironment); FilesEnvironment is
	// what LoadEnvironmentFiles read from EnvironmentFile=.
	Environment      []string
	FilesEnvironment []string
	// System is true for the system manager: the stream header names the
	// unit, directories are chowned to root when User= is unset, and the
	// propagation directory is set up.
	System bool
	// ApplySandboxing and ApplyChroot are false for control commands of
	// a unit with PermissionsStartOnly= / RootDirectoryStartOnly=.
	ApplySandboxing bool
	ApplyChroot     bool
	// ApplyTTYStdin is false for control commands: tty input becomes null.
	ApplyTTYStdin    bool
	WatchdogUSec     uint64 // WATCHDOG_USEC; 0: not set
	NSSDynamicBypass bool
	// FDNames names the passed fds, socket fds first (LISTEN_FDNAMES).
	FDNames     []string
	NSocketFDs  int
	NStorageFDs int
	// Prefix is the directory each kind of ExecDirectory lives under
	// (/run, /var/lib, /var/cache, /var/log, /etc for the system manager).
	Prefix [DirMax]string
	// TmpDir and VarTmpDir are the unit's PrivateTmp= directories as
	// MakePrivateTmp created them; empty without PrivateTmp=.
	TmpDir, VarTmpDir string

	// ExecContext.
	UnitEnvironment  []string // Environment=
	PassEnvironment  []string
	UnsetEnvironment []string
	ExecSearchPath   []string
	UMask            uint32
	Limits           [RlimitMax]*Rlimit // indexed by RLIMIT_* number

	WorkingDirectory          string
	WorkingDirectoryHome      bool // WorkingDirectory=~
	WorkingDirectoryMissingOK bool // WorkingDirectory=-...

	OOMScoreAdjust      *int
	Nice                *int
	CPUSchedSet         bool
	CPUSchedPolicy      int
	CPUSchedPriority    int
	CPUSchedResetOnFork bool
	CPUAffinity         []int // CPU numbers; empty: unchanged
	IOPrio              *int  // class<<13 | data
	TimerSlackNSec      *uint64

	StdInput, StdOutput, StdError string    // 252's names: "null", "tty", "journal", "file", "append", ...
	StdioFile                     [3]string // for file:/append:/truncate:
	StdioFDName                   [3]string // for fd:NAME; empty means the default name
	StdinData                     []byte
	TTYPath                       string
	TTYReset                      bool
	TTYVHangup                    bool
	TTYVTDisallocate              bool
	TTYRows, TTYColumns           *uint32
	SyslogIdentifier              string
	SyslogPriority                int
	SyslogLevelPrefix             bool

	SameProcessGroup bool
	IgnoreSIGPIPE    bool
	NonBlocking      bool   // O_NONBLOCK on the passed socket fds
	KeyringMode      string // "inherit", "private", "shared"

	User                string
	Group               string
	SupplementaryGroups []string

	SecureBits            int
	CapabilityBoundingSet uint64
	AmbientCapabilities   uint64
	NoNewPrivileges       bool // already 252's context_has_no_new_privileges()
	RestrictRealtime      bool // only its RLIMIT_RTPRIO part is applied

	PrivateTmp        bool
	ProtectSystem     string // "no", "yes", "full", "strict"
	ProtectHome       string // "no", "yes", "read-only", "tmpfs"
	ReadWritePaths    []string
	ReadOnlyPaths     []string
	InaccessiblePaths []string
	MountFlags        uintptr // MountFlags=: 0, MS_SHARED, MS_SLAVE or MS_PRIVATE

	Directories [DirMax]ExecDirectory

	// Credentials (credentials.go): LoadCredential=, SetCredential=
	// (unencrypted), whether this command writes them (252's
	// EXEC_WRITE_CREDENTIALS) and the manager's own received credentials
	// directory ("" if none).
	LoadCredentials     []LoadCredentialSpec
	SetCredentials      []SetCredentialSpec
	WriteCredentials    bool
	ReceivedCredentials string

	// ManagerEnvironment is what the executor reads of the manager's own
	// environment: the PassEnvironment= names, HOME and TERM, as set
	// there. Start fills it in; the executor's own environment is its
	// runtime's setting alone.
	ManagerEnvironment []string

	// FDs is the executor's fd table; Start fills it in.
	FDs Layout
}

// Rlimit is one resource limit; RlimInfinity is "infinity".
type Rlimit struct{ Cur, Max uint64 }

// RlimInfinity is RLIM_INFINITY.
const RlimInfinity = ^uint64(0)

// RlimitMax is the number of resource limits (RLIMIT_NLIMITS).
const RlimitMax = 16

// RlimitNames are the RLIMIT_* suffixes by resource number, as messages
// name them.
var RlimitNames = [RlimitMax]string{"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
	"MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"}

// The ExecDirectory kinds, in 252's order.
const (
	DirRuntime = iota
	DirState
	DirCache
	DirLogs
	DirConfiguration
	DirMax
)

var dirEnvNames = [DirMax]string{"RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY", "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY"}

var dirExitStatus = [DirMax]int{ExitRuntimeDirectory, ExitStateDirectory, ExitCacheDirectory, ExitLogsDirectory, ExitConfigurationDirectory}

// ExecDirectory is one of RuntimeDirectory= and friends.
type ExecDirectory struct {
	Mode  uint32
	Items []ExecDirectoryItem
}

// ExecDirectoryItem is one directory, relative to its kind's prefix, with
// the symlinks (also relative) that point to it.
type ExecDirectoryItem struct {
	Path     string
	Symlinks []string
}

// Layout says which executor fd plays which role. Passed fds sit at 3..
// from the start, so that nothing has to be moved over them and the Go
// runtime's own fds always lie above.
type Layout struct {
	NPass  int // fds 3 .. 3+NPass-1: the socket and storage fds, in FDNames order
	Status int // the status pipe's write end
	// Stdin, Stdout and Stderr are ExecParameters' stdin_fd, stdout_fd,
	// stderr_fd (as systemd-run --pty passes them); -1 when absent.
	Stdin, Stdout, Stderr int
}

// NewSpec returns a Spec with 252's defaults (exec_context_init and a
// system manager's parameters) for running path with argv.
func NewSpec(unit, path string, argv ...string) *Spec {
	return &Spec{
		Path:                  path,
		Argv:                  argv,
		Unit:                  unit,
		System:                true,
		ApplySandboxing:       true,
		ApplyChroot:           true,
		ApplyTTYStdin:         true,
		Prefix:                [DirMax]string{"/run", "/var/lib", "/var/cache", "/var/log", "/etc"},
		UMask:                 0o022,
		StdInput:              "null",
		StdOutput:             "inherit",
		StdError:              "inherit",
		SyslogPriority:        logDaemon | logInfo,
		SyslogLevelPrefix:     true,
		IgnoreSIGPIPE:         true,
		KeyringMode:           "shared",
		CapabilityBoundingSet: CapAll,
		ProtectSystem:         "no",
		ProtectHome:           "no",
		Directories: [DirMax]ExecDirectory{
			{Mode: 0o755}, {Mode: 0o755}, {Mode: 0o755}, {Mode: 0o755}, {Mode: 0o755},
		},
	}
}

// CapAll is every capability (252's CAP_ALL).
const CapAll = ^uint64(0)

const (
	logDaemon  = 3 << 3
	logWarning = 4
	logInfo    = 6
)
