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
	for i, path := range introspectedObjects {
		r, o := propertyRows(real.xml[i]), propertyRows(ours.xml[i])
		if r != o {
			t.Errorf("%s: properties differ:\n%s", path, oracletest.LineDiff(r, o))
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
	b.WriteString("// (EmitsChangedSignal and Explicit annotations), by interface and name.\n")
	b.WriteString("var propFlags = map[string]map[string]bus.Flags{\n")
	var ifaces []string
	for i := range flags {
		ifaces = append(ifaces, i)
	}
	sort.Strings(ifaces)
	for _, i := range ifaces {
		fmt.Fprintf(&b, "\t%q: {\n", i)
		var props []string
		for p := range flags[i] {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			fmt.Fprintf(&b, "\t\t%q: %s,\n", p, flags[i][p])
		}
		b.WriteString("\t},\n")
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
