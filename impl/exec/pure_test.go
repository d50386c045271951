package exec

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
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
	in := `{"user":{"uid":5,"gid":6}}` + "\n" + `{"warning":"w"}` + "\n" + `{"exec":true}` + "\n"
	r, err := ReadReport(strings.NewReader(in))
	if err != nil || !r.Execed || r.UID != 5 || r.GID != 6 || len(r.Warnings) != 1 {
		t.Errorf("%+v %v", r, err)
	}
	r, err = ReadReport(strings.NewReader(`{"exec":true}{"failure":{"ExitStatus":203,"Errno":2,"Message":"m"}}`))
	if err != nil || r.Execed || r.Failure.ExitStatus != 203 || r.Failure.SpawnMessage("/x") != "Failed at step EXEC spawning /x: No such file or directory" {
		t.Errorf("%+v %v", r, err)
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
	f.Add([]byte(`{"user":{"uid":1,"gid":2}}` + "\n" + `{"exec":true}` + "\n"))
	f.Add([]byte(`{"failure":{"ExitStatus":217,"Errno":3,"Message":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadReport(bytes.NewReader(data))
		if err == nil && r.Execed && r.Failure != nil {
			t.Fatalf("both execed and failed: %+v", r)
		}
	})
}

func writeFile(name, data string) error { return os.WriteFile(name, []byte(data), 0o644) }
