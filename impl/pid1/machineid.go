package pid1

import (
	"errors"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/id128"
	"gosystemd/impl/unit/value"
)

// detectFirstBoot is log_execution_mode's first-boot part: the
// systemd.condition-first-boot= switch, else an /etc/machine-id that is
// missing or "uninitialized".
func detectFirstBoot(cmdline string, log func(level int, msg string)) bool {
	for _, w := range cmdlineWords(cmdline) {
		k, v, hasValue := strings.Cut(w, "=")
		if k != "systemd.condition-first-boot" {
			continue
		}
		first := true
		if hasValue {
			b, err := value.ParseBoolean(v)
			if err != nil {
				continue
			}
			first = b
		}
		level, in := manager.LevelDebug, "not in"
		if first {
			level, in = manager.LevelInfo, "in"
		}
		log(level, "Kernel commandline argument says we are "+in+" first boot.")
		return first
	}
	data, err := os.ReadFile(id128.MachineIDPath)
	if err == nil && strings.TrimSuffix(string(data), "\n") != "uninitialized" {
		log(manager.LevelDebug, "Detected initialized system, this is not the first boot.")
		return false
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		log(manager.LevelWarning, "Unexpected error while reading /etc/machine-id, assuming first boot: "+value.Strerror(err))
	}
	log(manager.LevelInfo, "Detected first boot.")
	return true
}

// machineIDSetup is machine_id_setup for PID 1: /etc/machine-id is kept
// if it holds an ID (or set to machineID, from systemd.machine_id=);
// otherwise an ID is made (from D-Bus's, a container's UUID, a VM's, or
// at random) and written there, or, when /etc is read-only or this is
// the first boot, written to /run/machine-id and mounted over it.
func machineIDSetup(firstBoot bool, machineID string, log func(level int, msg string)) {
	const etc, run = id128.MachineIDPath, "/run/machine-id"
	old := unix.Umask(0)
	fd, err := unix.Open(etc, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOCTTY, 0o444)
	unix.Umask(old)
	writable := err == nil
	if err != nil {
		var err2 error
		fd, err2 = unix.Open(etc, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err2 != nil {
			if err == syscall.EROFS && err2 == syscall.ENOENT {
				log(manager.LevelErr, "System cannot boot: Missing /etc/machine-id and /etc is mounted read-only.\n"+
					"Booting up is supported only when:\n"+
					"1) /etc/machine-id exists and is populated.\n"+
					"2) /etc/machine-id exists and is empty.\n"+
					"3) /etc/machine-id is missing and /etc is writable.\n")
			} else {
				log(manager.LevelErr, "Cannot open "+etc+": "+value.Strerror(err2))
			}
			return
		}
	}
	f := os.NewFile(uintptr(fd), etc)
	defer f.Close()
	id, _ := id128.Parse(machineID)
	if id.IsNull() {
		if _, err := id128.Read(f, id128.FormatPlain); err == nil {
			return
		}
		id = generateMachineID(log)
	}
	if writable {
		if _, err := f.Seek(0, 0); err != nil {
			log(manager.LevelErr, "Failed to seek "+etc+": "+value.Strerror(err))
			return
		}
		if err := f.Truncate(0); err != nil {
			log(manager.LevelErr, "Failed to truncate "+etc+": "+value.Strerror(err))
			return
		}
		if !firstBoot {
			if _, err := f.WriteString(id.String() + "\n"); err != nil {
				log(manager.LevelErr, "Failed to write "+etc+": "+value.Strerror(err))
			} else {
				_ = f.Sync()
			}
			return
		}
		// The first boot: "uninitialized" on disk, the ID mounted over
		// it until the boot commits it (systemd-machine-id-commit).
		if _, err := f.WriteString("uninitialized\n"); err != nil {
			log(manager.LevelErr, "Failed to write uninitialized "+etc+": "+value.Strerror(err))
			return
		}
		if err := f.Sync(); err != nil {
			log(manager.LevelErr, "Failed to sync "+etc+": "+value.Strerror(err))
			return
		}
	}
	old = unix.Umask(0o022)
	err = os.WriteFile(run, []byte(id.String()+"\n"), 0o444)
	unix.Umask(old)
	if err != nil {
		_ = os.Remove(run)
		log(manager.LevelErr, "Cannot write "+run+": "+value.Strerror(err))
		return
	}
	if err := unix.Mount(run, etc, "", unix.MS_BIND, ""); err != nil {
		_ = os.Remove(run)
		log(manager.LevelErr, "Failed to mount "+run+" (type n/a) on "+etc+" (MS_BIND \"\"): "+value.Strerror(err))
		return
	}
	level := manager.LevelInfo
	if firstBoot {
		level = manager.LevelDebug
	}
	log(level, "Installed transient "+etc+" file.")
	if err := unix.Mount("", etc, "", unix.MS_BIND|unix.MS_RDONLY|unix.MS_REMOUNT, ""); err != nil {
		log(manager.LevelWarning, "Failed to mount n/a (type n/a) on "+etc+" (MS_RDONLY|MS_REMOUNT|MS_BIND \"\"): "+value.Strerror(err))
	}
}

// generateMachineID is generate_machine_id: D-Bus's machine ID, else in
// a container its UUID from $container_uuid, in a KVM, QEMU, Xen, bhyve
// or Amazon VM the firmware's product UUID, else a random ID.
func generateMachineID(log func(level int, msg string)) id128.ID {
	if fd, err := unix.Open("/var/lib/dbus/machine-id", unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NOFOLLOW, 0); err == nil {
		f := os.NewFile(uintptr(fd), "/var/lib/dbus/machine-id")
		id, err := id128.Read(f, id128.FormatPlain)
		f.Close()
		if err == nil {
			log(manager.LevelInfo, "Initializing machine ID from D-Bus machine ID.")
			return id
		}
	}
	if v, err := condition.New(condition.Host{}).DetectVirtualization(); err == nil {
		switch {
		case v.IsContainer():
			if id, err := id128.Parse(os.Getenv("container_uuid")); err == nil && !id.IsNull() {
				log(manager.LevelInfo, "Initializing machine ID from container UUID.")
				return id
			}
		case v == condition.VirtKVM || v == condition.VirtAmazon || v == condition.VirtQEMU || v == condition.VirtXen || v == condition.VirtBhyve:
			if id, err := id128.ReadFile("/sys/class/dmi/id/product_uuid", id128.FormatUUID); err == nil && !id.IsNull() {
				log(manager.LevelInfo, "Initializing machine ID from VM UUID.")
				return id
			}
		}
	}
	id, err := id128.New()
	if err != nil {
		log(manager.LevelErr, "Failed to generate randomized machine ID: "+value.Strerror(err))
		return id
	}
	log(manager.LevelInfo, "Initializing machine ID from random generator.")
	return id
}
