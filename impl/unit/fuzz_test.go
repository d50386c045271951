package unit

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"gosystemd/impl/unit/showprop"
	"gosystemd/impl/unitname"
)

// FuzzLoad loads arbitrary unit files, as each unit type, and renders
// their properties. Seeds: a sample of Debian's unit files from the
// corpus (see corpus/SOURCE.txt) and the directive samples.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"*/lib/systemd/system/*", "*/usr/lib/systemd/system/*"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "corpus", "debian", "*", pattern))
		for i, p := range files {
			if i%8 != 0 {
				continue
			}
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	s := readSamples(f)
	for i, d := range Directives() {
		if i%10 == 0 {
			if _, text := sampleUnit(d, s.values(d)); text != "" {
				f.Add([]byte(text))
			}
		}
	}
	names := []string{"gosd-fuzz.service", "gosd-fuzz.socket", "gosd-fuzz.timer", "gosd-fuzz.path", "mnt-fuzz.mount",
		"mnt-fuzz.automount", "dev-fuzz.swap", "gosd-fuzz.slice", "gosd-fuzz.target", "gosd-fuzz@i.service"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range names {
			l := NewLoader(NewDefaults())
			l.NoSpecifiers = unitname.IsValid(name, unitname.Instance)
			u := l.Load(name, &File{Path: "/etc/systemd/system/" + name, Data: data}, nil)
			l.Finish()
			for _, i := range l.Properties(u) {
				ps := make([]showprop.Property, len(i.Properties))
				for j, p := range i.Properties {
					ps[j] = showprop.Property(p)
				}
				if err := showprop.Print(io.Discard, ps, showprop.Options{All: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
