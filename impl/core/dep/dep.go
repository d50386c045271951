// Package dep names the dependency kinds a unit can have on another and
// reduces each to behaviour atoms: the transaction engine and the manager
// ask "which units pull in a start?", never "which are in Requires=?".
//
// It imports nothing of ours.
package dep

// Kind is a dependency kind as unit properties name it.
type Kind int

const (
	Requires Kind = iota
	Requisite
	Wants
	BindsTo
	PartOf
	Upholds
	RequiredBy
	RequisiteOf
	WantedBy
	BoundBy
	UpheldBy
	ConsistsOf
	Conflicts
	ConflictedBy
	Before
	After
	OnSuccess
	OnSuccessOf
	OnFailure
	OnFailureOf
	Triggers
	TriggeredBy
	PropagatesReloadTo
	ReloadPropagatedFrom
	PropagatesStopTo
	StopPropagatedFrom
	JoinsNamespaceOf
	References
	ReferencedBy
	InSlice
	SliceOf
	NumKinds
)

var kindNames = [NumKinds]string{
	"Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds",
	"RequiredBy", "RequisiteOf", "WantedBy", "BoundBy", "UpheldBy", "ConsistsOf",
	"Conflicts", "ConflictedBy", "Before", "After", "OnSuccess", "OnSuccessOf",
	"OnFailure", "OnFailureOf", "Triggers", "TriggeredBy", "PropagatesReloadTo",
	"ReloadPropagatedFrom", "PropagatesStopTo", "StopPropagatedFrom",
	"JoinsNamespaceOf", "References", "ReferencedBy", "InSlice", "SliceOf",
}

func (k Kind) String() string {
	if k >= 0 && k < NumKinds {
		return kindNames[k]
	}
	return "invalid"
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return 0, false
}

// Inverse is the kind the other unit records: a Requires= b gives b
// RequiredBy= a. Before/After and the symmetric kinds map as systemd does.
func (k Kind) Inverse() Kind {
	switch k {
	case Requires:
		return RequiredBy
	case Requisite:
		return RequisiteOf
	case Wants:
		return WantedBy
	case BindsTo:
		return BoundBy
	case PartOf:
		return ConsistsOf
	case Upholds:
		return UpheldBy
	case RequiredBy:
		return Requires
	case RequisiteOf:
		return Requisite
	case WantedBy:
		return Wants
	case BoundBy:
		return BindsTo
	case UpheldBy:
		return Upholds
	case ConsistsOf:
		return PartOf
	case Conflicts:
		return ConflictedBy
	case ConflictedBy:
		return Conflicts
	case Before:
		return After
	case After:
		return Before
	case OnSuccess:
		return OnSuccessOf
	case OnSuccessOf:
		return OnSuccess
	case OnFailure:
		return OnFailureOf
	case OnFailureOf:
		return OnFailure
	case Triggers:
		return TriggeredBy
	case TriggeredBy:
		return Triggers
	case PropagatesReloadTo:
		return ReloadPropagatedFrom
	case ReloadPropagatedFrom:
		return PropagatesReloadTo
	case PropagatesStopTo:
		return StopPropagatedFrom
	case StopPropagatedFrom:
		return PropagatesStopTo
	case JoinsNamespaceOf:
		return JoinsNamespaceOf
	case References:
		return ReferencedBy
	case ReferencedBy:
		return References
	case InSlice:
		return SliceOf
	case SliceOf:
		return InSlice
	}
	return -1
}

// Atom is one behaviour a dependency contributes; a Kind is a set of atoms.
type Atom uint64

const (
	PullInStart Atom = 1 << iota
	PullInStartIgnored
	PullInVerify
	PullInStop
	PullInStopIgnored
	AddStopWhenUnneededQueue
	PinsStopWhenUnneeded
	CannotBeActiveWithout
	AddCannotBeActiveWithoutQueue
	StartSteadily
	AddStartWhenUpheldQueue
	RetroactiveStartReplace
	RetroactiveStartFail
	RetroactiveStopOnStart
	RetroactiveStopOnStop
	PropagateStartFailure
	PropagateStopFailure
	PropagateInactiveStartAsFailure
	PropagateStop
	PropagateRestart
	AddDefaultTargetDependencyQueue
	DefaultTargetDependencies
	AtomOnFailure
	AtomOnSuccess
	AtomOnFailureOf
	AtomOnSuccessOf
	AtomBefore
	AtomAfter
	AtomTriggers
	AtomTriggeredBy
	AtomPropagatesReloadTo
	AtomJoinsNamespaceOf
	AtomReferences
	AtomReferencedBy
	AtomInSlice
	AtomSliceOf
)

// atoms is systemd 252's mapping from dependency kinds to behaviour.
var atoms = [NumKinds]Atom{
	Requires:     PullInStart | RetroactiveStartReplace | AddStopWhenUnneededQueue | AddDefaultTargetDependencyQueue,
	Requisite:    PullInVerify | AddStopWhenUnneededQueue | AddDefaultTargetDependencyQueue,
	Wants:        PullInStartIgnored | RetroactiveStartFail | AddStopWhenUnneededQueue | AddDefaultTargetDependencyQueue,
	BindsTo:      PullInStart | RetroactiveStartReplace | CannotBeActiveWithout | AddStopWhenUnneededQueue | AddDefaultTargetDependencyQueue,
	PartOf:       AddDefaultTargetDependencyQueue,
	Upholds:      PullInStartIgnored | RetroactiveStartReplace | AddStartWhenUpheldQueue | AddStopWhenUnneededQueue | AddDefaultTargetDependencyQueue,
	RequiredBy:   PropagateStop | PropagateRestart | PropagateStartFailure | PinsStopWhenUnneeded | DefaultTargetDependencies,
	RequisiteOf:  PropagateStop | PropagateRestart | PropagateStartFailure | PropagateInactiveStartAsFailure | PinsStopWhenUnneeded | DefaultTargetDependencies,
	WantedBy:     DefaultTargetDependencies | PinsStopWhenUnneeded,
	BoundBy:      RetroactiveStopOnStop | PropagateStop | PropagateRestart | PropagateStartFailure | PinsStopWhenUnneeded | AddCannotBeActiveWithoutQueue | DefaultTargetDependencies,
	UpheldBy:     StartSteadily | DefaultTargetDependencies | PinsStopWhenUnneeded,
	ConsistsOf:   PropagateStop | PropagateRestart,
	Conflicts:    PullInStop | RetroactiveStopOnStart,
	ConflictedBy: PullInStopIgnored | RetroactiveStopOnStart | PropagateStopFailure,

	PropagatesStopTo: RetroactiveStopOnStop | PropagateStop,

	OnFailure:          AtomOnFailure,
	OnSuccess:          AtomOnSuccess,
	OnFailureOf:        AtomOnFailureOf,
	OnSuccessOf:        AtomOnSuccessOf,
	Before:             AtomBefore,
	After:              AtomAfter,
	Triggers:           AtomTriggers,
	TriggeredBy:        AtomTriggeredBy,
	PropagatesReloadTo: AtomPropagatesReloadTo,
	JoinsNamespaceOf:   AtomJoinsNamespaceOf,
	References:         AtomReferences,
	ReferencedBy:       AtomReferencedBy,
	InSlice:            AtomInSlice,
	SliceOf:            AtomSliceOf,
	// ReloadPropagatedFrom and StopPropagatedFrom have no effect on the
	// state engine; they exist to be shown.
}

// Atoms returns the behaviour of a dependency kind.
func (k Kind) Atoms() Atom {
	if k >= 0 && k < NumKinds {
		return atoms[k]
	}
	return 0
}
