package pid1

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
)

// writeTree writes files (path → contents) under a new root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, data := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// loadRoot reads the system.conf under root, without a kernel command
// line, and returns the configuration and the messages.
func loadRoot(t *testing.T, root string) (*configuration, []string) {
	t.Helper()
	c := newConfiguration(root, false, true, false)
	var msgs []string
	for _, l := range c.load() {
		msgs = append(msgs, l.message)
	}
	return c, msgs
}

func TestSystemConfFilesAndOverrides(t *testing.T) {
	root := writeTree(t, map[string]string{
		"etc/systemd/system.conf": "[Manager]\nDefaultTimeoutStartSec=30s\nDefaultRestartSec=5s\n" +
			"DefaultEnvironment=MAIN=1 SHADOWED=main\n",
		"usr/lib/systemd/system.conf.d/10-vendor.conf": "[Manager]\nDefaultTimeoutStartSec=20s\n" +
			"DefaultEnvironment=VENDOR=1 SHADOWED=vendor\n",
		// Hidden by the file of the same name in /etc.
		"usr/lib/systemd/system.conf.d/30-admin.conf":       "[Manager]\nDefaultRestartSec=99s\n",
		"usr/local/lib/systemd/system.conf.d/20-local.conf": "[Manager]\nDefaultStandardError=syslog+console\n",
		"etc/systemd/system.conf.d/30-admin.conf": "[Manager]\nDefaultEnvironment=\"ADMIN=two words\" SHADOWED=admin\n" +
			"DefaultLimitNOFILE=1024:8192\nNoSuchKey=1\n[Other]\nA=b\n",
		"etc/systemd/system.conf.d/40-ignored.txt": "[Manager]\nDefaultRestartSec=1h\n",
	})
	c, msgs := loadRoot(t, root)
	s := &c.s
	if s.timeoutStartUSec != 20*timeutil.Sec || s.restartUSec != 5*timeutil.Sec {
		t.Errorf("timeouts: start %d restart %d", s.timeoutStartUSec, s.restartUSec)
	}
	if s.stdError != "journal+console" {
		t.Errorf("stdError = %q", s.stdError)
	}
	wantEnv := []string{"MAIN=1", "SHADOWED=admin", "VENDOR=1", "ADMIN=two words"}
	if !reflect.DeepEqual(s.defaultEnvironment, wantEnv) {
		t.Errorf("environment = %q, want %q", s.defaultEnvironment, wantEnv)
	}
	if rl := s.rlimits[value.RlimitNOFILE]; rl == nil || rl.Cur != 1024 || rl.Max != 8192 {
		t.Errorf("NOFILE = %+v", rl)
	}
	want := []string{
		"/usr/local/lib/systemd/system.conf.d/20-local.conf:2: Standard output type syslog+console is obsolete, automatically updating to journal+console. Please update your configuration.",
		"/etc/systemd/system.conf.d/30-admin.conf:4: Unknown key 'NoSuchKey' in section [Manager], ignoring.",
		"/etc/systemd/system.conf.d/30-admin.conf:5: Unknown section 'Other'. Ignoring.",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	env := c.environment([]string{"PATH=/bin", "LANG=C.UTF-8"})
	wantSorted := []string{"ADMIN=two words", "LANG=C.UTF-8", "MAIN=1", "PATH=/bin", "SHADOWED=admin", "VENDOR=1"}
	if !reflect.DeepEqual(env, wantSorted) {
		t.Errorf("manager environment = %q, want %q", env, wantSorted)
	}
}

func TestSystemConfLogLevelActsAtOnce(t *testing.T) {
	root := writeTree(t, map[string]string{
		"etc/systemd/system.conf": "[Manager]\nFirst=1\nLogLevel=err\nSecond=2\nDefaultRestartSec=x\nLogLevel=bogus\n" +
			"LogLevel=5\nThird=3\n",
	})
	c, msgs := loadRoot(t, root)
	want := []string{
		"/etc/systemd/system.conf:2: Unknown key 'First' in section [Manager], ignoring.",
		"/etc/systemd/system.conf:6: Invalid log level'bogus': Invalid argument",
		"/etc/systemd/system.conf:8: Unknown key 'Third' in section [Manager], ignoring.",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if c.log.level != levelNotice {
		t.Errorf("level = %d", c.log.level)
	}
	// The level stays when the configuration is read again without it.
	if err := os.WriteFile(filepath.Join(root, "etc/systemd/system.conf"), []byte("[Manager]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.load()
	if c.log.level != levelNotice {
		t.Errorf("level after reload = %d", c.log.level)
	}
}

func TestSystemConfBadFileEndsReading(t *testing.T) {
	root := writeTree(t, map[string]string{
		"etc/systemd/system.conf.d/10-a.conf": "[Manager]\nDefaultTimeoutStartSec=11s\n  no equals\n=x\n[Manager\nDefaultRestartSec=3s\n",
		"etc/systemd/system.conf.d/20-b.conf": "[Manager]\nDefaultRestartSec=7s\n",
	})
	c, msgs := loadRoot(t, root)
	if c.s.timeoutStartUSec != 11*timeutil.Sec || c.s.restartUSec != 100*timeutil.MSec {
		t.Errorf("start %d restart %d", c.s.timeoutStartUSec, c.s.restartUSec)
	}
	want := []string{
		"/etc/systemd/system.conf.d/10-a.conf:3: Missing '=', ignoring line.",
		"/etc/systemd/system.conf.d/10-a.conf:4: Missing key name before '=', ignoring line.",
		"/etc/systemd/system.conf.d/10-a.conf:5: Invalid section header '[Manager'",
		"/etc/systemd/system.conf.d/10-a.conf:5: Failed to parse file: Bad message",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestSystemConfValues(t *testing.T) {
	for _, tc := range []struct {
		line  string
		check func(s *settings, l *logSettings) bool
		msg   string
	}{
		{"DefaultTimeoutStopSec=0", func(s *settings, _ *logSettings) bool { return s.timeoutStopUSec == timeutil.Infinity }, ""},
		{"DefaultTasksMax=10%", func(s *settings, _ *logSettings) bool { return s.tasksMax == unit.TasksMax{Value: 1000, Scale: 10000} }, ""},
		{"DefaultTasksMax=infinity", func(s *settings, _ *logSettings) bool { return s.tasksMax.Value == ^uint64(0) }, ""},
		{"DefaultTasksMax=0", nil, "Maximum tasks value '0' out of range, ignoring."},
		{"DefaultCPUAccounting=no", func(s *settings, _ *logSettings) bool { return s.cpuAccounting == 0 }, ""},
		{"DefaultCPUAccounting=maybe", nil, "Failed to parse boolean value for DefaultCPUAccounting=, ignoring: maybe"},
		{"ShowStatus=auto", func(s *settings, _ *logSettings) bool { return s.showStatus == "auto" }, ""},
		{"ShowStatus=temporary", nil, "Failed to parse show status setting, ignoring: temporary"},
		{"LogTarget=syslog", func(_ *settings, l *logSettings) bool { return l.target == "journal" }, ""},
		{"LogTarget=nowhere", nil, "Invalid target'nowhere': Invalid argument"},
		{"LogColor=maybe", nil, "Invalid color'maybe': Invalid argument"},
		{"RebootWatchdogSec=default", func(s *settings, _ *logSettings) bool { return s.rebootWatchdog == timeutil.Infinity }, ""},
		{"RuntimeWatchdogSec=off", func(s *settings, _ *logSettings) bool { return s.runtimeWatchdog == 0 }, ""},
		{"DefaultStandardOutput=socket", nil, "Standard output types socket, fd:, file:, append:, truncate: are not supported as defaults, ignoring: socket"},
		{"DefaultStandardOutput=file:/x", nil, "Failed to parse output type, ignoring: file:/x"},
		{"DefaultStartLimitBurst=-1", nil, "Failed to parse unsigned value, ignoring: -1"},
		{"DefaultLimitNOFILE=9000:100", nil, "Soft resource limit chosen higher than hard limit, ignoring: 9000:100"},
		{"DefaultLimitCORE=lots", nil, "Failed to parse resource value, ignoring: lots"},
		{"DefaultOOMScoreAdjust=5000", nil, "Failed to parse the OOM score adjust value '5000', ignoring: Numerical result out of range"},
		{"DefaultOOMScoreAdjust=-17", func(s *settings, _ *logSettings) bool { return s.oomScoreAdjustSet && s.oomScoreAdjust == -17 }, ""},
		{"CtrlAltDelBurstAction=explode", nil, "Failed to parse CtrlAltDelBurstAction=, ignoring: explode"},
		{"DefaultTimeoutAbortSec=x", nil, "Failed to parse DefaultTimeoutAbortSec= setting, ignoring: x"},
		{"DefaultTimeoutAbortSec=7s", func(s *settings, _ *logSettings) bool {
			return s.timeoutAbortSet && s.timeoutAbortUSec == 7*timeutil.Sec
		}, ""},
		{"WatchdogDevice=rel/path", nil, "WatchdogDevice= path is not absolute, ignoring: rel/path"},
		{"WatchdogDevice=/dev//watchdog1/", func(s *settings, _ *logSettings) bool { return s.watchdogDevice == "/dev/watchdog1" }, ""},
		{"RuntimeWatchdogPreGovernor=a\"b", nil, "Specified string contains unsafe characters, ignoring: a\\\"b"},
		{"SystemCallArchitectures=native bogus", nil, "Failed to parse system call architecture \"bogus\", ignoring: Invalid argument"},
		{"CapabilityBoundingSet=~CAP_SYS_ADMIN", func(s *settings, _ *logSettings) bool { return s.capabilityBoundingSet == ^uint64(1<<21) }, ""},
		{"JoinControllers=cpu", nil, "Support for option JoinControllers= has been removed and it is ignored"},
		{"TimerSlackNSec=100us", func(s *settings, _ *logSettings) bool { return s.timerSlackNSec == 100000 }, ""},
		{"DefaultEnvironment=A=1 B-2=x", func(s *settings, _ *logSettings) bool {
			return reflect.DeepEqual(s.defaultEnvironment, []string{"A=1"})
		},
			"Invalid environment assignment, ignoring: B-2=x"},
		{"DefaultEnvironment=P=%%a", func(s *settings, _ *logSettings) bool {
			return reflect.DeepEqual(s.defaultEnvironment, []string{"P=%a"})
		}, ""},
		{"NUMAPolicy=weird", nil, "Invalid NUMA policy type, ignoring: weird"},
		{"CPUAffinity=0-1 3", func(s *settings, _ *logSettings) bool { return s.cpuAffinity.RangeString() == "0-1 3" }, ""},
	} {
		root := writeTree(t, map[string]string{"etc/systemd/system.conf": "[Manager]\n" + tc.line + "\n"})
		c, msgs := loadRoot(t, root)
		var want []string
		if tc.msg != "" {
			want = []string{"/etc/systemd/system.conf:2: " + tc.msg}
		}
		if !reflect.DeepEqual(msgs, want) {
			t.Errorf("%s: messages %q, want %q", tc.line, msgs, want)
		}
		if tc.check != nil && !tc.check(&c.s, &c.log) {
			t.Errorf("%s: not applied: %+v", tc.line, c.s)
		}
	}
}

func TestSystemConfPermissions(t *testing.T) {
	root := writeTree(t, map[string]string{"etc/systemd/system.conf": "[Manager]\n"})
	if err := os.Chmod(filepath.Join(root, "etc/systemd/system.conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, msgs := loadRoot(t, root)
	want := []string{"Configuration file /etc/systemd/system.conf is marked executable. Please remove executable permission bits. Proceeding anyway."}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("messages %q, want %q", msgs, want)
	}
}

func TestApplyDefaults(t *testing.T) {
	root := writeTree(t, map[string]string{"etc/systemd/system.conf": "[Manager]\nDefaultTimeoutStartSec=42s\n" +
		"DefaultStandardOutput=kmsg\nDefaultLimitCORE=infinity\nDefaultCPUAccounting=no\nDefaultOOMPolicy=kill\n"})
	c, _ := loadRoot(t, root)
	d := unit.NewDefaults()
	c.applyDefaults(d)
	if d.TimeoutStartUSec != 42*timeutil.Sec || d.StdOutput != "kmsg" || d.CPUAccounting || d.OOMPolicy != "kill" {
		t.Errorf("defaults: %+v", d)
	}
	if d.Rlimits[value.RlimitCORE] != (value.Rlimit{Cur: value.RlimInfinity, Max: value.RlimInfinity}) {
		t.Errorf("CORE = %+v", d.Rlimits[value.RlimitCORE])
	}
	st, lines := c.managerSettings("")
	if st.LogLevel != "info" || st.LogTarget != "journal" || !st.ShowStatus || len(lines) != 0 {
		t.Errorf("settings %+v, lines %v", st, lines)
	}
}

// FuzzSystemConf feeds system.conf contents to the reader: it must not
// panic, must keep the log level a level, and must give the same result
// twice.
func FuzzSystemConf(f *testing.F) {
	// Real configuration files of the host: system.conf and its siblings
	// share the syntax.
	for _, pattern := range []string{"/etc/systemd/*.conf", "/usr/lib/systemd/*.conf", "/etc/systemd/system.conf.d/*.conf"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("[Manager]\nDefaultTimeoutStartSec=30s\nDefaultEnvironment=A=1 \"B=two words\"\nLogLevel=notice\n"))
	f.Add([]byte("[Manager]\nDefaultLimitNOFILE=1024:4096\nDefaultTasksMax=15%\nCPUAffinity=0-3 5\nNUMAMask=all\n"))
	f.Add([]byte("[Manager\nX=\\\n  y\n[Other]\nLogTarget=console\n\xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func() (settings, logSettings, []logLine) {
			c := newConfiguration("", false, true, false)
			c.s.reset()
			r := &confReader{s: &c.s, log: &c.log, host: c.host}
			r.parseConfig("/etc/systemd/system.conf", data)
			return c.s, c.log, r.out
		}
		s1, l1, out1 := run()
		s2, l2, out2 := run()
		if l1.level < 0 || l1.level > levelDebug {
			t.Fatalf("log level %d", l1.level)
		}
		if !reflect.DeepEqual(s1, s2) || l1 != l2 || !reflect.DeepEqual(out1, out2) {
			t.Fatalf("reading twice differs")
		}
		for _, l := range out1 {
			if len(l.fields) > 0 && !strings.HasPrefix(l.message, "/etc/systemd/system.conf:") {
				t.Fatalf("message without location: %q", l.message)
			}
		}
	})
}
