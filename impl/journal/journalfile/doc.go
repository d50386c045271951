// Package journalfile reads journal files as journald 252 writes them
// (docs/JOURNAL_FILE_FORMAT.md of systemd 252), read-only and defensively:
// every offset, size and count read from a file is checked against the
// file before use, chains are walked with bounds, and a corrupt or hostile
// file yields errors, never a panic or an unbounded allocation.
//
//	header   "LPKSHHRH", flags, ids, table offsets, counters (208..264 bytes)
//	objects  8-aligned: type, flags, size, then the body by type:
//	         DATA (FIELD=value, maybe XZ/LZ4/ZSTD compressed), FIELD,
//	         ENTRY (seqnum, realtime, monotonic, boot ID, data offsets),
//	         hash tables, ENTRY_ARRAY (chained arrays of entry offsets)
//	compact  offsets in entries and entry arrays are 32 bits wide and
//	         entries carry no per-item hash (HEADER_INCOMPATIBLE_COMPACT)
//
// Lookups go through the field hash table and the per-field chains of
// data objects, so no hash function is needed and keyed-hash files and
// Jenkins-hash files read alike. A Journal is the set of files of a
// machine (system and user journals, rotated ones included), iterated in
// the order sd-journal shows entries.
package journalfile
