package managerbus

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"gosystemd/oracle/oracletest"
)

// The test binary doubles as a raw D-Bus client run in the guest: with
// helperEnv set to "call" it makes one of busCalls on PID 1's private
// socket and prints the reply or the error's name and message, and the
// UnitFilesChanged signals that came before the reply, in order.
// busctl prints neither error names nor signals.
const (
	helperEnv  = "GOSD_MANAGERBUS_HELPER"
	helperPath = "/usr/local/bin/gosd-managerbus-helper"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "call" {
		if err := helperCall(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	oracletest.Cleanup()
	os.Exit(code)
}

// busCall is a Manager method call with its arguments.
type busCall struct {
	member string
	args   []any
}

// busCalls are the calls the scenario makes, by name, in order.
var busCalls = []struct {
	name string
	call busCall
}{
	{"state-missing", busCall{"GetUnitFileState", []any{"nonexistent.service"}}},
	{"state-invalid", busCall{"GetUnitFileState", []any{"not a name"}}},
	{"state-template", busCall{"GetUnitFileState", []any{"gosd-mb@.service"}}},
	{"default", busCall{"GetDefaultTarget", nil}},
	{"list-enabled", busCall{"ListUnitFilesByPatterns", []any{[]string{"enabled", "static"}, []string{"gosd*", "getty*"}}}},
	{"enable-flags-unknown", busCall{"EnableUnitFilesWithFlags", []any{[]string{"gosd-mb.service"}, uint64(8)}}},
	{"enable-flags-portable", busCall{"EnableUnitFilesWithFlags", []any{[]string{"gosd-mb.service"}, uint64(4)}}},
	{"disable-flags-force", busCall{"DisableUnitFilesWithFlags", []any{[]string{"gosd-mb.service"}, uint64(2)}}},
	{"enable", busCall{"EnableUnitFiles", []any{[]string{"gosd-mb.service"}, false, false}}},
	{"enable-again", busCall{"EnableUnitFiles", []any{[]string{"gosd-mb.service"}, false, false}}},
	{"links", busCall{"GetUnitFileLinks", []any{"gosd-mb.service", false}}},
	{"links-runtime", busCall{"GetUnitFileLinks", []any{"gosd-mb.service", true}}},
	{"links-invalid", busCall{"GetUnitFileLinks", []any{"not a name", false}}},
	{"reenable-flags", busCall{"EnableUnitFilesWithFlags", []any{[]string{"gosd-mb.service"}, uint64(2)}}},
	{"disable", busCall{"DisableUnitFiles", []any{[]string{"gosd-mb.service"}, false}}},
	{"disable-again", busCall{"DisableUnitFilesWithFlags", []any{[]string{"gosd-mb.service"}, uint64(0)}}},
	{"enable-static", busCall{"EnableUnitFiles", []any{[]string{"gosd-mb-static.service"}, false, false}}},
	{"enable-bad-alias", busCall{"EnableUnitFiles", []any{[]string{"gosd-mb-bad.service"}, false, false}}},
	{"enable-missing", busCall{"EnableUnitFiles", []any{[]string{"nonexistent.service"}, false, false}}},
	{"enable-invalid", busCall{"EnableUnitFiles", []any{[]string{"not a name"}, false, false}}},
	{"mask-existing", busCall{"MaskUnitFiles", []any{[]string{"gosd-mb.service"}, false, false}}},
	{"mask", busCall{"MaskUnitFiles", []any{[]string{"gosd-mb-nofile.service"}, false, false}}},
	{"enable-masked", busCall{"EnableUnitFiles", []any{[]string{"gosd-mb-nofile.service"}, false, false}}},
	{"unmask", busCall{"UnmaskUnitFiles", []any{[]string{"gosd-mb-nofile.service"}, false}}},
	{"link", busCall{"LinkUnitFiles", []any{[]string{"/opt/gosd-mb-linked.service"}, false, false}}},
	{"link-in-path", busCall{"LinkUnitFiles", []any{[]string{"/etc/systemd/system/gosd-mb.service"}, false, false}}},
	{"link-relative", busCall{"LinkUnitFiles", []any{[]string{"opt/gosd-mb-linked.service"}, false, false}}},
	{"preset-mode-bogus", busCall{"PresetUnitFilesWithMode", []any{[]string{"gosd-mb.service"}, "bogus", false, false}}},
	{"preset", busCall{"PresetUnitFiles", []any{[]string{"gosd-mb.service"}, false, false}}},
	{"preset-enable-only", busCall{"PresetUnitFilesWithMode", []any{[]string{"gosd-mb-also.service"}, "enable-only", false, false}}},
	{"add-wants", busCall{"AddDependencyUnitFiles", []any{[]string{"gosd-mb-static.service"}, "gosd-mb.target", "Wants", false, false}}},
	{"add-after", busCall{"AddDependencyUnitFiles", []any{[]string{"gosd-mb-static.service"}, "gosd-mb.target", "After", false, false}}},
	{"add-bad-target", busCall{"AddDependencyUnitFiles", []any{[]string{"gosd-mb-static.service"}, "not a name", "Wants", false, false}}},
	{"revert", busCall{"RevertUnitFiles", []any{[]string{"gosd-mb-static.service", "gosd-mb.service"}}}},
	{"set-default-service", busCall{"SetDefaultTarget", []any{"gosd-mb.service", false}}},
	{"set-default-missing", busCall{"SetDefaultTarget", []any{"nonexistent.target", false}}},
	{"set-default", busCall{"SetDefaultTarget", []any{"gosd-mb.target", false}}},
	{"default-after", busCall{"GetDefaultTarget", nil}},
	{"set-default-back", busCall{"SetDefaultTarget", []any{"multi-user.target", true}}},
	{"preset-all-mode-bogus", busCall{"PresetAllUnitFiles", []any{"bogus", false, false}}},
	{"preset-all-enable-only", busCall{"PresetAllUnitFiles", []any{"enable-only", false, false}}},
}

func findCall(name string) (busCall, bool) {
	for _, c := range busCalls {
		if c.name == name {
			return c.call, true
		}
	}
	return busCall{}, false
}

// helperCall makes the named call on /run/systemd/private and prints
// what came back.
func helperCall(name string) error {
	if ok, err := helperSystem(name); ok {
		return err
	}
	c, ok := findCall(name)
	if !ok {
		return fmt.Errorf("no call %q", name)
	}
	conn, err := net.Dial("unix", "/run/systemd/private")
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	// As sd-bus clients do, BEGIN follows AUTH at once and the call
	// only once OK came back: sd-bus's server leaves a message that
	// arrived together with BEGIN unread until more data comes.
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Getuid())))
	if _, err := fmt.Fprintf(conn, "\x00AUTH EXTERNAL %s\r\nBEGIN\r\n", uid); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OK ") {
		return fmt.Errorf("authentication: %q %v", line, err)
	}
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/systemd1")),
		dbus.FieldInterface:   dbus.MakeVariant("org.freedesktop.systemd1.Manager"),
		dbus.FieldMember:      dbus.MakeVariant(c.member),
		dbus.FieldDestination: dbus.MakeVariant("org.freedesktop.systemd1"),
	}, Body: c.args}
	if len(c.args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(c.args...))
	}
	// The encoder leaves the serial 0; it is bytes 8 to 12.
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
		return err
	}
	data := buf.Bytes()
	binary.LittleEndian.PutUint32(data[8:12], 1)
	if _, err := conn.Write(data); err != nil {
		return err
	}
	for {
		m, err := dbus.DecodeMessage(r)
		if err != nil {
			return err
		}
		var replyTo uint32
		if v, ok := m.Headers[dbus.FieldReplySerial]; ok {
			replyTo, _ = v.Value().(uint32)
		}
		member, _ := m.Headers[dbus.FieldMember].Value().(string)
		switch {
		case m.Type == dbus.TypeSignal && member == "UnitFilesChanged":
			fmt.Println("signal UnitFilesChanged")
		case m.Type == dbus.TypeError && replyTo == 1:
			errName, _ := m.Headers[dbus.FieldErrorName].Value().(string)
			text := fmt.Sprintf("error %s: %v", errName, m.Body)
			if strings.HasSuffix(name, "-caller") {
				// The helper's own PID.
				text = callerPIDRE.ReplaceAllString(text, "$1 N")
			}
			fmt.Println(text)
			return nil
		case m.Type == dbus.TypeMethodReply && replyTo == 1:
			if strings.HasPrefix(c.member, "Enqueue") {
				fmt.Println(formatReply(m, c.member))
				return nil
			}
			text := fmt.Sprintf("reply %s", formatBody(c.member, m.Body))
			if strings.HasSuffix(name, "-caller") {
				// A path by invocation ID.
				text = invocationPathRE.ReplaceAllString(text, "/unit/INVOCATION")
			}
			fmt.Println(text)
			return nil
		}
	}
}

// formatBody prints a reply's values; ListUnitFiles* rows come in the
// manager's hash order and are sorted.
func formatBody(member string, body []any) string {
	if strings.HasPrefix(member, "ListUnitFiles") && len(body) == 1 {
		if rows, ok := body[0].([][]any); ok {
			var lines []string
			for _, r := range rows {
				lines = append(lines, fmt.Sprint(r))
			}
			sort.Strings(lines)
			return strings.Join(lines, "\n")
		}
	}
	return fmt.Sprint(body...)
}
