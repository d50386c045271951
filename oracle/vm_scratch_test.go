package oracle

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestVMScratch(t *testing.T) {
	if os.Getenv("GOSD_SCRATCH") == "" {
		t.Skip()
	}
	img := vmTestImages(t)
	if n := os.Getenv("GOSD_VM_SMP"); n != "" {
		vmCPUs = n
	}
	v, err := newVM(Config{Name: "scratch", Impl: Real, Images: img, KernelArgs: strings.Fields(os.Getenv("GOSD_VM_KARGS")), BootTimeout: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	start := time.Now()
	br, err := v.Boot(ctx)
	t.Logf("%+v %v", br, err)
	for _, c := range []string{"cat /proc/stat | head -3; cat /proc/uptime; cat /sys/devices/system/clocksource/clocksource0/current_clocksource",
		"/usr/libexec/oracle/systemd-analyze; /usr/libexec/oracle/systemd-analyze blame | head -25",
		"ps -eo pid,time,cmd 2>/dev/null || for p in /proc/[0-9]*; do echo $p $(cat $p/comm) $(cut -d' ' -f14,15 $p/stat); done"} {
		r := v.Exec(ctx, []string{"sh", "-c", c}, nil)
		t.Logf("%s\n%s%s", c, r.Stdout, r.Stderr)
	}
	clean, err := v.Poweroff(ctx)
	cpu, _ := os.ReadFile(v.run.cgroup + "/guest/cpu.stat")
	t.Logf("clean %v %v total %v cpu %s", clean, err, time.Since(start), strings.Fields(string(cpu))[:2])
	t.Logf("%s", consoleMarks(v.Console()))
}

func TestVMScratchPanic(t *testing.T) {
	if os.Getenv("GOSD_SCRATCH") == "" {
		t.Skip()
	}
	img := vmTestImages(t)
	if n := os.Getenv("GOSD_VM_SMP"); n != "" {
		vmCPUs = n
	}
	v, err := newVM(Config{Name: "scratch", Impl: Real, Images: img, KernelArgs: append([]string{"rdinit=/gosd-missing"}, strings.Fields(os.Getenv("GOSD_VM_KARGS"))...)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	start := time.Now()
	_, err = v.Boot(context.Background())
	cpu, _ := os.ReadFile(v.run.cgroup + "/guest/cpu.stat")
	t.Logf("wall %v cpu %s load %s", time.Since(start), strings.Fields(string(cpu))[:6], loadavg())
}
