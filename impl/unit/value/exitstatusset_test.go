package value

import (
	"reflect"
	"testing"
)

func TestExitStatusSet(t *testing.T) {
	var s ExitStatusSet
	if !s.Empty() || s.HasStatus(0) || s.HasSignal(15) {
		t.Fatal("zero set not empty")
	}
	for _, n := range []int{255, 0, 64, 63, 1, -1, 256} {
		s.AddStatus(n)
	}
	for _, n := range []int{64, 1, 15, 0, 65, -3} {
		s.AddSignal(n)
	}
	if got, want := s.Statuses(), []int32{0, 1, 63, 64, 255}; !reflect.DeepEqual(got, want) {
		t.Errorf("Statuses %v, want %v (out of range ignored)", got, want)
	}
	if got, want := s.Signals(), []int32{0, 1, 15, 64}; !reflect.DeepEqual(got, want) {
		t.Errorf("Signals %v, want %v", got, want)
	}
	if s.Empty() || !s.HasStatus(63) || s.HasStatus(62) || !s.HasSignal(64) || s.HasSignal(65) || s.HasStatus(-1) {
		t.Error("membership wrong")
	}
	var sigOnly ExitStatusSet
	sigOnly.AddSignal(9)
	if sigOnly.Empty() || len(sigOnly.Statuses()) != 0 {
		t.Error("a set with a signal alone")
	}
	if (*ExitStatusSet)(nil).Empty() != true {
		t.Error("nil set not empty")
	}
}
