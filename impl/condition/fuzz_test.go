package condition

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gosystemd/corpus"
	"gosystemd/impl/version"
)

// corpusConditions are the Condition*= and Assert*= lines of the unit
// files in the corpus, as name and value.
func corpusConditions(f *testing.F) [][2]string {
	files, err := corpus.Files(corpus.Root())
	if err != nil {
		f.Fatal(err)
	}
	var out [][2]string
	for _, p := range files {
		file, err := os.Open(p)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if !strings.HasPrefix(line, "Condition") && !strings.HasPrefix(line, "Assert") {
				continue
			}
			if name, value, ok := strings.Cut(line, "="); ok {
				out = append(out, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
			}
		}
		file.Close()
	}
	if len(out) == 0 {
		f.Fatal("no conditions in the corpus")
	}
	return out
}

// fuzzKernel is a fixed machine, so fuzzing never asks the real one.
type fuzzKernel struct{}

func (fuzzKernel) Uname() (Uname, error) {
	return Uname{Machine: "x86_64", Release: "6.1.0-13-amd64", Nodename: "fuzzhost"}, nil
}
func (fuzzKernel) CPUID(leaf, subleaf uint32) (uint32, uint32, uint32, uint32, bool) {
	return leaf, subleaf, 0x80000000 | leaf, ^leaf, true
}
func (fuzzKernel) CPUsInAffinityMask() (int, error) { return 4, nil }
func (fuzzKernel) PhysicalPages() (uint64, uint64)  { return 1 << 20, 4096 }
func (fuzzKernel) Credentials() Credentials {
	return Credentials{UID: 1000, EUID: 1000, GID: 100, Groups: []uint32{4, 27}}
}
func (fuzzKernel) PID() int { return 4242 }
func (fuzzKernel) LookupUser(name string) (uint32, error) {
	if name == "fuzz" {
		return 1000, nil
	}
	return 0, syscall.ESRCH
}
func (fuzzKernel) LookupGroup(name string) (uint32, error) { return 0, syscall.ESRCH }
func (fuzzKernel) UserName(uid uint32) string              { return "fuzz" }
func (fuzzKernel) AuditAvailable() bool                    { return false }

// fuzzRoot is a small machine's file tree.
func fuzzRoot(f *testing.F) string {
	root := f.TempDir()
	for p, text := range map[string]string{
		"proc/cmdline":      "quiet root=/dev/sda1 systemd.condition-needs-update=0 \"a b\"\n",
		"proc/self/status":  "Name:\tfuzz\nTracerPid:\t0\nCapBnd:\t000001ffffffffff\n",
		"proc/pressure/cpu": "some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n",
		"proc/pressure/io":  "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"proc/pressure/memory": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n" +
			"full avg10=5.50 avg60=0.00 avg300=0.00 total=0\n",
		"etc/os-release":     "ID=fuzz\nVERSION_ID=1.2\n",
		"etc/machine-id":     "0123456789abcdef0123456789abcdef\n",
		"var/lib/dir/file":   "x",
		"usr/lib/.hidden":    "",
		"sys/class/dmi/id/x": "QEMU\n",
	} {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	return root
}

// FuzzConditionParameter tests arbitrary parameters of every condition
// type on a fake machine: testing must not fail other than with a
// verdict, and must say the same twice. Seeds: the conditions of the
// corpus's unit files.
func FuzzConditionParameter(f *testing.F) {
	for _, c := range corpusConditions(f) {
		f.Add(c[0], c[1])
	}
	for _, t := range Types() {
		f.Add(t.ConditionName(), "")
		f.Add(t.AssertName(), "|!x")
	}
	root := fuzzRoot(f)
	host := Host{Root: root, Environ: []string{"FOO=bar", "SYSTEMD_IN_INITRD=0"}, Kernel: fuzzKernel{}}
	f.Fuzz(func(t *testing.T, name, param string) {
		if len(param) > 256 {
			return // patterns with many braces expand exponentially
		}
		c := Condition{Type: name}
		if c.Trigger = strings.HasPrefix(param, "|"); c.Trigger {
			param = param[1:]
		}
		if c.Negate = strings.HasPrefix(param, "!"); c.Negate {
			param = param[1:]
		}
		if typ, _, ok := ParseName(name); ok && typ.TakesPath() && !strings.HasPrefix(param, "/") {
			param = "/" + param
		}
		c.Parameter = param
		v1 := New(host).Test(c)
		v2 := New(host).Test(c)
		if v1.Result != v2.Result || v1.Message() != v2.Message() {
			t.Fatalf("%s=%s: %s, then %s", name, param, v1.Message(), v2.Message())
		}
		if v1.Result == Untested || (v1.Result == Error) != (v1.Err != nil) {
			t.Fatalf("%s=%s: result %s with error %v", name, param, v1.Result, v1.Err)
		}
		if _, _, ok := ParseName(name); !ok && v1.Result != Error {
			t.Fatalf("unknown type %q tested as %s", name, v1.Result)
		}
	})
}

// FuzzFuzzVersionCompare checks that versions are ordered: comparing is
// antisymmetric and a version equals itself.
func FuzzVersionCompare(f *testing.F) {
	for _, a := range versions {
		f.Add(a, "1.2")
	}
	for _, c := range corpusConditions(f) {
		if strings.HasSuffix(c[0], "KernelVersion") || strings.HasSuffix(c[0], "OSRelease") {
			f.Add(c[1], "6.1")
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if version.Compare(a, a) != 0 {
			t.Fatalf("%q differs from itself", a)
		}
		if x, y := version.Compare(a, b), version.Compare(b, a); x != -y {
			t.Fatalf("version.Compare(%q, %q) = %d, reversed %d", a, b, x, y)
		}
	})
}

// FuzzFnmatch checks patterns of any shape: every string matches itself
// with its special characters escaped, and "*" matches anything.
func FuzzFnmatch(f *testing.F) {
	for _, p := range fnmatchPatterns {
		f.Add(p, "abc")
	}
	for _, c := range corpusConditions(f) {
		if strings.HasSuffix(c[0], "Glob") || strings.HasSuffix(c[0], "Host") {
			f.Add(c[1], c[1])
		}
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		for _, flags := range []int{0, fnmCasefold, fnmPeriod, fnmPathname | fnmPeriod, fnmNoEscape} {
			if _, err := fnmatch(pattern, s, flags); err != nil {
				t.Fatal(err)
			}
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if strings.IndexByte("*?[\\", s[i]) >= 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		if ok, _ := fnmatch(b.String(), s, 0); !ok {
			t.Fatalf("%q does not match its escaped form %q", s, b.String())
		}
		if ok, _ := fnmatch("*", s, 0); !ok {
			t.Fatalf("* does not match %q", s)
		}
	})
}
