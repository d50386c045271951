package dbusapi

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/install"
	"gosystemd/impl/unitpath"
)

func init() { managerMembers = append(managerMembers, (*API).lifecycleMembers) }

// lifecycleMembers are the Manager methods that end the manager: Exit,
// the shutdown objectives, SetExitCode and SwitchRoot.
func (a *API) lifecycleMembers() []bus.Member {
	system := func() bool { return a.m.Config().Scope == unitpath.System }
	objective := func(name string, o manager.Objective, refusal string) *bus.Method {
		return &bus.Method{Name: name, Call: func(call *bus.Call, _ any) ([]any, error) {
			if refusal != "" && !system() {
				return nil, bus.Errorf(bus.ErrNameNotSupported, "%s", refusal)
			}
			// The reply goes out before the loop ends, at the end of
			// this turn.
			a.m.SetObjectiveLoop(o)
			return nil, nil
		}}
	}
	return []bus.Member{
		// Exit is allowed on the host too: systemd-shutdown falls back
		// to a reboot there.
		objective("Exit", manager.ObjectiveExit, ""),
		objective("Reboot", manager.ObjectiveReboot, "Reboot is only supported for system managers."),
		objective("PowerOff", manager.ObjectivePoweroff, "Powering off is only supported for system managers."),
		objective("Halt", manager.ObjectiveHalt, "Halt is only supported for system managers."),
		objective("KExec", manager.ObjectiveKexec, "KExec is only supported for system managers."),
		&bus.Method{Name: "SwitchRoot", In: "ss", Call: func(call *bus.Call, _ any) ([]any, error) {
			if !system() {
				return nil, bus.Errorf(bus.ErrNameNotSupported, "Root switching is only supported by system manager.")
			}
			root, init := call.Body[0].(string), call.Body[1].(string)
			if err := switchRootCheck(root, init); err != nil {
				return nil, err
			}
			if os.Getpid() != 1 {
				// A test manager must never signal every process and
				// chroot: that is the host's.
				return nil, bus.Errorf(bus.ErrNameNotSupported, "Root switching is not supported by this service manager.")
			}
			// The reply goes out before the loop ends, at the end of
			// this turn.
			a.m.SwitchRootLoop(root, init)
			return nil, nil
		}},
		&bus.Method{Name: "SetExitCode", In: "y", Call: func(call *bus.Call, _ any) ([]any, error) {
			if system() && !a.m.InContainerLoop() {
				return nil, bus.Errorf(bus.ErrNameNotSupported, "ExitCode can only be set for user service managers or in containers.")
			}
			a.m.SetExitCodeLoop(call.Body[0].(uint8))
			return nil, nil
		}},
	}
}

// errnoErrorf is sd_bus_error_set_errnof: the errno's name, the message
// with its strerror.
func errnoErrorf(err error, format string, args ...any) error {
	var e syscall.Errno
	if !errors.As(err, &e) {
		e = syscall.EIO
	}
	return bus.Errorf(errnoName(e), format+": %s", append(args, install.Strerror(e))...)
}

// switchRootCheck is method_switch_root's checks of its arguments.
func switchRootCheck(root, init string) error {
	switch {
	case root == "":
		return bus.Errorf(bus.ErrNameInvalidArgs, "New root directory may not be the empty string.")
	case !filepath.IsAbs(root):
		return bus.Errorf(bus.ErrNameInvalidArgs, "New root path '%s' is not absolute.", root)
	case filepath.Clean(root) == "/":
		return bus.Errorf(bus.ErrNameInvalidArgs, "New root directory cannot be the old root directory.")
	}
	if init == "" {
		if err := unix.Faccessat(unix.AT_FDCWD, root, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return errnoErrorf(err, "Failed to determine whether root path '%s' contains an OS tree", root)
		}
		found := false
		for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
			if _, err := os.Stat(filepath.Join(root, p)); err == nil {
				found = true
				break
			}
		}
		if !found {
			return bus.Errorf(bus.ErrNameInvalidArgs, "Specified switch root path '%s' does not seem to be an OS tree. os-release file is missing.", root)
		}
	} else {
		if !filepath.IsAbs(init) {
			return bus.Errorf(bus.ErrNameInvalidArgs, "Path to init binary '%s' not absolute.", init)
		}
		p := filepath.Join(root, init)
		if _, err := os.Stat(p); err != nil {
			return errnoErrorf(err, "Could not resolve init executable %s", init)
		}
		if err := unix.Faccessat(unix.AT_FDCWD, p, unix.X_OK, unix.AT_SYMLINK_NOFOLLOW); err == unix.EACCES {
			return bus.Errorf(bus.ErrNameInvalidArgs, "Init binary %s is not executable.", init)
		}
	}
	return nil
}
