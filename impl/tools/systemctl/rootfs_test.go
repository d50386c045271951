package systemctl

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// debianRoot is the cached Debian bookworm root filesystem that
// vmimages/rootfs.sh builds (and prints).
func debianRoot(t *testing.T) string {
	t.Helper()
	script, err := filepath.Abs("../../../vmimages/rootfs.sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", script).Output()
	if err != nil {
		t.Fatalf("vmimages/rootfs.sh could not provide the Debian root filesystem (it needs debootstrap "+
			"the first time): %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestDebianRoot runs list-unit-files and is-enabled of every unit on a
// copy of the unit directories of the Debian image, for the system and
// the global user scope.
func TestDebianRoot(t *testing.T) {
	requireReal(t)
	src := debianRoot(t)
	p := newPair(t, nil)
	for _, rel := range []string{"lib", "etc/systemd", "etc/os-release", "etc/machine-id", "usr/lib/os-release",
		"usr/lib/systemd/system", "usr/lib/systemd/system-preset", "usr/lib/systemd/user", "usr/lib/systemd/user-preset"} {
		if _, err := os.Lstat(filepath.Join(src, rel)); err != nil {
			continue
		}
		for _, dst := range []string{p.real, p.ours} {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("cp", "-a", filepath.Join(src, rel), filepath.Join(dst, rel)).CombinedOutput(); err != nil {
				t.Fatalf("copying %s: %v\n%s", rel, err, out)
			}
		}
	}
	for _, scope := range []string{"--system", "--global"} {
		list := p.query(t, nil, "--root=ROOT", scope, "list-unit-files")
		lines := strings.Split(strings.TrimSpace(list.stdout), "\n")
		if len(lines) < 10 {
			t.Fatalf("%s: the image lists only %d unit files:\n%s", scope, len(lines), list)
		}
		lines = lines[1 : len(lines)-2] // header, blank line, footer
		// In batches: is-enabled stops at the first unit it cannot look up.
		for len(lines) > 0 {
			n := min(len(lines), 60)
			args := []string{"--root=ROOT", scope, "is-enabled"}
			for _, l := range lines[:n] {
				args = append(args, strings.Fields(l)[0])
			}
			p.query(t, nil, args...)
			lines = lines[n:]
		}
		p.query(t, nil, "--root=ROOT", scope, "get-default")
	}
	p.step(t, nil, "--root=ROOT", "preset-all")
	p.query(t, nil, "--root=ROOT", "list-unit-files")
}

// TestHostRoot runs the read-only verbs without --root, on this
// machine's own unit files (systemd is not PID 1 here, so both tools
// work offline).
func TestHostRoot(t *testing.T) {
	requireReal(t)
	p := pair{base: t.TempDir()}
	list := p.query(t, nil, "list-unit-files")
	lines := strings.Split(strings.TrimSpace(list.stdout), "\n")
	if len(lines) > 3 {
		lines = lines[1 : len(lines)-2]
	}
	for len(lines) > 0 {
		n := min(len(lines), 60)
		args := []string{"is-enabled"}
		for _, l := range lines[:n] {
			args = append(args, strings.Fields(l)[0])
		}
		p.query(t, nil, args...)
		lines = lines[n:]
	}
	p.query(t, nil, "get-default")
	p.query(t, nil, "is-enabled", "--full", "getty@tty1.service", "nonexistent-unit.service")
	p.query(t, nil, "--global", "list-unit-files")
}
