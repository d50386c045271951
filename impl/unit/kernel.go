package unit

import "gosystemd/impl/unitname"

// KernelEntry is what the kernel's tables say of a mount or swap unit:
// for a mount, its line of /proc/self/mountinfo (252's
// parameters_proc_self_mountinfo: source, merged options, file system
// type); for a swap, its device in /proc/swaps (What alone).
type KernelEntry struct {
	What, Options, FSType string
}

// RootMount is the mount unit of "/", which always exists.
const RootMount = "-.mount"

// kernelEntry asks the manager's Kernel hook about a unit.
func (l *Loader) kernelEntry(name string) (KernelEntry, bool) {
	if l.Kernel == nil {
		return KernelEntry{}, false
	}
	return l.Kernel(name)
}

// kernelFragmentRequired is fragmentRequired for mounts and swaps: with
// the manager's Kernel hook, a unit without a file loads only while the
// kernel has it (252's mount_load and swap_load); -.mount always loads.
func (l *Loader) kernelFragmentRequired(u *Unit) bool {
	if u.Perpetual {
		return false
	}
	if l.FilesOnly {
		return true
	}
	if l.Kernel == nil {
		return false
	}
	_, ok := l.kernelEntry(u.ID)
	return !ok
}

// mountParams is 252's get_mount_parameters: the kernel's values while
// the path is mounted, else the unit file's; nil when there are neither.
// fromFile is 252's from_fragment (always true without the Kernel hook,
// as before the manager read the mount table).
func (l *Loader) mountParams(u *Unit) (p *Mount, fromFile bool) {
	m := u.Mount
	if l.Kernel == nil {
		return m, true
	}
	fromFile = u.FragmentPath != ""
	if k, ok := l.kernelEntry(u.ID); ok {
		return &Mount{What: k.What, Where: m.Where, Options: k.Options, FSType: k.FSType}, fromFile
	}
	if fromFile {
		return m, true
	}
	return nil, false
}

// rootMountDefaults is mount_load_root_mount: -.mount is perpetual and
// logs nowhere, before its files (if any) are read.
func rootMountDefaults(u *Unit) {
	if u.ID != RootMount || u.Type != unitname.Mount {
		return
	}
	u.Perpetual = true
	u.DefaultDependencies = false
	u.Exec.StdOutput = "null"
	u.Exec.StdInput = "null"
	u.Description = "Root Mount"
}

// MountPointIsAPI reports whether 252 keeps no mount unit for a mount
// point: its own API file systems (mount_point_is_api, Debian's table
// with /run/lock) and those it leaves to other software
// (mount_point_ignore).
func MountPointIsAPI(where string) bool { return mountPointIsAPI(where) }

// collectedAtOnce reports whether a mount unit loaded only because a path
// needs it would be garbage-collected by 252 right away: with the Kernel
// hook, one that has neither a file nor a kernel entry loads as
// not-found, and nothing refers to it (unit_add_mount_dependencies adds
// no dependency on a unit that did not load).
func (l *Loader) collectedAtOnce(name string, fragment *File) bool {
	if l.Kernel == nil || fragment != nil || name == RootMount {
		return false
	}
	_, ok := l.kernelEntry(name)
	return !ok
}
