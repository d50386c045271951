package systemctl

import (
	"bytes"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/godbus/dbus/v5"
)

// pipelinedAuth carries godbus's side of the SASL handshake on the
// private socket the way sd-bus clients do: the NUL byte, AUTH EXTERNAL
// and BEGIN in one write, then the server's OK. godbus asks for the
// mechanisms first and sends BEGIN only after OK, right before its
// first message; systemd 252's server can read BEGIN and that message in
// one go and then leave the message unparsed until more data comes.
// Here the mechanisms query is answered locally and the late BEGIN is
// dropped, so the first message always arrives alone.
type pipelinedAuth struct {
	*net.UnixConn
	mu      sync.Mutex
	pending []byte // written but held back: the NUL byte
	replies []byte // answers made up locally, read before the socket's
	begun   bool
}

func (c *pipelinedAuth) Write(p []byte) (int, error) {
	n := len(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.begun && string(p) == "BEGIN\r\n":
		return len(p), nil
	case c.begun:
		return c.UnixConn.Write(p)
	case len(p) == 1 && p[0] == 0:
		c.pending = append(c.pending, 0)
		return 1, nil
	case string(p) == "AUTH\r\n":
		c.replies = append(c.replies, "REJECTED EXTERNAL\r\n"...)
		return len(p), nil
	case bytes.HasPrefix(p, []byte("AUTH EXTERNAL")):
		// godbus names no identity; the server would then ask for DATA
		// before BEGIN. The initial response carries our uid, as
		// sd-bus's does.
		if string(p) == "AUTH EXTERNAL\r\n" {
			p = []byte("AUTH EXTERNAL " + hex.EncodeToString([]byte(strconv.Itoa(os.Geteuid()))) + "\r\n")
		}
		out := append(append(c.pending, p...), "BEGIN\r\n"...)
		c.pending, c.begun = nil, true
		if _, err := c.UnixConn.Write(out); err != nil {
			return 0, err
		}
		return n, nil
	}
	return c.UnixConn.Write(p)
}

func (c *pipelinedAuth) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.replies) > 0 {
		n := copy(p, c.replies)
		c.replies = c.replies[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	return c.UnixConn.Read(p)
}

// dialPrivate connects to PID 1's private socket, authenticated.
func dialPrivate() (*dbus.Conn, error) { return dialPrivateAt(privateSocket) }

func dialPrivateAt(path string) (*dbus.Conn, error) {
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	conn, err := dbus.NewConn(&pipelinedAuth{UnixConn: nc})
	if err != nil {
		nc.Close()
		return nil, err
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Geteuid()))}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
