package corpus

import (
	"bufio"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

type manifestRow struct {
	pkg, version, path, licence string
}

func readManifest(t *testing.T) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(Root(), "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		fields := strings.Split(scanner.Text(), "\t")
		if len(fields) != 4 {
			t.Fatalf("MANIFEST.tsv:%d: %d columns, want 4", line, len(fields))
		}
		if line == 1 {
			if got := strings.Join(fields, " "); got != "package version path licence" {
				t.Fatalf("MANIFEST.tsv header = %q", got)
			}
			continue
		}
		for _, field := range fields {
			if field == "" {
				t.Fatalf("MANIFEST.tsv:%d: empty column", line)
			}
		}
		rows = append(rows, manifestRow{fields[0], fields[1], fields[2], fields[3]})
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// diskEntries lists "<package>/<path>" for every file and symlink under
// debian/, apart from each package's copyright notice.
func diskEntries(t *testing.T) map[string]bool {
	t.Helper()
	base := filepath.Join(Root(), "debian")
	entries := map[string]bool{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if path.Base(rel) == "copyright" && strings.Count(rel, "/") == 1 {
			return nil
		}
		entries[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestManifestMatchesFiles(t *testing.T) {
	rows := readManifest(t)
	onDisk := diskEntries(t)
	listed := map[string]bool{}
	versions := map[string]string{}
	packages := map[string]bool{}
	for _, row := range rows {
		if v, ok := versions[row.pkg]; ok && v != row.version {
			t.Errorf("%s: versions %q and %q", row.pkg, v, row.version)
		}
		versions[row.pkg] = row.version
		if row.path == "-" {
			if !strings.HasPrefix(row.licence, "skipped: ") {
				t.Errorf("%s: path \"-\" without a skip reason: %q", row.pkg, row.licence)
			}
			continue
		}
		packages[row.pkg] = true
		if !isUnitPath(row.path) {
			t.Errorf("%s: %s is outside the unit directories", row.pkg, row.path)
		}
		entry := row.pkg + "/" + row.path
		if listed[entry] {
			t.Errorf("%s listed twice", entry)
		}
		listed[entry] = true
		if !onDisk[entry] {
			t.Errorf("%s is in MANIFEST.tsv but not on disk", entry)
		}
	}
	for entry := range onDisk {
		if !listed[entry] {
			t.Errorf("%s is on disk but not in MANIFEST.tsv", entry)
		}
	}
	if !packages["systemd"] {
		t.Error("the systemd package's own units are missing")
	}
	for pkg := range packages {
		if _, err := os.Stat(filepath.Join(Root(), "debian", pkg, "copyright")); err != nil {
			t.Logf("%s has no copyright file", pkg)
		}
	}
	t.Logf("%d packages, %d files and links", len(packages), len(listed))
}

// unitType names the kind of a corpus file: its unit suffix, "drop-in" for
// files in a *.d directory, or "other".
func unitType(file string) string {
	if strings.HasSuffix(filepath.Dir(file), ".d") {
		return "drop-in"
	}
	switch ext := strings.TrimPrefix(filepath.Ext(file), "."); ext {
	case "service", "socket", "target", "device", "mount", "automount",
		"swap", "timer", "path", "slice", "scope":
		return ext
	}
	return "other"
}

func TestFilesByType(t *testing.T) {
	files, err := Files(Root())
	if err != nil {
		t.Fatal(err)
	}
	if !sort.StringsAreSorted(files) {
		t.Error("Files result is not sorted")
	}
	counts := map[string]int{}
	for _, file := range files {
		info, err := os.Lstat(file)
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() {
			t.Errorf("%s is not a regular file", file)
		}
		counts[unitType(file)]++
	}
	for _, kind := range []string{"service", "socket", "target", "timer", "path", "mount", "drop-in"} {
		if counts[kind] == 0 {
			t.Errorf("no %s files in the corpus", kind)
		}
	}
	kinds := make([]string, 0, len(counts))
	for kind := range counts {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		t.Logf("%-10s %5d", kind, counts[kind])
	}
	t.Logf("%-10s %5d", "total", len(files))
}
