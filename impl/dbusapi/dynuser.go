package dbusapi

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"gosystemd/impl/bus"
	"gosystemd/impl/unitpath"
)

func init() { managerMembers = append(managerMembers, (*API).dynamicUserMembers) }

const errNoSuchDynamicUser = "org.freedesktop.systemd1.NoSuchDynamicUser"

// dynamicUserMembers answer for DynamicUser= users. Our executor does
// not allocate any yet, so every lookup finds none, as 252's with no
// such unit running.
func (a *API) dynamicUserMembers() []bus.Member {
	system := func() error {
		if a.m.Config().Scope != unitpath.System {
			return bus.Errorf(bus.ErrNameNotSupported, "Dynamic users are only supported in the system instance.")
		}
		return nil
	}
	type dynUser struct {
		UID  uint32
		Name string
	}
	return []bus.Member{
		&bus.Method{Name: "LookupDynamicUserByName", In: "s", Out: "u", Call: func(call *bus.Call, _ any) ([]any, error) {
			name := call.Body[0].(string)
			if err := system(); err != nil {
				return nil, err
			}
			if !validUserNameRelaxed(name) {
				return nil, bus.Errorf(bus.ErrNameInvalidArgs, "User name invalid: %s", name)
			}
			return nil, bus.Errorf(errNoSuchDynamicUser, "Dynamic user %s does not exist.", name)
		}},
		&bus.Method{Name: "LookupDynamicUserByUID", In: "u", Out: "s", Call: func(call *bus.Call, _ any) ([]any, error) {
			uid := call.Body[0].(uint32)
			if err := system(); err != nil {
				return nil, err
			}
			if uid == ^uint32(0) || uid == 65535 {
				return nil, bus.Errorf(bus.ErrNameInvalidArgs, "User ID invalid: %d", uid)
			}
			return nil, bus.Errorf(errNoSuchDynamicUser, "Dynamic user ID %d does not exist.", uid)
		}},
		&bus.Method{Name: "GetDynamicUsers", Out: "a(us)", Call: func(call *bus.Call, _ any) ([]any, error) {
			if err := system(); err != nil {
				return nil, err
			}
			return []any{[]dynUser{}}, nil
		}},
	}
}

// validUserNameRelaxed is valid_user_group_name with VALID_USER_RELAX
// only: no numeric IDs, and only the worst offenders refused.
func validUserNameRelaxed(u string) bool {
	if u == "" || strings.Trim(u, "0123456789") == "" {
		return false
	}
	if n, err := strconv.ParseUint(u, 10, 32); err == nil && n != 65535 && n != 1<<32-1 {
		return false
	}
	if strings.HasPrefix(u, " ") || strings.HasSuffix(u, " ") || !utf8.ValidString(u) || strings.ContainsAny(u, ":/") {
		return false
	}
	for _, r := range u {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	if u[0] == '-' && strings.Trim(u[1:], "0123456789") == "" {
		return false
	}
	return u != "." && u != ".."
}
