package id128

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Invocation returns the ID of the current unit invocation: from
// $INVOCATION_ID if set (user services), else from the "invocation_id"
// user key the service manager puts into a system service's session
// keyring. Without either the error wraps syscall.ENXIO.
func Invocation() (ID, error) {
	if s, ok := os.LookupEnv("INVOCATION_ID"); ok {
		return Parse(s)
	}
	return invocationFromKeyring()
}

// keyPermsAllowed are the permissions a trustworthy invocation key may
// carry: view, read and search for possessor and user, nothing for group
// and others.
// (linux/keyctl.h: possessor bits in the top byte, user bits below).
const keyPermsAllowed = 0x01000000 | 0x02000000 | 0x08000000 | // possessor view, read, search
	0x00010000 | 0x00020000 | 0x00080000 // user view, read, search

func invocationFromKeyring() (ID, error) {
	key, err := requestKey("user", "invocation_id")
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) && keyringUnavailable(errno) {
			return Null, fmt.Errorf("no invocation key: %w", syscall.ENXIO)
		}
		return Null, err
	}
	desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, key)
	if err != nil {
		return Null, fmt.Errorf("describing invocation key: %w", err)
	}
	// The description is "type;uid;gid;perm;description".
	fields := strings.Split(desc, ";")
	if len(fields) < 5 {
		return Null, fmt.Errorf("invocation key description %q: %w", desc, syscall.EIO)
	}
	n := len(fields)
	perm, err := strconv.ParseUint(fields[n-2], 16, 64)
	if err != nil {
		return Null, fmt.Errorf("invocation key permissions %q: %w", fields[n-2], syscall.EIO)
	}
	if perm&^keyPermsAllowed != 0 {
		return Null, fmt.Errorf("invocation key permissions %#x too wide: %w", perm, syscall.EPERM)
	}
	for _, owner := range fields[n-4 : n-2] {
		id, err := strconv.ParseUint(owner, 10, 32)
		if err != nil {
			return Null, fmt.Errorf("invocation key owner %q: %w", owner, syscall.EINVAL)
		}
		if id != 0 {
			return Null, fmt.Errorf("invocation key not owned by root: %w", syscall.EPERM)
		}
	}
	var id ID
	size, err := unix.KeyctlBuffer(unix.KEYCTL_READ, key, id[:], 0)
	if err != nil {
		return Null, fmt.Errorf("reading invocation key: %w", err)
	}
	if size != len(id) {
		return Null, fmt.Errorf("invocation key holds %d bytes: %w", size, syscall.EIO)
	}
	return id, nil
}

// requestKey is request_key(2) without a callout, so the kernel looks the
// key up in our keyrings and never asks userspace to create it.
func requestKey(keyType, description string) (int, error) {
	t, err := unix.BytePtrFromString(keyType)
	if err != nil {
		return 0, err
	}
	d, err := unix.BytePtrFromString(description)
	if err != nil {
		return 0, err
	}
	id, _, errno := unix.Syscall6(unix.SYS_REQUEST_KEY, uintptr(unsafe.Pointer(t)), uintptr(unsafe.Pointer(d)), 0, 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(id), nil
}

// keyringUnavailable is true for the errors that mean there is no key to
// find: keyrings unsupported or locked down, or no such key.
func keyringUnavailable(errno syscall.Errno) bool {
	switch errno {
	case unix.EOPNOTSUPP, unix.ENOTTY, unix.ENOSYS, unix.EAFNOSUPPORT, unix.EPFNOSUPPORT,
		unix.EPROTONOSUPPORT, unix.ESOCKTNOSUPPORT, unix.EPERM, unix.EACCES, unix.ENOKEY:
		return true
	}
	return false
}
