package manager

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gosystemd/impl/core/job"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitpath"
)

// TestReadyNotification follows 252's manager_send_ready: once the boot's
// jobs are gone the manager above hears READY=1 with "STATUS=Ready.",
// not again while nothing else was said, and again after another STATUS=.
func TestReadyNotification(t *testing.T) {
	d := unit.NewDefaults()
	d.InContainer, d.SwapSupported, d.DevicesSupported = true, false, false
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "default.target"), []byte("[Unit]\nDescription=Default\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sent := make(chan string, 16)
	m, err := New(Config{Scope: unitpath.System, Defaults: d, NoEnumerate: true, CgroupRoot: t.TempDir(),
		LookupEnv: func(k string) (string, bool) {
			if k == "SYSTEMD_UNIT_PATH" {
				return dir, true
			}
			return "", false
		},
		NotifyAbove: func(state string) error { sent <- state; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releaseAll(m) })
	next := func() string {
		t.Helper()
		select {
		case s := <-sent:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("nothing sent")
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m.StartupLoop()
	target, err := m.LoadUnitLoop("default.target")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.StartBootLoop(target, job.Replace); err != nil {
		t.Fatal(err)
	}
	go m.Run(ctx)
	if got := next(); got != "READY=1\nSTATUS=Ready." {
		t.Fatalf("after boot: %q", got)
	}
	m.Post(func() {
		m.checkFinished()
		m.notifyStatus("STATUS=Activating special unit x...")
		m.checkFinished()
	})
	if got := next(); got != "STATUS=Activating special unit x..." {
		t.Errorf("READY=1 sent again with nothing new said, or the status lost: %q", got)
	}
	if got := next(); got != "READY=1\nSTATUS=Ready." {
		t.Errorf("after another status: %q", got)
	}
}
