package udev

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fixture is testdata/root: a sysfs, udev database and /dev as the
// oracle's VM has them (a tty, two virtio disks with links, a loop
// device udev marks not ready, two modules, a network interface).
func fixture(t testing.TB) FS {
	root, err := filepath.Abs("testdata/root")
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string][3]uint32{
		"/dev/vda": {1, 254, 0}, "/dev/vdb": {1, 254, 16}, "/dev/loop0": {1, 7, 0},
		"/dev/ttyS0": {0, 4, 64}, "/dev/ttyS1": {0, 4, 65},
	}
	return FS{Root: root, StatNode: func(p string) (bool, uint32, uint32, error) {
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			return false, 0, 0, err
		}
		n, ok := nodes[strings.TrimPrefix(r, root)]
		if !ok {
			return false, 0, 0, ErrNotDevice
		}
		return n[0] == 1, n[1], n[2], nil
	}}
}

func TestMurmurHash2(t *testing.T) {
	// Computed with systemd 252's own MurmurHash2.c.
	for s, want := range map[string]uint32{"systemd": 0xa75f972a, "tty": 0x8afa90c8, "block": 0xf0031db7,
		"disk": 0x7bcbc5ee, "a": 0x92685f5e, "ab": 0x1aa14063, "abc": 0x13577c9b, "abcd": 0x26873021,
		"abcde": 0x5f09a8de, "uaccess": 0xe88ed0cc} {
		if got := murmurHash2([]byte(s), 0); got != want {
			t.Errorf("murmurHash2(%q) = %08x, want %08x", s, got, want)
		}
	}
}

func TestParseDB(t *testing.T) {
	d := &Device{}
	ParseDB([]byte("S:disk/by-label/root\nS:disk/by-label/root\nI:67217905\nE:ID_FS_LABEL=root\n"+
		"E:GONE=x\nE:GONE=\nE:EMPTY_KEYLESS\nG:systemd\nG:seat\nQ:systemd\nG:bad:tag\nL:-100\nW:3\nZ:unknown\nV:1\n"), d)
	if !d.Initialized || d.UsecInitialized != 67217905 || d.DBVersion != 1 {
		t.Errorf("initialized %v at %d, version %d", d.Initialized, d.UsecInitialized, d.DBVersion)
	}
	if !reflect.DeepEqual(d.Devlinks, []string{"/dev/disk/by-label/root"}) {
		t.Errorf("devlinks %q", d.Devlinks)
	}
	if v, ok := d.Property("ID_FS_LABEL"); !ok || v != "root" {
		t.Errorf("ID_FS_LABEL = %q, %v", v, ok)
	}
	if _, ok := d.Property("GONE"); ok {
		t.Error("E:GONE= should remove the property")
	}
	if !reflect.DeepEqual(d.Tags(), []string{"systemd", "seat"}) || !reflect.DeepEqual(d.CurrentTags(), []string{"systemd"}) {
		t.Errorf("tags %q current %q", d.Tags(), d.CurrentTags())
	}
	if !d.HasCurrentTag("systemd") || d.HasCurrentTag("seat") || !d.HasTag("seat") {
		t.Error("current tags wrong")
	}

	// sd-device's reader quirks: a bad key swallows the next line, a
	// value's first byte is taken even if it is a newline, and an
	// unterminated last line is dropped.
	d = &Device{}
	ParseDB([]byte("X\nE:LOST=1\nE:KEPT=1\nE:\nE:NEXT=1\nE:LAST=1"), d)
	if _, ok := d.Property("LOST"); ok {
		t.Error("the line after a malformed one should be swallowed")
	}
	if _, ok := d.Property("KEPT"); !ok {
		t.Error("KEPT missing")
	}
	if _, ok := d.Property("LAST"); ok {
		t.Error("an unterminated last line should be ignored")
	}
	if v, ok := d.Property("\nE:NEXT"); !ok || v != "1" {
		t.Errorf("a value starting with a newline runs into the next line: %q", d.Properties())
	}

	// Version 0 databases know no current tags: every tag counts.
	d = &Device{}
	ParseDB([]byte("G:systemd\n"), d)
	if !d.HasCurrentTag("systemd") {
		t.Error("an old database's tags are current")
	}
}

func TestFromSyspathAndIDs(t *testing.T) {
	f := fixture(t)
	d, err := f.FromSyspath("/sys/class/block/vda")
	if err != nil {
		t.Fatal(err)
	}
	if d.Syspath != "/sys/devices/platform/LNRO0005:00/virtio0/block/vda" || d.Subsystem != "block" ||
		d.Devtype != "disk" || d.Devname != "/dev/vda" || d.Major != 254 || d.Minor != 0 || d.ID() != "b254:0" {
		t.Errorf("vda: %+v", d)
	}
	if !d.Initialized || len(d.Devlinks) != 3 || !d.HasDevlink("/dev/disk/by-label/root") {
		t.Errorf("vda from the database: initialized %v, links %q", d.Initialized, d.Devlinks)
	}
	for id, want := range map[string]string{
		"c4:64":           "/sys/devices/pnp0/00:00/tty/ttyS0",
		"b254:16":         "/sys/devices/platform/LNRO0005:01/virtio1/block/vdb",
		"+module:fuse":    "/sys/module/fuse",
		"n2":              "/sys/devices/virtual/net/eth0",
		"+tty:ttyS1":      "/sys/devices/platform/serial8250/tty/ttyS1",
		"+subsystem:tty":  "/sys/class/tty",
		"c254:0":          "",
		"b4:64":           "",
		"x1":              "",
		"+module:../fuse": "",
	} {
		d, err := f.FromDeviceID(id)
		switch {
		case want == "" && err == nil:
			t.Errorf("%s: got %s, want an error", id, d.Syspath)
		case want != "" && err != nil:
			t.Errorf("%s: %v", id, err)
		case want != "" && d.Syspath != want:
			t.Errorf("%s: %s, want %s", id, d.Syspath, want)
		case want != "" && d.ID() != id && id != "+tty:ttyS1" && id != "+subsystem:tty":
			t.Errorf("%s: ID() = %s", id, d.ID())
		}
	}
	m, _ := f.FromDeviceID("+module:fuse")
	if m.Subsystem != "module" {
		t.Errorf("module subsystem %q", m.Subsystem)
	}
	if w, _ := m.Property("SYSTEMD_WANTS"); w != "sys-fs-fuse-connections.mount" {
		t.Errorf("module SYSTEMD_WANTS %q", w)
	}
	if _, err := f.FromSyspath("/sys/devices/nope"); !errors.Is(err, ErrNoDevice) {
		t.Errorf("missing device: %v", err)
	}
	if _, err := f.FromSyspath("/proc/self"); !errors.Is(err, ErrInvalid) {
		t.Errorf("outside /sys: %v", err)
	}
}

func TestFromDevname(t *testing.T) {
	f := fixture(t)
	for p, want := range map[string]string{
		"/dev/disk/by-uuid/9e1ccd0c-d1eb-4fd0-9d3c-1b77665aedaf": "/sys/devices/platform/LNRO0005:00/virtio0/block/vda",
		"/dev/disk/by-label/gosd-overlay":                        "/sys/devices/platform/LNRO0005:01/virtio1/block/vdb",
		"/dev/ttyS0":                                             "/sys/devices/pnp0/00:00/tty/ttyS0",
		"/dev/block/254:16":                                      "/sys/devices/platform/LNRO0005:01/virtio1/block/vdb",
		"/dev/char/4:65":                                         "/sys/devices/platform/serial8250/tty/ttyS1",
	} {
		d, err := f.FromDevname(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if d.Syspath != want {
			t.Errorf("%s: %s, want %s", p, d.Syspath, want)
		}
	}
	for p, want := range map[string]error{"/dev/missing": ErrNoDevice, "/dev": ErrInvalid, "/dev/": ErrInvalid,
		"/devices/x": ErrInvalid, "tmpfs": ErrInvalid, "/dev/block/254:99": ErrNoDevice} {
		if _, err := f.FromDevname(p); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", p, err, want)
		}
	}
}

func TestEnumerateTag(t *testing.T) {
	f := fixture(t)
	devs, err := f.EnumerateTag("systemd")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range devs {
		got = append(got, d.Syspath)
	}
	want := []string{
		"/sys/devices/platform/LNRO0005:00/virtio0/block/vda",
		"/sys/devices/platform/LNRO0005:01/virtio1/block/vdb",
		"/sys/devices/platform/serial8250/tty/ttyS1",
		"/sys/devices/pnp0/00:00/tty/ttyS0",
		"/sys/devices/virtual/block/loop0",
		"/sys/devices/virtual/net/eth0",
		"/sys/module/configfs",
		"/sys/module/fuse",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("enumerated\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if devs, err := f.EnumerateTag("nothing"); err != nil || devs != nil {
		t.Errorf("a missing tag directory: %v, %v", devs, err)
	}
}

func TestDevpathOrder(t *testing.T) {
	l := []string{"/devices/virtual/block/dm-0", "/devices/b", "/devices/a/b", "/devices/a-b", "/devices/virtual/block/md0", "/devices/a"}
	want := []string{"/devices/a", "/devices/a/b", "/devices/a-b", "/devices/b", "/devices/virtual/block/dm-0", "/devices/virtual/block/md0"}
	for i := range l {
		for j := range l {
			if (devpathLess(l[i], l[j])) != (indexOf(want, l[i]) < indexOf(want, l[j])) {
				t.Errorf("devpathLess(%s, %s) = %v", l[i], l[j], devpathLess(l[i], l[j]))
			}
		}
	}
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

func TestMessageRoundTrip(t *testing.T) {
	d, err := NewDevice("ACTION=add", "DEVPATH=/devices/pnp0/00:00/tty/ttyS0", "SUBSYSTEM=tty", "SEQNUM=1234",
		"MAJOR=4", "MINOR=64", "DEVNAME=/dev/ttyS0", "USEC_INITIALIZED=68100460", "TAGS=:systemd:",
		"CURRENT_TAGS=:systemd:", "DEVLINKS=/dev/serial/by-path/a\\ b /dev/ttyX", "ID_MODEL=Model\nignored")
	if err != nil {
		t.Fatal(err)
	}
	msg := EncodeMessage(d)
	got, err := ParseMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Initialized || got.Action != ActionAdd || got.Seqnum != 1234 || got.Syspath != "/sys/devices/pnp0/00:00/tty/ttyS0" ||
		got.Devname != "/dev/ttyS0" || got.Major != 4 || got.Minor != 64 || !got.HasTag("systemd") || !got.HasCurrentTag("systemd") {
		t.Errorf("parsed %+v", got)
	}
	if !reflect.DeepEqual(got.Devlinks, []string{`/dev/serial/by-path/a\ b`, "/dev/ttyX"}) {
		t.Errorf("devlinks %q", got.Devlinks)
	}
	if v, _ := got.Property("ID_MODEL"); v != "Model" {
		t.Errorf("a value is cut at a newline: %q", v)
	}

	// The kernel's own format.
	k := []byte("change@/devices/virtual/block/loop0\x00ACTION=change\x00DEVPATH=/devices/virtual/block/loop0\x00SUBSYSTEM=block\x00SEQNUM=7\x00MAJOR=7\x00MINOR=0\x00DEVNAME=loop0\x00")
	kd, err := ParseMessage(k)
	if err != nil {
		t.Fatal(err)
	}
	if kd.Initialized || kd.Action != ActionChange || kd.Devname != "/dev/loop0" {
		t.Errorf("kernel message %+v", kd)
	}

	bad := map[string][]byte{
		"short":       []byte("libudev\x00"),
		"no NUL":      []byte(strings.Repeat("x", 40)),
		"no header":   []byte(strings.Repeat("x", 39) + "\x00"),
		"bad magic":   append([]byte("libudev\x00\x00\x00\x00\x00"), msg[12:]...),
		"bad offset":  func() []byte { b := append([]byte(nil), msg...); b[16], b[17] = 0xff, 0xff; return b }(),
		"no seqnum":   EncodeMessage(mustDevice(t, "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=tty", "SEQNUM=1")),
		"not kv":      append(append([]byte(nil), msg...), []byte("JUNK\x00")...),
		"unfinished":  append(append([]byte(nil), msg...), []byte("A=b")...),
		"bad action":  append(append([]byte(nil), msg...), []byte("ACTION=explode\x00")...),
		"bad devpath": append(append([]byte(nil), msg...), []byte("DEVPATH=relative\x00")...),
	}
	// A device without SEQNUM: rebuild the message without it.
	bad["no seqnum"] = []byte("add@/devices/x\x00ACTION=add\x00DEVPATH=/devices/x\x00SUBSYSTEM=tty\x00XXXXXXXXXXXXXXX=\x00")
	for name, b := range bad {
		if d, err := ParseMessage(b); err == nil {
			t.Errorf("%s: accepted %+v", name, d)
		}
	}
}

func mustDevice(t *testing.T, props ...string) *Device {
	d, err := NewDevice(props...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestMonitorLive sends messages to udev's group in a private network
// namespace and receives them through a Monitor with the kernel's tag
// filter: the filter passes tagged devices and drops the rest. It needs
// root.
func TestMonitorLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	type result struct {
		devs []*Device
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// This thread enters a new network namespace and dies with it.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- result{err: err}
			return
		}
		m, err := newMonitor([]string{"systemd"}, groupUdev)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer m.Close()
		s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_KOBJECT_UEVENT)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer unix.Close(s)
		if err := unix.Bind(s, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			done <- result{err: err}
			return
		}
		send := func(props ...string) {
			d, err := NewDevice(props...)
			if err != nil {
				panic(err)
			}
			_ = unix.Sendto(s, EncodeMessage(d), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groupUdev})
		}
		send("ACTION=add", "DEVPATH=/devices/virtual/misc/untagged", "SUBSYSTEM=misc", "SEQNUM=1", "TAGS=:seat:")
		send("ACTION=add", "DEVPATH=/devices/pnp0/00:00/tty/ttyS0", "SUBSYSTEM=tty", "SEQNUM=2", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:")
		send("ACTION=remove", "DEVPATH=/devices/pnp0/00:00/tty/ttyS0", "SUBSYSTEM=tty", "SEQNUM=3", "TAGS=:systemd:")
		var r result
		for len(r.devs) < 2 {
			d, err := m.Receive()
			if errors.Is(err, ErrIgnored) {
				continue
			}
			if err != nil {
				r.err = err
				break
			}
			r.devs = append(r.devs, d)
		}
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no message received")
	}
	if errors.Is(r.err, unix.EPERM) {
		t.Skipf("no network namespace: %v", r.err)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.devs[0].Seqnum != 2 || r.devs[0].Action != ActionAdd || r.devs[1].Seqnum != 3 || r.devs[1].Action != ActionRemove {
		t.Errorf("received %+v, %+v", r.devs[0], r.devs[1])
	}
}

func TestTagFilterShape(t *testing.T) {
	p := tagFilter([]string{"systemd", "seat"})
	// magic check (3), 6 per tag, drop, pass.
	if len(p) != 3+12+2 {
		t.Fatalf("%d instructions", len(p))
	}
	// The first tag's final jump skips the second tag's block and the drop.
	if p[8].Jt != 7 || p[14].Jt != 1 {
		t.Errorf("jumps %d, %d", p[8].Jt, p[14].Jt)
	}
}

func BenchmarkParseMessage(b *testing.B) {
	d, err := NewDevice("ACTION=change", "DEVPATH=/devices/platform/LNRO0005:00/virtio0/block/vda", "SUBSYSTEM=block",
		"DEVTYPE=disk", "SEQNUM=99", "MAJOR=254", "MINOR=0", "DEVNAME=/dev/vda", "USEC_INITIALIZED=67217905",
		"DEVLINKS=/dev/disk/by-label/root /dev/disk/by-diskseq/1 /dev/disk/by-uuid/9e1ccd0c-d1eb-4fd0-9d3c-1b77665aedaf /dev/disk/by-path/platform-LNRO0005:00",
		"ID_FS_LABEL=root", "ID_FS_UUID=9e1ccd0c-d1eb-4fd0-9d3c-1b77665aedaf", "ID_FS_TYPE=ext4", "ID_FS_USAGE=filesystem",
		"TAGS=:systemd:", "CURRENT_TAGS=:systemd:", "UDEV_DATABASE_VERSION=1")
	if err != nil {
		b.Fatal(err)
	}
	msg := EncodeMessage(d)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		if _, err := ParseMessage(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnumerateTag(b *testing.B) {
	f := fixture(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := f.EnumerateTag("systemd"); err != nil {
			b.Fatal(err)
		}
	}
}
