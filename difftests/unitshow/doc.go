// Package unitshow is the differential test of the unit model
// (impl/unit) and its `systemctl show` rendering (impl/unit/showprop)
// against real systemd 252: Debian's corpus of unit files is installed
// into a booted oracle container, real `systemctl show` prints every
// unit, and our loader renders the same units from the same files; the
// same is done for a unit per directive with sample values
// (impl/unit/testdata/sample-units.txt) and for impl/unit's load-time
// cases. TestCorpusWarnings compares the messages of loading the corpus
// with `systemd-analyze verify` on the host.
package unitshow
