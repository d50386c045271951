package unit

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gosystemd/corpus"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// newQueue is a load queue over the host's system unit path with dirs
// in front, as systemd-analyze verify sets it up.
func newQueue(t testing.TB, dirs []string, log func(*Unit, Diagnostic)) *LoadQueue {
	env := func(name string) (string, bool) {
		if name == "SYSTEMD_UNIT_PATH" {
			return strings.Join(dirs, ":") + ":", true
		}
		return os.LookupEnv(name)
	}
	lp, err := unitpath.Init(unitpath.System, unitpath.Options{Flags: unitpath.ExcludeGenerated, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoader(NewDefaults())
	l.FilesOnly = true
	return &LoadQueue{Loader: l, Paths: lp, Log: log}
}

// TestLoadQueueOrder loads units that pull in others, each with a
// message of its own, and compares the order of the messages with the
// order in which systemd 252 (`systemd-analyze verify`) logs them.
func TestLoadQueueOrder(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze (systemd 252) is needed for this test: %v", err)
	}
	dir := t.TempDir()
	const svc = "[Service]\nExecStart=/bin/true\n"
	files := map[string]string{
		"a.service":  "[Unit]\nWants=b.service c.service\nAfter=d.service\nRequires=e.socket\n" + svc + "WarnA=1\n",
		"b.service":  "[Unit]\nWants=f.service\n" + svc + "WarnB=1\n",
		"c.service":  svc + "WarnC=1\n",
		"d.service":  "[Unit]\nBefore=b.service\n" + svc + "WarnD=1\n",
		"e.socket":   "[Socket]\nListenStream=/run/e.sock\nWarnE=1\n",
		"e.service":  svc + "WarnEs=1\n",
		"f.service":  "[Unit]\nRequires=g.service\n" + svc + "WarnF=1\n",
		"g.service":  svc + "WarnG=1\n",
		"h.service":  "[Unit]\nWants=a.service i@x.service\n" + svc + "WarnH=1\n",
		"i@.service": svc + "WarnI=%i\n",
		"j.timer":    "[Timer]\nOnCalendar=daily\nWarnJ=1\n",
		"j.service":  svc + "WarnJs=1\n",
		"k.slice":    "[Slice]\nWarnK=1\n",
		"l.service":  svc + "Slice=k.slice\nWarnL=1\n",
	}
	var args []string
	for name, text := range files {
		if text == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	roots := []string{"h.service", "l.service", "j.timer", "c.service"}
	for _, r := range roots {
		args = append(args, filepath.Join(dir, r))
	}
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no", "--generators=no"}, args...)...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=info", "SYSTEMD_LOG_COLOR=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	var real []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, dir) {
			real = append(real, line)
		}
	}

	var ours []string
	q := newQueue(t, []string{dir}, func(u *Unit, d Diagnostic) {
		if d.Level <= LevelInfo && strings.HasPrefix(d.File, dir) {
			ours = append(ours, Message(d))
		}
	})
	for _, r := range roots {
		if _, err := q.Load(r); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(ours, "\n") != strings.Join(real, "\n") {
		t.Errorf("messages differ\nsystemd:\n  %s\nours:\n  %s", strings.Join(real, "\n  "), strings.Join(ours, "\n  "))
	}
	if len(real) < 10 {
		t.Errorf("systemd logged too little to compare:\n%s", stderr.String())
	}
}

// corpusUnitDirs lists the directories of the corpus that hold units, and
// the units in them.
func corpusUnitDirs(tb testing.TB) (dirs, names []string) {
	files, err := corpus.Files(corpus.Root())
	if err != nil {
		tb.Fatal(err)
	}
	seenDir, seenName := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		dir, name := filepath.Dir(f), filepath.Base(f)
		if strings.HasSuffix(dir, ".d") || !unitname.IsValid(name, unitname.Any) {
			continue
		}
		if !seenDir[dir] {
			seenDir[dir] = true
			dirs = append(dirs, dir)
		}
		if unitname.IsValid(name, unitname.Template) {
			name, _ = unitname.ReplaceInstance(name, "i")
		}
		if !seenName[name] {
			seenName[name] = true
			names = append(names, name)
		}
	}
	return dirs, names
}

// BenchmarkCorpusLoad is the loading pipeline alone: a fresh load queue
// over the host's unit path with every corpus directory in front loads
// every corpus unit and all it pulls in (name map, files, parsing,
// load-time rules, dependencies).
func BenchmarkCorpusLoad(b *testing.B) {
	dirs, names := corpusUnitDirs(b)
	loaded := 0
	b.ReportAllocs()
	for b.Loop() {
		q := newQueue(b, dirs, nil)
		for _, n := range names {
			if _, err := q.Load(n); err != nil {
				b.Fatal(err)
			}
		}
		q.Finish()
		loaded = len(q.Units())
	}
	b.ReportMetric(float64(loaded), "units/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(loaded), "ns/unit")
}
