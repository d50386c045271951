package oracle

import (
	"fmt"
	"os"
	"os/exec"
)

// BuildGoTree runs `make install DESTDIR=DIR` in the checkout into a fresh
// directory and returns it; the caller removes it.
func BuildGoTree(repo string) (string, error) {
	dir, err := os.MkdirTemp("", "gosd-tree-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("make", "-s", "-C", repo, "install", "DESTDIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("make install: %v\n%s", err, out)
	}
	return dir, nil
}
