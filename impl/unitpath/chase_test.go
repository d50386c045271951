package unitpath

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

func TestChase(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root,
		"etc/a.conf = a",
		"etc/abs -> /usr/lib/x",
		"usr/lib/x/file = x",
		"etc/rel -> ../usr/lib/x",
		"etc/up -> ../../../../usr/lib",
		"etc/loop1 -> loop2",
		"etc/loop2 -> loop1",
		"etc/dangling -> /nowhere/y",
		"lib -> usr/lib",
	)
	for _, c := range []struct {
		path   string
		root   bool
		flags  ChaseFlags
		want   string
		exists bool
		err    error
	}{
		{path: "/etc/a.conf", root: true, flags: ChasePrefixRoot, want: "{root}/etc/a.conf", exists: true},
		{path: "/etc/abs/file", root: true, flags: ChasePrefixRoot, want: "{root}/usr/lib/x/file", exists: true},
		{path: "/etc/rel/file", root: true, flags: ChasePrefixRoot, want: "{root}/usr/lib/x/file", exists: true},
		{path: "/etc/up/x", root: true, flags: ChasePrefixRoot, want: "{root}/usr/lib/x", exists: true},
		{path: "/lib/x/../x/./file", root: true, flags: ChasePrefixRoot, want: "{root}/usr/lib/x/file", exists: true},
		{path: "/../../etc/a.conf", root: true, flags: ChasePrefixRoot, want: "{root}/etc/a.conf", exists: true},
		{path: "/etc/abs", root: true, flags: ChasePrefixRoot | ChaseNoFollow, want: "{root}/etc/abs", exists: true},
		{path: "/etc/dangling", root: true, flags: ChasePrefixRoot | ChaseNonexistent, want: "{root}/nowhere/y"},
		{path: "/etc/missing/a/b", root: true, flags: ChasePrefixRoot | ChaseNonexistent, want: "{root}/etc/missing/a/b"},
		{path: "/etc/missing/../b", root: true, flags: ChasePrefixRoot | ChaseNonexistent, err: syscall.ENOENT},
		{path: "/etc/dangling", root: true, flags: ChasePrefixRoot, err: syscall.ENOENT},
		{path: "/etc/loop1", root: true, flags: ChasePrefixRoot, err: syscall.ELOOP},
		{path: "/etc/a.conf/x", root: true, flags: ChasePrefixRoot, err: syscall.ENOTDIR},
		{path: "/etc/a.conf", root: true, err: syscall.ECHRNG},
		{path: "{root}/etc/rel/", flags: ChaseTrailSlash, want: "{root}/usr/lib/x/", exists: true},
		{path: "{root}/etc/abs/file", err: syscall.ENOENT},
		{path: "", err: syscall.EINVAL},
	} {
		r := ""
		if c.root {
			r = root
		}
		got, exists, err := Chase(strings.ReplaceAll(c.path, "{root}", root), r, c.flags)
		want := strings.ReplaceAll(c.want, "{root}", root)
		if got != want || exists != c.exists || !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
			t.Errorf("Chase(%q, root=%v, %b) = %q, %v, %v; want %q, %v, %v", c.path, c.root, c.flags, got, exists, err, want, c.exists, c.err)
		}
	}
}
