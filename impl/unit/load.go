package unit

import (
	"errors"
	"sort"
	"strings"
	"syscall"

	"gosystemd/impl/specifier"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// File is one file a unit is read from.
type File struct {
	// Path is the file's name as the manager knows it (FragmentPath,
	// DropInPaths, diagnostics).
	Path string
	Data []byte
}

// ExternalUnit is what the loader needs to know about a unit it does not
// load itself (one the manager loaded from elsewhere).
type ExternalUnit struct {
	LoadState           LoadState
	DefaultDependencies bool
	HasFragment         bool
	// Deps are the unit's own dependencies, so that the loaded units get
	// the inverse ones.
	Deps map[Dependency][]string
}

// Loader loads units into one set, as the manager does: dependencies
// between the units of the set are completed both ways.
type Loader struct {
	Defaults *Defaults
	// Startup is set while the manager loads the units it starts with,
	// up to the boot transaction: 252 loads the root mount, queued
	// before all of them, after them (Finish). StartupUnits are units
	// loaded so before a reload or re-execution, which 252 keeps so.
	Startup      bool
	StartupUnits map[string]bool
	// Host answers the host specifiers (%H, %m, %b, ...); nil means the
	// running system.
	Host specifier.Host
	// NoSpecifiers leaves "%" specifiers as written.
	NoSpecifiers bool
	// Exists reports whether a path exists on the manager's file system
	// (for NeedDaemonReload); nil means the local one.
	Exists func(path string) bool
	// External describes the units the manager has loaded from outside
	// the set, by name.
	External map[string]ExternalUnit
	// Transient reports whether a unit was created over the bus rather
	// than from files; nil means none was. Scopes load only so.
	Transient func(name string) bool
	// UnitFileState answers the UnitFileState property ("enabled",
	// "static", "bad", ...) for a unit file name, as the install logic
	// does; nil derives it from the unit's [Install] section alone.
	UnitFileState func(name string) string
	// Resolve finds the files of a unit the set refers to, so that it
	// gets loaded too, as the manager loads every unit it meets; ok is
	// false for units without files (or outside the set).
	Resolve func(name string) (fragment *File, dropins []File, ok bool)
	// Extras, when set, gives what a unit's directories add once its
	// files are read: further names (aliases) and the units of its
	// .wants/ and .requires/ directories.
	Extras func(name string) (names, wants, requires []string)
	// IgnoreDependencies makes loading add no dependencies and load no
	// units through them, as the manager does in systemd-analyze verify
	// --recursive-errors=no (MANAGER_TEST_RUN_IGNORE_DEPENDENCIES).
	IgnoreDependencies bool
	// FilesOnly says that mount and swap units exist only through unit
	// files: the manager does not read the kernel's mount and swap
	// tables (a test run such as systemd-analyze verify).
	FilesOnly bool
	// Kernel, when set, tells what the kernel's mount and swap tables
	// (/proc/self/mountinfo, /proc/swaps) hold for a mount or swap unit
	// by name; ok is false when they do not have it. A mount or swap unit
	// without a file then loads only while the kernel has it, and a
	// mount's dependencies follow the kernel's values (kernel.go).
	Kernel func(name string) (KernelEntry, bool)

	units map[string]*Unit
	order []*Unit
	// pendingLoads are units loaded through Load whose loads the next
	// Finish has yet to load (with a Resolve).
	pendingLoads []*Unit
}

// NewLoader returns a loader with the given defaults.
func NewLoader(d *Defaults) *Loader {
	return &Loader{Defaults: d, units: map[string]*Unit{}}
}

// Unit returns a unit loaded into the set, nil if none.
func (l *Loader) Unit(name string) *Unit { return l.units[name] }

// Units lists the units of the set in the order they were loaded.
func (l *Loader) Units() []*Unit { return l.order }

func newUnit(name string, d *Defaults) *Unit {
	t := unitname.TypeOf(name)
	u := &Unit{
		ID:                      name,
		Type:                    t,
		LoadState:               LoadStub,
		DefaultDependencies:     true,
		OnFailureJobMode:        "replace",
		OnSuccessJobMode:        "fail",
		JobTimeout:              usecInfinity,
		JobRunningTimeout:       usecInfinity,
		JobTimeoutAction:        "none",
		StartLimitInterval:      d.StartLimitInterval,
		StartLimitBurst:         d.StartLimitBurst,
		StartLimitAction:        "none",
		FailureAction:           "none",
		SuccessAction:           "none",
		FailureActionExitStatus: -1,
		SuccessActionExitStatus: -1,
		CollectMode:             "inactive",
	}
	u.Names.Add(name)
	if inst, flags, err := unitname.InstanceOf(name); err == nil && flags == unitname.Instance {
		u.Instance = inst
	}
	info := typeInfos[t]
	if info.hasCGroup {
		u.CGroup = newCGroupContext(d, t == unitname.Slice)
	}
	if info.hasExec {
		u.Exec = newExecContext(true)
		if d.OOMScoreAdjustSet {
			u.Exec.OOMScoreAdjust, u.Exec.OOMScoreAdjustSet = d.OOMScoreAdjust, true
		}
	}
	if info.hasKill {
		u.Kill = newKillContext()
	}
	switch t {
	case unitname.Service:
		u.Service = &Service{
			TimeoutStartUSec: d.TimeoutStartUSec, TimeoutStopUSec: d.TimeoutStopUSec,
			TimeoutAbortUSec: d.TimeoutAbortUSec, TimeoutAbortSet: d.TimeoutAbortSet,
			RestartUSec: d.RestartUSec, RuntimeMaxUSec: usecInfinity, GuessMainPID: true,
			ExitType: "main", Restart: "no", NotifyAccess: "none",
			TimeoutStartFailureMode: "terminate", TimeoutStopFailureMode: "terminate",
			WatchdogUSec: 0,
		}
		u.Exec.KeyringMode = "private"
	case unitname.Socket:
		u.Socket = &Socket{
			Backlog: 4294967295 >> 1, TimeoutUSec: d.TimeoutStartUSec, DirectoryMode: 0o755, SocketMode: 0o666,
			MaxConnections: 64, Priority: -1, IPTOS: -1, IPTTL: -1, Mark: -1, BindIPv6Only: "default",
			Timestamping: "off", TriggerLimitInterval: usecInfinity, TriggerLimitBurst: uintMax,
		}
		u.Exec.StdOutput, u.Exec.StdError = d.StdOutput, d.StdError
	case unitname.Timer:
		u.Timer = &Timer{AccuracyUSec: d.TimerAccuracyUSec, RemainAfterElapse: true}
	case unitname.Path:
		u.Path = &Path{DirectoryMode: 0o755, TriggerLimitInterval: usecInfinity, TriggerLimitBurst: uintMax}
	case unitname.Mount:
		u.Mount = &Mount{TimeoutUSec: d.TimeoutStartUSec, DirectoryMode: 0o755}
		u.Exec.StdOutput, u.Exec.StdError = d.StdOutput, d.StdError
		u.Exec.SameProcessGroup = true
		u.IgnoreOnIsolate = true
		rootMountDefaults(u)
	case unitname.Automount:
		u.Automount = &Automount{DirectoryMode: 0o755}
		u.IgnoreOnIsolate = true
	case unitname.Swap:
		u.Swap = &Swap{TimeoutUSec: d.TimeoutStartUSec, Priority: -1}
		u.Exec.StdOutput, u.Exec.StdError = d.StdOutput, d.StdError
		u.IgnoreOnIsolate = true
	case unitname.Scope:
		u.Scope = &Scope{RuntimeMaxUSec: usecInfinity, TimeoutStopUSec: d.TimeoutStopUSec}
		u.IgnoreOnIsolate = true
	case unitname.Slice:
		u.IgnoreOnIsolate = true
	case unitname.Device:
		// device_init: jobs wait for a device only so long.
		u.IgnoreOnIsolate = true
		if d.DeviceTimeoutUSec != 0 {
			u.JobRunningTimeout = d.DeviceTimeoutUSec
		}
	}
	return u
}

// fragmentRequired reports whether a unit needs a file to load.
func (l *Loader) fragmentRequired(u *Unit) bool {
	switch u.Type {
	case unitname.Mount, unitname.Swap:
		return l.kernelFragmentRequired(u)
	case unitname.Slice, unitname.Device, unitname.Scope:
		return false
	}
	return true
}

// Source is what the manager reads a unit from.
type Source struct {
	// Fragment is the unit file, nil if there is none; an empty one
	// masks the unit.
	Fragment *File
	// Dropins are the ".conf" drop-ins, in the order they apply.
	Dropins []File
	// Wants and Requires are the units symlinked in the unit's ".wants"
	// and ".requires" directories.
	Wants, Requires []string
	// Log is what finding the drop-ins and directories logged; it comes
	// after the fragment's messages.
	Log []Diagnostic
}

// Load reads a unit from its main file (nil if it has none) and its
// drop-ins, applies the load-time rules and adds it to the set.
func (l *Loader) Load(name string, fragment *File, dropins []File) *Unit {
	return l.LoadSource(name, Source{Fragment: fragment, Dropins: dropins})
}

// LoadSource is Load with everything the manager reads a unit from.
func (l *Loader) LoadSource(name string, src Source) *Unit {
	d := l.Defaults
	u := newUnit(name, d)
	u.ignoreDeps = l.IgnoreDependencies
	u.startup = l.Startup || l.StartupUnits[name]
	l.units[name] = u
	l.order = append(l.order, u)
	defer func() {
		if len(u.loads) > 0 && l.Resolve != nil {
			l.pendingLoads = append(l.pendingLoads, u)
		}
	}()
	fragment, dropins := src.Fragment, src.Dropins
	var spec *specifier.Unit
	if !l.NoSpecifiers {
		host := l.Host
		if host == nil {
			host = specifier.System{}
		}
		spec = &specifier.Unit{ID: name, Scope: unitpath.System, Dirs: specifier.SystemDirs, Host: host,
			Deprecated: func(c byte) { u.unitLog(LevelWarning, "%s", specifier.DeprecatedWarning(c)) }}
		if fragment != nil {
			spec.FragmentPath = fragment.Path
		}
	}
	u.Transient = l.Transient != nil && l.Transient(name)
	if u.Type == unitname.Scope && !u.Transient {
		u.LoadState, u.LoadErr = LoadNotFound, syscall.ENOENT
		return u
	}
	sections := Sections(u.Type)
	err := l.readFiles(u, fragment, dropins, src, sections, spec)
	if err != nil && u.LoadState == Loaded {
		// Mounts and swaps get their extras even when their file has a
		// fatal error, as systemd needs them for mounts the kernel
		// reports.
		switch u.Type {
		case unitname.Mount:
			_ = l.mountExtras(u)
		case unitname.Swap:
			_ = l.swapExtras(u)
		}
	}
	switch {
	case err != nil:
		u.LoadErr = err
		switch {
		case u.LoadState == LoadStub:
			u.LoadState = LoadNotFound
		case errors.Is(err, syscall.ENOEXEC):
			u.LoadState = LoadBadSetting
		default:
			u.LoadState = LoadError
		}
		return u
	case u.LoadState != Loaded:
		return u
	}
	err = l.addExtras(u)
	if err == nil {
		err = l.commonExtras(u)
	}
	if err != nil {
		u.LoadErr = err
		u.LoadState = LoadBadSetting
		if !errors.Is(err, syscall.ENOEXEC) {
			u.LoadState = LoadError
		}
	}
	return u
}

func (l *Loader) readFiles(u *Unit, fragment *File, dropins []File, src Source, sections []string, spec *specifier.Unit) error {
	handler := func(a unitfile.Assignment) ([]Diagnostic, error) {
		dir := Lookup(a.Section, a.Key)
		if dir == nil {
			return []Diagnostic{unitfile.UnknownKey(a)}, nil
		}
		if dir.parse == nil {
			return nil, nil
		}
		n := len(u.Diagnostics)
		p := &parser{u: u, d: l.Defaults, loc: a.Location, section: a.Section, key: a.Key, spec: spec}
		err := dir.parse(p, a.Value)
		diags := append([]Diagnostic(nil), u.Diagnostics[n:]...)
		u.Diagnostics = u.Diagnostics[:n]
		return diags, err
	}
	if fragment != nil {
		u.FragmentPath = fragment.Path
		if len(fragment.Data) == 0 {
			u.LoadState = LoadMasked
		} else {
			u.LoadState = Loaded
			f, err := unitfile.Parse(fragment.Path, fragment.Data, sections, handler)
			u.Diagnostics = append(u.Diagnostics, f.Diagnostics...)
			if err != nil {
				var pe *unitfile.ParseError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				if errors.Is(err, syscall.ENOEXEC) {
					u.unitLog(LevelNotice, "Unit configuration has fatal error, unit will not be started.")
				}
				return err
			}
		}
	} else if l.fragmentRequired(u) {
		return syscall.ENOENT
	} else {
		u.LoadState = Loaded
	}
	// unit_load_dropin, for masked units too: the units of the .wants
	// and .requires directories, then the drop-ins.
	for _, dd := range []struct {
		d     Dependency
		names []string
	}{{Wants, src.Wants}, {Requires, src.Requires}} {
		for _, n := range dd.names {
			if err := u.addDependencyByName(dd.d, n, unitfile.Location{}); err != nil {
				u.unitLog(LevelWarning, "Cannot add %s dependency on %s, ignoring: %s", dd.d, n, strerror(err))
			}
		}
	}
	u.Diagnostics = append(u.Diagnostics, src.Log...)
	for _, df := range dropins {
		u.DropInPaths = append(u.DropInPaths, df.Path)
		f, _ := unitfile.Parse(df.Path, df.Data, sections, handler)
		u.Diagnostics = append(u.Diagnostics, f.Diagnostics...)
	}
	if l.Extras != nil {
		names, wants, requires := l.Extras(u.ID)
		for _, n := range names {
			u.Names.Add(n)
		}
		for _, n := range wants {
			_ = u.addDependency(Wants, n)
		}
		for _, n := range requires {
			_ = u.addDependency(Requires, n)
		}
	}
	return nil
}

// relatedUnit is unit_load_related_unit's name: the unit with the same
// name and another suffix.
func relatedUnit(u *Unit, suffix string) string {
	n, err := unitname.ChangeSuffix(u.ID, suffix)
	if err != nil {
		return ""
	}
	return n
}

func (l *Loader) addExtras(u *Unit) error {
	switch u.Type {
	case unitname.Service:
		return l.serviceExtras(u)
	case unitname.Socket:
		return l.socketExtras(u)
	case unitname.Timer:
		return l.timerExtras(u)
	case unitname.Path:
		return l.pathExtras(u)
	case unitname.Target:
		if u.DefaultDependencies && u.ID != "shutdown.target" {
			u.withOrigin(MaskDefault, func() { u.addDependencies(Before, Conflicts, "shutdown.target") })
		}
	case unitname.Slice:
		return l.sliceExtras(u)
	case unitname.Scope:
		// scope_add_extras; init.scope gets its slice from the manager.
		if u.ID != "init.scope" {
			l.patchContexts(u)
			setDefaultSlice(u)
			if u.DefaultDependencies {
				u.withOrigin(MaskDefault, func() { u.addDependencies(Before, Conflicts, "shutdown.target") })
			}
		}
	case unitname.Mount:
		if err := l.mountExtras(u); err != nil {
			return err
		}
		return mountVerify(u, l)
	case unitname.Automount:
		return l.automountExtras(u)
	case unitname.Swap:
		if err := l.swapExtras(u); err != nil {
			return err
		}
		return swapVerify(u)
	}
	return nil
}

// commonExtras is what unit_load adds once a unit's type has loaded it.
func (l *Loader) commonExtras(u *Unit) error {
	if u.CGroup != nil {
		// Slices are ordered after their parent by their name, other
		// units by their Slice= setting.
		mask := MaskFile
		if u.Type == unitname.Slice {
			mask = MaskImplicit
		}
		noteSlice(u)
		u.withOrigin(mask, func() {
			switch {
			case u.Slice != "":
				u.addDependencies(After, Requires, u.Slice)
			case u.ID != "-.slice":
				u.addDependencies(After, Requires, "-.slice")
			}
		})
	}
	// unit_add_mount_dependencies: the mount units of the paths the unit
	// needs get loaded (a LoadQueue loads the ones it does not know yet).
	for _, p := range u.RequiresMountsFor {
		for _, prefix := range pathPrefixes(p) {
			if m, err := unitname.FromPath(prefix, ".mount"); err == nil {
				u.load(m)
			}
		}
	}
	if u.CGroup != nil {
		if u.DefaultDependencies && (u.CGroup.ManagedOOMSwap == "kill" || u.CGroup.ManagedOOMMemoryPressure == "kill") && l.Defaults.MemoryController {
			u.addDependencies(After, Wants, "systemd-oomd.service")
		}
	}
	if u.OnSuccessJobMode == "isolate" && u.Deps[OnSuccess].Len() > 1 {
		return errorf(u, "More than one OnSuccess= dependencies specified but OnSuccessJobMode=isolate set. Refusing.")
	}
	if u.OnFailureJobMode == "isolate" && u.Deps[OnFailure].Len() > 1 {
		return errorf(u, "More than one OnFailure= dependencies specified but OnFailureJobMode=isolate set. Refusing.")
	}
	if u.JobRunningTimeout != usecInfinity && u.JobRunningTimeout > u.JobTimeout {
		u.unitLog(LevelWarning, "JobRunningTimeoutSec= is greater than JobTimeoutSec=, it has no effect.")
	}
	return nil
}

// setDefaultSlice is unit_set_default_slice.
func setDefaultSlice(u *Unit) {
	if u.Slice != "" || u.ignoreDeps {
		noteSlice(u)
		return
	}
	defer func() {
		u.load(u.Slice)
		noteSlice(u)
	}()
	if u.Mount != nil && mountIsExtrinsic(u.Mount) {
		u.Slice = "-.slice"
		return
	}
	if u.Instance != "" {
		prefix, err := unitname.Prefix(u.ID)
		if err == nil {
			u.Slice = "system-" + unitname.Escape(prefix) + ".slice"
			return
		}
	}
	u.Slice = "system.slice"
}

// noteSlice records where the unit's slice (InSlice=, kept as Slice)
// came from: the Slice= property (or the default slice, set the same
// way), or for a slice, its parent by its name.
func noteSlice(u *Unit) {
	if u.Slice == "" {
		return
	}
	in := MaskSliceProperty
	if u.Type == unitname.Slice {
		in = MaskImplicit
	}
	u.noteOrigin(InSlice, u.Slice, in)
}

// patchContexts is unit_patch_contexts.
func (l *Loader) patchContexts(u *Unit) {
	ec, cc := u.Exec, u.CGroup
	if ec != nil {
		for i := range ec.Rlimits {
			if ec.Rlimits[i] == nil {
				rl := l.Defaults.Rlimits[i]
				ec.Rlimits[i] = &rl
				ec.rlimitUnset[i] = !l.Defaults.RlimitsSet[i]
			}
		}
		if ec.PrivateDevices {
			ec.CapabilityBoundingSet &^= 1<<27 | 1<<17
		}
		if ec.ProtectKernelModules {
			ec.CapabilityBoundingSet &^= 1 << 16
		}
		if ec.ProtectKernelLogs {
			ec.CapabilityBoundingSet &^= 1 << 34
		}
		if ec.ProtectClock {
			ec.CapabilityBoundingSet &^= 1<<25 | 1<<35
		}
		if ec.DynamicUser {
			if ec.User == "" {
				ec.User = dynamicUserName(u)
			}
			if ec.Group == "" {
				ec.Group = ec.User
			}
			ec.PrivateTmp = true
			ec.RemoveIPC = true
			ec.ProtectSystem = "strict"
			if ec.ProtectHome == "no" {
				ec.ProtectHome = "read-only"
			}
			ec.NoNewPrivileges = true
			ec.RestrictSUIDSGID = true
		}
		for i := range ec.Directories {
			sortExecDirectory(&ec.Directories[i])
		}
	}
	if cc != nil && ec != nil {
		if ec.PrivateDevices && cc.DevicePolicy == "auto" {
			cc.DevicePolicy = "closed"
		}
		if cc.DevicePolicy != "auto" || len(cc.DeviceAllow) > 0 {
			if ec.RootImage != "" || len(ec.MountImages) > 0 {
				for _, p := range []string{"/dev/loop-control", "/dev/mapper/control"} {
					cc.addDeviceAllow(p, "rw")
				}
				for _, p := range []string{"block-loop", "block-blkext", "block-device-mapper"} {
					cc.addDeviceAllow(p, "rwm")
				}
				for _, p := range []string{"modprobe@loop.service", "modprobe@dm_mod.service", "modprobe@dm_verity.service"} {
					u.addDependencies(After, Wants, p)
				}
			}
			if ec.ProtectClock {
				cc.addDeviceAllow("char-rtc", "r")
			}
			tpm := false
			for _, c := range ec.LoadCredentials {
				tpm = tpm || c.Encrypted
			}
			for _, c := range ec.SetCredentials {
				tpm = tpm || c.Encrypted
			}
			if tpm {
				cc.addDeviceAllow("/dev/tpmrm0", "rw")
			}
		}
	}
}

// sortExecDirectory is exec_directory_sort: items in path order, parents
// first.
func sortExecDirectory(ed *ExecDirectory) {
	sort.SliceStable(ed.Items, func(i, j int) bool { return pathCompare(ed.Items[i].Path, ed.Items[j].Path) < 0 })
}

// pathCompare is systemd's path_compare for valid paths: component by
// component, prefixes first.
func pathCompare(a, b string) int {
	if x, y := strings.HasPrefix(a, "/"), strings.HasPrefix(b, "/"); x != y {
		if x {
			return 1
		}
		return -1
	}
	ca, cb := strings.FieldsFunc(a, isSlash), strings.FieldsFunc(b, isSlash)
	for i := 0; ; i++ {
		switch {
		case i == len(ca) && i == len(cb):
			return 0
		case i == len(ca):
			return -1
		case i == len(cb):
			return 1
		}
		if c := strings.Compare(ca[i], cb[i]); c != 0 {
			return c
		}
	}
}

func isSlash(r rune) bool { return r == '/' }

// addExecDependencies is unit_add_exec_dependencies.
func addExecDependencies(u *Unit) {
	c := u.Exec
	if c.WorkingDirectory != "" && !c.WorkingDirectoryMissingOK {
		u.requireMountsFor(c.WorkingDirectory)
	}
	if c.RootDirectory != "" {
		u.requireMountsFor(c.RootDirectory)
	}
	if c.RootImage != "" {
		u.requireMountsFor(c.RootImage)
	}
	prefixes := [dirMax]string{"/run", "/var/lib", "/var/cache", "/var/log", "/etc"}
	for dt := range c.Directories {
		for _, it := range c.Directories[dt].Items {
			u.requireMountsFor(prefixes[dt] + "/" + it.Path)
		}
	}
	if len(c.Directories[DirState].Items) > 0 || len(c.Directories[DirCache].Items) > 0 || len(c.Directories[DirLogs].Items) > 0 {
		_ = u.addDependency(After, "systemd-remount-fs.service")
	}
	if c.PrivateTmp {
		u.addDependencies(After, Wants, "tmp.mount")
		u.requireMountsFor("/var/tmp")
		_ = u.addDependency(After, "systemd-tmpfiles-setup.service")
	}
	if c.RootImage != "" {
		_ = u.addDependency(After, "systemd-udevd.service")
	}
	logs := func(o string) bool {
		return o == "journal" || o == "journal+console" || o == "kmsg" || o == "kmsg+console"
	}
	if !logs(c.StdOutput) && !logs(c.StdError) && c.LogNamespace == "" {
		return
	}
	if c.LogNamespace != "" {
		u.addDependencies(After, Requires, "systemd-journald@"+c.LogNamespace+".socket")
		u.addDependencies(After, Requires, "systemd-journald-varlink@"+c.LogNamespace+".socket")
		return
	}
	_ = u.addDependency(After, "systemd-journald.socket")
}

func errorf(u *Unit, format string, args ...any) error {
	u.unitLog(LevelErr, format, args...)
	return syscall.ENOEXEC
}

func (l *Loader) serviceExtras(u *Unit) error {
	s, c := u.Service, u.Exec
	if s.Type == "" {
		switch {
		case s.BusName != "":
			s.Type = "dbus"
		case len(s.Exec[ExecStart]) > 0:
			s.Type = "simple"
		default:
			s.Type = "oneshot"
		}
	}
	if s.Type == "oneshot" && !s.startTimeoutDefined {
		s.TimeoutStartUSec = usecInfinity
	}
	// service_fix_stdio
	if c.StdInput == "null" && len(c.StdinData) > 0 {
		c.StdInput = "data"
	}
	switch c.StdInput {
	case "tty", "tty-force", "tty-fail", "socket", "fd":
	default:
		if c.StdError == "inherit" && c.StdOutput == "inherit" {
			c.StdError = l.Defaults.StdError
		}
		if c.StdOutput == "inherit" {
			c.StdOutput = l.Defaults.StdOutput
		}
	}
	l.patchContexts(u)
	addExecDependencies(u)
	setDefaultSlice(u)
	if s.NotifyAccess == "none" && (s.Type == "notify" || s.WatchdogUSec > 0 || s.FileDescriptorStoreMax > 0) {
		s.NotifyAccess = "main"
	}
	if s.OOMPolicy == "" {
		s.OOMPolicy = l.Defaults.OOMPolicy
		if u.CGroup.Delegate {
			s.OOMPolicy = "continue"
		}
	}
	if u.DefaultDependencies {
		u.withOrigin(MaskDefault, func() {
			u.addDependencies(After, Requires, "sysinit.target")
			_ = u.addDependency(After, "basic.target")
			u.addDependencies(Before, Conflicts, "shutdown.target")
		})
	}
	if s.BusName != "" && s.Type == "dbus" {
		_ = u.addDependency(Requires, "dbus.socket")
		_ = u.addDependency(After, "dbus.socket")
	}
	return l.serviceVerify(u)
}

func (l *Loader) serviceVerify(u *Unit) error {
	s := u.Service
	for i, cmds := range s.Exec {
		for _, c := range cmds {
			if !strings.HasPrefix(c.Path, "/") && !filenameValid(c.Path) {
				return errorf(u, "Service %s= binary path \"%s\" is neither a valid executable name nor an absolute path. Refusing.", c.Path, serviceExecNames[i])
			}
			if len(c.Argv) == 0 {
				return errorf(u, "Service has an empty argv in %s=. Refusing.", serviceExecNames[i])
			}
		}
	}
	start := s.Exec[ExecStart]
	switch {
	case len(start) == 0 && len(s.Exec[ExecStop]) == 0 && u.SuccessAction == "none":
		return errorf(u, "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.")
	case s.Type != "oneshot" && len(start) == 0:
		return errorf(u, "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.")
	case !s.RemainAfterExit && len(start) == 0 && u.SuccessAction == "none":
		return errorf(u, "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.")
	case s.Type != "oneshot" && len(start) > 1:
		return errorf(u, "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.")
	case s.Type == "oneshot" && (s.Restart == "always" || s.Restart == "on-success"):
		return errorf(u, "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.")
	case s.Type == "oneshot" && !s.RestartForceExitStatus.Empty():
		return errorf(u, "Service has RestartForceExitStatus= set, which isn't allowed for Type=oneshot services. Refusing.")
	case s.Type == "oneshot" && s.ExitType == "cgroup":
		return errorf(u, "Service has ExitType=cgroup set, which isn't allowed for Type=oneshot services. Refusing.")
	case s.Type == "dbus" && s.BusName == "":
		return errorf(u, "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.")
	case u.Exec.PAMName != "" && u.Kill.KillMode != "control-group" && u.Kill.KillMode != "mixed":
		return errorf(u, "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing.")
	}
	if s.USBFunctionDescriptors != "" && s.USBFunctionStrings == "" {
		u.unitLog(LevelWarning, "Service has USBFunctionDescriptors= setting, but no USBFunctionStrings=. Ignoring.")
	}
	if s.USBFunctionDescriptors == "" && s.USBFunctionStrings != "" {
		u.unitLog(LevelWarning, "Service has USBFunctionStrings= setting, but no USBFunctionDescriptors=. Ignoring.")
	}
	if s.RuntimeMaxUSec != usecInfinity && s.Type == "oneshot" {
		u.unitLog(LevelWarning, "RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring.")
	}
	if s.RuntimeMaxUSec == usecInfinity && s.RuntimeRandomizedExtra != 0 {
		u.unitLog(LevelWarning, "Service has RuntimeRandomizedExtraSec= setting, but no RuntimeMaxSec=. Ignoring.")
	}
	return nil
}

func (l *Loader) socketExtras(u *Unit) error {
	s := u.Socket
	if s.TriggerLimitInterval == usecInfinity {
		s.TriggerLimitInterval = 2 * timeutil.Sec
	}
	if s.TriggerLimitBurst == uintMax {
		s.TriggerLimitBurst = 20
		if s.Accept {
			s.TriggerLimitBurst = 200
		}
	}
	nonAccept := !s.Accept
	for _, p := range s.Ports {
		if p.Type != "Stream" && p.Type != "SequentialPacket" {
			nonAccept = true
		}
	}
	if nonAccept {
		svc := s.Service
		if svc == "" {
			svc = u.loadRelated(".service")
		}
		u.withOrigin(MaskImplicit, func() { u.addDependencies(Before, Triggers, svc) })
	}
	for _, p := range s.Ports {
		switch p.Type {
		case "FIFO", "Special", "USBFunction":
			u.requireMountsFor(p.Address)
		case "Stream", "Datagram", "SequentialPacket":
			if p.Family == 1 && strings.HasPrefix(p.Address, "/") {
				u.requireMountsFor(p.Address)
			}
		}
	}
	if s.BindToDevice != "" && s.BindToDevice != "lo" {
		l.addNodeDependency(u, "/sys/subsystem/net/devices/"+s.BindToDevice, BindsTo)
	}
	l.patchContexts(u)
	if socketHasExec(s) {
		addExecDependencies(u)
	}
	setDefaultSlice(u)
	if u.DefaultDependencies {
		u.withOrigin(MaskDefault, func() {
			_ = u.addDependency(Before, "sockets.target")
			u.addDependencies(After, Requires, "sysinit.target")
			u.addDependencies(Before, Conflicts, "shutdown.target")
		})
	}
	// socket_verify
	switch {
	case len(s.Ports) == 0:
		return errorf(u, "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.")
	case s.Accept && nonAccept:
		return errorf(u, "Unit configured for accepting sockets, but sockets are non-accepting. Refusing.")
	case s.Accept && s.MaxConnections == 0:
		return errorf(u, "MaxConnection= setting too small. Refusing.")
	case s.Accept && s.Service != "":
		return errorf(u, "Explicit service configuration for accepting socket units not supported. Refusing.")
	case u.Exec.PAMName != "" && u.Kill.KillMode != "control-group":
		return errorf(u, "Unit has PAM enabled. Kill mode must be set to 'control-group'. Refusing.")
	}
	if len(s.Symlinks) > 0 {
		n := 0
		for _, p := range s.Ports {
			if p.Type == "FIFO" || p.Type == "Special" || p.Family == 1 && strings.HasPrefix(p.Address, "/") {
				n++
			}
		}
		if n != 1 {
			return errorf(u, "Unit has symlinks set but none or more than one node in the file system. Refusing.")
		}
	}
	return nil
}

func socketHasExec(s *Socket) bool {
	for _, c := range s.Exec {
		if len(c) > 0 {
			return true
		}
	}
	return false
}

func (l *Loader) timerExtras(u *Unit) error {
	t := u.Timer
	if u.Deps[Triggers].Len() == 0 {
		u.withOrigin(MaskImplicit, func() { u.addDependencies(Before, Triggers, u.loadRelated(".service")) })
	}
	if t.Persistent {
		u.requireMountsFor("/var/lib/systemd/timers")
	}
	if u.DefaultDependencies {
		u.withOrigin(MaskDefault, func() {
			_ = u.addDependency(Before, "timers.target")
			u.addDependencies(After, Requires, "sysinit.target")
			for _, v := range t.Values {
				if v.Base == "OnCalendar" {
					_ = u.addDependency(After, "time-sync.target")
					_ = u.addDependency(After, "time-set.target")
					break
				}
			}
			u.addDependencies(Before, Conflicts, "shutdown.target")
		})
	}
	if len(t.Values) == 0 && !t.OnClockChange && !t.OnTimezoneChange {
		return errorf(u, "Timer unit lacks value setting. Refusing.")
	}
	return nil
}

func (l *Loader) pathExtras(u *Unit) error {
	p := u.Path
	if p.TriggerLimitInterval == usecInfinity {
		p.TriggerLimitInterval = 2 * timeutil.Sec
	}
	if p.TriggerLimitBurst == uintMax {
		p.TriggerLimitBurst = 200
	}
	if u.Deps[Triggers].Len() == 0 {
		u.withOrigin(MaskImplicit, func() { u.addDependencies(Before, Triggers, u.loadRelated(".service")) })
	}
	for _, s := range p.Specs {
		u.requireMountsFor(s.Path)
	}
	if u.DefaultDependencies {
		u.withOrigin(MaskDefault, func() {
			_ = u.addDependency(Before, "paths.target")
			u.addDependencies(After, Requires, "sysinit.target")
			u.addDependencies(Before, Conflicts, "shutdown.target")
		})
	}
	if len(p.Specs) == 0 {
		return errorf(u, "Path unit lacks path setting. Refusing.")
	}
	return nil
}

func (l *Loader) sliceExtras(u *Unit) error {
	if u.ID == "-.slice" || u.ID == "system.slice" {
		u.Perpetual = true
		u.DefaultDependencies = false
		if u.Description == "" {
			u.Description = map[string]string{"-.slice": "Root Slice", "system.slice": "System Slice"}[u.ID]
		}
		if u.Documentation == nil {
			u.Documentation = []string{"man:systemd.special(7)"}
		}
	}
	l.patchContexts(u)
	parent, hasParent, err := unitname.SliceParent(u.ID)
	if u.Slice == "" && err == nil && hasParent && !u.ignoreDeps {
		u.Slice = parent
		u.load(parent)
	}
	if u.DefaultDependencies {
		u.withOrigin(MaskDefault, func() { u.addDependencies(Before, Conflicts, "shutdown.target") })
	}
	if u.Description == "" {
		if p, err := unitname.ToPath(u.ID); err == nil {
			u.Description = "Slice " + p
		}
	}
	if !unitname.SliceIsValid(u.ID) {
		return errorf(u, "Slice name %s is not valid. Refusing.", u.ID)
	}
	if err != nil {
		u.unitLog(LevelErr, "Failed to determine parent slice: %s", strerror(err))
		return err
	}
	if u.ignoreDeps {
		// The manager then leaves the parent slice alone.
		return nil
	}
	if hasParent && u.Slice != parent || !hasParent && u.Slice != "" {
		return errorf(u, "Located outside of parent slice. Refusing.")
	}
	return nil
}
