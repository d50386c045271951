package id128

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"gosystemd/impl/tooltest"
)

// TestInvocationKeyringDifferential gives both tools an "invocation_id"
// key in a fresh session keyring, as the service manager does for a
// system service, with the permissions and sizes systemd accepts or not.
func TestInvocationKeyringDifferential(t *testing.T) {
	both.RequireReal(t)
	type outcome struct {
		step       string
		args       []string
		want, got  tooltest.Result
		setupError error
	}
	results := make(chan outcome)
	go func() {
		defer close(results)
		// Keyrings belong to the thread: this one ends with the goroutine,
		// taking its session keyring along.
		runtime.LockOSThread()
		const allowed = 0x01000000 | 0x02000000 | 0x08000000 | 0x00010000 | 0x00020000 | 0x00080000
		id := []byte{0xc5, 0x2f, 0xa1, 0xd4, 0xe6, 0x35, 0x4b, 0x7d, 0xb3, 0xbb, 0xbd, 0x4f, 0x0b, 0x0e, 0x2b, 0x5e}
		steps := []struct {
			name    string
			payload []byte
			perm    uint32
		}{
			{"no key", nil, 0},
			{"default permissions", id, 0},
			{"systemd's permissions", id, allowed},
			{"group may read", id, allowed | 0x00000200},
			{"15 bytes", id[:15], allowed},
			{"17 bytes", append(id, 0), allowed},
			{"possessor view only", id, 0x01000000},
		}
		for i, s := range steps {
			// A new keyring each time: the keys cannot be changed once
			// their permissions are narrowed.
			if _, err := unix.KeyctlJoinSessionKeyring(fmt.Sprintf("gosystemd-id128-test-%d-%d", os.Getpid(), i)); err != nil {
				results <- outcome{setupError: fmt.Errorf("joining a new session keyring: %w", err)}
				return
			}
			if s.payload != nil {
				key, err := unix.AddKey("user", "invocation_id", s.payload, unix.KEY_SPEC_SESSION_KEYRING)
				if err == nil && s.perm != 0 {
					err = unix.KeyctlSetperm(key, s.perm)
				}
				if err != nil {
					results <- outcome{setupError: fmt.Errorf("%s: %w", s.name, err)}
					return
				}
			}
			for _, args := range [][]string{{"invocation-id"}, {"-u", "invocation-id"}} {
				c := tooltest.Case{"keyring", args, nil}
				results <- outcome{s.name, args, both.RunReal(t, c.Args, c.Env), both.RunOurs(c.Args, c.Env), nil}
			}
			c := tooltest.Case{"keyring", []string{"invocation-id"}, []string{"INVOCATION_ID=00000000000000000000000000000001"}}
			results <- outcome{s.name + ", $INVOCATION_ID set", c.Args, both.RunReal(t, c.Args, c.Env), both.RunOurs(c.Args, c.Env), nil}
		}
	}()
	n := 0
	for o := range results {
		if o.setupError != nil {
			t.Fatalf("setting up the invocation key (needs keyring support): %v", o.setupError)
		}
		n++
		if !o.want.Equal(o.got) {
			t.Errorf("%s, %q:\n real: %v\n ours: %v", o.step, o.args, o.want, o.got)
		}
	}
	t.Logf("%d cases", n)
}
