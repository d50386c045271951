// Package managerbus is the differential test of the Manager object of
// our PID 1 (impl/dbusapi: its properties and its unit file methods)
// against real systemd 252: the Debian image boots in an oracle container
// once with each implementation as PID 1, with the same scenario unit
// files installed; real systemctl and busctl then show the manager's
// properties, the unit files' states, the default target, and enable,
// disable, mask, link, preset and set-default a few units, on both. Their
// stdout, stderr and exit codes must be identical, times and counters of
// the boot's pace normalized. Differences with a reason outside this
// test's packages are listed in knownDivergent, which only shrinks.
//
// MANAGERBUS_SELFCHECK=1 runs real systemd on both sides (the scenario's
// own stability); MANAGERBUS_DUMP=DIR writes both sides' observations
// to DIR/real.txt and DIR/ours.txt and times each command.
package managerbus
