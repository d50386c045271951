package manager

import (
	"os"
	"strings"
	"time"
)

// fileStamps are the modification times of a unit's files when it was
// loaded, for NeedDaemonReload.
type fileStamps struct {
	fragment, source, dropins time.Time
}

func mtime(p string) time.Time {
	if fi, err := os.Stat(p); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

// stampFiles records the unit's file times as it is (re)loaded.
func (u *Unit) stampFiles() {
	u.stamps = fileStamps{fragment: mtime(u.cfg.FragmentPath), source: mtime(u.cfg.SourcePath)}
	for _, p := range u.cfg.DropInPaths {
		if t := mtime(p); t.After(u.stamps.dropins) {
			u.stamps.dropins = t
		}
	}
}

// newerThan is fragment_mtime_newer: the file changed (or vanished) since
// it was read. Kernel file systems are watched, never out of date; a
// masked (empty or /dev/null) fragment may stay so.
func newerThan(path string, stamp time.Time, maskedOK bool) bool {
	if path == "" || path == "/proc" || path == "/sys" || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/sys/") {
		return false
	}
	fi, err := os.Stat(path)
	if err != nil {
		return true
	}
	if maskedOK && (fi.Size() == 0 || fi.Mode()&os.ModeCharDevice != 0) {
		return false
	}
	return fi.ModTime().After(stamp)
}

// needDaemonReload is unit_need_daemon_reload, without the comparison of
// the drop-in list (a drop-in that appeared is not noticed yet).
func (u *Unit) needDaemonReload() bool {
	if newerThan(u.cfg.FragmentPath, u.stamps.fragment, u.cfg.LoadState != "masked") ||
		newerThan(u.cfg.SourcePath, u.stamps.source, false) {
		return true
	}
	for _, p := range u.cfg.DropInPaths {
		if newerThan(p, u.stamps.dropins, false) {
			return true
		}
	}
	return false
}
