package unit

// ExecStatuses is the value of an Exec*= property for cmds as never run;
// the manager fills in each command's last run.
func ExecStatuses(cmds []ExecCommand) []ExecStatus { return execStatusList(cmds) }

// ExecStatusesEx is ExecStatuses for the Exec*Ex= properties.
func ExecStatusesEx(cmds []ExecCommand) []ExecStatusEx { return execStatusExList(cmds) }
