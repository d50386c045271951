package fromunit

import (
	"reflect"
	"testing"

	"gosystemd/impl/unit"
)

func load(t *testing.T, text string) *unit.Unit {
	t.Helper()
	l := unit.NewLoader(unit.NewDefaults())
	u := l.Load("x.service", &unit.File{Path: "/etc/systemd/system/x.service", Data: []byte(text)}, nil)
	l.Finish()
	if u.LoadState != unit.Loaded {
		t.Fatalf("load state %s: %v", u.LoadState, u.LoadErr)
	}
	return u
}

func TestSpec(t *testing.T) {
	u := load(t, "[Service]\nExecStartPre=-/bin/pre\nExecStart=:/bin/main $X\nUser=nobody\nProtectSystem=strict\n"+
		"StateDirectory=b a\nStateDirectoryMode=0700\nNice=3\nPermissionsStartOnly=yes\nLimitNOFILE=7\n")
	s := Spec(u, Command{ExecCommand: u.Service.Exec[unit.ExecStart][0]})
	if s.Path != "/bin/main" || !s.NoEnvExpand || s.User != "nobody" || s.ProtectSystem != "strict" ||
		*s.Nice != 3 || s.Limits[7].Cur != 7 || !s.ApplySandboxing || !s.ApplyTTYStdin {
		t.Errorf("main spec %+v", s)
	}
	if d := s.Directories[1]; d.Mode != 0o700 || len(d.Items) != 2 {
		t.Errorf("state directories %+v", d)
	}
	pre := Spec(u, Command{ExecCommand: u.Service.Exec[unit.ExecStartPre][0], Control: true})
	if !pre.IgnoreFailure || pre.ApplySandboxing || pre.ApplyTTYStdin {
		t.Errorf("control spec %+v", pre)
	}
}

func TestNotApplied(t *testing.T) {
	u := load(t, "[Service]\nExecStart=/bin/true\nPrivateDevices=yes\nSystemCallFilter=@system-service\nUser=nobody\nReadOnlyPaths=/x\n")
	if got, want := NotApplied(u), []string{"PrivateDevices=", "SystemCallFilter="}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := NotApplied(load(t, "[Service]\nExecStart=/bin/true\n")); len(got) != 0 {
		t.Errorf("defaults: %q", got)
	}
}

func TestPrivilegePrefixes(t *testing.T) {
	u := load(t, "[Service]\nExecStart=!!/bin/a\nExecStartPost=!/bin/b\nExecStartPre=+/bin/c\nUser=nobody\n")
	magic := Spec(u, Command{ExecCommand: u.Service.Exec[unit.ExecStart][0]})
	bang := Spec(u, Command{ExecCommand: u.Service.Exec[unit.ExecStartPost][0]})
	plus := Spec(u, Command{ExecCommand: u.Service.Exec[unit.ExecStartPre][0]})
	if !magic.AmbientMagic || magic.NoSetuid || !bang.NoSetuid || bang.AmbientMagic || !plus.FullyPrivileged {
		t.Errorf("!! %v/%v, ! %v/%v, + %v", magic.AmbientMagic, magic.NoSetuid, bang.NoSetuid, bang.AmbientMagic, plus.FullyPrivileged)
	}
}
