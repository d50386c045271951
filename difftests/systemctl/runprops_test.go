package systemctl

import (
	"fmt"
	"strings"
	"testing"

	"gosystemd/oracle"
)

// runPropAssignments are systemd-run -p assignments of the rarer
// properties: each creates one transient service whose file and
// properties are compared, or fails with 252's error.
var runPropAssignments = [][]string{
	{"SuccessAction=none", "FailureAction=none", "StartLimitAction=reboot-force", "JobTimeoutAction=poweroff"},
	{"SuccessActionExitStatus=3", "FailureActionExitStatus=", "RebootArgument=a%b", "JobTimeoutRebootArgument=x"},
	{"JobRunningTimeoutSec=5min"},
	{"JobTimeoutSec=5min"},
	{"FailureAction=bogus"},
	{"SuccessActionExitStatus=256"},
	{"PIDFile=x.pid"},
	{"PIDFile=/var/run/y.pid"},
	{"PIDFile=/a/../b"},
	{"UtmpIdentifier=tt%1", "UtmpMode=user", "PAMName=login", "KeyringMode=private", "ProtectProc=invisible", "ProcSubset=pid"},
	{"TTYRows=24", "TTYColumns=80", "LogRateLimitIntervalSec=10s", "LogRateLimitBurst=7", "TimerSlackNSec=50us"},
	{"LogLevelMax=debug", "SyslogLevel=warning", "SyslogFacility=local3", "OOMScoreAdjust=-500"},
	{"CPUSchedulingPolicy=batch", "CPUSchedulingPriority=0", "IOSchedulingClass=idle", "IOSchedulingPriority=5"},
	{"OOMScoreAdjust=2000"},
	{"CPUSchedulingPriority=100"},
	{"CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_TIME", "AmbientCapabilities=CAP_CHOWN"},
	{"CapabilityBoundingSet=~CAP_SYS_ADMIN"},
	{"RestrictNamespaces=net ipc", "SecureBits=keep-caps noroot-locked", "MountFlags=slave"},
	{"RestrictNamespaces=yes"},
	{"RestrictNamespaces=~user"},
	{"SupplementaryGroups=adm", "SupplementaryGroups=audio adm", "PassEnvironment=PATH TERM"},
	{"PassEnvironment=1bad"},
	{"DevicePolicy=closed", "DeviceAllow=/dev/null rw", "DeviceAllow=char-pts", "DeviceAllow=/dev/null r", "IPAccounting=yes"},
	{"DeviceAllow=/tmp/x"},
	{"DeviceAllow=/dev/zero rwx"},
	{"DevicePolicy=bogus"},
	{"IODeviceWeight=/dev/sda 200", "IODeviceWeight=/dev/sdb 50", "IODeviceWeight=/dev/sda 300"},
	{"IODeviceWeight=/dev/sda 0"},
	{"IOReadBandwidthMax=/dev/sda 1M", "IOWriteIOPSMax=/dev/sdb 100", "IOReadBandwidthMax=/dev/sdb 2K", "IOReadBandwidthMax=/dev/sda 3M"},
	{"IOReadBandwidthMax=/dev/../sda 1M"},
	{"StandardOutput=file:/tmp/gosd-out", "StandardError=append:/tmp/gosd-err", "StandardInput=file:/etc/hostname"},
	{"StandardOutput=truncate:/tmp/a%b", "StandardError=fd:logfd", "StandardInput=fd"},
	{"StandardOutput=file:rel"},
	{"StandardInputData=aGVsbG8K", "StandardInputData=aGk="},
	{"StandardInputData="},
	{"SuccessExitStatus=3 4 SIGUSR1", "RestartPreventExitStatus=SIGKILL", "RestartForceExitStatus=", "SuccessExitStatus=7"},
	{"SuccessExitStatus=256"},
	{"BindPaths=/tmp:/mnt -/nope:/opt:norbind", "BindReadOnlyPaths=/etc/hostname", "TemporaryFileSystem=/var:ro /srv"},
	{"BindPaths=rel:/x"},
	{"AppArmorProfile=-prof", "SmackProcessLabel=lab%el", "SELinuxContext=-ctx", "NetworkNamespacePath=/run/netns/x", "IPCNamespacePath=/run/ipcns"},
	{"NetworkNamespacePath=rel"},
	{"DisableControllers=io cpu", "DisableControllers=memory", "Delegate=pids cpuset", "AllowedCPUs=0-2 5", "AllowedMemoryNodes=0", "StartupAllowedCPUs="},
	{"Delegate=bogus"},
	{"ManagedOOMSwap=kill", "ManagedOOMMemoryPressure=auto", "ManagedOOMMemoryPressureLimit=43.21%", "ManagedOOMPreference=avoid"},
	{"ManagedOOMPreference=bogus"},
	{"CoredumpFilter=default private-dax", "EnvironmentFile=/etc/gosd-env", "EnvironmentFile=-/nope /etc/gosd-env2", "LogExtraFields=A_B=c%d", "LogExtraFields=X=\\x01"},
	{"EnvironmentFile=rel"},
	{"LogExtraFields=_PROT=x"},
	{"SystemCallFilter=@system-service", "SystemCallFilter=~@mount:EPERM reboot", "SystemCallArchitectures=native x86", "SystemCallErrorNumber=EPERM", "SystemCallLog=~@clock", "RestrictAddressFamilies=AF_UNIX AF_INET", "RestrictAddressFamilies=~AF_INET"},
	{"SystemCallFilter=~@obsolete:kill"},
	{"SystemCallErrorNumber=kill"},
	{"RestrictAddressFamilies=none"},
	{"SystemCallFilter=open:EPERM"},
	{"SystemCallArchitectures=vax"},
	{"RestrictAddressFamilies=AF_BOGUS"},
	// One prefix each: 252 writes several in its hash set's order.
	{"IPAddressAllow=192.168.1.7/24", "IPAddressDeny=fe80::1/64"},
	{"IPAddressAllow=10.0.0.1", "IPAddressAllow=10.0.0.1/32"},
	{"IPAddressDeny="},
	// One credential each: 252 keeps them in a hash map.
	{"LoadCredential=tok:/etc/host%name", "SetCredential=pw:se\\tcret"},
	{"LoadCredentialEncrypted=k:other", "SetCredentialEncrypted=e:YWJj"},
	{"LoadCredential=bad/id:/x"},
	{"LoadCredential=id:/a/../b"},
	{"SetCredential="},
	{"CPUAffinity=0 2-3", "CPUAffinity=5", "NUMAMask=0", "ExecSearchPath=/bin", "ExecSearchPath=/opt/x%y", "ExecSearchPath=/bin", "LogNamespace=foo"},
	{"CPUAffinity=numa"},
	{"ExecSearchPath=rel"},
	{"LogNamespace=.bad"},
	{"StateDirectory=st", "StateDirectory=a:b/c", "RuntimeDirectory=rt:x\\y"},
	{"StateDirectory=s:/abs"},
	{"IODeviceLatencyTargetSec=/dev/sda 25ms", "IODeviceLatencyTargetSec=/dev/sdb 1s", "IODeviceLatencyTargetSec=/dev/sda 50ms"},
	{"IPIngressFilterPath=/sys/fs/bpf/in", "IPIngressFilterPath=/sys/fs/bpf/in2", "IPIngressFilterPath=/sys/fs/bpf/in", "IPEgressFilterPath=/sys/fs/bpf/out"},
	{"IPEgressFilterPath=rel"},
	// One name: 252 shows its set in hash order.
	{"RestrictNetworkInterfaces=lo", "RestrictNetworkInterfaces=~eth1"},
	{"RestrictNetworkInterfaces=~eth0"},
	{"SocketBindAllow=ipv4:tcp:80", "SocketBindAllow=udp:1000-1010", "SocketBindDeny=any", "SocketBindAllow=ipv6:any"},
	{"SocketBindDeny=ipv4:tcp:0-5"},
	{"Personality=x86", "RootVerity=/v%1", "USBFunctionDescriptors=/d", "USBFunctionStrings=/s"},
	{"Personality=vax"},
	{"USBFunctionStrings=rel"},
	{"BlockIOAccounting=yes", "BlockIOWeight=500", "StartupBlockIOWeight=100", "BlockIODeviceWeight=/dev/sda 200", "BlockIODeviceWeight=/dev/sdb 300", "BlockIODeviceWeight=/dev/sda 400"},
	{"BlockIOWeight=5"},
	{"BlockIODeviceWeight=/dev/sda 5"},
	{"BlockIODeviceWeight=/dev/../sda 500"},
	{"BlockIOReadBandwidth=/dev/sda 1M", "BlockIOWriteBandwidth=/dev/sdb 2K", "BlockIOReadBandwidth=/dev/sdb 3M", "BlockIOWriteBandwidth=/dev/sda infinity"},
	{"BlockIOReadBandwidth=/dev/sda 1M", "BlockIOWriteBandwidth=/dev/sda 5M", "BlockIOReadBandwidth="},
	{"BlockIOWriteBandwidth=/dev/a/../b 1M"},
	{"BPFProgram=ingress:/sys/fs/bpf/a%b"},
	{"BPFProgram=egress:/sys/fs/bpf/a", "BPFProgram=sock_create:/sys/fs/bpf/b", "BPFProgram=device:/sys/fs/bpf/c"},
	{"BPFProgram=egress:/sys/fs/bpf/a", "BPFProgram="},
	{"BPFProgram=bogus:/sys/fs/bpf/a"},
	{"BPFProgram=ingress:rel"},
	{"NUMAPolicy=bind", "NUMAMask=0"},
	{"NUMAPolicy=interleave", "NUMAPolicy=local"},
	{"NUMAPolicy=bogus"},
	{"RestrictFileSystems=ext4 tmpfs", "RestrictFileSystems=~ext4"},
	{"RestrictFileSystems=~@basic-api btrfs", "RestrictFileSystems=@bogus"},
	{"RestrictFileSystems="},
	{"RootImage=/img/r%1.raw", "RootImageOptions=ro", "RootImageOptions=usr:nosuid home:noexec,nodev"},
	{"RootImageOptions=bogus:ro"},
	{"RootImageOptions="},
	{"RootHash=0123456789abcdef0123456789abcdef", "RootHashSignature=base64:aGVsbG8="},
	{"RootHash=/img/r%1.roothash", "RootHashSignature=/img/sig.p7s", "RootVerity=/img/v"},
	{"RootHash=0123456789abcdef0123456789abcdef", "RootHash="},
	{"RootHash=abc"},
	{"RootHashSignature=bad"},
	{"MountImages=/img/a.raw:/mnt/a -/img/b%1.raw:/mnt/b:root:ro:usr:nosuid,nodev", "MountImages=/img/c\\:d.raw:/mnt/c:ro"},
	{"MountImages=/img/a.raw:/mnt/a:ro /img/b.raw:/mnt/b", "MountImages="},
	{"MountImages=rel.raw:/mnt/a"},
	{"MountImages=/img/a.raw:rel"},
	{"MountImages=/img/../a.raw:/mnt/a"},
	{"MountImages=/img/a.raw:/mnt/a:bogus:ro"},
	{"MountImages=/img/a.raw:/mnt/a:root:a b"},
	{"ExtensionImages=/img/e.raw -/img/f%1.raw:root:ro:usr:nodev", "ExtensionImages=/img/g.raw"},
	{"ExtensionImages=/img/e\\x01.raw:ro"},
	{"ExtensionImages=rel.raw"},
	{"ExtensionImages="},
	// Conditions that hold: a unit whose condition fails is collected.
	{"ConditionPathExists=/etc/hostname", "ConditionPathExists=|!/nope", "AssertPathIsDirectory=/etc", "ConditionHost=|a%b", "ConditionKernelCommandLine=|!x"},
	{"ConditionPathExists=/etc", "ConditionPathExists="},
	{"AssertHost=x", "Asserts="},
	{"ConditionPathExists=rel"},
	{"AssertFileNotEmpty=rel"},
	{"ConditionHost="},
}

// runPropShown are the properties shown for each unit.
const runPropShown = "SuccessAction,FailureAction,StartLimitAction,JobTimeoutAction,SuccessActionExitStatus,FailureActionExitStatus,RebootArgument,JobTimeoutRebootArgument,JobTimeoutUSec,JobRunningTimeoutUSec,PIDFile,UtmpIdentifier,UtmpMode,PAMName,KeyringMode,ProtectProc,ProcSubset,TTYRows,TTYColumns,LogRateLimitIntervalUSec,LogRateLimitBurst,TimerSlackNSec,LogLevelMax,SyslogLevel,SyslogFacility,OOMScoreAdjust,CPUSchedulingPolicy,CPUSchedulingPriority,IOSchedulingClass,IOSchedulingPriority,CapabilityBoundingSet,AmbientCapabilities,RestrictNamespaces,SecureBits,MountFlags,SupplementaryGroups,PassEnvironment,DevicePolicy,DeviceAllow,IPAccounting,IODeviceWeight,IOReadBandwidthMax,IOWriteIOPSMax,StandardInput,StandardOutput,StandardError,StandardInputFileDescriptorName,StandardOutputFileDescriptorName,StandardErrorFileDescriptorName,StandardInputData,SuccessExitStatus,RestartPreventExitStatus,RestartForceExitStatus,BindPaths,BindReadOnlyPaths,TemporaryFileSystem,AppArmorProfile,SmackProcessLabel,SELinuxContext,NetworkNamespacePath,IPCNamespacePath,DisableControllers,Delegate,DelegateControllers,AllowedCPUs,AllowedMemoryNodes,StartupAllowedCPUs,ManagedOOMSwap,ManagedOOMMemoryPressure,ManagedOOMMemoryPressureLimit,ManagedOOMPreference,CoredumpFilter,EnvironmentFiles,LogExtraFields,SystemCallFilter,SystemCallArchitectures,SystemCallErrorNumber,SystemCallLog,RestrictAddressFamilies,IPAddressAllow,IPAddressDeny,LoadCredential,LoadCredentialEncrypted,SetCredential,SetCredentialEncrypted,CPUAffinity,CPUAffinityFromNUMA,NUMAMask,ExecSearchPath,LogNamespace,StateDirectory,StateDirectorySymlink,RuntimeDirectory,RuntimeDirectorySymlink,IODeviceLatencyTargetUSec,IPIngressFilterPath,IPEgressFilterPath,RestrictNetworkInterfaces,SocketBindAllow,SocketBindDeny,Personality,RootVerity,USBFunctionDescriptors,USBFunctionStrings,BlockIOAccounting,BlockIOWeight,StartupBlockIOWeight,BlockIODeviceWeight,BlockIOReadBandwidth,BlockIOWriteBandwidth,BPFProgram,NUMAPolicy,RestrictFileSystems,RootImage,RootImageOptions,RootHash,RootHashPath,RootHashSignature,RootHashSignaturePath,MountImages,ExtensionImages,Conditions,Asserts"

func runPropCommands() [][]string {
	var out [][]string
	for i, a := range runPropAssignments {
		name := fmt.Sprintf("gosd-rp%02d", i)
		var b strings.Builder
		b.WriteString("systemd-run -q --no-block --unit=" + name + " -p RemainAfterExit=yes")
		for _, p := range a {
			b.WriteString(" -p '" + p + "'")
		}
		b.WriteString(" /bin/sh -c 'echo out; echo err >&2'; echo rc=$?")
		out = append(out,
			[]string{"!sh", b.String()},
			// A unit that failed to be created may leave an empty file
			// for a moment on 252.
			[]string{"!sh", "f=/run/systemd/transient/" + name + ".service; if test -s $f; then cat $f; else echo absent; fi"},
			[]string{"show", "-p", runPropShown, name + ".service"})
		if strings.HasPrefix(a[0], "Condition") || strings.HasPrefix(a[0], "Assert") {
			// systemctl does not show conditions: their bus value,
			// once the unit ran.
			out = append(out, []string{"!sh", "for i in $(seq 50); do systemctl is-active -q " + name + " && break; sleep 0.1; done; " +
				"busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/" + strings.ReplaceAll(name, "-", "_2d") +
				"_2eservice org.freedesktop.systemd1.Unit Conditions Asserts"})
		}
	}
	return out
}

// runPropSetProperty changes the device lists of a unit that has some
// already: 252 writes the whole list, old entries included.
var runPropSetProperty = [][]string{
	// The files the service with StandardOutput=file: wrote.
	{"!sh", "cat /tmp/gosd-out /tmp/gosd-err 2>&1"},
	{"start", "gosd-rp-file.service"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service 'DeviceAllow=/dev/zero r' 'IODeviceWeight=/dev/sdb 20' DevicePolicy=strict IPAccounting=yes"},
	{"!sh", "cd /run/systemd/system.control && head -50 gosd-rp-file.service.d/*"},
	// 252 itself sometimes warns here that the drop-ins changed on disk
	// (it races with the drop-ins' timestamps; so does our PID 1): stderr
	// is left out here and below.
	{"!sh", "@SYSTEMCTL@ show -p DevicePolicy,DeviceAllow,IODeviceWeight,IPAccounting gosd-rp-file.service 2>/dev/null"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service 'DeviceAllow=/dev/zero rwx'"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service DevicePolicy=bogus"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service BlockIOAccounting=yes BlockIOWeight=300 StartupBlockIOWeight=20 'BlockIODeviceWeight=/dev/sdc 50' " +
		"'BlockIOReadBandwidth=/dev/sda 1M' 'BlockIOWriteBandwidth=/dev/sdb 2M'"},
	{"!sh", "cd /run/systemd/system.control && head -50 gosd-rp-file.service.d/50-*BlockIO*"},
	{"!sh", "@SYSTEMCTL@ show -p BlockIOAccounting,BlockIOWeight,StartupBlockIOWeight,BlockIODeviceWeight,BlockIOReadBandwidth,BlockIOWriteBandwidth gosd-rp-file.service 2>/dev/null"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service 'BlockIODeviceWeight=/dev/sdc 5'"},
	// Settings only a transient unit takes as it is created.
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service BPFProgram=ingress:/sys/fs/bpf/x"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service Delegate=yes"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service Delegate=pids"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service IPEgressFilterPath=/sys/fs/bpf/x"},
	{"!sh", realSystemctl + " set-property --runtime gosd-rp-file.service NUMAPolicy=bind"},
	{"!sh", "@SYSTEMCTL@ stop gosd-rp-file.service 2>/dev/null; echo rc=$?"},
}

// runSocketPropAssignments are systemd-run --socket-property
// assignments: each creates a socket (and its service) whose file and
// properties are compared, or fails with 252's error.
var runSocketPropAssignments = [][]string{
	{"Priority=3", "IPTTL=64", "Mark=-7", "MessageQueueMaxMessages=10", "MessageQueueMessageSize=4096"},
	{"ReceiveBuffer=8K", "SendBuffer=1M", "PipeSize=65536", "SmackLabel=a%b", "SmackLabelIPOut=o", "TCPCongestion=cubic"},
	{"SmackLabelIPIn=i"},
	{"FileDescriptorName=my-fd", "BindToDevice=lo"},
	{"Timestamping=usec", "BindIPv6Only=yes"},
	{"IPTOS=low-delay"},
	{"Timestamping=YES", "BindIPv6Only=both", "IPTOS=12"},
	{"Timestamping=bogus"},
	{"BindIPv6Only=Both"},
	{"BindToDevice=all"},
	{"BindToDevice=12"},
	{"FileDescriptorName=a:b"},
	{"SocketProtocol=tcp"},
}

const runSocketPropShown = "Priority,IPTTL,Mark,MessageQueueMaxMessages,MessageQueueMessageSize,ReceiveBuffer,SendBuffer,PipeSize,SmackLabel,SmackLabelIPIn,SmackLabelIPOut,TCPCongestion,FileDescriptorName,BindToDevice,Timestamping,BindIPv6Only,IPTOS,SocketProtocol"

func runSocketPropCommands() [][]string {
	var out [][]string
	for i, a := range runSocketPropAssignments {
		name := fmt.Sprintf("gosd-rps%02d", i)
		var b strings.Builder
		b.WriteString("systemd-run -q --no-block --unit=" + name + " --socket-property=ListenStream=/run/" + name + ".sock")
		for _, p := range a {
			b.WriteString(" --socket-property='" + p + "'")
		}
		b.WriteString(" /bin/true; echo rc=$?")
		out = append(out,
			[]string{"!sh", b.String()},
			[]string{"!sh", "f=/run/systemd/transient/" + name + ".socket; if test -s $f; then cat $f; else echo absent; fi"},
			[]string{"show", "-p", runSocketPropShown, name + ".socket"})
	}
	return out
}

// runMountCommands create transient mount and automount units through
// 252's systemd-mount and busctl.
var runMountCommands = [][]string{
	{"!sh", "systemd-mount --no-block --type=tmpfs --options=size=1M,mode=0755 -p DirectoryMode=0700 -p LazyUnmount=yes " +
		"-p ForceUnmount=yes -p SloppyOptions=yes -p TimeoutSec=7s -p Nice=3 -p KillMode=mixed tmpfs /run/gosd-m1; echo rc=$?"},
	{"!sh", "cat '/run/systemd/transient/run-gosd\\x2dm1.mount'"},
	// Options= is left out: it is the mount table's once the --no-block mount is done, the unit's before.
	{"show", "-p", "Where,What,Type,TimeoutUSec,DirectoryMode,SloppyOptions,LazyUnmount,ForceUnmount,ReadWriteOnly,Nice,KillMode", "run-gosd\\x2dm1.mount"},
	{"!sh", "systemd-mount --no-block --automount=yes --timeout-idle-sec=90s --automount-property=DirectoryMode=0711 --type=tmpfs tmpfs /run/gosd-m2; echo rc=$?"},
	// Not read back: the queued automount cannot start in the container
	// and is collected at a time of its own on either side.
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' " +
		"'run-gosd\\x2dm3.mount' fail 2 What s tmpfs Where s rel 0"},
	// systemd-mount does not send ReadWriteOnly.
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' " +
		"'run-gosd\\x2dm4.mount' fail 4 What s tmpfs Where s /run/gosd-m4 Type s tmpfs ReadWriteOnly b true 0 | sed 's|/job/[0-9]*|/job/N|'"},
	{"!sh", "sleep 0.5; cat '/run/systemd/transient/run-gosd\\x2dm4.mount'"},
	{"show", "-p", "ReadWriteOnly,ActiveState", "run-gosd\\x2dm4.mount"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' " +
		"'run-gosd\\x2dm3.automount' fail 1 Where s rel 0"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' " +
		"'run-gosd\\x2dm3.automount' fail 1 Options s x 0"},
}

var runPropFiles = []oracle.File{
	unitFile("gosd-rp-file.service", "[Service]\nExecStart=/bin/sleep infinity\nDeviceAllow=/dev/null rw\nDeviceAllow=/dev/full r\nIODeviceWeight=/dev/sda 100\n"+
		"BlockIODeviceWeight=/dev/sda 100\nBlockIOReadBandwidth=/dev/sdb 5M\n"),
}

// runPropBusCalls are StartTransientUnit calls with values systemd-run
// does not send: 252's errors for them, and one unit's file.
var runPropBusCalls = func() [][]string {
	const call = "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' "
	props := []string{
		"NUMAPolicy i 9",
		"NUMAPolicy i 5",
		"RootHashPath s rel",
		"RootHashSignaturePath s rel",
		"Conditions 'a(sbbs)' 1 ConditionNull false false x",
		"Conditions 'a(sbbs)' 1 AssertHost false false x",
		"Asserts 'a(sbbs)' 1 ConditionHost false false x",
		"Conditions 'a(sbbs)' 1 ConditionHost false false ''",
		"RootImageOptions 'a(ss)' 1 root 'a b'",
		"ExtensionImages 'a(sba(ss))' 1 /img/a.raw false 1 usr 'x\ty'",
		"MountImages 'a(ssba(ss))' 1 /img/a.raw /mnt/../b false 0",
		"MountImages 'a(ssba(ss))' 2 /img/a.raw /mnt/a false 1 root ro /img/b.raw /mnt/b true 1 home 'x:y'",
		"Conditions 'a(sbbs)' 2 ConditionPathExists true true /nope ConditionPathIsDirectory false false /etc",
		"Asserts 'a(sbbs)' 0",
		"RootHash ay 0",
		"RootHashSignature ay 2 1 2",
	}
	const socketCall = "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' "
	// Sockets without a service, which fail to start: their files come
	// and go.
	sockets := []string{"IPTOS i 256", "IPTOS i 255", "SocketProtocol i 0", "SocketProtocol i 132", "SocketProtocol i 6",
		"MessageQueueMaxMessages x 7", "Timestamping s 1", "Timestamping s NS", "BindIPv6Only s ON", "BindToDevice s ''",
		"FileDescriptorName s ''", "BindToDevice s 0123456789abcdef"}
	var out [][]string
	for i, p := range props {
		name := fmt.Sprintf("gosd-rpbus%02d.service", i)
		out = append(out,
			[]string{"!sh", call + name + " fail 3 ExecStart 'a(sasb)' 1 /bin/true 1 /bin/true false RemainAfterExit b true " + p +
				" 0 | sed 's|/job/[0-9]*|/job/N|'"},
			[]string{"!sh", "f=/run/systemd/transient/" + name + "; if test -s $f; then cat $f; else echo absent; fi"})
	}
	for i, p := range sockets {
		name := fmt.Sprintf("gosd-rpbuss%02d.socket", i)
		out = append(out,
			[]string{"!sh", socketCall + name + " fail 2 Listen 'a(ss)' 1 Stream /run/" + name + " " + p + " 0 | sed 's|/job/[0-9]*|/job/N|'"})
	}
	return out
}()

func TestRunPropertiesMatchSystemd(t *testing.T) {
	commands := append(append(runPropCommands(), runSocketPropCommands()...), runMountCommands...)
	compareSides(t, runPropFiles, append(append(commands, runPropBusCalls...), runPropSetProperty...))
}
