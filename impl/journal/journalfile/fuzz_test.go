package journalfile

import (
	"bytes"
	"testing"
)

// readAll reads everything a reader of a file would: header, entries in
// order, their fields, lookups of data by field, the boot's cutoff.
func readAll(data []byte) {
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return
	}
	j := &Journal{Files: []*File{f}}
	var m Match
	m.AddMatch("_PID=1")
	m.AddMatch("UNIT=seed.service")
	m.AddDisjunction()
	m.AddMatch("_SYSTEMD_UNIT=seed.service")
	m.AddConjunction()
	m.AddMatch("_BOOT_ID=" + f.Header.BootID.String())
	for _, e := range j.Entries(&m) {
		e.Fields()
	}
	for _, e := range j.Entries(nil) {
		e.Fields()
		e.Field("MESSAGE")
	}
	f.FieldNames()
	j.CutoffMonotonic(f.Header.BootID)
}

// FuzzFile reads mutated journal files, seeded with the first 16 KiB of
// the two files real journald wrote (testdata/README: header, field hash
// table, the start of the data hash table): on the whole 64 KiB files the
// engine spends brief runs minimizing each new input, so those are damaged
// deterministically by TestCorruptNoPanic instead. It must never panic
// nor allocate beyond the file and the payload limit.
func FuzzFile(f *testing.F) {
	payloadLimit = 1 << 20
	for _, name := range seeds {
		data, _ := seed(f, name)
		f.Add(data[:16384])
	}
	f.Add([]byte("LPKSHHRH"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(data)
	})
}
