package dbusapi

import (
	"errors"
	"fmt"
	"syscall"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
)

// The unit file methods of the Manager interface: 252's dbus-manager.c
// on top of impl/install. They act on the disk only; as in 252 the
// manager reloads when a client asks it to (systemctl does after a
// change).

func init() { managerMembers = append(managerMembers, (*API).unitFileMembers) }

// D-Bus error names the unit file methods answer with, beyond those of
// dbusapi.go.
const (
	errUnitExists    = "org.freedesktop.systemd1.UnitExists"
	errUnitGenerated = "org.freedesktop.systemd1.UnitGenerated"
	errUnitLinked    = "org.freedesktop.systemd1.UnitLinked"
	errUnitBadPath   = "org.freedesktop.systemd1.UnitBadPath"
)

// Unit file flags of the *WithFlags methods (UNIT_FILE_RUNTIME, _FORCE,
// _PORTABLE: the public ones).
const (
	fileFlagRuntime  = 1 << 0
	fileFlagForce    = 1 << 1
	fileFlagPortable = 1 << 2
	fileFlagsPublic  = fileFlagRuntime | fileFlagForce | fileFlagPortable
)

// changeRow is one a(sss) entry of a reply: type, file, destination.
type changeRow struct{ Type, Path, Source string }

// unitFileRow is one a(ss) entry of ListUnitFiles: path and state.
type unitFileRow struct{ Path, State string }

// changeTypeNames are install_change_type_to_string's names.
var changeTypeNames = map[install.ChangeType]string{
	install.ChangeSymlink:               "symlink",
	install.ChangeUnlink:                "unlink",
	install.ChangeIsMasked:              "masked",
	install.ChangeIsMaskedGenerator:     "masked by generator",
	install.ChangeIsDangling:            "dangling",
	install.ChangeDestinationNotPresent: "destination not present",
	install.ChangeAuxiliaryFailed:       "auxiliary unit failed",
}

// fileOp is an operation on unit files: it returns install's count (for
// carries_install_info), the changes and the error.
type fileOp func(o install.Options) (int, []install.Change, error)

func (a *API) unitFileMembers() []bus.Member {
	// enableLike is method_enable_unit_files_generic: files, then either
	// runtime and force or flags; carries says whether the reply starts
	// with carries_install_info.
	enableLike := func(name string, withFlags, carries bool, op func(o install.Options, files []string) (int, []install.Change, error)) *bus.Method {
		in, inNames := "asbb", []string{"files", "runtime", "force"}
		if withFlags {
			in, inNames = "ast", []string{"files", "flags"}
		}
		out, outNames := "a(sss)", []string{"changes"}
		if carries {
			out, outNames = "ba(sss)", []string{"carries_install_info", "changes"}
		}
		return &bus.Method{Name: name, In: in, Out: out, InNames: inNames, OutNames: outNames, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				files := call.Body[0].([]string)
				var runtime, force, portable bool
				if withFlags {
					flags := call.Body[1].(uint64)
					if flags&^fileFlagsPublic != 0 {
						return nil, errnoError(syscall.EINVAL)
					}
					runtime, force = flags&fileFlagRuntime != 0, flags&fileFlagForce != 0
					portable = flags&fileFlagPortable != 0
				} else {
					runtime, force = call.Body[1].(bool), call.Body[2].(bool)
				}
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				o := a.installOptions(runtime, force)
				o.Portable = portable
				return a.replyChanges(carries, func(o install.Options) (int, []install.Change, error) {
					return op(o, files)
				}, o)
			}}
	}
	// disableLike is method_disable_unit_files_generic.
	disableLike := func(name string, withFlags bool, op func(o install.Options, files []string) (int, []install.Change, error)) *bus.Method {
		in, inNames := "asb", []string{"files", "runtime"}
		if withFlags {
			in, inNames = "ast", []string{"files", "flags"}
		}
		return &bus.Method{Name: name, In: in, Out: "a(sss)", InNames: inNames, OutNames: []string{"changes"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				files := call.Body[0].([]string)
				var runtime, portable bool
				if withFlags {
					flags := call.Body[1].(uint64)
					if flags&^fileFlagsPublic != 0 || flags&fileFlagForce != 0 {
						return nil, errnoError(syscall.EINVAL)
					}
					runtime, portable = flags&fileFlagRuntime != 0, flags&fileFlagPortable != 0
				} else {
					runtime = call.Body[1].(bool)
				}
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				o := a.installOptions(runtime, false)
				o.Portable = portable
				return a.replyChanges(false, func(o install.Options) (int, []install.Change, error) {
					return op(o, files)
				}, o)
			}}
	}
	presetFull := func(o install.Options, files []string) (int, []install.Change, error) {
		return install.Preset(o, files, install.PresetFull)
	}
	return []bus.Member{
		&bus.Method{Name: "ListUnitFiles", Out: "a(ss)", OutNames: []string{"unit_files"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				return a.listUnitFiles(nil, nil)
			}},
		&bus.Method{Name: "ListUnitFilesByPatterns", In: "asas", Out: "a(ss)", InNames: []string{"states", "patterns"},
			OutNames: []string{"unit_files"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				return a.listUnitFiles(call.Body[0].([]string), call.Body[1].([]string))
			}},
		&bus.Method{Name: "GetUnitFileState", In: "s", Out: "s", InNames: []string{"file"}, OutNames: []string{"state"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				st, err := install.GetState(a.installOptions(false, false), call.Body[0].(string))
				if err != nil {
					return nil, errnoError(errnoOf(err))
				}
				return []any{st.String()}, nil
			}},
		enableLike("EnableUnitFiles", false, true, install.Enable),
		disableLike("DisableUnitFiles", false, install.Disable),
		enableLike("EnableUnitFilesWithFlags", true, true, install.Enable),
		disableLike("DisableUnitFilesWithFlags", true, install.Disable),
		enableLike("ReenableUnitFiles", false, true, install.Reenable),
		enableLike("LinkUnitFiles", false, false, install.Link),
		enableLike("PresetUnitFiles", false, true, presetFull),
		&bus.Method{Name: "PresetUnitFilesWithMode", In: "assbb", Out: "ba(sss)",
			InNames: []string{"files", "mode", "runtime", "force"}, OutNames: []string{"carries_install_info", "changes"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				files := call.Body[0].([]string)
				mode, err := presetMode(call.Body[1].(string))
				if err != nil {
					return nil, err
				}
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				return a.replyChanges(true, func(o install.Options) (int, []install.Change, error) {
					return install.Preset(o, files, mode)
				}, a.installOptions(call.Body[2].(bool), call.Body[3].(bool)))
			}},
		enableLike("MaskUnitFiles", false, false, install.Mask),
		disableLike("UnmaskUnitFiles", false, install.Unmask),
		&bus.Method{Name: "RevertUnitFiles", In: "as", Out: "a(sss)", InNames: []string{"files"}, OutNames: []string{"changes"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				files := call.Body[0].([]string)
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				return a.replyChanges(false, func(o install.Options) (int, []install.Change, error) {
					return install.Revert(o, files)
				}, a.installOptions(false, false))
			}},
		&bus.Method{Name: "SetDefaultTarget", In: "sb", Out: "a(sss)", InNames: []string{"name", "force"}, OutNames: []string{"changes"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				name := call.Body[0].(string)
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				return a.replyChanges(false, func(o install.Options) (int, []install.Change, error) {
					return install.SetDefault(o, name)
				}, a.installOptions(false, call.Body[1].(bool)))
			}},
		&bus.Method{Name: "GetDefaultTarget", Out: "s", OutNames: []string{"name"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				name, err := install.GetDefault(a.installOptions(false, false))
				if err != nil {
					if errnoOf(err) == syscall.ERFKILL {
						return nil, bus.Errorf(errUnitMasked, "Unit file is masked.")
					}
					return nil, errnoError(errnoOf(err))
				}
				return []any{name}, nil
			}},
		&bus.Method{Name: "PresetAllUnitFiles", In: "sbb", Out: "a(sss)", InNames: []string{"mode", "runtime", "force"},
			OutNames: []string{"changes"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				mode, err := presetMode(call.Body[0].(string))
				if err != nil {
					return nil, err
				}
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				return a.replyChanges(false, func(o install.Options) (int, []install.Change, error) {
					return install.PresetAll(o, mode)
				}, a.installOptions(call.Body[1].(bool), call.Body[2].(bool)))
			}},
		&bus.Method{Name: "AddDependencyUnitFiles", In: "asssbb", Out: "a(sss)",
			InNames: []string{"files", "target", "type", "runtime", "force"}, OutNames: []string{"changes"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				// 252 asks for authorization before it looks at the
				// arguments here.
				if err := a.verifyManage(call); err != nil {
					return nil, err
				}
				files, target := call.Body[0].([]string), call.Body[1].(string)
				var dep install.Dependency
				switch call.Body[2].(string) {
				case "Wants":
					dep = install.Wants
				case "Requires":
					dep = install.Requires
				default:
					return nil, errnoError(syscall.EINVAL)
				}
				return a.replyChanges(false, func(o install.Options) (int, []install.Change, error) {
					return install.AddDependency(o, files, target, dep)
				}, a.installOptions(call.Body[3].(bool), call.Body[4].(bool)))
			}},
		&bus.Method{Name: "GetUnitFileLinks", In: "sb", Out: "as", InNames: []string{"name", "runtime"}, OutNames: []string{"links"}, Flags: bus.Unprivileged,
			Call: func(call *bus.Call, _ any) ([]any, error) {
				name := call.Body[0].(string)
				o := a.installOptions(call.Body[1].(bool), false)
				o.DryRun = true
				_, changes, err := install.Disable(o, []string{name})
				if err != nil {
					e := errnoOf(err)
					a.m.LogLoop(manager.LogEntry{Level: manager.LevelErr,
						Message: fmt.Sprintf("Failed to get file links for %s: %s", name, install.Strerror(e))})
					return nil, errnoError(e)
				}
				links := []string{}
				for _, c := range changes {
					if c.Err == 0 && c.Type == install.ChangeUnlink {
						links = append(links, c.Path)
					}
				}
				return []any{links}, nil
			}},
	}
}

// installOptions are the options every unit file operation of this
// manager uses: its scope and root, and its log for what 252 logs.
func (a *API) installOptions(runtime, force bool) install.Options {
	cfg := a.m.Config()
	return install.Options{Scope: cfg.Scope, Root: cfg.Root, Runtime: runtime, Force: force,
		Log: func(msg install.Message) {
			a.m.LogLoop(manager.LogEntry{Level: msg.Level, Message: msg.Text})
		}}
}

// verifyManage stands in for 252's polkit checks (manage-units,
// manage-unit-files, reload-daemon...): privileged callers pass, and
// there is no policy agent to ask about the others.
func (a *API) verifyManage(call *bus.Call) error {
	switch {
	case a.Tree.Trusted:
		return nil
	case a.Tree.Privileged != nil:
		if a.Tree.Privileged(call) {
			return nil
		}
	case call.Cred.UID == 0 || int(call.Cred.UID) == syscall.Geteuid():
		return nil
	}
	// No polkit: 252 answers the EACCES of its polkit check as an errno,
	// whose text is strerror's.
	return bus.Errorf(bus.ErrNameAccessDenied, "Permission denied")
}

// replyChanges runs op and answers as 252's reply_install_changes_and_free
// does: UnitFilesChanged when something was created or removed, then
// either the changes (with carries_install_info first if carries) or, if
// only failures were recorded, the first failure as the error.
func (a *API) replyChanges(carries bool, op fileOp, o install.Options) ([]any, error) {
	n, changes, err := op(o)
	if err != nil {
		return nil, installError(err, changes)
	}
	for _, c := range changes {
		if c.Err == 0 && (c.Type == install.ChangeSymlink || c.Type == install.ChangeUnlink) {
			_ = a.Tree.EmitSignal(objectPath, ifaceManager, "UnitFilesChanged", "", nil, nil)
			break
		}
	}
	rows := []changeRow{}
	bad := false
	for _, c := range changes {
		if c.Err != 0 {
			bad = true
			continue
		}
		rows = append(rows, changeRow{changeTypeNames[c.Type], c.Path, c.Source})
	}
	if bad && len(rows) == 0 {
		return nil, installError(nil, changes)
	}
	if carries {
		return []any{n > 0, rows}, nil
	}
	return []any{rows}, nil
}

// listUnitFiles is list_unit_files_by_patterns.
func (a *API) listUnitFiles(states, patterns []string) ([]any, error) {
	files, err := install.List(a.installOptions(false, false), states, patterns)
	if err != nil {
		return nil, errnoError(errnoOf(err))
	}
	rows := make([]unitFileRow, 0, len(files))
	for _, f := range files {
		rows = append(rows, unitFileRow{f.Path, f.State.String()})
	}
	return []any{rows}, nil
}

// presetMode parses a preset mode argument; "" is full.
func presetMode(s string) (install.PresetMode, error) {
	if s == "" {
		return install.PresetFull, nil
	}
	m, ok := install.ParsePresetMode(s)
	if !ok {
		return 0, errnoError(syscall.EINVAL)
	}
	return m, nil
}

// installError is 252's install_error: the first failure recorded in
// changes as a D-Bus error, or else err's errno (EINVAL if none).
func installError(err error, changes []install.Change) error {
	for _, c := range changes {
		if c.Err == 0 {
			continue
		}
		switch c.Err {
		case syscall.EEXIST:
			if c.Source != "" {
				return bus.Errorf(errUnitExists, "File %s already exists and is a symlink to %s.", c.Path, c.Source)
			}
			return bus.Errorf(errUnitExists, "File %s already exists.", c.Path)
		case syscall.ERFKILL:
			return bus.Errorf(errUnitMasked, "Unit file %s is masked.", c.Path)
		case syscall.EADDRNOTAVAIL:
			return bus.Errorf(errUnitGenerated, "Unit %s is transient or generated.", c.Path)
		case syscall.ETXTBSY:
			return bus.Errorf(errUnitBadPath, "File %s is under the systemd unit hierarchy already.", c.Path)
		case syscall.EBADSLT:
			return bus.Errorf(errBadUnitSetting, "Invalid specifier in %s.", c.Path)
		case syscall.EIDRM:
			return bus.Errorf(errBadUnitSetting, "Destination unit %s is a non-template unit.", c.Path)
		case syscall.EUCLEAN:
			return bus.Errorf(errBadUnitSetting, "\"%s\" is not a valid unit name.", c.Path)
		case syscall.ELOOP:
			return bus.Errorf(errUnitLinked, "Refusing to operate on alias name or linked unit file: %s", c.Path)
		case syscall.EXDEV:
			if c.Source != "" {
				return bus.Errorf(errBadUnitSetting, "Cannot alias %s as %s.", c.Source, c.Path)
			}
			return bus.Errorf(errBadUnitSetting, "Invalid unit reference %s.", c.Path)
		case syscall.ENOENT:
			return bus.Errorf(errNoSuchUnit, "Unit file %s does not exist.", c.Path)
		case syscall.EUNATCH:
			return bus.Errorf(errBadUnitSetting, "Cannot resolve specifiers in %s.", c.Path)
		default:
			return bus.Errorf(errnoName(c.Err), "File %s: %s", c.Path, install.Strerror(c.Err))
		}
	}
	if err == nil {
		return errnoError(syscall.EINVAL)
	}
	return errnoError(errnoOf(err))
}

// errnoOf is the errno err carries, EIO if none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// errnoError is what sd-bus replies when a method fails with a bare
// errno: the error name sd_bus_error_set_errno picks and strerror.
func errnoError(e syscall.Errno) error {
	return bus.Errorf(errnoName(e), "%s", install.Strerror(e))
}

// errnoName is the D-Bus error name sd-bus gives an errno: a standard
// name for the common ones, System.Error.NAME for the rest.
func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.ENOMEM:
		return bus.ErrNameNoMemory
	case syscall.EPERM, syscall.EACCES:
		return bus.ErrNameAccessDenied
	case syscall.EINVAL:
		return bus.ErrNameInvalidArgs
	case syscall.ESRCH:
		return "org.freedesktop.DBus.Error.UnixProcessIdUnknown"
	case syscall.ENOENT:
		return "org.freedesktop.DBus.Error.FileNotFound"
	case syscall.EEXIST:
		return "org.freedesktop.DBus.Error.FileExists"
	case syscall.ETIMEDOUT, syscall.ETIME:
		return bus.ErrNameTimeout
	case syscall.EIO:
		return "org.freedesktop.DBus.Error.IOError"
	case syscall.ENETRESET, syscall.ECONNABORTED, syscall.ECONNRESET:
		return bus.ErrNameDisconnected
	case syscall.EOPNOTSUPP:
		return bus.ErrNameNotSupported
	case syscall.EADDRNOTAVAIL:
		return "org.freedesktop.DBus.Error.BadAddress"
	case syscall.ENOBUFS:
		return bus.ErrNameLimitsExceeded
	case syscall.EADDRINUSE:
		return "org.freedesktop.DBus.Error.AddressInUse"
	case syscall.EBADMSG:
		return bus.ErrNameInconsistent
	}
	if n := value.ErrnoToName(int(e)); n != "" {
		return "System.Error." + n
	}
	return bus.ErrNameFailed
}
