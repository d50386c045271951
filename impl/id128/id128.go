// Package id128 owns systemd's 128-bit IDs: parsing and formatting them in
// plain (32 hex digits) and UUID form, random v4 generation, the machine,
// boot and invocation IDs of the running system, app-specific IDs derived
// from them, and the table of well-known GPT partition type IDs. It
// follows systemd 252's sd-id128 in what it accepts and which errno each
// failure carries (errors wrap a syscall.Errno).
//
// Any package may import id128; it imports nothing of ours.
package id128

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"syscall"
)

// ID is a 128-bit ID, byte 0 first as written.
type ID [16]byte

// Null is the all-zero ID, which systemd treats as "unset".
var Null ID

// Lengths of the two textual forms.
const (
	StringLen     = 32
	UUIDStringLen = 36
)

// Parse reads an ID written as 32 hex digits or as a UUID
// (8-4-4-4-12 hex digits), in either case. Nothing else is accepted: no
// surrounding space, braces or other dash positions. The error wraps
// syscall.EINVAL.
func Parse(s string) (ID, error) {
	var id ID
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	invalid := func() (ID, error) {
		return Null, fmt.Errorf("parsing 128-bit ID %q: %w", s, syscall.EINVAL)
	}
	uuid := false
	i := 0
	for n := 0; n < len(id); {
		if at(i) == '-' {
			switch i {
			case 8:
				uuid = true
			case 13, 18, 23:
				if !uuid {
					return invalid()
				}
			default:
				return invalid()
			}
			i++
			continue
		}
		hi, lo := unhex(at(i)), unhex(at(i+1))
		if hi < 0 || lo < 0 {
			return invalid()
		}
		id[n] = byte(hi<<4 | lo)
		n++
		i += 2
	}
	want := StringLen
	if uuid {
		want = UUIDStringLen
	}
	if i != want || len(s) != want {
		return invalid()
	}
	return id, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// String is the plain form: 32 lowercase hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// UUID is the UUID form: lowercase hex digits grouped 8-4-4-4-12.
func (id ID) UUID() string {
	s := id.String()
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// IsNull reports whether id is all zeroes.
func (id ID) IsNull() bool { return id == Null }

// AsV4 marks id as a random (version 4, DCE variant) UUID, as systemd does
// with every ID it generates or derives.
func (id ID) AsV4() ID {
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// New returns a random version 4 ID.
func New() (ID, error) {
	var id ID
	if _, err := rand.Read(id[:]); err != nil {
		return Null, fmt.Errorf("generating random ID: %w", err)
	}
	return id.AsV4(), nil
}

// AppSpecific derives an ID for one application from base (a machine or
// boot ID) without revealing base: the first half of HMAC-SHA256 keyed
// with base over app, made a v4 UUID.
func AppSpecific(base, app ID) ID {
	mac := hmac.New(sha256.New, base[:])
	mac.Write(app[:])
	var id ID
	copy(id[:], mac.Sum(nil))
	return id.AsV4()
}
