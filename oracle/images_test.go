package oracle_test

import (
	"os/exec"
	"strings"
	"testing"

	"gosystemd/oracle"
)

// A missing build tool is named in a clear error, not a failure deep inside.
func TestRootfsNamesMissingDebootstrap(t *testing.T) {
	repo, err := oracle.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(repo + "/vmimages/rootfs.sh")
	// An empty cache forces a build; a PATH without debootstrap makes it
	// impossible.
	cmd.Env = []string{"PATH=/usr/bin/nonexistent:/bin", "GOSD_CACHE=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("rootfs.sh succeeded without debootstrap:\n%s", out)
	}
	if !strings.Contains(string(out), "debootstrap is missing: apt-get install debootstrap") {
		t.Errorf("unclear error:\n%s", out)
	}
}
