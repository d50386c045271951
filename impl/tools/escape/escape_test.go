package escape

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gosystemd/impl/tooltest"
	"gosystemd/impl/unitname"
)

// realTool is the host's systemd 252 systemd-escape, our specification.
const realTool = "/usr/bin/systemd-escape"

// both is the real tool and ours.
var both = &tooltest.Tool{
	Real: realTool,
	Main: Main,
	// The variables either implementation reads.
	Vars: []string{
		"SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_LOCATION", "SYSTEMD_LOG_COLOR", "SYSTEMD_LOG_TARGET", "SYSTEMD_LOG_TIME",
		"SYSTEMD_LOG_TID", "POSIXLY_CORRECT", "TERM", "NO_COLOR", "SYSTEMD_URLIFY", "SYSTEMD_COLORS",
	},
	BaseEnv: []string{"PATH=/usr/bin:/bin", "LC_ALL=C"},
}

func loadSystemdStrings(t *testing.T) []string {
	f, err := os.Open("../../unitname/testdata/test-unit-name.strings")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			s, err := strconv.Unquote(line)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
	return out
}

// handInputs cover the edges of each mode: empty strings, dots, slashes,
// dashes, backslash escapes, unicode, bytes that are not UTF-8, control
// characters, globs, device paths and very long strings.
var handInputs = []string{
	"", " ", ".", "..", "...", "/", "//", "///", "/.", "/..", "/./", "./", "../", "-", "--", "---", "-.", ".-",
	"\\", "\\\\", "\\x", "\\x2", "\\x2d", "\\x2D", "\\X2d", "\\xzz", "\\x2dfoo", "a\\x00b", "\\x00", "\\x2f", "\\x2e",
	"foo", "foo-bar", "foo/bar", "/foo/bar", "/foo/bar/", "foo/bar/", "/foo//bar", "/foo/./bar", "/foo/../bar",
	"foo/../bar", "../foo", "./foo", "foo/.", "foo/..", ".hidden", "/.hidden", "/a/.b", "-leading", "trailing-",
	"/-dash", "/a-b/c-d", "a b", "tab\tx", "new\nline", "cr\rx", "\n", "\r\n\r", "\nlead", "trail\n",
	"@", "foo@bar", "foo@", "@bar", "foo@.service", "foo@bar.service", "foo@bar@baz.service", "foo.service",
	"foo.waldo", ".service", "-.slice", "-.mount", "foo-bar.slice", "dev-sda.device", "home-foo.mount",
	"foo@a-b.service", "foo@\\x2d.service", "foo@a\\x2fb.service", "x@y@.service",
	"üxknürz", "日本語", "😀", "/ü/日", "\xff", "\xfe\xff", "\xc3", "\x80abc", "a\xc3(b", "\x01", "\x7f", "\x1b[31m",
	"foo*", "ü*", "x?", "[ab]", "!x", "*", "?", "foo.*",
	"/dev/sda", "/dev", "/dev/", "/sys/class", "/dev/..", "/./dev/foo", "/../dev/sda", "dev/sda", "/sys", "/sys/",
	"/home", "/home/lennart", "/run/user/1000", "/var/lib/machines", "/mnt/with space",
	"%i", "%%", "a%sb", "a'b", `a"b`, "a;b", "a,b", "a:b", "a_b", "a=b", "a+b", "$HOME", "~",
	strings.Repeat("a", 255), strings.Repeat("a", 256), strings.Repeat("a", 300), strings.Repeat("x", 2100),
	"/" + strings.Repeat("a", 255), "/" + strings.Repeat("a", 256), strings.Repeat("/abcd", 1000),
	strings.Repeat("/abcd", 200), "/" + strings.Repeat("a", 246), "/dev/" + strings.Repeat("d", 250),
	strings.Repeat("ü", 700), strings.Repeat("a\n", 100), strings.Repeat("-", 70), strings.Repeat("\\x2d", 70),
}

// randomInputs are reproducible strings over an alphabet rich in the
// characters that matter to escaping.
func randomInputs(n int) []string {
	const alphabet = "ab/-.\\x2d@_:%* \n\xc3\xbc\xff"
	r := rand.New(rand.NewSource(252))
	out := make([]string, n)
	for i := range out {
		b := make([]byte, r.Intn(24))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		out[i] = string(b)
	}
	return out
}

// inputs is the corpus every mode runs on: hand-picked edges, a sample of
// systemd's own test strings, random strings and, for the unescaping
// modes, escaped forms of all of those.
func inputs(t *testing.T) []string {
	in := append([]string{}, handInputs...)
	sys := loadSystemdStrings(t)
	// The file holds hundreds of similar names and D-Bus paths; a sample
	// suffices.
	for i := 0; i < len(sys); i += 6 {
		in = append(in, sys[i])
	}
	return append(in, randomInputs(30)...)
}

func escapedForms(in []string) []string {
	var out []string
	for i, s := range in {
		if i%2 == 1 {
			continue
		}
		out = append(out, unitname.Escape(s))
		if p, err := unitname.PathEscape(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// instanceNames wraps strings as instances of a few templates.
func instanceNames(in []string) []string {
	var out []string
	for i, s := range in {
		tmpl := []string{"foo@%s.service", "bar@%s.mount", "foo@%s.timer"}[i%3]
		if i%2 == 0 {
			s = unitname.Escape(s)
		}
		out = append(out, fmt.Sprintf(tmpl, s))
	}
	return out
}

// optionVectors are option combinations, valid or not, each followed by a
// name or not.
func optionVectors() [][]string {
	tokens := []string{
		"-u", "-m", "-p", "--instance", "--suffix=service", "--suffix=waldo", "--suffix=", "--template=foo@.service",
		"--template=foo.service", "--template=", "-h", "--version", "--foo", "-x", "--suffix", "--", "-", "-upm",
		"--unesc", "--path=1", "--=", "--in", "--template", "-uh", "-hx", "--help=x",
	}
	var out [][]string
	for _, a := range tokens {
		out = append(out, []string{a}, []string{a, "foo"}, []string{"foo", a})
		for _, b := range []string{"-u", "-m", "-p", "--instance", "--suffix=mount", "--template=a@.socket", "--", "-h"} {
			out = append(out, []string{a, b, "foo@bar.service"})
		}
	}
	return out
}

// group is one mode run over many names: opts, then "--", then names.
type group struct {
	mode  string
	opts  []string
	env   []string
	names []string
}

// chunk is how many names one call carries.
const chunk = 16

func groups(t *testing.T) []group {
	in := inputs(t)
	esc := append(append([]string{}, in...), escapedForms(in)...)
	inst := instanceNames(in)
	var gs []group
	// Groups of 64 names keep the workers evenly busy.
	add := func(mode string, opts []string, names []string, env ...string) {
		for i := 0; i < len(names); i += 64 {
			gs = append(gs, group{mode, opts, env, names[i:min(i+64, len(names))]})
		}
	}
	add("plain", nil, in)
	add("path", []string{"--path"}, in)
	add("unescape", []string{"--unescape"}, esc)
	add("unescape-path", []string{"-u", "-p"}, esc)
	add("mangle", []string{"--mangle"}, in)
	add("mangle-debug", []string{"-m"}, in, "SYSTEMD_LOG_LEVEL=debug")
	add("suffix", []string{"--suffix=service"}, in)
	add("suffix-path", []string{"-p", "--suffix=mount"}, in)
	add("template", []string{"--template=foo@.service"}, in)
	add("template-path", []string{"--path", "--template=systemd-fsck@.service"}, in)
	add("template-unescape", []string{"--template=foo@.service", "--unescape"}, inst)
	add("instance-unescape", []string{"--unescape", "--instance"}, inst)
	add("instance-unescape-path", []string{"-u", "--instance", "-p"}, inst)
	// Refused as a combination whatever the name; 100 names suffice.
	add("template-unescape-instance", []string{"--template=foo@.service", "-u", "--instance"}, inst[:100])
	return gs
}

// singles are whole command lines, run as they are: options (valid,
// invalid and in invalid combinations), log level and argument ordering.
func singles(t *testing.T) []tooltest.Case {
	in := inputs(t)
	var cs []tooltest.Case
	single := func(mode string, args []string, env ...string) {
		cs = append(cs, tooltest.Case{Group: mode, Args: args, Env: env})
	}
	for _, v := range optionVectors() {
		single("options", v)
	}
	for _, s := range []string{"service", "mount", "waldo", "", "Service", "slice", " service"} {
		single("options", []string{"--suffix", s, "foo"})
	}
	for _, s := range append([]string{"foo@.service", "@.service", "foo@bar.service", "foo.service"}, in[:40]...) {
		single("options", []string{"--template", s, "x"})
	}
	for _, s := range in {
		if strings.HasPrefix(s, "-") {
			single("options", []string{s})
		}
	}
	for _, level := range []string{"err", "warning", "debug", "0", "7", "8", "bogus", ""} {
		single("env", []string{"-p", "foo", "-m", "x y"}, "SYSTEMD_LOG_LEVEL="+level)
		single("env", []string{"-p", "rel"}, "SYSTEMD_LOG_LEVEL="+level)
	}
	for _, v := range [][]string{{"foo", "-u", "bar"}, {"--", "-u"}, {"-p", "x", "--", "-x"}, {"a", "--suffix=mount", "b"}} {
		single("posix", v, "POSIXLY_CORRECT=1")
		single("permute", v)
	}
	return cs
}

// TestDifferential runs the real systemd-escape and ours on the same
// command lines and wants identical stdout, stderr and exit code. Names go
// in chunks; the real tool stops at the first name it fails on, so the
// next chunk starts after the name where ours (being identical) failed.
func TestDifferential(t *testing.T) {
	both.RequireReal(t)
	var mu sync.Mutex
	calls, failures := 0, 0
	covered := map[string]int{}
	compare := func(c tooltest.Case) bool {
		want, got := both.RunReal(t, c.Args, c.Env), both.RunOurs(c.Args, c.Env)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if want.Equal(got) {
			return true
		}
		failures++
		if failures <= 30 {
			t.Errorf("%s %q env=%q:\n real: out=%q err=%q code=%d\n ours: out=%q err=%q code=%d",
				c.Group, c.Args, c.Env, want.Stdout, want.Stderr, want.Code, got.Stdout, got.Stderr, got.Code)
		}
		return false
	}
	runGroup := func(g group) {
		call := func(names []string) tooltest.Case {
			return tooltest.Case{Group: g.mode, Args: append(append(append([]string{}, g.opts...), "--"), names...), Env: g.env}
		}
		for pos := 0; pos < len(g.names); {
			names := g.names[pos:min(pos+chunk, len(g.names))]
			if !compare(call(names)) {
				for _, n := range names {
					compare(call([]string{n}))
				}
				pos += len(names)
				continue
			}
			// Identical output: the names up to the first one ours fails
			// on were checked.
			n := 0
			for n < len(names) {
				n++
				if c := call(names[n-1 : n]); both.RunOurs(c.Args, c.Env).Code != 0 {
					break
				}
			}
			pos += n
		}
		mu.Lock()
		covered[g.mode] += len(g.names)
		mu.Unlock()
	}

	work := make(chan func())
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				f()
			}
		}()
	}
	for _, g := range groups(t) {
		work <- func() { runGroup(g) }
	}
	for _, c := range singles(t) {
		work <- func() {
			if compare(c) {
				mu.Lock()
				covered[c.Group]++
				mu.Unlock()
			}
		}
	}
	close(work)
	wg.Wait()
	for mode, n := range covered {
		if n < 100 && mode != "env" && mode != "posix" && mode != "permute" {
			t.Errorf("mode %s covers only %d inputs", mode, n)
		}
	}
	t.Logf("%d calls, %d differ; inputs per mode: %v", calls, failures, covered)
}

func TestVersion(t *testing.T) {
	c := tooltest.Case{Group: "version", Args: []string{"--version"}}
	want, got := both.RunReal(t, c.Args, c.Env), both.RunOurs(c.Args, c.Env)
	if !bytes.Equal(want.Stdout, got.Stdout) || want.Code != got.Code {
		t.Errorf("--version: real %q, ours %q", want.Stdout, got.Stdout)
	}
}

// FuzzDifferential compares the two tools on up to three arguments.
func FuzzDifferential(f *testing.F) {
	for _, v := range optionVectors()[:60] {
		v = append(v, "", "", "")
		f.Add(v[0], v[1], v[2])
	}
	for _, s := range handInputs[:60] {
		f.Add("-p", s, "-u")
		f.Add("--template=a@.service", s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var args []string
		for _, s := range []string{a, b, c} {
			if strings.Contains(s, "\x00") {
				return
			}
			if s != "" {
				args = append(args, s)
			}
		}
		tc := tooltest.Case{Group: "fuzz", Args: args}
		if want, got := both.RunReal(t, tc.Args, tc.Env), both.RunOurs(tc.Args, tc.Env); !want.Equal(got) {
			t.Fatalf("%q:\n real: out=%q err=%q code=%d\n ours: out=%q err=%q code=%d",
				args, want.Stdout, want.Stderr, want.Code, got.Stdout, got.Stderr, got.Code)
		}
	})
}
