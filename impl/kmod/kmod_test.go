package kmod

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func testIndex(t *testing.T) (*Index, *[]string) {
	root, err := filepath.Abs("testdata/root")
	if err != nil {
		t.Fatal(err)
	}
	var inserted []string
	x := &Index{Root: root, Release: "6.1.0-test", insert: func(p, params string) error {
		rel, _ := filepath.Rel(root+"/lib/modules/6.1.0-test", p)
		if params != "" {
			rel += " " + params
		}
		inserted = append(inserted, rel)
		return nil
	}}
	return x, &inserted
}

func TestLoad(t *testing.T) {
	x, inserted := testIndex(t)
	for _, c := range []struct {
		name     string
		want     []Result
		inserted []string
	}{
		{"autofs4", []Result{{Name: "autofs4", Outcome: Inserted}}, []string{"kernel/fs/autofs/autofs4.ko foo=1"}},
		// Dependencies go in first, the last listed first; live ones are skipped.
		{"virtiofs", []Result{{Name: "virtiofs", Outcome: Inserted}},
			[]string{"kernel/fs/fuse/fuse.ko", "kernel/drivers/virtio/virtio_ring.ko", "kernel/fs/fuse/virtiofs.ko"}},
		{"ipv6", []Result{{Name: "ipv6", Outcome: BuiltIn}}, nil},
		{"dmi-sysfs", []Result{{Name: "dmi_sysfs", Outcome: BuiltIn}}, nil},
		{"virtio", nil, nil},
		{"fs-autofs", []Result{{Name: "autofs4", Outcome: Inserted}}, []string{"kernel/fs/autofs/autofs4.ko foo=1"}},
		{"cirrusfb", []Result{{Name: "cirrusfb", Outcome: Blacklisted}}, nil},
		{"qemu-fw-cfg", []Result{{Name: "qemu_fw_cfg", Outcome: Inserted}}, []string{"kernel/drivers/firmware/qemu_fw_cfg.ko"}},
	} {
		*inserted = nil
		got, err := x.Load(c.name)
		if c.want == nil {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: %v, %v", c.name, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) || !reflect.DeepEqual(*inserted, c.inserted) {
			t.Errorf("%s: %v %v, inserted %q", c.name, got, err, *inserted)
		}
	}
}
