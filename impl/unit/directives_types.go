package unit

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
)

func serviceDirectives() []*Directive {
	sb := func(f func(*Service) *bool) parseFunc { return boolField(inService(f)) }
	d := []*Directive{
		{Name: "PIDFile", Type: "OTHER", parse: parsePIDFile},
	}
	for i, n := range serviceExecNames {
		i := i
		d = append(d, &Directive{Name: n, Type: "PATH [ARGUMENT [...]]", parse: execField(func(u *Unit) *[]ExecCommand { return &u.Service.Exec[i] })})
	}
	d = append(d,
		&Directive{Name: "RestartSec", Type: "SECONDS", parse: secField(inService(func(s *Service) *uint64 { return &s.RestartUSec }))},
		&Directive{Name: "TimeoutSec", Type: "SECONDS", parse: parseServiceTimeout},
		&Directive{Name: "TimeoutStartSec", Type: "SECONDS", parse: parseServiceTimeout},
		&Directive{Name: "TimeoutStopSec", Type: "OTHER", parse: secFix0Field(inService(func(s *Service) *uint64 { return &s.TimeoutStopUSec }))},
		&Directive{Name: "TimeoutAbortSec", Type: "OTHER", parse: parseTimeoutAbort},
		&Directive{Name: "TimeoutStartFailureMode", Type: "TIMEOUTMODE", parse: enumField(inService(func(s *Service) *string { return &s.TimeoutStartFailureMode }), "Failed to parse timeout failure mode", "terminate", "abort", "kill")},
		&Directive{Name: "TimeoutStopFailureMode", Type: "TIMEOUTMODE", parse: enumField(inService(func(s *Service) *string { return &s.TimeoutStopFailureMode }), "Failed to parse timeout failure mode", "terminate", "abort", "kill")},
		&Directive{Name: "RuntimeMaxSec", Type: "SECONDS", parse: secField(inService(func(s *Service) *uint64 { return &s.RuntimeMaxUSec }))},
		&Directive{Name: "RuntimeRandomizedExtraSec", Type: "SECONDS", parse: secField(inService(func(s *Service) *uint64 { return &s.RuntimeRandomizedExtra }))},
		&Directive{Name: "WatchdogSec", Type: "SECONDS", parse: secField(inService(func(s *Service) *uint64 { return &s.WatchdogUSec }))},
		&Directive{Name: "StartLimitInterval", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.StartLimitInterval })},
		&Directive{Name: "StartLimitBurst", Type: "UNSIGNED", parse: unsignedField(func(u *Unit) *uint32 { return &u.StartLimitBurst })},
		&Directive{Name: "StartLimitAction", Type: "ACTION", parse: emergencyActionField(func(u *Unit) *string { return &u.StartLimitAction })},
		&Directive{Name: "FailureAction", Type: "ACTION", parse: emergencyActionField(func(u *Unit) *string { return &u.FailureAction })},
		&Directive{Name: "RebootArgument", Type: "STRING", parse: stringPrintfField(func(u *Unit) *string { return &u.RebootArgument })},
		&Directive{Name: "Type", Type: "SERVICETYPE", parse: enumField(inService(func(s *Service) *string { return &s.Type }), "Failed to parse service type", "simple", "forking", "oneshot", "dbus", "notify", "idle", "exec")},
		&Directive{Name: "ExitType", Type: "SERVICEEXITTYPE", parse: enumField(inService(func(s *Service) *string { return &s.ExitType }), "Failed to parse service exit type", "main", "cgroup")},
		&Directive{Name: "Restart", Type: "SERVICERESTART", parse: enumField(inService(func(s *Service) *string { return &s.Restart }), "Failed to parse service restart specifier", "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")},
		&Directive{Name: "PermissionsStartOnly", Type: "BOOLEAN", parse: sb(func(s *Service) *bool { return &s.PermissionsStartOnly })},
		&Directive{Name: "RootDirectoryStartOnly", Type: "BOOLEAN", parse: sb(func(s *Service) *bool { return &s.RootDirectoryStartOnly })},
		&Directive{Name: "RemainAfterExit", Type: "BOOLEAN", parse: sb(func(s *Service) *bool { return &s.RemainAfterExit })},
		&Directive{Name: "GuessMainPID", Type: "BOOLEAN", parse: sb(func(s *Service) *bool { return &s.GuessMainPID })},
		&Directive{Name: "RestartPreventExitStatus", Type: "STATUS", parse: exitStatusSet(func(s *Service) *value.ExitStatusSet { return &s.RestartPreventExitStatus })},
		&Directive{Name: "RestartForceExitStatus", Type: "STATUS", parse: exitStatusSet(func(s *Service) *value.ExitStatusSet { return &s.RestartForceExitStatus })},
		&Directive{Name: "SuccessExitStatus", Type: "STATUS", parse: exitStatusSet(func(s *Service) *value.ExitStatusSet { return &s.SuccessExitStatus })},
		&Directive{Name: "SysVStartPriority", Type: "NOTSUPPORTED", parse: warnCompat(false)},
		&Directive{Name: "NonBlocking", Type: "BOOLEAN", parse: boolField(inExec(func(c *ExecContext) *bool { return &c.NonBlocking }))},
		&Directive{Name: "BusName", Type: "OTHER", parse: parseBusName},
		&Directive{Name: "FileDescriptorStoreMax", Type: "UNSIGNED", parse: unsignedField(inService(func(s *Service) *uint32 { return &s.FileDescriptorStoreMax }))},
		&Directive{Name: "NotifyAccess", Type: "ACCESS", parse: enumField(inService(func(s *Service) *string { return &s.NotifyAccess }), "Failed to parse notify access specifier", "none", "main", "exec", "all")},
		&Directive{Name: "Sockets", Type: "SOCKETS", parse: parseServiceSockets},
		&Directive{Name: "BusPolicy", Type: "NOTSUPPORTED", parse: warnCompat(false)},
		&Directive{Name: "USBFunctionDescriptors", Type: "PATH", parse: pathPrintfField(inService(func(s *Service) *string { return &s.USBFunctionDescriptors }), false)},
		&Directive{Name: "USBFunctionStrings", Type: "PATH", parse: pathPrintfField(inService(func(s *Service) *string { return &s.USBFunctionStrings }), false)},
		&Directive{Name: "OOMPolicy", Type: "OTHER", parse: enumField(inService(func(s *Service) *string { return &s.OOMPolicy }), "Failed to parse OOM policy", "continue", "stop", "kill")},
	)
	return d
}

// execField is config_parse_exec.
func execField(get func(*Unit) *[]ExecCommand) parseFunc {
	return func(p *parser, v string) error {
		list := get(p.u)
		if v == "" {
			*list = nil
			return nil
		}
		cmds, diags, err := unitfile.ParseExec(v, p.loc, p.expander(specFull))
		p.u.Diagnostics = append(p.u.Diagnostics, diags...)
		for _, c := range cmds {
			*list = append(*list, ExecCommand{Path: c.Path, Argv: c.Argv, Flags: c.Flags})
		}
		if err != nil {
			return errFatal
		}
		return nil
	}
}

func parsePIDFile(p *parser, v string) error {
	s := p.u.Service
	if v == "" {
		s.PIDFile = ""
		return nil
	}
	k, ok := p.printfOr(v, specPath)
	if !ok {
		return nil
	}
	if !strings.HasPrefix(k, "/") {
		k = "/run/" + k
	}
	n, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
	if !ok {
		// Unlike the other settings, a bad PIDFile= fails the load
		// with EINVAL rather than marking a bad setting.
		return syscall.EINVAL
	}
	s.PIDFile = p.patchVarRun(n)
	return nil
}

func parseServiceTimeout(p *parser, v string) error {
	s := p.u.Service
	t, err := value.ParseSecFix0(v)
	if err != nil {
		p.warn("Failed to parse %s= parameter, ignoring: %s", p.key, v)
		return nil
	}
	s.startTimeoutDefined = true
	s.TimeoutStartUSec = t
	if p.key == "TimeoutSec" {
		s.TimeoutStopUSec = t
	}
	return nil
}

func parseTimeoutAbort(p *parser, v string) error {
	s := p.u.Service
	if v == "" {
		s.TimeoutAbortUSec, s.TimeoutAbortSet = 0, false
		return nil
	}
	t, err := value.ParseSec(v)
	if err != nil {
		p.warn("Failed to parse %s= setting, ignoring: %s", p.key, v)
		return nil
	}
	s.TimeoutAbortUSec, s.TimeoutAbortSet = t, true
	return nil
}

func exitStatusSet(get func(*Service) *value.ExitStatusSet) parseFunc {
	return func(p *parser, v string) error {
		set := get(p.u.Service)
		if v == "" {
			*set = value.ExitStatusSet{}
			return nil
		}
		w := unitfile.NewExtractor(v)
		for {
			word, ok, err := w.Next(ws, 0)
			if err != nil {
				p.warn("Failed to parse %s=%s, ignoring: %s", p.key, v, strerror(err))
				return nil
			}
			if !ok {
				return nil
			}
			if n, err := value.ExitStatusFromString(word); err == nil {
				set.AddStatus(n)
				continue
			}
			sig, err := value.SignalFromString(word)
			if err != nil {
				p.warn("Failed to parse value, ignoring: %s", word)
				continue
			}
			set.AddSignal(sig)
		}
	}
}

// busNameValid is sd-bus's service_name_is_valid.
func busNameValid(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	unique := s[0] == ':'
	q := s
	if unique {
		q = s[1:]
	}
	dot, foundDot := true, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '.' {
			if dot {
				return false
			}
			foundDot, dot = true, true
			continue
		}
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if !(alpha || (!dot || unique) && digit || c == '_' || c == '-') {
			return false
		}
		dot = false
	}
	return !dot && foundDot
}

func parseBusName(p *parser, v string) error {
	k, err := p.printf(v, 255)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", v, strerror(err))
		return nil
	}
	if !busNameValid(k) {
		p.warn("Invalid bus name, ignoring: %s", k)
		return nil
	}
	p.u.Service.BusName = k
	return nil
}

func parseServiceSockets(p *parser, v string) error {
	w := unitfile.NewExtractor(v)
	for {
		word, ok, err := w.Next(ws, 0)
		if err != nil {
			p.warn("Trailing garbage in sockets, ignoring: %s", v)
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
		if !strings.HasSuffix(k, ".socket") {
			p.warn("Unit must be of type socket, ignoring: %s", k)
			continue
		}
		if err := p.u.addDependencyByName(Wants, k, p.loc); err != nil {
			p.warn("Failed to add dependency on %s, ignoring: %s", k, strerror(err))
		} else {
			_ = p.u.addDependency(After, k)
		}
		if err := p.u.addDependencyByName(TriggeredBy, k, p.loc); err != nil {
			p.warn("Failed to add dependency on %s, ignoring: %s", k, strerror(err))
		}
	}
}

func socketDirectives() []*Directive {
	sb := func(f func(*Socket) *bool) parseFunc { return boolField(inSocket(f)) }
	d := []*Directive{
		{Name: "ListenStream", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenDatagram", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenSequentialPacket", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenFIFO", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenNetlink", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenSpecial", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenMessageQueue", Type: "SOCKET [...]", parse: parseListen},
		{Name: "ListenUSBFunction", Type: "SOCKET [...]", parse: parseListen},
		{Name: "SocketProtocol", Type: "OTHER", parse: parseSocketProtocol},
		{Name: "BindIPv6Only", Type: "SOCKETBIND", parse: enumBoolField(inSocket(func(s *Socket) *string { return &s.BindIPv6Only }), "Failed to parse bind IPv6 only value", "both", "ipv6-only", "default", "both", "ipv6-only")},
		{Name: "Backlog", Type: "UNSIGNED", parse: unsignedField(inSocket(func(s *Socket) *uint32 { return &s.Backlog }))},
		{Name: "BindToDevice", Type: "NETWORKINTERFACE", parse: parseBindToDevice},
	}
	for i, n := range []string{"ExecStartPre", "", "ExecStartPost", "ExecStopPre", "ExecStopPost"} {
		if n == "" {
			continue
		}
		i := i
		d = append(d, &Directive{Name: n, Type: "PATH [ARGUMENT [...]]", parse: execField(func(u *Unit) *[]ExecCommand { return &u.Socket.Exec[i] })})
	}
	d = append(d,
		&Directive{Name: "TimeoutSec", Type: "OTHER", parse: secFix0Field(inSocket(func(s *Socket) *uint64 { return &s.TimeoutUSec }))},
		&Directive{Name: "SocketUser", Type: "OTHER", parse: socketUserGroup(func(s *Socket) *string { return &s.SocketUser })},
		&Directive{Name: "SocketGroup", Type: "OTHER", parse: socketUserGroup(func(s *Socket) *string { return &s.SocketGroup })},
		&Directive{Name: "SocketMode", Type: "MODE", parse: modeField(inSocket(func(s *Socket) *uint32 { return &s.SocketMode }))},
		&Directive{Name: "DirectoryMode", Type: "MODE", parse: modeField(inSocket(func(s *Socket) *uint32 { return &s.DirectoryMode }))},
		&Directive{Name: "Accept", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.Accept })},
		&Directive{Name: "FlushPending", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.FlushPending })},
		&Directive{Name: "Writable", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.Writable })},
		&Directive{Name: "MaxConnections", Type: "UNSIGNED", parse: unsignedField(inSocket(func(s *Socket) *uint32 { return &s.MaxConnections }))},
		&Directive{Name: "MaxConnectionsPerSource", Type: "UNSIGNED", parse: unsignedField(inSocket(func(s *Socket) *uint32 { return &s.MaxConnectionsPerSource }))},
		&Directive{Name: "KeepAlive", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.KeepAlive })},
		&Directive{Name: "KeepAliveTimeSec", Type: "SECONDS", parse: secField(inSocket(func(s *Socket) *uint64 { return &s.KeepAliveTimeUSec }))},
		&Directive{Name: "KeepAliveIntervalSec", Type: "SECONDS", parse: secField(inSocket(func(s *Socket) *uint64 { return &s.KeepAliveIntervalUSec }))},
		&Directive{Name: "KeepAliveProbes", Type: "UNSIGNED", parse: unsignedField(inSocket(func(s *Socket) *uint32 { return &s.KeepAliveProbes }))},
		&Directive{Name: "DeferAcceptSec", Type: "SECONDS", parse: secField(inSocket(func(s *Socket) *uint64 { return &s.DeferAcceptUSec }))},
		&Directive{Name: "NoDelay", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.NoDelay })},
		&Directive{Name: "Priority", Type: "INTEGER", parse: intField(inSocket(func(s *Socket) *int32 { return &s.Priority }))},
		&Directive{Name: "ReceiveBuffer", Type: "SIZE", parse: iecSizeField(inSocket(func(s *Socket) *uint64 { return &s.ReceiveBuffer }))},
		&Directive{Name: "SendBuffer", Type: "SIZE", parse: iecSizeField(inSocket(func(s *Socket) *uint64 { return &s.SendBuffer }))},
		&Directive{Name: "IPTOS", Type: "TOS", parse: parseIPTOS},
		&Directive{Name: "IPTTL", Type: "INTEGER", parse: intField(inSocket(func(s *Socket) *int32 { return &s.IPTTL }))},
		&Directive{Name: "Mark", Type: "INTEGER", parse: intField(inSocket(func(s *Socket) *int32 { return &s.Mark }))},
		&Directive{Name: "PipeSize", Type: "SIZE", parse: iecSizeField(inSocket(func(s *Socket) *uint64 { return &s.PipeSize }))},
		&Directive{Name: "FreeBind", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.FreeBind })},
		&Directive{Name: "Transparent", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.Transparent })},
		&Directive{Name: "Broadcast", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.Broadcast })},
		&Directive{Name: "PassCredentials", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.PassCredentials })},
		&Directive{Name: "PassSecurity", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.PassSecurity })},
		&Directive{Name: "PassPacketInfo", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.PassPacketInfo })},
		&Directive{Name: "Timestamping", Type: "OTHER", parse: parseTimestamping},
		&Directive{Name: "TCPCongestion", Type: "STRING", parse: stringField(inSocket(func(s *Socket) *string { return &s.TCPCongestion }))},
		&Directive{Name: "ReusePort", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.ReusePort })},
		&Directive{Name: "MessageQueueMaxMessages", Type: "LONG", parse: longField(inSocket(func(s *Socket) *int64 { return &s.MessageQueueMaxMessages }))},
		&Directive{Name: "MessageQueueMessageSize", Type: "LONG", parse: longField(inSocket(func(s *Socket) *int64 { return &s.MessageQueueMessageSize }))},
		&Directive{Name: "RemoveOnStop", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.RemoveOnStop })},
		&Directive{Name: "Symlinks", Type: "OTHER", parse: pathListPrintf(inSocket(func(s *Socket) *[]string { return &s.Symlinks }))},
		&Directive{Name: "FileDescriptorName", Type: "OTHER", parse: parseFDName},
		&Directive{Name: "Service", Type: "SERVICE", parse: parseSocketService},
		&Directive{Name: "TriggerLimitIntervalSec", Type: "SECONDS", parse: secField(inSocket(func(s *Socket) *uint64 { return &s.TriggerLimitInterval }))},
		&Directive{Name: "TriggerLimitBurst", Type: "UNSIGNED", parse: unsignedField(inSocket(func(s *Socket) *uint32 { return &s.TriggerLimitBurst }))},
		&Directive{Name: "SmackLabel", Type: "STRING", parse: stringPrintfField(inSocket(func(s *Socket) *string { return &s.SmackLabel }))},
		&Directive{Name: "SmackLabelIPIn", Type: "STRING", parse: stringPrintfField(inSocket(func(s *Socket) *string { return &s.SmackLabelIPIn }))},
		&Directive{Name: "SmackLabelIPOut", Type: "STRING", parse: stringPrintfField(inSocket(func(s *Socket) *string { return &s.SmackLabelIPOut }))},
		&Directive{Name: "SELinuxContextFromNet", Type: "BOOLEAN", parse: sb(func(s *Socket) *bool { return &s.SELinuxContextFromNet })},
	)
	return d
}

func parseSocketProtocol(p *parser, v string) error {
	var proto int32
	switch strings.ToLower(v) {
	case "udplite", "136":
		proto = 136
	case "sctp", "132":
		proto = 132
	default:
		p.warn("Failed to parse socket protocol, ignoring: %s", v)
		return nil
	}
	p.u.Socket.SocketProtocol = proto
	return nil
}

func parseBindToDevice(p *parser, v string) error {
	if v == "" || v == "*" {
		p.u.Socket.BindToDevice = ""
		return nil
	}
	if !ifnameValid(v) {
		p.warn("Invalid interface name, ignoring: %s", v)
		return nil
	}
	p.u.Socket.BindToDevice = v
	return nil
}

func socketUserGroup(get func(*Socket) *string) parseFunc {
	return func(p *parser, v string) error {
		if v == "" {
			*get(p.u.Socket) = ""
			return nil
		}
		k, err := p.printf(v, specFull)
		if err != nil {
			p.log(LevelErr, "Failed to resolve unit specifiers in %s: %s", v, strerror(err))
			return errFatal
		}
		if !p.checkUserGroup(k) {
			return errFatal
		}
		*get(p.u.Socket) = k
		return nil
	}
}

var ipTOSNames = map[string]int32{"low-delay": 0x10, "throughput": 0x08, "reliability": 0x04, "low-cost": 0x02}

func parseIPTOS(p *parser, v string) error {
	s := p.u.Socket
	if v == "" {
		s.IPTOS = -1
		return nil
	}
	if n, ok := ipTOSNames[v]; ok {
		s.IPTOS = n
		return nil
	}
	u, err := value.SafeAtou(v)
	if err != nil || u > 0xff {
		p.warn("Failed to parse IP TOS value, ignoring: %s", v)
		return nil
	}
	s.IPTOS = int32(u)
	return nil
}

func parseTimestamping(p *parser, v string) error {
	t, ok := TimestampingFromString(v)
	if !ok {
		p.warn("Failed to parse timestamping precision, ignoring: %s", v)
		return nil
	}
	p.u.Socket.Timestamping = t
	return nil
}

// TimestampingFromString is socket_timestamping_from_string_harder: the
// precision a Timestamping= value names ("off", "us" or "ns"); a boolean
// true is "ns".
func TimestampingFromString(v string) (string, bool) {
	switch v {
	case "off":
		return "off", true
	case "us", "usec", "µs", "μs":
		return "us", true
	case "ns", "nsec":
		return "ns", true
	}
	// parse_boolean, which ignores case.
	switch strings.ToLower(v) {
	case "0", "no", "n", "false", "f", "off":
		return "off", true
	case "1", "yes", "y", "true", "t", "on":
		return "ns", true
	}
	return "", false
}

// IfnameValid is ifname_valid: an interface name, not an index.
func IfnameValid(s string) bool { return ifnameValid(s) }

// IPTOSName is ip_tos_to_string_alloc: the name of a TOS value, else its
// number.
func IPTOSName(n int32) string {
	for name, v := range ipTOSNames {
		if v == n {
			return name
		}
	}
	return strconv.Itoa(int(n))
}

func parseFDName(p *parser, v string) error {
	if v == "" {
		p.u.Socket.FileDescriptorName = ""
		return nil
	}
	k, ok := p.printfOr(v, specFD)
	if !ok {
		return nil
	}
	if !fdnameIsValid(k) {
		p.warn("Invalid file descriptor name, ignoring: %s", k)
		return nil
	}
	p.u.Socket.FileDescriptorName = k
	return nil
}

func parseSocketService(p *parser, v string) error {
	k, err := p.printf(v, specName)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", v, strerror(err))
		return nil
	}
	if !strings.HasSuffix(k, ".service") {
		p.warn("Unit must be of type service, ignoring: %s", v)
		return nil
	}
	if !unitname.IsValid(k, unitname.Plain|unitname.Instance) {
		reason := "Unit name " + k + " is not valid."
		if unitname.IsValid(k, unitname.Template) {
			reason = "Unit name " + k + " is missing the instance name."
		}
		p.warn("Failed to load unit %s, ignoring: %s", v, reason)
		return nil
	}
	p.u.load(k)
	p.u.Socket.Service = k
	return nil
}

var netlinkFamilies = []string{0: "route", 3: "firewall", 4: "inet-diag", 5: "nflog", 6: "xfrm", 7: "selinux", 8: "iscsi",
	9: "audit", 10: "fib-lookup", 11: "connector", 12: "netfilter", 13: "ip6-fw", 14: "dnrtmsg", 15: "kobject-uevent",
	16: "generic", 18: "scsitransport", 19: "ecryptfs", 20: "rdma"}

func parseListen(p *parser, v string) error {
	s := p.u.Socket
	if v == "" {
		s.Ports = nil
		return nil
	}
	kinds := map[string]string{"ListenFIFO": "FIFO", "ListenSpecial": "Special", "ListenMessageQueue": "MessageQueue", "ListenUSBFunction": "USBFunction"}
	if kind, ok := kinds[p.key]; ok {
		k, ok := p.printfOr(v, specPath)
		if !ok {
			return nil
		}
		path, ok := p.simplifyAndWarn(k, pathCheckAbsolute)
		if !ok {
			return nil
		}
		if kind == "FIFO" {
			path = p.patchVarRun(path)
		}
		s.Ports = append(s.Ports, SocketPort{Type: kind, Address: path})
		return nil
	}
	k, ok := p.printfOr(v, specPath)
	if !ok {
		return nil
	}
	if p.key == "ListenNetlink" {
		w := unitfile.NewExtractor(k)
		word, ok, err := w.Next(ws, 0)
		family := -1
		if err == nil && ok {
			if f, ok := lookupFallback(netlinkFamilies, 1<<31-1, word); ok {
				family = f
			}
		}
		group := uint32(0)
		if rest := w.Rest(); family >= 0 && !w.Done() && rest != "" {
			g, err := value.SafeAtou(rest)
			if err != nil {
				family = -1
			}
			group = g
		}
		if family < 0 {
			p.warn("Failed to parse address value in '%s', ignoring: %s", k, strerror(errInval))
			return nil
		}
		name := itoa(family)
		if family < len(netlinkFamilies) && netlinkFamilies[family] != "" {
			name = netlinkFamilies[family]
		}
		s.Ports = append(s.Ports, SocketPort{Type: "Netlink", Address: fmt.Sprintf("%s %d", name, group), Family: value.AFNetlink})
		return nil
	}
	if strings.HasPrefix(k, "/") {
		k = p.patchVarRun(k)
	}
	addr, family, err := parseSocketAddress(k)
	if err != nil {
		p.warn("Failed to parse address value in '%s', ignoring: %s", k, strerror(err))
		return nil
	}
	kind := map[string]string{"ListenStream": "Stream", "ListenDatagram": "Datagram", "ListenSequentialPacket": "SequentialPacket"}[p.key]
	if family != value.AFUnix && kind == "SequentialPacket" {
		p.warn("Address family not supported, ignoring: %s", v)
		return nil
	}
	s.Ports = append(s.Ports, SocketPort{Type: kind, Address: addr, Family: family})
	return nil
}

// patchVarRun is systemd's patch_var_run: paths below /var/run/ move to
// /run/ with a notice.
func (p *parser) patchVarRun(path string) string {
	rest, ok := strings.CutPrefix(path, "/var/run/")
	if !ok {
		return path
	}
	z := "/run/" + rest
	// Debian logs this at notice level for files below /etc only.
	level := LevelDebug
	if strings.HasPrefix(p.loc.File, "/etc/") {
		level = LevelNotice
	}
	p.log(level, "%s= references a path below legacy directory /var/run/, updating %s → %s; please update the unit file accordingly.", p.key, path, z)
	return z
}

// parseSocketAddress is systemd's socket_address_parse, returning the
// address as socket_address_print prints it.
func parseSocketAddress(s string) (string, int, error) {
	switch {
	case strings.HasPrefix(s, "/"):
		if len(s) >= 108 {
			return "", 0, errInval
		}
		return value.CEscape(s), value.AFUnix, nil
	case strings.HasPrefix(s, "@"):
		if len(s) > 108 || len(s) == 1 {
			return "", 0, errInval
		}
		return "@" + value.CEscape(s[1:]), value.AFUnix, nil
	case strings.HasPrefix(s, "vsock:"):
		rest := s[6:]
		cidStr, portStr, ok := strings.Cut(rest, ":")
		if !ok {
			return "", 0, errInval
		}
		port, err := value.SafeAtou(portStr)
		if err != nil {
			return "", 0, err
		}
		if cidStr == "" {
			return fmt.Sprintf("vsock::%d", port), 40, nil
		}
		cid, err := value.SafeAtou(cidStr)
		if err != nil {
			return "", 0, err
		}
		if cid == ^uint32(0) {
			return fmt.Sprintf("vsock::%d", port), 40, nil
		}
		return fmt.Sprintf("vsock:%d:%d", cid, port), 40, nil
	}
	if s != "" && !strings.ContainsAny(s[:1], ws) {
		if port, err := value.SafeAtou16(s); err == nil {
			if port == 0 {
				return "", 0, errInval
			}
			return fmt.Sprintf("[::]:%d", port), value.AFInet6, nil
		} else if err == errRange {
			return "", 0, err
		}
	}
	// ADDRESS:PORT, [IPV6]:PORT
	var host, portStr string
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 || !strings.HasPrefix(s[end+1:], ":") {
			return "", 0, errInval
		}
		host, portStr = s[1:end], s[end+2:]
		if i := strings.IndexByte(host, '%'); i >= 0 {
			return "", 0, errInval
		}
		a, ok := value.InetPton6(host)
		if !ok {
			return "", 0, errInval
		}
		port, err := value.SafeAtou16(portStr)
		if err != nil || port == 0 {
			return "", 0, errInval
		}
		return fmt.Sprintf("[%s]:%d", value.FormatInAddr(a), port), value.AFInet6, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, errInval
	}
	host, portStr = s[:i], s[i+1:]
	a, ok := value.InetPton4(host)
	if !ok {
		return "", 0, errInval
	}
	port, err := value.SafeAtou16(portStr)
	if err != nil || port == 0 {
		return "", 0, errInval
	}
	return fmt.Sprintf("%s:%d", value.FormatInAddr(a), port), value.AFInet, nil
}

func mountDirectives() []*Directive {
	mb := func(f func(*Mount) *bool) parseFunc {
		return boolField(func(u *Unit) *bool { return f(u.Mount) })
	}
	return []*Directive{
		{Name: "What", Type: "STRING", parse: mountString(func(m *Mount) (*string, *bool) { return &m.What, &m.whatSet })},
		{Name: "Where", Type: "PATH", parse: pathPrintfField(func(u *Unit) *string { return &u.Mount.Where }, false)},
		{Name: "Options", Type: "STRING", parse: mountString(func(m *Mount) (*string, *bool) { return &m.Options, &m.optionsSet })},
		{Name: "Type", Type: "STRING", parse: mountString(func(m *Mount) (*string, *bool) { return &m.FSType, &m.typeSet })},
		{Name: "TimeoutSec", Type: "OTHER", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Mount.TimeoutUSec })},
		{Name: "DirectoryMode", Type: "MODE", parse: modeField(func(u *Unit) *uint32 { return &u.Mount.DirectoryMode })},
		{Name: "SloppyOptions", Type: "BOOLEAN", parse: mb(func(m *Mount) *bool { return &m.SloppyOptions })},
		{Name: "LazyUnmount", Type: "BOOLEAN", parse: mb(func(m *Mount) *bool { return &m.LazyUnmount })},
		{Name: "ForceUnmount", Type: "BOOLEAN", parse: mb(func(m *Mount) *bool { return &m.ForceUnmount })},
		{Name: "ReadWriteOnly", Type: "BOOLEAN", parse: mb(func(m *Mount) *bool { return &m.ReadWriteOnly })},
	}
}

func mountString(get func(*Mount) (*string, *bool)) parseFunc {
	return func(p *parser, v string) error {
		k, ok := p.printfOr(v, specFull)
		if !ok {
			return nil
		}
		s, set := get(p.u.Mount)
		*s, *set = k, k != ""
		return nil
	}
}

func automountDirectives() []*Directive {
	return []*Directive{
		{Name: "Where", Type: "PATH", parse: pathPrintfField(func(u *Unit) *string { return &u.Automount.Where }, false)},
		{Name: "ExtraOptions", Type: "STRING", parse: stringPrintfField(func(u *Unit) *string { return &u.Automount.ExtraOptions })},
		{Name: "DirectoryMode", Type: "MODE", parse: modeField(func(u *Unit) *uint32 { return &u.Automount.DirectoryMode })},
		{Name: "TimeoutIdleSec", Type: "OTHER", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Automount.TimeoutIdle })},
	}
}

func swapDirectives() []*Directive {
	return []*Directive{
		{Name: "What", Type: "PATH", parse: pathPrintfField(func(u *Unit) *string { return &u.Swap.What }, false)},
		{Name: "Priority", Type: "OTHER", parse: parseSwapPriority},
		{Name: "Options", Type: "STRING", parse: stringPrintfField(func(u *Unit) *string { return &u.Swap.Options })},
		{Name: "TimeoutSec", Type: "OTHER", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Swap.TimeoutUSec })},
	}
}

func parseSwapPriority(p *parser, v string) error {
	s := p.u.Swap
	if v == "" {
		s.Priority, s.PrioritySet = -1, false
		return nil
	}
	n, err := value.SafeAtoi(v)
	if err != nil {
		p.warn("Invalid swap priority '%s', ignoring.", v)
		return nil
	}
	if n < -1 {
		p.warn("Sorry, swap priorities smaller than -1 may only be assigned by the kernel itself, ignoring: %s", v)
		return nil
	}
	if n > 32767 {
		p.warn("Swap priority out of range, ignoring: %s", v)
		return nil
	}
	s.Priority, s.PrioritySet = n, true
	return nil
}

var timerBases = []string{"OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec", "OnCalendar"}

func timerDirectives() []*Directive {
	tb := func(f func(*Timer) *bool) parseFunc { return boolField(func(u *Unit) *bool { return f(u.Timer) }) }
	d := []*Directive{{Name: "OnCalendar", Type: "TIMER", parse: timerValue}}
	for _, b := range timerBases[:5] {
		d = append(d, &Directive{Name: b, Type: "TIMER", parse: timerValue})
	}
	return append(d,
		&Directive{Name: "OnClockChange", Type: "BOOLEAN", parse: tb(func(t *Timer) *bool { return &t.OnClockChange })},
		&Directive{Name: "OnTimezoneChange", Type: "BOOLEAN", parse: tb(func(t *Timer) *bool { return &t.OnTimezoneChange })},
		&Directive{Name: "Persistent", Type: "BOOLEAN", parse: tb(func(t *Timer) *bool { return &t.Persistent })},
		&Directive{Name: "WakeSystem", Type: "BOOLEAN", parse: tb(func(t *Timer) *bool { return &t.WakeSystem })},
		&Directive{Name: "RemainAfterElapse", Type: "BOOLEAN", parse: tb(func(t *Timer) *bool { return &t.RemainAfterElapse })},
		&Directive{Name: "FixedRandomDelay", Type: "BOOLEAN", parse: tb(func(t *Timer) *bool { return &t.FixedRandomDelay })},
		&Directive{Name: "AccuracySec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.Timer.AccuracyUSec })},
		&Directive{Name: "RandomizedDelaySec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.Timer.RandomizedDelay })},
		&Directive{Name: "Unit", Type: "UNIT", parse: parseTriggerUnit},
	)
}

// calendarContext is how timers parse calendar specifications: in the
// local time zone.
// calendarContext reads the local time zone on first use.
var calendarContext = sync.OnceValue(func() *timeutil.Context { return timeutil.NewContext(timeutil.ZoneFromEnv(), nil) })

func timerValue(p *parser, v string) error {
	t := p.u.Timer
	if v == "" {
		t.Values = nil
		return nil
	}
	k, ok := p.printfOr(v, specFull)
	if !ok {
		return nil
	}
	tv := TimerValue{Base: p.key}
	if p.key == "OnCalendar" {
		spec, err := calendarContext().ParseCalendar(k)
		if err != nil {
			p.warn("Failed to parse calendar specification, ignoring: %s", k)
			return nil
		}
		tv.Calendar = spec
	} else {
		usec, err := value.ParseSec(k)
		if err != nil {
			p.warn("Failed to parse timer value, ignoring: %s", k)
			return nil
		}
		tv.Value = usec
	}
	t.Values = append([]TimerValue{tv}, t.Values...)
	return nil
}

// parseTriggerUnit is config_parse_trigger_unit (Unit= of timers and
// paths).
func parseTriggerUnit(p *parser, v string) error {
	if p.u.Deps[Triggers].Len() > 0 {
		p.warn("Multiple units to trigger specified, ignoring: %s", v)
		return nil
	}
	k, err := p.printf(v, specName)
	if err != nil {
		p.warn("Failed to resolve unit specifiers in %s, ignoring: %s", v, strerror(err))
		return nil
	}
	if unitname.TypeOf(k) == unitname.TypeInvalid {
		p.warn("Unit type not valid, ignoring: %s", v)
		return nil
	}
	if p.u.hasName(k) {
		p.warn("Units cannot trigger themselves, ignoring: %s", v)
		return nil
	}
	if err := p.u.addDependencyByName(Before, k, p.loc); err != nil {
		p.warn("Failed to add trigger on %s, ignoring: %s", k, strerror(err))
		return nil
	}
	_ = p.u.addDependency(Triggers, k)
	return nil
}

var pathTypes = []string{"PathExists", "PathExistsGlob", "DirectoryNotEmpty", "PathChanged", "PathModified"}

func pathDirectives() []*Directive {
	return []*Directive{
		{Name: "PathExists", Type: "PATH", parse: parsePathSpec},
		{Name: "PathExistsGlob", Type: "PATH", parse: parsePathSpec},
		{Name: "PathChanged", Type: "PATH", parse: parsePathSpec},
		{Name: "PathModified", Type: "PATH", parse: parsePathSpec},
		{Name: "DirectoryNotEmpty", Type: "PATH", parse: parsePathSpec},
		{Name: "Unit", Type: "UNIT", parse: parseTriggerUnit},
		{Name: "MakeDirectory", Type: "BOOLEAN", parse: boolField(func(u *Unit) *bool { return &u.Path.MakeDirectory })},
		{Name: "DirectoryMode", Type: "MODE", parse: modeField(func(u *Unit) *uint32 { return &u.Path.DirectoryMode })},
		{Name: "TriggerLimitIntervalSec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.Path.TriggerLimitInterval })},
		{Name: "TriggerLimitBurst", Type: "UNSIGNED", parse: unsignedField(func(u *Unit) *uint32 { return &u.Path.TriggerLimitBurst })},
	}
}

func parsePathSpec(p *parser, v string) error {
	pt := p.u.Path
	if v == "" {
		pt.Specs = nil
		return nil
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
	pt.Specs = append([]PathSpec{{Type: p.key, Path: s}}, pt.Specs...)
	return nil
}

func scopeDirectives() []*Directive {
	return []*Directive{
		{Name: "RuntimeMaxSec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.Scope.RuntimeMaxUSec })},
		{Name: "RuntimeRandomizedExtraSec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.Scope.RuntimeRandomizedExtra })},
		{Name: "TimeoutStopSec", Type: "SECONDS", parse: secField(func(u *Unit) *uint64 { return &u.Scope.TimeoutStopUSec })},
		{Name: "OOMPolicy", Type: "OTHER", parse: enumField(func(u *Unit) *string { return &u.Scope.OOMPolicy }, "Failed to parse OOM policy", "continue", "stop", "kill")},
	}
}
