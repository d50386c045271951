package managerbus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

// dumpFiles are the units the dump scenario looks at, one or more of
// each common type.
var dumpFiles = []oracle.File{
	{Path: "/etc/systemd/system/gosd-dump.target", Data: []byte(`[Unit]
Description=Dump target
Wants=gosd-dump-svc.service gosd-dump.timer gosd-dump.path gosd-dump.socket gosd-dump-acc.socket gosd-dump-dgram.socket run-gosd\x2ddump.mount
After=gosd-dump-rich.service
Documentation=man:systemd.special(7)
ConditionPathExists=/etc
AssertPathExists=!/nonexistent
`)},
	{Path: "/etc/systemd/system/gosd-dump-svc.service", Data: []byte(`[Unit]
Description=Dump service
After=network.target
[Service]
ExecStart=/bin/sleep infinity
Environment=A=1
WorkingDirectory=/tmp
`)},
	{Path: "/etc/systemd/system/gosd-dump.service", Data: []byte(`[Unit]
Description=Dump triggered service
[Service]
Type=oneshot
ExecStart=/bin/true
RemainAfterExit=yes
`)},
	{Path: "/etc/systemd/system/gosd-dump.timer", Data: []byte(`[Unit]
Description=Dump timer
[Timer]
OnCalendar=*-*-* 04:00:00
OnBootSec=1h
OnUnitActiveSec=2d
Persistent=yes
AccuracySec=5min
`)},
	{Path: "/etc/systemd/system/gosd-dump.path", Data: []byte(`[Unit]
Description=Dump path
[Path]
PathExists=/run/gosd-dump-flag
DirectoryNotEmpty=/run/gosd-dump-dir
MakeDirectory=yes
DirectoryMode=0750
`)},
	{Path: "/etc/systemd/system/gosd-dump.socket", Data: []byte(`[Unit]
Description=Dump socket
[Socket]
ListenStream=/run/gosd-dump.sock
`)},
	{Path: "/etc/systemd/system/gosd-dump-rich.service", Data: []byte(`[Unit]
Description=Dump service with many settings
Documentation=man:true(1) https://example.org/
OnFailure=gosd-dump.service
StartLimitBurst=3
JobTimeoutSec=5min
[Service]
Type=notify
ExecStartPre=-/bin/echo "pre start" $HOME
ExecStart=/bin/sh -c 'exec sleep 1'
ExecReload=/bin/kill -HUP $MAINPID
ExecStopPost=/bin/true
User=nobody
Group=nogroup
SupplementaryGroups=adm daemon
Environment="B=two words" C=3
EnvironmentFile=-/etc/gosd-dump.env
PassEnvironment=TERM
UnsetEnvironment=LANG
WorkingDirectory=-/var/tmp
UMask=0077
Nice=5
OOMScoreAdjust=100
IOSchedulingClass=idle
IOSchedulingPriority=6
CPUSchedulingPolicy=batch
LimitNOFILE=4096
LimitCORE=0:infinity
TimerSlackNSec=1000
PrivateTmp=yes
PrivateDevices=yes
ProtectSystem=strict
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectControlGroups=yes
NoNewPrivileges=yes
RestrictRealtime=yes
RestrictNamespaces=net ipc
LockPersonality=yes
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN
AmbientCapabilities=CAP_NET_BIND_SERVICE
SecureBits=keep-caps
ReadWritePaths=/var/lib/gosd-dump
ReadOnlyPaths=-/srv
InaccessiblePaths=/home
BindReadOnlyPaths=/etc/hostname:/run/hn
TemporaryFileSystem=/mnt:ro
RuntimeDirectory=gosd-dump gosd-dump/sub
StateDirectory=gosd-dump
RuntimeDirectoryMode=0750
StandardOutput=append:/var/log/gosd-dump.log
StandardError=journal
SyslogIdentifier=gd
SyslogFacility=local3
SyslogLevel=notice
LogLevelMax=info
LogRateLimitIntervalSec=10s
LogRateLimitBurst=50
SystemCallArchitectures=native
SystemCallErrorNumber=EPERM
Restart=on-failure
RestartSec=5
TimeoutStartSec=20
TimeoutStopSec=7
WatchdogSec=30
KillMode=mixed
KillSignal=SIGINT
SendSIGHUP=yes
MemoryMax=100M
TasksMax=50
CPUWeight=50
IOWeight=20
DeviceAllow=/dev/null rw
IPAddressDeny=any
IPAddressAllow=localhost 10.0.0.0/8
FileDescriptorStoreMax=4
`)},
	{Path: "/etc/systemd/system/gosd-dump-acc.socket", Data: []byte(`[Unit]
Description=Dump accepting socket
[Socket]
ListenStream=127.0.0.1:7777
ListenStream=/run/gosd-dump-acc.sock
Accept=yes
MaxConnections=5
KeepAlive=yes
KeepAliveTimeSec=60
ReceiveBuffer=65536
SocketMode=0600
Backlog=16
Symlinks=/run/gosd-dump-link
`)},
	{Path: "/etc/systemd/system/gosd-dump-dgram.socket", Data: []byte(`[Unit]
Description=Dump datagram socket
[Socket]
ListenDatagram=/run/gosd-dump.dgram
ListenFIFO=/run/gosd-dump.fifo
Service=gosd-dump.service
PassCredentials=yes
SendBuffer=8192
DirectoryMode=0700
RemoveOnStop=yes
FileDescriptorName=dgram
`)},
	{Path: "/etc/systemd/system/run-gosd\\x2ddump.mount", Data: []byte(`[Unit]
Description=Dump mount
[Mount]
What=tmpfs
Where=/run/gosd-dump
Type=tmpfs
Options=mode=0755,size=1M
DirectoryMode=0700
`)},
	{Path: "/etc/systemd/system/gosd-dump-waiting.service", Data: []byte(`[Service]
Type=oneshot
ExecStartPre=/bin/sleep 300
ExecStart=/bin/true
`)},
	{Path: "/etc/systemd/system/gosd-dump-acc@.service", Data: []byte(`[Service]
ExecStart=/bin/cat
StandardInput=socket
`)},
	{Path: "/etc/systemd/system/gosd-dump.slice", Data: []byte(`[Unit]
Description=Dump slice
`)},
	{Path: "/etc/systemd/system/gosd-dump-in-slice.service", Data: []byte(`[Service]
Slice=gosd-dump.slice
ExecStart=/bin/sleep infinity
`)},
	{Path: "/etc/systemd/system/gosd-dump-bad.service", Data: []byte(`[Service]
ExecStart=relative
`)},
	// The device lists and filters of the cgroup context; 252 ends a
	// BlockIODeviceWeight and a BPFProgram line without its newline.
	// They are loaded at boot: 252 does not realize cgroups again for
	// the bpf-foreign a unit loaded later adds to their masks.
	{Path: "/etc/systemd/system/multi-user.target.d/gosd-dump.conf", Data: []byte(`[Unit]
After=gosd-dump-io.service gosd-dump-bpf.service gosd-dump-img.service
`)},
	// The image, verity, NUMA and file system settings of the exec
	// context.
	{Path: "/etc/systemd/system/gosd-dump-img.service", Data: []byte(`[Service]
ExecStart=/bin/sleep infinity
RootImage=/img/root.raw
RootImageOptions=ro usr:nosuid,nodev
RootHash=0123456789abcdef0123456789abcdef
RootHashSignature=/img/root.p7s
RootVerity=/img/root.verity
MountImages=/img/a.raw:/mnt/a -/img/b.raw:/mnt/b:root:ro:home:noexec
ExtensionImages=/img/e.raw -/img/f.raw:usr:ro
NUMAPolicy=interleave
NUMAMask=0
RestrictFileSystems=ext4
`)},
	{Path: "/etc/systemd/system/gosd-dump-io.service", Data: []byte(`[Service]
ExecStart=/bin/sleep infinity
IOReadBandwidthMax=/dev/sda 1M
IOWriteBandwidthMax=/dev/sda 2000
IOReadIOPSMax=/dev/sdb 100
IOWriteIOPSMax=/dev/sdb 1K
IOWriteIOPSMax=/dev/sdc 3G
IODeviceWeight=/dev/sda 200
IODeviceWeight=/dev/sdb 300
IODeviceLatencyTargetSec=/dev/sda 25ms
IODeviceLatencyTargetSec=/dev/sdb 1s
BlockIODeviceWeight=/dev/sda 300
BlockIODeviceWeight=/dev/sdb 400
BlockIOReadBandwidth=/dev/sda 5M
BlockIOWriteBandwidth=/dev/sdb 600
BlockIOWriteBandwidth=/dev/sda 1T
IPAddressAllow=10.0.0.0/8
IPIngressFilterPath=/sys/fs/bpf/in
BPFProgram=ingress:/sys/fs/bpf/a
BPFProgram=egress:/sys/fs/bpf/b
SocketBindAllow=ipv4:tcp:80
SocketBindAllow=udp:1000-1010
SocketBindAllow=ipv6:any
SocketBindDeny=any
RestrictNetworkInterfaces=lo
`)},
	// A line ends each: an unended last line would join the next unit
	// of the whole dump, which comes in hash order.
	{Path: "/etc/systemd/system/gosd-dump-bpf.service", Data: []byte(`[Service]
ExecStart=/bin/sleep infinity
BlockIODeviceWeight=/dev/sda 300
BPFProgram=device:/sys/fs/bpf/c
RestrictNetworkInterfaces=~eth0
`)},
}

// dumpUnits are the units whose dumps are compared, and whether ours is
// expected identical to 252's. The others are compared and their
// differences logged, so that they show what is left to do; one that
// becomes identical fails the test until it is marked so.
var dumpUnits = []struct {
	name string
	same bool
}{
	{"gosd-dump.target", true},
	{"gosd-dump.timer", true},
	{"gosd-dump.path", true},
	{"multi-user.target", true},
	{"timers.target", true},
	{"gosd-nonexistent.service", true},
	{"gosd-dump-bad.service", true},
	{"gosd-dump-svc.service", true},
	{"gosd-dump.service", true},
	{"gosd-dump.socket", true},
	{"gosd-dump-acc.socket", true},
	{"gosd-dump-waiting.service", true},
	{"gosd-dump-dgram.socket", true},
	{"gosd-dump-rich.service", true},
	{"gosd-dump.slice", true},
	{"gosd-dump-in-slice.service", true},
	{"-.mount", true},
	{`run-gosd\x2ddump.mount`, true},
	{"dev-mqueue.mount", true},
	{"init.scope", true},
	{"-.slice", true},
	{"gosd-dump-io.service", true},
	{"gosd-dump-bpf.service", true},
	{"gosd-dump-img.service", true},
}

// TestDumpMatchesSystemd compares the Manager's Dump methods on 252 and
// our PID 1: busctl's DumpUnitsMatchingPatterns of each unit, and
// 252's systemd-analyze dump (which takes the ...ByFileDescriptor
// variant) of the same.
func TestDumpMatchesSystemd(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	oursImpl := oracle.Go
	if os.Getenv("MANAGERBUS_SELFCHECK") != "" {
		oursImpl = oracle.Real
	}
	type side struct {
		steps []step
		err   error
	}
	real, ours := &side{}, &side{}
	var wg sync.WaitGroup
	for _, x := range []struct {
		s     *side
		impl  oracle.Impl
		label string
	}{{real, oracle.Real, "real"}, {ours, oursImpl, "ours"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.s.steps, x.s.err = observeDump(h, x.impl, "dump-"+x.label, h.GoTree)
		}()
	}
	wg.Wait()
	if dir := os.Getenv("MANAGERBUS_DUMP"); dir != "" {
		dump(t, filepath.Join(dir, "dump-real.txt"), real.steps)
		dump(t, filepath.Join(dir, "dump-ours.txt"), ours.steps)
	}
	if real.err != nil {
		t.Fatalf("real systemd: %v", real.err)
	}
	if ours.err != nil {
		t.Fatalf("our PID 1: %v", ours.err)
	}
	var realFull, oursFull map[string]string
	real.steps, realFull = splitFull(real.steps)
	ours.steps, oursFull = splitFull(ours.steps)
	compareFullDump(t, realFull, oursFull, oursImpl == oracle.Real)
	if len(real.steps) != len(ours.steps) {
		t.Fatalf("different number of observations: real %d, ours %d", len(real.steps), len(ours.steps))
	}
	expectSame := map[string]bool{"setup": true, "ratelimit": true, "header": true, "empty patterns": true, "no match": true}
	for _, u := range dumpUnits {
		expectSame[u.name] = u.same
	}
	same := 0
	for i, r := range real.steps {
		g := ours.steps[i]
		if r.label != g.label {
			t.Fatalf("observation %d: real %q, ours %q", i, r.label, g.label)
		}
		unitName, _, _ := strings.Cut(r.label, ": ")
		if strings.HasPrefix(r.label, "daemon-re") {
			unitName = "setup"
		}
		want := expectSame[unitName] || oursImpl == oracle.Real
		if _, known := reloadDiffers[r.label]; known && oursImpl == oracle.Go {
			want = false
		} else if strings.Contains(r.label, ": after daemon-re") {
			want = true
		}
		switch {
		case r.text == g.text && want:
			same++
		case r.text == g.text:
			t.Errorf("%s: now identical; mark it so in dumpUnits", r.label)
		case want:
			t.Errorf("%s differs:\n%s", r.label, oracletest.LineDiff(r.text, g.text))
		default:
			t.Logf("%s differs as known:\n%s", r.label, oracletest.LineDiff(r.text, g.text))
		}
	}
	t.Logf("%d of %d observations identical", same, len(real.steps))
}

// splitFull takes the whole dump's units out of the observations.
func splitFull(steps []step) ([]step, map[string]string) {
	var rest []step
	full := map[string]string{}
	for _, s := range steps {
		if name, ok := strings.CutPrefix(s.label, "full: "); ok {
			full[name] = s.text
			continue
		}
		rest = append(rest, s)
	}
	return rest, full
}

// compareFullDump compares the whole dump unit by unit: each must be
// identical but for those of fullDiffers.
func compareFullDump(t *testing.T, real, ours map[string]string, selfcheck bool) {
	names := map[string]bool{}
	for n := range real {
		names[n] = true
	}
	for n := range ours {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	same := 0
	for _, n := range sorted {
		r, rok := real[n]
		g, gok := ours[n]
		known := fullDiffers[n] != "" && !selfcheck
		switch {
		case !rok || !gok:
			if known {
				t.Logf("full dump: %s only on one side (real %v, ours %v), as known", n, rok, gok)
			} else {
				t.Errorf("full dump: %s only on one side (real %v, ours %v)", n, rok, gok)
			}
		case r == g && known:
			t.Errorf("full dump: %s now identical; take it off fullDiffers", n)
		case r == g:
			same++
		case known:
			t.Logf("full dump: %s differs as known (%s):\n%s", n, fullDiffers[n], oracletest.LineDiff(r, g))
		default:
			t.Errorf("full dump: %s differs:\n%s", n, oracletest.LineDiff(r, g))
		}
	}
	t.Logf("full dump: %d of %d units identical", same, len(sorted))
}

// reloadDiffers are the dumps after a reload or re-execution known to
// differ, with why.
var reloadDiffers = map[string]string{
	"gosd-dump-svc.service: after daemon-reload": "252 forgets the run of a running command as it reloads; " +
		"we keep it (as our ExecStart property shows)",
	`run-gosd\x2ddump.mount: after daemon-reload`: "whether a mount's dependency on a unit needing its path " +
		"comes from the unit or the mount follows 252's load order when it reloads, which we do not model",
}

// fullDiffers are the units of the whole dump known to differ, with why.
var fullDiffers = map[string]string{}

// observeDump boots one implementation and dumps the scenario's units.
func observeDump(h *oracle.Harness, impl oracle.Impl, name, tree string) ([]step, error) {
	cfg := oracle.Config{Name: name, Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute, Files: dumpFiles}
	if impl == oracle.Go {
		cfg.GoTree = tree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	var steps []step
	run := func(label string, argv ...string) string {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		defer ccancel()
		r := sb.Exec(cctx, argv, nil)
		text := normalizeDump(string(r.Stdout))
		if len(r.Stderr) > 0 {
			text += "[stderr]\n" + string(r.Stderr)
		}
		text += fmt.Sprintf("[exit %d]\n", r.Exit)
		steps = append(steps, step{label: label, text: text})
		return string(r.Stdout)
	}
	run("setup", systemctl, "start", "gosd-dump.target", "gosd-dump-in-slice.service")
	run("setup: bad", systemctl, "start", "gosd-dump-bad.service")
	// A job that runs (as long as the scenario).
	run("setup: job", systemctl, "start", "--no-block", "gosd-dump-waiting.service")
	call := func(member, sig string, args ...string) []string {
		return append([]string{busctl, "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			"org.freedesktop.systemd1.Manager", member, sig}, args...)
	}
	for _, u := range dumpUnits {
		// busctl prints the string quoted, escapes and all, on one line:
		// --json=short keeps it whole and readable alike.
		run(u.name+": busctl", call("DumpUnitsMatchingPatterns", "as", "1", "--", u.name)...)
		run(u.name+": systemd-analyze dump", analyze, "dump", "--", u.name)
	}
	run("no match: busctl", call("DumpUnitsMatchingPatterns", "as", "1", "gosd-nothing-*")...)
	run("empty patterns: header", "sh", "-c", busctl+" call org.freedesktop.systemd1 /org/freedesktop/systemd1 "+
		"org.freedesktop.systemd1.Manager DumpUnitsMatchingPatterns as 0 | head -c 200")
	run("header: Dump", "sh", "-c", analyze+" dump | head -n 2")
	run("header: busctl Dump", "sh", "-c", busctl+" call org.freedesktop.systemd1 /org/freedesktop/systemd1 "+
		"org.freedesktop.systemd1.Manager Dump | head -c 200")
	// Past ten dumps in ten minutes, only privileged callers get one.
	run("ratelimit: unprivileged", "sh", "-c", "setpriv --reuid=65534 --regid=65534 --clear-groups "+busctl+
		" --system call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager "+
		"DumpUnitsMatchingPatterns as 1 init.scope 2>&1 | sed -E 's/blocked for [0-9a-z ]+\\./blocked for <TIME>./'")
	// The whole dump, one observation per unit (252 walks its units
	// in hash order), for a look at every unit a booted system has.
	full := run("full: systemd-analyze dump", analyze, "dump")
	steps = steps[:len(steps)-1]
	for _, b := range dumpBlocks(full) {
		steps = append(steps, step{label: "full: " + b.name, text: normalizeDump(b.text)})
	}
	// Reloading and re-executing rebuild where each dependency came from.
	for _, verb := range []string{"daemon-reload", "daemon-reexec"} {
		run(verb, systemctl, verb)
		for _, u := range []string{"gosd-dump.target", "gosd-dump-svc.service", "gosd-dump.socket", "-.mount",
			`run-gosd\x2ddump.mount`, "gosd-dump.slice"} {
			run(u+": after "+verb, analyze, "dump", "--", u)
		}
	}
	if _, err := sb.Poweroff(ctx); err != nil {
		return steps, fmt.Errorf("poweroff: %v", err)
	}
	return steps, nil
}

// analyze is 252's systemd-analyze, on both sides (ours is not
// installed).
const analyze = "/usr/bin/systemd-analyze"

var (
	dumpInvocation = regexp.MustCompile(`Invocation ID: [0-9a-f]{32}`)
	// The sandbox's root: an overlay whose directories change each run.
	dumpOverlay   = regexp.MustCompile(`(?m)^(\tOptions: )\S*upperdir=\S*$`)
	dumpPID       = regexp.MustCompile(`((?:^|\t)(?:Main |Control )?PID): [0-9]+`)
	dumpJob       = regexp.MustCompile(`-> Job [0-9]+:`)
	dumpTimestamp = regexp.MustCompile(`((?:Timestamp|Timestamp [a-z-]+)): [^\n\\]+`)
)

// normalizeDump keeps of a dump what is the same between two boots of
// the same system: timestamps and invocation IDs go, and the lines 252
// prints from hash tables (dependencies, aliases) are sorted.
func normalizeDump(s string) string {
	s = dumpInvocation.ReplaceAllString(s, "Invocation ID: <ID>")
	s = dumpTimestamp.ReplaceAllStringFunc(s, func(m string) string {
		k, v, _ := strings.Cut(m, ": ")
		if v == "n/a" {
			return m
		}
		return k + ": <TIMESTAMP>"
	})
	// busctl's one-line string: split on its escaped newlines so that
	// a difference shows as a line.
	s = strings.ReplaceAll(s, `\n`, "\n")
	s = strings.ReplaceAll(s, `\t`, "\t")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = dumpOverlay.ReplaceAllString(l, "${1}<OVERLAY>")
		l = dumpJob.ReplaceAllString(l, "-> Job <ID>:")
		if strings.HasPrefix(l, "Subscribed: :") {
			// A bus connection's unique name.
			l = "Subscribed: <NAME>"
		}
		l = dumpPID.ReplaceAllString(l, "$1: <PID>")
		// Hash-ordered words.
		for _, k := range []string{"SystemCallFilter: ", "SystemCallArchitectures: "} {
			if j := strings.Index(l, k); j >= 0 {
				f := strings.Fields(l[j+len(k):])
				sort.Strings(f)
				l = l[:j+len(k)] + strings.Join(f, " ")
			}
		}
		lines[i] = l
	}
	// Sort each run of lines that are hash-ordered in 252.
	isHashed := func(l string) bool {
		t := strings.TrimLeft(l, "\t")
		for _, p := range []string{"Alias: ", "IPAddressAllow: ", "IPAddressDeny: "} {
			if strings.HasPrefix(t, p) {
				return true
			}
		}
		k, _, ok := strings.Cut(t, ": ")
		if !ok || strings.Contains(k, " ") {
			return false
		}
		return strings.HasSuffix(t, ")") && dependencyNames[k]
	}
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && isHashed(lines[j]) {
			j++
		}
		if j > i {
			sort.Strings(lines[i:j])
			i = j
		} else {
			i++
		}
	}
	return strings.Join(lines, "\n")
}

type dumpBlock struct{ name, text string }

// dumpBlocks splits a whole dump into its units ("-> Unit x:" and what
// follows) and jobs, sorted by name, after the header.
func dumpBlocks(s string) []dumpBlock {
	var out []dumpBlock
	cur := &dumpBlock{name: "header"}
	for _, l := range strings.SplitAfter(s, "\n") {
		switch {
		case strings.HasPrefix(l, "-> Unit "):
			out = append(out, *cur)
			cur = &dumpBlock{name: strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l), "-> Unit "), ":")}
		case strings.HasPrefix(l, "-> Job "):
			out = append(out, *cur)
			cur = &dumpBlock{name: "job"}
		}
		cur.text += l
	}
	out = append(out, *cur)
	// Jobs by their unit and type, numbered differently on each side.
	for i, b := range out {
		if b.name != "job" {
			continue
		}
		if _, a, ok := strings.Cut(b.text, "\tAction: "); ok {
			a, _, _ = strings.Cut(a, "\n")
			out[i].name = "job " + a
		}
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i].name < out[1+j].name })
	return out
}

var dependencyNames = func() map[string]bool {
	m := map[string]bool{"RequiresMountsFor": true}
	for _, n := range strings.Fields(`Requires Requisite Wants BindsTo PartOf Upholds RequiredBy RequisiteOf
		WantedBy BoundBy UpheldBy ConsistsOf Conflicts ConflictedBy Before After OnSuccess OnSuccessOf
		OnFailure OnFailureOf Triggers TriggeredBy PropagatesReloadTo ReloadPropagatedFrom PropagatesStopTo
		StopPropagatedFrom JoinsNamespaceOf References ReferencedBy InSlice SliceOf`) {
		m[n] = true
	}
	return m
}()
