package bus

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

func FuzzServerAuth(f *testing.F) {
	f.Add([]byte("\x00AUTH EXTERNAL 30\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n"))
	f.Add([]byte("\x00AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n"))
	f.Add([]byte("\x00AUTH\r\nCANCEL\r\nERROR\r\nDATA 30\r\nBEGIN\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		res, err := serverAuth(bufio.NewReader(bytes.NewReader(in)), &out, 0, "00112233445566778899aabbccddeeff", true)
		if err == nil && !bytes.Contains(out.Bytes(), []byte("OK ")) {
			t.Fatalf("BEGIN accepted without OK: %q", out.Bytes())
		}
		if res.unixFDs && err == nil && !bytes.Contains(out.Bytes(), []byte("AGREE_UNIX_FD")) {
			t.Fatal("fd passing agreed silently")
		}
	})
}

// fuzzServer is one server with the demo tree for all fuzz iterations;
// panics recovered on its connections are collected.
type fuzzServer struct {
	srv    *Server
	mu     sync.Mutex
	panics []error
}

func newFuzzServer(f *testing.F) *fuzzServer {
	fs := &fuzzServer{}
	d := newDemoService(f)
	events := make(chan Event, 64)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: f.TempDir() + "/s", Net: "unix"})
	if err != nil {
		f.Fatal(err)
	}
	fs.srv, err = Serve(ln, events, Options{UnixFDs: true, MachineID: "3d1219c7c4c5404aaa1f6d2a48adfda4",
		Limits: Limits{MaxMessageSize: 1 << 20, WriteTimeout: time.Second}})
	if err != nil {
		f.Fatal(err)
	}
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case ev := <-events:
				var perr *PanicError
				if dc, ok := ev.(*Disconnected); ok && errors.As(dc.Err, &perr) {
					fs.mu.Lock()
					fs.panics = append(fs.panics, perr)
					fs.mu.Unlock()
				}
				if err := d.tree.Handle(ev); err != nil {
					fs.mu.Lock()
					fs.panics = append(fs.panics, err)
					fs.mu.Unlock()
				}
			case <-stop:
				return
			}
		}
	}()
	f.Cleanup(func() {
		fs.srv.Close()
		close(stop)
	})
	return fs
}

func (fs *fuzzServer) check(t *testing.T) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, p := range fs.panics {
		if pe, ok := p.(*PanicError); ok {
			t.Fatalf("%v\n%s", pe, pe.Stack)
		}
		t.Fatal(p)
	}
}

// FuzzServeConn feeds arbitrary bytes to a connection after a valid
// handshake and runs whatever decodes through the dispatcher.
func FuzzServeConn(f *testing.F) {
	c := &rawClient{}
	for _, seed := range [][]byte{
		c.encode("/org/example/demo", "org.example.Demo", "Echo", "hi"),
		c.encode("/org/example/demo", "org.freedesktop.DBus.Properties", "GetAll", ""),
		c.encode("/org/example/demo", "org.freedesktop.DBus.Properties", "Set", "org.example.Demo", "Label", dbus.MakeVariant("x")),
		c.encode("/org/example/demo/item/a", "org.freedesktop.DBus.Introspectable", "Introspect"),
		c.encode("/", "org.freedesktop.DBus.Peer", "GetMachineId"),
		append(c.encode("/org/example/demo", "org.example.Demo", "Bump"), c.encode("/org/example/demo", "org.example.Demo", "List")...),
		{'l', 1, 0, 1, 0, 0, 0, 0x10, 1, 0, 0, 0, 0, 0, 0, 0},
	} {
		f.Add(seed)
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		server, client := fdConn(t, fds[0]), fdConn(t, fds[1])
		defer client.Close()
		fs.srv.ServeConn(server)
		client.SetDeadline(time.Now().Add(5 * time.Second))
		go func() {
			io.WriteString(client, "\x00AUTH EXTERNAL "+hexUID+"\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n")
			client.Write(data)
			client.CloseWrite()
		}()
		if _, err := io.Copy(io.Discard, client); err != nil {
			t.Fatalf("server did not finish with the connection: %v", err)
		}
		fs.check(t)
	})
}

func fdConn(t *testing.T, fd int) *net.UnixConn {
	f := fileFromFD(fd)
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*net.UnixConn)
}

func fileFromFD(fd int) *os.File { return os.NewFile(uintptr(fd), "socketpair") }
