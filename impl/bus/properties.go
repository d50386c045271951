package bus

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Dict is an a{sv} that keeps its order on the wire (a Go map would not),
// as GetAll replies and PropertiesChanged need: `systemctl show` prints
// properties in the order they arrive.
type Dict []DictEntry

// DictEntry is one entry of a Dict.
type DictEntry struct {
	Key   string
	Value dbus.Variant
}

var dictType = reflect.TypeOf(Dict(nil))

// signatureOf is dbus.SignatureOf, with a top-level Dict as a{sv}. (On
// the wire a Dict is the same bytes as an a{sv}; only the signature
// differs.)
func signatureOf(values []any) string {
	if len(values) == 1 {
		return typeSignature(reflect.TypeOf(values[0]))
	}
	var b strings.Builder
	for _, v := range values {
		b.WriteString(typeSignature(reflect.TypeOf(v)))
	}
	return b.String()
}

// typeSignatures caches godbus's signature of each Go type, which
// depends on the type alone (an interface is a variant).
var typeSignatures sync.Map // reflect.Type → string

func typeSignature(t reflect.Type) string {
	if t == nil {
		return ""
	}
	if s, ok := typeSignatures.Load(t); ok {
		return s.(string)
	}
	var s string
	if t == dictType {
		s = "a{sv}"
	} else {
		s = dbus.SignatureOfType(t).String()
	}
	typeSignatures.Store(t, s)
	return s
}

// propertyValue gets p's value for obj as a variant of p's type.
func propertyValue(p *Property, obj any) (dbus.Variant, error) {
	var v any
	var err error
	if p.Get != nil {
		v, err = p.Get(obj)
	} else {
		v, err = p.GetByName(obj, p.Name)
	}
	if err != nil {
		return dbus.Variant{}, err
	}
	if got := signatureOf([]any{v}); got != p.Type {
		return dbus.Variant{}, &Error{Name: ErrNameInconsistent,
			Message: fmt.Sprintf("Property %s has value of type '%s', expected '%s'.", p.Name, got, p.Type)}
	}
	return dbus.MakeVariantWithSignature(v, dbus.ParseSignatureMust(p.Type)), nil
}

func (t *Tree) runProperty(call *Call, vm *vmember, requireFallback, get bool, found *bool) (bool, error) {
	if requireFallback && !vm.parent.fallback {
		return false, nil
	}
	obj, ok, err := vm.parent.resolveErr(call.Path)
	if err != nil {
		return true, call.ReplyError(err)
	}
	if !ok {
		return false, nil
	}
	*found = true
	p := vm.prop
	if get {
		v, err := propertyValue(p, obj)
		if err != nil {
			return true, call.ReplyError(err)
		}
		return true, call.reply("v", []any{v})
	}
	if p.Set == nil {
		return true, call.ReplyError(Errorf(ErrNamePropertyReadOnly, "Property '%s' is not writable.", p.Name))
	}
	var value dbus.Variant
	ok = false
	if len(call.Body) > 2 {
		value, ok = call.Body[2].(dbus.Variant)
	}
	if !ok {
		// sd-bus formats the type it found with %c; a missing argument is
		// a NUL that ends the message there.
		got := ""
		if types := splitSignature(call.Signature); len(types) > 2 {
			got = types[2][:1] + "'."
		}
		return true, call.ReplyError(Errorf(ErrNameInvalidSignature,
			"Incorrect signature when setting property '%s', expected 'v', got '%s", p.Name, got))
	}
	if got := value.Signature().String(); got != p.Type {
		return true, call.ReplyError(Errorf(ErrNameInvalidArgs,
			"Incorrect parameters for property '%s', expected '%s', got '%s'.", p.Name, p.Type, got))
	}
	if !t.privileged(call, p.Flags) {
		return true, call.ReplyError(Errorf(ErrNameAccessDenied, "Access to %s.%s() not permitted.", vm.parent.iface.Name, p.Name))
	}
	if err := p.Set(call, obj, value.Value()); err != nil {
		return true, call.ReplyError(err)
	}
	return true, call.reply("", nil)
}

// getAll answers GetAll from the registrations at node n.
func (t *Tree) getAll(call *Call, n *node, requireFallback bool, iface string, found *bool) (bool, error) {
	foundIface := iface == "" || iface == ifaceProperties || iface == ifacePeer || iface == ifaceIntrospect
	var all Dict
	for _, vt := range n.vtables {
		if requireFallback && !vt.fallback {
			continue
		}
		obj, ok, err := vt.resolveErr(call.Path)
		if err != nil {
			return true, call.ReplyError(err)
		}
		if !ok {
			continue
		}
		*found = true
		if iface != "" && vt.iface.Name != iface {
			continue
		}
		foundIface = true
		if all, err = appendProperties(all, vt.iface, obj, false); err != nil {
			return true, call.ReplyError(err)
		}
	}
	if !*found {
		return false, nil
	}
	if !foundIface {
		return true, call.ReplyError(Errorf(ErrNameUnknownInterface, "Unknown interface '%s'.", iface))
	}
	if all == nil {
		all = Dict{}
	}
	return true, call.reply("a{sv}", []any{all})
}

// appendProperties appends the properties of iface that a generic dump
// shows; forSignal also leaves out the invalidation-only ones.
func appendProperties(d Dict, iface *Interface, obj any, forSignal bool) (Dict, error) {
	if iface.Flags&Hidden != 0 {
		return d, nil
	}
	for _, m := range iface.Members {
		p, ok := m.(*Property)
		if !ok || p.Flags&(Hidden|Explicit) != 0 || forSignal && p.Flags&EmitsInvalidation != 0 {
			continue
		}
		v, err := propertyValue(p, obj)
		if err != nil {
			return d, err
		}
		d = append(d, DictEntry{p.Name, v})
	}
	return d, nil
}

// EmitPropertiesChanged sends org.freedesktop.DBus.Properties.
// PropertiesChanged for iface at path, as EmitSignal does. With no names
// it covers every property flagged EmitsChange (with its value) or
// EmitsInvalidation (by name); names must be such properties.
func (t *Tree) EmitPropertiesChanged(path dbus.ObjectPath, iface string, names ...string) error {
	return t.EmitPropertiesChangedAlso(path, iface, nil, names...)
}

// EmitPropertiesChangedAlso is EmitPropertiesChanged, sent to the bus
// also when only also (a unit's referencing clients) tracks someone.
func (t *Tree) EmitPropertiesChangedAlso(path dbus.ObjectPath, iface string, also *Track, names ...string) error {
	foundIface := false
	for i, p := range append([]dbus.ObjectPath{path}, pathPrefixes(path)...) {
		n := t.nodes[p]
		if n == nil {
			continue
		}
		// The tree's scratch lists: EmitSignal is done with them on return.
		changed, invalidated := t.changedScratch[:0], t.invalidatedScratch[:0]
		emitted := false
		for _, vt := range n.vtables {
			if i > 0 && !vt.fallback || vt.iface.Name != iface {
				continue
			}
			obj, ok := vt.resolve(path)
			if !ok {
				continue
			}
			foundIface = true
			props, err := t.changedProperties(vt.iface, names)
			if err != nil {
				return fmt.Errorf("PropertiesChanged on %s: %w", path, err)
			}
			for _, prop := range props {
				emitted = true
				if prop.Flags&EmitsInvalidation != 0 {
					invalidated = append(invalidated, prop.Name)
					continue
				}
				v, err := propertyValue(prop, obj)
				if err != nil {
					return fmt.Errorf("PropertiesChanged on %s: %w", path, err)
				}
				changed = append(changed, DictEntry{prop.Name, v})
			}
		}
		if !emitted {
			continue
		}
		if changed == nil {
			changed = Dict{}
		}
		if invalidated == nil {
			invalidated = []string{}
		}
		err := t.EmitSignal(path, ifaceProperties, "PropertiesChanged", "sa{sv}as", []any{iface, changed, invalidated}, also)
		clear(changed) // keeps no values alive
		t.changedScratch, t.invalidatedScratch = changed[:0], invalidated[:0]
		return err
	}
	if !foundIface {
		return fmt.Errorf("PropertiesChanged: no interface %s at %s", iface, path)
	}
	return nil
}

// changedProperties picks the properties of iface a PropertiesChanged
// covers; all of them (no names) is worked out once per interface.
func (t *Tree) changedProperties(iface *Interface, names []string) ([]*Property, error) {
	var out []*Property
	if len(names) == 0 {
		if all, ok := t.emitting[iface]; ok {
			return all, nil
		}
		for _, m := range iface.Members {
			if p, ok := m.(*Property); ok && p.Flags&Hidden == 0 && p.Flags&(EmitsChange|EmitsInvalidation) != 0 {
				out = append(out, p)
			}
		}
		if t.emitting == nil {
			t.emitting = map[*Interface][]*Property{}
		}
		t.emitting[iface] = out
		return out, nil
	}
	for _, name := range names {
		var prop *Property
		for _, m := range iface.Members {
			if p, ok := m.(*Property); ok && p.Name == name {
				prop = p
			}
		}
		switch {
		case prop == nil:
			return nil, fmt.Errorf("no property %s.%s", iface.Name, name)
		case prop.Flags&(EmitsChange|EmitsInvalidation) == 0 || prop.Flags&Hidden != 0:
			return nil, fmt.Errorf("property %s.%s does not emit changes", iface.Name, name)
		}
		out = append(out, prop)
	}
	return out, nil
}
