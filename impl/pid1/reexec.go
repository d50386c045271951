package pid1

// daemon-reexec, the daemon's side (252's prepare_reexecute and
// do_reexecute in main.c, and --deserialize=FD on the way back in):
//
//	old process                              new process
//	Run returns (ObjectiveReexecute)
//	copies of the private socket, its
//	clients, the notification socket,
//	units' fds (FDSet, no close-on-exec)
//	state → memfd "systemd-state"
//	"Reexecuting."; rlimits as at boot
//	execve(self, --system --deserialize=N) ─▶ fds found open, close-on-exec set
//	                                         notify and private sockets taken up
//	                                         units loaded, state restored (loop)
//	                                         fds nobody claimed closed: the old
//	                                         clients see their connection end
//
// If the exec fails the old process goes on running, and the callers of
// Reexecute get an error.

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gosystemd/impl/bus"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/dbusapi"
)

// guardSignals keeps the signals the Go runtime would die of (and PID 1
// with it) caught from the very start, before the manager's loop notes
// them: one arriving while the process starts, or starts anew after
// daemon-reexec, is dropped instead. 252 blocks them until its loop
// reads them.
func guardSignals() {
	signal.Notify(make(chan os.Signal, 1), unix.SIGHUP, unix.SIGINT, unix.SIGTERM, unix.SIGQUIT,
		unix.SIGUSR1, unix.SIGUSR2, unix.SIGPWR)
}

// bootRlimits are the fd and memlock limits the process started with,
// restored before exec so that the new manager computes the services'
// defaults from them again (252's saved_rlimit_*).
var bootRlimits struct {
	nofile, memlock unix.Rlimit
	ok              bool
}

func saveRlimits() {
	if bootRlimits.ok {
		return
	}
	bootRlimits.ok = unix.Getrlimit(unix.RLIMIT_NOFILE, &bootRlimits.nofile) == nil &&
		unix.Getrlimit(unix.RLIMIT_MEMLOCK, &bootRlimits.memlock) == nil
}

// restoreRlimits sets the boot limits again and returns a function that
// puts back the current ones (the exec failed).
func restoreRlimits() func() {
	var nofile, memlock unix.Rlimit
	if !bootRlimits.ok || unix.Getrlimit(unix.RLIMIT_NOFILE, &nofile) != nil || unix.Getrlimit(unix.RLIMIT_MEMLOCK, &memlock) != nil {
		return func() {}
	}
	_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &bootRlimits.nofile)
	_ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &bootRlimits.memlock)
	return func() {
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &nofile)
		_ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &memlock)
	}
}

// reexecRestore is what a process started with --deserialize=FD was
// handed; nil for a plain start.
type reexecRestore struct {
	st  *manager.Serialization // nil if it could not be read
	fds *manager.FDSet
	log func(level int, msg string)
}

// takeSerialization reads the serialization passed as fd (-1: none) and
// collects the fds that came with it, all before anything else opens
// files. It also notes the rlimits the process started with.
func takeSerialization(fd int, log func(level int, msg string)) *reexecRestore {
	saveRlimits()
	if fd < 0 {
		return nil
	}
	rx := &reexecRestore{log: log}
	fds, err := manager.CollectFDs(fd)
	if err != nil {
		log(manager.LevelErr, fmt.Sprintf("Failed to collect passed file descriptors: %v", err))
		fds = manager.NewFDSet()
	}
	rx.fds = fds
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		log(manager.LevelErr, fmt.Sprintf("Failed to open serialization fd %d: %v", fd, err))
		return rx
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "systemd-state")
	defer f.Close()
	st, err := manager.ParseSerialization(f)
	if err != nil {
		if st == nil {
			log(manager.LevelErr, fmt.Sprintf("Failed to deserialize, starting with the units' state unknown: %v", err))
			return rx
		}
		// What was read before the error is restored.
		log(manager.LevelErr, fmt.Sprintf("Failed to read the whole serialization, restoring what was read: %v", err))
	}
	rx.st = st
	return rx
}

// listenNotify opens the notification socket at path, or takes up the
// one the serialization passed.
func (rx *reexecRestore) listenNotify(m *manager.Manager, path string) error {
	if rx == nil || rx.st == nil {
		return m.ListenNotifyLoop(path)
	}
	return m.AdoptNotifyLoop(rx.st, rx.fds, path)
}

// listenPrivate serves the private bus socket at path: the listening
// socket the old process passed if there is one bound there (no client
// is refused while the manager re-executes), else a new one.
func (rx *reexecRestore) listenPrivate(path string, events chan<- bus.Event, opts bus.Options) (*bus.Server, error) {
	if rx != nil && rx.st != nil {
		if v, ok := rx.st.Value("private-listen-fd"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				if f := rx.fds.TakeFile(n, path); f != nil {
					sa, err := unix.Getsockname(int(f.Fd()))
					if ua, ok := sa.(*unix.SockaddrUnix); err == nil && ok && ua.Name == path {
						if ln, err := bus.ListenerFromFile(f); err == nil {
							ln.SetUnlinkOnClose(false)
							return bus.Serve(ln, events, opts)
						} else {
							rx.log(manager.LevelWarning, fmt.Sprintf("Failed to take up the private bus socket, opening a new one: %v", err))
						}
					} else {
						f.Close()
					}
				}
			}
		}
	}
	return bus.Listen(path, events, opts)
}

// restore is the start of the loop after daemon-reexec: the state comes
// back and no boot transaction is queued. It reports whether this is
// such a start.
func (rx *reexecRestore) restore(m *manager.Manager) bool {
	if rx == nil {
		return false
	}
	if rx.st == nil {
		// Nothing to restore: the units load as new, but nothing is
		// started again, which would run the services twice.
		m.StartupLoop()
		m.EndStartupLoop()
		rx.fds.CloseRest()
		return true
	}
	m.StartupDeserializeLoop(rx.st, rx.fds)
	return true
}

// runLoop runs the manager's loop, and re-executes whenever it ends
// for that; it returns the loop's exit code otherwise.
func runLoop(m *manager.Manager, srv *bus.Server, api *dbusapi.API, args []string) int {
	for {
		code, _ := m.Run(context.Background())
		var err error
		switch m.Objective() {
		case manager.ObjectiveReexecute:
			// The loop has stopped: this goroutine owns the manager
			// until Run is called again.
			err = reexecute(m, srv, api.SerializeItems(), args)
		case manager.ObjectiveSwitchRoot:
			err = switchRootAndExec(m, srv, api.SerializeItems(), args)
		default:
			return code
		}
		m.LogLoop(manager.LogEntry{Level: manager.LevelErr, Message: err.Error()})
	}
}

// reexecute serializes the manager and execs it anew; it returns only if
// that failed, with the manager ready to run on.
func reexecute(m *manager.Manager, srv *bus.Server, extra []manager.Item, args []string) error {
	fds, memfd, err := prepareReexec(m, srv, extra)
	if err != nil {
		return err
	}
	m.LogLoop(manager.LogEntry{Level: manager.LevelNotice, Message: "Reexecuting."})
	undo := restoreRlimits()
	argv := reexecArgv(args, memfd)
	exe := reexecBinary()
	err = unix.Exec(exe, argv, os.Environ())
	if err != nil && exe != "/proc/self/exe" {
		err = unix.Exec("/proc/self/exe", argv, os.Environ())
	}
	undo()
	unix.Close(memfd)
	err = fmt.Errorf("Failed to execute our own binary %s: %s", exe, errnoText(err))
	m.ReexecFailedLoop(err)
	fds.Close()
	return err
}

// prepareReexec is prepare_reexecute: the fds to pass on collected and
// the state written to a memfd, left open for the exec. If it fails,
// the manager is ready to run on.
func prepareReexec(m *manager.Manager, srv *bus.Server, extra []manager.Item) (*manager.FDSet, int, error) {
	fds := manager.NewFDSet()
	if srv != nil {
		ln, conns, err := srv.DupForExec()
		if err == nil {
			fds.Adopt(ln)
			extra = append(extra, manager.Item{Key: "private-listen-fd", Value: strconv.Itoa(ln)})
			for _, c := range conns {
				fds.Adopt(c)
				extra = append(extra, manager.Item{Key: "bus-client-fd", Value: strconv.Itoa(c)})
			}
		} else {
			m.LogLoop(manager.LogEntry{Level: manager.LevelWarning, Message: fmt.Sprintf("Failed to pass on the private bus socket, the new manager opens a new one: %v", err)})
		}
	}
	fail := func(err error) (*manager.FDSet, int, error) {
		m.ReexecFailedLoop(err)
		fds.Close()
		return nil, -1, err
	}
	data, err := m.SerializeLoop(fds, extra)
	if err != nil {
		return fail(fmt.Errorf("Failed to prepare for reexecution: %w", err))
	}
	memfd, err := unix.MemfdCreate("systemd-state", 0)
	if err != nil {
		return fail(fmt.Errorf("Failed to create serialization file: %w", err))
	}
	f := os.NewFile(uintptr(memfd), "systemd-state")
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fail(fmt.Errorf("Failed to write serialization: %w", err))
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return fail(fmt.Errorf("Failed to rewind serialization fd: %w", err))
	}
	// The fd outlives f: the exec passes it on.
	n, err := unix.Dup(memfd)
	f.Close()
	if err != nil {
		return fail(fmt.Errorf("Failed to create serialization file: %w", err))
	}
	return fds, n, nil
}

// reexecBinary is the binary to exec: where this one is installed (a
// newer one if it was replaced), as 252 execs its SYSTEMD_BINARY_PATH.
func reexecBinary() string {
	exe, err := os.Executable()
	if err != nil || !filepath.IsAbs(exe) {
		return "/proc/self/exe"
	}
	if _, err := os.Stat(exe); err != nil {
		return "/proc/self/exe"
	}
	return exe
}

// reexecArgv is the new process's command line: --system and the
// serialization first, then the old switches, without those acted on
// already (252's filter_args).
func reexecArgv(args []string, fd int) []string {
	argv0 := "systemd"
	if len(args) > 0 {
		argv0 = args[0]
	}
	out := []string{argv0, "--system", "--deserialize=" + strconv.Itoa(fd)}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--switched-root", a == "--system", a == "--user",
			strings.HasPrefix(a, "--deserialize="), strings.HasPrefix(a, "--unit="):
			continue
		case a == "--deserialize", a == "--unit":
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

// errnoText is strerror for an exec error.
func errnoText(err error) string {
	if e, ok := err.(unix.Errno); ok {
		s := e.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	if err == nil {
		return "Unknown error"
	}
	return err.Error()
}
