package manager

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gosystemd/impl/unitname"
)

// Host tests of mount and automount units: our manager in a private mount
// namespace (tpStartHost, unittimer_host_test.go) runs mount(8) and
// umount(8) through the executor and serves an autofs mount point.

// mountUnitName is the unit of a path, for the test's directory.
func mountUnitName(t *testing.T, p, suffix string) string {
	t.Helper()
	n, err := unitname.FromPath(p, suffix)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// inNamespace runs argv in the manager's mount namespace.
func inNamespace(h *tpHost, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append([]string{"-t", fmt.Sprint(h.cmd.Process.Pid), "-m", "--"}, argv...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	// Its own process group: autofs serves the manager's group (the
	// test's too) without triggering.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMountUnitHostStartStop(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	goodUnit, badUnit := mountUnitName(t, good, ".mount"), mountUnitName(t, bad, ".mount")
	h := tpStartHost(t, "mt.target", map[string]string{
		"mt.target": "[Unit]\nAllowIsolate=yes\n",
		goodUnit: "[Unit]\nDefaultDependencies=no\n[Mount]\nWhat=tmpfs\nWhere=" + good +
			"\nType=tmpfs\nOptions=size=1m,nofail\n",
		badUnit: "[Unit]\nDefaultDependencies=no\n[Mount]\nWhat=/nonexistent/device\nWhere=" + bad + "\nType=ext4\n",
	})
	if out, err := h.systemctl("start", goodUnit); err != nil {
		t.Fatalf("start %s: %v\n%s", goodUnit, err, out)
	}
	m := h.waitState(goodUnit, "active", "mounted", 5*time.Second)
	p := h.show(goodUnit, "What", "Where", "Type", "Options", "ExecMount", "ControlPID", "Result", "SourcePath")
	if p["What"] != "tmpfs" || p["Type"] != "tmpfs" || p["Where"] != good || !strings.Contains(p["Options"], "size=1024k") ||
		p["ControlPID"] != "0" || m["Result"] != "success" || p["SourcePath"] != "" {
		t.Errorf("mounted: %v", p)
	}
	if want := "argv[]=/bin/mount tmpfs " + good + " -t tmpfs -o size=1m ;"; !strings.Contains(p["ExecMount"], want) ||
		!strings.Contains(p["ExecMount"], "code=exited ; status=0") {
		t.Errorf("ExecMount=%s, want %s", p["ExecMount"], want)
	}
	if out, _ := inNamespace(h, "findmnt", "-n", "-o", "FSTYPE", good); strings.TrimSpace(out) != "tmpfs" {
		t.Errorf("findmnt %s: %q", good, out)
	}

	if out, err := h.systemctl("stop", goodUnit); err != nil {
		t.Fatalf("stop %s: %v\n%s", goodUnit, err, out)
	}
	h.waitState(goodUnit, "inactive", "dead", 5*time.Second)
	if out, _ := inNamespace(h, "findmnt", "-n", good); strings.TrimSpace(out) != "" {
		t.Errorf("still mounted after stop: %q", out)
	}

	// mount(8) fails: the unit fails with its exit code.
	if out, err := h.systemctl("start", badUnit); err == nil {
		t.Errorf("start %s succeeded:\n%s", badUnit, out)
	}
	m = h.waitState(badUnit, "failed", "failed", 5*time.Second)
	if m["Result"] != "exit-code" {
		t.Errorf("%s Result=%s", badUnit, m["Result"])
	}
}

func TestAutomountUnitHost(t *testing.T) {
	if _, err := os.Stat(autofsDevice); err != nil {
		t.Skip("no /dev/autofs")
	}
	dir := t.TempDir()
	where := filepath.Join(dir, "auto")
	auto, mnt := mountUnitName(t, where, ".automount"), mountUnitName(t, where, ".mount")
	h := tpStartHost(t, "at.target", map[string]string{
		"at.target": "[Unit]\nAllowIsolate=yes\nWants=" + auto + "\n",
		auto:        "[Unit]\nDefaultDependencies=no\n[Automount]\nWhere=" + where + "\n",
		mnt:         "[Unit]\nDefaultDependencies=no\n[Mount]\nWhat=tmpfs\nWhere=" + where + "\nType=tmpfs\nOptions=size=1m\n",
	})
	h.waitState(auto, "active", "waiting", 5*time.Second)
	if p := h.show(mnt, "ActiveState", "TriggeredBy"); p["ActiveState"] != "inactive" || p["TriggeredBy"] != auto {
		t.Errorf("%s before access: %v", mnt, p)
	}
	if out, _ := inNamespace(h, "findmnt", "-n", "-o", "FSTYPE", where); strings.TrimSpace(out) != "autofs" {
		t.Errorf("findmnt %s: %q", where, out)
	}

	// The first access waits for the mount unit.
	if out, err := inNamespace(h, "touch", filepath.Join(where, "file")); err != nil {
		t.Fatalf("access: %v\n%s", err, out)
	}
	h.waitState(mnt, "active", "mounted", 5*time.Second)
	h.waitState(auto, "active", "running", 5*time.Second)
	if out, _ := inNamespace(h, "findmnt", "-n", "-o", "FSTYPE", where); !strings.Contains(out, "tmpfs") {
		t.Errorf("findmnt %s after access: %q", where, out)
	}

	// Stopping the mount hands the point back to autofs.
	if out, err := h.systemctl("stop", mnt); err != nil {
		t.Fatalf("stop %s: %v\n%s", mnt, err, out)
	}
	h.waitState(auto, "active", "waiting", 5*time.Second)

	if out, err := h.systemctl("stop", auto); err != nil {
		t.Fatalf("stop %s: %v\n%s", auto, err, out)
	}
	m := h.waitState(auto, "inactive", "dead", 5*time.Second)
	if m["Result"] != "success" {
		t.Errorf("%s Result=%s", auto, m["Result"])
	}
	if out, _ := inNamespace(h, "findmnt", "-n", where); strings.TrimSpace(out) != "" {
		t.Errorf("autofs still mounted after stop: %q", out)
	}
}
