package dbusapi

import (
	"strings"
	"syscall"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

func init() {
	managerMembers = append(managerMembers, (*API).mountManagerMembers)
	unitMembers = append(unitMembers, (*API).mountServiceMembers)
}

const ifaceService = "org.freedesktop.systemd1.Service"

func (a *API) mountManagerMembers() []bus.Member {
	op := func(name, in string, image bool) *bus.Method {
		return &bus.Method{Name: name, In: in, Flags: bus.Unprivileged, Call: func(call *bus.Call, _ any) ([]any, error) {
			u, err := a.loadedUnit(call, call.Body[0].(string))
			if err != nil {
				return nil, err
			}
			if err := validateLoaded(u); err != nil {
				return nil, err
			}
			return nil, a.mountInUnit(call, u, call.Body[1:], image)
		}}
	}
	return []bus.Member{op("BindMountUnit", "sssbb", false), op("MountImageUnit", "sssbba(ss)", true)}
}

func (a *API) mountServiceMembers(iface string) []bus.Member {
	if iface != ifaceService {
		return nil
	}
	op := func(name, in string, image bool) *bus.Method {
		return &bus.Method{Name: name, In: in, Flags: bus.Unprivileged, Call: func(call *bus.Call, obj any) ([]any, error) {
			return nil, a.mountInUnit(call, obj.(*manager.Unit), call.Body, image)
		}}
	}
	return []bus.Member{op("BindMount", "ssbb", false), op("MountImage", "ssbba(ss)", true)}
}

// mountInUnit is 252's bus_service_method_mount: its checks, in its
// order, then the mount, answered once the manager's helper is done.
func (a *API) mountInUnit(call *bus.Call, u *manager.Unit, body []any, image bool) error {
	if a.m.Config().Scope != unitpath.System {
		return bus.Errorf(bus.ErrNameNotSupported, "Adding bind mounts at runtime is only supported for system managers.")
	}
	src, dest := body[0].(string), body[1].(string)
	if !strings.HasPrefix(src, "/") || !unitname.PathIsNormalized(src) {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Source path must be absolute and normalized.")
	}
	if !image && dest == "" {
		dest = src
	} else if !strings.HasPrefix(dest, "/") || !unitname.PathIsNormalized(dest) {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Destination path must be absolute and normalized.")
	}
	var options [][2]string
	if image {
		opts, _ := body[4].([][]any) // a(ss) as godbus reads it
		for _, o := range opts {
			if len(o) != 2 {
				continue
			}
			partition, _ := o[0].(string)
			opt, _ := o[1].(string)
			if strings.ContainsAny(opt, " \t\n\r") {
				return bus.Errorf(bus.ErrNameInvalidArgs, "Invalid mount options string, contains whitespace character(s): %s", opt)
			}
			if !unit.IsPartitionDesignator(partition) {
				return bus.Errorf(bus.ErrNameInvalidArgs, "Invalid partition name %s", partition)
			}
			options = append(options, [2]string{partition, opt})
		}
	}
	if err := a.verifyManage(call); err != nil {
		return err
	}
	cfg := u.Config()
	if cfg.Type != unitname.Service {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Unit is not of type .service")
	}
	c := cfg.Exec
	if c == nil {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Cannot access unit execution context")
	}
	for _, p := range c.InaccessiblePaths {
		if _, ok := unitname.PathStartsWith(dest, p); ok && strings.HasPrefix(p, "/") {
			return bus.Errorf(bus.ErrNameInvalidArgs, "%s is not accessible to this unit", dest)
		}
	}
	if !needsMountNamespace(c, u.HasPrivateTmpLoop()) {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Unit not running in private mount namespace, cannot activate bind mount")
	}
	pid, _ := a.unitRuntime(u)["MainPID"].(uint32)
	if pid == 0 || !u.ActiveState().IsActiveOrReloading() {
		return bus.Errorf(bus.ErrNameInvalidArgs, "Unit is not running")
	}
	readOnly, _ := body[2].(bool)
	mkdir, _ := body[3].(bool)
	a.m.MountInNamespaceLoop(u, int(pid), src, dest, readOnly, mkdir, image, options, func(err error) {
		if err != nil {
			_ = call.ReplyError(errnoErrorf(err, "Failed to mount %s on %s in unit's namespace", src, dest))
			return
		}
		_ = call.Reply()
	})
	return bus.ErrReplyLater
}

// needsMountNamespace is 252's exec_needs_mount_namespace for a unit's
// settings; privateTmp says the unit's runtime holds PrivateTmp='s
// directories.
func needsMountNamespace(c *unit.ExecContext, privateTmp bool) bool {
	if c.RootImage != "" || len(c.ReadWritePaths) > 0 || len(c.ReadOnlyPaths) > 0 || len(c.InaccessiblePaths) > 0 ||
		len(c.ExecPaths) > 0 || len(c.NoExecPaths) > 0 || len(c.BindMounts) > 0 || len(c.TemporaryFileSystems) > 0 ||
		len(c.MountImages) > 0 || len(c.ExtensionImages) > 0 || len(c.ExtensionDirectories) > 0 {
		return true
	}
	if c.MountFlags != 0 && c.MountFlags != syscall.MS_SHARED {
		return true
	}
	if c.PrivateTmp && privateTmp {
		return true
	}
	if c.PrivateDevices || c.PrivateMounts || c.ProtectSystem != "no" && c.ProtectSystem != "" ||
		c.ProtectHome != "no" && c.ProtectHome != "" || c.ProtectKernelTunables || c.ProtectKernelModules ||
		c.ProtectKernelLogs || c.ProtectControlGroups || c.ProtectProc != "default" && c.ProtectProc != "" ||
		c.ProcSubset != "all" && c.ProcSubset != "" || c.PrivateIPC || c.IPCNamespacePath != "" {
		return true
	}
	if c.RootDirectory != "" {
		apivfs := c.MountAPIVFS
		if !c.MountAPIVFSSet {
			apivfs = true // the default with a root directory
		}
		if apivfs {
			return true
		}
		for _, d := range c.Directories {
			if len(d.Items) > 0 {
				return true
			}
		}
	}
	return c.DynamicUser && (len(c.Directories[unit.DirState].Items) > 0 || len(c.Directories[unit.DirCache].Items) > 0 ||
		len(c.Directories[unit.DirLogs].Items) > 0)
}
