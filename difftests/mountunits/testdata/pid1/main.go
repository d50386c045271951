// Command pid1 is our PID 1 and its executor in one binary, without the
// other tools of the multicall binary: what TestContainerMountUnits
// installs as /usr/lib/systemd/systemd.
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
