package analyze

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gosystemd/impl/cli"
	"gosystemd/impl/timeutil"
)

// The real systemd-analyze is our specification. Its "now" is pinned with
// libfaketime (Debian package faketime) so relative output ("From now:",
// "+5min", "today") is reproducible; our Main gets the same instant through
// the package's now hook.
const (
	realAnalyze = "/usr/bin/systemd-analyze"
	libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
	argv0       = realAnalyze
)

// testEnv is the environment one differential run uses. Variables not
// listed are unset for both tools.
type testEnv struct {
	// fakeTime is the frozen wall clock, "YYYY-MM-DD hh:mm:ss" in TZ.
	fakeTime string
	vars     map[string]string
}

var managedVars = []string{"TZ", "LANG", "LC_ALL", "LC_CTYPE", "LC_TIME", "LANGUAGE", "TZDIR",
	"SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_TARGET", "SYSTEMD_LOG_COLOR", "SYSTEMD_COLORS", "SYSTEMD_PAGER",
	"SYSTEMD_UTF8", "JOURNAL_STREAM", "POSIXLY_CORRECT", "COLUMNS"}

func requireTools(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realAnalyze); err != nil {
		t.Fatalf("real %s is missing (it ships with systemd 252): %v", realAnalyze, err)
	}
	if _, err := os.Stat(libfaketime); err != nil {
		t.Fatalf("%s is missing: install Debian's faketime package (apt-get install faketime); "+
			"the differential tests pin the real tool's clock with it: %v", libfaketime, err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

func runReal(t *testing.T, e testEnv, args []string) result {
	t.Helper()
	cmd := exec.Command(realAnalyze, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LD_PRELOAD=" + libfaketime,
		"FAKETIME=" + e.fakeTime, "FAKETIME_DONT_FAKE_MONOTONIC=1", "SYSTEMD_PAGER=cat"}
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running %s: %v", realAnalyze, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

var unixSecondsRe = regexp.MustCompile(`UNIX seconds: @(\d+)(?:\.(\d{6}))?`)

// frozenClocks caches the instant each fake time means under each TZ.
var frozenClocks = map[string]timeutil.Usec{}

// frozenNow asks the real tool which instant its faked clock shows.
func frozenNow(t *testing.T, e testEnv) timeutil.Usec {
	t.Helper()
	key := e.fakeTime + "|" + e.vars["TZ"]
	if v, ok := frozenClocks[key]; ok {
		return v
	}
	r := runReal(t, e, []string{"timestamp", "now"})
	m := unixSecondsRe.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("cannot read the faked clock from the real tool:\n%s", r)
	}
	sec, _ := strconv.ParseUint(m[1], 10, 64)
	usec, _ := strconv.ParseUint("0"+m[2], 10, 64)
	v := sec*timeutil.Sec + usec
	frozenClocks[key] = v
	return v
}

func runOurs(t *testing.T, e testEnv, args []string) result {
	t.Helper()
	clock := frozenNow(t, e)
	for _, k := range managedVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for k, v := range e.vars {
		os.Setenv(k, v)
	}
	saved := now
	now = func() timeutil.Usec { return clock }
	defer func() { now = saved }()
	var out, errb bytes.Buffer
	code := Main(append([]string{argv0}, args...), cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return result{out.String(), errb.String(), code}
}

// compare runs both tools on args and reports any difference; it returns
// whether they agreed.
func compare(t *testing.T, e testEnv, args []string) bool {
	t.Helper()
	want := runReal(t, e, args)
	got := runOurs(t, e, args)
	if want != got {
		t.Errorf("env %v %q, args %q differ\n=== systemd-analyze 252\n%s=== ours\n%s", e.vars, e.fakeTime, args, want, got)
		return false
	}
	return true
}

func batches(items []string, size int) [][]string {
	var out [][]string
	for len(items) > size {
		out = append(out, items[:size])
		items = items[size:]
	}
	if len(items) > 0 {
		out = append(out, items)
	}
	return out
}
