package dissect

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	"gosystemd/impl/version"

	"golang.org/x/sys/unix"
)

// Partition is one entry of a GPT partition table.
type Partition struct {
	Number      int // 1-based
	Type, UUID  string
	Label       string
	Flags       uint64
	Start, Size uint64 // in bytes
}

// The Discoverable Partitions types 252 mounts for x86-64, and the GPT
// attribute bits it honours.
const (
	gptRootX86_64 = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
	gptUsrX86_64  = "8484680c-9521-48c6-9c11-b0720656f69e"
	gptHome       = "933ac7e1-2eb4-4f13-b844-0e14e2aef915"
	gptSrv        = "3b8f8425-20e0-4f3b-907f-1a25a76f98e8"
	gptVar        = "4d21b016-b534-45c2-a9fb-5c16e091fd2d"
	gptTmp        = "7ec6f557-3bc5-4aca-b293-16ef5df639d1"
	gptLinuxData  = "0fc63daf-8483-4772-8e79-3d69d8477de4"

	gptFlagReadOnly = uint64(1) << 60
	gptFlagNoAuto   = uint64(1) << 63
)

// ParseGPT reads the partition table of a disk from its first bytes
// (header at LBA 1, 512-byte sectors): the used entries, in table
// order. read reads at an offset of the disk.
func ParseGPT(read func(off int64, n int) ([]byte, error)) ([]Partition, error) {
	hdr, err := read(512, 92)
	if err != nil {
		return nil, err
	}
	if len(hdr) < 92 || string(hdr[:8]) != "EFI PART" {
		return nil, unix.ENOPKG
	}
	entriesLBA := binary.LittleEndian.Uint64(hdr[72:])
	count := binary.LittleEndian.Uint32(hdr[80:])
	size := binary.LittleEndian.Uint32(hdr[84:])
	if size < 128 || size > 4096 || count > 1024 || entriesLBA > 1<<40 {
		return nil, unix.EIO
	}
	table, err := read(int64(entriesLBA)*512, int(count*size))
	if err != nil {
		return nil, err
	}
	var parts []Partition
	for i := 0; i < int(count) && (i+1)*int(size) <= len(table); i++ {
		e := table[i*int(size) : (i+1)*int(size)]
		typ := guidString(e[0:16])
		if typ == "00000000-0000-0000-0000-000000000000" {
			continue
		}
		first, last := binary.LittleEndian.Uint64(e[32:]), binary.LittleEndian.Uint64(e[40:])
		if last < first || last >= 1<<54 {
			continue
		}
		name := make([]uint16, 0, 36)
		for j := 56; j+1 < 128; j += 2 {
			c := binary.LittleEndian.Uint16(e[j:])
			if c == 0 {
				break
			}
			name = append(name, c)
		}
		parts = append(parts, Partition{
			Number: i + 1, Type: typ, UUID: guidString(e[16:32]),
			Label: string(utf16.Decode(name)), Flags: binary.LittleEndian.Uint64(e[48:]),
			Start: first * 512, Size: (last - first + 1) * 512,
		})
	}
	return parts, nil
}

// guidString is a GPT GUID (mixed-endian) in its textual form.
func guidString(b []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(b[0:]),
		binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16])
}

// placed is a partition and where in the tree it goes.
type placed struct {
	Partition
	where string // "/" for the root
	rw    bool
}

// choosePartitions is dissect_image's choice among a GPT's partitions
// for a generic OS root (x86-64 only; no Verity, ESP, XBOOTLDR or other
// architectures): root first, then /usr and the rest. ENXIO when there
// is no root, ENOTUNIQ when only several generic Linux partitions are.
func choosePartitions(parts []Partition) ([]placed, error) {
	where := map[string]string{
		gptRootX86_64: "/", gptUsrX86_64: "/usr", gptHome: "/home",
		gptSrv: "/srv", gptVar: "/var", gptTmp: "/var/tmp",
	}
	found := map[string]placed{}
	var generic []Partition
	for _, p := range parts {
		if p.Flags&gptFlagNoAuto != 0 {
			continue
		}
		if p.Type == gptLinuxData {
			generic = append(generic, p)
			continue
		}
		w, ok := where[p.Type]
		if !ok {
			continue
		}
		if have, ok := found[w]; ok {
			// For root and /usr the newest version (by label) wins,
			// else the first.
			versioned := w == "/" || w == "/usr"
			if !versioned || labelCompare(have.Label, p.Label) >= 0 {
				continue
			}
		}
		found[w] = placed{Partition: p, where: w, rw: p.Flags&gptFlagReadOnly == 0}
	}
	if _, ok := found["/"]; !ok {
		if _, usr := found["/usr"]; !usr {
			if len(generic) > 1 {
				return nil, unix.ENOTUNIQ
			}
			if len(generic) == 1 {
				p := generic[0]
				found["/"] = placed{Partition: p, where: "/", rw: p.Flags&gptFlagReadOnly == 0}
			}
		}
	}
	if _, ok := found["/"]; !ok {
		return nil, unix.ENXIO
	}
	var out []placed
	for _, w := range []string{"/", "/usr", "/home", "/srv", "/var", "/var/tmp"} {
		if p, ok := found[w]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// labelCompare is strverscmp_improved with an empty label as NULL.
func labelCompare(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	return version.Compare(a, b)
}
