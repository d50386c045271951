package manager

import (
	"strings"
	"testing"

	"gosystemd/impl/unitname"
)

func TestExcludedFromSwitchRoot(t *testing.T) {
	for _, ty := range []unitname.Type{unitname.Service, unitname.Socket, unitname.Target, unitname.Device,
		unitname.Mount, unitname.Automount, unitname.Swap, unitname.Timer, unitname.Path, unitname.Slice, unitname.Scope} {
		want := ty == unitname.Mount || ty == unitname.Automount
		if got := excludedFromSwitchRoot(ty); got != want {
			t.Errorf("%s: excluded %v, want %v", ty, got, want)
		}
	}
}

// TestSwitchRootSerialization: before a root switch the mounts and
// automounts, the jobs and the environment set over the bus are left
// out; everything else is as for daemon-reexec, and a failed switch
// serializes in full again.
func TestSwitchRootSerialization(t *testing.T) {
	dir := t.TempDir()
	m, _ := reexecManager(t, dir)
	for _, n := range []string{"data.mount", "data.automount", "goal.target", "tick.service"} {
		mustLoad(t, m, n)
	}
	if _, err := m.EnqueueLoop(jobStart, m.UnitLoop("goal.target"), 0); err != nil {
		t.Fatal(err)
	}
	m.clientEnv = []string{"FROM_BUS=1"}
	summary := func(st *Serialization) string {
		var b strings.Builder
		b.WriteString(strings.Join(st.Values("env"), ","))
		for _, us := range st.Units {
			b.WriteString(" " + us.Name)
			for _, it := range us.Items {
				if it.Key == "job" {
					b.WriteString("+job")
				}
			}
		}
		return b.String()
	}
	full := summary(serialized(t, m))
	m.SwitchRootLoop("/sysroot", "")
	if root, init := m.SwitchRootTarget(); root != "/sysroot" || init != "" || m.Objective() != ObjectiveSwitchRoot {
		t.Fatalf("target %q %q, objective %v", root, init, m.Objective())
	}
	switching := summary(serialized(t, m))
	for _, want := range []string{"FROM_BUS=1", " data.mount", " data.automount", " goal.target+job"} {
		if !strings.Contains(full, want) {
			t.Errorf("reexec serialization lacks %q: %s", want, full)
		}
		if strings.Contains(switching, want) {
			t.Errorf("switch-root serialization has %q: %s", want, switching)
		}
	}
	if !strings.Contains(switching, " goal.target") || !strings.Contains(switching, " tick.service") {
		t.Errorf("switch-root serialization lacks units: %s", switching)
	}
	m.ReexecFailedLoop(nil)
	if again := summary(serialized(t, m)); again != full {
		t.Errorf("after a failed switch: %s, want %s", again, full)
	}
}
