package oracle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func vmTestImages(t *testing.T) *Images {
	t.Helper()
	if testing.Short() {
		t.Skip("boots a VM (about 20 s)")
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
	// about 20 s in all.
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
		// The initramfs's layer mounts stay out of the guest's sight.
		wantExec(ctx, t, sb, []string{"grep", "-c", "-E", " /(lower|ovl|upper|newroot)[ /]", "/proc/1/mountinfo"}, "", "0\n", "", 1)
		wantExec(ctx, t, sb, []string{"stat", "-c", "%a %U %n", "/var/tmp", "/var/tmp/gosd-in-tmp", "/lib", "/usr/lib/systemd/system/gosd-vm-test.service"}, "",
			"1777 root /var/tmp\n600 root /var/tmp/gosd-in-tmp\n777 root /lib\n644 root /usr/lib/systemd/system/gosd-vm-test.service\n", "", 0)
		wantExec(ctx, t, sb, []string{"sh", "-c", "echo out; echo err >&2; exit 3"}, "", "out\n", "err\n", 3)
		wantExec(ctx, t, sb, []string{"cat"}, "in\n", "in\n", "", 0)
		wantExec(ctx, t, sb, []string{"env"}, "",
			"PATH="+GuestPath+"\nHOME=/root\nLANG=C.UTF-8\nTERM=dumb\nUSER=root\nLOGNAME=root\n", "", 0)
		wantExec(ctx, t, sb, []string{OracleBin + "/systemctl", "is-active", "systemd-journald.service"}, "", "active\n", "", 0)

		start := time.Now()
		big := sb.Exec(ctx, []string{"head", "-c", "8388608", "/dev/zero"}, nil)
		wantExec(ctx, t, sb, []string{"wc", "-c"}, string(make([]byte, 4<<20)), "4194304\n", "", 0)
		if len(big.Stdout) != 8<<20 || big.Exit != 0 {
			t.Errorf("8 MiB of output: got %d bytes, exit %d", len(big.Stdout), big.Exit)
		}
		t.Logf("8 MiB out and 4 MiB in: %v", time.Since(start))

		start = time.Now()
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		r := sb.Exec(tctx, []string{"sleep", "60"}, nil)
		cancel()
		if !r.TimedOut || r.Exit != -1 || time.Since(start) > 5*time.Second {
			t.Errorf("sleep past the deadline: %+v after %v", r, time.Since(start))
		}
		wantExec(ctx, t, sb, []string{"sh", "-c", "cat /proc/[0-9]*/comm 2>/dev/null | grep -cx sleep"}, "", "0\n", "", 1)
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
	os.Chmod(filepath.Join(tree, "usr"), 0o700)
	cfg := Config{Name: "vm-go", Impl: Go, Images: img, GoTree: tree,
		Files: []File{{Path: "/usr/share/gosd-test/placed", Data: []byte("placed\n")}}}
	vmRun(t, cfg, func(ctx context.Context, sb Sandbox) {
		wantExec(ctx, t, sb, []string{"cat", "/usr/share/gosd-test/marker", "/usr/share/gosd-test/placed"}, "",
			"from the go tree\nplaced\n", "", 0)
		wantExec(ctx, t, sb, []string{"readlink", "/bin", "/lib"}, "", "usr/bin\nusr/lib\n", "", 0)
		// The tree's own /usr (0700 here) does not show through.
		host, err := exec.Command("stat", "-c", "%a %u %Y", filepath.Join(img.Rootfs, "usr")).Output()
		if err != nil {
			t.Fatal(err)
		}
		wantExec(ctx, t, sb, []string{"stat", "-c", "%a %u %Y", "/usr"}, "", string(host), "", 0)
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

func TestOverlayDiskLayout(t *testing.T) {
	rootfs := t.TempDir()
	old := time.Unix(1600000000, 0)
	for dir, mode := range map[string]os.FileMode{"var/tmp": os.ModeSticky | 0o777, "usr/lib/systemd/system": 0o755, "usr/bin": 0o755} {
		p := filepath.Join(rootfs, dir)
		os.MkdirAll(p, 0o755)
		os.Chmod(p, mode)
	}
	os.Symlink("usr/lib", filepath.Join(rootfs, "lib"))
	for _, dir := range []string{"var/tmp", "usr", "usr/lib", "usr/lib/systemd", "usr/lib/systemd/system", "usr/bin", "var"} {
		os.Chtimes(filepath.Join(rootfs, dir), old, old)
	}
	tree := t.TempDir()
	os.MkdirAll(filepath.Join(tree, "usr/bin"), 0o700)
	os.MkdirAll(filepath.Join(tree, "usr/share/new"), 0o700)
	os.WriteFile(filepath.Join(tree, "usr/bin/tool"), []byte("#!/bin/sh\n"), 0o755)
	os.Link(filepath.Join(tree, "usr/bin/tool"), filepath.Join(tree, "usr/bin/tool2"))

	run, err := newRunDir("", "disk-test")
	if err != nil {
		t.Fatal(err)
	}
	defer run.remove()
	start := time.Now()
	img, err := buildOverlayDisk(context.Background(), run, Config{Impl: Go, GoTree: tree, Images: &Images{Rootfs: rootfs},
		Files: []File{{Path: "/var/tmp/x", Data: []byte("x")}, {Path: "/lib/systemd/system/y.service", Mode: 0o600}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("overlay disk built in %v", time.Since(start))
	for path, want := range map[string]string{
		"/files/var/tmp":                          "dir 1777 1600000000",
		"/files/var/tmp/x":                        "file 644 1704067200",
		"/files/usr/lib/systemd/system/y.service": "file 600",
		"/files/usr/lib/systemd/system":           "dir 755 1600000000",
		"/tree/usr":                               "dir 755 1600000000",
		"/tree/usr/bin":                           "dir 755 1600000000",
		"/tree/usr/share/new":                     "dir 700",
		"/tree/usr/bin/tool2":                     "file 755",
	} {
		if got := debugfsStat(t, img, path); !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
	if out, _ := exec.Command("debugfs", "-R", "stats", img).Output(); !strings.Contains(string(out), overlayDiskUUID) {
		t.Errorf("the overlay disk's UUID is not the fixed one:\n%s", out)
	}
	if got := debugfsStat(t, img, "/files/lib"); got != "missing" {
		t.Errorf("/files/lib: %s (would hide merged /usr's /lib symlink)", got)
	}
}

// debugfsStat describes path in an ext4 image as "dir|file MODE MTIME".
func debugfsStat(t *testing.T, img, path string) string {
	out, err := exec.Command("debugfs", "-R", `stat "`+path+`"`, img).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	var kind, mode, mtime string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case strings.Contains(line, "File not found"):
			return "missing"
		case len(f) >= 6 && f[0] == "Inode:":
			kind, mode = f[3], strings.TrimLeft(f[5], "0")
		case len(f) >= 2 && f[0] == "mtime:":
			sec, _, _ := strings.Cut(f[1], ":")
			n, _ := strconv.ParseInt(sec, 0, 64)
			mtime = strconv.FormatInt(n, 10)
		}
	}
	if kind == "directory" {
		kind = "dir"
	} else {
		kind = "file"
	}
	return kind + " " + mode + " " + mtime
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
