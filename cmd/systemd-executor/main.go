// Command systemd-executor is the executor alone, installed at
// /usr/lib/systemd/systemd-executor: PID 1 starts it for every command it
// runs (argv [command name, "systemd-executor", spec fd, status fd]), and
// package exec's init runs it before main. It is the multicall binary's
// executor in a binary a quarter the size, which costs a command about a
// quarter less CPU time; PID 1 falls back to itself without it.
package main

import (
	"fmt"
	"os"

	_ "gosystemd/impl/exec"
)

func main() {
	fmt.Fprintln(os.Stderr, "This program is started by the service manager, not by hand.")
	os.Exit(1)
}
