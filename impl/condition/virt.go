package condition

import (
	"strconv"
	"strings"
	"syscall"
)

// Virtualization is what systemd-detect-virt reports: none, a virtual
// machine or a container technology.
type Virtualization int

const (
	VirtNone Virtualization = iota
	VirtKVM
	VirtAmazon
	VirtQEMU
	VirtBochs
	VirtXen
	VirtUML
	VirtVMware
	VirtOracle
	VirtMicrosoft
	VirtZVM
	VirtParallels
	VirtBhyve
	VirtQNX
	VirtACRN
	VirtPowerVM
	VirtApple
	VirtSRE
	VirtGoogle
	VirtVMOther
	VirtSystemdNspawn
	VirtLXCLibvirt
	VirtLXC
	VirtOpenVZ
	VirtDocker
	VirtPodman
	VirtRkt
	VirtWSL
	VirtProot
	VirtPouch
	VirtContainerOther
	virtMax
)

var virtNames = [virtMax]string{
	"none", "kvm", "amazon", "qemu", "bochs", "xen", "uml", "vmware", "oracle", "microsoft", "zvm", "parallels",
	"bhyve", "qnx", "acrn", "powervm", "apple", "sre", "google", "vm-other", "systemd-nspawn", "lxc-libvirt", "lxc",
	"openvz", "docker", "podman", "rkt", "wsl", "proot", "pouch", "container-other",
}

func (v Virtualization) String() string {
	if v < 0 || v >= virtMax {
		return "Virtualization(" + strconv.Itoa(int(v)) + ")"
	}
	return virtNames[v]
}

// IsVM and IsContainer tell the two kinds apart.
func (v Virtualization) IsVM() bool        { return v >= VirtKVM && v <= VirtVMOther }
func (v Virtualization) IsContainer() bool { return v >= VirtSystemdNspawn && v <= VirtContainerOther }

// containerNames are the names a container manager announces itself by
// ($container, /run/systemd/container).
var containerNames = map[string]Virtualization{
	"lxc": VirtLXC, "lxc-libvirt": VirtLXCLibvirt, "systemd-nspawn": VirtSystemdNspawn, "docker": VirtDocker,
	"podman": VirtPodman, "rkt": VirtRkt, "wsl": VirtWSL, "proot": VirtProot, "pouch": VirtPouch,
}

// DetectVirtualization is detect_virtualization: the container if any,
// else the virtual machine.
func (e *Evaluator) DetectVirtualization() (Virtualization, error) {
	v, err := e.detectContainer()
	if err != nil || v != VirtNone {
		return v, err
	}
	return e.detectVM()
}

// detectContainer is detect_container.
func (e *Evaluator) detectContainer() (Virtualization, error) {
	if e.container == nil {
		v, err := e.findContainer()
		e.container = &virtResult{v, err}
	}
	return e.container.v, e.container.err
}

func (e *Evaluator) findContainer() (Virtualization, error) {
	// /proc/vz is there inside and outside OpenVZ containers, /proc/bc
	// only outside.
	if vz, _ := e.exists("/proc/vz"); vz {
		if bc, err := e.exists("/proc/bc"); !bc && err == nil {
			return VirtOpenVZ, nil
		}
	}
	if o, err := e.readOneLine("/proc/sys/kernel/osrelease"); err == nil &&
		(strings.Contains(o, "Microsoft") || strings.Contains(o, "WSL")) {
		return VirtWSL, nil
	}
	if p, err := e.procField("/proc/self/status", "TracerPid", " \t\n\r"); err == nil && p != "0" {
		if pid, err := strconv.ParseUint(p, 10, 31); err == nil && pid > 0 {
			if comm, err := e.readOneLine("/proc/" + p + "/comm"); err == nil && strings.HasPrefix(comm, "proot") {
				return VirtProot, nil
			}
		}
	}
	if m, n, err := e.readOneLineCount("/run/host/container-manager"); err == nil && n > 0 {
		return e.translateContainer(m), nil
	} else if err != nil && !isErrno(err, syscall.ENOENT) {
		return VirtNone, err
	}
	if e.kernel.PID() == 1 {
		// PID 1's own $container is authoritative: empty means none.
		c, ok := e.getenv("container")
		if !ok {
			return e.containerFromFiles()
		}
		if c == "" {
			return VirtNone, nil
		}
		return e.translateContainer(c), nil
	}
	if m, n, err := e.readOneLineCount("/run/systemd/container"); err == nil && n > 0 {
		return e.translateContainer(m), nil
	} else if err != nil && !isErrno(err, syscall.ENOENT) {
		return VirtNone, err
	}
	if c, ok := e.pid1Env("container"); ok {
		return e.translateContainer(c), nil
	}
	return e.containerFromFiles()
}

// pid1Env is getenv_for_pid(1, name): unreadable without privileges.
func (e *Evaluator) pid1Env(name string) (string, bool) {
	data, err := e.readVirtualFile("/proc/1/environ")
	if err != nil {
		return "", false
	}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// containerFromFiles checks the files container managers leave, then
// whether we are in a cgroup namespace.
func (e *Evaluator) containerFromFiles() (Virtualization, error) {
	if v := e.detectContainerFiles(); v != VirtNone {
		return v, nil
	}
	if in, _ := e.runningInCgroupNS(); in {
		return VirtContainerOther, nil
	}
	return VirtNone, nil
}

func (e *Evaluator) detectContainerFiles() Virtualization {
	if ok, _ := e.exists("/run/.containerenv"); ok {
		return VirtPodman
	}
	if ok, _ := e.exists("/.dockerenv"); ok {
		return VirtDocker
	}
	return VirtNone
}

func (e *Evaluator) translateContainer(name string) Virtualization {
	if name == "oci" {
		// Not a container manager: look for one by its files.
		if v := e.detectContainerFiles(); v != VirtNone {
			return v
		}
		return VirtContainerOther
	}
	if v, ok := containerNames[name]; ok {
		return v
	}
	return VirtContainerOther
}

// runningInCgroupNS is running_in_cgroupns.
func (e *Evaluator) runningInCgroupNS() (bool, error) {
	if ok, _ := e.exists("/proc/self/ns/cgroup"); !ok {
		return false, nil
	}
	mode, err := e.cgroupUnified()
	if err != nil {
		return false, err
	}
	if mode == cgroupUnifiedAll {
		if ok, err := e.exists("/sys/fs/cgroup/cgroup.events"); !ok {
			return false, err
		}
		if ok, err := e.exists("/sys/fs/cgroup/cgroup.type"); ok || err != nil {
			return ok, err
		}
		ok, err := e.exists("/sys/kernel/cgroup/features")
		return !ok && err == nil, err
	}
	if ok, err := e.exists("/sys/fs/cgroup/systemd"); !ok {
		return false, err
	}
	ok, err := e.exists("/sys/fs/cgroup/systemd/release_agent")
	return !ok && err == nil, err
}

// detectVM is detect_vm: DMI for the hypervisors that hide behind
// another's CPUID, UML, Xen, CPUID, then DMI, sysfs, device tree, z/VM.
func (e *Evaluator) detectVM() (Virtualization, error) {
	if e.virt == nil {
		v, err := e.findVM()
		e.virt = &virtResult{v, err}
	}
	return e.virt.v, e.virt.err
}

func (e *Evaluator) findVM() (Virtualization, error) {
	other := false
	dmi, dmiErr := e.detectVMDMI()
	switch dmi {
	case VirtOracle, VirtXen, VirtAmazon, VirtParallels, VirtGoogle:
		if dmiErr == nil {
			return dmi, nil
		}
	}
	if v, err := e.detectVMUML(); err != nil || v != VirtNone {
		return v, err
	}
	xenDom0 := false
	if ok, _ := e.exists("/proc/xen"); ok {
		dom0, err := e.detectXenDom0()
		if err != nil {
			return VirtNone, err
		}
		if !dom0 {
			return VirtXen, nil
		}
		xenDom0 = true
	}
	v := e.detectVMCPUID()
	if v == VirtVMOther {
		other = true
	} else if v != VirtNone {
		return v, nil
	}
	if xenDom0 {
		return finishVM(v, other), nil
	}
	if dmiErr != nil {
		return VirtNone, dmiErr
	}
	if dmi == VirtVMOther {
		other = true
	} else if dmi != VirtNone {
		return dmi, nil
	}
	t, err := e.readOneLine("/sys/hypervisor/type")
	switch {
	case err == nil && t == "xen":
		return VirtXen, nil
	case err == nil:
		other = true
	case !isErrno(err, syscall.ENOENT):
		return VirtNone, err
	}
	// The device tree and z/VM checks apply to other architectures.
	return finishVM(VirtNone, other), nil
}

func finishVM(v Virtualization, other bool) Virtualization {
	if v == VirtNone && other {
		return VirtVMOther
	}
	return v
}

var cpuidVendors = []struct {
	sig string
	v   Virtualization
}{
	{"XenVMMXenVMM", VirtXen}, {"KVMKVMKVM\x00\x00\x00", VirtKVM}, {"Linux KVM Hv", VirtKVM},
	{"TCGTCGTCGTCG", VirtQEMU}, {"VMwareVMware", VirtVMware}, {"Microsoft Hv", VirtMicrosoft},
	{"bhyve bhyve ", VirtBhyve}, {"QNXQVMBSQG\x00\x00", VirtQNX}, {"ACRNACRNACRN", VirtACRN},
	{"SRESRESRESRE", VirtSRE}, {"Apple VZ\x00\x00\x00\x00", VirtApple},
}

// detectVMCPUID reads the hypervisor's signature from CPUID.
func (e *Evaluator) detectVMCPUID() Virtualization {
	_, _, ecx, _, ok := e.kernel.CPUID(1, 0)
	if !ok || ecx&0x80000000 == 0 {
		return VirtNone
	}
	_, ebx, ecx, edx, _ := e.kernel.CPUID(0x40000000, 0)
	sig := make([]byte, 0, 12)
	for _, r := range []uint32{ebx, ecx, edx} {
		sig = append(sig, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	for _, c := range cpuidVendors {
		if string(sig) == c.sig {
			return c.v
		}
	}
	return VirtVMOther
}

var dmiVendorFiles = []string{
	"/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/board_vendor",
	"/sys/class/dmi/id/bios_vendor", "/sys/class/dmi/id/product_version",
}

var dmiVendors = []struct {
	prefix string
	v      Virtualization
}{
	{"KVM", VirtKVM}, {"OpenStack", VirtKVM}, {"KubeVirt", VirtKVM}, {"Amazon EC2", VirtAmazon}, {"QEMU", VirtQEMU},
	{"VMware", VirtVMware}, {"VMW", VirtVMware}, {"innotek GmbH", VirtOracle}, {"VirtualBox", VirtOracle},
	{"Oracle Corporation", VirtOracle}, {"Xen", VirtXen}, {"Bochs", VirtBochs}, {"Parallels", VirtParallels},
	{"BHYVE", VirtBhyve}, {"Hyper-V", VirtMicrosoft}, {"Apple Virtualization", VirtApple},
	{"Google Compute Engine", VirtGoogle},
}

// detectVMDMI is detect_vm_dmi: the DMI vendor strings, and for Amazon
// the SMBIOS bit that tells a VM from bare metal.
func (e *Evaluator) detectVMDMI() (Virtualization, error) {
	v, err := e.detectVMDMIVendor()
	if err != nil {
		return VirtNone, err
	}
	if v == VirtAmazon {
		switch e.smbiosVMBit() {
		case 1:
			return VirtAmazon, nil
		case 0:
			return VirtNone, nil
		}
		s, err := e.readOneLine("/sys/class/dmi/id/product_name")
		if err != nil {
			return VirtAmazon, nil
		}
		if i := strings.Index(s, ".metal"); i >= 0 {
			if rest := s[i+len(".metal"):]; rest == "" || rest[0] == '-' {
				return VirtNone, nil
			}
		}
		return VirtAmazon, nil
	}
	if v == VirtNone && e.smbiosVMBit() == 1 {
		return VirtVMOther, nil
	}
	return v, nil
}

func (e *Evaluator) detectVMDMIVendor() (Virtualization, error) {
	for _, f := range dmiVendorFiles {
		s, err := e.readOneLine(f)
		if err != nil {
			if isErrno(err, syscall.ENOENT) {
				continue
			}
			return VirtNone, err
		}
		for _, d := range dmiVendors {
			if strings.HasPrefix(s, d.prefix) {
				return d.v, nil
			}
		}
	}
	return VirtNone, nil
}

// smbiosVMBit is the "is a VM" bit of the BIOS characteristics: 1 set,
// 0 unset, -1 unknown.
func (e *Evaluator) smbiosVMBit() int {
	s, err := e.readVirtualFile("/sys/firmware/dmi/entries/0-0/raw")
	if err != nil || len(s) < 20 || s[1] < 20 {
		return -1
	}
	if s[19]&(1<<4) != 0 {
		return 1
	}
	return 0
}

// detectVMUML looks for User Mode Linux's vendor in /proc/cpuinfo.
func (e *Evaluator) detectVMUML() (Virtualization, error) {
	data, err := e.readVirtualFile("/proc/cpuinfo")
	if err != nil {
		if isErrno(err, syscall.ENOENT) {
			return VirtNone, nil
		}
		return VirtNone, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if t, ok := strings.CutPrefix(line, "vendor_id\t: "); ok {
			if strings.HasPrefix(t, "User Mode Linux") {
				return VirtUML, nil
			}
			break
		}
	}
	return VirtNone, nil
}

// detectXenDom0 reports whether a Xen domain is the hardware domain.
func (e *Evaluator) detectXenDom0() (bool, error) {
	domcap, err := e.readOneLine("/sys/hypervisor/properties/features")
	if err != nil && !isErrno(err, syscall.ENOENT) {
		return false, err
	}
	if err == nil {
		if f, err := strconv.ParseUint(strings.TrimPrefix(strings.Fields(domcap + " x")[0], "0x"), 16, 64); err == nil {
			return f&(1<<11) != 0, nil
		}
	}
	domcap, err = e.readOneLine("/proc/xen/capabilities")
	if isErrno(err, syscall.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, c := range strings.Split(domcap, ",") {
		if c == "control_d" {
			return true, nil
		}
	}
	return false, nil
}

// runningInUserNS is running_in_userns: a uid or gid map other than the
// identity, or setgroups denied.
func (e *Evaluator) runningInUserNS() (bool, error) {
	for _, f := range []string{"/proc/self/uid_map", "/proc/self/gid_map"} {
		data, err := e.readVirtualFile(f)
		if err != nil {
			if isErrno(err, syscall.ENOENT) {
				return false, nil
			}
			return false, err
		}
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			return true, nil // an uninitialized user namespace
		}
		if len(fields) < 3 {
			return false, syscall.EBADMSG
		}
		if fields[0] != "0" || fields[1] != "0" || fields[2] != "4294967295" {
			return true, nil
		}
	}
	line, err := e.readVirtualFile("/proc/self/setgroups")
	if err != nil {
		if isErrno(err, syscall.ENOENT) {
			return false, nil
		}
		return false, err
	}
	return strings.TrimSpace(string(line)) == "deny", nil
}
