package managerbus

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/unitname"
	"gosystemd/oracle"
)

// pidRE matches the caller's PID in dbus-daemon's refusals.
var pidRE = regexp.MustCompile(`pid=[0-9]+`)

// sysCall is one call of a system bus scenario, to any object.
type sysCall struct {
	path, iface, member string
	args                []any
	// waitFor repeats the call (up to 5 s) until it prints this.
	waitFor string
	// jobOf, if set, is the unit whose job, as the last EnqueueUnitJob
	// reported it, the call is about: its ID is the argument, or with
	// an empty path, the job's object is called.
	jobOf string
}

func managerCall(member string, args ...any) sysCall {
	return sysCall{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", member, args, "", ""}
}

func unitCall(unit, member string, args ...any) sysCall {
	return sysCall{unitObject(unit), "org.freedesktop.systemd1.Unit", member, args, "", ""}
}

func getProp(path, iface, name string) sysCall {
	return sysCall{path, "org.freedesktop.DBus.Properties", "Get", []any{iface, name}, "", ""}
}

func unitObject(unit string) string {
	var b strings.Builder
	b.WriteString("/org/freedesktop/systemd1/unit/")
	for i := 0; i < len(unit); i++ {
		c := unit[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

const nobody = 65534

// sysBusScenarios are call sequences made on the system bus by one
// connection each, as root or as nobody: what unprivileged callers may
// do and how they are refused, and references held by bus clients.
var sysBusScenarios = []struct {
	name  string
	uid   int
	calls []sysCall
}{
	{"nobody-reads", nobody, []sysCall{
		managerCall("GetUnit", "dbus.service"),
		managerCall("ListUnitsByNames", []string{"dbus.service", "not a name"}),
		managerCall("GetUnitFileState", "gosd-mb-static.service"),
		managerCall("GetJobAfter", uint32(999999)),
		managerCall("GetUnitByControlGroup", "/system.slice/dbus.service"),
		getProp("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ShowStatus"),
		getProp(unitObject("dbus.service"), "org.freedesktop.systemd1.Unit", "Refs"),
	}},
	{"nobody-jobs", nobody, []sysCall{
		managerCall("StartUnit", "gosd-mb-static.service", "replace"),
		managerCall("StartUnit", "gosd-mb-static.service", "bogus"),
		managerCall("StartUnit", "not a name", "replace"),
		managerCall("StopUnit", "dbus.service", "replace"),
		managerCall("ReloadOrRestartUnit", "gosd-mb-static.service", "fail"),
		managerCall("StartUnitWithFlags", "gosd-mb-static.service", "replace", uint64(1)),
		managerCall("StartUnitWithFlags", "gosd-mb-static.service", "replace", uint64(0)),
		managerCall("StartUnitReplace", "dbus.service", "gosd-mb-static.service", "replace"),
		managerCall("EnqueueUnitJob", "gosd-mb-static.service", "start", "replace"),
		managerCall("EnqueueUnitJob", "gosd-mb-static.service", "bogus", "replace"),
		managerCall("EnqueueUnitJob", "gosd-mb-static.service", "start", "bogus"),
		managerCall("EnqueueMarkedJobs"),
		unitCall("dbus.service", "Restart", "replace"),
		unitCall("dbus.service", "EnqueueJob", "restart", "replace"),
	}},
	{"nobody-changes", nobody, []sysCall{
		managerCall("KillUnit", "dbus.service", "all", int32(15)),
		managerCall("KillUnit", "dbus.service", "bogus", int32(15)),
		managerCall("KillUnit", "dbus.service", "all", int32(0)),
		managerCall("KillUnit", "gosd-mb-unloaded.service", "all", int32(15)),
		unitCall("dbus.service", "Kill", "main", int32(0)),
		unitCall("dbus.service", "Kill", "main", int32(1)),
		managerCall("RefUnit", "dbus.service"),
		managerCall("RefUnit", "gosd-mb-missing.service"),
		managerCall("UnrefUnit", "dbus.service"),
		unitCall("dbus.service", "Ref"),
		unitCall("dbus.service", "Unref"),
		managerCall("SetShowStatus", "bogus"),
		managerCall("SetShowStatus", "no"),
		managerCall("ResetFailedUnit", "dbus.service"),
		managerCall("ResetFailedUnit", "gosd-mb-unloaded.service"),
		managerCall("ResetFailedUnit", "not a name"),
		managerCall("ResetFailedUnit", ""),
		managerCall("CancelJob", uint32(999999)),
		managerCall("ClearJobs"),
		unitCall("dbus.service", "ResetFailed"),
		managerCall("ResetFailed"),
		managerCall("SetEnvironment", []string{"A=1"}),
		managerCall("Reload"),
		managerCall("EnableUnitFiles", []string{"gosd-mb.service"}, false, false),
		managerCall("DisableUnitFiles", []string{"gosd-mb.service"}, false),
		managerCall("ReenableUnitFiles", []string{"gosd-mb.service"}, false, false),
		managerCall("LinkUnitFiles", []string{"relative/gosd.service"}, false, false),
		managerCall("MaskUnitFiles", []string{"gosd-mb.service"}, false, false),
		managerCall("UnmaskUnitFiles", []string{"gosd-mb.service"}, false),
		managerCall("PresetUnitFiles", []string{"gosd-mb.service"}, false, false),
		managerCall("PresetUnitFilesWithMode", []string{"gosd-mb.service"}, "bogus", false, false),
		managerCall("PresetAllUnitFiles", "bogus", false, false),
		managerCall("PresetAllUnitFiles", "full", false, false),
		managerCall("RevertUnitFiles", []string{"gosd-mb.service"}),
		managerCall("SetDefaultTarget", "not a name", false),
		managerCall("SetDefaultTarget", "multi-user.target", false),
		managerCall("AddDependencyUnitFiles", []string{"gosd-mb.service"}, "gosd-mb.target", "Bogus", false, false),
		managerCall("AddDependencyUnitFiles", []string{"gosd-mb.service"}, "gosd-mb.target", "Wants", false, false),
		managerCall("Reexecute"),
		managerCall("GetUnitFileLinks", "gosd-mb.service", false),
		managerCall("GetDefaultTarget"),
		{"/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties", "Set",
			[]any{"org.freedesktop.systemd1.Manager", "LogLevel", dbus.MakeVariant("debug")}, "", ""},
		managerCall("Exit"),
		managerCall("Reboot"),
		managerCall("Subscribe"),
		managerCall("Unsubscribe"),
	}},
	{"root-refs", 0, []sysCall{
		managerCall("RefUnit", "gosd-mb-also.service"),
		getProp(unitObject("gosd-mb-also.service"), "org.freedesktop.systemd1.Unit", "Refs"),
		unitCall("gosd-mb-also.service", "Ref"),
		getProp(unitObject("gosd-mb-also.service"), "org.freedesktop.systemd1.Unit", "Refs"),
		managerCall("GetUnit", "gosd-mb-also.service"),
		managerCall("UnrefUnit", "gosd-mb-also.service"),
		getProp(unitObject("gosd-mb-also.service"), "org.freedesktop.systemd1.Unit", "Refs"),
		unitCall("gosd-mb-also.service", "Unref"),
		getProp(unitObject("gosd-mb-also.service"), "org.freedesktop.systemd1.Unit", "Refs"),
		// (Unref again is NotReferenced or, once the unit is collected,
		// NoSuchUnit: timing, on 252 too.)
		managerCall("RefUnit", "gosd-mb-missing.service"),
		// References outlive a daemon-reload.
		managerCall("RefUnit", "gosd-mb-also.service"),
		managerCall("Reload"),
		getProp(unitObject("gosd-mb-also.service"), "org.freedesktop.systemd1.Unit", "Refs"),
		managerCall("UnrefUnit", "gosd-mb-also.service"),
		managerCall("RefUnit", "gosd-mb-static.service"),
	}},
	// Unit.Ref takes a unit as it is; Kill from the system bus.
	{"root-unit-methods", 0, []sysCall{
		unitCall("gosd-mb-nonexistent.service", "Ref"),
		getProp(unitObject("gosd-mb-nonexistent.service"), "org.freedesktop.systemd1.Unit", "Refs"),
		managerCall("ListUnitsByNames", []string{"gosd-mb-nonexistent.service"}),
		unitCall("gosd-mb-nonexistent.service", "Unref"),
		unitCall("dbus.service", "Kill", "main", int32(18)),
		unitCall("dbus.service", "Kill", "control", int32(18)),
		unitCall("dbus.service", "Kill", "main-fail", int32(18)),
		unitCall("dbus.service", "Kill", "", int32(18)),
		unitCall("gosd-mb-static.service", "Kill", "all-fail", int32(18)),
		unitCall("dbus.socket", "Kill", "main", int32(18)),
	}},
	{"root-invocation", 0, []sysCall{
		getProp(unitObject("dbus.service"), "org.freedesktop.systemd1.Unit", "InvocationID"),
		{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetUnitByInvocationID", nil, "", "@invocation"},
		{"@unit", "org.freedesktop.DBus.Properties", "Get", []any{"org.freedesktop.systemd1.Unit", "Id"}, "", ""},
		getProp(unitObject("gosd-mb-also.service"), "org.freedesktop.systemd1.Unit", "InvocationID"),
	}},
	// The reference taken last above went with the connection.
	{"root-refs-after", 0, []sysCall{
		{unitObject("gosd-mb-static.service"), "org.freedesktop.DBus.Properties", "Get",
			[]any{"org.freedesktop.systemd1.Unit", "Refs"}, "reply []", ""},
	}},
	// Jobs ordered after one another: first runs (for 3 s), slow waits
	// for it, waiter for slow.
	{"root-job-order", 0, []sysCall{
		managerCall("EnqueueUnitJob", "gosd-mb-waiter.service", "start", "replace"),
		{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetJobAfter", nil, "", "gosd-mb-slow.service"},
		{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetJobBefore", nil, "", "gosd-mb-waiter.service"},
		{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetJobAfter", nil, "", "gosd-mb-first.service"},
		{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetJobBefore", nil, "", "gosd-mb-first.service"},
		{"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetJobAfter", nil, "", "gosd-mb-waiter.service"},
		{"", "org.freedesktop.systemd1.Job", "GetAfter", nil, "", "gosd-mb-slow.service"},
		{"", "org.freedesktop.systemd1.Job", "GetBefore", nil, "", "gosd-mb-slow.service"},
		managerCall("StartUnitReplace", "gosd-mb-slow.service", "gosd-mb-also.service", "bogus"),
		managerCall("ListUnitsByNames", []string{"gosd-mb-waiter.service", "gosd-mb-slow.service"}),
		managerCall("ClearJobs"),
	}},
	// References and the ShowStatus override outlive daemon-reexec.
	{"root-reexec", 0, []sysCall{
		managerCall("RefUnit", "gosd-mb-r1.service"),
		managerCall("SetShowStatus", "no"),
		{"!", "", "systemctl daemon-reexec", nil, "", ""},
		{unitObject("gosd-mb-r1.service"), "org.freedesktop.DBus.Properties", "Get",
			[]any{"org.freedesktop.systemd1.Unit", "Refs"}, `reply ["SELF"]`, ""},
		getProp("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ShowStatus"),
		managerCall("UnrefUnit", "gosd-mb-r1.service"),
		managerCall("SetShowStatus", ""),
	}},
	// Calls from a process of a service (not its main one): the caller's
	// unit is the one of its cgroup.
	{"root-caller-unit", 0, []sysCall{
		{"!", "", "systemctl start gosd-mb-caller.service; cat /tmp/gosd-caller.out", nil, "", ""},
	}},
	{"root-show-status", 0, []sysCall{
		managerCall("SetShowStatus", "bogus"),
		managerCall("SetShowStatus", "no"),
		getProp("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ShowStatus"),
		managerCall("SetShowStatus", "true"),
		getProp("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ShowStatus"),
		managerCall("SetShowStatus", "error"),
		getProp("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ShowStatus"),
		managerCall("SetShowStatus", ""),
		getProp("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ShowStatus"),
	}},
}

func init() {
	scenarioFiles = append(scenarioFiles,
		oracle.File{Path: "/etc/systemd/system/gosd-mb-caller.service", Data: []byte("[Service]\nType=oneshot\n" +
			"Environment=" + helperEnv + "=call\n" +
			"ExecStart=/bin/sh -c 'for c in unit-by-pid-caller invocation-caller enqueue-caller reset-failed-caller; do " +
			helperPath + " $$c; done > /tmp/gosd-caller.out 2>&1'\n")},
		oracle.File{Path: "/etc/systemd/system/gosd-mb-first.service", Data: []byte("[Service]\nType=oneshot\nExecStart=/bin/sleep 3\n")},
		oracle.File{Path: "/etc/systemd/system/gosd-mb-slow.service", Data: []byte("[Unit]\nWants=gosd-mb-first.service\nAfter=gosd-mb-first.service\n[Service]\nType=oneshot\nExecStart=/bin/true\n")},
		oracle.File{Path: "/etc/systemd/system/gosd-mb-waiter.service", Data: []byte("[Unit]\nWants=gosd-mb-slow.service\nAfter=gosd-mb-slow.service\n[Service]\nType=oneshot\nExecStart=/bin/true\n")})
}

// helperSystem runs the named scenario on the system bus, reporting
// false if there is none of that name.
func helperSystem(name string) (bool, error) {
	for _, s := range sysBusScenarios {
		if s.name == name {
			return true, runSystemScenario(s.uid, s.calls)
		}
	}
	return false, nil
}

func runSystemScenario(uid int, calls []sysCall) error {
	if uid != 0 {
		if err := syscall.Setgroups(nil); err != nil {
			return err
		}
		if err := syscall.Setgid(uid); err != nil {
			return err
		}
		if err := syscall.Setuid(uid); err != nil {
			return err
		}
	}
	conn, err := net.Dial("unix", "/run/dbus/system_bus_socket")
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	id := hex.EncodeToString([]byte(strconv.Itoa(os.Getuid())))
	if _, err := fmt.Fprintf(conn, "\x00AUTH EXTERNAL %s\r\n", id); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OK ") {
		return fmt.Errorf("authentication: %q %v", line, err)
	}
	if _, err := fmt.Fprint(conn, "BEGIN\r\n"); err != nil {
		return err
	}
	serial := uint32(0)
	call := func(dest string, c sysCall) (*dbus.Message, error) {
		serial++
		msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath(c.path)),
			dbus.FieldInterface:   dbus.MakeVariant(c.iface),
			dbus.FieldMember:      dbus.MakeVariant(c.member),
			dbus.FieldDestination: dbus.MakeVariant(dest),
		}, Body: c.args}
		if len(c.args) > 0 {
			msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(c.args...))
		}
		var buf bytes.Buffer
		if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
			return nil, err
		}
		data := buf.Bytes()
		binary.LittleEndian.PutUint32(data[8:12], serial)
		if _, err := conn.Write(data); err != nil {
			return nil, err
		}
		for {
			m, err := dbus.DecodeMessage(r)
			if err != nil {
				return nil, err
			}
			if v, ok := m.Headers[dbus.FieldReplySerial]; ok && v.Value().(uint32) == serial {
				return m, nil
			}
		}
	}
	hello, err := call("org.freedesktop.DBus", sysCall{"/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", nil, "", ""})
	if err != nil || len(hello.Body) != 1 {
		return fmt.Errorf("Hello: %v", err)
	}
	self := hello.Body[0].(string)
	jobs := map[string]uint32{}
	// invocation is the last InvocationID read, unitPath the last object
	// path returned: "@invocation" and "@unit" stand for them.
	var invocation []byte
	var lastPath string
	for _, c := range calls {
		if c.jobOf == "@invocation" {
			c.args, c.jobOf = []any{invocation}, ""
		}
		if c.path == "@unit" {
			c.path = lastPath
		}
		if c.jobOf != "" {
			if c.path == "" {
				c.path = fmt.Sprintf("/org/freedesktop/systemd1/job/%d", jobs[c.jobOf])
			} else {
				c.args = []any{jobs[c.jobOf]}
			}
		}
		if c.path == "!" {
			// A command run meanwhile.
			fmt.Println(c.member)
			out, err := exec.Command("/bin/sh", "-c", oracle.OracleBin+"/"+c.member).CombinedOutput()
			fmt.Print(string(out))
			if err != nil {
				fmt.Println(err)
			}
			continue
		}
		norm := func(out string) string {
			if len(invocation) == 16 {
				out = strings.ReplaceAll(out, "/unit/"+unitname.BusLabelEscape(hex.EncodeToString(invocation)), "/unit/INVOCATION")
				out = strings.ReplaceAll(out, hex.EncodeToString(invocation), "INVOCATION")
				out = strings.ReplaceAll(out, dbus.MakeVariant(invocation).String(), "@ay INVOCATION")
				out = strings.ReplaceAll(out, fmt.Sprint(invocation), "INVOCATION")
			}
			return out
		}
		fmt.Println(norm(fmt.Sprintf("%s.%s %v", strings.TrimPrefix(c.iface, "org.freedesktop."), c.member, c.args)))
		deadline := time.Now().Add(5 * time.Second)
		for {
			m, err := call("org.freedesktop.systemd1", c)
			if err != nil {
				return err
			}
			if c.member == "EnqueueUnitJob" && m.Type == dbus.TypeMethodReply && len(m.Body) == 6 {
				jobs[m.Body[2].(string)] = m.Body[0].(uint32)
				for _, r := range m.Body[5].([][]any) {
					jobs[r[2].(string)] = r[0].(uint32)
				}
			}
			if m.Type == dbus.TypeMethodReply && len(m.Body) == 1 {
				switch v := m.Body[0].(type) {
				case dbus.Variant:
					if b, ok := v.Value().([]byte); ok && len(b) == 16 {
						invocation = b
					}
				case dbus.ObjectPath:
					lastPath = string(v)
				}
			}
			out := norm(formatReply(m, c.member))
			out = strings.ReplaceAll(out, self, "SELF")
			out = pidRE.ReplaceAllString(out, "pid=N")
			if c.waitFor == "" || out == c.waitFor || time.Now().After(deadline) {
				fmt.Println(out)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// formatReply prints a reply's values or an error's name and message;
// EnqueueJob's affected jobs come in hash order and are sorted.
func formatReply(m *dbus.Message, member string) string {
	if m.Type == dbus.TypeError {
		name, _ := m.Headers[dbus.FieldErrorName].Value().(string)
		return fmt.Sprintf("error %s: %v", name, m.Body)
	}
	if strings.HasPrefix(member, "Enqueue") && len(m.Body) == 6 {
		if rows, ok := m.Body[5].([][]any); ok {
			var lines []string
			for _, r := range rows {
				lines = append(lines, fmt.Sprint(r))
			}
			sort.Strings(lines)
			return fmt.Sprintf("reply %v\n%s", m.Body[:5], strings.Join(lines, "\n"))
		}
	}
	return "reply " + fmt.Sprint(m.Body...)
}
