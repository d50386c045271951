package unit

import (
	"strings"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

var jobModes = []string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "triggering"}

var emergencyActions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate", "exit", "exit-force"}

// conditionPathTypes take an absolute path; the other condition types
// take a string.
var conditionPathTypes = []string{
	"PathExists", "PathExistsGlob", "PathIsDirectory", "PathIsSymbolicLink", "PathIsMountPoint",
	"PathIsReadWrite", "PathIsEncrypted", "DirectoryNotEmpty", "FileNotEmpty", "FileIsExecutable", "NeedsUpdate",
}

var conditionStringTypes = []string{
	"FirstBoot", "Architecture", "Firmware", "Virtualization", "Host", "KernelCommandLine", "KernelVersion",
	"Credential", "Security", "Capability", "ACPower", "Memory", "CPUFeature", "CPUs", "Environment", "User",
	"Group", "ControlGroupController", "OSRelease", "MemoryPressure", "CPUPressure", "IOPressure",
}

func unitDirectives() []*Directive {
	d := []*Directive{
		{Name: "Description", Type: "STRING", parse: stringPrintfField(func(u *Unit) *string { return &u.Description })},
		{Name: "Documentation", Type: "URL", parse: parseDocumentation},
		{Name: "SourcePath", Type: "PATH", parse: pathPrintfField(func(u *Unit) *string { return &u.SourcePath }, false)},
	}
	for _, dep := range []struct {
		name string
		d    Dependency
	}{
		{"Requires", Requires}, {"Requisite", Requisite}, {"Wants", Wants}, {"BindsTo", BindsTo}, {"BindTo", BindsTo},
		{"Upholds", Upholds}, {"Conflicts", Conflicts}, {"Before", Before}, {"After", After},
		{"OnSuccess", OnSuccess}, {"OnFailure", OnFailure}, {"PropagatesReloadTo", PropagatesReloadTo},
		{"PropagateReloadTo", PropagatesReloadTo}, {"ReloadPropagatedFrom", ReloadPropagatedFrom},
		{"PropagateReloadFrom", ReloadPropagatedFrom}, {"PropagatesStopTo", PropagatesStopTo},
		{"StopPropagatedFrom", StopPropagatedFrom}, {"PartOf", PartOf}, {"JoinsNamespaceOf", JoinsNamespaceOf},
	} {
		d = append(d, &Directive{Name: dep.name, Type: "UNIT [...]", parse: unitDeps(dep.d, false)})
	}
	d = append(d,
		&Directive{Name: "RequiresOverridable", Type: "OTHER", parse: unitDeps(Requires, true)},
		&Directive{Name: "RequisiteOverridable", Type: "OTHER", parse: unitDeps(Requisite, true)},
		&Directive{Name: "RequiresMountsFor", Type: "PATH [...]", parse: parseRequiresMountsFor},
		&Directive{Name: "StopWhenUnneeded", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.StopWhenUnneeded })},
		&Directive{Name: "RefuseManualStart", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.RefuseManualStart })},
		&Directive{Name: "RefuseManualStop", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.RefuseManualStop })},
		&Directive{Name: "AllowIsolate", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.AllowIsolate })},
		&Directive{Name: "DefaultDependencies", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.DefaultDependencies })},
		&Directive{Name: "OnSuccessJobMode", Type: "MODE", parse: enumField(func(u *Unit) *string { return &u.OnSuccessJobMode }, "Failed to parse job mode", jobModes...)},
		&Directive{Name: "OnFailureJobMode", Type: "MODE", parse: enumField(func(u *Unit) *string { return &u.OnFailureJobMode }, "Failed to parse job mode", jobModes...)},
		&Directive{Name: "OnFailureIsolate", Type: "BOOLEAN", parse: parseOnFailureIsolate},
		&Directive{Name: "IgnoreOnIsolate", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.IgnoreOnIsolate })},
		&Directive{Name: "IgnoreOnSnapshot", Type: "NOTSUPPORTED", parse: warnCompat(false)},
		&Directive{Name: "JobTimeoutSec", Type: "OTHER", parse: parseJobTimeout},
		&Directive{Name: "JobRunningTimeoutSec", Type: "OTHER", parse: parseJobRunningTimeout},
		&Directive{Name: "JobTimeoutAction", Type: "ACTION", parse: emergencyActionField(func(u *Unit) *string { return &u.JobTimeoutAction })},
		&Directive{Name: "JobTimeoutRebootArgument", Type: "OTHER", parse: rebootParameter(func(u *Unit) *string { return &u.JobTimeoutRebootArgument })},
		&Directive{Name: "StartLimitIntervalSec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.StartLimitInterval })},
		&Directive{Name: "StartLimitInterval", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.StartLimitInterval })},
		&Directive{Name: "StartLimitBurst", Type: "UNSIGNED", parse: unsignedField(func(u *Unit) *uint32 { return &u.StartLimitBurst })},
		&Directive{Name: "StartLimitAction", Type: "ACTION", parse: emergencyActionField(func(u *Unit) *string { return &u.StartLimitAction })},
		&Directive{Name: "FailureAction", Type: "ACTION", parse: emergencyActionField(func(u *Unit) *string { return &u.FailureAction })},
		&Directive{Name: "SuccessAction", Type: "ACTION", parse: emergencyActionField(func(u *Unit) *string { return &u.SuccessAction })},
		&Directive{Name: "FailureActionExitStatus", Type: "OTHER", parse: exitStatusField(func(u *Unit) *int32 { return &u.FailureActionExitStatus })},
		&Directive{Name: "SuccessActionExitStatus", Type: "OTHER", parse: exitStatusField(func(u *Unit) *int32 { return &u.SuccessActionExitStatus })},
		&Directive{Name: "RebootArgument", Type: "OTHER", parse: rebootParameter(func(u *Unit) *string { return &u.RebootArgument })},
	)
	for _, kind := range []string{"Condition", "Assert"} {
		for _, t := range conditionPathTypes {
			d = append(d, &Directive{Name: kind + t, Type: "CONDITION", parse: conditionField(kind, t, true)})
		}
		for _, t := range conditionStringTypes {
			if kind == "Assert" && t == "Firmware" {
				continue // 252 has no AssertFirmware=
			}
			d = append(d, &Directive{Name: kind + t, Type: "CONDITION", parse: conditionField(kind, t, false)})
		}
	}
	d = append(d, &Directive{Name: "CollectMode", Type: "OTHER", parse: enumField(func(u *Unit) *string { return &u.CollectMode },
		"Failed to parse garbage collection mode", "inactive", "inactive-or-failed")})
	return d
}

func installDirectives() []*Directive {
	return []*Directive{
		{Name: "Alias", Type: "OTHER", parse: installList(func(i *Install) *[]string { return &i.Alias })},
		{Name: "WantedBy", Type: "OTHER", parse: installList(func(i *Install) *[]string { return &i.WantedBy })},
		{Name: "RequiredBy", Type: "OTHER", parse: installList(func(i *Install) *[]string { return &i.RequiredBy })},
		{Name: "Also", Type: "OTHER", parse: installList(func(i *Install) *[]string { return &i.Also })},
		{Name: "DefaultInstance", Type: "OTHER", parse: func(p *parser, v string) error {
			p.u.Install.Present = true
			p.u.Install.DefaultInstance = v
			return nil
		}},
	}
}

// installList records an [Install] list; the unit file layer, not the
// manager, interprets it, so it has no diagnostics here.
func installList(get func(*Install) *[]string) parseFunc {
	return func(p *parser, v string) error {
		p.u.Install.Present = true
		l := get(&p.u.Install)
		if v == "" {
			*l = nil
			return nil
		}
		words, _ := value.Split(v, 0)
		*l = append(*l, words...)
		return nil
	}
}

func parseDocumentation(p *parser, v string) error {
	if v == "" {
		p.u.Documentation = nil
		return nil
	}
	k, ok := p.printfOr(v, specFull)
	if !ok {
		return nil
	}
	w := unitfile.NewExtractor(k)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractUnquote|unitfile.ExtractRetainEscape)
		if err != nil {
			p.warn("Invalid syntax, ignoring: %s", k)
			break
		}
		if !ok {
			break
		}
		p.u.Documentation = append(p.u.Documentation, word)
	}
	kept := p.u.Documentation[:0]
	for _, url := range p.u.Documentation {
		if documentationURLIsValid(url) {
			kept = append(kept, url)
		} else {
			p.warn("Invalid URL, ignoring: %s", url)
		}
	}
	p.u.Documentation = kept
	return nil
}

func asciiIsValid(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func documentationURLIsValid(url string) bool {
	for _, prefix := range []string{"http://", "https://", "file:/", "info:", "man:"} {
		if rest, ok := strings.CutPrefix(url, prefix); ok {
			return rest != "" && asciiIsValid(rest)
		}
	}
	return false
}

// unitDeps is config_parse_unit_deps.
func unitDeps(d Dependency, obsolete bool) parseFunc {
	return func(p *parser, v string) error {
		if obsolete {
			p.warn("Unit dependency type %s= is obsolete, replacing by %s=, please update your unit file", p.key, d)
		}
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, unitfile.ExtractRetainEscape)
			if err != nil {
				p.warn("Invalid syntax, ignoring: %s", v)
				return nil
			}
			if !ok {
				return nil
			}
			k, err := p.printf(word, specName)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in '%s', ignoring: %s", word, strerror(err))
				continue
			}
			if err := p.u.addDependencyByName(d, k, p.loc); err != nil {
				p.warn("Failed to add dependency on %s, ignoring: %s", k, strerror(err))
			}
		}
	}
}

func parseRequiresMountsFor(p *parser, v string) error {
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, unitfile.ExtractUnquote)
		if err != nil {
			p.warn("Invalid syntax, ignoring: %s", v)
			return nil
		}
		if !ok {
			return nil
		}
		k, ok := p.printfOr(word, specPath)
		if !ok {
			continue
		}
		s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
		if !ok {
			continue
		}
		p.u.requireMountsFor(s)
	}
}

func parseOnFailureIsolate(p *parser, v string) error {
	b, err := value.ParseBoolean(v)
	if err != nil {
		p.warn("Failed to parse boolean, ignoring: %s", v)
		return nil
	}
	p.u.OnFailureJobMode = "replace"
	if b {
		p.u.OnFailureJobMode = "isolate"
	}
	return nil
}

func parseJobTimeout(p *parser, v string) error {
	t, err := value.ParseSecFix0(v)
	if err != nil {
		p.warn("Failed to parse JobTimeoutSec= parameter, ignoring: %s", v)
		return nil
	}
	if !p.u.jobRunningTimeoutSet {
		p.u.JobRunningTimeout = t
	}
	p.u.JobTimeout = t
	return nil
}

func parseJobRunningTimeout(p *parser, v string) error {
	t, err := value.ParseSecFix0(v)
	if err != nil {
		p.warn("Failed to parse JobRunningTimeoutSec= parameter, ignoring: %s", v)
		return nil
	}
	p.u.JobRunningTimeout = t
	p.u.jobRunningTimeoutSet = true
	return nil
}

// emergencyActionField is config_parse_emergency_action for the system
// manager.
func emergencyActionField(get func(*Unit) *string) parseFunc {
	return func(p *parser, v string) error {
		for _, a := range emergencyActions {
			if a == v {
				*get(p.u) = v
				return nil
			}
		}
		p.warn("Failed to parse %s=, ignoring: %s", p.key, v)
		return nil
	}
}

func rebootParameter(get func(*Unit) *string) parseFunc {
	return func(p *parser, v string) error {
		k, ok := p.printfOr(v, specFull)
		if !ok {
			return nil
		}
		if !asciiIsValid(k) || len(k) > 255 {
			p.warn("Invalid reboot parameter '%s', ignoring.", k)
			return nil
		}
		*get(p.u) = k
		return nil
	}
}

// exitStatusField is config_parse_exit_status: 0..255, empty for unset.
func exitStatusField(get func(*Unit) *int32) parseFunc {
	return func(p *parser, v string) error {
		if v == "" {
			*get(p.u) = -1
			return nil
		}
		n, err := value.SafeAtou8(v)
		if err != nil {
			p.warn("Failed to parse exit status '%s', ignoring: %s", v, strerror(err))
			return nil
		}
		*get(p.u) = int32(n)
		return nil
	}
}

// conditionField is config_parse_unit_condition_path and _string.
func conditionField(kind, typ string, isPath bool) parseFunc {
	return func(p *parser, v string) error {
		list := &p.u.Conditions
		if kind == "Assert" {
			list = &p.u.Asserts
		}
		if v == "" {
			*list = nil
			return nil
		}
		c := Condition{Type: kind + typ}
		if isPath {
			if c.Trigger = strings.HasPrefix(v, "|"); c.Trigger {
				v = v[1:]
			}
			if c.Negate = strings.HasPrefix(v, "!"); c.Negate {
				v = v[1:]
			}
			k, err := p.printf(v, specPath)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", v, strerror(err))
				return nil
			}
			s, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
			if !ok {
				return nil
			}
			c.Parameter = s
		} else {
			if c.Trigger = strings.HasPrefix(v, "|"); c.Trigger {
				v = strings.TrimLeft(v[1:], ws)
			}
			if c.Negate = strings.HasPrefix(v, "!"); c.Negate {
				v = strings.TrimLeft(v[1:], ws)
			}
			k, err := p.printf(v, specFull)
			if err != nil {
				p.warn("Failed to resolve unit specifiers in '%s', ignoring: %s", v, strerror(err))
				return nil
			}
			c.Parameter = k
		}
		*list = append([]Condition{c}, *list...)
		return nil
	}
}
