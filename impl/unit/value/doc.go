// Package value owns the value syntaxes of unit file directives as systemd
// 252 parses them: numbers (C strto* rules), booleans, sizes, percentages,
// signals, exit statuses, capabilities, resource limits, CPU sets, IP
// address prefixes, errno and address family names, and the enumerations
// directives take. Parsers return syscall.Errno errors (EINVAL, ERANGE,
// ...) so callers can word warnings as systemd does with %m.
//
// It imports only impl/unitfile (word splitting) and impl/timeutil; any
// package may import it.
package value
