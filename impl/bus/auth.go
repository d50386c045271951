package bus

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Handshake limits. A legitimate client sends well under 200 bytes.
const (
	maxAuthLine  = 1024
	maxAuthBytes = 16 << 10
)

var (
	errAuthNoNUL    = errors.New("first byte of handshake is not NUL")
	errAuthTooLong  = errors.New("handshake line or total too long")
	errAuthRejected = errors.New("authentication rejected")
)

// authResult is what a finished server-side handshake agreed on.
type authResult struct {
	unixFDs bool
}

// serverAuth runs the server side of the D-Bus SASL handshake on one
// accepted connection: the NUL byte, then text lines until BEGIN. The only
// mechanism is EXTERNAL; the identity it claims must be peerUID, the uid
// the kernel reported for the socket (SO_PEERCRED). r must be the buffered
// reader later used for messages, as the client may send its first message
// in the same packet as BEGIN. The caller sets the deadline.
func serverAuth(r *bufio.Reader, w io.Writer, peerUID uint32, guid string, allowFDs bool) (authResult, error) {
	var res authResult
	nul, err := r.ReadByte()
	if err != nil {
		return res, err
	}
	if nul != 0 {
		return res, errAuthNoNUL
	}
	const (
		waitingAuth = iota
		waitingData
		authenticated
	)
	state := waitingAuth
	total := 1
	reply := func(s string) error {
		_, err := io.WriteString(w, s+"\r\n")
		return err
	}
	for {
		line, err := readAuthLine(r, &total)
		if err != nil {
			return res, err
		}
		cmd, arg, _ := bytes.Cut(line, []byte(" "))
		switch string(cmd) {
		case "AUTH":
			mech, initial, hasInitial := bytes.Cut(arg, []byte(" "))
			switch {
			case string(mech) != "EXTERNAL":
				err = reply("REJECTED EXTERNAL")
			case !hasInitial:
				state = waitingData
				err = reply("DATA")
			case externalIdentityOK(initial, peerUID):
				state = authenticated
				err = reply("OK " + guid)
			default:
				state = waitingAuth
				err = reply("REJECTED EXTERNAL")
			}
		case "DATA":
			switch {
			case state != waitingData:
				err = reply("ERROR")
			case len(arg) == 0 || externalIdentityOK(arg, peerUID):
				state = authenticated
				err = reply("OK " + guid)
			default:
				state = waitingAuth
				err = reply("REJECTED EXTERNAL")
			}
		case "CANCEL", "ERROR":
			state = waitingAuth
			err = reply("REJECTED EXTERNAL")
		case "NEGOTIATE_UNIX_FD":
			if state != authenticated || !allowFDs || len(arg) != 0 {
				err = reply("ERROR")
			} else {
				res.unixFDs = true
				err = reply("AGREE_UNIX_FD")
			}
		case "BEGIN":
			if state == authenticated && len(arg) == 0 {
				return res, nil
			}
			err = reply("ERROR")
		default:
			err = reply("ERROR")
		}
		if err != nil {
			return res, err
		}
	}
}

// externalIdentityOK reports whether hexUID, the hex-encoded decimal uid an
// EXTERNAL client claims, is uid.
func externalIdentityOK(hexUID []byte, uid uint32) bool {
	raw, err := hex.DecodeString(string(hexUID))
	if err != nil || len(raw) == 0 || len(raw) > 10 {
		return false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return false
		}
	}
	claimed, err := strconv.ParseUint(string(raw), 10, 32)
	return err == nil && uint32(claimed) == uid
}

// readAuthLine reads one CRLF-terminated line without the terminator,
// counting bytes into *total against the handshake's limits.
func readAuthLine(r *bufio.Reader, total *int) ([]byte, error) {
	var line []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		*total++
		if *total > maxAuthBytes || len(line) > maxAuthLine {
			return nil, errAuthTooLong
		}
		if b == '\n' && len(line) > 0 && line[len(line)-1] == '\r' {
			return line[:len(line)-1], nil
		}
		line = append(line, b)
	}
}

// clientAuth runs the client side of the handshake (EXTERNAL as uid) on a
// fresh connection to a bus and reports whether fd passing was agreed.
func clientAuth(r *bufio.Reader, w io.Writer, uid uint32, wantFDs bool) (bool, error) {
	id := hex.EncodeToString([]byte(strconv.FormatUint(uint64(uid), 10)))
	if _, err := io.WriteString(w, "\x00AUTH EXTERNAL "+id+"\r\n"); err != nil {
		return false, err
	}
	total := 0
	line, err := readAuthLine(r, &total)
	if err != nil {
		return false, err
	}
	if !bytes.HasPrefix(line, []byte("OK ")) {
		return false, fmt.Errorf("%w: server said %q", errAuthRejected, line)
	}
	fds := false
	if wantFDs {
		if _, err := io.WriteString(w, "NEGOTIATE_UNIX_FD\r\n"); err != nil {
			return false, err
		}
		line, err := readAuthLine(r, &total)
		if err != nil {
			return false, err
		}
		fds = string(line) == "AGREE_UNIX_FD"
	}
	_, err = io.WriteString(w, "BEGIN\r\n")
	return fds, err
}
