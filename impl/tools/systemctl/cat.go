package systemctl

// cat is verb_cat: not written yet.
func (t *tool) cat(args []string) error { return t.acquireBus() }
