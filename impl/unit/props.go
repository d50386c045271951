package unit

import (
	"github.com/godbus/dbus/v5"
)

// Property is one D-Bus property of a unit: its name, D-Bus signature and
// value. Values are plain Go values that godbus encodes with exactly the
// signature: string, bool, uint64 ("t"), uint32 ("u"), int32 ("i"),
// int64 ("x"), uint16 ("q"), []byte ("ay"), []string ("as"), structs
// below for struct signatures and slices of them for arrays.
type Property struct {
	Name      string
	Signature string
	Value     any
}

// Interface is one D-Bus interface of a unit object and its properties in
// the order GetAll returns them.
type Interface struct {
	Name       string
	Properties []Property
}

// D-Bus struct values of unit properties.
type (
	// ExecStatus is "(sasbttttuii)": a command and its last run.
	ExecStatus struct {
		Path               string
		Argv               []string
		IgnoreErrors       bool
		StartTime          uint64
		StartTimeMonotonic uint64
		ExitTime           uint64
		ExitTimeMonotonic  uint64
		PID                uint32
		Code               int32
		Status             int32
	}
	// ExecStatusEx is "(sasasttttuii)": ExecStatus with flag names.
	ExecStatusEx struct {
		Path               string
		Argv               []string
		Flags              []string
		StartTime          uint64
		StartTimeMonotonic uint64
		ExitTime           uint64
		ExitTimeMonotonic  uint64
		PID                uint32
		Code               int32
		Status             int32
	}
	// ExitStatusValue is "(aiai)": exit statuses and signals.
	ExitStatusValue struct{ Statuses, Signals []int32 }
	// ListValue is "(bas)": an allow (true) or deny list.
	ListValue struct {
		AllowList bool
		Items     []string
	}
	// LabelValue is "(bs)": a security label, Ignore for a "-" prefix.
	LabelValue struct {
		Ignore bool
		Label  string
	}
	// StringPair is "(ss)".
	StringPair struct{ A, B string }
	// PathValue is "(st)": a device path and a number.
	PathValue struct {
		Path  string
		Value uint64
	}
	// IPPrefixValue is "(iayu)".
	IPPrefixValue struct {
		Family    int32
		Address   []byte
		PrefixLen uint32
	}
	// BindPathValue is "(ssbt)".
	BindPathValue struct {
		Source, Destination string
		IgnoreENOENT        bool
		Flags               uint64
	}
	// MountImageValue is "(ssba(ss))".
	MountImageValue struct {
		Source, Destination string
		IgnoreENOENT        bool
		Options             []StringPair
	}
	// ExtensionImageValue is "(sba(ss))".
	ExtensionImageValue struct {
		Source       string
		IgnoreENOENT bool
		Options      []StringPair
	}
	// CredentialValue is "(say)".
	CredentialValue struct {
		ID   string
		Data []byte
	}
	// SymlinkValue is "(sst)".
	SymlinkValue struct {
		Source, Destination string
		Flags               uint64
	}
	// SocketBindValue is "(iiqq)".
	SocketBindValue struct {
		Family, Protocol int32
		NrPorts, PortMin uint16
	}
	// EnvironmentFileValue is "(sb)".
	EnvironmentFileValue struct {
		Path   string
		Ignore bool
	}
	// JobValue is "(uo)".
	JobValue struct {
		ID   uint32
		Path dbus.ObjectPath
	}
	// ConditionValue is "(sbbsi)".
	ConditionValue struct {
		Type      string
		Trigger   bool
		Negate    bool
		Parameter string
		State     int32
	}
	// TimerMonotonicValue is "(stt)".
	TimerMonotonicValue struct {
		Base       string
		Value      uint64
		NextElapse uint64
	}
	// TimerCalendarValue is "(sst)".
	TimerCalendarValue struct {
		Base, Spec string
		NextElapse uint64
	}
)

// prop is one entry of a property table: how a property's value is
// computed from the unit.
type prop struct {
	name string
	sig  string
	get  func(c *propCtx) any
}

// propCtx is what property getters see.
type propCtx struct {
	u *Unit
	d *Defaults
	l *Loader
}
