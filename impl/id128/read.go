package id128

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Format says which textual forms an ID file may hold.
type Format int

const (
	FormatPlain Format = 1 << iota
	FormatUUID
	FormatAny = FormatPlain | FormatUUID
)

// Where the running system keeps its IDs.
const (
	MachineIDPath = "/etc/machine-id"
	BootIDPath    = "/proc/sys/kernel/random/boot_id"
)

// Read reads an ID file's contents from r: one ID in an allowed form,
// optionally followed by a newline, and nothing else. Errors wrap
// syscall.ENOMEDIUM for an empty file, syscall.ENOPKG for
// "uninitialized" (as written by an image build before first boot), and
// syscall.EINVAL for anything else that is not an ID.
func Read(r io.Reader, f Format) (ID, error) {
	// One byte more than the longest valid content, so longer files are
	// recognised without reading them whole.
	buf := make([]byte, UUIDStringLen+2)
	n, err := io.ReadFull(r, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Null, err
	}
	buf = buf[:n]
	invalid := func() (ID, error) {
		return Null, fmt.Errorf("ID file content %q: %w", buf, syscall.EINVAL)
	}
	var text []byte
	switch n {
	case 0:
		return Null, fmt.Errorf("empty ID file: %w", syscall.ENOMEDIUM)
	case len("uninitialized"), len("uninitialized\n"):
		if string(buf) == "uninitialized\n"[:n] {
			return Null, fmt.Errorf("ID file says uninitialized: %w", syscall.ENOPKG)
		}
		return invalid()
	case StringLen, StringLen + 1:
		if f&FormatPlain == 0 || (n > StringLen && buf[StringLen] != '\n') {
			return invalid()
		}
		text = buf[:StringLen]
	case UUIDStringLen, UUIDStringLen + 1:
		if f&FormatUUID == 0 || (n > UUIDStringLen && buf[UUIDStringLen] != '\n') {
			return invalid()
		}
		text = buf[:UUIDStringLen]
	default:
		return invalid()
	}
	id, err := Parse(string(text))
	if err != nil {
		return invalid()
	}
	return id, nil
}

// ReadFile reads the ID file at path, as Read.
func ReadFile(path string, f Format) (ID, error) {
	file, err := os.Open(path)
	if err != nil {
		return Null, err
	}
	defer file.Close()
	id, err := Read(file, f)
	if err != nil {
		return Null, fmt.Errorf("%s: %w", path, err)
	}
	return id, nil
}

// Machine returns the machine ID from /etc/machine-id.
func Machine() (ID, error) { return MachineFrom(MachineIDPath) }

// MachineFrom reads a machine ID file, which must be in plain form and
// not null (syscall.ENOMEDIUM).
func MachineFrom(path string) (ID, error) {
	id, err := ReadFile(path, FormatPlain)
	if err == nil && id.IsNull() {
		return Null, fmt.Errorf("%s: null machine ID: %w", path, syscall.ENOMEDIUM)
	}
	return id, err
}

// Boot returns the kernel's ID of the current boot.
func Boot() (ID, error) { return BootFrom(BootIDPath) }

// BootFrom reads a boot ID file, which must be in UUID form.
func BootFrom(path string) (ID, error) { return ReadFile(path, FormatUUID) }
