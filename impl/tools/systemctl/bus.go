package systemctl

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/bus"
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	"gosystemd/impl/unitname"
)

const (
	busService     = "org.freedesktop.systemd1"
	busManagerPath = dbus.ObjectPath("/org/freedesktop/systemd1")
	ifaceManager   = "org.freedesktop.systemd1.Manager"
	ifaceUnit      = "org.freedesktop.systemd1.Unit"
	ifaceProps     = "org.freedesktop.DBus.Properties"
	privateSocket  = "/run/systemd/private"
)

// Exit codes of the LSB verbs (exit-status.h).
const (
	exitProgramDeadAndPIDExists = 1
	exitNotImplemented          = 3
	exitProgramNotRunning       = 3
	exitNoPermission            = 4
	exitNotInstalled            = 5
	exitNotConfigured           = 6
)

// managerBus is the connection to the service manager: the private
// socket when root (as bus_connect_system_systemd), else the system bus.
// It is impl/bus's Client: no reader goroutine, and replies decoded
// without reflection, in godbus's types.
type managerBus struct {
	c *bus.Client
	// deferred are the signals the job waiter read and left for the unit
	// waiter (nextSignal).
	deferred []*dbus.Signal
}

// busObject is an object of a peer on the manager's connection, called
// like godbus's BusObject.
type busObject struct {
	b    *managerBus
	dest string
	path dbus.ObjectPath
}

func (b *managerBus) object(dest string, path dbus.ObjectPath) busObject {
	return busObject{b, dest, path}
}

// Call calls method and waits for its reply (godbus's flags are not
// used: always 0).
func (o busObject) Call(method string, _ dbus.Flags, args ...any) *dbus.Call {
	return o.b.c.Call(o.dest, o.path, method, args...)
}

// Go sends a call whose reply nobody waits for.
func (o busObject) Go(method string, args ...any) {
	_ = o.b.c.Send(o.dest, o.path, method, args...)
}

// watchSignals makes the signals from now on reach recvSignal; a
// private connection gets all of PID 1's without subscribing.
func (b *managerBus) watchSignals() { b.c.WatchSignals(true) }

// isBus says the connection is to a message bus (it has a unique name).
func (b *managerBus) isBus() bool { return b.c.UniqueName() != "" }

// addMatchSignal subscribes to the signals matching the non-empty
// fields on a bus (the rule as godbus's AddMatchSignal writes it); a
// direct connection gets them all.
func (b *managerBus) addMatchSignal(sender string, path dbus.ObjectPath, iface, member string) error {
	if !b.isBus() {
		return nil
	}
	rule := "type='signal'"
	for _, kv := range [][2]string{{"sender", sender}, {"path", string(path)}, {"interface", iface}, {"member", member}} {
		if kv[1] != "" {
			rule += "," + kv[0] + "='" + kv[1] + "'"
		}
	}
	return b.c.Call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.AddMatch", rule).Err
}

// recvSignal is the next signal of the connection; false once it is
// gone.
func (b *managerBus) recvSignal() (*dbus.Signal, bool) {
	s, err := b.c.NextSignal()
	return s, err == nil
}

// nextSignal is the next signal: the deferred ones first.
func (b *managerBus) nextSignal() (*dbus.Signal, bool) {
	if len(b.deferred) > 0 {
		s := b.deferred[0]
		b.deferred = b.deferred[1:]
		return s, true
	}
	return b.recvSignal()
}

// connectBus is acquire_bus(BUS_MANAGER).
func (t *tool) connectBus() (*managerBus, error) {
	if t.bus != nil {
		return t.bus, nil
	}
	if !booted() {
		t.logAt(logging.Err, "System has not been booted with systemd as init system (PID 1). Can't operate.")
		return nil, t.errorf("Failed to connect to bus: %s", install.Strerror(syscall.EHOSTDOWN))
	}
	var c *bus.Client
	var err error
	if os.Geteuid() == 0 {
		c, err = dialPrivate()
	}
	if c == nil {
		c, err = bus.DialSystemBusClient()
	}
	if err != nil {
		return nil, t.errorf("Failed to connect to bus: %s", install.Strerror(errnoOf(err)))
	}
	t.bus = &managerBus{c: c}
	return t.bus, nil
}

func (t *tool) closeBus() {
	if t.bus != nil {
		t.bus.c.Close()
		t.bus = nil
	}
	if t.fullBus != nil {
		t.fullBus.c.Close()
		t.fullBus = nil
	}
}

// callManager calls a Manager method.
func (b *managerBus) callManager(method string, args ...any) (*dbus.Call, error) {
	return b.callManagerTimeout(0, method, args...)
}

// callManagerTimeout calls a Manager method waiting at most timeout for
// its reply (0: sd-bus's default, negative: no bound).
func (b *managerBus) callManagerTimeout(timeout time.Duration, method string, args ...any) (*dbus.Call, error) {
	c := b.c.CallTimeout(timeout, busService, busManagerPath, ifaceManager+"."+method, args...)
	return c, c.Err
}

// property reads one property of an object.
func (b *managerBus) property(path dbus.ObjectPath, iface, name string) (dbus.Variant, error) {
	var v dbus.Variant
	err := b.object(busService, path).Call(ifaceProps+".Get", 0, iface, name).Store(&v)
	return v, err
}

func (b *managerBus) stringProperty(path dbus.ObjectPath, iface, name string) (string, error) {
	v, err := b.property(path, iface, name)
	if err != nil {
		return "", err
	}
	s, ok := v.Value().(string)
	if !ok {
		return "", syscall.ENXIO
	}
	return s, nil
}

func unitPath(name string) dbus.ObjectPath { return dbus.ObjectPath(unitname.DBusPath(name)) }

// busErrorMessage is bus_error_message: the error's own text, else the
// errno's; any AccessDenied is "Access denied", whatever its text.
func busErrorMessage(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		if de.Name == "org.freedesktop.DBus.Error.AccessDenied" {
			return "Access denied"
		}
		if len(de.Body) > 0 {
			if s, ok := de.Body[0].(string); ok {
				return s
			}
		}
		return de.Name
	}
	var pde *dbus.Error
	if errors.As(err, &pde) && pde != nil {
		return busErrorMessage(*pde)
	}
	return install.Strerror(errnoOf(err))
}

// busErrorName is the D-Bus error name of err, "" if it is not one.
func busErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var pde *dbus.Error
	if errors.As(err, &pde) && pde != nil {
		return pde.Name
	}
	return ""
}

// exitStatusOfBusError is translate_bus_error_to_exit_status.
func exitStatusOfBusError(err error) int {
	switch busErrorName(err) {
	case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.systemd1.OnlyByDependency",
		"org.freedesktop.systemd1.NoIsolation", "org.freedesktop.systemd1.TransactionIsDestructive":
		return exitNoPermission
	case "org.freedesktop.systemd1.NoSuchUnit":
		return exitNotInstalled
	case "org.freedesktop.systemd1.JobTypeNotApplicable", "org.freedesktop.DBus.Error.NotSupported":
		return exitNotImplemented
	case "org.freedesktop.systemd1.LoadFailed":
		return exitNotConfigured
	}
	return 1
}

// stringIsGlob is string_is_glob.
func stringIsGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// expandUnitNames is expand_unit_names: names mangled (globs kept), and
// the globs replaced by the loaded units matching them.
func (t *tool) expandUnitNames(b *managerBus, names []string, suffix string) ([]string, bool, error) {
	if suffix == "" {
		suffix = ".service"
	}
	var mangled, globs []string
	for _, n := range names {
		m, err := unitname.Mangle(n, "", unitname.MangleGlob, suffix)
		level := logging.Notice
		if t.opts.quiet {
			level = logging.Debug
		}
		for _, note := range m.Notes {
			t.logAt(level, "%s", note)
		}
		if err != nil {
			t.logAt(logging.Err, "Failed to mangle name: %s", install.Strerror(errnoOf(err)))
			return nil, false, reportedErrno(errnoOf(err))
		}
		if stringIsGlob(m.Name) {
			globs = append(globs, m.Name)
		} else {
			mangled = append(mangled, m.Name)
		}
	}
	if len(globs) == 0 {
		return mangled, false, nil
	}
	units, err := t.listUnitsByPatterns(b, globs)
	if err != nil {
		return nil, true, err
	}
	for _, u := range units {
		mangled = append(mangled, u.id)
	}
	return mangled, true, nil
}

// unitInfo is one entry of ListUnits.
type unitInfo struct {
	id, description, loadState, activeState, subState, following string
	path                                                         dbus.ObjectPath
	jobID                                                        uint32
	jobType                                                      string
	jobPath                                                      dbus.ObjectPath
}

// listUnitsByPatterns is get_unit_list: ListUnitsByPatterns with
// --state= and the patterns.
func (t *tool) listUnitsByPatterns(b *managerBus, patterns []string) ([]unitInfo, error) {
	states := t.opts.states
	if states == nil {
		states = []string{}
	}
	if patterns == nil {
		patterns = []string{}
	}
	c, err := b.callManager("ListUnitsByPatterns", states, patterns)
	if err != nil {
		return nil, t.errorf("Failed to list units: %s", busErrorMessage(err))
	}
	// The body as decoded is what Store would copy it into.
	raw, ok := [][]any(nil), false
	if len(c.Body) == 1 {
		raw, ok = c.Body[0].([][]any)
	}
	if !ok {
		if err := c.Store(&raw); err != nil {
			return nil, t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.EBADMSG))
		}
	}
	out := make([]unitInfo, 0, len(raw))
	for _, r := range raw {
		if len(r) != 10 {
			continue
		}
		u := unitInfo{}
		u.id, _ = r[0].(string)
		u.description, _ = r[1].(string)
		u.loadState, _ = r[2].(string)
		u.activeState, _ = r[3].(string)
		u.subState, _ = r[4].(string)
		u.following, _ = r[5].(string)
		u.path, _ = r[6].(dbus.ObjectPath)
		u.jobID, _ = r[7].(uint32)
		u.jobType, _ = r[8].(string)
		u.jobPath, _ = r[9].(dbus.ObjectPath)
		if t.outputShowUnit(&u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// outputShowUnit is output_show_unit without patterns (the manager
// matched them): --type=, then unless --all no following units and, with
// no --state=, no inactive units without a job.
func (t *tool) outputShowUnit(u *unitInfo) bool {
	if len(t.opts.types) > 0 {
		dot := strings.LastIndexByte(u.id, '.')
		if dot < 0 || !contains(t.opts.types, u.id[dot+1:]) {
			return false
		}
	}
	if t.opts.all {
		return true
	}
	if u.following != "" {
		return false
	}
	if len(t.opts.states) > 0 {
		return true
	}
	if u.jobID > 0 {
		return true
	}
	return u.activeState != "inactive"
}
