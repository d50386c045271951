package unit

import (
	"gosystemd/impl/core/dep"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

// LoadState is a unit's load state as systemd names it.
type LoadState string

// The load states.
const (
	LoadStub       LoadState = "stub"
	Loaded         LoadState = "loaded"
	LoadNotFound   LoadState = "not-found"
	LoadBadSetting LoadState = "bad-setting"
	LoadError      LoadState = "error"
	LoadMerged     LoadState = "merged"
	LoadMasked     LoadState = "masked"
)

// Dependency is a kind of dependency between units: the core's dep.Kind,
// whose names and inverses this package shares.
type Dependency = dep.Kind

// The dependency kinds, as impl/core/dep defines them.
const (
	Requires             = dep.Requires
	Requisite            = dep.Requisite
	Wants                = dep.Wants
	BindsTo              = dep.BindsTo
	PartOf               = dep.PartOf
	Upholds              = dep.Upholds
	RequiredBy           = dep.RequiredBy
	RequisiteOf          = dep.RequisiteOf
	WantedBy             = dep.WantedBy
	BoundBy              = dep.BoundBy
	UpheldBy             = dep.UpheldBy
	ConsistsOf           = dep.ConsistsOf
	Conflicts            = dep.Conflicts
	ConflictedBy         = dep.ConflictedBy
	Before               = dep.Before
	After                = dep.After
	OnSuccess            = dep.OnSuccess
	OnSuccessOf          = dep.OnSuccessOf
	OnFailure            = dep.OnFailure
	OnFailureOf          = dep.OnFailureOf
	Triggers             = dep.Triggers
	TriggeredBy          = dep.TriggeredBy
	PropagatesReloadTo   = dep.PropagatesReloadTo
	ReloadPropagatedFrom = dep.ReloadPropagatedFrom
	PropagatesStopTo     = dep.PropagatesStopTo
	StopPropagatedFrom   = dep.StopPropagatedFrom
	JoinsNamespaceOf     = dep.JoinsNamespaceOf
	References           = dep.References
	ReferencedBy         = dep.ReferencedBy
	InSlice              = dep.InSlice
	SliceOf              = dep.SliceOf
	dependencyMax        = dep.NumKinds
)

// Names is an ordered set of unit names. A unit has one per dependency
// kind, most of them empty: the zero Names holds nothing and takes one
// word (a unit's 31 of them took 992 bytes as slice and map headers).
type Names struct {
	s *nameSet
}

type nameSet struct {
	list []string
	set  map[string]bool // made once the list grows past namesListed
}

// namesListed is how many names a Names looks up in its list before it
// keeps a map: most dependency lists are short, and a map per list is
// most of a loaded unit's memory. (Adding 32 names and looking each up:
// 1.0 KB and 4.8 µs listed, 3.8 KB and 4.1 µs with a map past 8.)
const namesListed = 32

// names is the list itself, for reading in place.
func (n *Names) names() []string {
	if n.s == nil {
		return nil
	}
	return n.s.list
}

// Add appends name unless present; it reports whether it was added.
func (n *Names) Add(name string) bool {
	if n.Has(name) {
		return false
	}
	if n.s == nil {
		n.s = &nameSet{}
	}
	s := n.s
	s.list = append(s.list, name)
	switch {
	case s.set != nil:
		s.set[name] = true
	case len(s.list) > namesListed:
		s.set = make(map[string]bool, 2*len(s.list))
		for _, x := range s.list {
			s.set[x] = true
		}
	}
	return true
}

// Has reports whether name is in the set.
func (n *Names) Has(name string) bool {
	if n.s == nil {
		return false
	}
	if n.s.set != nil {
		return n.s.set[name]
	}
	for _, x := range n.s.list {
		if x == name {
			return true
		}
	}
	return false
}

// List is the names in the order they were added.
func (n *Names) List() []string { return append([]string(nil), n.names()...) }

// Any reports whether pred holds for one of the names, in order,
// stopping at the first; it copies nothing.
func (n *Names) Any(pred func(string) bool) bool {
	for _, s := range n.names() {
		if pred(s) {
			return true
		}
	}
	return false
}

// Len is the number of names.
func (n *Names) Len() int { return len(n.names()) }

// Diagnostic is a message systemd would log while loading a unit.
type Diagnostic = unitfile.Diagnostic

// Message is d as systemd logs it: "file:line: text", "unit: text", or
// just the text for messages about no file or unit (empty File).
func Message(d Diagnostic) string {
	if d.File == "" {
		return d.Text
	}
	return d.String()
}

// Syslog levels of diagnostics beyond unitfile's.
const (
	LevelErr     = unitfile.LevelErr
	LevelWarning = unitfile.LevelWarning
	LevelNotice  = unitfile.Level(5)
	LevelInfo    = unitfile.Level(6)
	LevelDebug   = unitfile.Level(7)
)

// Condition is one Condition*= or Assert*= setting, stored unevaluated.
type Condition struct {
	Type      string // "ConditionPathExists" names without the prefix: "PathExists"
	Parameter string
	Trigger   bool // "|"
	Negate    bool // "!"
}

// Install is the [Install] section.
type Install struct {
	Alias, WantedBy, RequiredBy, Also []string
	DefaultInstance                   string
	Present                           bool // the unit has an [Install] assignment
}

// Unit is one unit's configuration, as loaded from its files and
// completed by the load-time rules. The type-specific parts are set for
// the unit's type only.
type Unit struct {
	ID       string
	Type     unitname.Type
	Names    Names
	Instance string

	LoadState    LoadState
	LoadErr      error // why loading failed, for LoadError
	FragmentPath string
	SourcePath   string
	DropInPaths  []string
	Perpetual    bool
	Transient    bool

	Description   string
	Documentation []string
	Deps          [dependencyMax]Names
	// DepMasks are where each dependency came from (for the manager's
	// dump); a dependency without an entry has none recorded.
	DepMasks          DepMaskSet
	RequiresMountsFor []string
	// RequiresMountsForMask is where each RequiresMountsFor= path came
	// from.
	RequiresMountsForMask map[string]DepMask
	StopWhenUnneeded      bool
	RefuseManualStart     bool
	RefuseManualStop      bool
	AllowIsolate          bool
	DefaultDependencies   bool
	IgnoreOnIsolate       bool
	OnSuccessJobMode      string
	OnFailureJobMode      string

	JobTimeout               uint64
	JobRunningTimeout        uint64
	jobRunningTimeoutSet     bool
	JobTimeoutAction         string
	JobTimeoutRebootArgument string

	StartLimitInterval      uint64
	StartLimitBurst         uint32
	StartLimitAction        string
	FailureAction           string
	SuccessAction           string
	FailureActionExitStatus int32
	SuccessActionExitStatus int32
	RebootArgument          string
	CollectMode             string

	Conditions []Condition
	Asserts    []Condition

	Install Install

	// Slice is the slice unit for types with a cgroup.
	Slice string

	Exec   *ExecContext
	Kill   *KillContext
	CGroup *CGroupContext

	Service   *Service
	Socket    *Socket
	Timer     *Timer
	Path      *Path
	Mount     *Mount
	Automount *Automount
	Swap      *Swap
	Scope     *Scope

	// Diagnostics are the messages loading produced, in order.
	Diagnostics []Diagnostic

	// loads are the names loading asked the manager to load, in order
	// (manager_load_unit calls; see LoadQueue).
	loads []string
	// ignoreDeps is the loader's IgnoreDependencies.
	ignoreDeps bool
	// origin is where the dependencies being added come from; 0 is the
	// unit file.
	origin DepMask
	// startup: loaded while the Loader was in Startup.
	startup bool
}

// DependencyFromString maps a dependency name ("Requires") to its kind;
// -1 if unknown.
func DependencyFromString(s string) Dependency {
	if k, ok := dep.ParseKind(s); ok {
		return k
	}
	return -1
}
