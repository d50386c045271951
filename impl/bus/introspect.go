package bus

import (
	"fmt"
	"sort"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The XML sd-bus (systemd 252) writes for the standard interfaces, with
// its irregular attribute order.
const (
	introspectDoctype = `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
"https://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
`
	introspectStandard = ` <interface name="org.freedesktop.DBus.Peer">
  <method name="Ping"/>
  <method name="GetMachineId">
   <arg type="s" name="machine_uuid" direction="out"/>
  </method>
 </interface>
 <interface name="org.freedesktop.DBus.Introspectable">
  <method name="Introspect">
   <arg name="xml_data" type="s" direction="out"/>
  </method>
 </interface>
 <interface name="org.freedesktop.DBus.Properties">
  <method name="Get">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="property_name" direction="in" type="s"/>
   <arg name="value" direction="out" type="v"/>
  </method>
  <method name="GetAll">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="props" direction="out" type="a{sv}"/>
  </method>
  <method name="Set">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="property_name" direction="in" type="s"/>
   <arg name="value" direction="in" type="v"/>
  </method>
  <signal name="PropertiesChanged">
   <arg type="s" name="interface_name"/>
   <arg type="a{sv}" name="changed_properties"/>
   <arg type="as" name="invalidated_properties"/>
  </signal>
 </interface>
`
)

// introspect builds the XML for path served by node n; ok is false if
// nothing lives there.
func (t *Tree) introspect(path dbus.ObjectPath, n *node, requireFallback bool, found *bool) (string, bool) {
	children := t.childNodes(path, n)
	var b strings.Builder
	b.WriteString(introspectDoctype)
	b.WriteString("<node>\n")
	b.WriteString(introspectStandard)
	empty := len(children) == 0
	for _, vt := range n.vtables {
		if requireFallback && !vt.fallback {
			continue
		}
		if _, ok := vt.resolve(path); !ok {
			continue
		}
		empty = false
		if vt.iface.Flags&Hidden != 0 {
			continue
		}
		t.writeInterface(&b, vt.iface)
	}
	if empty && !t.nodeExists(n, path, requireFallback) {
		return "", false
	}
	*found = true
	for _, c := range children {
		rel := strings.TrimPrefix(string(c), string(path))
		if path != "/" {
			if !strings.HasPrefix(rel, "/") {
				continue
			}
			rel = rel[1:]
		}
		if rel != "" {
			fmt.Fprintf(&b, " <node name=\"%s\"/>\n", rel)
		}
	}
	b.WriteString("</node>\n")
	return b.String(), true
}

// childNodes lists, sorted, the paths below prefix that n's enumerators
// report and n's registered children.
func (t *Tree) childNodes(prefix dbus.ObjectPath, n *node) []dbus.ObjectPath {
	set := map[dbus.ObjectPath]struct{}{}
	for _, enum := range n.enumerators {
		for _, p := range enum(prefix) {
			if p.IsValid() && hasPathPrefix(p, prefix) {
				set[p] = struct{}{}
			}
		}
	}
	for c := range n.children {
		if hasPathPrefix(c.path, prefix) {
			set[c.path] = struct{}{}
		}
	}
	out := make([]dbus.ObjectPath, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// hasPathPrefix reports whether path is prefix or below it.
func hasPathPrefix(path, prefix dbus.ObjectPath) bool {
	if prefix == "/" {
		return true
	}
	rest, ok := strings.CutPrefix(string(path), string(prefix))
	return ok && (rest == "" || rest[0] == '/')
}

func (t *Tree) writeInterface(b *strings.Builder, iface *Interface) {
	fmt.Fprintf(b, " <interface name=\"%s\">\n", iface.Name)
	if iface.Flags&Deprecated != 0 {
		b.WriteString("  <annotation name=\"org.freedesktop.DBus.Deprecated\" value=\"true\"/>\n")
	}
	for _, m := range iface.Members {
		switch m := m.(type) {
		case *Method:
			if m.Flags&Hidden != 0 {
				continue
			}
			fmt.Fprintf(b, "  <method name=\"%s\">\n", m.Name)
			names := append(append([]string(nil), m.InNames...), m.OutNames...)
			names = writeArgs(b, m.In, names, "in")
			writeArgs(b, m.Out, names, "out")
			t.writeAnnotations(b, m.Flags, methodMember, false)
			b.WriteString("  </method>\n")
		case *Property:
			if m.Flags&Hidden != 0 {
				continue
			}
			access := "read"
			if m.Set != nil {
				access = "readwrite"
			}
			fmt.Fprintf(b, "  <property name=\"%s\" type=\"%s\" access=\"%s\">\n", m.Name, m.Type, access)
			t.writeAnnotations(b, m.Flags, propertyMember, m.Set != nil)
			b.WriteString("  </property>\n")
		case *Signal:
			if m.Flags&Hidden != 0 {
				continue
			}
			fmt.Fprintf(b, "  <signal name=\"%s\">\n", m.Name)
			writeArgs(b, m.Type, m.Names, "")
			t.writeAnnotations(b, m.Flags, signalMember, false)
			b.WriteString("  </signal>\n")
		}
	}
	b.WriteString(" </interface>\n")
}

// writeArgs writes one <arg> per complete type in sig, naming them from
// names, and returns the names left over.
func writeArgs(b *strings.Builder, sig string, names []string, direction string) []string {
	for _, typ := range splitSignature(sig) {
		fmt.Fprintf(b, "   <arg type=\"%s\"", typ)
		if len(names) > 0 {
			fmt.Fprintf(b, " name=\"%s\"", names[0])
			names = names[1:]
		}
		if direction != "" {
			fmt.Fprintf(b, " direction=\"%s\"/>\n", direction)
		} else {
			b.WriteString("/>\n")
		}
	}
	return names
}

// splitSignature splits a valid signature into its complete types.
func splitSignature(sig string) []string {
	var out []string
	start, depth := 0, 0
	for i := 0; i < len(sig); i++ {
		switch sig[i] {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case 'a':
			continue
		}
		if depth == 0 {
			out = append(out, sig[start:i+1])
			start = i + 1
		}
	}
	return out
}

type memberKind uint8

const (
	methodMember memberKind = iota
	propertyMember
	signalMember
)

func (t *Tree) writeAnnotations(b *strings.Builder, flags Flags, kind memberKind, writable bool) {
	if flags&Deprecated != 0 {
		b.WriteString("   <annotation name=\"org.freedesktop.DBus.Deprecated\" value=\"true\"/>\n")
	}
	if kind == methodMember && flags&NoReply != 0 {
		b.WriteString("   <annotation name=\"org.freedesktop.DBus.Method.NoReply\" value=\"true\"/>\n")
	}
	if kind == propertyMember {
		if flags&Explicit != 0 {
			b.WriteString("   <annotation name=\"org.freedesktop.systemd1.Explicit\" value=\"true\"/>\n")
		}
		const emits = "   <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"%s\"/>\n"
		switch {
		case flags&Const != 0:
			fmt.Fprintf(b, emits, "const")
		case flags&EmitsInvalidation != 0:
			fmt.Fprintf(b, emits, "invalidates")
		case flags&EmitsChange == 0:
			fmt.Fprintf(b, emits, "false")
		}
	}
	if !t.Trusted && (kind == methodMember || writable) && flags&Unprivileged == 0 {
		b.WriteString("   <annotation name=\"org.freedesktop.systemd1.Privileged\" value=\"true\"/>\n")
	}
}
