package managerbus

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

// lifecycleCases each end a guest: shell lines run in it, the last of
// which makes PID 1 exit or shut down.
var lifecycleCases = []struct {
	name  string
	lines []string
}{
	{"exit", []string{
		busctl + " get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ExitCode",
		busctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager SetExitCode y 7",
		busctl + " get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ExitCode",
		busctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Exit",
	}},
	{"systemctl-exit", []string{oracle.OracleBin + "/systemctl exit 3"}},
	{"systemctl-force-exit", []string{oracle.OracleBin + "/systemctl exit --force 4"}},
	{"poweroff", []string{busctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager PowerOff"}},
	{"reboot", []string{busctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Reboot"}},
	{"halt", []string{busctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Halt"}},
	{"kexec", []string{busctl + " call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager KExec"}},
}

// TestLifecycleMatchesSystemd compares what Exit, SetExitCode, the
// ExitCode property and the shutdown methods do to a container: the
// replies, and how the container's PID 1 ends.
func TestLifecycleMatchesSystemd(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	for _, c := range lifecycleCases {
		t.Run(c.name, func(t *testing.T) {
			var real, ours string
			var realErr, oursErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); real, realErr = endGuest(h, oracle.Real, c.name, c.lines) }()
			go func() { defer wg.Done(); ours, oursErr = endGuest(h, oracle.Go, c.name, c.lines) }()
			wg.Wait()
			if realErr != nil {
				t.Fatalf("real systemd: %v", realErr)
			}
			if oursErr != nil {
				t.Fatalf("our PID 1: %v", oursErr)
			}
			t.Logf("real systemd:\n%s", real)
			if real != ours {
				t.Errorf("differs from real systemd:\n%s", oracletest.LineDiff(real, ours))
			}
		})
	}
}

// endGuest boots a guest, runs lines and reports their output and how
// the guest ended.
func endGuest(h *oracle.Harness, impl oracle.Impl, name string, lines []string) (string, error) {
	cfg := oracle.Config{Name: "lifecycle-" + name + "-" + string(impl), Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute}
	if impl == oracle.Go {
		cfg.GoTree = h.GoTree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer sb.Close()
	var b strings.Builder
	for i, l := range lines {
		r := sb.Exec(ctx, []string{"/bin/sh", "-c", l}, nil)
		if i == len(lines)-1 {
			// The guest may go before the reply is read: only the
			// guest's end is compared.
			break
		}
		fmt.Fprintf(&b, "$ %s\n%s", l, r.Stdout)
		if len(r.Stderr) > 0 {
			fmt.Fprintf(&b, "[stderr]\n%s", r.Stderr)
		}
		fmt.Fprintf(&b, "[exit %d]\n", r.Exit)
	}
	how, err := oracle.Ended(ctx, sb)
	if err != nil {
		// What the manager said last tells where it stopped.
		console := sb.Console()
		if len(console) > 4000 {
			console = console[len(console)-4000:]
		}
		return "", fmt.Errorf("%w\n--- console (end)\n%s", err, console)
	}
	fmt.Fprintf(&b, "guest: %s\n", how)
	return b.String(), nil
}
