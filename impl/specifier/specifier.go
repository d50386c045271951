// Package specifier owns the "%x" specifiers of unit files as systemd 252
// resolves them (src/shared/specifier.c, src/core/unit-printf.c,
// src/shared/install-printf.c): the expansion engine, the tables for unit
// names, for full unit settings and for [Install] sections, and the host
// facts they draw on, behind an interface so tests and the manager can
// supply them.
//
// Errors wrap the errno systemd fails with (EBADSLT for an unknown
// specifier, ENAMETOOLONG for a result over the limit, EUNATCH for a
// missing os-release, ...), so callers can print systemd's "%m" text. It
// never logs; the deprecated cgroup specifiers report their use through a
// callback. The manager core, unit file loaders and tools may import it.
package specifier

import (
	"fmt"
	"strings"
	"syscall"
)

// Lookup resolves one specifier. An empty result inserts nothing.
type Lookup func() (string, error)

// Table maps specifier characters to their lookups.
type Table map[byte]Lookup

// Length limits systemd expands with.
const (
	// UnitNameMax is UNIT_NAME_MAX: names and [Install] values. A
	// valid unit name is shorter; the expansion itself allows this many
	// bytes and leaves the name check to the caller.
	UnitNameMax = 256
	// LongLineMax is LONG_LINE_MAX: most unit settings.
	LongLineMax = 1 << 20
	// PathMax is PATH_MAX-1: settings that are paths.
	PathMax = 4095
	// FDNameMax is FDNAME_MAX: file descriptor names.
	FDNameMax = 255
	// CredentialNameMax is CREDENTIAL_NAME_MAX (FDNAME_MAX).
	CredentialNameMax = 255
)

// isPossibleSpecifier is whether c may name a specifier (ASCII letters
// and digits): an unknown one of these is an error, anything else after
// "%" is kept as written.
func isPossibleSpecifier(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Printf is specifier_printf: text with every "%x" in table replaced,
// "%%" made "%", an unknown letter or digit refused (EBADSLT), other
// "%x" and a trailing "%" kept. A result longer than maxLen fails with
// ENAMETOOLONG; a failing lookup fails the whole expansion.
func Printf(text string, maxLen int, table Table) (string, error) {
	var b strings.Builder
	percent := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case !percent && c == '%':
			percent = true
			continue
		case !percent:
			b.WriteByte(c)
		case c == '%':
			percent = false
			b.WriteByte('%')
		default:
			percent = false
			lookup, ok := table[c]
			switch {
			case ok:
				w, err := lookup()
				if err != nil {
					return "", fmt.Errorf("specifier %%%c: %w", c, err)
				}
				b.WriteString(w)
			case isPossibleSpecifier(c):
				return "", fmt.Errorf("unknown specifier %%%c: %w", c, syscall.EBADSLT)
			default:
				b.WriteByte('%')
				b.WriteByte(c)
			}
		}
		if b.Len() > maxLen {
			return "", fmt.Errorf("expanding %q: %w", text, syscall.ENAMETOOLONG)
		}
	}
	if percent {
		b.WriteByte('%')
		if b.Len() > maxLen {
			return "", fmt.Errorf("expanding %q: %w", text, syscall.ENAMETOOLONG)
		}
	}
	return b.String(), nil
}

// Escape is specifier_escape: every "%" doubled, so that Printf gives s
// back.
func Escape(s string) string { return strings.ReplaceAll(s, "%", "%%") }
