package systemctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

// miscFiles are the units of the environment, cat and is-system-running
// test: drop-ins of the unit's own, of a name prefix and of a template,
// an alias, a mask, units of drop-ins only, odd line endings.
var miscFiles = []oracle.File{
	unitFile("gosd-sc-ok.service", "[Unit]\nDescription=succeeds\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-ok.service.d/20-late.conf", "[Unit]\nDescription=late drop-in\n"),
	unitFile("gosd-sc-ok.service.d/10-early.conf", "# early\n[Service]\nEnvironment=A=1\n"),
	unitFile("gosd-sc-ok.service.d/ignored.txt", "not a drop-in\n"),
	unitFile("gosd-.service.d/50-prefix.conf", "[Unit]\nDocumentation=man:true(1)\n"),
	{Path: "/etc/systemd/system/gosd-sc-alias.service", Symlink: "gosd-sc-ok.service"},
	{Path: "/etc/systemd/system/gosd-sc-masked.service", Symlink: "/dev/null"},
	unitFile("gosd-sc-tmpl@.service", "[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-tmpl@.service.d/t.conf", "[Unit]\nDescription=instance %i\n"),
	unitFile("gosd-sc-dropins.target.d/a.conf", "[Unit]\nDescription=only drop-ins\n"),
	unitFile("gosd-sc-dropins.target.d/b.conf", "[Unit]\nWants=gosd-sc-ok.service\n"),
	unitFile("gosd-sc-nofrag.service.d/x.conf", "[Service]\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-crlf.service", "[Unit]\r\nDescription=crlf\r\n\r\n[Service]\r\nExecStart=/bin/true"),
	unitFile("gosd-sc-bad.service", "[Service]\nExecStart=relative/path\n"),
	unitFile("gosd-sc-wants.target", "[Unit]\nWants=gosd-sc-ok.service\n"),
	unitFile("gosd-sc-wants.target.d/empty.conf", ""),
	unitFile("gosd-sc-fail.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n"),
	// A line over LONG_LINE_MAX fails the load: load state "error".
	unitFile("gosd-sc-huge.service", "[Unit]\nDescription="+strings.Repeat("x", 1100*1024)+"\n"),
}

// miscCommands exercise show-environment, what the environment verbs
// refuse before asking the manager, is-system-running and cat.
var miscCommands = [][]string{
	{"show-environment"},
	{"show-environment", "extra"},
	{"set-environment"},
	{"unset-environment"},
	{"import-environment", "US*"},
	{"import-environment", "USER", "bad-name", "TERM"},
	{"import-environment", ""},

	{"is-system-running"},
	{"--quiet", "is-system-running"},
	{"--wait", "is-system-running"},
	{"is-system-running", "extra"},
	{"start", "gosd-sc-fail.service"},
	{"is-system-running"},
	{"--quiet", "is-system-running"},
	{"reset-failed"},
	{"is-system-running"},

	{"cat", "gosd-sc-ok.service"},
	{"cat", "gosd-sc-ok"},
	{"cat", "gosd-sc-alias.service"},
	{"cat", "nonexistent-gosd.service"},
	{"--force", "cat", "nonexistent-gosd.service"},
	{"cat", "nonexistent-gosd.service", "gosd-sc-ok.service"},
	{"cat", "gosd-sc-masked.service"},
	{"cat", "gosd-sc-masked.service", "gosd-sc-ok.service"},
	{"cat", "gosd-sc-tmpl@.service"},
	{"cat", "gosd-sc-tmpl@"},
	{"cat", "gosd-sc-tmpl@one.service"},
	{"cat", "gosd-sc-dropins.target"},
	{"cat", "gosd-sc-nofrag.service"},
	{"cat", "gosd-sc-crlf.service"},
	{"cat", "gosd-sc-bad.service"},
	{"cat", "gosd-sc-huge.service", "gosd-sc-bad.service"},
	{"cat", "dbus.service", "dbus.socket"},
	{"cat", "gosd-sc-wants.target"},
	{"--with-dependencies", "cat", "gosd-sc-wants.target"},
	{"cat", "--", "-.mount"},
	{"cat"},
	{"cat", ""},
	{"-H", "root@localhost", "cat", "gosd-sc-ok.service"},
	{"start", "gosd-sc-ok.service"},
	{"cat", "gosd-sc-o*"},
	{"cat", "gosd-sc-nomatch*"},
	{"--state=active", "cat", "gosd-sc-o*", "gosd-sc-f*"},
	{"--state=failed", "cat", "gosd-sc-o*"},
	{"!sh", "echo '# changed' >> /etc/systemd/system/gosd-sc-ok.service"},
	{"cat", "gosd-sc-ok.service"},
	{"cat", "gosd-sc-alias.service", "gosd-sc-dropins.target"},
	{"daemon-reload"},
	{"cat", "gosd-sc-ok.service"},
	{"!sh", "rm /etc/systemd/system/gosd-sc-ok.service.d/10-early.conf"},
	{"cat", "gosd-sc-ok.service"},
}

func TestEnvironmentCatRunningMatchSystemd(t *testing.T) {
	compareSides(t, miscFiles, miscCommands)
}

// environmentCommands change the manager's environment.
var environmentCommands = [][]string{
	{"set-environment", "FOO=bar", "BAZ=a b"},
	{"set-environment", "QUOTE=it's \"x\" $HOME \\ back", "TAB=a\tb", "NL=one\ntwo", "EMPTY=", "UTF=h\u00e9llo", "GLOB=*.c", "ESC=\x1b[1m"},
	{"show-environment"},
	{"set-environment", "bad name=1"},
	{"set-environment", "NOEQUALS"},
	{"set-environment", "1X=2"},
	{"set-environment", "DUP=1", "DUP=2"},
	{"set-environment", "FOO=baz"},
	{"unset-environment", "FOO"},
	{"unset-environment", "BAZ=not the value"},
	{"unset-environment", "bad name"},
	{"unset-environment", "NOTSET", "TAB"},
	{"show-environment"},
	{"unset-environment", "BAZ=a b", "QUOTE", "NL", "EMPTY", "UTF", "GLOB", "ESC"},
	{"show-environment"},
	{"import-environment", "HOME"},
	{"import-environment", "NONEXISTENT_GOSD", "LOGNAME"},
	{"show-environment"},
	{"import-environment"},
	{"show-environment"},
	{"unset-environment", "HOME", "LOGNAME", "USER", "TERM", "LANG"},
	{"show-environment"},
}

func TestEnvironmentVerbsMatchSystemd(t *testing.T) {
	compareSides(t, miscFiles, environmentCommands)
}

// compareOnRealPID1 is compareSides without our PID 1: real systemctl
// and ours, both on real PID 1, their outputs compared through mask (nil:
// as they are).
func compareOnRealPID1(t *testing.T, files []oracle.File, commands [][]string, mask func(string) string) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	binary, err := os.ReadFile(filepath.Join(h.GoTree, "usr/lib/systemd/systemd"))
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]oracle.File{}, files...),
		oracle.File{Path: ourBinary, Data: binary, Mode: 0o755},
		oracle.File{Path: ourSystemctl, Symlink: "gosystemd"})
	var want, got []step
	var wantErr, gotErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		want, wantErr = observe(h, oracle.Real, t.Name()+"-0", realSystemctl, all, commands)
	}()
	go func() {
		defer wg.Done()
		got, gotErr = observe(h, oracle.Real, t.Name()+"-1", ourSystemctl, all, commands)
	}()
	wg.Wait()
	if wantErr != nil || gotErr != nil {
		t.Fatalf("real systemctl: %v; our systemctl: %v", wantErr, gotErr)
	}
	if dir := os.Getenv("SYSTEMCTL_DUMP"); dir != "" {
		for i, steps := range [][]step{want, got} {
			var b strings.Builder
			for _, st := range steps {
				b.WriteString(st.text)
			}
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-side%d.txt", t.Name(), i)), []byte(b.String()), 0o644)
		}
	}
	if mask == nil {
		mask = func(s string) string { return s }
	}
	same := 0
	for i, w := range want {
		if mask(w.text) == mask(got[i].text) {
			same++
			continue
		}
		t.Errorf("our systemctl, real PID 1: %s differs from real systemctl:\n%s", w.label, oracletest.LineDiff(w.text, got[i].text))
	}
	t.Logf("our systemctl, real PID 1: %d of %d commands identical to real systemctl", same, len(want))
}
