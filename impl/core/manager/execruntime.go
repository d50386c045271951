package manager

import (
	"os"

	"gosystemd/impl/core/dep"
	"gosystemd/impl/exec"
)

// execRuntime is 252's ExecRuntime as far as PrivateTmp= goes: the
// private /tmp and /var/tmp directories of one unit, shared with the
// units that join its namespace (JoinsNamespaceOf=), removed when the
// last of them is done with them.
type execRuntime struct {
	id                string // the unit that made it
	tmpDir, varTmpDir string
	refs              int
}

// acquireRuntime is unit_setup_exec_runtime: the runtime of a unit u
// joins the namespace of, else u's own (made if u has PrivateTmp=); nil
// when u needs none.
func (m *Manager) acquireRuntime(u *Unit) (*execRuntime, error) {
	for _, o := range u.deps(dep.AtomJoinsNamespaceOf) {
		if rt := m.runtimes[o.ID()]; rt != nil {
			rt.refs++
			return rt, nil
		}
	}
	if rt := m.runtimes[u.ID()]; rt != nil {
		rt.refs++
		return rt, nil
	}
	if c := u.cfg.Exec; c == nil || !c.PrivateTmp {
		return nil, nil
	}
	tmp, varTmp, err := exec.MakePrivateTmp(u.ID())
	if err != nil {
		return nil, err
	}
	return m.adoptRuntime(u.ID(), tmp, varTmp), nil
}

// adoptRuntime takes a reference on the runtime id, making it with the
// given directories if there is none (also as daemon-reexec brings them
// back).
func (m *Manager) adoptRuntime(id, tmp, varTmp string) *execRuntime {
	if rt := m.runtimes[id]; rt != nil {
		rt.refs++
		return rt
	}
	if m.runtimes == nil {
		m.runtimes = map[string]*execRuntime{}
	}
	rt := &execRuntime{id: id, tmpDir: tmp, varTmpDir: varTmp, refs: 1}
	m.runtimes[id] = rt
	return rt
}

// releaseRuntime is exec_runtime_unref: the last reference gone, the
// directories are removed off the loop (with destroy), as 252 does in a
// thread of its own.
func (m *Manager) releaseRuntime(rt *execRuntime, destroy bool) {
	if rt == nil {
		return
	}
	if rt.refs--; rt.refs > 0 {
		return
	}
	if m.runtimes[rt.id] == rt {
		delete(m.runtimes, rt.id)
	}
	if !destroy {
		return
	}
	dirs := []string{rt.tmpDir, rt.varTmpDir}
	m.Watch("removal of private /tmp", func() {
		for _, d := range dirs {
			if d != "" && d != "/run/systemd/empty" {
				_ = os.RemoveAll(d)
			}
		}
	})
}
