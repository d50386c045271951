package exec

import (
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The test binary is also the executor Start re-executes (the package's
// init runs it), and the manager's side of a mount request for
// testdata/nsmount.sh.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == nsMountClientArg {
		os.Exit(nsMountClient(os.Args[2]))
	}
	os.Exit(m.Run())
}

const nsMountClientArg = "nsmount-client"

// nsMountClient starts the mount helper for a request given as JSON, as
// the manager starts it, prints its result as JSON and exits with its
// status.
func nsMountClient(request string) int {
	var r NSMount
	if err := json.Unmarshal([]byte(request), &r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 100
	}
	pid, rd, err := StartNSMount(&r, "/proc/self/exe")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 100
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 100
	}
	res := ReadNSMountResult(rd)
	out, _ := json.Marshal(struct {
		Errno  syscall.Errno `json:",omitempty"`
		Errors []string      `json:",omitempty"`
	}{res.Errno, res.Errors})
	fmt.Printf("%s", out)
	return ws.ExitStatus()
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the executor tests need root")
	}
}

// result is one run of the executor.
type result struct {
	report Report
	status syscall.WaitStatus
	out    string // what the command wrote to its stdout file
}

// run starts s with its stdout going to a file and waits for it.
func run(t *testing.T, s *Spec, files Files) result {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if s.StdOutput == "inherit" {
		s.StdOutput, s.StdioFile[1] = "file", out
	}
	c, err := Start(s, files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Report()
	if err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(c.Pid, &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.StdioFile[1])
	return result{report: rep, status: ws, out: string(b)}
}

func probeSpec(t *testing.T, args ...string) *Spec {
	probe, err := filepath.Abs("testdata/probe.sh")
	if err != nil {
		t.Fatal(err)
	}
	s := NewSpec("probe.service", probe, append([]string{probe}, args...)...)
	s.System = false // no /run/systemd/propagate on the host
	s.InvocationID = "0123456789abcdef0123456789abcdef"
	s.Environment = []string{"PATH=" + defaultPath}
	return s
}

// section returns the lines of one "== name" section of the probe.
func section(out, name string) []string {
	var lines []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "== ") {
			in = l == "== "+name
			continue
		}
		if in && l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestDefaults(t *testing.T) {
	needRoot(t)
	r := run(t, probeSpec(t), Files{})
	if !r.report.Execed || r.status.ExitStatus() != 0 {
		t.Fatalf("report %+v, status %v", r.report, r.status)
	}
	env := strings.Join(section(r.out, "env"), "\n")
	for _, want := range []string{"INVOCATION_ID=0123456789abcdef0123456789abcdef", "PATH=" + defaultPath, "SYSTEMD_EXEC_PID="} {
		if !strings.Contains(env, want) {
			t.Errorf("environment lacks %s:\n%s", want, env)
		}
	}
	if got := section(r.out, "umask"); len(got) != 1 || got[0] != "0022" {
		t.Errorf("umask %v", got)
	}
	if got := section(r.out, "pwd"); len(got) != 1 || got[0] != "/" {
		t.Errorf("pwd %v", got)
	}
	// A new session: the process leads its session and group.
	st := strings.Fields(section(r.out, "stat")[0])
	pid := strings.TrimPrefix(strings.Split(env, "SYSTEMD_EXEC_PID=")[1], "")
	pid = strings.SplitN(pid, "\n", 2)[0]
	if st[0] != pid || st[1] != pid {
		t.Errorf("pgrp/session %v, pid %s", st, pid)
	}
	status := strings.Join(section(r.out, "status"), "\n")
	if !strings.Contains(status, "SigBlk: 0000000000000000") || !strings.Contains(status, "SigIgn: 0000000000001000") {
		t.Errorf("signals:\n%s", status)
	}
}

func TestArgvExpansion(t *testing.T) {
	needRoot(t)
	s := probeSpec(t, "$A", "${A}", "x${B}y", "$$", "$UNSET", "${UNSET}")
	s.UnitEnvironment = []string{`A=one "two three"`, "B=b"}
	r := run(t, s, Files{})
	want := []string{"[one]", "[two three]", `[one "two three"]`, "[xby]", "[$]", "[]"}
	if got := section(r.out, "argv"); strings.Join(got[1:], " ") != strings.Join(want, " ") {
		t.Errorf("argv %q, want %q", got[1:], want)
	}
}

func TestFailures(t *testing.T) {
	needRoot(t)
	for _, c := range []struct {
		name   string
		mod    func(s *Spec)
		status int
		msg    string
	}{
		{"missing binary", func(s *Spec) { s.Path = "/nonexistent/bin" }, ExitExec,
			"Failed to locate executable /nonexistent/bin: No such file or directory"},
		{"bad working directory", func(s *Spec) { s.WorkingDirectory = "/nonexistent" }, ExitChdir,
			"Changing to the requested working directory failed: No such file or directory"},
		{"unknown user", func(s *Spec) { s.User = "no-such-user-gosd" }, ExitUser,
			"Failed to determine user credentials: No such process"},
		{"unknown group", func(s *Spec) { s.Group = "no-such-group-gosd" }, ExitGroup,
			"Failed to determine group credentials: No such process"},
		{"unknown supplementary group", func(s *Spec) { s.SupplementaryGroups = []string{"no-such-group-gosd"} }, ExitGroup,
			"Failed to determine supplementary groups: No such process"},
		{"bad stdout file", func(s *Spec) { s.StdOutput, s.StdioFile[1] = "file", "/nonexistent/out" }, ExitStdout,
			"Failed to set up standard output: No such file or directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := probeSpec(t)
			c.mod(s)
			r := run(t, s, Files{})
			if r.status.ExitStatus() != c.status {
				t.Errorf("exit status %v, want %d", r.status, c.status)
			}
			if r.report.Failure == nil || r.report.Failure.Message != c.msg || r.report.Failure.ExitStatus != c.status {
				t.Errorf("failure %+v, want %q", r.report.Failure, c.msg)
			}
			if r.report.Execed {
				t.Errorf("report says execed")
			}
		})
	}
}

func TestIgnoreFailureMissingBinary(t *testing.T) {
	needRoot(t)
	s := probeSpec(t)
	s.Path, s.IgnoreFailure = "/nonexistent/bin", true
	r := run(t, s, Files{})
	if r.status.ExitStatus() != 0 || r.report.Failure == nil || r.report.Failure.ExitStatus != 0 {
		t.Errorf("status %v, report %+v", r.status, r.report)
	}
}

func TestCredentialsAndLimits(t *testing.T) {
	needRoot(t)
	s := probeSpec(t)
	s.User, s.Group = "nobody", "nogroup"
	s.UMask = 0o027
	nice, oom := 5, 300
	s.Nice, s.OOMScoreAdjust = &nice, &oom
	s.Limits[syscall.RLIMIT_NOFILE] = &Rlimit{Cur: 1234, Max: 4321}
	s.NoNewPrivileges = true
	s.CapabilityBoundingSet = 1<<21 | 1<<12 // CAP_SYS_ADMIN, CAP_NET_ADMIN
	s.WorkingDirectory = "/tmp"
	r := run(t, s, Files{})
	if !r.report.Execed || r.report.UID != 65534 || r.report.GID != 65534 {
		t.Fatalf("report %+v, status %v, out %s", r.report, r.status, r.out)
	}
	for _, c := range []struct{ sec, want string }{
		{"id", "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"},
		{"umask", "0027"},
		{"pwd", "/tmp"},
		{"nice", "5"},
		{"oom", "300"},
	} {
		if got := section(r.out, c.sec); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: %q, want %q", c.sec, got, c.want)
		}
	}
	limits := strings.Join(section(r.out, "limits"), "\n")
	if !strings.Contains(limits, "nofiles              1234") {
		t.Errorf("limits:\n%s", limits)
	}
	status := strings.Join(section(r.out, "status"), "\n")
	for _, want := range []string{"CapBnd: 0000000000201000", "CapEff: 0000000000000000", "NoNewPrivs: 1"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	env := section(r.out, "env")
	for _, e := range env {
		if strings.HasPrefix(e, "HOME=") || strings.HasPrefix(e, "SHELL=") {
			t.Errorf("nobody gets %s", e)
		}
	}
	if !contains(env, "USER=nobody") || !contains(env, "LOGNAME=nobody") {
		t.Errorf("env %v", env)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestPassedFDs(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	var pass []*os.File
	for i := 0; i < 2; i++ {
		f, err := os.Create(filepath.Join(dir, "fd"+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pass = append(pass, f)
	}
	s := probeSpec(t)
	s.FDNames, s.NSocketFDs, s.NStorageFDs = []string{"one", "two"}, 0, 2
	r := run(t, s, Files{Pass: pass})
	env := section(r.out, "env")
	if !contains(env, "LISTEN_FDS=2") || !contains(env, "LISTEN_FDNAMES=one:two") {
		t.Errorf("env %v", env)
	}
	fds := strings.Join(section(r.out, "fds"), "\n")
	for i := 0; i < 2; i++ {
		want := strconv.Itoa(3+i) + " " + filepath.Join(dir, "fd"+strconv.Itoa(i))
		if !strings.Contains(fds, want) {
			t.Errorf("fds lack %q:\n%s", want, fds)
		}
	}
}

func TestExecDirectories(t *testing.T) {
	needRoot(t)
	base := t.TempDir()
	s := probeSpec(t)
	s.User = "nobody"
	s.Prefix = [DirMax]string{base + "/run", base + "/lib", base + "/cache", base + "/log", base + "/etc"}
	s.Directories[DirState] = ExecDirectory{Mode: 0o750, Items: []ExecDirectoryItem{{Path: "foo/bar"}, {Path: "foo", Symlinks: []string{"alias"}}}}
	r := run(t, s, Files{})
	if !r.report.Execed {
		t.Fatalf("report %+v", r.report)
	}
	for _, p := range []string{"lib/foo", "lib/foo/bar"} {
		st, err := os.Stat(filepath.Join(base, p))
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if st.Mode().Perm() != 0o750 || sys.Uid != 65534 {
			t.Errorf("%s: mode %v uid %d", p, st.Mode(), sys.Uid)
		}
	}
	if l, err := os.Readlink(filepath.Join(base, "lib/alias")); err != nil || l != "foo" {
		t.Errorf("alias symlink %q %v", l, err)
	}
	if !contains(section(r.out, "env"), "STATE_DIRECTORY="+base+"/lib/foo:"+base+"/lib/foo/bar") {
		t.Errorf("env %v", section(r.out, "env"))
	}
}

func TestSocketStdin(t *testing.T) {
	needRoot(t)
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock, peer := os.NewFile(uintptr(fds[0]), "sock"), os.NewFile(uintptr(fds[1]), "peer")
	defer sock.Close()
	defer peer.Close()
	s := probeSpec(t)
	s.StdInput, s.FDNames, s.NSocketFDs = "socket", []string{"conn"}, 1
	r := run(t, s, Files{Pass: []*os.File{sock}})
	fds0 := section(r.out, "fds")
	if len(fds0) == 0 || !strings.HasPrefix(fds0[0], "0 socket:[") {
		t.Errorf("stdin is not the socket: %q", fds0)
	}
	for _, l := range fds0 {
		if strings.HasPrefix(l, "3 ") {
			t.Errorf("the socket leaked as fd 3: %q", fds0)
		}
	}
	for _, e := range section(r.out, "env") {
		if strings.HasPrefix(e, "LISTEN_") {
			t.Errorf("socket stdio passes %s", e)
		}
	}
}

func TestCgroupFD(t *testing.T) {
	needRoot(t)
	base := "/sys/fs/cgroup/unified"
	if _, err := os.Stat(base + "/cgroup.procs"); err != nil {
		base = "/sys/fs/cgroup"
	}
	dir := base + "/gosd-exec-test-" + strconv.Itoa(os.Getpid())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("no writable cgroup2 hierarchy: %v", err)
	}
	defer os.Remove(dir)
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := filepath.Join(t.TempDir(), "out")
	s := NewSpec("cg.service", "/bin/cat", "cat", "/proc/self/cgroup")
	s.System = false
	s.StdOutput, s.StdioFile[1] = "file", out
	c, err := Start(s, Files{}, Options{CgroupFD: int(f.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Report(); err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	syscall.Wait4(c.Pid, &ws, 0, nil)
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "0::/"+filepath.Base(dir)+"\n") {
		t.Errorf("cgroup of the command:\n%s", b)
	}
}

// TestMountInNamespace runs the mount helper against a process in a
// mount namespace of its own set up as the executor sets up a service's
// (testdata/nsmount.sh, in a mount namespace of the test's own): a
// directory bound and an ext4 image mounted read-only appear there and
// only there, and nothing is left behind. Real 252 is compared in
// difftests/systemctl; this checks the image path the oracle's container
// (without loop devices) cannot.
func TestMountInNamespace(t *testing.T) {
	needRoot(t)
	for _, tool := range []string{"unshare", "nsenter", "findmnt", "losetup", "mkfs.ext4"} {
		if _, err := osexec.LookPath(tool); err != nil {
			t.Skipf("%s is missing", tool)
		}
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skip("no loop devices")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("in-dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	imgSrc := filepath.Join(dir, "imgsrc")
	if err := os.MkdirAll(imgSrc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(imgSrc, "f"), []byte("in-image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "fs.img")
	if out, err := osexec.Command("mkfs.ext4", "-q", "-d", imgSrc, img, "4M").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	w := filepath.Join(dir, "w")
	if err := os.MkdirAll(w, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/nsmount.sh")
	out, err := osexec.Command("unshare", "-m", "--propagation", "private", "sh", script, w, self, img, src).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		`bind-nodir: {"Errno":2,"Errors":["Failed to mount ` + w + `/incoming/`,
		`(type n/a) on ` + w + `/in/bound (MS_MOVE \"\"): No such file or directory"]} exit=1`,
		"\nbind: {} exit=0\n",
		"\nimage: {} exit=0\n",
		"\nimage-rw: {} exit=0\n",
		"\nimage-dir: {\"Errno\":21} exit=1\n",
		"\ncontent: in-dir in-image \n",
		"\nmount: /in/bound ",
		// The read-only remount of a bind mount drops nodev, as 252's.
		"\nmount: /in/img ext4 ro,relatime\n",
		"\nmount: /in/img3 ext4 rw,nosuid,nodev,noexec,relatime\n",
		"\nhost mounts: 0\n",
		"\npropagate left: 0\n",
		"\nloop left: 0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// "!!" runs the command as User= where the kernel has ambient
// capabilities (every kernel here), "!" never switches the user.
func TestAmbientMagicPrefix(t *testing.T) {
	needRoot(t)
	if !ambientCapabilitiesSupported() {
		t.Skip("the kernel lacks ambient capabilities")
	}
	for _, c := range []struct {
		magic, noSetuid bool
		uid             int
	}{{true, false, 65534}, {false, true, 0}} {
		s := probeSpec(t)
		s.User, s.Group = "nobody", "nogroup"
		s.AmbientMagic, s.NoSetuid = c.magic, c.noSetuid
		s.CapabilityBoundingSet = 1 << 12 // CAP_NET_ADMIN
		s.AmbientCapabilities = 1 << 12
		r := run(t, s, Files{})
		if !r.report.Execed {
			t.Fatalf("report %+v, status %v, out %s", r.report, r.status, r.out)
		}
		id := section(r.out, "id")
		want := "uid=65534(nobody)"
		if c.uid == 0 {
			want = "uid=0(root)"
		}
		if len(id) != 1 || !strings.HasPrefix(id[0], want) {
			t.Errorf("magic %v, no setuid %v: id %q, want %s...", c.magic, c.noSetuid, id, want)
		}
	}
}
