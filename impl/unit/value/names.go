package value

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// capabilityNames are the kernel's capability names, by number, as
// systemd 252 was built with them.
var capabilityNames = [...]string{
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
	"cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
	"cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct",
	"cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource", "cap_sys_time",
	"cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write", "cap_audit_control",
	"cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
}

// CapAll is the capability set with every bit on.
const CapAll = ^uint64(0)

// CapabilityFromName is systemd's capability_from_name: a number 0..63 or
// a name, case-insensitively.
func CapabilityFromName(name string) (int, error) {
	if i, err := SafeAtoi(name); err == nil {
		if i >= 0 && i < 64 {
			return int(i), nil
		}
		return 0, syscall.EINVAL
	}
	for i, n := range capabilityNames {
		if strings.EqualFold(n, name) {
			return i, nil
		}
	}
	return 0, syscall.EINVAL
}

// CapabilitySetFromString is systemd's capability_set_from_string: words
// naming capabilities; unknown ones are skipped.
func CapabilitySetFromString(s string) uint64 {
	var v uint64
	w := newWords(s)
	for {
		word, ok, err := w.next("", unquote)
		if err != nil || !ok {
			return v
		}
		if c, err := CapabilityFromName(word); err == nil {
			v |= 1 << uint(c)
		}
	}
}

// CapLastCap is the running kernel's last capability
// (/proc/sys/kernel/cap_last_cap), at most 63.
var CapLastCap = sync.OnceValue(func() int {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			return min(n, 63)
		}
	}
	return len(capabilityNames) - 1
})

// CapabilitySetToString is systemd's capability_set_to_string_alloc.
func CapabilitySetToString(set uint64) string {
	var parts []string
	for i := 0; i <= CapLastCap(); i++ {
		if set&(1<<uint(i)) == 0 {
			continue
		}
		if i < len(capabilityNames) {
			parts = append(parts, capabilityNames[i])
		} else {
			parts = append(parts, "0x"+strconv.FormatInt(int64(i), 16))
		}
	}
	return strings.Join(parts, " ")
}

// nameNumber is a name of a generated table and its number.
type nameNumber struct {
	name   string
	number int
}

// AFFromName is systemd's af_from_name (case-insensitive).
func AFFromName(name string) (int, error) {
	for _, entry := range afNames {
		n, v := entry.name, entry.number
		if strings.EqualFold(n, name) {
			return v, nil
		}
	}
	return 0, syscall.EINVAL
}

// AFToName is systemd's af_to_name: "" for unknown numbers.
func AFToName(af int) string {
	best := ""
	for _, entry := range afNames {
		n, v := entry.name, entry.number
		if v == af && n != "AF_FILE" && n != "AF_ROUTE" && n != "AF_LOCAL" {
			best = n
		}
	}
	return best
}

// ErrnoFromName is systemd's errno_from_name (case-insensitive).
func ErrnoFromName(name string) (int, error) {
	for _, entry := range errnoNames {
		n, v := entry.name, entry.number
		if strings.EqualFold(n, name) {
			return v, nil
		}
	}
	return 0, syscall.EINVAL
}

// ErrnoToName is systemd's errno_to_name: "" for unknown numbers.
func ErrnoToName(e int) string {
	if e < 0 {
		e = -e
	}
	for _, entry := range errnoNames {
		n, v := entry.name, entry.number
		if v == e && n != "EDEADLOCK" && n != "EWOULDBLOCK" && n != "ENOTSUP" {
			return n
		}
	}
	return ""
}

// errnoMax is ERRNO_MAX: the largest errno systemd accepts.
const errnoMax = 4095

// ParseErrno is systemd's parse_errno: a name or a number 0..4095.
func ParseErrno(t string) (int, error) {
	if e, err := ErrnoFromName(t); err == nil && e > 0 {
		return e, nil
	}
	e, err := SafeAtoi(t)
	if err != nil {
		return 0, err
	}
	if (e < 1 || e > errnoMax) && e != 0 {
		return 0, syscall.ERANGE
	}
	return int(e), nil
}
