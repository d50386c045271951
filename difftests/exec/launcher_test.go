package exec

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/exec"
	"gosystemd/impl/exec/fromunit"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
	"gosystemd/oracle"
)

// launcherArg makes this binary the launcher: in the guest, it plays the
// part of PID 1 for the named units, one after the other, and prints a
// JSON array of launchResult.
const launcherArg = "gosd-exec-launch"

type launchResult struct {
	Unit   string
	Path   string
	Status string // exit status, as ExecMainStatus prints it
	Report exec.Report
	// InvocationID is the one the launcher gave the unit.
	InvocationID string
	Error        string
}

// launch runs in the guest.
func launch(units []string) int {
	runtime.LockOSThread()
	env, err := becomePID1()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	managerEnv, err := systemctlLines("show-environment")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	d := unit.NewDefaults()
	if err := realDefaultLimits(d); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var results []launchResult
	for _, name := range units {
		res, err := launchOne(d, name, managerEnv, env)
		if err != nil {
			res.Error = err.Error()
		}
		results = append(results, res)
	}
	b, _ := json.Marshal(results)
	os.Stdout.Write(b)
	return 0
}

func launchOne(d *unit.Defaults, name string, managerEnv, pid1Env []string) (launchResult, error) {
	res := launchResult{Unit: name}
	path := "/etc/systemd/system/" + name
	data, err := os.ReadFile(path)
	if err != nil {
		return res, err
	}
	l := unit.NewLoader(d)
	u := l.Load(name, &unit.File{Path: path, Data: data}, nil)
	l.Finish()
	if u.LoadState != unit.Loaded || u.Service == nil || len(u.Service.Exec[unit.ExecStart]) == 0 {
		return res, fmt.Errorf("%s: load state %s: %v", name, u.LoadState, u.LoadErr)
	}
	if na := fromunit.NotApplied(u); len(na) > 0 {
		return res, fmt.Errorf("%s sets directives the executor does not apply: %v", name, na)
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	invocation := hex.EncodeToString(id[:])
	res.InvocationID = invocation
	filesEnv, _, err := exec.LoadEnvironmentFiles(u.Exec.EnvironmentFiles)
	if err != nil {
		return res, err
	}
	var tmp, varTmp string
	if u.Exec.PrivateTmp {
		if tmp, varTmp, err = exec.MakePrivateTmp(name); err != nil {
			return res, err
		}
	}
	run := func(cmd fromunit.Command, env exec.CommandEnv) (exec.Report, syscall.WaitStatus, error) {
		s := fromunit.Spec(u, cmd)
		s.InvocationID = invocation
		s.Environment = exec.ServiceEnvironment(managerEnv, env)
		s.FilesEnvironment = filesEnv
		s.TmpDir, s.VarTmpDir = tmp, varTmp
		if out, ok := strings.CutSuffix(s.StdioFile[1], ".out"); ok {
			s.StdioFile[1] = out + ".ours"
		}
		var ws syscall.WaitStatus
		c, err := exec.Start(s, exec.Files{}, exec.Options{Env: pid1Env})
		if err != nil {
			return exec.Report{}, ws, err
		}
		rep, err := c.Report()
		if err != nil {
			return rep, ws, err
		}
		_, err = syscall.Wait4(c.Pid, &ws, 0, nil)
		return rep, ws, err
	}
	main := u.Service.Exec[unit.ExecStart][0]
	res.Path = main.Path
	rep, ws, err := run(fromunit.Command{ExecCommand: main}, exec.CommandEnv{})
	if err != nil {
		return res, err
	}
	res.Report, res.Status = rep, strconv.Itoa(ws.ExitStatus())
	// A oneshot service stops once ExecStart= is done: ExecStopPost= gets
	// the result.
	for _, cmd := range u.Service.Exec[unit.ExecStopPost] {
		result := &exec.ResultEnv{ServiceResult: "success", ExitCode: "exited", ExitStatus: res.Status}
		if ws.ExitStatus() != 0 {
			result.ServiceResult = "exit-code"
		}
		if _, _, err := run(fromunit.Command{ExecCommand: cmd, Control: true}, exec.CommandEnv{Result: result}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// becomePID1 gives this process the state the guest's PID 1 passes on to
// its children: umask, capability bounding set, resource limits, OOM
// score adjustment; it returns PID 1's environment.
func becomePID1() ([]string, error) {
	status, err := os.ReadFile("/proc/1/status")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "Umask":
			m, _ := strconv.ParseUint(v, 8, 32)
			unix.Umask(int(m))
		case "CapBnd":
			bnd, _ := strconv.ParseUint(v, 16, 64)
			for c := 0; c < 64; c++ {
				if bnd&(1<<c) == 0 {
					_ = unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
				}
			}
		}
	}
	oom, err := os.ReadFile("/proc/1/oom_score_adj")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile("/proc/self/oom_score_adj", oom, 0); err != nil {
		return nil, err
	}
	for r := 0; r < exec.RlimitMax; r++ {
		var lim unix.Rlimit
		if err := unix.Prlimit(1, r, nil, &lim); err != nil {
			return nil, err
		}
		if err := unix.Prlimit(0, r, &lim, nil); err != nil {
			return nil, fmt.Errorf("RLIMIT_%s: %w", exec.RlimitNames[r], err)
		}
	}
	environ, err := os.ReadFile("/proc/1/environ")
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(environ), "\x00"), "\x00"), nil
}

// realDefaultLimits sets d's limits to the real manager's DefaultLimit*=.
func realDefaultLimits(d *unit.Defaults) error {
	var props []string
	for _, n := range value.RlimitNames {
		props = append(props, "-p", "DefaultLimit"+n, "-p", "DefaultLimit"+n+"Soft")
	}
	lines, err := systemctlLines(append([]string{"show"}, props...)...)
	if err != nil {
		return err
	}
	vals := map[string]uint64{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		if v == "infinity" {
			vals[k] = value.RlimInfinity
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %w", l, err)
		}
		vals[k] = n
	}
	for i, n := range value.RlimitNames {
		d.Rlimits[i] = value.Rlimit{Cur: vals["DefaultLimit"+n+"Soft"], Max: vals["DefaultLimit"+n]}
	}
	return nil
}

func systemctlLines(args ...string) ([]string, error) {
	out, err := osexec.Command(oracle.OracleBin+"/systemctl", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("systemctl %v: %w", args, err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, nil
}
