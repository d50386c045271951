package version

import (
	"os/exec"
	"testing"
)

// TestMatchesHost compares Text with what the host's systemd 252 prints.
func TestMatchesHost(t *testing.T) {
	out, err := exec.Command("/usr/bin/systemctl", "--version").Output()
	if err != nil {
		t.Fatalf("the host's systemctl is needed as the specification: %v", err)
	}
	if string(out) != Text {
		t.Errorf("host prints %q, we print %q", out, Text)
	}
}
