// Command gosystemd is the multicall binary: installed under systemd's names,
// it runs the tool named by argv[0]. Called by its own name it takes the tool
// name as its first argument, or --install-paths to list what `make install`
// installs.
package main

import (
	"os"

	"gosystemd/impl/multicall"
)

func main() { os.Exit(multicall.Run(os.Args)) }
