// Package systemctl is the differential test of our systemctl's verbs
// that talk to the service manager (impl/tools/systemctl) against real
// systemd 252's systemctl: the same sequence of commands runs in three
// oracle containers booted from the Debian image with the same unit
// files — real systemctl on real PID 1, ours on real PID 1, and ours on
// our PID 1 — and each command's stdout, stderr and exit code must be
// identical on all three after the oracle's normalization.
//
// SYSTEMCTL_DUMP=DIR writes each side's observations to DIR.
package systemctl
