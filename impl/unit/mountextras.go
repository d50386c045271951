package unit

import (
	"path"
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
)

// networkFSTypes are the file system types systemd treats as remote.
var networkFSTypes = []string{"afs", "ceph", "cifs", "smb3", "smbfs", "sshfs", "ncpfs", "ncp", "nfs", "nfs4",
	"gfs", "gfs2", "glusterfs", "gpfs", "pvfs2", "ocfs2", "lustre", "davfs", "9p", "afs"}

func fstabHasOption(options, opt string) bool {
	for _, o := range strings.Split(options, ",") {
		if o == opt || strings.HasPrefix(o, opt+"=") {
			return true
		}
	}
	return false
}

func mountIsNetwork(m *Mount) bool {
	if fstabHasOption(m.Options, "_netdev") {
		return true
	}
	t := strings.TrimPrefix(m.FSType, "fuse.")
	return m.FSType != "" && indexOf(networkFSTypes, t) >= 0
}

func mountIsBind(m *Mount) bool {
	return fstabHasOption(m.Options, "bind") || fstabHasOption(m.Options, "rbind") || m.FSType == "bind" || m.FSType == "rbind"
}

// apiMountPoints are the mount points of systemd's own mount table
// (mount_point_is_api, Debian's build with SMACK, pstore and EFI) and
// the ones it leaves to other software (mount_point_ignore): systemd
// refuses mount units for them.
var apiMountPoints = []string{"/proc", "/sys", "/dev", "/sys/kernel/security", "/sys/fs/smackfs", "/dev/shm",
	"/dev/pts", "/run", "/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/pstore", "/run/lock",
	"/sys/firmware/efi/efivars", "/sys/fs/bpf",
	"/sys/fs/selinux", "/dev/console", "/proc/kmsg", "/proc/sys", "/proc/sys/kernel/random/boot_id"}

// mountPointIsAPI reports whether systemd refuses a mount unit for where.
func mountPointIsAPI(where string) bool {
	return indexOf(apiMountPoints, where) >= 0 || strings.HasPrefix(where, "/sys/fs/cgroup/") ||
		where == "/run/host" || strings.HasPrefix(where, "/run/host/")
}

func (l *Loader) mountExtras(u *Unit) error {
	m := u.Mount
	if m.Where == "" {
		p, err := unitname.ToPath(u.ID)
		if err != nil {
			return err
		}
		m.Where = p
	}
	m.Where = unitname.PathSimplify(m.Where)
	if u.Description == "" {
		u.Description = m.Where
	}
	l.patchContexts(u)
	addExecDependencies(u)
	setDefaultSlice(u)
	if m.Where != "/" {
		u.withOrigin(MaskImplicit, func() { u.requireMountsFor(path.Dir(m.Where)) })
	}
	// p: the kernel's values while mounted, else the file's (kernel.go).
	p, fromFile := l.mountParams(u)
	// The device and default dependencies come from the kernel's table
	// while it lists the mount, else from the unit's file.
	mask := MaskMountFile
	if _, ok := l.kernelEntry(u.ID); ok && l.Kernel != nil {
		mask = MaskMountinfo
	}
	saved := u.origin
	defer func() { u.origin = saved }()
	if fromFile && strings.HasPrefix(m.What, "/") && (mountIsBind(m) || !mountIsNetwork(m)) {
		u.requireMountsFor(m.What)
	}
	u.origin = mask
	if p != nil && p.What != "" && !mountIsBind(p) && unitname.IsDevicePath(p.What) && p.What != "/dev/root" && p.What != "/dev/nfs" && m.Where != "/" {
		if fstabHasOption(p.Options, "x-systemd.device-bound") {
			l.addNodeDependency(u, p.What, BindsTo)
		} else {
			l.addNodeDependency(u, p.What, Requires)
			if fromFile {
				l.addNodeDependency(u, p.What, StopPropagatedFrom)
			}
		}
		l.addBlockdevDependency(u, p.What)
	}
	if u.DefaultDependencies && p != nil && !mountIsExtrinsic(p) {
		before, after := "local-fs.target", "local-fs-pre.target"
		if mountIsNetwork(p) {
			before, after = "remote-fs.target", "remote-fs-pre.target"
		}
		if !(fromFile && fstabHasOption(m.Options, "nofail")) {
			_ = u.addDependency(Before, before)
		}
		_ = u.addDependency(After, after)
		u.addDependencies(Before, Conflicts, "umount.target")
		if mountIsNetwork(p) {
			_ = u.addDependency(After, "network.target")
			u.addDependencies(Wants, After, "network-online.target")
		}
		if p.FSType == "tmpfs" {
			_ = u.addDependency(After, "swap.target")
		}
	}
	return nil
}

// mountVerify is mount_verify: checks once the mount loaded.
func mountVerify(u *Unit, l *Loader) error {
	_, fromFile := l.mountParams(u)
	m := u.Mount
	e, err := unitname.FromPath(m.Where, ".mount")
	if err != nil {
		u.unitLog(LevelErr, "Failed to generate unit name from mount path: %s", strerror(err))
		return err
	}
	switch {
	case !u.hasName(e):
		return errorf(u, "Where= setting doesn't match unit name. Refusing.")
	case mountPointIsAPI(m.Where):
		return errorf(u, "Cannot create mount unit for API file system %s. Refusing.", m.Where)
	case fromFile && m.What == "" && !u.Perpetual:
		return errorf(u, "What= setting is missing. Refusing.")
	case u.Exec.PAMName != "" && u.Kill.KillMode != "control-group":
		return errorf(u, "Unit has PAM enabled. Kill mode must be set to control-group'. Refusing.")
	}
	return nil
}

// mountIsExtrinsic is mount_is_extrinsic for a mount read from a file:
// the OS itself and API file systems are mounted outside of systemd.
func mountIsExtrinsic(m *Mount) bool {
	w := m.Where
	if w == "/" || w == "/usr" || w == "/etc" {
		return true
	}
	for _, p := range []string{"/run/initramfs", "/proc", "/sys", "/dev"} {
		if w == p || strings.HasPrefix(w, p+"/") {
			return true
		}
	}
	return fstabHasOption(m.Options, "x-initrd.mount")
}

func (l *Loader) automountExtras(u *Unit) error {
	a := u.Automount
	if a.Where == "" {
		p, err := unitname.ToPath(u.ID)
		if err != nil {
			return err
		}
		a.Where = unitname.PathSimplify(p)
	}
	u.withOrigin(MaskImplicit, func() { u.addDependencies(Before, Triggers, u.loadRelated(".mount")) })
	if a.Where == "/" {
		// The root directory has no parent to require.
		return syscall.EADDRNOTAVAIL
	}
	u.withOrigin(MaskImplicit, func() { u.requireMountsFor(path.Dir(a.Where)) })
	if u.DefaultDependencies {
		u.withOrigin(MaskDefault, func() {
			_ = u.addDependency(Before, "local-fs.target")
			_ = u.addDependency(After, "local-fs-pre.target")
			u.addDependencies(Before, Conflicts, "umount.target")
		})
	}
	e, err := unitname.FromPath(a.Where, ".automount")
	if err != nil {
		u.unitLog(LevelErr, "Failed to generate unit name from path: %s", strerror(err))
		return err
	}
	if !u.hasName(e) {
		return errorf(u, "Where= setting doesn't match unit name. Refusing.")
	}
	for _, o := range []string{"fd", "pgrp", "minproto", "maxproto", "direct", "indirect"} {
		if fstabHasOption(a.ExtraOptions, o) {
			return errorf(u, "ExtraOptions= setting may not contain reserved option %s.", o)
		}
	}
	return nil
}

func (l *Loader) swapExtras(u *Unit) error {
	s := u.Swap
	if s.What == "" {
		p, err := unitname.ToPath(u.ID)
		if err != nil {
			return err
		}
		s.What = p
	}
	s.What = unitname.PathSimplify(s.What)
	if u.Description == "" {
		u.Description = s.What
	}
	u.withOrigin(MaskImplicit, func() { u.requireMountsFor(s.What) })
	if unitname.IsDevicePath(s.What) {
		l.addNodeDependency(u, s.What, Requires)
		l.addBlockdevDependency(u, s.What)
	} else {
		_ = u.addDependency(After, "systemd-remount-fs.service")
	}
	l.patchContexts(u)
	addExecDependencies(u)
	setDefaultSlice(u)
	if u.DefaultDependencies && !l.Defaults.InContainer {
		u.withOrigin(MaskDefault, func() {
			_ = u.addDependency(Before, "swap.target")
			u.addDependencies(Before, Conflicts, "umount.target")
		})
	}
	return nil
}

// swapVerify is swap_verify: checks once the swap loaded.
func swapVerify(u *Unit) error {
	s := u.Swap
	e, err := unitname.FromPath(s.What, ".swap")
	if err != nil {
		u.unitLog(LevelErr, "Failed to generate unit name from path: %s", strerror(err))
		return err
	}
	if !u.hasName(e) {
		return errorf(u, "Value of What= and unit name do not match, not loading.")
	}
	if u.Exec.PAMName != "" && u.Kill.KillMode != "control-group" {
		return errorf(u, "Unit has PAM enabled. Kill mode must be set to 'control-group'. Refusing to load.")
	}
	return nil
}
