package unit

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"gosystemd/impl/unitname"
)

// dynamicUserKey is the SipHash key systemd hashes unit names with to
// make DynamicUser= names.
var dynamicUserKey = [16]byte{0x58, 0x1a, 0xaf, 0xe6, 0x28, 0x58, 0x4e, 0x96, 0xb4, 0x4e, 0xf5, 0x3b, 0x8c, 0x92, 0x07, 0xec}

// dynamicUserName is user_from_unit_name: the unit's prefix if it is a
// valid user name, else "_du" and a hash of it.
func dynamicUserName(u *Unit) string {
	n, err := unitname.Prefix(u.ID)
	if err != nil || validUserGroupName(n, false) {
		return n
	}
	return fmt.Sprintf("_du%016x", sipHash24(dynamicUserKey, []byte(n)))
}

// sipHash24 is SipHash-2-4.
func sipHash24(key [16]byte, msg []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(key[:8])
	k1 := binary.LittleEndian.Uint64(key[8:])
	v := [4]uint64{k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573}
	compress := func(m uint64, rounds int) {
		v[3] ^= m
		for range rounds {
			v[0] += v[1]
			v[1] = bits.RotateLeft64(v[1], 13) ^ v[0]
			v[0] = bits.RotateLeft64(v[0], 32)
			v[2] += v[3]
			v[3] = bits.RotateLeft64(v[3], 16) ^ v[2]
			v[0] += v[3]
			v[3] = bits.RotateLeft64(v[3], 21) ^ v[0]
			v[2] += v[1]
			v[1] = bits.RotateLeft64(v[1], 17) ^ v[2]
			v[2] = bits.RotateLeft64(v[2], 32)
		}
		v[0] ^= m
	}
	n := len(msg)
	for ; len(msg) >= 8; msg = msg[8:] {
		compress(binary.LittleEndian.Uint64(msg), 2)
	}
	var last [8]byte
	copy(last[:], msg)
	last[7] = byte(n)
	compress(binary.LittleEndian.Uint64(last[:]), 2)
	v[2] ^= 0xff
	compress(0, 4)
	return v[0] ^ v[1] ^ v[2] ^ v[3]
}
