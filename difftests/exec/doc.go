// Package exec is the differential test of the executor (impl/exec)
// against real systemd 252: units with exec settings are started by the
// real manager in an oracle container, and the same unit files are
// loaded by impl/unit, turned into Specs by impl/exec/fromunit and run by
// our executor inside the same container, from a launcher that takes on
// PID 1's process state. A probe script prints what each process sees;
// failing units compare their exit status and the child's log messages.
package exec
