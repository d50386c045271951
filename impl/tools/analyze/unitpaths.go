package analyze

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"gosystemd/impl/unitpath"
)

// verbUnitPaths is unit-paths: the unit search path of the chosen
// manager, one directory a line.
func (r *run) verbUnitPaths(args []string) int {
	s := map[scope]unitpath.Scope{scopeSystem: unitpath.System, scopeUser: unitpath.User, scopeGlobal: unitpath.Global}[r.scope]
	lp, err := unitpath.Init(s, unitpath.Options{})
	if err != nil {
		r.logf("Failed to initialize unit search paths: %s", errnoMessage(err))
		return 1
	}
	for _, p := range lp.SearchPath {
		r.out.WriteString(p + "\n")
	}
	return 0
}

// errnoMessage is glibc's strerror text for the errno err carries.
func errnoMessage(err error) string {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return err.Error()
	}
	s := e.Error()
	if s == "" || strings.HasPrefix(s, "errno ") {
		return fmt.Sprintf("Unknown error %d", int(e))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
