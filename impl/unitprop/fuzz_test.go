package unitprop

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"gosystemd/corpus"
)

var fuzzTypes = []string{Service, Socket, Target, Device, Mount, Automount, Swap, Timer, Path, Slice, Scope}

// FuzzAppend feeds assignments (the corpus's unit file lines, and odd
// ones) to Append for every unit type: it never panics, refuses only with
// a message and an errno, refuses what has no "=", and what it accepts
// encodes as the a(sv) of a D-Bus message, with at least one property
// (but for StateDirectory= and its relatives, empty as in 252).
func FuzzAppend(f *testing.F) {
	for _, s := range []string{
		"CPUWeight=idle", "CPUQuota=0.5%", "MemoryMax=10%", "MemoryHigh=1G", "TasksMax=", "AllowedCPUs=0-3,5",
		"Delegate=cpu io", "IPAddressDeny=any", "IPAddressAllow=10.0.0.1/8 ::1", "DeviceAllow=/dev/null rw",
		"IOReadBandwidthMax=/dev/sda 1M", "SuccessExitStatus=1 SIGKILL", "LimitNOFILE=10:20", "ConditionPathExists=|!/x",
		"Environment=\"A=1 2\" B=\\x41", "StandardOutput=file:/x", "OnCalendar=daily", "ListenStream=80", "NoEquals",
		"=", "Wants=", "EnvironmentFile=-/etc/x",
	} {
		f.Add(0, s)
	}
	files, err := corpus.Files(corpus.Root())
	if err != nil {
		f.Fatal(err)
	}
	seen := map[string]bool{}
	for i, name := range files {
		if i%25 != 0 {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			k, _, ok := strings.Cut(line, "=")
			if !ok || seen[k] || strings.HasPrefix(line, "#") {
				continue
			}
			seen[k] = true
			f.Add(i, line)
		}
	}
	f.Fuzz(func(t *testing.T, typ int, assignment string) {
		unitType := fuzzTypes[uint(typ)%uint(len(fuzzTypes))]
		props, err := Append(nil, unitType, assignment)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" || e.Errno == 0 {
				t.Fatalf("%s %q: refused without message or errno: %#v", unitType, assignment, err)
			}
			if props != nil {
				t.Fatalf("%s %q: refused but appended %v", unitType, assignment, props)
			}
			return
		}
		if !strings.Contains(assignment, "=") {
			t.Fatalf("%s %q: accepted without '='", unitType, assignment)
		}
		if len(props) == 0 && !strings.HasSuffix(strings.SplitN(assignment, "=", 2)[0], "Directory") {
			t.Fatalf("%s %q: accepted without a property", unitType, assignment)
		}
		for _, p := range props {
			if !utf8Valid(p.Name) || p.Value.Signature().String() == "" {
				t.Fatalf("%s %q: bad property %#v", unitType, assignment, p)
			}
		}
		msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:   dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/systemd1")),
			dbus.FieldMember: dbus.MakeVariant("SetUnitProperties"),
		}, Body: []any{"x." + unitType, false, props}}
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(msg.Body...))
		if sig := dbus.SignatureOf(props).String(); sig != "a(sv)" {
			t.Fatalf("%s %q: signature %s", unitType, assignment, sig)
		}
		var buf bytes.Buffer
		if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
			t.Fatalf("%s %q: does not encode: %v", unitType, assignment, err)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

// FuzzUnbase64 checks unbase64 against encoding/base64: what the
// standard encoding makes (with whitespace slipped in) decodes back, and
// what unbase64 accepts, the standard decoder accepts once whitespace is
// gone and padding added.
func FuzzUnbase64(f *testing.F) {
	for _, s := range []string{"", "QQ==", "QUI=", "QUJD", " Q U\nJD ", "QQ", "QQ=", "Q===", "QQ==x", "=QQ="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		enc := base64.StdEncoding.EncodeToString(data)
		spaced := strings.Join(strings.SplitAfter(enc, ""), " ")
		got, err := unbase64(spaced)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%q: %q, %v; want %q", spaced, got, err, data)
		}
		in := string(data)
		out, err := unbase64(in)
		if err != nil {
			return
		}
		clean := strings.Map(func(r rune) rune {
			if strings.ContainsRune(" \t\n\r\x00", r) {
				return -1
			}
			return r
		}, in)
		if n := len(clean) % 4; n != 0 {
			clean += strings.Repeat("=", 4-n)
		}
		want, werr := base64.StdEncoding.DecodeString(clean)
		if werr != nil || !bytes.Equal(out, want) {
			t.Fatalf("%q: %q; standard decoder: %q, %v", in, out, want, werr)
		}
	})
}
