package manager

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitpath"
)

// mountLog records what a test manager logs.
type mountLog struct {
	NopObserver
	mu    sync.Mutex
	lines []string
}

func (l *mountLog) Log(e LogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, e.Message)
}

func (l *mountLog) has(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if x == msg {
			return true
		}
	}
	return false
}

// mountTestManager is a manager that sees only the given unit files and
// follows table (a mountinfo file) instead of the kernel's.
func mountTestManager(t *testing.T, table string, units map[string]string) (*Manager, *mountLog, string) {
	t.Helper()
	dir := t.TempDir()
	unitDir := filepath.Join(dir, "units")
	if err := os.MkdirAll(unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range units {
		if err := os.WriteFile(filepath.Join(unitDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tablePath := filepath.Join(dir, "mountinfo")
	if err := os.WriteFile(tablePath, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	old := procSelfMountinfo
	procSelfMountinfo = tablePath
	t.Cleanup(func() { procSelfMountinfo = old })
	d := unit.NewDefaults()
	d.InContainer, d.SwapSupported, d.DevicesSupported = false, false, true
	log := &mountLog{}
	m, err := New(Config{Scope: unitpath.System, Defaults: d, Observer: log,
		LookupEnv: func(k string) (string, bool) {
			if k == "SYSTEMD_UNIT_PATH" {
				return unitDir, true
			}
			return "", false
		}})
	if err != nil {
		t.Fatal(err)
	}
	enumerateMounts(m)
	return m, log, tablePath
}

// depsOf lists u's dependencies of kind k, sorted.
func depsOf(u *Unit, k dep.Kind) []string {
	l := u.cfg.Deps[k].List()
	sort.Strings(l)
	if l == nil {
		l = []string{}
	}
	return l
}

func mountOf(t *testing.T, m *Manager, name string) (*Unit, *mount) {
	t.Helper()
	u := m.units[name]
	if u == nil {
		t.Fatalf("%s: not loaded", name)
	}
	x, ok := u.kind.(*mount)
	if !ok {
		t.Fatalf("%s: kind %T", name, u.kind)
	}
	return u, x
}

const testTable = `29 1 254:0 / / rw,relatime - ext4 /dev/vda rw
30 29 0:5 / /dev rw,nosuid - devtmpfs devtmpfs rw,mode=755
31 30 0:6 /null /dev/null rw,relatime - devtmpfs devtmpfs rw,mode=755
32 29 0:40 / /run rw,nosuid,nodev - tmpfs tmpfs rw,mode=755
33 32 0:41 / /run/lock rw,nosuid,nodev,noexec - tmpfs tmpfs rw,size=5120k
34 29 0:42 / /mnt/data rw,relatime - tmpfs tmpfs rw,size=1024k
35 29 0:43 / /mnt/net rw,relatime - nfs4 server:/export rw,vers=4.2
36 29 8:1 / /srv/disk rw,relatime - ext4 /dev/sda1 rw
37 29 0:44 / /proc/sys/fs/binfmt_misc rw,relatime - autofs systemd-1 rw,fd=5,direct
38 29 8:2 / /srv/file rw,relatime - ext4 /dev/sda2 rw
`

// Every mount of the table becomes a unit, mounted, with the
// dependencies 252 gives mounts it did not make (mount_setup_new_unit,
// mount_add_extras).
func TestMountEnumerate(t *testing.T) {
	m, _, _ := mountTestManager(t, testTable, map[string]string{
		"srv-file.mount": "[Unit]\nDescription=A file system\n[Mount]\nWhat=/dev/disk/by-label/files\nWhere=/srv/file\nOptions=nofail\n",
	})
	var names []string
	for _, u := range m.order {
		if _, ok := u.kind.(*mount); ok && u.LoadState().String() == "loaded" {
			names = append(names, u.ID())
		}
	}
	sort.Strings(names)
	want := []string{"-.mount", "dev-null.mount", "mnt-data.mount", "mnt-net.mount", "srv-disk.mount", "srv-file.mount"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("loaded mount units %q, want %q", names, want)
	}
	for _, n := range want {
		u, x := mountOf(t, m, n)
		if x.state != mntMounted || u.ActiveState().String() != "active" {
			t.Errorf("%s: %s/%s, want active/mounted", n, u.ActiveState(), u.SubState())
		}
	}

	root, x := mountOf(t, m, "-.mount")
	p := root.Runtime()
	if !root.cfg.Perpetual || root.cfg.Description != "Root Mount" || root.cfg.SourcePath != "" || root.invocationID != "" ||
		root.cfg.DefaultDependencies || p["What"] != "/dev/vda" || p["Type"] != "ext4" || x.proc.Options != "rw,relatime" {
		t.Errorf("-.mount: perpetual=%v description=%q source=%q invocation=%q defaultdeps=%v runtime=%v",
			root.cfg.Perpetual, root.cfg.Description, root.cfg.SourcePath, root.invocationID, root.cfg.DefaultDependencies, p)
	}

	null, _ := mountOf(t, m, "dev-null.mount")
	if null.cfg.Description != "/dev/null" || null.cfg.SourcePath != procSelfMountinfo || null.invocationID == "" ||
		null.cfg.Slice != "-.slice" || !reflect.DeepEqual(null.cfg.RequiresMountsFor, []string{"/dev"}) {
		t.Errorf("dev-null.mount: description=%q source=%q invocation=%q slice=%q mountsfor=%q",
			null.cfg.Description, null.cfg.SourcePath, null.invocationID, null.cfg.Slice, null.cfg.RequiresMountsFor)
	}
	if got := depsOf(null, dep.Before); len(got) != 0 {
		t.Errorf("dev-null.mount is below /dev, no default dependencies; Before=%q", got)
	}

	data, _ := mountOf(t, m, "mnt-data.mount")
	if got := depsOf(data, dep.Before); !reflect.DeepEqual(got, []string{"local-fs.target", "umount.target"}) {
		t.Errorf("mnt-data.mount Before=%q", got)
	}
	if got := depsOf(data, dep.After); !reflect.DeepEqual(got, []string{"-.mount", "local-fs-pre.target", "swap.target", "system.slice", "systemd-journald.socket"}) {
		t.Errorf("mnt-data.mount After=%q", got)
	}
	if got := depsOf(data, dep.Conflicts); !reflect.DeepEqual(got, []string{"umount.target"}) || data.cfg.Slice != "system.slice" {
		t.Errorf("mnt-data.mount Conflicts=%q Slice=%q", got, data.cfg.Slice)
	}

	net, _ := mountOf(t, m, "mnt-net.mount")
	if got := depsOf(net, dep.Before); !reflect.DeepEqual(got, []string{"remote-fs.target", "umount.target"}) {
		t.Errorf("mnt-net.mount Before=%q", got)
	}
	if got := depsOf(net, dep.Wants); !reflect.DeepEqual(got, []string{"network-online.target"}) {
		t.Errorf("mnt-net.mount Wants=%q", got)
	}
	if got := depsOf(net, dep.After); !reflect.DeepEqual(got, []string{"-.mount", "network-online.target", "network.target", "remote-fs-pre.target", "system.slice", "systemd-journald.socket"}) {
		t.Errorf("mnt-net.mount After=%q", got)
	}

	// A mount of a device the kernel reports: Requires= (not
	// StopPropagatedFrom=: no unit file) on its device unit.
	disk, _ := mountOf(t, m, "srv-disk.mount")
	if got := depsOf(disk, dep.Requires); !reflect.DeepEqual(got, []string{"dev-sda1.device", "system.slice"}) {
		t.Errorf("srv-disk.mount Requires=%q", got)
	}
	if got := depsOf(disk, dep.StopPropagatedFrom); len(got) != 0 {
		t.Errorf("srv-disk.mount StopPropagatedFrom=%q", got)
	}
	if got := depsOf(disk, dep.After); !reflect.DeepEqual(got, []string{"-.mount", "blockdev@dev-sda1.target", "dev-sda1.device", "local-fs-pre.target", "system.slice", "systemd-journald.socket"}) {
		t.Errorf("srv-disk.mount After=%q", got)
	}

	// With a unit file: the device is the kernel's, stop propagates from
	// it, the file's What= is a path the mount needs, nofail is the
	// file's; found in the table first, its source stays the table
	// (loading a file does not reset source_path).
	file, _ := mountOf(t, m, "srv-file.mount")
	if got := depsOf(file, dep.StopPropagatedFrom); !reflect.DeepEqual(got, []string{"dev-sda2.device"}) {
		t.Errorf("srv-file.mount StopPropagatedFrom=%q", got)
	}
	if got := depsOf(file, dep.Before); !reflect.DeepEqual(got, []string{"umount.target"}) {
		t.Errorf("srv-file.mount Before=%q (nofail)", got)
	}
	if !reflect.DeepEqual(file.cfg.RequiresMountsFor, []string{"/srv", "/dev/disk/by-label/files"}) || file.cfg.SourcePath != procSelfMountinfo ||
		file.Runtime()["What"] != "/dev/sda2" {
		t.Errorf("srv-file.mount mountsfor=%q source=%q What=%v", file.cfg.RequiresMountsFor, file.cfg.SourcePath, file.Runtime()["What"])
	}

	// API file systems and autofs have no units; a unit file nobody
	// mounted loads as not-found.
	for _, n := range []string{"run-lock.mount", "run.mount", "dev.mount", "proc-sys-fs-binfmt_misc.mount"} {
		if m.units[n] != nil {
			t.Errorf("%s: loaded", n)
		}
	}
	if u, err := m.LoadUnitLoop("mnt-other.mount"); err != nil || u.LoadState().String() != "not-found" {
		t.Errorf("mnt-other.mount: %v %v", u.LoadState(), err)
	}
}

// The units follow the table: an unmount makes a unit dead (and
// collectable), a mount of a unit known as not-found makes it loaded and
// mounted with a new invocation.
func TestMountFollowsTable(t *testing.T) {
	m, _, path := mountTestManager(t, testTable, nil)
	data, x := mountOf(t, m, "mnt-data.mount")
	first := data.invocationID
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(testTable, "/mnt/data", "/mnt/elsewhere")), 0o644); err != nil {
		t.Fatal(err)
	}
	x.t.rescan(m)
	if x.state != mntDead || x.fromProc || !m.mayGC(data) || data.Runtime()["What"] != "" {
		t.Errorf("unmounted: state %s fromProc %v mayGC %v What %v", mountStateNames[x.state], x.fromProc, m.mayGC(data), data.Runtime()["What"])
	}
	if _, y := mountOf(t, m, "mnt-elsewhere.mount"); y.state != mntMounted {
		t.Errorf("mnt-elsewhere.mount: %s", mountStateNames[y.state])
	}

	late, err := m.LoadUnitLoop("mnt-late.mount")
	if err != nil || late.LoadState().String() != "not-found" {
		t.Fatalf("mnt-late.mount: %v %v", late.LoadState(), err)
	}
	if err := os.WriteFile(path, []byte(testTable+"40 29 0:50 / /mnt/late rw - tmpfs tmpfs rw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	x.t.rescan(m)
	if late.LoadState().String() != "loaded" || late.SubState() != "mounted" || late.cfg.Mount.Where != "/mnt/late" {
		t.Errorf("mnt-late.mount: %s %s Where=%q", late.LoadState(), late.SubState(), late.cfg.Mount.Where)
	}
	if x.state != mntMounted || data.invocationID == first || data.invocationID == "" {
		t.Errorf("mnt-data.mount again: %s invocation %q (first %q)", mountStateNames[x.state], data.invocationID, first)
	}
}

// A mount(8) that exits without the mount appearing is a protocol
// failure; one whose mount appeared is mounted (mount_sigchld_event).
func TestMountControlExit(t *testing.T) {
	m, log, path := mountTestManager(t, testTable, map[string]string{
		"mnt-x.mount": "[Mount]\nWhat=tmpfs\nWhere=/mnt/x\nType=tmpfs\n",
	})
	u, err := m.LoadUnitLoop("mnt-x.mount")
	if err != nil {
		t.Fatal(err)
	}
	x := u.kind.(*mount)
	x.state, x.controlPID, x.controlCmd = mntMounting, 999999, mountExecMount
	x.exec[mountExecMount].set(mountArgv(u.cfg.Mount, "/mnt/x", false, false))
	m.watchPIDLoop(999999, u)
	x.childExited(999999, cldExited, 0)
	if x.state != mntFailed || x.result != mntProtocol || !log.has("mnt-x.mount: Mount process finished, but there is no mount.") {
		t.Errorf("no mount: %s %s", mountStateNames[x.state], x.result)
	}
	if st := x.exec[mountExecMount].status(); len(st) != 1 || st[0].Code != cldExited || st[0].Path != "/bin/mount" {
		t.Errorf("ExecMount=%+v", st)
	}

	x.resetFailed()
	if err := os.WriteFile(path, []byte(testTable+"41 29 0:51 / /mnt/x rw - tmpfs tmpfs rw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	x.state, x.controlPID, x.controlCmd = mntMounting, 999998, mountExecMount
	m.watchPIDLoop(999998, u)
	x.childExited(999998, cldExited, 0)
	if x.state != mntMounted || x.result != mntSuccess || u.Runtime()["ControlPID"] != uint32(0) {
		t.Errorf("mounted: %s %s", mountStateNames[x.state], x.result)
	}
}

// Timeouts kill the control process and end as 252's mount_dispatch_timer
// says; with nothing left to kill the states fall through at once.
func TestMountTimeout(t *testing.T) {
	m, log, _ := mountTestManager(t, testTable, map[string]string{
		"mnt-y.mount": "[Mount]\nWhat=tmpfs\nWhere=/mnt/y\nType=tmpfs\n",
	})
	u, err := m.LoadUnitLoop("mnt-y.mount")
	if err != nil {
		t.Fatal(err)
	}
	x := u.kind.(*mount)
	x.state = mntMounting
	x.timeout()
	if x.state != mntFailed || x.result != mntTimeout || !log.has("mnt-y.mount: Mounting timed out. Terminating.") {
		t.Errorf("mounting timeout: %s %s", mountStateNames[x.state], x.result)
	}

	// A timed-out unmount of a mount still there stays mounted.
	data, y := mountOf(t, m, "mnt-data.mount")
	y.state = mntUnmounting
	y.timeout()
	if y.state != mntMounted || y.result != mntTimeout || data.ActiveState().String() != "active" {
		t.Errorf("unmounting timeout: %s %s", mountStateNames[y.state], y.result)
	}
}

// Devices: named by their path, dead without udev, never started.
func TestDeviceUnit(t *testing.T) {
	m, _, _ := mountTestManager(t, testTable, nil)
	u, err := m.LoadUnitLoop("dev-sdz.device")
	if err != nil {
		t.Fatal(err)
	}
	d := u.kind.(*device)
	if u.cfg.Description != "/dev/sdz" || u.SubState() != "dead" || !u.cfg.IgnoreOnIsolate {
		t.Errorf("dev-sdz.device: %q %s %v", u.cfg.Description, u.SubState(), u.cfg.IgnoreOnIsolate)
	}
	m.cfg.Defaults.DevicesSupported = false
	if err := d.start(); err != errUnsupported {
		t.Errorf("start without udev: %v", err)
	}
	m.cfg.Defaults.DevicesSupported = true
	if err := d.start(); err != errBadR {
		t.Errorf("start: %v", err)
	}
}
