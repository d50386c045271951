package systemctl

import (
	"fmt"
	"sort"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/install"
	unitmodel "gosystemd/impl/unit"
	"gosystemd/impl/unit/showprop"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
)

// show is verb_show for "show": the manager's properties without
// operands, else those of each job ID and unit named.
func (t *tool) show(args []string) error {
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	newLine := false
	if len(args) <= 1 {
		if len(t.opts.states) == 0 && len(t.opts.types) == 0 {
			return t.showOne(b, busManagerPath, "", &newLine)
		}
		return t.showAll(b, &newLine)
	}
	var patterns []string
	for _, name := range args[1:] {
		id, err := value.SafeAtou(name)
		if err != nil {
			patterns = append(patterns, name)
			continue
		}
		if err := t.showOne(b, dbus.ObjectPath(fmt.Sprintf("/org/freedesktop/systemd1/job/%d", id)), "", &newLine); err != nil {
			return err
		}
	}
	if len(patterns) == 0 {
		return nil
	}
	names, _, err := t.expandUnitNames(b, patterns, "")
	if err != nil {
		// 252 logs the expansion's failure once more.
		for _, p := range patterns {
			if _, merr := unitname.Mangle(p, "", unitname.MangleGlob, ".service"); merr != nil {
				return t.errorf("Failed to expand names: %s", install.Strerror(errnoOf(merr)))
			}
		}
		return err
	}
	for _, n := range names {
		if err := t.showOne(b, unitPath(n), n, &newLine); err != nil {
			return err
		}
	}
	return nil
}

// showAll is show_all: every listed unit (--state=, --type=), sorted.
func (t *tool) showAll(b *managerBus, newLine *bool) error {
	units, err := t.listUnitsByPatterns(b, nil)
	if err != nil {
		return err
	}
	sort.SliceStable(units, func(i, j int) bool { return unitInfoLess(units[i].id, units[j].id) })
	for _, u := range units {
		if err := t.showOne(b, unitPath(u.id), u.id, newLine); err != nil {
			return err
		}
	}
	return nil
}

// unitInfoLess is unit_info_compare: by type suffix, then by name, both
// case-insensitively.
func unitInfoLess(a, b string) bool {
	sa, sb := "", ""
	if i := strings.LastIndexByte(a, '.'); i >= 0 {
		sa = a[i:]
	}
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		sb = b[i:]
	}
	if c := asciiCaseCompare(sa, sb); c != 0 {
		return c < 0
	}
	return asciiCaseCompare(a, b) < 0
}

func asciiCaseCompare(a, b string) int {
	lower := func(c byte) byte {
		if c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := lower(a[i]), lower(b[i]); x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

// showOne is show_one for properties: GetAll of the object at path,
// printed in the order the manager lists them.
func (t *tool) showOne(b *managerBus, path dbus.ObjectPath, unit string, newLine *bool) error {
	t.logAt(logging.Debug, "Showing one %s", path)
	obj := b.object(busService, path)
	// The body as decoded: Store would recompute the variants' signatures
	// from their Go values ("av" for a struct).
	c := obj.Call(ifaceProps+".GetAll", 0, "")
	if c.Err != nil {
		return t.errorf("Failed to get properties: %s", busErrorMessage(c.Err))
	}
	var all map[string]dbus.Variant
	if len(c.Body) == 1 {
		all, _ = c.Body[0].(map[string]dbus.Variant)
	}
	if all == nil {
		return t.errorf("Failed to parse bus message: %s", install.Strerror(syscall.EBADMSG))
	}
	if unit != "" && variantString(all["LoadState"]) == "not-found" && variantString(all["ActiveState"]) == "inactive" {
		t.logAt(logging.Debug, "Unit %s could not be found.", unit)
	}
	if *newLine {
		t.printf("\n")
	}
	*newLine = true

	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	var order map[string]int
	if t := unitname.TypeOf(unit); t != unitname.TypeInvalid {
		// A unit's order is the property model's, which is 252's; only
		// other objects are asked for their introspection data.
		order = unitmodel.PropertyOrder(t)
	} else {
		order = propertyOrder(obj)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		if iok != jok {
			return iok
		}
		if iok && oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	props := make([]showprop.Property, len(names))
	for i, n := range names {
		v := all[n]
		props[i] = showprop.Property{Name: n, Signature: v.Signature().String(), Value: v.Value()}
	}
	// -p shows the properties asked for even when empty, as --all does.
	_ = showprop.Print(t.out, props, showprop.Options{All: t.opts.all || t.opts.properties != nil, ValueOnly: t.opts.valueOnly, Filter: t.opts.properties})
	for _, p := range t.opts.properties {
		if _, ok := all[p]; !ok {
			t.logAt(logging.Debug, "Property %s does not exist.", p)
		}
	}
	return nil
}

func variantString(v dbus.Variant) string {
	s, _ := v.Value().(string)
	return s
}

// propertyOrder maps each property name the object introspects to its
// position: the order of its vtables, which GetAll follows too (godbus
// returns GetAll's dictionary as an unordered map).
func propertyOrder(obj busObject) map[string]int {
	var data string
	if err := obj.Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&data); err != nil {
		return nil
	}
	order := map[string]int{}
	for _, name := range introspectedProperties(data) {
		if _, dup := order[name]; !dup {
			order[name] = len(order)
		}
	}
	return order
}

// introspectedProperties lists the name attributes of the <property>
// elements of introspection XML, in order. D-Bus member names need no
// escaping, so a scan of the tags does what an XML decoder would here;
// encoding/xml would cost every process of the multicall binary, PID 1
// and each executor among them, its 18 KB entity table at start.
func introspectedProperties(data string) []string {
	var names []string
	for rest := data; ; {
		lt := strings.IndexByte(rest, '<')
		if lt < 0 {
			return names
		}
		rest = rest[lt+1:]
		if strings.HasPrefix(rest, "!--") {
			end := strings.Index(rest, "-->")
			if end < 0 {
				return names
			}
			rest = rest[end+3:]
			continue
		}
		gt := strings.IndexByte(rest, '>')
		if gt < 0 {
			return names
		}
		tag := rest[:gt]
		rest = rest[gt+1:]
		elem, attrs := tag, ""
		if i := strings.IndexAny(tag, " \t\r\n"); i >= 0 {
			elem, attrs = tag[:i], tag[i:]
		}
		if elem != "property" {
			continue
		}
		if name, ok := xmlAttribute(attrs, "name"); ok {
			names = append(names, name)
		}
	}
}

// xmlAttribute finds attribute key in the attribute list of a tag.
func xmlAttribute(attrs, key string) (string, bool) {
	for {
		attrs = strings.TrimLeft(attrs, " \t\r\n")
		eq := strings.IndexByte(attrs, '=')
		if eq < 0 {
			return "", false
		}
		k := strings.TrimRight(attrs[:eq], " \t\r\n")
		v := strings.TrimLeft(attrs[eq+1:], " \t\r\n")
		if v == "" || v[0] != '"' && v[0] != '\'' {
			return "", false
		}
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			return "", false
		}
		if k == key {
			return v[1 : 1+end], true
		}
		attrs = v[end+2:]
	}
}
