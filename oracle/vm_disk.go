package oracle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// What would otherwise differ from run to run, and so between the two
// implementations: the overlay disk's UUID shows in device unit names
// (dev-disk-by\x2duuid-...), and placed files' times in stat.
const overlayDiskUUID = "6f5d0a2e-0000-4000-8000-000000000252"

var placedFileTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// buildOverlayDisk makes the run's second disk, an ext4 image in its work
// directory whose files/ holds cfg.Files and whose tree/ holds cfg.GoTree
// (impl go); the initramfs stacks them, in that order, over the root
// filesystem. Every run gets one, even an empty one, so both implementations
// see the same disks.
func buildOverlayDisk(ctx context.Context, run *runDir, cfg Config) (string, error) {
	stage := filepath.Join(run.work, "overlay")
	img := filepath.Join(run.work, "overlay.img")
	defer os.RemoveAll(stage)
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return "", err
	}
	layers := map[string]string{} // name in the image: host directory
	size := int64(0)
	if len(cfg.Files) > 0 {
		files := filepath.Join(stage, "files")
		placed, err := resolveFilePaths(cfg.Images.Rootfs, cfg.Files)
		if err != nil {
			return "", err
		}
		if err := placeFiles(files, placed); err != nil {
			return "", fmt.Errorf("placing scenario files: %w", err)
		}
		if err := setTimes(files, placedFileTime); err != nil {
			return "", err
		}
		layers["files"] = files
		size += treeSize(files)
	}
	mkfs := []string{"mkfs.ext4", "-q", "-F", "-b", "4096", "-O", "^has_journal", "-L", "gosd-overlay",
		"-U", overlayDiskUUID, "-d", stage, img}
	var cmd *exec.Cmd
	if cfg.Impl == Go {
		if err := checkInstallTree(cfg.GoTree); err != nil {
			return "", err
		}
		if err := os.Mkdir(filepath.Join(stage, "tree"), 0o755); err != nil {
			return "", err
		}
		layers["tree"] = cfg.GoTree
		size += treeSize(cfg.GoTree)
		// mkfs reads the install tree through a bind mount that lives and
		// dies with a private mount namespace: nothing is copied and nothing
		// stays mounted.
		script := `mount --bind "$1" "$2/tree" && shift 2 && exec "$@"`
		args := append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh",
			cfg.GoTree, stage}, mkfs...)
		cmd = exec.CommandContext(ctx, "unshare", args...)
	} else {
		cmd = exec.CommandContext(ctx, mkfs[0], mkfs[1:]...)
	}
	// Room for metadata, and a floor mkfs is happy with.
	size = size + size/4 + 16<<20
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Truncate(img, size); err != nil {
		return "", err
	}
	if _, err := runTool(run, cmd); err != nil {
		return "", fmt.Errorf("building the overlay disk: %w", err)
	}
	if script := dirAttrScript(layers, cfg.Images.Rootfs); script != "" {
		cmd := exec.CommandContext(ctx, "debugfs", "-w", "-f", "-", img)
		cmd.Stdin = strings.NewReader(script)
		stderr, err := runTool(run, cmd)
		// debugfs reports failed requests on stderr only, after its banner.
		if err == nil {
			if _, rest, _ := strings.Cut(stderr, "\n"); strings.TrimSpace(rest) != "" {
				err = errors.New(rest)
			}
		}
		if err != nil {
			return "", fmt.Errorf("setting directory attributes on the overlay disk: %w", err)
		}
	}
	return img, nil
}

// runTool runs cmd in the run's cgroup and returns its stderr.
func runTool(run *runDir, cmd *exec.Cmd) (string, error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := run.startIn("disk", cmd)
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		return "", fmt.Errorf("%s: %v\n%s%s", filepath.Base(cmd.Path), err, out.Bytes(), errb.Bytes())
	}
	return errb.String(), nil
}

// setTimes gives everything under root (symlinks themselves included) the
// access and modification time t.
func setTimes(root string, t time.Time) error {
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
}

// dirAttrScript is a debugfs script that gives each directory of the layers
// that also exists in rootfs the rootfs directory's mode, owner and times:
// in an overlay the topmost layer holding a directory decides its attributes,
// and neither placing /var/tmp/x nor installing usr/bin/x may change those of
// /var/tmp or /usr. The layers' roots are left alone: the guest's root
// directory takes its attributes from the tmpfs upper layer.
func dirAttrScript(layers map[string]string, rootfs string) string {
	var b strings.Builder
	for _, name := range []string{"files", "tree"} {
		dir, ok := layers[name]
		if !ok {
			continue
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() || p == dir {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			info, err := os.Lstat(filepath.Join(rootfs, rel))
			if err != nil || !info.IsDir() {
				return nil
			}
			st := info.Sys().(*syscall.Stat_t)
			target := `"/` + name + "/" + rel + `"`
			fmt.Fprintf(&b, "sif %s mode 0%o\n", target, st.Mode)
			fmt.Fprintf(&b, "sif %s uid %d\nsif %s gid %d\n", target, st.Uid, target, st.Gid)
			fmt.Fprintf(&b, "sif %s mtime @%d\nsif %s atime @%d\n", target, st.Mtim.Sec, target, st.Atim.Sec)
			return nil
		})
	}
	return b.String()
}

// resolveFilePaths rewrites each file's directory through the root
// filesystem's symlinks (/lib/systemd/system/x becomes
// /usr/lib/systemd/system/x): a real /lib directory in a layer would hide
// merged /usr's symlink and break the boot.
func resolveFilePaths(rootfs string, files []File) ([]File, error) {
	out := make([]File, len(files))
	for i, f := range files {
		if !filepath.IsAbs(f.Path) {
			return nil, fmt.Errorf("%s: guest path must be absolute", f.Path)
		}
		dir, err := resolveInRoot(rootfs, filepath.Dir(filepath.Clean(f.Path)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		out[i] = f
		out[i].Path = filepath.Join(dir, filepath.Base(f.Path))
	}
	return out, nil
}

// resolveInRoot follows the symlinks along guest path p as the guest would
// see them in rootfs, and returns the resulting guest path. Components
// missing from rootfs are kept as they are.
func resolveInRoot(rootfs, p string) (string, error) {
	todo := strings.Split(strings.TrimPrefix(p, "/"), "/")
	done := "/"
	for hops := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			done = filepath.Dir(done)
			continue
		}
		next := filepath.Join(done, c)
		target, err := os.Readlink(filepath.Join(rootfs, next))
		if err != nil {
			done = next
			continue
		}
		if hops++; hops > 40 {
			return "", errors.New("too many levels of symbolic links")
		}
		if filepath.IsAbs(target) {
			done = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return done, nil
}

// treeSize estimates the space a tree takes in ext4 with 4 KiB blocks,
// counting hard-linked files (an install tree's multicall binary) once.
func treeSize(root string) int64 {
	var n int64
	seen := map[uint64]bool{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		n += 4096
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		n += (info.Size() + 4095) &^ 4095
		return nil
	})
	return n
}
