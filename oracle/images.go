package oracle

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Images are the cached artifacts vmimages/ builds.
type Images struct {
	Rootfs string // Debian bookworm tree with real systemd 252
	// VM artifacts; empty until EnsureVMImages.
	Vmlinux   string
	Initramfs string
	Disk      string
}

// RepoRoot finds the checkout from the working directory (the directory
// holding go.mod with module gosystemd).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module gosystemd\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the gosystemd checkout")
		}
		dir = parent
	}
}

// EnsureRootfs builds the root filesystem if its recipe changed (about 90 s)
// or returns the cached one at once.
func EnsureRootfs(repo string) (*Images, error) {
	out, err := runRecipe(filepath.Join(repo, "vmimages", "rootfs.sh"))
	if err != nil {
		return nil, err
	}
	return &Images{Rootfs: out}, nil
}

// runRecipe runs a vmimages script and returns the last line it printed.
func runRecipe(script string, args ...string) (string, error) {
	cmd := exec.Command(script, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %v\n%s", filepath.Base(script), err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}
