package exec

import (
	"strconv"

	"gosystemd/impl/dissect"

	"golang.org/x/sys/unix"
)

// mountImage is 252's verity_dissect_and_mount for what MountImageUnit
// gets, for images holding a single file system (no partition table, no
// verity data): the image on a loop device (autoclear), its file system
// found by its superblock and mounted on where. Images with a partition
// table are refused with EOPNOTSUPP, where 252 would dissect them.
func mountImage(srcFD int, where string, opts []PartitionOptions) error {
	// loop_device_make_by_path: writable if possible, else read-only.
	// 252 keeps -1 as the error of the first open, which reads as EPERM
	// and so always tries read-only, and answers EPERM if that fails too.
	path := "/proc/self/fd/" + strconv.Itoa(srcFD)
	const basic = unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
	access := unix.O_RDWR
	fd, err := unix.Open(path, basic|unix.O_RDWR, 0)
	if err != nil {
		access = unix.O_RDONLY
		if fd, err = unix.Open(path, basic|unix.O_RDONLY, 0); err != nil {
			return unix.EPERM
		}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	var node string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		// A block device is used as it is.
		node = path
	case unix.S_IFDIR:
		return unix.EISDIR
	case unix.S_IFLNK:
		return unix.ELOOP
	case unix.S_IFREG:
		loop, err := dissect.AttachLoop(fd, access, 0)
		if err != nil {
			return err
		}
		defer unix.Close(loop)
		node = "/proc/self/fd/" + strconv.Itoa(loop)
	default:
		return unix.EBADFD
	}

	fstype, rw, err := dissect.ProbeFileSystem(fd)
	if err != nil {
		return err
	}
	options := ""
	for _, o := range opts {
		if o.Partition == "root" && o.Options != "" {
			options = o.Options
			break
		}
	}
	if !rw && (fstype == "ext3" || fstype == "ext4" || fstype == "xfs" || fstype == "btrfs") {
		if options != "" {
			options += ","
		}
		options += "norecovery"
	}
	flags := uintptr(unix.MS_NODEV)
	if !rw {
		flags |= unix.MS_RDONLY
	}
	flags, data := dissect.MangleMountOptions(options, flags)
	return unix.Mount(node, where, fstype, flags, data)
}
