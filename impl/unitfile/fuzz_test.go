package unitfile_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"gosystemd/impl/unitfile"
)

func FuzzParse(f *testing.F) {
	for _, content := range malformed {
		if len(content) < 4096 {
			f.Add([]byte(content))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := unitfile.Parse("f", data, unitfile.UnitSections("service"), nil)
		var pe *unitfile.ParseError
		if err != nil && !(errors.As(err, &pe) && (pe.Err == syscall.ENOBUFS || pe.Err == syscall.EINVAL || pe.Err == syscall.EBADMSG)) {
			t.Fatalf("unexpected error %v", err)
		}
		lines := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + strings.Count(string(data), "\x00") + 2
		for _, a := range file.Assignments {
			if a.Key == "" || strings.HasPrefix(a.Key, "X-") || strings.Trim(a.Key, unitfile.Whitespace) != a.Key ||
				strings.Trim(a.Value, unitfile.Whitespace) != a.Value || strings.Contains(a.Key, "=") {
				t.Fatalf("bad assignment %+v", a)
			}
			if !slices.Contains(unitfile.UnitSections("service"), a.Section) || a.Line < 1 || a.Line > lines || a.SectionLine > a.Line {
				t.Fatalf("bad location %+v", a)
			}
		}
		for _, d := range file.Diagnostics {
			if d.Line < 1 || d.Line > lines || d.Text == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		again, err2 := unitfile.Parse("f", data, unitfile.UnitSections("service"), nil)
		if fmt.Sprint(again, err2) != fmt.Sprint(file, err) {
			t.Fatal("Parse is not deterministic")
		}
	})
}

func FuzzExec(f *testing.F) {
	for _, s := range []string{
		"/bin/true", `-@/bin/echo argv0 "a b" 'c' \x41 ; :/bin/x \; y`, `!!+/bin/x`, `"unbalanced`, `/bin/echo \q`,
		"/RValue///slashes r1///", `/bin/find \073`, "@", "-", "/usr/bin/", `"/a\sb" \u00e4 \U0001F600 \101`,
		"; ; /a ;", "/a $VAR ${VAR} %i",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rvalue string) {
		cmds, diags, err := unitfile.ParseExec(rvalue, unitfile.Location{File: "f", Line: 1}, nil)
		if err != nil && !errors.Is(err, syscall.ENOEXEC) {
			t.Fatalf("unexpected error %v", err)
		}
		for _, c := range cmds {
			if len(c.Argv) == 0 || c.Path == "" || strings.HasSuffix(c.Path, "/") && c.Path != "/" {
				t.Fatalf("bad command %+v", c)
			}
			if !strings.HasPrefix(c.Path, "/") && strings.Contains(c.Path, "/") {
				t.Fatalf("relative path with slash %+v", c)
			}
		}
		for _, d := range diags {
			if d.Line != 1 || d.File != "f" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
	})
}

// FuzzExtractRoundTrip quotes words with C escapes and wants Extractor to
// give them back.
func FuzzExtractRoundTrip(f *testing.F) {
	f.Add("a", "b c", `d"e'f\g`)
	f.Add("", "\n\t", "\xff\xc3ü")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		words := []string{a, b, c}
		var line []string
		for _, w := range words {
			if strings.Contains(w, "\x00") {
				return
			}
			var q strings.Builder
			q.WriteByte('"')
			for i := 0; i < len(w); i++ {
				switch w[i] {
				case '"', '\\':
					q.WriteByte('\\')
					q.WriteByte(w[i])
				default:
					q.WriteByte(w[i])
				}
			}
			q.WriteByte('"')
			line = append(line, q.String())
		}
		x := unitfile.NewExtractor(" " + strings.Join(line, " \t ") + " ")
		for i, want := range words {
			got, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote|unitfile.ExtractCUnescape)
			if err != nil || !ok || got != want {
				t.Fatalf("word %d of %q: %q, %v, %v", i, line, got, ok, err)
			}
		}
		if _, ok, err := x.Next(unitfile.Whitespace, unitfile.ExtractUnquote|unitfile.ExtractCUnescape); ok || err != nil {
			t.Fatalf("extra word after %q", line)
		}
	})
}

// FuzzDropins checks the drop-in ordering rules on listings described by
// text: one directory per line, names separated by spaces.
func FuzzDropins(f *testing.F) {
	f.Add("a.conf b.conf\nb.conf c.conf .h.conf x~ y.conf.bak\n")
	f.Add("50-x.conf 10-y.conf\n\n10-y.conf 05-z.conf z.txt\n")
	f.Fuzz(func(t *testing.T, spec string) {
		var listings []unitfile.DirListing
		for i, line := range strings.Split(spec, "\n") {
			var names []string
			for _, n := range strings.Fields(line) {
				if !strings.Contains(n, "/") && n != "." && n != ".." {
					names = append(names, n)
				}
			}
			listings = append(listings, unitfile.DirListing{Dir: fmt.Sprintf("/d%d", i), Names: names})
		}
		paths := unitfile.SortDropins(listings, ".conf")
		for i, p := range paths {
			name := filepath.Base(p)
			if !strings.HasSuffix(name, ".conf") || strings.HasPrefix(name, ".") {
				t.Fatalf("%q should be skipped", p)
			}
			if i > 0 && filepath.Base(paths[i-1]) >= name {
				t.Fatalf("not sorted or not unique: %q", paths)
			}
			for _, l := range listings {
				if slices.Contains(l.Names, name) {
					if filepath.Dir(p) != l.Dir {
						t.Fatalf("%q should come from %s", name, l.Dir)
					}
					break
				}
			}
		}
		var files []unitfile.File
		for i, p := range paths {
			files = append(files, unitfile.File{Assignments: []unitfile.Assignment{{Key: p, Location: unitfile.Location{File: p, Line: i}}}})
		}
		merged := unitfile.Merge(unitfile.File{}, files...)
		for i, a := range merged.Assignments {
			if a.Key != paths[i] {
				t.Fatalf("merge order %v", merged.Assignments)
			}
		}
	})
}
