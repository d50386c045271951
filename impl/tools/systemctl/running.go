package systemctl

import "syscall"

// systemStateUnknown is is-system-running's answer when the state could
// not be read.
func (t *tool) systemStateUnknown() error {
	if !t.opts.quiet {
		t.printf("unknown\n")
	}
	return exitCode(1)
}

// watchManagerSignal makes the manager's signal member reach
// recvSignal: a private connection gets them all anyway, on the bus a
// match is added.
func (b *managerBus) watchManagerSignal(member string) error {
	b.watchSignals()
	return b.addMatchSignal("", busManagerPath, ifaceManager, member)
}

// awaitManagerSignal waits for the manager's signal member.
func (b *managerBus) awaitManagerSignal(member string) error {
	for {
		sig, ok := b.recvSignal()
		if !ok {
			return syscall.ECONNRESET
		}
		if sig.Path == busManagerPath && sig.Name == ifaceManager+"."+member {
			return nil
		}
	}
}
