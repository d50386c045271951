package dissect

import (
	"crypto/rand"
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
// thread, and ends it (or calls Unmount) when done. Only images holding
// one file system are understood; partition tables are refused.
// msg formats an errno as %m does.
func MountPrivately(image, program string, msg func(syscall.Errno) string) (string, error) {
	tmp, err := tmpDir()
	if err != nil {
		return "", fail(errnoOf(err), "Failed to generate temporary mount directory: %s", msg(errnoOf(err)))
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
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
	// the file system is told from the device without it.
	probe, err := unix.Open(node, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return "", fail(errnoOf(err), "Failed to dissect image '%s': %s", image, msg(errnoOf(err)))
	}
	fstype, rw, err := ProbeFileSystem(probe)
	unix.Close(probe)
	switch {
	case errors.Is(err, unix.ENOPKG):
		return "", fail(unix.ENOPKG, "%s: Couldn't identify a suitable partition table or file system.", image)
	case err != nil:
		return "", fail(errnoOf(err), "Failed to dissect image '%s': %s", image, msg(errnoOf(err)))
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

	options := ""
	if !rw && (fstype == "ext3" || fstype == "ext4" || fstype == "xfs" || fstype == "btrfs") {
		options = "norecovery"
	}
	flags := uintptr(unix.MS_NODEV)
	if !rw {
		flags |= unix.MS_RDONLY
	}
	err = unix.Mount(node, dir, fstype, flags, options)
	if err == nil {
		err = validateOS(dir)
	}
	if err != nil {
		// 252 removes the directory only if it can: it stays behind
		// when the image is mounted but holds no OS.
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

// Unmount is umount_and_rmdir: everything mounted at or below dir goes,
// then dir itself.
func Unmount(dir string) {
	for i := 0; i < 64; i++ {
		if unix.Unmount(dir, unix.UMOUNT_NOFOLLOW) != nil {
			break
		}
	}
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
