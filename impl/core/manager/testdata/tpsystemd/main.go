// Command tpsystemd is our PID 1 and its executor in one binary, built by
// the manager's host tests of timer and path units
// (unittimer_host_test.go): the executor by argv[1], the manager
// otherwise.
package main

import (
	"os"

	"gosystemd/impl/cli"
	"gosystemd/impl/exec"
	"gosystemd/impl/pid1"
)

func main() {
	stdio := cli.OSStdio()
	if len(os.Args) > 1 && os.Args[1] == exec.ToolName {
		os.Exit(exec.Main(os.Args[1:], stdio))
	}
	os.Exit(pid1.Main(os.Args, stdio))
}
