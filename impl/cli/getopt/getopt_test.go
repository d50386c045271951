package getopt

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The oracle is glibc's own getopt_long, driven by testdata/glibc_getopt.c
// (built with the C compiler ci/deps.sh installs).
var (
	oracleOnce sync.Once
	oracleDir  string
	oracleErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if oracleDir != "" {
		os.RemoveAll(oracleDir)
	}
	os.Exit(code)
}

func oraclePath(t testing.TB) string {
	t.Helper()
	oracleOnce.Do(func() {
		oracleDir, oracleErr = os.MkdirTemp("", "getopt-oracle")
		if oracleErr != nil {
			return
		}
		out, err := exec.Command("cc", "-o", filepath.Join(oracleDir, "glibc_getopt"), "testdata/glibc_getopt.c").CombinedOutput()
		if err != nil {
			oracleErr = fmt.Errorf("building the glibc getopt_long oracle with cc (gcc, see ci/deps.sh): %v\n%s", err, out)
		}
	})
	if oracleErr != nil {
		t.Fatal(oracleErr)
	}
	return filepath.Join(oracleDir, "glibc_getopt")
}

// config is an option string and long option table under test.
type config struct {
	shorts string
	longs  []Option
}

var standard = config{"hvo:c::q", []Option{
	{"help", NoArgument, 'h'},
	{"version", NoArgument, 0x100},
	{"verbose", NoArgument, 'v'},
	{"output", RequiredArgument, 'o'},
	{"output-format", RequiredArgument, 0x101},
	{"color", OptionalArgument, 'c'},
	{"colour", OptionalArgument, 'c'}, // same as "color": not ambiguous
	{"quiet", NoArgument, 'q'},
	{"suffix", RequiredArgument, 0x102},
	{"summary", NoArgument, 0x103},
	{"man", OptionalArgument, 0x104},
}}

// result is what a parse printed, in the oracle's format.
type result struct{ stdout, stderr string }

func runOracle(t testing.TB, c config, posix bool, argv []string) result {
	specs := make([]string, len(c.longs))
	for i, o := range c.longs {
		specs[i] = fmt.Sprintf("%s/%d/%d", o.Name, o.Arg, o.ID)
	}
	cmd := exec.Command(oraclePath(t), append([]string{c.shorts, strings.Join(specs, ",")}, argv...)...)
	cmd.Env = []string{"LC_ALL=C"}
	if posix {
		cmd.Env = append(cmd.Env, "POSIXLY_CORRECT=1")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oracle on %q: %v\n%s", argv, err, stderr.Bytes())
	}
	return result{stdout.String(), stderr.String()}
}

func runOurs(t testing.TB, c config, posix bool, argv []string) result {
	if posix {
		os.Setenv("POSIXLY_CORRECT", "1")
		defer os.Unsetenv("POSIXLY_CORRECT")
	}
	var stdout, stderr strings.Builder
	p := New(argv, c.shorts, c.longs, &stderr)
	for {
		id, arg, ok := p.Next()
		if !ok {
			break
		}
		if p.ArgGiven() {
			fmt.Fprintf(&stdout, "%d arg=[%s]\n", id, arg)
		} else {
			fmt.Fprintf(&stdout, "%d noarg\n", id)
		}
	}
	for _, o := range p.Operands() {
		fmt.Fprintf(&stdout, "operand [%s]\n", o)
	}
	return result{stdout.String(), stderr.String()}
}

func compare(t testing.TB, c config, posix bool, argv []string) {
	t.Helper()
	want, got := runOracle(t, c, posix, argv), runOurs(t, c, posix, argv)
	if want != got {
		t.Errorf("shorts %q posix=%v argv %q:\n glibc stdout %q\n ours  stdout %q\n glibc stderr %q\n ours  stderr %q",
			c.shorts, posix, argv, want.stdout, got.stdout, want.stderr, got.stderr)
	}
}

var cases = [][]string{
	{},
	// Short options, clusters and their arguments.
	{"-h"}, {"-hv"}, {"-vq", "-h"}, {"-o", "x"}, {"-ox"}, {"-vox", "y"}, {"-o", "--"}, {"-o", "-h"},
	{"-o", ""}, {"-c"}, {"-cfoo"}, {"-c", "foo"}, {"-vc"}, {"-vcq"},
	// Missing arguments.
	{"-o"}, {"-v", "-o"}, {"-vo"}, {"--output"}, {"-h", "--suffix"},
	// Invalid short options; parsing carries on after them.
	{"-x"}, {"-:"}, {"-;"}, {"-\xe9"}, {"-é"}, {"-xhv"}, {"-hxo"},
	// Long options: "=value", separate value, empty value.
	{"--output=x"}, {"--output", "x"}, {"--output="}, {"--output=a=b"}, {"--output", "--help"},
	{"--man"}, {"--man=no"}, {"--man", "no"}, {"--man="}, {"--help=x"}, {"--help="},
	// Abbreviations and ambiguity.
	{"--out"}, {"--out=x"}, {"--output-f", "x"}, {"--ver"}, {"--vers"}, {"--verb"}, {"--v"},
	{"--col"}, {"--colo=x"}, {"--col="}, {"--s"}, {"--su=x"}, {"--suf", "x"}, {"--sum"}, {"--he=x"},
	{"--q"}, {"--ma", "x"}, {"--=x"}, {"--="},
	// Unrecognized options.
	{"--bogus"}, {"--bogus=1"}, {"--bogus", "-h"}, {"---x"}, {"--helpx"}, {"--Help"},
	// "--" and operands, permuted unless POSIXLY_CORRECT.
	{"a", "--", "-h", "b"}, {"--", "--"}, {"-h", "--", "-v"}, {"a", "--"}, {"--"},
	{"a", "-h", "b", "-o", "x", "c"}, {"a", "-o", "--", "b"}, {"-"}, {"-", "-h"}, {"", "-h"},
	{"--ou", "--", "a"}, {"a", "b", "--version", "c", "--", "d", "-q"},
}

// TestDifferential compares every case's options, arguments, operands and
// error messages with glibc's, with and without POSIXLY_CORRECT.
func TestDifferential(t *testing.T) {
	plus := config{"+" + standard.shorts, standard.longs}
	n := 0
	for _, argv0 := range []string{"prog", "/usr/bin/systemd-foo"} {
		for _, c := range []config{standard, plus} {
			for _, posix := range []bool{false, true} {
				for _, args := range cases {
					compare(t, c, posix, append([]string{argv0}, args...))
					n++
				}
			}
		}
	}
	t.Logf("%d cases", n)
}

// TestOnlyShortOptions covers an option string without a long option
// table, as in "systemd-foo -a -- x".
func TestOnlyShortOptions(t *testing.T) {
	c := config{"ab:", nil}
	for _, args := range [][]string{{"-a"}, {"-ab", "x"}, {"--a"}, {"--"}, {"x", "-b"}, {"--b=1"}} {
		compare(t, c, false, append([]string{"prog"}, args...))
	}
}

// FuzzDifferential compares random command lines (arguments separated by
// NUL bytes) with glibc.
func FuzzDifferential(f *testing.F) {
	for _, args := range cases {
		f.Add(strings.Join(args, "\x00"), false)
	}
	f.Add("a\x00-o\x00--\x00b", true)
	f.Fuzz(func(t *testing.T, joined string, posix bool) {
		args := strings.Split(joined, "\x00")
		if len(args) > 32 {
			return
		}
		compare(t, standard, posix, append([]string{"prog"}, args...))
	})
}
