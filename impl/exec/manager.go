package exec

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// MakePrivateTmp creates a unit's PrivateTmp= directories as 252's
// setup_tmp_dirs does, for the manager to keep for the unit's lifetime:
// /tmp/systemd-private-BOOTID-UNIT-XXXXXX (0700) with a sticky, world
// writable tmp/ inside, and the same under /var/tmp. Where the directory
// cannot be created because the file system is read-only or full,
// /run/systemd/empty stands in (mounted read-only in the namespace).
func MakePrivateTmp(unit string) (tmpDir, varTmpDir string, err error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", "", fmt.Errorf("reading boot id: %w", err)
	}
	boot := strings.ReplaceAll(strings.TrimSpace(string(b)), "-", "")
	tmpDir, err = makeOneTmpDir(boot, unit, "/tmp")
	if err != nil {
		return "", "", err
	}
	varTmpDir, err = makeOneTmpDir(boot, unit, "/var/tmp")
	if err != nil {
		if tmpDir != runSystemdEmpty {
			os.RemoveAll(tmpDir)
		}
		return "", "", err
	}
	return tmpDir, varTmpDir, nil
}

func makeOneTmpDir(boot, unit, prefix string) (string, error) {
	old := unix.Umask(0)
	defer unix.Umask(old)
	if err := os.MkdirAll(prefix, 0o1777); err != nil {
		return "", fmt.Errorf("creating %s: %w", prefix, err)
	}
	var x string
	var err error
	for try := 0; try < 100; try++ {
		x = prefix + "/systemd-private-" + boot + "-" + unit + "-" + randomSuffix()
		if err = unix.Mkdir(x, 0o700); err != unix.EEXIST {
			break
		}
	}
	switch {
	case err == nil:
		y := x + "/tmp"
		if err := unix.Mkdir(y, 0o777|unix.S_ISVTX); err != nil {
			unix.Rmdir(x)
			return "", fmt.Errorf("creating %s: %w", y, err)
		}
		return x, nil
	case errors.Is(err, unix.EROFS) || errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT):
		if err := os.MkdirAll(runSystemdEmpty, 0o500); err != nil {
			return "", fmt.Errorf("creating %s: %w", runSystemdEmpty, err)
		}
		return runSystemdEmpty, nil
	default:
		return "", fmt.Errorf("creating %s: %w", x, err)
	}
}

// randomSuffix is mkdtemp's six random letters and digits.
func randomSuffix() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	_, _ = unix.Getrandom(b[:], 0)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b[:])
}

// MakeInaccessibleNodes creates the nodes InaccessiblePaths= and
// ProtectHome=yes mount over what they hide, as 252's PID 1 does at boot
// (make_inaccessible_nodes): dir/inaccessible/{reg,dir,fifo,sock,chr,blk},
// all mode 0000. dir is /run/systemd for the system manager. Nodes that
// cannot be created (chr and blk without CAP_MKNOD) are skipped.
func MakeInaccessibleNodes(dir string) {
	old := unix.Umask(0)
	defer unix.Umask(old)
	_ = unix.Mkdir(dir+"/inaccessible", 0o755)
	for _, n := range []struct {
		name string
		mode uint32
	}{{"reg", unix.S_IFREG}, {"dir", unix.S_IFDIR}, {"fifo", unix.S_IFIFO}, {"sock", unix.S_IFSOCK}, {"chr", unix.S_IFCHR}, {"blk", unix.S_IFBLK}} {
		p := dir + "/inaccessible/" + n.name
		if n.mode == unix.S_IFDIR {
			_ = unix.Mkdir(p, 0)
		} else {
			_ = unix.Mknod(p, n.mode, 0)
		}
	}
}
