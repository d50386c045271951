package udev

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// FS is where devices are read from: sysfs (/sys), udev's database
// (/run/udev) and the device nodes (/dev). Paths in Devices are always
// the system's own ("/sys/devices/…"); Root only moves where they are
// read, for tests on a fixture tree.
type FS struct {
	// Root is prefixed to every path read; "" is the real root.
	Root string
	// StatNode, if set, replaces stat(2) of a device node or link (given
	// its path under Root): whether it is a block device (else a
	// character device) and its number. Fixture trees cannot hold device
	// nodes.
	StatNode func(path string) (block bool, major, minor uint32, err error)
}

func (f FS) real(p string) string { return f.Root + p }

// resolve is chase_symlinks for a path under Root: the canonical path,
// without Root.
func (f FS) resolve(p string) (string, error) {
	r, err := filepath.EvalSymlinks(f.real(p))
	if err != nil {
		return "", err
	}
	if f.Root == "" {
		return r, nil
	}
	root, err := filepath.EvalSymlinks(f.Root)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(r, root)
	if !ok || rest != "" && rest[0] != '/' {
		return "", fmt.Errorf("%s leaves the root: %w", p, ErrNoDevice)
	}
	if rest == "" {
		rest = "/"
	}
	return rest, nil
}

// readSmall reads a sysfs or database file, at most maxDBSize bytes.
func readSmall(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, maxDBSize))
}

// absent is ERRNO_IS_DEVICE_ABSENT.
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENXIO)
}

// FromSyspath reads the device at a sysfs path (which may be a symlink,
// as /sys/dev/block/8:0 is): its uevent file and its database entry, as
// sd_device_new_from_syspath and the reads that follow.
func (f FS) FromSyspath(syspath string) (*Device, error) {
	if !strings.HasPrefix(syspath, "/sys/") {
		return nil, fmt.Errorf("%s: %w", syspath, ErrInvalid)
	}
	p, err := f.resolve(syspath)
	if err != nil {
		if absent(err) {
			return nil, fmt.Errorf("%s: %w", syspath, ErrNoDevice)
		}
		return nil, fmt.Errorf("resolving %s: %w", syspath, err)
	}
	if !strings.HasPrefix(p, "/sys/") {
		return nil, fmt.Errorf("%s is outside of sysfs: %w", p, ErrNoDevice)
	}
	if strings.HasPrefix(p, "/sys/devices/") {
		// Proper devices must have a uevent file.
		if _, err := os.Lstat(f.real(p + "/uevent")); err != nil {
			return nil, fmt.Errorf("%s has no uevent file: %w", p, ErrNoDevice)
		}
	} else if st, err := os.Stat(f.real(p)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is no directory: %w", p, ErrNoDevice)
	}
	d := &Device{Syspath: p}
	d.setProperty("DEVPATH", d.Devpath())
	f.readSubsystem(d)
	if data, err := readSmall(f.real(p + "/uevent")); err == nil {
		parseUevent(data, d)
	}
	if id := d.ID(); id != "" {
		if data, err := readSmall(f.real("/run/udev/data/" + id)); err == nil {
			ParseDB(data, d)
		}
	}
	return d, nil
}

// readSubsystem is sd_device_get_subsystem: the "subsystem" link's
// target, or the implicit subsystems of modules, drivers and
// subsystems themselves.
func (f FS) readSubsystem(d *Device) {
	dp := d.Devpath()
	if t, err := os.Readlink(f.real(d.Syspath + "/subsystem")); err == nil {
		d.Subsystem = filepath.Base(t)
	} else if rest, ok := strings.CutPrefix(dp, "/module/"); ok && rest != "" {
		d.Subsystem = "module"
	} else if strings.Contains(d.Syspath, "/drivers/") || strings.HasSuffix(d.Syspath, "/drivers") {
		if sub, ok := driversSubsystem(dp); ok {
			d.Subsystem, d.driverSubsystem = "drivers", sub
		}
	} else if rest, ok := cutAnyPrefix(dp, "/class/", "/bus/"); ok && rest != "" {
		d.Subsystem = "subsystem"
	}
	if d.Subsystem != "" {
		d.setProperty("SUBSYSTEM", d.Subsystem)
	}
}

func cutAnyPrefix(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

// FromDevnum reads the block or character device with that number
// (sd_device_new_from_devnum), through /sys/dev.
func (f FS) FromDevnum(block bool, major, minor uint32) (*Device, error) {
	if major == 0 {
		return nil, ErrNoDevice
	}
	t := "char"
	if block {
		t = "block"
	}
	d, err := f.FromSyspath(fmt.Sprintf("/sys/dev/%s/%d:%d", t, major, minor))
	if err != nil {
		return nil, err
	}
	if d.Major != major || d.Minor != minor || (d.Subsystem == "block") != block {
		return nil, fmt.Errorf("%s for %s %d:%d: %w", d.Syspath, t, major, minor, ErrMismatch)
	}
	return d, nil
}

// FromDevname reads the device a node or link under /dev stands for
// (sd_device_new_from_devname): /dev/block/M:m and /dev/char/M:m by
// their names, anything else by stat(2).
func (f FS) FromDevname(devname string) (*Device, error) {
	rest, ok := strings.CutPrefix(devname, "/dev")
	if !ok || rest != "" && rest[0] != '/' || strings.Trim(rest, "/") == "" {
		return nil, fmt.Errorf("%s: %w", devname, ErrInvalid)
	}
	for _, t := range []string{"block", "char"} {
		if num, ok := strings.CutPrefix(devname, "/dev/"+t+"/"); ok {
			if ma, mi, ok := parseDevnum(num); ok {
				return f.FromDevnum(t == "block", ma, mi)
			}
		}
	}
	var block bool
	var ma, mi uint32
	if f.StatNode != nil {
		var err error
		if block, ma, mi, err = f.StatNode(f.real(devname)); err != nil {
			if absent(err) {
				return nil, fmt.Errorf("%s: %w", devname, ErrNoDevice)
			}
			return nil, err
		}
	} else {
		var st unix.Stat_t
		if err := unix.Stat(f.real(devname), &st); err != nil {
			if absent(err) {
				return nil, fmt.Errorf("%s: %w", devname, ErrNoDevice)
			}
			return nil, &fs.PathError{Op: "stat", Path: devname, Err: err}
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFBLK:
			block = true
		case unix.S_IFCHR:
		default:
			return nil, fmt.Errorf("%s: %w", devname, ErrNotDevice)
		}
		ma, mi = unix.Major(st.Rdev), unix.Minor(st.Rdev)
	}
	return f.FromDevnum(block, ma, mi)
}

// parseDevnum parses "major:minor".
func parseDevnum(s string) (uint32, uint32, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	ma, err1 := strconv.ParseUint(a, 10, 32)
	mi, err2 := strconv.ParseUint(b, 10, 32)
	return uint32(ma), uint32(mi), err1 == nil && err2 == nil
}

// FromDeviceID reads the device of a database ID ("b8:0", "c4:64", "n3",
// "+module:fuse"), as sd_device_new_from_device_id.
func (f FS) FromDeviceID(id string) (*Device, error) {
	if id == "" {
		return nil, ErrInvalid
	}
	switch id[0] {
	case 'b', 'c':
		ma, mi, ok := parseDevnum(id[1:])
		if !ok {
			return nil, fmt.Errorf("%s: %w", id, ErrInvalid)
		}
		return f.FromDevnum(id[0] == 'b', ma, mi)
	case 'n':
		idx, err := strconv.Atoi(id[1:])
		if err != nil || idx <= 0 {
			return nil, fmt.Errorf("%s: %w", id, ErrInvalid)
		}
		return f.fromIfindex(idx)
	case '+':
		sub, name, ok := strings.Cut(id[1:], ":")
		if !ok || len(sub) > 255 {
			return nil, fmt.Errorf("%s: %w", id, ErrInvalid)
		}
		return f.FromSubsystemSysname(sub, name)
	}
	return nil, fmt.Errorf("%s: %w", id, ErrInvalid)
}

// fromIfindex finds a network interface by index, as the kernel names it
// in /sys/class/net.
func (f FS) fromIfindex(idx int) (*Device, error) {
	ents, err := os.ReadDir(f.real("/sys/class/net"))
	if err != nil {
		return nil, fmt.Errorf("interface %d: %w", idx, ErrNoDevice)
	}
	for _, e := range ents {
		data, err := readSmall(f.real("/sys/class/net/" + e.Name() + "/ifindex"))
		if err != nil {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && n == idx {
			d, err := f.FromSyspath("/sys/class/net/" + e.Name())
			if err != nil {
				return nil, err
			}
			if d.Ifindex != idx {
				return nil, fmt.Errorf("interface %d: %w", idx, ErrNoDevice)
			}
			return d, nil
		}
	}
	return nil, fmt.Errorf("interface %d: %w", idx, ErrNoDevice)
}

// FromSubsystemSysname finds a device by subsystem and name, where
// sd_device_new_from_subsystem_sysname looks: /sys/bus/S/devices/N,
// /sys/class/S/N, /sys/firmware/S/N, and the special places of
// subsystems, modules and drivers.
func (f FS) FromSubsystemSysname(subsystem, sysname string) (*Device, error) {
	if !pathIsNormalized(subsystem) || !pathIsNormalized(sysname) {
		return nil, fmt.Errorf("%s:%s: %w", subsystem, sysname, ErrInvalid)
	}
	name := strings.ReplaceAll(sysname, "/", "!")
	var cands []string
	switch subsystem {
	case "subsystem":
		cands = []string{"/sys/bus/" + name, "/sys/class/" + name}
	case "module":
		cands = []string{"/sys/module/" + name}
	case "drivers":
		if sub, drv, ok := strings.Cut(name, ":"); ok && drv != "" {
			if drv == "drivers" {
				cands = []string{"/sys/bus/" + sub + "/drivers"}
			} else {
				cands = []string{"/sys/bus/" + sub + "/drivers/" + drv}
			}
		}
	}
	cands = append(cands, "/sys/bus/"+subsystem+"/devices/"+name, "/sys/class/"+subsystem+"/"+name,
		"/sys/firmware/"+subsystem+"/"+name)
	for _, c := range cands {
		if _, err := os.Lstat(f.real(c)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		return f.FromSyspath(c)
	}
	return nil, fmt.Errorf("%s:%s: %w", subsystem, sysname, ErrNoDevice)
}

// pathIsNormalized is systemd's path_is_normalized: no "." or ".."
// components, no repeated or trailing slash, not empty.
func pathIsNormalized(p string) bool {
	if p == "" || len(p) > 4096 || strings.Contains(p, "//") || strings.HasSuffix(p, "/") && p != "/" {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." {
			return false
		}
	}
	return true
}

// maxEnumerated bounds how many devices one enumeration returns, so that
// a pathological database cannot exhaust memory.
const maxEnumerated = 1 << 16

// EnumerateTag lists the devices udev tagged with tag, as an
// sd_device_enumerator matching that tag does by default: from
// /run/udev/tags/<tag>, only devices udev initialized (or that have
// neither node nor interface), with a subsystem, each once, in
// sd-device's order (by devpath; md and dm devices last). Devices that
// vanished are skipped; the error reports the first other failure, with
// every readable device still returned.
func (f FS) EnumerateTag(tag string) ([]*Device, error) {
	dir, err := os.Open(f.real("/run/udev/tags/" + tag))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer dir.Close()
	names, err := dir.Readdirnames(maxEnumerated)
	if err != nil && err != io.EOF {
		return nil, err
	}
	var out []*Device
	var first error
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || n[0] == '.' {
			continue
		}
		d, err := f.FromDeviceID(n)
		if err != nil {
			if !errors.Is(err, ErrNoDevice) && first == nil {
				first = err
			}
			continue
		}
		if d.Subsystem == "" || !d.Initialized && (d.Major > 0 || d.Ifindex > 0) || seen[d.Syspath] {
			continue
		}
		seen[d.Syspath] = true
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return devpathLess(out[i].Devpath(), out[j].Devpath()) })
	return out, first
}

// devpathLess is sd-device's enumeration order: md and dm block devices
// after the rest, then by path, component by component. (252 also means
// to put a sound card's control device last, but its check never
// matches a devpath.)
func devpathLess(a, b string) bool {
	la, lb := lateBlock(a), lateBlock(b)
	if la != lb {
		return lb
	}
	return pathCompare(a, b) < 0
}

func lateBlock(p string) bool {
	return strings.Contains(p, "/block/md") || strings.Contains(p, "/block/dm-")
}

// pathCompare is systemd's path_compare: absolute before relative, then
// component by component, a prefix first.
func pathCompare(a, b string) int {
	aa, ab := strings.HasPrefix(a, "/"), strings.HasPrefix(b, "/")
	if aa != ab {
		if aa {
			return -1
		}
		return 1
	}
	ca, cb := components(a), components(b)
	for i := 0; i < len(ca) && i < len(cb); i++ {
		if c := strings.Compare(ca[i], cb[i]); c != 0 {
			return c
		}
	}
	return len(ca) - len(cb)
}

func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}
