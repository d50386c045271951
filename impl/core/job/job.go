// Package job is systemd 252's job and transaction engine as pure
// functions: job types and how they merge and collapse, and the transaction
// algorithm that turns "start this unit" into the set of jobs to install.
// It never touches a running unit: it reads a Graph and returns a Plan.
//
// It imports only the core's leaf packages (state, dep).
package job

import "gosystemd/impl/core/state"

// Type is a job type. The first five merge with each other; Nop enters
// transactions but merges with nothing; the last three collapse into
// simpler types before they enter a transaction.
type Type int

const (
	Start Type = iota
	VerifyActive
	Stop
	Reload
	Restart
	Nop
	TryRestart
	TryReload
	ReloadOrStart

	numMerging = Nop
)

var typeNames = [...]string{"start", "verify-active", "stop", "reload", "restart", "nop", "try-restart", "try-reload", "reload-or-start"}

func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "invalid"
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s {
			return Type(i), true
		}
	}
	return 0, false
}

// mergeTable[a][b] for a > b among the mergeable types; -1 means the two
// conflict. Symmetric; equal types merge into themselves.
var mergeTable = map[[2]Type]Type{
	{VerifyActive, Start}:   Start,
	{Stop, Start}:           -1,
	{Stop, VerifyActive}:    -1,
	{Reload, Start}:         ReloadOrStart,
	{Reload, VerifyActive}:  Reload,
	{Reload, Stop}:          -1,
	{Restart, Start}:        Restart,
	{Restart, VerifyActive}: Restart,
	{Restart, Stop}:         -1,
	{Restart, Reload}:       Restart,
}

// Merge returns the type that does what both a and b do, if there is one.
// Both must be mergeable types (Start … Restart).
func Merge(a, b Type) (Type, bool) {
	if a == b {
		return a, true
	}
	if a < b {
		a, b = b, a
	}
	t, ok := mergeTable[[2]Type{a, b}]
	if !ok || t < 0 {
		return 0, false
	}
	return t, true
}

// Mergeable reports whether a and b can merge.
func Mergeable(a, b Type) bool { _, ok := Merge(a, b); return ok }

// Conflicting reports whether a and b contradict each other (Nop conflicts
// with nothing).
func Conflicting(a, b Type) bool { return a != Nop && b != Nop && !Mergeable(a, b) }

// Superset reports whether a does everything b does.
func Superset(a, b Type) bool {
	if b == Nop {
		return true
	}
	if a == Nop {
		return false
	}
	m, ok := Merge(a, b)
	return ok && m == a
}

// Redundant reports whether a job of type t has nothing to do for a unit in
// state s.
func Redundant(t Type, s state.Active) bool {
	switch t {
	case Start, VerifyActive:
		return s == state.Active_ || s == state.Reloading
	case Stop:
		return s == state.Inactive || s == state.Failed
	case Nop:
		return true
	}
	// Reloads and restarts are never redundant.
	return false
}

// Collapse turns a state-dependent type into a simple one for a unit in
// state s.
func Collapse(t Type, s state.Active) Type {
	switch t {
	case TryRestart:
		if !s.IsActiveOrActivating() {
			return Nop
		}
		return Restart
	case TryReload:
		if !s.IsActiveOrReloading() {
			return Nop
		}
		return Reload
	case ReloadOrStart:
		if !s.IsActiveOrReloading() {
			return Start
		}
		return Reload
	}
	return t
}

// MergeAndCollapse merges b into a and collapses the result for state s.
func MergeAndCollapse(a, b Type, s state.Active) (Type, bool) {
	t, ok := Merge(a, b)
	if !ok {
		return a, false
	}
	return Collapse(t, s), true
}

// AllowsLateMerge reports whether a job of type t may merge into a job of
// its unit that is already running: a reload may not, since the daemon may
// have read its configuration already.
func AllowsLateMerge(t Type) bool { return t != Reload }

// Mode is how a new transaction treats jobs already queued.
type Mode int

const (
	Fail Mode = iota
	Replace
	ReplaceIrreversibly
	Isolate
	Flush
	IgnoreDependencies
	IgnoreRequirements
	Triggering
)

var modeNames = [...]string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "triggering"}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "invalid"
}

// ParseMode is the inverse of Mode.String.
func ParseMode(s string) (Mode, bool) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), true
		}
	}
	return 0, false
}

// Result is how a job ended.
type Result int

const (
	Done Result = iota
	Canceled
	Timeout
	Failed
	Dependency
	Skipped
	Invalid
	Assert
	Unsupported
	Collected
	Once
)

var resultNames = [...]string{"done", "canceled", "timeout", "failed", "dependency", "skipped", "invalid", "assert", "unsupported", "collected", "once"}

func (r Result) String() string {
	if r >= 0 && int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "invalid"
}

// RunState is whether an installed job waits or runs.
type RunState int

const (
	Waiting RunState = iota
	Running
)

func (s RunState) String() string {
	if s == Running {
		return "running"
	}
	return "waiting"
}

// OrderBefore reports, for jobs a on unit A and b on unit B where A is
// ordered Before= B, whether a must run first (+1: b first, -1: a first, 0:
// no constraint). Stops run before starts, in reverse of start order.
func OrderBefore(a, b Type, aIgnoreOrder, bIgnoreOrder bool) int {
	if a == Nop || b == Nop || aIgnoreOrder || bIgnoreOrder {
		return 0
	}
	if b == Stop || b == Restart {
		return 1
	}
	return -1
}

// OrderAfter is OrderBefore for A ordered After= B.
func OrderAfter(a, b Type, aIgnoreOrder, bIgnoreOrder bool) int {
	return -OrderBefore(b, a, bIgnoreOrder, aIgnoreOrder)
}
