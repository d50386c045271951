package value

import (
	"fmt"
	"strings"
	"syscall"
)

// CPUSet is a set of CPUs (or NUMA nodes) as systemd keeps it: a bit mask
// whose byte length grows in steps of 8, as glibc's CPU_ALLOC_SIZE does.
// A nil set is "not set"; a non-nil empty one is "set, but no CPUs".
type CPUSet []byte

const cpuSetMax = 8192

func (s *CPUSet) grow(ncpus uint32) {
	need := int((ncpus+63)/64) * 8
	if need > len(*s) {
		*s = append(*s, make([]byte, need-len(*s))...)
	}
}

// Add puts cpu in the set.
func (s *CPUSet) Add(cpu uint32) error {
	if cpu >= cpuSetMax {
		return syscall.ERANGE
	}
	s.grow(cpu + 1)
	(*s)[cpu/8] |= 1 << (cpu % 8)
	return nil
}

// Has reports whether cpu is in the set.
func (s CPUSet) Has(cpu uint32) bool { return int(cpu/8) < len(s) && s[cpu/8]&(1<<(cpu%8)) != 0 }

// RangeString is systemd's cpu_set_to_range_string: "0-3 5".
func (s CPUSet) RangeString() string {
	var parts []string
	n := uint32(len(s) * 8)
	for i := uint32(0); i < n; i++ {
		if !s.Has(i) {
			continue
		}
		j := i
		for j+1 < n && s.Has(j+1) {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", i, j))
		} else {
			parts = append(parts, fmt.Sprint(i))
		}
		i = j
	}
	return strings.Join(parts, " ")
}

// CPUSetWarning is a warning ParseCPUSet reports while still succeeding.
type CPUSetWarning struct{ Text string }

// CPUSetError is why ParseCPUSet failed, worded as systemd logs it.
type CPUSetError struct {
	Text  string
	Errno syscall.Errno
}

func (e *CPUSetError) Error() string { return e.Text }
func (e *CPUSetError) Unwrap() error { return e.Errno }

// ParseCPUSet is systemd's parse_cpu_set_full with warnings on: CPU
// numbers and ranges separated by whitespace or commas. lvalue names the
// setting in messages.
func ParseCPUSet(rvalue, lvalue string) (CPUSet, []string, error) {
	var c CPUSet
	var warnings []string
	w := newWords(rvalue)
	for {
		word, ok, err := w.next(whitespace+",", unquote)
		if err != nil {
			return nil, warnings, &CPUSetError{fmt.Sprintf("Invalid value for %s: %s", lvalue, rvalue), syscall.EINVAL}
		}
		if !ok {
			break
		}
		lower, upper, err := ParseRange(word)
		if err != nil {
			return nil, warnings, &CPUSetError{fmt.Sprintf("Failed to parse CPU affinity '%s'", word), errnoOf(err)}
		}
		if lower > upper {
			warnings = append(warnings, fmt.Sprintf("Range '%s' is invalid, %d > %d, ignoring.", word, lower, upper))
			c.grow(1)
		}
		for p1 := min(upper, 1<<32-2) + 1; p1 > lower; p1-- {
			if err := c.Add(p1 - 1); err != nil {
				return nil, warnings, &CPUSetError{fmt.Sprintf("Cannot add CPU %d to set: %s", p1-1, Strerror(err)), syscall.ERANGE}
			}
		}
	}
	return c, warnings, nil
}

// Extend is systemd's parse_cpu_set_extend: an empty parsed set resets
// s, otherwise its CPUs are added.
func (s *CPUSet) Extend(parsed CPUSet) {
	if parsed == nil {
		*s = nil
		return
	}
	if *s == nil {
		*s = parsed
		return
	}
	for i := uint32(len(parsed) * 8); i > 0; i-- {
		if parsed.Has(i - 1) {
			s.Add(i - 1)
		}
	}
}

func errnoOf(err error) syscall.Errno {
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EINVAL
}

// Strerror is glibc's strerror for the errno err wraps, as systemd's %m
// prints it.
func Strerror(err error) string {
	var s string
	switch e := err.(type) {
	case syscall.Errno:
		s = e.Error()
	case interface{ Unwrap() error }:
		return Strerror(e.Unwrap())
	default:
		return err.Error()
	}
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
