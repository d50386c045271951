package unitname

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// The cases below are data from systemd v252 src/test/test-unit-name.c.

func TestIsValid(t *testing.T) {
	ii := Instance | Template
	for _, c := range []struct {
		name  string
		flags Flags
		want  bool
	}{
		{"foo.service", Any, true},
		{"foo.service", Plain, true},
		{"foo.service", Instance, false},
		{"foo.service", Template, false},
		{"foo.service", ii, false},
		{"foo@bar.service", Any, true},
		{"foo@bar.service", Plain, false},
		{"foo@bar.service", Instance, true},
		{"foo@bar.service", Template, false},
		{"foo@bar.service", ii, true},
		{"foo@bar@bar.service", Any, true},
		{"foo@bar@bar.service", Plain, false},
		{"foo@bar@bar.service", Instance, true},
		{"foo@bar@bar.service", Template, false},
		{"foo@bar@bar.service", ii, true},
		{"foo@.service", Any, true},
		{"foo@.service", Plain, false},
		{"foo@.service", Instance, false},
		{"foo@.service", Template, true},
		{"foo@.service", ii, true},
		{".test.service", Plain, true},
		{".test@.service", Template, true},
		{"_strange::::.service", Any, true},
		{".service", Any, false},
		{"", Any, false},
		{"foo.waldo", Any, false},
		{"@.service", Any, false},
		{"@piep.service", Any, false},
		{"user@1000.slice", Any, true},
		{"user@1000.slice", Instance, true},
		{"user@1000.slice", Template, false},
		{"foo@%i.service", Any, false},
		{"foo@%i.service", Instance, false},
		{"foo@%%i.service", Instance, false},
		{"foo@%%i%f.service", Instance, false},
		{"foo@%F.service", Instance, false},
		{"foo.target.wants/plain.service", Any, false},
		{"foo.target.conf/foo.conf", Any, false},
		{"foo.target.requires/plain.socket", Any, false},
		// Length limit: 255 bytes is valid, 256 is not.
		{strings.Repeat("a", 247) + ".service", Any, true},
		{strings.Repeat("a", 248) + ".service", Any, false},
		{"foo.service", 0, false},
	} {
		if got := IsValid(c.name, c.flags); got != c.want {
			t.Errorf("IsValid(%q, %d) = %v, want %v", c.name, c.flags, got, c.want)
		}
	}
}

func TestReplaceInstance(t *testing.T) {
	for _, c := range []struct{ pattern, instance, want string }{
		{"foo@.service", "waldo", "foo@waldo.service"},
		{"foo@xyz.service", "waldo", "foo@waldo.service"},
		{"xyz", "waldo", ""},
		{"", "waldo", ""},
		{"foo.service", "waldo", ""},
		{".service", "waldo", ""},
		{"foo@", "waldo", ""},
		{"@bar", "waldo", ""},
	} {
		got, err := ReplaceInstance(c.pattern, c.instance)
		checkResult(t, "ReplaceInstance("+c.pattern+")", got, err, c.want, syscall.EINVAL)
	}
}

// checkResult wants got on success, or an error wrapping errno when want
// is "".
func checkResult(t *testing.T, what, got string, err error, want string, errno syscall.Errno) {
	t.Helper()
	if want == "" {
		if !errors.Is(err, errno) {
			t.Errorf("%s = %q, %v; want error %v", what, got, err, errno)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("%s = %q, %v; want %q", what, got, err, want)
	}
}

var longWaldo = "waldo" + strings.Repeat("a", 227)

func TestIsHashed(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{
		{"", false},
		{"foo@bar.service", false},
		{"foo@.service", false},
		{longWaldo + "_7736d9ed33c2ec55.mount", true},
		{longWaldo + "_7736D9ED33C2EC55.mount", false},
		{longWaldo + "!7736d9ed33c2ec55.mount", false},
		{longWaldo + "_7736d9gd33c2ec55.mount", false},
		{longWaldo + "_.mount", false},
		{"waldo" + strings.Repeat("a", 221) + "_2103e1466b87f7f7@waldo.mount", false},
		{"waldo" + strings.Repeat("a", 221) + "_2103e1466b87f7f7@.mount", false},
	} {
		if got := IsHashed(c.name); got != c.want {
			t.Errorf("IsHashed(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFromPath(t *testing.T) {
	for _, c := range []struct{ path, suffix, want string }{
		{"/waldo", ".mount", "waldo.mount"},
		{"/waldo/quuix", ".mount", "waldo-quuix.mount"},
		{"/waldo/quuix/", ".mount", "waldo-quuix.mount"},
		{"", ".mount", "-.mount"},
		{"/", ".mount", "-.mount"},
		{"///", ".mount", "-.mount"},
		{"/foo/../bar", ".mount", ""},
		{"/foo/./bar", ".mount", "foo-bar.mount"},
		{"/waldo" + strings.Repeat("a", 246), ".mount", longWaldo + "_7736d9ed33c2ec55.mount"},
	} {
		got, err := FromPath(c.path, c.suffix)
		checkResult(t, "FromPath("+c.path+")", got, err, c.want, syscall.EINVAL)
		if err != nil {
			continue
		}
		back, err := ToPath(got)
		if IsHashed(got) {
			if !errors.Is(err, syscall.ENAMETOOLONG) {
				t.Errorf("ToPath(%q) = %q, %v; want ENAMETOOLONG", got, back, err)
			}
			continue
		}
		if want := PathSimplify(c.path); err != nil || back != want && !(want == "" && back == "/") {
			t.Errorf("ToPath(%q) = %q, %v; want %q", got, back, err, want)
		}
	}
}

func TestFromPathInstance(t *testing.T) {
	for _, c := range []struct{ prefix, path, suffix, want string }{
		{"waldo", "/waldo", ".mount", "waldo@waldo.mount"},
		{"waldo", "/waldo////quuix////", ".mount", "waldo@waldo-quuix.mount"},
		{"waldo", "/", ".mount", "waldo@-.mount"},
		{"waldo", "", ".mount", "waldo@-.mount"},
		{"waldo", "///", ".mount", "waldo@-.mount"},
		{"waldo", "..", ".mount", ""},
		{"waldo", "/foo", ".waldi", ""},
		{"wa--ldo", "/--", ".mount", `wa--ldo@\x2d\x2d.mount`},
	} {
		got, err := FromPathInstance(c.prefix, c.path, c.suffix)
		checkResult(t, "FromPathInstance("+c.path+")", got, err, c.want, syscall.EINVAL)
	}
	if _, err := FromPathInstance("waldo", "/"+strings.Repeat("a", 250), ".mount"); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("FromPathInstance(long) = %v, want ENAMETOOLONG", err)
	}
}

func TestToPath(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"home.mount", "/home"},
		{"home-lennart.mount", "/home/lennart"},
		{"home-lennart-.mount", ""},
		{"-home-lennart.mount", ""},
		{"-home--lennart.mount", ""},
		{"home-..-lennart.mount", ""},
		{"", ""},
		{"home/foo", ""},
	} {
		got, err := ToPath(c.name)
		checkResult(t, "ToPath("+c.name+")", got, err, c.want, syscall.EINVAL)
	}
}

func TestMangle(t *testing.T) {
	for _, c := range []struct {
		glob          bool
		name, want    string
		wantUnchanged bool
	}{
		{false, "foo.service", "foo.service", true},
		{false, "/home", "home.mount", false},
		{false, "/dev/sda", "dev-sda.device", false},
		{false, "üxknürz.service", `\xc3\xbcxkn\xc3\xbcrz.service`, false},
		{false, "foobar-meh...waldi.service", "foobar-meh...waldi.service", true},
		{false, "_____####----.....service", `_____\x23\x23\x23\x23----.....service`, false},
		{false, "_____##@;;;,,,##----.....service", `_____\x23\x23@\x3b\x3b\x3b\x2c\x2c\x2c\x23\x23----.....service`, false},
		{false, `xxx@@@@/////\\\\\yyy.service`, `xxx@@@@-----\\\\\yyy.service`, false},
		{false, "", "", false},
		{true, "foo.service", "foo.service", true},
		{true, "foo", "foo.service", false},
		{true, "foo*", "foo*", true},
		{true, "ü*", `\xc3\xbc*`, false},
	} {
		var flags MangleFlags
		if c.glob {
			flags = MangleGlob
		}
		m, err := Mangle(c.name, "", flags, ".service")
		checkResult(t, "Mangle("+c.name+")", m.Name, err, c.want, syscall.EINVAL)
		if err != nil {
			continue
		}
		if m.Changed == c.wantUnchanged {
			t.Errorf("Mangle(%q).Changed = %v", c.name, m.Changed)
		}
		again, err := Mangle(m.Name, "", flags, ".service")
		if err != nil || again.Name != m.Name || again.Changed {
			t.Errorf("Mangle(%q) again = %+v, %v; want it unchanged", m.Name, again, err)
		}
	}
}

func TestInstanceAndPrefixValid(t *testing.T) {
	for _, c := range []struct {
		s                  string
		instance, isPrefix bool
	}{
		{"fooBar", true, true},
		{"foo-bar", true, true},
		{"foo.stUff", true, true},
		{"fOo123.stuff", true, true},
		{"@f_oo123.Stuff", true, false},
		{"foo123.Stuff", true, true},
		{"$¢£", false, false},
		{"", false, false},
		{"foo bar", false, false},
		{"foo/bar", false, false},
		{"@foo-bar", true, false},
	} {
		if got := InstanceIsValid(c.s); got != c.instance {
			t.Errorf("InstanceIsValid(%q) = %v", c.s, got)
		}
		if got := PrefixIsValid(c.s); got != c.isPrefix {
			t.Errorf("PrefixIsValid(%q) = %v", c.s, got)
		}
	}
}

func TestChangeSuffixAndBuild(t *testing.T) {
	for _, c := range []struct{ name, suffix, want string }{
		{"foo.mount", ".service", "foo.service"},
		{"foo@stuff.service", ".socket", "foo@stuff.socket"},
		{"foo.mount", "service", ""},
		{strings.Repeat("a", 246) + ".swap", ".automount", ""},
	} {
		got, err := ChangeSuffix(c.name, c.suffix)
		checkResult(t, "ChangeSuffix("+c.name+")", got, err, c.want, syscall.EINVAL)
	}
	for _, c := range []struct{ prefix, instance, suffix, want string }{
		{"foo", "bar", ".service", "foo@bar.service"},
		{"fo0-stUff_b", "bar", ".mount", "fo0-stUff_b@bar.mount"},
		{"foo", "", ".service", "foo.service"},
		{"foo@", "", ".service", ""},
		{"foo", "b/r", ".service", ""},
		{"foo", "", "service", ""},
	} {
		got, err := Build(c.prefix, c.instance, c.suffix)
		checkResult(t, "Build("+c.prefix+")", got, err, c.want, syscall.EINVAL)
	}
}

func TestSlices(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{
		{RootSlice, true}, {"foo.slice", true}, {"foo-bar.slice", true}, {"foo-bar-baz.slice", true},
		{"-foo-bar-baz.slice", false}, {"foo-bar-baz-.slice", false}, {"-foo-bar-baz-.slice", false},
		{"foo-bar--baz.slice", false}, {"foo--bar--baz.slice", false}, {".slice", false}, {"", false},
		{"foo.service", false}, {"foo@.slice", false}, {"foo@bar.slice", false}, {"foo-bar@baz.slice", false},
		{"foo@bar@baz.slice", false}, {"foo@bar-baz.slice", false}, {"-foo-bar-baz@.slice", false},
		{"foo-bar-baz@-.slice", false}, {"foo-bar-baz@a--b.slice", false}, {"-foo-bar-baz@-.slice", false},
		{"foo-bar--baz@.slice", false}, {"foo--bar--baz@.slice", false}, {"@.slice", false},
		{"foo@bar.service", false},
	} {
		if got := SliceIsValid(c.name); got != c.want {
			t.Errorf("SliceIsValid(%q) = %v", c.name, got)
		}
	}

	s := RootSlice
	for _, n := range []string{"foo", "bar", "barfoo", "foobar"} {
		var err error
		if s, err = SliceSubslice(s, n); err != nil {
			t.Fatal(err)
		}
	}
	if s != "foo-bar-barfoo-foobar.slice" {
		t.Errorf("SliceSubslice chain = %q", s)
	}
	for _, bad := range []string{"foo.service", "foo"} {
		if _, err := SliceSubslice(bad, "bar"); err == nil {
			t.Errorf("SliceSubslice(%q) succeeded", bad)
		}
	}

	for _, c := range []struct {
		name, want string
		ok         bool
		err        bool
	}{
		{RootSlice, "", false, false},
		{"foo.slice", RootSlice, true, false},
		{"foo-bar.slice", "foo.slice", true, false},
		{"foo-bar-baz.slice", "foo-bar.slice", true, false},
		{"foo-bar--baz.slice", "", false, true},
		{"-foo-bar.slice", "", false, true},
		{"foo-bar-.slice", "", false, true},
		{"foo-bar.service", "", false, true},
		{".slice", "", false, true},
		{"foo@bar.slice", "", false, true},
		{"foo-bar@baz.slice", "", false, true},
		{"foo-bar--@baz.slice", "", false, true},
		{"-foo-bar@bar.slice", "", false, true},
		{"foo-bar@-.slice", "", false, true},
		{"foo@bar.service", "", false, true},
		{"@.slice", "", false, true},
	} {
		got, ok, err := SliceParent(c.name)
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("SliceParent(%q) = %q, %v, %v", c.name, got, ok, err)
		}
	}
	anc, err := SliceAncestors("a-b-c.slice")
	if err != nil || strings.Join(anc, " ") != "a-b.slice a.slice -.slice" {
		t.Errorf("SliceAncestors = %q, %v", anc, err)
	}
}

func TestInstanceOf(t *testing.T) {
	for _, c := range []struct {
		name, inst string
		kind       Flags
	}{
		{"foo@bar.service", "bar", Instance},
		{"foo@.service", "", Template},
		{"fo0-stUff_b@b.service", "b", Instance},
		{"foo.service", "", Plain},
		{"fooj@unk", "", 0},
		{"foo@", "", 0},
	} {
		inst, kind, err := InstanceOf(c.name)
		if inst != c.inst || kind != c.kind || (err != nil) != (c.kind == 0) {
			t.Errorf("InstanceOf(%q) = %q, %d, %v", c.name, inst, kind, err)
		}
	}
	for _, c := range []struct{ name, want string }{
		{"foo@bar.service", "foo@.service"},
		{"foo.mount", ""},
	} {
		got, err := TemplateOf(c.name)
		checkResult(t, "TemplateOf("+c.name+")", got, err, c.want, syscall.EINVAL)
	}
}

func TestEscapeExample(t *testing.T) {
	if got := Escape("ab+-c.a/bc@foo.service"); got != `ab\x2b\x2dc.a-bc\x40foo.service` {
		t.Errorf("Escape = %q", got)
	}
}

func TestPathUnescape(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"foo", "/foo"},
		{"foo-bar", "/foo/bar"},
		{"foo-.bar", "/foo/.bar"},
		{"foo-bar-baz", "/foo/bar/baz"},
		{"-", "/"},
		{"--", ""},
		{"-foo-bar", ""},
		{"foo--bar", ""},
		{"foo-bar-", ""},
		{".-bar", ""},
		{"foo-..", ""},
		{"", ""},
	} {
		got, err := PathUnescape(c.name)
		checkResult(t, "PathUnescape("+c.name+")", got, err, c.want, syscall.EINVAL)
	}
}

func TestPrefix(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"foobar.service", "foobar"},
		{"", ""},
		{"foobar", ""},
		{".service", ""},
		{"quux.quux", ""},
		{"quux.mount", "quux"},
		{"quux-quux.mount", "quux-quux"},
		{"quux@bar.mount", "quux"},
		{"quux-@.mount", "quux-"},
		{"@.mount", ""},
	} {
		got, err := Prefix(c.name)
		checkResult(t, "Prefix("+c.name+")", got, err, c.want, syscall.EINVAL)
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"a.service", "a.service", true},
		{"a.service", "a.mount", true},
		{"a@b.service", "a.service", true},
		{"a@b.service", "a@c.service", true},
		{"a.service", "b.service", false},
		{"a.service", "b.mount", false},
		{"a@a.service", "b.service", false},
		{"a@a.service", "b@a.service", false},
		{"a", "b", false},
		{"a", "a", false},
	} {
		if got := PrefixEqual(c.a, c.b); got != c.want {
			t.Errorf("PrefixEqual(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestDropinNames(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"foo-bar@x.service", "foo-bar@x.service foo-bar@.service foo-.service foo-@x.service foo-@.service"},
		{"foo.service", "foo.service"},
		{"a-b-c.mount", "a-b-c.mount a-b-.mount a-.mount"},
		{"a--b.mount", "a--b.mount a--.mount a-.mount"},
		{"-a.mount", "-a.mount"},
		{"foo-.service", "foo-.service"},
		{"foo--.service", "foo--.service foo-.service"},
	} {
		if got := strings.Join(DropinNames(c.name), " "); got != c.want {
			t.Errorf("DropinNames(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestDBusPath uses the object path and unit name pairs of systemd's
// test-unit-name.c (in the data file, each path is followed by its name).
func TestDBusPath(t *testing.T) {
	strs := systemdTestStrings(t)
	pairs := 0
	for i := 0; i+1 < len(strs); i++ {
		path, name := strs[i], strs[i+1]
		if !strings.HasPrefix(path, DBusPathPrefix) || strings.HasPrefix(name, "/") {
			continue
		}
		pairs++
		if got, err := FromDBusPath(path); err != nil || got != name {
			t.Errorf("FromDBusPath(%q) = %q, %v; want %q", path, got, err, name)
		}
		if got := DBusPath(name); got != path {
			t.Errorf("DBusPath(%q) = %q, want %q", name, got, path)
		}
	}
	if pairs < 200 {
		t.Errorf("only %d pairs in the data file", pairs)
	}
	if _, err := FromDBusPath("/org/freedesktop/systemd1/units/x"); err == nil {
		t.Error("FromDBusPath accepted a path outside the unit tree")
	}
	if got := BusLabelEscape(""); got != "_" || BusLabelUnescape("_") != "" || BusLabelUnescape("_z1a_") != "_z1a_" {
		t.Errorf("bus label edge cases: %q", got)
	}
}
