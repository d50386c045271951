package unitname

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// systemdTestStrings are the string literals of systemd's
// test-unit-name.c (see the header of the data file).
func systemdTestStrings(t testing.TB) []string {
	f, err := os.Open("testdata/test-unit-name.strings")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, s)
	}
	return out
}

func seedNames(f *testing.F) {
	for _, s := range systemdTestStrings(f) {
		f.Add(s)
	}
	for _, s := range []string{"", "/", "//a//b/", "/a/../b", "/./x", ".", "..", "\\x2d", "\\x00a", "a\\x", "ü*", "\xff", "-.slice", "/dev/sda"} {
		f.Add(s)
	}
}

func FuzzEscape(f *testing.F) {
	seedNames(f)
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !inCharset(e, validChars) || strings.HasPrefix(e, ".") {
			t.Fatalf("Escape(%q) = %q has invalid characters", s, e)
		}
		u, err := Unescape(e)
		want, _, _ := strings.Cut(s, "\x00")
		if err != nil || u != want {
			t.Fatalf("Unescape(Escape(%q)) = %q, %v", s, u, err)
		}

		if p, err := PathEscape(s); err == nil {
			back, err := PathUnescape(p)
			simple := PathSimplify(s)
			if EmptyOrRoot(simple) {
				simple = "/"
			}
			// Relative paths come back absolute; NUL bytes truncate.
			want := "/" + strings.Trim(simple, "/")
			if strings.Contains(want, "\x00") {
				return
			}
			if err != nil || back != want {
				t.Fatalf("PathUnescape(PathEscape(%q) = %q) = %q, %v; want %q", s, p, back, err, want)
			}
		}
	})
}

func FuzzNames(f *testing.F) {
	seedNames(f)
	f.Fuzz(func(t *testing.T, s string) {
		kind := Classify(s)
		if IsValid(s, Any) != (kind != 0) {
			t.Fatalf("IsValid/Classify disagree on %q", s)
		}
		if kind != 0 {
			if !IsValid(s, kind) || len(s) >= Max {
				t.Fatalf("%q: kind %d not valid", s, kind)
			}
			prefix, err := Prefix(s)
			if err != nil {
				t.Fatal(err)
			}
			inst, _, _ := InstanceOf(s)
			typ := TypeOf(s)
			if kind != Template {
				built, err := BuildFromType(prefix, inst, typ)
				if err != nil || built != s {
					t.Fatalf("BuildFromType(%q, %q, %v) = %q, %v; want %q", prefix, inst, typ, built, err, s)
				}
			}
			if kind != Plain {
				tmpl, err := TemplateOf(s)
				if err != nil || !IsValid(tmpl, Template) {
					t.Fatalf("TemplateOf(%q) = %q, %v", s, tmpl, err)
				}
			}
			if path := DBusPath(s); !strings.HasPrefix(path, DBusPathPrefix) {
				t.Fatalf("DBusPath(%q) = %q", s, path)
			} else if back, err := FromDBusPath(path); err != nil || back != s {
				t.Fatalf("FromDBusPath(%q) = %q, %v", path, back, err)
			}
		}
		if SliceIsValid(s) {
			if _, err := SliceAncestors(s); err != nil {
				t.Fatalf("SliceAncestors(%q): %v", s, err)
			}
		}
		m, err := Mangle(s, "", 0, ".service")
		if err == nil && !IsValid(m.Name, Any) {
			t.Fatalf("Mangle(%q) = %q is not valid", s, m.Name)
		}
		if err == nil {
			again, err := Mangle(m.Name, "", 0, ".service")
			if err != nil || again.Name != m.Name || again.Changed {
				t.Fatalf("Mangle(%q) = %q is not stable: %+v, %v", s, m.Name, again, err)
			}
		}
	})
}
