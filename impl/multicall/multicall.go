// Package multicall is the table of every tool the gosystemd binary carries
// and the dispatch on argv[0]. It is the one place that imports every tool;
// only cmd/gosystemd imports it.
package multicall

import (
	"fmt"
	"path/filepath"
	"sort"

	"gosystemd/impl/cli"
	"gosystemd/impl/exec"
	"gosystemd/impl/pid1"
	"gosystemd/impl/tools/analyze"
	"gosystemd/impl/tools/delta"
	"gosystemd/impl/tools/escape"
	id128tool "gosystemd/impl/tools/id128"
	pathtool "gosystemd/impl/tools/path"
	"gosystemd/impl/tools/systemctl"
)

// Tools lists every tool, installed or not. Add a tool here and set
// Installed once it is byte-identical to systemd 252's in its scenarios.
var Tools = []cli.Tool{
	{Name: "systemd-analyze", Path: "usr/bin/systemd-analyze", Installed: false, Main: analyze.Main},
	{Name: "systemctl", Path: "usr/bin/systemctl", Installed: true, Main: systemctl.Main},
	{Name: "systemd-delta", Path: "usr/bin/systemd-delta", Installed: true, Main: delta.Main},
	{Name: "systemd-escape", Path: "usr/bin/systemd-escape", Installed: true, Main: escape.Main},
	// Not a systemd 252 binary: the child that sets up a command's
	// process (argv[1] dispatch). `make install` installs the smaller
	// cmd/systemd-executor at this path instead of a link.
	{Name: "systemd-executor", Path: "usr/lib/systemd/systemd-executor", Installed: false, Main: exec.Main},
	// PID 1: the manager.
	{Name: "systemd", Path: "usr/lib/systemd/systemd", Installed: true, Main: pid1.Main},
	{Name: "systemd-id128", Path: "usr/bin/systemd-id128", Installed: true, Main: id128tool.Main},
	{Name: "systemd-path", Path: "usr/bin/systemd-path", Installed: true, Main: pathtool.Main},
}

// Lookup finds a tool by the name it is called as.
func Lookup(name string) (cli.Tool, bool) {
	for _, t := range Tools {
		if t.Name == name {
			return t, true
		}
	}
	return cli.Tool{}, false
}

// Run dispatches args (as os.Args) and returns the exit code.
func Run(args []string) int {
	stdio := cli.OSStdio()
	// A process started as the executor (argv[1] exec.ToolName, under
	// the command's own name) never gets here: package exec's init runs it.
	name := filepath.Base(args[0])
	if t, ok := Lookup(name); ok {
		return t.Main(args, stdio)
	}
	if len(args) > 1 {
		switch args[1] {
		case "--install-paths":
			var paths []string
			for _, t := range Tools {
				if t.Installed {
					paths = append(paths, t.Path)
				}
			}
			sort.Strings(paths)
			for _, p := range paths {
				fmt.Fprintln(stdio.Out, p)
			}
			return 0
		case "--list":
			for _, t := range Tools {
				state := "not installed"
				if t.Installed {
					state = "installed"
				}
				fmt.Fprintf(stdio.Out, "%s\t%s\t%s\n", t.Name, t.Path, state)
			}
			return 0
		}
		if t, ok := Lookup(args[1]); ok {
			return t.Main(args[1:], stdio)
		}
	}
	fmt.Fprintf(stdio.Err, "%s: unknown tool; call it as one of the names from --list\n", name)
	return 1
}
