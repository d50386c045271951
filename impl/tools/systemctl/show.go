package systemctl

// show is verb_show (show, and status later): not written yet.
func (t *tool) show(args []string) error { return t.acquireBus() }
