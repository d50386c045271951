package specifier

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"gosystemd/impl/id128"
	"gosystemd/impl/unitpath"
)

// fixedHost pins every fact; os-release is Debian 12's.
type fixedHost struct{ System }

var osRelease = map[string]string{"ID": "debian", "VERSION_ID": "12"}

func (fixedHost) Architecture() (string, error) { return "x86-64", nil }
func (fixedHost) OSRelease(k string) (string, error) {
	return osRelease[k], nil
}
func (fixedHost) BootID() (id128.ID, error) {
	return id128.Parse("0123456789abcdef0123456789abcdef")
}
func (fixedHost) MachineID() (id128.ID, error) {
	return id128.Parse("5e1f0d0c0ffee0000000000000252252")
}
func (fixedHost) Hostname() (string, error)       { return "oracle.example.org", nil }
func (fixedHost) PrettyHostname() (string, error) { return "", syscall.ENXIO }
func (fixedHost) KernelRelease() (string, error)  { return "6.1.0-test", nil }
func (fixedHost) UID() int                        { return 1000 }
func (fixedHost) GID() int                        { return 1000 }
func (fixedHost) UserName(uid int) string {
	if uid == 0 {
		return "root"
	}
	return "user"
}
func (fixedHost) GroupName(gid int) string {
	if gid == 0 {
		return "root"
	}
	return "users"
}
func (fixedHost) HomeDir() (string, error)   { return "/root", nil }
func (fixedHost) Shell() (string, error)     { return "/bin/bash", nil }
func (fixedHost) TmpDir() (string, error)    { return "/tmp", nil }
func (fixedHost) VarTmpDir() (string, error) { return "/var/tmp", nil }

func TestPrintfEngine(t *testing.T) {
	table := Table{'x': constant("X"), 'e': constant(""), 'f': func() (string, error) { return "", syscall.ENOENT }}
	for _, c := range []struct {
		in, out string
		max     int
		err     error
	}{
		{"plain", "plain", 100, nil},
		{"%x%%x%x", "X%xX", 100, nil},
		{"a%eb", "ab", 100, nil},
		{"trailing %", "trailing %", 100, nil},
		{"%-%/%ä", "%-%/%ä", 100, nil},
		{"%z", "", 100, syscall.EBADSLT},
		{"%9", "", 100, syscall.EBADSLT},
		{"%f", "", 100, syscall.ENOENT},
		{"%x%x%x", "XXX", 3, nil},
		{"%x%x%x%x", "", 3, syscall.ENAMETOOLONG},
		{"abc%", "", 3, syscall.ENAMETOOLONG},
		{"ab%", "ab%", 3, nil},
	} {
		out, err := Printf(c.in, c.max, table)
		if out != c.out || !errors.Is(err, c.err) || (err != nil) != (c.err != nil) {
			t.Errorf("Printf(%q, %d) = %q, %v; want %q, %v", c.in, c.max, out, err, c.out, c.err)
		}
	}
}

func TestUnitTables(t *testing.T) {
	u := &Unit{ID: "foo-bar@a-b\\x2dc.service", FragmentPath: "/nonexistent/foo-bar@.service", Scope: unitpath.System,
		Dirs: SystemDirs, Host: fixedHost{}}
	var deprecated []byte
	u.Deprecated = func(c byte) { deprecated = append(deprecated, c) }
	for _, c := range []struct{ in, out string }{
		{"%n %N %p %P %i %I %j %J %f", "foo-bar@a-b\\x2dc.service foo-bar@a-b\\x2dc foo-bar foo/bar a-b\\x2dc a/b-c bar bar /a/b-c"},
		{"%a %b %m %H %l %q %v %o %w %W %A|", "x86-64 0123456789abcdef0123456789abcdef 5e1f0d0c0ffee0000000000000252252 oracle.example.org oracle oracle 6.1.0-test debian 12  |"},
		{"%u %U %g %G %h %s %T %V", "root 0 root 0 /root /bin/bash /tmp /var/tmp"},
		{"%C %E %L %S %t %d", "/var/cache /etc /var/log /var/lib /run /run/credentials/foo-bar@a-b\\x2dc.service"},
		{"[%c]", "[]"},
	} {
		out, err := u.FullPrintf(c.in, LongLineMax)
		if err != nil || out != c.out {
			t.Errorf("FullPrintf(%q) = %q, %v; want %q", c.in, out, err, c.out)
		}
	}
	if string(deprecated) != "c" {
		t.Errorf("deprecated specifiers reported: %q", deprecated)
	}
	if _, err := u.FullPrintf("%y", LongLineMax); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("%%y of a missing fragment: %v", err)
	}
	if _, err := u.NamePrintf("%f"); !errors.Is(err, syscall.EBADSLT) {
		t.Errorf("%%f in a name: %v", err)
	}
	if out, err := u.NamePrintf("x-%i.target"); err != nil || out != "x-a-b\\x2dc.target" {
		t.Errorf("NamePrintf: %q %v", out, err)
	}
	if _, err := u.NamePrintf(strings.Repeat("%m", 8) + ".service"); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("long name: %v", err)
	}

	user := &Unit{ID: "x.service", Scope: unitpath.User, Host: fixedHost{}}
	if out, _ := user.NamePrintf("%u %U %g %G"); out != "user 1000 users 1000" {
		t.Errorf("user scope credentials: %q", out)
	}
	global := &Install{Name: "x.service", Scope: unitpath.Global, Host: fixedHost{}}
	if _, err := global.Printf("%u"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("%%u in the global scope: %v", err)
	}
	bad := &Unit{ID: "x@a\\xzz.service", Host: fixedHost{}}
	if _, err := bad.FullPrintf("%I", LongLineMax); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("%%I with a bad escape: %v", err)
	}
}

func TestInstallTable(t *testing.T) {
	for _, c := range []struct {
		name, def, in, out string
	}{
		{"getty@.service", "tty1", "%n %N %i %p %j", "getty@tty1.service getty@tty1 tty1 getty getty"},
		{"getty@.service", "", "%n|%N|%i", "getty@.service|getty@|"},
		{"a-b@x.service", "tty1", "%n %N %i %j", "a-b@x.service a-b@x x b"},
	} {
		in := &Install{Name: c.name, DefaultInstance: c.def, Host: fixedHost{}}
		out, err := in.Printf(c.in)
		if err != nil || out != c.out {
			t.Errorf("%s %q: %q, %v; want %q", c.name, c.in, out, err, c.out)
		}
	}
}

// TestNameLimit checks UNIT_NAME_MAX (256) as the limit of names and
// [Install] values: unit_name_printf and install_name_printf refuse only
// a longer result (systemctl enable shows it with WantedBy= of a
// 256-byte name, see impl/tools/systemctl's TestEdgeCases).
func TestNameLimit(t *testing.T) {
	for _, n := range []int{256, 257} {
		text := "%n" + strings.Repeat("a", n-len("x.service"))
		u := &Unit{ID: "x.service", Host: fixedHost{}}
		in := &Install{Name: "x.service", Host: fixedHost{}}
		for what, printf := range map[string]func(string) (string, error){"NamePrintf": u.NamePrintf, "Install.Printf": in.Printf} {
			out, err := printf(text)
			if fits := n <= 256; fits != (err == nil) || !fits && !errors.Is(err, syscall.ENAMETOOLONG) || fits && len(out) != n {
				t.Errorf("%s of a %d-byte result: %d bytes, %v", what, n, len(out), err)
			}
		}
	}
}

func FuzzPrintf(f *testing.F) {
	for _, s := range []string{"", "%", "%%", "%n-%i", "/bin/echo %n %N %p %i %I %j %J %f", "%z", "100%", "%a%A%b%B%H%l%q%m%M%o%v%w%W",
		"%C/%d/%E/%L/%S/%t/%h/%s/%T/%V/%y/%Y", "%u:%U:%g:%G", "%c %r %R", "x%\xff%\x00"} {
		f.Add(s, "foo-bar@inst\\x2dx.service")
	}
	f.Add("%n", "-.slice")
	f.Fuzz(func(t *testing.T, text, id string) {
		u := &Unit{ID: id, FragmentPath: "/nonexistent", Dirs: SystemDirs, Host: fixedHost{}}
		out, err := u.FullPrintf(text, 4096)
		if err == nil && len(out) > 4096 {
			t.Fatalf("result longer than the limit: %d", len(out))
		}
		if err == nil && !strings.Contains(text, "%") && out != text {
			t.Fatalf("text without specifiers changed: %q -> %q", text, out)
		}
		if again, err := Printf(Escape(text), 1<<30, Table{}); err != nil || again != text {
			t.Fatalf("Escape does not round-trip: %q -> %q, %v", text, again, err)
		}
	})
}

func TestOSReleaseFields(t *testing.T) {
	p := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(p, []byte("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME='Debian 12'\n# c\nVERSION=12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := System{Env: func(n string) (string, bool) {
		if n == "SYSTEMD_OS_RELEASE" {
			return p, true
		}
		return "", false
	}}
	got, err := s.OSReleaseFields("PRETTY_NAME", "ANSI_COLOR", "VERSION")
	want := map[string]string{"PRETTY_NAME": "Debian 12", "ANSI_COLOR": "", "VERSION": "12"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%v %v, want %v", got, err, want)
	}
	for k, v := range want {
		if one, err := s.OSRelease(k); err != nil || one != v {
			t.Errorf("OSRelease(%s) = %q %v, want %q", k, one, err, v)
		}
	}
}
