package oracle

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkVMBootPoweroff boots real systemd in a VM and powers it off.
// GOSD_VM_KARGS adds kernel arguments (space separated), for experiments.
func BenchmarkVMBootPoweroff(b *testing.B) {
	repo, _ := RepoRoot()
	img, err := EnsureRootfs(repo)
	if err != nil {
		b.Fatal(err)
	}
	if err := EnsureVMImages(repo, img); err != nil {
		b.Fatal(err)
	}
	if n := os.Getenv("GOSD_VM_SMP"); n != "" {
		vmCPUs = n
	}
	for i := 0; i < b.N; i++ {
		cfg := Config{Name: "vm-bench", Impl: Real, Images: img, KernelArgs: strings.Fields(os.Getenv("GOSD_VM_KARGS")), BootTimeout: 5 * time.Minute}
		v, err := newVM(cfg)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		start := time.Now()
		br, err := v.Boot(ctx)
		if err != nil || !br.Settled {
			b.Fatalf("%v %+v", err, br)
		}
		settled := time.Since(start)
		clean, err := v.Poweroff(ctx)
		total := time.Since(start)
		cpu, _ := os.ReadFile(v.run.cgroup + "/guest/cpu.stat")
		b.Logf("settled %v (%s), total %v, clean %v %v; load %s; %s; qemu cpu %s", settled, br.State, total, clean, err, loadavg(), consoleMarks(v.Console()), strings.Fields(string(cpu))[:6])
		v.Close()
		cancel()
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
