package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

func TestMain(m *testing.M) {
	// In the guest this binary is also the launcher, and the executor
	// (package exec's init runs that).
	if len(os.Args) > 1 && os.Args[1] == launcherArg {
		os.Exit(launch(os.Args[2:]))
	}
	code := m.Run()
	oracletest.Cleanup()
	os.Exit(code)
}

const (
	guestBinary = "/usr/local/libexec/gosd-exectest"
	probePath   = "/usr/local/bin/gosd-probe"
	probeDir    = "/var/probe"
)

// execCase is one unit: its [Service] lines (ExecStart= defaults to the
// probe, stdout goes to the probe file) and whether it fails to spawn.
type execCase struct {
	name  string
	lines string
	fails bool
	// journal cases log "MESSAGE-PREFIX INVOCATION_ID" lines to the
	// journal; the entries' fields are compared instead of the probe.
	journal bool
}

var cases = []execCase{
	{name: "defaults"},
	{name: "user", lines: "User=nobody\nGroup=nogroup\n"},
	{name: "user-home", lines: "User=gosdtest\nWorkingDirectory=~\n"},
	{name: "user-supplementary", lines: "User=gosdtest\nSupplementaryGroups=users daemon\n"},
	{name: "root-home", lines: "User=root\nWorkingDirectory=~\n"},
	{name: "workdir-umask", lines: "WorkingDirectory=/etc\nUMask=0077\n"},
	{name: "workdir-missing-ok", lines: "WorkingDirectory=-/nonexistent\n"},
	{name: "limits", lines: "LimitNOFILE=1234:4321\nLimitCORE=infinity\nLimitNICE=5\nLimitSTACK=4M\n"},
	{name: "sched", lines: "Nice=7\nOOMScoreAdjust=500\nCPUSchedulingPolicy=batch\nIOSchedulingClass=idle\n"},
	{name: "fifo", lines: "CPUSchedulingPolicy=fifo\nCPUSchedulingPriority=10\nIOSchedulingClass=best-effort\nIOSchedulingPriority=2\n"},
	{name: "caps", lines: "CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SETPCAP\nAmbientCapabilities=CAP_NET_ADMIN\nUser=nobody\nNoNewPrivileges=yes\n"},
	{name: "caps-root", lines: "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW\nSecureBits=noroot\n"},
	{name: "environment", lines: "Environment=\"A=one two\" B=${A}x\nEnvironmentFile=/etc/gosd-env\nEnvironmentFile=-/etc/gosd-missing\n" +
		"PassEnvironment=container TERM NOPE\nUnsetEnvironment=LANG F2=two\nExecStart=" + probePath + " $A ${A} ${B} $F1 $$ ${NOPE}\n"},
	{name: "search-path", lines: "ExecSearchPath=/usr/local/bin:/usr/bin\nExecStart=gosd-probe\n"},
	{name: "strict", lines: "ProtectSystem=strict\nReadWritePaths=/var/probe-rw\nProtectHome=yes\nPrivateTmp=yes\nInaccessiblePaths=/etc/gosd-secret\n"},
	{name: "full", lines: "ProtectSystem=full\nProtectHome=read-only\nReadOnlyPaths=/var\nReadWritePaths=-/var/probe-rw\n"},
	{name: "yes-tmpfs", lines: "ProtectSystem=yes\nProtectHome=tmpfs\nNoNewPrivileges=yes\n"},
	{name: "dirs", lines: "User=gosdtest\nRuntimeDirectory=gosd-rt gosd-rt/sub\nRuntimeDirectoryMode=0750\nStateDirectory=gosd-st:gosd-st-link\n" +
		"CacheDirectory=gosd-cache\nLogsDirectory=gosd-logs\nConfigurationDirectory=gosd-conf\n"},
	{name: "dirs-strict", lines: "ProtectSystem=strict\nStateDirectory=gosd-st2 gosd-st2/a:gosd-st2-link\n"},
	{name: "stdin-data", lines: "StandardInputText=hello\nStandardInputText=world\n"},
	{name: "stdin-file", lines: "StandardInput=file:/etc/gosd-env\n"},
	{name: "stderr-journal", lines: "StandardError=journal\nSyslogIdentifier=gosd-ident\n"},
	{name: "no-sigpipe", lines: "IgnoreSIGPIPE=no\nSameProcessGroup=yes\n"},
	{name: "stdout-append", lines: "StandardOutput=append:" + probeDir + "/stdout-append.out\n"},
	{name: "stdout-truncate", lines: "StandardOutput=truncate:" + probeDir + "/stdout-truncate.out\nStandardError=file:/var/probe-rw/err\n"},
	{name: "group-only", lines: "Group=daemon\nSupplementaryGroups=adm\n"},
	{name: "user-numeric", lines: "User=1500\nGroup=gosdextra\n"},
	{name: "root-supplementary", lines: "User=root\nSupplementaryGroups=adm users\n"},
	{name: "home-no-user", lines: "WorkingDirectory=~\n"},
	{name: "keep-caps", lines: "User=gosdtest\nSecureBits=keep-caps noroot-locked\nAmbientCapabilities=CAP_CHOWN CAP_KILL\n"},
	{name: "timerslack-affinity", lines: "TimerSlackNSec=1ms\nCPUAffinity=0\n"},
	{name: "private-tmp", lines: "PrivateTmp=yes\nMountFlags=slave\n"},
	{name: "readonly-root", lines: "ReadOnlyPaths=/\nReadWritePaths=/var/probe-rw /tmp\nInaccessiblePaths=-/nonexistent /etc/gosd-secret /root\n"},
	{name: "journal", journal: true, lines: "StandardOutput=journal\nExecStart=/bin/sh -c 'echo \"<4>warn $$INVOCATION_ID\"; echo \"plain $$INVOCATION_ID\" >&2'\n"},
	{name: "journal-ident", journal: true, lines: "StandardOutput=journal+console\nSyslogIdentifier=gosd-id\nSyslogFacility=local3\nSyslogLevel=notice\nSyslogLevelPrefix=no\n" +
		"User=gosdtest\nExecStart=/bin/sh -c 'echo \"<4>warn $$INVOCATION_ID\"; echo \"plain $$INVOCATION_ID\"'\n"},
	{name: "stop-post", lines: "ExecStart=/bin/true\nExecStopPost=" + probePath + " $EXIT_CODE $SERVICE_RESULT\n"},
	{name: "fail-tty", lines: "StandardOutput=tty\nTTYPath=/dev/null\n", fails: true},
	{name: "fail-exec", lines: "ExecStart=/nonexistent/binary\n", fails: true},
	{name: "fail-chdir", lines: "WorkingDirectory=/nonexistent\n", fails: true},
	{name: "fail-user", lines: "User=gosd-no-such-user\n", fails: true},
	{name: "fail-group", lines: "Group=gosd-no-such-group\n", fails: true},
	{name: "fail-stdout", lines: "StandardError=file:/nonexistent/dir/err\n", fails: true},
	{name: "fail-statedir", lines: "StateDirectory=gosd-blocker/sub\n", fails: true},
	{name: "fail-namespace", lines: "ReadOnlyPaths=/gosd-nonexistent\n", fails: true},
}

func unitName(c execCase) string { return "gosd-exec-" + c.name + ".service" }

func unitFile(c execCase) string {
	var b strings.Builder
	b.WriteString("[Service]\nType=oneshot\n")
	if !strings.Contains(c.lines, "ExecStart=") {
		b.WriteString("ExecStart=" + probePath + "\n")
	}
	b.WriteString("StandardOutput=file:" + probeDir + "/" + c.name + ".out\n")
	b.WriteString(c.lines)
	return b.String()
}

// guestFiles are the files every run needs: the probe, this binary, the
// units and the things they refer to.
func guestFiles(t *testing.T, rootfs string) []oracle.File {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := os.ReadFile("../../impl/exec/testdata/probe.sh")
	if err != nil {
		t.Fatal(err)
	}
	passwd, err := os.ReadFile(rootfs + "/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	group, err := os.ReadFile(rootfs + "/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	files := []oracle.File{
		{Path: guestBinary, Data: bin, Mode: 0o755},
		{Path: probePath, Data: probe, Mode: 0o755},
		{Path: "/etc/passwd", Data: append(passwd, "gosdtest:x:1500:1500:Test,,,:/home/gosdtest:/bin/bash\n"...)},
		{Path: "/etc/group", Data: append(group, "gosdtest:x:1500:\ngosdextra:x:1501:nobody,gosdtest\n"...)},
		{Path: "/home/gosdtest/.keep"},
		{Path: "/etc/gosd-env", Data: []byte("# comment\nF1=from file\nF2='two'\nexport F3=\"three\\\"x\"\n1BAD=x\n")},
		{Path: "/etc/gosd-secret", Data: []byte("secret\n")},
		{Path: "/var/lib/gosd-blocker", Data: []byte("a file where a directory is wanted\n")},
		{Path: probeDir + "/.keep"},
		{Path: "/var/probe-rw/.keep"},
	}
	for _, c := range cases {
		files = append(files, oracle.File{Path: "/etc/systemd/system/" + unitName(c), Data: []byte(unitFile(c))})
	}
	return files
}

// outcome is what one unit's process did on one implementation.
type outcome struct {
	status   string   // exit status of the spawned process
	probe    string   // the probe's output, normalized
	messages []string // the child's log messages for a failed spawn
}

func TestExecutorAgainstSystemd(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	sb, err := oracle.NewSandbox(oracle.ModeContainer, oracle.Config{Name: "exec", Impl: oracle.Real, Images: h.Images,
		Files: guestFiles(t, h.Images.Rootfs), KernelArgs: oracle.BaseKernelArgs})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := sb.Boot(ctx); err != nil {
		t.Fatal(err)
	}
	guest := func(argv ...string) oracle.ExecResult {
		r := sb.Exec(ctx, argv, nil)
		if r.Exit < 0 {
			t.Fatalf("%v: %s", argv, r.Stderr)
		}
		return r
	}

	var names []string
	for _, c := range cases {
		names = append(names, unitName(c))
	}
	guest(append([]string{oracle.OracleBin + "/systemctl", "start"}, names...)...)
	guest(oracle.OracleBin+"/journalctl", "--sync")
	real := map[string]outcome{}
	for _, c := range cases {
		n := unitName(c)
		show := guest(oracle.OracleBin+"/systemctl", "show", "-p", "ExecMainStatus", "--value", n)
		o := outcome{status: strings.TrimSpace(string(show.Stdout))}
		if c.journal {
			o.probe = journalEntries(t, guest, n, "")
		} else if c.fails {
			j := guest(oracle.OracleBin+"/journalctl", "-o", "cat", "--no-pager", "UNIT="+n)
			o.messages = childMessages(string(j.Stdout), n)
		} else {
			o.probe = string(guest("cat", probeDir+"/"+c.name+".out").Stdout)
		}
		real[n] = o
	}

	r := guest(append([]string{guestBinary, launcherArg}, names...)...)
	if r.Exit != 0 {
		t.Fatalf("launcher: exit %d\n%s", r.Exit, r.Stderr)
	}
	var results []launchResult
	if err := json.Unmarshal(r.Stdout, &results); err != nil {
		t.Fatalf("launcher output: %v\n%s\n%s", err, r.Stdout, r.Stderr)
	}
	passed := 0
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := unitName(c)
			res := results[i]
			if res.Error != "" {
				t.Fatalf("launcher: %s", res.Error)
			}
			want := real[n]
			if res.Status != want.status {
				t.Errorf("exit status %s, systemd %s; report %+v", res.Status, want.status, res.Report)
			}
			if c.fails {
				var got []string
				if f := res.Report.Failure; f != nil {
					got = []string{n + ": " + f.Message, n + ": " + f.SpawnMessage(res.Path)}
				}
				if strings.Join(got, "\n") != strings.Join(want.messages, "\n") {
					t.Errorf("messages:\n%s\nsystemd:\n%s", strings.Join(got, "\n"), strings.Join(want.messages, "\n"))
				}
			} else if c.journal {
				ours := journalEntries(t, guest, n, res.InvocationID)
				if d := diffLines(want.probe, ours); d != "" || ours == "" {
					t.Errorf("journal entries differ (- systemd, + ours):\n%s", d)
				}
			} else {
				ours := strings.ReplaceAll(string(guest("cat", probeDir+"/"+c.name+".ours").Stdout), ".ours", ".out")
				if dir := os.Getenv("GOSD_EXEC_DUMP"); dir != "" {
					os.WriteFile(dir+"/"+c.name+".real", []byte(want.probe), 0o644)
					os.WriteFile(dir+"/"+c.name+".ours", []byte(ours), 0o644)
				}
				if d := diffLines(normalizeProbe(want.probe), normalizeProbe(ours)); d != "" {
					t.Errorf("probe output differs (- systemd, + ours):\n%s", d)
				}
			}
			if !t.Failed() {
				passed++
			}
		})
	}
	t.Logf("%d of %d units behave as under systemd 252", passed, len(cases))
}

// journalEntries are the fields of the stream entries a journal case
// logged: the real unit's (found by unit), or ours (found by their
// messages, which carry our invocation ID id).
func journalEntries(t *testing.T, guest func(...string) oracle.ExecResult, unit, id string) string {
	guest(oracle.OracleBin+"/journalctl", "--sync")
	var lines []string
	if id == "" {
		r := guest(oracle.OracleBin+"/journalctl", "-o", "json", "--no-pager", "_SYSTEMD_UNIT="+unit, "_TRANSPORT=stdout")
		lines = strings.Split(string(r.Stdout), "\n")
	} else {
		for _, m := range []string{"warn " + id, "<4>warn " + id, "plain " + id} {
			r := guest(oracle.OracleBin+"/journalctl", "-o", "json", "--no-pager", "MESSAGE="+m)
			lines = append(lines, strings.Split(string(r.Stdout), "\n")...)
		}
	}
	var out []string
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("journal entry %q: %v", line, err)
		}
		var fields []string
		for _, f := range []string{"MESSAGE", "PRIORITY", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "_TRANSPORT", "_UID", "_GID"} {
			fields = append(fields, fmt.Sprintf("%s=%v", f, e[f]))
		}
		out = append(out, hex32.ReplaceAllString(strings.Join(fields, " "), "<ID128>"))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

var hex32 = regexp.MustCompile(`[0-9a-f]{32}`)

// childMessages are the lines the spawned child logged: the step's
// message and "Failed at step ...".
func childMessages(journal, unit string) []string {
	var out []string
	for _, l := range strings.Split(journal, "\n") {
		if strings.HasPrefix(l, unit+": ") && !strings.Contains(l, ": Main process exited,") && !strings.Contains(l, ": Failed with result ") {
			out = append(out, l)
		}
	}
	return out
}

var (
	pidLine     = regexp.MustCompile(`(?m)^(SYSTEMD_EXEC_PID|LISTEN_PID)=\d+$`)
	invocation  = regexp.MustCompile(`(?m)^INVOCATION_ID=[0-9a-f]{32}$`)
	journalStr  = regexp.MustCompile(`(?m)^JOURNAL_STREAM=\d+:\d+$`)
	privateTmp  = regexp.MustCompile(`(systemd-private-[0-9a-f]{32}-[^ ]*-)[A-Za-z0-9]{6}`)
	peerGroup   = regexp.MustCompile(`(shared|master):\d+`)
	socketInode = regexp.MustCompile(`socket:\[\d+\]`)
)

// normalizeProbe masks what differs between two runs of one command: the
// PID, the invocation ID, inode numbers, random directory names, mount
// peer group numbers.
func normalizeProbe(s string) string {
	if m := regexp.MustCompile(`(?m)^SYSTEMD_EXEC_PID=(\d+)$`).FindStringSubmatch(s); m != nil {
		pid := regexp.MustCompile(`\b` + m[1] + `\b`)
		lines := strings.Split(s, "\n")
		section := ""
		for i, l := range lines {
			if strings.HasPrefix(l, "== ") {
				section = l
			} else if section == "== stat" || section == "== sched" || section == "== timerslack" {
				lines[i] = pid.ReplaceAllString(l, "<PID>")
			}
		}
		s = strings.Join(lines, "\n")
	}
	s = pidLine.ReplaceAllString(s, "$1=<PID>")
	s = invocation.ReplaceAllString(s, "INVOCATION_ID=<ID128>")
	s = journalStr.ReplaceAllString(s, "JOURNAL_STREAM=<DEV>:<INO>")
	s = privateTmp.ReplaceAllString(s, "${1}XXXXXX")
	s = peerGroup.ReplaceAllString(s, "$1:<N>")
	s = socketInode.ReplaceAllString(s, "socket:[<INO>]")
	return s
}

// diffLines is a small line diff: the lines only one side has, in order.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	// Longest common subsequence, fine for probe-sized outputs.
	n, m := len(al), len(bl)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && al[i] == bl[j]:
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "+ "+bl[j])
			j++
		default:
			out = append(out, "- "+al[i])
			i++
		}
	}
	return strings.Join(out, "\n")
}
