// Package manager is the service manager's core: the unit registry, the
// job queue that runs what the transaction engine (impl/core/job) plans,
// the unit types' state machines, the single reaper and the event loop
// that owns all of it.
//
// One goroutine, Run's, owns every field of Manager. Everything else —
// the reaper, signal delivery, the notify socket, timers, the D-Bus layer —
// hands it work through Post or its event channels. Methods whose names
// end in Loop must only be called on that goroutine (from a function given
// to Post, or from an Observer callback).
//
//	reaper ─┐
//	signals ├─▶ events ─▶ Run loop ─▶ units, jobs, types ─▶ Observer (bus, logs)
//	timers ─┤                ▲
//	Post(fn)┘                └── exec.Start (the re-executed executor)
//
// It imports the unit-file packages, the job engine and the executor; it
// never imports the D-Bus layer, a tool or cmd/.
package manager

// How a unit type is written (service.go is the full example, simple.go
// the smallest):
//
//   - A file per type registers a constructor in typeConstructors (and, if
//     the type finds units in the system at startup, a function in
//     enumerators) from an init function; nothing else is edited to add a
//     type.
//   - The type implements unitType: its sub-state, the active state the
//     sub-state maps to, start/stop/reload returning nil or one of the
//     err* values (each maps to a job result as 252 maps errnos), and
//     props for its runtime D-Bus properties. Optional: triggerWatcher,
//     coldplugger, releaser, serializer (its state across daemon-reexec,
//     serialize.go; every type that has runtime state has one).
//   - Every state change goes through one setState per type, which calls
//     Unit.notify(old, new active state): that finishes jobs, stamps the
//     timestamps and reacts on behalf of dependencies.
//   - Processes are started with exec.Start through a spawn helper and
//     registered with watchPIDLoop before the loop runs again; their exit
//     arrives in childExited. Timeouts use afterLoop; anything that blocks
//     (fds, inotify, sockets) runs in a Watch goroutine that Posts back.
