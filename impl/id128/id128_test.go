package id128

import (
	"errors"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// wellFormed is an independent statement of the accepted syntax.
var wellFormed = regexp.MustCompile(`^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

// parseSeeds are realistic inputs: IDs in both forms and cases, and near
// misses.
var parseSeeds = []string{
	"c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "C52FA1D4E6354B7DB3BBBD4F0B0E2B5E", "c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e",
	"00000000000000000000000000000000", "00000000-0000-0000-0000-000000000000", "", "-", "x",
	"c52fa1d4e6354b7db3bbbd4f0b0e2b5", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e0", "c52fa1d4-e6354b7db3bbbd4f0b0e2b5e",
	"c52fa1d4e635-4b7d-b3bb-bd4f0b0e2b5e", "c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e-", "{c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e}",
	"c52fa1d4--e635-4b7d-b3bb-bd4f0b0e2b5e", "-c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e\x00",
	"c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5", "c52fa1d4-e635-4b7db3bb-bd4f0b0e2b5e0",
}

func checkParse(t *testing.T, s string) {
	id, err := Parse(s)
	if wellFormed.MatchString(s) != (err == nil) {
		t.Fatalf("Parse(%q) = %v, %v; well-formed: %v", s, id, err, wellFormed.MatchString(s))
	}
	if err != nil {
		if !errors.Is(err, syscall.EINVAL) {
			t.Fatalf("Parse(%q) error %v does not carry EINVAL", s, err)
		}
		return
	}
	want := strings.ToLower(s)
	if len(s) == UUIDStringLen {
		if id.UUID() != want {
			t.Fatalf("Parse(%q).UUID() = %q", s, id.UUID())
		}
		want = strings.ReplaceAll(want, "-", "")
	}
	if id.String() != want {
		t.Fatalf("Parse(%q).String() = %q", s, id.String())
	}
}

func TestParse(t *testing.T) {
	for _, s := range parseSeeds {
		checkParse(t, s)
	}
	for i := 0; i < 100; i++ {
		id, err := New()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{id.String(), id.UUID(), strings.ToUpper(id.String()), strings.ToUpper(id.UUID())} {
			got, err := Parse(s)
			if err != nil || got != id {
				t.Fatalf("Parse(%q) = %v, %v; want %v", s, got, err, id)
			}
		}
		if id.AsV4() != id || id[6]>>4 != 4 || id[8]>>6 != 2 {
			t.Fatalf("New() = %v is not a v4 UUID", id)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParse)
}

// FuzzRead checks that an ID file is accepted exactly when it is one ID
// in an allowed form with at most one trailing newline.
func FuzzRead(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s, uint8(FormatAny))
		f.Add(s+"\n", uint8(FormatPlain))
		f.Add(s+"\n", uint8(FormatUUID))
	}
	f.Add("uninitialized\n", uint8(FormatAny))
	f.Fuzz(func(t *testing.T, content string, format uint8) {
		form := Format(format) & FormatAny
		id, err := Read(strings.NewReader(content), form)
		text := strings.TrimSuffix(content, "\n")
		allowed := len(text) == StringLen && form&FormatPlain != 0 || len(text) == UUIDStringLen && form&FormatUUID != 0
		want, perr := Parse(text)
		switch {
		case allowed && perr == nil:
			if err != nil || id != want {
				t.Fatalf("Read(%q, %d) = %v, %v; want %v", content, form, id, err, want)
			}
		case err == nil:
			t.Fatalf("Read(%q, %d) = %v, want an error", content, form, id)
		case content == "" && !errors.Is(err, syscall.ENOMEDIUM),
			(content == "uninitialized" || content == "uninitialized\n") && !errors.Is(err, syscall.ENOPKG):
			t.Fatalf("Read(%q) error %v carries the wrong errno", content, err)
		}
	})
}

func TestAppSpecificIsV4AndKeyed(t *testing.T) {
	base, _ := Parse("c52fa1d4e6354b7db3bbbd4f0b0e2b5e")
	app1, _ := Parse("51f0cfb32a9a4fd4a5b76b4f55b5a0a0")
	app2, _ := Parse("51f0cfb32a9a4fd4a5b76b4f55b5a0a1")
	a, b := AppSpecific(base, app1), AppSpecific(base, app2)
	if a == b || a.AsV4() != a || a == base {
		t.Fatalf("AppSpecific gave %v and %v", a, b)
	}
}

func TestGPTTypesForOtherArchitectures(t *testing.T) {
	for goarch, names := range nativeArch {
		types := buildGPTTypes(goarch)
		byName := map[string]ID{}
		for _, g := range types {
			byName[g.Name] = g.ID
		}
		if byName["root"] != byName["root-"+names[0]] || byName["usr-verity-sig"] != byName["usr-"+names[0]+"-verity-sig"] {
			t.Errorf("%s: native types are not %s's", goarch, names[0])
		}
		if names[1] != "" && byName["root-secondary-verity"] != byName["root-"+names[1]+"-verity"] {
			t.Errorf("%s: secondary types are not %s's", goarch, names[1])
		}
	}
	if got := len(buildGPTTypes("wasm")); got != 21*6+9 {
		t.Errorf("an unknown architecture has %d types", got)
	}
}
