package bus

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// wireField is a header field as put on the wire: code, signature, value
// (a string or a uint32).
type wireField struct {
	code byte
	sig  string
	val  any
}

func wirePad(b []byte, n int) []byte {
	for len(b)%n != 0 {
		b = append(b, 0)
	}
	return b
}

func wireStr(s string) []byte {
	return append(append(binary.LittleEndian.AppendUint32(nil, uint32(len(s))), s...), 0)
}

// wireMsg lays out a little-endian message by hand, valid or not.
func wireMsg(typ, flags, version byte, serial uint32, fields []wireField, body []byte) []byte {
	var f []byte
	for _, x := range fields {
		f = wirePad(f, 8)
		f = append(append(append(f, x.code, byte(len(x.sig))), x.sig...), 0)
		switch v := x.val.(type) {
		case uint32:
			f = binary.LittleEndian.AppendUint32(wirePad(f, 4), v)
		case string:
			if x.sig == "g" {
				f = append(append(append(f, byte(len(v))), v...), 0)
			} else {
				f = append(wirePad(f, 4), wireStr(v)...)
			}
		}
	}
	h := []byte{'l', typ, flags, version}
	h = binary.LittleEndian.AppendUint32(h, uint32(len(body)))
	h = binary.LittleEndian.AppendUint32(h, serial)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(f)))
	return append(wirePad(append(h, f...), 8), body...)
}

// echoCall is a call of the demo's Echo, changed by edit.
func echoCall(edit func(m *echoSpec)) []byte {
	m := &echoSpec{typ: 1, version: 1, serial: 1, fields: []wireField{
		{1, "o", "/org/example/demo"}, {2, "s", "org.example.Demo"}, {3, "s", "Echo"}, {8, "g", "s"},
	}, body: wireStr("hello")}
	if edit != nil {
		edit(m)
	}
	return wireMsg(m.typ, m.flags, m.version, m.serial, m.fields, m.body)
}

type echoSpec struct {
	typ, flags, version byte
	serial              uint32
	fields              []wireField
	body                []byte
}

func (m *echoSpec) set(code byte, sig string, val any) {
	for i, f := range m.fields {
		if f.code == code {
			m.fields[i] = wireField{code, sig, val}
			return
		}
	}
	m.fields = append(m.fields, wireField{code, sig, val})
}

func (m *echoSpec) drop(code byte) {
	for i, f := range m.fields {
		if f.code == code {
			m.fields = append(m.fields[:i:i], m.fields[i+1:]...)
			return
		}
	}
}

// malformedCases are messages sd-bus can frame but not accept as they are.
var malformedCases = []struct {
	name string
	data []byte
}{
	{"valid", echoCall(nil)},
	{"version 3", echoCall(func(m *echoSpec) { m.version = 3 })},
	{"serial 0", echoCall(func(m *echoSpec) { m.serial = 0 })},
	{"type 0", echoCall(func(m *echoSpec) { m.typ = 0 })},
	{"type 9", echoCall(func(m *echoSpec) { m.typ = 9 })},
	{"unknown flag", echoCall(func(m *echoSpec) { m.flags = 0x80 })},
	{"no path", echoCall(func(m *echoSpec) { m.drop(1) })},
	{"no member", echoCall(func(m *echoSpec) { m.drop(3) })},
	{"path as string", echoCall(func(m *echoSpec) { m.set(1, "s", "/org/example/demo") })},
	{"invalid path", echoCall(func(m *echoSpec) { m.set(1, "o", "org//demo") })},
	{"invalid member", echoCall(func(m *echoSpec) { m.set(3, "s", "Ec-ho") })},
	{"invalid interface", echoCall(func(m *echoSpec) { m.set(2, "s", "nodots") })},
	{"invalid destination", echoCall(func(m *echoSpec) { m.set(6, "s", "no dots") })},
	{"local path", echoCall(func(m *echoSpec) { m.set(1, "o", "/org/freedesktop/DBus/Local") })},
	{"member twice", echoCall(func(m *echoSpec) { m.fields = append(m.fields, wireField{3, "s", "Echo"}) })},
	{"invalid signature", echoCall(func(m *echoSpec) { m.set(8, "g", "s(") })},
	{"no signature", echoCall(func(m *echoSpec) { m.drop(8) })},
	{"wrong signature", echoCall(func(m *echoSpec) { m.set(8, "g", "u"); m.body = []byte{7, 0, 0, 0} })},
	{"unknown field", echoCall(func(m *echoSpec) { m.fields = append(m.fields, wireField{200, "s", "x"}) })},
	{"unknown field of type u", echoCall(func(m *echoSpec) {
		m.fields = append(m.fields, wireField{201, "u", uint32(5)})
	})},
	{"fds announced", echoCall(func(m *echoSpec) { m.set(9, "u", uint32(1)) })},
	{"invalid UTF-8", echoCall(func(m *echoSpec) { m.body = wireStr("he\xffllo") })},
	{"NUL in string", echoCall(func(m *echoSpec) { m.body = wireStr("he\x00llo") })},
	{"string past the body", echoCall(func(m *echoSpec) { m.body = []byte{100, 0, 0, 0} })},
	{"reply without serial", wireMsg(2, 0, 1, 1, nil, nil)},
	{"error without name", wireMsg(3, 0, 1, 1, []wireField{{5, "u", uint32(1)}}, nil)},
	{"signal without interface", wireMsg(4, 0, 1, 1, []wireField{{1, "o", "/x"}, {3, "s", "S"}}, nil)},
	{"invalid byte order", append([]byte{'X'}, echoCall(nil)[1:]...)},
	{"valid, then garbage", append(echoCall(nil), 0, 0, 0, 0)},
}

// exchange sends data and then a valid Echo call with serial 4242 on a
// fresh connection to path, and renders what comes back until that
// call's reply or the end of the connection.
func exchange(t *testing.T, path string, data []byte) string {
	c := dialRaw(t, path)
	defer c.nc.Close()
	probe := echoCall(func(m *echoSpec) { m.serial = 4242; m.body = wireStr("probe") })
	c.nc.Write(data)
	c.nc.Write(probe)
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var out []string
	for {
		msg, err := dbus.DecodeMessage(c.br)
		if err != nil {
			return strings.Join(append(out, "closed"), "; ")
		}
		rs, _ := msg.Headers[dbus.FieldReplySerial].Value().(uint32)
		line := fmt.Sprintf("%v to %d", msg.Type, rs)
		if name, ok := msg.Headers[dbus.FieldErrorName].Value().(string); ok {
			line += " " + name
		}
		out = append(out, fmt.Sprintf("%s %v", line, msg.Body))
		if rs == 4242 {
			return strings.Join(out, "; ")
		}
	}
}

// TestMalformedDifferential sends framed but invalid messages, each on
// its own connection followed by a valid call, to sd-bus (252) and to
// us: the same answers, and the connection kept or closed alike.
func TestMalformedDifferential(t *testing.T) {
	dir := t.TempDir()
	startOracleListen(t, filepath.Join(dir, "oracle"))
	startGoServer(t, filepath.Join(dir, "ours"), Options{})
	for _, c := range malformedCases {
		want := exchange(t, filepath.Join(dir, "oracle"), c.data)
		got := exchange(t, filepath.Join(dir, "ours"), c.data)
		if got != want {
			t.Errorf("%s:\nsd-bus: %s\nours:   %s", c.name, want, got)
		} else {
			t.Logf("%s: %s", c.name, got)
		}
	}
}

// TestHalfCloseDifferential: a client that sends calls and shuts down its
// sending side still gets every answer before the connection ends, from
// sd-bus and from us.
func TestHalfCloseDifferential(t *testing.T) {
	dir := t.TempDir()
	startOracleListen(t, filepath.Join(dir, "oracle"))
	startGoServer(t, filepath.Join(dir, "ours"), Options{})
	run := func(path string) string {
		c := dialRaw(t, path)
		defer c.nc.Close()
		for i := uint32(1); i <= 3; i++ {
			c.nc.Write(echoCall(func(m *echoSpec) { m.serial = i }))
		}
		c.nc.CloseWrite()
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		var out []string
		for {
			msg, err := dbus.DecodeMessage(c.br)
			if err != nil {
				return strings.Join(append(out, "closed"), "; ")
			}
			rs, _ := msg.Headers[dbus.FieldReplySerial].Value().(uint32)
			out = append(out, fmt.Sprintf("%v to %d %v", msg.Type, rs, msg.Body))
		}
	}
	want, got := run(filepath.Join(dir, "oracle")), run(filepath.Join(dir, "ours"))
	if got != want {
		t.Errorf("sd-bus: %s\nours:   %s", want, got)
	}
}

// FuzzDecodeChecked: whatever a framed message holds, decoding it
// drops it, refuses it, or gives a message (a call if its body was bad),
// and never panics.
func FuzzDecodeChecked(f *testing.F) {
	for _, c := range malformedCases {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 16 {
			return
		}
		size, err := messageSize(data[:16], 1<<20)
		if err != nil || size > len(data) {
			return
		}
		var queue []int
		msg, _, badBody, err := decodeChecked(data[:size], &queue, 4)
		switch {
		case err != nil:
			if msg != nil || badBody {
				t.Fatalf("error %v with a message", err)
			}
		case msg == nil:
			t.Fatal("no message and no error")
		case badBody && msg.Type != dbus.TypeMethodCall:
			t.Fatalf("bad body on a %v", msg.Type)
		}
	})
}
