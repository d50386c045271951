package journal

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/journal/native"
	"gosystemd/oracle"
)

// The test binary doubles as the client run in the guest: with
// helperEnv set it runs helperMain instead of the tests.
const (
	helperEnv  = "GOSD_DIFFTEST_HELPER"
	helperPath = "/usr/local/bin/gosd-difftest-helper"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helperMain(mode, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helperMain(mode string, args []string) error {
	switch mode {
	case "journal":
		// args: identifier; stdin: the entries as JSON.
		var entries [][]wireField
		if err := json.NewDecoder(os.Stdin).Decode(&entries); err != nil {
			return err
		}
		w, err := native.Open(native.SocketPath)
		if err != nil {
			return err
		}
		w.Identifier = args[0]
		for _, e := range entries {
			var fields []native.Field
			for _, f := range e {
				fields = append(fields, native.Field{Name: f.Name, Value: string(f.Value)})
			}
			if err := w.Send(fields...); err != nil {
				return err
			}
		}
		return nil
	case "notify":
		// args: unit, hex datagrams. Sends them as the service's main
		// process, waits on a barrier, prints the PIDs and the unit's
		// status.
		for _, h := range args[1:] {
			if err := notifySend(h); err != nil {
				return err
			}
		}
		fmt.Printf("sender=%d main=%d\n", os.Getpid(), os.Getpid())
		return barrierAndShow(args[0])
	case "notify-child":
		// args: unit, hex datagram sent by a child process, which stays
		// alive until PID 1 has handled it: PID 1 finds a sender's unit
		// by its cgroup.
		child := exec.Command("/proc/self/exe", args[1])
		child.Env = append(os.Environ(), helperEnv+"=send")
		child.Stderr = os.Stderr
		stdin, err := child.StdinPipe()
		if err != nil {
			return err
		}
		stdout, err := child.StdoutPipe()
		if err != nil {
			return err
		}
		if err := child.Start(); err != nil {
			return err
		}
		if _, err := stdout.Read(make([]byte, 1)); err != nil {
			return fmt.Errorf("child: %v", err)
		}
		fmt.Printf("sender=%d main=%d\n", child.Process.Pid, os.Getpid())
		err = barrierAndShow(args[0])
		stdin.Close()
		if werr := child.Wait(); werr != nil && err == nil {
			err = fmt.Errorf("child: %v", werr)
		}
		return err
	case "send":
		// The child of notify-child: sends, says so, waits for EOF.
		if err := notifySend(args[0]); err != nil {
			return err
		}
		os.Stdout.Write([]byte{'\n'})
		io.Copy(io.Discard, os.Stdin)
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// wireField is a field on its way to the helper: the value as bytes, so
// that JSON keeps invalid UTF-8 intact.
type wireField struct {
	Name  string
	Value []byte
}

func notifyAddr() (*unix.SockaddrUnix, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		path = "/run/systemd/notify" // NotifyAccess=none: not passed on
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	return &unix.SockaddrUnix{Name: path}, nil
}

func notifySend(hexData string) error {
	data, err := hex.DecodeString(hexData)
	if err != nil {
		return err
	}
	addr, err := notifyAddr()
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
	return unix.Sendto(fd, data, 0, addr)
}

// barrierAndShow does what sd_notify_barrier does, so that PID 1 has
// handled everything sent before, then prints the unit's StatusText and
// StatusErrno as busctl's JSON.
func barrierAndShow(unit string) error {
	addr, err := notifyAddr()
	if err != nil {
		return err
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	defer unix.Close(p[0])
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	err = unix.Sendmsg(fd, []byte("BARRIER=1"), unix.UnixRights(p[1]), addr, 0)
	unix.Close(p[1])
	if err != nil {
		return err
	}
	fds := []unix.PollFd{{Fd: int32(p[0])}}
	if n, err := unix.Poll(fds, 5000); err != nil || n == 0 {
		return fmt.Errorf("barrier not released: %v", err)
	}
	out, err := exec.Command("busctl", "--json=short", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
		"org.freedesktop.systemd1.Manager", "GetUnit", "s", unit).Output()
	if err != nil {
		return fmt.Errorf("GetUnit: %v", err)
	}
	var reply struct{ Data []string }
	if err := json.Unmarshal(out, &reply); err != nil || len(reply.Data) != 1 {
		return fmt.Errorf("GetUnit replied %q", out)
	}
	out, err = exec.Command("busctl", "--json=short", "get-property", "org.freedesktop.systemd1", reply.Data[0],
		"org.freedesktop.systemd1.Service", "StatusText", "StatusErrno").Output()
	os.Stdout.Write(out)
	return err
}

// bootReal boots real systemd 252 in a container with the test binary
// installed as the helper.
func bootReal(t *testing.T, name string) oracle.Sandbox {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the oracle needs root (namespaces, cgroups, mounts)")
	}
	repo, err := oracle.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	images, err := oracle.EnsureRootfs(repo)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := oracle.NewSandbox(oracle.ModeContainer, oracle.Config{Name: name, Impl: oracle.Real, Images: images,
		Files: []oracle.File{{Path: helperPath, Data: bin, Mode: 0o755}}, KernelArgs: oracle.BaseKernelArgs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := sb.Boot(ctx); err != nil {
		t.Fatalf("boot: %v\n%s", err, sb.Console())
	}
	return sb
}

// run runs argv in the guest and fails the test unless it exits 0.
func run(t *testing.T, sb oracle.Sandbox, stdin []byte, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := sb.Exec(ctx, argv, stdin)
	if r.Exit != 0 {
		t.Fatalf("%s: exit %d\n%s%s", strings.Join(argv, " "), r.Exit, r.Stdout, r.Stderr)
	}
	return string(r.Stdout)
}

// journalEntries reads the guest's journal with real journalctl -o json,
// after --sync, for the given matches (and options).
func journalEntries(t *testing.T, sb oracle.Sandbox, args ...string) [][]native.Field {
	t.Helper()
	run(t, sb, nil, "journalctl", "--sync")
	out := run(t, sb, nil, append([]string{"journalctl", "-o", "json", "--all", "--no-pager"}, args...)...)
	var entries [][]native.Field
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("journalctl -o json: %v\n%s", err, line)
		}
		var e []native.Field
		for name, raw := range m {
			for _, v := range jsonValues(t, raw) {
				e = append(e, native.Field{Name: name, Value: v})
			}
		}
		entries = append(entries, e)
	}
	return entries
}

// jsonValues decodes journalctl's JSON for a field: a string, an array of
// byte values (binary data), or an array of those (a repeated field).
func jsonValues(t *testing.T, raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var b []byte
	var ints []int
	if json.Unmarshal(raw, &ints) == nil {
		for _, i := range ints {
			b = append(b, byte(i))
		}
		return []string{string(b)}
	}
	var many []json.RawMessage
	if err := json.Unmarshal(raw, &many); err != nil {
		t.Fatalf("journalctl -o json value %s: %v", raw, err)
	}
	var out []string
	for _, r := range many {
		out = append(out, jsonValues(t, r)...)
	}
	return out
}

func fieldValue(e []native.Field, name string) string {
	for _, f := range e {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func bySeq(t *testing.T, entries [][]native.Field) map[int][]native.Field {
	m := map[int][]native.Field{}
	for _, e := range entries {
		i, err := strconv.Atoi(fieldValue(e, "SEQ"))
		if err != nil {
			t.Fatalf("entry without SEQ: %q", e)
		}
		m[i] = e
	}
	return m
}
