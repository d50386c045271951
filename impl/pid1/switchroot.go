package pid1

// switch-root, the daemon's side (252's MANAGER_SWITCH_ROOT in main.c,
// shared/switch-root.c and broadcast_signal in shared/killall.c):
//
//	Run returns (ObjectiveSwitchRoot)
//	"Switching root."; state serialized without mounts, automounts,
//	jobs and the bus-set environment (none at all if an init was named)
//	SIGTERM (and SIGHUP to those with a terminal) to every other process,
//	not waited for
//	/sys /dev /run /proc moved into the new root, pivot_root (or a move
//	over /), chroot, the old root detached, its files removed if it was
//	a tmpfs or ramfs
//	execve(/lib/systemd/systemd --switched-root --system --deserialize=N)
//	or the named init, then /sbin/init, without state
//
// Everything runs in PID 1 itself, with the loop stopped, like the exec
// of daemon-reexec; a failed switch is logged and the exec goes on in
// whatever root PID 1 is in by then. If no exec succeeds, the manager
// runs on.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/install"
)

// systemdBinaryPath is 252's SYSTEMD_BINARY_PATH: the manager the new
// root is expected to have.
const systemdBinaryPath = "/lib/systemd/systemd"

// switchRootOldRoot is where the old root goes below the new one before
// it is detached.
const switchRootOldRoot = "/mnt"

// switchRootExec is one exec to try after the switch: the binary, its
// argv, and whether it gets the serialization.
type switchRootExec struct {
	path      string
	argv      []string
	serialize bool
}

// switchRootExecs are the binaries to try, in order, after switching
// root with init ("" for the manager itself); args is PID 1's command
// line and fd the serialization's.
func switchRootExecs(init string, args []string, fd int) []switchRootExec {
	var out []switchRootExec
	if init == "" {
		argv := reexecArgv(append([]string{systemdBinaryPath}, tail(args)...), fd)
		argv = append([]string{argv[0], "--switched-root"}, argv[1:]...)
		out = append(out, switchRootExec{path: systemdBinaryPath, argv: argv, serialize: true})
	}
	// The fallbacks get PID 1's own switches, without state.
	plain := func(p string) switchRootExec {
		return switchRootExec{path: p, argv: append([]string{p}, tail(args)...)}
	}
	if init != "" {
		out = append(out, plain(init))
	}
	return append(out, plain("/sbin/init"))
}

func tail(args []string) []string {
	if len(args) < 2 {
		return nil
	}
	return args[1:]
}

// switchRootAndExec is do_reexecute for switch-root; it returns only if
// no exec happened, with the manager ready to run on.
func switchRootAndExec(m *manager.Manager, srv *bus.Server, extra []manager.Item, args []string) error {
	root, init := m.SwitchRootTarget()
	if os.Getpid() != 1 {
		// Signalling every process and changing root is PID 1's alone.
		err := fmt.Errorf("Root switching is only done as PID 1.")
		m.ReexecFailedLoop(err)
		return err
	}
	var fds *manager.FDSet
	memfd := -1
	if init == "" {
		var err error
		fds, memfd, err = prepareReexec(m, srv, extra)
		if err != nil {
			return err
		}
	}
	fail := func(err error) error {
		m.ReexecFailedLoop(err)
		if fds != nil {
			fds.Close()
		}
		if memfd >= 0 {
			unix.Close(memfd)
		}
		return err
	}
	logf := func(level int, format string, a ...any) {
		m.LogLoop(manager.LogEntry{Level: level, Message: fmt.Sprintf(format, a...)})
	}
	logf(manager.LevelNotice, "Switching root.")
	undo := restoreRlimits()
	broadcastSignal(unix.SIGTERM, logf)
	if err := switchRoot(root, switchRootOldRoot, logf); err != nil {
		logf(manager.LevelErr, "Failed to switch root, trying to continue: %s", errnoText(errnoOf(err)))
	}
	var err error
	for _, x := range switchRootExecs(init, args, memfd) {
		env := os.Environ()
		if !x.serialize && memfd >= 0 {
			unix.Close(memfd)
			memfd = -1
			fds.Close()
			fds = nil
		}
		err = unix.Exec(x.path, x.argv, env)
		switch {
		case x.serialize:
			logf(manager.LevelDebug, "Failed to execute our own binary %s, trying fallback: %s", x.path, errnoText(err))
		case x.path == init:
			logf(manager.LevelWarning, "Failed to execute configured init %s, trying fallback: %s", x.path, errnoText(err))
		}
	}
	undo()
	return fail(fmt.Errorf("Failed to execute /sbin/init, giving up: %s", errnoText(err)))
}

// switchRoot is 252's switch_root with the old root unmounted and the
// API file systems moved: it makes newRoot the root of PID 1 (and of
// the processes that follow it). Each failure is logged as it happens.
func switchRoot(newRoot, oldRootAfter string, logf func(level int, format string, a ...any)) error {
	if filepath.Clean(newRoot) == "/" {
		return nil
	}
	fail := func(err error, format string, a ...any) error {
		logf(manager.LevelErr, format+": %s", append(a, install.Strerror(errnoOf(err)))...)
		return err
	}
	oldRoot, err := os.Open("/")
	if err != nil {
		return fail(err, "Failed to open root directory")
	}
	defer oldRoot.Close()
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(oldRoot.Fd()), &sfs); err != nil {
		return fail(err, "Failed to stat root directory")
	}
	cleanOld := isTemporaryFS(sfs.Type)
	if cleanOld {
		logf(manager.LevelDebug, "Root directory is on tmpfs, will do cleanup later.")
	}
	oldAfter := filepath.Join(newRoot, oldRootAfter)
	if _, err := os.Lstat(oldAfter); err != nil {
		_ = os.MkdirAll(oldAfter, 0o755)
	}
	// The kernel refuses MS_MOVE of anything below a shared mount.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail(err, "Failed to set \"/\" mount propagation to private")
	}
	for _, p := range []string{"/sys", "/dev", "/run", "/proc"} {
		target := filepath.Join(newRoot, p)
		if _, err := os.Lstat(target); err == nil {
			if mp, err := isMountPoint(target, false); err != nil {
				return fail(err, "Failed to determine whether %s is a mount point", target)
			} else if mp {
				continue
			}
		} else {
			_ = os.MkdirAll(target, 0o755)
		}
		if err := unix.Mount(p, target, "", unix.MS_MOVE, ""); err != nil {
			return fail(err, "Failed to mount %s to %s", p, target)
		}
	}
	if err := unix.Chdir(newRoot); err != nil {
		return fail(err, "Failed to change directory to %s", newRoot)
	}
	if err := unix.PivotRoot(newRoot, oldAfter); err == nil {
		// The old root is still in use (by us): detached lazily.
		if err := unix.Unmount(oldRootAfter, unix.MNT_DETACH); err != nil {
			logf(manager.LevelWarning, "Failed to unmount old root directory tree, ignoring: %s", install.Strerror(errnoOf(err)))
		}
	} else if err := unix.Mount(newRoot, "/", "", unix.MS_MOVE, ""); err != nil {
		return fail(err, "Failed to move %s to /", newRoot)
	}
	if err := unix.Chroot("."); err != nil {
		return fail(err, "Failed to change root")
	}
	if err := unix.Chdir("/"); err != nil {
		return fail(err, "Failed to change directory")
	}
	if cleanOld {
		var st unix.Stat_t
		if err := unix.Fstat(int(oldRoot.Fd()), &st); err != nil {
			return fail(err, "Failed to stat old root directory")
		}
		removeChildren(int(oldRoot.Fd()), st.Dev)
	}
	return nil
}

// isTemporaryFS is fd_is_temporary_fs: a tmpfs or ramfs, whose files
// only take memory once nothing sees them.
func isTemporaryFS(magic int64) bool {
	return magic == unix.TMPFS_MAGIC || magic == unix.RAMFS_MAGIC
}

// removeChildren removes what directory dirfd holds, staying on device
// dev (rm_rf_children without flags); errors are ignored.
func removeChildren(dirfd int, dev uint64) {
	// A copy to list: the os.File closes it, not dirfd.
	dup, err := unix.Dup(dirfd)
	if err != nil {
		return
	}
	unix.CloseOnExec(dup)
	d := os.NewFile(uintptr(dup), "")
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		var st unix.Stat_t
		if unix.Fstatat(dirfd, n, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Dev != dev {
			continue
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			sub, err := unix.Openat(dirfd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			removeChildren(sub, dev)
			unix.Close(sub)
			_ = unix.Unlinkat(dirfd, n, unix.AT_REMOVEDIR)
			continue
		}
		_ = unix.Unlinkat(dirfd, n, 0)
	}
}

// broadcastSignal is broadcast_signal without waiting: sig to every
// process but PID 1, kernel threads and root's processes whose argv[0]
// starts with '@', all stopped meanwhile so that none escapes; SIGHUP
// after it to those with a controlling terminal.
func broadcastSignal(sig unix.Signal, logf func(level int, format string, a ...any)) {
	if err := unix.Kill(-1, unix.SIGSTOP); err != nil && err != unix.ESRCH {
		logf(manager.LevelWarning, "kill(-1, SIGSTOP) failed: %s", install.Strerror(errnoOf(err)))
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		logf(manager.LevelWarning, "opendir(/proc) failed: %s", install.Strerror(errnoOf(err)))
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 || spareFromKilling(readProc(pid)) {
			continue
		}
		if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
			logf(manager.LevelWarning, "Could not kill %d: %s", pid, install.Strerror(errnoOf(err)))
		}
		if hasControllingTTY(pid) {
			_ = unix.Kill(pid, unix.SIGHUP)
		}
	}
	if err := unix.Kill(-1, unix.SIGCONT); err != nil && err != unix.ESRCH {
		logf(manager.LevelWarning, "kill(-1, SIGCONT) failed: %s", install.Strerror(errnoOf(err)))
	}
}

// procInfo is what spareFromKilling looks at; ok is false if the
// process could not be read.
type procInfo struct {
	ok         bool
	kthread    bool
	uid        int
	firstByte  byte // of the command line; 0 if empty or unreadable
	cmdlineErr bool
}

func readProc(pid int) procInfo {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return procInfo{}
	}
	var st unix.Stat_t
	if unix.Stat(dir, &st) != nil {
		return procInfo{}
	}
	info := procInfo{ok: true, kthread: statIsKernelThread(stat), uid: int(st.Uid)}
	f, err := os.Open(dir + "/cmdline")
	if err != nil {
		info.cmdlineErr = true
		return info
	}
	defer f.Close()
	b := make([]byte, 1)
	if n, _ := f.Read(b); n == 1 {
		info.firstByte = b[0]
	}
	return info
}

// pfKthread is PF_KTHREAD in /proc/PID/stat's flags.
const pfKthread = 0x00200000

// statIsKernelThread reads the flags field of /proc/PID/stat.
func statIsKernelThread(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(string(stat[i+1:]))
	// state ppid pgrp session tty_nr tpgid flags
	if len(f) < 7 {
		return false
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	return err == nil && flags&pfKthread != 0
}

// spareFromKilling is ignore_proc: kernel threads, processes that cannot
// be read, and root's processes marked with an '@' as argv[0]'s first
// character are not signalled.
func spareFromKilling(p procInfo) bool {
	switch {
	case !p.ok || p.kthread:
		return true
	case p.uid != 0:
		return false
	case p.cmdlineErr:
		return true
	}
	return p.firstByte == '@'
}

// hasControllingTTY is get_ctty_devnr succeeding: the tty_nr field of
// /proc/PID/stat is set.
func hasControllingTTY(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(string(stat[i+1:]))
	return len(f) > 4 && f[4] != "0"
}
