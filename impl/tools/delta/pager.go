package delta

import (
	"os"
	"os/exec"
	"strconv"
	"strings"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
)

// pager is the running pager that standard output (and, as in systemd,
// standard error) goes to.
type pager struct {
	cmd  *exec.Cmd
	pipe *os.File
}

// openPager is pager_open: on a terminal (stdout and stderr both ttys,
// $TERM set and not "dumb"), unless --no-pager or $SYSTEMD_PAGER/$PAGER
// say "cat" or nothing, start a pager with systemd's $LESS settings.
func openPager(t *tool) {
	if t.noPager {
		return
	}
	outF, ok := t.stdio.Out.(*os.File)
	errF, ok2 := t.stdio.Err.(*os.File)
	if !ok || !ok2 || !term.IsTTY(outF) || !term.IsTTY(errF) {
		return
	}
	if e, ok := os.LookupEnv("TERM"); !ok || e == "dumb" {
		return
	}
	var args []string
	setting, explicit := os.LookupEnv("SYSTEMD_PAGER")
	if !explicit {
		setting, explicit = os.LookupEnv("PAGER")
	}
	if explicit {
		args = strings.Fields(setting)
		if len(args) == 0 || len(args) == 1 && args[0] == "cat" {
			return
		}
	}
	lessOpts, ok := os.LookupEnv("SYSTEMD_LESS")
	if !ok {
		lessOpts = "FRSXMK"
	}
	env := append(os.Environ(), "LESS="+lessOpts)
	if cs, ok := os.LookupEnv("SYSTEMD_LESSCHARSET"); ok {
		env = append(env, "LESSCHARSET="+cs)
	} else if term.LocaleIsUTF8() {
		env = append(env, "LESSCHARSET=utf-8")
	}
	secure, trusted := true, false
	if v, ok := os.LookupEnv("SYSTEMD_PAGERSECURE"); ok {
		if b := term.ParseBoolean(v); b >= 0 {
			secure, trusted = b == 1, true
		} else {
			t.log.Log(logging.Warning, "src/shared/pager.c:191", "Unable to parse $SYSTEMD_PAGERSECURE, assuming true: Invalid argument")
		}
	} else if uid, ok := ownerUID(); ok && uid == os.Geteuid() {
		secure = false
	}
	if secure {
		env = append(env, "LESSSECURE=1")
	} else {
		env = withoutVar(env, "LESSSECURE")
	}
	var candidates [][]string
	if trusted && args != nil {
		candidates = append(candidates, args)
	}
	for _, p := range []string{"pager", "less", "more"} {
		if !secure || p == "less" {
			candidates = append(candidates, []string{p})
		}
	}
	for _, c := range candidates {
		path, err := exec.LookPath(c[0])
		if err != nil {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			return
		}
		cmd := &exec.Cmd{Path: path, Args: c, Env: env, Stdin: r, Stdout: outF, Stderr: errF}
		if err := cmd.Start(); err != nil {
			r.Close()
			w.Close()
			continue
		}
		r.Close()
		t.pager = &pager{cmd: cmd, pipe: w}
		t.out.Redirect(w)
		t.stdout, t.stderr = w, w
		t.log.SetStderr(w)
		return
	}
	// Without a pager systemd copies the output through unchanged.
}

// closePager ends the pager's input and waits for it.
func closePager(t *tool) {
	if t.pager == nil {
		return
	}
	t.out.Flush()
	t.pager.pipe.Close()
	t.pager.cmd.Wait()
	t.stdout, t.stderr = t.stdio.Out, t.stdio.Err
	t.log.SetStderr(t.stdio.Err)
	t.pager = nil
}

// ownerUID is sd_pid_get_owner_uid for this process: the user whose
// "user-UID.slice" our cgroup lies in.
func ownerUID() (int, bool) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "0::") {
			continue
		}
		for _, comp := range strings.Split(line[3:], "/") {
			if n, ok := strings.CutPrefix(comp, "user-"); ok {
				if n, ok = strings.CutSuffix(n, ".slice"); ok {
					if uid, err := strconv.Atoi(n); err == nil {
						return uid, true
					}
				}
			}
		}
	}
	return 0, false
}

func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
