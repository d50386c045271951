package unit

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// samples holds testdata/samples.txt: sample values by type and name.
type samples struct {
	byType, byName map[string][]string
}

func readSamples(t testing.TB) *samples {
	t.Helper()
	f, err := os.Open("testdata/samples.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &samples{byType: map[string][]string{}, byName: map[string][]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		key, values, ok := strings.Cut(rest, " = ")
		if !ok {
			t.Fatalf("bad samples line %q", line)
		}
		var vs []string
		for _, v := range strings.Split(values, " | ") {
			v = strings.TrimSpace(v)
			if v == `""` {
				v = ""
			}
			vs = append(vs, v)
		}
		switch kind {
		case "type":
			s.byType[key] = vs
		case "name":
			s.byName[key] = vs
		default:
			t.Fatalf("bad samples line %q", line)
		}
	}
	return s
}

// values are the sample values of a directive.
func (s *samples) values(d *Directive) []string {
	if v, ok := s.byName[d.Section+"."+d.Name]; ok {
		return v
	}
	if v, ok := s.byName[d.Name]; ok {
		return v
	}
	return s.byType[d.Type]
}

// sampleBase is, per section, a unit name and file that loads without
// the directive under test; [Unit] and [Install] directives use a
// service.
var sampleBase = map[string]struct{ name, text string }{
	"Unit":      {"gosd-sample.service", "[Service]\nExecStart=/bin/true\n"},
	"Install":   {"gosd-sample.service", "[Service]\nExecStart=/bin/true\n"},
	"Service":   {"gosd-sample.service", "[Service]\nExecStart=/bin/true\n"},
	"Socket":    {"gosd-sample.socket", "[Socket]\nListenStream=/run/gosd-sample.sock\n"},
	"Mount":     {"mnt-gosd.mount", "[Mount]\nWhat=/dev/vdz\n"},
	"Automount": {"mnt-gosd.automount", "[Automount]\n"},
	"Swap":      {"dev-vdz.swap", "[Swap]\n"},
	"Timer":     {"gosd-sample.timer", "[Timer]\nOnBootSec=1h\n"},
	"Path":      {"gosd-sample.path", "[Path]\nPathExists=/etc/gosd-sample\n"},
	"Slice":     {"gosd-sample.slice", "[Slice]\n"},
	"Scope":     {"gosd-sample.scope", "[Scope]\n"},
}

// sampleUnit is the unit file testing directive d with values.
func sampleUnit(d *Directive, values []string) (name, text string) {
	b := sampleBase[d.Section]
	var sb strings.Builder
	sb.WriteString(b.text)
	sb.WriteString("[" + d.Section + "]\n")
	for _, v := range values {
		sb.WriteString(d.Name + "=" + v + "\n")
	}
	return b.name, sb.String()
}

// sampleUnitsFile holds a unit per directive that assigns all its sample
// values (most of them invalid after the first), one unit name each, for
// the differential tests (this package's and difftests/unitshow's).
// [Scope] is left out: scopes cannot be loaded from files.
const sampleUnitsFile = "testdata/sample-units.txt"

func generateSampleUnits(t testing.TB) string {
	s := readSamples(t)
	var b strings.Builder
	b.WriteString("# Generated from samples.txt by TestSampleUnitsFile (UPDATE_COVERAGE=1 rewrites it).\n")
	b.WriteString("# \"### FILE ORIGIN\" starts a unit file: FILE is its name, ORIGIN the directive it tests.\n")
	for i, d := range Directives() {
		if d.Section == "Scope" || !d.Parsed() {
			continue
		}
		values := s.values(d)
		if len(values) == 0 {
			continue
		}
		_, text := sampleUnit(d, values)
		var name string
		switch d.Section {
		case "Mount":
			name = fmt.Sprintf("mnt-gosdw%d.mount", i)
		case "Automount":
			name = fmt.Sprintf("mnt-gosdw%d.automount", i)
		case "Swap":
			name = fmt.Sprintf("dev-vdw%d.swap", i)
		case "Unit", "Install", "Service":
			name = fmt.Sprintf("gosd-w%d.service", i)
		default:
			name = fmt.Sprintf("gosd-w%d.%s", i, strings.ToLower(d.Section))
		}
		fmt.Fprintf(&b, "### %s %s.%s\n%s", name, d.Section, d.Name, text)
	}
	return b.String()
}

func TestSampleUnitsFile(t *testing.T) {
	want := generateSampleUnits(t)
	if os.Getenv("UPDATE_COVERAGE") != "" {
		if err := os.WriteFile(sampleUnitsFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile(sampleUnitsFile); err != nil || string(got) != want {
		t.Errorf("%s is out of date; run UPDATE_COVERAGE=1 go test -run TestSampleUnitsFile ./impl/unit", sampleUnitsFile)
	}
}

// readSampleUnits reads testdata/sample-units.txt.
func readSampleUnits(t testing.TB) []warningCase {
	data, err := os.ReadFile(sampleUnitsFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases []warningCase
	for _, block := range strings.Split(string(data), "\n### ")[1:] {
		head, text, _ := strings.Cut(block, "\n")
		file, origin, _ := strings.Cut(head, " ")
		if !strings.HasSuffix(text, "\n") {
			text += "\n" // the newline the split took
		}
		cases = append(cases, warningCase{origin, file, text})
	}
	return cases
}
