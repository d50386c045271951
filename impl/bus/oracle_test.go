package bus

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The oracle is testdata/sdbus-demo.c built against the host's
// libsystemd (systemd 252): the same demo tables served by sd-bus.

var (
	oracleOnce sync.Once
	oracleBin  string
	oracleErr  error
)

func oracle(t testing.TB) string {
	t.Helper()
	oracleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bus-oracle")
		if err != nil {
			oracleErr = err
			return
		}
		oracleBin = filepath.Join(dir, "sdbus-demo")
		flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libsystemd").Output()
		if err != nil {
			oracleErr = fmt.Errorf("pkg-config libsystemd: %v (install gcc, pkg-config and libsystemd-dev)", err)
			return
		}
		args := append([]string{"-o", oracleBin, "testdata/sdbus-demo.c"}, strings.Fields(string(flags))...)
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			oracleErr = fmt.Errorf("building the sd-bus oracle: %v\n%s", err, out)
		}
	})
	if oracleErr != nil {
		t.Fatal(oracleErr)
	}
	return oracleBin
}

// startProcess runs a helper process until the test ends, waiting for it
// to print its first line.
func startProcess(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
		// Keep draining so the process never blocks on stdout.
		bufio.NewReader(out).WriteTo(discard{})
	}()
	select {
	case s := <-line:
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start", name)
		return ""
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// startOracleListen serves the oracle peer-to-peer at path.
func startOracleListen(t testing.TB, path string) {
	if s := startProcess(t, oracle(t), "--listen", path); s != "ready" {
		t.Fatalf("oracle said %q", s)
	}
}

// startDaemon runs a private dbus-daemon and returns its address.
func startDaemon(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon is missing (install the dbus package)")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "bus")
	conf := filepath.Join(dir, "bus.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+sock+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o644)
	addr := startProcess(t, "dbus-daemon", "--config-file="+conf, "--nofork", "--print-address")
	if !strings.HasPrefix(addr, "unix:") {
		t.Fatalf("dbus-daemon printed %q", addr)
	}
	return addr
}

// startOracleBus connects the oracle to the bus at addr under name.
func startOracleBus(t testing.TB, addr, name string) {
	if s := startProcess(t, oracle(t), "--bus", addr, name); s != "ready" {
		t.Fatalf("oracle said %q", s)
	}
}

// startGoBus serves the demo tree on the bus at addr under name.
func startGoBus(t testing.TB, addr, name string) *demoService {
	t.Helper()
	d := newDemoService(t)
	events := make(chan Event, 16)
	c, err := ConnectBus(addr, events, BusOptions{UnixFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.run(t, events, stop)
	}()
	t.Cleanup(func() {
		c.Close()
		close(stop)
		<-done
	})
	if code, err := c.RequestName(name, 0, 5*time.Second); err != nil || code != NamePrimaryOwner {
		t.Fatalf("RequestName: %d, %v", code, err)
	}
	return d
}

// dialPeer connects godbus's client to a peer-to-peer socket, without
// Hello, as systemctl does with /run/systemd/private.
func dialPeer(t testing.TB, path string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Dial("unix:path=" + path)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// rawCall sends a method call built by hand (so it can omit the
// interface or carry a wrong signature) and renders the answer.
func rawCall(conn *dbus.Conn, path dbus.ObjectPath, iface, member string, args ...any) string {
	msg := &dbus.Message{
		Type: dbus.TypeMethodCall,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:   dbus.MakeVariant(path),
			dbus.FieldMember: dbus.MakeVariant(member),
		},
		Body: args,
	}
	if iface != "" {
		msg.Headers[dbus.FieldInterface] = dbus.MakeVariant(iface)
	}
	if len(args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	}
	call := conn.Send(msg, make(chan *dbus.Call, 1))
	select {
	case <-call.Done:
	case <-time.After(5 * time.Second):
		return "timeout"
	}
	if call.Err != nil {
		if e, ok := call.Err.(dbus.Error); ok {
			return fmt.Sprintf("error %s %q", e.Name, e.Body)
		}
		return "failure " + call.Err.Error()
	}
	return fmt.Sprintf("reply %s", renderBody(call.Body))
}

func renderBody(body []any) string {
	var parts []string
	for _, v := range body {
		if m, ok := v.(map[string]dbus.Variant); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, k+"="+m[k].String())
			}
			parts = append(parts, "{"+strings.Join(kv, ", ")+"}")
			continue
		}
		if vv, ok := v.(dbus.Variant); ok {
			parts = append(parts, "v:"+vv.String())
			continue
		}
		parts = append(parts, fmt.Sprintf("%s:%#v", dbus.SignatureOf(v), v))
	}
	return strings.Join(parts, " ")
}
