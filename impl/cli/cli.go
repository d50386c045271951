// Package cli holds what every tool's Main shares: injected standard streams
// and the multicall table that maps an installed name (argv[0]) to a tool.
//
// Any package may import cli; cli imports nothing of ours.
package cli

import (
	"io"
	"os"
)

// Stdio is a tool's standard streams, injected so tests can run a tool in
// process.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// OSStdio is the process's own standard streams.
func OSStdio() Stdio { return Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr} }

// Main runs one tool. args[0] is the name it was called by, as in os.Args.
// It returns the process exit code.
type Main func(args []string, stdio Stdio) int

// Tool is one entry of the multicall table.
type Tool struct {
	// Name is the basename argv[0] carries, e.g. "systemd-escape".
	Name string
	// Path is where `make install` puts it, relative to DESTDIR, at
	// systemd's own path on Debian bookworm (merged /usr only).
	Path string
	// Installed says whether the tool is complete enough to replace
	// systemd's: only those go into `make install`.
	Installed bool
	Main      Main
}
