// Package notify owns the manager side of the sd_notify protocol as
// systemd 252 speaks it: the datagram socket PID 1 listens on
// (/run/systemd/notify), the checks 252 applies to every datagram before
// any unit sees it, the splitting of a message into assignments, and the
// interpretation of the assignments a service may send, with 252's
// warnings worded exactly.
//
//	service ──sendmsg(SOCK_DGRAM)──► /run/systemd/notify
//	          "READY=1\nSTATUS=…"      SO_PASSCRED: kernel adds SCM_CREDENTIALS
//	          [SCM_RIGHTS fds]         (pid, uid, gid of the sender)
//	                                       │ Receiver goroutine: recvmsg, checks
//	                                       ▼ (size, NUL, credentials, BARRIER=1)
//	                                 Events() channel ──► owner (manager loop):
//	                                   Authorize, Interpret, act, close or keep fds
//
// Send is the other side, sd_notify itself: PID 1 under a container
// manager tells it READY=1 and its STATUS= through $NOTIFY_SOCKET.
//
// Nothing is logged here: every datagram 252 would log about carries the
// exact text and level in its Event. Finding the unit a sender belongs to
// is the manager's business. Only the manager (and tests) import this
// package; it imports impl/unit/value for 252's number parsers.
package notify
