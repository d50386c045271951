package dissect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/unitpath"

	"golang.org/x/sys/unix"
)

// Error is a failure of MountPrivately with 252's message for it.
type Error struct {
	Msg   string
	Errno syscall.Errno
}

func (e *Error) Error() string { return e.Msg }

func fail(errno syscall.Errno, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Errno: errno}
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// MountPrivately is 252's mount_image_privately_interactively as tools
// call it for --image= (a generic root, which must hold an OS tree): the
// image goes onto a loop device and its file system is mounted on a new
// directory in the temporary directory, named after program, in a mount
// namespace of the calling thread's own. The caller has locked its OS
// thread, and ends it (or calls Unmount) when done. Images hold one file
// system or a GPT (see choosePartitions); Verity, encryption and MBRs are
// not understood. msg formats an errno as %m does.
func MountPrivately(image, program string, msg func(syscall.Errno) string) (string, error) {
	tmp, err := tmpDir()
	if err != nil {
		return "", fail(errnoOf(err), "Failed to generate temporary mount directory: %s", msg(errnoOf(err)))
	}
	var rnd [8]byte
	_, _ = unix.Getrandom(rnd[:], 0)
	dir := tmp + "/.#" + program + fmt.Sprintf("%016x", binary.LittleEndian.Uint64(rnd[:]))

	// loop_device_make_by_path with O_RDWR asked for: 252 keeps the
	// failed open's -1 as its error, which reads as EPERM.
	const basic = unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
	direct := true
	fd, err := unix.Open(image, basic|unix.O_RDWR|unix.O_DIRECT, 0)
	if err != nil {
		direct = false
		fd, err = unix.Open(image, basic|unix.O_RDWR, 0)
	}
	if err != nil {
		return "", fail(unix.EPERM, "Failed to set up loopback device for %s: %s", image, msg(unix.EPERM))
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "", fail(errnoOf(err), "Failed to set up loopback device for %s: %s", image, msg(errnoOf(err)))
	}
	node := "/proc/self/fd/" + strconv.Itoa(fd)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
	case unix.S_IFREG:
		var extra uint32
		if direct {
			extra = unix.LO_FLAGS_DIRECT_IO
		}
		loop, err := AttachLoop(fd, unix.O_RDWR, extra)
		if err != nil {
			return "", fail(errnoOf(err), "Failed to set up loopback device for %s: %s", image, msg(errnoOf(err)))
		}
		defer unix.Close(loop)
		node = "/proc/self/fd/" + strconv.Itoa(loop)
	default:
		errno := unix.EBADFD
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			errno = unix.EISDIR
		}
		return "", fail(errno, "Failed to set up loopback device for %s: %s", image, msg(errno))
	}

	// The image may be open with O_DIRECT, which wants aligned reads:
	// it is read through the device, without.
	probe, err := unix.Open(node, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return "", fail(errnoOf(err), "Failed to dissect image '%s': %s", image, msg(errnoOf(err)))
	}
	defer unix.Close(probe)
	mounts, err := dissectImage(probe)
	switch errno := errnoOf(err); {
	case err == nil:
	case errno == unix.ENOPKG:
		return "", fail(errno, "%s: Couldn't identify a suitable partition table or file system.", image)
	case errno == unix.ENOTUNIQ:
		return "", fail(errno, "%s: Multiple suitable root partitions found in image.", image)
	case errno == unix.ENXIO:
		return "", fail(errno, "%s: No suitable root partition found in image.", image)
	default:
		return "", fail(errno, "Failed to dissect image '%s': %s", image, msg(errno))
	}
	// Partitions get loop devices of their own, on their part of the
	// image.
	for i := range mounts {
		if mounts[i].Size == 0 {
			mounts[i].node = node
			continue
		}
		loop, err := AttachLoopRange(fd, unix.O_RDWR, 0, mounts[i].Start, mounts[i].Size)
		if err != nil {
			return "", fail(errnoOf(err), "Failed to dissect image '%s': %s", image, msg(errnoOf(err)))
		}
		defer unix.Close(loop)
		mounts[i].node = "/proc/self/fd/" + strconv.Itoa(loop)
	}

	err = unix.Unshare(unix.CLONE_NEWNS)
	if err == nil {
		err = unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, "")
	}
	if err != nil {
		return "", fail(errnoOf(err), "Failed to detach mount namespace: %s", msg(errnoOf(err)))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fail(errnoOf(err), "Failed to create mount point: %s", msg(errnoOf(err)))
	}

	if err = mountAll(dir, mounts); err != nil {
		// 252 removes the directory only if it can: it stays behind
		// when something is mounted on it.
		_ = unix.Rmdir(dir)
		errno := errnoOf(err)
		switch errno {
		case unix.ENXIO:
			return "", fail(errno, "Not root file system found in image.")
		case unix.EBUSY:
			return "", fail(errno, "File system already mounted elsewhere.")
		case unix.EAFNOSUPPORT:
			return "", fail(errno, "File system type not supported or not known.")
		}
		return "", fail(errno, "Failed to mount image: %s", msg(errno))
	}
	return dir, nil
}

// mount is a file system of the image to mount: the whole image (Size
// 0) or a partition.
type mount struct {
	placed
	fstype string
	node   string
}

// dissectImage tells what the image on fd holds: one file system, or a
// GPT whose partitions are chosen as for a generic root.
func dissectImage(fd int) ([]mount, error) {
	fstype, rw, err := ProbeFileSystem(fd)
	if err == nil {
		return []mount{{placed: placed{where: "/", rw: rw}, fstype: fstype}}, nil
	}
	if err != unix.EOPNOTSUPP {
		return nil, err
	}
	read := func(off int64, n int) ([]byte, error) {
		buf := make([]byte, n)
		got, err := unix.Pread(fd, buf, off)
		if err != nil {
			return nil, err
		}
		return buf[:got], nil
	}
	parts, err := ParseGPT(read)
	if err == unix.ENOPKG {
		// An MBR: 252 would look for a bootable Linux partition.
		return nil, unix.ENXIO
	}
	if err != nil {
		return nil, err
	}
	chosen, err := choosePartitions(parts)
	if err != nil {
		return nil, err
	}
	var out []mount
	for _, p := range chosen {
		buf, err := read(int64(p.Start), superblockBytes)
		if err != nil {
			return nil, err
		}
		m := mount{placed: p}
		fsRW := false
		if m.fstype, fsRW, err = probeSuperblock(buf); err != nil {
			m.fstype = ""
		}
		m.rw = m.rw && fsRW
		out = append(out, m)
	}
	return out, nil
}

// mountAll is dissected_image_mount: root, /usr, the OS check, then the
// other partitions, each on a directory made inside the tree if missing.
func mountAll(dir string, mounts []mount) error {
	for i, m := range mounts {
		if m.fstype == "" {
			return unix.EAFNOSUPPORT
		}
		target := dir
		if m.where != "/" {
			if err := os.MkdirAll(dir+m.where, 0o755); err != nil && !errors.Is(err, unix.EROFS) {
				return err
			}
			p, _, err := unitpath.Chase(m.where, dir, unitpath.ChasePrefixRoot)
			if err != nil {
				return err
			}
			target = p
		}
		options := ""
		if !m.rw && (m.fstype == "ext3" || m.fstype == "ext4" || m.fstype == "xfs" || m.fstype == "btrfs") {
			options = "norecovery"
		}
		flags := uintptr(unix.MS_NODEV)
		if !m.rw {
			flags |= unix.MS_RDONLY
		}
		if err := unix.Mount(m.node, target, m.fstype, flags, options); err != nil {
			return err
		}
		last := i+1 == len(mounts) || mounts[i+1].where != "/usr"
		if m.where == "/usr" || (m.where == "/" && last) {
			if err := validateOS(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// Unmount is umount_and_rmdir: everything mounted at or below dir goes,
// then dir itself.
func Unmount(dir string) {
	_ = unix.Unmount(dir, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
	_ = unix.Rmdir(dir)
}

// validateOS is DISSECT_IMAGE_VALIDATE_OS: the mounted tree must hold
// os-release (found as open_os_release finds it), else ENOMEDIUM.
func validateOS(root string) error {
	if err := unix.Faccessat(unix.AT_FDCWD, root, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	var err error
	if v, ok := os.LookupEnv("SYSTEMD_OS_RELEASE"); ok {
		_, _, err = unitpath.Chase(v, root, 0)
	} else {
		for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
			if _, _, err = unitpath.Chase(p, root, unitpath.ChasePrefixRoot); !errors.Is(err, unix.ENOENT) {
				break
			}
		}
	}
	if errors.Is(err, unix.ENOENT) {
		return unix.ENOMEDIUM
	}
	return err
}

// tmpDir is tmp_dir: $TMPDIR, $TEMP or $TMP if one names a directory by
// an absolute, normalized path, else /tmp.
func tmpDir() (string, error) {
	var first error
	for _, n := range []string{"TMPDIR", "TEMP", "TMP"} {
		e, ok := os.LookupEnv(n)
		if !ok {
			continue
		}
		var err error
		switch {
		case !filepath.IsAbs(e):
			err = unix.ENOTDIR
		case strings.Contains(e, "//") || strings.Contains(e+"/", "/./") || strings.Contains(e+"/", "/../"):
			err = unix.EPERM
		default:
			var st unix.Stat_t
			if err = unix.Stat(e, &st); err == nil {
				if st.Mode&unix.S_IFMT == unix.S_IFDIR {
					return e, nil
				}
				err = unix.ENOTDIR
			}
		}
		if first == nil {
			first = err
		}
	}
	var st unix.Stat_t
	err := unix.Stat("/tmp", &st)
	if err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		err = unix.ENOTDIR
	}
	if err != nil {
		if first != nil {
			return "", first
		}
		return "", err
	}
	return "/tmp", nil
}
