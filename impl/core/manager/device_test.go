package manager

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/udev"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitpath"
)

// devLog records what a device test manager logs and shows.
type devLog struct {
	NopObserver
	mu     sync.Mutex
	lines  []string
	status []string
}

func (l *devLog) Log(e LogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, e.Message)
}

func (l *devLog) Status(_ StatusType, s, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status = append(l.status, s+"|"+text)
}

func (l *devLog) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range append(append([]string(nil), l.lines...), l.status...) {
		if strings.Contains(x, sub) {
			return true
		}
	}
	return false
}

// udevFixture is impl/udev's fixture tree: the oracle VM's devices.
func udevFixture(t testing.TB) udev.FS {
	root, err := filepath.Abs("../../udev/testdata/root")
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string][3]uint32{
		"/dev/vda": {1, 254, 0}, "/dev/vdb": {1, 254, 16}, "/dev/loop0": {1, 7, 0},
		"/dev/ttyS0": {0, 4, 64}, "/dev/ttyS1": {0, 4, 65},
	}
	return udev.FS{Root: root, StatNode: func(p string) (bool, uint32, uint32, error) {
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			return false, 0, 0, err
		}
		n, ok := nodes[strings.TrimPrefix(r, root)]
		if !ok {
			return false, 0, 0, udev.ErrNotDevice
		}
		return n[0] == 1, n[1], n[2], nil
	}}
}

// deviceTestManager is a manager that sees only the given unit files
// and reads udev's devices from the fixture; no monitor socket is
// opened (tests hand it uevents).
func deviceTestManager(t testing.TB, units map[string]string) (*Manager, *devLog) {
	t.Helper()
	dir := t.TempDir()
	unitDir := filepath.Join(dir, "units")
	if err := os.MkdirAll(unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range units {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(unitDir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(unitDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := unit.NewDefaults()
	d.InContainer, d.SwapSupported, d.DevicesSupported = false, false, true
	log := &devLog{}
	m, err := New(Config{Scope: unitpath.System, Defaults: d, Observer: log, NoEnumerate: true,
		LookupEnv: func(k string) (string, bool) {
			if k == "SYSTEMD_UNIT_PATH" {
				return unitDir, true
			}
			return "", false
		}})
	if err != nil {
		t.Fatal(err)
	}
	tb := devicesOf(m)
	tb.fs = udevFixture(t)
	tb.monitor = &deviceMonitor{}
	return m, log
}

func deviceOf(t *testing.T, m *Manager, name string) *device {
	t.Helper()
	u := m.units[name]
	if u == nil {
		t.Fatalf("no unit %s", name)
	}
	return u.kind.(*device)
}

func deviceUnits(m *Manager) []string {
	var out []string
	for _, u := range m.order {
		if _, ok := u.kind.(*device); ok {
			out = append(out, u.ID()+" "+u.SubState())
		}
	}
	sort.Strings(out)
	return out
}

func TestDeviceEnumerate(t *testing.T) {
	m, log := deviceTestManager(t, nil)
	enumerateDevices(m)
	want := []string{
		`dev-console\x2dalias.device plugged`,
		`dev-disk-by\x2ddiskseq-1.device plugged`,
		`dev-disk-by\x2ddiskseq-2.device plugged`,
		`dev-disk-by\x2dlabel-gosd\x2doverlay.device plugged`,
		`dev-disk-by\x2dlabel-root.device plugged`,
		`dev-disk-by\x2duuid-9e1ccd0c\x2dd1eb\x2d4fd0\x2d9d3c\x2d1b77665aedaf.device plugged`,
		"dev-ttyS0.device plugged",
		"dev-ttyS1.device plugged",
		"dev-vda.device plugged",
		"dev-vdb.device plugged",
		"sys-devices-platform-LNRO0005:00-virtio0-block-vda.device plugged",
		"sys-devices-platform-LNRO0005:01-virtio1-block-vdb.device plugged",
		"sys-devices-platform-serial8250-tty-ttyS1.device plugged",
		"sys-devices-pnp0-00:00-tty-ttyS0.device plugged",
		"sys-devices-virtual-net-eth0.device plugged",
		"sys-module-configfs.device plugged",
		"sys-module-fuse.device plugged",
		"sys-subsystem-net-devices-eth0.device plugged",
	}
	if got := deviceUnits(m); !reflect.DeepEqual(got, want) {
		t.Errorf("device units\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Node, links and aliases follow the syspath's unit.
	vda := m.units["dev-vda.device"]
	if f := vda.Following(); f != "sys-devices-platform-LNRO0005:00-virtio0-block-vda.device" {
		t.Errorf("dev-vda follows %q", f)
	}
	if f := m.units["sys-devices-platform-LNRO0005:00-virtio0-block-vda.device"].Following(); f != "" {
		t.Errorf("the syspath's unit follows %q", f)
	}
	p := vda.Runtime()
	if p["SysFSPath"] != "/sys/devices/platform/LNRO0005:00/virtio0/block/vda" || p["Following"] != "sys-devices-platform-LNRO0005:00-virtio0-block-vda.device" {
		t.Errorf("dev-vda runtime %v %v", p["SysFSPath"], p["Following"])
	}
	if vda.cfg.Description != "/dev/vda" || vda.cfg.JobRunningTimeout != 90_000_000 {
		t.Errorf("dev-vda description %q, running timeout %d", vda.cfg.Description, vda.cfg.JobRunningTimeout)
	}
	// ID_MODEL and a label make the description.
	if d := m.units["dev-vdb.device"].cfg.Description; d != "Virtio Disk gosd-overlay" {
		t.Errorf("dev-vdb description %q", d)
	}
	if d := m.units["dev-ttyS1.device"].cfg.Description; d != "QEMU_Serial" {
		t.Errorf("dev-ttyS1 description %q", d)
	}
	// SYSTEMD_WANTS=: templates get the syspath as instance, others are
	// mangled; only the main unit wants them.
	ttyS1 := m.units["sys-devices-platform-serial8250-tty-ttyS1.device"]
	wants := depsOf(ttyS1, dep.Wants)
	wantWants := []string{`foo\x20bar.service`, `serial-getty@sys-devices-platform-serial8250-tty-ttyS1.service`}
	if !reflect.DeepEqual(wants, wantWants) {
		t.Errorf("ttyS1 wants %q", wants)
	}
	if w := depsOf(m.units["dev-ttyS1.device"], dep.Wants); len(w) != 0 {
		t.Errorf("the node unit wants %q", w)
	}
	if w := depsOf(m.units["sys-module-fuse.device"], dep.Wants); !reflect.DeepEqual(w, []string{"sys-fs-fuse-connections.mount"}) {
		t.Errorf("fuse wants %q", w)
	}
	if wb := depsOf(m.units["sys-fs-fuse-connections.mount"], dep.WantedBy); !reflect.DeepEqual(wb, []string{"sys-module-fuse.device"}) {
		t.Errorf("fuse-connections wanted by %q", wb)
	}
	if !log.has(`The alias "relative" specified in SYSTEMD_ALIAS is not an absolute path, ignoring.`) {
		t.Errorf("no warning about the relative alias: %q", log.lines)
	}
	// The loop device is not ready: no units for it or its link.
	if m.units[`dev-disk-by\x2ddiskseq-3.device`] != nil || m.units["dev-loop0.device"] != nil {
		t.Error("units for a device with SYSTEMD_READY=0")
	}
}

// uevent builds a device as udevd would broadcast it.
func uevent(t *testing.T, props ...string) *udev.Device {
	t.Helper()
	d, err := udev.NewDevice(props...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeviceStartJobWaitsForUevent(t *testing.T) {
	m, log := deviceTestManager(t, map[string]string{
		"getty.service": "[Unit]\nBindsTo=dev-ttyS9.device\nAfter=dev-ttyS9.device\n[Service]\nExecStart=/bin/true\n",
	})
	enumerateDevices(m)
	dev := mustLoad(t, m, "dev-ttyS9.device")
	j, err := m.EnqueueLoop(jobStart, dev, job.Replace)
	if err != nil {
		t.Fatal(err)
	}
	m.dispatchRunQueue()
	if dev.job != j || !j.running || dev.ActiveState() != state.Inactive {
		t.Fatalf("the start job should wait: job %v running %v state %s", dev.job, j.running, dev.ActiveState())
	}
	if !log.has("Expecting device dev-ttyS9.device - /dev/ttyS9...") {
		t.Errorf("no Expecting message: %q", log.lines)
	}
	if !dev.conditionResult {
		t.Error("conditions are tested by the start job")
	}
	add := uevent(t, "ACTION=add", "DEVPATH=/devices/platform/serial8250/tty/ttyS9", "SUBSYSTEM=tty", "SEQNUM=10",
		"MAJOR=4", "MINOR=73", "DEVNAME=/dev/ttyS9", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:", "UDEV_DATABASE_VERSION=1")
	devicesOf(m).dispatchUevent(m, add)
	m.dispatchRunQueue()
	if dev.job != nil || dev.SubState() != "plugged" {
		t.Fatalf("after the uevent: job %v state %s", dev.job, dev.SubState())
	}
	if !log.has("Found device dev-ttyS9.device - /dev/ttyS9.") {
		t.Errorf("no Found message: %q", log.lines)
	}
	if dev.Following() != "sys-devices-platform-serial8250-tty-ttyS9.device" {
		t.Errorf("following %q", dev.Following())
	}
	if dev.invocationID == "" {
		t.Error("a found device gets an invocation ID")
	}

	// A change saying the device is not ready makes it dead.
	change := uevent(t, "ACTION=change", "DEVPATH=/devices/platform/serial8250/tty/ttyS9", "SUBSYSTEM=tty", "SEQNUM=11",
		"MAJOR=4", "MINOR=73", "DEVNAME=/dev/ttyS9", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:", "UDEV_DATABASE_VERSION=1",
		"SYSTEMD_READY=0")
	devicesOf(m).dispatchUevent(m, change)
	if dev.SubState() != "dead" || m.units["sys-devices-platform-serial8250-tty-ttyS9.device"].SubState() != "dead" {
		t.Errorf("not ready: %s", deviceUnits(m))
	}
	if dev.Runtime()["SysFSPath"] != "" {
		t.Error("a dead device keeps no syspath")
	}
	devicesOf(m).dispatchUevent(m, add)
	if dev.SubState() != "plugged" {
		t.Errorf("back: %s", dev.SubState())
	}

	// Removal: every unit of the syspath is dead, and what is bound to
	// it stops.
	getty := mustLoad(t, m, "getty.service")
	getty.kind.(*service).state = svcRunning
	rm := uevent(t, "ACTION=remove", "DEVPATH=/devices/platform/serial8250/tty/ttyS9", "SUBSYSTEM=tty", "SEQNUM=12",
		"MAJOR=4", "MINOR=73", "DEVNAME=/dev/ttyS9", "TAGS=:systemd:", "UDEV_DATABASE_VERSION=1")
	devicesOf(m).dispatchUevent(m, rm)
	if dev.SubState() != "dead" || m.units["sys-devices-platform-serial8250-tty-ttyS9.device"].SubState() != "dead" {
		t.Errorf("after remove: %s", deviceUnits(m))
	}
	if getty.job == nil || getty.job.typ != jobStop {
		t.Errorf("the bound service gets no stop job: %v", getty.job)
	}
	if len(devicesOf(m).bySysfs["/sys/devices/platform/serial8250/tty/ttyS9"]) != 0 {
		t.Error("the syspath's list survived the removal")
	}
}

func TestDeviceJobTimeout(t *testing.T) {
	m, log := deviceTestManager(t, map[string]string{
		"dev-ttyS8.device.d/timeout.conf": "[Unit]\nJobRunningTimeoutSec=50ms\n",
	})
	dev := mustLoad(t, m, "dev-ttyS8.device")
	if dev.cfg.JobRunningTimeout != 50_000 {
		t.Fatalf("JobRunningTimeoutSec= from the drop-in: %d", dev.cfg.JobRunningTimeout)
	}
	if _, err := m.EnqueueLoop(jobStart, dev, job.Replace); err != nil {
		t.Fatal(err)
	}
	m.dispatchRunQueue()
	if dev.job == nil {
		t.Fatal("no waiting job")
	}
	m.timers.fire(time.Now().Add(time.Second))
	if dev.job != nil {
		t.Fatal("the job outlived its timeout")
	}
	for _, want := range []string{"dev-ttyS8.device: Job dev-ttyS8.device/start timed out.",
		"Timed out waiting for device dev-ttyS8.device - /dev/ttyS8.",
		"dev-ttyS8.device: Job dev-ttyS8.device/start failed with result 'timeout'."} {
		if !log.has(want) {
			t.Errorf("missing %q in %q", want, log.lines)
		}
	}
	// The default is DefaultDeviceTimeoutSec=.
	if d := mustLoad(t, m, "dev-ttyS7.device"); d.cfg.JobRunningTimeout != 90_000_000 {
		t.Errorf("default running timeout %d", d.cfg.JobRunningTimeout)
	}
}

func TestDeviceLinksMoveBetweenDevices(t *testing.T) {
	m, _ := deviceTestManager(t, nil)
	enumerateDevices(m)
	link := m.units[`dev-disk-by\x2dlabel-root.device`]
	if link.kind.(*device).sysfs != "/sys/devices/platform/LNRO0005:00/virtio0/block/vda" {
		t.Fatalf("link sysfs %q", link.kind.(*device).sysfs)
	}
	// vdb now claims the label too (the fixture's link still points to
	// vda): the unit stays with the device its link points to.
	change := uevent(t, "ACTION=change", "DEVPATH=/devices/platform/LNRO0005:01/virtio1/block/vdb", "SUBSYSTEM=block",
		"SEQNUM=20", "MAJOR=254", "MINOR=16", "DEVNAME=/dev/vdb", "DEVTYPE=disk", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:",
		"UDEV_DATABASE_VERSION=1", "DEVLINKS=/dev/disk/by-label/root /dev/disk/by-diskseq/2")
	devicesOf(m).dispatchUevent(m, change)
	if s := link.kind.(*device).sysfs; s != "/sys/devices/platform/LNRO0005:00/virtio0/block/vda" || link.SubState() != "plugged" {
		t.Errorf("link now %q %s", s, link.SubState())
	}
	// The by-label/gosd-overlay unit, no longer among vdb's links, is
	// checked again and still found through its link.
	if u := m.units[`dev-disk-by\x2dlabel-gosd\x2doverlay.device`]; u.SubState() != "plugged" {
		t.Errorf("overlay link %s", u.SubState())
	}
}

func TestDeviceMountFound(t *testing.T) {
	m, _ := deviceTestManager(t, nil)
	devicesMounted(m, []string{"/dev/vda", "tmpfs", "/dev/missing"})
	if s := m.units["dev-vda.device"].SubState(); s != "tentative" {
		t.Errorf("a mounted device udev has not reported is tentative, not %s", s)
	}
	if s := m.units["dev-missing.device"].SubState(); s != "tentative" {
		t.Errorf("a mounted node without device: %s", s)
	}
	enumerateDevices(m)
	if s := m.units["dev-vda.device"].SubState(); s != "plugged" {
		t.Errorf("after udev: %s", s)
	}
	devicesMounted(m, []string{"tmpfs"})
	if s := m.units["dev-vda.device"].SubState(); s != "plugged" {
		t.Errorf("unmounted but in udev: %s", s)
	}
	if s := m.units["dev-missing.device"].SubState(); s != "dead" {
		t.Errorf("unmounted and unknown: %s", s)
	}
}

func TestDeviceMonitorQueueBounded(t *testing.T) {
	m, _ := deviceTestManager(t, nil)
	dm := &deviceMonitor{}
	// Nobody drains: the loop is busy. The queue stops at its bound.
	dm.posted = true
	d := uevent(t, "ACTION=change", "DEVPATH=/devices/x", "SUBSYSTEM=tty", "SEQNUM=1")
	for i := 0; i < 3*maxQueuedUevents; i++ {
		dm.push(m, d)
	}
	if len(dm.queue) != maxQueuedUevents || !dm.lost {
		t.Errorf("queue %d, lost %v", len(dm.queue), dm.lost)
	}
	// Draining goes in batches and ends with a resync.
	turns := 0
	for dm.posted && turns < 100 {
		dm.drain(m)
		m.timers.fire(time.Now())
		turns++
		if len(dm.queue) == 0 {
			break
		}
	}
	if len(dm.queue) != 0 || dm.lost {
		t.Errorf("after draining: %d queued, lost %v", len(dm.queue), dm.lost)
	}
}

func TestDeviceReloadKeepsUdevState(t *testing.T) {
	// ttyS1's SYSTEMD_WANTS= names an instance of this template.
	m, _ := deviceTestManager(t, map[string]string{
		"serial-getty@.service": "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\n",
	})
	enumerateDevices(m)
	if n := m.NJobsLoop(); n == 0 {
		t.Error("a device plugged at startup starts what it wants")
	}
	// A device only an event told of, wanting a unit that is not
	// running.
	devicesOf(m).dispatchUevent(m, uevent(t, "ACTION=add", "DEVPATH=/devices/virtual/misc/gone", "SUBSYSTEM=misc",
		"SEQNUM=30", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:", "UDEV_DATABASE_VERSION=1"))
	if s := m.units["sys-devices-virtual-misc-gone.device"].SubState(); s != "plugged" {
		t.Fatalf("event device %s", s)
	}
	for _, j := range m.JobsLoop() {
		m.CancelJobLoop(j)
	}
	m.ReloadLoop()
	if n := m.NJobsLoop(); n != 0 {
		t.Errorf("daemon-reload queued %d jobs", n)
	}
	// udev's database does not list it: gone after the reload, as 252's
	// catchup has it.
	if s := m.units["sys-devices-virtual-misc-gone.device"].SubState(); s != "dead" {
		t.Errorf("a device missing from the database is %s after reload", s)
	}
	u := m.units["sys-module-fuse.device"]
	if w := depsOf(u, dep.Wants); !reflect.DeepEqual(w, []string{"sys-fs-fuse-connections.mount"}) {
		t.Errorf("fuse wants after reload %q", w)
	}
	if d := m.units["dev-vdb.device"].cfg.Description; d != "Virtio Disk gosd-overlay" {
		t.Errorf("description after reload %q", d)
	}
	if s := m.units["dev-vda.device"].SubState(); s != "plugged" {
		t.Errorf("state after reload %s", s)
	}
}

func TestFoundString(t *testing.T) {
	for _, f := range []deviceFound{0, foundUdev, foundMount | foundSwap, foundMask} {
		g, ok := parseFound(f.String())
		if !ok || g != f {
			t.Errorf("%v -> %q -> %v", f, f.String(), g)
		}
	}
	if _, ok := parseFound("found-udev,bogus"); ok {
		t.Error("bogus accepted")
	}
}

// BenchmarkDispatchUevent is one "change" event of a disk with four
// links whose units exist: what each uevent costs the loop.
func BenchmarkDispatchUevent(b *testing.B) {
	m, _ := deviceTestManager(b, nil)
	enumerateDevices(m)
	d, err := udev.NewDevice("ACTION=change", "DEVPATH=/devices/platform/LNRO0005:00/virtio0/block/vda", "SUBSYSTEM=block",
		"DEVTYPE=disk", "SEQNUM=99", "MAJOR=254", "MINOR=0", "DEVNAME=/dev/vda", "TAGS=:systemd:", "CURRENT_TAGS=:systemd:",
		"UDEV_DATABASE_VERSION=1", "DEVLINKS=/dev/disk/by-label/root /dev/disk/by-diskseq/1 /dev/disk/by-uuid/9e1ccd0c-d1eb-4fd0-9d3c-1b77665aedaf")
	if err != nil {
		b.Fatal(err)
	}
	tb := devicesOf(m)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb.dispatchUevent(m, d)
	}
}
