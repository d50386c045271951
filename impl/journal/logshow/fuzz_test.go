package logshow

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"gosystemd/impl/journal/journalfile"
	"gosystemd/impl/timeutil"
)

// FuzzShow prints mutated journal files in every mode, full width and
// shortened, seeded with the first 16 KiB of the real journals of
// ../journalfile/testdata (the engine minimizes each new input for up to
// -fuzzminimizetime, long for inputs this size: -fuzzminimizetime=1s
// lets a short run fuzz). Formatting whatever a file holds must never
// panic.
func FuzzShow(f *testing.F) {
	for _, n := range []string{"default", "plain"} {
		gz, err := os.ReadFile(filepath.Join("..", "journalfile", "testdata", n+".journal.gz"))
		if err != nil {
			f.Fatal(err)
		}
		r, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:16384], uint8(0))
	}
	f.Add([]byte("MESSAGE=\x1b[1m\ta\x1b]8;;\a\r\n\xff"), uint8(7))
	zone := timeutil.ZoneFromEnv()
	f.Fuzz(func(t *testing.T, data []byte, cols uint8) {
		// Strings alone: the terminal helpers.
		StripTabANSI(data)
		EllipsizeMem(data, int(cols), int(cols)%101, cols%2 == 0)
		file, err := journalfile.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		j := &journalfile.Journal{Files: []*journalfile.File{file}}
		var m journalfile.Match
		UnitMatches(&m, "seed.service")
		for _, mode := range Modes {
			s := &Shower{Mode: mode, Columns: int(cols), Zone: zone, UTF8: cols%2 == 0,
				Flags:     Flags{FullWidth: cols == 0, Color: cols%3 == 0, WarnCutoff: true, BeginNewline: true},
				LogColors: func(int) (string, string) { return "<", ">" }}
			s.ShowJournal(io.Discard, j, nil, file.Header.BootID, 0, 50)
			s.ShowJournal(io.Discard, j, &m, file.Header.BootID, 1, 3)
		}
	})
}
