package logshow

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gosystemd/impl/journal/journalfile"
	"gosystemd/impl/timeutil"
)

const tz = "America/New_York"

// seedDir writes the journalfile package's testdata journals (real
// journald output, see its testdata/README) into a directory.
func seedDir(t *testing.T, names ...string) (string, []string) {
	dir := t.TempDir()
	var paths []string
	for _, n := range names {
		gz, err := os.ReadFile(filepath.Join("..", "journalfile", "testdata", n+".journal.gz"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, n+".journal")
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, "--file="+p)
	}
	return dir, paths
}

func journalctl(t *testing.T, columns string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("journalctl"); err != nil {
		t.Skip("no journalctl on the host")
	}
	cmd := exec.Command("journalctl", append([]string{"--no-pager"}, args...)...)
	cmd.Env = append(os.Environ(), "TZ="+tz, "SYSTEMD_COLORS=0", "COLUMNS="+columns)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("journalctl %v: %v", args, err)
	}
	return string(out)
}

// TestAsJournalctl prints the seed journals in every mode, whole, by
// unit with a line count, and shortened to 40 columns, and compares with
// the host's journalctl (252), which prints through the same logs-show
// functions status uses.
func TestAsJournalctl(t *testing.T) {
	t.Setenv("TZ", tz)
	dir, paths := seedDir(t, "default", "plain")
	j, err := journalfile.OpenDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, mode := range Modes {
		for _, tc := range []struct {
			unit    string
			lines   int
			columns int
		}{{"", -1, 0}, {"seed.service", 4, 0}, {"seedfail.service", 10, 0}, {"", -1, 40}, {"", -1, 12}} {
			args := append([]string{"-o", mode}, paths...)
			var m *journalfile.Match
			if tc.unit != "" {
				args = append(args, "-u", tc.unit)
				m = &journalfile.Match{}
				UnitMatches(m, tc.unit)
			}
			if tc.lines >= 0 {
				args = append(args, "-n", itoa(tc.lines))
			}
			cols := "80"
			if tc.columns > 0 {
				args = append(args, "--no-full")
				cols = itoa(tc.columns)
			}
			want := journalctl(t, cols, args...)
			s := &Shower{Mode: mode, Columns: tc.columns, Zone: timeutil.ZoneFromEnv(),
				Flags: Flags{FullWidth: tc.columns == 0}, UTF8: true}
			var b bytes.Buffer
			lines := tc.lines
			if lines < 0 {
				lines = 1 << 30
			}
			s.ShowJournal(&b, j, m, journalfile.ID128{}, 0, lines)
			if strings.HasPrefix(mode, "json") {
				want, got := jsonCanonical(t, mode, want), jsonCanonical(t, mode, b.String())
				if got != want {
					t.Errorf("journalctl %v:\n got %.600q\nwant %.600q", args, got, want)
				}
				continue
			}
			if b.String() != want {
				t.Errorf("journalctl %v:\n got %.600q\nwant %.600q", args, b.String(), want)
			}
		}
	}
}

// jsonCanonical makes JSON output comparable although 252 orders an
// object's members at random: each record's framing is kept, its object
// parsed and written with sorted keys, and for json-pretty its lines
// (without trailing commas) sorted too, which keeps the layout checked.
func jsonCanonical(t *testing.T, mode, out string) string {
	var recs []string
	switch mode {
	case "json-pretty":
		recs = strings.SplitAfter(out, "\n}\n")
	case "json-sse":
		recs = strings.SplitAfter(out, "\n\n")
	default:
		recs = strings.SplitAfter(out, "\n")
	}
	var b strings.Builder
	for _, r := range recs {
		if r == "" {
			continue
		}
		body := strings.TrimPrefix(strings.TrimPrefix(r, "\x1e"), "data: ")
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%s record %q: %v", mode, r, err)
		}
		c, _ := json.Marshal(m)
		fmt.Fprintf(&b, "%q %s\n", r[:len(r)-len(body)], c)
		if mode == "json-pretty" {
			lines := strings.Split(body, "\n")
			for i := range lines {
				lines[i] = strings.TrimSuffix(lines[i], ",")
			}
			sort.Strings(lines)
			b.WriteString(strings.Join(lines, "|") + "\n")
		}
	}
	return b.String()
}

func itoa(n int) string {
	return fmtInt(n)
}

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

func TestStripTabANSI(t *testing.T) {
	for in, want := range map[string]string{
		"a\tb":                        "a        b",
		"\x1b[1mbold\x1b[0m end":      "bold end",
		"\x1b]8;;url\abare\x1b]8;;\a": "bare",
		"x\r\ny\r":                    "x\ny",
		"a\rb":                        "a\rb",
		"\x1b[1xkept":                 "\x1b[1xkept",
		"end\x1b":                     "end\x1b",
	} {
		if got := string(StripTabANSI([]byte(in))); got != want {
			t.Errorf("StripTabANSI(%q) = %q, want %q", in, got, want)
		}
	}
}
