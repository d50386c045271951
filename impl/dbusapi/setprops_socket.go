package dbusapi

import (
	"fmt"
	"strings"
	"syscall"

	"gosystemd/impl/bus"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
)

// socketMore is the rest of bus_socket_set_transient_property: socket
// options, buffer sizes, labels and the names of the fd and device.
func (w *propWriter) socketMore() (bool, error) {
	switch w.name {
	case "Priority", "IPTTL", "Mark":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		return true, nil
	case "MessageQueueMaxMessages", "MessageQueueMessageSize":
		n, ok := w.v.(int64)
		if !ok {
			return true, errUnexpected
		}
		w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		return true, nil
	case "ReceiveBuffer", "SendBuffer", "PipeSize":
		n, err := w.u64()
		if err != nil {
			return true, err
		}
		w.write(true, w.name, fmt.Sprintf("%s=%d", w.name, n))
		return true, nil
	case "SmackLabel", "SmackLabelIPin", "SmackLabelIPOut", "TCPCongestion":
		return w.setString(true)
	case "FileDescriptorName":
		return w.setStringChecked(true, fdNameValid)
	case "BindToDevice":
		return w.setStringChecked(true, unit.IfnameValid)
	case "Timestamping":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if _, ok := unit.TimestampingFromString(s); !ok {
			return true, invalidArgs("Invalid %s setting: %s", w.name, s)
		}
		w.write(true, w.name, w.name+"="+s)
		return true, nil
	case "BindIPv6Only":
		s, err := w.str()
		if err != nil {
			return true, err
		}
		// The names, else a boolean (in any case).
		switch {
		case s == "default" || s == "both" || s == "ipv6-only":
		case booleanWord[strings.ToLower(s)]:
		default:
			return true, invalidArgs("Invalid %s setting: %s", w.name, s)
		}
		w.write(true, w.name, w.name+"="+s)
		return true, nil
	case "IPTOS":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		if n < 0 || n > 0xff {
			return true, bus.Errorf(errnoName(syscall.ERANGE), "Failed to set unit properties: %s", value.Strerror(syscall.ERANGE))
		}
		w.write(true, w.name, "IPTOS="+unit.IPTOSName(n))
		return true, nil
	case "SocketProtocol":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		names := map[int32]string{0: "", 136: "udplite", 132: "sctp"}
		name, ok := names[n]
		if !ok {
			return true, invalidArgs("Invalid %s setting: %d", w.name, n)
		}
		w.write(true, w.name, "SocketProtocol="+name)
		return true, nil
	}
	return false, nil
}

// booleanWord are the words parse_boolean takes, in lower case.
var booleanWord = map[string]bool{"1": true, "yes": true, "y": true, "true": true, "t": true, "on": true,
	"0": true, "no": true, "n": true, "false": true, "f": true, "off": true}
