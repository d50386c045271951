// Package condition evaluates unit conditions and asserts (Condition*=
// and Assert*=) as systemd 252 does (src/shared/condition.c): the test of
// every condition type, negation ("!"), triggering ("|") over a list, and
// the messages systemd logs about each verdict.
//
// Everything it learns about the machine comes through a Host (a root
// for the files it reads, the environment, and a Kernel for what no file
// tells), so tests can fake it; the zero Host is the running system. It
// never logs: verdicts carry their messages and the caller decides what
// to print. An Evaluator is for one goroutine.
//
// The manager core and the tools may import it. It imports only
// lower-level packages of ours: value syntaxes (impl/unit/value,
// impl/unitfile), names (impl/unitname) and IDs (impl/id128).
package condition

import (
	"fmt"
	"strings"
	"syscall"
)

// Condition is one Condition*= or Assert*= setting as parsed. It has the
// fields of impl/unit's Condition, so either converts to the other.
type Condition struct {
	// Type is the setting's name: "ConditionPathExists", "AssertHost".
	Type      string
	Parameter string
	Trigger   bool // "|": one of the triggering conditions must hold
	Negate    bool // "!": the test's result is inverted
}

// Type is a condition type, in systemd's order (which is the order
// `systemd-analyze condition` tries the names in).
type Type int

const (
	TypeArchitecture Type = iota
	TypeFirmware
	TypeVirtualization
	TypeHost
	TypeKernelCommandLine
	TypeKernelVersion
	TypeCredential
	TypeSecurity
	TypeCapability
	TypeACPower
	TypeMemory
	TypeCPUs
	TypeEnvironment
	TypeCPUFeature
	TypeOSRelease
	TypeMemoryPressure
	TypeCPUPressure
	TypeIOPressure
	TypeNeedsUpdate
	TypeFirstBoot
	TypePathExists
	TypePathExistsGlob
	TypePathIsDirectory
	TypePathIsSymbolicLink
	TypePathIsMountPoint
	TypePathIsReadWrite
	TypePathIsEncrypted
	TypeDirectoryNotEmpty
	TypeFileNotEmpty
	TypeFileIsExecutable
	TypeUser
	TypeGroup
	TypeControlGroupController
	typeMax
)

var typeNames = [typeMax]string{
	"Architecture", "Firmware", "Virtualization", "Host", "KernelCommandLine", "KernelVersion", "Credential",
	"Security", "Capability", "ACPower", "Memory", "CPUs", "Environment", "CPUFeature", "OSRelease",
	"MemoryPressure", "CPUPressure", "IOPressure", "NeedsUpdate", "FirstBoot", "PathExists", "PathExistsGlob",
	"PathIsDirectory", "PathIsSymbolicLink", "PathIsMountPoint", "PathIsReadWrite", "PathIsEncrypted",
	"DirectoryNotEmpty", "FileNotEmpty", "FileIsExecutable", "User", "Group", "ControlGroupController",
}

// Types lists every condition type in systemd's order.
func Types() []Type {
	t := make([]Type, typeMax)
	for i := range t {
		t[i] = Type(i)
	}
	return t
}

// String is the type's name without prefix: "PathExists".
func (t Type) String() string {
	if t < 0 || t >= typeMax {
		return fmt.Sprintf("Type(%d)", int(t))
	}
	return typeNames[t]
}

// ConditionName and AssertName are the setting names: "ConditionHost",
// "AssertHost".
func (t Type) ConditionName() string { return "Condition" + t.String() }
func (t Type) AssertName() string    { return "Assert" + t.String() }

// TakesPath reports whether the parameter is an absolute path (resolved
// with the path specifiers and simplified when parsed).
func (t Type) TakesPath() bool {
	switch t {
	case TypePathExists, TypePathExistsGlob, TypePathIsDirectory, TypePathIsSymbolicLink, TypePathIsMountPoint,
		TypePathIsReadWrite, TypePathIsEncrypted, TypeDirectoryNotEmpty, TypeFileNotEmpty, TypeFileIsExecutable,
		TypeNeedsUpdate:
		return true
	}
	return false
}

// ParseName reads a setting name: its type and whether it is an Assert.
func ParseName(name string) (t Type, assert bool, ok bool) {
	rest, isCondition := strings.CutPrefix(name, "Condition")
	if !isCondition {
		if rest, assert = strings.CutPrefix(name, "Assert"); !assert {
			return 0, false, false
		}
	}
	for i, n := range typeNames {
		if n == rest {
			return Type(i), assert, true
		}
	}
	return 0, false, false
}

// Result is a condition's state, as systemd's ConditionResult.
type Result int

const (
	Untested Result = iota
	Succeeded
	Failed
	Error
)

func (r Result) String() string {
	switch r {
	case Untested:
		return "untested"
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// Syslog levels of the messages.
const (
	LevelWarning = 4
	LevelDebug   = 7
)

// Verdict is the outcome of testing one condition.
type Verdict struct {
	// Condition is as tested: ConditionCPUFeature= lowercases its
	// parameter first, and systemd reports it so.
	Condition
	Result Result
	// Err says why the result could not be determined (Result Error).
	Err error
	// Notes are what systemd logs while testing, before the verdict
	// (mostly at debug level).
	Notes []Note
}

// Note is one message logged while testing, with its syslog level.
type Note struct {
	Level int
	Text  string
}

// Holds reports whether the condition counts as met.
func (v Verdict) Holds() bool { return v.Result == Succeeded }

func (c Condition) prefixes() string {
	s := ""
	if c.Trigger {
		s += "|"
	}
	if c.Negate {
		s += "!"
	}
	return s
}

// Level is the syslog level systemd logs Message at: debug for a result,
// warning for an error.
func (v Verdict) Level() int {
	if v.Result == Error {
		return LevelWarning
	}
	return LevelDebug
}

// Message is what systemd logs about the verdict (about the unit):
// "ConditionPathExists=/x succeeded." or "Couldn't determine result for
// ConditionCPUs=abc, assuming failed: Invalid argument".
func (v Verdict) Message() string {
	if v.Result == Error {
		return fmt.Sprintf("Couldn't determine result for %s=%s%s, assuming failed: %s",
			v.Type, v.prefixes(), v.Parameter, Strerror(v.Err))
	}
	return fmt.Sprintf("%s=%s%s %s.", v.Type, v.prefixes(), v.Parameter, v.Result)
}

// Strerror is glibc's text for the errno err carries ("Invalid
// argument"), or err's text when it carries none.
func Strerror(err error) string {
	e := errnoOf(err)
	if e == syscall.EIO && !isErrno(err, syscall.EIO) {
		return err.Error()
	}
	s := e.Error()
	if s == "" || strings.HasPrefix(s, "errno ") {
		return fmt.Sprintf("Unknown error %d", int(e))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// tester is one condition type's test: whether the machine has the
// property (before negation). Notes are systemd's debug messages.
type tester func(e *Evaluator, c *Condition, notes *[]Note) (bool, error)

var testers [typeMax]tester

func init() {
	testers = [typeMax]tester{
		TypeArchitecture:           (*Evaluator).testArchitecture,
		TypeFirmware:               (*Evaluator).testFirmware,
		TypeVirtualization:         (*Evaluator).testVirtualization,
		TypeHost:                   (*Evaluator).testHost,
		TypeKernelCommandLine:      (*Evaluator).testKernelCommandLine,
		TypeKernelVersion:          (*Evaluator).testKernelVersion,
		TypeCredential:             (*Evaluator).testCredential,
		TypeSecurity:               (*Evaluator).testSecurity,
		TypeCapability:             (*Evaluator).testCapability,
		TypeACPower:                (*Evaluator).testACPower,
		TypeMemory:                 (*Evaluator).testMemory,
		TypeCPUs:                   (*Evaluator).testCPUs,
		TypeEnvironment:            (*Evaluator).testEnvironment,
		TypeCPUFeature:             (*Evaluator).testCPUFeature,
		TypeOSRelease:              (*Evaluator).testOSRelease,
		TypeMemoryPressure:         (*Evaluator).testPressure,
		TypeCPUPressure:            (*Evaluator).testPressure,
		TypeIOPressure:             (*Evaluator).testPressure,
		TypeNeedsUpdate:            (*Evaluator).testNeedsUpdate,
		TypeFirstBoot:              (*Evaluator).testFirstBoot,
		TypePathExists:             (*Evaluator).testPathExists,
		TypePathExistsGlob:         (*Evaluator).testPathExistsGlob,
		TypePathIsDirectory:        (*Evaluator).testPathIsDirectory,
		TypePathIsSymbolicLink:     (*Evaluator).testPathIsSymbolicLink,
		TypePathIsMountPoint:       (*Evaluator).testPathIsMountPoint,
		TypePathIsReadWrite:        (*Evaluator).testPathIsReadWrite,
		TypePathIsEncrypted:        (*Evaluator).testPathIsEncrypted,
		TypeDirectoryNotEmpty:      (*Evaluator).testDirectoryNotEmpty,
		TypeFileNotEmpty:           (*Evaluator).testFileNotEmpty,
		TypeFileIsExecutable:       (*Evaluator).testFileIsExecutable,
		TypeUser:                   (*Evaluator).testUser,
		TypeGroup:                  (*Evaluator).testGroup,
		TypeControlGroupController: (*Evaluator).testControlGroupController,
	}
}

// Test is condition_test: the condition's verdict on the evaluator's
// host, negation applied. A type it does not know is an error (EINVAL).
func (e *Evaluator) Test(c Condition) Verdict {
	v := Verdict{Condition: c}
	t, _, ok := ParseName(c.Type)
	if !ok {
		v.Result, v.Err = Error, fmt.Errorf("unknown condition type %q: %w", c.Type, syscall.EINVAL)
		return v
	}
	holds, err := testers[t](e, &v.Condition, &v.Notes)
	switch {
	case err != nil:
		v.Result, v.Err = Error, err
	case holds != c.Negate:
		v.Result = Succeeded
	default:
		v.Result = Failed
	}
	return v
}

// TestList is condition_test_list: a list holds when every
// non-triggering condition holds and, if there are triggering ones, at
// least one of them does; an empty list holds. Testing stops at the
// first non-triggering condition that fails, so the verdicts cover only
// the conditions tested, in list order.
func (e *Evaluator) TestList(list []Condition) (bool, []Verdict) {
	var verdicts []Verdict
	triggered := -1
	for _, c := range list {
		v := e.Test(c)
		verdicts = append(verdicts, v)
		if !c.Trigger && !v.Holds() {
			return false, verdicts
		}
		if c.Trigger && triggered <= 0 {
			triggered = 0
			if v.Holds() {
				triggered = 1
			}
		}
	}
	return triggered != 0, verdicts
}

func (e *Evaluator) debugf(notes *[]Note, format string, args ...any) {
	*notes = append(*notes, Note{LevelDebug, fmt.Sprintf(format, args...)})
}
