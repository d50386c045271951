package unitshow

import (
	"bufio"
	"path"
	"sort"
	"strconv"
	"strings"

	"gosystemd/impl/id128"
	"gosystemd/impl/specifier"
	"gosystemd/impl/timeutil"
	"gosystemd/impl/unit"
	"gosystemd/impl/unit/value"
)

// showBlocks splits `systemctl show` output of several objects into one
// property list per object.
func showBlocks(out string) [][]string {
	var blocks [][]string
	var cur []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if cur != nil {
				blocks = append(blocks, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}

// props maps property names of one block to their (last) value.
func props(lines []string) map[string]string {
	m := map[string]string{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}

func parseUint(s string) uint64 {
	if s == "infinity" {
		return ^uint64(0)
	}
	v, _ := strconv.ParseUint(s, 0, 64)
	return v
}

func parseInt(s string) int32 {
	v, _ := strconv.ParseInt(s, 0, 32)
	return int32(v)
}

func parseSpan(s string) uint64 {
	v, err := timeutil.ParseSec(s)
	if err != nil {
		return 0
	}
	return v
}

// guestDefaults rebuilds the guest manager's defaults from its own
// `systemctl show` (manager object), a reference service that sets
// nothing, and the machine facts the guest reports.
func guestDefaults(manager, reference map[string]string, facts map[string]string) *unit.Defaults {
	d := unit.NewDefaults()
	d.TimeoutStartUSec = parseSpan(manager["DefaultTimeoutStartUSec"])
	d.TimeoutStopUSec = parseSpan(manager["DefaultTimeoutStopUSec"])
	d.TimeoutAbortUSec = parseSpan(manager["DefaultTimeoutAbortUSec"])
	d.RestartUSec = parseSpan(manager["DefaultRestartUSec"])
	d.StartLimitInterval = parseSpan(manager["DefaultStartLimitIntervalUSec"])
	d.StartLimitBurst = uint32(parseUint(manager["DefaultStartLimitBurst"]))
	d.StdOutput = manager["DefaultStandardOutput"]
	d.StdError = manager["DefaultStandardError"]
	d.CPUAccounting = manager["DefaultCPUAccounting"] == "yes"
	d.IOAccounting = manager["DefaultIOAccounting"] == "yes"
	d.BlockIOAccounting = manager["DefaultBlockIOAccounting"] == "yes"
	d.MemoryAccounting = manager["DefaultMemoryAccounting"] == "yes"
	d.TasksAccounting = manager["DefaultTasksAccounting"] == "yes"
	d.IPAccounting = manager["DefaultIPAccounting"] == "yes"
	d.OOMPolicy = manager["DefaultOOMPolicy"]
	for i, n := range value.RlimitNames {
		d.Rlimits[i] = value.Rlimit{Max: parseUint(manager["DefaultLimit"+n]), Cur: parseUint(manager["DefaultLimit"+n+"Soft"])}
		soft, hard, _ := strings.Cut(facts["rlimit"+strconv.Itoa(i)], " ")
		d.ProcRlimits[i] = value.Rlimit{Cur: parseUint(strings.Replace(soft, "unlimited", "infinity", 1)),
			Max: parseUint(strings.Replace(hard, "unlimited", "infinity", 1))}
	}
	d.Nice = parseInt(reference["Nice"])
	d.CPUSchedPolicy = parseInt(reference["CPUSchedulingPolicy"])
	d.CPUSchedPriority = parseInt(reference["CPUSchedulingPriority"])
	d.ProcOOMScoreAdj = parseInt(reference["OOMScoreAdjust"])
	d.CoredumpFilter = parseUint(reference["CoredumpFilter"])
	d.TimerSlackNSec = parseUint(reference["TimerSlackNSec"])
	d.IOPrio = parseInt(reference["IOSchedulingClass"])<<13 | parseInt(reference["IOSchedulingPriority"])
	d.SystemTasksMax = min(parseUint(facts["threads-max"]), parseUint(facts["pid_max"])-1)
	if pm := facts["pids.max"]; pm != "" && pm != "max" {
		d.SystemTasksMax = min(d.SystemTasksMax, parseUint(pm))
	}
	d.TasksMax = unit.TasksMax{Value: 15, Scale: 100}
	mem := parseUint(facts["MemTotal"]) * 1024
	if mm := facts["memory.max"]; mm != "" && mm != "max" {
		mem = min(mem, parseUint(mm)/d.PageSize*d.PageSize)
	}
	d.PhysicalMemory = mem
	d.InContainer = true
	d.AutomountSupported = facts["autofs"] == "yes"
	d.DevicesSupported = facts["sys-writable"] == "yes"
	d.SwapSupported = false // never in a container
	d.MemoryController = strings.Contains(" "+facts["cgroup-controllers"]+" ", " memory ")
	return d
}

// factsScript prints machine facts as "key value" lines.
const factsScript = `echo threads-max $(cat /proc/sys/kernel/threads-max)
echo pid_max $(cat /proc/sys/kernel/pid_max)
echo pids.max $(cat /sys/fs/cgroup/pids.max 2>/dev/null)
echo memory.max $(cat /sys/fs/cgroup/memory.max 2>/dev/null)
echo MemTotal $(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
if [ -e /dev/autofs ]; then echo autofs yes; else echo autofs no; fi
if [ -w /sys ]; then echo sys-writable yes; else echo sys-writable no; fi
awk 'NR>1 {s=substr($0,27,21); h=substr($0,48,21); gsub(/ /,"",s); gsub(/ /,"",h); print "rlimit" NR-2, s, h}' /proc/1/limits
echo cgroup-controllers $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)
echo hostname $(cat /proc/sys/kernel/hostname)
echo machine-id $(cat /etc/machine-id)
echo boot-id $(cat /proc/sys/kernel/random/boot_id)
`

func parseFacts(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(l, " ")
		if k != "" {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// presetRule is one line of a systemd.preset file.
type presetRule struct {
	enable  bool
	pattern string
}

// presetPolicy evaluates preset files (given by name and content) as
// systemd does for the system manager: files sorted by name, first
// matching rule wins, no match enables.
func presetPolicy(files map[string]string) func(string) bool {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var rules []presetRule
	for _, n := range names {
		for _, l := range strings.Split(files[n], "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") {
				continue
			}
			verb, pattern, _ := strings.Cut(l, " ")
			pattern = strings.Fields(pattern + " ")[0]
			switch verb {
			case "enable":
				rules = append(rules, presetRule{true, pattern})
			case "disable":
				rules = append(rules, presetRule{false, pattern})
			}
		}
	}
	return func(name string) bool {
		for _, r := range rules {
			if ok, _ := path.Match(r.pattern, name); ok {
				return r.enable
			}
		}
		return true
	}
}

// guestHost answers host specifiers with the guest's facts.
type guestHost struct {
	specifier.System
	hostname, machineID, bootID string
}

func (h guestHost) Hostname() (string, error) { return h.hostname, nil }

func (h guestHost) MachineID() (id128.ID, error) { return id128.Parse(h.machineID) }

func (h guestHost) BootID() (id128.ID, error) { return id128.Parse(h.bootID) }
