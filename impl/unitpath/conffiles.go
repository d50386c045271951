package unitpath

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// ConfFiles is conf_files_list_strv without flags, as systemd lists
// configuration snippets (presets, cat-config's drop-ins): the files
// ending in suffix in dirs (absolute, highest priority first) inside
// root ("" for the host's), the first of each name winning, sorted by
// name, with root prefixed to their paths. Hidden and backup files are
// left out; a directory that cannot be resolved or opened is skipped.
func ConfFiles(suffix, root string, dirs []string) []string {
	var listings []unitfile.DirListing
	for _, d := range resolveUniq(dirs, root) {
		dirPath, _, err := Chase(d, root, ChasePrefixRoot)
		if err != nil {
			continue
		}
		f, err := os.Open(dirPath)
		if err != nil {
			continue
		}
		// What was read before an error counts, as in systemd.
		names, _ := f.Readdirnames(-1)
		f.Close()
		listings = append(listings, unitfile.DirListing{Dir: dirPath, Names: names})
	}
	return unitfile.SortDropins(listings, suffix)
}

// resolveUniq is path_strv_resolve_uniq: the absolute dirs with symlinks
// resolved inside root (kept as given when missing, dropped on other
// errors), without the root prefix, duplicates removed.
func resolveUniq(dirs []string, root string) []string {
	var out []string
	for _, d := range dirs {
		if !strings.HasPrefix(d, "/") {
			continue
		}
		u, _, err := Chase(unitname.PathJoin(root, d), root, 0)
		switch {
		case errors.Is(err, syscall.ENOENT):
			u = d
		case err != nil:
			continue
		case root != "":
			if x, ok := unitname.PathStartsWith(u, root); ok {
				u = "/" + x
			} else {
				u = d
			}
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}
