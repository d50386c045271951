package analyze

import (
	"os"
	"os/exec"
	"sort"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// runGenerators is manager_run_generators for verify --generators: the
// generators of the scope run side by side, writing into the temporary
// generator directories of lp, which stay in the search path only if
// they got something.
func (v *verifier) runGenerators(lp *unitpath.LookupPaths, sc unitpath.Scope) {
	dirs, err := unitpath.GeneratorBinaryPaths(sc, nil)
	if err != nil {
		return
	}
	any := false
	for _, d := range dirs {
		if unix.Access(d, unix.F_OK) == nil {
			any = true
		}
	}
	if !any {
		return
	}
	for _, d := range []string{lp.Generator, lp.GeneratorEarly, lp.GeneratorLate} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			v.log.Log(logging.Err, locManager+":3809", "Failed to create generator directories: %s", logging.Strerror(err))
			v.trimGenerators(lp)
			return
		}
	}
	env := append(os.Environ(), "SYSTEMD_SCOPE="+map[bool]string{true: "system", false: "user"}[sc == unitpath.System])
	if sc == unitpath.System {
		env = append(env, "SYSTEMD_IN_INITRD=0")
	}
	if _, err := os.Stat("/.dockerenv"); err == nil {
		env = append(env, "SYSTEMD_VIRTUALIZATION=container:docker")
	}
	env = append(env, "SYSTEMD_ARCHITECTURE=x86-64")
	var wg sync.WaitGroup
	old := syscall.Umask(0o022)
	for _, p := range executables(dirs) {
		// $SYSTEMD_EXEC_PID is the generator's own PID, which only the
		// process itself knows before it execs: a shell sets it.
		cmd := exec.Command("/bin/sh", "-c", `SYSTEMD_EXEC_PID=$$; export SYSTEMD_EXEC_PID; exec "$0" "$@"`,
			p, lp.Generator, lp.GeneratorEarly, lp.GeneratorLate)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = v.r.stdio.Err, v.r.stdio.Err
		if err := cmd.Start(); err != nil {
			v.log.Log(logging.Err, "src/shared/exec-util.c:61", "Failed to execute %s: %s", p, logging.Strerror(errnoOf(err)))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); ok {
				ws := ee.Sys().(syscall.WaitStatus)
				if ws.Signaled() {
					v.log.Log(logging.Err, "src/basic/process-util.c:808", "%s terminated by signal %s.", p, unix.SignalName(ws.Signal()))
				} else {
					v.log.Log(logging.Err, "src/basic/process-util.c:804", "%s failed with exit status %d.", p, ws.ExitStatus())
				}
			}
		}()
	}
	wg.Wait()
	syscall.Umask(old)
	v.trimGenerators(lp)
}

// trimGenerators is lookup_paths_trim_generator: empty generator
// directories leave the search path.
func (v *verifier) trimGenerators(lp *unitpath.LookupPaths) {
	var out []string
	for _, p := range lp.SearchPath {
		if p == lp.Generator || p == lp.GeneratorEarly || p == lp.GeneratorLate {
			if entries, err := os.ReadDir(p); err != nil || len(entries) == 0 {
				continue
			}
		}
		out = append(out, p)
	}
	lp.SearchPath = out
}

// executables is conf_files_list_strv for executables: the regular
// executable files of dirs, the first of each name winning, masks
// (empty files, symlinks to /dev/null) hiding the name, hidden and
// backup files left out, sorted by name.
func executables(dirs []string) []string {
	byName := map[string]string{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			n := e.Name()
			if _, seen := byName[n]; seen || unitname.HiddenOrBackup(n) {
				continue
			}
			p := d + "/" + n
			st, err := os.Stat(p)
			if err != nil {
				continue
			}
			if st.Mode()&os.ModeCharDevice != 0 || st.Mode().IsRegular() && st.Size() == 0 {
				byName[n] = "" // masked
				continue
			}
			if !st.Mode().IsRegular() || unix.Access(p, unix.X_OK) != nil {
				continue
			}
			byName[n] = p
		}
	}
	var names []string
	for n, p := range byName {
		if p != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out
}
