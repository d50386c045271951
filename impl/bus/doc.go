// Package bus is the D-Bus layer PID 1 and the other daemons (logind,
// hostnamed, …) share: a peer-to-peer server for sockets like
// /run/systemd/private, a thin client for the system bus, and an object
// tree that answers calls the way sd-bus (systemd 252) does — same lookup
// order, same error names and messages, same introspection XML.
//
// It owns the wire handling above godbus's message codec (authentication,
// framing, limits, queues) and the dispatch model. It imports godbus for
// encoding and decoding messages, and impl/id128; daemons import it, the
// manager core does not. Tools (systemctl) use its Client, a synchronous
// client connection with a body decoder of its own (UnmarshalBody),
// which gives godbus's values without its reflection.
//
// One goroutine (the daemon's event loop) owns the Tree; connections only
// send it events:
//
//	client ──connect──▶ Server.accept ─ SO_PEERCRED ─ Authorize? ──no──▶ close
//	  │                                                  │yes
//	  │  "\0AUTH EXTERNAL <hex uid>" ──────────────────▶ │ uid == peer uid?
//	  │ ◀──────────── "OK <guid>" / "REJECTED EXTERNAL"  │ (handshake deadline,
//	  │  "NEGOTIATE_UNIX_FD" ───▶ "AGREE_UNIX_FD"        │  1 KiB lines, 16 KiB total)
//	  │  "BEGIN" ───────────────────────────────────────▶│
//	  │                                                  ▼
//	  │  message ──▶ reader goroutine: 16-byte header → size ≤ MaxMessageSize
//	  │              (else close) → godbus decode → Peer.* answered here
//	  │                      │ other calls, with Cred attached
//	  │                      ▼
//	  │              events chan ──▶ owner: Tree.Handle(ev) → method handler
//	  │                                        │ reply / signals
//	  │ ◀── writer goroutine ◀── bounded queue ◀┘ (full → close; each write
//	  │                                            has WriteTimeout)
//
// On a bus connection (ConnectBus) the reader also asks the bus driver for
// each new caller's credentials (GetConnectionCredentials, cached until
// NameOwnerChanged drops the name) before handing its calls on, and relays
// events through a buffer so the owner's own calls to the bus get replies
// while it is busy. Every goroutine recovers panics into the connection's
// close reason (a *PanicError in its Disconnected event); nothing here
// logs.
package bus
