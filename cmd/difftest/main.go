// Command difftest runs scenarios on real systemd 252 and on our build and
// diffs them; see oracle.DifftestMain.
package main

import (
	"os"

	"gosystemd/oracle"
)

func main() { os.Exit(oracle.DifftestMain(os.Args, os.Stdout, os.Stderr)) }
