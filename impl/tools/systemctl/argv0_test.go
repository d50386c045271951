package systemctl

import (
	"os"
	"os/exec"
	"testing"
)

// TestMarkArgv0 runs itself again, marks that process's argv[0] and
// reads it back as PID 1's killing spree would, from /proc.
func TestMarkArgv0(t *testing.T) {
	if os.Getenv("GOSD_TEST_MARK_ARGV0") != "" {
		markArgv0()
		b, err := os.ReadFile("/proc/self/cmdline")
		if err != nil || len(b) == 0 || b[0] != '@' {
			os.Exit(3)
		}
		os.Exit(0)
	}
	cmd := exec.Command("/proc/self/exe", "-test.run=^TestMarkArgv0$")
	cmd.Env = append(os.Environ(), "GOSD_TEST_MARK_ARGV0=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("argv[0] not marked: %v\n%s", err, out)
	}
}
