package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

// verbFiles are the units set-property, clean, freeze and thaw act on.
var verbFiles = []oracle.File{
	unitFile("gosd-sc-ok.service", "[Unit]\nDescription=succeeds\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-simple.service", "[Unit]\nDescription=runs\n[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-clean.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nRuntimeDirectory=gosd-clean\nRuntimeDirectoryPreserve=yes\nCacheDirectory=gosd-clean\nStateDirectory=gosd-clean\n"),
	unitFile("gosd-sc.target", "[Unit]\nDescription=a target\n"),
	unitFile("gosd-sc.timer", "[Timer]\nOnActiveSec=1h\n"),
	unitFile("gosd-sc-sock.socket", "[Socket]\nListenStream=/run/gosd-sc.sock\n"),
	unitFile("gosd-sc-fail.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n"),
	unitFile("gosd-sc-oneshot.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-short.service", "[Service]\nExecStart=/bin/sleep 0.5\n"),
	unitFile("gosd-sc-exit3.service", "[Service]\nExecStart=/bin/sh -c 'sleep 0.5; exit 3'\n"),
}

// setPropertyErrorCommands are what set-property refuses before asking
// the manager: missing arguments, unknown and malformed assignments.
var setPropertyErrorCommands = [][]string{
	{"set-property"},
	{"set-property", "gosd-sc-ok.service"},
	{"set-property", "gosd-sc-ok.service", "Bogus=1"},
	{"set-property", "gosd-sc-ok.service", "NoEquals"},
	{"set-property", "gosd-sc-ok.service", "CPUWeight=5", "Bogus=1"},
	{"set-property", "gosd-sc-ok.service", "CPUWeight=abc"},
	{"set-property", "gosd-sc-ok.service", "CPUWeight=0"},
	{"set-property", "gosd-sc-ok.service", "StartupCPUWeight=10001"},
	{"set-property", "gosd-sc-ok.service", "IOWeight=-1"},
	{"set-property", "gosd-sc-ok.service", "CPUShares=1"},
	{"set-property", "gosd-sc-ok.service", "BlockIOWeight=5"},
	{"set-property", "gosd-sc-ok.service", "CPUQuota=0%"},
	{"set-property", "gosd-sc-ok.service", "CPUQuota=abc"},
	{"set-property", "gosd-sc-ok.service", "CPUQuotaPeriodSec=abc"},
	{"set-property", "gosd-sc-ok.service", "MemoryMax=abc"},
	{"set-property", "gosd-sc-ok.service", "MemoryLow=1Q"},
	{"set-property", "gosd-sc-ok.service", "MemoryHigh=101%"},
	{"set-property", "gosd-sc-ok.service", "TasksMax=-1"},
	{"set-property", "gosd-sc-ok.service", "AllowedCPUs=abc"},
	{"set-property", "gosd-sc-ok.service", "AllowedMemoryNodes=1-x"},
	{"set-property", "gosd-sc-ok.service", "CPUAccounting=maybe"},
	{"set-property", "gosd-sc-ok.service", "SocketBindAllow=ipv5:80"},
	{"set-property", "gosd-sc-ok.service", "SocketBindDeny=tcp:ipv4:80"},
	{"set-property", "gosd-sc-ok.service", "SocketBindDeny=ipv4:tcp:80:1"},
	{"set-property", "gosd-sc-ok.service", "SocketBindDeny=ipv4::80"},
	{"set-property", "gosd-sc-ok.service", "SocketBindDeny=90-80"},
	{"set-property", "gosd-sc-ok.service", "SocketBindDeny=0"},
	{"set-property", "gosd-sc-ok.service", "ManagedOOMMemoryPressureLimit=200%"},
	{"set-property", "gosd-sc-ok.service", "IOReadBandwidthMax=/dev/sda"},
	{"set-property", "gosd-sc-ok.service", "IOWriteIOPSMax=/dev/sda lots"},
	{"set-property", "gosd-sc-ok.service", "IODeviceWeight=/dev/sda x"},
	{"set-property", "gosd-sc-ok.service", "IPAddressAllow=foo"},
	{"set-property", "gosd-sc-ok.service", "IPAddressDeny=10.0.0.1 10.0.0.300"},
	{"set-property", "gosd-sc-ok.service", "KillSignal=SIGFOO"},
	{"set-property", "gosd-sc-ok.service", "SendSIGKILL=perhaps"},
	{"set-property", "gosd-sc-ok.service", "TimeoutStopSec=xyz"},
	{"set-property", "gosd-sc-ok.service", "TimeoutSec=1x"},
	{"set-property", "gosd-sc-ok.service", "SuccessExitStatus=foo"},
	{"set-property", "gosd-sc-ok.service", "RestartPreventExitStatus=1 \"unbalanced"},
	{"set-property", "gosd-sc-ok.service", "StartLimitBurst=x"},
	{"set-property", "gosd-sc-ok.service", "SuccessActionExitStatus=300"},
	{"set-property", "gosd-sc-ok.service", "Environment=\"unbalanced"},
	{"set-property", "gosd-sc-ok.service", "Nice=30"},
	{"set-property", "gosd-sc-ok.service", "IOSchedulingPriority=8"},
	{"set-property", "gosd-sc-ok.service", "UMask=0999"},
	{"set-property", "gosd-sc-ok.service", "LimitNOFILE=abc"},
	{"set-property", "gosd-sc-ok.service", "SyslogLevel=loud"},
	{"set-property", "gosd-sc-ok.service", "OOMScoreAdjust=x"},
	{"set-property", "gosd-sc-ok.service", "FileDescriptorStoreMax=-2"},
	{"set-property", "gosd-sc-ok.service", "Wants=\"a"},
	{"set-property", "gosd-sc-ok.service", "ExecStart=/bin/echo \"unbalanced"},
	{"set-property", "gosd-sc-ok.service", "ExecStartPre=-@\"/bin/x"},
	{"set-property", "gosd-sc-ok.service", "SyslogFacility=bogus"},
	{"set-property", "gosd-sc-ok.service", "SyslogFacility=128"},
	{"set-property", "gosd-sc-ok.service", "CPUSchedulingPolicy=realtime"},
	{"set-property", "gosd-sc-ok.service", "IOSchedulingClass=9"},
	{"set-property", "gosd-sc-ok.service", "MountFlags=bogus"},
	{"set-property", "gosd-sc-ok.service", "CPUAffinity=0-x"},
	{"set-property", "gosd-sc-ok.service", "NUMAPolicy=Bind"},
	{"set-property", "gosd-sc-ok.service", "NUMAMask=x"},
	{"set-property", "gosd-sc-ok.service", "StandardInputText=a\\qb"},
	{"set-property", "gosd-sc-ok.service", "SetCredential=noval"},
	{"set-property", "gosd-sc-ok.service", "CoredumpFilter=default bogus"},
	{"set-property", "gosd-sc-ok.service", "RootHash=abc"},
	{"set-property", "gosd-sc-ok.service", "BindPaths=a:b:bogus"},
	{"set-property", "gosd-sc-ok.service", "BindReadOnlyPaths=-x y:z:norbind a:b:c"},
	{"set-property", "gosd-sc-ok.service", "BindPaths=\"a"},
	{"set-property", "gosd-sc-ok.service", "BindPaths=a:\"b"},
	{"set-property", "gosd-sc-ok.service", "TemporaryFileSystem=\"/x"},
	{"set-property", "gosd-sc-ok.service", "RootImageOptions=a:b:c"},
	{"set-property", "gosd-sc-ok.service", "RootImageOptions=\"a"},
	{"set-property", "gosd-sc-ok.service", "MountImages=/a"},
	{"set-property", "gosd-sc-ok.service", "MountImages=/a:/b \"c"},
	{"set-property", "gosd-sc-ok.service", "ExtensionImages=\"c"},
	{"set-property", "gosd-sc-ok.service", "RootHash=xy"},
	{"set-property", "gosd-sc-ok.service", "RootHash=0011"},
	{"set-property", "gosd-sc-ok.service", "RootHashSignature=sig"},
	{"set-property", "gosd-sc-ok.service", "RootHashSignature=base64:QQ="},
	{"set-property", "gosd-sc-ok.service", "CoredumpFilter=\"all"},
	{"set-property", "gosd-sc-ok.service", "StandardInputData=QQ="},
	{"set-property", "gosd-sc-ok.service", "StandardInputData=QQ==x"},
	{"set-property", "gosd-sc-ok.service", "StandardInputData=Q!=="},
	{"set-property", "gosd-sc-ok.service", "SetCredentialEncrypted=a:QUJ"},
	{"set-property", "gosd-sc-ok.service", "SetCredential=a:b\\q"},
	{"set-property", "gosd-sc-ok.service", "SystemCallErrorNumber=bogus"},
	{"set-property", "gosd-sc-ok.service", "SystemCallErrorNumber=5000"},
	{"set-property", "gosd-sc-ok.service", "RestrictNamespaces=foo"},
	{"set-property", "gosd-sc-ok.service", "RestrictNamespaces=~net foo"},
	{"set-property", "gosd-sc-ok.service", "SystemCallFilter=~\"@x"},
	{"set-property", "gosd-sc-ok.service", "StateDirectory=a \"b"},
	{"set-property", "gosd-sc.target", "CPUWeight=5"},
	{"set-property", "gosd-sc.target", "KillMode=mixed"},
	{"set-property", "gosd-sc.timer", "MemoryMax=1G"},
	{"set-property", "gosd-sc.timer", "AccuracySec=forever"},
	{"set-property", "gosd-sc-sock.socket", "IPTOS=fast"},
	{"set-property", "gosd-sc-sock.socket", "IPTOS=256"},
	{"set-property", "gosd-sc-sock.socket", "SocketProtocol=bogus"},
	{"set-property", "gosd-sc-sock.socket", "SocketProtocol=3"},
	{"set-property", "gosd-sc-sock.socket", "SocketProtocol=-1"},
	{"set-property", "gosd-sc-sock.socket", "Backlog=-1"},
	{"set-property", "gosd-sc-sock.socket", "ReceiveBuffer=1Z"},
	{"set-property", "gosd-sc-sock.socket", "TimeoutSec=x"},
	{"set-property", "gosd-sc-sock.socket", "Accept=perhaps"},
	{"set-property", "gosd-sc-sock.socket", "ExecStartPre=\"x"},
	{"set-property", "gosd-sc-sock.socket", "PathExists=/x"},
	{"set-property", "gosd-sc.path", "PathExists=/x", "Accept=yes"},
	{"set-property", "gosd-sc.path", "MakeDirectory=x"},
	{"set-property", "gosd-sc.mount", "LazyUnmount=x"},
	{"set-property", "gosd-sc.automount", "TimeoutIdleSec=x"},
	{"set-property", "gosd-sc.scope", "RuntimeMaxSec=x"},
	{"set-property", "gosd-sc.swap", "CPUWeight=5"},
	{"set-property", "gosd-sc.device", "Description=x", "Bogus=2"},
	{"set-property", "gosd-sc.timer", "OnActiveSec=never"},
	{"set-property", "--", "-.slice", "KillSignal=9"},
	{"set-property", "--", "-.slice", "MemoryMax=x"},
	{"set-property", "", "CPUWeight=5"},
	{"set-property", "gosd-nomatch*", "CPUWeight=5"},
	{"--runtime", "set-property", "gosd-nomatch*", "Bogus=1"},
}

func TestSetPropertyErrorsMatchSystemd(t *testing.T) {
	compareSides(t, verbFiles, setPropertyErrorCommands)
}

// setPropertyCommands set properties through real PID 1 (ours does not
// serve SetUnitProperties yet): what it stores shows what we sent. Values
// of both address families stay out: 252 keeps them in a hash set, in an
// order of its own.
var setPropertyCommands = [][]string{
	{"start", "gosd-sc-simple.service"},
	{"set-property", "gosd-sc-simple.service", "CPUWeight=200", "StartupCPUWeight=idle", "IOWeight=300", "MemoryMax=100M",
		"MemoryHigh=50%", "MemoryLow=", "MemoryMin=1K", "MemorySwapMax=infinity", "TasksMax=99", "CPUQuota=25%",
		"CPUQuotaPeriodSec=50ms", "AllowedCPUs=0", "CPUAccounting=yes", "DevicePolicy=closed",
		"DeviceAllow=/dev/null rw", "IPAddressDeny=10.0.0.0/8", "IPAddressAllow=10.1.2.3/24",
		"IOReadBandwidthMax=/dev/null 1M", "IODeviceWeight=/dev/null 50", "ManagedOOMMemoryPressureLimit=40%"},
	{"show", "-p", "CPUWeight,StartupCPUWeight,IOWeight,MemoryMax,MemoryHigh,MemoryLow,MemoryMin,MemorySwapMax,TasksMax," +
		"CPUQuotaPerSecUSec,CPUQuotaPeriodUSec,AllowedCPUs,Delegate,DelegateControllers,CPUAccounting,DevicePolicy," +
		"DeviceAllow,IPAddressDeny,IPAddressAllow,IOReadBandwidthMax,IODeviceWeight,ManagedOOMMemoryPressureLimit",
		"gosd-sc-simple.service"},
	{"!sh", "cd /etc/systemd/system.control/gosd-sc-simple.service.d && for f in *; do echo \"== $f\"; cat \"$f\"; done"},
	{"--runtime", "set-property", "gosd-sc-simple.service", "TasksMax=5%", "MemoryMax=", "CPUQuota=", "IPAddressAllow=",
		"IPAddressDeny=", "MemoryLow=10%", "IOWeight=", "IOReadBandwidthMax=", "DeviceAllow=", "AllowedCPUs="},
	{"set-property", "gosd-sc-simple.service", "Delegate=yes"},
	{"set-property", "gosd-sc-simple.service", "Delegate=cpu memory"},
	{"set-property", "gosd-sc-simple.service", "IPAddressAllow=localhost 10.1.2.3/8"},
	{"show", "-p", "TasksMax,MemoryMax,CPUQuotaPerSecUSec,IPAddressAllow,IPAddressDeny,MemoryLow,IOWeight,IOReadBandwidthMax,DeviceAllow,AllowedCPUs",
		"gosd-sc-simple.service"},
	{"!sh", "cd /run/systemd/system.control/gosd-sc-simple.service.d && for f in *; do echo \"== $f\"; cat \"$f\"; done"},
	{"set-property", "gosd-sc-simple.service", "Description=renamed"},
	{"set-property", "gosd-sc-simple.service", "KillSignal=SIGINT"},
	{"set-property", "gosd-sc-simple.service", "Wants=gosd-sc-ok.service"},
	{"set-property", "gosd-sc-simp*", "TasksMax=infinity"},
	{"set-property", "gosd-sc-ok", "CPUWeight=7"},
	{"show", "-p", "CPUWeight,TasksMax", "gosd-sc-simple.service", "gosd-sc-ok.service"},
	{"set-property", "nonexistent-gosd.service", "CPUWeight=7"},
	{"set-property", "--", "-.slice", "MemoryAccounting=yes"},
	{"set-property", "gosd-sc.target", "Description=x"},
	{"set-property", "gosd-sc.timer", "AccuracySec=5s"},
	{"set-property", "gosd-sc-simple.service", "ExecStart=/bin/true"},
	{"set-property", "gosd-sc-simple.service", "ExecStart=+/bin/true"},
	{"set-property", "gosd-sc-simple.service", "ExecStartPre=-:@/bin/true x"},
	{"set-property", "gosd-sc-simple.service", "ExecStopEx=!!/bin/true"},
	{"set-property", "gosd-sc-simple.service", "LoadCredential=a:/x"},
	{"set-property", "gosd-sc-simple.service", "NUMAPolicy=bind"},
	{"set-property", "gosd-sc-simple.service", "NUMAMask=all"},
	{"set-property", "gosd-sc-simple.service", "NUMAMask=0-1"},
	{"set-property", "gosd-sc-simple.service", "CoredumpFilter=default 0x40 elf-headers"},
	{"set-property", "gosd-sc-simple.service", "RootHash=00112233445566778899aabbccddeeff"},
	{"set-property", "gosd-sc-simple.service", "RootHash=/x.roothash"},
	{"set-property", "gosd-sc-simple.service", "BindPaths=a:b bogus -c:d:rbind e: f::"},
	{"set-property", "gosd-sc-simple.service", "BindReadOnlyPaths=a:b:norbind"},
	{"set-property", "gosd-sc-simple.service", "RootImageOptions=ro root:rw home:x\\:y"},
	{"set-property", "gosd-sc-simple.service", "MountImages=-/a:/b:root:ro:usr /c:/d:ro"},
	{"set-property", "gosd-sc-simple.service", "ExtensionImages=/a:root:ro:home -/b /c:x"},
	{"set-property", "gosd-sc-simple.service", "TemporaryFileSystem=/x:ro /y \"/z:a b\""},
	{"set-property", "gosd-sc-simple.service", "RootHashSignature=base64:QUJD"},
	{"set-property", "gosd-sc-simple.service", "RootHashSignature=/x.p7s"},
	{"set-property", "gosd-sc-simple.service", "StandardInputData= QU JD\nQQ== ", "SetCredentialEncrypted=a:QUJD"},
	{"set-property", "gosd-sc-simple.service", "StandardInputText=a\\tb 'c' \"d\""},
	{"set-property", "gosd-sc-simple.service", "SetCredential=a:b\\x41:c", "SetCredential="},
	{"set-property", "gosd-sc-sock.socket", "IPTOS=low-delay", "ListenStream=/run/x", "Backlog=5", "ReceiveBuffer=1K"},
	{"set-property", "gosd-sc-sock.socket", "IPTOS=7"},
	{"set-property", "gosd-sc-sock.socket", "SocketProtocol=UDPLite"},
	{"set-property", "gosd-sc-sock.socket", "SocketProtocol=262"},
	{"set-property", "gosd-sc-sock.socket", "SocketProtocol="},
	{"set-property", "gosd-sc-sock.socket", "ExecStartPre=-/bin/true"},
	{"set-property", "gosd-sc-simple.service", "LoadCredentialEncrypted=\"a:b"},
	{"set-property", "gosd-sc-simple.service", "CPUAffinity=numa"},
	{"set-property", "gosd-sc-simple.service", "StateDirectory=a//b/ c"},
	{"set-property", "gosd-sc-simple.service", "RuntimeDirectory=a:b/"},
	{"set-property", "gosd-sc-simple.service", "CacheDirectory=a \"\""},
	{"set-property", "gosd-sc-simple.service", "LogsDirectory=", "CPUWeight=9"},
	{"show", "-p", "CPUWeight", "gosd-sc-simple.service"},
	{"set-property", "gosd-sc-simple.service", "SocketBindAllow=ipv6:udp:1000-1010", "SocketBindDeny=any"},
	{"set-property", "gosd-sc-simple.service", "SocketBindAllow=tcp:22", "SocketBindAllow=ipv4", "SocketBindAllow=443"},
	{"show", "-p", "SocketBindAllow,SocketBindDeny", "gosd-sc-simple.service"},
	{"set-property", "gosd-sc-simple.service", "SocketBindAllow="},
	{"show", "-p", "SocketBindAllow", "gosd-sc-simple.service"},
	{"set-property", "gosd-sc-simple.service", "SecureBits=keep-caps bogus", "SystemCallErrorNumber=EPERM"},
	{"set-property", "gosd-sc-simple.service", "SystemCallErrorNumber=kill", "RestrictNamespaces=~net time"},
	{"set-property", "gosd-sc-simple.service", "RestrictAddressFamilies=~AF_INET", "SystemCallFilter=@system-service"},
	{"set-property", "gosd-sc-simple.service", "CPUAffinity=1", "LogExtraFields=A=b", "AppArmorProfile=-x", "AmbientCapabilities=~CAP_CHOWN x"},
	{"set-property", "gosd-sc-simple.service", "SmackProcessLabel=x", "CapabilityBoundingSet=CAP_KILL"},
	{"set-property", "gosd-sc-simple.service", "SyslogFacility=local7", "CPUSchedulingPolicy=5", "IOSchedulingClass=idle", "MountFlags=shared"},
}

func TestSetPropertyMatchesSystemd(t *testing.T) {
	compareOnRealPID1(t, verbFiles, setPropertyCommands, nil)
}

// specialCommands are the power verbs as far as they leave the container
// running: --dry-run, the reboot argument, what they refuse.
var specialCommands = [][]string{
	{"--dry-run", "poweroff"},
	{"--dry-run", "halt"},
	{"--dry-run", "reboot"},
	{"--dry-run", "reboot", "gosd-arg"},
	{"!sh", "cat /run/systemd/reboot-param; ls -l /run/systemd/reboot-param | cut -c1-10"},
	{"--dry-run", "--reboot-argument=other", "reboot"},
	{"!sh", "cat /run/systemd/reboot-param"},
	{"--dry-run", "reboot", ""},
	{"!sh", "ls /run/systemd/reboot-param"},
	{"--dry-run", "reboot", "h\u00e9"},
	{"--reboot-argument=x", "reboot", "y"},
	{"--dry-run", "-ff", "poweroff"},
	{"--dry-run", "-ff", "halt"},
	{"--dry-run", "-ff", "reboot"},
	{"--dry-run", "-ff", "--quiet", "reboot"},
	{"--dry-run", "-f", "poweroff"},
	{"--dry-run", "-f", "halt"},
	{"--dry-run", "-f", "exit"},
	{"--dry-run", "kexec"},
	{"--dry-run", "-f", "kexec"},
	{"--dry-run", "rescue"},
	{"--dry-run", "emergency"},
	{"--dry-run", "default"},
	{"--dry-run", "exit"},
	{"exit", "abc"},
	{"exit", "300"},
	{"exit", "-1"},
	{"exit", "1", "2"},
	{"poweroff", "now"},
	{"halt", "x"},
	{"rescue", "x"},
	{"reboot", "a", "b"},
	{"!sh", "for v in poweroff halt reboot kexec rescue emergency default exit; do SYSTEMD_LOG_LEVEL=debug @SYSTEMCTL@ --dry-run $v 2>&1 | grep -e 'dbus call' -e 'wall message'; done"},
	{"!sh", "SYSTEMD_LOG_LEVEL=debug @SYSTEMCTL@ --dry-run -f kexec 2>&1 | grep -e 'dbus call' -e kexec"},
	{"!sh", "SYSTEMD_LOG_LEVEL=debug @SYSTEMCTL@ --dry-run --message='a  b' --no-wall --message=c halt 2>&1 | grep -e 'dbus call' -e 'wall message'"},
	{"--user", "poweroff"},
	{"--global", "rescue"},
	{"switch-root"},
	{"switch-root", "/", "/sbin/init", "extra"},
	{"-H", "root@localhost", "switch-root", "/x"},
	{"start", "gosd-sc-simple.service"},
	{"default"},
	{"is-active", "gosd-sc-simple.service", "multi-user.target"},
}

func TestSpecialVerbsMatchSystemd(t *testing.T) {
	compareSides(t, verbFiles, specialCommands)
}

// managerMethodCommands call Manager methods our PID 1 does not serve
// yet (SetExitCode, FreezeUnit, ThawUnit, CleanUnit), and SwitchRoot's
// refusals.
var managerMethodCommands = [][]string{
	{"--dry-run", "exit", "7"},
	{"show", "-p", "ExitCode"},
	{"switch-root", "/"},
	{"switch-root", "/nonexistent-gosd"},
	{"start", "gosd-sc-simple.service", "gosd-sc-clean.service"},
	{"freeze", "gosd-sc-simple.service"},
	{"show", "-p", "FreezerState,ActiveState,SubState", "gosd-sc-simple.service"},
	{"freeze", "gosd-sc-simple.service"},
	{"thaw", "gosd-sc-simple.service"},
	{"show", "-p", "FreezerState", "gosd-sc-simple.service"},
	{"thaw", "gosd-sc-simple.service"},
	{"freeze", "gosd-sc-ok.service"},
	{"freeze", "nonexistent-gosd.service"},
	{"freeze", "gosd-sc-simp*", "gosd-sc.target"},
	{"thaw", "gosd-sc-s*"},
	{"freeze"},
	{"--what=bogus", "clean", "gosd-sc-clean.service"},
	{"--what=", "clean", "gosd-sc-clean.service"},
	{"--what=help", "clean"},
	{"!sh", "ls -d /run/gosd-clean /var/cache/gosd-clean /var/lib/gosd-clean"},
	{"clean", "gosd-sc-clean.service"},
	{"!sh", "ls -d /run/gosd-clean /var/cache/gosd-clean /var/lib/gosd-clean"},
	{"--what=state,cache", "clean", "gosd-sc-clean.service"},
	{"!sh", "ls -d /run/gosd-clean /var/cache/gosd-clean /var/lib/gosd-clean"},
	{"start", "gosd-sc-clean.service"},
	{"--what=all", "clean", "gosd-sc-clean"},
	{"!sh", "ls -d /run/gosd-clean /var/cache/gosd-clean /var/lib/gosd-clean"},
	{"clean", "gosd-sc-simple.service"},
	{"clean", "gosd-sc.target", "gosd-sc-clean.service"},
	{"clean", "nonexistent-gosd.service"},
	{"show", "-p", "CleanResult,ActiveState", "gosd-sc-clean.service"},
}

func TestManagerMethodVerbsMatchSystemd(t *testing.T) {
	compareOnRealPID1(t, verbFiles, managerMethodCommands, nil)
}

// waitCommands are start --wait: the job, then the unit's return to
// inactive (success) or failed.
var waitCommands = [][]string{
	{"--wait", "start", "gosd-sc-oneshot.service"},
	{"--wait", "start", "gosd-sc-short.service"},
	{"is-active", "gosd-sc-short.service"},
	{"--wait", "start", "gosd-sc-fail.service"},
	{"--wait", "start", "gosd-sc-exit3.service"},
	{"is-failed", "gosd-sc-exit3.service"},
	{"--wait", "restart", "gosd-sc-short.service", "gosd-sc-oneshot"},
	{"--wait", "start", "gosd-sc-short.service", "gosd-sc-exit3.service"},
	{"--wait", "start", "nonexistent-gosd.service"},
	{"--wait", "start", "nonexistent-gosd.service", "gosd-sc-short.service"},
	{"--wait", "--no-block", "start", "gosd-sc-short.service"},
	{"--wait", "reload", "gosd-sc-short.service"},
	{"--wait", "start"},
	{"--wait", "start", "gosd-sc-nomatch*"},
	{"reset-failed"},
}

func TestStartWaitMatchesSystemd(t *testing.T) {
	compareSides(t, verbFiles, waitCommands)
}

// editFiles are the units and editors of the edit test. Editors get the
// temporary files as arguments.
var editFiles = append(append([]oracle.File{}, verbFiles...),
	unitFile("gosd-sc-tmpl@.service", "[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-ok.service.d/10-early.conf", "# early\n[Service]\nEnvironment=A=1\n"),
	oracle.File{Path: "/etc/systemd/system/gosd-sc-alias.service", Symlink: "gosd-sc-ok.service"},
	oracle.File{Path: "/etc/systemd/system/gosd-sc-masked.service", Symlink: "/dev/null"},
	editor("gosd-ed-add", `for f; do cp "$f" /tmp/gosd-seen; sed -i 's/^### Lines below this comment will be discarded$/[Unit]\nDescription=edited\n&/' "$f"; done`),
	editor("gosd-ed-empty", `: > "$1"`),
	editor("gosd-ed-fail", `exit 3`),
	editor("gosd-ed-append", `cp "$1" /tmp/gosd-seen; printf '# appended\n\n' >> "$1"`),
	editor("gosd-ed-write", `printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' > "$1"`),
	editor("gosd-ed-plain", `cp "$1" /tmp/gosd-seen; printf '  [Unit]\nDescription=no markers\n' > "$1"`),
)

func editor(name, body string) oracle.File {
	return oracle.File{Path: "/usr/local/bin/" + name, Data: []byte("#!/bin/sh\n" + body + "\n"), Mode: 0o755}
}

// onTTY runs systemctl with arguments on a terminal (edit refuses to run
// elsewhere), with editor as $SYSTEMD_EDITOR.
func onTTY(editor, args string) []string {
	return []string{"!sh", "SYSTEMD_EDITOR=" + editor + " script -qec '@SYSTEMCTL@ " + args + "' /dev/null; echo \"[rc $?]\""}
}

// editCommands are edit's refusals, drop-ins and full copies, each
// followed by what it wrote.
var editCommands = [][]string{
	{"edit", "gosd-sc-ok.service"},
	{"edit"},
	{"-H", "root@localhost", "edit", "gosd-sc-ok.service"},
	onTTY("gosd-ed-add", "-H root@localhost edit gosd-sc-ok.service"),
	onTTY("gosd-ed-add", "edit gosd-nomatch*"),
	onTTY("gosd-ed-add", "edit nonexistent-gosd.service"),
	onTTY("gosd-ed-add", "edit gosd-sc-masked.service"),
	onTTY("gosd-ed-add", "edit gosd-sc-ok.service"),
	{"!sh", "cat /tmp/gosd-seen; echo; echo ==; cat /etc/systemd/system/gosd-sc-ok.service.d/override.conf; echo"},
	{"show", "-p", "Description,NeedDaemonReload", "gosd-sc-ok.service"},
	onTTY("gosd-ed-add", "edit gosd-sc-alias"),
	{"!sh", "cat /tmp/gosd-seen; echo; echo ==; cat /etc/systemd/system/gosd-sc-ok.service.d/override.conf; echo"},
	onTTY("gosd-ed-add", "--runtime edit gosd-sc-ok.service"),
	onTTY("gosd-ed-add", "--runtime edit gosd-sc-simple.service"),
	{"!sh", "cat /run/systemd/system/gosd-sc-simple.service.d/override.conf; echo; ls /etc/systemd/system/gosd-sc-simple.service.d"},
	onTTY("gosd-ed-empty", "edit gosd-sc.target"),
	{"!sh", "ls -a /etc/systemd/system/ | grep gosd-sc.target"},
	onTTY("gosd-ed-fail", "edit gosd-sc.target"),
	onTTY("gosd-ed-fail", "edit gosd-sc.target gosd-sc.timer"),
	{"!sh", "ls -a /etc/systemd/system/ | grep -e gosd-sc.target -e gosd-sc.timer"},
	onTTY("gosd-ed-add", "edit gosd-sc-tmpl@one.service"),
	{"!sh", "cat /tmp/gosd-seen; echo; echo ==; cat /etc/systemd/system/gosd-sc-tmpl@one.service.d/override.conf; echo"},
	onTTY("gosd-ed-add", "edit gosd-sc-tmpl@.service"),
	{"!sh", "cat /etc/systemd/system/gosd-sc-tmpl@.service.d/override.conf; echo"},
	onTTY("gosd-ed-append", "--full edit gosd-sc-simple.service"),
	{"!sh", "cat /tmp/gosd-seen; echo ==; cat /etc/systemd/system/gosd-sc-simple.service; echo"},
	onTTY("gosd-ed-write", "--force --full edit gosd-sc-new.service"),
	{"!sh", "cat /etc/systemd/system/gosd-sc-new.service; echo"},
	{"start", "gosd-sc-new.service"},
	onTTY("gosd-ed-write", "--force edit gosd-sc-new2.service"),
	{"!sh", "cat /etc/systemd/system/gosd-sc-new2.service.d/override.conf; echo"},
	{"cat", "gosd-sc-new2.service"},
	onTTY("gosd-ed-plain", "edit gosd-sc-oneshot.service"),
	{"!sh", "cat /tmp/gosd-seen; echo; echo ==; cat /etc/systemd/system/gosd-sc-oneshot.service.d/override.conf; echo"},
	{"start", "gosd-sc-ok.service"},
	onTTY("gosd-ed-plain", "--no-reload edit gosd-sc-ok.service"),
	{"show", "-p", "Description,NeedDaemonReload", "gosd-sc-ok.service"},
	{"daemon-reload"},
	{"show", "-p", "Description,NeedDaemonReload", "gosd-sc-ok.service"},
	onTTY("gosd-ed-fail", "--full edit gosd-sc.timer"),
	{"!sh", "ls -a /etc/systemd/system/ | grep -e gosd-sc.timer"},
	onTTY("gosd-ed-add", "edit gosd-sc-ok.service gosd-sc-oneshot.service"),
	{"!sh", "cat /tmp/gosd-seen; echo; echo ==; cat /etc/systemd/system/gosd-sc-oneshot.service.d/override.conf; echo"},
	onTTY("/nonexistent/editor", "edit gosd-sc-ok.service"),
}

func TestEditMatchesSystemd(t *testing.T) {
	compareSides(t, editFiles, editCommands)
}

// logSettingErrorCommands are what log-level, log-target,
// service-watchdogs and the per-service forms refuse.
var logSettingErrorCommands = [][]string{
	{"log-level", "bogus"},
	{"log-level", "9"},
	{"log-level", "info", "extra"},
	{"log-target", "a", "b"},
	{"service-watchdogs", "maybe"},
	{"service-watchdogs", "yes", "no"},
	{"service-log-level"},
	{"service-log-level", "gosd-sc-ok"},
	{"--quiet", "service-log-level", "gosd-sc-ok"},
	{"service-log-level", "nonexistent-gosd.service"},
	{"service-log-level", "dbus.service"},
	{"service-log-target", "systemd-journald", "bogus"},
	{"service-log-level", "systemd-journald", "debug"},
	{"service-log-target", "systemd-journald.service"},
	{"service-log-level", "a", "b", "c"},
}

func TestLogSettingErrorsMatchSystemd(t *testing.T) {
	compareSides(t, verbFiles, logSettingErrorCommands)
}

// logSettingCommands read and change the manager's settings through
// real PID 1 (ours serves neither LogControl1 nor a writable
// ServiceWatchdogs yet).
var logSettingCommands = [][]string{
	{"log-level"},
	{"log-target"},
	{"log-level", "debug"},
	{"log-level"},
	{"log-level", "0x6"},
	{"log-level"},
	{"log-target", "console"},
	{"log-target"},
	{"log-target", "bogus"},
	{"log-target", "journal-or-kmsg"},
	{"service-watchdogs"},
	{"service-watchdogs", "no"},
	{"service-watchdogs"},
	{"service-watchdogs", "yes"},
	{"service-watchdogs"},
}

func TestLogSettingsMatchSystemd(t *testing.T) {
	compareOnRealPID1(t, verbFiles, logSettingCommands, nil)
}

// automountFiles are an automount point and its mount.
var automountFiles = []oracle.File{
	unitFile("mnt-gosd.automount", "[Automount]\nWhere=/mnt/gosd\nTimeoutIdleSec=90s\n"),
	unitFile("mnt-gosd.mount", "[Mount]\nWhat=tmpfs\nWhere=/mnt/gosd\nType=tmpfs\n"),
	unitFile("mnt-gosd2.automount", "[Automount]\nWhere=/mnt/gosd2\n"),
}

// automountCommands list automounts; containers do not support
// starting one, so only Debian's binfmt_misc point shows (with --all).
var automountCommands = [][]string{
	{"list-automounts"},
	{"--all", "list-automounts"},
	{"list-automounts", "mnt-gosd"},
	{"list-automounts", "mnt-gosd*"},
	{"list-automounts", "nonexistent-gosd"},
	{"start", "mnt-gosd.automount"},
	{"list-automounts"},
	{"--legend=no", "--all", "list-automounts"},
	{"--all", "list-automounts", "mnt-gosd2.automount", "mnt-gosd.automount"},
}

func TestListAutomountsMatchesSystemd(t *testing.T) {
	compareSides(t, automountFiles, automountCommands)
}

// helpFiles are units with and without Documentation=.
var helpFiles = append(append([]oracle.File{}, verbFiles...),
	unitFile("gosd-sc-doc.service", "[Unit]\nDocumentation=man:true(1) https://example.com/x man:nosuchpage-gosd\n[Service]\nExecStart=/bin/true\n"),
)

var helpCommands = [][]string{
	{"help"},
	{"help", "gosd-sc-ok"},
	{"help", "gosd-sc-doc.service"},
	{"help", "gosd-sc-ok", "gosd-sc-doc.service", "gosd-sc.target"},
	{"help", "nonexistent-gosd.service", "gosd-sc-ok"},
	{"help", "gosd-sc-ok", "nonexistent-gosd.service"},
	{"help", "1"},
	{"help", "999999", "gosd-sc-ok"},
	{"help", "gosd-sc-d*"},
	{"help", "gosd-nomatch*"},
	{"help", "dbus.service"},
}

func TestHelpMatchesSystemd(t *testing.T) {
	compareSides(t, helpFiles, helpCommands)
}

// machineCommands list this host (no containers run inside the test's).
var machineCommands = [][]string{
	{"list-machines"},
	{"list-machines", "nomatch-gosd*"},
	{"--legend=no", "list-machines"},
	{"--plain", "list-machines"},
	{"!sh", "@SYSTEMCTL@ list-machines \"$(hostname)\" '*' | sed \"s/$(hostname)/HOST/\""},
	{"start", "gosd-sc-fail.service"},
	{"list-machines"},
}

func TestListMachinesMatchesSystemd(t *testing.T) {
	compareSides(t, verbFiles, machineCommands)
}
