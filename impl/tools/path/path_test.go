package path

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosystemd/impl/tooltest"
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

// both is the real tool and ours.
var both = &tooltest.Tool{Real: realTool, Main: Main, Vars: envVars}

// compareAll runs every case on both sides and reports the differences.
func compareAll(t *testing.T, cs []tooltest.Case) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Fatalf("the differential tests run as root (home directories differ otherwise)")
	}
	both.Compare(t, cs, nil)
}

// names are every known path name, as the real tool lists them with
// everything set.
func names(t *testing.T) []string {
	r := both.RunReal(t, nil, []string{"HOME=/root", "XDG_RUNTIME_DIR=/run"})
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(r.Stdout)), "\n") {
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
	var cs []tooltest.Case
	for _, tok := range tokens {
		for _, rest := range [][]string{nil, {"user"}, {"bogus"}, {"user", "temporary"}} {
			cs = append(cs, tooltest.Case{"options", append([]string{tok}, rest...), env})
			if rest != nil {
				cs = append(cs, tooltest.Case{"options", append(append([]string{}, rest...), tok), env})
			}
		}
	}
	for _, v := range [][]string{{"user", "--suffix", "x"}, {"--", "--suffix=x"}, {"user", "--", "-h"}} {
		cs = append(cs, tooltest.Case{"posix", v, append([]string{"POSIXLY_CORRECT=1"}, env...)}, tooltest.Case{"permute", v, env})
	}
	compareAll(t, cs)
}

func TestNamesDifferential(t *testing.T) {
	all := names(t)
	env := []string{"HOME=/root", "XDG_RUNTIME_DIR=/run/user/0", "PATH=/usr/bin:/bin"}
	var cs []tooltest.Case
	for _, n := range all {
		cs = append(cs, tooltest.Case{"name", []string{n}, env})
	}
	for _, n := range []string{"bogus", "", "User", "user ", "a\nb", "temporary\r", "search", strings.Repeat("x", 3000)} {
		cs = append(cs, tooltest.Case{"unknown", []string{n}, env}, tooltest.Case{"unknown", []string{"user", n, "temporary"}, env})
	}
	cs = append(cs, tooltest.Case{"all-names", all, env}, tooltest.Case{"all-names", append(append([]string{}, all...), "bogus"), env})
	for _, s := range []string{"", "x", "/x", "//x/", "x/../y", "x//y", "/", "./x", "a b", "ü"} {
		cs = append(cs, tooltest.Case{"suffix", []string{"--suffix=" + s}, env}, tooltest.Case{"suffix", append([]string{"--suffix", s}, all...), env})
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
	var cs []tooltest.Case
	for _, env := range envs {
		cs = append(cs, tooltest.Case{"env", nil, env}, tooltest.Case{"env-suffix", []string{"--suffix=/s/"}, env})
	}
	for _, level := range []string{"debug", "err", "crit"} {
		cs = append(cs, tooltest.Case{"env-debug", nil, []string{"SYSTEMD_LOG_LEVEL=" + level, "SYSTEMD_LOG_LOCATION=1"}})
		cs = append(cs, tooltest.Case{"env-debug", []string{"user-runtime", "user"}, []string{"SYSTEMD_LOG_LEVEL=" + level}})
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
	var cs []tooltest.Case
	for i, content := range userDirsFiles {
		dir := filepath.Join(base, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "user-dirs.dirs"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, home := range []string{"HOME=/home/u", "HOME=/"} {
			cs = append(cs, tooltest.Case{"user-dirs", nil, []string{home, "XDG_CONFIG_HOME=" + dir}})
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
		cs = append(cs, tooltest.Case{"user-dirs", nil, []string{"XDG_CONFIG_HOME=" + dir}},
			tooltest.Case{"user-dirs", []string{"user-music", "user-desktop", "user"}, []string{"XDG_CONFIG_HOME=" + dir}})
	}
	compareAll(t, cs)
}

func TestTerminalDifferential(t *testing.T) {
	var cs []tooltest.Case
	for _, env := range [][]string{
		{"SYSTEMD_COLORS=1"}, {"SYSTEMD_COLORS=16", "TERM=linux"}, {"SYSTEMD_COLORS=1", "SYSTEMD_URLIFY=no"}, {"NO_COLOR=1"},
		{"SYSTEMD_COLORS=1", "SYSTEMD_LOG_COLOR=0"}, {"SYSTEMD_COLORS=256", "SYSTEMD_LOG_LOCATION=1"},
		{"SYSTEMD_LOG_TARGET=console-prefixed"}, {"SYSTEMD_LOG_TARGET=null"}, {"SYSTEMD_LOG_TARGET=journal"},
		{"SYSTEMD_LOG_TARGET=auto"}, {"SYSTEMD_LOG_TARGET=bogus", "SYSTEMD_COLORS=1"},
		{"SYSTEMD_LOG_LEVEL=bogus", "SYSTEMD_LOG_COLOR=x", "SYSTEMD_COLORS=1", "SYSTEMD_LOG_LOCATION=1", "SYSTEMD_LOG_TID=x"},
	} {
		for _, args := range [][]string{{"--help"}, {"bogus", "user"}, {"-x"}, {"user-runtime"}} {
			cs = append(cs, tooltest.Case{"terminal", args, append([]string{"HOME=/root"}, env...)})
		}
	}
	// One message goes to the kernel log: stderr stays empty.
	cs = append(cs, tooltest.Case{"terminal", []string{"bogus"}, []string{"SYSTEMD_LOG_TARGET=kmsg"}})
	compareAll(t, cs)
}

func TestVersion(t *testing.T) {
	compareAll(t, []tooltest.Case{{"version", []string{"--version"}, nil}, {"version", []string{"user", "--version", "-x"}, nil}})
}
