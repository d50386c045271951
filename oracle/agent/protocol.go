// Package agent is the oracle's helper inside a VM guest: started by the
// initramfs before systemd, it serves commands the runner sends over a
// virtio-serial port, each run in the guest's root with a clean environment.
// It owns the wire protocol; package oracle (the runner) and
// cmd/oracle-agent (the static in-guest binary) import it.
//
// The protocol is JSON, one object per line, both ways. The runner sends
// Requests; the agent answers each with one Response carrying the same ID,
// in any order. A Request with Cancel set kills the command of that ID.
package agent

// PortName is the virtio-serial port name the agent serves on.
const PortName = "oracle"

// Env is the environment every command runs with.
var Env = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root", "LANG=C.UTF-8", "TERM=dumb", "USER=root", "LOGNAME=root",
}

// Request asks the agent to run Argv, to wait for one of WaitPaths to exist
// (without starting a process, so as not to slow a booting guest), or to
// cancel the request with ID.
type Request struct {
	ID        uint64   `json:"id"`
	Argv      []string `json:"argv,omitempty"`
	Stdin     []byte   `json:"stdin,omitempty"`
	WaitPaths []string `json:"wait_paths,omitempty"`
	// TimeoutMS bounds the request; 0 means no bound.
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
	Cancel    bool  `json:"cancel,omitempty"`
}

// Response is what one command did (for WaitPaths: Exit 0 and the path
// found as Stdout). ID 0 with Ready set is the agent's
// greeting.
type Response struct {
	ID     uint64 `json:"id"`
	Ready  bool   `json:"ready,omitempty"`
	Stdout []byte `json:"stdout,omitempty"`
	Stderr []byte `json:"stderr,omitempty"`
	// Exit is the exit status, 128+signal when killed by a signal, or -1
	// when the command could not be run or was stopped.
	Exit     int  `json:"exit"`
	TimedOut bool `json:"timed_out,omitempty"`
}
