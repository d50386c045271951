package managerbus

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gosystemd/impl/unitname"
	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

// introspectedObjects are the Manager and one unit of each type; a unit
// that does not exist is loaded (not-found) by the introspection itself,
// and carries its type's interfaces all the same.
var introspectedObjects = []string{
	"/org/freedesktop/systemd1",
	unitname.DBusPath("dbus.service"),
	unitname.DBusPath("dbus.socket"),
	unitname.DBusPath("multi-user.target"),
	unitname.DBusPath("gosd-introspect.device"),
	unitname.DBusPath("-.mount"),
	unitname.DBusPath("proc-sys-fs-binfmt_misc.automount"),
	unitname.DBusPath("gosd-introspect.swap"),
	unitname.DBusPath("apt-daily.timer"),
	unitname.DBusPath("systemd-ask-password-console.path"),
	unitname.DBusPath("system.slice"),
	unitname.DBusPath("init.scope"),
}

// TestIntrospectMatchesSystemd compares `busctl --xml-interface
// introspect` of the Manager and of one unit object of each type, member
// for member, with every annotation (EmitsChangedSignal, Explicit,
// Privileged...): what bus clients and code generators read. With
// GOSD_GEN_PROPFLAGS=FILE it writes the property flags of real systemd's
// introspection there as Go (impl/dbusapi/propflags_gen.go is made so).
func TestIntrospectMatchesSystemd(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	type side struct {
		xml []string
		err error
	}
	real, ours := &side{}, &side{}
	var wg sync.WaitGroup
	for _, x := range []struct {
		s    *side
		impl oracle.Impl
	}{{real, oracle.Real}, {ours, oracle.Go}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.s.xml, x.s.err = introspectAll(h, x.impl)
		}()
	}
	wg.Wait()
	if real.err != nil {
		t.Fatalf("real systemd: %v", real.err)
	}
	if ours.err != nil {
		t.Fatalf("our PID 1: %v", ours.err)
	}
	if out := os.Getenv("GOSD_GEN_PROPFLAGS"); out != "" {
		if err := os.WriteFile(out, []byte(propFlagsSource(real.xml)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := os.Getenv("GOSD_GEN_MEMBERS"); out != "" {
		if err := os.WriteFile(out, []byte(memberSpecSource(real.xml)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, path := range introspectedObjects {
		r, o := propertyRows(real.xml[i]), propertyRows(ours.xml[i])
		if r != o {
			t.Errorf("%s: properties differ:\n%s", path, oracletest.LineDiff(r, o))
		}
		compareMembers(t, path, parseMembers(real.xml[i]), parseMembers(ours.xml[i]))
	}
	for k := range notYetServed {
		if !stillMissing[k] {
			t.Errorf("%s is served now: take it off notYetServed", k)
		}
	}
}

func introspectAll(h *oracle.Harness, impl oracle.Impl) ([]string, error) {
	cfg := oracle.Config{Name: "introspect-" + string(impl), Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute}
	if impl == oracle.Go {
		cfg.GoTree = h.GoTree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	var out []string
	for _, path := range introspectedObjects {
		r := sb.Exec(ctx, []string{busctl, "--xml-interface", "introspect", "org.freedesktop.systemd1", path}, nil)
		text := string(r.Stdout)
		if len(r.Stderr) > 0 {
			text += "[stderr]\n" + string(r.Stderr)
		}
		out = append(out, text+fmt.Sprintf("[exit %d]\n", r.Exit))
	}
	if _, err := sb.Poweroff(ctx); err != nil {
		return nil, fmt.Errorf("poweroff: %v", err)
	}
	return out, nil
}

// propertyRows lists the properties of the systemd1 interfaces in
// introspection data, one "interface property type flags" line each,
// sorted: the members, their signatures and annotations, not yet their
// order or the methods and signals.
func propertyRows(xml string) string {
	var rows []string
	for _, p := range parseProperties(xml) {
		rows = append(rows, fmt.Sprintf("%s %s %s %s", p.iface, p.name, p.typ, p.flags))
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n") + "\n"
}

type propertyInfo struct{ iface, name, typ, flags string }

// parseProperties reads the properties of the systemd1 interfaces, with
// their flags spelled as impl/bus's.
func parseProperties(xml string) []propertyInfo {
	var out []propertyInfo
	iface := ""
	var cur *propertyInfo
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for _, l := range strings.Split(xml, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, `<interface name="`):
			iface = attr(l, "name")
		case strings.HasPrefix(l, "</interface>"):
			flush()
			iface = ""
		case strings.HasPrefix(l, `<property name="`) && strings.HasPrefix(iface, "org.freedesktop.systemd1."):
			flush()
			cur = &propertyInfo{iface: iface, name: attr(l, "name"), typ: attr(l, "type"), flags: "bus.EmitsChange"}
			if strings.HasSuffix(l, "/>") {
				flush()
			}
		case strings.HasPrefix(l, "</property>"):
			flush()
		case cur != nil && strings.HasPrefix(l, `<annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal"`):
			switch attr(l, "value") {
			case "const":
				cur.flags = strings.Replace(cur.flags, "bus.EmitsChange", "bus.Const", 1)
			case "invalidates":
				cur.flags = strings.Replace(cur.flags, "bus.EmitsChange", "bus.EmitsInvalidation", 1)
			case "false":
				cur.flags = strings.Replace(cur.flags, "bus.EmitsChange", "0", 1)
			}
		case cur != nil && strings.HasPrefix(l, `<annotation name="org.freedesktop.systemd1.Explicit" value="true"`):
			cur.flags += " | bus.Explicit"
		}
	}
	flush()
	for i := range out {
		out[i].flags = strings.TrimPrefix(out[i].flags, "0 | ")
	}
	return out
}

// propFlagsSource renders the properties of the systemd1 interfaces in
// the introspection data as a Go table of bus flags.
func propFlagsSource(xmls []string) string {
	flags := map[string]map[string]string{}
	for _, x := range xmls {
		for _, p := range parseProperties(x) {
			if flags[p.iface] == nil {
				flags[p.iface] = map[string]string{}
			}
			flags[p.iface][p.name] = p.flags
		}
	}
	var b strings.Builder
	b.WriteString("// Code generated by TestIntrospectMatchesSystemd (difftests/managerbus) from\n")
	b.WriteString("// systemd 252's introspection data; DO NOT EDIT.\n\npackage dbusapi\n\nimport \"gosystemd/impl/bus\"\n\n")
	b.WriteString("// propFlags are the flags of every property of systemd 252's interfaces\n")
	b.WriteString("// (EmitsChangedSignal and Explicit annotations), sorted by interface and\n")
	b.WriteString("// name: an array the compiler lays out in the binary, not a map built at\n")
	b.WriteString("// every start.\n")
	b.WriteString("var propFlags = [...]propFlag{\n")
	var ifaces []string
	for i := range flags {
		ifaces = append(ifaces, i)
	}
	sort.Strings(ifaces)
	for _, i := range ifaces {
		var props []string
		for p := range flags[i] {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			fmt.Fprintf(&b, "\t{%q, %q, %s},\n", i, p, flags[i][p])
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// attr is the value of the XML attribute name in line l.
func attr(l, name string) string {
	_, rest, ok := strings.Cut(l, name+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// notYetServed are 252's methods and signals our PID 1 does not have
// yet, by "interface.member": the list may only shrink. (Issue #5: the
// whole org.freedesktop.systemd1 API.)
var notYetServed = map[string]bool{}

// stillMissing collects the members of notYetServed seen missing.
var stillMissing = map[string]bool{}

// compareMembers checks that our object has each method and signal of
// real's with the same arguments and annotations, in real's order, and
// nothing more, but for notYetServed.
func compareMembers(t *testing.T, path string, real, ours []memberInfo) {
	t.Helper()
	key := func(m memberInfo) string {
		return strings.TrimPrefix(m.iface, "org.freedesktop.systemd1.") + "." + m.name
	}
	ourByKey := map[string]memberInfo{}
	for _, m := range ours {
		ourByKey[key(m)] = m
	}
	realKeys := map[string]bool{}
	var want []string
	for _, m := range real {
		k := key(m)
		realKeys[k] = true
		o, ok := ourByKey[k]
		switch {
		case !ok && notYetServed[k]:
			stillMissing[k] = true
		case !ok:
			t.Errorf("%s: missing %s", path, m)
		case o.String() != m.String():
			t.Errorf("%s: differs:\n  real: %s\n  ours: %s", path, m, o)
			want = append(want, k)
		default:
			want = append(want, k)
		}
	}
	var got []string
	for _, m := range ours {
		if k := key(m); !realKeys[k] {
			t.Errorf("%s: 252 has no %s", path, m)
		} else {
			got = append(got, k)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: members out of 252's order:\n%s", path, oracletest.LineDiff(strings.Join(want, "\n")+"\n", strings.Join(got, "\n")+"\n"))
	}
}

// memberRows lists the methods and signals of the systemd1 interfaces in
// introspection data in their order, each with its arguments and
// annotations: what busctl introspect shows of them.
func memberRows(xml string) string {
	var rows []string
	for _, m := range parseMembers(xml) {
		rows = append(rows, m.String())
	}
	return strings.Join(rows, "\n") + "\n"
}

type memberArg struct{ typ, name, dir string }

type memberInfo struct {
	iface, kind, name string
	args              []memberArg
	annotations       []string
}

func (m memberInfo) String() string {
	var args []string
	for _, a := range m.args {
		args = append(args, strings.TrimSpace(a.dir+" "+a.typ+" "+a.name))
	}
	return fmt.Sprintf("%s %s %s(%s) %s", m.iface, m.kind, m.name, strings.Join(args, ", "), strings.Join(m.annotations, " "))
}

// parseMembers reads the methods and signals of the systemd1 interfaces.
func parseMembers(xml string) []memberInfo {
	var out []memberInfo
	iface := ""
	var cur *memberInfo
	for _, l := range strings.Split(xml, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, `<interface name="`):
			iface = attr(l, "name")
		case !strings.HasPrefix(iface, "org.freedesktop.systemd1."):
		case strings.HasPrefix(l, `<method name="`), strings.HasPrefix(l, `<signal name="`):
			kind := "method"
			if strings.HasPrefix(l, "<signal") {
				kind = "signal"
			}
			cur = &memberInfo{iface: iface, kind: kind, name: attr(l, "name")}
			if strings.HasSuffix(l, "/>") {
				out = append(out, *cur)
				cur = nil
			}
		case cur == nil:
		case strings.HasPrefix(l, "<arg "):
			cur.args = append(cur.args, memberArg{attr(l, "type"), attr(l, "name"), attr(l, "direction")})
		case strings.HasPrefix(l, "<annotation "):
			cur.annotations = append(cur.annotations, strings.TrimPrefix(attr(l, "name"), "org.freedesktop.")+"="+attr(l, "value"))
		case l == "</method>", l == "</signal>":
			out = append(out, *cur)
			cur = nil
		}
	}
	return out
}

// memberSpecSource renders the methods and signals of the systemd1
// interfaces in the introspection data as a Go table, in their order.
func memberSpecSource(xmls []string) string {
	byIface := map[string][]memberInfo{}
	var ifaces []string
	first := map[string]int{}
	for i, x := range xmls {
		for _, m := range parseMembers(x) {
			if _, ok := first[m.iface]; !ok {
				first[m.iface] = i
			}
			if first[m.iface] == i {
				if byIface[m.iface] == nil {
					ifaces = append(ifaces, m.iface)
				}
				byIface[m.iface] = append(byIface[m.iface], m)
			}
		}
	}
	sort.Strings(ifaces)
	var b strings.Builder
	b.WriteString("// Code generated by TestIntrospectMatchesSystemd (difftests/managerbus) from\n")
	b.WriteString("// systemd 252's introspection data; DO NOT EDIT.\n\npackage dbusapi\n\nimport \"gosystemd/impl/bus\"\n\n")
	b.WriteString("// memberSpecs are the methods and signals of systemd 252's interfaces, in\n")
	b.WriteString("// its order, with their signatures, argument names and flags, by interface\n")
	b.WriteString("// name (sorted): a table the linker lays out, built by no code at start.\n")
	b.WriteString("var memberSpecs = []interfaceMembers{\n")
	for _, i := range ifaces {
		fmt.Fprintf(&b, "\t{%q, []memberSpec{\n", i)
		for _, m := range byIface[i] {
			var in, out string
			var inNames, outNames []string
			for _, a := range m.args {
				if a.dir == "out" {
					out += a.typ
					outNames = append(outNames, a.name)
				} else {
					in += a.typ
					inNames = append(inNames, a.name)
				}
			}
			flags := []string{}
			privileged := false
			for _, a := range m.annotations {
				switch a {
				case "systemd1.Privileged=true":
					privileged = true
				case "DBus.Deprecated=true":
					flags = append(flags, "bus.Deprecated")
				case "DBus.Method.NoReply=true":
					flags = append(flags, "bus.NoReply")
				}
			}
			if m.kind == "method" && !privileged {
				flags = append(flags, "bus.Unprivileged")
			}
			f := "0"
			if len(flags) > 0 {
				f = strings.Join(flags, " | ")
			}
			fmt.Fprintf(&b, "\t\t{%s, %q, %q, %#v, %q, %#v, %s},\n", m.kind, m.name, in, inNames, out, outNames, f)
		}
		b.WriteString("\t}},\n")
	}
	b.WriteString("}\n")
	return strings.ReplaceAll(b.String(), "[]string(nil)", "nil")
}
