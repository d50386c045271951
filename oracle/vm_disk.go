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
)

// buildOverlayDisk makes the run's second disk, an ext4 image in its work
// directory whose
// files/ holds cfg.Files and whose tree/ holds cfg.GoTree (impl go); the
// initramfs stacks them, in that order, over the root filesystem. Every run
// gets one, even an empty one, so both implementations see the same disks.
func buildOverlayDisk(ctx context.Context, run *runDir, cfg Config) (string, error) {
	stage := filepath.Join(run.work, "overlay")
	img := filepath.Join(run.work, "overlay.img")
	defer os.RemoveAll(stage)
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return "", err
	}
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
		if err := matchDirs(files, cfg.Images.Rootfs); err != nil {
			return "", err
		}
		size += treeSize(files)
	}
	mkfs := []string{"mkfs.ext4", "-q", "-F", "-b", "4096", "-O", "^has_journal", "-L", "gosd-overlay", "-d", stage, img}
	var cmd *exec.Cmd
	if cfg.Impl == Go {
		if err := checkInstallTree(cfg.GoTree); err != nil {
			return "", err
		}
		if err := os.Mkdir(filepath.Join(stage, "tree"), 0o755); err != nil {
			return "", err
		}
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
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := run.startIn("disk", cmd)
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		return "", fmt.Errorf("building the overlay disk: %v\n%s", err, out.Bytes())
	}
	return img, nil
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

// treeSize estimates the space a tree takes in ext4 with 4 KiB blocks.
func treeSize(root string) int64 {
	var n int64
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		n += 4096
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += (info.Size() + 4095) &^ 4095
			}
		}
		return nil
	})
	return n
}

// matchDirs gives each directory under layer that also exists in rootfs the
// rootfs directory's mode, owner and times: in an overlay the topmost layer
// holding a directory decides its attributes, and placing /tmp/x must not
// turn /tmp into 0755.
func matchDirs(layer, rootfs string) error {
	return filepath.WalkDir(layer, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(layer, p)
		info, err := os.Lstat(filepath.Join(rootfs, rel))
		if err != nil || !info.IsDir() {
			return nil
		}
		st := info.Sys().(*syscall.Stat_t)
		mtime := time.Unix(st.Mtim.Unix())
		return errors.Join(os.Lchown(p, int(st.Uid), int(st.Gid)),
			os.Chmod(p, info.Mode()&(fs.ModePerm|fs.ModeSticky|fs.ModeSetuid|fs.ModeSetgid)),
			os.Chtimes(p, time.Unix(st.Atim.Unix()), mtime))
	})
}
