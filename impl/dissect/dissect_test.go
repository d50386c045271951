package dissect

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

func TestProbeSuperblock(t *testing.T) {
	img := func(off int, b ...byte) []byte {
		buf := make([]byte, superblockBytes)
		copy(buf[off:], b)
		return buf
	}
	ext := func(compat, incompat, roCompat uint32) []byte {
		buf := img(1024+0x38, 0x53, 0xEF)
		binary.LittleEndian.PutUint32(buf[1024+0x5C:], compat)
		binary.LittleEndian.PutUint32(buf[1024+0x60:], incompat)
		binary.LittleEndian.PutUint32(buf[1024+0x64:], roCompat)
		return buf
	}
	for _, c := range []struct {
		name   string
		buf    []byte
		fstype string
		rw     bool
		err    error
	}{
		{"squashfs", img(0, 'h', 's', 'q', 's'), "squashfs", false, nil},
		{"erofs", img(1024, 0xE2, 0xE1, 0xF5, 0xE0), "erofs", false, nil},
		{"xfs", img(0, 'X', 'F', 'S', 'B'), "xfs", true, nil},
		{"btrfs", img(0x10040, []byte("_BHRfS_M")...), "btrfs", true, nil},
		{"ext4", ext(0x4, 0x2|0x40, 0x1), "ext4", true, nil}, // extents
		{"ext3", ext(0x4, 0x2, 0x1), "ext3", true, nil},
		{"ext2", ext(0, 0x2, 0x1), "ext2", true, nil},
		{"gpt", img(512, []byte("EFI PART")...), "", false, unix.EOPNOTSUPP},
		{"mbr", img(510, 0x55, 0xAA), "", false, unix.EOPNOTSUPP},
		{"nothing", img(0), "", false, unix.ENOPKG},
		{"short", []byte("hs"), "", false, unix.ENOPKG},
	} {
		fstype, rw, err := probeSuperblock(c.buf)
		if fstype != c.fstype || rw != c.rw || err != c.err {
			t.Errorf("%s: %q %v %v, want %q %v %v", c.name, fstype, rw, err, c.fstype, c.rw, c.err)
		}
	}
}

// FuzzProbeSuperblock: an image's first bytes are the user's.
func FuzzProbeSuperblock(f *testing.F) {
	f.Add([]byte("hsqs"))
	f.Add(make([]byte, 2048))
	f.Fuzz(func(t *testing.T, b []byte) {
		fstype, _, err := probeSuperblock(b)
		if (fstype == "") == (err == nil) {
			t.Fatalf("%q with %v", fstype, err)
		}
	})
}

func TestMangleMountOptions(t *testing.T) {
	for _, c := range []struct {
		in    string
		flags uintptr
		data  string
	}{
		{"", unix.MS_NODEV, ""},
		{"ro,noexec", unix.MS_NODEV | unix.MS_RDONLY | unix.MS_NOEXEC, ""},
		{"dev,x-gosd,X-mount.mkdir,errors=remount-ro,,discard", 0, "errors=remount-ro,discard"},
		{"rw,defaults,rslave", unix.MS_NODEV | unix.MS_SLAVE | unix.MS_REC, ""},
	} {
		flags, data := MangleMountOptions(c.in, unix.MS_NODEV)
		if flags != c.flags || data != c.data {
			t.Errorf("%q: %#x %q, want %#x %q", c.in, flags, data, c.flags, c.data)
		}
	}
}
