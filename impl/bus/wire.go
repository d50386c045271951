package bus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
)

// What 252's sd-bus makes of a message it could frame (byte order and
// size known) but not accept. A connection survives them all:
//
//   - a header it refuses (protocol version, type 0, serial 0, a known
//     field of the wrong type or value, a missing required field, file
//     descriptors announced but not received) drops the message
//     silently;
//   - unknown header fields and unknown flags are ignored;
//   - a method call whose body does not hold what its signature says, or
//     holds a string that is not valid UTF-8 or has a NUL in it, is still
//     dispatched, and fails where the method would read its arguments
//     (badBody): "Bad message".
//
// Only framing errors and exceeded limits close the connection.

// errDropped marks a message that is skipped, not answered.
type errDropped struct{ why string }

func (e *errDropped) Error() string { return "invalid message dropped: " + e.why }

// knownFlags are the header flags of the specification; others are
// ignored, as sd-bus does, and cleared before decoding.
const knownFlags = byte(dbus.FlagNoReplyExpected | dbus.FlagNoAutoStart | dbus.FlagAllowInteractiveAuthorization)

// fieldSigs are the types of the header fields this implementation knows.
var fieldSigs = map[byte]byte{
	byte(dbus.FieldPath): 'o', byte(dbus.FieldInterface): 's', byte(dbus.FieldMember): 's',
	byte(dbus.FieldErrorName): 's', byte(dbus.FieldReplySerial): 'u', byte(dbus.FieldDestination): 's',
	byte(dbus.FieldSender): 's', byte(dbus.FieldSignature): 'g', byte(dbus.FieldUnixFDs): 'u',
}

// header is a parsed header: the known fields, by code, as string or
// uint32.
type header struct {
	order  binary.ByteOrder
	typ    byte
	flags  byte
	serial uint32
	fields map[byte]any
	body   []byte
	// clean is false when buf has unknown fields or flags and must be
	// rebuilt for the decoder.
	clean bool
}

// parseHeader checks a framed message's header as sd-bus does.
func parseHeader(buf []byte) (*header, error) {
	h := &header{order: binary.LittleEndian, typ: buf[1], flags: buf[2], fields: map[byte]any{}, clean: true}
	if buf[0] == 'B' {
		h.order = binary.BigEndian
	}
	if buf[3] != 1 {
		return nil, &errDropped{fmt.Sprintf("protocol version %d", buf[3])}
	}
	if h.typ == 0 {
		return nil, &errDropped{"message type 0"}
	}
	h.serial = h.order.Uint32(buf[8:12])
	if h.serial == 0 {
		return nil, &errDropped{"serial 0"}
	}
	if h.flags&^knownFlags != 0 {
		h.clean = false
	}
	flen := int(h.order.Uint32(buf[12:16]))
	p := &wireReader{b: buf[:16+flen], pos: 16, order: h.order}
	for p.pos < len(p.b) {
		p.align(8)
		code := p.byte()
		sig := p.sig()
		if p.err != nil {
			break
		}
		if !singleType(sig) {
			return nil, &errDropped{fmt.Sprintf("header field %d has signature %q", code, sig)}
		}
		want, known := fieldSigs[code]
		if !known {
			h.clean = false
			p.skip(sig)
			continue
		}
		if len(sig) != 1 || sig[0] != want {
			return nil, &errDropped{fmt.Sprintf("header field %d has type %q", code, sig)}
		}
		if _, dup := h.fields[code]; dup {
			return nil, &errDropped{fmt.Sprintf("header field %d twice", code)}
		}
		switch want {
		case 'u':
			h.fields[code] = p.u32()
		case 'g':
			sig, err := dbus.ParseSignature(p.sig())
			if err != nil && p.err == nil {
				return nil, &errDropped{"invalid signature"}
			}
			h.fields[code] = sig
		default:
			h.fields[code] = p.str()
		}
	}
	if p.err != nil {
		return nil, &errDropped{"header fields: " + p.err.Error()}
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	h.body = buf[16+(flen+7)&^7:]
	return h, nil
}

// check validates the known fields' values and the required fields.
func (h *header) check() error {
	str := func(code dbus.HeaderField) (string, bool) {
		s, ok := h.fields[byte(code)].(string)
		return s, ok
	}
	if path, ok := str(dbus.FieldPath); ok {
		if !dbus.ObjectPath(path).IsValid() || path == "/org/freedesktop/DBus/Local" {
			return &errDropped{"invalid path"}
		}
	}
	if iface, ok := str(dbus.FieldInterface); ok && (!validInterfaceName(iface) || iface == "org.freedesktop.DBus.Local") {
		return &errDropped{"invalid interface"}
	}
	if member, ok := str(dbus.FieldMember); ok && !validMemberName(member) {
		return &errDropped{"invalid member"}
	}
	if name, ok := str(dbus.FieldErrorName); ok && !validInterfaceName(name) {
		return &errDropped{"invalid error name"}
	}
	for _, f := range []dbus.HeaderField{dbus.FieldDestination, dbus.FieldSender} {
		if name, ok := str(f); ok && !validBusName(name) {
			return &errDropped{"invalid bus name"}
		}
	}
	if rs, ok := h.fields[byte(dbus.FieldReplySerial)].(uint32); ok && rs == 0 {
		return &errDropped{"reply serial 0"}
	}
	has := func(f dbus.HeaderField) bool { _, ok := h.fields[byte(f)]; return ok }
	switch dbus.Type(h.typ) {
	case dbus.TypeMethodCall:
		if !has(dbus.FieldPath) || !has(dbus.FieldMember) {
			return &errDropped{"method call without path or member"}
		}
	case dbus.TypeSignal:
		if !has(dbus.FieldPath) || !has(dbus.FieldInterface) || !has(dbus.FieldMember) {
			return &errDropped{"signal without path, interface or member"}
		}
	case dbus.TypeError:
		if !has(dbus.FieldErrorName) || !has(dbus.FieldReplySerial) {
			return &errDropped{"error without name or reply serial"}
		}
	case dbus.TypeMethodReply:
		if !has(dbus.FieldReplySerial) {
			return &errDropped{"reply without reply serial"}
		}
	default:
		// Unknown types are ignored.
		return &errDropped{fmt.Sprintf("message type %d", h.typ)}
	}
	return nil
}

// unixFDs is how many file descriptors the message announces.
func (h *header) unixFDs() int {
	n, _ := h.fields[byte(dbus.FieldUnixFDs)].(uint32)
	return int(min(n, 1<<20))
}

// headers are the known fields as the decoder's map.
func (h *header) headers() map[dbus.HeaderField]dbus.Variant {
	m := map[dbus.HeaderField]dbus.Variant{}
	for code, v := range h.fields {
		if code == byte(dbus.FieldPath) {
			v = dbus.ObjectPath(v.(string))
		}
		m[dbus.HeaderField(code)] = dbus.MakeVariant(v)
	}
	return m
}

// rebuild is the message with only known fields and flags, in its own
// byte order, for the decoder.
func (h *header) rebuild() ([]byte, error) {
	msg := &dbus.Message{Type: dbus.Type(h.typ), Flags: dbus.Flags(h.flags & knownFlags), Headers: h.headers()}
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, h.order); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	h.order.PutUint32(out[4:8], uint32(len(h.body)))
	h.order.PutUint32(out[8:12], h.serial)
	return append(out, h.body...), nil
}

// decodeChecked decodes a framed message as sd-bus would accept it.
// A header sd-bus refuses gives *errDropped; a method call whose body is
// unreadable comes back with badBody set and no body.
func decodeChecked(buf []byte, queue *[]int, maxFDs int) (msg *dbus.Message, fds []int, badBody bool, err error) {
	h, err := parseHeader(buf)
	if err != nil {
		return nil, nil, false, err
	}
	n := h.unixFDs()
	if n > maxFDs {
		return nil, nil, false, &LimitError{What: "file descriptors in message", Value: n, Limit: maxFDs}
	}
	if n > len(*queue) {
		err := &errDropped{fmt.Sprintf("%d file descriptors announced, %d received", n, len(*queue))}
		closeFDs(*queue)
		*queue = nil
		return nil, nil, false, err
	}
	if n > 0 {
		fds = append([]int(nil), (*queue)[:n]...)
		*queue = (*queue)[n:]
	}
	data := buf
	if !h.clean {
		if data, err = h.rebuild(); err != nil {
			closeFDs(fds)
			return nil, nil, false, &errDropped{err.Error()}
		}
	}
	if n > 0 {
		msg, err = dbus.DecodeMessageWithFDs(bytes.NewReader(data), fds)
	} else {
		msg, err = dbus.DecodeMessage(bytes.NewReader(data))
	}
	if err == nil && !validStrings(reflect.ValueOf(msg.Body)) {
		err = errors.New("invalid string in body")
	}
	if err != nil {
		if dbus.Type(h.typ) != dbus.TypeMethodCall {
			closeFDs(fds)
			return nil, nil, false, &errDropped{"body: " + err.Error()}
		}
		// The header alone, for dispatch: decoded without the
		// signature, which is put back.
		sig, hasSig := h.fields[byte(dbus.FieldSignature)]
		delete(h.fields, byte(dbus.FieldSignature))
		h.body = nil
		data, rerr := h.rebuild()
		if rerr == nil {
			msg, rerr = dbus.DecodeMessage(bytes.NewReader(data))
		}
		if rerr != nil {
			closeFDs(fds)
			return nil, nil, false, &errDropped{"header: " + rerr.Error()}
		}
		if hasSig {
			msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(sig)
		}
		return msg, fds, true, nil
	}
	return msg, fds, false, nil
}

// validStrings reports whether every string in v is valid UTF-8 without
// NUL, as sd-bus checks while reading.
func validStrings(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return true
		}
		for i := 0; i < v.Len(); i++ {
			if !validStrings(v.Index(i)) {
				return false
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if !validStrings(it.Key()) || !validStrings(it.Value()) {
				return false
			}
		}
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			return validStrings(v.Elem())
		}
	case reflect.Struct:
		if vv, ok := v.Interface().(dbus.Variant); ok {
			return validStrings(reflect.ValueOf(vv.Value()))
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && !validStrings(v.Field(i)) {
				return false
			}
		}
	}
	return true
}

// validBusName is a unique (":1.42") or well-known ("org.x.Y") name.
func validBusName(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	unique := s[0] == ':'
	if unique {
		s = s[1:]
	}
	elems := strings.Split(s, ".")
	if len(elems) < 2 {
		return false
	}
	for _, e := range elems {
		if e == "" {
			return false
		}
		for i, c := range e {
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_', c == '-':
			case c >= '0' && c <= '9' && (i > 0 || unique):
			default:
				return false
			}
		}
	}
	return true
}

// wireReader reads marshalled values; the first error sticks.
type wireReader struct {
	b     []byte
	pos   int
	order binary.ByteOrder
	err   error
}

func (r *wireReader) need(n int) bool {
	if r.err == nil && (n < 0 || r.pos+n > len(r.b)) {
		r.err = errors.New("truncated")
	}
	return r.err == nil
}

func (r *wireReader) align(n int) {
	for r.pos%n != 0 && r.need(1) {
		if r.b[r.pos] != 0 {
			r.err = errors.New("non-zero padding")
			return
		}
		r.pos++
	}
}

func (r *wireReader) byte() byte {
	if !r.need(1) {
		return 0
	}
	r.pos++
	return r.b[r.pos-1]
}

func (r *wireReader) u32() uint32 {
	r.align(4)
	if !r.need(4) {
		return 0
	}
	r.pos += 4
	return r.order.Uint32(r.b[r.pos-4:])
}

// text reads n bytes and the NUL after them, checking the string.
func (r *wireReader) text(n int) string {
	if !r.need(n + 1) {
		return ""
	}
	s := string(r.b[r.pos : r.pos+n])
	if r.b[r.pos+n] != 0 || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		r.err = errors.New("invalid string")
	}
	r.pos += n + 1
	return s
}

func (r *wireReader) str() string { return r.text(int(r.u32())) }

func (r *wireReader) sig() string { return r.text(int(r.byte())) }

// skip reads past one value of the complete type sig.
func (r *wireReader) skip(sig string) {
	if r.err != nil || sig == "" {
		return
	}
	switch sig[0] {
	case 'y':
		r.byte()
	case 'n', 'q':
		r.align(2)
		r.need(2)
		r.pos += 2
	case 'b', 'i', 'u', 'h':
		r.u32()
	case 'x', 't', 'd':
		r.align(8)
		if r.need(8) {
			r.pos += 8
		}
	case 's', 'o':
		r.str()
	case 'g':
		r.sig()
	case 'v':
		inner := r.sig()
		if r.err == nil && !singleType(inner) {
			r.err = errors.New("invalid variant signature")
		}
		r.skip(inner)
	case 'a':
		n := int(r.u32())
		elem := sig[1:]
		r.align(alignOf(elem[0]))
		if !r.need(n) {
			return
		}
		end := r.pos + n
		for r.err == nil && r.pos < end {
			r.skip(firstType(elem))
		}
	case '(', '{':
		r.align(8)
		inner := sig[1 : len(sig)-1]
		for inner != "" && r.err == nil {
			t := firstType(inner)
			r.skip(t)
			inner = inner[len(t):]
		}
	default:
		r.err = fmt.Errorf("unknown type %q", sig[0])
	}
}

// firstType is the first complete type of a valid signature.
func firstType(sig string) string {
	depth := 0
	for i := 0; i < len(sig); i++ {
		switch sig[i] {
		case 'a':
			continue
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		}
		if depth == 0 {
			return sig[:i+1]
		}
	}
	return sig
}

func alignOf(c byte) int {
	switch c {
	case 'n', 'q':
		return 2
	case 'b', 'i', 'u', 'h', 's', 'o', 'a':
		return 4
	case 'x', 't', 'd', '(', '{':
		return 8
	}
	return 1
}
