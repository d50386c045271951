package unitshow

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// loadStateLine is verify's complaint about a unit that did not load
// (the manager's D-Bus error for it), naming the unit.
var loadStateLine = regexp.MustCompile(`^Unit (\S+) (not found\.|has a bad unit file setting\.|is masked\.|failed to load properly, please adjust/correct and reload service manager: .*)$`)

// verifyOnly matches what `systemd-analyze verify` logs beyond loading
// units: its own checks and the start jobs it tries.
var verifyOnly = regexp.MustCompile(`: (Command .* is not executable: |Failed to create .*/start: |service unit for the socket cannot be loaded: |service .* not loaded, socket cannot be started\.$|Can't show |Command 'man |Found ordering cycle on |Found dependency on |Job .* deleted to break ordering cycle |Unable to break cycle |Cannot add dependency job, ignoring: )`)

// TestCorpusWarnings loads every corpus system unit into the host's
// systemd 252 (`systemd-analyze verify`, which needs no root) and into
// our loader, and compares the messages about each unit. Templates are
// loaded as instance "i", as verify does.
func TestCorpusWarnings(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze (systemd 252) is needed for this test: %v", err)
	}
	if out, err := exec.Command(analyze, "--version").Output(); err != nil || !bytes.HasPrefix(out, []byte("systemd 252 ")) {
		t.Skipf("systemd-analyze is not systemd 252: %q", out)
	}
	units, _ := collectCorpus(t, "/nonexistent")
	// Templates go to a second run: verify's socket checks load
	// instances of them, which would log about the template files again.
	var plain, templates []*corpusUnit
	for _, u := range units {
		if unitname.IsValid(u.name, unitname.Template) {
			templates = append(templates, u)
		} else {
			plain = append(plain, u)
		}
	}
	real := map[string][]string{}
	loadName := map[*corpusUnit]string{}
	for _, group := range [][]*corpusUnit{plain, templates} {
		verifyUnits(t, analyze, group, loadName, real)
	}
	same, withMessages, lines := 0, 0, 0
	for _, u := range units {
		name := loadName[u]
		l := unit.NewLoader(unit.NewDefaults())
		lu := l.Load(name, &unit.File{Path: u.path, Data: u.data}, u.dropins)
		var ours []string
		for _, d := range lu.Diagnostics {
			if d.Level <= unit.LevelInfo {
				ours = append(ours, unit.Message(d))
			}
		}
		if _, msg := lu.ValidateLoadState(); msg != "" {
			ours = append(ours, msg)
		}
		lines += len(real[name])
		if len(real[name]) > 0 {
			withMessages++
		}
		if strings.Join(ours, "\n") == strings.Join(real[name], "\n") {
			same++
			continue
		}
		t.Errorf("%s (%s):\nsystemd:\n  %s\nours:\n  %s", name, u.pkg,
			strings.Join(real[name], "\n  "), strings.Join(ours, "\n  "))
	}
	t.Logf("messages identical for %d of %d corpus units (%d with messages, %d messages from systemd)", same, len(units), withMessages, lines)
}

// verifyUnits installs units into a fresh directory, runs `systemd-analyze
// verify` on them and files its messages by unit name into real.
func verifyUnits(t *testing.T, analyze string, units []*corpusUnit, loadName map[*corpusUnit]string, real map[string][]string) {
	dir := t.TempDir()
	args := []string{"verify", "--man=no", "--generators=no"}
	owner := map[string]string{}
	for _, u := range units {
		p := filepath.Join(dir, u.name)
		if err := os.WriteFile(p, u.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for i, d := range u.dropins {
			dp := filepath.Join(dir, u.name+".d", filepath.Base(d.Path))
			if err := os.MkdirAll(filepath.Dir(dp), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dp, d.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			u.dropins[i].Path = dp
		}
		name := u.name
		if unitname.IsValid(name, unitname.Template) {
			name, _ = unitname.ReplaceInstance(name, "i")
		}
		u.path = p
		loadName[u] = name
		owner[name] = name
		owner[p] = name
		for _, d := range u.dropins {
			owner[d.Path] = name
		}
		args = append(args, p)
	}
	cmd := exec.Command(analyze, args...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=info", "SYSTEMD_LOG_COLOR=0", "SYSTEMD_LOG_LOCATION=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // verify exits non-zero when any unit has errors
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
		}
	}
}
