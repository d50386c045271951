package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

// showFiles adds a timer to the units of the systemctl test.
var showFiles = append(append([]oracle.File{}, files...),
	unitFile("gosd-sc-tick.timer", "[Unit]\nDescription=ticks\n[Timer]\nOnCalendar=*-*-* 04:00:00\nOnBootSec=1h\nUnit=gosd-sc-ok.service\n"),
)

// showCommands exercise show: the manager, units of each type, several
// at once, globs, an unknown job ID, -p/-P/--value/--all and unknown
// units. Shown job IDs differ between managers, so no existing job is shown.
var showCommands = [][]string{
	{"show"},
	{"show", "--all"},
	{"show", "-p", "Version,Architecture"},
	{"show", "--property=Version", "-p", "NNames"},
	{"show", "-P", "Version"},
	{"show", "-p", "Version", "--value"},
	{"show", "-p", "Version,NoSuchProperty"},
	{"show", "-p", "Tainted,ShowStatus"},
	{"show", "-P", "Tainted"},
	{"show", "-p", "Tainted=", "-p", "Version"},
	{"start", "gosd-sc-ok.service"},
	{"show", "gosd-sc-ok.service"},
	{"show", "gosd-sc-ok"},
	{"show", "--all", "gosd-sc-ok.service"},
	{"start", "gosd-sc-fail.service"},
	{"show", "gosd-sc-fail.service"},
	{"show", "--all", "gosd-sc-fail.service"},
	{"show", "-p", "ActiveState,SubState", "--value", "dbus.service"},
	{"show", "-p", "ActiveState", "-p", "SubState", "gosd-sc-ok.service", "gosd-sc-fail.service"},
	{"show", "-p", "ActiveState=failed", "gosd-sc-ok.service", "gosd-sc-fail.service"},
	{"-P", "Id", "show", "dbus.service"},
	{"-P", "MainPID", "dbus.service"},
	{"show", "-p", "ExecStart", "dbus.service"},
	{"show", "-p", "ExecStart,ExecMainStatus,Result", "gosd-sc-fail.service"},
	{"show", "nonexistent-gosd.service"},
	{"show", "-a", "nonexistent-gosd.service"},
	{"show", "dbus.socket", "multi-user.target"},
	{"show", "gosd-sc-tick.timer"},
	{"start", "gosd-sc-tick.timer"},
	{"show", "--all", "gosd-sc-tick.timer"},
	{"show", "-p", "Id,What,Where,Type,LoadState,ActiveState,SubState,Result,TimeoutUSec", "--", "-.mount"},
	{"show", "-p", "Id,Slice,ControlGroup,LoadState,ActiveState,CanStop,MemoryAccounting", "--", "-.slice"},
	{"show", "-p", "Id,Slice,ControlGroup,MemoryAccounting,TasksMax,Description", "system.slice"},
	{"show", "-p", "Id,SliceOf,CanFreeze", "system.slice", "user.slice", "--", "-.slice"},
	{"show", "--type=target", "--state=active", "-p", "Id,ActiveState"},
	{"show", "--type=timer", "-p", "Id", "--value"},
	{"show", "gosd-sc-sock.socket"},
	// Their IPAddressDeny= lists come in hash order, which differs from
	// boot to boot; the properties below print structured values.
	{"show", "-p", "Id,Type,ExecStart,ExecStartEx,SystemCallFilter,SystemCallErrorNumber,SystemCallArchitectures," +
		"RestrictAddressFamilies,RestrictNamespaces,CapabilityBoundingSet,DeviceAllow,ReadWritePaths,StateDirectory," +
		"FileDescriptorStoreMax,WatchdogUSec,BindReadOnlyPaths,LockPersonality,MemoryDenyWriteExecute,ProtectSystem," +
		"ProtectHome,RestrictRealtime,IPAddressAllow,UMask,LimitNOFILE,LimitNOFILESoft,Environment,BusName,Sockets," +
		"StateDirectoryMode,LogsDirectory,OOMScoreAdjust,LogLevelMax,KillMode,Restart,RestartUSec", "systemd-journald.service", "systemd-logind.service"},
	{"show", "--all", "-p", "EnvironmentFiles,RootImageOptions,MountImages,TemporaryFileSystem,LogExtraFields,CPUAffinity," +
		"NUMAMask,IODeviceWeight,SocketBindAllow,SELinuxContext,StandardInputData,SuccessExitStatus,ExecStopPost," +
		"TasksMax,MemoryMax,CPUWeight,CoredumpFilter,MountFlags,AmbientCapabilities,NUMAPolicy,Job,LoadError", "systemd-logind.service"},
	{"show", "systemd-ask-password-console.path"},
	{"show", "init.scope"},
	{"show", "-p", "Id", "gosd-sc-o*"},
	{"show", "-p", "Id", "nomatch-gosd-*"},
	{"show", "-p", "Id", "gosd sc/odd name"},
	{"show", "-p", "", "gosd-sc-ok.service"},
	{"show", "--value", "-p", "Names,Description,Type,Result", "gosd-sc-ok.service"},
	{"show", ""},
	{"show", "999999"},
	{"--no-block", "start", "gosd-sc-slow.service"},
	{"!sh", "sleep 0.5"}, // the job runs: not a race with its start
	{"show", "-p", "JobId,ActiveState", "gosd-sc-slow.service"},
	{"stop", "gosd-sc-slow.service"},
}

func TestShowMatchesSystemd(t *testing.T) {
	compareSides(t, showFiles, showCommands)
}
