package manager

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/state"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
	"gosystemd/impl/version"
)

// DumpUnitsLoop is manager_dump: the state of the units whose names match one
// of patterns (shell globs), and their jobs, as 252's debugging text. With
// no patterns (nil) it is the whole manager, headed by its version and
// timestamps. The text is not meant to be stable; it is 252's, line for
// line, for the types it knows (see dumpType).
// subscribed are the bus clients subscribed to the manager's signals,
// which the header lists.
func (m *Manager) DumpUnitsLoop(patterns, subscribed []string) string {
	var b strings.Builder
	if patterns == nil {
		m.dumpHeader(&b, subscribed)
	}
	match := func(id string) bool {
		if len(patterns) == 0 {
			return true
		}
		for _, p := range patterns {
			// fnmatch with FNM_NOESCAPE: a backslash is itself.
			if ok, _ := path.Match(strings.ReplaceAll(p, `\`, `\\`), id); ok {
				return true
			}
		}
		return false
	}
	masks := m.newCgroupMasks()
	for _, u := range m.order {
		if m.units[u.ID()] != u || !match(u.ID()) {
			continue
		}
		m.dumpUnit(&b, u, masks)
	}
	for _, j := range m.jobs {
		if match(j.unit.ID()) {
			dumpJob(&b, j, "")
		}
	}
	return b.String()
}

// dumpHeader is what a dump of everything starts with.
func (m *Manager) dumpHeader(b *strings.Builder, subscribed []string) {
	fmt.Fprintf(b, "Manager: systemd %s (%s)\n", version.Major, version.Package)
	fmt.Fprintf(b, "Features: %s\n", version.Features)
	t := m.BootTimestampsLoop()
	for _, x := range []struct {
		name string
		ts   DualTimestamp
	}{
		{"firmware", t.Firmware}, {"loader", t.Loader}, {"kernel", t.Kernel}, {"initrd", t.InitRD},
		{"userspace", t.Userspace}, {"finish", t.Finish}, {"security-start", t.SecurityStart},
		{"security-finish", t.SecurityFinish}, {"generators-start", t.GeneratorsStart},
		{"generators-finish", t.GeneratorsFinish}, {"units-load-start", t.UnitsLoadStart},
		{"units-load-finish", t.UnitsLoadFinish}, {"units-load", t.UnitsLoad},
		{"initrd-security-start", t.InitRDSecurityStart}, {"initrd-security-finish", t.InitRDSecurityFinish},
		{"initrd-generators-start", t.InitRDGeneratorsStart}, {"initrd-generators-finish", t.InitRDGeneratorsFinish},
		{"initrd-units-load-start", t.InitRDUnitsLoadStart}, {"initrd-units-load-finish", t.InitRDUnitsLoadFinish},
	} {
		switch {
		case x.ts.Realtime != 0:
			fmt.Fprintf(b, "Timestamp %s: %s\n", x.name, m.dumpTimestamp(x.ts))
		case x.ts.Monotonic != 0:
			fmt.Fprintf(b, "Timestamp %s: %s\n", x.name, timeutil.FormatTimespan(timeutil.Usec(x.ts.Monotonic), 1))
		}
	}
	for _, s := range subscribed {
		fmt.Fprintf(b, "Subscribed: %s\n", s)
	}
}

// yesNo is yes_no.
func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// strOr is s, or def for "".
func strOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// strna is strna: "n/a" for nothing.
func strna(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

func (m *Manager) dumpTimestamp(t DualTimestamp) string {
	if t.Realtime == 0 {
		return "n/a"
	}
	s, ok := tpStateOf(m).calendar().FormatTimestamp(timeutil.Usec(t.Realtime), timeutil.StylePretty)
	if !ok {
		return "n/a"
	}
	return s
}

// dumpUnit is unit_dump.
func (m *Manager) dumpUnit(b *strings.Builder, u *Unit, masks *cgroupMasks) {
	c := u.cfg
	w := func(format string, args ...any) {
		b.WriteString(masks.unended)
		masks.unended = ""
		b.WriteByte('\t')
		fmt.Fprintf(b, format, args...)
		b.WriteByte('\n')
	}
	fmt.Fprintf(b, "-> Unit %s:\n", u.ID())
	for _, n := range c.Names.List() {
		if n != u.ID() {
			w("Alias: %s", n)
		}
	}
	desc := c.Description
	if desc == "" {
		desc = u.ID()
	}
	w("Description: %s", desc)
	w("Instance: %s", strna(c.Instance))
	w("Unit Load State: %s", u.LoadState())
	w("Unit Active State: %s", u.ActiveState())
	w("State Change Timestamp: %s", m.dumpTimestamp(u.stateChange))
	w("Inactive Exit Timestamp: %s", m.dumpTimestamp(u.inactiveExit))
	w("Active Enter Timestamp: %s", m.dumpTimestamp(u.activeEnter))
	w("Active Exit Timestamp: %s", m.dumpTimestamp(u.activeExit))
	w("Inactive Enter Timestamp: %s", m.dumpTimestamp(u.inactiveEnter))
	w("May GC: %s", yesNo(m.mayGC(u)))
	w("Need Daemon Reload: %s", yesNo(u.needDaemonReload()))
	w("Transient: %s", yesNo(c.Transient))
	w("Perpetual: %s", yesNo(c.Perpetual))
	w("Garbage Collection Mode: %s", c.CollectMode)
	if names := u.markers.Names(); len(names) > 0 {
		w("Markers: %s", strings.Join(names, " "))
	}
	if c.CGroup != nil {
		m.dumpCgroup(w, u, masks)
	}
	if u.invocationID != "" {
		w("Invocation ID: %s", u.invocationID)
	}
	for _, d := range c.Documentation {
		w("Documentation: %s", d)
	}
	if f := u.Following(); f != "" {
		w("Following: %s", f)
	}
	if f, ok := u.kind.(follower); ok {
		for _, o := range f.followingSet() {
			w("Following Set Member: %s", o.ID())
		}
	}
	if c.FragmentPath != "" {
		w("Fragment Path: %s", c.FragmentPath)
	}
	if c.SourcePath != "" {
		w("Source Path: %s", c.SourcePath)
	}
	for _, p := range c.DropInPaths {
		w("DropIn Path: %s", p)
	}
	if c.FailureAction != "" && c.FailureAction != "none" {
		w("Failure Action: %s", c.FailureAction)
	}
	if c.FailureActionExitStatus >= 0 {
		w("Failure Action Exit Status: %d", c.FailureActionExitStatus)
	}
	if c.SuccessAction != "" && c.SuccessAction != "none" {
		w("Success Action: %s", c.SuccessAction)
	}
	if c.SuccessActionExitStatus >= 0 {
		w("Success Action Exit Status: %d", c.SuccessActionExitStatus)
	}
	if c.JobTimeout != timeutil.Infinity {
		w("Job Timeout: %s", timeutil.FormatTimespan(timeutil.Usec(c.JobTimeout), 0))
	}
	if c.JobTimeoutAction != "" && c.JobTimeoutAction != "none" {
		w("Job Timeout Action: %s", c.JobTimeoutAction)
	}
	if c.JobTimeoutRebootArgument != "" {
		w("Job Timeout Reboot Argument: %s", c.JobTimeoutRebootArgument)
	}
	dumpConditions(w, c.Conditions, u.conditionVerdicts)
	dumpConditions(w, c.Asserts, u.assertVerdicts)
	if u.conditionTime.Realtime != 0 || u.conditionTime.Monotonic != 0 {
		w("Condition Timestamp: %s", m.dumpTimestamp(u.conditionTime))
		w("Condition Result: %s", yesNo(u.conditionResult))
	}
	if u.assertTime.Realtime != 0 || u.assertTime.Monotonic != 0 {
		w("Assert Timestamp: %s", m.dumpTimestamp(u.assertTime))
		w("Assert Result: %s", yesNo(u.assertResult))
	}
	dumpDeps(w, u)
	for _, p := range c.RequiresMountsFor {
		w("RequiresMountsFor: %s (%s)", p, strings.Join(c.RequiresMountsForMask[p].Words("origin"), " "))
	}
	switch u.LoadState() {
	case state.Loaded:
		w("StopWhenUnneeded: %s", yesNo(c.StopWhenUnneeded))
		w("RefuseManualStart: %s", yesNo(c.RefuseManualStart))
		w("RefuseManualStop: %s", yesNo(c.RefuseManualStop))
		w("DefaultDependencies: %s", yesNo(c.DefaultDependencies))
		w("OnSuccessJobMode: %s", c.OnSuccessJobMode)
		w("OnFailureJobMode: %s", c.OnFailureJobMode)
		w("IgnoreOnIsolate: %s", yesNo(c.IgnoreOnIsolate))
		m.dumpType(w, u, masks)
		b.WriteString(masks.unended)
		masks.unended = ""
	case state.Error, state.NotFound, state.BadSetting:
		// 252 prints the error only for "error"; the other states
		// keep theirs silently.
		if u.LoadState() == state.Error && c.LoadErr != nil {
			w("Load Error Code: %s", dumpErrno(c.LoadErr))
		}
	}
	if u.job != nil {
		dumpJob(b, u.job, "\t")
	}
}

// dumpErrno is %m of err (EIO when it carries no errno).
func dumpErrno(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return condition.Strerror(e)
	}
	return condition.Strerror(syscall.EIO)
}

// dumpConditions is condition_dump_list.
func dumpConditions(w func(string, ...any), list []unit.Condition, verdicts []condition.Verdict) {
	for i, c := range list {
		res := condition.Untested
		if i < len(verdicts) {
			res = verdicts[i].Result
		}
		trig, neg := "", ""
		if c.Trigger {
			trig = "|"
		}
		if c.Negate {
			neg = "!"
		}
		w("%s: %s%s%s %s", c.Type, trig, neg, c.Parameter, res)
	}
}

// dumpDeps prints each dependency with where it came from on either
// side. 252 walks hash tables here, so its order changes from boot to
// boot; ours is by kind, then in the order they were added.
func dumpDeps(w func(string, ...any), u *Unit) {
	c := u.cfg
	refs := c.ReferenceMasks()
	mask := func(k unit.Dependency, other string) unit.DepOrigin {
		if k == unit.References || k == unit.ReferencedBy {
			return refs[unit.DepEdge{Kind: k, Other: other}]
		}
		return c.DepMaskOf(k, other)
	}
	line := func(k unit.Dependency, other string, o unit.DepOrigin) {
		words := append(o.Origin.Words("origin"), o.Destination.Words("destination")...)
		w("%s: %s (%s)", k, other, strings.Join(words, " "))
	}
	for k := unit.Dependency(0); k < dep.NumKinds; k++ {
		if k == unit.InSlice {
			// The slice is kept as Slice, not among the dependencies.
			if c.Slice != "" && c.Slice != u.ID() && c.CGroup != nil {
				line(k, c.Slice, mask(k, c.Slice))
			}
			continue
		}
		for _, other := range c.Deps[k].List() {
			line(k, other, mask(k, other))
		}
	}
}

// dumpJob is job_dump.
func dumpJob(b *strings.Builder, j *Job, prefix string) {
	fmt.Fprintf(b, "%s-> Job %d:\n", prefix, j.id)
	fmt.Fprintf(b, "%s\tAction: %s -> %s\n", prefix, j.unit.ID(), j.typ)
	fmt.Fprintf(b, "%s\tState: %s\n", prefix, runState(j))
	fmt.Fprintf(b, "%s\tIrreversible: %s\n", prefix, yesNo(j.irreversible))
	fmt.Fprintf(b, "%s\tMay GC: %s\n", prefix, yesNo(jobMayGC(j)))
}

// jobMayGC is job_may_gc: only device units collect their jobs, and
// only those nothing waits on.
func jobMayGC(j *Job) bool {
	if j.unit.cfg.Type != unitname.Device || j.typ == jobNop {
		return false
	}
	for _, o := range j.unit.deps(dep.AtomBefore | dep.AtomAfter) {
		if o.job != nil && o.job.typ != jobNop {
			return false
		}
	}
	return true
}

// dumpType is the part of unit_dump each type's vtable adds, one level
// deeper. Types without one here print nothing more (a divergence from
// 252, which prints their state and settings).
func (m *Manager) dumpType(w func(string, ...any), u *Unit, cm *cgroupMasks) {
	// The type's lines are one level deeper than the unit's, which at
	// the top level is the same single tab.
	ww := w
	c := u.cfg
	rt := u.Runtime()
	result := func() string { return fmt.Sprint(rt["Result"]) }
	trigger := func() string {
		if l := c.Deps[unit.Triggers].List(); len(l) > 0 {
			return l[0]
		}
		return "n/a"
	}
	switch c.Type {
	case unitname.Target:
		ww("Target State: %s", u.SubState())
	case unitname.Service:
		if s, ok := u.kind.(*service); ok {
			m.dumpService(ww, u, s, cm)
		}
	case unitname.Socket:
		if s, ok := u.kind.(*socketUnit); ok {
			m.dumpSocket(ww, u, s, cm)
		}
	case unitname.Mount:
		if x, ok := u.kind.(*mount); ok {
			m.dumpMount(ww, u, x, cm)
		}
	case unitname.Scope:
		if s, ok := u.kind.(*scope); ok {
			m.dumpScope(ww, u, s, cm)
		}
	case unitname.Device:
		if d, ok := u.kind.(*device); ok {
			ww("Device State: %s", u.SubState())
			ww("Device Path: %s", strna(d.path))
			ww("Sysfs Path: %s", strna(d.sysfs))
			ww("Found: %s", strna(d.found.String()))
			for _, want := range d.wantsProperty {
				ww("udev SYSTEMD_WANTS: %s", want)
			}
		}
	case unitname.Swap:
		if s, ok := u.kind.(*swap); ok {
			m.dumpSwap(ww, u, s, cm)
		}
	case unitname.Slice:
		ww("Slice State: %s", u.SubState())
		m.dumpCgroupContext(ww, u, cm)
	case unitname.Timer:
		t := c.Timer
		ww("Timer State: %s", u.SubState())
		ww("Result: %s", result())
		ww("Unit: %s", trigger())
		ww("Persistent: %s", yesNo(t.Persistent))
		ww("WakeSystem: %s", yesNo(t.WakeSystem))
		ww("Accuracy: %s", timeutil.FormatTimespan(timeutil.Usec(t.AccuracyUSec), 1))
		ww("RemainAfterElapse: %s", yesNo(t.RemainAfterElapse))
		ww("FixedRandomDelay: %s", yesNo(t.FixedRandomDelay))
		ww("OnClockChange: %s", yesNo(t.OnClockChange))
		ww("OnTimeZoneChange: %s", yesNo(t.OnTimezoneChange))
		for _, v := range t.Values {
			if v.Base == "OnCalendar" {
				ww("%s: %s", v.Base, strna(tpStateOf(m).calendarString(v.Calendar)))
				continue
			}
			ww("%s: %s", v.Base, timeutil.FormatTimespan(timeutil.Usec(v.Value), 0))
		}
	case unitname.Path:
		p := c.Path
		ww("Path State: %s", u.SubState())
		ww("Result: %s", result())
		ww("Unit: %s", trigger())
		ww("MakeDirectory: %s", yesNo(p.MakeDirectory))
		ww("DirectoryMode: %04o", p.DirectoryMode)
		ww("TriggerLimitIntervalSec: %s", timeutil.FormatTimespan(timeutil.Usec(p.TriggerLimitInterval), timeutil.Sec))
		ww("TriggerLimitBurst: %d", p.TriggerLimitBurst)
		for _, s := range p.Specs {
			ww("%s: %s", s.Type, s.Path)
		}
	case unitname.Automount:
		a := c.Automount
		ww("Automount State: %s", u.SubState())
		ww("Result: %s", result())
		ww("Where: %s", a.Where)
		// 252 prints a NULL string as glibc does.
		ww("ExtraOptions: %s", strOr(a.ExtraOptions, "(null)"))
		ww("DirectoryMode: %04o", a.DirectoryMode)
		ww("TimeoutIdleUSec: %s", timeutil.FormatTimespan(timeutil.Usec(a.TimeoutIdle), timeutil.Sec))
	}
}

// sigchldCodes are sigchld_code_to_string's names, by CLD_* code.
var sigchldCodes = []string{1: "exited", 2: "killed", 3: "dumped", 4: "trapped", 5: "stopped", 6: "continued"}

// dumpService is service_dump. Main PID Alien is always "no": we do
// not keep it.
func (m *Manager) dumpService(w func(string, ...any), u *Unit, s *service, cm *cgroupMasks) {
	c := s.cfg
	w("Service State: %s", u.SubState())
	w("Result: %s", s.result)
	w("Reload Result: %s", s.reloadResult)
	w("Clean Result: %s", s.cleanResult)
	w("PermissionsStartOnly: %s", yesNo(c.PermissionsStartOnly))
	w("RootDirectoryStartOnly: %s", yesNo(c.RootDirectoryStartOnly))
	w("RemainAfterExit: %s", yesNo(c.RemainAfterExit))
	w("GuessMainPID: %s", yesNo(c.GuessMainPID))
	w("Type: %s", c.Type)
	w("Restart: %s", c.Restart)
	w("NotifyAccess: %s", c.NotifyAccess)
	w("NotifyState: %s", strOr(s.notifyState, "unknown"))
	w("OOMPolicy: %s", c.OOMPolicy)
	if s.controlPID > 0 {
		w("Control PID: %d", s.controlPID)
	}
	if s.mainPID > 0 {
		w("Main PID: %d", s.mainPID)
		w("Main PID Known: %s", yesNo(s.mainPIDKnown))
		w("Main PID Alien: %s", "no")
	}
	if c.PIDFile != "" {
		w("PIDFile: %s", c.PIDFile)
	}
	if c.BusName != "" {
		w("BusName: %s", c.BusName)
		w("Bus Name Good: %s", yesNo(s.busNameGood))
	}
	if l := u.cfg.Deps[unit.TriggeredBy].List(); s.acceptConn != nil && len(l) > 0 {
		w("Accept Socket: %s", l[0])
	}
	span := func(v uint64) string { return timeutil.FormatTimespan(timeutil.Usec(v), timeutil.Sec) }
	w("RestartSec: %s", span(c.RestartUSec))
	w("TimeoutStartSec: %s", span(c.TimeoutStartUSec))
	w("TimeoutStopSec: %s", span(c.TimeoutStopUSec))
	w("TimeoutStartFailureMode: %s", c.TimeoutStartFailureMode)
	w("TimeoutStopFailureMode: %s", c.TimeoutStopFailureMode)
	if c.TimeoutAbortSet {
		w("TimeoutAbortSec: %s", span(c.TimeoutAbortUSec))
	}
	w("RuntimeMaxSec: %s", span(c.RuntimeMaxUSec))
	w("RuntimeRandomizedExtraSec: %s", span(c.RuntimeRandomizedExtra))
	w("WatchdogSec: %s", span(c.WatchdogUSec))
	unit.DumpKillContext(w, u.cfg.Kill)
	unit.DumpExecContext(w, u.cfg.Exec)
	for k, list := range c.Exec {
		if len(list) == 0 {
			continue
		}
		w("-> %s:", execKindNames[k])
		for i, cmd := range list {
			w("\tCommand Line: %s", unit.QuoteCommandLine(cmd.Argv))
			if r := s.run(k, i); r != nil {
				m.dumpExecRun(w, r, "\t\t")
			}
		}
	}
	if s.statusText != "" {
		w("Status Text: %s", s.statusText)
	}
	if c.FileDescriptorStoreMax > 0 {
		w("File Descriptor Store Max: %d", c.FileDescriptorStoreMax)
		w("File Descriptor Store Current: %d", len(s.fdStore))
	}
	m.dumpCgroupContext(w, u, cm)
}

// dumpExecRun is exec_status_dump.
func (m *Manager) dumpExecRun(w func(string, ...any), r *execRun, prefix string) {
	if r.pid <= 0 {
		return
	}
	w("%sPID: %d", prefix, r.pid)
	if r.start.Realtime != 0 || r.start.Monotonic != 0 {
		w("%sStart Timestamp: %s", prefix, m.dumpTimestamp(r.start))
	}
	if r.exit.Realtime != 0 || r.exit.Monotonic != 0 {
		code := ""
		if r.code > 0 && r.code < len(sigchldCodes) {
			code = sigchldCodes[r.code]
		}
		w("%sExit Timestamp: %s", prefix, m.dumpTimestamp(r.exit))
		w("%sExit Code: %s", prefix, strna(code))
		w("%sExit Status: %d", prefix, r.status)
	}
}

// ipProtocolNames are ip_protocol_to_name's names of the protocols
// SocketProtocol= can hold.
var ipProtocolNames = map[int32]string{0: "ip", 6: "tcp", 17: "udp", 132: "sctp", 136: "udplite"}

var socketExecNames = [...]string{"ExecStartPre", "ExecStartChown", "ExecStartPost", "ExecStopPre", "ExecStopPost"}

// dumpSocket is socket_dump. We run no socket commands, so there is
// never a Control PID, nor a run under a command line.
func (m *Manager) dumpSocket(w func(string, ...any), u *Unit, s *socketUnit, cm *cgroupMasks) {
	c := s.cfg
	span := func(v uint64) string { return timeutil.FormatTimespan(timeutil.Usec(v), timeutil.Sec) }
	cleanResult := "success"
	if v, ok := u.Runtime()["CleanResult"].(string); ok {
		cleanResult = v
	}
	fdname := c.FileDescriptorName
	if fdname == "" {
		fdname = u.ID()
	}
	w("Socket State: %s", u.SubState())
	w("Result: %s", s.result)
	w("Clean Result: %s", cleanResult)
	w("BindIPv6Only: %s", c.BindIPv6Only)
	w("Backlog: %d", c.Backlog)
	w("SocketMode: %04o", c.SocketMode)
	w("DirectoryMode: %04o", c.DirectoryMode)
	w("KeepAlive: %s", yesNo(c.KeepAlive))
	w("NoDelay: %s", yesNo(c.NoDelay))
	w("FreeBind: %s", yesNo(c.FreeBind))
	w("Transparent: %s", yesNo(c.Transparent))
	w("Broadcast: %s", yesNo(c.Broadcast))
	w("PassCredentials: %s", yesNo(c.PassCredentials))
	w("PassSecurity: %s", yesNo(c.PassSecurity))
	w("PassPacketInfo: %s", yesNo(c.PassPacketInfo))
	w("TCPCongestion: %s", strna(c.TCPCongestion))
	w("RemoveOnStop: %s", yesNo(c.RemoveOnStop))
	w("Writable: %s", yesNo(c.Writable))
	w("FileDescriptorName: %s", fdname)
	w("SELinuxContextFromNet: %s", yesNo(c.SELinuxContextFromNet))
	if c.Timestamping != "" && c.Timestamping != "off" {
		w("Timestamping: %s", c.Timestamping)
	}
	if c.BindToDevice != "" {
		w("BindToDevice: %s", c.BindToDevice)
	}
	if c.Accept {
		w("Accepted: %d", s.nAccepted)
		w("NConnections: %d", s.nConnections)
		w("MaxConnections: %d", c.MaxConnections)
		w("MaxConnectionsPerSource: %d", c.MaxConnectionsPerSource)
	} else {
		w("FlushPending: %s", yesNo(c.FlushPending))
	}
	if c.Priority >= 0 {
		w("Priority: %d", c.Priority)
	}
	if c.ReceiveBuffer > 0 {
		w("ReceiveBuffer: %d", c.ReceiveBuffer)
	}
	if c.SendBuffer > 0 {
		w("SendBuffer: %d", c.SendBuffer)
	}
	if c.IPTOS >= 0 {
		w("IPTOS: %d", c.IPTOS)
	}
	if c.IPTTL >= 0 {
		w("IPTTL: %d", c.IPTTL)
	}
	if c.PipeSize > 0 {
		w("PipeSize: %d", c.PipeSize)
	}
	if c.Mark >= 0 {
		w("Mark: %d", c.Mark)
	}
	if c.MessageQueueMaxMessages > 0 {
		w("MessageQueueMaxMessages: %d", c.MessageQueueMaxMessages)
	}
	if c.MessageQueueMessageSize > 0 {
		w("MessageQueueMessageSize: %d", c.MessageQueueMessageSize)
	}
	if c.ReusePort {
		w("ReusePort: %s", yesNo(c.ReusePort))
	}
	if c.SmackLabel != "" {
		w("SmackLabel: %s", c.SmackLabel)
	}
	if c.SmackLabelIPIn != "" {
		w("SmackLabelIPIn: %s", c.SmackLabelIPIn)
	}
	if c.SmackLabelIPOut != "" {
		w("SmackLabelIPOut: %s", c.SmackLabelIPOut)
	}
	if c.SocketUser != "" || c.SocketGroup != "" {
		w("SocketUser: %s", strna(c.SocketUser))
		w("SocketGroup: %s", strna(c.SocketGroup))
	}
	if c.KeepAliveTimeUSec > 0 {
		w("KeepAliveTimeSec: %s", span(c.KeepAliveTimeUSec))
	}
	if c.KeepAliveIntervalUSec > 0 {
		w("KeepAliveIntervalSec: %s", span(c.KeepAliveIntervalUSec))
	}
	if c.KeepAliveProbes > 0 {
		w("KeepAliveProbes: %d", c.KeepAliveProbes)
	}
	if c.DeferAcceptUSec > 0 {
		w("DeferAcceptSec: %s", span(c.DeferAcceptUSec))
	}
	for _, p := range c.Ports {
		w("Listen%s: %s", p.Type, p.Address)
	}
	w("TriggerLimitIntervalSec: %s", span(c.TriggerLimitInterval))
	w("TriggerLimitBurst: %d", c.TriggerLimitBurst)
	if n, ok := ipProtocolNames[c.SocketProtocol]; ok {
		w("SocketProtocol: %s", n)
	}
	if len(c.Symlinks) > 0 {
		w("Symlinks: %s", strings.Join(c.Symlinks, " "))
	}
	w("TimeoutSec: %s", span(c.TimeoutUSec))
	unit.DumpExecContext(w, u.cfg.Exec)
	unit.DumpKillContext(w, u.cfg.Kill)
	for k, list := range c.Exec {
		if len(list) == 0 {
			continue
		}
		w("-> %s:", socketExecNames[k])
		for _, cmd := range list {
			w("\tCommand Line: %s", unit.QuoteCommandLine(cmd.Argv))
		}
	}
	m.dumpCgroupContext(w, u, cm)
}

// dumpMount is mount_dump.
func (m *Manager) dumpMount(w func(string, ...any), u *Unit, x *mount, cm *cgroupMasks) {
	c := u.cfg.Mount
	var what, fstype, options string
	have := true
	switch {
	case x.fromProc:
		what, fstype, options = x.proc.What, x.proc.FSType, x.proc.Options
	case x.fragment() != nil:
		what, fstype, options = c.What, c.FSType, c.Options
	default:
		have = false
	}
	orNA := func(s string) string {
		if !have {
			return "n/a"
		}
		return strna(s)
	}
	extrinsic := m.cfg.Scope != unitpath.System || u.cfg.Perpetual || have && unit.MountIsExtrinsic(c.Where, options)
	w("Mount State: %s", u.SubState())
	w("Result: %s", x.result)
	w("Clean Result: %s", x.cleanResult)
	w("Where: %s", c.Where)
	w("What: %s", orNA(what))
	w("File System Type: %s", orNA(fstype))
	w("Options: %s", orNA(options))
	w("From /proc/self/mountinfo: %s", yesNo(x.fromProc))
	w("From fragment: %s", yesNo(x.fragment() != nil))
	w("Extrinsic: %s", yesNo(extrinsic))
	w("DirectoryMode: %04o", c.DirectoryMode)
	w("SloppyOptions: %s", yesNo(c.SloppyOptions))
	w("LazyUnmount: %s", yesNo(c.LazyUnmount))
	w("ForceUnmount: %s", yesNo(c.ForceUnmount))
	w("ReadWriteOnly: %s", yesNo(c.ReadWriteOnly))
	w("TimeoutSec: %s", timeutil.FormatTimespan(timeutil.Usec(c.TimeoutUSec), timeutil.Sec))
	if x.controlPID > 0 {
		w("Control PID: %d", x.controlPID)
	}
	unit.DumpExecContext(w, u.cfg.Exec)
	unit.DumpKillContext(w, u.cfg.Kill)
	m.dumpCgroupContext(w, u, cm)
}

// dumpSwap is swap_dump: the parameters shown are /proc/swaps' while
// the kernel lists the swap, else the unit file's.
func (m *Manager) dumpSwap(w func(string, ...any), u *Unit, s *swap, cm *cgroupMasks) {
	c := u.cfg.Swap
	fromFragment := u.cfg.FragmentPath != ""
	w("Swap State: %s", u.SubState())
	w("Result: %s", s.result)
	w("Clean Result: %s", s.cleanResult)
	w("What: %s", s.what())
	w("From /proc/swaps: %s", yesNo(s.fromProc))
	w("From fragment: %s", yesNo(fromFragment))
	w("Extrinsic: %s", yesNo(m.cfg.Scope != unitpath.System))
	if s.devnode != "" {
		w("Device Node: %s", s.devnode)
	}
	switch {
	case s.fromProc:
		w("Priority: %d", s.proc.priority)
		w("Options: ")
	case fromFragment:
		w("Priority: %d", c.Priority)
		w("Options: %s", c.Options)
	}
	w("TimeoutSec: %s", timeutil.FormatTimespan(timeutil.Usec(c.TimeoutUSec), timeutil.Sec))
	if s.controlPID > 0 {
		w("Control PID: %d", s.controlPID)
	}
	unit.DumpExecContext(w, u.cfg.Exec)
	unit.DumpKillContext(w, u.cfg.Kill)
	m.dumpCgroupContext(w, u, cm)
}

// blockDevnode is the /dev node of the block device at path (following
// symlinks), "" for anything else.
func blockDevnode(path string) string {
	var st unix.Stat_t
	if path == "" || unix.Stat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return ""
	}
	uevent, err := os.ReadFile(fmt.Sprintf("/sys/dev/block/%d:%d/uevent", unix.Major(st.Rdev), unix.Minor(st.Rdev)))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(uevent), "\n") {
		if name, ok := strings.CutPrefix(line, "DEVNAME="); ok && name != "" {
			return "/dev/" + name
		}
	}
	return ""
}

// dumpScope is scope_dump.
func (m *Manager) dumpScope(w func(string, ...any), u *Unit, s *scope, cm *cgroupMasks) {
	c := u.cfg.Scope
	span := func(v uint64) string { return timeutil.FormatTimespan(timeutil.Usec(v), timeutil.Sec) }
	w("Scope State: %s", u.SubState())
	w("Result: %s", s.result)
	w("RuntimeMaxSec: %s", span(c.RuntimeMaxUSec))
	w("RuntimeRandomizedExtraSec: %s", span(c.RuntimeRandomizedExtra))
	policy := c.OOMPolicy
	if policy == "" {
		policy = m.cfg.Defaults.OOMPolicy
	}
	w("OOMPolicy: %s", policy)
	m.dumpCgroupContext(w, u, cm)
	unit.DumpKillContext(w, u.cfg.Kill)
}
