package manager

// SetBusRefsLoop records the bus peers holding a reference on u (252's
// Unit.Ref, Refs): a referenced unit is not garbage-collected, and
// once the last reference goes it may be.
func (m *Manager) SetBusRefsLoop(u *Unit, refs []string) {
	had := len(u.busRefs) > 0
	u.busRefs = refs
	if had && len(refs) == 0 {
		m.addToGCQueue(u)
	}
}
