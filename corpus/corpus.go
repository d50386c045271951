// Package corpus owns the committed corpus of third-party systemd unit files
// shipped by Debian bookworm packages (see README.md and MANIFEST.tsv). It
// only locates files; any package's tests and fuzz seeds may import it.
package corpus

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// unitDirs are the directories, relative to a package root, whose contents
// the corpus holds.
var unitDirs = []string{
	"lib/systemd/system/",
	"usr/lib/systemd/system/",
	"lib/systemd/user/",
	"usr/lib/systemd/user/",
}

// Root returns the corpus directory of this checkout, wherever the caller's
// working directory is.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Files lists, sorted, the regular files (units and drop-ins) under the unit
// directories of every package in root/debian. Symlinks (aliases, .wants
// links, masks) are left out: their targets are absolute host paths.
func Files(root string) ([]string, error) {
	base := filepath.Join(root, "debian")
	var files []string
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(base, path)
		if err != nil {
			return err
		}
		if _, inPackage, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok && isUnitPath(inPackage) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing corpus files: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

func isUnitPath(path string) bool {
	for _, dir := range unitDirs {
		if strings.HasPrefix(path, dir) {
			return true
		}
	}
	return false
}
