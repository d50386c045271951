package oracle

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// EnsureVMImages builds the VM artifacts for img.Rootfs with vmimages/vm.sh
// if its recipe changed (about 15 s), or finds the cached ones at once, and
// fills img's Vmlinux, Initramfs and Disk.
func EnsureVMImages(repo string, img *Images) error {
	if img == nil || img.Rootfs == "" {
		return fmt.Errorf("vm images: no root filesystem (call EnsureRootfs first)")
	}
	script := filepath.Join(repo, "vmimages", "vm.sh")
	cmd := exec.Command(script, img.Rootfs)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("vm.sh: %v\n%s", err, errb.String())
	}
	got := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			got[k] = v
		}
	}
	for _, k := range []string{"vmlinux", "initramfs", "disk"} {
		if got[k] == "" {
			return fmt.Errorf("vm.sh printed no %s= line:\n%s", k, out.String())
		}
	}
	img.Vmlinux, img.Initramfs, img.Disk = got["vmlinux"], got["initramfs"], got["disk"]
	return nil
}
