package exec

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli"
	"gosystemd/impl/journal/native"
	"gosystemd/impl/unitfile"
)

func init() {
	// A process started as the executor (argv [name, ToolName, ...]) runs
	// it here and never reaches main. During package initialization the
	// runtime holds the main goroutine on the main thread, where the
	// executor must work: it names the process (PR_SET_NAME renames only
	// the calling thread), sets per-thread credentials, and execs from the
	// thread group leader. LockOSThread would do the same after init but
	// starts the runtime's template thread, a tenth of the executor's
	// start-up; and the packages the binary has besides this one's
	// dependencies need not be initialized at all.
	if len(os.Args) > 1 && os.Args[1] == ToolName {
		os.Exit(runExecutor(os.Args[1:], cli.OSStdio()))
	}
}

// Main is the executor: the re-executed child that reads a Spec and turns
// it into the running command. args are [name, spec fd, status fd]. It
// returns only when a step failed, with 252's exit status for that step.
func Main(args []string, stdio cli.Stdio) int {
	// Every credential, namespace and per-thread attribute is set on one
	// thread, and execve happens from it.
	runtime.LockOSThread()
	return runExecutor(args, stdio)
}

// runExecutor is Main on a thread already locked (init's main thread).
func runExecutor(args []string, stdio cli.Stdio) int {
	// SIGHUP would end a Go program; 252 ignores it around TIOCSCTTY and
	// vhangup could send it. Dispositions are reset before execve.
	signal.Ignore(syscall.SIGHUP)

	if len(args) > 1 && args[1] == nsMountArg {
		return nsMountMain(args, stdio)
	}
	if len(args) != 3 {
		fmt.Fprintf(stdio.Err, "%s: expected a spec fd and a status fd\n", args[0])
		return ExitFDs
	}
	specFD, err1 := strconv.Atoi(args[1])
	statusFD, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil {
		fmt.Fprintf(stdio.Err, "%s: bad fd arguments %q %q\n", args[0], args[1], args[2])
		return ExitFDs
	}
	s, err := readSpec(specFD)
	if err != nil {
		fmt.Fprintf(stdio.Err, "%s: %v\n", args[0], err)
		return ExitMemory
	}
	// The status pipe closes when execve succeeds.
	if _, err := unix.FcntlInt(uintptr(statusFD), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		fmt.Fprintf(stdio.Err, "%s: status fd: %v\n", args[0], err)
		return ExitFDs
	}
	c := &child{s: s, status: statusFD}
	f := c.run()
	c.logFailure(f)
	c.send(statusRecord{Failure: f})
	return f.ExitStatus
}

// readSpec reads the Spec from fd (from offset 0) and closes it.
func readSpec(fd int) (*Spec, error) {
	defer unix.Close(fd)
	// The memfd's size is the spec's; a pipe (tests) is read to its end.
	size := 4096
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && st.Size > 0 && st.Size < 64<<20 {
		size = int(st.Size) + 1
	}
	var data []byte
	buf := make([]byte, size)
	for off := int64(0); ; {
		n, err := unix.Pread(fd, buf, off)
		if err == unix.ESPIPE {
			n, err = unix.Read(fd, buf)
		}
		if err != nil {
			return nil, fmt.Errorf("reading spec: %w", err)
		}
		if n == 0 {
			break
		}
		data = append(data, buf[:n]...)
		off += int64(n)
	}
	s := &Spec{}
	if err := unmarshalWire(data, s); err != nil {
		return nil, fmt.Errorf("decoding spec: %w", err)
	}
	return s, nil
}

type child struct {
	s      *Spec
	status int
	log    *native.Writer // journald, once a message was sent
}

func (c *child) send(r statusRecord) {
	_ = writeAll(c.status, appendRecord(nil, &r))
}

// warn reports a warning about the unit: to the journal from the child,
// as 252's child logs it, or to the manager when that is not possible.
func (c *child) warn(msg string) {
	if !c.journal(logWarning, msg) {
		c.send(statusRecord{Warning: msg})
	}
}

// fail builds the failure of a step; "%m" in msg becomes err's text.
func fail(status int, err error, msg string) *Failure {
	e := errnoOf(err)
	return &Failure{ExitStatus: status, Errno: e, Message: strings.ReplaceAll(msg, "%m", strerror(e)), Level: logErr}
}

// run performs exec_child's steps in 252's order and returns only on
// failure:
//
//  1. name the process "(cmd)"; resolve socket stdio and fd:NAME fds;
//     mark every fd but the passed ones close-on-exec;
//  2. setsid (unless SameProcessGroup=), tty vhangup/reset/disallocate;
//  3. resolve User=, Group=, SupplementaryGroups= (initgroups applies
//     right away); report the UID/GID; find $HOME for WorkingDirectory=~;
//  4. stdin, stdout, stderr (journal streams connect with the unit's IDs);
//  5. OOMScoreAdjust=, CPUScheduling*=, Nice=, CPUAffinity=, IOScheduling*=,
//     TimerSlackNSec=; chown the tty to the user;
//  6. RuntimeDirectory= and friends; the environment; UMask=; the keyring;
//  7. Limit*= (sandboxed commands); the mount namespace; setgroups/setresgid;
//  8. find the executable; clear FD_CLOEXEC on the passed fds;
//  9. RestrictRealtime='s RLIMIT_RTPRIO, the bounding set, ambient caps,
//     setresuid (keeping caps as needed), ambient caps again;
//  10. chdir; SecureBits=; NoNewPrivileges=;
//  11. UnsetEnvironment=, $VAR expansion in argv; report "exec"; reset
//     signal dispositions and mask (the Go runtime owns them until here);
//     execve.
//
// Steps 252 has that the executor does not (PAM, SELinux, AppArmor, SMACK,
// seccomp, user/network/IPC namespaces, credentials, cgroup delegation,
// utmp, NUMA, personality, RootDirectory=, ...) are listed by
// fromunit.NotApplied.
func (c *child) run() *Failure {
	s := c.s
	ident := commandIdent(s.Path)
	setProcessName(ProcessName(s.Path))

	// Passed fds: a socket for StandardInput/Output/Error=socket is not
	// passed on as LISTEN_FDS.
	socketFD, nFDs := -1, s.FDs.NPass
	if s.StdInput == "socket" || s.StdOutput == "socket" || s.StdError == "socket" {
		if s.FDs.NPass != 1 {
			return fail(ExitFDs, unix.EINVAL, "Got no socket.")
		}
		socketFD, nFDs = 3, 0
	}
	named, err := s.namedFDs()
	if err != nil {
		return fail(ExitFDs, err, "Failed to load a named file descriptor: %m")
	}

	// close_remaining_fds and close_all_fds: every fd but the ones passed
	// on is closed at exec (the stdio sources and a socket are used
	// before that).
	var keep []int
	for i := 0; i < nFDs; i++ {
		keep = append(keep, 3+i)
	}
	if err := cloexecAllBut(keep); err != nil {
		return fail(ExitFDs, err, "Failed to close unwanted file descriptors: %m")
	}

	if !s.SameProcessGroup {
		if _, err := unix.Setsid(); err != nil {
			return fail(ExitSetsid, err, "Failed to create new process session: %m")
		}
	}
	s.ttyReset()

	// User and groups.
	uid, gid := uint32(noID), uint32(noID)
	var username, home, shell string
	if s.User != "" {
		cr, err := systemUserDB.lookupUser(s.User)
		if err != nil {
			return fail(ExitUser, err, "Failed to determine user credentials: %m")
		}
		username, uid, gid, home, shell = cr.name, cr.uid, cr.gid, cr.home, cr.shell
	}
	if s.Group != "" {
		_, g, err := systemUserDB.lookupGroup(s.Group)
		if err != nil {
			return fail(ExitGroup, err, "Failed to determine group credentials: %m")
		}
		gid = g
	}
	supplementary, err := c.supplementaryGroups(username, gid)
	if err != nil {
		return fail(ExitGroup, err, "Failed to determine supplementary groups: %m")
	}
	if uid != noID || gid != noID {
		rec := statusRecord{User: &userRecord{UID: idOrMinus(uid), GID: idOrMinus(gid)}}
		c.send(rec)
	}
	if home == "" && s.WorkingDirectoryHome {
		h, err := s.homeDir()
		if err != nil {
			return fail(ExitChdir, err, "Failed to determine $HOME for user: %m")
		}
		home = h
	}
	if socketFD >= 0 {
		setBlocking(socketFD)
	}

	// Standard input, output and error.
	std := &stdio{s: s, socketFD: socketFD, named: named, uid: uid, gid: gid, ident: ident,
		underInit: unix.Getppid() == 1, warn: c.warn}
	if err := std.setupInput(); err != nil {
		return fail(ExitStdin, err, "Failed to set up standard input: %m")
	}
	if err := std.setupOutput(1); err != nil {
		return fail(ExitStdout, err, "Failed to set up standard output: %m")
	}
	if err := std.setupOutput(2); err != nil {
		return fail(ExitStderr, err, "Failed to set up standard error output: %m")
	}

	// Process attributes.
	if s.OOMScoreAdjust != nil {
		if err := setOOMScoreAdjust(*s.OOMScoreAdjust); err != nil && !isPrivilegeError(err) {
			return fail(ExitOOMAdjust, err, "Failed to adjust OOM setting: %m")
		}
	}
	if s.CPUSchedSet {
		if err := schedSetattr(s.CPUSchedPolicy, s.CPUSchedPriority, s.CPUSchedResetOnFork); err != nil {
			return fail(ExitSetScheduler, err, "Failed to set up CPU scheduling: %m")
		}
	}
	if s.Nice != nil {
		if err := setpriorityClosest(*s.Nice); err != nil {
			return fail(ExitNice, err, "Failed to set up process scheduling priority (nice level): %m")
		}
	}
	if len(s.CPUAffinity) > 0 {
		if err := setAffinity(s.CPUAffinity); err != nil {
			return fail(ExitCPUAffinity, err, "Failed to set up CPU affinity: %m")
		}
	}
	if s.IOPrio != nil {
		if err := ioprioSet(*s.IOPrio); err != nil {
			return fail(ExitIOPrio, err, "Failed to set up IO scheduling priority: %m")
		}
	}
	if s.TimerSlackNSec != nil {
		if err := setTimerSlack(*s.TimerSlackNSec); err != nil {
			return fail(ExitTimerSlack, err, "Failed to set up timer slack: %m")
		}
	}
	if uid != noID {
		if err := chownTerminal(0, uid); err != nil {
			return fail(ExitStdin, err, "Failed to change ownership of terminal: %m")
		}
	}

	// Directories and environment.
	mountNS := s.needsMountNamespace()
	for t := 0; t < DirMax; t++ {
		if err := s.setupExecDirectory(t, uid, gid, mountNS); err != nil {
			return fail(dirExitStatus[t], err, "Failed to set up special execution directory in "+s.Prefix[t]+": %m")
		}
	}
	if s.WriteCredentials {
		if err := s.setupCredentials(uid); err != nil {
			return fail(ExitCredentials, err, "Failed to set up credentials: %m")
		}
	}
	env := c.environment(nFDs, home, username, shell, std.journalDev, std.journalIno)
	unix.Umask(int(s.UMask))
	if err := s.setupKeyring(uid, gid); err != nil {
		return fail(ExitKeyring, err, "Failed to set up kernel keyring: %m")
	}

	sandboxing := s.ApplySandboxing && !s.FullyPrivileged
	// "!!" matters only where the kernel has no ambient capabilities:
	// there the command runs without the user switch, keeping what it
	// needs to drop its privileges itself.
	ambientHack := s.ApplySandboxing && s.AmbientMagic && !ambientCapabilitiesSupported()
	needsSetuid := s.ApplySandboxing && !s.FullyPrivileged && !s.NoSetuid && !ambientHack
	if sandboxing {
		for r := 0; r < RlimitMax; r++ {
			if s.Limits[r] == nil {
				continue
			}
			if err := setrlimitClosest(r, *s.Limits[r]); err != nil {
				return fail(ExitLimits, err, "Failed to adjust resource limit RLIMIT_"+RlimitNames[r]+": %m")
			}
		}
	}
	if mountNS {
		if err := s.setupNamespace(sandboxing, sandboxing && s.NoNewPrivileges, s.dirSymlinks()); err != nil {
			msg := "Failed to set up mount namespacing: %m"
			var ne *namespaceError
			if errors.As(err, &ne) {
				msg = "Failed to set up mount namespacing: " + ne.path + ": %m"
			}
			return fail(ExitNamespace, err, msg)
		}
	}
	if needsSetuid {
		if err := enforceGroups(gid, supplementary); err != nil {
			return fail(ExitGroup, err, "Changing group credentials failed: %m")
		}
	}

	executable, err := s.findExecutable(env)
	if err != nil {
		if s.IgnoreFailure {
			return &Failure{ExitStatus: 0, Errno: errnoOf(err), Level: logInfo,
				Message: "Executable " + s.Path + " missing, skipping: " + strerror(errnoOf(err))}
		}
		f := fail(ExitExec, err, "Failed to locate executable "+s.Path+": %m")
		f.Level = logInfo
		return f
	}

	// The passed fds are already at 3..; they lose FD_CLOEXEC (and get
	// O_NONBLOCK as NonBlocking= says).
	if err := s.flagFDs(nFDs); err != nil {
		return fail(ExitFDs, err, "Failed to adjust passed file descriptors: %m")
	}

	if sandboxing {
		if s.RestrictRealtime && s.Limits[unix.RLIMIT_RTPRIO] == nil {
			if err := unix.Setrlimit(unix.RLIMIT_RTPRIO, &unix.Rlimit{}); err != nil {
				return fail(ExitLimits, err, "Failed to adjust RLIMIT_RTPRIO resource limit: %m")
			}
		}
		bset := s.CapabilityBoundingSet
		if ambientHack {
			bset |= 1<<unix.CAP_SETPCAP | 1<<unix.CAP_SETUID | 1<<unix.CAP_SETGID
		}
		if bset != CapAll && !allCapsIn(bset) {
			if err := boundingSetDrop(bset); err != nil {
				return fail(ExitCapabilities, err, "Failed to drop capabilities: %m")
			}
		}
		if !ambientHack {
			if err := ambientSetApply(s.AmbientCapabilities, true); err != nil {
				return fail(ExitCapabilities, err, "Failed to apply ambient capabilities (before UID change): %m")
			}
		}
	}
	if needsSetuid && uid != noID {
		if err := enforceUser(s, uid); err != nil {
			return fail(ExitUser, err, fmt.Sprintf("Failed to change UID to %d: %%m", uid))
		}
		if !ambientHack && s.AmbientCapabilities != 0 {
			if err := ambientSetApply(s.AmbientCapabilities, false); err != nil {
				return fail(ExitCapabilities, err, "Failed to apply ambient capabilities (after UID change): %m")
			}
		}
	}
	if err := s.applyWorkingDirectory(home); err != nil {
		return fail(ExitChdir, err, "Changing to the requested working directory failed: %m")
	}
	if sandboxing {
		if cur, _ := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0); cur != s.SecureBits {
			if _, err := gainSetpcap(); err != nil {
				return fail(ExitCapabilities, err, "Failed to gain CAP_SETPCAP for setting secure bits")
			}
			if err := unix.Prctl(unix.PR_SET_SECUREBITS, uintptr(s.SecureBits), 0, 0, 0); err != nil {
				return fail(ExitSecureBits, err, "Failed to set process secure bits: %m")
			}
		}
		if s.NoNewPrivileges {
			if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
				return fail(ExitNoNewPrivileges, err, "Failed to disable new privileges: %m")
			}
		}
	}

	if len(s.UnsetEnvironment) > 0 {
		env = DeleteEnv(env, s.UnsetEnvironment)
	}
	argv := s.Argv
	if !s.NoEnvExpand {
		argv = ReplaceEnvArgv(argv, env)
	}

	c.send(statusRecord{Exec: true})
	if err := resetSignals(s.IgnoreSIGPIPE); err != nil {
		return fail(ExitSignalMask, err, "Failed to set process signal mask: %m")
	}
	err = syscall.Exec(executable, argv, env)
	return fail(ExitExec, err, "Failed to execute "+executable+": %m")
}

type userRecord struct {
	UID int
	GID int
}

func idOrMinus(id uint32) int {
	if id == noID {
		return -1
	}
	return int(id)
}

// supplementaryGroups is get_supplementary_groups: initgroups for a
// User= with a non-root group (applied right away, as initgroups does),
// then the list SupplementaryGroups= asks for on top.
func (c *child) supplementaryGroups(user string, gid uint32) ([]uint32, error) {
	keep := false
	if user != "" && gid != noID && gid != 0 {
		if err := maybeSetgroups(systemUserDB.groupList(user, gid)); err != nil {
			return nil, err
		}
		keep = true
	}
	if len(c.s.SupplementaryGroups) == 0 {
		return nil, nil
	}
	const ngroupsMax = 65536
	var l []uint32
	if keep {
		l = systemUserDB.groupList(user, gid)
	}
	for _, g := range c.s.SupplementaryGroups {
		if len(l) >= ngroupsMax {
			return nil, unix.E2BIG
		}
		_, id, err := systemUserDB.lookupGroup(g)
		if err != nil {
			return nil, err
		}
		l = append(l, id)
	}
	return l, nil
}

// enforceGroups is enforce_groups.
func enforceGroups(gid uint32, supplementary []uint32) error {
	if len(supplementary) > 0 {
		if err := maybeSetgroups(supplementary); err != nil {
			return err
		}
	}
	if gid != noID {
		return rawSetresgid(gid, gid, gid)
	}
	return nil
}

// ambientCapabilitiesSupported is ambient_capabilities_supported:
// PR_CAP_AMBIENT answers, or fails other than as an unknown option.
func ambientCapabilitiesSupported() bool {
	_, err := unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, unix.CAP_KILL, 0, 0)
	return err == nil || err != unix.EINVAL && err != unix.EOPNOTSUPP && err != unix.ENOSYS
}

// enforceUser is enforce_user: keep the capabilities across the UID
// change when ambient capabilities or secure bits need them.
func enforceUser(s *Spec, uid uint32) error {
	if (s.AmbientCapabilities != 0 || s.SecureBits != 0) && uid != 0 {
		cur, err := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0)
		if err != nil {
			return err
		}
		if applied := cur | 1<<secureKeepCaps; applied != cur {
			if err := unix.Prctl(unix.PR_SET_SECUREBITS, uintptr(applied), 0, 0, 0); err != nil {
				return err
			}
		}
	}
	return rawSetresuid(uid, uid, uid)
}

// homeDir is get_home_dir for the executor's own user: $HOME if usable,
// else the passwd entry.
func (s *Spec) homeDir() (string, error) {
	if h, _ := s.lookupManagerEnv("HOME"); h != "" && strings.HasPrefix(h, "/") {
		return h, nil
	}
	uid := unix.Getuid()
	if uid == 0 {
		return "/root", nil
	}
	for _, u := range systemUserDB.users() {
		if int(u.uid) == uid {
			if u.home == "" || !strings.HasPrefix(u.home, "/") {
				return "", unix.EINVAL
			}
			return u.home, nil
		}
	}
	return "", unix.ESRCH
}

// environment is the final environment as exec_child merges it.
func (c *child) environment(nFDs int, home, username, shell string, jdev, jino uint64) []string {
	s := c.s
	term := ""
	if s.needsTerm() {
		tty := ttyPathOf(s)
		if pathEqual(tty, "/dev/console") && unix.Getppid() == 1 {
			term, _ = s.lookupManagerEnv("TERM")
		}
		if term == "" {
			term = defaultTermForTTY(tty)
		}
	}
	our := buildEnvironment(s, envParams{pid: unix.Getpid(), nFDs: nFDs, home: home, username: username,
		shell: shell, journalDev: jdev, journalIno: jino, term: term})
	var searchPath []string
	if len(s.ExecSearchPath) > 0 {
		searchPath = []string{"PATH=" + strings.Join(s.ExecSearchPath, ":")}
	}
	pass := passEnvironment(s.PassEnvironment, s.lookupManagerEnv)
	env := MergeEnv(s.Environment, our, searchPath, pass, s.UnitEnvironment, s.FilesEnvironment)
	clean, _ := unitfile.CleanEnv(env)
	return clean
}

// needsTerm is exec_context_needs_term.
func (s *Spec) needsTerm() bool {
	return isTerminalInput(s.StdInput) || isTerminalOutput(s.StdOutput) || isTerminalOutput(s.StdError) || s.TTYPath != ""
}

// ttyReset is exec_context_tty_reset.
func (s *Spec) ttyReset() {
	p := ttyPathOf(s)
	if s.TTYVHangup {
		if s.FDs.Stdin >= 0 {
			_ = unix.IoctlSetInt(s.FDs.Stdin, unix.TIOCVHANGUP, 0)
		} else if p != "" {
			vhangupTerminal(p)
		}
	}
	if s.TTYReset {
		if s.FDs.Stdin >= 0 {
			resetTerminalFD(s.FDs.Stdin)
		} else if p != "" {
			resetTerminal(p)
		}
	}
	if s.FDs.Stdin >= 0 {
		_ = setTerminalSize(s.FDs.Stdin, s.ttyRows(), s.ttyCols())
	}
	if s.TTYVTDisallocate && p != "" {
		vtDisallocate(p)
	}
}

// dirSymlinks is compile_symlinks: (target, link) pairs, absolute.
func (s *Spec) dirSymlinks() [][2]string {
	var out [][2]string
	for t := 0; t < DirMax; t++ {
		for _, it := range sortedDirItems(s.Directories[t].Items) {
			for _, l := range it.Symlinks {
				out = append(out, [2]string{pathJoin(s.Prefix[t], it.Path), pathJoin(s.Prefix[t], l)})
			}
		}
	}
	return out
}

// findExecutable is find_executable_full(path, NULL, ExecSearchPath):
// an executable regular file.
func (s *Spec) findExecutable(env []string) (string, error) {
	if strings.Contains(s.Path, "/") {
		return s.Path, checkExecutable(s.Path)
	}
	dirs := s.ExecSearchPath
	if len(dirs) == 0 {
		dirs = strings.Split(defaultPath, ":")
	}
	last := error(unix.ENOENT)
	for _, d := range dirs {
		if !strings.HasPrefix(d, "/") {
			continue
		}
		p := pathJoin(d, s.Path)
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		if err != unix.EACCES {
			last = err
		}
	}
	return "", last
}

// defaultPath is Debian 252's DEFAULT_PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// checkExecutable is check_x_access: a regular file we may execute.
func checkExecutable(p string) error {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return unix.EISDIR
	default:
		return unix.EBADFD
	}
	return unix.Faccessat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), unix.X_OK, 0)
}

// applyWorkingDirectory is apply_working_directory.
func (s *Spec) applyWorkingDirectory(home string) error {
	wd := s.WorkingDirectory
	if s.WorkingDirectoryHome {
		if home == "" {
			return unix.ENXIO
		}
		wd = home
	}
	if wd == "" {
		wd = "/"
	}
	if err := unix.Chdir(wd); err != nil && !s.WorkingDirectoryMissingOK {
		return err
	}
	return nil
}

// flagFDs is flag_fds: the passed fds survive exec, socket fds get
// O_NONBLOCK as NonBlocking= says.
func (s *Spec) flagFDs(n int) error {
	for i := 0; i < n; i++ {
		fd := 3 + i
		if i < s.NSocketFDs {
			if err := unix.SetNonblock(fd, s.NonBlocking); err != nil {
				return err
			}
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return err
		}
	}
	return nil
}

// cloexecAllBut marks every fd except keep close-on-exec.
func cloexecAllBut(keep []int) error {
	// The kept fds are 3.. onward without a gap: one close_range marks
	// the rest, where the kernel has it (5.11).
	if contiguousFrom3(keep) {
		err := unix.CloseRange(uint(3+len(keep)), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
		if err == nil {
			return nil
		}
		if err != unix.ENOSYS && err != unix.EINVAL {
			return err
		}
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return errnoOf(err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < 3 {
			continue
		}
		kept := false
		for _, k := range keep {
			if k == fd {
				kept = true
			}
		}
		if kept {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && err != unix.EBADF {
			return err
		}
	}
	return nil
}

// contiguousFrom3 reports whether keep is exactly 3, 4, ..., 3+len(keep)-1.
func contiguousFrom3(keep []int) bool {
	for i, fd := range keep {
		if fd != 3+i {
			return false
		}
	}
	return true
}

// allCapsIn reports whether set holds every capability the kernel knows.
func allCapsIn(set uint64) bool {
	last := capLastCap()
	for i := 0; i <= last; i++ {
		if set&(1<<uint(i)) == 0 {
			return false
		}
	}
	return true
}

// isPrivilegeError is ERRNO_IS_PRIVILEGE.
func isPrivilegeError(err error) bool {
	e := errnoOf(err)
	return e == unix.EPERM || e == unix.EACCES
}

// resetSignals gives the command 252's signal state: every disposition
// default (SIGPIPE ignored with IgnoreSIGPIPE=), nothing blocked. It is
// the last thing before execve, as the Go runtime owns the handlers
// until then.
func resetSignals(ignorePipe bool) error {
	type sigaction struct {
		handler  uintptr
		flags    uint64
		restorer uintptr
		mask     uint64
	}
	const sigDfl, sigIgn = 0, 1
	for sig := 1; sig <= 64; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			continue
		}
		act := sigaction{handler: sigDfl}
		if sig == int(unix.SIGPIPE) && ignorePipe {
			act.handler = sigIgn
		}
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	}
	var empty unix.Sigset_t
	return unix.PthreadSigmask(unix.SIG_SETMASK, &empty, nil)
}

// ProcessName is what 252 renames the child to before exec
// (rename_process_from_path): "(" and the last 8 bytes of the file name
// and ")". The executor's argv[0] is this name.
func ProcessName(path string) string {
	p := path[strings.LastIndexByte(path, '/')+1:]
	if p == "" {
		return "(...)"
	}
	if len(p) > 8 {
		p = p[len(p)-8:]
	}
	return "(" + p + ")"
}

func setProcessName(name string) {
	if b, err := unix.BytePtrFromString(name); err == nil {
		_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(b)), 0, 0, 0)
	}
}

// Syslog levels of the child's messages.
const logErr = 3

// secureKeepCaps is SECURE_KEEP_CAPS (linux/securebits.h).
const secureKeepCaps = 4
