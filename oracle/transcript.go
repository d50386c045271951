package oracle

import (
	"fmt"
	"sort"
	"strings"
)

// A Part is one captured piece of a run: a command's result, the unit list,
// one unit's properties or journal, the boot or shutdown outcome.
type Part struct {
	Name string // e.g. "boot", "cmd 3: systemctl start a.service", "show a.service"
	Text string // normalized
}

// Transcript is everything one implementation did in one scenario.
type Transcript struct {
	Scenario string
	Impl     Impl
	Mode     Mode
	Parts    []Part
	// OK is false when the scenario itself failed on this implementation
	// (a script assertion, a boot that never settled, an unclean shutdown).
	OK bool
	// Log is the script's execution log, for reports.
	Log string
	// Console is what the guest printed on its console.
	Console string
}

func (t *Transcript) add(name, text string) {
	t.Parts = append(t.Parts, Part{Name: name, Text: text})
}

// Text renders the transcript as one document.
func (t *Transcript) Text() string {
	var b strings.Builder
	for _, p := range t.Parts {
		fmt.Fprintf(&b, "=== %s\n%s", p.Name, p.Text)
		if p.Text != "" && !strings.HasSuffix(p.Text, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// PartDiff is one part that differs between two transcripts.
type PartDiff struct {
	Part string
	Diff string // unified-style line diff, a (real) against b (go)
}

// DiffTranscripts compares two transcripts part by part, matching parts by
// name. A part present on one side only differs.
func DiffTranscripts(a, b *Transcript) []PartDiff {
	bm := map[string]string{}
	var order []string
	seen := map[string]bool{}
	for _, p := range a.Parts {
		if !seen[p.Name] {
			order = append(order, p.Name)
			seen[p.Name] = true
		}
	}
	for _, p := range b.Parts {
		bm[p.Name] = p.Text
		if !seen[p.Name] {
			order = append(order, p.Name)
			seen[p.Name] = true
		}
	}
	am := map[string]string{}
	for _, p := range a.Parts {
		am[p.Name] = p.Text
	}
	var out []PartDiff
	for _, name := range order {
		at, aok := am[name]
		bt, bok := bm[name]
		switch {
		case !aok:
			out = append(out, PartDiff{Part: name, Diff: "only on " + string(b.Impl) + ":\n" + bt})
		case !bok:
			out = append(out, PartDiff{Part: name, Diff: "only on " + string(a.Impl) + ":\n" + at})
		case at != bt:
			out = append(out, PartDiff{Part: name, Diff: LineDiff(string(a.Impl), string(b.Impl), at, bt)})
		}
	}
	return out
}

// LineDiff is a small unified-style diff of two texts (LCS on lines; the
// texts here are at most a few thousand lines).
func LineDiff(nameA, nameB, a, b string) string {
	al := splitLines(a)
	bl := splitLines(b)
	n, m := len(al), len(bl)
	// Trim the common prefix and suffix to keep the table small.
	pre := 0
	for pre < n && pre < m && al[pre] == bl[pre] {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && al[n-1-suf] == bl[m-1-suf] {
		suf++
	}
	ai, bi := al[pre:n-suf], bl[pre:m-suf]
	var lines []string
	if len(ai)*len(bi) > 4_000_000 {
		for _, l := range ai {
			lines = append(lines, "-"+l)
		}
		for _, l := range bi {
			lines = append(lines, "+"+l)
		}
	} else {
		lcs := make([][]int, len(ai)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(bi)+1)
		}
		for i := len(ai) - 1; i >= 0; i-- {
			for j := len(bi) - 1; j >= 0; j-- {
				if ai[i] == bi[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ai) || j < len(bi) {
			switch {
			case i < len(ai) && j < len(bi) && ai[i] == bi[j]:
				lines = append(lines, " "+ai[i])
				i++
				j++
			case j < len(bi) && (i == len(ai) || lcs[i][j+1] >= lcs[i+1][j]):
				lines = append(lines, "+"+bi[j])
				j++
			default:
				lines = append(lines, "-"+ai[i])
				i++
			}
		}
	}
	var b2 strings.Builder
	fmt.Fprintf(&b2, "--- %s\n+++ %s\n@@ line %d @@\n", nameA, nameB, pre+1)
	for _, l := range lines {
		b2.WriteString(l)
		b2.WriteByte('\n')
	}
	return b2.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
