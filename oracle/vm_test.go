package oracle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func vmTestImages(t *testing.T) *Images {
	t.Helper()
	if testing.Short() {
		t.Skip("boots a VM (about 15 s)")
	}
	img := testImages(t)
	repo, _ := RepoRoot()
	if err := EnsureVMImages(repo, img); err != nil {
		t.Fatal(err)
	}
	return img
}

// vmRun boots cfg, runs check against the booted guest, powers off, closes
// and checks nothing is left behind.
func vmRun(t *testing.T, cfg Config, check func(ctx context.Context, sb Sandbox)) {
	t.Helper()
	// Liveness bounds, generous for a loaded machine; an idle one takes
	// about 15 s in all.
	cfg.BootTimeout = 5 * time.Minute
	v, err := newVM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := v.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if v.run == nil {
			return
		}
		for _, p := range []string{v.run.work, v.run.cgroup} {
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s left behind after Close", p)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	br, err := v.Boot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("overlay disk built in %v; settled (%s) after %v", v.diskTook, br.State, br.Took)
	if !br.Settled || (br.State != "running" && br.State != "degraded") {
		t.Fatalf("boot: %+v\nconsole:\n%s", br, v.Console())
	}
	if br.State == "degraded" {
		r := v.Exec(ctx, []string{OracleBin + "/systemctl", "--failed", "--no-pager"}, nil)
		t.Logf("degraded:\n%s", r.Stdout)
	}
	check(ctx, v)
	clean, err := v.Poweroff(ctx)
	if err != nil || !clean {
		t.Fatalf("poweroff: clean=%v err=%v", clean, err)
	}
	t.Logf("boot + checks + poweroff: %v; guest clock at: %s", time.Since(start), consoleMarks(v.Console()))
}

// consoleMarks picks the kernel timestamps of a few milestones off the
// console, to see where boot time goes.
func consoleMarks(console []byte) string {
	marks := []string{"Run /init", "systemd 252", "Queued start job", "Reached target multi-user", "reboot: Power down"}
	var out []string
	for _, line := range strings.Split(string(console), "\n") {
		for _, m := range marks {
			if strings.Contains(line, m) && strings.HasPrefix(line, "[") {
				ts, _, _ := strings.Cut(strings.TrimPrefix(line, "["), "]")
				out = append(out, fmt.Sprintf("%s %ss", m, strings.TrimSpace(ts)))
			}
		}
	}
	return strings.Join(out, ", ")
}

func wantExec(ctx context.Context, t *testing.T, sb Sandbox, argv []string, stdin, stdout, stderr string, exit int) {
	t.Helper()
	var in []byte
	if stdin != "" {
		in = []byte(stdin)
	}
	r := sb.Exec(ctx, argv, in)
	if string(r.Stdout) != stdout || string(r.Stderr) != stderr || r.Exit != exit || r.TimedOut {
		t.Errorf("%q: got exit %d timedout %v\nstdout %q\nstderr %q\nwant exit %d stdout %q stderr %q",
			argv, r.Exit, r.TimedOut, r.Stdout, r.Stderr, exit, stdout, stderr)
	}
}

func TestVMRealBootExecPoweroff(t *testing.T) {
	img := vmTestImages(t)
	cfg := Config{Name: "vm-real", Impl: Real, Images: img, Files: []File{
		{Path: "/etc/gosd-vm-test", Data: []byte("placed\n")},
		{Path: "/var/tmp/gosd-in-tmp", Data: []byte("x"), Mode: 0o600},
		// Through merged /usr's symlink: must not hide /lib.
		{Path: "/lib/systemd/system/gosd-vm-test.service", Data: []byte("[Service]\nExecStart=/bin/true\n")},
	}}
	vmRun(t, cfg, func(ctx context.Context, sb Sandbox) {
		wantExec(ctx, t, sb, []string{"cat", "/etc/gosd-vm-test"}, "", "placed\n", "", 0)
		wantExec(ctx, t, sb, []string{"stat", "-c", "%a %U %n", "/var/tmp", "/var/tmp/gosd-in-tmp", "/lib", "/usr/lib/systemd/system/gosd-vm-test.service"}, "",
			"1777 root /var/tmp\n600 root /var/tmp/gosd-in-tmp\n777 root /lib\n644 root /usr/lib/systemd/system/gosd-vm-test.service\n", "", 0)
		wantExec(ctx, t, sb, []string{"sh", "-c", "echo out; echo err >&2; exit 3"}, "", "out\n", "err\n", 3)
		wantExec(ctx, t, sb, []string{"cat"}, "in\n", "in\n", "", 0)
		wantExec(ctx, t, sb, []string{"env"}, "",
			"PATH="+GuestPath+"\nHOME=/root\nLANG=C.UTF-8\nTERM=dumb\nUSER=root\nLOGNAME=root\n", "", 0)
		wantExec(ctx, t, sb, []string{OracleBin + "/systemctl", "is-active", "systemd-journald.service"}, "", "active\n", "", 0)

		start := time.Now()
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		r := sb.Exec(tctx, []string{"sleep", "60"}, nil)
		cancel()
		if !r.TimedOut || r.Exit != -1 || time.Since(start) > 5*time.Second {
			t.Errorf("sleep past the deadline: %+v after %v", r, time.Since(start))
		}
		wantExec(ctx, t, sb, []string{"sh", "-c", "cat /proc/[0-9]*/comm | grep -cx sleep"}, "", "0\n", "", 1)
	})
}

func TestVMGoTree(t *testing.T) {
	img := vmTestImages(t)
	tree := t.TempDir()
	marker := filepath.Join(tree, "usr/share/gosd-test/marker")
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte("from the go tree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Name: "vm-go", Impl: Go, Images: img, GoTree: tree,
		Files: []File{{Path: "/usr/share/gosd-test/placed", Data: []byte("placed\n")}}}
	vmRun(t, cfg, func(ctx context.Context, sb Sandbox) {
		wantExec(ctx, t, sb, []string{"cat", "/usr/share/gosd-test/marker", "/usr/share/gosd-test/placed"}, "",
			"from the go tree\nplaced\n", "", 0)
		wantExec(ctx, t, sb, []string{"readlink", "/bin", "/lib"}, "", "usr/bin\nusr/lib\n", "", 0)
	})
}

func TestVMGuestDyingDuringBootIsReported(t *testing.T) {
	img := vmTestImages(t)
	// No initramfs init and no disk driver in the kernel: it panics, and
	// panic=-1 with -no-reboot ends QEMU.
	v, err := newVM(Config{Name: "vm-panic", Impl: Real, Images: img, KernelArgs: []string{"rdinit=/gosd-missing"}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err = v.Boot(ctx)
	if err == nil || !strings.Contains(err.Error(), "guest stopped during boot") || !strings.Contains(err.Error(), "Kernel panic") {
		t.Errorf("got %v", err)
	}
}

func TestVMRefusesTopLevelDirsInGoTree(t *testing.T) {
	tree := t.TempDir()
	os.MkdirAll(filepath.Join(tree, "lib/systemd"), 0o755)
	_, err := buildOverlayDisk(context.Background(), &runDir{work: t.TempDir()}, Config{Impl: Go, GoTree: tree, Images: &Images{Rootfs: "/"}})
	if err == nil || !strings.Contains(err.Error(), `top-level "lib"`) {
		t.Errorf("got %v", err)
	}
}

func TestResolveInRoot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/lib/systemd"), 0o755)
	os.Symlink("usr/lib", filepath.Join(root, "lib"))
	os.Symlink("/etc/alt", filepath.Join(root, "usr/lib/abs"))
	os.Symlink("../lib/systemd", filepath.Join(root, "usr/lib/rel"))
	os.Symlink("loop", filepath.Join(root, "loop"))
	for in, want := range map[string]string{
		"/lib/systemd/system":  "/usr/lib/systemd/system",
		"/usr/lib/abs/x":       "/etc/alt/x",
		"/lib/rel/system":      "/usr/lib/systemd/system",
		"/etc/../lib/systemd":  "/usr/lib/systemd",
		"/new/dir":             "/new/dir",
		"/":                    "/",
		"/lib/../../etc/x/../": "/etc",
	} {
		if got, err := resolveInRoot(root, in); err != nil || got != want {
			t.Errorf("resolveInRoot(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := resolveInRoot(root, "/loop/x"); err == nil {
		t.Errorf("symlink loop: no error")
	}
}

func FuzzResolveInRoot(f *testing.F) {
	root := f.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/lib/systemd/system"), 0o755)
	os.Symlink("usr/lib", filepath.Join(root, "lib"))
	os.Symlink("usr/bin", filepath.Join(root, "bin"))
	os.Symlink("/", filepath.Join(root, "usr/lib/up"))
	os.Symlink("a", filepath.Join(root, "b"))
	os.Symlink("b", filepath.Join(root, "a"))
	for _, s := range []string{"/lib/systemd/system", "/bin/../lib", "/usr/lib/up/lib/up", "/a/x", "//./lib//x/", "/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := resolveInRoot(root, "/"+p)
		if err != nil {
			return
		}
		if !filepath.IsAbs(got) || filepath.Clean(got) != got {
			t.Errorf("resolveInRoot(%q) = %q: not absolute and clean", p, got)
		}
	})
}
