package systemctl

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// TestPipelinedAuth plays the server: the whole handshake must come
// before the server's OK, and the first message after it.
func TestPipelinedAuth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Geteuid())))
	want := "\x00AUTH EXTERNAL " + uid + "\r\nBEGIN\r\n"
	errc := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			errc <- err.Error()
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, 0, 64)
		buf := make([]byte, 64)
		for len(got) < len(want) {
			n, err := c.Read(buf)
			if err != nil {
				errc <- "reading the handshake: " + err.Error()
				return
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != want {
			errc <- "handshake " + strconv.Quote(string(got)) + ", want " + strconv.Quote(want)
			return
		}
		if _, err := c.Write([]byte("OK 0123456789abcdef0123456789abcdef\r\n")); err != nil {
			errc <- err.Error()
			return
		}
		msg, err := dbus.DecodeMessage(c)
		if err != nil {
			errc <- "first message: " + err.Error()
			return
		}
		reply := &dbus.Message{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldReplySerial: dbus.MakeVariant(msg.Serial())}}
		var out bytes.Buffer
		if err := reply.EncodeTo(&out, binary.LittleEndian); err != nil {
			errc <- err.Error()
			return
		}
		// A serial of its own: a message with serial 0 is dropped.
		raw := out.Bytes()
		binary.LittleEndian.PutUint32(raw[8:], 1)
		_, _ = c.Write(raw)
		errc <- ""
	}()
	conn, err := dialPrivateAt(path)
	if err != nil {
		t.Fatalf("dial: %v (server: %s)", err, <-errc)
	}
	defer conn.Close()
	if call := conn.Call(busService, busManagerPath, "org.freedesktop.DBus.Peer.Ping"); call.Err != nil {
		t.Errorf("ping: %v", call.Err)
	}
	if e := <-errc; e != "" {
		t.Error(e)
	}
}
