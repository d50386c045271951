package manager

import (
	"container/heap"
	"strings"
	"testing"

	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// The run queue hands out jobs in 252's compare_job_priority order.
func TestRunQueueOrder(t *testing.T) {
	const invalid = ^uint64(0)
	mk := func(id string, weight, startupWeight uint64, nice int32) *Job {
		typ := unitname.TypeOf(id)
		cfg := &unit.Unit{ID: id, Type: typ}
		if typ == unitname.Service || typ == unitname.Swap {
			cfg.CGroup = &unit.CGroupContext{CPUWeight: weight, StartupCPUWeight: startupWeight}
			cfg.Exec = &unit.ExecContext{Nice: nice}
		}
		return &Job{unit: &Unit{cfg: cfg}}
	}
	jobs := []*Job{
		mk("b.service", invalid, invalid, 0),
		mk("a.service", invalid, invalid, 0),
		mk("heavy.service", 500, invalid, 0),
		mk("startup.service", invalid, 1000, 0),
		mk("nice.service", invalid, invalid, -5),
		mk("dev-loop7.swap", invalid, invalid, 0),
		mk("dev-disk-by\\x2ddiskseq-11.swap", invalid, invalid, 0),
		mk("a.target", invalid, invalid, 0),
		mk("init.scope", invalid, invalid, 0),
		mk("x.socket", invalid, invalid, 0),
	}
	order := func(startup bool) string {
		q := &runQueue{startup: startup}
		for _, j := range jobs {
			heap.Push(q, j)
		}
		var out []string
		for q.Len() > 0 {
			out = append(out, heap.Pop(q).(*Job).unit.ID())
		}
		return strings.Join(out, " ")
	}
	want := `init.scope a.target x.socket dev-disk-by\x2ddiskseq-11.swap dev-loop7.swap heavy.service nice.service a.service b.service startup.service`
	if got := order(false); got != want {
		t.Errorf("running:\n got %s\nwant %s", got, want)
	}
	want = `init.scope a.target x.socket dev-disk-by\x2ddiskseq-11.swap dev-loop7.swap startup.service heavy.service nice.service a.service b.service`
	if got := order(true); got != want {
		t.Errorf("starting:\n got %s\nwant %s", got, want)
	}
}
