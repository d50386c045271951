package systemctl

import (
	"syscall"

	"github.com/godbus/dbus/v5"
)

// systemStateUnknown is is-system-running's answer when the state could
// not be read.
func (t *tool) systemStateUnknown() error {
	if !t.opts.quiet {
		t.printf("unknown\n")
	}
	return exitCode(1)
}

// watchManagerSignal makes the manager's signal member reach b.signals:
// a private connection gets them all anyway, on the bus a match is added.
func (b *managerBus) watchManagerSignal(member string) error {
	if names := b.conn.Names(); len(names) == 0 || names[0] == "" {
		return nil // no unique name: not a bus
	}
	return b.conn.AddMatchSignal(dbus.WithMatchObjectPath(busManagerPath),
		dbus.WithMatchInterface(ifaceManager), dbus.WithMatchMember(member))
}

// awaitManagerSignal waits for the manager's signal member.
func (b *managerBus) awaitManagerSignal(member string) error {
	for sig := range b.signals {
		if sig.Path == busManagerPath && sig.Name == ifaceManager+"."+member {
			return nil
		}
	}
	return syscall.ECONNRESET
}
