package unit

import (
	"strings"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

func killDirectives() []*Directive {
	return []*Directive{
		{Name: "SendSIGKILL", Type: "BOOLEAN", parse: boolField(inKill(func(k *KillContext) *bool { return &k.SendSIGKILL }))},
		{Name: "SendSIGHUP", Type: "BOOLEAN", parse: boolField(inKill(func(k *KillContext) *bool { return &k.SendSIGHUP }))},
		{Name: "KillMode", Type: "KILLMODE", parse: parseKillMode},
		{Name: "KillSignal", Type: "SIGNAL", parse: signalField(inKill(func(k *KillContext) *int32 { return &k.KillSignal }))},
		{Name: "RestartKillSignal", Type: "SIGNAL", parse: signalField(inKill(func(k *KillContext) *int32 { return &k.RestartKillSignal }))},
		{Name: "FinalKillSignal", Type: "SIGNAL", parse: signalField(inKill(func(k *KillContext) *int32 { return &k.FinalKillSignal }))},
		{Name: "WatchdogSignal", Type: "SIGNAL", parse: signalField(inKill(func(k *KillContext) *int32 { return &k.WatchdogSignal }))},
	}
}

func parseKillMode(p *parser, v string) error {
	k := p.u.Kill
	if v == "" {
		k.KillMode = "control-group"
		return nil
	}
	if indexOf([]string{"control-group", "process", "mixed", "none"}, v) < 0 {
		p.warn("Failed to parse kill mode specification, ignoring: %s", v)
		return nil
	}
	if v == "none" {
		p.warn("Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. Support for KillMode=none is deprecated and will eventually be removed.")
	}
	k.KillMode = v
	return nil
}

func cgroupDirectives() []*Directive {
	cb := func(f func(*CGroupContext) *bool) parseFunc { return boolField(inCG(f)) }
	d := []*Directive{
		{Name: "Slice", Type: "SLICE", parse: parseSlice},
		{Name: "AllowedCPUs", Type: "OTHER", parse: cpusetField(func(c *CGroupContext) *value.CPUSet { return &c.AllowedCPUs })},
		{Name: "StartupAllowedCPUs", Type: "OTHER", parse: cpusetField(func(c *CGroupContext) *value.CPUSet { return &c.StartupAllowedCPUs })},
		{Name: "AllowedMemoryNodes", Type: "OTHER", parse: cpusetField(func(c *CGroupContext) *value.CPUSet { return &c.AllowedMemoryNodes })},
		{Name: "StartupAllowedMemoryNodes", Type: "OTHER", parse: cpusetField(func(c *CGroupContext) *value.CPUSet { return &c.StartupAllowedMemoryNodes })},
		{Name: "CPUAccounting", Type: "BOOLEAN", parse: cb(func(c *CGroupContext) *bool { return &c.CPUAccounting })},
		{Name: "CPUWeight", Type: "CPUWEIGHT", parse: weightField(func(c *CGroupContext) *uint64 { return &c.CPUWeight }, "Invalid CPU weight", 1, 10000, true)},
		{Name: "StartupCPUWeight", Type: "CPUWEIGHT", parse: weightField(func(c *CGroupContext) *uint64 { return &c.StartupCPUWeight }, "Invalid CPU weight", 1, 10000, true)},
		{Name: "CPUShares", Type: "SHARES", parse: legacyWeight("CPUWeight=", weightField(func(c *CGroupContext) *uint64 { return &c.CPUShares }, "Invalid CPU shares", 2, 262144, false))},
		{Name: "StartupCPUShares", Type: "SHARES", parse: legacyWeight("CPUWeight=", weightField(func(c *CGroupContext) *uint64 { return &c.StartupCPUShares }, "Invalid CPU shares", 2, 262144, false))},
		{Name: "CPUQuota", Type: "OTHER", parse: parseCPUQuota},
		{Name: "CPUQuotaPeriodSec", Type: "OTHER", parse: secDefInfinityField(inCG(func(c *CGroupContext) *uint64 { return &c.CPUQuotaPeriodUSec }))},
		{Name: "MemoryAccounting", Type: "BOOLEAN", parse: cb(func(c *CGroupContext) *bool { return &c.MemoryAccounting })},
	}
	for _, n := range []string{"MemoryMin", "DefaultMemoryMin", "DefaultMemoryLow", "MemoryLow", "MemoryHigh", "MemoryMax", "MemorySwapMax", "MemoryLimit"} {
		d = append(d, &Directive{Name: n, Type: "LIMIT", parse: parseMemoryLimit})
	}
	d = append(d,
		&Directive{Name: "DeviceAllow", Type: "DEVICE", parse: parseDeviceAllow},
		&Directive{Name: "DevicePolicy", Type: "POLICY", parse: enumField(inCG(func(c *CGroupContext) *string { return &c.DevicePolicy }), "Failed to parse device policy", "auto", "closed", "strict")},
		&Directive{Name: "IOAccounting", Type: "BOOLEAN", parse: cb(func(c *CGroupContext) *bool { return &c.IOAccounting })},
		&Directive{Name: "IOWeight", Type: "WEIGHT", parse: weightField(func(c *CGroupContext) *uint64 { return &c.IOWeight }, "Invalid weight", 1, 10000, false)},
		&Directive{Name: "StartupIOWeight", Type: "WEIGHT", parse: weightField(func(c *CGroupContext) *uint64 { return &c.StartupIOWeight }, "Invalid weight", 1, 10000, false)},
		&Directive{Name: "IODeviceWeight", Type: "DEVICEWEIGHT", parse: deviceWeight(false)},
		&Directive{Name: "IOReadBandwidthMax", Type: "LIMIT", parse: parseIOLimit},
		&Directive{Name: "IOWriteBandwidthMax", Type: "LIMIT", parse: parseIOLimit},
		&Directive{Name: "IOReadIOPSMax", Type: "LIMIT", parse: parseIOLimit},
		&Directive{Name: "IOWriteIOPSMax", Type: "LIMIT", parse: parseIOLimit},
		&Directive{Name: "IODeviceLatencyTargetSec", Type: "DEVICELATENCY", parse: parseIODeviceLatency},
		&Directive{Name: "BlockIOAccounting", Type: "BOOLEAN", parse: cb(func(c *CGroupContext) *bool { return &c.BlockIOAccounting })},
		&Directive{Name: "BlockIOWeight", Type: "WEIGHT", parse: weightField(func(c *CGroupContext) *uint64 { return &c.BlockIOWeight }, "Invalid block IO weight", 10, 1000, false)},
		&Directive{Name: "StartupBlockIOWeight", Type: "WEIGHT", parse: weightField(func(c *CGroupContext) *uint64 { return &c.StartupBlockIOWeight }, "Invalid block IO weight", 10, 1000, false)},
		&Directive{Name: "BlockIODeviceWeight", Type: "DEVICEWEIGHT", parse: deviceWeight(true)},
		&Directive{Name: "BlockIOReadBandwidth", Type: "BANDWIDTH", parse: parseBlockIOBandwidth},
		&Directive{Name: "BlockIOWriteBandwidth", Type: "BANDWIDTH", parse: parseBlockIOBandwidth},
		&Directive{Name: "TasksAccounting", Type: "BOOLEAN", parse: cb(func(c *CGroupContext) *bool { return &c.TasksAccounting })},
		&Directive{Name: "TasksMax", Type: "OTHER", parse: parseTasksMax},
		&Directive{Name: "Delegate", Type: "OTHER", parse: parseDelegate},
		&Directive{Name: "DisableControllers", Type: "OTHER", parse: parseDisableControllers},
		&Directive{Name: "IPAccounting", Type: "BOOLEAN", parse: cb(func(c *CGroupContext) *bool { return &c.IPAccounting })},
		&Directive{Name: "IPAddressAllow", Type: "OTHER", parse: ipPrefixes(func(c *CGroupContext) *value.IPPrefixSet { return &c.IPAddressAllow })},
		&Directive{Name: "IPAddressDeny", Type: "OTHER", parse: ipPrefixes(func(c *CGroupContext) *value.IPPrefixSet { return &c.IPAddressDeny })},
		&Directive{Name: "IPIngressFilterPath", Type: "OTHER", parse: bpfPaths(func(c *CGroupContext) *[]string { return &c.IPIngressFilterPath })},
		&Directive{Name: "IPEgressFilterPath", Type: "OTHER", parse: bpfPaths(func(c *CGroupContext) *[]string { return &c.IPEgressFilterPath })},
		&Directive{Name: "ManagedOOMSwap", Type: "OTHER", parse: managedOOMMode(func(c *CGroupContext) *string { return &c.ManagedOOMSwap })},
		&Directive{Name: "ManagedOOMMemoryPressure", Type: "OTHER", parse: managedOOMMode(func(c *CGroupContext) *string { return &c.ManagedOOMMemoryPressure })},
		&Directive{Name: "ManagedOOMMemoryPressureLimit", Type: "OTHER", parse: parseManagedOOMLimit},
		&Directive{Name: "ManagedOOMPreference", Type: "OTHER", parse: enumField(inCG(func(c *CGroupContext) *string { return &c.ManagedOOMPreference }), "Failed to parse ManagedOOMPreference=", "none", "avoid", "omit")},
		&Directive{Name: "NetClass", Type: "NOTSUPPORTED", parse: warnCompat(false)},
		&Directive{Name: "BPFProgram", Type: "OTHER", parse: parseBPFProgram},
		&Directive{Name: "SocketBindAllow", Type: "OTHER", parse: socketBind(func(c *CGroupContext) *[]SocketBindItem { return &c.SocketBindAllow })},
		&Directive{Name: "SocketBindDeny", Type: "OTHER", parse: socketBind(func(c *CGroupContext) *[]SocketBindItem { return &c.SocketBindDeny })},
		&Directive{Name: "RestrictNetworkInterfaces", Type: "OTHER", parse: parseRestrictNetworkInterfaces},
	)
	return d
}

func parseSlice(p *parser, v string) error {
	k, err := p.printf(v, specName)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", v, strerror(err))
		return nil
	}
	if unitname.TypeOf(k) == unitname.TypeInvalid || !unitname.IsValid(k, unitname.Plain|unitname.Instance) {
		if unitname.IsValid(k, unitname.Template) {
			p.warn("Failed to load slice unit %s, ignoring: Unit name %s is missing the instance name.", k, k)
		} else {
			p.warn("Failed to load slice unit %s, ignoring: Unit name %s is not valid.", k, k)
		}
		return nil
	}
	// The manager loads the unit before it checks that it is a slice.
	p.u.load(k)
	switch {
	case unitname.TypeOf(k) != unitname.Slice:
		p.warn("Failed to assign slice %s to unit %s, ignoring: %s", k, p.u.ID, strerror(errInval))
		return nil
	case p.u.Type == unitname.Slice:
		p.warn("Failed to assign slice %s to unit %s, ignoring: %s", k, p.u.ID, strerror(errInval))
		return nil
	case p.u.ID == "init.scope" && k != "-.slice":
		p.warn("Failed to assign slice %s to unit %s, ignoring: %s", k, p.u.ID, strerror(errPerm))
		return nil
	}
	p.u.Slice = k
	return nil
}

func cpusetField(get func(*CGroupContext) *value.CPUSet) parseFunc {
	return func(p *parser, v string) error {
		k, ok := p.printfOr(v, specFull)
		if !ok {
			return nil
		}
		set, ok := p.parseCPUSet(k)
		if ok {
			get(p.u.CGroup).Extend(set)
		}
		return nil
	}
}

// weightField is DEFINE_CONFIG_PARSE_PTR over cg_weight_parse and
// friends: empty resets, idle maps to 0 where allowed.
func weightField(get func(*CGroupContext) *uint64, msg string, lo, hi uint64, idle bool) parseFunc {
	return func(p *parser, v string) error {
		f := get(p.u.CGroup)
		if idle && v == "idle" {
			*f = 0
			return nil
		}
		if v == "" {
			*f = cgroupWeightInvalid
			return nil
		}
		u, err := value.SafeAtou64(v)
		if err == nil && (u < lo || u > hi) {
			err = errRange
		}
		if err != nil {
			p.warn("%s, ignoring: %s", msg, v)
			return nil
		}
		*f = u
		return nil
	}
}

func legacyWeight(replacement string, parse parseFunc) parseFunc {
	return func(p *parser, v string) error {
		p.warn("Unit uses %s=; please use %s instead. Support for %s= will be removed soon.", p.key, replacement, p.key)
		return parse(p, v)
	}
}

func parseCPUQuota(p *parser, v string) error {
	c := p.u.CGroup
	if v == "" {
		c.CPUQuotaPerSecUSec = usecInfinity
		return nil
	}
	r, err := value.ParsePermyriadUnbounded(v)
	if err != nil || r <= 0 {
		p.warn("Invalid CPU quota '%s', ignoring.", v)
		return nil
	}
	c.CPUQuotaPerSecUSec = uint64(r) * 1000000 / 10000
	return nil
}

func parseMemoryLimit(p *parser, v string) error {
	c := p.u.CGroup
	bytes := cgroupLimitMax
	minKind := p.key == "DefaultMemoryLow" || p.key == "DefaultMemoryMin" || p.key == "MemoryLow" || p.key == "MemoryMin"
	if v == "" && minKind {
		bytes = 0
	} else if v != "" && v != "infinity" {
		if r, err := value.ParsePermyriad(v); err == nil {
			bytes = p.d.scaleMemory(uint64(r), 10000)
		} else {
			b, err := value.ParseSize(v, 1024)
			if err != nil {
				p.warn("Invalid memory limit '%s', ignoring: %s", v, strerror(err))
				return nil
			}
			bytes = b
		}
		if bytes >= ^uint64(0) || bytes == 0 && !(minKind || p.key == "MemorySwapMax") {
			p.warn("Memory limit '%s' out of range, ignoring.", v)
			return nil
		}
	}
	switch p.key {
	case "DefaultMemoryLow":
		c.DefaultMemoryLow = bytes
	case "DefaultMemoryMin":
		c.DefaultMemoryMin = bytes
	case "MemoryMin":
		c.MemoryMin = bytes
	case "MemoryLow":
		c.MemoryLow = bytes
	case "MemoryHigh":
		c.MemoryHigh = bytes
	case "MemoryMax":
		c.MemoryMax = bytes
	case "MemorySwapMax":
		c.MemorySwapMax = bytes
	case "MemoryLimit":
		p.warn("Unit uses MemoryLimit=; please use MemoryMax= instead. Support for MemoryLimit= will be removed soon.")
		c.MemoryLimit = bytes
	}
	return nil
}

func validDeviceNodePath(path string) bool {
	if !strings.HasPrefix(path, "/dev/") && !strings.HasPrefix(path, "/run/systemd/inaccessible/") {
		return false
	}
	return !strings.HasSuffix(path, "/") && unitname.PathIsNormalized(path)
}

func parseDeviceAllow(p *parser, v string) error {
	c := p.u.CGroup
	if v == "" {
		c.DeviceAllow = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	path, ok, err := w.Next(ws, unitfile.ExtractUnquote)
	if err != nil || !ok {
		p.warn("Failed to extract device path and rights from '%s', ignoring.", v)
		return nil
	}
	k, ok := p.printfOr(path, specPath)
	if !ok {
		return nil
	}
	if !strings.HasPrefix(k, "block-") && !strings.HasPrefix(k, "char-") {
		if k, ok = p.simplifyAndWarn(k, 0); !ok {
			return nil
		}
		if !validDeviceNodePath(k) {
			p.warn("Invalid device node path '%s', ignoring.", k)
			return nil
		}
	}
	rest := w.Rest()
	if w.Done() {
		rest = ""
	}
	if rest != "" && strings.Trim(rest, "rwm") != "" {
		p.warn("Invalid device rights '%s', ignoring.", rest)
		return nil
	}
	c.addDeviceAllow(k, rest)
	return nil
}

func (c *CGroupContext) addDeviceAllow(path, mode string) {
	all := mode == ""
	a := DeviceAllow{Path: path, R: all || strings.Contains(mode, "r"), W: all || strings.Contains(mode, "w"), M: all || strings.Contains(mode, "m")}
	c.DeviceAllow = append([]DeviceAllow{a}, c.DeviceAllow...)
}

// devicePathAndValue splits "PATH VALUE" as the device settings do;
// what names the value in messages ("weight", "latency", ...).
func (p *parser) devicePathAndValue(v, node, what string) (path, rest string, ok bool) {
	w := unitfile.NewExtractor(v)
	path, found, err := w.Next(ws, unitfile.ExtractUnquote)
	if err != nil {
		p.warn("Failed to extract device %s and %s from '%s', ignoring.", node, what, v)
		return "", "", false
	}
	rest = w.Rest()
	if w.Done() {
		rest = ""
	}
	if !found || rest == "" {
		p.warn("Invalid device %s or %s specified in '%s', ignoring.", node, what, v)
		return "", "", false
	}
	k, ok := p.printfOr(path, specPath)
	if !ok {
		return "", "", false
	}
	k, ok = p.simplifyAndWarn(k, 0)
	if !ok {
		return "", "", false
	}
	return k, rest, true
}

func deviceWeight(blockio bool) parseFunc {
	return func(p *parser, v string) error {
		c := p.u.CGroup
		if blockio {
			p.warn("Unit uses %s=; please use IO*= settings instead. Support for %s= will be removed soon.", p.key, p.key)
		}
		list := &c.IODeviceWeights
		node := "path"
		if blockio {
			list, node = &c.BlockIODeviceWeights, "node"
		}
		if v == "" {
			*list = nil
			return nil
		}
		path, rest, ok := p.devicePathAndValue(v, node, "weight")
		if !ok {
			return nil
		}
		u, err := value.SafeAtou64(rest)
		lo, hi := uint64(1), uint64(10000)
		if blockio {
			lo, hi = 10, 1000
		}
		if rest == "" {
			err = errInval
		} else if err == nil && (u < lo || u > hi) {
			err = errRange
		}
		if err != nil {
			if blockio {
				p.warn("Invalid block IO weight '%s', ignoring: %s", rest, strerror(err))
			} else {
				p.warn("IO weight '%s' invalid, ignoring: %s", rest, strerror(err))
			}
			return nil
		}
		*list = append(*list, DeviceWeight{Path: path, Value: u})
		return nil
	}
}

func parseIODeviceLatency(p *parser, v string) error {
	c := p.u.CGroup
	if v == "" {
		c.IODeviceLatencies = nil
		return nil
	}
	path, rest, ok := p.devicePathAndValue(v, "path", "latency")
	if !ok {
		return nil
	}
	t, err := value.ParseSec(rest)
	if err != nil {
		p.warn("Failed to parse timer value, ignoring: %s", rest)
		return nil
	}
	c.IODeviceLatencies = append(c.IODeviceLatencies, DeviceWeight{Path: path, Value: t})
	return nil
}

func parseIOLimit(p *parser, v string) error {
	c := p.u.CGroup
	typ := indexOf(ioLimitNames[:], p.key)
	if v == "" {
		for i := range c.IODeviceLimits {
			c.IODeviceLimits[i].Limits[typ] = cgroupLimitMax
		}
		return nil
	}
	path, rest, ok := p.devicePathAndValue(v, "node", "bandwidth")
	if !ok {
		return nil
	}
	num := cgroupLimitMax
	if rest != "infinity" {
		n, err := value.ParseSize(rest, 1000)
		if err != nil || n == 0 {
			p.warn("Invalid IO limit '%s', ignoring.", rest)
			return nil
		}
		num = n
	}
	for i := range c.IODeviceLimits {
		if c.IODeviceLimits[i].Path == path {
			c.IODeviceLimits[i].Limits[typ] = num
			return nil
		}
	}
	l := DeviceLimit{Path: path}
	for i := range l.Limits {
		l.Limits[i] = cgroupLimitMax
	}
	l.Limits[typ] = num
	c.IODeviceLimits = append(c.IODeviceLimits, l)
	return nil
}

func parseBlockIOBandwidth(p *parser, v string) error {
	c := p.u.CGroup
	p.warn("Unit uses %s=; please use IO*= settings instead. Support for %s= will be removed soon.", p.key, p.key)
	read := p.key == "BlockIOReadBandwidth"
	if v == "" {
		for i := range c.BlockIOBandwidths {
			c.BlockIOBandwidths[i].Read, c.BlockIOBandwidths[i].Write = cgroupLimitMax, cgroupLimitMax
		}
		return nil
	}
	path, rest, ok := p.devicePathAndValue(v, "node", "bandwidth")
	if !ok {
		return nil
	}
	n, err := value.ParseSize(rest, 1000)
	if err != nil || n == 0 {
		p.warn("Invalid Block IO Bandwidth '%s', ignoring.", rest)
		return nil
	}
	var b *BlockIOBandwidth
	for i := range c.BlockIOBandwidths {
		if c.BlockIOBandwidths[i].Path == path {
			b = &c.BlockIOBandwidths[i]
		}
	}
	if b == nil {
		c.BlockIOBandwidths = append(c.BlockIOBandwidths, BlockIOBandwidth{Path: path, Read: cgroupLimitMax, Write: cgroupLimitMax})
		b = &c.BlockIOBandwidths[len(c.BlockIOBandwidths)-1]
	}
	if read {
		b.Read = n
	} else {
		b.Write = n
	}
	return nil
}

func parseTasksMax(p *parser, v string) error {
	c := p.u.CGroup
	switch v {
	case "":
		c.TasksMax = p.d.TasksMax
		return nil
	case "infinity":
		c.TasksMax = tasksMaxUnset
		return nil
	}
	if r, err := value.ParsePermyriad(v); err == nil {
		c.TasksMax = TasksMax{Value: uint64(r), Scale: 10000}
		return nil
	}
	n, err := value.SafeAtou64(v)
	if err != nil {
		p.warn("Invalid maximum tasks value '%s', ignoring: %s", v, strerror(err))
		return nil
	}
	if n == 0 || n == ^uint64(0) {
		p.warn("Maximum tasks value '%s' out of range, ignoring.", v)
		return nil
	}
	c.TasksMax = TasksMax{Value: n}
	return nil
}

func parseDelegate(p *parser, v string) error {
	c := p.u.CGroup
	if !typeInfos[p.u.Type].canDelegate {
		p.warn("Delegate= setting not supported for this unit type, ignoring.")
		return nil
	}
	if v == "" {
		c.Delegate, c.DelegateControllers = true, 0
		return nil
	}
	b, err := value.ParseBoolean(v)
	if err != nil {
		var mask CGroupMask
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
			if err != nil {
				p.warn("Invalid syntax, ignoring: %s", v)
				return nil
			}
			if !ok {
				break
			}
			cc := controllerFromString(word)
			if cc < 0 {
				p.warn("Invalid controller name '%s', ignoring", word)
				continue
			}
			mask |= 1 << uint(cc)
		}
		c.Delegate = true
		c.DelegateControllers |= mask
		return nil
	}
	c.Delegate = b
	c.DelegateControllers = 0
	if b {
		c.DelegateControllers = maskDelegate
	}
	return nil
}

func parseDisableControllers(p *parser, v string) error {
	c := p.u.CGroup
	if v == "" {
		c.DisableControllers = 0
		return nil
	}
	var mask CGroupMask
	words, err := value.Split(v, 0)
	for _, w := range words {
		if cc := controllerFromString(w); cc >= 0 {
			mask |= 1 << uint(cc)
		}
	}
	if err != nil || mask == 0 {
		p.warn("Invalid cgroup string: %s, ignoring", v)
		return nil
	}
	c.DisableControllers |= mask
	return nil
}

func ipPrefixes(get func(*CGroupContext) *value.IPPrefixSet) parseFunc {
	return func(p *parser, v string) error {
		set := get(p.u.CGroup)
		if v == "" {
			*set = nil
			return nil
		}
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, 0)
			if err != nil {
				p.warn("Invalid syntax, ignoring: %s", v)
				return nil
			}
			if !ok {
				return nil
			}
			prefixes, err := value.ParseInAddrPrefixWord(word)
			if err != nil {
				p.warn("Address prefix is invalid, ignoring assignment: %s", word)
				continue
			}
			for _, pr := range prefixes {
				set.Add(pr)
			}
		}
	}
}

func bpfPaths(get func(*CGroupContext) *[]string) parseFunc {
	return func(p *parser, v string) error {
		list := get(p.u.CGroup)
		if v == "" {
			*list = nil
			return nil
		}
		k, ok := p.printfOr(v, specPath)
		if !ok {
			return nil
		}
		s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
		if !ok || indexOf(*list, s) >= 0 {
			return nil
		}
		*list = append(*list, s)
		return nil
	}
}

func managedOOMMode(get func(*CGroupContext) *string) parseFunc {
	return func(p *parser, v string) error {
		if !typeInfos[p.u.Type].canSetManagedOOM {
			p.warn("%s= is not supported for this unit type, ignoring.", p.key)
			return nil
		}
		if v == "" {
			*get(p.u.CGroup) = "auto"
			return nil
		}
		if v != "auto" && v != "kill" {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		*get(p.u.CGroup) = v
		return nil
	}
}

func parseManagedOOMLimit(p *parser, v string) error {
	c := p.u.CGroup
	if !typeInfos[p.u.Type].canSetManagedOOM {
		p.warn("%s= is not supported for this unit type, ignoring.", p.key)
		return nil
	}
	if v == "" {
		c.ManagedOOMMemoryPressureLimit = 0
		return nil
	}
	r, err := value.ParsePermyriad(v)
	if err != nil {
		p.warn("Failed to parse memory pressure limit value, ignoring: %s", v)
		return nil
	}
	// UINT32_SCALE_FROM_PERMYRIAD: round to the nearest of 2^32-1 parts.
	c.ManagedOOMMemoryPressureLimit = uint32((uint64(r)*uint64(^uint32(0)) + 5000) / 10000)
	return nil
}

var bpfAttachTypes = []string{"ingress", "egress", "sock_create", "sock_ops", "device", "bind4", "bind6", "connect4",
	"connect6", "post_bind4", "post_bind6", "sendmsg4", "sendmsg6", "sysctl", "recvmsg4", "recvmsg6", "getsockopt", "setsockopt"}

func parseBPFProgram(p *parser, v string) error {
	c := p.u.CGroup
	if v == "" {
		c.BPFPrograms = nil
		return nil
	}
	w := unitfile.NewExtractor(v)
	word, ok, err := w.Next(":", 0)
	if err != nil {
		p.warn("Failed to parse foreign BPF program, ignoring: %s", v)
		return nil
	}
	rest := w.Rest()
	if !ok || w.Done() || rest == "" {
		p.warn("Invalid syntax in %s=, ignoring: %s", p.key, v)
		return nil
	}
	if indexOf(bpfAttachTypes, word) < 0 {
		p.warn("Unknown BPF attach type=%s, ignoring: %s", word, v)
		return nil
	}
	k, err := p.printf(rest, specPath)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in '%s', ignoring: %s", rest, v)
		return nil
	}
	s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
	if !ok {
		return nil
	}
	// Each entry goes first, as in 252.
	c.BPFPrograms = append([]BPFProgram{{AttachType: word, Path: s}}, c.BPFPrograms...)
	return nil
}

// parseSocketBindItem is systemd's parse_socket_bind_item:
// [ipv4|ipv6:][tcp|udp:]{PORT[-PORT]|any}.
func parseSocketBindItem(s string) (SocketBindItem, error) {
	var it SocketBindItem
	if s == "" {
		return it, errInval
	}
	w := unitfile.NewExtractor(s)
	stage := 0
	var failed error
	for {
		token, ok, err := w.Next(":", unitfile.ExtractDontCoalesceSeparators)
		if err != nil {
			return it, err
		}
		if !ok {
			break
		}
		if token == "" {
			return it, errInval
		}
		failed = errInval
		for stage < 3 {
			st := stage
			stage++
			switch st {
			case 0:
				switch token {
				case "ipv4":
					it.Family, failed = value.AFInet, nil
				case "ipv6":
					it.Family, failed = value.AFInet6, nil
				}
			case 1:
				switch strings.ToLower(token) {
				case "tcp":
					it.Protocol, failed = 6, nil
				case "udp":
					it.Protocol, failed = 17, nil
				}
			case 2:
				if token == "any" {
					it.NrPorts, it.PortMin, failed = 0, 0, nil
				} else if lo, hi, err := value.ParseRange(token); err == nil && lo > 0 && lo <= 65535 && hi > 0 && hi <= 65535 && hi >= lo {
					it.NrPorts, it.PortMin, failed = uint16(hi-lo+1), uint16(lo), nil
				}
			}
			if failed == nil {
				break
			}
		}
		if stage >= 3 {
			break
		}
	}
	if failed != nil {
		return it, failed
	}
	if !w.Done() {
		return it, errInval
	}
	return it, nil
}

func socketBind(get func(*CGroupContext) *[]SocketBindItem) parseFunc {
	return func(p *parser, v string) error {
		list := get(p.u.CGroup)
		if v == "" {
			*list = nil
			return nil
		}
		it, err := parseSocketBindItem(v)
		if err != nil {
			p.warn("Unable to parse %s= assignment, ignoring: %s", p.key, v)
			return nil
		}
		*list = append([]SocketBindItem{it}, *list...)
		return nil
	}
}

// ifnameValid is systemd's ifname_valid with no flags.
func ifnameValid(s string) bool {
	if s == "" || len(s) >= 16 || s == "." || s == ".." || s == "all" || s == "default" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '/' || c == '%' {
			return false
		}
	}
	_, err := value.SafeAtou(s)
	return err != nil
}

func parseRestrictNetworkInterfaces(p *parser, v string) error {
	c := p.u.CGroup
	if v == "" {
		c.RestrictNetworkInterfaces = nil
		return nil
	}
	allow := true
	if strings.HasPrefix(v, "~") {
		allow = false
		v = v[1:]
	}
	if len(c.RestrictNetworkInterfaces) == 0 {
		c.NetworkInterfacesAllowList = allow
	}
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
		if err != nil {
			p.warn("Trailing garbage in %s, ignoring: %s", p.key, v)
			return nil
		}
		if !ok {
			return nil
		}
		if !ifnameValid(word) {
			p.warn("Invalid interface name, ignoring: %s", word)
			continue
		}
		i := indexOf(c.RestrictNetworkInterfaces, word)
		if c.NetworkInterfacesAllowList != allow {
			if i >= 0 {
				c.RestrictNetworkInterfaces = append(c.RestrictNetworkInterfaces[:i], c.RestrictNetworkInterfaces[i+1:]...)
			}
		} else if i < 0 {
			c.RestrictNetworkInterfaces = append(c.RestrictNetworkInterfaces, word)
		}
	}
}
