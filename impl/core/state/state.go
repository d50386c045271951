// Package state holds the unit load and active states every layer speaks
// of: the manager core, the bus, systemctl and the property model. It
// imports nothing of ours.
package state

// Load is a unit's load state.
type Load int

const (
	Stub Load = iota
	Loaded
	NotFound
	BadSetting
	Error
	Merged
	Masked
)

var loadNames = [...]string{"stub", "loaded", "not-found", "bad-setting", "error", "merged", "masked"}

func (l Load) String() string {
	if l >= 0 && int(l) < len(loadNames) {
		return loadNames[l]
	}
	return "invalid"
}

// IsComplete reports whether loading has finished (stub and merged are
// transient).
func (l Load) IsComplete() bool { return l != Stub && l != Merged && l >= 0 && int(l) < len(loadNames) }

// ParseLoad is the inverse of Load.String.
func ParseLoad(s string) (Load, bool) {
	for i, n := range loadNames {
		if n == s {
			return Load(i), true
		}
	}
	return 0, false
}

// Active is a unit's active state.
type Active int

const (
	Active_ Active = iota // "active"; the underscore keeps the type name free
	Reloading
	Inactive
	Failed
	Activating
	Deactivating
	Maintenance
)

var activeNames = [...]string{"active", "reloading", "inactive", "failed", "activating", "deactivating", "maintenance"}

func (a Active) String() string {
	if a >= 0 && int(a) < len(activeNames) {
		return activeNames[a]
	}
	return "invalid"
}

// ParseActive is the inverse of Active.String.
func ParseActive(s string) (Active, bool) {
	for i, n := range activeNames {
		if n == s {
			return Active(i), true
		}
	}
	return 0, false
}

// IsActiveOrReloading: active or reloading.
func (a Active) IsActiveOrReloading() bool { return a == Active_ || a == Reloading }

// IsActiveOrActivating: active, activating or reloading.
func (a Active) IsActiveOrActivating() bool {
	return a == Active_ || a == Activating || a == Reloading
}

// IsInactiveOrDeactivating: inactive, failed or deactivating.
func (a Active) IsInactiveOrDeactivating() bool {
	return a == Inactive || a == Failed || a == Deactivating
}

// IsInactiveOrFailed: inactive or failed.
func (a Active) IsInactiveOrFailed() bool { return a == Inactive || a == Failed }
