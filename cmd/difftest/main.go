// Command difftest runs scenarios on real systemd 252 and on our build and
// diffs them; see oracle.DifftestMain. `difftest bench` is the PID 1
// benchmark, `difftest bench-clients` the systemctl latency benchmark
// (both in oracle/bench).
package main

import (
	"os"

	"gosystemd/oracle"
	"gosystemd/oracle/bench"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		os.Exit(bench.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "bench-clients" {
		os.Exit(bench.ClientsMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(oracle.DifftestMain(os.Args, os.Stdout, os.Stderr))
}
