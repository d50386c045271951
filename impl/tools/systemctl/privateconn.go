package systemctl

import "gosystemd/impl/bus"

// dialPrivate connects to PID 1's private socket, authenticated: the
// NUL byte, AUTH EXTERNAL with our uid and BEGIN in one write, as sd-bus
// clients send them. (A step-by-step handshake, BEGIN sent just before
// the first call, let systemd 252's server read BEGIN and that call in
// one go and leave the call unparsed until more data came.)
func dialPrivate() (*bus.Client, error) { return dialPrivateAt(privateSocket) }

func dialPrivateAt(path string) (*bus.Client, error) { return bus.DialClient(path, false) }
