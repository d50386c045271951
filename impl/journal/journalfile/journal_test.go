package journalfile

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var seeds = []string{"default", "plain"}

// seed returns a testdata journal, gunzipped, and a path to it on disk.
func seed(t testing.TB, name string) ([]byte, string) {
	t.Helper()
	gz, err := os.ReadFile(filepath.Join("testdata", name+".journal.gz"))
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
	if tt, ok := t.(*testing.T); ok {
		p := filepath.Join(tt.TempDir(), name+".journal")
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), p
	}
	return b.Bytes(), ""
}

func TestHeaderFlags(t *testing.T) {
	for _, tc := range []struct {
		name           string
		compact, keyed bool
	}{{"default", true, true}, {"plain", false, false}} {
		data, _ := seed(t, tc.name)
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		h := f.Header
		if h.Compact() != tc.compact || h.KeyedHash() != tc.keyed || h.IncompatibleFlags&IncompatCompressedZSTD == 0 {
			t.Errorf("%s: flags %#x", tc.name, h.IncompatibleFlags)
		}
		if h.HeaderSize != 264 {
			t.Errorf("%s: header size %d", tc.name, h.HeaderSize)
		}
		offs, err := f.EntryOffsets()
		if err != nil || uint64(len(offs)) != h.NEntries {
			t.Errorf("%s: %d entries (%v), header says %d", tc.name, len(offs), err, h.NEntries)
		}
	}
}

// exportFields turns `journalctl -o export` into each entry's fields,
// leaving out the __ ones journalctl adds and _BOOT_ID, which it moves
// to the front (entryFields leaves it out likewise).
func exportFields(t *testing.T, out []byte) [][]string {
	var ents [][]string
	var cur []string
	for len(out) > 0 {
		nl := bytes.IndexByte(out, '\n')
		if nl < 0 {
			t.Fatalf("unterminated export line %q", out)
		}
		line := string(out[:nl])
		out = out[nl+1:]
		if line == "" {
			ents = append(ents, cur)
			cur = nil
			continue
		}
		if !strings.Contains(line, "=") {
			// binary form: NAME\n le64 length, value, \n
			n := int(uint64(out[0]) | uint64(out[1])<<8 | uint64(out[2])<<16 | uint64(out[3])<<24)
			line += "=" + string(out[8:8+n])
			out = out[8+n+1:]
		}
		// journalctl puts _BOOT_ID (from the entry object) first.
		if !strings.HasPrefix(line, "__") && !strings.HasPrefix(line, "_BOOT_ID=") {
			cur = append(cur, line)
		}
	}
	return ents
}

func entryFields(fs [][]byte) []string {
	var l []string
	for _, p := range fs {
		if !bytes.HasPrefix(p, []byte("_BOOT_ID=")) {
			l = append(l, string(p))
		}
	}
	return l
}

func journalctl(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("journalctl"); err != nil {
		t.Skip("no journalctl on the host")
	}
	cmd := exec.Command("journalctl", append([]string{"--no-pager"}, args...)...)
	cmd.Env = append(os.Environ(), "TZ=America/New_York", "SYSTEMD_COLORS=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("journalctl %v: %v", args, err)
	}
	return out
}

// TestFieldsAsJournalctl reads every entry's fields and compares them
// with what the host's journalctl (252) exports from the same file.
func TestFieldsAsJournalctl(t *testing.T) {
	for _, name := range seeds {
		_, path := seed(t, name)
		want := exportFields(t, journalctl(t, "--file="+path, "-o", "export"))
		j, err := OpenDirs(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		var got [][]string
		compressed := 0
		for _, e := range j.Entries(nil) {
			fs, err := e.Fields()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range fs {
				if len(p) > 512 {
					compressed++
				}
			}
			got = append(got, entryFields(fs))
		}
		if compressed == 0 {
			t.Errorf("%s: no long (compressed) field read", name)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d entries, journalctl %d", name, len(got), len(want))
		}
		for i := range got {
			if strings.Join(got[i], "\n") != strings.Join(want[i], "\n") {
				t.Errorf("%s entry %d:\n got %.300q\nwant %.300q", name, i, got[i], want[i])
			}
		}
	}
}

// TestMatchesAsJournalctl compares field matches (terms of one field
// alternatives, of different fields all required, disjunctions) with
// journalctl's.
func TestMatchesAsJournalctl(t *testing.T) {
	for _, name := range seeds {
		_, path := seed(t, name)
		j, err := OpenDirs(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		for _, args := range [][]string{
			{"_PID=1"},
			{"_PID=1", "UNIT=seed.service"},
			{"_PID=1", "UNIT=seed.service", "UNIT=seedfail.service"},
			{"_SYSTEMD_UNIT=seed.service", "+", "_PID=1", "UNIT=seedfail.service"},
			{"SYSLOG_IDENTIFIER=seedtag", "+", "PRIORITY=3"},
			{"_COMM=nosuch"},
			{"MESSAGE=" + strings.Repeat("x", 700)},
		} {
			var m Match
			for _, a := range args {
				if a == "+" {
					m.AddDisjunction()
				} else {
					m.AddMatch(a)
				}
			}
			want := exportFields(t, journalctl(t, append([]string{"--file=" + path, "-o", "export"}, args...)...))
			got := j.Entries(&m)
			if len(got) != len(want) {
				t.Errorf("%s %v: %d entries, journalctl %d", name, args, len(got), len(want))
				continue
			}
			for i, e := range got {
				fs, _ := e.Fields()
				if strings.Join(entryFields(fs), "\n") != strings.Join(want[i], "\n") {
					t.Errorf("%s %v: entry %d differs", name, args, i)
				}
			}
		}
	}
}

// TestInterleave reads both files as one journal: each is its own seqnum
// source and both are of the same boot, so entries merge by monotonic
// time as journalctl merges them.
func TestInterleave(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range seeds {
		data, _ := seed(t, name)
		p := filepath.Join(dir, name+".journal")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, "--file="+p)
	}
	want := exportFields(t, journalctl(t, append(paths, "-o", "export")...))
	j, err := OpenDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got := j.Entries(nil)
	if len(got) != len(want) {
		t.Fatalf("%d entries, journalctl %d", len(got), len(want))
	}
	for i, e := range got {
		fs, _ := e.Fields()
		l := entryFields(fs)
		if strings.Join(l, "\n") != strings.Join(want[i], "\n") {
			t.Errorf("entry %d:\n got %.300q\nwant %.300q", i, l, want[i])
		}
	}
}

// TestCorruptNoPanic cuts and flips the seed files everywhere a little
// and reads them whole: errors are fine, panics are not.
func TestCorruptNoPanic(t *testing.T) {
	payloadLimit = 1 << 20
	defer func() { payloadLimit = MaxPayload }()
	data, _ := seed(t, "default")
	for off := 0; off < len(data); off += 97 {
		b := append([]byte(nil), data...)
		b[off] ^= 0xff
		readAll(b)
		readAll(data[:off])
	}
}

// TestCandidatesNarrow checks that a unit's matches are answered from the
// data objects' entry arrays, reading fewer entries than the file has,
// and find the same entries as a full scan.
func TestCandidatesNarrow(t *testing.T) {
	for _, name := range seeds {
		data, _ := seed(t, name)
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var m Match
		m.AddMatch("_SYSTEMD_UNIT=seed.service")
		m.AddDisjunction()
		m.AddMatch("_PID=1")
		m.AddMatch("UNIT=seed.service")
		m.AddConjunction()
		m.AddMatch("_BOOT_ID=" + f.Header.BootID.String())
		resolved := map[string]uint64{}
		for _, term := range m.terms() {
			resolved[term], _ = f.FindData([]byte(term))
		}
		offs, ok := f.candidates(m.tree(), resolved)
		if !ok || len(offs) == 0 || uint64(len(offs)) >= f.Header.NEntries {
			t.Errorf("%s: %d candidates of %d entries (ok %v)", name, len(offs), f.Header.NEntries, ok)
		}
		got := f.matching(&m)
		var want []*Entry
		all, _ := f.EntryOffsets()
		tree := m.tree()
		for _, o := range all {
			e, _ := f.Entry(o)
			items := map[uint64]bool{}
			for _, it := range e.Items {
				items[it] = true
			}
			if m.eval(tree, resolved, items) {
				want = append(want, e)
			}
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%s: %d entries matched through candidates, %d by scanning", name, len(got), len(want))
		}
	}
}
