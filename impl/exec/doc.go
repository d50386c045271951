// Package exec is the executor: how the service manager turns an exec spec
// into a running process, in systemd 252's order and with its exit
// statuses (203/EXEC, 200/CHDIR, 217/USER, ...).
//
// Go cannot run code between fork and exec, so the manager starts its own
// binary again (Start: /proc/self/exe, argv [ProcessName(path), ToolName,
// spec fd, status fd]); the package's init sees ToolName and, still on
// the main thread, performs the setup and execs the command:
//
//	manager (PID 1)                         executor (same PID as the command)
//	  Spec ── wire form, sealed memfd ───►  read spec, close it
//	  passed fds at 3.., stdio fds     ──►  setsid, tty, user lookup, stdio,
//	  clone3 into the unit's cgroup         nice/sched/ioprio/oom, directories,
//	                                        environment, umask, keyring, rlimits,
//	                                        mount namespace, groups, executable,
//	                                        caps, uid, chdir, securebits, no-new-privs
//	  status pipe (CLOEXEC) ◄────────────   records: user, warning, exec | failure
//	  Report: EOF after "exec" = running    signals reset, execve
//
// The manager-side helpers (ServiceEnvironment, LoadEnvironmentFiles,
// MakePrivateTmp, MakeInaccessibleNodes, StreamHeader) hold 252's rules for
// what the manager prepares before a spawn. The same binary, as
// "(sd-bindmnt)" (StartNSMount, nsmount.go), mounts a directory or an
// image into a running unit's mount namespace for BindMountUnit and
// MountImageUnit. Sub-package fromunit turns a
// loaded unit's ExecContext into a Spec and lists the directives not
// applied.
//
// The manager and the multicall binary import this package; it imports
// impl/cli, impl/unitfile and impl/unitname.
package exec
