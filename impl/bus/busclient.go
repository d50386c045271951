package bus

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/id128"
)

// SystemBusAddress is where the system bus listens.
const SystemBusAddress = "unix:path=/run/dbus/system_bus_socket"

const (
	busName      = "org.freedesktop.DBus"
	busPath      = dbus.ObjectPath("/org/freedesktop/DBus")
	busInterface = "org.freedesktop.DBus"
)

// BusOptions configure ConnectBus.
type BusOptions struct {
	Limits Limits
	// MachineID answers Peer.GetMachineId; read from /etc/machine-id if
	// empty.
	MachineID string
	// UnixFDs asks the bus for file descriptor passing.
	UnixFDs bool
	// Timeout bounds connecting, the handshake and each call ConnectBus
	// makes; 25 s (sd-bus's default) if zero.
	Timeout time.Duration
}

// ConnectBus connects to the message bus at address (a D-Bus address
// such as SystemBusAddress; unix:path= and unix:abstract= are
// understood), says Hello, subscribes to NameOwnerChanged and starts
// relaying events: Connected, the method calls addressed to us (with the
// caller's credentials from the bus), NameOwnerChanged, Disconnected.
// The Tree serves its objects on this connection as on peer-to-peer ones.
func ConnectBus(address string, events chan<- Event, opts BusOptions) (*Conn, error) {
	opts.Limits = opts.Limits.withDefaults()
	if opts.Timeout <= 0 {
		opts.Timeout = 25 * time.Second
	}
	if opts.MachineID == "" {
		id, err := id128.Machine()
		if err != nil {
			return nil, fmt.Errorf("machine id: %w", err)
		}
		opts.MachineID = id.String()
	}
	addr, err := parseUnixAddress(address)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: opts.Timeout}
	raw, err := d.Dial("unix", addr.String())
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", address, err)
	}
	nc := raw.(*net.UnixConn)
	c := newConn(busConn, nc, events, nil, opts.Limits)
	c.machineID = opts.MachineID
	c.relay = make(chan Event, opts.Limits.MaxPendingCredentials)
	nc.SetDeadline(time.Now().Add(opts.Timeout))
	fds, err := clientAuth(c.br, nc, uint32(os.Geteuid()), opts.UnixFDs)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("authenticating to %s: %w", address, err)
	}
	nc.SetDeadline(time.Time{})
	c.unixFDs, c.rd.allowed = fds, fds
	go c.writeLoop()
	go c.readLoop()
	go c.relayLoop()

	body, err := c.Call(opts.Timeout, busName, busPath, busInterface, "Hello", "")
	if err == nil {
		_, err = c.Call(opts.Timeout, busName, busPath, busInterface, "AddMatch", "s",
			"type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'")
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", address, err)
	}
	if len(body) > 0 {
		c.uniqueName, _ = body[0].(string)
	}
	return c, nil
}

// parseUnixAddress picks the first unix: entry of a D-Bus address.
func parseUnixAddress(address string) (*net.UnixAddr, error) {
	for _, entry := range strings.Split(address, ";") {
		kind, params, ok := strings.Cut(entry, ":")
		if !ok || kind != "unix" {
			continue
		}
		for _, kv := range strings.Split(params, ",") {
			k, v, _ := strings.Cut(kv, "=")
			v, err := unescapeAddress(v)
			if err != nil {
				return nil, fmt.Errorf("bus address %q: %w", address, err)
			}
			switch k {
			case "path":
				return &net.UnixAddr{Name: v, Net: "unix"}, nil
			case "abstract":
				return &net.UnixAddr{Name: "@" + v, Net: "unix"}, nil
			}
		}
	}
	return nil, fmt.Errorf("bus address %q has no unix path", address)
}

func unescapeAddress(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		var v byte
		if _, err := fmt.Sscanf(s[i+1:i+3], "%02x", &v); err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(v)
		i += 2
	}
	return b.String(), nil
}

// UniqueName is the name the bus gave this connection.
func (c *Conn) UniqueName() string { return c.uniqueName }

// relayLoop forwards a bus connection's events to the owner, in order,
// ending after Disconnected.
func (c *Conn) relayLoop() {
	defer c.recoverInto()
	for ev := range c.relay {
		c.events <- ev
		if _, ok := ev.(*Disconnected); ok {
			return
		}
	}
}

// Call makes a method call and waits up to timeout for its reply. It
// must not be made from the owner goroutine while the owner is needed to
// drain events (on a peer-to-peer connection the reader waits for the
// owner); on a bus connection replies are read independently.
func (c *Conn) Call(timeout time.Duration, dest string, path dbus.ObjectPath, iface, member, sig string, args ...any) ([]any, error) {
	if got := signatureOf(args); got != sig {
		return nil, fmt.Errorf("call %s.%s: arguments have signature %q, want %q", iface, member, got, sig)
	}
	msg := &dbus.Message{
		Type: dbus.TypeMethodCall,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:      dbus.MakeVariant(path),
			dbus.FieldInterface: dbus.MakeVariant(iface),
			dbus.FieldMember:    dbus.MakeVariant(member),
		},
		Body: args,
	}
	if dest != "" {
		msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(dest)
	}
	if sig != "" {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.ParseSignatureMust(sig))
	}
	ch := make(chan *dbus.Message, 1)
	serial, err := c.send(msg, func(m *dbus.Message) { ch <- m })
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m := <-ch:
		if m.Type == dbus.TypeError {
			name, _ := m.Headers[dbus.FieldErrorName].Value().(string)
			text := ""
			if len(m.Body) > 0 {
				text, _ = m.Body[0].(string)
			}
			return nil, &Error{Name: name, Message: text}
		}
		return m.Body, nil
	case <-c.done:
		return nil, ErrClosed
	case <-timer.C:
		c.mu.Lock()
		delete(c.pending, serial)
		c.mu.Unlock()
		return nil, Errorf(ErrNameTimeout, "Connection timed out")
	}
}

// Reply codes of RequestName.
const (
	NamePrimaryOwner = 1
	NameInQueue      = 2
	NameExists       = 3
	NameAlreadyOwner = 4
)

// RequestName asks the bus for a well-known name (flags as in the D-Bus
// specification) and returns its reply code.
func (c *Conn) RequestName(name string, flags uint32, timeout time.Duration) (uint32, error) {
	body, err := c.Call(timeout, busName, busPath, busInterface, "RequestName", "su", name, flags)
	if err != nil {
		return 0, fmt.Errorf("requesting %s: %w", name, err)
	}
	code, _ := body[0].(uint32)
	return code, nil
}

// deliverWithCredentials holds a bus call back until the bus told us who
// its sender is, asking once per sender and caching the answer until the
// sender's name goes away. Runs on the reader goroutine.
func (c *Conn) deliverWithCredentials(call *Call) bool {
	if cred, ok := c.creds[call.Sender]; ok || call.Sender == "" {
		if !ok {
			cred = Cred{UID: NoGID, GID: NoGID}
		}
		call.Cred = cred
		return c.deliver(call)
	}
	if c.nWaiting >= c.limits.MaxPendingCredentials {
		call.ReplyError(Errorf(ErrNameLimitsExceeded, "Too many calls awaiting credentials."))
		return true
	}
	queued, asked := c.waiting[call.Sender]
	c.waiting[call.Sender] = append(queued, call)
	c.nWaiting++
	if asked {
		return true
	}
	sender := call.Sender
	msg := &dbus.Message{
		Type: dbus.TypeMethodCall,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldDestination: dbus.MakeVariant(busName),
			dbus.FieldPath:        dbus.MakeVariant(busPath),
			dbus.FieldInterface:   dbus.MakeVariant(busInterface),
			dbus.FieldMember:      dbus.MakeVariant("GetConnectionCredentials"),
			dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf("")),
		},
		Body: []any{sender},
	}
	_, err := c.send(msg, func(m *dbus.Message) { c.credentialsArrived(sender, m) })
	return err == nil
}

// credentialsArrived releases the calls waiting for sender's credentials.
func (c *Conn) credentialsArrived(sender string, m *dbus.Message) {
	calls := c.waiting[sender]
	delete(c.waiting, sender)
	c.nWaiting -= len(calls)
	if m.Type == dbus.TypeError {
		for _, call := range calls {
			call.ReplyError(Errorf(ErrNameAccessDenied, "Failed to determine credentials of %s.", sender))
		}
		return
	}
	cred := Cred{UID: NoGID, GID: NoGID}
	if len(m.Body) > 0 {
		if info, ok := m.Body[0].(map[string]dbus.Variant); ok {
			if v, ok := info["UnixUserID"].Value().(uint32); ok {
				cred.UID = v
			}
			if v, ok := info["ProcessID"].Value().(uint32); ok {
				cred.PID = int32(v)
			}
		}
	}
	if len(c.creds) >= 4096 {
		clear(c.creds)
	}
	c.creds[sender] = cred
	for i, call := range calls {
		call.Cred = cred
		if !c.deliver(call) {
			for _, rest := range calls[i+1:] {
				rest.closeFDs()
			}
			return
		}
	}
}

// busSignal handles a signal from the bus driver.
func (c *Conn) busSignal(msg *dbus.Message) bool {
	sender, _ := msg.Headers[dbus.FieldSender].Value().(string)
	iface, _ := msg.Headers[dbus.FieldInterface].Value().(string)
	member, _ := msg.Headers[dbus.FieldMember].Value().(string)
	if sender != busName || iface != busInterface || member != "NameOwnerChanged" || len(msg.Body) != 3 {
		return true
	}
	name, _ := msg.Body[0].(string)
	oldOwner, _ := msg.Body[1].(string)
	newOwner, _ := msg.Body[2].(string)
	if newOwner == "" {
		delete(c.creds, name)
	}
	return c.emit(&NameOwnerChanged{Conn: c, Name: name, OldOwner: oldOwner, NewOwner: newOwner})
}

// SignalTo sends a signal without arguments to one peer of the bus only
// (sd_bus_send_to with a destination).
func (c *Conn) SignalTo(dest string, path dbus.ObjectPath, iface, member string) error {
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(path),
		dbus.FieldInterface:   dbus.MakeVariant(iface),
		dbus.FieldMember:      dbus.MakeVariant(member),
		dbus.FieldDestination: dbus.MakeVariant(dest),
	}}
	_, err := c.send(msg, nil)
	return err
}
