package unitfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gosystemd/impl/unitname"
)

// DropinDirs lists the directories systemd searches for a unit's drop-ins,
// highest priority first. names holds one entry per unit name (the unit's
// own name first, then its aliases), each the list unitname.DropinNames
// gives for it; typ is the unit type ("service") and dirSuffix is ".d"
// (or ".wants", ".requires"). Every name is searched in every directory
// of searchPath before the next name; the type-wide directory
// ("service.d") comes last, as the most generic.
func DropinDirs(searchPath []string, names [][]string, typ, dirSuffix string) []string {
	var dirs []string
	for _, visit := range names {
		for _, p := range searchPath {
			for _, n := range visit {
				dirs = append(dirs, p+"/"+n+dirSuffix)
			}
		}
	}
	for _, p := range searchPath {
		dirs = append(dirs, p+"/"+typ+dirSuffix)
	}
	return dirs
}

// DirListing is the file names found in one drop-in directory.
type DirListing struct {
	Dir   string
	Names []string
}

// SortDropins orders drop-in files as systemd does: listings come highest
// priority first; a file name seen in an earlier listing masks the same
// name later; names not ending in suffix (".conf") and hidden or backup
// files are skipped; the result is sorted by file name.
func SortDropins(listings []DirListing, suffix string) []string {
	byName := map[string]string{}
	for _, l := range listings {
		for _, n := range l.Names {
			if !strings.HasSuffix(n, suffix) || unitname.HiddenOrBackup(n) {
				continue
			}
			if _, seen := byName[n]; !seen {
				byName[n] = filepath.Join(l.Dir, n)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = byName[n]
	}
	return paths
}

// FindDropins is conf_files_list_strv without a root: the files ending
// in suffix (e.g. ".conf") of dirs, given highest priority first, in the
// order systemd reads them (see SortDropins). Directories are resolved
// through symlinks and searched once. As in systemd, a relative
// directory or one that is missing or cannot be resolved (ELOOP, ENOTDIR
// on the way) is skipped quietly, and one that cannot be opened
// (ENOTDIR, EACCES) is skipped with the debug messages systemd logs,
// which come back as problems.
func FindDropins(dirs []string, suffix string) (paths []string, problems []Diagnostic) {
	var listings []DirListing
	var seen []string
	for _, d := range dirs {
		if !strings.HasPrefix(d, "/") {
			continue
		}
		resolved, err := filepath.EvalSymlinks(d)
		if err != nil {
			continue
		}
		if slices.Contains(seen, resolved) {
			continue
		}
		seen = append(seen, resolved)
		entries, err := os.ReadDir(resolved)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			// systemd prints the path it failed to resolve: NULL.
			msg := strerror(err)
			problems = append(problems,
				diag(Location{File: resolved}, LevelDebug, "Failed to open directory '/(null)': %s", msg),
				diag(Location{File: resolved}, LevelDebug, "Failed to search for files in %s, ignoring: %s", resolved, msg))
			continue
		}
		l := DirListing{Dir: resolved}
		for _, e := range entries {
			l.Names = append(l.Names, e.Name())
		}
		listings = append(listings, l)
	}
	return SortDropins(listings, suffix), problems
}

// Merge appends the drop-ins' assignments and diagnostics to the main
// file's, in the order given: later assignments override or extend
// earlier ones, as the directive layer decides.
func Merge(main File, dropins ...File) File {
	out := File{
		Assignments: slices.Clone(main.Assignments),
		Diagnostics: slices.Clone(main.Diagnostics),
	}
	for _, d := range dropins {
		out.Assignments = append(out.Assignments, d.Assignments...)
		out.Diagnostics = append(out.Diagnostics, d.Diagnostics...)
	}
	return out
}

// ReadUnit reads a unit's main file (fragment, "" for none) and its
// drop-ins (in the order FindDropins gives), handing assignments to handle
// (may be nil), and merges them. An error in the main file is returned:
// systemd then refuses to load the unit. An error in a drop-in only ends
// that drop-in, as in systemd. Whether the fragment is a mask (empty or
// /dev/null) is for the caller to check first.
func ReadUnit(fragment string, dropins []string, sections []string, handle Handler) (File, error) {
	var files []File
	read := func(path string) (File, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return File{}, err
		}
		return Parse(path, data, sections, handle)
	}
	var main File
	if fragment != "" {
		var err error
		if main, err = read(fragment); err != nil {
			return main, err
		}
	}
	for _, d := range dropins {
		f, _ := read(d)
		files = append(files, f)
	}
	return Merge(main, files...), nil
}
