package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

const busctlCall = oracle.OracleBin + "/busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager "

// transientFiles are units with files, for set-property on a unit that
// is not transient.
var transientFiles = []oracle.File{
	unitFile("gosd-tr-file.service", "[Unit]\nDescription=from a file\n[Service]\nExecStart=/bin/sleep infinity\n"),
}

// transientCommands create transient services and scopes with
// systemd-run and over the bus, and change units' properties at runtime.
var transientCommands = [][]string{
	{"!sh", "systemd-run --unit=gosd-tr1 /bin/true"},
	{"!sh", "sleep 0.5"},
	{"show", "-p", "LoadState,ActiveState,Transient", "gosd-tr1.service"},
	{"!sh", "ls /run/systemd/transient/"},
	{"!sh", "systemd-run --unit=gosd-tr2 -p RemainAfterExit=yes -p Description=x /bin/true"},
	{"!sh", "sleep 0.5"},
	{"show", "-p", "Description,Transient,FragmentPath,LoadState,ActiveState,SubState,RemainAfterExit,ExecStart,DropInPaths", "gosd-tr2.service"},
	{"cat", "gosd-tr2.service"},
	{"status", "-n0", "gosd-tr2.service"},
	{"!sh", "systemd-run --unit=gosd-tr2 /bin/true"},
	{"!sh", "systemd-run --unit=gosd-tr3 -p Type=oneshot -p Environment='A=1 B=x\"y' -p WorkingDirectory=/tmp -p User=root -p Group=root -p KillMode=mixed -p KillSignal=SIGINT -p SendSIGHUP=yes -p TimeoutStartSec=1min -p RuntimeMaxSec=30 -p Restart=no -p RestartSec=2s -p StandardOutput=journal -p StandardError=inherit -p StandardInput=null -p CPUWeight=20 -p CPUQuota=30% -p MemoryMax=50M -p MemoryHigh=40M -p MemoryLow=1M -p MemoryMin=1K -p TasksMax=10 -p IOWeight=30 -p Delegate=yes -p DefaultDependencies=no -p CollectMode=inactive-or-failed -p Documentation='man:true(1)' -p Documentation=https://example.com/x -p After=gosd-tr-file.service -p Wants=gosd-tr-file.service -p ExecStartPre='-/bin/echo a$b;c \"q\" %n' -p RemainAfterExit=yes /bin/sh -c 'echo hi'"},
	{"!sh", "sleep 0.5"},
	{"cat", "gosd-tr3.service"},
	{"show", "-p", "Type,Environment,WorkingDirectory,User,Group,KillMode,KillSignal,SendSIGHUP,TimeoutStartUSec,RuntimeMaxUSec,CPUWeight,CPUQuotaPerSecUSec,MemoryMax,MemoryHigh,MemoryLow,MemoryMin,TasksMax,IOWeight,Delegate,DefaultDependencies,CollectMode,Documentation,After,Wants,ActiveState", "gosd-tr3.service"},
	{"!sh", "systemd-run --unit=gosd-tr4 /bin/sleep infinity"},
	{"!sh", realSystemctl + " set-property gosd-tr4.service CPUWeight=50 MemoryMax=100M"},
	{"!sh", "cat /run/systemd/transient/gosd-tr4.service.d/*"},
	{"!sh", "ls -R /run/systemd/transient/ /etc/systemd/system.control /run/systemd/system.control 2>&1"},
	{"show", "-p", "CPUWeight,MemoryMax,DropInPaths", "gosd-tr4.service"},
	{"!sh", "cat /sys/fs/cgroup/system.slice/gosd-tr4.service/cpu.weight /sys/fs/cgroup/system.slice/gosd-tr4.service/memory.max"},
	{"start", "gosd-tr-file.service"},
	{"!sh", realSystemctl + " set-property gosd-tr-file.service CPUWeight=70 TasksMax=33 Description=changed"},
	{"!sh", realSystemctl + " --runtime set-property gosd-tr-file.service MemoryHigh=200M CPUQuota=20%"},
	{"!sh", "cd /etc/systemd/system.control && head -50 */*; cd /run/systemd/system.control && head -50 */*"},
	{"show", "-p", "Description,CPUWeight,TasksMax,MemoryHigh,CPUQuotaPerSecUSec,DropInPaths", "gosd-tr-file.service"},
	{"!sh", "cat /sys/fs/cgroup/system.slice/gosd-tr-file.service/cpu.weight /sys/fs/cgroup/system.slice/gosd-tr-file.service/pids.max /sys/fs/cgroup/system.slice/gosd-tr-file.service/memory.high /sys/fs/cgroup/system.slice/gosd-tr-file.service/cpu.max"},
	{"!sh", "systemd-run --scope --unit=gosd-sc /bin/true"},
	{"!sh", "sleep 0.5"}, // the scope empties: a race of 252's too
	{"show", "-p", "LoadState,ActiveState", "gosd-sc.scope"},
	{"!sh", "systemd-run --scope --unit=gosd-sc2 -p RuntimeMaxSec=1h -p Description=scoped /bin/sh -c 'cat /proc/self/cgroup; cat /run/systemd/transient/gosd-sc2.scope'"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Bogus s x 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Description u 3 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' 'bad name' fail 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.device fail 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1 fail 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service bogus 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-tr-file.service fail 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 CPUWeight t 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Wants as 1 'bad name' 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 ExecStart 'a(sasb)' 1 /bin/true 0 false 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 ExecStart 'a(sasb)' 1 'a/../b' 1 x false 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Conflicts as 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 WantedBy as 1 x.service 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Slice s x.service 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Type s bogus 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 KillSignal i 99 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Documentation as 1 nope 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 MemoryMax t 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 Environment as 1 '=x' 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 WorkingDirectory s rel 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 User s 'a:b' 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.service fail 1 PIDs au 1 1 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.scope fail 1 PIDs au 1 1 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.scope fail 1 PIDs au 1 999999 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.scope fail 1 Controller s bad 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.target fail 1 Delegate b true 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' 'gosd-tmpl@.service' fail 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus1.scope fail 1 PIDs au 0 0"},
	{"!sh", busctlCall + "StartTransientUnit 'ssa(sv)a(sa(sv))' gosd-bus2.service fail 2 ExecStart 'a(sasb)' 1 /bin/sleep 2 sleep infinity false Slice s gosd-tr.slice 0 | sed 's/[0-9]*\"$//'"},
	{"show", "-p", "Slice,ControlGroup,Description,ExecStart", "gosd-bus2.service"},
	{"!sh", "cat /run/systemd/transient/gosd-bus2.service"},
	{"!sh", busctlCall + "SetUnitProperties 'sba(sv)' gosd-tr-file.service false 1 Bogus s x"},
	{"!sh", busctlCall + "SetUnitProperties 'sba(sv)' gosd-tr-file.service false 1 RemainAfterExit b true"},
	{"!sh", busctlCall + "SetUnitProperties 'sba(sv)' gosd-nonexistent.service false 1 CPUWeight t 5"},
	{"!sh", busctlCall + "SetUnitProperties 'sba(sv)' gosd-tr-file.service false 1 CPUWeight s 5"},
	{"!sh", "(systemd-run --scope --unit=gosd-sc3 /bin/sleep 30 >/dev/null 2>&1 &)"},
	{"!sh", "sleep 0.5"},
	{"show", "-p", "LoadState,ActiveState,SubState,Transient,FragmentPath,ControlGroup,Result", "gosd-sc3.scope"},
	{"!sh", busctlCall + "AbandonScope s gosd-sc3.scope"},
	{"!sh", busctlCall + "AbandonScope s gosd-tr2.service"},
	{"!sh", busctlCall + "AbandonScope s gosd-nope.scope"},
	{"show", "-p", "ActiveState,SubState", "gosd-sc3.scope"},
	{"stop", "gosd-sc3.scope"},
	{"show", "-p", "LoadState,ActiveState,SubState", "gosd-sc3.scope"},
	{"stop", "gosd-tr2.service", "gosd-tr3.service", "gosd-tr4.service", "gosd-bus2.service"},
	{"!sh", "ls -R /run/systemd/transient/"},
}

func TestTransientMatchesSystemd(t *testing.T) {
	compareSides(t, transientFiles, transientCommands)
}
