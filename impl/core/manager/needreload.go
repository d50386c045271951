package manager

import (
	"os"
	"slices"
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

// needDaemonReload is unit_need_daemon_reload: a file changed since it
// was read, or a loaded unit's drop-ins on disk are not those it read,
// in that order (set-property adds its drop-ins in the order written).
func (u *Unit) needDaemonReload() bool {
	if newerThan(u.cfg.FragmentPath, u.stamps.fragment, u.cfg.LoadState != "masked") ||
		newerThan(u.cfg.SourcePath, u.stamps.source, false) {
		return true
	}
	if u.cfg.LoadState == "loaded" && u.m.names != nil {
		if r, err := u.m.names.Resolve(u.m.lookup, u.cfg.ID); err == nil && r != nil && !slices.Equal(r.Dropins, u.cfg.DropInPaths) {
			return true
		}
	}
	for _, p := range u.cfg.DropInPaths {
		if newerThan(p, u.stamps.dropins, false) {
			return true
		}
	}
	return false
}
