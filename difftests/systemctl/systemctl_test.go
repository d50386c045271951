package systemctl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

const (
	realSystemctl = oracle.OracleBin + "/systemctl"
	// ourSystemctl is our multicall binary, called as systemctl.
	ourSystemctl = "/usr/local/lib/gosd/systemctl"
	ourBinary    = "/usr/local/lib/gosd/gosystemd"
)

func unitFile(name, text string) oracle.File {
	return oracle.File{Path: "/etc/systemd/system/" + name, Data: []byte(text)}
}

// files are the units the commands act on.
var files = []oracle.File{
	unitFile("gosd-sc-ok.service", "[Unit]\nDescription=succeeds\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-fail.service", "[Unit]\nDescription=fails\n[Service]\nType=oneshot\nExecStart=/bin/false\n"),
	unitFile("gosd-sc-dep.service", "[Unit]\nDescription=needs a failing unit\nRequires=gosd-sc-fail.service\nAfter=gosd-sc-fail.service\n[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-simple.service", "[Unit]\nDescription=runs\n[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n"),
	unitFile("gosd-sc-slow.service", "[Unit]\nDescription=starts slowly\n[Service]\nType=oneshot\nExecStart=/bin/sleep 3\n"),
	unitFile("gosd-sc-sock.socket", "[Socket]\nListenStream=/run/gosd-sc.sock\n"),
	unitFile("gosd-sc-sock.service", "[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-sc-signal.service", "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'kill -TERM $$$$'\n"),
	unitFile("gosd-sc-assert.service", "[Unit]\nAssertPathExists=/nonexistent\n[Service]\nExecStart=/bin/true\n"),
	unitFile("gosd-sc-once.target", "[Unit]\nDescription=a target\n"),
	{Path: "/etc/systemd/system/gosd-sc-masked.service", Symlink: "/dev/null"},
}

// commands are systemctl's arguments, in order; "!sh ..." runs a shell
// command in the guest (its output is compared too), where @SYSTEMCTL@
// stands for the side's systemctl.
var commands = [][]string{
	{"is-active", "gosd-sc-ok.service"},
	{"is-failed", "gosd-sc-ok.service"},
	{"start", "gosd-sc-ok.service"},
	{"is-active", "gosd-sc-ok.service"},
	{"is-active", "gosd-sc-ok"},
	{"--quiet", "is-active", "gosd-sc-ok.service"},
	{"start", "gosd-sc-fail.service"},
	{"is-failed", "gosd-sc-fail.service"},
	{"is-active", "gosd-sc-fail.service", "gosd-sc-ok.service"},
	{"check", "gosd-sc-ok.service"},
	{"start", "gosd-sc-dep.service"},
	{"start", "nonexistent-gosd.service"},
	{"start", "gosd-sc-masked.service"},
	{"try-restart", "gosd-sc-masked.service"},
	{"start", "gosd-sc-signal.service"},
	{"start", "gosd-sc-assert.service"},
	{"reload", "gosd-sc-ok.service"},
	{"reload", "gosd-sc-simple.service"},
	{"start", "gosd-sc-simple.service"},
	{"reload", "gosd-sc-simple.service"},
	{"restart", "gosd-sc-simple.service"},
	{"try-restart", "gosd-sc-simple.service"},
	{"reload-or-restart", "gosd-sc-simple.service"},
	{"try-reload-or-restart", "gosd-sc-simple.service"},
	{"is-active", "gosd-sc-simple.service"},
	{"is-active", "gosd-sc-simp*"},
	{"start", "gosd-sc-simp*"},
	{"kill", "gosd-sc-simple.service"},
	{"kill", "nonexistent-gosd.service"},
	{"--kill-whom=main", "--signal=KILL", "kill", "gosd-sc-simple.service"},
	{"!sh", "sleep 0.5"},
	{"is-active", "gosd-sc-simple.service"},
	{"is-failed", "gosd-sc-simple.service"},
	{"reset-failed", "gosd-sc-simple.service"},
	{"is-failed", "gosd-sc-simple.service"},
	{"start", "gosd-sc-sock.socket"},
	{"start", "gosd-sc-sock.service"},
	{"stop", "gosd-sc-sock.service"},
	{"--quiet", "stop", "gosd-sc-sock.service"},
	{"stop", "gosd-sc-sock.socket"},
	{"--no-block", "start", "gosd-sc-slow.service"},
	{"!sh", "sleep 0.5"}, // the job runs: not a race with its start
	{"is-active", "gosd-sc-slow.service"},
	{"stop", "gosd-sc-slow.service"},
	{"isolate", "gosd-sc-ok.service"},
	{"isolate", "gosd-sc-once"},
	{"start", "gosd-sc-once"},
	{"!sh", "echo '# changed' >> /etc/systemd/system/gosd-sc-ok.service"},
	{"restart", "gosd-sc-ok.service"},
	{"daemon-reload"},
	{"restart", "gosd-sc-ok.service"},
	{"stop", "gosd-sc-ok.service", "gosd-sc-fail.service"},
	{"reset-failed"},
	{"is-failed", "gosd-sc-fail.service", "gosd-sc-dep.service"},
	{"start", "gosd sc/odd name"},
	{"is-active"},
	{"is-active", "-.mount", "--", "-.slice"},
	{"--job-mode=fail", "start", "gosd-sc-ok.service"},
	{"--job-mode=bogus", "start", "gosd-sc-ok.service"},
	{"--dry-run", "start", "gosd-sc-fail.service"},
	{"--wait", "stop", "gosd-sc-ok.service"},
	{"daemon-reload", "extra"},
}

// step is one observation: what a command printed and how it exited.
type step struct{ label, text string }

func TestSystemctlMatchesSystemd(t *testing.T) {
	compareSides(t, files, commands)
}

// compareSides runs commands in three containers booted with the unit
// files: real systemctl on real PID 1, ours on real PID 1 and ours on our
// PID 1, and fails on every command whose output differs from the first.
func compareSides(t *testing.T, files []oracle.File, commands [][]string) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	binary, err := os.ReadFile(filepath.Join(h.GoTree, "usr/lib/systemd/systemd"))
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]oracle.File{}, files...),
		oracle.File{Path: ourBinary, Data: binary, Mode: 0o755},
		oracle.File{Path: ourSystemctl, Symlink: "gosystemd"})
	sides := []struct {
		label     string
		impl      oracle.Impl
		systemctl string
		steps     []step
		err       error
	}{
		{label: "real systemctl, real PID 1", impl: oracle.Real, systemctl: realSystemctl},
		{label: "our systemctl, real PID 1", impl: oracle.Real, systemctl: ourSystemctl},
		{label: "our systemctl, our PID 1", impl: oracle.Go, systemctl: ourSystemctl},
	}
	var wg sync.WaitGroup
	for i := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &sides[i]
			s.steps, s.err = observe(h, s.impl, fmt.Sprintf("%s-%d", t.Name(), i), s.systemctl, all, commands)
		}()
	}
	wg.Wait()
	for _, s := range sides {
		if s.err != nil {
			t.Fatalf("%s: %v", s.label, s.err)
		}
	}
	if dir := os.Getenv("SYSTEMCTL_DUMP"); dir != "" {
		for i, s := range sides {
			var b strings.Builder
			for _, st := range s.steps {
				b.WriteString(st.text)
			}
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-side%d.txt", t.Name(), i)), []byte(b.String()), 0o644)
		}
	}
	want := sides[0]
	for _, s := range sides[1:] {
		same := 0
		for i, w := range want.steps {
			g := s.steps[i]
			if w.text == g.text {
				same++
				continue
			}
			t.Errorf("%s: %s differs from %s:\n%s", s.label, w.label, want.label, oracletest.LineDiff(w.text, g.text))
		}
		t.Logf("%s: %d of %d commands identical to %s", s.label, same, len(want.steps), want.label)
	}
}

func observe(h *oracle.Harness, impl oracle.Impl, name, systemctl string, files []oracle.File, commands [][]string) ([]step, error) {
	cfg := oracle.Config{Name: name, Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute, Files: files}
	if impl == oracle.Go {
		cfg.GoTree = h.GoTree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	var steps []step
	for _, args := range commands {
		argv := append([]string{systemctl}, args...)
		if args[0] == "!sh" {
			argv = []string{"/bin/sh", "-c", strings.ReplaceAll(args[1], "@SYSTEMCTL@", systemctl)}
		}
		if args[0] == "!nobody" {
			argv = append([]string{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", systemctl}, args[1:]...)
		}
		if c, ok := strings.CutPrefix(args[0], "!drop="); ok {
			// Root without one capability.
			argv = append([]string{"/usr/bin/setpriv", "--bounding-set=-" + c, "--inh-caps=-" + c, systemctl}, args[1:]...)
		}
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		r := sb.Exec(cctx, argv, nil)
		ccancel()
		label := strings.Join(args, " ")
		text := fmt.Sprintf("$ %s\n%s", label, r.Stdout)
		if len(r.Stderr) > 0 {
			text += "[stderr]\n" + string(r.Stderr)
		}
		text += fmt.Sprintf("[exit %d]\n", r.Exit)
		// Messages naming the program (argv[0]) name it as real's.
		text = strings.ReplaceAll(text, ourSystemctl, realSystemctl)
		// Messages naming the program (argv[0]) name it as real's.
		text = strings.ReplaceAll(text, ourSystemctl, realSystemctl)
		steps = append(steps, step{label: label, text: oracle.Normalize(text)})
	}
	if _, err := sb.Poweroff(ctx); err != nil {
		return steps, fmt.Errorf("poweroff: %v", err)
	}
	return steps, nil
}
