package dissect

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

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

// gptDisk is a disk of 64 KiB with a GPT of the given entries.
func gptDisk(parts ...Partition) []byte {
	disk := make([]byte, 64<<10)
	copy(disk[512:], "EFI PART")
	binary.LittleEndian.PutUint64(disk[512+72:], 2)
	binary.LittleEndian.PutUint32(disk[512+80:], 128)
	binary.LittleEndian.PutUint32(disk[512+84:], 128)
	putGUID := func(b []byte, s string) {
		var a, b1, c uint64
		var d, e []byte
		fmt.Sscanf(s, "%8x-%4x-%4x-", &a, &b1, &c)
		d, _ = hex.DecodeString(s[19:23])
		e, _ = hex.DecodeString(s[24:])
		binary.LittleEndian.PutUint32(b[0:], uint32(a))
		binary.LittleEndian.PutUint16(b[4:], uint16(b1))
		binary.LittleEndian.PutUint16(b[6:], uint16(c))
		copy(b[8:], d)
		copy(b[10:], e)
	}
	for i, p := range parts {
		e := disk[1024+i*128:]
		putGUID(e[0:], p.Type)
		putGUID(e[16:], p.UUID)
		binary.LittleEndian.PutUint64(e[32:], p.Start/512)
		binary.LittleEndian.PutUint64(e[40:], (p.Start+p.Size)/512-1)
		binary.LittleEndian.PutUint64(e[48:], p.Flags)
		for j, c := range utf16.Encode([]rune(p.Label)) {
			binary.LittleEndian.PutUint16(e[56+2*j:], c)
		}
	}
	return disk
}

func diskReader(disk []byte) func(int64, int) ([]byte, error) {
	return func(off int64, n int) ([]byte, error) {
		if off >= int64(len(disk)) {
			return nil, nil
		}
		end := off + int64(n)
		if end > int64(len(disk)) {
			end = int64(len(disk))
		}
		return disk[off:end], nil
	}
}

func TestChoosePartitions(t *testing.T) {
	const uuid = "11111111-2222-3333-4444-555555555555"
	part := func(typ, label string, flags uint64) Partition {
		return Partition{Type: typ, UUID: uuid, Label: label, Flags: flags, Start: 1 << 20, Size: 1 << 20}
	}
	for _, c := range []struct {
		name  string
		parts []Partition
		want  string
		err   error
	}{
		{"root", []Partition{part(gptRootX86_64, "root", 0)}, "/:1:rw", nil},
		{"root+usr ro", []Partition{part(gptUsrX86_64, "", gptFlagReadOnly), part(gptRootX86_64, "", 0)}, "/:2:rw /usr:1:ro", nil},
		{"newest root", []Partition{part(gptRootX86_64, "os_1.2", 0), part(gptRootX86_64, "os_1.10", 0), part(gptRootX86_64, "os_1.9", 0)}, "/:2:rw", nil},
		{"no-auto", []Partition{part(gptRootX86_64, "", gptFlagNoAuto), part(gptLinuxData, "", 0)}, "/:2:rw", nil},
		{"generic", []Partition{part(gptLinuxData, "", 0)}, "/:1:rw", nil},
		{"two generic", []Partition{part(gptLinuxData, "", 0), part(gptLinuxData, "", 0)}, "", unix.ENOTUNIQ},
		{"home only", []Partition{part(gptHome, "", 0)}, "", unix.ENXIO},
		{"usr only", []Partition{part(gptUsrX86_64, "", 0), part(gptLinuxData, "", 0)}, "", unix.ENXIO},
		{"all", []Partition{part(gptTmp, "", 0), part(gptVar, "", 0), part(gptSrv, "", 0), part(gptHome, "", 0), part(gptRootX86_64, "", 0)}, "/:5:rw /home:4:rw /srv:3:rw /var:2:rw /var/tmp:1:rw", nil},
	} {
		parts, err := ParseGPT(diskReader(gptDisk(c.parts...)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i, p := range parts {
			if p.Type != c.parts[i].Type || p.Label != c.parts[i].Label || p.Start != 1<<20 || p.Size != 1<<20 || p.UUID != uuid {
				t.Errorf("%s: parsed %+v from %+v", c.name, p, c.parts[i])
			}
		}
		chosen, err := choosePartitions(parts)
		var got []string
		for _, p := range chosen {
			rw := "ro"
			if p.rw {
				rw = "rw"
			}
			got = append(got, fmt.Sprintf("%s:%d:%s", p.where, p.Number, rw))
		}
		if g := strings.Join(got, " "); g != c.want || err != c.err {
			t.Errorf("%s: %q %v, want %q %v", c.name, g, err, c.want, c.err)
		}
	}
}

// FuzzParseGPT: a disk image's partition table is the user's.
func FuzzParseGPT(f *testing.F) {
	f.Add(gptDisk(Partition{Type: gptRootX86_64, UUID: gptHome, Label: "root", Start: 4096, Size: 4096})[:2048])
	f.Add([]byte("EFI PART"))
	f.Fuzz(func(t *testing.T, b []byte) {
		disk := append(make([]byte, 512), b...)
		parts, err := ParseGPT(diskReader(disk))
		if err != nil {
			return
		}
		for _, p := range parts {
			if p.Number < 1 || p.Size == 0 {
				t.Fatalf("partition %+v", p)
			}
		}
		_, _ = choosePartitions(parts)
	})
}
