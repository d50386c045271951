package path

import (
	"bufio"
	"strings"
	"testing"
)

var userDirsFields = []string{"XDG_DESKTOP_DIR", "XDG_MUSIC_DIR", "XDG_VIDEOS_DIR", "XDG_DOWNLOAD_DIR"}

// FuzzUserDirs checks that user-dirs.dirs parsing consumes the whole file
// in lines free of line ends and only ever yields absolute paths.
func FuzzUserDirs(f *testing.F) {
	for _, s := range userDirsFiles {
		if len(s) < 4096 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, content string) {
		r := bufio.NewReader(strings.NewReader(content))
		total := 0
		for {
			line, n, err := readLine(r)
			if err != nil {
				t.Fatalf("readLine: %v", err)
			}
			if n == 0 {
				break
			}
			if strings.ContainsAny(line, "\n\r\x00") {
				t.Fatalf("line %q holds a line end", line)
			}
			total += n
		}
		if total != len(content) {
			t.Fatalf("read %d of %d bytes", total, len(content))
		}
		t.Setenv("HOME", "/home/u")
		for _, field := range userDirsFields {
			p, found, err := parseUserDirs(bufio.NewReader(strings.NewReader(content)), field)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			if found && !strings.HasPrefix(p, "/") {
				t.Fatalf("%s = %q is not absolute", field, p)
			}
		}
	})
}
