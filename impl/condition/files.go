package condition

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// accessNoFollow is laccess(p, F_OK).
func accessNoFollow(p string) error {
	return unix.Faccessat(unix.AT_FDCWD, p, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW)
}

func (e *Evaluator) testPathExists(c *Condition, notes *[]Note) (bool, error) {
	return syscall.Access(e.path(c.Parameter), unix.F_OK) == nil, nil
}

func (e *Evaluator) testPathExistsGlob(c *Condition, notes *[]Note) (bool, error) {
	return globExists(e.root, c.Parameter), nil
}

func (e *Evaluator) testPathIsDirectory(c *Condition, notes *[]Note) (bool, error) {
	st, err := os.Stat(e.path(c.Parameter))
	return err == nil && st.IsDir(), nil
}

func (e *Evaluator) testPathIsSymbolicLink(c *Condition, notes *[]Note) (bool, error) {
	st, err := os.Lstat(e.path(c.Parameter))
	return err == nil && st.Mode()&os.ModeSymlink != 0, nil
}

func (e *Evaluator) testFileNotEmpty(c *Condition, notes *[]Note) (bool, error) {
	st, err := os.Stat(e.path(c.Parameter))
	return err == nil && st.Mode().IsRegular() && st.Size() > 0, nil
}

func (e *Evaluator) testFileIsExecutable(c *Condition, notes *[]Note) (bool, error) {
	st, err := os.Stat(e.path(c.Parameter))
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0, nil
}

// readOnlyFS is path_is_read_only_fs: mounted read-only, or (for NFS)
// writing refused with EROFS.
func readOnlyFS(p string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return false, err
	}
	if st.Flags&unix.ST_RDONLY != 0 {
		return true, nil
	}
	return unix.Access(p, unix.W_OK) == unix.EROFS, nil
}

func (e *Evaluator) testPathIsReadWrite(c *Condition, notes *[]Note) (bool, error) {
	ro, err := readOnlyFS(e.path(c.Parameter))
	// Errors other than a missing path count as writable.
	return !ro && !isErrno(err, syscall.ENOENT), nil
}

func (e *Evaluator) testDirectoryNotEmpty(c *Condition, notes *[]Note) (bool, error) {
	empty, err := dirIsEmpty(e.path(c.Parameter))
	if err != nil {
		return !isErrno(err, syscall.ENOENT) && !isErrno(err, syscall.ENOTDIR), nil
	}
	return !empty, nil
}

// dirIsEmpty is dir_is_empty ignoring hidden and backup files.
func dirIsEmpty(p string) (bool, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return false, errnoOf(err)
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(16)
		for _, n := range names {
			if !unitname.HiddenOrBackup(n) {
				return false, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, errnoOf(err)
		}
	}
}

func (e *Evaluator) testPathIsMountPoint(c *Condition, notes *[]Note) (bool, error) {
	m, err := e.isMountPoint(c.Parameter)
	return err == nil && m, nil
}

// isMountPoint is path_is_mount_point with symlinks followed: the
// statx mount-root attribute, else a mount ID or device different from
// the parent's (or the same inode as the parent: the root).
func (e *Evaluator) isMountPoint(p string) (bool, error) {
	if unitname.PathEqual(p, "/") && e.root == "" {
		return true, nil
	}
	canonical, err := filepath.EvalSymlinks(e.path(p))
	if err != nil {
		return false, err
	}
	if canonical == "/" {
		return true, nil
	}
	var sx unix.Statx_t
	err = unix.Statx(unix.AT_FDCWD, canonical, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE|unix.STATX_MNT_ID, &sx)
	if err == nil && sx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return sx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
	}
	var parent unix.Statx_t
	if err == nil && sx.Mask&unix.STATX_MNT_ID != 0 &&
		unix.Statx(unix.AT_FDCWD, filepath.Dir(canonical), unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE|unix.STATX_MNT_ID, &parent) == nil &&
		parent.Mask&unix.STATX_MNT_ID != 0 {
		if sx.Mnt_id != parent.Mnt_id {
			return true, nil
		}
		return sx.Ino == parent.Ino && sx.Dev_major == parent.Dev_major && sx.Dev_minor == parent.Dev_minor, nil
	}
	var a, b unix.Stat_t
	if err := unix.Lstat(canonical, &a); err != nil {
		return false, err
	}
	if err := unix.Stat(filepath.Dir(canonical), &b); err != nil {
		return false, err
	}
	return a.Dev != b.Dev || a.Ino == b.Ino, nil
}

func (e *Evaluator) testPathIsEncrypted(c *Condition, notes *[]Note) (bool, error) {
	enc, err := e.pathIsEncrypted(c.Parameter)
	if err != nil && !isErrno(err, syscall.ENOENT) {
		e.debugf(notes, "Failed to determine if '%s' is encrypted: %s", c.Parameter, Strerror(err))
	}
	return err == nil && enc, nil
}

// pathIsEncrypted is path_is_encrypted: the block device of the file
// system is dm-crypt, or stacked only on dm-crypt devices. File systems
// without a block device (and btrfs, whose devices are not looked up
// here) are not encrypted.
func (e *Evaluator) pathIsEncrypted(p string) (bool, error) {
	fd, err := unix.Open(e.path(p), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	var st unix.Stat_t
	err = unix.Fstat(fd, &st)
	unix.Close(fd)
	if err != nil {
		return false, err
	}
	if unix.Major(st.Dev) == 0 {
		return false, nil
	}
	return e.blockdevIsEncrypted("/sys/dev/block/"+itoa(unix.Major(st.Dev))+":"+itoa(unix.Minor(st.Dev)), 10)
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func (e *Evaluator) blockdevIsEncrypted(sysfs string, depth int) (bool, error) {
	if depth == 0 {
		return false, syscall.EINVAL
	}
	uuid, err := e.readOneLine(sysfs + "/dm/uuid")
	if err == nil && strings.HasPrefix(uuid, "CRYPT-") {
		return true, nil
	}
	if err != nil && !isErrno(err, syscall.ENOENT) {
		return false, err
	}
	f, err := os.Open(e.path(sysfs + "/slaves"))
	if err != nil {
		if isErrno(errnoOf(err), syscall.ENOENT) {
			return false, nil
		}
		return false, errnoOf(err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return false, errnoOf(err)
	}
	found := false
	for _, n := range names {
		enc, err := e.blockdevIsEncrypted(sysfs+"/slaves/"+n, depth-1)
		if err != nil {
			return false, err
		}
		if !enc {
			return false, nil
		}
		found = true
	}
	return found, nil
}

func (e *Evaluator) testFirmware(c *Condition, notes *[]Note) (bool, error) {
	p := c.Parameter
	switch {
	case p == "device-tree":
		ok, _ := e.exists("/sys/firmware/devicetree/")
		return ok, nil
	case strings.HasPrefix(p, "device-tree-compatible("):
		arg := strings.TrimPrefix(p, "device-tree-compatible(")
		end := strings.LastIndexByte(arg, ')')
		if end < 0 || end != len(arg)-1 {
			e.debugf(notes, "Malformed ConditionFirmware=%s", p)
			return false, nil
		}
		return e.deviceTreeCompatible(arg[:end]), nil
	case p == "uefi":
		return e.isEFIBoot(), nil
	case strings.HasPrefix(p, "smbios-field("):
		arg := strings.TrimPrefix(p, "smbios-field(")
		end := strings.LastIndexByte(arg, ')')
		if end < 0 || end != len(arg)-1 {
			e.debugf(notes, "Malformed ConditionFirmware=%s: Invalid argument", p)
			return false, syscall.EINVAL
		}
		holds, err := e.smbiosField(arg[:end], notes)
		if err != nil {
			e.debugf(notes, "Malformed ConditionFirmware=%s: %s", p, Strerror(err))
		}
		return holds, err
	}
	e.debugf(notes, "Unsupported Firmware condition \"%s\"", p)
	return false, nil
}

// deviceTreeCompatible reports whether the device tree's "compatible"
// list (NUL-terminated strings) names compat.
func (e *Evaluator) deviceTreeCompatible(compat string) bool {
	data, err := e.readVirtualFile("/proc/device-tree/compatible")
	if err != nil || len(data) == 0 || data[len(data)-1] != 0 {
		return false
	}
	for _, s := range strings.Split(string(data[:len(data)-1]), "\x00") {
		if s == compat {
			return true
		}
	}
	return false
}

// smbiosField tests "field OP value" against /sys/class/dmi/id/field.
func (e *Evaluator) smbiosField(expr string, notes *[]Note) (bool, error) {
	x := unitfile.NewExtractor(expr)
	field, ok, err := x.Next(compareOperatorWithFnmatchChars, unitfile.ExtractRetainSeparators)
	if err != nil {
		return false, err
	}
	if !ok || x.Rest() == "" {
		return false, syscall.EINVAL
	}
	field = strings.TrimRight(field, unitfile.Whitespace)
	op, rest := parseCompareOperator(x.Rest(), compareAllowFnmatch|compareEqualByString)
	if op == opInvalid {
		return false, syscall.EINVAL
	}
	vx := unitfile.NewExtractor(rest)
	expected, ok, err := vx.Next(unitfile.Whitespace, unitfile.ExtractUnquote)
	if err != nil {
		return false, err
	}
	if !ok || vx.Rest() != "" {
		return false, syscall.EINVAL
	}
	if !unitname.FilenameIsValid(field) {
		e.debugf(notes, "Invalid SMBIOS field name")
		return false, syscall.EINVAL
	}
	p := "/sys/class/dmi/id/" + field
	data, err := e.readVirtualFile(p)
	if err != nil {
		e.debugf(notes, "Failed to read %s: %s", p, Strerror(err))
		if isErrno(err, syscall.ENOENT) {
			return false, nil
		}
		return false, err
	}
	actual := strings.TrimRight(string(data), unitfile.Whitespace)
	return versionOrFnmatchCompare(op, actual, expected)
}

// isEFIBoot is is_efi_boot: never in a container, else whether the
// firmware exposes EFI.
func (e *Evaluator) isEFIBoot() bool {
	if v, err := e.detectContainer(); err == nil && v != VirtNone {
		return false
	}
	ok, _ := e.exists("/sys/firmware/efi/")
	return ok
}

const efiGlobalVariable = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

// isEFISecureBoot is is_efi_secure_boot: the SecureBoot variable is one
// non-zero byte.
func (e *Evaluator) isEFISecureBoot() bool {
	if !e.isEFIBoot() {
		return false
	}
	data, err := e.readVirtualFile("/sys/firmware/efi/efivars/SecureBoot-" + efiGlobalVariable)
	if err != nil || len(data) != 5 {
		return false
	}
	return data[4] != 0
}

// hasTPM2 is has_tpm2: the kernel has the TPM subsystem (outside
// containers) and the firmware announces a TPM2.
func (e *Evaluator) hasTPM2() bool {
	subsystem := false
	if v, err := e.detectContainer(); err != nil || v == VirtNone {
		if _, err := os.Stat(e.path("/sys/class/tpmrm")); err == nil {
			subsystem = true
		}
	}
	if !subsystem || !e.isEFIBoot() {
		return false
	}
	ok, _ := e.exists("/sys/firmware/acpi/tables/TPM2")
	return ok
}

const selinuxMagic = 0xf97cff8c

func (e *Evaluator) testSecurity(c *Condition, notes *[]Note) (bool, error) {
	switch c.Parameter {
	case "selinux":
		// libselinux: selinuxfs is mounted (and writable).
		var st unix.Statfs_t
		return unix.Statfs(e.path("/sys/fs/selinux"), &st) == nil && uint32(st.Type) == selinuxMagic &&
			st.Flags&unix.ST_RDONLY == 0, nil
	case "smack":
		ok, _ := e.exists("/sys/fs/smackfs/")
		return ok, nil
	case "apparmor":
		v, err := e.readOneLine("/sys/module/apparmor/parameters/enabled")
		if err != nil {
			return false, nil
		}
		b, err := value.ParseBoolean(v)
		return err == nil && b, nil
	case "audit":
		return e.kernel.AuditAvailable(), nil
	case "ima":
		ok, _ := e.exists("/sys/kernel/security/ima/")
		return ok, nil
	case "tomoyo":
		ok, _ := e.exists("/sys/kernel/security/tomoyo/version")
		return ok, nil
	case "uefi-secureboot":
		return e.isEFISecureBoot(), nil
	case "tpm2":
		return e.hasTPM2(), nil
	}
	return false, nil
}

// onACPower is on_ac_power: an online mains (or sink-mode USB) supply,
// else no discharging battery.
func (e *Evaluator) onACPower() bool {
	dir := "/sys/class/power_supply"
	f, err := os.Open(e.path(dir))
	if err != nil {
		return true
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	acOnline, discharging := false, false
	for _, n := range names {
		d := dir + "/" + n
		attr := func(name string) (string, error) {
			data, err := e.readVirtualFile(d + "/" + name)
			return strings.TrimRight(string(data), "\n"), err
		}
		typ, err := attr("type")
		if err != nil {
			continue
		}
		if typ == "USB" && !e.usbPowerSink(d) {
			continue
		}
		if typ == "Battery" {
			if scope, err := attr("scope"); err == nil && scope == "Device" {
				continue
			}
			if present, err := attr("present"); err == nil {
				if b, err := value.ParseBoolean(present); err == nil && !b {
					continue
				}
			}
			if status, err := attr("status"); err != nil || status == "Discharging" {
				discharging = true
			}
			continue
		}
		online, err := attr("online")
		if err != nil {
			continue
		}
		if v, err := value.SafeAtou(online); err == nil && v > 0 {
			acOnline = true
		}
	}
	return acOnline || !discharging
}

// usbPowerSink is device_is_power_sink: some type-C port beside the
// supply is in sink mode, or none is in source mode.
func (e *Evaluator) usbPowerSink(supply string) bool {
	parent, err := filepath.EvalSymlinks(e.path(supply + "/device"))
	if err != nil {
		return true
	}
	ports, _ := filepath.Glob(e.path("/sys/class/typec/*"))
	source, sink := false, false
	for _, port := range ports {
		dev, err := filepath.EvalSymlinks(port)
		if err != nil || !strings.HasPrefix(dev, parent+"/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(port, "power_role"))
		if err != nil {
			continue
		}
		switch role := string(data); {
		case strings.Contains(role, "[source]"):
			source = true
		case strings.Contains(role, "[sink]"):
			sink = true
		}
	}
	return sink || !source
}

// cmdlineBool is proc_cmdline_get_bool: found reports whether key is on
// the kernel command line (or, with lower priority, in systemd's EFI
// options variable), as "key" (true) or "key=bool".
func (e *Evaluator) cmdlineBool(key string) (v, found bool, err error) {
	line, err := e.kernelCommandLine()
	if err != nil {
		return false, false, err
	}
	val, found, err := cmdlineGetKey(line, key)
	if err != nil {
		return false, false, err
	}
	if !found {
		line, ok := e.getenv("SYSTEMD_EFI_OPTIONS")
		if !ok {
			line, err = e.readOneLine("/run/systemd/efivars/SystemdOptions-8cf2644b-4b0b-428f-9387-6d876050dc67")
			if isErrno(err, syscall.ENOENT) {
				return false, false, nil
			}
			if err != nil {
				return false, false, err
			}
		}
		if val, found, err = cmdlineGetKey(line, key); err != nil || !found {
			return false, false, err
		}
	}
	if val == nil {
		return true, true, nil
	}
	b, err := value.ParseBoolean(*val)
	return b, err == nil, err
}

// cmdlineGetKey is cmdline_get_key with an optional value: the value of
// the last "key=value" ("-" and "_" alike in the key); a bare "key"
// counts as found without replacing a value seen before. Arguments for
// the initrd ("rd.") never match.
func cmdlineGetKey(line, key string) (val *string, found bool, err error) {
	x := unitfile.NewExtractor(line)
	for {
		word, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote|unitfile.ExtractRelax|unitfile.ExtractRetainEscape)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return val, found, nil
		}
		if strings.HasPrefix(word, "rd.") || len(word) < len(key) || !relaxedEqual(word[:len(key)], key) {
			continue
		}
		switch rest := word[len(key):]; {
		case rest == "":
			found = true
		case rest[0] == '=':
			s := rest[1:]
			found, val = true, &s
		}
	}
}

func relaxedEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == '_' {
			x = '-'
		}
		if y == '_' {
			y = '-'
		}
		if x != y {
			return false
		}
	}
	return true
}

// inInitrd is in_initrd: $SYSTEMD_IN_INITRD, else /etc/initrd-release.
func (e *Evaluator) inInitrd() bool {
	if v, ok := e.getenv("SYSTEMD_IN_INITRD"); ok {
		if b, err := value.ParseBoolean(v); err == nil {
			return b
		}
	}
	ok, _ := e.exists("/etc/initrd-release")
	return ok
}

func (e *Evaluator) testNeedsUpdate(c *Condition, notes *[]Note) (bool, error) {
	b, found, err := e.cmdlineBool("systemd.condition-needs-update")
	if err != nil {
		e.debugf(notes, "Failed to parse systemd.condition-needs-update= kernel command line argument, ignoring: %s", Strerror(err))
	}
	if found {
		return b, nil
	}
	if e.inInitrd() {
		e.debugf(notes, "We are in an initrd, not doing any updates.")
		return false, nil
	}
	p := c.Parameter
	if !strings.HasPrefix(p, "/") {
		e.debugf(notes, "Specified condition parameter '%s' is not absolute, assuming an update is needed.", p)
		return true, nil
	}
	// Nothing is updated on a read-only file system.
	ro, err := readOnlyFS(e.path(p))
	if err != nil {
		e.debugf(notes, "Failed to determine if '%s' is read-only, ignoring: %s", p, Strerror(err))
	}
	if ro {
		return false, nil
	}
	// Any failure from here on asks for the update.
	stamp := p + "/.updated"
	var other, usr unix.Stat_t
	if err := unix.Lstat(e.path(stamp), &other); err != nil {
		if err != unix.ENOENT {
			e.debugf(notes, "Failed to stat() '%s', assuming an update is needed: %s", stamp, Strerror(err))
		}
		return true, nil
	}
	if err := unix.Lstat(e.path("/usr/"), &usr); err != nil {
		e.debugf(notes, "Failed to stat() /usr/, assuming an update is needed: %s", Strerror(err))
		return true, nil
	}
	if usr.Mtim.Sec != other.Mtim.Sec {
		return usr.Mtim.Sec > other.Mtim.Sec, nil
	}
	// Same second: nanoseconds decide, unless the stamp's file system
	// drops them; then the stamp file says when it was written.
	if usr.Mtim.Nsec == 0 || other.Mtim.Nsec > 0 {
		return usr.Mtim.Nsec > other.Mtim.Nsec, nil
	}
	data, err := os.ReadFile(e.path(stamp))
	if err != nil {
		e.debugf(notes, "Failed to parse timestamp file '%s', using mtime: %s", stamp, Strerror(errnoOf(err)))
		return true, nil
	}
	env, _, err := unitfile.LoadEnvFile(stamp, data)
	if err != nil {
		e.debugf(notes, "Failed to parse timestamp file '%s', using mtime: %s", stamp, Strerror(err))
		return true, nil
	}
	ts := ""
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == "TIMESTAMP_NSEC" {
			ts = v
		}
	}
	if ts == "" {
		e.debugf(notes, "No data in timestamp file '%s', using mtime.", stamp)
		return true, nil
	}
	n, err := value.SafeAtou64(ts)
	if err != nil {
		e.debugf(notes, "Failed to parse timestamp value '%s' in file '%s', using mtime: %s", ts, stamp, Strerror(err))
		return true, nil
	}
	return uint64(usr.Mtim.Sec)*1e9+uint64(usr.Mtim.Nsec) > n, nil
}
