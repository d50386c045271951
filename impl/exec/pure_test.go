package exec

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMergeEnv(t *testing.T) {
	got := MergeEnv([]string{"A=1", "B=2"}, nil, []string{"B=3", "C=4", "A=5"})
	if want := []string{"A=5", "B=3", "C=4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDeleteEnv(t *testing.T) {
	env := []string{"A=1", "B=2", "C=3", "AB=4"}
	got := DeleteEnv(env, []string{"A", "B=9", "C=3"})
	if want := []string{"B=2", "AB=4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReplaceEnvArgvEdges(t *testing.T) {
	env := []string{"A=x", "A=y z", "E="}
	for _, c := range []struct {
		argv []string
		want []string
	}{
		{[]string{"$A"}, []string{"y", "z"}},       // the last assignment wins, split
		{[]string{"$E"}, nil},                      // empty: no words
		{[]string{"$"}, nil},                       // "$" alone names nothing
		{[]string{"${A"}, []string{"${A"}},         // unterminated
		{[]string{"${A:-d}"}, []string{"${A:-d}"}}, // no extended syntax
		{[]string{"a$$b$"}, []string{"a$b$"}},
		{[]string{"${A}${E}."}, []string{"y z."}},
	} {
		if got := ReplaceEnvArgv(c.argv, env); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.argv, got, c.want)
		}
	}
}

func TestStreamHeader(t *testing.T) {
	h := StreamHeader{Identifier: "foo", Unit: "foo.service", Priority: 30, LevelPrefix: true, ForwardToConsole: true}
	if got, want := string(h.Bytes()), "foo\nfoo.service\n30\n1\n0\n0\n1\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProcessName(t *testing.T) {
	for in, want := range map[string]string{
		"/bin/sh":                        "(sh)",
		"/usr/lib/systemd/systemd-udevd": "(md-udevd)",
		"/usr/bin/":                      "(...)",
	} {
		if got := ProcessName(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestDropUnusedMounts(t *testing.T) {
	s := NewSpec("x.service", "/bin/true")
	s.ProtectSystem, s.ProtectHome = "strict", "yes"
	s.ReadWritePaths = []string{"/var/lib/x", "-/srv"}
	s.InaccessiblePaths = []string{"/home/a"}
	list, err := s.namespaceMounts(true)
	if err != nil {
		t.Fatal(err)
	}
	prefixWhereNeeded(list, unitRoot)
	var got []string
	for _, m := range dropUnusedMounts(list, unitRoot) {
		got = append(got, strings.TrimPrefix(m.path, unitRoot)+" "+modeName(m.mode))
	}
	want := []string{
		"/ read-only", "/dev rw-implicit", "/home inaccessible", "/proc rw-implicit",
		"/root inaccessible", "/run/credentials inaccessible", "/run/systemd/incoming bind",
		"/run/user inaccessible", "/srv read-write", "/sys rw-implicit", "/var/lib/x read-write",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func modeName(m mountMode) string {
	return map[mountMode]string{modeInaccessible: "inaccessible", modeBind: "bind", modeBindRecursive: "rbind",
		modePrivateTmp: "private-tmp", modePrivateTmpReadOnly: "private-tmp-ro", modeReadOnly: "read-only",
		modeReadWrite: "read-write", modeTmpfs: "tmpfs", modeReadWriteImplicit: "rw-implicit"}[m]
}

func TestSortedDirItems(t *testing.T) {
	got := sortedDirItems([]ExecDirectoryItem{{Path: "a/b"}, {Path: "b"}, {Path: "a"}, {Path: "a/b/c"}})
	var s []string
	for _, it := range got {
		s = append(s, it.Path+map[bool]string{true: "*", false: ""}[it.onlyCreate])
	}
	if want := "a a/b* a/b/c* b"; strings.Join(s, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(s, " "), want)
	}
}

func TestPathCompare(t *testing.T) {
	ordered := []string{"a", "/", "/a", "//a/./", "/a/b", "/ab", "/b"}
	for i := 0; i+1 < len(ordered); i++ {
		if c := pathCompare(ordered[i], ordered[i+1]); c > 0 {
			t.Errorf("%q > %q", ordered[i], ordered[i+1])
		}
	}
	if !pathEqual("/a/", "//a/.") || pathStartsWith("/ab", "/a") || !pathStartsWith("/a/b", "/a/") {
		t.Error("path predicates")
	}
}

func TestUserDB(t *testing.T) {
	dir := t.TempDir()
	db := userDB{passwd: dir + "/passwd", group: dir + "/group"}
	write(t, db.passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"+
		"svc:x:999:999::/:/usr/sbin/nologin\nbroken line\n+nis\n")
	write(t, db.group, "root:x:0:\nalice:x:1000:\nwheel:x:10:bob,alice\nsvc:x:999:\n")
	c, err := db.lookupUser("alice")
	if err != nil || c != (credentials{name: "alice", uid: 1000, gid: 1000, home: "/home/alice", shell: "/bin/bash"}) {
		t.Errorf("alice: %+v %v", c, err)
	}
	if c, err := db.lookupUser("999"); err != nil || c.name != "svc" || c.home != "" || c.shell != "" {
		t.Errorf("svc: %+v %v", c, err)
	}
	if _, err := db.lookupUser("bob"); err != syscall.ESRCH {
		t.Errorf("bob: %v", err)
	}
	if n, g, err := db.lookupGroup("10"); err != nil || n != "wheel" || g != 10 {
		t.Errorf("wheel: %s %d %v", n, g, err)
	}
	if got := db.groupList("alice", 1000); !reflect.DeepEqual(got, []uint32{1000, 10}) {
		t.Errorf("groups %v", got)
	}
}

func write(t *testing.T, name, data string) {
	t.Helper()
	if err := writeFile(name, data); err != nil {
		t.Fatal(err)
	}
}

func TestReadReport(t *testing.T) {
	var in []byte
	for _, rec := range []statusRecord{{User: &userRecord{UID: 5, GID: 6}}, {Warning: "w"}, {Exec: true}} {
		in = appendRecord(in, &rec)
	}
	r, err := ReadReport(bytes.NewReader(in))
	if err != nil || !r.Execed || r.UID != 5 || r.GID != 6 || len(r.Warnings) != 1 {
		t.Errorf("%+v %v", r, err)
	}
	in = appendRecord(appendRecord(nil, &statusRecord{Exec: true}), &statusRecord{Failure: &Failure{ExitStatus: 203, Errno: 2, Message: "m"}})
	r, err = ReadReport(bytes.NewReader(in))
	if err != nil || r.Execed || r.Failure.ExitStatus != 203 || r.Failure.SpawnMessage("/x") != "Failed at step EXEC spawning /x: No such file or directory" {
		t.Errorf("%+v %v", r, err)
	}
	if _, err := ReadReport(bytes.NewReader(in[:len(in)-1])); err == nil {
		t.Errorf("a truncated record was accepted")
	}
}

func FuzzParsePasswd(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"))
	f.Add([]byte("a:b:c:d:e:f:g\n::::::\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range parsePasswd(data) {
			if e.name == "" || strings.ContainsAny(e.name, ":\n") {
				t.Fatalf("bad entry %+v", e)
			}
		}
		for _, g := range parseGroup(data) {
			if g.name == "" {
				t.Fatalf("bad group %+v", g)
			}
		}
	})
}

func FuzzParseMountInfo(f *testing.F) {
	f.Add("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n")
	f.Add(`257 233 0:76 / /a\040b rw,relatime - overlay overlay rw` + "\n24 1 0:1 / / rw - x\n")
	f.Fuzz(func(t *testing.T, data string) {
		for _, m := range parseMountInfo(data) {
			if m.FSType == "" || m.MountPoint == "" && !strings.Contains(data, "  ") {
				t.Fatalf("bad entry %+v", m)
			}
			_ = mountFlagsOf(m.Options)
		}
	})
}

func FuzzReplaceEnvArgv(f *testing.F) {
	f.Add("$A", "${A}x", "A=one 'two three'")
	f.Add("$$", "${", "B=")
	f.Add("${A:-x}", "$A$B", `A="unterminated`)
	f.Fuzz(func(t *testing.T, a, b, assignment string) {
		out := ReplaceEnvArgv([]string{a, b}, []string{assignment})
		if !strings.Contains(a+b, "$") && !reflect.DeepEqual(out, []string{a, b}) {
			t.Fatalf("no $ but changed: %q -> %q", []string{a, b}, out)
		}
	})
}

func FuzzReadReport(f *testing.F) {
	f.Add(appendRecord(appendRecord(nil, &statusRecord{User: &userRecord{UID: 1, GID: 2}}), &statusRecord{Exec: true}))
	f.Add(appendRecord(nil, &statusRecord{Failure: &Failure{ExitStatus: 217, Errno: 3, Message: "x"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadReport(bytes.NewReader(data))
		if err == nil && r.Execed && r.Failure != nil {
			t.Fatalf("both execed and failed: %+v", r)
		}
	})
}

// fullSpec is a Spec with every field set, from the executor tests' probe
// spec and the options a unit can give.
func fullSpec() *Spec {
	s := NewSpec("a.service", "/bin/echo", "/bin/echo", "héllo", "")
	n, prio, slack, rows := -5, 3<<13|4, uint64(50000), uint32(24)
	s.Nice, s.IOPrio, s.TimerSlackNSec, s.TTYRows = &n, &prio, &slack, &rows
	s.Limits[unix.RLIMIT_NOFILE] = &Rlimit{Cur: 1024, Max: RlimInfinity}
	s.Environment = []string{"A=1", "B="}
	s.UnitEnvironment = []string{}
	s.StdinData = []byte{0, 1, 255}
	s.CPUAffinity = []int{0, 3}
	s.Directories[DirState] = ExecDirectory{Mode: 0o700, Items: []ExecDirectoryItem{{Path: "x", Symlinks: []string{"y"}}}}
	s.SetCredentials = []SetCredentialSpec{{ID: "c", Data: []byte("secret")}}
	s.CapabilityBoundingSet = 1<<63 | 5
	s.ManagerEnvironment = []string{"HOME=/root"}
	s.FDs = Layout{NPass: 2, Status: 6, Stdin: -1, Stdout: 7, Stderr: -1}
	return s
}

func TestWireRoundTrip(t *testing.T) {
	for _, v := range []any{
		fullSpec(), NewSpec("b.service", "true"),
		&statusRecord{User: &userRecord{UID: -1, GID: 100}},
		&statusRecord{Warning: "w", Failure: &Failure{ExitStatus: 203, Errno: syscall.ENOENT, Message: "m", Level: 6, Logged: true}},
		&NSMount{PID: 9, Source: "/a", Dest: "/b", Image: true, Options: []PartitionOptions{{"root", "ro"}}},
		&NSMountResult{Errno: syscall.EPERM, Errors: []string{"e"}},
	} {
		data := marshalWire(v)
		got := reflect.New(reflect.TypeOf(v).Elem())
		if err := unmarshalWire(data, got.Interface()); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		// DeepEqual tells nil from empty slices: they must survive too.
		if !reflect.DeepEqual(got.Interface(), v) {
			t.Errorf("%T: round trip changed it:\n got %+v\nwant %+v", v, got.Elem().Interface(), reflect.ValueOf(v).Elem().Interface())
		}
		// Every shorter message is refused, not misread.
		for n := 0; n < len(data); n++ {
			if err := unmarshalWire(data[:n], reflect.New(reflect.TypeOf(v).Elem()).Interface()); err == nil {
				t.Fatalf("%T: truncated to %d of %d bytes but accepted", v, n, len(data))
			}
		}
	}
}

// TestWireLayout computes the fingerprint of the wire types' layout and
// checks wireLayout against it, so that a manager and an executor built
// from different Spec fields refuse each other's messages.
func TestWireLayout(t *testing.T) {
	h := fnv.New64a()
	var walk func(t reflect.Type)
	walk = func(typ reflect.Type) {
		fmt.Fprintf(h, "%d", typ.Kind())
		switch typ.Kind() {
		case reflect.Struct:
			h.Write([]byte{'{'})
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				if !f.IsExported() {
					t.Fatalf("wire type %s has unexported field %s", typ.Name(), f.Name)
				}
				h.Write([]byte(f.Name))
				walk(f.Type)
			}
			h.Write([]byte{'}'})
		case reflect.Slice, reflect.Pointer:
			walk(typ.Elem())
		case reflect.Array:
			fmt.Fprintf(h, "[%d]", typ.Len())
			walk(typ.Elem())
		case reflect.Bool, reflect.String,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			t.Fatalf("wire types cannot hold kind %s", typ.Kind())
		}
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[Spec](), reflect.TypeFor[statusRecord](), reflect.TypeFor[NSMount](), reflect.TypeFor[NSMountResult](),
	} {
		walk(typ)
	}
	if got := h.Sum64(); got != wireLayout {
		t.Errorf("the wire types' layout changed: set wireLayout = %#x in wire.go", got)
	}
}

func TestWireRefusesOtherLayout(t *testing.T) {
	data := marshalWire(&statusRecord{Exec: true})
	data[0] ^= 1
	if err := unmarshalWire(data, &statusRecord{}); err != errWireLayout {
		t.Errorf("another layout's message: got %v, want %v", err, errWireLayout)
	}
}

// FuzzUnmarshalSpec feeds the executor's spec decoder arbitrary bytes
// after a valid fingerprint: it errs or decodes, and what it decodes
// encodes back to the same bytes.
func FuzzUnmarshalSpec(f *testing.F) {
	f.Add(marshalWire(fullSpec())[8:])
	f.Add(marshalWire(NewSpec("b.service", "true"))[8:])
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append(marshalWire(&statusRecord{})[:8:8], body...)
		var s Spec
		if unmarshalWire(data, &s) != nil {
			return
		}
		if again := marshalWire(&s); !bytes.Equal(again, data) {
			t.Fatalf("decoded spec encodes differently")
		}
	})
}

func writeFile(name, data string) error { return os.WriteFile(name, []byte(data), 0o644) }

// The path helpers walk components in place; they must agree with the
// plain definition on components().
func TestPathHelpersMatchComponents(t *testing.T) {
	startsWith := func(p, prefix string) bool {
		if strings.HasPrefix(p, "/") != strings.HasPrefix(prefix, "/") {
			return false
		}
		pc, qc := components(p), components(prefix)
		return len(qc) <= len(pc) && slices.Equal(pc[:len(qc)], qc)
	}
	compare := func(a, b string) int {
		aa, ba := strings.HasPrefix(a, "/"), strings.HasPrefix(b, "/")
		if aa != ba {
			if aa {
				return 1
			}
			return -1
		}
		return slices.Compare(components(a), components(b))
	}
	parts := []string{"", "/", "//", "a", "ab", ".", "a/", "/a", "a/b", "/./"}
	var paths []string
	for _, x := range parts {
		for _, y := range parts {
			for _, z := range parts {
				paths = append(paths, x+y+z)
			}
		}
	}
	for _, p := range paths {
		for _, q := range paths {
			if got, want := pathStartsWith(p, q), startsWith(p, q); got != want {
				t.Fatalf("pathStartsWith(%q, %q) = %v, want %v", p, q, got, want)
			}
			if got, want := pathCompare(p, q), compare(p, q); got != want {
				t.Fatalf("pathCompare(%q, %q) = %d, want %d", p, q, got, want)
			}
		}
	}
}

// A bind adds one mount to the kept mount table, on the file system of
// the mount its source is on, unless a recursive bind copies mounts from
// below its source: then the table must be read again.
func TestMountTableBound(t *testing.T) {
	base := []mountInfo{{MountPoint: "/", FSType: "ext4"}, {MountPoint: "/run", FSType: "tmpfs"},
		{MountPoint: "/run/systemd/unit-root", FSType: "ext4"}, {MountPoint: "/run/systemd/unit-root/proc", FSType: "proc"}}
	tbl := &mountTable{mounts: slices.Clone(base)}
	tbl.bound("/run/systemd/inhibit", "/run/systemd/unit-root/run/systemd/inhibit", true, nil)
	if n := len(tbl.mounts); n != len(base)+1 || tbl.mounts[n-1] != (mountInfo{MountPoint: "/run/systemd/unit-root/run/systemd/inhibit", FSType: "tmpfs"}) {
		t.Fatalf("after a bind without mounts below: %+v", tbl.mounts)
	}
	tbl.bound("/run/systemd/unit-root", "/mnt/x", false, nil)
	if n := len(tbl.mounts); n != len(base)+2 || tbl.mounts[n-1].FSType != "ext4" {
		t.Fatalf("after a non-recursive bind: %+v", tbl.mounts)
	}
	tbl.bound("/run/systemd/unit-root", "/mnt/y", true, unix.EPERM)
	if len(tbl.mounts) != len(base)+2 {
		t.Fatalf("a failed bind changed the table: %+v", tbl.mounts)
	}
	tbl.bound("/run/systemd/unit-root", "/mnt/y", true, nil)
	if tbl.mounts != nil {
		t.Fatalf("a recursive bind of a tree with mounts below kept the table: %+v", tbl.mounts)
	}
	tbl.mounted("/tmp", "tmpfs", nil)
	if tbl.mounts != nil {
		t.Fatal("an unread table got an entry")
	}
}
