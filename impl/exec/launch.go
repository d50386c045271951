package exec

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ToolName is the name the executor runs under in the multicall binary:
// Start runs Options.Executable with argv [ProcessName(path), ToolName,
// spec fd, status fd].
const ToolName = "systemd-executor"

// Files are the manager's fds a command gets.
type Files struct {
	// Pass are the socket fds, then the storage fds, in Spec.FDNames
	// order; the command finds them at 3, 4, ...
	Pass []*os.File
	// Stdin, Stdout and Stderr are ExecParameters' stdin_fd, stdout_fd
	// and stderr_fd; nil when absent.
	Stdin, Stdout, Stderr *os.File
	// ManagerStdio is the executor's own fds 0, 1, 2: what "inherit"
	// means when the manager is not PID 1. nil entries are /dev/null.
	ManagerStdio [3]*os.File
}

// Options control how the executor process is started.
type Options struct {
	// Executable is our own binary; empty means /proc/self/exe.
	Executable string
	// CgroupFD, when > 0, is an O_PATH or directory fd of the cgroup the
	// process is created in (clone3 CLONE_INTO_CGROUP).
	CgroupFD int
	// Env is the manager's environment, which PassEnvironment= reads
	// from. nil means os.Environ().
	Env []string
}

// Child is a started executor.
type Child struct {
	Pid    int
	status *os.File
}

// Start starts the executor for s. The caller owns reaping: it must be
// ready to attribute the PID's exit before calling Start.
func Start(s *Spec, files Files, opts Options) (*Child, error) {
	exe := opts.Executable
	if exe == "" {
		exe = "/proc/self/exe"
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}

	var table []uintptr
	var toClose []*os.File
	defer func() {
		for _, f := range toClose {
			f.Close()
		}
	}()
	for i := 0; i < 3; i++ {
		f := files.ManagerStdio[i]
		if f == nil {
			null, err := devNull()
			if err != nil {
				return nil, fmt.Errorf("opening /dev/null: %w", err)
			}
			f = null
		}
		table = append(table, rawFD(f))
	}
	for _, f := range files.Pass {
		table = append(table, rawFD(f))
	}

	spec := *s
	spec.ManagerEnvironment = managerVariables(env, s.PassEnvironment)
	spec.FDs = Layout{NPass: len(files.Pass), Stdin: -1, Stdout: -1, Stderr: -1}
	specFD := len(table)
	table = append(table, 0) // filled below
	statusFD := len(table)
	table = append(table, 0)
	spec.FDs.Status = statusFD
	for _, x := range []struct {
		f  *os.File
		fd *int
	}{{files.Stdin, &spec.FDs.Stdin}, {files.Stdout, &spec.FDs.Stdout}, {files.Stderr, &spec.FDs.Stderr}} {
		if x.f != nil {
			*x.fd = len(table)
			table = append(table, rawFD(x.f))
		}
	}

	memfd, err := specMemfd(marshalWire(&spec))
	if err != nil {
		return nil, err
	}
	toClose = append(toClose, memfd)
	table[specFD] = rawFD(memfd)

	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating status pipe: %w", err)
	}
	toClose = append(toClose, w)
	table[statusFD] = rawFD(w)

	argv := []string{ProcessName(s.Path), ToolName, strconv.Itoa(specFD), strconv.Itoa(statusFD)}
	attr := &syscall.ProcAttr{Env: executorEnv, Files: table, Sys: &syscall.SysProcAttr{}}
	if opts.CgroupFD > 0 {
		attr.Sys.UseCgroupFD = true
		attr.Sys.CgroupFD = opts.CgroupFD
	}
	pid, err := syscall.ForkExec(exe, argv, attr)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("starting executor for %s: %w", s.Path, err)
	}
	return &Child{Pid: pid, status: r}, nil
}

// devNull is /dev/null, opened once for every executor's missing stdio.
var devNull = sync.OnceValues(func() (*os.File, error) { return os.OpenFile("/dev/null", os.O_RDWR, 0) })

// executorEnv is the executor's own environment: one processor for its
// runtime, which then starts fewer threads (a tenth of its start-up
// cost); the manager's variables it needs travel in the Spec.
var executorEnv = []string{"GOMAXPROCS=1"}

// managerVariables picks from env the variables the executor reads: the
// names PassEnvironment= lists, HOME and TERM.
func managerVariables(env, pass []string) []string {
	var out []string
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if ok && (name == "HOME" || name == "TERM" || slices.Contains(pass, name)) {
			out = append(out, kv)
		}
	}
	return out
}

// lookupManagerEnv is getenv(3) in the manager's environment.
func (s *Spec) lookupManagerEnv(name string) (string, bool) {
	for _, kv := range s.ManagerEnvironment {
		if n, v, ok := strings.Cut(kv, "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}

// specMemfd puts the encoded spec into a sealed memfd.
func specMemfd(data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("exec-spec", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("creating spec memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "exec-spec")
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing spec memfd: %w", err)
	}
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	return f, nil
}

// Report waits for the status pipe to close (at execve or exit) and
// returns what the executor said. It does not reap the process.
func (c *Child) Report() (Report, error) {
	defer c.status.Close()
	return ReadReport(c.status)
}

// rawFD is f's descriptor, without the side effect of os.File.Fd (which
// would make a socket the manager polls blocking).
func rawFD(f *os.File) uintptr {
	var fd uintptr
	if sc, err := f.SyscallConn(); err == nil {
		_ = sc.Control(func(d uintptr) { fd = d })
	}
	return fd
}
