package dbusapi

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/unitname"
)

type (
	seedProp struct {
		Name  string
		Value dbus.Variant
	}
	seedExec struct {
		Path   string
		Argv   []string
		Ignore bool
	}
	seedExecEx struct {
		Path        string
		Argv, Flags []string
	}
)

func sp(name string, v any) seedProp { return seedProp{name, dbus.MakeVariant(v)} }

// seedPropertyLists are property lists as 252's systemd-run and systemctl
// set-property send them (those of difftests/systemctl's transient test),
// and two that 252 refuses.
var seedPropertyLists = [][]seedProp{
	{sp("Description", "/bin/true"), sp("ExecStart", []seedExec{{"/bin/true", []string{"/bin/true"}, false}})},
	{sp("Description", "x"), sp("RemainAfterExit", true), sp("ExecStart", []seedExec{{"/bin/true", []string{"/bin/true"}, false}})},
	{sp("Description", "/bin/sh -c echo hi"), sp("Type", "oneshot"), sp("Environment", []string{"A=1", `B=x"y`}),
		sp("WorkingDirectory", "/tmp"), sp("User", "root"), sp("Group", "root"), sp("KillMode", "mixed"),
		sp("KillSignal", int32(2)), sp("SendSIGHUP", true), sp("TimeoutStartUSec", uint64(60000000)),
		sp("RuntimeMaxUSec", uint64(30000000)), sp("Restart", "no"), sp("RestartUSec", uint64(2000000))},
	{sp("StandardOutput", "journal"), sp("StandardError", "inherit"), sp("StandardInput", "null"),
		sp("CPUWeight", uint64(20)), sp("CPUQuotaPerSecUSec", uint64(300000)), sp("MemoryMax", uint64(52428800)),
		sp("MemoryHigh", uint64(41943040)), sp("MemoryLow", uint64(1048576)), sp("MemoryMin", uint64(1024)),
		sp("TasksMax", uint64(10)), sp("IOWeight", uint64(30)), sp("Delegate", true)},
	{sp("DefaultDependencies", false), sp("CollectMode", "inactive-or-failed"),
		sp("Documentation", []string{"man:true(1)", "https://example.com/x"}), sp("After", []string{"gosd-tr-file.service"}),
		sp("Wants", []string{"gosd-tr-file.service"}),
		sp("ExecStartPre", []seedExec{{"/bin/echo", []string{"/bin/echo", "a$b;c", `"q"`, "%n"}, true}})},
	{sp("ExecStartEx", []seedExecEx{{"/bin/sleep", []string{"sleep", "infinity"}, []string{"ignore-failure", "privileged"}}}),
		sp("Slice", "gosd-tr.slice"), sp("AddRef", true)},
	{sp("Description", "scoped"), sp("PIDs", []uint32{0}), sp("RuntimeMaxUSec", uint64(3600000000)), sp("Controller", ":1.5")},
	{sp("CPUWeight", uint64(50)), sp("MemoryMax", uint64(104857600))},
	{sp("MemoryHigh", uint64(209715200)), sp("CPUQuotaPerSecUSec", uint64(200000)), sp("Description", "changed"),
		sp("TasksMax", uint64(1<<64-1))},
	{sp("MemoryMaxScale", uint32(1<<31)), sp("TasksMaxScale", uint32(1<<30)), sp("LimitNOFILE", uint64(1024)), sp("LimitNOFILESoft", uint64(512))},
	// Those of difftests/systemctl's runprops test.
	{sp("SuccessAction", "none"), sp("StartLimitAction", "reboot-force"), sp("SuccessActionExitStatus", int32(3)),
		sp("FailureActionExitStatus", int32(-1)), sp("RebootArgument", "a%b"), sp("JobRunningTimeoutUSec", uint64(300000000)),
		sp("PIDFile", "x.pid"), sp("UtmpMode", "user"), sp("KeyringMode", "private"), sp("TTYRows", uint32(24)),
		sp("TimerSlackNSec", uint64(50000)), sp("LogLevelMax", int32(7)), sp("SyslogFacility", int32(19)),
		sp("OOMScoreAdjust", int32(-500)), sp("CPUSchedulingPolicy", int32(3)), sp("IOSchedulingClass", int32(3)),
		sp("CapabilityBoundingSet", uint64(1<<12|1<<25)), sp("RestrictNamespaces", uint64(0)), sp("SecureBits", int32(0x12)),
		sp("MountFlags", uint64(1<<19)), sp("SupplementaryGroups", []string{"adm"}), sp("SupplementaryGroups", []string{"audio", "adm"}),
		sp("PassEnvironment", []string{"PATH", "TERM"}), sp("DevicePolicy", "closed"),
		sp("DeviceAllow", []struct{ P, M string }{{"/dev/null", "rw"}, {"char-pts", ""}}),
		sp("IODeviceWeight", []struct {
			P string
			W uint64
		}{{"/dev/sda", 200}}), sp("IPAccounting", true)},
	{sp("IOReadBandwidthMax", []struct {
		P string
		N uint64
	}{{"/dev/sda", 1 << 20}}), sp("StandardOutputFile", "/tmp/gosd-out"), sp("StandardErrorFileToAppend", "/tmp/gosd-err"),
		sp("StandardErrorFileDescriptorName", "logfd"), sp("StandardInputData", []byte("hello\n")),
		sp("SuccessExitStatus", struct{ C, S []int32 }{[]int32{3, 4}, []int32{10}}),
		sp("BindPaths", []struct {
			S, D string
			I    bool
			F    uint64
		}{{"/tmp", "/mnt", false, 0x4000}}),
		sp("TemporaryFileSystem", []struct{ P, O string }{{"/var", "ro"}}),
		sp("AppArmorProfile", struct {
			I bool
			P string
		}{true, "prof"})},
	{sp("BlockIODeviceWeight", []struct {
		P string
		W uint64
	}{{"/dev/sda", 200}}), sp("BlockIOReadBandwidth", []struct {
		P string
		N uint64
	}{{"/dev/sda", 1 << 20}}), sp("BPFProgram", []struct{ A, P string }{{"ingress", "/sys/fs/bpf/a"}}),
		sp("NUMAPolicy", int32(2)), sp("RestrictFileSystems", struct {
			A bool
			L []string
		}{true, []string{"ext4"}}), sp("RootHash", []byte("0123456789abcdef")), sp("RootHashSignaturePath", "/s"),
		sp("RootImageOptions", []struct{ P, O string }{{"root", "ro"}}),
		sp("MountImages", []struct {
			S, D string
			I    bool
			O    []struct{ P, O string }
		}{{"/a.raw", "/mnt", true, []struct{ P, O string }{{"usr", "x:y"}}}}),
		sp("ExtensionImages", []struct {
			S string
			I bool
			O []struct{ P, O string }
		}{{"/e.raw", false, nil}, {"/f.raw", false, []struct{ P, O string }{{"root", "ro"}}}}),
		sp("Conditions", []struct {
			T    string
			G, N bool
			P    string
		}{{"ConditionPathExists", true, true, "/x"}}), sp("Asserts", []struct {
			T    string
			G, N bool
			P    string
		}{})},
	{sp("Bogus", "x")},
	{sp("Description", uint32(3))},
}

// encodeCall is a StartTransientUnit-like call with props as its body.
func encodeCall(t testing.TB, props []seedProp) []byte {
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:      dbus.MakeVariant(objectPath),
		dbus.FieldMember:    dbus.MakeVariant("SetProperties"),
		dbus.FieldSignature: dbus.MakeVariant(dbus.ParseSignatureMust("a(sv)")),
	}, Body: []any{props}}
	var b bytes.Buffer
	if err := msg.EncodeTo(&b, binary.LittleEndian); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	binary.LittleEndian.PutUint32(data[8:12], 1) // the serial
	return data
}

// decodeProps reads a message as the bus layer does and its body as a
// property list.
func decodeProps(data []byte) ([]propAssignment, bool) {
	msg, err := dbus.DecodeMessage(bytes.NewReader(data))
	if err != nil || len(msg.Body) != 1 {
		return nil, false
	}
	return propList(msg.Body[0])
}

var fuzzTypes = []unitname.Type{unitname.Service, unitname.Scope, unitname.Slice, unitname.Socket, unitname.Target, unitname.Timer, unitname.Path,
	unitname.Mount, unitname.Automount}

// FuzzConvertProperties feeds property lists off the wire to the
// conversion: it must never panic, and what it writes must name safe
// drop-in files.
func FuzzConvertProperties(f *testing.F) {
	for _, props := range seedPropertyLists {
		data := encodeCall(f, props)
		f.Add(data, uint8(0), true)
		f.Add(data, uint8(1), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, typ uint8, creating bool) {
		props, ok := decodeProps(data)
		if !ok {
			return
		}
		tg := propTarget{t: fuzzTypes[int(typ)%len(fuzzTypes)], id: "fuzz.service", creating: creating}
		res, err := convertProperties(tg, props)
		if err != nil {
			return
		}
		for _, s := range res.settings {
			if s.Name == "" || strings.ContainsAny(s.Name, "/\x00") || s.Text == "" && s.Live == "" {
				t.Fatalf("setting %+v", s)
			}
		}
	})
}

// TestSeedPropertyLists keeps the seeds meaningful: each decodes, and
// all but the last two convert for the unit type they are for.
func TestSeedPropertyLists(t *testing.T) {
	for i, seed := range seedPropertyLists {
		props, ok := decodeProps(encodeCall(t, seed))
		if !ok {
			t.Fatalf("seed %d does not decode", i)
		}
		typ := unitname.Service
		if props[0].Name == "Description" && len(props) > 1 && props[1].Name == "PIDs" {
			typ = unitname.Scope
		}
		_, err := convertProperties(propTarget{t: typ, id: "x", creating: true}, props)
		if wantErr := i >= len(seedPropertyLists)-2; (err != nil) != wantErr {
			t.Errorf("seed %d: error %v", i, err)
		}
	}
}
