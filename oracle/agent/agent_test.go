package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// session runs Serve over pipes and speaks the protocol's runner side.
type session struct {
	t   *testing.T
	in  *io.PipeWriter
	out *bufio.Reader
}

func newSession(t *testing.T) *session {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(inR, outW); outW.Close() }()
	t.Cleanup(func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	s := &session{t: t, in: inW, out: bufio.NewReader(outR)}
	if r := s.recv(); !r.Ready {
		t.Fatalf("first answer is not the greeting: %+v", r)
	}
	return s
}

func (s *session) send(r Request) {
	b, _ := json.Marshal(r)
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) recv() Response {
	line, err := s.out.ReadBytes('\n')
	if err != nil {
		s.t.Fatal(err)
	}
	var r Response
	if err := json.Unmarshal(line, &r); err != nil {
		s.t.Fatalf("%v: %q", err, line)
	}
	return r
}

// hostRun runs argv as the agent does (env -i with Env), directly.
func hostRun(argv []string, stdin []byte) Response {
	cmd := exec.Command("/usr/bin/env", append(append([]string{"-i"}, Env...), argv...)...)
	cmd.Dir = "/"
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Run()
	r := Response{Stdout: out.Bytes(), Stderr: errb.Bytes(), Exit: -1}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.Exit = 128 + int(ws.Signal())
	} else if cmd.ProcessState != nil {
		r.Exit = cmd.ProcessState.ExitCode()
	}
	return r
}

func TestServeMatchesDirectRun(t *testing.T) {
	cases := []struct {
		argv  []string
		stdin []byte
	}{
		{argv: []string{"sh", "-c", "echo out; echo err >&2; exit 3"}},
		{argv: []string{"cat"}, stdin: []byte("from stdin\n")},
		{argv: []string{"sh", "-c", "env | sort; pwd"}},
		{argv: []string{"sh", "-c", "kill -9 $$"}},
		{argv: []string{"gosd-no-such-command"}},
		{argv: []string{"/etc/hostname"}},
		{argv: []string{"cat"}},
	}
	s := newSession(t)
	for i, c := range cases {
		s.send(Request{ID: uint64(i + 1), Argv: c.argv, Stdin: c.stdin, TimeoutMS: 10000})
		got := s.recv()
		want := hostRun(c.argv, c.stdin)
		want.ID = uint64(i + 1)
		if !bytes.Equal(got.Stdout, want.Stdout) || !bytes.Equal(got.Stderr, want.Stderr) || got.Exit != want.Exit || got.ID != want.ID || got.TimedOut {
			t.Errorf("%q:\n got %+v\nwant %+v", c.argv, got, want)
		}
	}
}

func TestServeTimeoutAndCancel(t *testing.T) {
	s := newSession(t)
	start := time.Now()
	s.send(Request{ID: 7, Argv: []string{"sh", "-c", "echo started; sleep 30"}, TimeoutMS: 300})
	s.send(Request{ID: 8, Argv: []string{"sleep", "30"}})
	s.send(Request{ID: 8, Cancel: true})
	seen := map[uint64]Response{}
	for len(seen) < 2 {
		r := s.recv()
		seen[r.ID] = r
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("timeout and cancel took %v", took)
	}
	for _, id := range []uint64{7, 8} {
		if r := seen[id]; !r.TimedOut || r.Exit != -1 {
			t.Errorf("id %d: %+v, want timed out with exit -1", id, r)
		}
	}
	if got := string(seen[7].Stdout); got != "started\n" {
		t.Errorf("output before the timeout: %q", got)
	}
}

func TestServeDoesNotWaitForLeftovers(t *testing.T) {
	s := newSession(t)
	start := time.Now()
	s.send(Request{ID: 1, Argv: []string{"sh", "-c", "sleep 30 & echo hi"}, TimeoutMS: 20000})
	r := s.recv()
	if r.Exit != 0 || string(r.Stdout) != "hi\n" || time.Since(start) > 5*time.Second {
		t.Errorf("got %+v after %v", r, time.Since(start))
	}
}

func TestServeWaitPaths(t *testing.T) {
	dir := t.TempDir()
	s := newSession(t)
	s.send(Request{ID: 1, WaitPaths: []string{dir + "/a", dir + "/b"}, TimeoutMS: 10000})
	s.send(Request{ID: 2, WaitPaths: []string{dir + "/never"}, TimeoutMS: 200})
	if r := s.recv(); r.ID != 2 || !r.TimedOut || r.Exit != -1 {
		t.Errorf("missing path: %+v", r)
	}
	if err := os.WriteFile(dir+"/b", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := s.recv(); r.ID != 1 || r.Exit != 0 || string(r.Stdout) != dir+"/b" {
		t.Errorf("present path: %+v", r)
	}
}

func TestServeBadRequests(t *testing.T) {
	s := newSession(t)
	s.send(Request{ID: 3})
	if r := s.recv(); r.ID != 3 || r.Exit != -1 || !strings.Contains(string(r.Stderr), "empty command") {
		t.Errorf("empty argv: %+v", r)
	}
	s.in.Write([]byte("{not json\n"))
	if r := s.recv(); r.Exit != -1 || !strings.Contains(string(r.Stderr), "bad request") {
		t.Errorf("bad json: %+v", r)
	}
}

func TestCapBuffer(t *testing.T) {
	c := &capBuffer{max: 4}
	c.Write([]byte("abc"))
	c.Write([]byte("defg"))
	if got := string(c.bytes()); got != "abcd\n[3 more bytes not kept]\n" {
		t.Errorf("got %q", got)
	}
}
