package dbusapi

import (
	"gosystemd/impl/bus"
)

func init() { managerMembers = append(managerMembers, (*API).reexecMembers) }

// reexecMembers are the Manager methods of daemon-reexec.
func (a *API) reexecMembers() []bus.Member {
	return []bus.Member{
		// Reexecute is method_reexecute: no reply; the caller waits for
		// its connection to close, which happens once the new manager
		// is up. Only if the exec fails does an error come back.
		&bus.Method{Name: "Reexecute", Flags: bus.NoReply, Call: func(call *bus.Call, _ any) ([]any, error) {
			a.m.ReexecuteLoop(func(err error) {
				_ = call.ReplyError(bus.Errorf(bus.ErrNameFailed, "%v", err))
			})
			return nil, bus.ErrReplyLater
		}},
	}
}
