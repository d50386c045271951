package analyze

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"gosystemd/impl/cli"
)

// verifyVars are the environment variables a verify run may see; the
// others are unset for both tools (PATH is set as runReal sets it).
var verifyVars = []string{"SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_COLOR", "SYSTEMD_LOG_LOCATION", "SYSTEMD_LOG_TARGET",
	"SYSTEMD_LOG_TIME", "SYSTEMD_LOG_TID", "SYSTEMD_UNIT_PATH", "SYSTEMD_COLORS", "NO_COLOR", "TERM", "COLUMNS",
	"XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS", "JOURNAL_STREAM",
	"SYSTEMD_PAGER", "LANG", "LC_ALL", "LC_CTYPE", "PATH", "HOME"}

const verifyPath = "/usr/sbin:/usr/bin:/sbin:/bin"

// verifyEnviron is the environment of a verify run: PATH, log colors
// off unless the case says otherwise, and the case's variables.
func verifyEnviron(vars map[string]string) map[string]string {
	env := map[string]string{"PATH": verifyPath, "SYSTEMD_LOG_COLOR": "0", "HOME": "/root"}
	for k, v := range vars {
		if v == "<unset>" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env
}

// tempNames are the random parts of the directories both tools make.
var tempNames = regexp.MustCompile(`/tmp/systemd-(analyze|temporary)-[A-Za-z0-9]{6}`)

func normalizeVerify(r result) result {
	r.stdout = tempNames.ReplaceAllString(r.stdout, "/tmp/systemd-$1-XXXXXX")
	r.stderr = tempNames.ReplaceAllString(r.stderr, "/tmp/systemd-$1-XXXXXX")
	return r
}

// runCommand runs a prepared command and collects its result.
func runCommand(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running %s: %v", cmd.Path, err)
		}
		code = ee.ExitCode()
	}
	return normalizeVerify(result{out.String(), errb.String(), code})
}

// command is argv with the run's environment, as root or (unprivileged)
// as nobody through setpriv.
func command(argv []string, vars map[string]string, dir string, unprivileged bool) *exec.Cmd {
	if unprivileged && os.Geteuid() == 0 {
		argv = append([]string{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	for k, v := range verifyEnviron(vars) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Dir = dir
	return cmd
}

func runVerifyReal(t *testing.T, args []string, vars map[string]string, dir string, unprivileged bool) result {
	t.Helper()
	return runCommand(t, command(append([]string{realAnalyze}, args...), vars, dir, unprivileged))
}

// runVerifyOurs runs our Main in this process, or our built binary when
// the run must be unprivileged.
func runVerifyOurs(t *testing.T, ourTool string, args []string, vars map[string]string, dir string, unprivileged bool) result {
	t.Helper()
	if unprivileged {
		return runCommand(t, command(append([]string{ourTool}, args...), vars, dir, true))
	}
	for _, k := range verifyVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for k, v := range verifyEnviron(vars) {
		os.Setenv(k, v)
	}
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := Main(append([]string{realAnalyze}, args...), cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return normalizeVerify(result{out.String(), errb.String(), code})
}

// buildOurs builds our multicall binary into a directory everybody may
// read and returns its systemd-analyze link.
func buildOurs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "../../..")
	bin := filepath.Join(dir, "gosystemd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gosystemd")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building our systemd-analyze: %v\n%s", err, out)
	}
	link := filepath.Join(dir, "systemd-analyze")
	if err := os.Symlink("gosystemd", link); err != nil {
		t.Fatal(err)
	}
	return link
}

// verifyCase is one verify run on a directory of its own. Entries of
// files are "path = content" (Go escapes allowed in the source),
// "path -> target", "path/" or "chmod MODE path"; "{dir}" in args, vars
// and symlink targets stands for the directory.
type verifyCase struct {
	name  string
	files []string
	args  []string
	vars  map[string]string
	// cwd runs both tools in the directory.
	cwd bool
	// unprivileged runs both tools as nobody.
	unprivileged bool
	// random: systemd's hash tables make the real output vary from run
	// to run; ours must be one of the outputs it gives.
	random bool
}

const svc = "[Service]\nExecStart=/bin/true\n"

var verifyCases = []verifyCase{
	{name: "good service", files: []string{"a.service = [Unit]\nDescription=A\n" + svc}},
	{name: "good target", files: []string{"a.target = [Unit]\nDescription=T\nWants=b.service\n", "b.service = " + svc},
		args: []string{"--man=no", "{dir}/a.target"}},
	{name: "good socket", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\n", "a.service = " + svc},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "good timer", files: []string{"a.timer = [Timer]\nOnCalendar=daily\nPersistent=yes\n", "a.service = " + svc},
		args: []string{"--man=no", "{dir}/a.timer"}},
	{name: "good path", files: []string{"a.path = [Path]\nPathExists=/etc/hostname\n", "a.service = " + svc},
		args: []string{"--man=no", "{dir}/a.path"}},
	{name: "good slice", files: []string{"a.slice = [Slice]\nCPUWeight=50\n"}, args: []string{"--man=no", "{dir}/a.slice"}},
	{name: "nested slice", files: []string{"a-b.slice = [Slice]\n"}, args: []string{"--man=no", "{dir}/a-b.slice"}},
	{name: "mount", files: []string{"mnt-x.mount = [Mount]\nWhat=/dev/sda1\nWhere=/mnt/x\n"}, args: []string{"--man=no", "{dir}/mnt-x.mount"}},
	{name: "mount where mismatch", files: []string{"mnt-x.mount = [Mount]\nWhat=/dev/sda1\nWhere=/mnt/y\n"}, args: []string{"--man=no", "{dir}/mnt-x.mount"}},
	{name: "automount", files: []string{"mnt-x.automount = [Automount]\nWhere=/mnt/x\n"}, args: []string{"--man=no", "{dir}/mnt-x.automount"}},
	{name: "swap", files: []string{"dev-sdb1.swap = [Swap]\nWhat=/dev/sdb1\n"}, args: []string{"--man=no", "{dir}/dev-sdb1.swap"}},
	{name: "unknown key", files: []string{"a.service = " + svc + "Foo=bar\n"}},
	{name: "unknown section", files: []string{"a.service = " + svc + "[Bogus]\nX=1\n[X-Ok]\nY=2\n"}},
	{name: "bad values", files: []string{"a.service = [Unit]\nStopWhenUnneeded=maybe\n[Service]\nExecStart=/bin/true\nType=bogus\nRestart=sometimes\nTimeoutSec=abc\nNice=100\n"}},
	{name: "no ExecStart", files: []string{"a.service = [Service]\nType=simple\n"}},
	{name: "missing binary", files: []string{"a.service = [Service]\nExecStart=/nonexistent/bin\n"}},
	{name: "missing binary ignored", files: []string{"a.service = [Service]\nExecStart=-/nonexistent/bin\n"}},
	{name: "binaries of each kind", files: []string{"a.service = [Service]\nType=oneshot\nExecStartPre=/nonexistent/pre\nExecStartPre=/nonexistent/second\nExecStart=relbin\nExecStartPost=/etc/passwd\nExecStop=/etc\nExecStopPost=-/nope\nExecReload=/bin/true\nExecCondition=/dev/null\n"}},
	{name: "socket commands", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\nExecStartPre=/nonexistent/pre\nExecStopPost=/bin/true\n", "a.service = " + svc},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "socket without service", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\n"}, args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "socket with bad service", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\n", "a.service = [Service]\nType=oneshot\nRestart=always\nExecStart=/bin/true\nBogus=1\n"},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "socket Service=", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\nService=b.service\n", "b.service = " + svc + "WarnB=1\n"},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "socket Service= missing", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\nService=nothere.service\n"},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "accepting socket", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\nAccept=yes\n", "a@.service = " + svc + "WarnA=%i\n"},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "accepting socket without template", files: []string{"a.socket = [Socket]\nListenStream=/run/a.sock\nAccept=yes\n"},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "socket without Listen", files: []string{"a.socket = [Socket]\nAccept=no\n", "a.service = " + svc + "WarnA=1\n"},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "socket bad Listen", files: []string{"a.socket = [Socket]\nListenStream=nonsense:addr\nListenDatagram=/run/b.sock\n", "a.service = " + svc},
		args: []string{"--man=no", "{dir}/a.socket"}},
	{name: "requires missing unit", files: []string{"a.service = [Unit]\nRequires=nothere.service\n" + svc}},
	{name: "wants missing unit", files: []string{"a.service = [Unit]\nWants=nothere.service\nAfter=nothere2.service\n" + svc}},
	{name: "requires masked unit", files: []string{"a.service = [Unit]\nRequires=m.service\n" + svc, "m.service -> /dev/null"}},
	{name: "requires bad unit", files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "b.service = [Service]\nType=simple\n"}},
	{name: "wants bad unit", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc, "b.service = [Service]\nType=simple\n"}},
	{name: "requisite bad unit", files: []string{"a.service = [Unit]\nRequisite=b.service\n" + svc, "b.service = [Service]\nType=simple\n"}},
	{name: "bad unit recursive yes", files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "b.service = [Service]\nType=simple\n"},
		args: []string{"--man=no", "--recursive-errors=yes", "{dir}/a.service"}},
	{name: "bad unit recursive no", files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "b.service = [Service]\nType=simple\n"},
		args: []string{"--man=no", "--recursive-errors=no", "{dir}/a.service"}},
	{name: "bad unit recursive one", files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "b.service = [Service]\nType=simple\n"},
		args: []string{"--man=no", "--recursive-errors=one", "{dir}/a.service"}},
	{name: "warning in dependency default", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc, "b.service = " + svc + "Foo=1\n"}},
	{name: "warning in dependency recursive yes", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc, "b.service = " + svc + "Foo=1\n"},
		args: []string{"--man=no", "--recursive-errors=yes", "{dir}/a.service"}},
	{name: "warning in dependency recursive no", files: []string{"a.service = [Unit]\nWants=b.service\nAfter=a.service\n" + svc, "b.service = " + svc + "Foo=1\n"},
		args: []string{"--man=no", "--recursive-errors=no", "{dir}/a.service"}},
	{name: "warning in dependency recursive one", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc, "b.service = " + svc + "Foo=1\n"},
		args: []string{"--man=no", "--recursive-errors=one", "{dir}/a.service"}},
	{name: "warning in unit recursive one", files: []string{"a.service = " + svc + "Foo=1\n"},
		args: []string{"--man=no", "--recursive-errors=one", "{dir}/a.service"}},
	{name: "load order of dependencies", files: []string{"a.service = [Unit]\nWants=w1.service w2.service\nAfter=w3.service\nRequires=w4.service\n" + svc + "WarnA=1\n",
		"w1.service = " + svc + "W1=1\n", "w2.service = [Unit]\nWants=w5.service\n" + svc + "W2=1\n", "w3.service = " + svc + "W3=1\n",
		"w4.service = " + svc + "W4=1\n", "w5.service = " + svc + "W5=1\n"}},
	{name: "ordering cycle", random: true, files: []string{"a.service = [Unit]\nRequires=b.service\nAfter=b.service\n" + svc,
		"b.service = [Unit]\nRequires=a.service\nAfter=a.service\n" + svc}},
	{name: "ordering cycle through wanted unit", random: true, files: []string{"a.service = [Unit]\nWants=b.service\nAfter=b.service\n" + svc,
		"b.service = [Unit]\nAfter=a.service\n" + svc}},
	{name: "conflicting jobs", random: true, files: []string{"a.service = [Unit]\nRequires=b.service\nConflicts=b.service\n" + svc, "b.service = " + svc}},
	{name: "template without instance", files: []string{"t@.service = [Service]\nExecStart=/bin/echo %i\nWarn=%i\n"},
		args: []string{"--man=no", "{dir}/t@.service"}},
	{name: "instance of existing template", files: []string{"t@.service = [Service]\nExecStart=/bin/echo %i\nWarn=%i\n"},
		args: []string{"--man=no", "{dir}/t@abc.service"}},
	{name: "instance without template", files: []string{"x.service = " + svc}, args: []string{"--man=no", "{dir}/t@abc.service"}},
	{name: "template dependencies", files: []string{"a.service = [Unit]\nRequires=t@foo.service\nWants=t@%n.service t@.service\n" + svc,
		"t@.service = [Service]\nExecStart=/bin/echo %i\nWarn=%i\n"}},
	{name: "alias argument", files: []string{"a.service = " + svc + "Foo=1\n"}, args: []string{"--man=no", "{dir}/a.service:b.service"}},
	{name: "alias argument of template", files: []string{"t@.service = [Service]\nExecStart=/bin/echo %i\n"},
		args: []string{"--man=no", "{dir}/t@.service:u@.service"}},
	{name: "alias argument errors", files: []string{"a.service = " + svc},
		args: []string{"--man=no", "{dir}/a.service:"}},
	{name: "alias argument without source", files: []string{"a.service = " + svc}, args: []string{"--man=no", ":x.service"}},
	{name: "alias argument of missing file", files: []string{"a.service = " + svc}, args: []string{"--man=no", "{dir}/nothere.service:y.service"}},
	{name: "alias argument to root", files: []string{"a.service = " + svc}, args: []string{"--man=no", "{dir}/a.service:/"}},
	{name: "alias argument to directory", files: []string{"a.service = " + svc}, args: []string{"--man=no", "{dir}/a.service:sub/"}},
	{name: "masked unit", files: []string{"a.service -> /dev/null"}},
	{name: "masked unit with drop-in", files: []string{"a.service -> /dev/null", "a.service.d/x.conf = [Service]\nFoo=1\n"}},
	{name: "empty unit file", files: []string{"a.service = "}},
	{name: "not a unit name", files: []string{"a.txt = " + svc}, args: []string{"--man=no", "{dir}/a.txt"}},
	{name: "nonexistent file", args: []string{"--man=no", "{dir}/nothere.service"}},
	{name: "nonexistent directory", args: []string{"--man=no", "/nonexistent/dir/x.service"}},
	{name: "host unit by missing path", args: []string{"--man=no", "/nonexistent/dir/systemd-journald.service"}},
	{name: "2 MiB line", files: []string{"a.service = " + svc + "Description=" + strings.Repeat("x", 2<<20) + "\n"}},
	{name: "NUL byte", files: []string{"a.service = " + svc + "Descr\x00iption=foo\n", "b.service = [Unit]\nDescription=a\x00b\n" + svc},
		args: []string{"--man=no", "{dir}/a.service", "{dir}/b.service"}},
	{name: "NUL byte recursive yes", files: []string{"a.service = " + svc + "Descr\x00iption=foo\n"},
		args: []string{"--man=no", "--recursive-errors=yes", "{dir}/a.service"}},
	{name: "unreadable drop-in", unprivileged: true, files: []string{"a.service = " + svc,
		"a.service.d/a.conf = [Service]\nFoo=1\n", "a.service.d/b.conf = [Service]\nBar=1\n", "chmod 000 a.service.d/a.conf"}},
	{name: "unreadable drop-in directory", unprivileged: true, files: []string{"a.service = " + svc,
		"a.service.d/a.conf = [Service]\nFoo=1\n", "chmod 000 a.service.d"}},
	{name: "unreadable unit file", unprivileged: true, files: []string{"a.service = " + svc, "chmod 000 a.service"}},
	{name: "unreadable dependency", unprivileged: true, files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "b.service = " + svc, "chmod 000 b.service"}},
	{name: "symlink loop", files: []string{"a.service = [Unit]\nWants=loop1.service\n" + svc, "loop1.service -> loop2.service",
		"loop2.service -> loop1.service", "self.service -> self.service"}},
	{name: "symlink loop verified", files: []string{"loop1.service -> loop2.service", "loop2.service -> loop1.service"},
		args: []string{"--man=no", "{dir}/loop1.service"}},
	{name: "self symlink verified", files: []string{"self.service -> self.service"}, args: []string{"--man=no", "{dir}/self.service"}},
	{name: "alias symlink", files: []string{"real.service = " + svc + "Foo=1\n", "alias1.service -> real.service",
		"a.service = [Unit]\nRequires=alias1.service\nAfter=real.service\n" + svc}},
	{name: "alias symlink verified", files: []string{"real.service = " + svc + "Foo=1\n", "alias1.service -> real.service"},
		args: []string{"--man=no", "{dir}/alias1.service"}},
	{name: "bad alias symlinks", files: []string{"real.service = " + svc, "x.socket -> real.service", "y.service -> {dir}/nothere.service",
		"a.service = [Unit]\nWants=x.socket y.service\n" + svc}},
	{name: "wants directory", files: []string{"a.service = " + svc, "b.service = " + svc + "WarnB=1\n",
		"a.service.wants/b.service -> {dir}/b.service", "a.service.wants/x.service -> /nonexistent/x.service",
		"a.service.wants/plain.service = ", "a.service.requires/c.service -> ../c.service", "c.service = " + svc + "WarnC=1\n"}},
	{name: "drop-ins", files: []string{"a.service = [Service]\nExecStart=/bin/false\n", "a.service.d/10-a.conf = [Service]\nBadDropin=1\n",
		"a.service.d/20-b.conf = [Unit]\nDescription=xx\nRequires=nothere.service\n", "service.d/30-c.conf = [Unit]\nX=1\n"}},
	{name: "drop-in makes unit bad", files: []string{"a.service = " + svc, "a.service.d/10-a.conf = [Service]\nExecStart=/bin/false\n"}},
	{name: "documentation without man", files: []string{"a.service = [Unit]\nDocumentation=man:systemd.service(5) man:nonexistentpage(8) https://example.com\n" + svc}},
	{name: "documentation with man", files: []string{"a.service = [Unit]\nDocumentation=man:systemd.service(5) man:nonexistentpage(8) https://example.com man:bash man:nosuchpage file:/x\n" + svc},
		args: []string{"{dir}/a.service"}},
	{name: "documentation with --man=yes", files: []string{"a.service = [Unit]\nDocumentation=man:systemd.unit(5)\nDocumentation=man:nope(1)\n" + svc},
		args: []string{"--man=yes", "{dir}/a.service"}},
	{name: "documentation without man binary", files: []string{"a.service = [Unit]\nDocumentation=man:systemd.service(5)\n" + svc},
		args: []string{"{dir}/a.service"}, vars: map[string]string{"PATH": "/nonexistent"}},
	{name: "several files", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc + "WarnA=1\n", "b.service = " + svc + "WarnB=1\n",
		"c.service = [Service]\nExecStart=/nonexistent\n"},
		args: []string{"--man=no", "{dir}/a.service", "{dir}/c.service", "{dir}/b.service", "{dir}/nothere.service"}},
	{name: "same file twice", files: []string{"a.service = " + svc + "WarnA=1\n"}, args: []string{"--man=no", "{dir}/a.service", "{dir}/a.service"}},
	{name: "relative paths", cwd: true, files: []string{"a.service = [Unit]\nWants=b.service\n" + svc, "b.service = " + svc + "WarnB=1\n"},
		args: []string{"--man=no", "a.service", "./b.service", "sub/../a.service"}},
	{name: "root directory", files: []string{"root/etc/systemd/system/b.service = " + svc + "WarnB=1\n", "root/bin/true = #!/bin/sh\n",
		"a.service = [Unit]\nRequires=b.service\n[Service]\nExecStart=/bin/true\nExecStop=/bin/false\n"},
		args: []string{"--man=no", "--root={dir}/root", "{dir}/a.service"}},
	{name: "missing root directory", files: []string{"a.service = " + svc}, args: []string{"--man=no", "--root=/nonexistent", "{dir}/a.service"}},
	{name: "root is a file", files: []string{"a.service = " + svc}, args: []string{"--man=no", "--root={dir}/a.service", "{dir}/a.service"}},
	{name: "generators", files: []string{"a.service = " + svc}, args: []string{"--man=no", "--generators=yes", "{dir}/a.service"}},
	{name: "empty unit path", files: []string{"a.service = [Unit]\nDefaultDependencies=no\nRequires=systemd-journald.service\n" + svc},
		vars: map[string]string{"SYSTEMD_UNIT_PATH": ""}},
	{name: "empty unit path, two units missing", random: true, files: []string{"a.service = [Unit]\nRequires=systemd-journald.service\n" + svc},
		vars: map[string]string{"SYSTEMD_UNIT_PATH": ""}},
	{name: "unit path", files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "other/b.service = " + svc + "WarnB=1\n"},
		vars: map[string]string{"SYSTEMD_UNIT_PATH": "{dir}/other"}},
	{name: "unit path with defaults", files: []string{"a.service = [Unit]\nRequires=b.service\n" + svc, "other/b.service = " + svc + "WarnB=1\n"},
		vars: map[string]string{"SYSTEMD_UNIT_PATH": "{dir}/other:"}},
	{name: "log level warning", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc + "Foo=1\n", "b.service = [Service]\nType=simple\n"},
		args: []string{"--man=no", "--recursive-errors=yes", "{dir}/a.service"}, vars: map[string]string{"SYSTEMD_LOG_LEVEL": "warning"}},
	{name: "log level err", files: []string{"a.service = [Unit]\nWants=b.service\n" + svc + "Foo=1\n", "b.service = [Service]\nType=simple\n"},
		args: []string{"--man=no", "--recursive-errors=yes", "{dir}/a.service"}, vars: map[string]string{"SYSTEMD_LOG_LEVEL": "err"}},
	{name: "log level notice", files: []string{"a.service = [Service]\nType=simple\nX=1\n"}, vars: map[string]string{"SYSTEMD_LOG_LEVEL": "notice"}},
	{name: "dependency quirks", files: []string{"a.service = [Unit]\nBefore=dev-sda2.device\nAfter=a.service\nRequires=dev-sda1.device\nOnFailure=b.service\n[Service]\nExecStart=/bin/true\nSlice=b.service\n",
		"b.service = " + svc + "WarnB=1\n"}},
	{name: "slice dependency", files: []string{"a.service = " + svc + "Slice=my-own.slice\n", "my-own.slice = [Slice]\nBogus=1\n", "my.slice = [Unit]\nX=1\n"}},
	{name: "timer of missing unit", files: []string{"a.timer = [Timer]\nOnCalendar=daily\nUnit=nothere.service\n"}, args: []string{"--man=no", "{dir}/a.timer"}},
	{name: "timer of bad unit", files: []string{"a.timer = [Timer]\nOnCalendar=daily\n", "a.service = [Service]\nType=simple\nWarn=1\n"},
		args: []string{"--man=no", "{dir}/a.timer"}},
	{name: "path unit without service", files: []string{"a.path = [Path]\nPathChanged=/etc\n"}, args: []string{"--man=no", "{dir}/a.path"}},
	{name: "user scope without runtime directory", files: []string{"a.service = " + svc}, args: []string{"--man=no", "--user", "{dir}/a.service"}},
	{name: "option errors", args: []string{"--recursive-errors=maybe", "x.service"}},
}

// treeFor creates a case's files in dir.
func treeFor(t *testing.T, dir string, entries []string) {
	t.Helper()
	var chmods [][2]string
	for _, e := range entries {
		e = strings.ReplaceAll(e, "{dir}", dir)
		var err error
		switch {
		case strings.HasPrefix(e, "chmod "):
			f := strings.Fields(e)
			chmods = append(chmods, [2]string{f[1], f[2]})
		case strings.Contains(e, " -> "):
			name, target, _ := strings.Cut(e, " -> ")
			p := filepath.Join(dir, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			err = os.Symlink(target, p)
		case strings.Contains(e, " = "):
			name, content, _ := strings.Cut(e, " = ")
			p := filepath.Join(dir, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			err = os.WriteFile(p, []byte(content), 0o644)
		case strings.HasSuffix(e, "/"):
			err = os.MkdirAll(filepath.Join(dir, e), 0o755)
		default:
			t.Fatalf("bad tree entry %q", e)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range chmods {
		var mode uint32
		for _, ch := range c[0] {
			mode = mode*8 + uint32(ch-'0')
		}
		if err := os.Chmod(filepath.Join(dir, c[1]), os.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVerifyDifferential runs every verify case with the host's
// systemd-analyze 252 and ours and compares stdout, stderr and the exit
// code.
func TestVerifyDifferential(t *testing.T) {
	requireTools(t)
	ourTool := buildOurs(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	for d := base; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	passed := 0
	for i, c := range verifyCases {
		dir := filepath.Join(base, strings.Repeat("c", 1)+string(rune('a'+i/26))+string(rune('a'+i%26)))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		treeFor(t, dir, c.files)
		args := c.args
		if args == nil {
			args = []string{"--man=no", "{dir}/a.service"}
		}
		args = append([]string{"verify"}, args...)
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "{dir}", dir)
		}
		vars := map[string]string{}
		for k, v := range c.vars {
			vars[k] = strings.ReplaceAll(v, "{dir}", dir)
		}
		cwd := wd
		if c.cwd {
			cwd = dir
		}
		got := runVerifyOurs(t, ourTool, args, vars, cwd, c.unprivileged)
		want := runVerifyReal(t, args, vars, cwd, c.unprivileged)
		for try := 1; c.random && want != got && try < 16; try++ {
			want = runVerifyReal(t, args, vars, cwd, c.unprivileged)
		}
		if want != got {
			t.Errorf("%s: args %q, env %v differ\n=== systemd-analyze 252\n%s=== ours\n%s", c.name, args, vars, want, got)
			continue
		}
		passed++
		if os.Getenv("VERIFY_DEBUG") != "" {
			t.Logf("%s: %s", c.name, want)
		}
	}
	t.Chdir(wd)
	t.Logf("verify: %d of %d cases identical", passed, len(verifyCases))
}
