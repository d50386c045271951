package managerbus

// The per-unit operations and the manager's life-cycle methods: error
// names of what the scenario's units refuse, and the arguments
// SwitchRoot checks.
func init() {
	busCalls = append(busCalls, []struct {
		name string
		call busCall
	}{
		{"freeze-target", busCall{"FreezeUnit", []any{"multi-user.target"}}},
		{"freeze-not-loaded", busCall{"FreezeUnit", []any{"gosd-mb.service"}}},
		{"freeze-missing", busCall{"FreezeUnit", []any{"nonexistent.service"}}},
		{"freeze-init-scope", busCall{"FreezeUnit", []any{"init.scope"}}},
		{"thaw-init-scope", busCall{"ThawUnit", []any{"init.scope"}}},
		{"thaw-empty-name", busCall{"ThawUnit", []any{""}}},
		{"clean-target", busCall{"CleanUnit", []any{"multi-user.target", []string{"all"}}}},
		{"clean-nothing", busCall{"CleanUnit", []any{"gosd-mb.service", []string{"all"}}}},
		{"clean-bogus", busCall{"CleanUnit", []any{"gosd-mb.service", []string{"bogus"}}}},
		{"clean-missing", busCall{"CleanUnit", []any{"nonexistent.service", []string{"all"}}}},
		{"clean-invalid", busCall{"CleanUnit", []any{"not a name", []string{"all"}}}},
		{"clean-active", busCall{"CleanUnit", []any{"dbus.service", []string{"runtime"}}}},
		{"ref-private", busCall{"RefUnit", []any{"gosd-mb.service"}}},
		{"ref-missing", busCall{"RefUnit", []any{"nonexistent.service"}}},
		{"unref-never", busCall{"UnrefUnit", []any{"dbus.service"}}},
		{"unref-not-loaded", busCall{"UnrefUnit", []any{"gosd-mb.service"}}},
		{"unref-missing", busCall{"UnrefUnit", []any{"nonexistent.service"}}},
		{"switch-root-empty", busCall{"SwitchRoot", []any{"", ""}}},
		{"switch-root-relative", busCall{"SwitchRoot", []any{"sysroot", ""}}},
		{"switch-root-old", busCall{"SwitchRoot", []any{"//", ""}}},
		{"switch-root-missing", busCall{"SwitchRoot", []any{"/nonexistent", ""}}},
		{"switch-root-no-os", busCall{"SwitchRoot", []any{"/tmp", ""}}},
		{"switch-root-init-relative", busCall{"SwitchRoot", []any{"/tmp", "sbin/init"}}},
		{"switch-root-init-missing", busCall{"SwitchRoot", []any{"/tmp", "/nonexistent"}}},
		{"switch-root-init-noexec", busCall{"SwitchRoot", []any{"/usr", "/lib/os-release"}}},
		{"exit-code", busCall{"SetExitCode", []any{uint8(0)}}},
		{"dynuser-name", busCall{"LookupDynamicUserByName", []any{"gosd-dyn"}}},
		{"dynuser-name-numeric", busCall{"LookupDynamicUserByName", []any{"1000"}}},
		{"dynuser-name-minus", busCall{"LookupDynamicUserByName", []any{"-1"}}},
		{"dynuser-name-colon", busCall{"LookupDynamicUserByName", []any{"a:b"}}},
		{"dynuser-name-empty", busCall{"LookupDynamicUserByName", []any{""}}},
		{"dynuser-name-relaxed", busCall{"LookupDynamicUserByName", []any{"Some User@x"}}},
		{"dynuser-uid", busCall{"LookupDynamicUserByUID", []any{uint32(61184)}}},
		{"dynuser-uid-root", busCall{"LookupDynamicUserByUID", []any{uint32(0)}}},
		{"dynuser-uid-65535", busCall{"LookupDynamicUserByUID", []any{uint32(65535)}}},
		{"dynuser-uid-invalid", busCall{"LookupDynamicUserByUID", []any{uint32(4294967295)}}},
		{"dynusers", busCall{"GetDynamicUsers", nil}},
	}...)
}
