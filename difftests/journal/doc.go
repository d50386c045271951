// Package journal holds the differential tests of impl/journal/native and
// impl/notify against real systemd 252 in an oracle container: the test
// binary is copied into the guest and run there as the client (a
// journal writer, a notifying service), and what real journald and real
// PID 1 make of it is read back with their own tools.
package journal
