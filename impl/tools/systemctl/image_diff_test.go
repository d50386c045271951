package systemctl

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// imageTree is a small OS: os-release, vendor units, an admin unit and a
// preset.
var imageTree = map[string]string{
	"usr/lib/os-release":                           "ID=gosd\nNAME=\"gosd image\"\n",
	"usr/lib/systemd/system/a.service":             "[Unit]\nDescription=a\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=a-alias.service\n",
	"usr/lib/systemd/system/b.service":             "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlso=a.service\n",
	"usr/lib/systemd/system/s.service":             "[Service]\nExecStart=/bin/true\n",
	"usr/lib/systemd/system/multi-user.target":     "[Unit]\nDescription=Multi-User\n",
	"usr/lib/systemd/system/graphical.target":      "[Unit]\nDescription=Graphical\n[Install]\nAlias=default.target\n",
	"usr/lib/systemd/system-preset/90-x.preset":    "enable b.service\ndisable *\n",
	"opt/x.service":                                "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
	"etc/systemd/system/c.service":                 "[Unit]\nDescription=admin's\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=graphical.target\n",
	"etc/systemd/system/s.service.d/override.conf": "[Service]\nEnvironment=X=1\n",
}

// imageSteps run one after the other on the same image; "ROOT" is not
// used: the image is the argument.
var imageSteps = [][]string{
	{"list-unit-files"},
	{"is-enabled", "a.service", "b.service", "c.service"},
	{"enable", "a.service"},
	{"enable", "b.service", "c.service"},
	{"is-enabled", "a.service", "b.service", "c.service"},
	{"list-unit-files", "--state=enabled"},
	{"disable", "a.service"},
	{"preset", "b.service"},
	{"preset-all"},
	{"mask", "s.service"},
	{"is-enabled", "s.service"},
	{"unmask", "s.service"},
	{"revert", "s.service"},
	{"set-default", "graphical.target"},
	{"get-default"},
	{"add-wants", "graphical.target", "s.service"},
	{"link", "/opt/x.service"},
	{"is-enabled", "x.service"},
	{"reenable", "x.service"},
	{"list-unit-files", "x.service", "a*"},
	{"cat", "a.service"},
	{"start", "a.service"},
	{"status"},
	{"is-enabled", "nonexistent.service"},
	{"enable", "nonexistent.service"},
}

// requireImages skips unless loop devices can be made here.
func requireImages(t *testing.T) {
	t.Helper()
	requireReal(t)
	if os.Geteuid() != 0 {
		t.Skip("--image= needs root (loop devices and mounts)")
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skipf("--image= needs loop devices: %v", err)
	}
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
}

// imageSide is one tool's copy of the image and its temporary directory.
type imageSide struct{ dir, img, tmp string }

func newImageSide(t *testing.T, base, name, src string) imageSide {
	t.Helper()
	s := imageSide{dir: filepath.Join(base, name), tmp: filepath.Join(base, name+"-tmp")}
	s.img = filepath.Join(s.dir, filepath.Base(src))
	for _, d := range []string{s.dir, s.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if src != "" {
		mustRun(t, "cp", "--sparse=always", src, s.img)
	}
	return s
}

var tempMountDir = regexp.MustCompile(`\.#systemctl[0-9a-f]{16}`)

func (s imageSide) normalize(r result) result {
	fix := func(x string) string {
		x = strings.ReplaceAll(x, s.tmp, "TMP")
		x = strings.ReplaceAll(x, s.dir, "IMGDIR")
		return tempMountDir.ReplaceAllString(x, ".#systemctlRANDOM")
	}
	r.stdout, r.stderr = fix(r.stdout), fix(r.stderr)
	return r
}

// leftovers lists what a run left in its temporary directory (252 leaves
// the mount point behind when the image holds no OS).
func (s imageSide) leftovers(t *testing.T) string {
	t.Helper()
	ents, err := os.ReadDir(s.tmp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, tempMountDir.ReplaceAllString(e.Name(), ".#systemctlRANDOM"))
		_ = os.Remove(filepath.Join(s.tmp, e.Name()))
	}
	return strings.Join(names, " ")
}

// compareImage runs args (IMAGE standing for the image, IMGDIR for its
// directory, also the working directory) with both tools
// on their copies and compares outputs and leftovers.
func compareImage(t *testing.T, real, ours imageSide, args ...string) {
	t.Helper()
	sub := func(s imageSide) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = strings.ReplaceAll(strings.ReplaceAll(a, "IMGDIR", s.dir), "IMAGE", s.img)
		}
		return out
	}
	want := real.normalize(runReal(t, env(map[string]string{"TMPDIR": real.tmp}), real.dir, sub(real)))
	t.Setenv("TMPDIR", ours.tmp)
	got := ours.normalize(runOurs(t, env(nil), ours.dir, sub(ours)))
	if got != want {
		t.Errorf("%q:\nreal:\n%s\nours:\n%s", args, want, got)
	}
	if w, g := real.leftovers(t), ours.leftovers(t); w != g {
		t.Errorf("%q: left in the temporary directory: real %q, ours %q", args, w, g)
	}
	if os.Getenv("GOSD_DUMP") != "" {
		t.Logf("%q:\n%s", args, want)
	}
}

// imageFiles extracts an ext4 image's files without mounting it.
func imageFiles(t *testing.T, img string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "dump")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "debugfs", "-R", "rdump / "+dst, img)
	return snapshot(t, dst)
}

func buildTree(t *testing.T, tree map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTree(t, []string{dir}, tree)
	return dir
}

func makeExt4(t *testing.T, tree map[string]string) string {
	t.Helper()
	for _, tool := range []string{"mkfs.ext4", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing (e2fsprogs)", tool)
		}
	}
	img := filepath.Join(t.TempDir(), "os.img")
	mustRun(t, "truncate", "-s", "16M", img)
	mustRun(t, "mkfs.ext4", "-q", "-d", buildTree(t, tree), img)
	return img
}

// TestImageExt4 runs the unit-file verbs on an ext4 image, writing ones
// included: outputs and the images' files afterwards must be 252's.
func TestImageExt4(t *testing.T) {
	requireImages(t)
	src := makeExt4(t, imageTree)
	base := t.TempDir()
	real, ours := newImageSide(t, base, "real", src), newImageSide(t, base, "ours", src)
	compareImage(t, real, ours, "--image=os.img", "is-enabled", "a.service")
	for _, step := range imageSteps {
		compareImage(t, real, ours, append([]string{"--image=IMAGE"}, step...)...)
		if w, g := imageFiles(t, real.img), imageFiles(t, ours.img); w != g {
			t.Fatalf("%q: images differ:\nreal:\n%s\nours:\n%s", step, w, g)
		}
	}
}

// TestImageSquashfs: a read-only file system, where writing verbs fail.
func TestImageSquashfs(t *testing.T) {
	requireImages(t)
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		t.Skip("mksquashfs is missing (squashfs-tools)")
	}
	img := filepath.Join(t.TempDir(), "os.squashfs")
	mustRun(t, "mksquashfs", buildTree(t, imageTree), img, "-quiet", "-no-progress", "-all-root")
	base := t.TempDir()
	real, ours := newImageSide(t, base, "real", img), newImageSide(t, base, "ours", img)
	for _, step := range [][]string{
		{"list-unit-files"},
		{"is-enabled", "a.service", "c.service"},
		{"enable", "a.service"},
		{"mask", "s.service"},
		{"get-default"},
	} {
		compareImage(t, real, ours, append([]string{"--image=IMAGE"}, step...)...)
	}
}

// TestImageBad: what is not an OS image is refused with 252's messages.
func TestImageBad(t *testing.T) {
	requireImages(t)
	noOS := makeExt4(t, map[string]string{"etc/hostname": "x\n"})
	srcDir := t.TempDir()
	zeros := filepath.Join(srcDir, "zeros.img")
	if err := os.WriteFile(zeros, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	tiny := filepath.Join(srcDir, "tiny.img")
	if err := os.WriteFile(tiny, []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	for _, c := range []struct{ name, src string }{
		{"no OS", noOS}, {"zeros", zeros}, {"tiny", tiny},
	} {
		real, ours := newImageSide(t, base, "real-"+c.name, c.src), newImageSide(t, base, "ours-"+c.name, c.src)
		compareImage(t, real, ours, "--image=IMAGE", "list-unit-files")
		compareImage(t, real, ours, "--image=IMAGE", "start", "a.service")
	}
	real, ours := newImageSide(t, base, "real-dir", ""), newImageSide(t, base, "ours-dir", "")
	compareImage(t, real, ours, "--image=IMGDIR/missing.img", "list-unit-files")
	compareImage(t, real, ours, "--image=IMGDIR", "list-unit-files")
	compareImage(t, real, ours, "--image=IMGDIR/", "is-enabled", "a.service")
	compareImage(t, real, ours, "--image=IMAGE", "--root=/", "list-unit-files")
	compareImage(t, real, ours, "--image=/dev/null", "list-unit-files")
}

// makeGPT builds a disk image with systemd-repart from partition
// definitions (file name to text; TREE in them stands for the tree).
func makeGPT(t *testing.T, defs map[string]string, tree map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("systemd-repart"); err != nil {
		t.Skip("systemd-repart is missing")
	}
	treeDir := buildTree(t, tree)
	defDir := filepath.Join(t.TempDir(), "repart.d")
	if err := os.Mkdir(defDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range defs {
		if err := os.WriteFile(filepath.Join(defDir, name), []byte(strings.ReplaceAll(text, "TREE", treeDir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), "disk.raw")
	mustRun(t, "systemd-repart", "--empty=create", "--size=96M", "--definitions="+defDir, "--dry-run=no", "--seed=0ffd7b0e-1f5c-4aee-8f71-e2a8a3a4b0c1", img)
	return img
}

// partition is a repart definition of a file system partition.
func partition(typ, copyFiles string) string {
	d := "[Partition]\nType=" + typ + "\nFormat=ext4\nSizeMinBytes=16M\nSizeMaxBytes=16M\n"
	if copyFiles != "" {
		d += "CopyFiles=" + copyFiles + "\n"
	}
	return d
}

// TestImageGPT: images with a partition table, where 252 picks the root
// (and /usr) partition by type.
func TestImageGPT(t *testing.T) {
	requireImages(t)
	rootOnly := map[string]string{}
	usrOnly := map[string]string{}
	for k, v := range imageTree {
		rootOnly[k] = v
		if rest, ok := strings.CutPrefix(k, "usr/"); ok {
			usrOnly[rest] = v
		}
	}
	for _, c := range []struct {
		name  string
		defs  map[string]string
		tree  map[string]string
		steps [][]string
	}{
		{"root", map[string]string{"10-root.conf": partition("root", "TREE:/")}, imageTree, imageSteps[:8]},
		{"root+usr", map[string]string{"10-root.conf": partition("root", "TREE/etc:/etc"), "20-usr.conf": partition("usr", "TREE/usr:/")}, imageTree,
			[][]string{{"list-unit-files"}, {"enable", "a.service", "c.service"}, {"is-enabled", "a.service", "c.service"}, {"get-default"}}},
		{"generic", map[string]string{"10-data.conf": partition("linux-generic", "TREE:/")}, imageTree,
			[][]string{{"list-unit-files"}, {"enable", "b.service"}, {"is-enabled", "a.service", "b.service"}}},
		{"two generic", map[string]string{"10-data.conf": partition("linux-generic", "TREE:/"), "20-data.conf": partition("linux-generic", "")}, imageTree,
			[][]string{{"list-unit-files"}}},
		{"home only", map[string]string{"10-home.conf": partition("home", "TREE:/")}, imageTree,
			[][]string{{"list-unit-files"}}},
		{"root without OS", map[string]string{"10-root.conf": partition("root", "TREE/etc:/etc")}, imageTree,
			[][]string{{"list-unit-files"}, {"start", "a.service"}}},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "-"), func(t *testing.T) {
			src := makeGPT(t, c.defs, c.tree)
			base := t.TempDir()
			real, ours := newImageSide(t, base, "real", src), newImageSide(t, base, "ours", src)
			for _, step := range c.steps {
				compareImage(t, real, ours, append([]string{"--image=IMAGE"}, step...)...)
			}
			// What the writing verbs left: real 252 reads both images.
			want := real.normalize(runReal(t, env(map[string]string{"TMPDIR": real.tmp}), real.dir, []string{"--image=" + real.img, "list-unit-files"}))
			got := ours.normalize(runReal(t, env(map[string]string{"TMPDIR": ours.tmp}), ours.dir, []string{"--image=" + ours.img, "list-unit-files"}))
			if got != want {
				t.Errorf("the images differ afterwards:\nreal:\n%s\nours:\n%s", want, got)
			}
			real.leftovers(t)
			ours.leftovers(t)
		})
	}
}
