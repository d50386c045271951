// Package oracletest gives tests a ready oracle.Harness: the cached images
// (built on first use) and our install tree from `make install`, built once
// per test process. Only tests import it.
package oracletest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gosystemd/oracle"
)

var (
	once    sync.Once
	images  *oracle.Images
	vmErr   error
	vmOnce  sync.Once
	goTree  string
	initErr error
)

func setup() {
	repo, err := oracle.RepoRoot()
	if err != nil {
		initErr = err
		return
	}
	if images, initErr = oracle.EnsureRootfs(repo); initErr != nil {
		return
	}
	goTree, initErr = oracle.BuildGoTree(repo)
}

// Harness returns a harness for mode. Without root the oracle cannot run, so
// the test is skipped; any other missing piece fails it.
func Harness(t testing.TB, mode oracle.Mode) *oracle.Harness {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the oracle needs root (namespaces, cgroups, mounts)")
	}
	once.Do(setup)
	if initErr != nil {
		t.Fatal(initErr)
	}
	if mode == oracle.ModeVM {
		vmOnce.Do(func() {
			repo, _ := oracle.RepoRoot()
			vmErr = oracle.EnsureVMImages(repo, images)
		})
		if vmErr != nil {
			t.Fatal(vmErr)
		}
	}
	return &oracle.Harness{Mode: mode, Images: images, GoTree: goTree}
}

// Cleanup removes the install tree; call it from TestMain after m.Run.
func Cleanup() {
	if goTree != "" {
		os.RemoveAll(goTree)
	}
}

// RealTreePaths are the systemd files RealTree copies: what our build will
// replace first.
var RealTreePaths = []string{
	"usr/lib/systemd/systemd",
	"usr/lib/systemd/systemd-shutdown",
	"usr/lib/systemd/systemd-journald",
	"usr/bin/systemctl",
	"usr/bin/journalctl",
	"usr/bin/systemd-analyze",
	"usr/bin/systemd-escape",
	"usr/bin/systemd-path",
	"usr/bin/systemd-id128",
}

// RealTree copies real systemd's own binaries from the image into a fresh
// install tree: overlaid as the go side, it must be indistinguishable.
func RealTree(t testing.TB, img *oracle.Images) string {
	t.Helper()
	tree := t.TempDir()
	for _, p := range RealTreePaths {
		data, err := os.ReadFile(filepath.Join(img.Rootfs, p))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(tree, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}

// LineDiff shows the lines that differ between real's text a and ours b,
// position by position (at most 200), for a test's failure message.
func LineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	shown := 0
	for i := 0; i < max(len(al), len(bl)) && shown < 200; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "  line %d\n    real: %s\n    ours: %s\n", i+1, x, y)
			shown++
		}
	}
	return out.String()
}

// BootContainer starts a container sandbox from cfg and boots it to a
// settled system within ctx; on failure the sandbox is closed and the
// error carries its console. The caller closes the sandbox.
func BootContainer(ctx context.Context, cfg oracle.Config) (oracle.Sandbox, error) {
	sb, err := oracle.NewSandbox(oracle.ModeContainer, cfg)
	if err != nil {
		return nil, err
	}
	br, err := sb.Boot(ctx)
	if err != nil {
		err = fmt.Errorf("boot: %v\n%s", err, sb.Console())
	} else if !br.Settled {
		err = fmt.Errorf("boot did not settle\n%s", sb.Console())
	}
	if err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}
