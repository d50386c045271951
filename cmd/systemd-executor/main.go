// Command systemd-executor is the executor alone, installed at
// /usr/lib/systemd/systemd-executor: PID 1 starts it for every command it
// runs (argv [command name, "systemd-executor", spec fd, status fd]). It is
// the multicall binary's executor in a binary of a third the size, which
// starts in half the time; PID 1 falls back to itself without it.
package main

import (
	"fmt"
	"os"

	"gosystemd/impl/cli"
	"gosystemd/impl/exec"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != exec.ToolName {
		fmt.Fprintln(os.Stderr, "This program is started by the service manager, not by hand.")
		os.Exit(1)
	}
	os.Exit(exec.Main(os.Args[1:], cli.OSStdio()))
}
