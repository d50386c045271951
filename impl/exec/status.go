package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"syscall"

	"gosystemd/impl/cli/logging"
)

// systemd 252's exit statuses for failures in the child (exit-status.h).
const (
	ExitChdir                  = 200
	ExitNice                   = 201
	ExitFDs                    = 202
	ExitExec                   = 203
	ExitMemory                 = 204
	ExitLimits                 = 205
	ExitOOMAdjust              = 206
	ExitSignalMask             = 207
	ExitStdin                  = 208
	ExitStdout                 = 209
	ExitChroot                 = 210
	ExitIOPrio                 = 211
	ExitTimerSlack             = 212
	ExitSecureBits             = 213
	ExitSetScheduler           = 214
	ExitCPUAffinity            = 215
	ExitGroup                  = 216
	ExitUser                   = 217
	ExitCapabilities           = 218
	ExitCgroup                 = 219
	ExitSetsid                 = 220
	ExitConfirm                = 221
	ExitStderr                 = 222
	ExitPAM                    = 224
	ExitNetwork                = 225
	ExitNamespace              = 226
	ExitNoNewPrivileges        = 227
	ExitSeccomp                = 228
	ExitSELinuxContext         = 229
	ExitPersonality            = 230
	ExitAppArmorProfile        = 231
	ExitAddressFamilies        = 232
	ExitRuntimeDirectory       = 233
	ExitChown                  = 235
	ExitSmackProcessLabel      = 236
	ExitKeyring                = 237
	ExitStateDirectory         = 238
	ExitCacheDirectory         = 239
	ExitLogsDirectory          = 240
	ExitConfigurationDirectory = 241
	ExitNUMAPolicy             = 242
	ExitCredentials            = 243
	ExitBPF                    = 244
)

var exitNames = map[int]string{
	0: "SUCCESS", 1: "FAILURE",
	ExitChdir: "CHDIR", ExitNice: "NICE", ExitFDs: "FDS", ExitExec: "EXEC", ExitMemory: "MEMORY",
	ExitLimits: "LIMITS", ExitOOMAdjust: "OOM_ADJUST", ExitSignalMask: "SIGNAL_MASK", ExitStdin: "STDIN",
	ExitStdout: "STDOUT", ExitChroot: "CHROOT", ExitIOPrio: "IOPRIO", ExitTimerSlack: "TIMERSLACK",
	ExitSecureBits: "SECUREBITS", ExitSetScheduler: "SETSCHEDULER", ExitCPUAffinity: "CPUAFFINITY",
	ExitGroup: "GROUP", ExitUser: "USER", ExitCapabilities: "CAPABILITIES", ExitCgroup: "CGROUP",
	ExitSetsid: "SETSID", ExitConfirm: "CONFIRM", ExitStderr: "STDERR", ExitPAM: "PAM",
	ExitNetwork: "NETWORK", ExitNamespace: "NAMESPACE", ExitNoNewPrivileges: "NO_NEW_PRIVILEGES",
	ExitSeccomp: "SECCOMP", ExitSELinuxContext: "SELINUX_CONTEXT", ExitPersonality: "PERSONALITY",
	ExitAppArmorProfile: "APPARMOR", ExitAddressFamilies: "ADDRESS_FAMILIES",
	ExitRuntimeDirectory: "RUNTIME_DIRECTORY", ExitChown: "CHOWN", ExitSmackProcessLabel: "SMACK_PROCESS_LABEL",
	ExitKeyring: "KEYRING", ExitStateDirectory: "STATE_DIRECTORY", ExitCacheDirectory: "CACHE_DIRECTORY",
	ExitLogsDirectory: "LOGS_DIRECTORY", ExitConfigurationDirectory: "CONFIGURATION_DIRECTORY",
	ExitNUMAPolicy: "NUMA_POLICY", ExitCredentials: "CREDENTIALS", ExitBPF: "BPF",
}

// ExitStatusName is 252's name of an exit status the child reports
// ("EXEC" for 203), or the number.
func ExitStatusName(status int) string {
	if n, ok := exitNames[status]; ok {
		return n
	}
	return strconv.Itoa(status)
}

// Failure is why the child did not exec the command: the step's exit
// status (the child exits with it), the errno, and the message 252's
// child logs for the unit (without the unit prefix), e.g.
// "Failed to locate executable /x: No such file or directory".
type Failure struct {
	ExitStatus int
	Errno      syscall.Errno
	Message    string
	// Level is the syslog level 252 logs Message at: 3 (err), or 6 (info)
	// for a missing executable. SpawnMessage is always logged at err.
	Level int
	// Logged says the child sent both messages to the journal itself.
	Logged bool
}

func (f *Failure) Error() string { return f.Message }

// SpawnMessage is 252's summary line for a failed spawn, logged after
// Message: "Failed at step EXEC spawning /x: No such file or directory".
func (f *Failure) SpawnMessage(path string) string {
	return fmt.Sprintf("Failed at step %s spawning %s: %s", ExitStatusName(f.ExitStatus), path, strerror(f.Errno))
}

// Report is what the child told the manager over the status pipe.
//
//	child                           status pipe (CLOEXEC)          manager
//	  user resolved        ── record{User: {UID, GID}} ───────►   records the unit's UID/GID
//	  all set up           ── record{Exec: true} ─────────────►   execve follows
//	  execve succeeded     ── EOF (close-on-exec) ────────────►   Report{Execed: true}
//	  any step failed      ── record{Failure: ...} ───────────►   Report{Failure: ...}; child exits with its status
//
// EOF without "exec" means the child died before finishing its setup.
type Report struct {
	// UID and GID are the credentials the command runs with, when User=
	// or Group= was resolved (-1 otherwise).
	UID, GID int
	// Warnings are messages 252's child logs at warning level, e.g.
	// "Failed to connect stdout to the journal socket, ignoring: ...".
	Warnings []string
	// Execed is true when the execve succeeded.
	Execed bool
	// Failure is set when a step failed; for "-" commands whose binary
	// is missing it is set with ExitStatus 0 (252 logs "skipping").
	Failure *Failure
}

// statusRecord is one message on the status pipe: its length as a
// uvarint, then the record in the wire form (wire.go).
type statusRecord struct {
	User    *userRecord
	Warning string
	Exec    bool
	Failure *Failure
}

// appendRecord appends rec's framed form to b.
func appendRecord(b []byte, rec *statusRecord) []byte {
	m := marshalWire(rec)
	return append(binary.AppendUvarint(b, uint64(len(m))), m...)
}

// maxStatus bounds what the manager reads from one status pipe.
const maxStatus = 1 << 20

// ReadReport reads the status pipe until EOF.
func ReadReport(r io.Reader) (Report, error) {
	rep := Report{UID: -1, GID: -1}
	data, err := io.ReadAll(io.LimitReader(r, maxStatus))
	if err != nil {
		return rep, fmt.Errorf("reading executor status: %w", err)
	}
	hot := false
	for len(data) > 0 {
		n, k := binary.Uvarint(data)
		if k <= 0 || n > uint64(len(data)-k) {
			return rep, errors.New("reading executor status: record truncated")
		}
		var rec statusRecord
		if err := unmarshalWire(data[k:k+int(n)], &rec); err != nil {
			return rep, fmt.Errorf("reading executor status: %w", err)
		}
		data = data[k+int(n):]
		if rec.User != nil {
			rep.UID, rep.GID = rec.User.UID, rec.User.GID
		}
		if rec.Warning != "" {
			rep.Warnings = append(rep.Warnings, rec.Warning)
		}
		if rec.Exec {
			hot = true
		}
		if rec.Failure != nil {
			rep.Failure = rec.Failure
		}
	}
	rep.Execed = hot && rep.Failure == nil
	return rep, nil
}

func strerror(e syscall.Errno) string {
	if e == 0 {
		return "Success"
	}
	return logging.Strerror(e)
}

// errnoOf is the errno err carries, EIO if none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}
