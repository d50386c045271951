package unit

import (
	"math/rand"
	"reflect"
	"sort"
	"testing"
)

// TestSyscallFilterPutMatchesMapModel checks the compact set against the
// plain map systemd's seccomp_parse_syscall_filter updates.
func TestSyscallFilterPutMatchesMapModel(t *testing.T) {
	names := syscallCanonical[:]
	r := rand.New(rand.NewSource(1))
	for _, allow := range []bool{false, true} {
		f := SyscallFilter{AllowList: allow}
		model := map[string]int{}
		for n := 0; n < 5000; n++ {
			name := names[r.Intn(40)*7%len(names)]
			errno := r.Intn(4) - 1
			invert := r.Intn(2) == 0
			f.put(name, errno, invert)
			if invert != allow || invert && allow && errno >= 0 {
				model[name] = errno
			} else {
				delete(model, name)
			}
		}
		got := map[string]int{}
		var order []string
		f.Each(func(name string, errno int) {
			got[name] = errno
			order = append(order, name)
		})
		if !reflect.DeepEqual(got, model) {
			t.Errorf("allow=%v: set %v, want %v", allow, got, model)
		}
		if !sort.StringsAreSorted(order) || f.Len() != len(model) || !f.Configured() {
			t.Errorf("allow=%v: order %v, Len %d of %d, configured %v", allow, order, f.Len(), len(model), f.Configured())
		}
	}
}

func TestSyscallTablesLookUp(t *testing.T) {
	if c, ok := canonicalSyscall("_llseek"); !ok || c != "_llseek" {
		t.Errorf("_llseek: %q %v", c, ok)
	}
	if _, ok := canonicalSyscall("no_such_call"); ok {
		t.Error("no_such_call resolved")
	}
	m, ok := syscallGroupMembers("@default")
	if !ok || len(m) == 0 || m[0] != "arch_prctl" {
		t.Errorf("@default: %v %v", m, ok)
	}
	if _, ok := syscallGroupMembers("@nothing"); ok {
		t.Error("@nothing found")
	}
	var zero SyscallFilter
	if zero.Configured() || zero.Len() != 0 {
		t.Error("zero filter configured")
	}
}
