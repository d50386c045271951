// Package native owns the client side of journald's two local protocols
// as systemd 252 speaks them: entries sent as datagrams to
// /run/systemd/journal/socket (what sd_journal_sendv does), and the
// header a stream connected to /run/systemd/journal/stdout starts with
// (what PID 1 writes before handing the stream to a service as its
// stdout, and sd_journal_stream_fd for systemd-cat).
//
//	entry:   NAME=value\n                        value without '\n'
//	         NAME\n <le64 length> value\n         value with '\n' (binary-safe)
//	         … one line or block per field; the datagram ends the entry
//	too big: the same bytes in a sealed memfd, sent alone with SCM_RIGHTS
//
//	stream:  identifier\n unit-id\n priority\n level-prefix\n
//	         forward-to-syslog\n forward-to-kmsg\n forward-to-console\n
//	         then the service's output, line by line
//
// PID 1 (for its own log), the executor and the tools import it; it
// imports nothing else of ours.
package native
