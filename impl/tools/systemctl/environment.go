package systemctl

// showEnvironment is verb_show_environment: not written yet.
func (t *tool) showEnvironment(args []string) error { return t.acquireBus() }

// setEnvironment is verb_set_environment (set- and unset-environment):
// not written yet.
func (t *tool) setEnvironment(args []string) error { return t.acquireBus() }

// importEnvironment is verb_import_environment: not written yet.
func (t *tool) importEnvironment(args []string) error { return t.acquireBus() }
