package value

import "sort"

// exitStatusNames are systemd's exit status names (exit-status.c).
var exitStatusNames = map[int]string{
	0: "SUCCESS", 1: "FAILURE",
	2: "INVALIDARGUMENT", 3: "NOTIMPLEMENTED", 4: "NOPERMISSION", 5: "NOTINSTALLED", 6: "NOTCONFIGURED", 7: "NOTRUNNING",
	64: "USAGE", 65: "DATAERR", 66: "NOINPUT", 67: "NOUSER", 68: "NOHOST", 69: "UNAVAILABLE", 70: "SOFTWARE",
	71: "OSERR", 72: "OSFILE", 73: "CANTCREAT", 74: "IOERR", 75: "TEMPFAIL", 76: "PROTOCOL", 77: "NOPERM", 78: "CONFIG",
	200: "CHDIR", 201: "NICE", 202: "FDS", 203: "EXEC", 204: "MEMORY", 205: "LIMITS", 206: "OOM_ADJUST",
	207: "SIGNAL_MASK", 208: "STDIN", 209: "STDOUT", 210: "CHROOT", 211: "IOPRIO", 212: "TIMERSLACK",
	213: "SECUREBITS", 214: "SETSCHEDULER", 215: "CPUAFFINITY", 216: "GROUP", 217: "USER", 218: "CAPABILITIES",
	219: "CGROUP", 220: "SETSID", 221: "CONFIRM", 222: "STDERR", 224: "PAM", 225: "NETWORK", 226: "NAMESPACE",
	227: "NO_NEW_PRIVILEGES", 228: "SECCOMP", 229: "SELINUX_CONTEXT", 230: "PERSONALITY", 231: "APPARMOR",
	232: "ADDRESS_FAMILIES", 233: "RUNTIME_DIRECTORY", 235: "CHOWN", 236: "SMACK_PROCESS_LABEL", 237: "KEYRING",
	238: "STATE_DIRECTORY", 239: "CACHE_DIRECTORY", 240: "LOGS_DIRECTORY", 241: "CONFIGURATION_DIRECTORY",
	242: "NUMA_POLICY", 243: "CREDENTIALS", 244: "BPF", 255: "EXCEPTION",
}

var exitStatusOrder = func() []int {
	var codes []int
	for c := range exitStatusNames {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	return codes
}()

// ExitStatusFromString is systemd's exit_status_from_string: a name from
// systemd's table or a number 0..255.
func ExitStatusFromString(s string) (int, error) {
	for _, c := range exitStatusOrder {
		if exitStatusNames[c] == s {
			return c, nil
		}
	}
	v, err := SafeAtou8(s)
	if err != nil {
		return 0, err
	}
	return int(v), nil
}

// ExitStatusSet is a set of exit statuses and a set of signals, as
// SuccessExitStatus= and friends hold them: bitmaps (a service has three).
type ExitStatusSet struct {
	status [256 / 64]uint64
	signal [(nsig + 63) / 64]uint64
}

// AddStatus puts exit status n (0–255) in the set.
func (s *ExitStatusSet) AddStatus(n int) {
	if n >= 0 && n < 256 {
		s.status[n/64] |= 1 << (n % 64)
	}
}

// AddSignal puts signal n (1–64) in the set.
func (s *ExitStatusSet) AddSignal(n int) {
	if n >= 0 && n < nsig {
		s.signal[n/64] |= 1 << (n % 64)
	}
}

// HasStatus reports whether exit status n is in the set.
func (s *ExitStatusSet) HasStatus(n int) bool {
	return n >= 0 && n < 256 && s.status[n/64]&(1<<(n%64)) != 0
}

// HasSignal reports whether signal n is in the set.
func (s *ExitStatusSet) HasSignal(n int) bool {
	return n >= 0 && n < nsig && s.signal[n/64]&(1<<(n%64)) != 0
}

// Empty reports whether the set holds nothing.
func (s *ExitStatusSet) Empty() bool {
	return s == nil || *s == ExitStatusSet{}
}

// Statuses lists the exit statuses, ascending.
func (s *ExitStatusSet) Statuses() []int32 {
	var out []int32
	for i := 0; i < 256; i++ {
		if s.HasStatus(i) {
			out = append(out, int32(i))
		}
	}
	return out
}

// Signals lists the signals, ascending.
func (s *ExitStatusSet) Signals() []int32 {
	var out []int32
	for i := 0; i < nsig; i++ {
		if s.HasSignal(i) {
			out = append(out, int32(i))
		}
	}
	return out
}

// ExitStatusToString is systemd's exit_status_to_string for every class
// of names (EXIT_STATUS_FULL): "" for a status without a name.
func ExitStatusToString(code int) string { return exitStatusNames[code] }
