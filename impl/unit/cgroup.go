package unit

import (
	"fmt"
	"strings"

	"gosystemd/impl/unit/value"
)

// CGroupMask is a set of cgroup controllers, one bit each in
// cgroupControllers order.
type CGroupMask uint32

var cgroupControllers = []string{
	"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall",
	"bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces",
}

// maskDelegate is CGROUP_MASK_DELEGATE: cpu cpuset io memory pids.
const maskDelegate CGroupMask = 1<<0 | 1<<2 | 1<<3 | 1<<5 | 1<<7

func controllerFromString(s string) int {
	for i, n := range cgroupControllers {
		if n == s {
			return i
		}
	}
	return -1
}

// Names lists the controllers of the mask in systemd's order.
func (m CGroupMask) Names() []string {
	out := []string{}
	for i, n := range cgroupControllers {
		if m&(1<<uint(i)) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// DeviceWeight is a device with a weight or time value.
type DeviceWeight struct {
	Path  string
	Value uint64
}

// IO limit kinds, in systemd's order.
const (
	IOReadBandwidthMax = iota
	IOWriteBandwidthMax
	IOReadIOPSMax
	IOWriteIOPSMax
	ioLimitMax
)

var ioLimitNames = [ioLimitMax]string{"IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax"}

// DeviceLimit is the IO limits of one device.
type DeviceLimit struct {
	Path   string
	Limits [ioLimitMax]uint64
}

// BlockIOBandwidth is the legacy read and write bandwidth of a device.
type BlockIOBandwidth struct {
	Path        string
	Read, Write uint64
}

// DeviceAllow is one DeviceAllow= entry.
type DeviceAllow struct {
	Path    string
	R, W, M bool
}

// TasksMax is a task limit, absolute (Scale 0) or Value/Scale of the
// system's maximum.
type TasksMax struct{ Value, Scale uint64 }

// BPFProgram is one BPFProgram= entry.
type BPFProgram struct{ AttachType, Path string }

// SocketBindItem is one SocketBindAllow=/SocketBindDeny= entry.
type SocketBindItem struct {
	Family, Protocol int32
	NrPorts, PortMin uint16
}

// CGroupContext is a unit's resource control settings.
type CGroupContext struct {
	CPUAccounting                 bool
	IOAccounting                  bool
	BlockIOAccounting             bool
	MemoryAccounting              bool
	TasksAccounting               bool
	IPAccounting                  bool
	Delegate                      bool
	DelegateControllers           CGroupMask
	DisableControllers            CGroupMask
	CPUWeight                     uint64
	StartupCPUWeight              uint64
	CPUShares                     uint64
	StartupCPUShares              uint64
	CPUQuotaPerSecUSec            uint64
	CPUQuotaPeriodUSec            uint64
	AllowedCPUs                   value.CPUSet
	StartupAllowedCPUs            value.CPUSet
	AllowedMemoryNodes            value.CPUSet
	StartupAllowedMemoryNodes     value.CPUSet
	IOWeight                      uint64
	StartupIOWeight               uint64
	IODeviceWeights               []DeviceWeight
	IODeviceLimits                []DeviceLimit
	IODeviceLatencies             []DeviceWeight
	BlockIOWeight                 uint64
	StartupBlockIOWeight          uint64
	BlockIODeviceWeights          []DeviceWeight
	BlockIOBandwidths             []BlockIOBandwidth
	DefaultMemoryLow              uint64
	DefaultMemoryMin              uint64
	MemoryMin                     uint64
	MemoryLow                     uint64
	MemoryHigh                    uint64
	MemoryMax                     uint64
	MemorySwapMax                 uint64
	MemoryLimit                   uint64
	DevicePolicy                  string
	DeviceAllow                   []DeviceAllow
	TasksMax                      TasksMax
	IPAddressAllow                value.IPPrefixSet
	IPAddressDeny                 value.IPPrefixSet
	IPIngressFilterPath           []string
	IPEgressFilterPath            []string
	ManagedOOMSwap                string
	ManagedOOMMemoryPressure      string
	ManagedOOMMemoryPressureLimit uint32
	ManagedOOMPreference          string
	BPFPrograms                   []BPFProgram
	SocketBindAllow               []SocketBindItem
	SocketBindDeny                []SocketBindItem
	RestrictNetworkInterfaces     []string
	NetworkInterfacesAllowList    bool
}

// tasksMaxUnset is TASKS_MAX_UNSET: no limit.
var tasksMaxUnset = TasksMax{Value: ^uint64(0)}

func newCGroupContext(d *Defaults, isSlice bool) *CGroupContext {
	c := &CGroupContext{
		CPUWeight:                cgroupWeightInvalid,
		StartupCPUWeight:         cgroupWeightInvalid,
		CPUShares:                cgroupWeightInvalid,
		StartupCPUShares:         cgroupWeightInvalid,
		CPUQuotaPerSecUSec:       usecInfinity,
		CPUQuotaPeriodUSec:       usecInfinity,
		MemoryHigh:               cgroupLimitMax,
		MemoryMax:                cgroupLimitMax,
		MemorySwapMax:            cgroupLimitMax,
		MemoryLimit:              cgroupLimitMax,
		IOWeight:                 cgroupWeightInvalid,
		StartupIOWeight:          cgroupWeightInvalid,
		BlockIOWeight:            cgroupWeightInvalid,
		StartupBlockIOWeight:     cgroupWeightInvalid,
		TasksMax:                 tasksMaxUnset,
		DevicePolicy:             "auto",
		ManagedOOMSwap:           "auto",
		ManagedOOMMemoryPressure: "auto",
		ManagedOOMPreference:     "none",
		CPUAccounting:            d.CPUAccounting,
		IOAccounting:             d.IOAccounting,
		BlockIOAccounting:        d.BlockIOAccounting,
		MemoryAccounting:         d.MemoryAccounting,
		TasksAccounting:          d.TasksAccounting,
		IPAccounting:             d.IPAccounting,
	}
	if !isSlice {
		c.TasksMax = d.TasksMax
	}
	return c
}

// IOLimitName is the setting of IO limit type t (IOReadBandwidthMax=, …).
func IOLimitName(t int) string { return ioLimitNames[t] }

// SocketBindItemText is cgroup_context_dump_socket_bind_item:
// "ipv4:tcp:80", "udp:1000-1010", "any".
func SocketBindItemText(it SocketBindItem) string {
	var b strings.Builder
	switch it.Family {
	case value.AFInet:
		b.WriteString("ipv4:")
	case value.AFInet6:
		b.WriteString("ipv6:")
	}
	switch it.Protocol {
	case 6:
		b.WriteString("tcp:")
	case 17:
		b.WriteString("udp:")
	}
	switch it.NrPorts {
	case 0:
		b.WriteString("any")
	case 1:
		fmt.Fprint(&b, it.PortMin)
	default:
		fmt.Fprintf(&b, "%d-%d", it.PortMin, uint32(it.PortMin)+uint32(it.NrPorts)-1)
	}
	return b.String()
}
