package unit

// Controller bits, in cgroupControllers order.
const (
	MaskCPU CGroupMask = 1 << iota
	MaskCPUAcct
	MaskCPUSet
	MaskIO
	MaskBlkIO
	MaskMemory
	MaskDevices
	MaskPIDs
	MaskBPFFirewall
	MaskBPFDevices
	MaskBPFForeign
	MaskBPFSocketBind
	MaskBPFRestrictNetworkInterfaces
)

// MaskV2 are the controllers of the unified hierarchy that are real
// kernel controllers (the bpf-* ones are systemd's own).
const MaskV2 = MaskCPU | MaskCPUSet | MaskIO | MaskMemory | MaskPIDs

// extendJoined is CGROUP_MASK_EXTEND_JOINED: cpu and cpuacct go together.
func extendJoined(m CGroupMask) CGroupMask {
	if m&(MaskCPU|MaskCPUAcct) != 0 {
		m |= MaskCPU | MaskCPUAcct
	}
	return m
}

func (t TasksMax) isSet() bool { return t != tasksMaxUnset }

// OwnCGroupMask is unit_get_own_mask on the unified hierarchy of a
// kernel that reports CPU usage without the cpu controller: the
// controllers the unit's own settings need. slice returns a unit's
// slice unit (nil at the top), for the settings slices pass down.
func (u *Unit) OwnCGroupMask(slice func(*Unit) *Unit) CGroupMask {
	c := u.CGroup
	if u.LoadState != Loaded || c == nil {
		return 0
	}
	var m CGroupMask
	if c.CPUWeight != cgroupWeightInvalid || c.StartupCPUWeight != cgroupWeightInvalid ||
		c.CPUShares != cgroupWeightInvalid || c.StartupCPUShares != cgroupWeightInvalid ||
		c.CPUQuotaPerSecUSec != usecInfinity {
		m |= MaskCPU
	}
	if c.AllowedCPUs != nil || c.StartupAllowedCPUs != nil || c.AllowedMemoryNodes != nil || c.StartupAllowedMemoryNodes != nil {
		m |= MaskCPUSet
	}
	if c.IOAccounting || c.IOWeight != cgroupWeightInvalid || c.StartupIOWeight != cgroupWeightInvalid ||
		len(c.IODeviceWeights) > 0 || len(c.IODeviceLatencies) > 0 || len(c.IODeviceLimits) > 0 ||
		c.BlockIOAccounting || c.BlockIOWeight != cgroupWeightInvalid || c.StartupBlockIOWeight != cgroupWeightInvalid ||
		len(c.BlockIODeviceWeights) > 0 || len(c.BlockIOBandwidths) > 0 {
		m |= MaskIO | MaskBlkIO
	}
	if c.MemoryAccounting || c.MemoryLimit != cgroupLimitMax || c.MemoryMin > 0 || c.MemoryLow > 0 ||
		c.MemoryHigh != cgroupLimitMax || c.MemoryMax != cgroupLimitMax || c.MemorySwapMax != cgroupLimitMax {
		m |= MaskMemory
	}
	if len(c.DeviceAllow) > 0 || c.DevicePolicy != "auto" {
		m |= MaskDevices | MaskBPFDevices
	}
	if c.TasksAccounting || c.TasksMax.isSet() {
		m |= MaskPIDs
	}
	m = extendJoined(m)
	if u.needsBPFFirewall(slice) {
		m |= MaskBPFFirewall
	}
	if len(c.BPFPrograms) > 0 {
		m |= MaskBPFForeign
	}
	if len(c.SocketBindAllow) > 0 || len(c.SocketBindDeny) > 0 {
		m |= MaskBPFSocketBind
	}
	if len(c.RestrictNetworkInterfaces) > 0 {
		m |= MaskBPFRestrictNetworkInterfaces
	}
	if c.Delegate {
		m |= extendJoined(c.DelegateControllers)
	}
	return m
}

// DelegateCGroupMask is unit_get_delegate_mask on the unified hierarchy.
func (u *Unit) DelegateCGroupMask() CGroupMask {
	if u.CGroup == nil || !u.CGroup.Delegate {
		return 0
	}
	return extendJoined(u.CGroup.DelegateControllers)
}

// DisableCGroupMask is the unit's DisableControllers=.
func (u *Unit) DisableCGroupMask() CGroupMask {
	if u.CGroup == nil {
		return 0
	}
	return u.CGroup.DisableControllers
}

// needsBPFFirewall is unit_get_needs_bpf_firewall.
func (u *Unit) needsBPFFirewall(slice func(*Unit) *Unit) bool {
	c := u.CGroup
	if c.IPAccounting || len(c.IPAddressAllow) > 0 || len(c.IPAddressDeny) > 0 ||
		len(c.IPIngressFilterPath) > 0 || len(c.IPEgressFilterPath) > 0 {
		return true
	}
	for p := slice(u); p != nil; p = slice(p) {
		if p.CGroup == nil {
			return false
		}
		if len(p.CGroup.IPAddressAllow) > 0 || len(p.CGroup.IPAddressDeny) > 0 {
			return true
		}
	}
	return false
}
