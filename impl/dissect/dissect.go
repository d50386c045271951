// Package dissect is the part of 252's dissect-image and loop-util that
// mounting a disk image needs: loop devices, telling a file system from
// its superblock, and mount option words.
package dissect

import (
	"encoding/binary"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountFlagWords are libmount's Linux mount flags by option word, as
// 252's mount_option_mangle reads them; invert clears the flag.
var mountFlagWords = map[string]struct {
	flag   uintptr
	invert bool
}{
	"defaults": {0, false}, "ro": {unix.MS_RDONLY, false}, "rw": {unix.MS_RDONLY, true},
	"exec": {unix.MS_NOEXEC, true}, "noexec": {unix.MS_NOEXEC, false},
	"suid": {unix.MS_NOSUID, true}, "nosuid": {unix.MS_NOSUID, false},
	"dev": {unix.MS_NODEV, true}, "nodev": {unix.MS_NODEV, false},
	"sync": {unix.MS_SYNCHRONOUS, false}, "async": {unix.MS_SYNCHRONOUS, true},
	"dirsync": {unix.MS_DIRSYNC, false}, "remount": {unix.MS_REMOUNT, false},
	"bind": {unix.MS_BIND, false}, "rbind": {unix.MS_BIND | unix.MS_REC, false},
	"silent": {unix.MS_SILENT, false}, "loud": {unix.MS_SILENT, true},
	"mand": {unix.MS_MANDLOCK, false}, "nomand": {unix.MS_MANDLOCK, true},
	"atime": {unix.MS_NOATIME, true}, "noatime": {unix.MS_NOATIME, false},
	"iversion": {unix.MS_I_VERSION, false}, "noiversion": {unix.MS_I_VERSION, true},
	"diratime": {unix.MS_NODIRATIME, true}, "nodiratime": {unix.MS_NODIRATIME, false},
	"relatime": {unix.MS_RELATIME, false}, "norelatime": {unix.MS_RELATIME, true},
	"strictatime": {unix.MS_STRICTATIME, false}, "nostrictatime": {unix.MS_STRICTATIME, true},
	"lazytime": {unix.MS_LAZYTIME, false}, "nolazytime": {unix.MS_LAZYTIME, true},
	"nosymfollow": {unix.MS_NOSYMFOLLOW, false}, "symfollow": {unix.MS_NOSYMFOLLOW, true},
	"private": {unix.MS_PRIVATE, false}, "rprivate": {unix.MS_PRIVATE | unix.MS_REC, false},
	"shared": {unix.MS_SHARED, false}, "rshared": {unix.MS_SHARED | unix.MS_REC, false},
	"slave": {unix.MS_SLAVE, false}, "rslave": {unix.MS_SLAVE | unix.MS_REC, false},
	"unbindable": {unix.MS_UNBINDABLE, false}, "runbindable": {unix.MS_UNBINDABLE | unix.MS_REC, false},
}

// MangleMountOptions is mount_option_mangle: the flag words of a
// comma-separated option string go into flags, "x-" words are dropped,
// the rest is the file system's data.
func MangleMountOptions(options string, flags uintptr) (uintptr, string) {
	var data []string
	for _, w := range strings.Split(options, ",") {
		if w == "" {
			continue
		}
		if f, ok := mountFlagWords[w]; ok {
			if !f.invert {
				flags |= f.flag
			} else {
				flags &^= f.flag
			}
			continue
		}
		if len(w) >= 2 && strings.EqualFold(w[:2], "x-") {
			continue
		}
		data = append(data, w)
	}
	return flags, strings.Join(data, ",")
}

// AttachLoop is loop_device_make_internal: a free loop device set up
// with LOOP_CONFIGURE on fd (read-only if fd is), which goes away once
// unmounted and closed, with extra loop flags (LO_FLAGS_DIRECT_IO) on
// top. It returns the loop device's fd.
func AttachLoop(fd, access int, extra uint32) (int, error) {
	return AttachLoopRange(fd, access, unix.LO_FLAGS_PARTSCAN|extra, 0, 0)
}

// AttachLoopRange is AttachLoop for size bytes at offset of fd (0: to
// its end), with the loop flags given (autoclear is always on).
func AttachLoopRange(fd, access int, flags uint32, offset, size uint64) (int, error) {
	control, err := unix.Open("/dev/loop-control", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(control)
	cfg := unix.LoopConfig{Fd: uint32(fd)}
	cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR | flags
	cfg.Info.Offset, cfg.Info.Sizelimit = offset, size
	if access == unix.O_RDONLY {
		cfg.Info.Flags |= unix.LO_FLAGS_READ_ONLY
	}
	for attempt := 0; ; attempt++ {
		if err := unix.Flock(control, unix.LOCK_EX); err != nil {
			return -1, err
		}
		nr, err := unix.IoctlRetInt(control, unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return -1, err
		}
		loop, err := unix.Open("/dev/loop"+strconv.Itoa(nr), access|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
		if err == nil {
			if err = unix.IoctlLoopConfigure(loop, &cfg); err == nil {
				return loop, nil
			}
			unix.Close(loop)
		}
		// Somebody else took the device: try another.
		retry := err == unix.ENODEV || err == unix.ENXIO || err == unix.ENOENT || err == unix.EBUSY
		if !retry || attempt >= 64 {
			return -1, err
		}
		_ = unix.Flock(control, unix.LOCK_UN)
	}
}

// ProbeFileSystem names the file system fd holds from its superblock,
// and whether it can be mounted writable; ENOPKG when there is none
// (252: "Failed to identify any partition table"), EOPNOTSUPP for a
// partition table.
func ProbeFileSystem(fd int) (fstype string, rw bool, err error) {
	buf := make([]byte, superblockBytes)
	n, err := unix.Pread(fd, buf, 0)
	if err != nil {
		return "", false, err
	}
	return probeSuperblock(buf[:n])
}

// superblockBytes is how much of an image probeSuperblock looks at (up
// to btrfs's magic).
const superblockBytes = 0x10048

// probeSuperblock is ProbeFileSystem on the image's first bytes.
func probeSuperblock(buf []byte) (fstype string, rw bool, err error) {
	at := func(off, size int) []byte {
		if off+size > len(buf) {
			return nil
		}
		return buf[off : off+size]
	}
	le16 := func(off int) uint16 {
		if b := at(off, 2); b != nil {
			return binary.LittleEndian.Uint16(b)
		}
		return 0
	}
	le32 := func(off int) uint32 {
		if b := at(off, 4); b != nil {
			return binary.LittleEndian.Uint32(b)
		}
		return 0
	}
	switch {
	case string(at(0, 4)) == "hsqs":
		return "squashfs", false, nil
	case le32(1024) == 0xE0F5E1E2:
		return "erofs", false, nil
	case string(at(0, 4)) == "XFSB":
		return "xfs", true, nil
	case string(at(0x10040, 8)) == "_BHRfS_M":
		return "btrfs", true, nil
	case le16(1024+0x38) == 0xEF53:
		return extVersion(le32(1024+0x5C), le32(1024+0x60), le32(1024+0x64)), true, nil
	case string(at(512, 8)) == "EFI PART" || le16(510) == 0xAA55:
		return "", false, unix.EOPNOTSUPP
	}
	return "", false, unix.ENOPKG
}

// extVersion is how blkid tells ext2, ext3 and ext4 apart: features
// beyond ext3's make ext4, a journal ext3.
func extVersion(compat, incompat, roCompat uint32) string {
	const (
		compatJournal      = 0x4
		ext3Incompat       = 0x2 | 0x4 | 0x10 // filetype, recover, meta_bg
		ext3RoCompat       = 0x1 | 0x2 | 0x4  // sparse_super, large_file, btree_dir
		incompatJournalDev = 0x8
	)
	switch {
	case incompat&incompatJournalDev != 0:
		return "jbd"
	case incompat&^ext3Incompat != 0 || roCompat&^ext3RoCompat != 0:
		return "ext4"
	case compat&compatJournal != 0:
		return "ext3"
	}
	return "ext2"
}
