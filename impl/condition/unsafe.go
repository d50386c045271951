package condition

import (
	"encoding/binary"
	"unsafe"
)

// unsafePointer is the address of a slice's first element, for system
// calls that take a buffer.
func unsafePointer[T any](s []T) unsafe.Pointer { return unsafe.Pointer(&s[0]) }

func nativeEndianUint32(b []byte) uint32 { return binary.NativeEndian.Uint32(b) }
