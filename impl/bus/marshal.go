package bus

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"

	"github.com/godbus/dbus/v5"
)

// The signal encoder: PID 1 sends a PropertiesChanged per unit and turn,
// kilobytes each, and godbus's encoder (reflection, boxed binary.Write,
// fresh buffers for header and body) made most of its garbage during a
// large start. This one appends little-endian D-Bus straight into a
// reused buffer, led by the signature. It covers the values godbus
// represents the same way (TestMarshalMatchesGodbus compares the two).

var (
	variantType   = reflect.TypeOf(dbus.Variant{})
	signatureType = reflect.TypeOf(dbus.Signature{})
)

// marshalError is a value that does not fit its signature.
type marshalError struct{ sig, kind string }

func (e *marshalError) Error() string {
	return fmt.Sprintf("cannot marshal %s as %q", e.kind, e.sig)
}

type marshaller struct{ buf []byte }

func (m *marshaller) align(n int) {
	for len(m.buf)%n != 0 {
		m.buf = append(m.buf, 0)
	}
}

func (m *marshaller) u32(v uint32) {
	m.align(4)
	m.buf = binary.LittleEndian.AppendUint32(m.buf, v)
}

func (m *marshaller) u64(v uint64) {
	m.align(8)
	m.buf = binary.LittleEndian.AppendUint64(m.buf, v)
}

func (m *marshaller) str(s string) {
	m.u32(uint32(len(s)))
	m.buf = append(m.buf, s...)
	m.buf = append(m.buf, 0)
}

func (m *marshaller) sig(s string) {
	m.buf = append(m.buf, byte(len(s)))
	m.buf = append(m.buf, s...)
	m.buf = append(m.buf, 0)
}

// intOf is v as an integer of the D-Bus type c, if v's kind is what
// godbus makes that type of.
func intOf(c byte, v reflect.Value) (int64, bool) {
	var ok bool
	switch k := v.Kind(); c {
	case 'y':
		ok = k == reflect.Uint8
	case 'n':
		ok = k == reflect.Int16
	case 'q':
		ok = k == reflect.Uint16
	case 'i':
		ok = k == reflect.Int || k == reflect.Int32
	case 'u', 'h':
		ok = k == reflect.Uint || k == reflect.Uint32
	case 'x':
		ok = k == reflect.Int64
	case 't':
		ok = k == reflect.Uint64
	}
	switch {
	case !ok:
		return 0, false
	case v.CanInt():
		return v.Int(), true
	default:
		return int64(v.Uint()), true
	}
}

// value appends v as the single complete type sig.
func (m *marshaller) value(sig string, v reflect.Value) error {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return &marshalError{sig, "nil"}
		}
		v = v.Elem()
	}
	bad := func() error { return &marshalError{sig, v.Type().String()} }
	switch sig[0] {
	case 'y', 'n', 'q', 'i', 'u', 'x', 't', 'h':
		n, ok := intOf(sig[0], v)
		if !ok {
			return bad()
		}
		switch sig[0] {
		case 'y':
			m.buf = append(m.buf, byte(n))
		case 'n', 'q':
			m.align(2)
			m.buf = binary.LittleEndian.AppendUint16(m.buf, uint16(n))
		case 'i', 'u', 'h':
			m.u32(uint32(n))
		default:
			m.u64(uint64(n))
		}
	case 'b':
		if v.Kind() != reflect.Bool {
			return bad()
		}
		b := uint32(0)
		if v.Bool() {
			b = 1
		}
		m.u32(b)
	case 'd':
		if v.Kind() != reflect.Float32 && v.Kind() != reflect.Float64 {
			return bad()
		}
		m.u64(math.Float64bits(v.Float()))
	case 's', 'o':
		if v.Kind() != reflect.String {
			return bad()
		}
		m.str(v.String())
	case 'g':
		if v.Type() == signatureType {
			m.sig(v.Interface().(dbus.Signature).String())
			return nil
		}
		if v.Kind() != reflect.String {
			return bad()
		}
		m.sig(v.String())
	case 'v':
		if v.Type() != variantType {
			return bad()
		}
		// Through its address where it has one: Interface on the struct
		// itself copies it to the heap.
		var vv dbus.Variant
		if v.CanAddr() {
			vv = *v.Addr().Interface().(*dbus.Variant)
		} else {
			vv = v.Interface().(dbus.Variant)
		}
		s := vv.Signature().String()
		if s == "" {
			return bad()
		}
		m.sig(s)
		return m.value(s, reflect.ValueOf(vv.Value()))
	case '(':
		rest := sig[1 : len(sig)-1]
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Interface {
			// As godbus decodes a struct: its fields in a []any.
			m.align(8)
			for i := 0; i < v.Len(); i++ {
				if rest == "" {
					return bad()
				}
				one := firstType(rest)
				rest = rest[len(one):]
				if err := m.value(one, v.Index(i)); err != nil {
					return err
				}
			}
			if rest != "" {
				return bad()
			}
			return nil
		}
		if v.Kind() != reflect.Struct {
			return bad()
		}
		m.align(8)
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("dbus") == "-" {
				continue
			}
			if rest == "" {
				return bad()
			}
			one := firstType(rest)
			rest = rest[len(one):]
			if err := m.value(one, v.Field(i)); err != nil {
				return err
			}
		}
		if rest != "" {
			return bad()
		}
	case 'a':
		elem := sig[1:]
		m.u32(0)
		lenAt := len(m.buf) - 4
		m.align(alignOf(elem[0]))
		start := len(m.buf)
		switch {
		case elem[0] == '{' && v.Kind() == reflect.Map:
			key := firstType(elem[1 : len(elem)-1])
			val := elem[1+len(key) : len(elem)-1]
			iter := v.MapRange()
			for iter.Next() {
				m.align(8)
				if err := m.value(key, iter.Key()); err != nil {
					return err
				}
				if err := m.value(val, iter.Value()); err != nil {
					return err
				}
			}
		case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
			if elem == "y" && v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
				m.buf = append(m.buf, v.Bytes()...)
				break
			}
			one := elem
			if elem[0] == '{' {
				// A slice of two-field structs is a dictionary on the wire.
				one = "(" + elem[1:len(elem)-1] + ")"
			}
			for i := 0; i < v.Len(); i++ {
				if err := m.value(one, v.Index(i)); err != nil {
					return err
				}
			}
		default:
			return bad()
		}
		n := len(m.buf) - start
		if n > 1<<26 {
			return &marshalError{sig, "array over 64 MiB"}
		}
		binary.LittleEndian.PutUint32(m.buf[lenAt:], uint32(n))
	default:
		return bad()
	}
	return nil
}

// headerField is one header field of a message: code, type and value.
type headerField struct {
	code byte
	sig  byte // 's', 'o', 'g' or 'u'
	str  string
	num  uint32
}

// MarshalSignal marshals a signal message with serial 0 (the connection
// sets it) into buf[:0], which it returns grown as needed.
func MarshalSignal(buf []byte, path dbus.ObjectPath, iface, member, sig, sender string, values []any) ([]byte, error) {
	fields := [5]headerField{{code: 1, sig: 'o', str: string(path)}, {code: 2, sig: 's', str: iface}, {code: 3, sig: 's', str: member}}
	n := 3
	if sender != "" {
		fields[n] = headerField{code: 7, sig: 's', str: sender}
		n++
	}
	if sig != "" {
		fields[n] = headerField{code: 8, sig: 'g', str: sig}
		n++
	}
	return marshalMessage(buf, dbus.TypeSignal, 0, fields[:n], sig, values)
}

// marshalHeaders converts a godbus header map, in field code order; ok
// is false for a field of a type this encoder does not write.
func marshalHeaders(h map[dbus.HeaderField]dbus.Variant, out []headerField) ([]headerField, string, bool) {
	sig := ""
	for code := dbus.FieldPath; code <= dbus.FieldUnixFDs; code++ {
		v, ok := h[code]
		if !ok {
			continue
		}
		f := headerField{code: byte(code)}
		switch x := v.Value().(type) {
		case dbus.ObjectPath:
			f.sig, f.str = 'o', string(x)
		case string:
			f.sig, f.str = 's', x
		case dbus.Signature:
			f.sig, f.str = 'g', x.String()
			if code == dbus.FieldSignature {
				sig = f.str
			}
		case uint32:
			f.sig, f.num = 'u', x
		default:
			return nil, "", false
		}
		out = append(out, f)
	}
	return out, sig, len(h) == len(out)
}

// marshalMessage marshals a message with serial 0 into buf[:0].
func marshalMessage(buf []byte, typ dbus.Type, flags dbus.Flags, fields []headerField, sig string, values []any) ([]byte, error) {
	m := marshaller{buf: append(buf[:0], 'l', byte(typ), byte(flags), 1, 0, 0, 0, 0, 0, 0, 0, 0)}
	m.u32(0)
	lenAt := len(m.buf) - 4
	m.align(8)
	start := len(m.buf)
	for _, f := range fields {
		m.align(8)
		m.buf = append(m.buf, f.code, 1, f.sig, 0)
		switch f.sig {
		case 'g':
			m.sig(f.str)
		case 'u':
			m.u32(f.num)
		default:
			m.str(f.str)
		}
	}
	binary.LittleEndian.PutUint32(m.buf[lenAt:], uint32(len(m.buf)-start))
	m.align(8)
	bodyStart := len(m.buf)
	rest := sig
	for _, v := range values {
		if rest == "" {
			return m.buf, &marshalError{sig, "too many values"}
		}
		one := firstType(rest)
		rest = rest[len(one):]
		if err := m.value(one, reflect.ValueOf(v)); err != nil {
			return m.buf, err
		}
	}
	if rest != "" {
		return m.buf, &marshalError{sig, "too few values"}
	}
	if len(m.buf)-bodyStart > 1<<27 {
		return m.buf, &marshalError{sig, "message over 128 MiB"}
	}
	binary.LittleEndian.PutUint32(m.buf[4:], uint32(len(m.buf)-bodyStart))
	return m.buf, nil
}
