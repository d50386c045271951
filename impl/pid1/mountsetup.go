package pid1

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli/logging"
)

// apiMount is one API file system PID 1 mounts where nothing is mounted
// yet (252's mount table, cgroup v2 only: Debian's default hierarchy).
type apiMount struct {
	what, where, fstype, options  string
	flags                         uintptr
	fatal, inContainer            bool
	followSymlink, mustBeWritable bool
}

const nosuidNodevNoexec = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

var apiMounts = []apiMount{
	{what: "proc", where: "/proc", fstype: "proc", flags: nosuidNodevNoexec, fatal: true, inContainer: true, followSymlink: true},
	{what: "sysfs", where: "/sys", fstype: "sysfs", flags: nosuidNodevNoexec, fatal: true, inContainer: true},
	{what: "devtmpfs", where: "/dev", fstype: "devtmpfs", options: "mode=755,size=4m", flags: unix.MS_NOSUID | unix.MS_STRICTATIME, fatal: true, inContainer: true},
	{what: "securityfs", where: "/sys/kernel/security", fstype: "securityfs", flags: nosuidNodevNoexec},
	{what: "tmpfs", where: "/dev/shm", fstype: "tmpfs", options: "mode=1777", flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_STRICTATIME, fatal: true, inContainer: true},
	{what: "devpts", where: "/dev/pts", fstype: "devpts", options: "mode=620,gid=5", flags: unix.MS_NOSUID | unix.MS_NOEXEC, inContainer: true},
	{what: "tmpfs", where: "/run", fstype: "tmpfs", options: "mode=755,size=20%,nr_inodes=800k", flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_STRICTATIME, fatal: true, inContainer: true},
	{what: "cgroup2", where: "/sys/fs/cgroup", fstype: "cgroup2", options: "nsdelegate,memory_recursiveprot", flags: nosuidNodevNoexec, inContainer: true, mustBeWritable: true},
	{what: "cgroup2", where: "/sys/fs/cgroup", fstype: "cgroup2", options: "nsdelegate", flags: nosuidNodevNoexec, inContainer: true, mustBeWritable: true},
	{what: "cgroup2", where: "/sys/fs/cgroup", fstype: "cgroup2", flags: nosuidNodevNoexec, inContainer: true, mustBeWritable: true},
	{what: "pstore", where: "/sys/fs/pstore", fstype: "pstore", flags: nosuidNodevNoexec},
	{what: "efivarfs", where: "/sys/firmware/efi/efivars", fstype: "efivarfs", flags: nosuidNodevNoexec},
	{what: "bpf", where: "/sys/fs/bpf", fstype: "bpf", options: "mode=700", flags: nosuidNodevNoexec},
}

// isMountPoint reports whether path is the root of a mount: its mount ID
// differs from its parent's (statx), or, where statx cannot say, its
// device does.
func isMountPoint(path string, follow bool) (bool, error) {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if follow {
		flags = 0
	}
	var st, parent unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, flags|unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID, &st); err != nil {
		return false, err
	}
	if st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return st.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
	}
	if err := unix.Statx(unix.AT_FDCWD, filepath.Dir(path), unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID, &parent); err != nil {
		return false, err
	}
	if st.Mask&parent.Mask&unix.STATX_MNT_ID != 0 {
		return st.Mnt_id != parent.Mnt_id, nil
	}
	return st.Dev_major != parent.Dev_major || st.Dev_minor != parent.Dev_minor, nil
}

// mountAPIFilesystems is 252's mount_setup: every API file system that is
// not mounted yet gets mounted (in a container only those a container
// may mount), the /dev symlinks udev would make, the root's propagation
// shared when the kernel started us, and /run/systemd's first
// directories. The error is a fatal mount's.
func mountAPIFilesystems(inContainer bool, log func(level int, msg string)) error {
	for i := 0; i < len(apiMounts); i++ {
		m := apiMounts[i]
		if m.fstype == "efivarfs" {
			if _, err := os.Stat("/sys/firmware/efi"); err != nil {
				continue
			}
		}
		mounted, err := isMountPoint(m.where, m.followSymlink)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			if m.fatal {
				log(3, fmt.Sprintf("Failed to determine whether %s is a mount point: %s", m.where, logging.Strerror(err)))
				return err
			}
			continue
		}
		if mounted || !m.inContainer && inContainer {
			if mounted && m.fstype == "cgroup2" {
				i = skipSameTarget(i)
			}
			continue
		}
		_ = os.MkdirAll(m.where, 0o755)
		if err := unix.Mount(m.what, m.where, m.fstype, m.flags, m.options); err != nil {
			if m.fatal {
				log(3, fmt.Sprintf("Failed to mount %s at %s: %s", m.fstype, m.where, logging.Strerror(err)))
				return err
			}
			continue
		}
		if m.mustBeWritable && unix.Access(m.where, unix.W_OK) != nil {
			_ = unix.Unmount(m.where, unix.UMOUNT_NOFOLLOW)
			continue
		}
		if m.fstype == "cgroup2" {
			i = skipSameTarget(i)
		}
	}
	for _, l := range [][2]string{{"/proc/kcore", "/dev/core"}, {"/proc/self/fd", "/dev/fd"},
		{"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"}} {
		if l[0] == "/proc/kcore" {
			if _, err := os.Stat(l[0]); err != nil {
				continue
			}
		}
		_ = os.Symlink(l[0], l[1])
	}
	if !inContainer {
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SHARED, ""); err != nil {
			log(4, fmt.Sprintf("Failed to set up the root directory for shared mount propagation: %s", logging.Strerror(err)))
		}
	}
	for _, d := range []string{"/run/systemd", "/run/systemd/system", "/run/credentials"} {
		_ = os.Mkdir(d, 0o755)
	}
	return nil
}

// skipSameTarget skips the fallbacks that follow apiMounts[i] for the
// same mount point, once one of them is in place.
func skipSameTarget(i int) int {
	for i+1 < len(apiMounts) && apiMounts[i+1].where == apiMounts[i].where {
		i++
	}
	return i
}
