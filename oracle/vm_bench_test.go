package oracle

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkVMBootPoweroff boots real systemd in a VM, waits for it to
// settle and powers it off, reporting wall times and the CPU time QEMU used
// (which, unlike wall time, barely depends on what else the host runs).
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
	var settled, total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		s, t, c := benchVMRun(b, Config{Name: "vm-bench", Impl: Real, Images: img,
			KernelArgs: strings.Fields(os.Getenv("GOSD_VM_KARGS")), BootTimeout: 5 * time.Minute})
		settled, total, cpu = settled+s, total+t, cpu+c
	}
	n := float64(b.N)
	b.ReportMetric(settled.Seconds()/n, "s-settled/op")
	b.ReportMetric(total.Seconds()/n, "s-total/op")
	b.ReportMetric(cpu.Seconds()/n, "s-qemu-cpu/op")
}

func benchVMRun(b *testing.B, cfg Config) (settled, total, cpu time.Duration) {
	v, err := newVM(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	br, err := v.Boot(ctx)
	if err != nil || !br.Settled {
		b.Fatalf("boot: %+v %v", br, err)
	}
	settled = time.Since(start)
	if clean, err := v.Poweroff(ctx); !clean {
		b.Fatalf("poweroff: %v", err)
	}
	total = time.Since(start)
	cpu = cgroupCPU(v.run.cgroup + "/guest")
	b.Logf("settled %v (%s), total %v, qemu cpu %v, load %s; guest clock at: %s",
		settled, br.State, total, cpu, loadavg(), consoleMarks(v.Console()))
	return settled, total, cpu
}

// cgroupCPU is the CPU time used so far by the processes of a cgroup2 group.
func cgroupCPU(cg string) time.Duration {
	b, _ := os.ReadFile(cg + "/cpu.stat")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return time.Duration(n) * time.Microsecond
		}
	}
	return 0
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
