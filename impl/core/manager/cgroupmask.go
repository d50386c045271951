package manager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
)

// cgroupMasks computes 252's controller masks of units (cgroup.c's
// unit_get_*_mask) over the manager's units as they are now; it caches
// the members masks for one use.
type cgroupMasks struct {
	m         *Manager
	supported unit.CGroupMask
	members   map[*Unit]unit.CGroupMask
	// unended is dump text 252 prints without its newline
	// (BlockIODeviceWeight, BPFProgram), which the next line follows.
	unended string
}

func (m *Manager) newCgroupMasks() *cgroupMasks {
	return &cgroupMasks{m: m, supported: m.cgroupSupported(), members: map[*Unit]unit.CGroupMask{}}
}

// cgroupSupported is cg_mask_supported: the controllers the manager's
// cgroup offers, and the bpf ones it implements itself (those needing
// the BPF framework, absent from Debian's build, excepted).
func (m *Manager) cgroupSupported() unit.CGroupMask {
	if m.cfg.CgroupRoot == "" {
		return 0
	}
	// Read once, as 252 reads it when it sets up its cgroup, and again
	// at each daemon-reload.
	if !m.cgroupSupportedRead {
		m.cgroupSupportedMask, m.cgroupSupportedRead = m.readCgroupSupported(), true
	}
	return m.cgroupSupportedMask
}

func (m *Manager) readCgroupSupported() unit.CGroupMask {
	mask := unit.MaskBPFFirewall | unit.MaskBPFDevices | unit.MaskBPFForeign
	data, err := os.ReadFile(filepath.Join(m.cfg.CgroupRoot, "cgroup.controllers"))
	if err != nil {
		return mask
	}
	for _, c := range strings.Fields(string(data)) {
		for i, n := range (unit.CGroupMask(1<<13 - 1)).Names() {
			if n == c {
				mask |= 1 << i
				if c == "cpu" {
					mask |= unit.MaskCPUAcct
				}
			}
		}
	}
	return mask
}

// sliceOf is the unit's slice unit, nil for the root slice or none.
func (m *Manager) sliceOf(u *Unit) *Unit {
	if u.cfg.Slice == "" || u.cfg.Slice == u.ID() {
		return nil
	}
	return m.units[u.cfg.Slice]
}

func (cm *cgroupMasks) own(u *Unit) unit.CGroupMask {
	return u.cfg.OwnCGroupMask(func(x *unit.Unit) *unit.Unit {
		if s := cm.m.units[x.ID]; s != nil {
			if p := cm.m.sliceOf(s); p != nil {
				return p.cfg
			}
		}
		return nil
	})
}

// membersOf is unit_get_members_mask: what a slice's units need.
func (cm *cgroupMasks) membersOf(u *Unit) unit.CGroupMask {
	if v, ok := cm.members[u]; ok {
		return v
	}
	cm.members[u] = 0 // a loop in the slice tree ends here
	var mask unit.CGroupMask
	if u.cfg.Type.String() == "slice" {
		for _, n := range u.cfg.Deps[unit.SliceOf].List() {
			if o := cm.m.units[n]; o != nil && o != u {
				mask |= cm.own(o) | cm.membersOf(o)
			}
		}
	}
	cm.members[u] = mask
	return mask
}

// siblings is unit_get_siblings_mask.
func (cm *cgroupMasks) siblings(u *Unit) unit.CGroupMask {
	if s := cm.m.sliceOf(u); s != nil {
		return cm.membersOf(s)
	}
	return cm.own(u) | cm.membersOf(u)
}

// ancestorDisable is unit_get_ancestor_disable_mask.
func (cm *cgroupMasks) ancestorDisable(u *Unit) unit.CGroupMask {
	var mask unit.CGroupMask
	for x, n := u, 0; x != nil && n < 64; x, n = cm.m.sliceOf(x), n+1 {
		mask |= x.cfg.DisableCGroupMask()
	}
	return mask
}

// target is unit_get_target_mask.
func (cm *cgroupMasks) target(u *Unit) unit.CGroupMask {
	mask := cm.own(u) | cm.membersOf(u) | cm.siblings(u)
	return mask & cm.supported &^ cm.ancestorDisable(u)
}

// dumpCgroup is the cgroup part of unit_dump. A realized cgroup is one
// that exists; its realized mask is what the unit would get realized
// now (252 keeps the mask of its last realization).
func (m *Manager) dumpCgroup(w func(string, ...any), u *Unit, cm *cgroupMasks) {
	c := u.cfg
	path := ""
	havePath := false
	if v, ok := m.loader.PropertyValue(c, u.Runtime(), typeInterface(u), "ControlGroup"); ok {
		path, _ = v.(string)
		havePath = path != ""
	}
	if path == "/" {
		// The root slice's cgroup is the manager's own, "".
		path = ""
	}
	realized := false
	if havePath && m.cfg.CgroupRoot != "" {
		var st unix.Stat_t
		realized = unix.Stat(m.cgroupDir(u), &st) == nil
	}
	if havePath {
		w("Slice: %s", strna(c.Slice))
		w("CGroup: %s", path)
	} else {
		w("Slice: %s", strna(c.Slice))
		w("CGroup: n/a")
	}
	w("CGroup realized: %s", yesNo(realized))
	words := func(x unit.CGroupMask) string { return strings.Join(x.Names(), " ") }
	if realized {
		if x := cm.target(u); x != 0 {
			w("CGroup realized mask: %s", words(x))
		}
		if x := cm.membersOf(u) & cm.supported &^ cm.ancestorDisable(u) & unit.MaskV2; x != 0 {
			w("CGroup enabled mask: %s", words(x))
		}
	}
	if x := cm.own(u); x != 0 {
		w("CGroup own mask: %s", words(x))
	}
	if x := cm.membersOf(u); x != 0 {
		w("CGroup members mask: %s", words(x))
	}
	if x := c.DelegateCGroupMask(); x != 0 {
		w("CGroup delegate mask: %s", words(x))
	}
}

// typeInterface is the D-Bus interface of the unit's type.
func typeInterface(u *Unit) string {
	t := u.cfg.Type.String()
	return "org.freedesktop.systemd1." + strings.ToUpper(t[:1]) + t[1:]
}

// dumpCgroupContext is cgroup_context_dump.
func (m *Manager) dumpCgroupContext(w func(string, ...any), u *Unit, cm *cgroupMasks) {
	c := u.cfg.CGroup
	// unended is a line 252 ends without a newline: the line that
	// follows goes on it, after its tab.
	unended := func(format string, args ...any) {
		cm.unended += "\t" + fmt.Sprintf(format, args...)
	}
	w("CPUAccounting: %s", yesNo(c.CPUAccounting))
	w("IOAccounting: %s", yesNo(c.IOAccounting))
	w("BlockIOAccounting: %s", yesNo(c.BlockIOAccounting))
	w("MemoryAccounting: %s", yesNo(c.MemoryAccounting))
	w("TasksAccounting: %s", yesNo(c.TasksAccounting))
	w("IPAccounting: %s", yesNo(c.IPAccounting))
	w("CPUWeight: %d", c.CPUWeight)
	w("StartupCPUWeight: %d", c.StartupCPUWeight)
	w("CPUShares: %d", c.CPUShares)
	w("StartupCPUShares: %d", c.StartupCPUShares)
	w("CPUQuotaPerSecSec: %s", timeutil.FormatTimespan(timeutil.Usec(c.CPUQuotaPerSecUSec), 1))
	w("CPUQuotaPeriodSec: %s", timeutil.FormatTimespan(timeutil.Usec(c.CPUQuotaPeriodUSec), 1))
	w("AllowedCPUs: %s", c.AllowedCPUs.RangeString())
	w("StartupAllowedCPUs: %s", c.StartupAllowedCPUs.RangeString())
	w("AllowedMemoryNodes: %s", c.AllowedMemoryNodes.RangeString())
	w("StartupAllowedMemoryNodes: %s", c.StartupAllowedMemoryNodes.RangeString())
	w("IOWeight: %d", c.IOWeight)
	w("StartupIOWeight: %d", c.StartupIOWeight)
	w("BlockIOWeight: %d", c.BlockIOWeight)
	w("StartupBlockIOWeight: %d", c.StartupBlockIOWeight)
	w("DefaultMemoryMin: %d", c.DefaultMemoryMin)
	w("DefaultMemoryLow: %d", c.DefaultMemoryLow)
	cmp := func(name, file string, v uint64) string { return m.memoryLimitComparison(u, cm, name, file, v) }
	w("MemoryMin: %d%s", c.MemoryMin, cmp("MemoryMin", "memory.min", c.MemoryMin))
	w("MemoryLow: %d%s", c.MemoryLow, cmp("MemoryLow", "memory.low", c.MemoryLow))
	w("MemoryHigh: %d%s", c.MemoryHigh, cmp("MemoryHigh", "memory.high", c.MemoryHigh))
	w("MemoryMax: %d%s", c.MemoryMax, cmp("MemoryMax", "memory.max", c.MemoryMax))
	w("MemorySwapMax: %d%s", c.MemorySwapMax, cmp("MemorySwapMax", "memory.swap.max", c.MemorySwapMax))
	w("MemoryLimit: %d", c.MemoryLimit)
	w("TasksMax: %d", m.cfg.Defaults.ResolveTasksMax(c.TasksMax))
	w("DevicePolicy: %s", c.DevicePolicy)
	w("DisableControllers: %s", strings.Join(c.DisableControllers.Names(), " "))
	w("Delegate: %s", yesNo(c.Delegate))
	w("ManagedOOMSwap: %s", c.ManagedOOMSwap)
	w("ManagedOOMMemoryPressure: %s", c.ManagedOOMMemoryPressure)
	pm := (uint64(c.ManagedOOMMemoryPressureLimit)*10000 + (1<<32-1)/2) / (1<<32 - 1)
	w("ManagedOOMMemoryPressureLimit: %d.%02d%%", pm/100, pm%100)
	w("ManagedOOMPreference: %s", c.ManagedOOMPreference)
	if c.Delegate {
		w("DelegateControllers: %s", strings.Join(c.DelegateControllers.Names(), " "))
	}
	for _, a := range c.DeviceAllow {
		r, wr, mk := "", "", ""
		if a.R {
			r = "r"
		}
		if a.W {
			wr = "w"
		}
		if a.M {
			mk = "m"
		}
		w("DeviceAllow: %s %s%s%s", a.Path, r, wr, mk)
	}
	for _, d := range c.IODeviceWeights {
		w("IODeviceWeight: %s %d", d.Path, d.Value)
	}
	for _, d := range c.IODeviceLatencies {
		w("IODeviceLatencyTargetSec: %s %s", d.Path, timeutil.FormatTimespan(timeutil.Usec(d.Value), 1))
	}
	for _, d := range c.IODeviceLimits {
		for i, l := range d.Limits {
			if l != ^uint64(0) {
				w("%s: %s %s", unit.IOLimitName(i), d.Path, value.FormatBytes(l))
			}
		}
	}
	for _, d := range c.BlockIODeviceWeights {
		unended("BlockIODeviceWeight: %s %d", d.Path, d.Value)
	}
	for _, d := range c.BlockIOBandwidths {
		if d.Read != ^uint64(0) {
			w("BlockIOReadBandwidth: %s %s", d.Path, value.FormatBytes(d.Read))
		}
		if d.Write != ^uint64(0) {
			w("BlockIOWriteBandwidth: %s %s", d.Path, value.FormatBytes(d.Write))
		}
	}
	for _, p := range c.IPAddressAllow {
		w("IPAddressAllow: %s", p)
	}
	for _, p := range c.IPAddressDeny {
		w("IPAddressDeny: %s", p)
	}
	for _, p := range c.IPIngressFilterPath {
		w("IPIngressFilterPath: %s", p)
	}
	for _, p := range c.IPEgressFilterPath {
		w("IPEgressFilterPath: %s", p)
	}
	for _, p := range c.BPFPrograms {
		unended("BPFProgram: %s:%s", p.AttachType, p.Path)
	}
	for _, l := range []struct {
		name  string
		items []unit.SocketBindItem
	}{{"SocketBindAllow", c.SocketBindAllow}, {"SocketBindDeny", c.SocketBindDeny}} {
		if len(l.items) > 0 {
			var words []string
			for _, it := range l.items {
				words = append(words, unit.SocketBindItemText(it))
			}
			w("%s: %s", l.name, strings.Join(words, " "))
		}
	}
	// 252 prints its set in hash order: ours is sorted, the same for one
	// interface.
	ifaces := append([]string{}, c.RestrictNetworkInterfaces...)
	sort.Strings(ifaces)
	for _, n := range ifaces {
		w("RestrictNetworkInterfaces: %s", n)
	}
}

// memoryLimitComparison is format_cgroup_memory_limit_comparison: a
// note when the kernel's value differs from the unit's, for units whose
// cgroup has the memory controller.
func (m *Manager) memoryLimitComparison(u *Unit, cm *cgroupMasks, name, file string, v uint64) string {
	if u.ID() == "-.slice" || cm.target(u)&unit.MaskMemory == 0 {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(m.cgroupDir(u), file))
	if err != nil {
		if os.IsNotExist(err) && name == "MemorySwapMax" {
			return ""
		}
		var e syscall.Errno
		if !errors.As(err, &e) {
			e = syscall.EIO
		}
		return " (error getting kernel value: " + condition.Strerror(e) + ")"
	}
	s := strings.TrimSpace(string(data))
	kval := ^uint64(0)
	if s != "max" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return " (error getting kernel value: " + condition.Strerror(syscall.EINVAL) + ")"
		}
		kval = n
	}
	want := v
	if want != ^uint64(0) {
		want &^= uint64(os.Getpagesize() - 1)
	}
	if kval == want {
		return ""
	}
	return " (different value in kernel: " + strconv.FormatUint(kval, 10) + ")"
}
