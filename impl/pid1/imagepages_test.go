package pid1

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestCleanImageMappings(t *testing.T) {
	smaps := `00400000-008fc000 r-xp 00000000 00:28 10117128                           /usr/lib/systemd/systemd
Size:               5104 kB
Rss:                4784 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me dw sd
008fc000-00db5000 r--p 004fc000 00:28 10117128                           /usr/lib/systemd/systemd
Rss:                4580 kB
Anonymous:             0 kB
00db5000-00dda000 rw-p 009b5000 00:28 10117128                           /usr/lib/systemd/systemd
Rss:                 148 kB
Anonymous:            56 kB
00dda000-00e00000 r--p 009da000 00:28 10117128                           /usr/lib/systemd/systemd
Anonymous:             4 kB
00e00000-00e10000 r--s 00000000 00:28 10117128                           /usr/lib/systemd/systemd
Anonymous:             0 kB
20fbfd400000-20fbfe400000 rw-p 00000000 00:00 0 
Anonymous:          6240 kB
7f2fea000000-7f2fea100000 r--p 00000000 fe:00 4242                       /usr/lib/locale/C.utf8/LC_CTYPE
Anonymous:             0 kB
7f2fea200000-7f2fea210000 r-xp 00000000 fe:00 777                        /old path/systemd (deleted)
Anonymous:             0 kB
`
	byPath := cleanImageMappings(smaps, imageFile{path: "/usr/lib/systemd/systemd"})
	want := []addressRange{{0x400000, 0x8fc000}, {0x8fc000, 0xdb5000}}
	if len(byPath) != len(want) || byPath[0] != want[0] || byPath[1] != want[1] {
		t.Errorf("by path: %x, want %x (writable, copied-on-write and shared mappings and other files left)", byPath, want)
	}
	// The same file known by device and inode alone (overlayfs may show
	// the lower layer's path), and a deleted binary by its path.
	if got := cleanImageMappings(smaps, imageFile{path: "/elsewhere", dev: 0x28, ino: 10117128}); len(got) != 2 {
		t.Errorf("by device and inode: %x", got)
	}
	if got := cleanImageMappings(smaps, imageFile{path: "/old path/systemd (deleted)"}); len(got) != 1 || got[0] != (addressRange{0x7f2fea200000, 0x7f2fea210000}) {
		t.Errorf("deleted binary: %x", got)
	}
	if got := cleanImageMappings(smaps, imageFile{path: "/nothing"}); len(got) != 0 {
		t.Errorf("no such file: %x", got)
	}
}

// The resident pages of the test binary's read-only mappings drop when
// the mappings are dropped, and the code keeps running (reading /proc
// and parsing, after the drop).
func TestDropImageMappingsShrinksResidentImage(t *testing.T) {
	// Fault every page of those mappings in, as a boot nearly does.
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Readlink("/proc/self/exe")
	ranges := cleanImageMappings(string(smaps), imageFile{path: exe})
	if len(ranges) == 0 {
		t.Fatalf("no read-only mapping of %s in /proc/self/smaps", exe)
	}
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	var one [1]byte
	for _, r := range ranges {
		for a := r.start; a < r.end; a += 4096 {
			if _, err := mem.ReadAt(one[:], int64(a)); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := readOnlyImageRssKiB(t)
	dropImageMappings()
	after := readOnlyImageRssKiB(t)
	if after > before/2 {
		t.Errorf("%d KiB of the image's read-only mappings resident before, %d KiB after dropping them", before, after)
	}
	t.Logf("image's read-only mappings: %d KiB resident before, %d KiB after", before, after)
}

func readOnlyImageRssKiB(t *testing.T) int {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	total, inImage := 0, false
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") {
			inImage = len(f) >= 6 && strings.Join(f[5:], " ") == exe && !strings.Contains(f[1], "w")
			continue
		}
		if inImage && f[0] == "Rss:" && len(f) >= 2 {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	return total
}
