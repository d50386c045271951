package bus

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// godbusSignal is what godbus makes of the same signal, serial 0.
func godbusSignal(t *testing.T, path dbus.ObjectPath, iface, member, sig, sender string, values []any) []byte {
	t.Helper()
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath: dbus.MakeVariant(path), dbus.FieldInterface: dbus.MakeVariant(iface),
		dbus.FieldMember: dbus.MakeVariant(member)}, Body: values}
	if sig != "" {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.ParseSignatureMust(sig))
	}
	if sender != "" {
		msg.Headers[dbus.FieldSender] = dbus.MakeVariant(sender)
	}
	var buf bytes.Buffer
	if _, err := msg.EncodeToWithFDs(&buf, binary.LittleEndian); err != nil {
		t.Fatalf("godbus: %v", err)
	}
	return buf.Bytes()
}

type pair struct {
	A string
	B uint64
}

type execStatus struct {
	Path  string
	Argv  []string
	Fail  bool
	Start uint64
	Mono  uint64
	Exit  uint64
	Exitm uint64
	PID   uint32
	Code  int32
	Stat  int32
}

type withSkipped struct {
	Name    string
	skipped int
	Ignored string `dbus:"-"`
	Flag    bool
}

// TestMarshalMatchesGodbus checks the signal encoder's messages against
// godbus's, decoded (header field order differs: godbus follows its map)
// and byte for byte in the body.
func TestMarshalMatchesGodbus(t *testing.T) {
	cases := []struct {
		sig    string
		values []any
	}{
		{"", nil},
		{"uoss", []any{uint32(7), dbus.ObjectPath("/org/freedesktop/systemd1/job/7"), "a.service", "done"}},
		{"tttttt", []any{uint64(1), uint64(2), uint64(3), uint64(4), uint64(5), uint64(1 << 40)}},
		{"b", []any{true}},
		{"ybnqiuxtd", []any{byte(1), false, int16(-2), uint16(3), int32(-4), uint32(5), int64(-6), uint64(7), 8.5}},
		{"sa{sv}as", []any{"org.freedesktop.systemd1.Unit", Dict{
			{"ActiveState", dbus.MakeVariant("active")},
			{"Job", dbus.MakeVariant(struct {
				ID   uint32
				Path dbus.ObjectPath
			}{0, "/"})},
			{"Names", dbus.MakeVariant([]string{"a.service", "b.service"})},
			{"Empty", dbus.MakeVariant([]string{})},
			{"Bytes", dbus.MakeVariant([]byte{1, 2, 3})},
			{"NoBytes", dbus.MakeVariant([]byte{})},
			{"Pairs", dbus.MakeVariant([]pair{{"x", 1}, {"yy", 2}})},
			{"NoPairs", dbus.MakeVariant([]pair{})},
			{"Exec", dbus.MakeVariant([]execStatus{{Path: "/bin/true", Argv: []string{"/bin/true", "x"}, Fail: true, PID: 9, Code: 1, Stat: -1}})},
			{"Nested", dbus.MakeVariant([][]string{{"a"}, {}, {"b", "c"}})},
			{"Sig", dbus.MakeVariant(dbus.ParseSignatureMust("a(sv)"))},
			{"Variant", dbus.MakeVariant(dbus.MakeVariant(uint16(4)))},
			{"Map", dbus.MakeVariant(map[string]uint32{"one": 1})},
			{"Float", dbus.MakeVariant(1.25)},
			{"Skipped", dbus.MakeVariant(withSkipped{Name: "n", Flag: true})},
		}, []string{"Invalidated"}}},
		{"ay(y(t))at", []any{[]byte{9}, struct {
			Y byte
			T struct{ T uint64 }
		}{1, struct{ T uint64 }{2}}, []uint64{}}},
	}
	for _, c := range cases {
		want := godbusSignal(t, "/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties", "PropertiesChanged", c.sig, ":1.5", c.values)
		got, err := MarshalSignal(make([]byte, 3), "/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties", "PropertiesChanged", c.sig, ":1.5", c.values)
		if err != nil {
			t.Errorf("%q: %v", c.sig, err)
			continue
		}
		wm, err1 := dbus.DecodeMessage(bytes.NewReader(want))
		gm, err2 := dbus.DecodeMessage(bytes.NewReader(got))
		if err1 != nil || err2 != nil {
			t.Errorf("%q: decoding: godbus's %v, ours %v", c.sig, err1, err2)
			continue
		}
		if wm.String() != gm.String() || len(wm.Headers) != len(gm.Headers) {
			t.Errorf("%q: decoded differently:\n godbus %s\n ours   %s", c.sig, wm, gm)
		}
		// The bodies: after the header array, padded to 8.
		if wb, gb := body(want), body(got); !bytes.Equal(wb, gb) {
			t.Errorf("%q: bodies differ:\n godbus % x\n ours   % x", c.sig, wb, gb)
		}
		if binary.LittleEndian.Uint32(got[4:]) != uint32(len(body(got))) {
			t.Errorf("%q: body length field %d, body %d bytes", c.sig, binary.LittleEndian.Uint32(got[4:]), len(body(got)))
		}
	}
}

func body(msg []byte) []byte {
	n := 16 + int(binary.LittleEndian.Uint32(msg[12:]))
	n = (n + 7) &^ 7
	return msg[n:]
}

// TestMarshalRefusesMismatches: a value that does not fit its signature
// is an error, never a malformed message.
func TestMarshalRefusesMismatches(t *testing.T) {
	for _, c := range []struct {
		sig    string
		values []any
	}{
		{"s", []any{uint32(1)}},
		{"u", []any{"x"}},
		{"as", []any{[]uint32{1}}},
		{"(su)", []any{pair{"a", 1}}},
		{"v", []any{"not a variant"}},
		{"ss", []any{"one"}},
		{"s", []any{"one", "two"}},
		{"a{sv}", []any{[]string{"x"}}},
	} {
		if _, err := MarshalSignal(nil, "/", "a.b", "C", c.sig, "", c.values); err == nil {
			t.Errorf("%q %#v: no error", c.sig, c.values)
		}
	}
}

// FuzzMarshalSignal: whatever value godbus can encode under a
// signature, ours encodes to a message godbus decodes to the same
// values; nothing panics.
func FuzzMarshalSignal(f *testing.F) {
	f.Add("sa{sv}as", []byte{1, 2, 3})
	f.Add("a(sasbttttuii)", []byte{0})
	f.Add("(yv)at", []byte{5, 5})
	f.Fuzz(func(t *testing.T, sig string, seed []byte) {
		s, err := dbus.ParseSignature(sig)
		if err != nil || len(sig) > 64 || strings.Contains(sig, "()") {
			return
		}
		// A value of the signature, decoded by godbus from the seed
		// bytes laid out as a body: valid or rejected.
		msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath: dbus.MakeVariant(dbus.ObjectPath("/")), dbus.FieldInterface: dbus.MakeVariant("a.b"),
			dbus.FieldMember: dbus.MakeVariant("C"), dbus.FieldSignature: dbus.MakeVariant(s)}}
		var hdr bytes.Buffer
		if _, err := msg.EncodeToWithFDs(&hdr, binary.LittleEndian); err != nil {
			return
		}
		raw := append([]byte(nil), hdr.Bytes()...)
		binary.LittleEndian.PutUint32(raw[4:], uint32(len(seed)))
		binary.LittleEndian.PutUint32(raw[8:], 1)
		raw = append(raw, seed...)
		in, err := dbus.DecodeMessage(bytes.NewReader(raw))
		if err != nil {
			return
		}
		got, err := MarshalSignal(nil, "/", "a.b", "C", sig, "", in.Body)
		if err != nil {
			t.Fatalf("%q %#v: %v", sig, in.Body, err)
		}
		binary.LittleEndian.PutUint32(got[8:], 1)
		out, err := dbus.DecodeMessage(bytes.NewReader(got))
		if err != nil {
			t.Fatalf("%q: godbus cannot decode ours: %v", sig, err)
		}
		if in.String() != out.String() {
			t.Fatalf("%q: in %s, out %s", sig, in, out)
		}
	})
}

// TestMarshalMessageMatchesGodbus: replies and errors, with every header
// field type, decode as godbus's encoding of the same message does.
func TestMarshalMessageMatchesGodbus(t *testing.T) {
	for _, msg := range []*dbus.Message{
		{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldReplySerial: dbus.MakeVariant(uint32(9)), dbus.FieldDestination: dbus.MakeVariant(":1.7"),
			dbus.FieldSignature: dbus.MakeVariant(dbus.ParseSignatureMust("a(so)"))},
			Body: []any{[]struct {
				S string
				O dbus.ObjectPath
			}{{"a.service", "/a"}, {"b.service", "/b"}}}},
		{Type: dbus.TypeError, Flags: dbus.FlagNoAutoStart, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldReplySerial: dbus.MakeVariant(uint32(3)), dbus.FieldErrorName: dbus.MakeVariant("org.freedesktop.DBus.Error.Failed"),
			dbus.FieldSignature: dbus.MakeVariant(dbus.ParseSignatureMust("s"))},
			Body: []any{"went wrong"}},
		{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath: dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/DBus")), dbus.FieldMember: dbus.MakeVariant("Hello"),
			dbus.FieldDestination: dbus.MakeVariant("org.freedesktop.DBus")}},
	} {
		var want bytes.Buffer
		if err := msg.EncodeTo(&want, binary.LittleEndian); err != nil {
			t.Fatal(err)
		}
		fields, sig, ok := marshalHeaders(msg.Headers, nil)
		if !ok {
			t.Fatalf("%s: headers refused", msg)
		}
		got, err := marshalMessage(nil, msg.Type, msg.Flags, fields, sig, msg.Body)
		if err != nil {
			t.Fatalf("%s: %v", msg, err)
		}
		wm, err1 := dbus.DecodeMessage(bytes.NewReader(want.Bytes()))
		gm, err2 := dbus.DecodeMessage(bytes.NewReader(got))
		if err1 != nil || err2 != nil {
			t.Fatalf("decoding: godbus's %v, ours %v", err1, err2)
		}
		if wm.String() != gm.String() || wm.Flags != gm.Flags || len(wm.Headers) != len(gm.Headers) {
			t.Errorf("decoded differently:\n godbus %s\n ours   %s", wm, gm)
		}
		if !bytes.Equal(body(want.Bytes()), body(got)) {
			t.Errorf("%s: bodies differ", msg)
		}
	}
}

// TestMarshalDictAllocations bounds what encoding a PropertiesChanged
// dictionary allocates: the variants in it are read in place, not copied
// to the heap one by one (PID 1 sends one per unit state change).
func TestMarshalDictAllocations(t *testing.T) {
	changed := Dict{}
	for i := 0; i < 40; i++ {
		changed = append(changed, DictEntry{"Name" + strings.Repeat("x", i%5), dbus.MakeVariant(uint64(i))})
	}
	values := []any{"org.freedesktop.systemd1.Unit", changed, []string{}}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(50, func() {
		var err error
		if buf, err = MarshalSignal(buf[:0], "/org/freedesktop/systemd1/unit/a", "org.freedesktop.DBus.Properties",
			"PropertiesChanged", "sa{sv}as", "", values); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 20 {
		t.Errorf("%v allocations for a dictionary of 40 variants", allocs)
	}
}
