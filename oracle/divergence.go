package oracle

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"strings"
)

// Divergences is the known-divergence list (scripts/divergences.txt): per
// scenario and capture part, why our build differs from systemd 252. A
// divergence not listed fails the run, and so does a listed one that no
// longer diverges, so the list records every fix and only shrinks.
//
// Format, one entry a line, fields separated by " | ":
//
//	SCENARIO | PART | REASON
//
// PART is a part name as transcripts show it ("list-units", "show a.service",
// "cmd 2: systemctl status a.service"); it may use path.Match wildcards.
// Lines starting with # and blank lines are ignored.
type Divergences struct {
	Entries []Divergence
}

// Divergence is one entry.
type Divergence struct {
	Scenario, Part, Reason string
	Line                   int
}

// LoadDivergences reads a divergence file; a missing file is an empty list.
func LoadDivergences(file string) (*Divergences, error) {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return &Divergences{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseDivergences(file, data)
}

// ParseDivergences parses the divergence list; errors name file and line.
func ParseDivergences(file string, data []byte) (*Divergences, error) {
	d := &Divergences{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, " | ", 3)
		if len(f) != 3 || f[0] == "" || f[1] == "" || strings.TrimSpace(f[2]) == "" {
			return nil, fmt.Errorf("%s:%d: want SCENARIO | PART | REASON", file, n)
		}
		if _, err := path.Match(f[1], ""); err != nil {
			return nil, fmt.Errorf("%s:%d: bad part pattern %q: %v", file, n, f[1], err)
		}
		d.Entries = append(d.Entries, Divergence{Scenario: strings.TrimSpace(f[0]), Part: strings.TrimSpace(f[1]), Reason: strings.TrimSpace(f[2]), Line: n})
	}
	return d, sc.Err()
}

// For returns the entries of one scenario.
func (d *Divergences) For(scenario string) []Divergence {
	var out []Divergence
	for _, e := range d.Entries {
		if e.Scenario == scenario {
			out = append(out, e)
		}
	}
	return out
}

// Verdict is the comparison of one scenario's real and go transcripts
// against the divergence list.
type Verdict struct {
	Scenario string
	RealOK   bool
	GoOK     bool
	// Diffs are all parts that differ.
	Diffs []PartDiff
	// Unlisted are differing parts no entry covers.
	Unlisted []PartDiff
	// Fixed are entries whose parts no longer differ.
	Fixed []Divergence
}

// Identical reports whether the transcripts were identical part for part.
func (v *Verdict) Identical() bool { return len(v.Diffs) == 0 }

// Pass reports whether the scenario passes: real ran cleanly, and every
// difference is listed and every listed one still differs. The go side
// failing is fine when that failure is a listed divergence.
func (v *Verdict) Pass() bool {
	return v.RealOK && len(v.Unlisted) == 0 && len(v.Fixed) == 0 && (v.GoOK || len(v.Diffs) > 0)
}

// Judge compares two transcripts of one scenario.
func Judge(real, goT *Transcript, divs *Divergences) *Verdict {
	v := &Verdict{Scenario: real.Scenario, RealOK: real.OK, GoOK: goT.OK}
	v.Diffs = DiffTranscripts(real, goT)
	entries := divs.For(real.Scenario)
	used := make([]bool, len(entries))
	for _, d := range v.Diffs {
		listed := false
		for i, e := range entries {
			if ok, _ := path.Match(e.Part, d.Part); ok {
				listed, used[i] = true, true
			}
		}
		if !listed {
			v.Unlisted = append(v.Unlisted, d)
		}
	}
	for i, e := range entries {
		if !used[i] {
			v.Fixed = append(v.Fixed, e)
		}
	}
	return v
}

// Report renders a verdict for people.
func (v *Verdict) Report() string {
	var b strings.Builder
	for _, d := range v.Unlisted {
		fmt.Fprintf(&b, "diverges (not listed) in %q:\n%s\n", d.Part, d.Diff)
	}
	for _, e := range v.Fixed {
		fmt.Fprintf(&b, "listed divergence no longer diverges (remove divergences.txt:%d): %s | %s\n", e.Line, e.Scenario, e.Part)
	}
	if !v.RealOK {
		b.WriteString("the scenario failed on real systemd\n")
	}
	if !v.GoOK && len(v.Diffs) == 0 {
		b.WriteString("the scenario failed on go\n")
	}
	return b.String()
}

// DiffText renders every differing part.
func (v *Verdict) DiffText() string {
	var b strings.Builder
	for _, d := range v.Diffs {
		fmt.Fprintf(&b, "=== %s\n%s", d.Part, d.Diff)
	}
	return b.String()
}
