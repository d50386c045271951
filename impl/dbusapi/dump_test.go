package dbusapi

import (
	"testing"
	"time"
)

func TestDumpRatelimitSurvivesSerialization(t *testing.T) {
	now := time.Now()
	var r dumpRatelimit
	for i := 0; i < 12; i++ {
		r.below(now.Add(-time.Minute))
	}
	text := r.serialize(now)
	var back dumpRatelimit
	back.deserialize(text, now)
	if back.n != r.n {
		t.Errorf("count %d after %q, want %d", back.n, text, r.n)
	}
	if d := back.begin.Sub(r.begin); d > time.Millisecond || d < -time.Millisecond {
		t.Errorf("window start off by %v after %q", d, text)
	}
	if back.below(now) {
		t.Errorf("a 13th dump within the window was allowed after %q", text)
	}
	var other dumpRatelimit
	other.deserialize("5 1000000 7 3", now)
	if other.n != 0 {
		t.Errorf("count %d kept across a different interval and burst", other.n)
	}
}
