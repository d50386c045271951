package systemctl

// listUnits is verb_list_units: not written yet.
func (t *tool) listUnits(args []string) error { return t.acquireBus() }

// listJobs is verb_list_jobs: not written yet.
func (t *tool) listJobs(args []string) error { return t.acquireBus() }

// cancel is verb_cancel: not written yet.
func (t *tool) cancel(args []string) error { return t.acquireBus() }
