package oracle

import (
	"regexp"
	"sort"
	"strings"
)

// Normalize rewrites what legitimately differs between two boots of the same
// system, so that only behaviour is compared. Each rule replaces a value with
// a placeholder naming its kind; a rule never removes a line, so a line that
// exists on one side only still shows. The rules, in order:
//
//  1. wall-clock timestamps as systemd formats them ("Thu 2026-11-26 07:17:05 UTC",
//     with optional microseconds) → <TIMESTAMP>; syslog-style journal
//     prefixes ("Nov 26 07:17:05") → <TS>;
//  2. monotonic microsecond counters (…TimestampMonotonic=, …USecMonotonic=) → <MONO>;
//  3. 128-bit IDs (32 hex digits, or the UUID form) → <ID128>: invocation
//     IDs, boot IDs, machine IDs;
//  4. PIDs: properties ending in PID= (MainPID, ExecMainPID, ControlPID,
//     GuessMainPID excluded as it is a boolean) with a non-zero value,
//     "pid=N" in Exec lines, "Main PID: N", journal "ident[N]:" → <PID>;
//  5. resource figures (MemoryCurrent, MemoryAvailable, MemoryPeak,
//     CPUUsageNSec, TasksCurrent, IO…Bytes, IO…Operations, IP…Bytes,
//     IP…Packets, StatusErrno excluded) and status lines "Memory:", "CPU:",
//     "Tasks:" → <N>;
//  6. relative times ("2min 3s ago", "5s left") → <RELATIVE>, and the
//     durations of timers' next/last elapse properties → <DURATION>;
//  7. durations the manager measures and logs ("Startup finished in
//     736ms.", "Consumed 12ms CPU time.") → <DURATION>; cgroup inode numbers
//     (ControlGroupId=) → <N>; status's "Duration:" of the last activation
//     → <DURATION>;
//     Also: "main process N (comm)" → <PID>; timers' monotonic
//     next_elapse → <DURATION>; long-form "N years M months left" →
//     <RELATIVE>; journal cursors in -o verbose → <CURSOR>.
//  8. properties that hold a set (dependency lists, Names=,
//     RequiresMountsFor=) are printed in hash-table order, which changes
//     from boot to boot: their values are sorted.
func Normalize(s string) string {
	for _, r := range normalizeRules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return setProperty.ReplaceAllStringFunc(s, func(line string) string {
		key, val, _ := strings.Cut(line, "=")
		f := strings.Fields(val)
		sort.Strings(f)
		return key + "=" + strings.Join(f, " ")
	})
}

var setProperty = regexp.MustCompile(`(?m)^(?:Names|Requires|Requisite|Wants|BindsTo|PartOf|Upholds|RequiredBy|RequisiteOf|WantedBy|BoundBy|UpheldBy|ConsistsOf|Conflicts|ConflictedBy|Before|After|OnSuccess|OnSuccessOf|OnFailure|OnFailureOf|Triggers|TriggeredBy|PropagatesReloadTo|ReloadPropagatedFrom|PropagatesStopTo|StopPropagatedFrom|JoinsNamespaceOf|SliceOf|RequiresMountsFor)=.*$`)

type normalizeRule struct {
	re   *regexp.Regexp
	repl string
}

const weekday = `(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)`

var normalizeRules = []normalizeRule{
	// 1. timestamps
	{regexp.MustCompile(weekday + ` \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?: [A-Za-z][A-Za-z0-9+/_-]*)?`), "<TIMESTAMP>"},
	{regexp.MustCompile(`(?m)^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d{6})?`), "<TS>"},
	{regexp.MustCompile(`(?m)^\[\s*\d+\.\d{6}\]`), "[<MONO>]"},
	// 2. monotonic counters
	{regexp.MustCompile(`(?m)^([A-Za-z]*(?:TimestampMonotonic|USecMonotonic))=\d+$`), "$1=<MONO>"},
	{regexp.MustCompile(`(?m)^(NextElapseUSecMonotonic|LastTriggerUSecMonotonic)=.+$`), "$1=<DURATION>"},
	{regexp.MustCompile(`(next_elapse=)\d[^}]*?( \})`), "${1}<DURATION>$2"},
	// 3. IDs
	{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<ID128>"},
	{regexp.MustCompile(`\b[0-9a-f]{32}\b`), "<ID128>"},
	// 4. PIDs
	{regexp.MustCompile(`(?m)^((?:Main|ExecMain|Control|)PID)=[1-9]\d*$`), "$1=<PID>"},
	{regexp.MustCompile(`\bpid=[1-9]\d*`), "pid=<PID>"},
	{regexp.MustCompile(`(Main PID|Process): [1-9]\d*`), "$1: <PID>"},
	{regexp.MustCompile(`([\w.@:+()-]+)\[[1-9]\d*\]:`), "$1[<PID>]:"},
	{regexp.MustCompile(`\b((?:main |control |)process) [1-9]\d* \(`), "$1 <PID> ("},
	{regexp.MustCompile(`([├└]─) *[1-9]\d* `), "$1<PID> "},
	// 5. resource figures
	{regexp.MustCompile(`(?m)^(Memory(?:Current|Available|Peak|SwapCurrent|SwapPeak|ZSwapCurrent)|CPUUsageNSec|TasksCurrent|IO(?:Read|Write)(?:Bytes|Operations)|IP(?:Ingress|Egress)(?:Bytes|Packets))=\d+$`), "$1=<N>"},
	{regexp.MustCompile(`(?m)^(\s+(?:Memory|CPU|Tasks|IO|IP)): .+$`), "$1: <N>"},
	// 7. measured durations, cgroup IDs
	{regexp.MustCompile(`(?m)(Startup finished in ).+\.$`), "${1}<DURATION>."},
	{regexp.MustCompile(`(Consumed ).+( CPU time)`), "${1}<DURATION>${2}"},
	{regexp.MustCompile(`(?m)^(ControlGroupId)=\d+$`), "$1=<N>"},
	{regexp.MustCompile(`(?m)^(   Duration): .+$`), "$1: <DURATION>"},
	// 6. relative times
	{regexp.MustCompile(`(?:\d+(?:y|month|w|d|h|min|s|ms|us)\b ?)+ (ago|left)\b`), "<RELATIVE> $1"},
	{regexp.MustCompile(`(?:\d+ (?:years?|months?|weeks?|days?)\b ?)+ (ago|left)\b`), "<RELATIVE> $1"},
	// journalctl -o verbose cursors
	{regexp.MustCompile(`\[s=[0-9a-f<>ID128]+;i=[0-9a-f]+;b=[^\]]*\]`), "[<CURSOR>]"},
}

// normalizeCommandLine makes a command line stable for part names.
func normalizeCommandLine(argv []string) string {
	return strings.Join(argv, " ")
}

// GroupJournalBySender reorders normalized journal lines ("<TS> ident[<PID>]:
// message") so that each sender's lines stay in their order but senders
// follow one another: the manager's messages and a service's own output
// travel over different sockets, and how journald interleaves them is a race
// on real systemd too.
func GroupJournalBySender(s string) string {
	lines := splitLines(s)
	sender := func(l string) string {
		l = strings.TrimPrefix(l, "<TS> ")
		if i := strings.IndexAny(l, "[:"); i >= 0 {
			return l[:i]
		}
		return ""
	}
	sort.SliceStable(lines, func(i, j int) bool { return sender(lines[i]) < sender(lines[j]) })
	if len(lines) == 0 {
		return s
	}
	return strings.Join(lines, "\n") + "\n"
}
