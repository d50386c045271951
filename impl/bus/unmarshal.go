package bus

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The body decoder: clients (systemctl) receive replies of hundreds of
// entries (ListUnitsByPatterns, GetAll), and godbus's decoder reads them
// through an io.Reader and builds every array by reflection. This one
// reads a message body held in memory, led by the signature, and gives
// the same Go values godbus's decoder gives (TestUnmarshalMatchesGodbus
// and FuzzUnmarshalBody compare the two): structs as []any, arrays as
// typed slices, dicts as typed maps, variants as dbus.Variant. Its
// limits are godbus's: container depth, array length, a boolean is 0
// or 1. Strings share one copy of the body.

// errBody is a body that does not match its signature.
type errBody struct{ why string }

func (e *errBody) Error() string { return "dbus: wire format error: " + e.why }

var errTruncated = &errBody{"unexpected EOF"}

// maxBodyArray is the largest array length in bytes godbus accepts.
const maxBodyArray = 1 << 26

var (
	interfacesType  = reflect.TypeOf([]any{})
	objectPathType  = reflect.TypeOf(dbus.ObjectPath(""))
	unixFDIndexType = reflect.TypeOf(dbus.UnixFDIndex(0))
)

// goTypeOf is the Go type godbus decodes the complete type sig into.
func goTypeOf(sig string) reflect.Type {
	switch sig[0] {
	case 'y':
		return reflect.TypeOf(byte(0))
	case 'b':
		return reflect.TypeOf(false)
	case 'n':
		return reflect.TypeOf(int16(0))
	case 'q':
		return reflect.TypeOf(uint16(0))
	case 'i':
		return reflect.TypeOf(int32(0))
	case 'u':
		return reflect.TypeOf(uint32(0))
	case 'x':
		return reflect.TypeOf(int64(0))
	case 't':
		return reflect.TypeOf(uint64(0))
	case 'd':
		return reflect.TypeOf(float64(0))
	case 's':
		return reflect.TypeOf("")
	case 'o':
		return objectPathType
	case 'g':
		return signatureType
	case 'v':
		return variantType
	case 'h':
		return unixFDIndexType
	case 'a':
		if sig[1] == '{' {
			return reflect.MapOf(goTypeOf(sig[2:3]), goTypeOf(sig[3:len(sig)-1]))
		}
		return reflect.SliceOf(goTypeOf(sig[1:]))
	}
	return interfacesType
}

type unmarshaller struct {
	b     []byte
	s     string // b as a string: decoded strings are its substrings
	pos   int
	order binary.ByteOrder
	fds   []int
	err   error
}

func (u *unmarshaller) fail(err error) {
	if u.err == nil {
		u.err = err
	}
}

// need reports whether n more bytes are there.
func (u *unmarshaller) need(n int) bool {
	if u.err != nil {
		return false
	}
	if n < 0 || n > len(u.b)-u.pos {
		u.fail(errTruncated)
		return false
	}
	return true
}

func (u *unmarshaller) align(n int) {
	if r := u.pos % n; r != 0 && u.need(n-r) {
		u.pos += n - r
	}
}

func (u *unmarshaller) u8() byte {
	if !u.need(1) {
		return 0
	}
	u.pos++
	return u.b[u.pos-1]
}

func (u *unmarshaller) u16() uint16 {
	u.align(2)
	if !u.need(2) {
		return 0
	}
	u.pos += 2
	return u.order.Uint16(u.b[u.pos-2:])
}

func (u *unmarshaller) u32() uint32 {
	u.align(4)
	if !u.need(4) {
		return 0
	}
	u.pos += 4
	return u.order.Uint32(u.b[u.pos-4:])
}

func (u *unmarshaller) u64() uint64 {
	u.align(8)
	if !u.need(8) {
		return 0
	}
	u.pos += 8
	return u.order.Uint64(u.b[u.pos-8:])
}

// text is n bytes and the byte after them (the NUL, unchecked, as
// godbus leaves it).
func (u *unmarshaller) text(n int) string {
	if !u.need(n) || !u.need(n+1) {
		return ""
	}
	s := u.s[u.pos : u.pos+n]
	u.pos += n + 1
	return s
}

func (u *unmarshaller) str() string { return u.text(int(u.u32())) }

func (u *unmarshaller) signature() dbus.Signature {
	s := u.text(int(u.u8()))
	if u.err != nil {
		return dbus.Signature{}
	}
	sig, err := dbus.ParseSignature(s)
	if err != nil {
		u.fail(err)
	}
	return sig
}

// arrayLen reads an array's length and the padding before its first
// element; it returns the end offset of the elements.
func (u *unmarshaller) arrayLen(elemAlign int) int {
	n := u.u32()
	if u.err != nil {
		return 0
	}
	if n > maxBodyArray {
		u.fail(&errBody{"input exceeds array size limitation"})
		return 0
	}
	u.align(elemAlign)
	return u.pos + int(n)
}

// elemAlign is the padding godbus reads before an array's elements.
func elemAlign(elem string) int {
	if elem[0] == '(' {
		return 8
	}
	return alignOf(elem[0])
}

var errDepth = &errBody{"input exceeds container depth limit"}

// value decodes one value of the complete type sig.
func (u *unmarshaller) value(sig string, depth int) any {
	if u.err != nil {
		return nil
	}
	switch sig[0] {
	case 'y':
		return u.u8()
	case 'b':
		switch u.u32() {
		case 0:
			return false
		case 1:
			return true
		}
		u.fail(&errBody{"invalid value for boolean"})
		return nil
	case 'n':
		return int16(u.u16())
	case 'q':
		return u.u16()
	case 'i':
		return int32(u.u32())
	case 'u':
		return u.u32()
	case 'x':
		return int64(u.u64())
	case 't':
		return u.u64()
	case 'd':
		return math.Float64frombits(u.u64())
	case 's':
		return u.str()
	case 'o':
		return dbus.ObjectPath(u.str())
	case 'g':
		return u.signature()
	case 'h':
		idx := u.u32()
		if int(idx) < len(u.fds) {
			return dbus.UnixFD(u.fds[idx])
		}
		return dbus.UnixFDIndex(idx)
	case 'v':
		if depth >= 64 {
			u.fail(errDepth)
			return nil
		}
		inner := u.signature()
		if u.err != nil {
			return nil
		}
		is := inner.String()
		if is == "" {
			u.fail(&errBody{"variant signature is empty"})
			return nil
		}
		if strings.Contains(is, "()") {
			u.fail(&errBody{"empty structure"})
			return nil
		}
		if firstType(is) != is {
			u.fail(&errBody{"variant signature has multiple types"})
			return nil
		}
		v := u.value(is, depth+1)
		if u.err != nil {
			return nil
		}
		return dbus.MakeVariantWithSignature(v, inner)
	case '(':
		return u.structure(sig, countTypes(sig[1:len(sig)-1]), depth)
	case 'a':
		if sig[1] == '{' {
			return u.dict(sig, depth)
		}
		return u.array(sig[1:], depth)
	}
	u.fail(&errBody{"invalid signature " + sig})
	return nil
}

// structure decodes a struct of n fields.
func (u *unmarshaller) structure(sig string, n, depth int) []any {
	if depth >= 64 {
		u.fail(errDepth)
		return nil
	}
	inner := sig[1 : len(sig)-1]
	if inner == "" {
		// godbus's signature parser lets "()" through, and an array
		// of them never ends.
		u.fail(&errBody{"empty structure"})
		return nil
	}
	u.align(8)
	out := make([]any, 0, n)
	for inner != "" && u.err == nil {
		t := firstType(inner)
		out = append(out, u.value(t, depth+1))
		inner = inner[len(t):]
	}
	return out
}

// array decodes an array of elem.
func (u *unmarshaller) array(elem string, depth int) any {
	if depth >= 64 {
		u.fail(errDepth)
		return nil
	}
	end := u.arrayLen(elemAlign(elem))
	if u.err != nil {
		return nil
	}
	switch elem {
	case "s":
		out := []string{}
		for u.pos < end && u.err == nil {
			out = append(out, u.str())
		}
		return out
	case "o":
		out := []dbus.ObjectPath{}
		for u.pos < end && u.err == nil {
			out = append(out, dbus.ObjectPath(u.str()))
		}
		return out
	case "y":
		if !u.need(end - u.pos) {
			return nil
		}
		out := append([]byte{}, u.b[u.pos:end]...)
		u.pos = end
		return out
	case "u":
		out := []uint32{}
		for u.pos < end && u.err == nil {
			out = append(out, u.u32())
		}
		return out
	case "t":
		out := []uint64{}
		for u.pos < end && u.err == nil {
			out = append(out, u.u64())
		}
		return out
	case "v":
		out := []dbus.Variant{}
		for u.pos < end && u.err == nil {
			v, _ := u.value("v", depth+1).(dbus.Variant)
			out = append(out, v)
		}
		return out
	}
	if elem[0] == '(' {
		out := [][]any{}
		n := countTypes(elem[1 : len(elem)-1])
		for u.pos < end && u.err == nil {
			out = append(out, u.structure(elem, n, depth+1))
		}
		return out
	}
	et := goTypeOf(elem)
	out := reflect.MakeSlice(reflect.SliceOf(et), 0, 0)
	for u.pos < end && u.err == nil {
		v := u.typed(u.value(elem, depth+1), et)
		if u.err != nil {
			break
		}
		out = reflect.Append(out, v)
	}
	return out.Interface()
}

// typed is v as a reflect.Value of type t; a value of another type
// (dbus.UnixFD where the slice holds dbus.UnixFDIndex) is an error
// here where godbus would panic.
func (u *unmarshaller) typed(v any, t reflect.Type) reflect.Value {
	if u.err != nil {
		return reflect.Value{}
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Type() != t {
		u.fail(&errBody{"value of unexpected type in container"})
		return reflect.Value{}
	}
	return rv
}

// dict decodes an array of dict entries, sig being "a{kv}".
func (u *unmarshaller) dict(sig string, depth int) any {
	ksig, vsig := sig[2:3], sig[3:len(sig)-1]
	if depth >= 63 {
		u.fail(errDepth)
		return nil
	}
	end := u.arrayLen(8)
	if u.err != nil {
		return nil
	}
	switch {
	case ksig == "s" && vsig == "v":
		out := map[string]dbus.Variant{}
		for u.pos < end && u.err == nil {
			u.align(8)
			k := u.str()
			v, _ := u.value("v", depth+2).(dbus.Variant)
			out[k] = v
		}
		return out
	case ksig == "s" && vsig == "s":
		out := map[string]string{}
		for u.pos < end && u.err == nil {
			u.align(8)
			k := u.str()
			out[k] = u.str()
		}
		return out
	}
	kt, vt := goTypeOf(ksig), goTypeOf(vsig)
	out := reflect.MakeMap(reflect.MapOf(kt, vt))
	for u.pos < end && u.err == nil {
		u.align(8)
		k := u.typed(u.value(ksig, depth+2), kt)
		v := u.typed(u.value(vsig, depth+2), vt)
		if u.err != nil {
			break
		}
		out.SetMapIndex(k, v)
	}
	return out.Interface()
}

// UnmarshalBody decodes a message body of signature sig, as godbus's
// decoder would: the values it gives, or an error where it fails. fds
// are the descriptors that came with the message ('h' gives
// dbus.UnixFD for an index among them, else dbus.UnixFDIndex).
func UnmarshalBody(order binary.ByteOrder, sig string, body []byte, fds []int) ([]any, error) {
	if _, err := dbus.ParseSignature(sig); err != nil {
		return nil, err
	}
	if strings.Contains(sig, "()") {
		return nil, &errBody{"empty structure"}
	}
	u := &unmarshaller{b: body, s: string(body), order: order, fds: fds}
	out := make([]any, 0, 1)
	for rest := sig; rest != ""; {
		t := firstType(rest)
		rest = rest[len(t):]
		v := u.value(t, 0)
		if u.err != nil {
			return nil, u.err
		}
		out = append(out, v)
	}
	return out, nil
}

// isBodyError reports whether err is a body the decoder refused.
func isBodyError(err error) bool {
	var eb *errBody
	return errors.As(err, &eb)
}
