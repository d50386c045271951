package udev

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// A message on udev's netlink monitor group is a 40-byte header and the
// device's properties as NUL-terminated "KEY=value" strings:
//
//	offset size  field (byte order)
//	     0    8  "libudev\0"
//	     8    4  magic 0xfeedcafe (big endian)
//	    12    4  header size (host)
//	    16    4  properties offset (host)
//	    20    4  properties length (host)
//	    24    4  MurmurHash2 of SUBSYSTEM (big endian)
//	    28    4  MurmurHash2 of DEVTYPE (big endian)
//	    32    8  bloom filter of the tags, high and low words (big endian)
//	    40       ACTION=add\0DEVPATH=/devices/…\0SUBSYSTEM=tty\0SEQNUM=…\0…
//
// The kernel's own messages (group 1) are "add@/devices/…\0" and the same
// properties. Receivers filter on the hashes and the bloom filter in the
// kernel with a socket filter, and check the real values afterwards.
const (
	monitorMagic      = 0xfeedcafe
	monitorHeaderSize = 40
	// minMessageSize is the shortest message sd-device accepts.
	minMessageSize = 32
	// Offsets of the header fields the socket filter reads.
	offMagic     = 8
	offBloomHigh = 32
	offBloomLow  = 36
)

var (
	errShort      = errors.New("message too short")
	errNoNUL      = errors.New("message without NUL")
	errMagic      = errors.New("invalid message signature")
	errOffset     = errors.New("invalid offset for properties")
	errHeader     = errors.New("invalid message header")
	errNulstr     = errors.New("properties not NUL-terminated")
	errNotKV      = errors.New("property is no KEY=value pair")
	errIncomplete = errors.New("device lacks devpath, subsystem, action or seqnum")
)

// ParseMessage reads one monitor message, from udevd ("libudev" header)
// or from the kernel ("ACTION@DEVPATH" header), as sd-device's
// device_monitor_receive_device and device_new_from_nulstr check and read
// it. A device from udevd is initialized.
func ParseMessage(buf []byte) (*Device, error) {
	n := len(buf)
	if n < minMessageSize {
		return nil, fmt.Errorf("%w (%d bytes)", errShort, n)
	}
	first := bytes.IndexByte(buf, 0)
	if first < 0 {
		return nil, errNoNUL
	}
	var off int
	initialized := false
	if string(buf[:first]) == "libudev" {
		if binary.BigEndian.Uint32(buf[offMagic:]) != monitorMagic {
			return nil, fmt.Errorf("%w (%x)", errMagic, binary.BigEndian.Uint32(buf[offMagic:]))
		}
		po := uint64(binary.NativeEndian.Uint32(buf[16:]))
		if po+minMessageSize > uint64(n) {
			return nil, fmt.Errorf("%w (%d > %d)", errOffset, po+minMessageSize, n)
		}
		off = int(po)
		initialized = true
	} else {
		if !bytes.Contains(buf[:first], []byte("@/")) {
			return nil, errHeader
		}
		off = first + 1
		if off >= n {
			return nil, errHeader
		}
	}
	d, err := deviceFromNulstr(buf[off:])
	if err != nil {
		return nil, err
	}
	d.Initialized = initialized
	return d, nil
}

// deviceFromNulstr is sd-device's device_new_from_nulstr.
func deviceFromNulstr(b []byte) (*Device, error) {
	d := &Device{}
	var major, minor string
	haveMajor, haveMinor := false, false
	haveAction, haveDevpath, haveSubsystem := false, false, false
	for len(b) > 0 {
		end := bytes.IndexByte(b, 0)
		if end < 0 {
			return nil, errNulstr
		}
		entry := string(b[:end])
		b = b[end+1:]
		// Some devices send a stray newline at the end of a value; it
		// and what follows it are dropped.
		if i := strings.IndexByte(entry, '\n'); i >= 0 {
			entry = entry[:i]
		}
		key, value, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q", errNotKV, entry)
		}
		switch key {
		case "MAJOR":
			major, haveMajor = value, true
			continue
		case "MINOR":
			minor, haveMinor = value, true
			continue
		case "ACTION":
			haveAction = true
		case "DEVPATH":
			haveDevpath = true
		case "SUBSYSTEM":
			haveSubsystem = true
		}
		if err := d.amend(key, value); err != nil {
			return nil, fmt.Errorf("%s=%s: %w", key, value, err)
		}
	}
	if haveMajor {
		if !haveMinor {
			minor = ""
		}
		if err := d.setDevnumChecked(major, minor); err != nil {
			return nil, fmt.Errorf("device number %s:%s: %w", major, minor, err)
		}
	}
	if !haveDevpath || !haveSubsystem || !haveAction || d.Seqnum == 0 {
		return nil, errIncomplete
	}
	if d.Subsystem == "drivers" {
		sub, ok := driversSubsystem(d.Devpath())
		if !ok {
			return nil, fmt.Errorf("drivers device %s: %w", d.Syspath, ErrInvalid)
		}
		d.driverSubsystem = sub
	}
	return d, nil
}

var errValue = errors.New("invalid value")

// amend is sd-device's device_amend: one property of a message.
func (d *Device) amend(key, value string) error {
	switch key {
	case "DEVPATH":
		p := "/sys" + value
		if !strings.HasPrefix(p, "/sys/") {
			return ErrInvalid
		}
		p = simplifyPath(p)
		if len(p) <= len("/sys") || p[len("/sys")] != '/' {
			return ErrNoDevice
		}
		d.Syspath = p
		d.setProperty("DEVPATH", p[len("/sys"):])
	case "SUBSYSTEM":
		d.Subsystem = value
		d.setProperty(key, value)
	case "DEVTYPE":
		d.Devtype = value
		d.setProperty(key, value)
	case "DEVNAME":
		d.setDevname(value)
	case "USEC_INITIALIZED":
		t, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return errValue
		}
		d.UsecInitialized = t
		d.setProperty(key, value)
	case "IFINDEX":
		if !d.setIfindex(value) {
			return errValue
		}
	case "DEVMODE":
		m, err := strconv.ParseUint(value, 10, 32)
		if err != nil || m > 0o7777 {
			return errValue
		}
		d.setProperty(key, value)
	case "DEVUID", "DEVGID":
		if _, err := strconv.ParseUint(value, 10, 32); err != nil {
			return errValue
		}
		d.setProperty(key, value)
	case "ACTION":
		a, ok := actions[value]
		if !ok {
			return errValue
		}
		d.Action = a
		d.setProperty(key, value)
	case "SEQNUM":
		s, err := strconv.ParseUint(value, 10, 64)
		if err != nil || s == 0 {
			return errValue
		}
		d.Seqnum = s
		d.setProperty(key, value)
	case "DISKSEQ":
		s, err := strconv.ParseUint(value, 10, 64)
		if err != nil || s == 0 {
			return errValue
		}
		d.setProperty(key, value)
	case "DEVLINKS":
		for _, w := range splitRetainingEscapes(value) {
			d.addDevlink(w)
		}
	case "TAGS", "CURRENT_TAGS":
		for _, w := range strings.Split(value, ":") {
			if w == "" {
				continue
			}
			if !tagIsValid(w) {
				return errValue
			}
			d.addTag(w, key == "CURRENT_TAGS")
		}
	case "UDEV_DATABASE_VERSION":
		v, err := strconv.ParseUint(value, 10, 31)
		if err != nil {
			return errValue
		}
		d.DBVersion = int(v)
	default:
		d.setProperty(key, value)
	}
	return nil
}

// setDevnumChecked is device_set_devnum: major 0 means no number.
func (d *Device) setDevnumChecked(major, minor string) error {
	ma, err := strconv.ParseUint(major, 10, 32)
	if err != nil {
		return errValue
	}
	if ma == 0 {
		return nil
	}
	if ma >= 1<<12 {
		return errValue
	}
	if minor != "" {
		mi, err := strconv.ParseUint(minor, 10, 32)
		if err != nil || mi >= 1<<20 {
			return errValue
		}
	}
	d.setDevnum(major, minor)
	return nil
}

// splitRetainingEscapes splits at whitespace, as extract_first_word with
// EXTRACT_RETAIN_ESCAPE: a backslash and the byte after it stay in the
// word, and an escaped blank does not separate.
func splitRetainingEscapes(s string) []string {
	var out []string
	var w strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			in = true
			w.WriteByte(c)
			if i+1 < len(s) {
				i++
				w.WriteByte(s[i])
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			in = true
			w.WriteByte(c)
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}

// driversSubsystem is the subsystem a "drivers" device belongs to: the
// path component before "/drivers".
func driversSubsystem(devpath string) (string, bool) {
	i := strings.Index(devpath, "/drivers/")
	if i < 0 {
		if !strings.HasSuffix(devpath, "/drivers") {
			return "", false
		}
		i = len(devpath) - len("/drivers")
	}
	before := strings.TrimRight(devpath[:i], "/")
	name := before[strings.LastIndexByte(before, '/')+1:]
	if name == "" || name == "." || name == ".." {
		return "", false
	}
	return name, true
}

// simplifyPath drops repeated slashes, "." components and a trailing
// slash, as systemd's path_simplify.
func simplifyPath(p string) string {
	var parts []string
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." {
			continue
		}
		parts = append(parts, c)
	}
	return "/" + strings.Join(parts, "/")
}

// EncodeMessage is udevd's side of a monitor message: d's properties
// behind a libudev header, as device_monitor_send_device builds it. The
// device needs ACTION, DEVPATH, SUBSYSTEM and SEQNUM among its
// properties to be read back. For tests and tools that stand in for
// udevd.
func EncodeMessage(d *Device) []byte {
	var props bytes.Buffer
	write := func(k, v string) {
		props.WriteString(k)
		props.WriteByte('=')
		props.WriteString(v)
		props.WriteByte(0)
	}
	skip := map[string]bool{"DEVLINKS": true, "TAGS": true, "CURRENT_TAGS": true}
	for _, kv := range d.Properties() {
		if !skip[kv[0]] {
			write(kv[0], kv[1])
		}
	}
	if len(d.Devlinks) > 0 {
		write("DEVLINKS", strings.Join(d.Devlinks, " "))
	}
	if len(d.tags.list) > 0 {
		write("TAGS", ":"+strings.Join(d.tags.list, ":")+":")
	}
	if len(d.currentTags.list) > 0 {
		write("CURRENT_TAGS", ":"+strings.Join(d.currentTags.list, ":")+":")
	}
	if d.DBVersion > 0 {
		write("UDEV_DATABASE_VERSION", strconv.Itoa(d.DBVersion))
	}
	h := make([]byte, monitorHeaderSize)
	copy(h, "libudev\x00")
	binary.BigEndian.PutUint32(h[offMagic:], monitorMagic)
	binary.NativeEndian.PutUint32(h[12:], monitorHeaderSize)
	binary.NativeEndian.PutUint32(h[16:], monitorHeaderSize)
	binary.NativeEndian.PutUint32(h[20:], uint32(props.Len()))
	binary.BigEndian.PutUint32(h[24:], murmurHash2([]byte(d.Subsystem), 0))
	if d.Devtype != "" {
		binary.BigEndian.PutUint32(h[28:], murmurHash2([]byte(d.Devtype), 0))
	}
	var bloom uint64
	for _, t := range d.tags.list {
		bloom |= tagBloom(t)
	}
	binary.BigEndian.PutUint32(h[offBloomHigh:], uint32(bloom>>32))
	binary.BigEndian.PutUint32(h[offBloomLow:], uint32(bloom))
	return append(h, props.Bytes()...)
}

// NewDevice builds a device from "KEY=value" properties as a monitor
// message carries them (for tests and tools that stand in for udevd).
func NewDevice(props ...string) (*Device, error) {
	var b bytes.Buffer
	for _, p := range props {
		b.WriteString(p)
		b.WriteByte(0)
	}
	return deviceFromNulstr(b.Bytes())
}

// murmurHash2 is Austin Appleby's 32-bit MurmurHash2, which udev hashes
// subsystems, device types and tags with.
func murmurHash2(key []byte, seed uint32) uint32 {
	const m = 0x5bd1e995
	const r = 24
	h := seed ^ uint32(len(key))
	for len(key) >= 4 {
		k := binary.LittleEndian.Uint32(key)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		key = key[4:]
	}
	switch len(key) {
	case 3:
		h ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// tagBloom is the 64-bit bloom filter word a tag sets: four bits picked
// from its hash.
func tagBloom(tag string) uint64 {
	h := murmurHash2([]byte(tag), 0)
	return 1<<(h&63) | 1<<((h>>6)&63) | 1<<((h>>12)&63) | 1<<((h>>18)&63)
}

// tagFilter is the classic BPF program sd-device attaches to a monitor
// socket that matches tags: messages without the libudev magic pass
// (they are checked in full later), udev messages pass only if their
// bloom filter may contain one of the tags.
func tagFilter(tags []string) []unix.SockFilter {
	stmt := func(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }
	jump := func(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
		return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
	}
	const (
		ldAbsW = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		andK   = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K
		jeqK   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		retK   = unix.BPF_RET | unix.BPF_K
	)
	p := []unix.SockFilter{
		stmt(ldAbsW, offMagic),
		jump(jeqK, monitorMagic, 1, 0),
		stmt(retK, 0xffffffff),
	}
	left := len(tags)
	for _, t := range tags {
		b := tagBloom(t)
		hi, lo := uint32(b>>32), uint32(b)
		left--
		p = append(p,
			stmt(ldAbsW, offBloomHigh),
			stmt(andK, hi),
			jump(jeqK, hi, 0, 3),
			stmt(ldAbsW, offBloomLow),
			stmt(andK, lo),
			jump(jeqK, lo, uint8(1+left*6), 0),
		)
	}
	if len(tags) > 0 {
		p = append(p, stmt(retK, 0))
	}
	return append(p, stmt(retK, 0xffffffff))
}
