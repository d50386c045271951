package manager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unitname"
)

// automountState is an automount's sub-state (252's AutomountState).
type automountState int

const (
	amDead automountState = iota
	amWaiting
	amRunning
	amFailed
)

var automountStateNames = [...]string{"dead", "waiting", "running", "failed"}

var automountActive = [...]state.Active{amDead: state.Inactive, amWaiting: state.Active_, amRunning: state.Active_, amFailed: state.Failed}

// autofsDevice is the kernel's autofs control device.
var autofsDevice = "/dev/autofs"

// automount is the automount unit type: an autofs mount on Where= whose
// first access starts the mount unit of the same path.
type automount struct {
	u      *Unit
	state  automountState
	result string

	// pipe is the read end of the kernel's request pipe while the autofs
	// mount is up; gen tells a closed pipe's reader from the current one.
	pipe  *os.File
	gen   uint64
	devID uint64

	tokens, expireTokens map[uint32]bool
	expire               *timerEntry
}

func init() {
	typeConstructors[unitname.Automount] = func(u *Unit) unitType { return newAutomount(u) }
}

func newAutomount(u *Unit) *automount {
	u.conditionResult, u.assertResult = false, false
	return &automount{u: u, result: "success", tokens: map[uint32]bool{}, expireTokens: map[uint32]bool{}}
}

func (a *automount) activeState() state.Active { return automountActive[a.state] }
func (a *automount) subState() string          { return automountStateNames[a.state] }
func (a *automount) canReload() bool           { return false }
func (a *automount) reload() error             { return errBadR }
func (a *automount) childExited(int, int, int) {}

func (a *automount) where() string { return a.u.cfg.Automount.Where }

// reloadConfig: after daemon-reload, as 252 after deserializing.
func (a *automount) reloadConfig() { reloadedUnit(a.u) }

// mayGC is automount_may_gc: as the mount it triggers.
func (a *automount) mayGC() bool {
	t := a.trigger()
	if t == nil {
		return true
	}
	if g, ok := t.kind.(interface{ mayGC() bool }); ok {
		return g.mayGC()
	}
	return true
}

// supported is automount_supported.
func (a *automount) supported() bool {
	_, err := os.Stat(autofsDevice)
	return err == nil
}

func (a *automount) setState(ns automountState) {
	os := a.state
	a.state = ns
	if ns != amRunning {
		a.stopExpire()
	}
	if ns != amWaiting && ns != amRunning {
		a.unmountAutofs()
	}
	if os != ns {
		a.u.m.logUnit(a.u, LevelDebug, "Changed %s -> %s", automountStateNames[os], automountStateNames[ns])
	}
	a.u.notify(automountActive[os], automountActive[ns], true)
}

func (a *automount) enterDead(f string) {
	if a.result == "success" {
		a.result = f
	}
	a.u.m.logResult(a.u, a.result)
	if a.result != "success" {
		a.setState(amFailed)
	} else {
		a.setState(amDead)
	}
}

// trigger is the mount unit the automount triggers.
func (a *automount) trigger() *Unit {
	for _, o := range a.u.deps(dep.AtomTriggers) {
		return o
	}
	return nil
}

// errRefused fails a start the type refuses (252's -EEXIST, -ENOENT of
// automount_start): the job fails.
var errRefused = errors.New("start refused")

func (a *automount) start() error {
	if !a.supported() {
		return errUnsupported
	}
	u := a.u
	if isMountPoint(a.where()) {
		u.m.logUnit(u, LevelErr, "Path %s is already a mount point, refusing start.", a.where())
		return errRefused
	}
	names := u.cfg.Deps[dep.Triggers].List()
	if len(names) == 0 {
		u.m.logUnit(u, LevelNotice, "Refusing to start, no unit to trigger.")
		return errRefused
	}
	if t := u.m.units[names[0]]; t == nil || t.LoadState() != state.Loaded {
		u.m.logUnit(u, LevelNotice, "Refusing to start, unit %s to trigger not loaded.", names[0])
		return errRefused
	}
	u.invocationID = newInvocationID()
	a.result = "success"
	a.enterWaiting()
	return nil
}

func (a *automount) stop() error {
	a.enterDead("success")
	return nil
}

func (a *automount) resetFailed() {
	if a.state == amFailed {
		a.setState(amDead)
	}
	a.result = "success"
}

func (a *automount) props(p map[string]any) { p["Result"] = a.result }

// release drops the autofs mount when the manager goes away.
func (a *automount) release() { a.unmountAutofs() }

// enterWaiting is automount_enter_waiting: mount autofs on Where= with a
// pipe for the kernel's requests, and wait.
func (a *automount) enterWaiting() {
	m, u := a.u.m, a.u
	where := a.where()
	clear(a.tokens)
	fail := func(err error) {
		m.logUnit(u, LevelErr, "Failed to initialize automounter: %s", errnoText(err))
		a.enterDead("resources")
	}
	if err := m.failIfNoncanonical(u, where); err != nil {
		fail(err)
		return
	}
	_ = mkdirParents(where, os.FileMode(u.cfg.Automount.DirectoryMode))
	m.warnIfDirNonempty(u, where)
	ctl, err := openAutofs()
	if err != nil {
		m.log(LogEntry{Level: LevelErr, Message: "Failed to open /dev/autofs: " + errnoText(err)})
		fail(err)
		return
	}
	defer ctl.Close()
	r, w, err := os.Pipe()
	if err != nil {
		fail(err)
		return
	}
	opts := fmt.Sprintf("fd=%d,pgrp=%d,minproto=5,maxproto=5,direct", w.Fd(), unix.Getpgrp())
	if extra := u.cfg.Automount.ExtraOptions; extra != "" {
		opts += "," + extra
	}
	err = unix.Mount(fmt.Sprintf("systemd-%d", os.Getpid()), where, "autofs", 0, opts)
	w.Close()
	if err != nil {
		r.Close()
		fail(err)
		return
	}
	var st unix.Stat_t
	ioctlFD := -1
	if err = unix.Stat(where, &st); err == nil {
		ioctlFD, err = autofsOpenMount(ctl, where, st.Dev)
	}
	if err == nil {
		err = autofsProtocol(ctl, ioctlFD)
	}
	if err == nil {
		err = autofsSetTimeout(ctl, ioctlFD, u.cfg.Automount.TimeoutIdle)
	}
	if ioctlFD >= 0 {
		unix.Close(ioctlFD)
	}
	if err != nil {
		r.Close()
		if uerr := repeatUnmount(where); uerr != nil {
			m.log(LogEntry{Level: LevelErr, Message: "Failed to unmount, ignoring: " + errnoText(uerr)})
		}
		fail(err)
		return
	}
	a.pipe, a.devID = r, st.Dev
	a.gen++
	gen := a.gen
	m.Watch("automount "+u.ID(), func() { a.read(r, gen) })
	a.setState(amWaiting)
}

// autofsPacketSize is sizeof(union autofs_v5_packet_union) on 64-bit
// Linux.
const autofsPacketSize = 304

// Kernel request types (autofs_ptype_*).
const (
	autofsMissingDirect = 5
	autofsExpireDirect  = 6
)

// read runs on a Watch goroutine: it hands each request of the kernel to
// the loop until the pipe closes.
func (a *automount) read(r *os.File, gen uint64) {
	m := a.u.m
	buf := make([]byte, autofsPacketSize)
	for {
		_, err := io.ReadFull(r, buf)
		if err != nil {
			m.Post(func() {
				if a.gen == gen && a.pipe != nil {
					m.logUnit(a.u, LevelErr, "Got hangup/error on autofs pipe from kernel. Likely our automount point has been unmounted by someone or something else?")
					a.enterDead("unmounted")
				}
			})
			return
		}
		pkt := parseAutofsPacket(buf)
		m.Post(func() {
			if a.gen == gen && a.pipe != nil {
				a.request(pkt)
			}
		})
	}
}

// autofsPacket is what a request packet holds for us.
type autofsPacket struct {
	typ   int32
	token uint32
	pid   uint32
}

// parseAutofsPacket decodes a v5 packet: header (proto_version, type),
// wait_queue_token, dev, ino, uid, gid, pid, tgid, len, name.
func parseAutofsPacket(b []byte) autofsPacket {
	le := binary.LittleEndian
	if len(b) < 44 {
		return autofsPacket{typ: -1}
	}
	return autofsPacket{typ: int32(le.Uint32(b[4:])), token: le.Uint32(b[8:]), pid: le.Uint32(b[32:])}
}

// request is automount_dispatch_io for one packet.
func (a *automount) request(p autofsPacket) {
	m, u := a.u.m, a.u
	switch p.typ {
	case autofsMissingDirect:
		if p.pid > 0 {
			comm := "n/a"
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p.pid)); err == nil {
				comm = strings.TrimSuffix(string(b), "\n")
			}
			m.logUnit(u, LevelInfo, "Got automount request for %s, triggered by %d (%s)", a.where(), p.pid, comm)
		} else {
			m.logUnit(u, LevelDebug, "Got direct mount request on %s", a.where())
		}
		a.tokens[p.token] = true
		a.enterRunning()
	case autofsExpireDirect:
		m.logUnit(u, LevelDebug, "Got direct umount request on %s", a.where())
		a.stopExpire()
		a.expireTokens[p.token] = true
		t := a.trigger()
		if t == nil {
			m.logUnit(u, LevelErr, "Unit to trigger vanished.")
			a.enterDead("resources")
			return
		}
		if _, err := m.EnqueueLoop(jobStop, t, job.Replace); err != nil {
			m.logUnit(u, LevelWarning, "Failed to queue unmount job: %v", err)
			a.enterDead("resources")
		}
	default:
		m.logUnit(u, LevelErr, "Received unknown automount request %d", p.typ)
	}
}

// enterRunning is automount_enter_running: start the mount.
func (a *automount) enterRunning() {
	m, u := a.u.m, a.u
	if u.LoadState() != state.Loaded {
		m.logUnit(u, LevelErr, "Suppressing automount event since unit is no longer loaded.")
		a.enterDead("resources")
		return
	}
	if u.job != nil && u.job.typ == jobStop {
		m.logUnit(u, LevelDebug, "Suppressing automount request since unit stop is scheduled.")
		a.sendReady(a.tokens, -int32(syscall.EHOSTDOWN))
		a.sendReady(a.expireTokens, -int32(syscall.EHOSTDOWN))
		return
	}
	where := a.where()
	_ = mkdirParents(where, os.FileMode(u.cfg.Automount.DirectoryMode))
	var st unix.Stat_t
	if err := unix.Lstat(where, &st); err != nil {
		m.logUnit(u, LevelWarning, "Failed to stat automount point: %s", errnoText(err))
		a.enterDead("resources")
		return
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Dev != a.devID {
		m.logUnit(u, LevelInfo, "Automount point already active?")
		a.sendReady(a.tokens, 0)
		return
	}
	t := a.trigger()
	if t == nil {
		m.logUnit(u, LevelErr, "Unit to trigger vanished.")
		a.enterDead("resources")
		return
	}
	if _, err := m.EnqueueLoop(jobStart, t, job.Replace); err != nil {
		m.logUnit(u, LevelWarning, "Failed to queue mount startup job: %v", err)
		a.enterDead("resources")
		return
	}
	a.setState(amRunning)
}

// triggerNotify is automount_trigger_notify: the mount it triggers
// changed state.
func (a *automount) triggerNotify(other *Unit) {
	if a.state != amWaiting && a.state != amRunning {
		return
	}
	x, ok := other.kind.(*mount)
	if !ok || other.job != nil {
		return
	}
	enodev := -int32(syscall.ENODEV)
	switch x.state {
	case mntMounted, mntRemounting:
		a.sendReady(a.tokens, 0)
		a.startExpire()
		a.setState(amRunning)
	}
	switch x.state {
	case mntMounting, mntMountingDone, mntMounted, mntRemounting, mntRemountingSigterm, mntRemountingSigkill,
		mntUnmountingSigterm, mntUnmountingSigkill, mntFailed:
		a.sendReady(a.expireTokens, enodev)
	case mntDead:
		a.sendReady(a.expireTokens, 0)
	}
	switch x.state {
	case mntDead, mntUnmounting, mntRemountingSigterm, mntRemountingSigkill, mntUnmountingSigterm,
		mntUnmountingSigkill, mntFailed:
		a.sendReady(a.tokens, enodev)
		a.setState(amWaiting)
	}
}

// sendReady answers the kernel's waiting requests: 0 lets them proceed,
// a negative errno fails them.
func (a *automount) sendReady(tokens map[uint32]bool, status int32) {
	if len(tokens) == 0 {
		return
	}
	u := a.u
	ctl, err := openAutofs()
	if err != nil {
		return
	}
	defer ctl.Close()
	fd, err := autofsOpenMount(ctl, a.where(), a.devID)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if status != 0 {
		u.m.logUnit(u, LevelDebug, "Sending failure: %s", errnoText(syscall.Errno(-status)))
	} else {
		u.m.logUnit(u, LevelDebug, "Sending success.")
	}
	for t := range tokens {
		_ = autofsReady(ctl, fd, t, status)
		delete(tokens, t)
	}
}

// startExpire arms the idle expiry (automount_start_expire).
func (a *automount) startExpire() {
	idle := a.u.cfg.Automount.TimeoutIdle
	if idle == 0 {
		return
	}
	a.expire.cancel()
	every := idle / 3
	if every < 1_000_000 {
		every = 1_000_000
	}
	a.expire = a.u.m.usecTimer(every, a.runExpire)
}

func (a *automount) stopExpire() {
	a.expire.cancel()
	a.expire = nil
}

// runExpire asks the kernel to expire the mount if idle; the kernel then
// sends an expire request and waits for our answer, so the asking runs
// off the loop.
func (a *automount) runExpire() {
	a.expire = nil
	where, dev := a.where(), a.devID
	a.u.m.Watch("automount expire "+a.u.ID(), func() {
		ctl, err := openAutofs()
		if err != nil {
			return
		}
		defer ctl.Close()
		fd, err := autofsOpenMount(ctl, where, dev)
		if err != nil {
			return
		}
		defer unix.Close(fd)
		for autofsExpire(ctl, fd) == nil {
		}
	})
	a.startExpire()
}

// unmountAutofs is unmount_autofs: close the pipe, fail what waits, and
// take the autofs mount away.
func (a *automount) unmountAutofs() {
	if a.pipe == nil {
		return
	}
	a.pipe.Close()
	a.pipe = nil
	a.gen++
	a.sendReady(a.tokens, -int32(syscall.EHOSTDOWN))
	a.sendReady(a.expireTokens, -int32(syscall.EHOSTDOWN))
	if w := a.where(); w != "" {
		if err := repeatUnmount(w); err != nil {
			a.u.m.log(LogEntry{Level: LevelErr, Message: "Failed to unmount: " + errnoText(err)})
		}
	}
}

// repeatUnmount unmounts everything stacked on p (repeat_unmount with
// MNT_DETACH|UMOUNT_NOFOLLOW).
func repeatUnmount(p string) error {
	for i := 0; ; i++ {
		err := unix.Unmount(p, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
		if err == unix.EINVAL && i > 0 {
			return nil
		}
		if err != nil {
			return err
		}
		if i > 64 {
			return nil
		}
	}
}

// isMountPoint reports whether p is the root of a mount
// (path_is_mount_point).
func isMountPoint(p string) bool {
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE, &stx); err == nil &&
		stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0
	}
	var a, b unix.Stat_t
	if unix.Lstat(p, &a) != nil || unix.Stat(filepath.Dir(p), &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}

// The autofs control device's ioctls (linux/auto_dev-ioctl.h).
type autofsDevIoctl struct {
	VerMajor, VerMinor uint32
	Size               uint32
	IoctlFD            int32
	Arg1, Arg2         uint32 // the command's union of arguments
}

const (
	autofsDevIoctlSize  = 24
	autofsIoctlBase     = 0xC0000000 | autofsDevIoctlSize<<16 | 0x93<<8
	autofsIoctlVersion  = autofsIoctlBase | 0x71
	autofsIoctlProtover = autofsIoctlBase | 0x72
	autofsIoctlSubver   = autofsIoctlBase | 0x73
	autofsIoctlOpen     = autofsIoctlBase | 0x74
	autofsIoctlReady    = autofsIoctlBase | 0x76
	autofsIoctlFail     = autofsIoctlBase | 0x77
	autofsIoctlTimeout  = autofsIoctlBase | 0x7a
	autofsIoctlExpire   = autofsIoctlBase | 0x7c
)

func newAutofsParam(fd int) autofsDevIoctl {
	return autofsDevIoctl{VerMajor: 1, VerMinor: 1, Size: autofsDevIoctlSize, IoctlFD: int32(fd)}
}

func autofsIoctl(ctl *os.File, req uintptr, p unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, ctl.Fd(), req, uintptr(p))
	if e != 0 {
		return e
	}
	return nil
}

// openAutofs opens the control device and checks its version.
func openAutofs() (*os.File, error) {
	f, err := os.OpenFile(autofsDevice, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	p := newAutofsParam(-1)
	if err := autofsIoctl(f, autofsIoctlVersion, unsafe.Pointer(&p)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// autofsOpenMount opens an ioctl fd on the autofs mount at where.
func autofsOpenMount(ctl *os.File, where string, dev uint64) (int, error) {
	buf := make([]byte, autofsDevIoctlSize+len(where)+1)
	p := (*autofsDevIoctl)(unsafe.Pointer(&buf[0]))
	*p = newAutofsParam(-1)
	p.Size = uint32(len(buf))
	p.Arg1 = uint32(newEncodeDev(dev))
	copy(buf[autofsDevIoctlSize:], where)
	if err := autofsIoctl(ctl, autofsIoctlOpen, unsafe.Pointer(&buf[0])); err != nil {
		return -1, err
	}
	if p.IoctlFD < 0 {
		return -1, syscall.EIO
	}
	return int(p.IoctlFD), nil
}

// newEncodeDev is the kernel's new_encode_dev: the 32-bit device number
// the autofs ioctls compare with.
func newEncodeDev(dev uint64) uint32 {
	ma, mi := unix.Major(dev), unix.Minor(dev)
	return mi&0xff | ma<<8 | (mi&^0xff)<<12
}

func autofsProtocol(ctl *os.File, fd int) error {
	p := newAutofsParam(fd)
	if err := autofsIoctl(ctl, autofsIoctlProtover, unsafe.Pointer(&p)); err != nil {
		return err
	}
	p = newAutofsParam(fd)
	return autofsIoctl(ctl, autofsIoctlSubver, unsafe.Pointer(&p))
}

// autofsSetTimeout sets the idle timeout in seconds, rounded up; 0 never
// expires.
func autofsSetTimeout(ctl *os.File, fd int, usec uint64) error {
	p := newAutofsParam(fd)
	var secs uint64
	if usec != ^uint64(0) {
		secs = (usec + 999_999) / 1_000_000
	}
	p.Arg1, p.Arg2 = uint32(secs), uint32(secs>>32)
	return autofsIoctl(ctl, autofsIoctlTimeout, unsafe.Pointer(&p))
}

func autofsReady(ctl *os.File, fd int, token uint32, status int32) error {
	p := newAutofsParam(fd)
	p.Arg1 = token
	req := uintptr(autofsIoctlReady)
	if status != 0 {
		p.Arg2 = uint32(status)
		req = autofsIoctlFail
	}
	return autofsIoctl(ctl, req, unsafe.Pointer(&p))
}

func autofsExpire(ctl *os.File, fd int) error {
	p := newAutofsParam(fd)
	return autofsIoctl(ctl, autofsIoctlExpire, unsafe.Pointer(&p))
}
