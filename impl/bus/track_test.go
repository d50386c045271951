package bus

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestTrackFollowsConnectionsAndNames(t *testing.T) {
	tree := NewTree()
	bus, peer := &Conn{kind: busConn}, &Conn{}
	a := &Call{Conn: bus, Sender: ":1.5"}
	b := &Call{Conn: bus, Sender: ":1.6"}
	p := &Call{Conn: peer}
	emptied := 0
	tree.Subscribed.OnEmpty = func() { emptied++ }
	for _, c := range []*Call{a, b, p} {
		if !tree.Subscribed.Add(c) {
			t.Fatalf("first Add of %v reported a duplicate", c.Sender)
		}
	}
	if tree.Subscribed.Add(a) {
		t.Error("second Add of :1.5 succeeded")
	}
	tree.Handle(&NameOwnerChanged{Conn: bus, Name: ":1.5", OldOwner: ":1.5"})
	if tree.Subscribed.Contains(a) || !tree.Subscribed.Contains(b) {
		t.Error("NameOwnerChanged did not drop exactly :1.5")
	}
	tree.Handle(&Disconnected{Conn: peer})
	if tree.Subscribed.Contains(p) || tree.Subscribed.Len() != 1 {
		t.Error("Disconnected did not drop the peer")
	}
	if !tree.Subscribed.Remove(b) || tree.Subscribed.Remove(b) || emptied != 1 {
		t.Errorf("Remove: len %d, emptied %d", tree.Subscribed.Len(), emptied)
	}
}

// TestAccessDenied: a method or setter without Unprivileged is refused
// when Privileged says no, with sd-bus's message
// ("Access to %s.%s() not permitted." in bus-objects.c).
func TestAccessDenied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ours")
	startGoServer(t, path, Options{}, func(tree *Tree) { tree.Privileged = func(*Call) bool { return false } })
	conn := dialPeer(t, path)
	for _, tc := range []struct {
		iface, member string
		args          []any
		want          string
	}{
		{"org.example.Demo", "Add", []any{int32(1), int32(2)}, "Access to org.example.Demo.Add() not permitted."},
		{"org.freedesktop.DBus.Properties", "Set", []any{"org.example.Demo", "Secret", dbus.MakeVariant("x")}, "Access to org.example.Demo.Secret() not permitted."},
		{"org.example.Demo", "Echo", []any{"still allowed"}, "reply"},
	} {
		got := rawCall(conn, "/org/example/demo", tc.iface, tc.member, tc.args...)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s.%s: %s", tc.iface, tc.member, got)
		}
	}
}
