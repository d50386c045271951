package unitname

import "strings"

// DropinNames lists the names whose drop-in directories ("NAME.d") apply to
// the unit name, in systemd's search order for one directory: the name,
// for an instance its template, then for each dash-separated prefix the
// same again, nearest first. "foo-bar@x.service" gives foo-bar@x.service,
// foo-bar@.service, foo-.service, foo-@x.service and foo-@.service.
func DropinNames(name string) []string {
	var out []string
	dropinNames(name, &out)
	return out
}

func dropinNames(name string, out *[]string) {
	*out = append(*out, name)
	isInstance := IsValid(name, Instance)
	if isInstance {
		tmpl, err := TemplateOf(name)
		if err != nil {
			return
		}
		dropinNames(tmpl, out)
	}
	prefix, err := Prefix(name)
	if err != nil {
		return
	}
	// Cut after the last dash; a trailing dash is dropped first, once.
	chopped := false
	for {
		dash := strings.LastIndexByte(prefix, '-')
		if dash <= 0 {
			return
		}
		if dash+1 < len(prefix) || chopped {
			prefix = prefix[:dash+1]
			break
		}
		prefix, chopped = prefix[:dash], true
	}
	if !PrefixIsValid(prefix) {
		return
	}
	instance := ""
	if isInstance {
		instance, _, _ = InstanceOf(name)
	}
	built, err := BuildFromType(prefix, instance, TypeOf(name))
	if err != nil {
		return
	}
	dropinNames(built, out)
}
