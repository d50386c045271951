package id128

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gosystemd/impl/cli"
	ids "gosystemd/impl/id128"
	"gosystemd/impl/tooltest"
)

// realTool is the host's systemd 252 systemd-id128, our specification.
const realTool = "/usr/bin/systemd-id128"

// both is the real tool and ours.
var both = &tooltest.Tool{
	Real: realTool,
	Main: Main,
	// The variables either implementation reads.
	Vars: []string{
		"SYSTEMD_LOG_LEVEL", "SYSTEMD_LOG_TARGET", "SYSTEMD_LOG_COLOR", "SYSTEMD_LOG_LOCATION",
		"SYSTEMD_LOG_TIME", "SYSTEMD_LOG_TID", "SYSTEMD_COLORS", "SYSTEMD_URLIFY", "NO_COLOR", "TERM",
		"COLORTERM", "POSIXLY_CORRECT", "INVOCATION_ID", "JOURNAL_STREAM",
	},
	BaseEnv:    []string{"PATH=/usr/bin:/bin", "LC_ALL=C"},
	MaxReports: 30,
}

// appIDs are --app-specific= values, valid and not.
var appIDs = []string{
	"c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "C52FA1D4E6354B7DB3BBBD4F0B0E2B5E", "c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e",
	"C52FA1D4-E635-4B7D-B3BB-BD4F0B0E2B5E", "00000000000000000000000000000000", "00000000-0000-0000-0000-000000000000",
	"ffffffffffffffffffffffffffffffff", "", "x", "c52fa1d4e6354b7db3bbbd4f0b0e2b5", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e0",
	"c52fa1d4-e6354b7db3bbbd4f0b0e2b5e", "c52fa1d4e635-4b7d-b3bb-bd4f0b0e2b5e", "c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e-",
	"{c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e}", " c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "c52fa1d4e6354b7db3bbbd4f0b0e2b5g",
	"c52fa1d4--e635-4b7d-b3bb-bd4f0b0e2b5e", "-c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "root", "c52fa1d4_e635_4b7d_b3bb_bd4f0b0e2b5e",
}

// optionTokens are options and operands, valid or not, combined below.
var optionTokens = []string{
	"-h", "--help", "--he", "--h", "--version", "--vers", "--v", "-p", "--pretty", "--pre", "-u", "--uuid", "--uu",
	"-a", "--app-specific", "--app-specific=", "--app=c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "-ac52fa1d4e6354b7db3bbbd4f0b0e2b5e",
	"--json", "--json=short", "--no-legend", "--no-pager", "-j", "-x", "--foo", "--help=x", "--uuid=1", "--pretty=",
	"--", "-", "-pu", "-up", "-uh", "-hx", "-xh", "-pa", "-W", "-:", "--=", "--=x", "---", "-?", "-V",
}

var verbVectors = [][]string{nil, {"machine-id"}, {"show", "root"}, {"machine-id", "extra"}}

func TestOptionsDifferential(t *testing.T) {
	var cs []tooltest.Case
	for _, tok := range optionTokens {
		for _, v := range verbVectors {
			cs = append(cs, tooltest.Case{"options", append([]string{tok}, v...), nil})
			if len(v) > 0 {
				cs = append(cs, tooltest.Case{"options", append(append([]string{}, v...), tok), nil})
			}
		}
	}
	for i, a := range appIDs {
		forms := [][]string{{"-a", a}, {"--app-specific=" + a}}
		if i%5 == 0 {
			forms = append(forms, []string{"--app-specific", a}, []string{"-a" + a})
		}
		for _, form := range forms {
			for _, verb := range []string{"machine-id", "invocation-id", "show"} {
				cs = append(cs, tooltest.Case{"app", append(append([]string{}, form...), verb), nil})
			}
		}
		cs = append(cs, tooltest.Case{"app", []string{"-u", "boot-id", "-a", a, "-p"}, nil})
	}
	for _, verb := range [][]string{{"boot-id"}, {"help"}, {"new", "x"}, {"invocation-id", "x"}, {"Show"}, {""}, {"show", "bogus"}, {"machine-id", "--", "-u"}} {
		cs = append(cs, tooltest.Case{"verbs", verb, nil}, tooltest.Case{"verbs", append([]string{"-u"}, verb...), nil})
	}
	for _, v := range [][]string{{"machine-id", "-u"}, {"-u", "--", "machine-id"}, {"show", "-u", "root"}, {"show", "--", "-u"}, {"-u", "show", "--", "root", "-p"}} {
		cs = append(cs, tooltest.Case{"posix", v, []string{"POSIXLY_CORRECT=1"}}, tooltest.Case{"permute", v, nil})
	}
	both.Compare(t, cs, nil)
}

// allNames are every name the real tool's table lists, and its IDs in
// both forms and upper case, read from `systemd-id128 show`.
func allNames(t *testing.T) (names, idForms []string) {
	both.RequireReal(t)
	out, err := exec.Command(realTool, "show").Output()
	if err != nil {
		t.Fatalf("systemd-id128 show: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")[1:]
	for _, l := range lines {
		f := strings.Fields(l)
		id, err := ids.Parse(f[1])
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f[0])
		idForms = append(idForms, id.String(), id.UUID(), strings.ToUpper(id.UUID()))
	}
	if len(names) < 100 {
		t.Fatalf("the real table has only %d rows", len(names))
	}
	return names, idForms
}

func TestShowDifferential(t *testing.T) {
	names, idForms := allNames(t)
	unknown := []string{"bogus", "Root", "root-", "x86-64", "root-x86_64", "ESP", "", " root", "root ", "usr-secondary-verity-sig",
		"0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdef", "0123456789abcdef0123456789abcde"}
	var cs []tooltest.Case
	for _, mode := range [][]string{nil, {"-u"}, {"-p"}, {"--uuid", "--pretty"}, {"-p", "-u"}} {
		with := func(args ...string) []string { return append(append([]string{}, mode...), args...) }
		cs = append(cs, tooltest.Case{"show-all", with("show"), nil})
		cs = append(cs, tooltest.Case{"show-names", with(append([]string{"show"}, names...)...), nil})
		cs = append(cs, tooltest.Case{"show-ids", with(append([]string{"show"}, idForms...)...), nil})
		// Every name alone in the plain mode, a sample in the others.
		step := 1
		if mode != nil {
			step = 10
		}
		for i := 0; i < len(names); i += step {
			cs = append(cs, tooltest.Case{"show-one", with("show", names[i]), nil})
		}
		for i := 0; i < len(idForms); i += 5 * step {
			cs = append(cs, tooltest.Case{"show-one", with("show", idForms[i]), nil})
		}
		for _, u := range unknown {
			cs = append(cs, tooltest.Case{"show-unknown", with("show", "root", u, "esp"), nil})
		}
	}
	both.Compare(t, cs, nil)
}

// terminalEnvs are environments that switch colors, underlining and
// hyperlinks on or off without a terminal.
var terminalEnvs = [][]string{
	nil, {"SYSTEMD_COLORS=1"}, {"SYSTEMD_COLORS=yes", "TERM=linux"}, {"SYSTEMD_COLORS=16"}, {"SYSTEMD_COLORS=256"},
	{"SYSTEMD_COLORS=0"}, {"SYSTEMD_COLORS=bogus"}, {"SYSTEMD_COLORS=1", "SYSTEMD_URLIFY=0"}, {"SYSTEMD_URLIFY=1"},
	{"SYSTEMD_URLIFY=bogus", "SYSTEMD_COLORS=on"}, {"NO_COLOR=1"}, {"NO_COLOR=", "SYSTEMD_COLORS=1"}, {"TERM=xterm"},
	{"TERM=dumb", "SYSTEMD_COLORS=true"}, {"COLORTERM=truecolor", "SYSTEMD_COLORS=1"},
}

func TestTerminalDifferential(t *testing.T) {
	var cs []tooltest.Case
	for _, env := range terminalEnvs {
		for _, args := range [][]string{
			{"--help"}, {"help"}, {"show"}, {"show", "-u"}, {"show", "root", "esp"}, {"show", "-p", "root", "esp", "home"},
			{"-p", "machine-id"}, {"-p", "boot-id"}, {"-u", "machine-id"}, {"bogus"}, {"show", "bogus"}, {"-x"},
			{"show", "-p"},
		} {
			cs = append(cs, tooltest.Case{"terminal", args, env})
		}
	}
	both.Compare(t, cs, nil)
}

func TestLogEnvironmentDifferential(t *testing.T) {
	envs := [][]string{
		{"SYSTEMD_LOG_LEVEL=err"}, {"SYSTEMD_LOG_LEVEL=crit"}, {"SYSTEMD_LOG_LEVEL=0"}, {"SYSTEMD_LOG_LEVEL=3"},
		{"SYSTEMD_LOG_LEVEL=2"}, {"SYSTEMD_LOG_LEVEL=8"}, {"SYSTEMD_LOG_LEVEL= 2"}, {"SYSTEMD_LOG_LEVEL=+2"},
		{"SYSTEMD_LOG_LEVEL=-0"}, {"SYSTEMD_LOG_LEVEL=-1"}, {"SYSTEMD_LOG_LEVEL=0x2"}, {"SYSTEMD_LOG_LEVEL=02"},
		{"SYSTEMD_LOG_LEVEL=0b10"}, {"SYSTEMD_LOG_LEVEL=0o2"}, {"SYSTEMD_LOG_LEVEL=0x"}, {"SYSTEMD_LOG_LEVEL=ERR"},
		{"SYSTEMD_LOG_LEVEL="}, {"SYSTEMD_LOG_LEVEL=debug"}, {"SYSTEMD_LOG_LEVEL=2 "},
		{"SYSTEMD_LOG_TARGET=null"}, {"SYSTEMD_LOG_TARGET=console"}, {"SYSTEMD_LOG_TARGET=console-prefixed"},
		{"SYSTEMD_LOG_TARGET=bogus"}, {"SYSTEMD_LOG_TARGET=auto"}, {"SYSTEMD_LOG_TARGET=Console"},
		{"SYSTEMD_LOG_TARGET=bogus", "SYSTEMD_LOG_LEVEL=err"}, {"SYSTEMD_LOG_TARGET=bogus", "SYSTEMD_LOG_LEVEL=crit"},
		{"SYSTEMD_LOG_LEVEL=bogus", "SYSTEMD_LOG_TARGET=null"},
		{"SYSTEMD_LOG_COLOR=1"}, {"SYSTEMD_LOG_COLOR=0", "SYSTEMD_COLORS=1"}, {"SYSTEMD_LOG_COLOR=bogus", "SYSTEMD_COLORS=1"},
		{"SYSTEMD_LOG_COLOR=yes", "SYSTEMD_COLORS=16"}, {"SYSTEMD_COLORS=1"}, {"SYSTEMD_COLORS=256", "SYSTEMD_LOG_LOCATION=1"},
		{"SYSTEMD_LOG_LOCATION=1"}, {"SYSTEMD_LOG_LOCATION=bogus"}, {"SYSTEMD_LOG_LOCATION=0"},
		{"SYSTEMD_LOG_TIME=bogus", "SYSTEMD_LOG_LOCATION=1"}, {"SYSTEMD_LOG_TID=bogus", "SYSTEMD_COLORS=1", "SYSTEMD_LOG_COLOR=1"},
		{"SYSTEMD_LOG_TIME=0", "SYSTEMD_LOG_TID=no"}, {"SYSTEMD_LOG_TARGET=journal"}, {"SYSTEMD_LOG_TARGET=syslog"}, {"SYSTEMD_LOG_TARGET=console-prefixed", "SYSTEMD_LOG_LOCATION=1", "SYSTEMD_COLORS=1"},
	}
	var cs []tooltest.Case
	for i, env := range envs {
		for _, args := range [][]string{{"bogus"}, {"show", "a\nb", "x"}, {"-a", "x", "machine-id"}, {"-x"}} {
			cs = append(cs, tooltest.Case{"log", args, env})
		}
		// Line ends and truncation do not depend on the settings.
		if i < 3 {
			cs = append(cs, tooltest.Case{"log", []string{"show", "\r\n"}, env},
				tooltest.Case{"log", []string{"show", strings.Repeat("x", 3000)}, env})
		}
	}
	// Two messages go to the kernel log: stderr stays empty.
	for _, target := range []string{"kmsg", "journal-or-kmsg"} {
		cs = append(cs, tooltest.Case{"log", []string{"bogus"}, []string{"SYSTEMD_LOG_TARGET=" + target}})
	}
	both.Compare(t, cs, nil)
}

func TestInvocationIDDifferential(t *testing.T) {
	var cs []tooltest.Case
	for _, env := range [][]string{
		nil, {"INVOCATION_ID=c52fa1d4e6354b7db3bbbd4f0b0e2b5e"}, {"INVOCATION_ID=C52FA1D4-E635-4B7D-B3BB-BD4F0B0E2B5E"},
		{"INVOCATION_ID="}, {"INVOCATION_ID=bogus"}, {"INVOCATION_ID=00000000000000000000000000000000"},
		{"INVOCATION_ID=c52fa1d4e6354b7db3bbbd4f0b0e2b5e "},
	} {
		for _, args := range [][]string{
			{"invocation-id"}, {"-u", "invocation-id"}, {"-p", "invocation-id"},
			{"-a", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "invocation-id"}, {"invocation-id", "x"},
		} {
			cs = append(cs, tooltest.Case{"invocation", args, env})
		}
	}
	both.Compare(t, cs, nil)
}

func TestSystemIDsDifferential(t *testing.T) {
	var cs []tooltest.Case
	for _, verb := range []string{"machine-id", "boot-id"} {
		for _, opts := range [][]string{nil, {"-u"}, {"-p"}, {"-p", "-u"}, {"-u", "-p"}} {
			for _, app := range []string{"", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "51f0cfb3-2a9a-4fd4-a5b7-6b4f55b5a0a0", "ffffffffffffffffffffffffffffffff"} {
				args := append(append([]string{}, opts...), verb)
				if app != "" {
					args = append(args, "--app-specific="+app)
				}
				cs = append(cs, tooltest.Case{"system-id", args, nil})
			}
		}
	}
	both.Compare(t, cs, nil)
}

var (
	hexID   = regexp.MustCompile(`[0-9a-f]{32}`)
	uuidID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	macroID = regexp.MustCompile(`SD_ID128_MAKE\(([0-9a-f]{2},){15}[0-9a-f]{2}\)`)
)

// checkRandomID checks that out holds one random v4 ID in the expected
// forms, consistent with each other, and returns out with it masked.
func checkRandomID(t *testing.T, who string, out []byte) []byte {
	t.Helper()
	var plain string
	if m := hexID.Find(out); m != nil {
		plain = string(m)
	} else if m := uuidID.Find(out); m != nil {
		plain = strings.ReplaceAll(string(m), "-", "")
	} else {
		t.Errorf("%s: no ID in %q", who, out)
		return out
	}
	id, err := ids.Parse(plain)
	if err != nil {
		t.Fatal(err)
	}
	if id.AsV4() != id {
		t.Errorf("%s: %s is not a v4 UUID", who, id)
	}
	s := strings.ReplaceAll(string(out), id.String(), "<ID>")
	s = strings.ReplaceAll(s, id.UUID(), "<UUID>")
	var bytes []string
	for _, b := range id {
		bytes = append(bytes, fmt.Sprintf("%02x", b))
	}
	s = strings.ReplaceAll(s, "SD_ID128_MAKE("+strings.Join(bytes, ",")+")", "SD_ID128_MAKE(<BYTES>)")
	if hexID.MatchString(s) || uuidID.MatchString(s) || macroID.MatchString(s) {
		t.Errorf("%s: output holds a second or inconsistent ID: %q", who, out)
	}
	return []byte(s)
}

// TestNewDifferential compares `new` with the real tool's output with
// the random ID masked, after checking each side's ID.
func TestNewDifferential(t *testing.T) {
	var cs []tooltest.Case
	for _, env := range [][]string{nil, {"SYSTEMD_COLORS=1"}, {"SYSTEMD_COLORS=1", "SYSTEMD_URLIFY=0"}} {
		for _, opts := range [][]string{nil, {"-u"}, {"-p"}, {"--uuid", "--pretty"}, {"-a", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e"}} {
			cs = append(cs, tooltest.Case{"new", append(append([]string{}, opts...), "new"), env})
		}
	}
	both.Compare(t, cs, func(r tooltest.Result) tooltest.Result {
		r.Stdout = checkRandomID(t, "new", r.Stdout)
		return r
	})
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		r := both.RunOurs([]string{"new"}, nil)
		if seen[string(r.Stdout)] {
			t.Fatalf("new repeated %q", r.Stdout)
		}
		seen[string(r.Stdout)] = true
	}
}

func TestVersion(t *testing.T) {
	both.Compare(t, []tooltest.Case{{"version", []string{"--version"}, nil}, {"version", []string{"show", "--version", "-x"}, nil}}, nil)
}

// idFileContents are machine-id and boot_id file contents, valid in one
// form or the other, or not at all.
var idFileContents = []string{
	"", "\n", "uninitialized", "uninitialized\n", "uninitialized\n\n", "uninitialize", "uninitializeD\n",
	"uninitialized\r", "UNINITIALIZED\n",
	"c52fa1d4e6354b7db3bbbd4f0b0e2b5e", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e\n", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e\n\n",
	"c52fa1d4e6354b7db3bbbd4f0b0e2b5e\r\n", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e ", " c52fa1d4e6354b7db3bbbd4f0b0e2b5e",
	"C52FA1D4E6354B7DB3BBBD4F0B0E2B5E\n", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e\x00", "00000000000000000000000000000000\n",
	"ffffffffffffffffffffffffffffffff\n", "c52fa1d4e6354b7db3bbbd4f0b0e2b5g\n",
	"c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e", "c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e\n", "C52FA1D4-E635-4B7D-B3BB-BD4F0B0E2B5E\n",
	"c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5e\n\n", "c52fa1d4-e6354-b7d-b3bb-bd4f0b0e2b5e\n", "00000000-0000-0000-0000-000000000000\n",
	"c52fa1d4-e635-4b7d-b3bb-bd4f0b0e2b5ex", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e\nc52fa1d4e6354b7db3bbbd4f0b0e2b5e\n",
	"0123456789abc", "0123456789abcd", "c52fa1d4e6354b7db3bbbd4f0b0e2b5ex", strings.Repeat("\xff", 32), strings.Repeat("a", 4096),
}

// TestIDFilesDifferential gives the real tool each content as
// /etc/machine-id or boot_id (bind-mounted in a private mount namespace)
// and ours the same content at the path it reads.
func TestIDFilesDifferential(t *testing.T) {
	both.RequireReal(t)
	dir := t.TempDir()
	file := dir + "/id"
	oldMachine, oldBoot := machineIDPath, bootIDPath
	machineIDPath, bootIDPath = file, file
	defer func() { machineIDPath, bootIDPath = oldMachine, oldBoot }()
	const script = `src=$1 dst=$2; shift 2; mount --bind "$src" "$dst" || exit 99; exec ` + realTool + ` "$@"`
	cases, failures := 0, 0
	for i, content := range idFileContents {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, verb := range []struct{ name, path string }{{"machine-id", ids.MachineIDPath}, {"boot-id", ids.BootIDPath}} {
			for j, opts := range [][]string{nil, {"-u"}, {"-a", "c52fa1d4e6354b7db3bbbd4f0b0e2b5e"}} {
				// The options only change how an ID prints: a sample suffices.
				if j > 0 && i%4 != 0 {
					continue
				}
				args := append(append([]string{}, opts...), verb.name)
				cmd := exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", file, verb.path}, args...)...)
				cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				want := tooltest.Result{Stdout: out.Bytes(), Stderr: errb.Bytes(), Code: cmd.ProcessState.ExitCode()}
				if err != nil && want.Code == 99 || want.Code < 0 {
					t.Fatalf("cannot bind-mount over %s in a private mount namespace (needs root): %v %s", verb.path, err, errb.Bytes())
				}
				got := both.RunOurs(args, nil)
				cases++
				if !want.Equal(got) {
					failures++
					t.Errorf("%q with content %q:\n real: %v\n ours: %v", args, content, want, got)
				}
			}
		}
	}
	t.Logf("%d cases, %d differ", cases, failures)
}

// TestWriteErrorDifferential writes to /dev/full: only the table is
// checked for write errors.
func TestWriteErrorDifferential(t *testing.T) {
	both.RequireReal(t)
	for _, args := range [][]string{{"show"}, {"show", "root"}, {"machine-id"}, {"show", "-p", "root"}, {"--help"}} {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(realTool, args...)
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &errb
		cmd.Run()
		want := tooltest.Result{Stderr: errb.Bytes(), Code: cmd.ProcessState.ExitCode()}
		errb.Reset()
		got := tooltest.Result{Code: Main(append([]string{realTool}, args...), cli.Stdio{Out: full, Err: &errb})}
		got.Stderr = errb.Bytes()
		full.Close()
		if !bytes.Equal(want.Stderr, got.Stderr) || want.Code != got.Code {
			t.Errorf("%q to /dev/full:\n real: %v\n ours: %v", args, want, got)
		}
	}
}
