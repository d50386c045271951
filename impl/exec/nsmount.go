package exec

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
	"gosystemd/impl/journal/native"
)

// Mounting into a running unit's mount namespace (252's
// bind_mount_in_namespace, for BindMountUnit and Service.BindMount) is
// done by the executor binary too, in a helper the manager starts:
//
//	manager (PID 1)                          helper "(sd-bindmnt)"
//	  NSMount ── wire form, hex, argv[3] ─►  in the manager's namespace:
//	                                          source resolved, bound in a
//	                                          private MS_SLAVE playground,
//	                                          made read-only, moved into
//	                                          /run/systemd/propagate/UNIT/X
//	                                          (which the unit sees at
//	                                          /run/systemd/incoming/X);
//	                                          a thread of its own joins the
//	                                          unit's mount namespace and
//	                                          root and moves it onto the
//	                                          destination
//	  result pipe (fd 3) ◄─────────────────  NSMountResult, then exit
//
// The manager never changes its own namespaces: only the helper's thread
// does.

// JournalSocket is journald's native socket, for NSMount.Journal.
const JournalSocket = native.SocketPath

// nsMountArg follows ToolName in the helper's argv.
const nsMountArg = "mount-in-namespace"

// NSMount is a request to mount Source on Dest in the mount namespace of
// the process PID.
type NSMount struct {
	PID int
	// PropagateDir is the unit's /run/systemd/propagate/UNIT on the
	// manager's side, IncomingDir where the unit sees it
	// ("/run/systemd/incoming/").
	PropagateDir, IncomingDir string
	Source, Dest              string
	ReadOnly, MakeDir         bool
	// Image says Source is a disk image to mount (MountImageUnit), with
	// Options per partition.
	Image   bool
	Options []PartitionOptions
	// Journal is the socket the helper logs its errors to (as 252's
	// child does); empty leaves them to the manager.
	Journal string
}

// PartitionOptions are the mount options for one partition of an image
// ("root", "usr", ...).
type PartitionOptions struct{ Partition, Options string }

// NSMountResult is what the helper reports: Errno 0 is success; Errors
// are messages 252 logs at error level on the way.
type NSMountResult struct {
	Errno  syscall.Errno
	Errors []string
}

// StartNSMount starts the helper for r (exe as in Options.Executable)
// and returns its PID and the read end of its result pipe. The caller
// owns reaping, as with Start.
func StartNSMount(r *NSMount, exe string) (int, *os.File, error) {
	if exe == "" {
		exe = "/proc/self/exe"
	}
	data := hex.EncodeToString(marshalWire(r))
	null, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return 0, nil, fmt.Errorf("opening /dev/null: %w", err)
	}
	defer null.Close()
	rd, wr, err := os.Pipe()
	if err != nil {
		return 0, nil, fmt.Errorf("creating result pipe: %w", err)
	}
	defer wr.Close()
	n := rawFD(null)
	attr := &syscall.ProcAttr{Env: []string{}, Files: []uintptr{n, n, n, rawFD(wr)}, Sys: &syscall.SysProcAttr{}}
	pid, err := syscall.ForkExec(exe, []string{"(sd-bindmnt)", ToolName, nsMountArg, data}, attr)
	if err != nil {
		rd.Close()
		return 0, nil, fmt.Errorf("starting mount helper: %w", err)
	}
	return pid, rd, nil
}

// ReadNSMountResult reads the helper's report from its result pipe once
// it exited. A helper that said nothing failed without an errno.
func ReadNSMountResult(f io.Reader) NSMountResult {
	data, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	var res NSMountResult
	if len(data) == 0 || unmarshalWire(data, &res) != nil {
		return NSMountResult{Errno: syscall.EIO}
	}
	return res
}

// nsMountMain is the helper: args are [ToolName, nsMountArg, request].
func nsMountMain(args []string, stdio cli.Stdio) int {
	var r NSMount
	var data []byte
	if len(args) == 3 {
		data, _ = hex.DecodeString(args[2])
	}
	if len(data) == 0 || unmarshalWire(data, &r) != nil || r.PID <= 0 {
		fmt.Fprintf(stdio.Err, "%s: bad mount request\n", args[0])
		return 1
	}
	res := mountInNamespace(&r)
	_ = writeAll(3, marshalWire(&res))
	if res.Errno != 0 {
		return 1
	}
	return 0
}

// mountInNamespace is 252's mount_in_namespace, for a bind mount or an
// image, in its order, with its errnos.
func mountInNamespace(r *NSMount) (res NSMountResult) {
	fail := func(err error) NSMountResult {
		res.Errno = errnoOf(err)
		return res
	}
	proc := "/proc/" + strconv.Itoa(r.PID)
	mntns, err := unix.Open(proc+"/ns/mnt", unix.O_RDONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail(err)
	}
	defer unix.Close(mntns)
	rootFD, err := unix.Open(proc+"/root", unix.O_RDONLY|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_DIRECTORY, 0)
	if err != nil {
		return fail(err)
	}
	defer unix.Close(rootFD)

	// Only a process in a mount namespace of its own can get mounts.
	var theirs, ours unix.Stat_t
	if err := unix.Fstat(mntns, &theirs); err != nil {
		return fail(err)
	}
	if err := unix.Stat("/proc/self/ns/mnt", &ours); err != nil {
		return fail(err)
	}
	if theirs.Dev == ours.Dev && theirs.Ino == ours.Ino {
		return fail(unix.EINVAL)
	}
	if err := unix.Faccessat(unix.AT_FDCWD, r.PropagateDir+"/", unix.F_OK, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fail(unix.EOPNOTSUPP)
		}
		return fail(err)
	}

	// chase_symlinks: the source with its symlinks followed (the kernel
	// answers ELOOP, ENOENT, ENOTDIR as 252's chase does).
	srcFD, err := unix.Open(r.Source, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail(err)
	}
	defer unix.Close(srcFD)
	var st unix.Stat_t
	if err := unix.Fstat(srcFD, &st); err != nil {
		return fail(err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return fail(unix.EOPNOTSUPP)
	}
	// An image is mounted on a directory, whatever it is.
	isDir := r.Image || st.Mode&unix.S_IFMT == unix.S_IFDIR

	// A playground of our own, MS_SLAVE: MS_MOVE refuses mounts under a
	// shared parent.
	slave, err := mkdtemp("/tmp/propagate.")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(slave)
	if err := unix.Mount(slave, slave, "", unix.MS_BIND, ""); err != nil {
		return fail(err)
	}
	slaveMounted := true
	defer func() {
		if slaveMounted {
			_ = unix.Unmount(slave, unix.UMOUNT_NOFOLLOW)
		}
	}()
	if err := unix.Mount("", slave, "", unix.MS_SLAVE, ""); err != nil {
		return fail(err)
	}

	tmp := slave + "/mount"
	if err := makeMountPoint(tmp, isDir, 0o700); err != nil {
		return fail(err)
	}
	tmpCreated, tmpMounted := true, false
	defer func() {
		if tmpMounted {
			_ = unix.Unmount(tmp, unix.UMOUNT_NOFOLLOW)
		}
		if tmpCreated {
			removeMountPoint(tmp, isDir)
		}
	}()
	if r.Image {
		err = mountImage(srcFD, tmp, r.Options)
	} else {
		err = unix.Mount("/proc/self/fd/"+strconv.Itoa(srcFD), tmp, "", unix.MS_BIND, "")
	}
	if err != nil {
		return fail(err)
	}
	tmpMounted = true
	if r.ReadOnly {
		if err := unix.Mount("", tmp, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fail(err)
		}
	}

	// Into the propagation directory, where the unit sees it appear.
	var outside string
	if isDir {
		outside, err = mkdtemp(r.PropagateDir + "/")
	} else {
		outside, err = mkstemp(r.PropagateDir + "/")
	}
	if err != nil {
		return fail(err)
	}
	outsideMounted := false
	defer func() {
		if outsideMounted {
			_ = unix.Unmount(outside, unix.UMOUNT_NOFOLLOW)
		}
		removeMountPoint(outside, isDir)
	}()
	if err := unix.Mount(tmp, outside, "", unix.MS_MOVE, ""); err != nil {
		return fail(err)
	}
	outsideMounted, tmpMounted = true, false
	removeMountPoint(tmp, isDir)
	tmpCreated = false
	_ = unix.Unmount(slave, unix.UMOUNT_NOFOLLOW)
	slaveMounted = false

	inside := r.IncomingDir + filepath.Base(outside)
	// The journal is reached from the manager's namespace.
	var log *native.Writer
	if r.Journal != "" {
		if w, err := native.Open(r.Journal); err == nil {
			_ = w.SetSendTimeout(10 * time.Millisecond)
			log = w
			defer w.Close()
		}
	}
	done := make(chan NSMountResult, 1)
	go func() {
		var out NSMountResult
		defer func() {
			if p := recover(); p != nil {
				out = NSMountResult{Errno: unix.EIO, Errors: []string{fmt.Sprint(p)}}
			}
			done <- out
		}()
		// The thread is left locked: it ends with the goroutine, its
		// namespace and root with it.
		runtime.LockOSThread()
		out = moveInside(r, mntns, rootFD, inside, isDir, log)
	}()
	return <-done
}

// moveInside is what 252's "(sd-bindmnt-inner)" child does: in the
// unit's mount namespace and root, make the destination if asked and
// move the mount from the incoming directory onto it.
func moveInside(r *NSMount, mntns, rootFD int, inside string, isDir bool, log *native.Writer) NSMountResult {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return NSMountResult{Errno: errnoOf(err)}
	}
	if err := unix.Setns(mntns, unix.CLONE_NEWNS); err != nil {
		return NSMountResult{Errno: errnoOf(err)}
	}
	if err := unix.Fchdir(rootFD); err != nil {
		return NSMountResult{Errno: errnoOf(err)}
	}
	if err := unix.Chroot("."); err != nil {
		return NSMountResult{Errno: errnoOf(err)}
	}
	switch {
	case r.MakeDir && r.Image:
		_ = os.MkdirAll(r.Dest, 0o755)
	case r.MakeDir:
		_ = os.MkdirAll(filepath.Dir(r.Dest), 0o755)
		_ = makeMountPoint(r.Dest, isDir, 0o700)
	}
	// mount_nofollow: the destination is opened without following a
	// final symlink and mounted on through /proc/self/fd.
	fd, err := unix.Open(r.Dest, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err == nil {
		err = unix.Mount(inside, "/proc/self/fd/"+strconv.Itoa(fd), "", unix.MS_MOVE, "")
		unix.Close(fd)
	}
	if err != nil {
		e := errnoOf(err)
		msg := fmt.Sprintf("Failed to mount %s (type n/a) on %s (MS_MOVE \"\"): %s", inside, r.Dest, strerror(e))
		if logHelperError(log, e, msg) {
			return NSMountResult{Errno: e}
		}
		return NSMountResult{Errno: e, Errors: []string{msg}}
	}
	return NSMountResult{}
}

// helperIdentifier is what 252's inner child is called in the journal:
// "(sd-bindmnt-inner)" in the room PID 1's argv[0] left after its first
// rename to "(sd-bindmnt)".
func helperIdentifier() string {
	name := "(sd-bindmnt-inner)"
	n := len("(sd-bindmnt)")
	if b, err := os.ReadFile("/proc/1/cmdline"); err == nil {
		argv0, _, _ := strings.Cut(string(b), "\x00")
		n = min(n, len(argv0))
	}
	return name[:n]
}

// logHelperError logs msg at error level to the journal as 252's child
// does (from its own PID); false when the journal is not there, for the
// manager to log it.
func logHelperError(w *native.Writer, e syscall.Errno, msg string) bool {
	if w == nil {
		return false
	}
	return w.Send(
		native.Field{Name: "PRIORITY", Value: "3"},
		native.Field{Name: "SYSLOG_FACILITY", Value: "3"},
		native.Field{Name: "SYSLOG_IDENTIFIER", Value: helperIdentifier()},
		native.Field{Name: "ERRNO", Value: strconv.Itoa(int(e))},
		native.Field{Name: "MESSAGE", Value: msg},
	) == nil
}

// makeMountPoint is make_mount_point_inode_from_stat: a directory, or
// an empty regular file (without execute bits) for anything else.
func makeMountPoint(path string, dir bool, mode uint32) error {
	if dir {
		return unix.Mkdir(path, mode)
	}
	return unix.Mknod(path, unix.S_IFREG|mode&^0o111, 0)
}

func removeMountPoint(path string, dir bool) {
	if dir {
		_ = unix.Rmdir(path)
	} else {
		_ = unix.Unlink(path)
	}
}

// mkdtemp is mkdtemp(3) for prefix+"XXXXXX": a new directory, 0700.
func mkdtemp(prefix string) (string, error) {
	for try := 0; ; try++ {
		p := prefix + randomSuffix()
		err := unix.Mkdir(p, 0o700)
		if err == nil || err != unix.EEXIST || try == 100 {
			return p, err
		}
	}
}

// mkstemp is mkostemp_safe: a new empty file, 0600.
func mkstemp(prefix string) (string, error) {
	for try := 0; ; try++ {
		p := prefix + randomSuffix()
		fd, err := unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY, 0o600)
		if err == nil {
			unix.Close(fd)
			return p, nil
		}
		if err != unix.EEXIST || try == 100 {
			return p, err
		}
	}
}
