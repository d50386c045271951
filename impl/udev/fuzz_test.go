package udev

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseMessage feeds arbitrary datagrams to the monitor message
// parser, seeded with udevd-style and kernel-style messages: it must
// never panic, and what it accepts must survive being sent again.
func FuzzParseMessage(f *testing.F) {
	for _, props := range [][]string{
		{"ACTION=add", "DEVPATH=/devices/pnp0/00:00/tty/ttyS0", "SUBSYSTEM=tty", "SEQNUM=1", "MAJOR=4", "MINOR=64",
			"DEVNAME=/dev/ttyS0", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:", "USEC_INITIALIZED=1"},
		{"ACTION=change", "DEVPATH=/devices/platform/LNRO0005:00/virtio0/block/vda", "SUBSYSTEM=block", "DEVTYPE=disk",
			"SEQNUM=99", "MAJOR=254", "MINOR=0", "DEVLINKS=/dev/disk/by-label/root /dev/disk/by-diskseq/1",
			"SYSTEMD_WANTS=foo.service", "SYSTEMD_READY=0", "UDEV_DATABASE_VERSION=1"},
		{"ACTION=move", "DEVPATH=/devices/virtual/net/eth1", "DEVPATH_OLD=/devices/virtual/net/eth0", "SUBSYSTEM=net",
			"SEQNUM=5", "IFINDEX=2", "INTERFACE=eth1"},
		{"ACTION=add", "DEVPATH=/bus/pci/drivers/e1000", "SUBSYSTEM=drivers", "SEQNUM=5"},
	} {
		d, err := NewDevice(props...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(EncodeMessage(d))
	}
	f.Add([]byte("remove@/devices/virtual/block/loop0\x00ACTION=remove\x00DEVPATH=/devices/virtual/block/loop0\x00SUBSYSTEM=block\x00SEQNUM=7\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseMessage(b)
		if err != nil {
			return
		}
		_ = d.ID()
		_, _, _ = d.PropertyBool("SYSTEMD_READY")
		again, err := ParseMessage(EncodeMessage(d))
		if err != nil {
			// Only a device whose properties cannot be written back
			// (a key with '=' or NUL) may fail to round-trip.
			return
		}
		if again.Syspath != d.Syspath || again.Action != d.Action || again.Seqnum != d.Seqnum || again.Subsystem != d.Subsystem {
			t.Errorf("round trip changed the device: %+v -> %+v", d, again)
		}
	})
}

// FuzzParseDB feeds arbitrary database files to the reader, seeded with
// the fixture's: it must never panic.
func FuzzParseDB(f *testing.F) {
	files, _ := filepath.Glob("testdata/root/run/udev/data/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("X\nE:A=1\nE:\nE:B=2\nS:x\nG:a:b\nQ:\nI:x\nV:999999999999\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &Device{Syspath: "/sys/devices/x", Subsystem: "block", Major: 8}
		ParseDB(b, d)
		_ = d.ID()
		for _, l := range d.Devlinks {
			if !d.HasDevlink(l) {
				t.Fatalf("devlink %q not found", l)
			}
		}
		for _, tag := range d.CurrentTags() {
			if !d.HasTag(tag) {
				t.Fatalf("current tag %q is no tag", tag)
			}
		}
	})
}
