// Package timerpath is the differential test of timer and path units
// (impl/core/manager's unittimer.go and unitpath_watch.go) against real
// systemd 252: the Debian image boots in an oracle container once with
// real systemd and once with our PID 1, both with the same set of timer
// and path units installed next to Debian's own; the same files are
// touched in both guests, and the units' list-units rows, selected
// `systemctl show` properties (times normalized), the stamp files and
// how often each triggered service ran must end up identical.
package timerpath
