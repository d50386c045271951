package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// MergeEnv is 252's strv_env_merge: the lists in order, a later
// assignment of a name replacing the earlier one in place.
func MergeEnv(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, a := range l {
			key := a
			if i := strings.IndexByte(a, '='); i >= 0 {
				key = a[:i+1]
			}
			replaced := false
			for j, e := range out {
				if strings.HasPrefix(e, key) {
					out[j] = a
					replaced = true
					break
				}
			}
			if !replaced {
				out = append(out, a)
			}
		}
	}
	return out
}

// envMatch is 252's env_match: "A" matches "A=..." and "A=b" only itself.
func envMatch(entry, pattern string) bool {
	if entry == pattern {
		return true
	}
	if !strings.Contains(pattern, "=") {
		return strings.HasPrefix(entry, pattern+"=")
	}
	return false
}

// DeleteEnv is 252's strv_env_delete: env without the entries matching
// any of patterns (UnsetEnvironment= takes names and assignments).
func DeleteEnv(env, patterns []string) []string {
	var out []string
next:
	for _, e := range env {
		for _, p := range patterns {
			if envMatch(e, p) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// envGet is strv_env_get: the value of the last assignment of name.
func envGet(env []string, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// ReplaceEnvArgv expands variables in argv as 252's replace_env_argv: a
// word that is exactly "$NAME" becomes the value split into words (with
// quotes removed; nothing if unset), and "${NAME}" anywhere is replaced by
// the value as is; "$$" is a literal "$".
func ReplaceEnvArgv(argv, env []string) []string {
	var out []string
	for _, a := range argv {
		if len(a) >= 1 && a[0] == '$' && (len(a) < 2 || a[1] != '{' && a[1] != '$') {
			if v, ok := envGet(env, a[1:]); ok {
				out = append(out, splitWords(v)...)
			}
			continue
		}
		out = append(out, replaceEnv(a, env))
	}
	return out
}

// splitWords is strv_split_full(WHITESPACE, EXTRACT_RELAX|EXTRACT_UNQUOTE).
func splitWords(s string) []string {
	var words []string
	x := unitfile.NewExtractor(s)
	for {
		w, ok, err := x.Next(" \t\n\r", unitfile.ExtractRelax|unitfile.ExtractUnquote)
		if err != nil || !ok {
			return words
		}
		words = append(words, w)
	}
}

// replaceEnv is 252's replace_env with no flags: "${NAME}" is replaced,
// "$$" becomes "$", anything else stays.
func replaceEnv(format string, env []string) string {
	const (
		word = iota
		curly
		variable
	)
	var b strings.Builder
	state := word
	start := 0 // start of the pending literal text
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch state {
		case word:
			if c == '$' {
				state = curly
			}
		case curly:
			switch c {
			case '{':
				b.WriteString(format[start : i-1])
				start = i - 1
				state = variable
			case '$':
				b.WriteString(format[start:i])
				start = i + 1
				state = word
			default:
				state = word
			}
		case variable:
			switch c {
			case '}':
				v, _ := envGet(env, format[start+2:i])
				b.WriteString(v)
				start = i + 1
				state = word
			case ':':
				state = word
			}
		}
	}
	b.WriteString(format[start:])
	return b.String()
}

// CommandEnv are the per-command variables the service manager adds to
// its environment before spawning (252's service_spawn).
type CommandEnv struct {
	NotifySocket string // NOTIFY_SOCKET, when the service gets one
	MainPID      int    // MAINPID, once known
	ManagerPID   int    // MANAGERPID, set by user managers only
	PIDFile      string // PIDFILE
	RemoteAddr   string // REMOTE_ADDR of an Accept=yes connection (AF_INET, AF_INET6, AF_VSOCK)
	RemotePort   int    // REMOTE_PORT, with RemoteAddr
	// Result are the SERVICE_RESULT/EXIT_* variables for ExecStop= and
	// ExecStopPost= (Prefix ""), or the MONITOR_* ones for OnFailure=/
	// OnSuccess= units (Prefix "MONITOR_").
	Result *ResultEnv
	// Activation are the activation details' variables (TRIGGER_UNIT, ...).
	Activation []string
}

// ResultEnv is how a service (the unit itself, or the monitored one)
// ended.
type ResultEnv struct {
	Prefix        string // "" or "MONITOR_"
	ServiceResult string // "success", "exit-code", ...
	// ExitCode ("exited", "killed", "dumped") and ExitStatus (a number, or
	// a signal name) are set once the main process has exited.
	ExitCode, ExitStatus string
	// InvocationID and Unit name the monitored unit (MONITOR_ only).
	InvocationID, Unit string
}

// ServiceEnvironment is params->environment for one spawn: the manager's
// effective environment (transient plus client environment, as
// `systemctl show-environment` prints it) with the per-command variables
// merged in, in 252's order.
func ServiceEnvironment(managerEnv []string, c CommandEnv) []string {
	var our []string
	if c.NotifySocket != "" {
		our = append(our, "NOTIFY_SOCKET="+c.NotifySocket)
	}
	if c.MainPID > 0 {
		our = append(our, "MAINPID="+strconv.Itoa(c.MainPID))
	}
	if c.ManagerPID > 0 {
		our = append(our, "MANAGERPID="+strconv.Itoa(c.ManagerPID))
	}
	if c.PIDFile != "" {
		our = append(our, "PIDFILE="+c.PIDFile)
	}
	if c.RemoteAddr != "" {
		our = append(our, "REMOTE_ADDR="+c.RemoteAddr, "REMOTE_PORT="+strconv.Itoa(c.RemotePort))
	}
	if r := c.Result; r != nil {
		our = append(our, r.Prefix+"SERVICE_RESULT="+r.ServiceResult)
		if r.ExitCode != "" {
			our = append(our, r.Prefix+"EXIT_CODE="+r.ExitCode, r.Prefix+"EXIT_STATUS="+r.ExitStatus)
		}
		if r.Prefix != "" {
			if r.InvocationID != "" {
				our = append(our, r.Prefix+"INVOCATION_ID="+r.InvocationID)
			}
			our = append(our, r.Prefix+"UNIT="+r.Unit)
		}
	}
	our = append(our, c.Activation...)
	return MergeEnv(managerEnv, our)
}

// LoadEnvironmentFiles reads EnvironmentFile= entries as 252's manager
// does before forking: "-" makes a missing or unreadable file (or a
// relative path) silently skipped, globs are expanded, invalid
// assignments are dropped with a warning ("Ignoring invalid environment
// assignment '...': FILE"), later files override earlier ones. An error
// fails the spawn ("Failed to load environment files: %m").
func LoadEnvironmentFiles(files []string) (env, warnings []string, err error) {
	for _, f := range files {
		ignore := false
		if rest, ok := strings.CutPrefix(f, "-"); ok {
			f, ignore = rest, true
		}
		if !unitname.PathIsAbsolute(f) {
			if ignore {
				continue
			}
			return nil, warnings, syscall.EINVAL
		}
		matches, gerr := glob(f)
		if gerr != nil {
			if ignore {
				continue
			}
			return nil, warnings, gerr
		}
		for _, m := range matches {
			data, rerr := os.ReadFile(m)
			var pairs []string
			if rerr == nil {
				pairs, _, rerr = unitfile.LoadEnvFile(m, data)
			}
			if rerr != nil {
				if ignore {
					continue
				}
				var errno syscall.Errno
				if pe, ok := rerr.(*os.PathError); ok {
					rerr = pe.Err
				}
				if e, ok := rerr.(syscall.Errno); ok {
					errno = e
				} else {
					errno = syscall.EINVAL
				}
				return nil, warnings, errno
			}
			clean, invalid := unitfile.CleanEnv(pairs)
			for _, bad := range invalid {
				warnings = append(warnings, fmt.Sprintf("Ignoring invalid environment assignment '%s': %s", bad, m))
			}
			env = MergeEnv(env, clean)
		}
	}
	return env, warnings, nil
}

// glob is safe_glob: the sorted matches, ENOENT when there are none.
// glob(3)'s "[!...]" is Go's "[^...]".
func glob(pattern string) ([]string, error) {
	m, err := filepath.Glob(strings.ReplaceAll(pattern, "[!", "[^"))
	if err != nil {
		return nil, syscall.EINVAL
	}
	if len(m) == 0 {
		return nil, syscall.ENOENT
	}
	return m, nil
}

// envParams are the facts build_environment needs from the running child.
type envParams struct {
	pid                    int
	nFDs                   int
	home, username, shell  string
	journalDev, journalIno uint64
	term                   string // TERM to set, "" if none
}

// buildEnvironment is 252's build_environment: the variables the child
// itself sets, in its order.
func buildEnvironment(s *Spec, p envParams) []string {
	var env []string
	pid := strconv.Itoa(p.pid)
	if p.nFDs > 0 {
		env = append(env, "LISTEN_PID="+pid, "LISTEN_FDS="+strconv.Itoa(p.nFDs),
			"LISTEN_FDNAMES="+strings.Join(s.FDNames, ":"))
	}
	if s.WatchdogUSec > 0 {
		env = append(env, "WATCHDOG_PID="+pid, "WATCHDOG_USEC="+strconv.FormatUint(s.WatchdogUSec, 10))
	}
	if s.NSSDynamicBypass {
		env = append(env, "SYSTEMD_NSS_DYNAMIC_BYPASS=1")
	}
	if p.home != "" {
		env = append(env, "HOME="+unitname.PathSimplify(p.home))
	}
	if p.username != "" {
		env = append(env, "LOGNAME="+p.username, "USER="+p.username)
	}
	if p.shell != "" {
		env = append(env, "SHELL="+unitname.PathSimplify(p.shell))
	}
	if s.InvocationID != "" {
		env = append(env, "INVOCATION_ID="+s.InvocationID)
	}
	if p.term != "" {
		env = append(env, "TERM="+p.term)
	}
	if p.journalDev != 0 && p.journalIno != 0 {
		env = append(env, fmt.Sprintf("JOURNAL_STREAM=%d:%d", p.journalDev, p.journalIno))
	}
	for t := 0; t < DirMax; t++ {
		if s.Prefix[t] == "" || len(s.Directories[t].Items) == 0 {
			continue
		}
		var paths []string
		for _, it := range sortedDirItems(s.Directories[t].Items) {
			paths = append(paths, pathJoin(s.Prefix[t], it.Path))
		}
		env = append(env, dirEnvNames[t]+"="+strings.Join(paths, ":"))
	}
	if s.hasCredentials() && s.Prefix[DirRuntime] != "" {
		env = append(env, "CREDENTIALS_DIRECTORY="+s.credentialsDir())
	}
	env = append(env, "SYSTEMD_EXEC_PID="+pid)
	return env
}

// passEnvironment is build_pass_environment: the named variables of the
// executor's own environment (the manager's).
func passEnvironment(names []string, lookup func(string) (string, bool)) []string {
	var env []string
	for _, n := range names {
		if v, ok := lookup(n); ok {
			env = append(env, n+"="+v)
		}
	}
	return env
}

// pathJoin is systemd's path_join.
func pathJoin(parts ...string) string {
	var b strings.Builder
	slash := true
	for _, p := range parts {
		if p == "" {
			continue
		}
		if !slash && p[0] != '/' {
			b.WriteByte('/')
		}
		b.WriteString(p)
		slash = strings.HasSuffix(p, "/")
	}
	return b.String()
}
