// Package unit owns the typed model of unit configuration as systemd 252
// reads it: one table of directives per section (section, name, value
// type, parser, the field it sets), the per-type configuration structs
// (Unit, ExecContext, KillContext, CGroupContext, Service, Socket, ...),
// the load-time rules that complete a unit (defaults, implicit
// dependencies, verification), and the property model: the D-Bus
// properties of org.freedesktop.systemd1.Unit and the per-type interfaces
// as plain Go values, in the order GetAll returns them. A unit that was
// loaded but never started shows its runtime properties at their initial
// values.
//
// The syntax of files comes from impl/unitfile, value syntaxes from
// impl/unit/value, time from impl/timeutil, names from impl/unitname,
// specifiers from impl/specifier. Loading never logs: Unit.Diagnostics
// holds the messages worded and levelled as systemd logs them (Message
// formats one), and Unit.ValidateLoadState the D-Bus error for a unit
// that did not load. What the loader cannot know by itself comes in
// through Loader and Defaults: the manager's settings and machine facts,
// units loaded from elsewhere (External, Resolve) and the install logic's
// UnitFileState. LoadQueue loads units from the unit search path
// (impl/unitpath) the way the manager's load queue does, each unit with
// everything it pulls in, in systemd's order. impl/unit/showprop prints
// properties as `systemctl show` does. The manager, the bus server and the tools import this
// package.
//
// The directive tables are tested against `systemd --dump-configuration-items`
// (COVERAGE.md); messages against `systemd-analyze verify` on the host
// (verify_test.go); properties and their rendering against a booted
// systemd 252 (difftests/unitshow).
package unit
