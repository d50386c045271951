package unit

import (
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// ExecCommand is one command of an Exec*= setting.
type ExecCommand struct {
	Path  string
	Argv  []string
	Flags unitfile.ExecFlags
}

// Service exec command kinds, in systemd's order.
const (
	ExecCondition = iota
	ExecStartPre
	ExecStart
	ExecStartPost
	ExecReload
	ExecStop
	ExecStopPost
	serviceExecMax
)

var serviceExecNames = [serviceExecMax]string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"}

// Service is the [Service] section.
type Service struct {
	Type                     string // "" until the load rules pick one
	ExitType                 string
	Restart                  string
	PIDFile                  string
	NotifyAccess             string
	RestartUSec              uint64
	TimeoutStartUSec         uint64
	TimeoutStopUSec          uint64
	TimeoutAbortUSec         uint64
	TimeoutAbortSet          bool
	startTimeoutDefined      bool
	TimeoutStartFailureMode  string
	TimeoutStopFailureMode   string
	RuntimeMaxUSec           uint64
	RuntimeRandomizedExtra   uint64
	WatchdogUSec             uint64
	RootDirectoryStartOnly   bool
	RemainAfterExit          bool
	GuessMainPID             bool
	PermissionsStartOnly     bool
	RestartPreventExitStatus value.ExitStatusSet
	RestartForceExitStatus   value.ExitStatusSet
	SuccessExitStatus        value.ExitStatusSet
	BusName                  string
	FileDescriptorStoreMax   uint32
	USBFunctionDescriptors   string
	USBFunctionStrings       string
	OOMPolicy                string // "" until the load rules pick one
	Exec                     [serviceExecMax][]ExecCommand
}

// Socket exec command kinds, in systemd's order.
const (
	SocketExecStartPre = iota
	SocketExecStartChown
	SocketExecStartPost
	SocketExecStopPre
	SocketExecStopPost
	socketExecMax
)

// SocketPort is one Listen*= setting.
type SocketPort struct {
	Type    string // the Listen property's kind: "Stream", "Datagram", "FIFO", ...
	Address string // as the Listen property prints it
	Family  int    // for sockets: the address family
}

// Socket is the [Socket] section.
type Socket struct {
	Ports                   []SocketPort
	BindIPv6Only            string
	Backlog                 uint32
	TimeoutUSec             uint64
	BindToDevice            string
	SocketUser, SocketGroup string
	SocketMode              uint32
	DirectoryMode           uint32
	Accept                  bool
	FlushPending            bool
	Writable                bool
	KeepAlive               bool
	KeepAliveTimeUSec       uint64
	KeepAliveIntervalUSec   uint64
	KeepAliveProbes         uint32
	DeferAcceptUSec         uint64
	NoDelay                 bool
	Priority                int32
	ReceiveBuffer           uint64
	SendBuffer              uint64
	IPTOS                   int32
	IPTTL                   int32
	PipeSize                uint64
	FreeBind                bool
	Transparent             bool
	Broadcast               bool
	PassCredentials         bool
	PassSecurity            bool
	PassPacketInfo          bool
	Timestamping            string
	RemoveOnStop            bool
	Symlinks                []string
	Mark                    int32
	MaxConnections          uint32
	MaxConnectionsPerSource uint32
	MessageQueueMaxMessages int64
	MessageQueueMessageSize int64
	TCPCongestion           string
	ReusePort               bool
	SmackLabel              string
	SmackLabelIPIn          string
	SmackLabelIPOut         string
	FileDescriptorName      string
	SocketProtocol          int32
	TriggerLimitInterval    uint64
	TriggerLimitBurst       uint32
	SELinuxContextFromNet   bool
	Service                 string // Service= as given
	Exec                    [socketExecMax][]ExecCommand
}

// TimerValue is one On*= setting of a timer.
type TimerValue struct {
	Base     string // "OnActiveSec", ..., "OnCalendar"
	Value    uint64
	Calendar *timeutil.CalendarSpec
}

// Timer is the [Timer] section.
type Timer struct {
	Values            []TimerValue // most recent first, as systemd lists them
	OnClockChange     bool
	OnTimezoneChange  bool
	Persistent        bool
	WakeSystem        bool
	RemainAfterElapse bool
	FixedRandomDelay  bool
	AccuracyUSec      uint64
	RandomizedDelay   uint64
}

// PathSpec is one Path*= or DirectoryNotEmpty= setting.
type PathSpec struct{ Type, Path string }

// Path is the [Path] section.
type Path struct {
	Specs                []PathSpec // most recent first, as systemd lists them
	MakeDirectory        bool
	DirectoryMode        uint32
	TriggerLimitInterval uint64
	TriggerLimitBurst    uint32
}

// Mount exec command kinds.
const (
	MountExecMount = iota
	MountExecUnmount
	MountExecRemount
)

// Mount is the [Mount] section.
type Mount struct {
	What, Where, Options, FSType string
	whatSet, optionsSet, typeSet bool
	TimeoutUSec                  uint64
	DirectoryMode                uint32
	SloppyOptions                bool
	LazyUnmount                  bool
	ForceUnmount                 bool
	ReadWriteOnly                bool
}

// Automount is the [Automount] section.
type Automount struct {
	Where         string
	ExtraOptions  string
	DirectoryMode uint32
	TimeoutIdle   uint64
}

// Swap is the [Swap] section.
type Swap struct {
	What        string
	Priority    int32
	PrioritySet bool
	Options     string
	TimeoutUSec uint64
}

// Scope is the [Scope] section.
type Scope struct {
	RuntimeMaxUSec         uint64
	RuntimeRandomizedExtra uint64
	TimeoutStopUSec        uint64
	OOMPolicy              string
}
