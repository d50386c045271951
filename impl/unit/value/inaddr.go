package value

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"syscall"
)

// Address families.
const (
	AFUnspec  = 0
	AFUnix    = 1
	AFInet    = 2
	AFInet6   = 10
	AFNetlink = 16
)

// IPPrefix is an address prefix as systemd stores it: the address masked
// to the prefix length.
type IPPrefix struct {
	Family    int
	Addr      []byte // 4 or 16 bytes
	PrefixLen uint8
}

// String is systemd's IN_ADDR_PREFIX_TO_STRING: "addr/len".
func (p IPPrefix) String() string {
	return FormatInAddr(p.Addr) + fmt.Sprintf("/%d", p.PrefixLen)
}

func masked(family int, addr []byte, plen uint8) IPPrefix {
	a := append([]byte(nil), addr...)
	for i := range a {
		bits := int(plen) - i*8
		switch {
		case bits >= 8:
		case bits <= 0:
			a[i] = 0
		default:
			a[i] &= ^byte(0xff >> uint(bits))
		}
	}
	return IPPrefix{Family: family, Addr: a, PrefixLen: plen}
}

// inetPton is glibc's inet_pton for AF_INET or AF_INET6.
func inetPton(family int, s string) ([]byte, bool) {
	if family == AFInet {
		parts := strings.Split(s, ".")
		if len(parts) != 4 {
			return nil, false
		}
		out := make([]byte, 4)
		for i, p := range parts {
			if p == "" || len(p) > 3 || len(p) > 1 && p[0] == '0' {
				return nil, false
			}
			v := 0
			for _, c := range []byte(p) {
				if c < '0' || c > '9' {
					return nil, false
				}
				v = v*10 + int(c-'0')
			}
			if v > 255 {
				return nil, false
			}
			out[i] = byte(v)
		}
		return out, true
	}
	if strings.ContainsAny(s, "%") || !strings.Contains(s, ":") {
		return nil, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return nil, false
	}
	b := a.As16()
	return b[:], true
}

// InAddrFromStringAuto is systemd's in_addr_from_string_auto.
func InAddrFromStringAuto(s string) (int, []byte, error) {
	if a, ok := inetPton(AFInet, s); ok {
		return AFInet, a, nil
	}
	if a, ok := inetPton(AFInet6, s); ok {
		return AFInet6, a, nil
	}
	return 0, nil, syscall.EINVAL
}

// ParseInAddrPrefix is systemd's in_addr_prefix_from_string_auto: an
// address with an optional "/len" (full length if absent).
func ParseInAddrPrefix(p string) (IPPrefix, error) {
	l, plen, hasLen := strings.Cut(p, "/")
	family, addr, err := InAddrFromStringAuto(l)
	if err != nil {
		return IPPrefix{}, err
	}
	k := uint8(len(addr) * 8)
	if hasLen {
		u, err := SafeAtou8(plen)
		if err != nil {
			return IPPrefix{}, err
		}
		if int(u) > len(addr)*8 {
			return IPPrefix{}, syscall.ERANGE
		}
		k = u
	}
	return IPPrefix{Family: family, Addr: addr, PrefixLen: k}, nil
}

// IPPrefixSet is a set of masked prefixes, kept sorted (systemd's set has
// no defined order).
type IPPrefixSet []IPPrefix

// Add puts p, masked, into the set.
func (s *IPPrefixSet) Add(p IPPrefix) {
	m := masked(p.Family, p.Addr, p.PrefixLen)
	for _, q := range *s {
		if q.Family == m.Family && q.PrefixLen == m.PrefixLen && string(q.Addr) == string(m.Addr) {
			return
		}
	}
	*s = append(*s, m)
	sort.Slice(*s, func(i, j int) bool {
		a, b := (*s)[i], (*s)[j]
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		if a.PrefixLen != b.PrefixLen {
			return a.PrefixLen < b.PrefixLen
		}
		return string(a.Addr) < string(b.Addr)
	})
}

// IsLocalhost is systemd's is_localhost.
func IsLocalhost(h string) bool {
	l := strings.ToLower(h)
	switch l {
	case "localhost", "localhost.", "localhost.localdomain", "localhost.localdomain.":
		return true
	}
	return strings.HasSuffix(l, ".localhost") || strings.HasSuffix(l, ".localhost.") ||
		strings.HasSuffix(l, ".localhost.localdomain") || strings.HasSuffix(l, ".localhost.localdomain.")
}

// Named prefix sets of IPAddressAllow= and friends.
var (
	v4 = func(a, b, c, d byte) []byte { return []byte{a, b, c, d} }
	v6 = func(b0, b1 byte, last byte) []byte {
		a := make([]byte, 16)
		a[0], a[1], a[15] = b0, b1, last
		return a
	}
	namedPrefixes = map[string][2]IPPrefix{
		"any":        {{AFInet, v4(0, 0, 0, 0), 0}, {AFInet6, v6(0, 0, 0), 0}},
		"localhost":  {{AFInet, v4(127, 0, 0, 0), 8}, {AFInet6, v6(0, 0, 1), 128}},
		"link-local": {{AFInet, v4(169, 254, 0, 0), 16}, {AFInet6, v6(0xfe, 0x80, 0), 64}},
		"multicast":  {{AFInet, v4(224, 0, 0, 0), 4}, {AFInet6, v6(0xff, 0, 0), 8}},
	}
)

// ParseInAddrPrefixWord parses one word of IPAddressAllow=: "any",
// "localhost", "link-local", "multicast" or a prefix.
func ParseInAddrPrefixWord(word string) ([]IPPrefix, error) {
	key := word
	if IsLocalhost(word) {
		key = "localhost"
	}
	if n, ok := namedPrefixes[key]; ok {
		return n[:], nil
	}
	p, err := ParseInAddrPrefix(word)
	if err != nil {
		return nil, err
	}
	return []IPPrefix{p}, nil
}

// FormatInAddr is glibc's inet_ntop.
func FormatInAddr(a []byte) string {
	if len(a) == 4 {
		return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], a[3])
	}
	var words [8]int
	for i := range words {
		words[i] = int(a[2*i])<<8 | int(a[2*i+1])
	}
	// Longest run of zero words (at least two), first one on ties.
	bestBase, bestLen := -1, 0
	for i := 0; i < 8; {
		if words[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && words[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestBase, bestLen = i, j-i
		}
		i = j
	}
	if bestLen < 2 {
		bestBase = -1
	}
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				b.WriteByte(':')
			}
			continue
		}
		if i != 0 {
			b.WriteByte(':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || bestLen == 5 && words[5] == 0xffff) {
			fmt.Fprintf(&b, "%d.%d.%d.%d", a[12], a[13], a[14], a[15])
			break
		}
		fmt.Fprintf(&b, "%x", words[i])
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		b.WriteByte(':')
	}
	return b.String()
}

// InetPton4 is glibc's inet_pton for AF_INET.
func InetPton4(s string) ([]byte, bool) { return inetPton(AFInet, s) }

// InetPton6 is glibc's inet_pton for AF_INET6.
func InetPton6(s string) ([]byte, bool) { return inetPton(AFInet6, s) }
