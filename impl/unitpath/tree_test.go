package unitpath

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeTree creates entries under root. Each entry is one of
//
//	"dir/name = content"   a file ("=" alone: an empty file)
//	"dir/name -> target"   a symlink; "{root}" in target stands for root
//	"dir/name/"            a directory
func makeTree(t *testing.T, root string, entries ...string) {
	t.Helper()
	for _, e := range entries {
		switch {
		case strings.Contains(e, " -> "):
			name, target, _ := strings.Cut(e, " -> ")
			p := filepath.Join(root, name)
			mkdirAll(t, filepath.Dir(p))
			if err := os.Symlink(strings.ReplaceAll(target, "{root}", root), p); err != nil {
				t.Fatal(err)
			}
		case strings.Contains(e, " ="):
			name, content, _ := strings.Cut(e, " =")
			p := filepath.Join(root, name)
			mkdirAll(t, filepath.Dir(p))
			content = strings.TrimPrefix(content, " ")
			if content != "" {
				content = strings.ReplaceAll(content, `\n`, "\n") + "\n"
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		case strings.HasSuffix(e, "/"):
			mkdirAll(t, filepath.Join(root, e))
		default:
			t.Fatalf("bad tree entry %q", e)
		}
	}
}

func mkdirAll(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}
