// Package gosdclient compares what coreos/go-systemd's D-Bus client —
// the library Go programs manage systemd with (Kubernetes, Docker,
// Nomad, Prometheus's node exporter…) — gets from real systemd 252 and
// from our PID 1: the test binary doubles as the client inside the
// guest, makes each call over the system bus and prints what came back,
// and the test diffs the two transcripts step by step.
package gosdclient
