package pid1

import (
	"reflect"
	"strings"
	"testing"

	"gosystemd/impl/timeutil"
)

func newReader() (*confReader, *configuration) {
	c := newConfiguration("", false, true, false)
	c.s.reset()
	return &confReader{s: &c.s, log: &c.log, host: c.host}, c
}

func TestCmdlineWords(t *testing.T) {
	got := cmdlineWords(`/lib/systemd/systemd  "systemd.setenv=A=two words" rd.systemd.unit=x.target d\e 'q'`)
	want := []string{"/lib/systemd/systemd", "systemd.setenv=A=two words", `d\e`, "q"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("words %q, want %q", got, want)
	}
}

func TestCmdlineItems(t *testing.T) {
	r, c := newReader()
	for _, w := range cmdlineWords("systemd.setenv=FOO=bar systemd.setenv=BAD systemd.setenv=2X=y systemd.setenv " +
		"systemd.default-timeout-start-sec=45s systemd.default_standard_output=journal+console " +
		"systemd.default_standard_error=bogus systemd.unit=bad/name systemd.show_status 3 quiet " +
		"systemd.log_level=notice systemd.log-target=bogus debug") {
		k, v, ok := splitItem(w)
		r.parseCmdlineItem(k, v, ok, true)
		r.parseLogCmdlineItem(k, v, ok)
	}
	if !reflect.DeepEqual(c.s.defaultEnvironment, []string{"FOO=bar"}) {
		t.Errorf("environment %q", c.s.defaultEnvironment)
	}
	if c.s.timeoutStartUSec != 45*timeutil.Sec || c.s.stdOutput != "journal+console" || c.s.stdError != "inherit" {
		t.Errorf("settings %+v", c.s)
	}
	if c.defaultUnit() != "multi-user.target" || c.s.showStatus != "yes" {
		t.Errorf("unit %q show status %q", c.defaultUnit(), c.s.showStatus)
	}
	if c.log.level != levelDebug || c.log.target != "console" {
		t.Errorf("log %+v", c.log)
	}
	var msgs []string
	for _, l := range r.out {
		msgs = append(msgs, l.message)
	}
	want := []string{
		"Environment variable assignment 'BAD' is not valid. Ignoring.",
		"Environment variable assignment '2X=y' is not valid. Ignoring.",
		"Missing argument for systemd.setenv= kernel command line switch, ignoring.",
		"Failed to parse default standard error switch bogus, ignoring: Invalid argument",
		"Unit name specified on systemd.unit= is not valid, ignoring: bad/name",
		"Failed to parse log target 'bogus'. Ignoring.",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseArgv(t *testing.T) {
	for _, tc := range []struct {
		argv  []string
		check func(c *configuration, res argvResult) bool
		err   string
	}{
		{[]string{"systemd", "systemd.unit=x.target", "--log-lev=notice", "--unit", "rescue.target"},
			func(c *configuration, _ argvResult) bool {
				return c.log.level == levelNotice && c.s.defaultUnit == "rescue.target"
			}, ""},
		// Ambiguous and unknown switches end the parsing quietly.
		{[]string{"systemd", "--log=x", "--log-level=debug"},
			func(c *configuration, _ argvResult) bool { return c.log.level == levelInfo }, ""},
		{[]string{"systemd", "--frobnicate", "--log-level=debug"},
			func(c *configuration, _ argvResult) bool { return c.log.level == levelInfo }, ""},
		{[]string{"systemd", "-b", "--log-level=debug"},
			func(c *configuration, _ argvResult) bool { return c.log.level == levelInfo }, ""},
		{[]string{"systemd", "-D"}, func(c *configuration, _ argvResult) bool { return c.log.level == levelDebug }, ""},
		{[]string{"systemd", "--show-status", "--default-standard-error=null", "--crash-shell=no", "--deserialize", "7", "--switched-root"},
			func(c *configuration, res argvResult) bool {
				return c.s.showStatus == "yes" && c.s.stdError == "null" && res.deserialize == 7 && res.switchedRoot
			}, ""},
		{[]string{"systemd", "--system=yes"}, func(c *configuration, _ argvResult) bool { return true }, ""},
		{[]string{"systemd", "--version"}, func(_ *configuration, res argvResult) bool { return res.action == actionVersion }, ""},
		{[]string{"systemd", "--log-level=bogus"}, nil, `Failed to parse log level "bogus": Invalid argument`},
		{[]string{"systemd", "--default-standard-output=file:/x"}, nil, `Failed to parse default standard output setting "file:/x": Invalid argument`},
		{[]string{"systemd", "--show-status=maybe"}, nil, `Failed to parse show status boolean: "maybe": Invalid argument`},
		{[]string{"systemd", "--dump-core=perhaps"}, nil, "Failed to parse boolean argument to --dump-core: perhaps."},
	} {
		r, c := newReader()
		res, err := r.parseArgv(tc.argv, true)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.argv, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		if !tc.check(c, res) {
			t.Errorf("%q: not as expected: %+v %+v %+v", tc.argv, c.s, c.log, res)
		}
	}
}

// FuzzCmdline feeds a kernel command line, also used as PID 1's argv, to
// both parsers: they must not panic.
func FuzzCmdline(f *testing.F) {
	f.Add("/lib/systemd/systemd systemd.mask=console-getty.service systemd.setenv=A=b --log-level=notice")
	f.Add(`systemd.unit=rescue.target "systemd.setenv=A=b c" systemd.default_timeout_start_sec=0 quiet debug 3`)
	f.Add("--unit --log-target=console -Dbs --deserialize=-1 --machine-id=0123456789abcdef0123456789abcdef")
	f.Add("systemd.watchdog_sec=default systemd.cpu_affinity=0-3,7 systemd.confirm_spawn=tty1 systemd.show_status=auto")
	f.Fuzz(func(t *testing.T, line string) {
		r, c := newReader()
		words := cmdlineWords(line)
		for _, w := range words {
			k, v, ok := splitItem(w)
			r.parseCmdlineItem(k, v, ok, true)
		}
		r.parseLogEnvironment(words, func(string) string { return "" })
		_, _ = r.parseArgv(append([]string{"systemd"}, words...), true)
		if c.log.level < 0 || c.log.level > levelDebug {
			t.Fatalf("log level %d", c.log.level)
		}
		if _, err := logTargetFromString(c.log.target); err != nil {
			t.Fatalf("log target %q", c.log.target)
		}
	})
}
