package dbusapi

import (
	"fmt"
	"slices"
	"strings"

	"gosystemd/impl/bus"
)

type memberKind bool

const (
	method memberKind = false
	signal memberKind = true
)

// memberSpec is one method or signal of 252's introspection
// (members_gen.go): what clients and code generators read of it.
type memberSpec struct {
	kind     memberKind
	name     string
	in       string
	inNames  []string
	out      string
	outNames []string
	flags    bus.Flags // Unprivileged, Deprecated, NoReply
}

// interfaceMembers are the members of one interface (members_gen.go).
type interfaceMembers struct {
	iface   string
	members []memberSpec
}

// membersOf looks up an interface's members in the sorted table.
func membersOf(iface string) ([]memberSpec, bool) {
	i, found := slices.BinarySearchFunc(memberSpecs, iface, func(m interfaceMembers, name string) int {
		return strings.Compare(m.iface, name)
	})
	if !found {
		return nil, false
	}
	return memberSpecs[i].members, true
}

// memberMismatches records registrations whose signatures differ from
// 252's; a unit test keeps it empty.
var memberMismatches []string

// conform puts iface's methods and signals in 252's order, after its
// properties, and gives them 252's argument names and flags. 252 marks
// most methods unprivileged for sd-bus and checks callers in the
// handler (polkit, absent here, stands behind that check): such a
// method registered without bus.Unprivileged keeps its check by being
// wrapped in verify. Members 252 does not have come last.
func (a *API) conform(iface *bus.Interface) {
	specs, ok := membersOf(iface.Name)
	if !ok {
		return
	}
	methods := map[string]*bus.Method{}
	signals := map[string]*bus.Signal{}
	// out holds every member in the end (extra is appended within its
	// capacity): the table lives as long as PID 1.
	out := make([]bus.Member, 0, len(iface.Members))
	var extra []bus.Member
	for _, m := range iface.Members {
		switch m := m.(type) {
		case *bus.Method:
			methods[m.Name] = m
		case *bus.Signal:
			signals[m.Name] = m
		default:
			out = append(out, m)
		}
	}
	const specFlags = bus.Unprivileged | bus.Deprecated | bus.NoReply
	for _, s := range specs {
		switch s.kind {
		case method:
			m := methods[s.name]
			if m == nil {
				continue
			}
			delete(methods, s.name)
			if m.In != s.in || m.Out != s.out {
				memberMismatches = append(memberMismatches, fmt.Sprintf("%s.%s: (%s)→(%s), 252 has (%s)→(%s)", iface.Name, s.name, m.In, m.Out, s.in, s.out))
			}
			if s.flags&bus.Unprivileged != 0 && m.Flags&bus.Unprivileged == 0 && m.Call != nil {
				call := m.Call
				m.Call = func(c *bus.Call, obj any) ([]any, error) {
					if err := a.verifyManage(c); err != nil {
						return nil, err
					}
					return call(c, obj)
				}
			}
			m.InNames, m.OutNames = s.inNames, s.outNames
			m.Flags = m.Flags&^specFlags | s.flags
			out = append(out, m)
		case signal:
			g := signals[s.name]
			if g == nil {
				continue
			}
			delete(signals, s.name)
			if g.Type != s.in {
				memberMismatches = append(memberMismatches, fmt.Sprintf("%s.%s signal: (%s), 252 has (%s)", iface.Name, s.name, g.Type, s.in))
			}
			g.Names = s.inNames
			g.Flags = g.Flags&^specFlags | s.flags
			out = append(out, g)
		}
	}
	for _, m := range iface.Members {
		switch m := m.(type) {
		case *bus.Method:
			if methods[m.Name] != nil {
				extra = append(extra, m)
			}
		case *bus.Signal:
			if signals[m.Name] != nil {
				extra = append(extra, m)
			}
		}
	}
	iface.Members = append(out, extra...)
}
