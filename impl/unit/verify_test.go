package unit

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosystemd/impl/unitname"
)

// loadStateLine is verify's complaint about a unit that did not load
// (the manager's D-Bus error for it), naming the unit.
var loadStateLine = regexp.MustCompile(`^Unit (\S+) (not found\.|has a bad unit file setting\.|is masked\.|failed to load properly, please adjust/correct and reload service manager: .*)$`)

// verifyOnly matches what `systemd-analyze verify` logs beyond loading:
// its own checks of the loaded units, which are not the loader's.
var verifyOnly = regexp.MustCompile(`: (Command .* is not executable: |Failed to create .*/start: |service unit for the socket cannot be loaded: |service .* not loaded, socket cannot be started\.$|Can't show |Command 'man |Found ordering cycle on |Found dependency on |Job .* deleted to break ordering cycle |Unable to break cycle |Cannot add dependency job, ignoring: )`)

// warningCase is one unit file of the warnings comparison.
type warningCase struct {
	origin string // the directive tested, or the file's directory
	file   string // the file's name
	text   string
}

// name is the unit verify loads: templates as instance "i".
func (c warningCase) name() string {
	if unitname.IsValid(c.file, unitname.Template) {
		n, _ := unitname.ReplaceInstance(c.file, "i")
		return n
	}
	return c.file
}

// warningCases are the sample units of every directive
// (testdata/sample-units.txt) and the unit files of testdata/warnings
// (written for this test, to reach the load-time checks).
func warningCases(t *testing.T) []warningCase {
	cases := readSampleUnits(t)
	files, err := os.ReadDir("testdata/warnings")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata/warnings", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, warningCase{"testdata/warnings", f.Name(), string(data)})
	}
	return cases
}

// TestWarningsMatchSystemd loads sample units with bad values into
// systemd 252 (`systemd-analyze verify`) and into our loader, and
// compares the messages about each unit, in order.
func TestWarningsMatchSystemd(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze (systemd 252) is needed for this test: %v", err)
	}
	if out, err := exec.Command(analyze, "--version").Output(); err != nil || !bytes.HasPrefix(out, []byte("systemd 252 ")) {
		t.Skipf("systemd-analyze is not systemd 252: %q", out)
	}
	dir := t.TempDir()
	cases := warningCases(t)
	args := []string{"verify", "--man=no", "--generators=no"}
	for _, c := range cases {
		p := filepath.Join(dir, c.file)
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	cmd := exec.Command(analyze, args...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=info", "SYSTEMD_LOG_COLOR=0", "SYSTEMD_LOG_LOCATION=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // verify exits non-zero when any unit has errors
	real := map[string][]string{}
	owner := map[string]string{}
	for _, c := range cases {
		owner[c.name()] = c.name()
		owner[filepath.Join(dir, c.file)] = c.name()
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if verifyOnly.MatchString(line) {
			continue
		}
		if m := loadStateLine.FindStringSubmatch(line); m != nil && owner[m[1]] != "" {
			real[owner[m[1]]] = append(real[owner[m[1]]], line)
			continue
		}
		head, _, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if i := strings.LastIndexByte(head, ':'); i > 0 && owner[head] == "" {
			head = head[:i]
		}
		if n := owner[head]; n != "" {
			real[n] = append(real[n], line)
		} else {
			t.Logf("unowned: %s", line)
		}
	}
	same, lines := 0, 0
	for _, c := range cases {
		l := NewLoader(NewDefaults())
		u := l.Load(c.name(), &File{Path: filepath.Join(dir, c.file), Data: []byte(c.text)}, nil)
		var ours []string
		for _, d := range u.Diagnostics {
			if d.Level <= LevelInfo {
				ours = append(ours, Message(d))
			}
		}
		if _, msg := u.ValidateLoadState(); msg != "" {
			ours = append(ours, msg)
		}
		lines += len(real[c.name()])
		if strings.Join(ours, "\n") == strings.Join(real[c.name()], "\n") {
			same++
			continue
		}
		t.Errorf("%s (%s):\n%s\nsystemd:\n  %s\nours:\n  %s", c.origin, c.name(), c.text,
			strings.Join(real[c.name()], "\n  "), strings.Join(ours, "\n  "))
	}
	t.Logf("messages identical for %d of %d sample units (%d messages from systemd)", same, len(cases), lines)
}
