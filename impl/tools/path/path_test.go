package path

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gosystemd/impl/cli"
)

// realTool is the host's systemd 252 systemd-path, our specification.
const realTool = "/usr/bin/systemd-path"

// envVars are the variables either implementation reads; each case sets
// exactly the ones it names.
var envVars = []string{
	"HOME", "PWD", "PATH", "LD_LIBRARY_PATH", "TMPDIR", "TEMP", "TMP", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
	"XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS", "SYSTEMD_UNIT_PATH",
	"SYSTEMD_GENERATOR_PATH", "SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_TARGET", "SYSTEMD_LOG_COLOR",
	"SYSTEMD_LOG_LOCATION", "SYSTEMD_LOG_TIME", "SYSTEMD_LOG_TID", "SYSTEMD_COLORS", "SYSTEMD_URLIFY",
	"NO_COLOR", "TERM", "COLORTERM", "POSIXLY_CORRECT", "JOURNAL_STREAM",
}

type result struct {
	stdout, stderr []byte
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("out=%q err=%q code=%d", r.stdout, r.stderr, r.code)
}

type testCase struct {
	group string
	args  []string // without argv[0]
	env   []string // NAME=value
}

func runReal(t *testing.T, c testCase) result {
	cmd := exec.Command(realTool, c.args...)
	cmd.Env = append([]string{}, c.env...) // never nil: nil passes on our own environment
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", realTool, err)
	}
	return result{out.Bytes(), errb.Bytes(), code}
}

// ourMu serialises our in-process runs, which read the process environment.
var ourMu sync.Mutex

func runOurs(c testCase) result {
	ourMu.Lock()
	defer ourMu.Unlock()
	saved := map[string]*string{}
	for _, v := range envVars {
		if old, ok := os.LookupEnv(v); ok {
			saved[v] = &old
		} else {
			saved[v] = nil
		}
		os.Unsetenv(v)
	}
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	defer func() {
		for k, v := range saved {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}()
	var out, errb bytes.Buffer
	code := Main(append([]string{realTool}, c.args...), cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return result{out.Bytes(), errb.Bytes(), code}
}

// compareAll runs every case on both sides, four at a time, and reports
// the differences.
func compareAll(t *testing.T, cs []testCase) {
	t.Helper()
	if _, err := os.Stat(realTool); err != nil {
		t.Fatalf("the real systemd-path is needed as the specification: %v", err)
	}
	if os.Getuid() != 0 {
		t.Fatalf("the differential tests run as root (home directories differ otherwise)")
	}
	var mu sync.Mutex
	failures := 0
	work := make(chan testCase)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				want, got := runReal(t, c), runOurs(c)
				if bytes.Equal(want.stdout, got.stdout) && bytes.Equal(want.stderr, got.stderr) && want.code == got.code {
					continue
				}
				mu.Lock()
				failures++
				if failures <= 20 {
					t.Errorf("%s %q env=%q:\n real: %v\n ours: %v", c.group, c.args, c.env, want, got)
				}
				mu.Unlock()
			}
		}()
	}
	for _, c := range cs {
		work <- c
	}
	close(work)
	wg.Wait()
	t.Logf("%d cases, %d differ", len(cs), failures)
}

// names are every known path name, as the real tool lists them with
// everything set.
func names(t *testing.T) []string {
	r := runReal(t, testCase{env: []string{"HOME=/root", "XDG_RUNTIME_DIR=/run"}})
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(r.stdout)), "\n") {
		n, _, _ := strings.Cut(l, ": ")
		out = append(out, n)
	}
	if len(out) < 60 {
		t.Fatalf("the real tool lists only %d paths: %v", len(out), r)
	}
	return out
}

func TestOptionsDifferential(t *testing.T) {
	env := []string{"HOME=/root", "PATH=/usr/bin:/bin"}
	tokens := []string{
		"-h", "--help", "--he", "--h", "--version", "--vers", "--v", "--suffix", "--suffix=", "--suffix=x", "--suf=y",
		"--s", "-s", "-x", "--foo", "--help=x", "--version=", "--", "-", "-hx", "-xh", "--=", "---", "-?", "-W",
		"--json", "--no-pager",
	}
	var cs []testCase
	for _, tok := range tokens {
		for _, rest := range [][]string{nil, {"user"}, {"bogus"}, {"user", "temporary"}} {
			cs = append(cs, testCase{"options", append([]string{tok}, rest...), env})
			if rest != nil {
				cs = append(cs, testCase{"options", append(append([]string{}, rest...), tok), env})
			}
		}
	}
	for _, v := range [][]string{{"user", "--suffix", "x"}, {"--", "--suffix=x"}, {"user", "--", "-h"}} {
		cs = append(cs, testCase{"posix", v, append([]string{"POSIXLY_CORRECT=1"}, env...)}, testCase{"permute", v, env})
	}
	compareAll(t, cs)
}

func TestNamesDifferential(t *testing.T) {
	all := names(t)
	env := []string{"HOME=/root", "XDG_RUNTIME_DIR=/run/user/0", "PATH=/usr/bin:/bin"}
	var cs []testCase
	for _, n := range all {
		cs = append(cs, testCase{"name", []string{n}, env})
	}
	for _, n := range []string{"bogus", "", "User", "user ", "a\nb", "temporary\r", "search", strings.Repeat("x", 3000)} {
		cs = append(cs, testCase{"unknown", []string{n}, env}, testCase{"unknown", []string{"user", n, "temporary"}, env})
	}
	cs = append(cs, testCase{"all-names", all, env}, testCase{"all-names", append(append([]string{}, all...), "bogus"), env})
	for _, s := range []string{"", "x", "/x", "//x/", "x/../y", "x//y", "/", "./x", "a b", "ü"} {
		cs = append(cs, testCase{"suffix", []string{"--suffix=" + s}, env}, testCase{"suffix", append([]string{"--suffix", s}, all...), env})
	}
	compareAll(t, cs)
}

// TestEnvironmentDifferential lists all paths under many settings of the
// variables they depend on.
func TestEnvironmentDifferential(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	long := "/" + strings.Repeat("x", 300)
	envs := [][]string{
		nil, {"HOME=/root"}, {"HOME=/home/u"}, {"HOME=/"}, {"HOME="}, {"HOME=relative"}, {"HOME=//home/./u/"},
		{"HOME=/home/u/.."}, {"HOME=" + long}, {"HOME=/home/u", "XDG_CONFIG_HOME=/c", "XDG_DATA_HOME=/d", "XDG_CACHE_HOME=/k"},
		{"XDG_CONFIG_HOME=rel", "XDG_DATA_HOME=", "XDG_CACHE_HOME=./k"}, {"XDG_CONFIG_HOME=/c/", "XDG_DATA_HOME=//d//"},
		{"XDG_RUNTIME_DIR=/run/user/0"}, {"XDG_RUNTIME_DIR=rel"}, {"XDG_RUNTIME_DIR="}, {"XDG_RUNTIME_DIR=/r/", "HOME=/h"},
		{"XDG_RUNTIME_DIR=//r/./x", "XDG_CONFIG_HOME=c/./d", "XDG_DATA_HOME=../d"},
		{"XDG_CONFIG_DIRS=/a:/b"}, {"XDG_CONFIG_DIRS="}, {"XDG_CONFIG_DIRS=::a::/b/:"}, {"XDG_DATA_DIRS=/x:/usr/share:/usr/share"},
		{"XDG_DATA_DIRS=", "XDG_CONFIG_DIRS=/etc/xdg/"}, {"XDG_DATA_DIRS=rel:/abs/"},
		{"PATH="}, {"PATH=/usr/bin"}, {"PATH=:/a::b:"}, {"PATH=/usr/bin", "HOME=/h"}, {"LD_LIBRARY_PATH=/l:rel"}, {"LD_LIBRARY_PATH="},
		{"TMPDIR=/var/tmp"}, {"TMPDIR=" + dir}, {"TMPDIR=/nonexistent"}, {"TMPDIR=rel"}, {"TMPDIR=/tmp/"}, {"TMPDIR=/tmp/./x"},
		{"TMPDIR=" + file}, {"TMPDIR="}, {"TMPDIR=/nonexistent", "TEMP=/var/tmp"}, {"TEMP=rel", "TMP=" + dir},
		{"TMP=/var//tmp"}, {"TMPDIR=/usr/../tmp"},
		{"SYSTEMD_UNIT_PATH=/u1:/u2"}, {"SYSTEMD_UNIT_PATH=/u1:/u2:"}, {"SYSTEMD_UNIT_PATH="}, {"SYSTEMD_UNIT_PATH=:"},
		{"SYSTEMD_UNIT_PATH=rel:/etc/systemd/system:/u//x/.:/u/x:"}, {"SYSTEMD_UNIT_PATH=/a::/a:/b/", "XDG_RUNTIME_DIR=/r"},
		{"SYSTEMD_UNIT_PATH=/run/systemd/user::", "HOME=/h", "XDG_RUNTIME_DIR=/r"},
		{"SYSTEMD_GENERATOR_PATH=/g1:/g1:/g2"}, {"SYSTEMD_GENERATOR_PATH=/g1:/run/systemd/system-generators:"},
		{"SYSTEMD_GENERATOR_PATH="}, {"SYSTEMD_GENERATOR_PATH=rel/./x::"},
		{"PWD=/"}, {"PWD=/nonexistent", "XDG_CONFIG_HOME=rel"}, {"PWD=.", "XDG_CONFIG_HOME=rel"},
		{"HOME=/h", "XDG_RUNTIME_DIR=/r", "XDG_CONFIG_HOME=/c", "XDG_DATA_HOME=/d", "XDG_CONFIG_DIRS=/cd", "XDG_DATA_DIRS=/dd", "PATH=/p", "LD_LIBRARY_PATH=/l"},
	}
	var cs []testCase
	for _, env := range envs {
		cs = append(cs, testCase{"env", nil, env}, testCase{"env-suffix", []string{"--suffix=/s/"}, env})
	}
	for _, level := range []string{"debug", "err", "crit"} {
		cs = append(cs, testCase{"env-debug", nil, []string{"SYSTEMD_LOG_LEVEL=" + level, "SYSTEMD_LOG_LOCATION=1"}})
		cs = append(cs, testCase{"env-debug", []string{"user-runtime", "user"}, []string{"SYSTEMD_LOG_LEVEL=" + level}})
	}
	compareAll(t, cs)
}

// userDirsFiles are contents of user-dirs.dirs as xdg-user-dirs writes
// them, with the variations a hand-edited file may have.
var userDirsFiles = []string{
	"",
	"# This file is written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_DOWNLOAD_DIR=\"$HOME/Downloads\"\n" +
		"XDG_TEMPLATES_DIR=\"$HOME/Templates\"\nXDG_PUBLICSHARE_DIR=\"$HOME/Public\"\nXDG_DOCUMENTS_DIR=\"$HOME/Documents\"\n" +
		"XDG_MUSIC_DIR=\"$HOME/Music\"\nXDG_PICTURES_DIR=\"$HOME/Pictures\"\nXDG_VIDEOS_DIR=\"$HOME/Videos\"\n",
	"XDG_DESKTOP_DIR=\"$HOME\"\nXDG_MUSIC_DIR=\"/srv/music\"\nXDG_VIDEOS_DIR=\"relative\"\nXDG_VIDEOS_DIR=\"/second\"\n",
	"  XDG_PICTURES_DIR  =  \"$HOME/Pics\"  # comment\n\tXDG_DOWNLOAD_DIR=\"$HOME/a\"b\"\nXDG_PUBLICSHARE_DIR=$HOME/Public\n",
	"XDG_TEMPLATES_DIRX=\"/x\"\nXDG_TEMPLATES_DIR =\"/t\"\r\nXDG_DOCUMENTS_DIR=\"$HOMEx\"\nXDG_DOCUMENTS_DIR=\"$HOME/\"\n",
	"XDG_MUSIC_DIR=\"$HOME/M\"\r\rXDG_VIDEOS_DIR=\"$HOME/V\"\x00XDG_DESKTOP_DIR=\"/D\"\n\r\x00XDG_PICTURES_DIR=\"/P\"",
	"XDG_MUSIC_DIR=\"$HOME//a/./b/\"\nXDG_VIDEOS_DIR=\"//v//\"\nXDG_DESKTOP_DIR=\"\"\nXDG_DOWNLOAD_DIR=\"\nXDG_PUBLICSHARE_DIR=\"$HOME\n",
	"XDG_MUSIC_DIR=\"/m\"\n" + strings.Repeat("y", 1<<20) + "\nXDG_VIDEOS_DIR=\"/v\"\n",
	"XDG_MUSIC_DIR=\"/m\"\n" + strings.Repeat("y", 1<<20-1) + "\nXDG_VIDEOS_DIR=\"/v\"\n",
	"XDG_DESKTOP_DIR=\"/d\xff\"\nXDG_MUSIC_DIR='/single'\nXDG_VIDEOS_DIR=\"/a\" \"/b\"\n",
}

func TestUserDirsDifferential(t *testing.T) {
	base := t.TempDir()
	var cs []testCase
	for i, content := range userDirsFiles {
		dir := filepath.Join(base, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "user-dirs.dirs"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, home := range []string{"HOME=/home/u", "HOME=/"} {
			cs = append(cs, testCase{"user-dirs", nil, []string{home, "XDG_CONFIG_HOME=" + dir}})
		}
	}
	isDir := filepath.Join(base, "isdir")
	if err := os.MkdirAll(filepath.Join(isDir, "user-dirs.dirs"), 0o755); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(base, "notdir")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{isDir, notDir, filepath.Join(base, "missing")} {
		cs = append(cs, testCase{"user-dirs", nil, []string{"XDG_CONFIG_HOME=" + dir}},
			testCase{"user-dirs", []string{"user-music", "user-desktop", "user"}, []string{"XDG_CONFIG_HOME=" + dir}})
	}
	compareAll(t, cs)
}

func TestTerminalDifferential(t *testing.T) {
	var cs []testCase
	for _, env := range [][]string{
		{"SYSTEMD_COLORS=1"}, {"SYSTEMD_COLORS=16", "TERM=linux"}, {"SYSTEMD_COLORS=1", "SYSTEMD_URLIFY=no"}, {"NO_COLOR=1"},
		{"SYSTEMD_COLORS=1", "SYSTEMD_LOG_COLOR=0"}, {"SYSTEMD_COLORS=256", "SYSTEMD_LOG_LOCATION=1"},
		{"SYSTEMD_LOG_TARGET=console-prefixed"}, {"SYSTEMD_LOG_TARGET=null"}, {"SYSTEMD_LOG_TARGET=journal"},
		{"SYSTEMD_LOG_TARGET=auto"}, {"SYSTEMD_LOG_TARGET=bogus", "SYSTEMD_COLORS=1"},
		{"SYSTEMD_LOG_LEVEL=bogus", "SYSTEMD_LOG_COLOR=x", "SYSTEMD_COLORS=1", "SYSTEMD_LOG_LOCATION=1", "SYSTEMD_LOG_TID=x"},
	} {
		for _, args := range [][]string{{"--help"}, {"bogus", "user"}, {"-x"}, {"user-runtime"}} {
			cs = append(cs, testCase{"terminal", args, append([]string{"HOME=/root"}, env...)})
		}
	}
	// One message goes to the kernel log: stderr stays empty.
	cs = append(cs, testCase{"terminal", []string{"bogus"}, []string{"SYSTEMD_LOG_TARGET=kmsg"}})
	compareAll(t, cs)
}

func TestVersion(t *testing.T) {
	compareAll(t, []testCase{{"version", []string{"--version"}, nil}, {"version", []string{"user", "--version", "-x"}, nil}})
}
