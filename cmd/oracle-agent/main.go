// Command oracle-agent runs inside the oracle's VM guests (see package
// gosystemd/oracle/agent); vmimages/vm.sh builds it statically into the
// initramfs.
package main

import (
	"os"

	"gosystemd/oracle/agent"
)

func main() { os.Exit(agent.Main(os.Args[1:], os.Stderr)) }
