package bus

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// godbusPeer connects godbus to the peer-to-peer server at path.
func godbusPeer(t *testing.T, path string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Dial("unix:path=" + path)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Geteuid()))}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestClientMatchesGodbus makes the same calls through a Client and a
// godbus connection to one server: the same bodies, the same errors.
func TestClientMatchesGodbus(t *testing.T) {
	path := t.TempDir() + "/s"
	startGoServer(t, path, Options{})
	c, err := DialClient(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := godbusPeer(t, path)
	calls := []struct {
		path   dbus.ObjectPath
		method string
		args   []any
	}{
		{"/org/example/demo", "org.example.Demo.Echo", []any{"hello"}},
		{"/org/example/demo", "org.example.Demo.Add", []any{int32(2), int32(40)}},
		{"/org/example/demo", "org.example.Demo.List", nil},
		{"/org/example/demo", "org.example.Demo.Fail", nil},
		{"/org/example/demo", "org.example.Demo.Add", []any{"wrong"}},
		{"/org/example/demo", "org.example.Demo.Nope", nil},
		{"/org/example/nothing", "org.example.Demo.Echo", []any{"x"}},
		{"/org/example/demo", "org.freedesktop.DBus.Properties.GetAll", []any{"org.example.Demo"}},
		{"/org/example/demo", "org.freedesktop.DBus.Properties.Get", []any{"org.example.Demo", "Map"}},
		{"/org/example/demo", "org.freedesktop.DBus.Properties.Get", []any{"org.example.Demo", "Broken"}},
		{"/org/example/demo", "org.freedesktop.DBus.Properties.Set", []any{"org.example.Demo", "Label", dbus.MakeVariant("forbidden")}},
		{"/org/example/demo/item/b", "org.freedesktop.DBus.Properties.GetAll", []any{""}},
		{"/org/example/demo", "org.freedesktop.DBus.Introspectable.Introspect", nil},
		{"/", "org.freedesktop.DBus.Peer.Ping", nil},
		{"/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties.GetAll", []any{""}},
	}
	for _, k := range calls {
		got := c.Call("org.example.Demo", k.path, k.method, k.args...)
		want := g.Object("org.example.Demo", k.path).Call(k.method, 0, k.args...)
		if !reflect.DeepEqual(got.Err, want.Err) {
			t.Errorf("%s %s: error %#v, godbus %#v", k.path, k.method, got.Err, want.Err)
		}
		if !reflect.DeepEqual(got.Body, want.Body) {
			t.Errorf("%s %s: body %#v, godbus %#v", k.path, k.method, got.Body, want.Body)
		}
		if got.Method != k.method || got.Path != k.path {
			t.Errorf("call %s %s came back as %s %s", k.path, k.method, got.Path, got.Method)
		}
	}
}

// TestClientSignals: signals met while waiting for a reply are queued in
// order, with sequence numbers before the reply's.
func TestClientSignals(t *testing.T) {
	path := t.TempDir() + "/s"
	startGoServer(t, path, Options{})
	c, err := DialClient(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Unwatched, the Bump's signals are dropped.
	if call := c.Call("org.example.Demo", "/org/example/demo", "org.example.Demo.Bump"); call.Err != nil {
		t.Fatal(call.Err)
	}
	if len(c.queue) != 0 {
		t.Fatalf("%d signals queued unwatched", len(c.queue))
	}
	c.WatchSignals(true)
	call := c.Call("org.example.Demo", "/org/example/demo", "org.example.Demo.Bump")
	if call.Err != nil || !reflect.DeepEqual(call.Body, []any{uint32(9)}) {
		t.Fatalf("Bump: %v %#v", call.Err, call.Body)
	}
	var names []string
	for len(c.queue) > 0 {
		s, err := c.NextSignal()
		if err != nil {
			t.Fatal(err)
		}
		if s.Sequence >= call.ResponseSequence || s.Path != "/org/example/demo" {
			t.Errorf("signal %s seq %d path %s, reply seq %d", s.Name, s.Sequence, s.Path, call.ResponseSequence)
		}
		names = append(names, s.Name)
		if s.Name == "org.example.Demo.Bumped" && !reflect.DeepEqual(s.Body, []any{"Counter", uint32(9)}) {
			t.Errorf("Bumped body %#v", s.Body)
		}
	}
	want := []string{"org.freedesktop.DBus.Properties.PropertiesChanged", "org.example.Demo.Bumped"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("signals %v, want %v", names, want)
	}
	// A signal sent after the reply is read by NextSignal from the socket.
	if err := c.Send("org.example.Demo", "/org/example/demo", "org.example.Demo.Bump"); err != nil {
		t.Fatal(err)
	}
	s, err := c.NextSignal()
	if err != nil || s.Name != "org.freedesktop.DBus.Properties.PropertiesChanged" {
		t.Fatalf("after Send: %v %v", s, err)
	}
}

// TestClientServerGone: a call on a connection the server closed fails,
// and so does every later one.
func TestClientServerGone(t *testing.T) {
	path := t.TempDir() + "/s"
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 4096)
		nc.Read(buf)
		nc.Write([]byte("OK 00112233445566778899aabbccddeeff\r\n"))
		nc.SetReadDeadline(time.Now().Add(time.Second))
		nc.Read(buf)
		// A reply header announcing more than is sent, then EOF.
		nc.Write([]byte{'l', 2, 0, 1, 8, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0})
		nc.Close()
	}()
	c, err := DialClient(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	call := c.Call("x.y", "/", "a.b.C")
	if !errors.Is(call.Err, io.ErrUnexpectedEOF) {
		t.Fatalf("call on a closed connection: %v", call.Err)
	}
	if again := c.Call("x.y", "/", "a.b.C"); again.Err == nil {
		t.Fatal("second call on a dead connection succeeded")
	}
}

// TestClientAuthRejected: a server that refuses the handshake is an
// error from DialClient.
func TestClientAuthRejected(t *testing.T) {
	path := t.TempDir() + "/s"
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 4096)
		nc.Read(buf)
		nc.Write([]byte("REJECTED\r\n"))
		nc.Close()
	}()
	if _, err := DialClient(path, false); !errors.Is(err, errAuthRejected) {
		t.Fatalf("DialClient: %v", err)
	}
}

// TestClientOnBus: through a dbus-daemon, the Hello pipelined with the
// handshake gives our unique name, calls reach the demo service, and
// matched signals arrive as godbus would give them.
func TestClientOnBus(t *testing.T) {
	addr := startDaemon(t)
	startGoBus(t, addr, "org.example.Demo")
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
	c, err := DialSystemBusClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.UniqueName() == "" || c.UniqueName()[0] != ':' {
		t.Fatalf("unique name %q", c.UniqueName())
	}
	call := c.Call("org.example.Demo", "/org/example/demo", "org.example.Demo.Echo", "via the bus")
	if call.Err != nil || !reflect.DeepEqual(call.Body, []any{"via the bus"}) {
		t.Fatalf("Echo: %v %#v", call.Err, call.Body)
	}
	call = c.Call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetNameOwner", "org.example.Nobody")
	var de dbus.Error
	if !errors.As(call.Err, &de) || de.Name != "org.freedesktop.DBus.Error.NameHasNoOwner" {
		t.Fatalf("GetNameOwner of nobody: %#v", call.Err)
	}
	c.WatchSignals(true)
	if call := c.Call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.AddMatch",
		"type='signal',interface='org.example.Demo',member='Bumped'"); call.Err != nil {
		t.Fatal(call.Err)
	}
	if call := c.Call("org.example.Demo", "/org/example/demo", "org.example.Demo.Bump"); call.Err != nil {
		t.Fatal(call.Err)
	}
	for {
		s, err := c.NextSignal()
		if err != nil {
			t.Fatal(err)
		}
		if s.Name == "org.example.Demo.Bumped" {
			if s.Sender == "" || s.Sender[0] != ':' || !reflect.DeepEqual(s.Body, []any{"Counter", uint32(8)}) {
				t.Errorf("Bumped from %q: %#v", s.Sender, s.Body)
			}
			break
		}
	}
}

// pipeConn is a net.Conn whose reads come from r and whose writes go
// nowhere.
type pipeConn struct {
	net.Conn
	r io.Reader
}

func (p *pipeConn) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *pipeConn) Write(b []byte) (int, error) { return len(b), nil }
func (p *pipeConn) Close() error                { return nil }

// FuzzClientRead feeds what a hostile server could send after the
// handshake to a Client waiting for a reply and then for signals: it
// must end with the input, without a panic.
func FuzzClientRead(f *testing.F) {
	reply := []byte{'l', 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 5, 1, 'u', 0, 1, 0, 0, 0}
	f.Add(reply)
	sig, body := godbusEncode(f, binary.LittleEndian, listUnitsReply(2))
	raw := rawSignal(binary.LittleEndian, sig, body)
	f.Add(append(append([]byte{}, raw...), reply...))
	f.Add([]byte{'l', 2, 0, 1, 0xff, 0xff, 0xff, 0x07, 1, 0, 0, 0, 8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &Client{nc: &pipeConn{r: bytes.NewReader(in)}, br: bufio.NewReader(bytes.NewReader(in)), serial: 1}
		c.WatchSignals(true)
		c.wait(1)
		for i := 0; i < len(in); i++ {
			if _, err := c.NextSignal(); err != nil {
				return
			}
		}
		if _, err := c.NextSignal(); err == nil {
			t.Fatal("signals beyond the input")
		}
	})
}

// TestClientBadReplyBody: a reply whose body does not match its
// signature fails that call only; a reply to a call sent with Send is
// skipped.
func TestClientBadReplyBody(t *testing.T) {
	path := t.TempDir() + "/s"
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	reply := func(serial, replySerial uint32, sig string, body ...any) []byte {
		m := &dbus.Message{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldReplySerial: dbus.MakeVariant(replySerial)}, Body: body}
		if sig != "" {
			m.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.ParseSignatureMust(sig))
		}
		var out bytes.Buffer
		if err := m.EncodeTo(&out, binary.LittleEndian); err != nil {
			t.Error(err)
		}
		raw := out.Bytes()
		binary.LittleEndian.PutUint32(raw[8:], serial)
		return raw
	}
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(nc)
		line, _ := r.ReadString('\n') // NUL, AUTH EXTERNAL
		_ = line
		r.ReadString('\n') // BEGIN
		nc.Write([]byte("OK 00112233445566778899aabbccddeeff\r\n"))
		for i := uint32(1); i <= 3; i++ {
			if _, err := dbus.DecodeMessage(r); err != nil {
				return
			}
		}
		// Call 1 gets a boolean of 3 bytes; Send's call 2 a reply that
		// must be skipped; call 3 a good one.
		var out []byte
		out = append(out, reply(1, 1, "b", "xyz")...)
		out = append(out, reply(2, 2, "s", "skipped")...)
		out = append(out, reply(3, 3, "s", "good")...)
		nc.Write(out)
		time.Sleep(100 * time.Millisecond)
	}()
	c, err := DialClient(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Send all three before reading any reply.
	c.wbuf.Reset()
	c.appendCall("x.y", "/", "a.b.C", nil)
	c.nc.Write(c.wbuf.Bytes())
	if err := c.Send("x.y", "/", "a.b.C"); err != nil {
		t.Fatal(err)
	}
	c.wbuf.Reset()
	c.appendCall("x.y", "/", "a.b.C", nil)
	c.nc.Write(c.wbuf.Bytes())
	if call := c.wait(1); call.Err == nil || !isBodyError(call.Err) {
		t.Fatalf("bad body: %#v", call.Err)
	}
	if call := c.wait(3); call.Err != nil || !reflect.DeepEqual(call.Body, []any{"good"}) {
		t.Fatalf("after the bad body: %v %#v", call.Err, call.Body)
	}
}

// TestClientCallTimeout: a server that never answers fails the call
// with ETIMEDOUT once the timeout passes, as sd-bus's calls time out,
// and so does one that never finishes the handshake.
func TestClientCallTimeout(t *testing.T) {
	defer func(d time.Duration) { DefaultCallTimeout = d }(DefaultCallTimeout)
	DefaultCallTimeout = 200 * time.Millisecond
	path := t.TempDir() + "/s"
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	defer close(done)
	serve := func(answerAuth bool) {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		buf := make([]byte, 4096)
		nc.Read(buf)
		if answerAuth {
			nc.Write([]byte("OK 00112233445566778899aabbccddeeff\r\n"))
		}
		<-done
	}
	go serve(true)
	go serve(true)
	c, err := DialClient(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if call := c.Call("x.y", "/", "a.b.C"); !errors.Is(call.Err, syscall.ETIMEDOUT) {
		t.Fatalf("unanswered call: %v", call.Err)
	}
	c2, err := DialClient(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if call := c2.CallTimeout(50*time.Millisecond, "x.y", "/", "a.b.C"); !errors.Is(call.Err, syscall.ETIMEDOUT) {
		t.Fatalf("unanswered call with its own timeout: %v", call.Err)
	}
	go serve(false)
	if _, err := DialClient(path, false); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("unanswered handshake: %v", err)
	}
}
