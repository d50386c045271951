package oracle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A runDir is one sandbox run's footprint on the host: a cgroup subtree that
// holds every process the run starts, and a scratch directory. Both carry the
// runner's PID and start time, so a later runner can sweep what a killed one
// left behind.
type runDir struct {
	name   string
	cgroup string // absolute cgroup2 directory
	work   string

	mu     sync.Mutex
	closed bool // once killed, nothing new starts in the run's cgroups
}

// DefaultWorkRoot is where run scratch directories live unless a Config says
// otherwise.
const DefaultWorkRoot = "/var/tmp/gosd-oracle"

const cgroupGroup = "gosd-oracle"

var (
	runSeq    atomic.Int64
	sweepOnce sync.Once
)

// cgroupRoot finds the cgroup2 mount: /sys/fs/cgroup on a pure-v2 host, or
// the hybrid layout's /sys/fs/cgroup/unified.
func cgroupRoot() (string, error) {
	for _, p := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			return p, nil
		}
	}
	return "", errors.New("no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified")
}

func ownerTag() string {
	return fmt.Sprintf("%d %d", os.Getpid(), processStart(os.Getpid()))
}

// processStart is a process's start time in clock ticks, to tell a live
// owner from a recycled PID.
func processStart(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return -1
	}
	n, _ := strconv.ParseInt(f[19], 10, 64)
	return n
}

func ownerAlive(tag string) bool {
	f := strings.Fields(tag)
	if len(f) != 2 {
		return false
	}
	pid, _ := strconv.Atoi(f[0])
	start, _ := strconv.ParseInt(f[1], 10, 64)
	return pid > 0 && processStart(pid) == start
}

func newRunDir(workRoot, name string) (*runDir, error) {
	if workRoot == "" {
		workRoot = DefaultWorkRoot
	}
	sweepOnce.Do(func() { SweepLeftovers(workRoot) })
	cgRoot, err := cgroupRoot()
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("run-%d-%d", os.Getpid(), runSeq.Add(1))
	if name != "" {
		id += "-" + sanitize(name)
	}
	r := &runDir{name: id, cgroup: filepath.Join(cgRoot, cgroupGroup, id), work: filepath.Join(workRoot, id)}
	// The owner tag comes first, so that a concurrent sweep never sees the
	// run's cgroup or directory without it.
	if err := os.MkdirAll(OwnerDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(ownerFile(id), []byte(ownerTag()+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(workRoot, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(r.cgroup, 0o755); err != nil {
		return nil, fmt.Errorf("creating run cgroup: %w", err)
	}
	if err := os.MkdirAll(r.work, 0o755); err != nil {
		return nil, err
	}
	return r, nil
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() > 60 {
		return b.String()[:60]
	}
	return b.String()
}

// startIn starts cmd directly inside the run's sub-cgroup (clone's
// CLONE_INTO_CGROUP), unless the run is being torn down.
func (r *runDir) startIn(sub string, cmd *exec.Cmd) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("the run is shutting down")
	}
	fd, err := r.cgroupFD(sub)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.UseCgroupFD = true
	cmd.SysProcAttr.CgroupFD = fd
	return cmd.Start()
}

// cgroupFD opens (creating) the run's sub-cgroup.
func (r *runDir) cgroupFD(sub string) (int, error) {
	p := filepath.Join(r.cgroup, sub)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return -1, fmt.Errorf("creating cgroup %s: %w", p, err)
	}
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("opening cgroup %s: %w", p, err)
	}
	return fd, nil
}

func (r *runDir) killAll() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return killCgroup(r.cgroup)
}

func (r *runDir) remove() error {
	errs := []error{removeCgroup(r.cgroup)}
	if err := os.RemoveAll(r.work); err != nil {
		errs = append(errs, err)
	}
	os.Remove(ownerFile(r.name))
	return errors.Join(errs...)
}

// killCgroup kills every process in the subtree and waits until it is empty.
func killCgroup(cg string) error {
	if _, err := os.Stat(cg); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0); err != nil {
		return fmt.Errorf("killing %s: %w", cg, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(cg, "cgroup.events"))
		if err != nil || strings.Contains(string(b), "populated 0") {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("cgroup %s still populated after kill", cg)
}

// removeCgroup removes a cgroup directory and its children, deepest first.
func removeCgroup(cg string) error {
	var dirs []string
	filepath.WalkDir(cg, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	var last error
	for _, d := range dirs {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
			last = fmt.Errorf("removing cgroup %s: %w", d, err)
		}
	}
	return last
}

// OwnerDir holds every run's owner tag (runner PID and start time), in one
// place whatever work root a run uses, so any runner's sweep can tell a live
// run from a dead one.
const OwnerDir = DefaultWorkRoot + "/owners"

func ownerFile(run string) string { return filepath.Join(OwnerDir, run+".owner") }

// abandoned reports whether run's owner is gone. A run without a tag is
// only taken for abandoned once it is a minute old (tags are written before
// anything else, so this only covers runners that died in between).
func abandoned(run, path string) bool {
	tag, err := os.ReadFile(ownerFile(run))
	if err == nil {
		return !ownerAlive(string(tag))
	}
	st, err := os.Stat(path)
	return err == nil && time.Since(st.ModTime()) > time.Minute
}

// SweepLeftovers removes what runners that died without cleaning up (e.g.
// after SIGKILL) left behind: their cgroups with every process in them, and
// their scratch directories. Runs of live runners are left alone. It returns
// the names it removed.
func SweepLeftovers(workRoot string) []string {
	if workRoot == "" {
		workRoot = DefaultWorkRoot
	}
	var swept []string
	cgRoot, err := cgroupRoot()
	if err == nil {
		base := filepath.Join(cgRoot, cgroupGroup)
		ents, _ := os.ReadDir(base)
		for _, e := range ents {
			if !e.IsDir() || !strings.HasPrefix(e.Name(), "run-") || !abandoned(e.Name(), filepath.Join(base, e.Name())) {
				continue
			}
			cg := filepath.Join(base, e.Name())
			killCgroup(cg)
			removeCgroup(cg)
			swept = append(swept, "cgroup:"+e.Name())
		}
	}
	for _, root := range []string{workRoot, DefaultWorkRoot} {
		ents, _ := os.ReadDir(root)
		for _, e := range ents {
			if !e.IsDir() || !strings.HasPrefix(e.Name(), "run-") || !abandoned(e.Name(), filepath.Join(root, e.Name())) {
				continue
			}
			// Unmount anything a VM or container left mounted below it first.
			unmountBelow(filepath.Join(root, e.Name()))
			os.RemoveAll(filepath.Join(root, e.Name()))
			swept = append(swept, "dir:"+e.Name())
		}
	}
	tags, _ := os.ReadDir(OwnerDir)
	for _, e := range tags {
		run := strings.TrimSuffix(e.Name(), ".owner")
		if tag, _ := os.ReadFile(ownerFile(run)); !ownerAlive(string(tag)) {
			os.Remove(ownerFile(run))
		}
	}
	return swept
}

// unmountBelow detaches mounts under dir in the runner's own namespace.
func unmountBelow(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mps []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			mps = append(mps, f[4])
		}
	}
	sort.Slice(mps, func(i, j int) bool { return len(mps[i]) > len(mps[j]) })
	for _, m := range mps {
		unix.Unmount(m, unix.MNT_DETACH)
	}
}
