package exec

import (
	"encoding/binary"
	"errors"
	"reflect"
)

// The manager and the executor talk in a compact binary form of their
// plain-data structs (Spec, status records, mount requests): every field
// in declaration order, integers as varints, strings and slices with
// their length. Both ends are the same source, but not always the same
// build (the executor binary on disk may be newer than a running PID 1),
// so each message starts with a fingerprint of the layout of all wire
// types and a message from another layout is refused, not misread.
//
// encoding/json did this before at a fifth of the executor's CPU time:
// it works out field names and tags for every type in each process.

// wireLayout is the fingerprint of the wire types' layout (field names,
// kinds, nesting); TestWireLayout computes it and says when a change to
// Spec, statusRecord, NSMount or NSMountResult needs a new value here.
const wireLayout uint64 = 0xc31e5ad713115a92

// marshalWire encodes *v (a pointer to a wire type).
func marshalWire(v any) []byte {
	b := binary.LittleEndian.AppendUint64(make([]byte, 0, 512), wireLayout)
	return appendWire(b, reflect.ValueOf(v).Elem())
}

func appendWire(b []byte, v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1)
		}
		return append(b, 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return binary.AppendUvarint(b, v.Uint())
	case reflect.String:
		b = binary.AppendUvarint(b, uint64(v.Len()))
		return append(b, v.String()...)
	case reflect.Slice:
		// Length + 1; 0 is a nil slice.
		if v.IsNil() {
			return append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(v.Len())+1)
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return append(b, v.Bytes()...)
		}
		for i := 0; i < v.Len(); i++ {
			b = appendWire(b, v.Index(i))
		}
		return b
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			b = appendWire(b, v.Index(i))
		}
		return b
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, 0)
		}
		return appendWire(append(b, 1), v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			b = appendWire(b, v.Field(i))
		}
		return b
	}
	panic("exec: cannot encode kind " + v.Kind().String())
}

var errWireLayout = errors.New("message from a build with another layout (manager and executor differ)")

// unmarshalWire decodes data into *v, which must be zero.
func unmarshalWire(data []byte, v any) error {
	if len(data) < 8 {
		return errors.New("message truncated")
	}
	if binary.LittleEndian.Uint64(data) != wireLayout {
		return errWireLayout
	}
	r := wireReader{b: data[8:]}
	r.value(reflect.ValueOf(v).Elem())
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return errors.New("trailing bytes after message")
	}
	return nil
}

type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) fail() {
	if r.err == nil {
		r.err = errors.New("message truncated or malformed")
	}
	r.b = nil
}

func (r *wireReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if !r.canonical(n) {
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *wireReader) varint() int64 {
	x, n := binary.Varint(r.b)
	if !r.canonical(n) {
		return 0
	}
	r.b = r.b[n:]
	return x
}

// canonical checks a varint of n bytes at the start of r.b: one the
// writer would produce, without a redundant last byte of zero, so that
// every accepted message encodes back to itself.
func (r *wireReader) canonical(n int) bool {
	if n <= 0 || n > 1 && r.b[n-1] == 0 {
		r.fail()
		return false
	}
	return true
}

// take returns the next n bytes.
func (r *wireReader) take(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *wireReader) value(v reflect.Value) {
	if r.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		p := r.take(1)
		if len(p) == 1 {
			if p[0] > 1 {
				r.fail()
			}
			v.SetBool(p[0] == 1)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := r.varint()
		if v.OverflowInt(x) {
			r.fail()
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x := r.uvarint()
		if v.OverflowUint(x) {
			r.fail()
			return
		}
		v.SetUint(x)
	case reflect.String:
		v.SetString(string(r.take(r.uvarint())))
	case reflect.Slice:
		n := r.uvarint()
		if n == 0 || r.err != nil {
			return
		}
		n--
		// Every element takes at least a byte: a length past the rest of
		// the message is malformed, not an allocation to make.
		if n > uint64(len(r.b)) {
			r.fail()
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(append([]byte{}, r.take(n)...))
			return
		}
		s := reflect.MakeSlice(v.Type(), int(n), int(n))
		for i := 0; i < int(n) && r.err == nil; i++ {
			r.value(s.Index(i))
		}
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			r.value(v.Index(i))
		}
	case reflect.Pointer:
		switch p := r.take(1); {
		case len(p) == 0:
		case p[0] == 0:
		case p[0] == 1:
			e := reflect.New(v.Type().Elem())
			r.value(e.Elem())
			v.Set(e)
		default:
			r.fail()
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			r.value(v.Field(i))
		}
	default:
		r.fail()
	}
}
