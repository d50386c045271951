package analyze

import (
	"gosystemd/impl/cli/logging"
	"gosystemd/impl/unitpath"
)

// verbUnitPaths is unit-paths: the unit search path of the chosen
// manager, one directory a line.
func (r *run) verbUnitPaths(args []string) int {
	s := map[scope]unitpath.Scope{scopeSystem: unitpath.System, scopeUser: unitpath.User, scopeGlobal: unitpath.Global}[r.scope]
	lp, err := unitpath.Init(s, unitpath.Options{})
	if err != nil {
		r.logf("Failed to initialize unit search paths: %s", logging.Strerror(err))
		return 1
	}
	for _, p := range lp.SearchPath {
		r.out.WriteString(p + "\n")
	}
	return 0
}
