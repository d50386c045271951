package pid1

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// dropImageMappings takes the pages of the binary's code and read-only
// data out of PID 1's page tables (MADV_DONTNEED on its read-only file
// mappings). Startup runs most of the binary once — every package's
// init, the unit file parser, the transaction planner — and the kernel
// maps up to 64 KiB around each page faulted in (fault-around), so after
// a boot nearly the whole image is mapped though little of it runs
// again. The pages stay in the page cache: what runs afterwards faults
// them back in without I/O, and the rest is left for the kernel to
// reclaim as any unmapped file page, as a kernel frees its init
// sections once booted. Only private mappings that are not writable and
// hold no copied-on-write page are dropped: for those MADV_DONTNEED
// loses nothing.
func dropImageMappings() {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	var img imageFile
	img.path, _ = os.Readlink("/proc/self/exe")
	if fi, err := os.Stat("/proc/self/exe"); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			img.dev, img.ino = st.Dev, st.Ino
		}
	}
	for _, m := range cleanImageMappings(string(smaps), img) {
		// Not Go memory: the raw call rather than unix.Madvise's slice.
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED)
	}
}

// imageFile names the executable: its path as /proc/self/exe reads, and
// its device and inode (overlayfs may show maps either).
type imageFile struct {
	path     string
	dev, ino uint64
}

type addressRange struct{ start, end uintptr }

// cleanImageMappings lists, from /proc/self/smaps text, img's private
// mappings that are not writable and have no anonymous page.
func cleanImageMappings(smaps string, img imageFile) []addressRange {
	var out []addressRange
	var cur addressRange
	candidate := false
	for _, line := range strings.Split(smaps, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if r, ok := mappingHeader(f, img); ok || !strings.HasSuffix(f[0], ":") {
			// A mapping's first line; the others are "Key: value".
			cur, candidate = r, ok
			continue
		}
		if candidate && f[0] == "Anonymous:" {
			candidate = false
			if len(f) >= 2 && f[1] == "0" {
				out = append(out, cur)
			}
		}
	}
	return out
}

// mappingHeader parses "start-end perms offset major:minor inode path"
// and says whether it is a read-only private mapping of img.
func mappingHeader(f []string, img imageFile) (addressRange, bool) {
	if len(f) < 6 {
		return addressRange{}, false
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if !ok || err1 != nil || err2 != nil || end <= start {
		return addressRange{}, false
	}
	if perms := f[1]; len(perms) != 4 || perms[0] != 'r' || perms[1] != '-' || perms[3] != 'p' {
		return addressRange{}, false
	}
	same := img.path != "" && strings.Join(f[5:], " ") == img.path
	if maj, min, ok := strings.Cut(f[3], ":"); ok && !same && img.ino != 0 {
		ma, err1 := strconv.ParseUint(maj, 16, 32)
		mi, err2 := strconv.ParseUint(min, 16, 32)
		ino, err3 := strconv.ParseUint(f[4], 10, 64)
		same = err1 == nil && err2 == nil && err3 == nil && ino == img.ino && unix.Mkdev(uint32(ma), uint32(mi)) == img.dev
	}
	return addressRange{uintptr(start), uintptr(end)}, same
}
