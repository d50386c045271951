package analyze

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosystemd/impl/unitfile"
)

// confTree is a root directory for cat-config: entries "path = content"
// (Go string escapes allowed in content), "path -> target" or "path/".
var confTree = []string{
	"etc/systemd/journald.conf = [Journal]\nStorage=auto\n",
	"usr/lib/systemd/journald.conf.d/10-usr.conf = [Journal]\nCompress=no\n",
	"etc/systemd/journald.conf.d/10-usr.conf = [Journal]\nCompress=yes\n",
	"run/systemd/journald.conf.d/20-run.conf = [Journal]\nSeal=no",
	"usr/local/lib/systemd/journald.conf.d/05-local.conf = \n",
	"lib/systemd/journald.conf.d/30-lib.conf = lib\n",
	"etc/systemd/journald.conf.d/.hidden.conf = hidden\n",
	"etc/systemd/journald.conf.d/old.conf.dpkg-old = old\n",
	"etc/systemd/journald.conf.d/notes.txt = notes\n",
	"etc/systemd/journald.conf.d/40-mask.conf -> /dev/null",
	"usr/lib/systemd/logind.conf = [Login]\r\nKillUserProcesses=no\r\n",
	"etc/systemd/logind.conf.d -> /usr/lib/systemd/logind.d",
	"usr/lib/systemd/logind.d/a.conf = a\rb\n\rc\x00d\r\n\x00e",
	"usr/lib/systemd/system.conf/",
	"usr/lib/tmpfiles.d/a.conf = d /a\n",
	"etc/tmpfiles.d/a.conf = d /a 0700\n",
	"run/tmpfiles.d/b.conf = d /b\n",
	"lib/tmpfiles.d/c.conf = d /c\n",
	"etc/tmpfiles.d/d.conf -> ../../usr/lib/tmpfiles.d/a.conf",
	"etc/tmpfiles.d/dir.conf/",
	"usr/lib/systemd/system-preset/90-systemd.preset = enable *\n",
	"lib/systemd/system-preset/80-lib.preset = disable *\n",
	"lib/systemd/user-preset/80-lib.preset = disable *\n",
	"usr/lib/systemd/user-preset/90-user.preset = enable *\n",
	"usr/lib/udev/rules.d/50-x.rules = KERNEL==\"x\"\n",
	"usr/lib/udev/rules.d/50-x.conf = not a rule\n",
	"usr/lib/udev/hwdb.d/20-x.hwdb = x\n",
	"usr/lib/kernel/install.d/50-x.install = #!/bin/sh\n",
	"usr/lib/systemd/ntp-units.d/80-x.list = x.service\n",
	"run/systemd/relabel-extra.d/x.relabel = /x\n",
	"etc/systemd/relabel-extra.d/y.relabel = /y\n",
	"etc/environment = A=1\n",
	"usr/lib/environment.d/10-x.conf = B=2\n",
	"etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf",
	"etc/sysctl.conf = kernel.x = 1\n",
	"usr/lib/sysctl.d/50-default.conf = kernel.y = 2\n",
	"etc/foo.conf.d/dangling.conf -> /nonexistent",
	"etc/foo.conf = foo\n",
	"etc/empty.conf = ",
	"etc/long.conf = " + strings.Repeat("x", 1<<20) + "\n",
}

func makeConfTree(t *testing.T, root string) {
	t.Helper()
	for _, e := range confTree {
		var err error
		switch {
		case strings.Contains(e, " -> "):
			name, target, _ := strings.Cut(e, " -> ")
			p := filepath.Join(root, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			err = os.Symlink(target, p)
		case strings.Contains(e, " = "):
			name, content, _ := strings.Cut(e, " = ")
			p := filepath.Join(root, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			err = os.WriteFile(p, []byte(content), 0o644)
		case strings.HasSuffix(e, "/"):
			err = os.MkdirAll(filepath.Join(root, e), 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCatConfigDiff(t *testing.T) {
	requireTools(t)
	root := t.TempDir()
	makeConfTree(t, root)
	rooted := [][]string{
		{"systemd/journald.conf"},
		{"/etc/systemd/journald.conf"},
		{"/usr/lib/systemd/journald.conf", "systemd/logind.conf"},
		{"systemd/logind.conf/"},
		{"systemd/system.conf"},
		{"tmpfiles.d"},
		{"tmpfiles.d/", "/run/tmpfiles.d"},
		{"/lib/tmpfiles.d/"},
		{"systemd/system-preset", "systemd/user-preset"},
		{"udev/rules.d", "udev/hwdb.d", "kernel/install.d"},
		{"systemd/ntp-units.d", "systemd/relabel-extra.d"},
		{"environment.d"},
		{"environment"},
		{"sysctl.d"},
		{"foo.conf"},
		{"empty.conf", "nothere.conf", "systemd/nothere.conf"},
		{"long.conf"},
		{"tmpfiles.d", "/x/y", "foo.conf"},
		{"/etcetera/foo.conf"},
		{"/etc"},
		{"/etc/"},
		{"/usr/local/lib/foo.conf"},
		{""},
		{"./foo.conf"},
		{"../etc/foo.conf"},
	}
	envs := []map[string]string{
		{},
		{"SYSTEMD_COLORS": "1", "COLUMNS": "33"},
		{"SYSTEMD_COLORS": "256", "SYSTEMD_URLIFY": "0", "TERM": "linux"},
		{"SYSTEMD_COLORS": "yes", "TERM": "xterm"},
	}
	n := 0
	for i, env := range envs {
		for j, args := range rooted {
			if i > 0 && j%4 != 0 {
				continue
			}
			if comparePaths(t, env, append([]string{"--root=" + root, "cat-config"}, args...)) {
				n++
			}
		}
	}
	for _, args := range [][]string{
		{"cat-config"},
		{"cat-config", "systemd/journald.conf", "tmpfiles.d"},
		{"cat-config", "udev/rules.d"},
		{"--root=/", "cat-config", "systemd/system.conf"},
		{"--root", root, "--user", "cat-config", "x"},
		{"--root=" + root + "/missing", "cat-config", "foo.conf"},
	} {
		if comparePaths(t, nil, args) {
			n++
		}
	}
	t.Logf("%d cat-config cases agree", n)
}

func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"", "a", "a\n", "a\r\nb", "a\n\rb", "a\x00\nb", "\r\r\n\n", "x\r\n\x00y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		br := bufioReader(s)
		total := 0
		for i := 0; ; i++ {
			line, ok, err := unitfile.ReadLine(br, 16)
			if err != nil || !ok {
				break
			}
			if strings.ContainsAny(line, "\r\n\x00") || len(line) > 16 {
				t.Fatalf("line %q", line)
			}
			total += len(line)
			if i > len(s) {
				t.Fatal("more lines than bytes")
			}
		}
		if total > len(s) {
			t.Fatal("more text than input")
		}
	})
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
