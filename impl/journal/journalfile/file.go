package journalfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Incompatible header flags (journal-def.h in 252).
const (
	IncompatCompressedXZ   = 1 << 0
	IncompatCompressedLZ4  = 1 << 1
	IncompatKeyedHash      = 1 << 2
	IncompatCompressedZSTD = 1 << 3
	IncompatCompact        = 1 << 4

	incompatSupported = IncompatCompressedXZ | IncompatCompressedLZ4 | IncompatKeyedHash |
		IncompatCompressedZSTD | IncompatCompact
)

// CompatSealed is the only compatible flag 252 knows.
const CompatSealed = 1 << 0

// Object types.
const (
	objUnused = iota
	objData
	objField
	objEntry
	objDataHashTable
	objFieldHashTable
	objEntryArray
	objTag
)

// Object flags: how a data object's payload is compressed.
const (
	objCompressedXZ   = 1 << 0
	objCompressedLZ4  = 1 << 1
	objCompressedZSTD = 1 << 2
)

// Header sizes: the fields up to tail_entry_monotonic, up to n_fields
// (187), and the full 252 header with the compact tail fields.
const (
	headerSizeMin     = 208
	headerSize252     = 264
	objectHeaderSize  = 16
	dataHeaderSize    = 64
	dataHeaderCompact = 72
	fieldHeaderSize   = 40
	entryHeaderSize   = 64
	arrayHeaderSize   = 24
	hashItemSize      = 16
)

// MaxPayload bounds what a data object may decompress to (journald's
// DATA_SIZE_MAX).
const MaxPayload = 768 << 20

// ErrCorrupt is wrapped by every error about a file's contents.
var ErrCorrupt = errors.New("corrupt journal file")

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, a...))
}

// ID128 is a 128-bit ID as stored.
type ID128 [16]byte

// String is the 32 lowercase hex digits sd_id128_to_string gives.
func (id ID128) String() string { return fmt.Sprintf("%x", id[:]) }

// Header is a journal file's header.
type Header struct {
	CompatibleFlags, IncompatibleFlags       uint32
	State                                    uint8
	FileID, MachineID, BootID, SeqnumID      ID128
	HeaderSize, ArenaSize                    uint64
	DataHashTableOffset, DataHashTableSize   uint64
	FieldHashTableOffset, FieldHashTableSize uint64
	TailObjectOffset, NObjects, NEntries     uint64
	TailEntrySeqnum, HeadEntrySeqnum         uint64
	EntryArrayOffset                         uint64
	HeadEntryRealtime, TailEntryRealtime     uint64
	TailEntryMonotonic                       uint64
	NData, NFields, NTags, NEntryArrays      uint64 // 0 when the header predates them
}

// Compact reports HEADER_INCOMPATIBLE_COMPACT.
func (h *Header) Compact() bool { return h.IncompatibleFlags&IncompatCompact != 0 }

// KeyedHash reports HEADER_INCOMPATIBLE_KEYED_HASH (siphash24 keyed by
// the file ID instead of Jenkins lookup3).
func (h *Header) KeyedHash() bool { return h.IncompatibleFlags&IncompatKeyedHash != 0 }

// File is one open journal file.
type File struct {
	Path   string
	Header Header
	r      io.ReaderAt
	size   uint64
	closer io.Closer
	// maxSteps bounds every chain walk: no chain can be longer than
	// the number of objects that fit in the file.
	maxSteps uint64
}

// Open opens a journal file read-only.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	f, err := NewFile(fd, st.Size())
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	f.closer = fd
	return f, nil
}

// NewFile reads a journal file from r, whose length is size.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < headerSizeMin {
		return nil, corrupt("file too short for a header")
	}
	buf := make([]byte, headerSize252)
	n, err := r.ReadAt(buf, 0)
	if n < headerSizeMin {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	buf = buf[:n]
	if !bytes.Equal(buf[:8], []byte("LPKSHHRH")) {
		return nil, corrupt("bad signature")
	}
	le := binary.LittleEndian
	h := Header{
		CompatibleFlags:   le.Uint32(buf[8:]),
		IncompatibleFlags: le.Uint32(buf[12:]),
		State:             buf[16],
	}
	copy(h.FileID[:], buf[24:40])
	copy(h.MachineID[:], buf[40:56])
	copy(h.BootID[:], buf[56:72])
	copy(h.SeqnumID[:], buf[72:88])
	u := func(off int) uint64 {
		if off+8 > len(buf) {
			return 0
		}
		return le.Uint64(buf[off:])
	}
	h.HeaderSize = u(88)
	h.ArenaSize = u(96)
	h.DataHashTableOffset, h.DataHashTableSize = u(104), u(112)
	h.FieldHashTableOffset, h.FieldHashTableSize = u(120), u(128)
	h.TailObjectOffset, h.NObjects, h.NEntries = u(136), u(144), u(152)
	h.TailEntrySeqnum, h.HeadEntrySeqnum = u(160), u(168)
	h.EntryArrayOffset = u(176)
	h.HeadEntryRealtime, h.TailEntryRealtime, h.TailEntryMonotonic = u(184), u(192), u(200)
	if h.HeaderSize >= 224 {
		h.NData, h.NFields = u(208), u(216)
	}
	if h.HeaderSize >= 240 {
		h.NTags, h.NEntryArrays = u(224), u(232)
	}
	if h.IncompatibleFlags&^incompatSupported != 0 {
		return nil, fmt.Errorf("%w: unsupported incompatible flags %#x", ErrCorrupt, h.IncompatibleFlags)
	}
	if h.HeaderSize < headerSizeMin || h.HeaderSize > uint64(size) || h.HeaderSize%8 != 0 {
		return nil, corrupt("bad header size %d", h.HeaderSize)
	}
	if h.Compact() && h.HeaderSize < headerSize252 {
		return nil, corrupt("compact file with a short header")
	}
	f := &File{Header: h, r: r, size: uint64(size)}
	f.maxSteps = f.size/objectHeaderSize + 1
	return f, nil
}

// Close closes the underlying file, if Open opened it.
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// readAt reads exactly n bytes at off, within the file.
func (f *File) readAt(off, n uint64) ([]byte, error) {
	if off > f.size || n > f.size-off {
		return nil, corrupt("read of %d bytes at %d beyond the end", n, off)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil {
		return nil, err
	}
	return b, nil
}

// object reads the object at off, checking alignment, bounds and type
// (want 0 accepts any), and returns its whole bytes, header included.
func (f *File) object(off uint64, want uint8, minSize uint64) ([]byte, error) {
	if off == 0 || off%8 != 0 || off < f.Header.HeaderSize {
		return nil, corrupt("bad object offset %d", off)
	}
	hdr, err := f.readAt(off, objectHeaderSize)
	if err != nil {
		return nil, err
	}
	typ := hdr[0]
	size := binary.LittleEndian.Uint64(hdr[8:])
	if want != 0 && typ != want {
		return nil, corrupt("object at %d has type %d, want %d", off, typ, want)
	}
	if size < minSize || size < objectHeaderSize {
		return nil, corrupt("object at %d too small (%d)", off, size)
	}
	return f.readAt(off, size)
}

// Entry is an entry object's header and the offsets of its data objects.
type Entry struct {
	Offset    uint64
	Seqnum    uint64
	Realtime  uint64
	Monotonic uint64
	BootID    ID128
	XorHash   uint64
	Items     []uint64
	file      *File
}

// File returns the file the entry was read from.
func (e *Entry) File() *File { return e.file }

// Entry reads the entry object at off.
func (f *File) Entry(off uint64) (*Entry, error) {
	b, err := f.object(off, objEntry, entryHeaderSize)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	e := &Entry{
		Offset:    off,
		Seqnum:    le.Uint64(b[16:]),
		Realtime:  le.Uint64(b[24:]),
		Monotonic: le.Uint64(b[32:]),
		XorHash:   le.Uint64(b[56:]),
		file:      f,
	}
	copy(e.BootID[:], b[40:56])
	items := b[entryHeaderSize:]
	if f.Header.Compact() {
		for len(items) >= 4 {
			e.Items = append(e.Items, uint64(le.Uint32(items)))
			items = items[4:]
		}
	} else {
		for len(items) >= 16 {
			e.Items = append(e.Items, le.Uint64(items))
			items = items[16:]
		}
	}
	return e, nil
}

// arrayItems reads an entry array object: its items (zeros at the end
// are unused slots and dropped) and the offset of the next array.
func (f *File) arrayItems(off uint64) (items []uint64, next uint64, err error) {
	b, err := f.object(off, objEntryArray, arrayHeaderSize)
	if err != nil {
		return nil, 0, err
	}
	le := binary.LittleEndian
	next = le.Uint64(b[16:])
	p := b[arrayHeaderSize:]
	for {
		var v uint64
		if f.Header.Compact() {
			if len(p) < 4 {
				break
			}
			v, p = uint64(le.Uint32(p)), p[4:]
		} else {
			if len(p) < 8 {
				break
			}
			v, p = le.Uint64(p), p[8:]
		}
		if v == 0 {
			break
		}
		items = append(items, v)
	}
	return items, next, nil
}

// walkArrays calls fn with each entry offset of the chain of entry arrays
// starting at first, at most limit of them. Chains only grow towards the
// end of the file, so an offset that does not increase ends the walk.
func (f *File) walkArrays(first, limit uint64, fn func(uint64) bool) error {
	var n uint64
	prev := uint64(0)
	for off := first; off != 0 && n < limit; {
		if off <= prev {
			return corrupt("entry array chain loops at %d", off)
		}
		items, next, err := f.arrayItems(off)
		if err != nil {
			return err
		}
		for _, it := range items {
			if n >= limit {
				return nil
			}
			n++
			if !fn(it) {
				return nil
			}
		}
		prev, off = off, next
	}
	return nil
}

// EntryOffsets returns the offsets of the file's entries in the order
// they were written (the header's main entry array chain).
func (f *File) EntryOffsets() ([]uint64, error) {
	var offs []uint64
	limit := min(f.Header.NEntries, f.maxSteps)
	err := f.walkArrays(f.Header.EntryArrayOffset, limit, func(o uint64) bool {
		offs = append(offs, o)
		return true
	})
	return offs, err
}

// dataObject is a data object's header fields.
type dataObject struct {
	off, next, nextField, entry, entryArray, nEntries uint64
	flags                                             uint8
	payload                                           []byte // raw, maybe compressed
}

func (f *File) data(off uint64) (*dataObject, error) {
	hs := uint64(dataHeaderSize)
	if f.Header.Compact() {
		hs = dataHeaderCompact
	}
	b, err := f.object(off, objData, hs)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	return &dataObject{
		off:        off,
		flags:      b[1],
		next:       le.Uint64(b[24:]),
		nextField:  le.Uint64(b[32:]),
		entry:      le.Uint64(b[40:]),
		entryArray: le.Uint64(b[48:]),
		nEntries:   le.Uint64(b[56:]),
		payload:    b[hs:],
	}, nil
}

// Data returns the payload ("FIELD=value") of the data object at off,
// decompressed.
func (f *File) Data(off uint64) ([]byte, error) {
	d, err := f.data(off)
	if err != nil {
		return nil, err
	}
	return f.decode(d)
}

func (f *File) decode(d *dataObject) ([]byte, error) {
	c := d.flags & (objCompressedXZ | objCompressedLZ4 | objCompressedZSTD)
	switch c {
	case 0:
		return d.payload, nil
	case objCompressedXZ:
		return decompressXZ(d.payload)
	case objCompressedLZ4:
		return decompressLZ4(d.payload)
	case objCompressedZSTD:
		return decompressZSTD(d.payload)
	}
	return nil, corrupt("data object at %d has compression flags %#x", d.off, c)
}

// fieldObjects calls fn with each field object of the field hash table.
func (f *File) fieldHeads() ([]uint64, error) {
	h := &f.Header
	if h.FieldHashTableSize == 0 {
		return nil, nil
	}
	if h.FieldHashTableOffset < objectHeaderSize || h.FieldHashTableSize%hashItemSize != 0 {
		return nil, corrupt("bad field hash table")
	}
	b, err := f.readAt(h.FieldHashTableOffset, h.FieldHashTableSize)
	if err != nil {
		return nil, err
	}
	var heads []uint64
	for i := 0; i+hashItemSize <= len(b); i += hashItemSize {
		if v := binary.LittleEndian.Uint64(b[i:]); v != 0 {
			heads = append(heads, v)
		}
	}
	return heads, nil
}

// FieldNames returns the names of the file's fields, as the field hash
// table lists them.
func (f *File) FieldNames() ([]string, error) {
	var names []string
	err := f.eachField(func(name []byte, _ uint64) bool {
		names = append(names, string(name))
		return true
	})
	return names, err
}

// eachField walks every field object through the field hash table's
// chains, giving its name and the head of its data chain.
func (f *File) eachField(fn func(name []byte, headData uint64) bool) error {
	heads, err := f.fieldHeads()
	if err != nil {
		return err
	}
	steps := uint64(0)
	for _, off := range heads {
		for off != 0 {
			if steps++; steps > f.maxSteps {
				return corrupt("field hash chains loop")
			}
			b, err := f.object(off, objField, fieldHeaderSize)
			if err != nil {
				return err
			}
			le := binary.LittleEndian
			if !fn(b[fieldHeaderSize:], le.Uint64(b[32:])) {
				return nil
			}
			off = le.Uint64(b[24:])
		}
	}
	return nil
}

// FindData returns the offset of the data object whose payload is
// exactly payload ("FIELD=value"), or 0 when the file has none, walking
// the field's chain of data objects.
func (f *File) FindData(payload []byte) (uint64, error) {
	eq := bytes.IndexByte(payload, '=')
	if eq < 0 {
		return 0, nil
	}
	field := payload[:eq]
	var head uint64
	found := false
	if err := f.eachField(func(name []byte, h uint64) bool {
		if bytes.Equal(name, field) {
			head, found = h, true
			return false
		}
		return true
	}); err != nil || !found {
		return 0, err
	}
	steps := uint64(0)
	for off := head; off != 0; {
		if steps++; steps > f.maxSteps {
			return 0, corrupt("data chain of field %q loops", field)
		}
		d, err := f.data(off)
		if err != nil {
			return 0, err
		}
		// An uncompressed payload of another length cannot match.
		if d.flags&(objCompressedXZ|objCompressedLZ4|objCompressedZSTD) == 0 && len(d.payload) != len(payload) {
			off = d.nextField
			continue
		}
		p, err := f.decode(d)
		if err != nil {
			return 0, err
		}
		if bytes.Equal(p, payload) {
			return off, nil
		}
		off = d.nextField
	}
	return 0, nil
}

// FirstEntryOf returns the first entry (in file order) referencing the
// data object at off: the data object's inline entry.
func (f *File) FirstEntryOf(off uint64) (*Entry, error) {
	d, err := f.data(off)
	if err != nil {
		return nil, err
	}
	if d.entry == 0 {
		return nil, nil
	}
	return f.Entry(d.entry)
}
