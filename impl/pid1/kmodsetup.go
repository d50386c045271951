package pid1

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/kmod"
)

// earlyModules are the kernel modules 252's PID 1 loads itself before
// anything else (kmod_setup): each unless path exists, and only where
// its condition holds. verbose ones are logged about at info level.
var earlyModules = []struct {
	module, path string
	verbose      bool
	cond         func(vm condition.Virtualization) bool
}{
	// autofs4 is needed for automount units before udev makes nodes.
	{"autofs4", "/sys/class/misc/autofs", true, nil},
	// IPv6 is not autoloaded when ::1 is set on the loopback device.
	{"ipv6", "/sys/module/ipv6", false, nil},
	{"unix", "/proc/net/unix", true, nil},
	// Netfilter cannot be autoloaded (Debian's 252 has libiptc).
	{"ip_tables", "/proc/net/ip_tables_names", false, nil},
	// Entropy, virtiofs tags and firmware credentials are wanted early.
	{"virtio_rng", "", false, func(vm condition.Virtualization) bool {
		return hasVirtioFeature(vm, "pci:v00001AF4d00001005", "pci:v00001AF4d00001044")
	}},
	{"virtiofs", "/sys/module/virtiofs", false, func(vm condition.Virtualization) bool {
		return hasVirtioFeature(vm, "virtio:d0000001Av")
	}},
	{"virtio_pci", "/sys/module/virtio_pci", false, func(vm condition.Virtualization) bool {
		return hasVirtioFeature(vm, "pci:v00001AF4d")
	}},
	{"qemu_fw_cfg", "/sys/firmware/qemu_fw_cfg", false, func(vm condition.Virtualization) bool {
		return vm == condition.VirtKVM || vm == condition.VirtQEMU
	}},
	{"dmi-sysfs", "/sys/firmware/dmi/entries", false, nil},
}

// kmodSetup is 252's kmod_setup: the early modules, where PID 1 may
// load modules at all (CAP_SYS_MODULE; a container usually drops it).
func kmodSetup(log func(level int, msg string)) {
	if !haveCapSysModule() {
		return
	}
	var vm condition.Virtualization
	vmKnown := false
	var idx *kmod.Index
	for _, e := range earlyModules {
		if e.path != "" {
			if _, err := os.Stat(e.path); err == nil {
				continue
			}
		}
		if e.cond != nil {
			if !vmKnown {
				if v, err := condition.New(condition.Host{}).DetectVirtualization(); err == nil && v.IsVM() {
					vm = v
				}
				vmKnown = true
			}
			if !e.cond(vm) {
				continue
			}
		}
		if idx == nil {
			idx = &kmod.Index{}
		}
		loadModule(idx, e.module, e.verbose, log)
	}
}

// loadModule is module_load_and_warn.
func loadModule(idx *kmod.Index, name string, verbose bool, log func(level int, msg string)) {
	loud := func(l int) int {
		if verbose {
			return l
		}
		return manager.LevelDebug
	}
	log(manager.LevelDebug, "Loading module: "+name)
	results, err := idx.Load(name)
	if err != nil {
		log(loud(manager.LevelErr), fmt.Sprintf("Failed to find module '%s'", name))
		return
	}
	for _, r := range results {
		switch r.Outcome {
		case kmod.BuiltIn:
			log(loud(manager.LevelInfo), fmt.Sprintf("Module '%s' is built in", r.Name))
		case kmod.AlreadyLoaded:
			log(manager.LevelDebug, fmt.Sprintf("Module '%s' is already loaded", r.Name))
		case kmod.Inserted:
			log(loud(manager.LevelInfo), fmt.Sprintf("Inserted module '%s'", r.Name))
		case kmod.Blacklisted:
			log(loud(manager.LevelInfo), fmt.Sprintf("Module '%s' is deny-listed", r.Name))
		case kmod.Failed:
			level := manager.LevelErr
			switch {
			case errors.Is(r.Err, unix.ENODEV):
				level = manager.LevelNotice
			case errors.Is(r.Err, unix.ENOENT):
				level = manager.LevelWarning
			}
			log(loud(level), fmt.Sprintf("Failed to insert module '%s': %v", r.Name, r.Err))
		}
	}
}

// haveCapSysModule is have_effective_cap(CAP_SYS_MODULE).
func haveCapSysModule() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[unix.CAP_SYS_MODULE/32].Effective&(1<<(unix.CAP_SYS_MODULE%32)) != 0
}

// hasVirtioFeature is has_virtio_feature: in a VM, a PCI device (at most
// three levels below /sys/devices/pci0000:00) whose modalias starts with
// one of the prefixes.
func hasVirtioFeature(vm condition.Virtualization, prefixes ...string) bool {
	if vm == condition.VirtNone {
		return false
	}
	const top = "/sys/devices/pci0000:00"
	found := false
	_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return fs.SkipDir
		}
		if d.IsDir() {
			if p != top && strings.Count(strings.TrimPrefix(p, top), "/") > 3 {
				return fs.SkipDir
			}
			return nil
		}
		if d.Name() != "modalias" || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fs.SkipDir
		}
		alias := strings.TrimSpace(string(data))
		for _, pre := range prefixes {
			if strings.HasPrefix(alias, pre) {
				found = true
				return fs.SkipAll
			}
		}
		return fs.SkipDir
	})
	return found
}
