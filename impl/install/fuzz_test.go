package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// installSeeds are [Install] sections as units ship them, and some that
// are not.
var installSeeds = []string{
	"[Install]\nWantedBy=multi-user.target\n",
	"[Install]\nWantedBy=multi-user.target\nAlias=dbus-org.freedesktop.fuzz.service\nAlso=fuzz.socket\n",
	"[Install]\nDefaultInstance=tty1\nWantedBy=getty.target\n",
	"[Install]\nRequiredBy=foo.target\nAlias=foo.target.wants/fuzz.service\n",
	"[Install]\nWantedBy=%N-x.target %i.target\nAlias=%p-a.service\n",
	"[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n",
	"[Install]\nAlso=\"a b\" c\\\nWantedBy=\n",
	"[Install\nWantedBy=x.target\n",
	"[Install]\nAlias=fuzz@.service\nDefaultInstance=%H\n",
	"",
}

var fuzzNames = []string{"fuzz.service", "fuzz@.service", "fuzz@i.service", "fuzz.socket", "fuzz.mount", "fuzz.target"}

// FuzzInstall feeds random unit files to every operation: nothing may
// panic, and every change names a path.
func FuzzInstall(f *testing.F) {
	for i, s := range installSeeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, content string, which uint8) {
		root := t.TempDir()
		name := fuzzNames[int(which)%len(fuzzNames)]
		file := name
		if strings.Contains(name, "@") {
			file = name[:strings.IndexByte(name, '@')+1] + name[strings.LastIndexByte(name, '.'):]
		}
		dir := filepath.Join(root, "usr/lib/systemd/system")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "multi-user.target"), []byte("[Unit]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		o := Options{Root: root, Log: func(Message) {}}
		check := func(op string, list []Change) {
			for _, c := range list {
				if c.Path == "" {
					t.Errorf("%s: change without a path: %+v", op, c)
				}
			}
			DumpChanges(nil, op, "->", list, false)
		}
		_, ch, _ := Enable(o, []string{name})
		check("enable", ch)
		GetState(o, name)
		List(o, nil, nil)
		_, ch, _ = Preset(o, []string{name}, PresetFull)
		check("preset", ch)
		_, ch, _ = Reenable(o, []string{name})
		check("reenable", ch)
		_, ch, _ = Disable(o, []string{name})
		check("disable", ch)
		_, ch, _ = AddDependency(o, []string{name}, "multi-user.target", Wants)
		check("add dependency on", ch)
		_, ch, _ = PresetAll(o, PresetFull)
		check("preset", ch)
	})
}
