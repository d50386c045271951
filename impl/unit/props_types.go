package unit

import (
	"strings"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

// typeProps is the property table of a type's own interface: its vtable
// followed by the shared ones, as systemd registers them.
func buildTypeProps(t unitname.Type) []prop {
	switch t {
	case unitname.Service:
		return concat(serviceProps(), cgroupUnitProps(), cgroupProps(), execProps(), killProps())
	case unitname.Socket:
		return concat(socketProps(), cgroupUnitProps(), cgroupProps(), execProps(), killProps())
	case unitname.Mount:
		return concat(mountProps(), cgroupUnitProps(), cgroupProps(), execProps(), killProps())
	case unitname.Swap:
		return concat(swapProps(), cgroupUnitProps(), cgroupProps(), execProps(), killProps())
	case unitname.Scope:
		return concat(scopeProps(), cgroupUnitProps(), cgroupProps(), killProps())
	case unitname.Slice:
		return concat(cgroupUnitProps(), cgroupProps())
	case unitname.Timer:
		return timerProps()
	case unitname.Path:
		return pathProps()
	case unitname.Automount:
		return automountProps()
	case unitname.Device:
		return []prop{{"SysFSPath", "s", func(c *propCtx) any { return "" }}}
	case unitname.Target:
		return []prop{}
	}
	return nil
}

// concat joins tables into one of the exact size: the result lives as
// long as PID 1 and append's growth would leave a third of it unused.
func concat(tables ...[]prop) []prop {
	n := 0
	for _, t := range tables {
		n += len(t)
	}
	out := make([]prop, 0, n)
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

func exitStatusValue(s *value.ExitStatusSet) ExitStatusValue {
	v := ExitStatusValue{Statuses: s.Statuses(), Signals: []int32{}}
	if v.Statuses == nil {
		v.Statuses = []int32{}
	}
	for _, sig := range s.Signals() {
		if value.SignalName(int(sig)) != "" || sig >= value.SigRTMin {
			v.Signals = append(v.Signals, sig)
		}
	}
	return v
}

func sv(f func(s *Service) any) func(c *propCtx) any {
	return func(c *propCtx) any { return f(c.u.Service) }
}

const uidInvalid = ^uint32(0)

func serviceProps() []prop {
	p := []prop{
		{"Type", "s", sv(func(s *Service) any { return s.Type })},
		{"ExitType", "s", sv(func(s *Service) any { return s.ExitType })},
		{"Restart", "s", sv(func(s *Service) any { return s.Restart })},
		{"PIDFile", "s", sv(func(s *Service) any { return s.PIDFile })},
		{"NotifyAccess", "s", sv(func(s *Service) any { return s.NotifyAccess })},
		{"RestartUSec", "t", sv(func(s *Service) any { return s.RestartUSec })},
		{"TimeoutStartUSec", "t", sv(func(s *Service) any { return s.TimeoutStartUSec })},
		{"TimeoutStopUSec", "t", sv(func(s *Service) any { return s.TimeoutStopUSec })},
		{"TimeoutAbortUSec", "t", sv(func(s *Service) any {
			if s.TimeoutAbortSet {
				return s.TimeoutAbortUSec
			}
			return s.TimeoutStopUSec
		})},
		{"TimeoutStartFailureMode", "s", sv(func(s *Service) any { return s.TimeoutStartFailureMode })},
		{"TimeoutStopFailureMode", "s", sv(func(s *Service) any { return s.TimeoutStopFailureMode })},
		{"RuntimeMaxUSec", "t", sv(func(s *Service) any { return s.RuntimeMaxUSec })},
		{"RuntimeRandomizedExtraUSec", "t", sv(func(s *Service) any { return s.RuntimeRandomizedExtra })},
		{"WatchdogUSec", "t", sv(func(s *Service) any { return usecInfinity })},
	}
	p = append(p, dualTimestamp("WatchdogTimestamp")...)
	p = append(p,
		prop{"RootDirectoryStartOnly", "b", sv(func(s *Service) any { return s.RootDirectoryStartOnly })},
		prop{"RemainAfterExit", "b", sv(func(s *Service) any { return s.RemainAfterExit })},
		prop{"GuessMainPID", "b", sv(func(s *Service) any { return s.GuessMainPID })},
		prop{"RestartPreventExitStatus", "(aiai)", sv(func(s *Service) any { return exitStatusValue(&s.RestartPreventExitStatus) })},
		prop{"RestartForceExitStatus", "(aiai)", sv(func(s *Service) any { return exitStatusValue(&s.RestartForceExitStatus) })},
		prop{"SuccessExitStatus", "(aiai)", sv(func(s *Service) any { return exitStatusValue(&s.SuccessExitStatus) })},
		prop{"MainPID", "u", sv(func(s *Service) any { return uint32(0) })},
		prop{"ControlPID", "u", sv(func(s *Service) any { return uint32(0) })},
		prop{"BusName", "s", sv(func(s *Service) any { return s.BusName })},
		prop{"FileDescriptorStoreMax", "u", sv(func(s *Service) any { return s.FileDescriptorStoreMax })},
		prop{"NFileDescriptorStore", "u", sv(func(s *Service) any { return uint32(0) })},
		prop{"StatusText", "s", sv(func(s *Service) any { return "" })},
		prop{"StatusErrno", "i", sv(func(s *Service) any { return int32(0) })},
		prop{"Result", "s", sv(func(s *Service) any { return "success" })},
		prop{"ReloadResult", "s", sv(func(s *Service) any { return "success" })},
		prop{"CleanResult", "s", sv(func(s *Service) any { return "success" })},
		prop{"USBFunctionDescriptors", "s", sv(func(s *Service) any { return s.USBFunctionDescriptors })},
		prop{"USBFunctionStrings", "s", sv(func(s *Service) any { return s.USBFunctionStrings })},
		prop{"UID", "u", sv(func(s *Service) any { return uidInvalid })},
		prop{"GID", "u", sv(func(s *Service) any { return uidInvalid })},
		prop{"NRestarts", "u", sv(func(s *Service) any { return uint32(0) })},
		prop{"OOMPolicy", "s", sv(func(s *Service) any { return s.OOMPolicy })},
	)
	p = append(p, execStatusProps("ExecMain")...)
	for i, n := range serviceExecNames {
		i := i
		p = append(p, execCommandProps(n, func(u *Unit) []ExecCommand { return u.Service.Exec[i] })...)
	}
	return p
}

func cgroupUnitProps() []prop {
	max := func(c *propCtx) any { return ^uint64(0) }
	return []prop{
		{"Slice", "s", func(c *propCtx) any { return c.u.Slice }},
		{"ControlGroup", "s", func(c *propCtx) any { return "" }},
		{"ControlGroupId", "t", func(c *propCtx) any { return uint64(0) }},
		{"MemoryCurrent", "t", max},
		{"MemoryAvailable", "t", max},
		{"CPUUsageNSec", "t", max},
		{"EffectiveCPUs", "ay", func(c *propCtx) any { return []byte{} }},
		{"EffectiveMemoryNodes", "ay", func(c *propCtx) any { return []byte{} }},
		{"TasksCurrent", "t", max},
		{"IPIngressBytes", "t", max},
		{"IPIngressPackets", "t", max},
		{"IPEgressBytes", "t", max},
		{"IPEgressPackets", "t", max},
		{"IOReadBytes", "t", max},
		{"IOReadOperations", "t", max},
		{"IOWriteBytes", "t", max},
		{"IOWriteOperations", "t", max},
	}
}

func cg(f func(c *CGroupContext) any) func(c *propCtx) any {
	return func(c *propCtx) any { return f(c.u.CGroup) }
}

func deviceValues(l []DeviceWeight) []PathValue {
	out := []PathValue{}
	for _, d := range l {
		out = append(out, PathValue{d.Path, d.Value})
	}
	return out
}

func ipPrefixValues(s value.IPPrefixSet) []IPPrefixValue {
	out := []IPPrefixValue{}
	for _, p := range s {
		out = append(out, IPPrefixValue{int32(p.Family), append([]byte{}, p.Addr...), uint32(p.PrefixLen)})
	}
	return out
}

func socketBindValues(l []SocketBindItem) []SocketBindValue {
	out := []SocketBindValue{}
	for _, i := range l {
		out = append(out, SocketBindValue{i.Family, i.Protocol, i.NrPorts, i.PortMin})
	}
	return out
}

func cgroupProps() []prop {
	p := []prop{
		{"Delegate", "b", cg(func(c *CGroupContext) any { return c.Delegate })},
		{"DelegateControllers", "as", cg(func(c *CGroupContext) any {
			if !c.Delegate {
				return []string{}
			}
			return c.DelegateControllers.Names()
		})},
		{"CPUAccounting", "b", cg(func(c *CGroupContext) any { return c.CPUAccounting })},
		{"CPUWeight", "t", cg(func(c *CGroupContext) any { return c.CPUWeight })},
		{"StartupCPUWeight", "t", cg(func(c *CGroupContext) any { return c.StartupCPUWeight })},
		{"CPUShares", "t", cg(func(c *CGroupContext) any { return c.CPUShares })},
		{"StartupCPUShares", "t", cg(func(c *CGroupContext) any { return c.StartupCPUShares })},
		{"CPUQuotaPerSecUSec", "t", cg(func(c *CGroupContext) any { return c.CPUQuotaPerSecUSec })},
		{"CPUQuotaPeriodUSec", "t", cg(func(c *CGroupContext) any { return c.CPUQuotaPeriodUSec })},
		{"AllowedCPUs", "ay", cg(func(c *CGroupContext) any { return cpuSetValue(c.AllowedCPUs) })},
		{"StartupAllowedCPUs", "ay", cg(func(c *CGroupContext) any { return cpuSetValue(c.StartupAllowedCPUs) })},
		{"AllowedMemoryNodes", "ay", cg(func(c *CGroupContext) any { return cpuSetValue(c.AllowedMemoryNodes) })},
		{"StartupAllowedMemoryNodes", "ay", cg(func(c *CGroupContext) any { return cpuSetValue(c.StartupAllowedMemoryNodes) })},
		{"IOAccounting", "b", cg(func(c *CGroupContext) any { return c.IOAccounting })},
		{"IOWeight", "t", cg(func(c *CGroupContext) any { return c.IOWeight })},
		{"StartupIOWeight", "t", cg(func(c *CGroupContext) any { return c.StartupIOWeight })},
		{"IODeviceWeight", "a(st)", cg(func(c *CGroupContext) any { return deviceValues(c.IODeviceWeights) })},
	}
	for i, n := range ioLimitNames {
		i := i
		p = append(p, prop{n, "a(st)", cg(func(c *CGroupContext) any {
			out := []PathValue{}
			for _, l := range c.IODeviceLimits {
				if l.Limits[i] != cgroupLimitMax {
					out = append(out, PathValue{l.Path, l.Limits[i]})
				}
			}
			return out
		})})
	}
	p = append(p,
		prop{"IODeviceLatencyTargetUSec", "a(st)", cg(func(c *CGroupContext) any { return deviceValues(c.IODeviceLatencies) })},
		prop{"BlockIOAccounting", "b", cg(func(c *CGroupContext) any { return c.BlockIOAccounting })},
		prop{"BlockIOWeight", "t", cg(func(c *CGroupContext) any { return c.BlockIOWeight })},
		prop{"StartupBlockIOWeight", "t", cg(func(c *CGroupContext) any { return c.StartupBlockIOWeight })},
		prop{"BlockIODeviceWeight", "a(st)", cg(func(c *CGroupContext) any { return deviceValues(c.BlockIODeviceWeights) })},
		prop{"BlockIOReadBandwidth", "a(st)", cg(func(c *CGroupContext) any { return blockIOBandwidth(c, true) })},
		prop{"BlockIOWriteBandwidth", "a(st)", cg(func(c *CGroupContext) any { return blockIOBandwidth(c, false) })},
		prop{"MemoryAccounting", "b", cg(func(c *CGroupContext) any { return c.MemoryAccounting })},
		prop{"DefaultMemoryLow", "t", cg(func(c *CGroupContext) any { return c.DefaultMemoryLow })},
		prop{"DefaultMemoryMin", "t", cg(func(c *CGroupContext) any { return c.DefaultMemoryMin })},
		prop{"MemoryMin", "t", cg(func(c *CGroupContext) any { return c.MemoryMin })},
		prop{"MemoryLow", "t", cg(func(c *CGroupContext) any { return c.MemoryLow })},
		prop{"MemoryHigh", "t", cg(func(c *CGroupContext) any { return c.MemoryHigh })},
		prop{"MemoryMax", "t", cg(func(c *CGroupContext) any { return c.MemoryMax })},
		prop{"MemorySwapMax", "t", cg(func(c *CGroupContext) any { return c.MemorySwapMax })},
		prop{"MemoryLimit", "t", cg(func(c *CGroupContext) any { return c.MemoryLimit })},
		prop{"DevicePolicy", "s", cg(func(c *CGroupContext) any { return c.DevicePolicy })},
		prop{"DeviceAllow", "a(ss)", cg(func(c *CGroupContext) any {
			out := []StringPair{}
			for _, a := range c.DeviceAllow {
				rwm := ""
				if a.R {
					rwm += "r"
				}
				if a.W {
					rwm += "w"
				}
				if a.M {
					rwm += "m"
				}
				out = append(out, StringPair{a.Path, rwm})
			}
			return out
		})},
		prop{"TasksAccounting", "b", cg(func(c *CGroupContext) any { return c.TasksAccounting })},
		prop{"TasksMax", "t", func(c *propCtx) any { return c.d.resolveTasksMax(c.u.CGroup.TasksMax) }},
		prop{"IPAccounting", "b", cg(func(c *CGroupContext) any { return c.IPAccounting })},
		prop{"IPAddressAllow", "a(iayu)", cg(func(c *CGroupContext) any { return ipPrefixValues(c.IPAddressAllow) })},
		prop{"IPAddressDeny", "a(iayu)", cg(func(c *CGroupContext) any { return ipPrefixValues(c.IPAddressDeny) })},
		prop{"IPIngressFilterPath", "as", cg(func(c *CGroupContext) any { return strs(c.IPIngressFilterPath) })},
		prop{"IPEgressFilterPath", "as", cg(func(c *CGroupContext) any { return strs(c.IPEgressFilterPath) })},
		prop{"DisableControllers", "as", cg(func(c *CGroupContext) any { return c.DisableControllers.Names() })},
		prop{"ManagedOOMSwap", "s", cg(func(c *CGroupContext) any { return c.ManagedOOMSwap })},
		prop{"ManagedOOMMemoryPressure", "s", cg(func(c *CGroupContext) any { return c.ManagedOOMMemoryPressure })},
		prop{"ManagedOOMMemoryPressureLimit", "u", cg(func(c *CGroupContext) any { return c.ManagedOOMMemoryPressureLimit })},
		prop{"ManagedOOMPreference", "s", cg(func(c *CGroupContext) any { return c.ManagedOOMPreference })},
		prop{"BPFProgram", "a(ss)", cg(func(c *CGroupContext) any {
			out := []StringPair{}
			for _, b := range c.BPFPrograms {
				out = append(out, StringPair{b.AttachType, b.Path})
			}
			return out
		})},
		prop{"SocketBindAllow", "a(iiqq)", cg(func(c *CGroupContext) any { return socketBindValues(c.SocketBindAllow) })},
		prop{"SocketBindDeny", "a(iiqq)", cg(func(c *CGroupContext) any { return socketBindValues(c.SocketBindDeny) })},
		prop{"RestrictNetworkInterfaces", "(bas)", cg(func(c *CGroupContext) any {
			return ListValue{c.NetworkInterfacesAllowList, sortedStrings(c.RestrictNetworkInterfaces)}
		})},
	)
	return p
}

func blockIOBandwidth(c *CGroupContext, read bool) []PathValue {
	out := []PathValue{}
	for _, b := range c.BlockIOBandwidths {
		v := b.Write
		if read {
			v = b.Read
		}
		if v != cgroupLimitMax {
			out = append(out, PathValue{b.Path, v})
		}
	}
	return out
}

func so(f func(s *Socket) any) func(c *propCtx) any {
	return func(c *propCtx) any { return f(c.u.Socket) }
}

func socketProps() []prop {
	zero := func(c *propCtx) any { return uint32(0) }
	p := []prop{
		{"BindIPv6Only", "s", so(func(s *Socket) any { return s.BindIPv6Only })},
		{"Backlog", "u", so(func(s *Socket) any { return s.Backlog })},
		{"TimeoutUSec", "t", so(func(s *Socket) any { return s.TimeoutUSec })},
		{"BindToDevice", "s", so(func(s *Socket) any { return s.BindToDevice })},
		{"SocketUser", "s", so(func(s *Socket) any { return s.SocketUser })},
		{"SocketGroup", "s", so(func(s *Socket) any { return s.SocketGroup })},
		{"SocketMode", "u", so(func(s *Socket) any { return s.SocketMode })},
		{"DirectoryMode", "u", so(func(s *Socket) any { return s.DirectoryMode })},
		{"Accept", "b", so(func(s *Socket) any { return s.Accept })},
		{"FlushPending", "b", so(func(s *Socket) any { return s.FlushPending })},
		{"Writable", "b", so(func(s *Socket) any { return s.Writable })},
		{"KeepAlive", "b", so(func(s *Socket) any { return s.KeepAlive })},
		{"KeepAliveTimeUSec", "t", so(func(s *Socket) any { return s.KeepAliveTimeUSec })},
		{"KeepAliveIntervalUSec", "t", so(func(s *Socket) any { return s.KeepAliveIntervalUSec })},
		{"KeepAliveProbes", "u", so(func(s *Socket) any { return s.KeepAliveProbes })},
		{"DeferAcceptUSec", "t", so(func(s *Socket) any { return s.DeferAcceptUSec })},
		{"NoDelay", "b", so(func(s *Socket) any { return s.NoDelay })},
		{"Priority", "i", so(func(s *Socket) any { return s.Priority })},
		{"ReceiveBuffer", "t", so(func(s *Socket) any { return s.ReceiveBuffer })},
		{"SendBuffer", "t", so(func(s *Socket) any { return s.SendBuffer })},
		{"IPTOS", "i", so(func(s *Socket) any { return s.IPTOS })},
		{"IPTTL", "i", so(func(s *Socket) any { return s.IPTTL })},
		{"PipeSize", "t", so(func(s *Socket) any { return s.PipeSize })},
		{"FreeBind", "b", so(func(s *Socket) any { return s.FreeBind })},
		{"Transparent", "b", so(func(s *Socket) any { return s.Transparent })},
		{"Broadcast", "b", so(func(s *Socket) any { return s.Broadcast })},
		{"PassCredentials", "b", so(func(s *Socket) any { return s.PassCredentials })},
		{"PassSecurity", "b", so(func(s *Socket) any { return s.PassSecurity })},
		{"PassPacketInfo", "b", so(func(s *Socket) any { return s.PassPacketInfo })},
		{"Timestamping", "s", so(func(s *Socket) any { return s.Timestamping })},
		{"RemoveOnStop", "b", so(func(s *Socket) any { return s.RemoveOnStop })},
		{"Listen", "a(ss)", so(func(s *Socket) any {
			out := []StringPair{}
			for _, p := range s.Ports {
				out = append(out, StringPair{p.Type, p.Address})
			}
			return out
		})},
		{"Symlinks", "as", so(func(s *Socket) any { return strs(s.Symlinks) })},
		{"Mark", "i", so(func(s *Socket) any { return s.Mark })},
		{"MaxConnections", "u", so(func(s *Socket) any { return s.MaxConnections })},
		{"MaxConnectionsPerSource", "u", so(func(s *Socket) any { return s.MaxConnectionsPerSource })},
		{"MessageQueueMaxMessages", "x", so(func(s *Socket) any { return s.MessageQueueMaxMessages })},
		{"MessageQueueMessageSize", "x", so(func(s *Socket) any { return s.MessageQueueMessageSize })},
		{"TCPCongestion", "s", so(func(s *Socket) any { return s.TCPCongestion })},
		{"ReusePort", "b", so(func(s *Socket) any { return s.ReusePort })},
		{"SmackLabel", "s", so(func(s *Socket) any { return s.SmackLabel })},
		{"SmackLabelIPIn", "s", so(func(s *Socket) any { return s.SmackLabelIPIn })},
		{"SmackLabelIPOut", "s", so(func(s *Socket) any { return s.SmackLabelIPOut })},
		{"ControlPID", "u", zero},
		{"Result", "s", func(c *propCtx) any { return "success" }},
		{"NConnections", "u", zero},
		{"NAccepted", "u", zero},
		{"NRefused", "u", zero},
		{"FileDescriptorName", "s", func(c *propCtx) any {
			if c.u.Socket.FileDescriptorName != "" {
				return c.u.Socket.FileDescriptorName
			}
			return c.u.ID
		}},
		{"SocketProtocol", "i", so(func(s *Socket) any { return s.SocketProtocol })},
		{"TriggerLimitIntervalUSec", "t", so(func(s *Socket) any { return s.TriggerLimitInterval })},
		{"TriggerLimitBurst", "u", so(func(s *Socket) any { return s.TriggerLimitBurst })},
		{"UID", "u", func(c *propCtx) any { return uidInvalid }},
		{"GID", "u", func(c *propCtx) any { return uidInvalid }},
	}
	for i, n := range []string{"ExecStartPre", "", "ExecStartPost", "ExecStopPre", "ExecStopPost"} {
		if n == "" {
			continue
		}
		i := i
		p = append(p, prop{n, "a(sasbttttuii)", func(c *propCtx) any { return execStatusList(c.u.Socket.Exec[i]) }})
	}
	return p
}

// triggerUnit is UNIT_TRIGGER: the first unit the unit triggers.
func triggerUnit(u *Unit) string {
	if l := u.Deps[Triggers].List(); len(l) > 0 {
		return l[0]
	}
	return ""
}

func timerProps() []prop {
	tm := func(f func(t *Timer) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Timer) }
	}
	p := []prop{
		{"Unit", "s", func(c *propCtx) any { return triggerUnit(c.u) }},
		{"TimersMonotonic", "a(stt)", tm(func(t *Timer) any {
			out := []TimerMonotonicValue{}
			for _, v := range t.Values {
				if v.Base != "OnCalendar" {
					out = append(out, TimerMonotonicValue{strings.TrimSuffix(v.Base, "Sec") + "USec", v.Value, 0})
				}
			}
			return out
		})},
		{"TimersCalendar", "a(sst)", tm(func(t *Timer) any {
			out := []TimerCalendarValue{}
			for _, v := range t.Values {
				if v.Base == "OnCalendar" {
					out = append(out, TimerCalendarValue{v.Base, calendarContext().CalendarString(v.Calendar), 0})
				}
			}
			return out
		})},
		{"OnClockChange", "b", tm(func(t *Timer) any { return t.OnClockChange })},
		{"OnTimezoneChange", "b", tm(func(t *Timer) any { return t.OnTimezoneChange })},
		{"NextElapseUSecRealtime", "t", func(c *propCtx) any { return usecInfinity }},
		{"NextElapseUSecMonotonic", "t", func(c *propCtx) any { return usecInfinity }},
	}
	p = append(p, dualTimestamp("LastTriggerUSec")...)
	return append(p,
		prop{"Result", "s", func(c *propCtx) any { return "success" }},
		prop{"AccuracyUSec", "t", tm(func(t *Timer) any { return t.AccuracyUSec })},
		prop{"RandomizedDelayUSec", "t", tm(func(t *Timer) any { return t.RandomizedDelay })},
		prop{"FixedRandomDelay", "b", tm(func(t *Timer) any { return t.FixedRandomDelay })},
		prop{"Persistent", "b", tm(func(t *Timer) any { return t.Persistent })},
		prop{"WakeSystem", "b", tm(func(t *Timer) any { return t.WakeSystem })},
		prop{"RemainAfterElapse", "b", tm(func(t *Timer) any { return t.RemainAfterElapse })},
	)
}

func pathProps() []prop {
	pt := func(f func(p *Path) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Path) }
	}
	return []prop{
		{"Unit", "s", func(c *propCtx) any { return triggerUnit(c.u) }},
		{"Paths", "a(ss)", pt(func(p *Path) any {
			out := []StringPair{}
			for _, s := range p.Specs {
				out = append(out, StringPair{s.Type, s.Path})
			}
			return out
		})},
		{"MakeDirectory", "b", pt(func(p *Path) any { return p.MakeDirectory })},
		{"DirectoryMode", "u", pt(func(p *Path) any { return p.DirectoryMode })},
		{"Result", "s", func(c *propCtx) any { return "success" }},
		{"TriggerLimitIntervalUSec", "t", pt(func(p *Path) any { return p.TriggerLimitInterval })},
		{"TriggerLimitBurst", "u", pt(func(p *Path) any { return p.TriggerLimitBurst })},
	}
}

func mountProps() []prop {
	mt := func(f func(m *Mount) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Mount) }
	}
	none := func(c *propCtx) any { return []ExecStatus{} }
	return []prop{
		{"Where", "s", mt(func(m *Mount) any { return m.Where })},
		{"What", "s", mt(func(m *Mount) any { return m.What })},
		{"Options", "s", mt(func(m *Mount) any { return m.Options })},
		{"Type", "s", mt(func(m *Mount) any { return m.FSType })},
		{"TimeoutUSec", "t", mt(func(m *Mount) any { return m.TimeoutUSec })},
		{"ControlPID", "u", func(c *propCtx) any { return uint32(0) }},
		{"DirectoryMode", "u", mt(func(m *Mount) any { return m.DirectoryMode })},
		{"SloppyOptions", "b", mt(func(m *Mount) any { return m.SloppyOptions })},
		{"LazyUnmount", "b", mt(func(m *Mount) any { return m.LazyUnmount })},
		{"ForceUnmount", "b", mt(func(m *Mount) any { return m.ForceUnmount })},
		{"ReadWriteOnly", "b", mt(func(m *Mount) any { return m.ReadWriteOnly })},
		{"Result", "s", func(c *propCtx) any { return "success" }},
		{"UID", "u", func(c *propCtx) any { return uidInvalid }},
		{"GID", "u", func(c *propCtx) any { return uidInvalid }},
		{"ExecMount", "a(sasbttttuii)", none},
		{"ExecUnmount", "a(sasbttttuii)", none},
		{"ExecRemount", "a(sasbttttuii)", none},
	}
}

func automountProps() []prop {
	am := func(f func(a *Automount) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Automount) }
	}
	return []prop{
		{"Where", "s", am(func(a *Automount) any { return a.Where })},
		{"ExtraOptions", "s", am(func(a *Automount) any { return a.ExtraOptions })},
		{"DirectoryMode", "u", am(func(a *Automount) any { return a.DirectoryMode })},
		{"Result", "s", func(c *propCtx) any { return "success" }},
		{"TimeoutIdleUSec", "t", am(func(a *Automount) any { return a.TimeoutIdle })},
	}
}

func swapProps() []prop {
	sw := func(f func(s *Swap) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Swap) }
	}
	none := func(c *propCtx) any { return []ExecStatus{} }
	return []prop{
		{"What", "s", sw(func(s *Swap) any { return s.What })},
		{"Priority", "i", sw(func(s *Swap) any { return s.Priority })},
		{"Options", "s", sw(func(s *Swap) any { return s.Options })},
		{"TimeoutUSec", "t", sw(func(s *Swap) any { return s.TimeoutUSec })},
		{"ControlPID", "u", func(c *propCtx) any { return uint32(0) }},
		{"Result", "s", func(c *propCtx) any { return "success" }},
		{"UID", "u", func(c *propCtx) any { return uidInvalid }},
		{"GID", "u", func(c *propCtx) any { return uidInvalid }},
		{"ExecActivate", "a(sasbttttuii)", none},
		{"ExecDeactivate", "a(sasbttttuii)", none},
	}
}

func scopeProps() []prop {
	sc := func(f func(s *Scope) any) func(c *propCtx) any {
		return func(c *propCtx) any { return f(c.u.Scope) }
	}
	return []prop{
		{"Controller", "s", func(c *propCtx) any { return "" }},
		{"TimeoutStopUSec", "t", sc(func(s *Scope) any { return s.TimeoutStopUSec })},
		{"Result", "s", func(c *propCtx) any { return "success" }},
		{"RuntimeMaxUSec", "t", sc(func(s *Scope) any { return s.RuntimeMaxUSec })},
		{"RuntimeRandomizedExtraUSec", "t", sc(func(s *Scope) any { return s.RuntimeRandomizedExtra })},
		{"OOMPolicy", "s", sc(func(s *Scope) any {
			if s.OOMPolicy == "" {
				return "stop"
			}
			return s.OOMPolicy
		})},
	}
}
