package manager

import (
	"os"
	"path/filepath"
	"syscall"

	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
)

// CleanMask selects the directory kinds Clean removes, one bit per kind
// in 252's order (runtime, state, cache, logs, configuration).
type CleanMask uint32

// CleanAll is every kind.
const CleanAll CleanMask = 1<<5 - 1

// cleanResourceNames are the kinds as Clean names them.
var cleanResourceNames = [...]string{"runtime", "state", "cache", "logs", "configuration"}

// ParseCleanResource is exec_resource_type_from_string, and "all".
func ParseCleanResource(s string) (CleanMask, bool) {
	if s == "all" {
		return CleanAll, true
	}
	for i, n := range cleanResourceNames {
		if n == s {
			return 1 << i, true
		}
	}
	return 0, false
}

// cleaner is a unit type that can remove its directories (252's clean).
type cleaner interface {
	clean(mask CleanMask) error
}

// systemDirPrefixes are the system manager's roots of the directory
// kinds.
var systemDirPrefixes = [...]string{"/run", "/var/lib", "/var/cache", "/var/log", "/etc"}

// CleanLoop is 252's unit_clean. Errors are errnos as 252's:
// EOPNOTSUPP (type cannot clean), EUNATCH (nothing matches), EBUSY (not
// inactive, not loaded, or a job pending).
func (m *Manager) CleanLoop(u *Unit, mask CleanMask) error {
	c, ok := u.kind.(cleaner)
	if !ok {
		return syscall.EOPNOTSUPP
	}
	if mask == 0 {
		return syscall.EUNATCH
	}
	if u.LoadState() != state.Loaded || u.job != nil || u.ActiveState() != state.Inactive {
		return syscall.EBUSY
	}
	return c.clean(mask)
}

// cleanDirectories is exec_context_get_clean_directories: each
// directory of the selected kinds, its private twin (but for
// configuration) and its symlinks.
func cleanDirectories(ec *unit.ExecContext, mask CleanMask) []string {
	if ec == nil {
		return nil
	}
	var out []string
	for t := range ec.Directories {
		if mask&(1<<t) == 0 {
			continue
		}
		prefix := systemDirPrefixes[t]
		for _, it := range ec.Directories[t].Items {
			out = append(out, filepath.Join(prefix, it.Path))
			if t != unit.DirConfiguration {
				out = append(out, filepath.Join(prefix, "private", it.Path))
			}
			for _, l := range it.Symlinks {
				out = append(out, filepath.Join(prefix, l))
			}
		}
	}
	return out
}

// removeTrees is unit_fork_and_watch_rm_rf done off the loop: it removes
// paths and tells done (on the loop) whether all went, unless another
// removal for u started since.
func (m *Manager) removeTrees(u *Unit, paths []string, done func(ok bool)) {
	u.cleanGen++
	gen := u.cleanGen
	m.Watch("cleaning of "+u.ID(), func() {
		ok := true
		var failed []string
		for _, p := range paths {
			if err := os.RemoveAll(p); err != nil {
				ok = false
				failed = append(failed, p)
			}
		}
		m.Post(func() {
			for _, p := range failed {
				m.logUnit(u, LevelErr, "Failed to remove '%s'", p)
			}
			if u.cleanGen == gen {
				done(ok)
			}
		})
	})
}

// clean is timer_clean: state only, the Persistent= stamp file.
func (t *timerUnit) clean(mask CleanMask) error {
	if t.state != timerStateDead {
		return syscall.EBUSY
	}
	if mask != 1<<unit.DirState {
		return syscall.EUNATCH
	}
	p := t.persistentStampPath()
	if p == "" {
		return syscall.EUNATCH
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		t.u.m.logUnit(t.u, LevelErr, "Failed to clean stamp file of timer: %s", errnoText(err))
		return unwrapErrno(err)
	}
	return nil
}

// clean is mount_clean.
func (x *mount) clean(mask CleanMask) error {
	if x.state != mntDead {
		return syscall.EBUSY
	}
	dirs := cleanDirectories(x.u.cfg.Exec, mask)
	if len(dirs) == 0 {
		return syscall.EUNATCH
	}
	x.cleanResult = mntSuccess
	x.setState(mntCleaning)
	x.timer.cancel()
	x.timer = x.u.m.usecTimer(x.u.cfg.Exec.TimeoutCleanUSec, x.timeout)
	x.u.m.removeTrees(x.u, dirs, func(ok bool) {
		if x.state != mntCleaning {
			return
		}
		if !ok && x.cleanResult == mntSuccess {
			x.cleanResult = mntExitCode
		}
		x.enterDead(mntSuccess)
	})
	return nil
}

// clean is swap_clean.
func (s *swap) clean(mask CleanMask) error {
	if s.state != swpDead {
		return syscall.EBUSY
	}
	dirs := cleanDirectories(s.u.cfg.Exec, mask)
	if len(dirs) == 0 {
		return syscall.EUNATCH
	}
	s.cleanResult = mntSuccess
	s.setState(swpCleaning)
	s.timer.cancel()
	s.timer = s.u.m.usecTimer(s.u.cfg.Exec.TimeoutCleanUSec, s.timeout)
	s.u.m.removeTrees(s.u, dirs, func(ok bool) {
		if s.state != swpCleaning {
			return
		}
		if !ok && s.cleanResult == mntSuccess {
			s.cleanResult = mntExitCode
		}
		s.enterDead(mntSuccess)
	})
	return nil
}

// clean is socket_clean.
func (s *socketUnit) clean(mask CleanMask) error {
	if s.state != sockDead {
		return syscall.EBUSY
	}
	dirs := cleanDirectories(s.u.cfg.Exec, mask)
	if len(dirs) == 0 {
		return syscall.EUNATCH
	}
	s.setState(sockCleaning)
	s.u.m.removeTrees(s.u, dirs, func(bool) {
		if s.state != sockCleaning {
			return
		}
		s.u.m.log(LogEntry{Level: LevelInfo, Unit: s.u.ID(), Message: s.u.ID() + ": Deactivated successfully.",
			Fields: []string{"MESSAGE_ID=7ad2d189f7e94e70a38c781354912448", "INVOCATION_ID=" + s.u.invocationID}})
		s.setState(sockDead)
	})
	return nil
}
