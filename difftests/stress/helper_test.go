package stress

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/oracle/oracletest"
)

// The test binary doubles as the guest-side helper: with helperEnv set it
// runs the named mode instead of the tests.
const (
	helperEnv  = "GOSD_STRESS_HELPER"
	helperPath = "/usr/local/bin/gosd-stress-helper"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		var err error
		switch mode {
		case "notify-flood":
			err = helperNotifyFlood(os.Args[1:])
		case "private-noread":
			err = helperPrivateNoRead(os.Args[1:])
		default:
			err = fmt.Errorf("unknown helper mode %q", mode)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	oracletest.Cleanup()
	os.Exit(code)
}

// helperNotifyFlood (SENDERS COUNT BURST PAUSE) runs as a Type=notify
// service's main process: SENDERS goroutines, each on its own socket,
// send COUNT STATUS= datagrams each to $NOTIFY_SOCKET, pausing PAUSE
// (a duration) after every BURST of them; then READY=1 with a last
// status, then it waits to be stopped.
func helperNotifyFlood(args []string) error {
	if len(args) != 4 {
		return errors.New("usage: notify-flood SENDERS COUNT BURST PAUSE")
	}
	senders, err1 := strconv.Atoi(args[0])
	count, err2 := strconv.Atoi(args[1])
	burst, err3 := strconv.Atoi(args[2])
	pause, err4 := time.ParseDuration(args[3])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return err
	}
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return errors.New("NOTIFY_SOCKET is not set")
	}
	if addr[0] == '@' {
		addr = "\x00" + addr[1:]
	}
	dial := func() (*net.UnixConn, error) {
		return net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	}
	var wg sync.WaitGroup
	errs := make([]error, senders)
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial()
			if err != nil {
				errs[s] = err
				return
			}
			defer c.Close()
			for i := 0; i < count; i++ {
				// A connected datagram socket blocks while the
				// manager's queue is full: nothing is dropped.
				if _, err := fmt.Fprintf(c, "STATUS=flood %d/%d", s, i); err != nil {
					errs[s] = err
					return
				}
				if pause > 0 && (i+1)%burst == 0 {
					time.Sleep(pause)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c, err := dial()
	if err != nil {
		return err
	}
	if _, err := c.Write([]byte("READY=1\nSTATUS=flood done")); err != nil {
		return err
	}
	c.Close()
	fmt.Printf("sent %d datagrams\n", senders*count)
	for {
		time.Sleep(time.Hour)
	}
}

// privateCall is the method call the non-reading client pipelines: the
// Manager's Version property, a small reply.
func privateCall(serial uint32) []byte {
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/systemd1")),
		dbus.FieldInterface:   dbus.MakeVariant("org.freedesktop.DBus.Properties"),
		dbus.FieldMember:      dbus.MakeVariant("Get"),
		dbus.FieldDestination: dbus.MakeVariant("org.freedesktop.systemd1"),
		dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf("", "")),
	}, Body: []any{"org.freedesktop.systemd1.Manager", "Version"}}
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
		panic(err)
	}
	data := buf.Bytes()
	// The encoder leaves the serial 0; it is bytes 8 to 12.
	binary.LittleEndian.PutUint32(data[8:12], serial)
	return data
}

// helperPrivateNoRead (COUNT TRIGGER) connects to PID 1's private socket,
// authenticates and writes COUNT method calls without reading anything,
// for as long as the socket takes them (writes stop after a 5 s stall).
// It prints how many calls went out, then waits until the file TRIGGER
// exists, reads every reply that comes, and makes one more call to see
// whether the connection still works. It prints:
//
//	sent N
//	replies R
//	connection open|closed
func helperPrivateNoRead(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: private-noread COUNT TRIGGER")
	}
	count, err := strconv.Atoi(args[0])
	if err != nil {
		return err
	}
	conn, err := net.Dial("unix", "/run/systemd/private")
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Getuid())))
	if _, err := fmt.Fprintf(conn, "\x00AUTH EXTERNAL %s\r\nBEGIN\r\n", uid); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OK ") {
		return fmt.Errorf("authentication: %q %v", line, err)
	}
	var all []byte
	size := len(privateCall(1))
	for i := 1; i <= count; i++ {
		m := privateCall(uint32(i))
		if len(m) != size {
			return fmt.Errorf("calls differ in size: %d, %d", size, len(m))
		}
		all = append(all, m...)
	}
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	n, werr := conn.Write(all)
	sent := n / size
	if werr != nil && !errors.Is(werr, os.ErrDeadlineExceeded) {
		fmt.Printf("write failed after %d calls: %v\n", sent, werr)
	}
	if n%size != 0 {
		// Complete the call cut in half, or the count is off by one.
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(all[n : n+size-n%size]); err == nil {
			sent++
		}
	}
	fmt.Printf("sent %d\n", sent)
	os.Stdout.Sync()
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(args[1]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("no trigger")
		}
	}
	replies := 0
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for replies < sent {
		m, err := dbus.DecodeMessage(r)
		if err != nil {
			break
		}
		if m.Type == dbus.TypeMethodReply || m.Type == dbus.TypeError {
			replies++
		}
	}
	fmt.Printf("replies %d\n", replies)
	state := "closed"
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(privateCall(uint32(count + 1))); err == nil {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			m, err := dbus.DecodeMessage(r)
			if err != nil {
				break
			}
			if rs, ok := m.Headers[dbus.FieldReplySerial].Value().(uint32); ok && rs == uint32(count+1) {
				state = "open"
				break
			}
		}
	}
	fmt.Printf("connection %s\n", state)
	return nil
}
