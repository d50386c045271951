package manager

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"gosystemd/impl/unit"
)

func readMountinfoSamples(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/mountinfo/*.mountinfo")
	if err != nil || len(files) == 0 {
		t.Fatalf("no mountinfo samples: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	return out
}

func TestParseMountinfoEdgeCases(t *testing.T) {
	data, err := os.ReadFile("testdata/mountinfo/edgecases.mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	got := parseMountinfo(data)
	want := []mountEntry{
		{ID: 100, Parent: 29, Major: 8, Minor: 1, Root: "/", Target: "/mnt/with space", FSType: "ext4", Source: "/dev/sda1",
			Options: "rw,relatime,errors=remount-ro"},
		{ID: 101, Parent: 29, Major: 8, Minor: 2, Root: "/old", Target: "/srv/gone", FSType: "xfs", Source: "/dev/sda2",
			Options: "ro,relatime,attr2"},
		{ID: 102, Parent: 29, Major: 0, Minor: 60, Root: "/", Target: "/mnt/emptysrc", FSType: "tmpfs", Source: "",
			Options: "rw,relatime,size=1k"},
		{ID: 103, Parent: 29, Major: 0, Minor: 61, Root: "/", Target: "/mnt/back\\slash\ttab", FSType: "tmpfs", Source: "tmpfs",
			Options: "ro,nosuid"},
		{ID: 104, Parent: 29, Major: 0, Minor: 62, Root: "/", Target: "/mnt/quoted", FSType: "fuse.sshfs", Source: "user@host:/dir",
			Options: `rw,user_id=0,group_id=0,opt="a,b"`},
		{ID: 105, Parent: 29, Major: 0, Minor: 63, Root: "/", Target: "/mnt/net", FSType: "nfs4", Source: "server:/export",
			Options: "rw,relatime,vers=4.2,rsize=1048576"},
		{ID: 106, Parent: 29, Major: 0, Minor: 64, Root: "/", Target: "relative", FSType: "tmpfs", Source: "tmpfs", Options: "rw"},
		{ID: 107, Parent: 29, Major: 0, Minor: 65, Root: "/", Target: "/mnt/autofs", FSType: "autofs", Source: "systemd-1",
			Options: "rw,fd=5"},
		{ID: 108, Parent: 29, Major: 254, Minor: 0, Root: "/", Target: "/boot", FSType: "ext4", Source: "/dev/root",
			Options: "rw,relatime"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseMountinfo:\n got %+v\nwant %+v", got, want)
	}
}

// The option merge is libmount's: one leading ro/rw, ro if either side
// is read-only, nothing else dropped.
func TestMergeOptions(t *testing.T) {
	for _, c := range []struct{ vfs, fs, want string }{
		{"rw,relatime", "rw,size=1k", "rw,relatime,size=1k"},
		{"ro,nosuid,nodev,noexec,relatime", "rw", "ro,nosuid,nodev,noexec,relatime"},
		{"rw,relatime", "ro,errors=continue", "ro,relatime,errors=continue"},
		{"rw", "rw", "rw"},
		{"ro", "ro", "ro"},
		{"rw,nosuid", "rw", "rw,nosuid"},
		{"relatime", "size=1", "rw,relatime,size=1"},
		{"rw", `x="a,rw"`, `rw,x="a,rw"`},
	} {
		if got := mergeOptions(c.vfs, c.fs); got != c.want {
			t.Errorf("mergeOptions(%q, %q) = %q, want %q", c.vfs, c.fs, got, c.want)
		}
	}
}

// Mount units come from the table as 252's mount_setup_unit filters it:
// no API file systems, no autofs, no relative paths; the last mount on a
// point wins.
func TestMountUnitsOfSamples(t *testing.T) {
	samples := readMountinfoSamples(t)
	cur, order := mountUnitsOf(parseMountinfo(samples["container-real252.mountinfo"]), nil)
	wantOrder := []string{"-.mount", "dev-null.mount", "dev-zero.mount", "dev-full.mount", "dev-random.mount",
		"dev-urandom.mount", "dev-tty.mount", "dev-hugepages.mount", "dev-mqueue.mount", "sys-fs-fuse-connections.mount"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("container units:\n got %q\nwant %q", order, wantOrder)
	}
	if e := cur["dev-null.mount"]; e != (unit.KernelEntry{What: "devtmpfs", FSType: "devtmpfs",
		Options: "rw,relatime,size=12334432k,nr_inodes=3083608,mode=755"}) {
		t.Errorf("dev-null.mount: %+v", e)
	}

	_, order = mountUnitsOf(parseMountinfo(samples["vm-real252.mountinfo"]), nil)
	wantOrder = []string{"-.mount", "dev-hugepages.mount", "dev-mqueue.mount", "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
		"run-credentials-systemd\\x2dsysctl.service.mount", "sys-kernel-config.mount", "sys-fs-fuse-connections.mount",
		"run-credentials-systemd\\x2dsysusers.service.mount", "run-credentials-systemd\\x2dtmpfiles\\x2dsetup\\x2ddev.service.mount",
		"run-credentials-systemd\\x2dtmpfiles\\x2dsetup.service.mount"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("vm units:\n got %q\nwant %q", order, wantOrder)
	}

	var bad []string
	cur, order = mountUnitsOf(parseMountinfo(samples["edgecases.mountinfo"]), func(where string, err error) { bad = append(bad, where) })
	wantOrder = []string{"mnt-with\\x20space.mount", "srv-gone.mount", "mnt-emptysrc.mount", "mnt-back\\x5cslash\\x09tab.mount",
		"mnt-quoted.mount", "mnt-net.mount", "boot.mount"}
	if !reflect.DeepEqual(order, wantOrder) || len(bad) != 0 {
		t.Errorf("edge-case units:\n got %q (bad %q)\nwant %q", order, bad, wantOrder)
	}
	if e := cur["mnt-emptysrc.mount"]; e.What != "" || e.FSType != "tmpfs" {
		t.Errorf("empty source: %+v", e)
	}
}

// A mount point that makes no unit name is logged and skipped; one too
// long for a name gets a hashed name, as in 252.
func TestMountUnitsOfNames(t *testing.T) {
	var bad []string
	entries := []mountEntry{{Target: "/a/../b", FSType: "tmpfs", Source: "tmpfs"},
		{Target: strings.Repeat("/"+strings.Repeat("x", 30), 10), FSType: "tmpfs", Source: "tmpfs"}}
	_, order := mountUnitsOf(entries, func(where string, err error) { bad = append(bad, where) })
	if len(bad) != 1 || bad[0] != "/a/../b" || len(order) != 1 || !strings.HasSuffix(order[0], ".mount") || len(order[0]) > 256 {
		t.Errorf("units %q, refused %q", order, bad)
	}
}

func TestFilterMountOptions(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"nofail", ""},
		{"size=1m,mode=0755,nofail", "size=1m,mode=0755"},
		{"auto,noauto,autodefrag,nofail=1", "autodefrag"},
		{"a,,b", "a,b"},
		{`x=a\,nofail,y`, `x=a\,nofail,y`},
	} {
		if got := filterMountOptions(c.in, "nofail", "noauto", "auto"); got != c.want {
			t.Errorf("filterMountOptions(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The mount(8) and umount(8) command lines are 252's (checked against
// real systemd's ExecMount= in the container difftest).
func TestMountArgv(t *testing.T) {
	p := &unit.Mount{What: "hugetlbfs", FSType: "hugetlbfs"}
	if got := mountArgv(p, "/dev/hugepages", false, false); !reflect.DeepEqual(got, []string{"/bin/mount", "hugetlbfs", "/dev/hugepages", "-t", "hugetlbfs"}) {
		t.Errorf("mountArgv = %q", got)
	}
	p = &unit.Mount{What: "/dev/sda1", Options: "noauto,ro,nofail"}
	if got := mountArgv(p, "/srv", true, true); !reflect.DeepEqual(got, []string{"/bin/mount", "/dev/sda1", "/srv", "-s", "-w", "-o", "ro"}) {
		t.Errorf("mountArgv = %q", got)
	}
	if got := remountArgv(p, "/srv", false, false); !reflect.DeepEqual(got, []string{"/bin/mount", "/dev/sda1", "/srv", "-o", "remount,noauto,ro,nofail"}) {
		t.Errorf("remountArgv = %q", got)
	}
	if got := remountArgv(&unit.Mount{What: "tmpfs", FSType: "tmpfs"}, "/t", false, false); !reflect.DeepEqual(got, []string{"/bin/mount", "tmpfs", "/t", "-o", "remount", "-t", "tmpfs"}) {
		t.Errorf("remountArgv = %q", got)
	}
}

func TestParseSwaps(t *testing.T) {
	data := "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" +
		"/dev/sda2                               partition\t8388604\t\t0\t\t-2\n" +
		"/swap\\040file                           file\t\t1048572\t\t0\t\t10\n" +
		"/dev/bad partition x\n"
	got := parseSwaps([]byte(data))
	want := []swapEntry{{what: "/dev/sda2", priority: -2}, {what: "/swap file", priority: 10}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseSwaps = %+v, want %+v", got, want)
	}
}

func TestFstabFindPri(t *testing.T) {
	for _, c := range []struct {
		in    string
		pri   int
		found bool
		err   bool
	}{
		{"", 0, false, false}, {"pri=5", 5, true, false}, {"discard,pri=1,pri=7", 7, true, false}, {"pri=x", 0, false, true},
	} {
		pri, found, err := fstabFindPri(c.in)
		if pri != c.pri || found != c.found || (err != nil) != c.err {
			t.Errorf("fstabFindPri(%q) = %d %v %v", c.in, pri, found, err)
		}
	}
}

func TestEscapeInvalidUTF8(t *testing.T) {
	if got := escapeInvalidUTF8("a\xffb\xc3"); got != "a\uFFFDb\uFFFD" {
		t.Errorf("escapeInvalidUTF8 = %q", got)
	}
	if got := escapeInvalidUTF8("ok ü"); got != "ok ü" {
		t.Errorf("escapeInvalidUTF8 = %q", got)
	}
}

func TestParseAutofsPacket(t *testing.T) {
	b := make([]byte, autofsPacketSize)
	b[0] = 5                   // proto_version
	b[4] = autofsMissingDirect // type
	b[8], b[9] = 0x34, 0x12    // wait_queue_token
	b[32], b[33] = 0x39, 0x30  // pid 12345
	if p := parseAutofsPacket(b); p != (autofsPacket{typ: autofsMissingDirect, token: 0x1234, pid: 12345}) {
		t.Errorf("parseAutofsPacket = %+v", p)
	}
	if p := parseAutofsPacket(b[:10]); p.typ != -1 {
		t.Errorf("short packet: %+v", p)
	}
	if newEncodeDev(uint64(0x0815)) != 0x0815 {
		t.Errorf("newEncodeDev")
	}
}

// FuzzParseMountinfo checks that no mount table makes the parser, the
// unit naming or the option merge panic, and that what comes out is
// sane. Seeds: testdata/mountinfo (see its README for their origin).
func FuzzParseMountinfo(f *testing.F) {
	for _, data := range readMountinfoSamples(f) {
		f.Add(data)
		for _, line := range strings.Split(string(data), "\n") {
			f.Add([]byte(line))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries := parseMountinfo(data)
		if len(entries) > strings.Count(string(data), "\n")+1 {
			t.Fatalf("%d entries from %d lines", len(entries), strings.Count(string(data), "\n")+1)
		}
		for _, e := range entries {
			// A field may decode to "" (an escaped NUL ends it, as in
			// C), never to something with a NUL.
			if strings.ContainsRune(e.Target+e.Root+e.FSType+e.Source, 0) {
				t.Fatalf("NUL in a field: %+v", e)
			}
			if !utf8.ValidString(escapeInvalidUTF8(e.Source)) {
				t.Fatalf("escapeInvalidUTF8(%q) is not UTF-8", e.Source)
			}
		}
		cur, order := mountUnitsOf(entries, func(string, error) {})
		if len(cur) != len(order) {
			t.Fatalf("%d units, %d in order", len(cur), len(order))
		}
		for _, e := range entries {
			_ = filterMountOptions(e.Options, "nofail", "noauto", "auto")
		}
		_ = parseSwaps(data)
	})
}
