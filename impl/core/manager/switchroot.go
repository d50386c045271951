package manager

import "gosystemd/impl/unitname"

// switchRootState is what SwitchRoot asked for (252's switch_root and
// switch_root_init).
type switchRootState struct {
	root, init string
}

// SwitchRootLoop ends the loop for a root switch to root, executing
// init there ("": the manager itself, with its state).
func (m *Manager) SwitchRootLoop(root, init string) {
	m.switchRoot = switchRootState{root: root, init: init}
	m.setObjective(ObjectiveSwitchRoot)
}

// SwitchRootTarget is the root and init SwitchRootLoop asked for.
func (m *Manager) SwitchRootTarget() (root, init string) {
	return m.switchRoot.root, m.switchRoot.init
}

// switchingRoot is 252's MANAGER_IS_SWITCHING_ROOT while serializing:
// the state is for a manager in another root.
func (m *Manager) switchingRoot() bool { return m.objective == ObjectiveSwitchRoot }

// excludedFromSwitchRoot is 252's exclude_from_switch_root_serialization:
// mounts and automounts have other paths in the new root, so their
// state is not passed on.
func excludedFromSwitchRoot(t unitname.Type) bool {
	return t == unitname.Mount || t == unitname.Automount
}
