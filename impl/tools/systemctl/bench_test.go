package systemctl

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/cli"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
)

// fakeManager answers every call on its socket with body, a reply of
// signature sig, after the handshake.
func fakeManager(tb testing.TB, sig string, body ...any) string {
	path := filepath.Join(tb.TempDir(), "private")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	// Replies are encoded once per reply serial: the benchmark times the
	// client.
	var mu sync.Mutex
	cache := map[uint32][]byte{}
	encode := func(replySerial uint32) []byte {
		mu.Lock()
		defer mu.Unlock()
		if raw, ok := cache[replySerial]; ok {
			return raw
		}
		reply := &dbus.Message{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldReplySerial: dbus.MakeVariant(replySerial),
			dbus.FieldSignature:   dbus.MakeVariant(dbus.ParseSignatureMust(sig))}, Body: body}
		var out bytes.Buffer
		if err := reply.EncodeTo(&out, binary.LittleEndian); err != nil {
			return nil
		}
		raw := out.Bytes()
		binary.LittleEndian.PutUint32(raw[8:], 1)
		cache[replySerial] = raw
		return raw
	}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				r := bufio.NewReader(nc)
				r.ReadString('\n')
				r.ReadString('\n')
				nc.Write([]byte("OK 00112233445566778899aabbccddeeff\r\n"))
				for {
					msg, err := dbus.DecodeMessage(r)
					if err != nil {
						return
					}
					nc.Write(encode(msg.Serial()))
				}
			}()
		}
	}()
	return path
}

type unitEntry struct {
	ID, Description, Load, Active, Sub, Following string
	Path                                          dbus.ObjectPath
	JobID                                         uint32
	JobType                                       string
	JobPath                                       dbus.ObjectPath
}

// BenchmarkListUnits is list-units against a manager with 700 units,
// from the connection to the printed table (the process around it
// aside).
func BenchmarkListUnits(b *testing.B) {
	units := make([]unitEntry, 700)
	for i := range units {
		name := fmt.Sprintf("bench-simple-%04d.service", i)
		units[i] = unitEntry{name, "Bench service " + name, "loaded", "active", "running", "",
			dbus.ObjectPath("/org/freedesktop/systemd1/unit/x" + fmt.Sprint(i)), 0, "", "/"}
	}
	path := fakeManager(b, "a(ssssssouso)", units)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := dialPrivateAt(path)
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		stdio := cli.Stdio{In: strings.NewReader(""), Out: &out, Err: io.Discard}
		t := &tool{stdio: stdio, out: term.NewOutput(stdio.Out), term: term.Detect(stdio.Out, stdio.Err)}
		t.argv0, t.name = "systemctl", "systemctl"
		t.log = logging.New(stdio.Err, t.term, t.name)
		t.bus = &managerBus{c: c}
		if err := t.run([]string{"systemctl", "list-units", "--no-pager"}); err != nil {
			b.Fatal(err)
		}
		t.out.Flush()
		t.closeBus()
		if !strings.Contains(out.String(), "bench-simple-0699.service") {
			b.Fatalf("output: %.200q", out.String())
		}
	}
}
