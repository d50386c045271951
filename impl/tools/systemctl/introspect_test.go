package systemctl

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// referenceProperties is what encoding/xml finds: the property names
// introspectedProperties must find without it.
func referenceProperties(data string) []string {
	var names []string
	d := xml.NewDecoder(strings.NewReader(data))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			return names
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "property" {
			for _, a := range se.Attr {
				if a.Name.Local == "name" {
					names = append(names, a.Value)
				}
			}
		}
	}
}

func TestIntrospectedProperties(t *testing.T) {
	// As sd-bus writes introspection data, with what else XML allows.
	const sdbus = `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
 <interface name="org.freedesktop.DBus.Peer">
  <method name="Ping"/>
  <method name="GetMachineId">
   <arg type="s" name="machine_uuid" direction="out"/>
  </method>
 </interface>
 <interface name="org.freedesktop.systemd1.Unit">
  <property name="Id" type="s" access="read">
   <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/>
  </property>
  <property name="Names" type="as" access="read">
  </property>
  <!-- <property name="Commented" type="s" access="read"/> -->
  <property type="s" access="read" name="Following"/>
  <property	name='Requires'
    type="as" access="read"/>
  <propertyish name="NotAProperty"/>
  <signal name="Changed"><arg type="s"/></signal>
 </interface>
 <node name="unit"/>
</node>
`
	want := []string{"Id", "Names", "Following", "Requires"}
	if got := introspectedProperties(sdbus); !slices.Equal(got, want) {
		t.Errorf("introspectedProperties = %q, want %q", got, want)
	}
	if ref := referenceProperties(sdbus); !slices.Equal(ref, want) {
		t.Fatalf("encoding/xml finds %q: the test's expectation is wrong", ref)
	}
	for _, bad := range []string{"", "<", "<property", "<property name=", `<property name="x`, "<!-- <property name=\"x\"/>"} {
		if got := introspectedProperties(bad); len(got) != 0 {
			t.Errorf("introspectedProperties(%q) = %q, want none", bad, got)
		}
	}
}
