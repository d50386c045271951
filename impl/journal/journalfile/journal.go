package journalfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Match is sd-journal's match expression: terms ("FIELD=value") are
// collected in groups where terms of the same field are alternatives and
// terms of different fields must all hold; AddDisjunction starts a new
// alternative group, AddConjunction closes the alternatives so far into a
// clause that must hold together with the ones after it.
type Match struct {
	clauses [][]matchGroup // AND of ORs of groups
	cur     []matchGroup   // the clause being built
	group   matchGroup     // the group being built
}

// matchGroup maps a field to the payloads accepted for it.
type matchGroup map[string][]string

// AddMatch adds a term "FIELD=value" to the current group.
func (m *Match) AddMatch(term string) {
	eq := strings.IndexByte(term, '=')
	if eq <= 0 {
		return
	}
	if m.group == nil {
		m.group = matchGroup{}
	}
	field := term[:eq]
	for _, t := range m.group[field] {
		if t == term {
			return
		}
	}
	m.group[field] = append(m.group[field], term)
}

// AddDisjunction ends the current group: entries matching it or what
// follows are accepted.
func (m *Match) AddDisjunction() {
	if len(m.group) > 0 {
		m.cur = append(m.cur, m.group)
		m.group = nil
	}
}

// AddConjunction ends the current alternatives: entries must match them
// and what follows.
func (m *Match) AddConjunction() {
	m.AddDisjunction()
	if len(m.cur) > 0 {
		m.clauses = append(m.clauses, m.cur)
		m.cur = nil
	}
}

// tree is the finished expression, without mutating m.
func (m *Match) tree() [][]matchGroup {
	cl := append([][]matchGroup(nil), m.clauses...)
	cur := append([]matchGroup(nil), m.cur...)
	if len(m.group) > 0 {
		cur = append(cur, m.group)
	}
	if len(cur) > 0 {
		cl = append(cl, cur)
	}
	return cl
}

// terms lists every payload the expression mentions.
func (m *Match) terms() []string {
	var ts []string
	for _, c := range m.tree() {
		for _, g := range c {
			for _, vs := range g {
				ts = append(ts, vs...)
			}
		}
	}
	return ts
}

// eval decides an entry by whether each term's data object is among its
// items (resolved: term -> data offset in the entry's file, 0 if none).
func (m *Match) eval(tree [][]matchGroup, resolved map[string]uint64, items map[uint64]bool) bool {
	for _, clause := range tree {
		ok := false
		for _, g := range clause {
			if groupMatches(g, resolved, items) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func groupMatches(g matchGroup, resolved map[string]uint64, items map[uint64]bool) bool {
	for _, terms := range g {
		any := false
		for _, t := range terms {
			if o := resolved[t]; o != 0 && items[o] {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	return true
}

// Journal is a set of journal files read together.
type Journal struct {
	Files []*File
	// AccessBlocked is journal_access_blocked: a directory or file was
	// not opened for want of permission.
	AccessBlocked bool
}

// OpenDirs opens every *.journal and *.journal~ file in dirs (missing
// directories are skipped, as are files that cannot be read as
// journals), in the order given and by name within a directory.
func OpenDirs(dirs ...string) (*Journal, error) {
	j := &Journal{}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				j.AccessBlocked = true
			}
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".journal") && !strings.HasSuffix(n, ".journal~") {
				continue
			}
			if !e.Type().IsRegular() {
				continue
			}
			f, err := Open(filepath.Join(d, n))
			if err != nil {
				if errors.Is(err, fs.ErrPermission) {
					j.AccessBlocked = true
				}
				continue
			}
			j.Files = append(j.Files, f)
		}
	}
	return j, nil
}

// OpenLocal opens the journals of machineID as sd_journal_open does with
// SD_JOURNAL_LOCAL_ONLY for the default namespace: the machine's
// directories under root's /var/log/journal and /run/log/journal.
func OpenLocal(root, machineID string) (*Journal, error) {
	return OpenDirs(
		filepath.Join(root, "/var/log/journal", machineID),
		filepath.Join(root, "/run/log/journal", machineID))
}

// Close closes all files.
func (j *Journal) Close() {
	for _, f := range j.Files {
		f.Close()
	}
}

// Compare orders two entries as sd-journal interleaves files: by seqnum
// within one seqnum source, else by monotonic time within one boot, else
// by realtime, last by the entries' content hash.
func Compare(a, b *Entry) int {
	if a.file != nil && b.file != nil && a.file.Header.SeqnumID == b.file.Header.SeqnumID {
		if c := cmp64(a.Seqnum, b.Seqnum); c != 0 {
			return c
		}
	}
	if a.BootID == b.BootID {
		if c := cmp64(a.Monotonic, b.Monotonic); c != 0 {
			return c
		}
	}
	if c := cmp64(a.Realtime, b.Realtime); c != 0 {
		return c
	}
	return cmp64(a.XorHash, b.XorHash)
}

func cmp64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// same reports entries that are one entry stored twice (a file copied
// from /run to /var, say): sd-journal shows it once.
func same(a, b *Entry) bool {
	return a.BootID == b.BootID && a.Monotonic == b.Monotonic && a.Realtime == b.Realtime &&
		a.XorHash == b.XorHash && a.Seqnum == b.Seqnum &&
		a.file != nil && b.file != nil && a.file.Header.SeqnumID == b.file.Header.SeqnumID
}

// Entries returns the entries matching m (all when m is nil or empty) in
// the order sd-journal iterates them: each file's entries in file order,
// merged across files by Compare. Corrupt parts of a file end that
// file's contribution, as sd-journal stops at them.
func (j *Journal) Entries(m *Match) []*Entry {
	var lists [][]*Entry
	for _, f := range j.Files {
		if l := f.matching(m); len(l) > 0 {
			lists = append(lists, l)
		}
	}
	return merge(lists)
}

// matching lists the file's entries matching m, in file order.
func (f *File) matching(m *Match) []*Entry {
	var tree [][]matchGroup
	resolved := map[string]uint64{}
	if m != nil {
		tree = m.tree()
		for _, t := range m.terms() {
			if _, ok := resolved[t]; ok {
				continue
			}
			o, err := f.FindData([]byte(t))
			if err != nil {
				o = 0
			}
			resolved[t] = o
		}
	}
	offs, ok := f.candidates(tree, resolved)
	if !ok {
		offs, _ = f.EntryOffsets()
	}
	var out []*Entry
	items := map[uint64]bool{}
	for _, o := range offs {
		e, err := f.Entry(o)
		if err != nil {
			break
		}
		if len(tree) > 0 {
			clear(items)
			for _, it := range e.Items {
				items[it] = true
			}
			if !m.eval(tree, resolved, items) {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// candidates narrows a match down to the entries that can satisfy it,
// in file order, through the entry arrays of data objects: of the
// clauses that all must hold, the one with the fewest entries, and in it
// for each alternative group the field whose values have the fewest. It
// reports false when the whole file must be scanned instead (no match,
// or a broken data object).
func (f *File) candidates(tree [][]matchGroup, resolved map[string]uint64) ([]uint64, bool) {
	if len(tree) == 0 {
		return nil, false
	}
	counts := map[string]uint64{}
	for t, o := range resolved {
		if o == 0 {
			continue
		}
		d, err := f.data(o)
		if err != nil {
			return nil, false
		}
		counts[t] = d.nEntries
	}
	var best []string
	bestTotal := ^uint64(0)
	for _, clause := range tree {
		var picks []string
		total := uint64(0)
		for _, g := range clause {
			var gPick []string
			gTotal := ^uint64(0)
			for _, terms := range g {
				n := uint64(0)
				for _, t := range terms {
					n += counts[t]
				}
				if n < gTotal {
					gTotal, gPick = n, terms
				}
			}
			if gTotal == 0 {
				continue
			}
			picks = append(picks, gPick...)
			total += gTotal
		}
		if total < bestTotal {
			best, bestTotal = picks, total
		}
	}
	seen := map[uint64]bool{}
	var offs []uint64
	for _, t := range best {
		o := resolved[t]
		if o == 0 {
			continue
		}
		d, err := f.data(o)
		if err != nil {
			return nil, false
		}
		add := func(e uint64) bool {
			if !seen[e] {
				seen[e] = true
				offs = append(offs, e)
			}
			return true
		}
		if d.entry != 0 {
			add(d.entry)
		}
		if d.nEntries > 1 {
			if err := f.walkArrays(d.entryArray, min(d.nEntries-1, f.maxSteps), add); err != nil {
				return nil, false
			}
		}
	}
	slices.Sort(offs)
	return offs, true
}

// merge interleaves per-file lists, each in its own order, taking the
// least head each step and dropping duplicates of the entry just taken.
func merge(lists [][]*Entry) []*Entry {
	if len(lists) == 1 {
		return lists[0]
	}
	pos := make([]int, len(lists))
	var out []*Entry
	for {
		best := -1
		for i, l := range lists {
			if pos[i] >= len(l) {
				continue
			}
			if best < 0 || Compare(l[pos[i]], lists[best][pos[best]]) < 0 {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		e := lists[best][pos[best]]
		pos[best]++
		if n := len(out); n > 0 && same(out[n-1], e) {
			continue
		}
		out = append(out, e)
	}
}

// Fields reads the entry's data objects: each payload "FIELD=value", in
// the entry's order. An unreadable data object fails the entry, as
// sd_journal_enumerate_data reports -EBADMSG.
func (e *Entry) Fields() ([][]byte, error) {
	return e.FieldsLimit(0)
}

// FieldsLimit is Fields with sd_journal_set_data_threshold's limit: a
// payload stored uncompressed is cut to limit bytes (0: no limit), one
// stored compressed is given whole, as 252 decompresses it whole.
func (e *Entry) FieldsLimit(limit int) ([][]byte, error) {
	var out [][]byte
	for _, o := range e.Items {
		d, err := e.file.data(o)
		if err != nil {
			return nil, err
		}
		p, err := e.file.decode(d)
		if err != nil {
			return nil, err
		}
		if limit > 0 && len(p) > limit && d.flags&(objCompressedXZ|objCompressedLZ4|objCompressedZSTD) == 0 {
			p = p[:limit]
		}
		out = append(out, p)
	}
	return out, nil
}

// Field returns the value of the entry's last field named name.
func (e *Entry) Field(name string) (string, bool) {
	fs, err := e.Fields()
	if err != nil {
		return "", false
	}
	val, ok := "", false
	for _, p := range fs {
		if len(p) > len(name) && p[len(name)] == '=' && bytes.HasPrefix(p, []byte(name)) {
			val, ok = string(p[len(name)+1:]), true
		}
	}
	return val, ok
}

// CutoffMonotonic is sd_journal_get_cutoff_monotonic_usec's start: the
// least monotonic time of the first entry of boot in each file, and
// whether any file has an entry of that boot.
func (j *Journal) CutoffMonotonic(boot ID128) (uint64, bool) {
	term := []byte("_BOOT_ID=" + boot.String())
	var best uint64
	found := false
	for _, f := range j.Files {
		o, err := f.FindData(term)
		if err != nil || o == 0 {
			continue
		}
		e, err := f.FirstEntryOf(o)
		if err != nil || e == nil {
			continue
		}
		if !found || e.Monotonic < best {
			best, found = e.Monotonic, true
		}
	}
	return best, found
}
