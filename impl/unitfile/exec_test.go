package unitfile

import (
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// cmd is path, then argv (argv[0] first), with "-" marking ExecIgnoreFailure.
type cmd struct {
	path   string
	argv   []string
	ignore bool
}

// The cases below are data from systemd v252 src/test/test-load-fragment.c
// (TEST(config_parse_exec)). fatal means the value makes the unit fail to
// load (ENOEXEC); no commands and no error means the value was ignored.
var execCases = []struct {
	rvalue string
	want   []cmd
	fatal  bool
}{
	{"/RValue r1", []cmd{{"/RValue", []string{"/RValue", "r1"}, false}}, false},
	{"/RValue///slashes r1///", []cmd{{"/RValue/slashes", []string{"/RValue///slashes", "r1///"}, false}}, false},
	{"/RValue/ argv0 r1", nil, true},
	{"@/RValue///slashes2 ///argv0 r1", []cmd{{"/RValue/slashes2", []string{"///argv0", "r1"}, false}}, false},
	{"@/RValue", nil, true},
	{"", nil, false},
	{"-@/RValue///slashes3 argv0a r1", []cmd{{"/RValue/slashes3", []string{"argv0a", "r1"}, true}}, false},
	{"@-/RValue///slashes4 argv0b r1", []cmd{{"/RValue/slashes4", []string{"argv0b", "r1"}, true}}, false},
	{"--/RValue argv0 r1", nil, false},
	{"-@-/RValue argv0 r1", nil, false},
	{"-@/RValue argv0 r1 ; /goo/goo boo", []cmd{{"/RValue", []string{"argv0", "r1"}, true}, {"/goo/goo", []string{"/goo/goo", "boo"}, false}}, false},
	{"-@/RValue argv0 r1 ; ; /goo/goo boo", []cmd{{"/RValue", []string{"argv0", "r1"}, true}, {"/goo/goo", []string{"/goo/goo", "boo"}, false}}, false},
	{"-@/RValue argv0 r1 ; ", []cmd{{"/RValue", []string{"argv0", "r1"}, true}}, false},
	{"-@/RValue argv0 r1 ;", []cmd{{"/RValue", []string{"argv0", "r1"}, true}}, false},
	{"-@/RValue argv0 r1 ';'", []cmd{{"/RValue", []string{"argv0", "r1", ";"}, true}}, false},
	{`/bin/find \;`, []cmd{{"/bin/find", []string{"/bin/find", ";"}, false}}, false},
	{`/sbin/find \; /x`, []cmd{{"/sbin/find", []string{"/sbin/find", ";", "/x"}, false}}, false},
	{`/sbin/find \;x`, []cmd{{"/sbin/find", []string{"/sbin/find", `\;x`}, false}}, false},
	{`/bin/find \073`, []cmd{{"/bin/find", []string{"/bin/find", ";"}, false}}, false},
	{`/bin/find ";"`, []cmd{{"/bin/find", []string{"/bin/find", ";"}, false}}, false},
	{`/sbin/find ";" /x`, []cmd{{"/sbin/find", []string{"/sbin/find", ";", "/x"}, false}}, false},
	{`"/PATH WITH SPACES/daemon" -1 -2`, []cmd{{"/PATH WITH SPACES/daemon", []string{"/PATH WITH SPACES/daemon", "-1", "-2"}, false}}, false},
	{`"/PATH WITH SPACES/daemon -1 -2"`, []cmd{{"/PATH WITH SPACES/daemon -1 -2", []string{"/PATH WITH SPACES/daemon -1 -2"}, false}}, false},
	{`"/PATH WITH SPACES/daemon" "-1" '-2'`, []cmd{{"/PATH WITH SPACES/daemon", []string{"/PATH WITH SPACES/daemon", "-1", "-2"}, false}}, false},
	{`"/PATH\sWITH\sSPACES/daemon" '-1 -2'`, []cmd{{"/PATH WITH SPACES/daemon", []string{"/PATH WITH SPACES/daemon", "-1 -2"}, false}}, false},
	{`"/PATH\x20WITH\x20SPACES/daemon" "-1 -2"`, []cmd{{"/PATH WITH SPACES/daemon", []string{"/PATH WITH SPACES/daemon", "-1 -2"}, false}}, false},
	{`/path\a`, nil, true},
	{`/path\b`, nil, true},
	{`/path\f`, nil, true},
	{`/path\n`, nil, true},
	{`/path\r`, nil, true},
	{`/path\t`, nil, true},
	{`/path\v`, nil, true},
	{`/path\\`, nil, true},
	{`/path\'`, nil, true},
	{`/path\"`, nil, true},
	{`/path\x`, nil, true},
	{`/path\s`, []cmd{{"/path ", []string{"/path "}, false}}, false},
	{`/bin/grep '\w+\K'`, []cmd{{"/bin/grep", []string{"/bin/grep", `\w+\K`}, false}}, false},
	{`/path\`, nil, true},
	{"/path 'foo", nil, true},
	{`/path 'foo\`, nil, true},
	{"- /path", nil, false},
	{"-", nil, false},
	{"/bin/echo " + strings.Repeat("x", LongLineMax-100-len("/bin/echo ")-1), []cmd{{"/bin/echo", []string{"/bin/echo", strings.Repeat("x", LongLineMax-100-len("/bin/echo ")-1)}, false}}, false},
}

func TestParseExec(t *testing.T) {
	for _, c := range execCases {
		got, _, err := ParseExec(c.rvalue, Location{"fake", 1}, nil)
		if c.fatal != errors.Is(err, syscall.ENOEXEC) || !c.fatal && err != nil {
			t.Errorf("ParseExec(%.60q) error %v, want fatal=%v", c.rvalue, err, c.fatal)
		}
		var gotCmds []cmd
		for _, g := range got {
			gotCmds = append(gotCmds, cmd{g.Path, g.Argv, g.Flags&ExecIgnoreFailure != 0})
		}
		if !slices.EqualFunc(gotCmds, c.want, func(a, b cmd) bool {
			return a.path == b.path && slices.Equal(a.argv, b.argv) && a.ignore == b.ignore
		}) {
			t.Errorf("ParseExec(%.60q) = %+v, want %+v", c.rvalue, gotCmds, c.want)
		}
	}
}

func TestExecPrefixes(t *testing.T) {
	for _, c := range []struct {
		rvalue string
		flags  ExecFlags
	}{
		{"/bin/true", 0},
		{"-/bin/true", ExecIgnoreFailure},
		{":/bin/true", ExecNoEnvExpand},
		{"+/bin/true", ExecFullyPrivileged},
		{"!/bin/true", ExecNoSetuid},
		{"!!/bin/true", ExecAmbientMagic},
		{"-:+/bin/true", ExecIgnoreFailure | ExecNoEnvExpand | ExecFullyPrivileged},
		{"@-!!:/bin/true x", ExecIgnoreFailure | ExecAmbientMagic | ExecNoEnvExpand},
	} {
		got, _, err := ParseExec(c.rvalue, Location{"fake", 1}, nil)
		if err != nil || len(got) != 1 || got[0].Flags != c.flags || got[0].Path != "/bin/true" {
			t.Errorf("ParseExec(%q) = %+v, %v; want flags %b", c.rvalue, got, err, c.flags)
		}
	}
}
