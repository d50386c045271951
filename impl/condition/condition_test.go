package condition

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gosystemd/impl/version"
)

// The real `systemd-analyze condition` of systemd 252 is the
// specification: each test runs a list of triggering conditions (so all
// are tested) through it and through an Evaluator, and compares the
// verdicts.
const realAnalyze = "/usr/bin/systemd-analyze"

func requireAnalyze(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realAnalyze); err != nil {
		t.Fatalf("real %s is missing (it ships with systemd 252): %v", realAnalyze, err)
	}
}

// commandLine is how the condition is written for systemd-analyze.
func (c Condition) commandLine() string { return c.Type + "=" + c.prefixes() + c.Parameter }

// realVerdicts are the messages systemd-analyze logs about each
// condition, in list order (it tests them last first).
func realVerdicts(t *testing.T, env []string, conds []Condition) []string {
	t.Helper()
	args := []string{"condition"}
	for _, c := range conds {
		args = append(args, c.commandLine())
	}
	cmd := exec.Command(realAnalyze, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // failing conditions exit non-zero
	var out []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if msg, ok := strings.CutPrefix(line, "test.service: "); ok {
			out = append(out, msg)
		} else if line != "" && !strings.HasPrefix(line, "Conditions ") && !strings.HasPrefix(line, "Asserts ") {
			t.Fatalf("systemd-analyze %q: unexpected output %q", args, line)
		}
	}
	slices.Reverse(out)
	return out
}

func ourVerdicts(h Host, conds []Condition) []string {
	_, vs := New(h).TestList(conds)
	var out []string
	for _, v := range vs {
		out = append(out, v.Message())
	}
	return out
}

func compareVerdicts(t *testing.T, env []string, h Host, conds []Condition) {
	t.Helper()
	want := realVerdicts(t, env, conds)
	got := ourVerdicts(h, conds)
	if len(want) != len(got) {
		t.Fatalf("systemd tested %d conditions, we %d:\n%s\n--\n%s", len(want), len(got), strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	same := 0
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("systemd: %s\nours:    %s", want[i], got[i])
			continue
		}
		same++
	}
	t.Logf("%d of %d verdicts identical", same, len(want))
}

func triggers(typ string, params ...string) []Condition {
	var out []Condition
	for _, p := range params {
		out = append(out, Condition{Type: typ, Parameter: p, Trigger: true})
	}
	return out
}

// escapeWord protects a word from extract_first_word's unquoting.
func escapeWord(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(" \t\n\r'\"\\", s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// osReleaseFile writes values as V0=..., V1=... for ConditionOSRelease=.
func osReleaseFile(t *testing.T, values []string) string {
	var b strings.Builder
	for i, v := range values {
		fmt.Fprintf(&b, "V%d='%s'\n", i, v)
	}
	p := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var fnmatchValues = []string{
	"", "a", "abc", "ABC", "a.b", ".hidden", "a/b", "a/.b", "x*y", "a?c", "[", "]", "a]b", "a-b", "a^b", "!",
	"a\\b", "aaa", "abab", "foo.bar.baz", "12", "é", "a:b", "-", "a[b", "%",
}

var fnmatchPatterns = []string{
	"", "*", "?", "a", "a*", "*c", "a?c", "a*c", "*.*", ".*", "*/*", "a/*", "*b", "[abc]", "[!abc]*", "[^a]*",
	"[a-c]*", "[c-a]*", "[]]", "[]a]*", "[!]]*", "[a-]*", "[-a]*", "a[", "a[b", "[", "[[]", "\\*", "x\\*y", "a\\",
	"\\a*", "[[:alpha:]]*", "[[:digit:]]*", "[[:upper:]]*", "[[:lower:]]*", "[[:foo:]]", "[[:alpha:]", "[[=a=]]*",
	"[[.a.]]*", "[[.-.]]", "*a*b*", "**", "*?", "?*?", "a*b*c", "*.bar.*", "[a-z]?[a-z]", "a[\\]]b", "[\\!]",
	"a]b", "*[", "*]", "a^b", "[\\^]*", "!*", "*%", "\\", "[a-c-e]", "[*]", "x?y", "é", "?", "??", "[[:punct:]]",
	"[[:space:][:alpha:]]*", "[z-a]", "[]-a]", "*/.*", "a/?",
}

// TestFnmatchMatchesSystemd tests glob patterns (fnmatch without flags)
// through ConditionOSRelease=KEY$=PATTERN against values of every shape.
func TestFnmatchMatchesSystemd(t *testing.T) {
	requireAnalyze(t)
	values := slices.DeleteFunc(slices.Clone(fnmatchValues), func(v string) bool { return strings.ContainsAny(v, "'\\") })
	file := osReleaseFile(t, values)
	env := []string{"SYSTEMD_OS_RELEASE=" + file}
	for i := range values {
		var params []string
		for _, p := range fnmatchPatterns {
			if p == "" {
				continue // an empty value is no expression
			}
			params = append(params, fmt.Sprintf("V%d$=%s", i, escapeWord(p)))
		}
		compareVerdicts(t, env, Host{Environ: env}, triggers("ConditionOSRelease", params...))
	}
}

// TestHostPatternsMatchSystemd tests case-insensitive patterns against
// the host name.
func TestHostPatternsMatchSystemd(t *testing.T) {
	requireAnalyze(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	params := []string{host, strings.ToUpper(host), "*", "?" + host[1:], "[" + strings.ToUpper(host[:1]) + "]*",
		"[!" + host[:1] + "]*", "[[:upper:]]*", "[[:lower:]]*", "[A-Z]*", host + "x", "*" + host[len(host)-1:]}
	compareVerdicts(t, []string{}, Host{Environ: []string{}}, triggers("ConditionHost", params...))
}

var versions = []string{
	"", "0", "1", "01", "1.0", "1.00", "1.1", "1.2", "1.10", "1.2a", "1.2.a", "1a", "a", "A", "abc", "abcde", "1~rc1",
	"1~", "~", "1-1", "1-a", "1^post", "1.a-1", "1.1-1", "1_a", "1_2", "123.4-3.1.fc33.x86_64", "5.11.0-0.rc5.fc34",
	"2.0~beta", "2.0", "2.0^1", "2.0-1", "6.1", "6.18.44-fc-v782", "v6", "!", "1..2", "1.-2", ".1", "-1", "^", "1.2.3.4.5",
	"00000000000000000000000000000001", "18446744073709551616", "1.2_3", "1+2",
}

// TestVersionsMatchSystemd compares every pair of versions with <, ==
// and > through ConditionOSRelease=KEY<VERSION.
func TestVersionsMatchSystemd(t *testing.T) {
	requireAnalyze(t)
	file := osReleaseFile(t, versions)
	env := []string{"SYSTEMD_OS_RELEASE=" + file}
	for i := range versions {
		var params []string
		for _, b := range versions {
			if b == "" {
				continue
			}
			for _, op := range []string{"<", "==", ">", "<=", ">=", "!="} {
				params = append(params, fmt.Sprintf("V%d%s%s", i, op, escapeWord(b)))
			}
		}
		compareVerdicts(t, env, Host{Environ: env}, triggers("ConditionOSRelease", params...))
	}
}

// TestVersionCompareAntisymmetric checks version.Compare's order itself on
// the same versions.
func TestVersionCompareAntisymmetric(t *testing.T) {
	for _, a := range versions {
		for _, b := range versions {
			if version.Compare(a, b) != -version.Compare(b, a) {
				t.Errorf("version.Compare(%q, %q) = %d but version.Compare(%q, %q) = %d", a, b, version.Compare(a, b), b, a, version.Compare(b, a))
			}
		}
	}
}

// TestGlobMatchesSystemd tests ConditionPathExistsGlob= patterns over a
// directory tree.
func TestGlobMatchesSystemd(t *testing.T) {
	requireAnalyze(t)
	dir := t.TempDir()
	for _, n := range []string{"ab1", "ab2", ".hid", "{x}", "a*b", "sub/deep", "sub/.h/x", "q?", "br[", "c,d", "b\\s", "A1",
		".dir/f", "x{y", "x}y"} {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("nonexistent", filepath.Join(dir, "dangle")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(dir, "lsub")); err != nil {
		t.Fatal(err)
	}
	patterns := []string{"*", "ab*", "*1", "a[b]?", "ab[!1]", "ab[^1]", ".*", "*hid", "?hid", "[.]hid", "\\.hid", "{x}",
		"\\{x\\}", "{ab1,zz}", "{zz,yy}", "{a,b}{b,r}*", "{a{b,c},x}1", "{ab1", "ab1}", "{}ab1", "a{}b1", "{,a}b1",
		"a\\*b", "a*b", "*/deep", "s?b/d[e]ep", "*/*/x", "*/.h/x", "*/.*/x", "l*/deep", "q\\?", "q?", "br[", "br[[]",
		"c,d", "{c,d}", "{c\\,d}", "b\\\\s", "b?s", "dangle", "dang*", "[[:digit:]]*", "ab[[:digit:]]", "ab[[:foo:]]",
		"[[:upper:]]1", "[a-b]*", ".dir/*", "*/f", ".d*/f", "x{y", "x}y", "x\\{y", "{x{y,q}", "nonexistent", "sub",
		"sub/", "*/", "[!.]*/deep", "a/../ab1", "\\", "ab1\\", "**", "*/**", "sub/*/*"}
	var params []string
	for _, p := range patterns {
		if strings.Contains(p, "..") || strings.HasSuffix(p, "/") {
			continue // not a normalized path
		}
		params = append(params, dir+"/"+p)
	}
	compareVerdicts(t, []string{}, Host{Environ: []string{}}, triggers("ConditionPathExistsGlob", params...))
}

// TestFakeRoot checks that the evaluator reads the host's files under
// Host.Root: a root holding a kernel command line and an os-release
// gives the verdicts systemd gives for the same text through its
// testing overrides.
func TestFakeRoot(t *testing.T) {
	requireAnalyze(t)
	root := t.TempDir()
	cmdline := `quiet a=b "c d" systemd.condition-needs-update=0 ro`
	osRelease := "ID=fakeos\nVERSION_ID=3.1\n"
	for p, text := range map[string]string{"proc/cmdline": cmdline + "\n", "etc/os-release": osRelease} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	osFile := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(osFile, []byte(osRelease), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"SYSTEMD_PROC_CMDLINE=" + cmdline, "SYSTEMD_OS_RELEASE=" + osFile}
	conds := append(triggers("ConditionKernelCommandLine", "quiet", "a", "a=b", "c d", "ro", "rw"),
		triggers("ConditionOSRelease", "ID=fakeos", "VERSION_ID>3", "ID=debian")...)
	conds = append(conds, triggers("ConditionNeedsUpdate", "/etc", "/usr")...)
	compareVerdicts(t, env, Host{Root: root, Environ: []string{}}, conds)
}
