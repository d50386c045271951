package native

import (
	"bytes"
	"encoding/binary"
)

// journald's limits (src/shared/journal-importer.h in 252).
const (
	dataSizeMax        = 768 << 20
	entrySizeMax       = 770 << 20
	entryFieldCountMax = 1024
)

// parseNative splits a datagram (or memfd) into entries by the rules of
// journald 252's server_process_native_message and server_process_entry:
// it is the reference our encoder is checked against, used only here.
// Fields journald drops (invalid names) are left out, as is the
// _TRANSPORT= field journald adds.
func parseNative(buf []byte) [][]Field {
	var entries [][]Field
	for {
		fields, rest, ok := parseEntry(buf, false)
		if !ok {
			return entries
		}
		entries = append(entries, fields)
		buf = rest
	}
}

// parseExport parses `journalctl -o export` output, which uses the same
// two field forms with an empty line after each entry, and holds
// journald's own fields besides the client's.
func parseExport(buf []byte) [][]Field {
	var entries [][]Field
	for len(buf) > 0 {
		fields, rest, ok := parseEntry(buf, true)
		if !ok {
			break
		}
		entries = append(entries, fields)
		buf = rest
	}
	return entries
}

// parseEntry reads one entry; ok is false where journald stops reading
// the message altogether. Export output has no field count limit, and
// its field names may start with '_'.
func parseEntry(p []byte, export bool) (fields []Field, rest []byte, ok bool) {
	size := 0
	for len(p) > 0 {
		e := bytes.IndexByte(p, '\n')
		if e < 0 {
			break // trailing noise
		}
		if e == 0 {
			p = p[1:]
			break // entry separator
		}
		if p[0] == '.' || p[0] == '#' {
			p = p[e+1:]
			continue
		}
		if len(fields) > entryFieldCountMax && !export {
			return nil, nil, false
		}
		if q := bytes.IndexByte(p[:e], '='); q >= 0 {
			if ValidFieldName(string(p[:q]), export) {
				if e > dataSizeMax || size+e+len(fields)+1 > entrySizeMax {
					return nil, nil, false
				}
				fields = append(fields, Field{string(p[:q]), string(p[q+1 : e])})
				size += e
			}
			p = p[e+1:]
			continue
		}
		if len(p) < e+1+8+1 {
			break
		}
		l := binary.LittleEndian.Uint64(p[e+1:])
		if l > dataSizeMax {
			return nil, nil, false
		}
		total := e + 1 + int(l)
		if size+total+len(fields)+1 > entrySizeMax {
			return nil, nil, false
		}
		end := e + 1 + 8 + int(l)
		if len(p) < end+1 || p[end] != '\n' {
			break
		}
		if ValidFieldName(string(p[:e]), export) {
			fields = append(fields, Field{string(p[:e]), string(p[e+1+8 : end])})
			size += total
		}
		p = p[end+1:]
	}
	if len(fields) == 0 {
		return nil, nil, false
	}
	return fields, p, true
}
